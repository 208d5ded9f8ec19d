//! Conclusion.

use super::*;

#[test]
fn four_cards_where_the_quorum_is_five_cannot_be_concluded() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 7, 5, None, "2025-09-10")
        .cards(&[80, 80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_error(DomainError::QuorumNotMet {
        present: 4,
        required: 5,
    });
    s.cards(&[80, 80, 80, 80, 81], "2025-09-10")
        .conclude("2025-09-12");
}

#[test]
fn the_chair_must_have_scored_when_the_quorum_requires_it() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 4, 3, None, "2025-09-10");
    for m in 2..=4 {
        let body = s.card_body(m, 80, &[], "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_error(DomainError::ChairAbsent);
}

#[test]
fn the_engine_derives_the_whole_conclusion_from_the_cards() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70, 70, 69], "2025-09-10");
    let council = s.state.current_evaluation.as_ref().unwrap().councils[0].clone();
    let expected = EventBody::ScoringConcluded(ScoringConcluded {
        round: 1,
        rules_version: qd1489(),
        level: Level::Provincial,
        council_ref: "1234/QĐ-UBND".into(),
        concluded_on: d("2025-09-12"),
        scorecards: council
            .scorecards
            .iter()
            .map(|c| CountedCard {
                member_id: c.member_id.clone(),
                scorecard_event_id: c.event_id,
                total: c.total,
            })
            .collect(),
        members_present: 3,
        chair_present: true,
        quorum: Quorum {
            min_present: 3,
            chair_required: true,
        },
        quorum_met: true,
        mean: Mean::new(209, 3).unwrap(),
        mean_display: "69.67".into(),
        band_stars: 3,
        spread: 1,
        spread_limit: None,
        spread_within_limit: true,
        mandatory_failed: vec![],
        mandatory_met: true,
        mandatory_blocks_from: None,
        outcome: ScoringOutcome::Award {
            stars: 3,
            potential_five_star: false,
        },
    });
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_events(&[expected]);
}

#[test]
fn totals_60_and_75_with_a_spread_limit_of_10_require_re_scoring() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 2, 2, Some(10), "2025-09-10")
        .cards(&[60, 75], "2025-09-10");
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.outcome, e.spread, e.spread_within_limit),
        (ScoringOutcome::RescoreRequired, 15, false)
    );
    s.conclude("2025-09-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().stage,
        Stage::Council
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::RescoreRequired {
        spread: 15,
        spread_limit: 10,
    });
    // Re-scoring supersedes the cards; concluding again gives a result.
    s.cards(&[70, 75], "2025-09-13").conclude("2025-09-13");
    let result = s
        .state
        .current_evaluation
        .as_ref()
        .unwrap()
        .results
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (result.mean.as_str(), result.outcome),
        (
            "72.50",
            ScoringOutcome::Award {
                stars: 4,
                potential_five_star: false
            }
        )
    );
    s.decide(4, "2025-09-20");
}

#[test]
fn a_failed_mandatory_criterion_blocks_the_award() {
    let mut s = Scenario::provincial_council_2025();
    for (m, failed) in [(1, vec!["C1"]), (2, vec!["C1", "A3"]), (3, vec![])] {
        let body = s.card_body(m, 90, &failed, "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.outcome, e.mandatory_failed.clone(), e.mandatory_met),
        (ScoringOutcome::NotRecognized, vec!["C1".to_owned()], false)
    );
    assert_eq!(e.band_stars, 5);
    s.conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["C1".into()],
    });
    let event = s
        .when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_accepted();
    let EventBody::RecognitionRefused(e) = event else {
        panic!()
    };
    assert_eq!(
        (e.mandatory_failed, e.mean),
        (vec!["C1".to_owned()], "90.00".to_owned())
    );
    s.refuse("2025-09-20");
    assert_eq!(s.state.status, Status::NotRecognized);
}

