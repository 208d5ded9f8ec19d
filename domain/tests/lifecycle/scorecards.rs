//! Scorecards.

use super::*;

#[test]
fn part_a_of_41_is_rejected_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    let body = s.card_parts(1, (41, 20, 20), &[], "2023-06-10");
    s.when(s.secretary(Level::District), body)
        .then_error(DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 41,
            max: 40,
            rules_version: qd148(),
        });
    let body = s.card_parts(1, (40, 25, 35), &[], "2023-06-10");
    s.when(s.secretary(Level::District), body).then_accepted();
}

#[test]
fn part_a_of_36_is_rejected_under_qd1048_2019() {
    let mut s = Scenario::ha_noi_district();
    s.register("2021-03-01")
        .open(RoundKind::Initial, "2021-04-01")
        .convene(Level::District, 3, 3, None, "2021-04-10");
    let body = s.card_parts(1, (36, 20, 20), &[], "2021-04-10");
    s.when(s.secretary(Level::District), body)
        .then_error(DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 36,
            max: 35,
            rules_version: RulesVersionId::QD1048_2019,
        });
    let body = s.card_parts(1, (35, 25, 40), &[], "2021-04-10");
    s.when(s.secretary(Level::District), body).then_accepted();
}

#[test]
fn parts_b_and_c_are_checked_against_their_maxima_too() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_parts(1, (30, 26, 20), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_rejected("part_above_maximum");
    let body = s.card_parts(1, (30, 20, 36), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_rejected("part_above_maximum");
}

#[test]
fn a_card_from_someone_not_on_the_council_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_parts(9, (30, 20, 20), &[], "2025-09-10");
    s.when(s.province_secretary(), body)
        .then_error(DomainError::UnknownMember {
            member_id: "m9".into(),
            level: Level::Provincial,
        });
}

#[test]
fn a_new_card_from_the_same_member_supersedes_the_old_one() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70], "2025-09-10");
    let first = s.last_event_id();
    let body = s.card_body(1, 75, &[], "2025-09-10");
    let event = s.when(s.province_secretary(), body.clone()).then_accepted();
    let EventBody::ScorecardRecorded(e) = event else {
        panic!()
    };
    assert_eq!((e.supersedes, e.total), (Some(first), 75));
    s.run(s.province_secretary(), body);
    let council = &s.state.current_evaluation.as_ref().unwrap().councils[0];
    assert_eq!(council.scorecards.len(), 1);
    assert_eq!(
        (
            council.scorecards[0].total,
            council.scorecards[0].superseded.clone()
        ),
        (75, vec![first])
    );
}

#[test]
fn scorecards_wait_for_a_sitting_council() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    let CommandBody::RecordScorecard(card) = Scenario::lam_dong_card() else {
        unreachable!()
    };
    s.when(s.province_secretary(), CommandBody::RecordScorecard(card))
        .then_rejected("wrong_stage");
}

trait CardFixture {
    fn lam_dong_card() -> CommandBody;
}
impl CardFixture for Scenario {
    fn lam_dong_card() -> CommandBody {
        CommandBody::RecordScorecard(RecordScorecard {
            member_id: "m1".into(),
            recorded_on: d("2025-09-10"),
            part_a: 30,
            part_b: 20,
            part_c: 20,
            mandatory_failed: vec![],
            criteria: vec![CriterionPoints {
                code: "A1".into(),
                points: 4,
            }],
        })
    }
}

#[test]
fn a_card_dated_before_the_council_met_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    let body = s.card_body(1, 70, &[], "2025-09-09");
    s.when(s.province_secretary(), body)
        .then_rejected("date_before_earlier_step");
}
