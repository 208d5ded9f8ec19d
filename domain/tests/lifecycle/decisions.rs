//! Decisions.

use super::*;

#[test]
fn totals_70_70_69_give_a_mean_of_69_67_and_three_stars_only() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[70, 70, 69], "2025-09-10").conclude("2025-09-12");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results[0].mean,
        "69.67"
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 4,
        mean: "69.67".into(),
        allowed: 3,
    });
    let event = s
        .when(
            s.province_secretary(),
            Scenario::decision_body(3, "2025-09-20"),
        )
        .then_accepted();
    assert_eq!(
        event,
        EventBody::RecognitionDecided(RecognitionDecided {
            decision_id: None,
            round: 1,
            rules_version: qd1489(),
            level: Level::Provincial,
            stars: 3,
            potential_five_star: false,
            mean: "69.67".into(),
            authority: "UBND tỉnh Lâm Đồng".into(),
            decision_no: "156/QĐ-UBND".into(),
            decided_on: d("2025-09-20"),
            certificate_no: None,
            valid_until: d("2028-09-20"),
        })
    );
}

#[test]
fn totals_90_90_90_at_a_provincial_council_give_four_stars_with_the_potential_flag_and_only_the_central_council_awards_five()
 {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(5, "2025-09-20"),
    )
    .then_error(DomainError::LevelCannotAward {
        level: Level::Provincial,
        stars: 5,
        rules_version: qd1489(),
    });
    s.decide(4, "2025-09-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.potential_five_star, rec.level),
        (4, true, Level::Provincial)
    );
    assert_eq!(s.state.status, Status::Recognized);
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Central, Stage::AwaitingCouncil)
    );
    // The province cannot convene the central council or decide 5★.
    s.when(
        s.province_secretary(),
        Scenario::council_body(Level::Central, 7, 5, true, None, "2025-11-01"),
    )
    .then_rejected("forbidden");
    s.convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[92, 91, 90, 93, 90], "2025-11-01")
        .conclude("2025-11-02");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(5, "2025-11-20"),
    )
    .then_rejected("forbidden");
    s.decide(5, "2025-11-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (
            rec.stars,
            rec.level,
            rec.potential_five_star,
            rec.valid_until
        ),
        (5, Level::Central, false, d("2028-11-20"))
    );
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Replaced
    );
    assert!(s.state.current_evaluation.is_none());
}

/// A central 5★ (2025-11-20) re-evaluated before it ends, its province awarding 4★ with
/// the flag on 2028-08-01: returns the scenario with the round awaiting the central
/// council.
fn five_stars_under_re_evaluation() -> Scenario {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20")
        .convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[92, 91, 90, 93, 90], "2025-11-01")
        .conclude("2025-11-02")
        .decide(5, "2025-11-20")
        .open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05")
        .convene(Level::Provincial, 3, 3, None, "2028-07-15")
        .cards(&[91, 90, 92], "2028-07-15")
        .conclude("2028-07-16")
        .decide(4, "2028-08-01");
    s
}

/// Given a central 5★ under re-evaluation, when its province awards 4★ with the flag,
/// then the 5★ stands (rule 11) and the 4★ waits; when the ministry awards 5★ again, the
/// new 5★ replaces the old and the province's award ends unused.
#[test]
fn a_provinces_four_stars_does_not_replace_a_standing_five_stars() {
    let mut s = five_stars_under_re_evaluation();
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.level), (5, Level::Central));
    assert_eq!(s.state.status, Status::Recognized);
    let pending = s.state.pending_recognition.clone().unwrap();
    assert_eq!((pending.stars, pending.level), (4, Level::Provincial));
    let round = s.state.current_evaluation.as_ref().unwrap();
    assert_eq!(
        (round.level, round.stage),
        (Level::Central, Stage::AwaitingCouncil)
    );
    s.convene(Level::Central, 7, 5, None, "2028-09-01")
        .cards(&[92, 91, 90, 93, 90], "2028-09-01")
        .conclude("2028-09-02")
        .decide(5, "2028-09-10");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.decided_on), (5, d("2028-09-10")));
    assert!(s.state.pending_recognition.is_none());
    assert!(
        s.state
            .past_recognitions
            .iter()
            .any(|r| r.stars == 4 && r.decided_on == d("2028-08-01"))
    );
}

