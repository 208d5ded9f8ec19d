//! Return and amend.

use super::*;

fn return_body(on: &str) -> CommandBody {
    CommandBody::ReturnDossier(ReturnDossier {
        returned_on: d(on),
        reasons: vec!["thiếu phiếu kiểm nghiệm".into()],
    })
}

fn amend_body(on: &str) -> CommandBody {
    CommandBody::AmendDossier(AmendDossier {
        amended_on: d(on),
        documents: vec![doc("test_result"), doc("business_plan")],
    })
}

#[test]
fn the_commune_returns_a_dossier_and_the_amended_dossier_goes_back_to_review() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.run(s.officer(), return_body("2025-09-03"));
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().stage,
        Stage::Returned
    );
    s.run(s.officer(), amend_body("2025-09-04"));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.stage, Stage::Dossier);
    // business_plan replaced (same kind and title), test_result added.
    assert_eq!(round.documents.len(), 3);
    assert_eq!(round.returns[0].amended_on, Some(d("2025-09-04")));
    s.assess(true, "2025-09-05");
}

#[test]
fn the_province_returns_a_forwarded_dossier_but_the_commune_cannot_at_that_level() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(s.officer(), return_body("2025-09-06"))
        .then_rejected("forbidden");
    s.run(s.province_secretary(), return_body("2025-09-06"));
    s.run(s.officer(), amend_body("2025-09-08"));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
}

#[test]
fn a_dossier_cannot_be_returned_without_reasons() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    let body = CommandBody::ReturnDossier(ReturnDossier {
        returned_on: d("2025-09-03"),
        reasons: vec![" ".into()],
    });
    s.when(s.officer(), body)
        .then_error(DomainError::RequiredFieldMissing {
            field: "reasons".into(),
        });
}

#[test]
fn a_dossier_that_was_not_returned_cannot_be_amended() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    s.when(s.officer(), amend_body("2025-09-04"))
        .then_rejected("wrong_stage");
}

#[test]
fn a_dossier_before_a_sitting_council_cannot_be_returned() {
    let mut s = Scenario::provincial_council_2025();
    s.when(s.province_secretary(), return_body("2025-09-11"))
        .then_rejected("wrong_stage");
}

#[test]
fn return_and_amend_need_an_open_round() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    s.when(s.officer(), return_body("2025-09-03"))
        .then_error(DomainError::NoOpenRound {
            command: "return the dossier".into(),
        });
}
