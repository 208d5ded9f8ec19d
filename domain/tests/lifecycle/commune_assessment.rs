//! Commune assessment.

use super::*;

#[test]
fn the_commune_forwards_a_dossier_to_the_provincial_council() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01");
    let event = s
        .when(s.officer(), Scenario::assess_body(true, "2025-09-05"))
        .then_accepted();
    let EventBody::LocalAssessmentRecorded(e) = &event else {
        panic!()
    };
    assert_eq!(
        (e.level, e.forwarded_to, e.rules_version.clone()),
        (Level::Commune, Some(Level::Provincial), qd1489())
    );
    s.assess(true, "2025-09-05");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
}

#[test]
fn a_dossier_the_commune_does_not_forward_ends_the_round_unrecognised() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(false, "2025-09-05");
    assert_eq!(s.state.status, Status::NotRecognized);
    assert!(s.state.current_evaluation.is_none());
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::NotForwarded
    );
}

#[test]
fn there_is_no_commune_assessment_under_qd148_2023() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-05-01")
        .open(RoundKind::Initial, "2023-06-01");
    s.when(s.officer(), Scenario::assess_body(true, "2023-06-05"))
        .then_error(DomainError::LevelNotInRulesVersion {
            level: Level::Commune,
            rules_version: qd148(),
        });
}

#[test]
fn the_commune_assesses_a_dossier_only_once() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.when(s.officer(), Scenario::assess_body(true, "2025-09-06"))
        .then_rejected("wrong_stage");
}