/// Given the same re-evaluation, when the ministry says "không đạt", then the province's
/// 4★ replaces the 5★ from that day; and when instead the 5★ expires first, the 4★
/// stands from the day after its validity.
#[test]
fn a_provinces_four_stars_takes_effect_on_the_ministrys_refusal_or_the_five_stars_expiry() {
    let mut refused = five_stars_under_re_evaluation();
    refused
        .convene(Level::Central, 7, 5, None, "2028-09-01")
        .cards(&[85, 86, 88, 89, 87], "2028-09-01")
        .conclude("2028-09-02")
        .refuse("2028-09-10");
    let rec = refused.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.level, rec.potential_five_star),
        (4, Level::Provincial, false)
    );
    let five = refused.state.past_recognitions.last().unwrap();
    assert_eq!(five.stars, 5);
    assert_eq!(
        five.ended.unwrap(),
        ocop_domain::state::RecognitionEnd {
            reason: RecognitionEndReason::Replaced,
            on: d("2028-09-10")
        }
    );

    let mut expired = five_stars_under_re_evaluation();
    expired.run(system(), expire("2028-11-21"));
    let rec = expired.state.recognition.clone().unwrap();
    assert_eq!((rec.stars, rec.decided_on), (4, d("2028-08-01")));
    assert_eq!(expired.state.status, Status::Recognized);
    assert!(expired.state.pending_recognition.is_none());
}

#[test]
fn a_central_không_đạt_keeps_the_provincial_four_stars_and_clears_the_flag() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    s.convene(Level::Central, 7, 5, None, "2025-11-01")
        .cards(&[85, 86, 88, 89, 90], "2025-11-01")
        .conclude("2025-11-02");
    s.when(
        central_secretary(),
        Scenario::decision_body(5, "2025-11-20"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 5,
        mean: "87.60".into(),
        allowed: 0,
    });
    let event = s
        .when(central_secretary(), Scenario::refusal_body("2025-11-20"))
        .then_accepted();
    let EventBody::RecognitionRefused(e) = event else {
        panic!()
    };
    assert_eq!(e.level, Level::Central);
    s.refuse("2025-11-20");
    let rec = s.state.recognition.clone().unwrap();
    assert_eq!(
        (rec.stars, rec.potential_five_star, s.state.status),
        (4, false, Status::Recognized)
    );
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Refused {
            level: Level::Central
        }
    );
}

#[test]
fn a_decision_dated_before_its_scoring_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-11"),
    )
    .then_error(DomainError::DecisionBeforeScoring {
        decided_on: d("2025-09-11"),
        concluded_on: d("2025-09-12"),
    });
}

#[test]
fn a_provincial_secretary_of_another_province_is_refused() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(
        provincial_secretary("01"),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_error(DomainError::Forbidden {
        role: Role::ProvincialSecretary,
        scope: Scope::parse("province:01").unwrap(),
        reason: "decide on recognition: the product is in province 68, commune 24730; this role \
                 and scope hold no grant for it"
            .into(),
    });
}

#[test]
fn a_decision_before_scoring_is_concluded_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2025-09-20"),
    )
    .then_rejected("wrong_stage");
}

#[test]
fn a_refusal_where_the_council_awards_stars_is_rejected() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    s.when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_error(DomainError::RefusalContradictsScoring {
            mean: "80.00".into(),
            stars: 4,
        });
}

#[test]
fn a_refusal_needs_a_reason_and_a_recognition_needs_stars_and_a_decision_number() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[40, 40, 40], "2025-09-10").conclude("2025-09-12");
    let CommandBody::DecideRecognition(mut refusal) = Scenario::refusal_body("2025-09-20") else {
        unreachable!()
    };
    refusal.reason = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(refusal),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "reason".into(),
    });
    let CommandBody::DecideRecognition(mut award) = Scenario::decision_body(3, "2025-09-20") else {
        unreachable!()
    };
    award.stars = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(award.clone()),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "stars".into(),
    });
    award.stars = Some(3);
    award.decision_no = None;
    s.when(
        s.province_secretary(),
        CommandBody::DecideRecognition(award),
    )
    .then_error(DomainError::RequiredFieldMissing {
        field: "decision_no".into(),
    });
}

#[test]
fn only_three_four_or_five_stars_can_be_recognised() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[40, 40, 40], "2025-09-10").conclude("2025-09-12");
    s.when(
        s.province_secretary(),
        Scenario::decision_body(2, "2025-09-20"),
    )
    .then_error(DomainError::StarsOutOfRange { stars: 2 });
}

