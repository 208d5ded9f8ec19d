//! The audit's judge as a pure function: decisions `decide` accepted are judged clean, and
//! each kind of contradiction written behind its back is found, with its code.

mod support;
use chrono::TimeZone;
use ocop_domain::audit::{
    DecisionInputs, DecisionPlace, FindingCode, RecordedActor, RecordedDecision, judge,
};
use ocop_domain::events::{EventBody, RecognitionRevoked, RevocationGround};
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::{Actor, CommuneCode, ProvinceCode, RuleBook};
use support::*;

/// The decision a scenario's last command recorded, with the round as the state held it
/// just before, recorded by `actor` on `recorded_on` (Vietnam noon).
fn recorded(
    before: &ocop_domain::ProductState,
    s: &Scenario,
    actor: Actor,
    recorded_on: &str,
) -> RecordedDecision {
    let event = s.events.last().unwrap().body.clone();
    RecordedDecision {
        global_position: 7,
        event: Ok(event),
        recorded_by: RecordedActor {
            user: actor.user.clone(),
            role: actor.role.to_string(),
            scope: actor.scope.to_string(),
            actor: Some(actor),
        },
        recorded_at: format!("{recorded_on}T05:00:00Z"),
        recorded_at_time: Some(
            chrono::Utc.from_utc_datetime(&d(recorded_on).and_hms_opt(5, 0, 0).unwrap()),
        ),
        province: s.province.clone(),
        commune: Some(s.commune.clone()),
        inputs: DecisionInputs {
            place: DecisionPlace {
                province: ProvinceCode::parse(&s.province).ok(),
                commune: CommuneCode::parse(&s.commune).ok(),
                district: None,
            },
            round: before.current_evaluation.clone(),
            product_group: before.product_group,
            ..DecisionInputs::default()
        },
    }
}

fn codes(decision: &RecordedDecision) -> Vec<FindingCode> {
    judge(RuleBook::standard(), decision)
        .findings
        .iter()
        .map(|f| f.code)
        .collect()
}

/// A provincial 4★ of mean 80, as `decide` recorded it, and the state before it.
fn four_stars() -> (ocop_domain::ProductState, Scenario) {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    let before = s.state.clone();
    s.decide(4, "2025-09-20");
    (before, s)
}

#[test]
fn a_decision_decide_accepted_is_judged_clean() {
    let (before, s) = four_stars();
    let decision = recorded(&before, &s, s.province_secretary(), "2025-09-20");
    let judgement = judge(RuleBook::standard(), &decision);
    assert!(judgement.findings.is_empty(), "{:?}", judgement.findings);
    assert!(judgement.rederived.allowed);
    assert_eq!(judgement.rederived.mean.as_deref(), Some("80.00"));
    assert_eq!(judgement.rederived.band_stars, Some(4));
    assert_eq!(
        judgement.rederived.rules_version.as_deref(),
        Some("qd1489-2025")
    );
}

#[test]
fn stars_the_council_did_not_give_are_found() {
    let (before, s) = four_stars();
    let mut decision = recorded(&before, &s, s.province_secretary(), "2025-09-20");
    let Ok(EventBody::RecognitionDecided(e)) = &mut decision.event else {
        panic!("a recognition")
    };
    e.stars = 5;
    let found = codes(&decision);
    assert!(found.contains(&FindingCode::StarsAboveBand), "{found:?}");
    assert!(!judge(RuleBook::standard(), &decision).rederived.allowed);
}

#[test]
fn a_decision_recorded_outside_the_actors_scope_or_before_its_date_is_found() {
    let (before, s) = four_stars();
    let elsewhere = provincial_secretary("22");
    let decision = recorded(&before, &s, elsewhere, "2025-09-20");
    assert_eq!(codes(&decision), vec![FindingCode::ActorOutOfScope]);

    let early = recorded(&before, &s, s.province_secretary(), "2025-09-19");
    assert_eq!(codes(&early), vec![FindingCode::DecisionAfterRecording]);
}

#[test]
fn a_revocation_with_no_recognition_to_end_is_found() {
    let (before, s) = four_stars();
    let mut decision = recorded(&before, &s, s.province_secretary(), "2025-10-20");
    decision.event = Ok(EventBody::RecognitionRevoked(RecognitionRevoked {
        rules_version: RulesVersionId::QD1489_2025,
        level: Level::Provincial,
        stars: 4,
        revoked_decision_no: "156/QĐ-UBND".into(),
        decided_on: d("2025-10-20"),
        decision_no: "201/QĐ-UBND".into(),
        authority: "UBND tỉnh Lâm Đồng".into(),
        grounds: vec![RevocationGround::FoodSafetyViolation],
        details: "Kết quả kiểm tra không đạt".into(),
    }));
    decision.inputs.round = None;
    assert!(codes(&decision).contains(&FindingCode::RevocationWithoutRecognition));
}

#[test]
fn a_payload_that_is_not_a_decision_is_found_not_skipped() {
    let (before, s) = four_stars();
    let mut decision = recorded(&before, &s, s.province_secretary(), "2025-09-20");
    decision.event = Err("missing field `decided_on`".into());
    assert_eq!(codes(&decision), vec![FindingCode::NoConcludedScoring]);
}
