//! Opening a round.

use super::*;

#[test]
fn a_round_is_judged_under_the_rules_in_force_on_the_day_it_opened() {
    let mut s = Scenario::lam_dong();
    s.register("2025-07-01");
    let event = s
        .when(
            s.officer(),
            Scenario::open_body(RoundKind::Initial, "2025-09-01"),
        )
        .then_accepted();
    let EventBody::EvaluationOpened(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.round, e.rules_version, e.first_level),
        (1, qd1489(), Level::Commune)
    );

    let mut old = Scenario::ha_noi_district();
    old.register("2023-05-01");
    let event = old
        .when(
            old.officer(),
            Scenario::open_body(RoundKind::Initial, "2023-06-01"),
        )
        .then_accepted();
    let EventBody::EvaluationOpened(e) = event else {
        panic!()
    };
    assert_eq!((e.rules_version, e.first_level), (qd148(), Level::District));
}

#[test]
fn opening_a_round_puts_the_product_in_evaluation_at_the_dossier_stage() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    assert_eq!(s.state.status, Status::InEvaluation);
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.round, round.level, round.stage),
        (1, Level::Commune, Stage::Dossier)
    );
    assert_eq!(round.documents.len(), 2);
}

#[test]
fn a_round_opened_before_2019_08_21_has_no_rules_in_force() {
    let mut s = Scenario::ha_noi_district();
    s.register("2019-01-10");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2019-08-20"),
    )
    .then_error(DomainError::NoRulesInForce {
        date: d("2019-08-20"),
    });
}

#[test]
fn a_second_round_cannot_open_while_one_is_open() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-09-02"),
    )
    .then_error(DomainError::RoundAlreadyOpen { round: 1 });
}

#[test]
fn a_dossier_without_documents_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let body = CommandBody::OpenEvaluation(OpenEvaluation {
        kind: RoundKind::Initial,
        opened_on: d("2025-09-01"),
        documents: vec![],
        legal_basis: None,
    });
    s.when(s.officer(), body)
        .then_error(DomainError::EmptyDossier);
}

#[test]
fn a_round_dated_before_the_registration_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2025-07-31"),
    )
    .then_error(DomainError::DateBeforeEarlierStep {
        field: "opened_on".into(),
        date: d("2025-07-31"),
        step: "registration".into(),
        step_date: d("2025-08-01"),
    });
}

#[test]
fn a_recognised_product_opens_a_re_evaluation_not_an_initial_round() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2026-01-01"),
    )
    .then_rejected("wrong_state");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::ReEvaluation, "2028-07-01"),
    )
    .then_accepted();
}

#[test]
fn a_re_evaluation_needs_a_current_recognition() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::ReEvaluation, "2025-09-01"),
    )
    .then_rejected("wrong_state");
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Upgrade, "2025-09-01"),
    )
    .then_rejected("wrong_state");
}

#[test]
fn a_five_star_product_cannot_be_upgraded() {
    let mut s = Scenario::lam_dong();
    s.run(admin(), legacy_body(5, Some("92.5"), "2024-03-01"));
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Upgrade, "2025-09-01"),
    )
    .then_error(DomainError::NothingToUpgrade { stars: 5 });
}

#[test]
fn a_product_under_re_evaluation_stays_recognised() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(s.state.current_evaluation.as_ref().unwrap().round, 2);
}

#[test]
fn a_revoked_product_comes_back_only_through_a_round_with_a_legal_basis() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(s.province_secretary(), revocation_body("2025-12-01"));
    assert_eq!(s.state.status, Status::Revoked);
    s.when(
        s.officer(),
        Scenario::open_body(RoundKind::Initial, "2026-02-01"),
    )
    .then_error(DomainError::LegalBasisRequired);
    let body = CommandBody::OpenEvaluation(OpenEvaluation {
        kind: RoundKind::Initial,
        opened_on: d("2026-02-01"),
        documents: vec![doc("registration_form")],
        legal_basis: Some("Công văn 88/SNN-PTNT cho phép đánh giá lại".into()),
    });
    let state = s.when(s.officer(), body).then_state();
    assert_eq!(state.status, Status::InEvaluation);
}

#[test]
fn a_district_secretary_opens_rounds_only_under_versions_with_a_district_level() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01");
    let actor = s.secretary(Level::District);
    s.when(
        actor.clone(),
        Scenario::open_body(RoundKind::Initial, "2023-06-01"),
    )
    .then_accepted();
    s.when(actor, Scenario::open_body(RoundKind::Initial, "2025-08-01"))
        .then_rejected("forbidden");
}
