//! Registration.

use super::*;

#[test]
fn a_commune_officer_registers_a_product_of_their_commune() {
    let mut s = Scenario::lam_dong();
    let body = s.register_body("2025-08-01");
    let event = s.when(s.officer(), body).then_accepted();
    let EventBody::ProductRegistered(e) = event else {
        panic!("{event:?}")
    };
    assert_eq!(e.product_id, s.product_id);
    assert_eq!(e.name, "Mật ong hoa cà phê");
    assert_eq!(e.producer.tax_code.as_deref(), Some("6400123456"));
    assert_eq!(e.registered_on, d("2025-08-01"));
    s.register("2025-08-01");
    assert_eq!(s.state.status, Status::Registered);
    assert_eq!(s.state.version, 1);
}

#[test]
fn registering_a_product_twice_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let body = s.register_body("2025-08-02");
    s.when(s.officer(), body)
        .then_error(DomainError::AlreadyRegistered {
            product_id: s.product_id,
        });
}

#[test]
fn a_commune_officer_of_another_commune_cannot_register_the_product() {
    let mut s = Scenario::lam_dong();
    let body = s.register_body("2025-08-01");
    s.when(commune_officer("province:68/commune:24731"), body)
        .then_rejected("forbidden");
}

#[test]
fn a_product_without_commune_or_district_is_rejected() {
    let mut s = Scenario::lam_dong();
    let CommandBody::RegisterProduct(mut body) = s.register_body("2025-08-01") else {
        unreachable!()
    };
    body.commune = None;
    s.when(s.officer(), CommandBody::RegisterProduct(body))
        .then_error(DomainError::LocationMissing);
}

#[test]
fn a_product_with_a_blank_name_is_rejected() {
    let mut s = Scenario::lam_dong();
    let CommandBody::RegisterProduct(mut body) = s.register_body("2025-08-01") else {
        unreachable!()
    };
    body.name = "  ".into();
    s.when(s.officer(), CommandBody::RegisterProduct(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "name".into(),
        });
}

#[test]
fn a_district_secretary_registers_a_product_of_their_district() {
    let mut s = Scenario::ha_noi_district();
    let body = s.register_body("2023-05-01");
    let actor = s.secretary(Level::District);
    s.when(actor, body).then_accepted();
}

#[test]
fn commands_on_an_unregistered_product_are_not_found() {
    let mut s = Scenario::lam_dong();
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    )
    .then_error(DomainError::NotRegistered);
}

#[test]
fn a_command_addressed_to_another_product_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let mut command = s.command(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    );
    command.meta.product_id = Uuid::from_u128(0xB000);
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::WrongProduct {
            expected: s.product_id,
            given: Uuid::from_u128(0xB000),
        });
}

#[test]
fn a_command_without_a_fresh_event_id_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let mut command = s.command(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-01"),
    );
    command.meta.new_event_ids.clear();
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::IdsExhausted {
            needed: 1,
            given: 0,
        });
}
