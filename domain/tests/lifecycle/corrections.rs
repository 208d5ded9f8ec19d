//! Corrections.

use super::*;

pub(super) fn correction_body(event_id: Uuid, field: &str, new_value: Option<&str>) -> CommandBody {
    CommandBody::CorrectEntry(CorrectEntry {
        event_id,
        field: field.into(),
        new_value: new_value.map(str::to_owned),
        reason: "lỗi đánh máy".into(),
    })
}

#[test]
fn a_correction_names_the_event_the_field_the_old_and_new_value() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    let event = s
        .when(
            s.province_secretary(),
            correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
        )
        .then_accepted();
    assert_eq!(
        event,
        EventBody::EntryCorrected(EntryCorrected {
            corrected_event_id: decision,
            corrected_event_type: "RecognitionDecided".into(),
            field: "decision_no".into(),
            old_value: Some("156/QĐ-UBND".into()),
            new_value: Some("165/QĐ-UBND".into()),
            reason: "lỗi đánh máy".into(),
            corrected_on: d("2026-01-15"),
        })
    );
    s.run(
        s.province_secretary(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    );
    assert_eq!(
        s.state.recognition.as_ref().unwrap().decision_no,
        "165/QĐ-UBND"
    );
    s.when(
        s.province_secretary(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    )
    .then_error(DomainError::CorrectionUnchanged {
        field: "decision_no".into(),
    });
}

#[test]
fn a_correction_of_the_product_name_changes_the_state() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let registered = s.last_event_id();
    s.run(
        s.province_secretary(),
        correction_body(registered, "name", Some("Mật ong hoa cà phê Đắk Song")),
    );
    assert_eq!(s.state.name, "Mật ong hoa cà phê Đắk Song");
    assert_eq!(
        s.state.corrections[0].old_value.as_deref(),
        Some("Mật ong hoa cà phê")
    );
}

#[test]
fn a_correction_naming_an_unknown_event_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let ghost = Uuid::from_u128(0xBEEF);
    s.when(
        s.province_secretary(),
        correction_body(ghost, "decision_no", Some("1")),
    )
    .then_error(DomainError::UnknownEvent { event_id: ghost });
}

#[test]
fn stars_and_scores_cannot_be_corrected_clerically() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.province_secretary(),
        correction_body(decision, "stars", Some("5")),
    )
    .then_error(DomainError::FieldNotCorrectable {
        event_type: "RecognitionDecided".into(),
        field: "stars".into(),
    });
}

#[test]
fn a_required_field_cannot_be_cleared_by_a_correction() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.province_secretary(),
        correction_body(decision, "decision_no", None),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "new_value".into(),
    });
    s.when(
        s.province_secretary(),
        correction_body(decision, "certificate_no", Some("GCN-01")),
    )
    .then_accepted();
}

#[test]
fn a_commune_officer_cannot_correct_entries() {
    let mut s = Scenario::recognized_4_stars_2025();
    let decision = s.last_event_id();
    s.when(
        s.officer(),
        correction_body(decision, "decision_no", Some("165/QĐ-UBND")),
    )
    .then_rejected("forbidden");
}
