//! Legacy import.

use super::*;

pub(super) fn legacy_body(stars: u8, score: Option<&str>, decided_on: &str) -> CommandBody {
    CommandBody::ImportLegacyRecognition(ImportLegacyRecognition {
        province: "68".parse().unwrap(),
        district: None,
        commune: Some("24730".parse().unwrap()),
        local_code: None,
        product_name: "Cà phê Robusta".into(),
        producer_name: "HTX Cà phê Đắk Song".into(),
        producer_kind: ProducerKind::Cooperative,
        product_group: ProductGroup::Drinks,
        stars,
        score: score.map(str::to_owned),
        decision_no: "2361/QĐ-UBND".into(),
        decided_on: d(decided_on),
        authority: "UBND tỉnh Lâm Đồng".into(),
        valid_until: None,
        source: Some("lam-dong.csv:2".into()),
        certificate_no: None,
        potential_five_star: false,
        level: None,
    })
}

#[test]
fn an_admin_imports_a_legacy_recognition_with_its_validity_computed_and_gaps_listed() {
    let mut s = Scenario::lam_dong();
    let event = s
        .when(admin(), legacy_body(4, Some("72.5"), "2024-02-29"))
        .then_accepted();
    let EventBody::LegacyRecognitionImported(e) = &event else {
        panic!()
    };
    assert_eq!(e.valid_until, d("2027-02-28"));
    assert_eq!(e.rules_version, Some(qd148()));
    assert_eq!(e.level, Level::Provincial);
    assert_eq!(
        e.missing_evidence,
        vec!["valid_until".to_owned(), "local_code".to_owned()]
    );
    s.run(admin(), legacy_body(4, Some("72.5"), "2024-02-29"));
    let rec = s.state.recognition.as_ref().unwrap();
    assert!(rec.legacy);
    assert_eq!(
        (s.state.status, rec.mean.clone()),
        (Status::Recognized, Some("72.50".into()))
    );
    assert_eq!(s.state.name, "Cà phê Robusta");
}

#[test]
fn only_an_admin_imports_legacy_recognitions() {
    let mut s = Scenario::lam_dong();
    s.when(
        provincial_secretary("68"),
        legacy_body(4, None, "2024-02-29"),
    )
    .then_rejected("forbidden");
}

#[test]
fn a_legacy_recognition_above_its_recorded_score_band_is_imported_as_written() {
    // Rule 12: the decision exists in law; the audit flags it, the import records it.
    let mut s = Scenario::lam_dong();
    let EventBody::LegacyRecognitionImported(e) = s
        .when(admin(), legacy_body(4, Some("68.00"), "2024-02-29"))
        .then_accepted()
    else {
        panic!("a legacy import")
    };
    assert_eq!(
        (e.stars, e.score.map(|m| m.display())),
        (4, Some("68.00".to_owned()))
    );
}

#[test]
fn a_legacy_score_that_is_not_a_two_place_decimal_up_to_100_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.when(admin(), legacy_body(4, Some("72,5"), "2024-02-29"))
        .then_error(DomainError::InvalidScore {
            value: "72,5".into(),
        });
    s.when(admin(), legacy_body(4, Some("100.5"), "2024-02-29"))
        .then_rejected("invalid_score");
}

#[test]
fn a_legacy_recognition_before_2019_08_21_has_no_rules_version() {
    let mut s = Scenario::lam_dong();
    let event = s
        .when(admin(), legacy_body(3, None, "2018-12-20"))
        .then_accepted();
    assert_eq!(event.rules_version(), None);
}

#[test]
fn a_legacy_recognition_cannot_be_imported_onto_an_existing_product() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(admin(), legacy_body(3, None, "2024-02-29"))
        .then_error(DomainError::AlreadyRegistered {
            product_id: s.product_id,
        });
}