/// Concludes the provincial council of 2025 on three cards of `total` points, two of
/// which name `failed`, and returns the conclusion.
fn concluded_with_failed(s: &mut Scenario, total: u32, failed: &str) -> ScoringConcluded {
    for (m, f) in [(1, vec![failed]), (2, vec![failed]), (3, vec![])] {
        let body = s.card_body(m, total, &f, "2025-09-10");
        s.run(s.province_secretary(), body);
    }
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    s.conclude("2025-09-12");
    e
}

#[test]
fn a_failed_4_star_criterion_leaves_the_3_star_band_a_mean_of_80_reaches() {
    // Given a food product scored 80 under qd1489-2025, SHTT (mandatory from 4★ in the
    // sheet) failed on two of three cards; when the council concludes; then the outcome is
    // 3★, not "not recognised" (rule 2), and a 4★ decision is refused.
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "SHTT");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from, e.band_stars),
        (
            ScoringOutcome::Award {
                stars: 3,
                potential_five_star: false
            },
            Some(4),
            4
        )
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["SHTT".into()],
    });
    s.decide(3, "2025-09-20");
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 3);
}

fn reopen_body(on: &str, reason: &str) -> CommandBody {
    CommandBody::ReopenScoring(ReopenScoring {
        reopened_on: d(on),
        reason: reason.into(),
    })
}

#[test]
fn a_card_entered_wrong_is_corrected_by_re_opening_the_scoring_before_the_decision() {
    // Given a conclusion on cards of 80, 80 and 60 — the third entered wrong, 80 meant;
    // when the secretary re-opens the scoring with a reason, enters the corrected card and
    // concludes again; then both conclusions are on record, the first set aside with the
    // reason, and the decision rests on the second.
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 60], "2025-09-10").conclude("2025-09-12");
    let event = s
        .when(
            s.province_secretary(),
            reopen_body("2025-09-13", "Phiếu của m3 nhập sai: 60 thay vì 80"),
        )
        .then_accepted();
    let EventBody::ScoringReopened(e) = event else {
        panic!("{event:?}")
    };
    let first = s.state.current_evaluation.as_ref().unwrap().results[0].event_id;
    assert_eq!((e.conclusion_event_id, e.level), (first, Level::Provincial));
    s.run(
        s.province_secretary(),
        reopen_body("2025-09-13", "Phiếu của m3 nhập sai: 60 thay vì 80"),
    );
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.stage, Stage::Council);
    assert!(round.results[0].reopened.is_some());
    // The decision waits for the new conclusion.
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_rejected("wrong_stage");
    // A conclusion dated before the re-opening is refused.
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_rejected("date_before_earlier_step");
    let card = s.card_body(3, 80, &[], "2025-09-14");
    s.run(s.province_secretary(), card);
    s.conclude("2025-09-14");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(round.results.len(), 2);
    assert_eq!(round.results[1].mean, "80.00");
    assert!(round.results[1].reopened.is_none());
    s.decide(4, "2025-09-20");
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 4);
}

#[test]
fn a_scoring_is_re_opened_only_after_its_conclusion_before_the_decision_with_a_reason() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-12", "Sai phiếu"),
    )
    .then_rejected("wrong_stage");
    s.conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-11", "Sai phiếu"),
    )
    .then_rejected("date_before_earlier_step");
    s.when(s.province_secretary(), reopen_body("2025-09-13", "  "))
        .then_rejected("required_field_missing");
    s.when(s.officer(), reopen_body("2025-09-13", "Sai phiếu"))
        .then_rejected("forbidden");
    s.decide(4, "2025-09-20");
    s.when(
        s.province_secretary(),
        reopen_body("2025-09-21", "Sai phiếu"),
    )
    .then_rejected("no_open_round");
}

#[test]
fn a_failed_3_star_criterion_blocks_every_award() {
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "ATTP");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (ScoringOutcome::NotRecognized, Some(3))
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(3, "2025-09-20"),
    )
    .then_error(DomainError::MandatoryCriterionFailed {
        criteria: vec!["ATTP".into()],
    });
}