#[test]
fn a_provincial_council_cannot_award_three_stars_under_qd148_2023() {
    let mut s = Scenario::district_council_2023();
    s.cards(&[75, 75, 75], "2023-06-10").conclude("2023-06-12");
    s.convene(Level::Provincial, 3, 3, None, "2023-07-01")
        .cards(&[65, 66, 64], "2023-07-01")
        .conclude("2023-07-02");
    assert_eq!(
        s.state.current_evaluation.as_ref().unwrap().results[1].outcome,
        ScoringOutcome::NotRecognized
    );
    s.when(
        s.province_secretary(),
        Scenario::decision_body(3, "2023-07-10"),
    )
    .then_error(DomainError::LevelCannotAward {
        level: Level::Provincial,
        stars: 3,
        rules_version: qd148(),
    });
    s.when(
        s.province_secretary(),
        Scenario::decision_body(4, "2023-07-10"),
    )
    .then_error(DomainError::StarsAboveBand {
        stars: 4,
        mean: "65.00".into(),
        allowed: 0,
    });
}

#[test]
fn a_decision_of_2024_02_29_is_valid_through_2027_02_28() {
    let mut s = Scenario::ha_noi_district();
    s.register("2023-12-01")
        .open(RoundKind::Initial, "2024-01-10")
        .convene(Level::District, 3, 3, None, "2024-02-01");
    s.cards(&[60, 60, 60], "2024-02-01")
        .conclude("2024-02-02")
        .decide(3, "2024-02-29");
    assert_eq!(
        s.state.recognition.as_ref().unwrap().valid_until,
        d("2027-02-28")
    );
}

#[test]
fn a_re_evaluation_decision_replaces_the_old_recognition() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05");
    s.convene(Level::Provincial, 3, 3, None, "2028-07-10")
        .cards(&[60, 60, 60], "2028-07-10")
        .conclude("2028-07-12")
        .decide(3, "2028-07-20");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!(
        (rec.stars, rec.valid_until, rec.round),
        (3, d("2031-07-20"), Some(2))
    );
    assert_eq!(s.state.past_recognitions.len(), 1);
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Replaced
    );
}

#[test]
fn a_failed_re_evaluation_keeps_the_current_recognition_until_it_ends() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .assess(true, "2028-07-05");
    s.convene(Level::Provincial, 3, 3, None, "2028-07-10")
        .cards(&[40, 40, 40], "2028-07-10")
        .conclude("2028-07-12")
        .refuse("2028-07-20");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(s.state.recognition.as_ref().unwrap().stars, 4);
}

#[test]
fn a_failed_upgrade_may_be_refused_and_leaves_the_standing_recognition_as_it_was() {
    let mut s = Scenario::recognized_4_stars_2025();
    let before = s.state.recognition.clone().unwrap();
    s.open(RoundKind::Upgrade, "2026-03-01")
        .assess(true, "2026-03-05");
    // 65 points award 3★: no upgrade of a 4★.
    s.convene(Level::Provincial, 3, 3, None, "2026-03-10")
        .cards(&[65, 65, 65], "2026-03-10")
        .conclude("2026-03-12")
        .refuse("2026-03-20");
    assert_eq!(s.state.status, Status::Recognized);
    assert_eq!(
        s.state.recognition.as_ref(),
        Some(&before),
        "stars, decision, valid until"
    );
    assert!(s.state.current_evaluation.is_none());
}

#[test]
fn an_initial_round_whose_scoring_awards_cannot_be_refused() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[65, 65, 65], "2025-09-10").conclude("2025-09-12");
    s.when(s.province_secretary(), Scenario::refusal_body("2025-09-20"))
        .then_rejected("refusal_contradicts_scoring");
}

#[test]
fn a_round_waiting_for_the_central_council_may_give_way_to_a_new_round() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[90, 90, 90], "2025-09-10")
        .conclude("2025-09-12")
        .decide(4, "2025-09-20");
    s.open(RoundKind::ReEvaluation, "2028-07-01");
    assert_eq!(
        s.state.past_evaluations[0].end.unwrap().outcome,
        RoundOutcome::Abandoned
    );
    assert!(!s.state.recognition.as_ref().unwrap().potential_five_star);
}
