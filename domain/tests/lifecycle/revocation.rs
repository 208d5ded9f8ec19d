//! Revocation.

use super::*;

pub(super) fn revocation_body(on: &str) -> CommandBody {
    CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d(on),
        decision_no: "999/QĐ-UBND".into(),
        authority: "UBND tỉnh Lâm Đồng".into(),
        grounds: vec![RevocationGround::FoodSafetyViolation],
        details: "vi phạm an toàn thực phẩm".into(),
    })
}

#[test]
fn the_recognising_province_revokes_and_the_mark_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    let event = s
        .when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
    let EventBody::RecognitionRevoked(e) = event else {
        panic!()
    };
    assert_eq!(
        (
            e.level,
            e.stars,
            e.revoked_decision_no.as_str(),
            e.rules_version
        ),
        (Level::Provincial, 4, "156/QĐ-UBND", qd1489())
    );
    s.run(s.province_secretary(), revocation_body("2025-12-01"));
    assert_eq!(s.state.status, Status::Revoked);
    assert!(s.state.recognition.is_none());
    assert_eq!(s.state.revocations.len(), 1);
    assert_eq!(s.state.recognition_valid_on(d("2025-12-02")), None);
    assert!(s.state.recognition_valid_on(d("2025-11-30")).is_some());
}

#[test]
fn another_province_cannot_revoke() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(provincial_secretary("01"), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
}

#[test]
fn the_ministry_may_revoke_a_provincial_award() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(central_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
}

#[test]
fn only_the_central_secretary_revokes_a_five_star_recognition() {
    let mut s = Scenario::lam_dong();
    s.run(admin(), legacy_body(5, None, "2024-03-01"));
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
    s.when(central_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
}

#[test]
fn the_province_revokes_a_district_award_after_the_districts_were_abolished() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[60, 60, 60], "2023-06-10")
        .conclude("2023-06-12")
        .decide(3, "2023-06-20");
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_accepted();
    s.when(provincial_secretary("68"), revocation_body("2025-12-01"))
        .then_rejected("forbidden");
}

fn revocation_on_ground(on: &str, ground: RevocationGround, authority: &str) -> CommandBody {
    CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d(on),
        decision_no: "998/QĐ-UBND".into(),
        authority: authority.into(),
        grounds: vec![ground],
        details: String::new(),
    })
}

#[test]
fn not_re_evaluated_is_a_ground_only_once_the_validity_has_ended() {
    // Recognised 2025-09-20, valid until 2028-09-20.
    let mut s = Scenario::recognized_4_stars_2025();
    let body = revocation_on_ground(
        "2025-12-01",
        RevocationGround::NotReEvaluated,
        "UBND tỉnh Lâm Đồng",
    );
    let err = s
        .when(s.province_secretary(), body)
        .then_rejected("revocation_ground_not_met");
    assert!(err.to_string().contains("valid until 2028-09-20"), "{err}");
    let body = revocation_on_ground(
        "2028-10-01",
        RevocationGround::NotReEvaluated,
        "UBND tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), body).then_accepted();
}

#[test]
fn failed_mandatory_criteria_is_a_ground_only_after_a_round_that_failed_one() {
    let mut s = Scenario::recognized_4_stars_2025();
    let body = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FailedMandatoryCriteria,
        "UBND tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), body)
        .then_rejected("revocation_ground_not_met");
}

#[test]
fn only_the_recognising_authority_revokes_whatever_its_spelling() {
    let mut s = Scenario::recognized_4_stars_2025();
    let other = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "UBND tỉnh Đắk Lắk",
    );
    s.when(s.province_secretary(), other)
        .then_error(DomainError::RevokedByOtherAuthority {
            authority: "UBND tỉnh Đắk Lắk".into(),
            recognised_by: "UBND tỉnh Lâm Đồng".into(),
        });
    let spelled_out = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "Ủy ban nhân dân tỉnh Lâm Đồng",
    );
    s.when(s.province_secretary(), spelled_out).then_accepted();
    // The ministry revokes under its own name.
    let ministry = revocation_on_ground(
        "2025-12-01",
        RevocationGround::FoodSafetyViolation,
        "Bộ Nông nghiệp và Môi trường",
    );
    s.when(central_secretary(), ministry).then_accepted();
}

#[test]
fn the_central_council_concludes_only_with_five_members_present_whatever_quorum_it_set() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    // A council of 7 that sets its own quorum at 3, and 4 cards.
    s.convene(Level::Central, 7, 3, None, "2025-11-01")
        .cards(&[92, 91, 90, 93], "2025-11-01");
    s.when(central_secretary(), Scenario::conclude_body("2025-11-02"))
        .then_error(DomainError::QuorumNotMet {
            present: 4,
            required: 5,
        });
    let fifth = s.card_body(5, 90, &[], "2025-11-01");
    s.run(central_secretary(), fifth).conclude("2025-11-02");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results.len(),
        2
    );
}

#[test]
fn a_product_without_a_recognition_cannot_be_revoked() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(s.province_secretary(), revocation_body("2025-12-01"))
        .then_error(DomainError::NoRecognition);
}

#[test]
fn a_revocation_needs_grounds_and_cannot_precede_the_recognition() {
    let mut s = Scenario::recognized_4_stars_2025();
    let CommandBody::RevokeRecognition(mut body) = revocation_body("2025-12-01") else {
        unreachable!()
    };
    body.grounds.clear();
    s.when(s.province_secretary(), CommandBody::RevokeRecognition(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "grounds".into(),
        });
    s.when(s.province_secretary(), revocation_body("2025-09-19"))
        .then_rejected("date_before_earlier_step");
}

#[test]
fn an_expired_recognition_may_be_revoked_for_not_being_re_evaluated() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(system(), expire("2028-09-21"));
    let body = CommandBody::RevokeRecognition(RevokeRecognition {
        decided_on: d("2028-10-15"),
        decision_no: "1001/QĐ-UBND".into(),
        authority: "UBND tỉnh Lâm Đồng".into(),
        grounds: vec![RevocationGround::NotReEvaluated],
        details: String::new(),
    });
    s.run(s.province_secretary(), body);
    assert_eq!(s.state.status, Status::Revoked);
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Revoked
    );
}