#[test]
fn a_failed_5_star_criterion_keeps_the_4_star_award_without_the_potential_flag() {
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 95, "HE_THONG_CL");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (
            ScoringOutcome::Award {
                stars: 4,
                potential_five_star: false
            },
            Some(5)
        )
    );
    s.decide(4, "2025-09-20");
    assert!(!s.state.recognition.as_ref().unwrap().potential_five_star);
}

#[test]
fn a_criterion_the_sheet_does_not_have_blocks_every_award() {
    // "C1" is not in the sheet: it counts as mandatory from 3★ (RULE-DECISIONS 41), as
    // every failed criterion did before criteria had levels.
    let mut s = Scenario::provincial_council_2025();
    let e = concluded_with_failed(&mut s, 80, "C1");
    assert_eq!(
        (e.outcome, e.mandatory_blocks_from),
        (ScoringOutcome::NotRecognized, Some(3))
    );
}

#[test]
fn a_mandatory_criterion_listed_by_half_the_cards_or_fewer_does_not_block() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01")
        .open(RoundKind::Initial, "2025-09-01")
        .assess(true, "2025-09-05");
    s.convene(Level::Provincial, 2, 2, None, "2025-09-10");
    let body = s.card_body(1, 80, &["C1"], "2025-09-10");
    s.run(s.province_secretary(), body);
    let body = s.card_body(2, 80, &[], "2025-09-10");
    s.run(s.province_secretary(), body);
    let event = s
        .when(
            s.province_secretary(),
            Scenario::conclude_body("2025-09-12"),
        )
        .then_accepted();
    let EventBody::ScoringConcluded(e) = event else {
        panic!()
    };
    assert!(e.mandatory_met);
    assert_eq!(
        e.outcome,
        ScoringOutcome::Award {
            stars: 4,
            potential_five_star: false
        }
    );
}

#[test]
fn a_conclusion_dated_before_the_last_card_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-11");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-10"),
    )
    .then_rejected("date_before_earlier_step");
}

#[test]
fn scoring_cannot_be_concluded_twice() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::conclude_body("2025-09-12"),
    )
    .then_rejected("wrong_stage");
}

#[test]
fn a_district_council_forwards_70_or_more_to_the_province_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[72, 74, 76], "2023-06-10").conclude("2023-06-12");
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Provincial, Stage::AwaitingCouncil)
    );
    assert_eq!(
        round.results[0].outcome,
        ScoringOutcome::Forward {
            to: Level::Provincial
        }
    );
}

#[test]
fn a_district_council_forwards_50_or_more_under_qd1048_2019_and_the_province_awards_three_stars() {
    let mut s = Scenario::ha_noi_district();
    s.register("2021-03-01")
        .open(RoundKind::Initial, "2021-04-01")
        .convene(Level::District, 3, 3, None, "2021-04-10");
    s.cards(&[60, 60, 60], "2021-04-10").conclude("2021-04-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().level,
        Level::Provincial
    );
    s.convene(Level::Provincial, 3, 3, None, "2021-05-10")
        .cards(&[60, 61, 62], "2021-05-10")
        .conclude("2021-05-12");
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2021-05-20"),
    )
    .then_rejected("forbidden");
    s.decide(3, "2021-05-20");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!(
        (rec.stars, rec.level, rec.rules_version.clone()),
        (3, Level::Provincial, Some(RulesVersionId::QD1048_2019))
    );
}

#[test]
fn a_district_council_mean_under_50_is_not_recognised_and_refused_by_the_district() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[45, 48, 40], "2023-06-10").conclude("2023-06-12");
    s.when(
        s.secretary(Level::District),
        Scenario::decision_body(3, "2023-06-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 3,
        mean: "44.33".into(),
        allowed: 0,
    });
    s.refuse("2023-06-20");
    assert_eq!(s.state.status, Status::NotRecognized);
}
