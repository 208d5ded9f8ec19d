//! Withdrawal.

use super::*;

fn withdrawal_body(on: &str) -> CommandBody {
    CommandBody::WithdrawProduct(WithdrawProduct {
        withdrawn_on: d(on),
        reason: "ngừng sản xuất".into(),
    })
}

#[test]
fn the_producer_withdraws_and_the_recognition_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(s.officer(), withdrawal_body("2026-01-10"));
    assert_eq!(s.state.status, Status::Withdrawn);
    assert!(s.state.recognition.is_none());
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Withdrawn
    );
    s.when(s.officer(), withdrawal_body("2026-01-11"))
        .then_rejected("wrong_state");
    // Complaints are still recorded, and the producer may come back with a new round.
    s.run(inspector("province:68"), complaint_body("2026-02-01"));
    s.open(RoundKind::Initial, "2026-03-01");
    assert_eq!(s.state.status, Status::InEvaluation);
}

#[test]
fn withdrawal_during_a_round_abandons_the_round() {
    let mut s = Scenario::provincial_council_2025();
    s.run(s.province_secretary(), withdrawal_body("2025-09-11"));
    assert!(s.state.current_evaluation.is_none());
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Abandoned
    );
}
