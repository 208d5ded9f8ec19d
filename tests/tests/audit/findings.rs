//! Each finding code, produced by a test that plants exactly that defect behind the domain's
//! back (an event appended straight to the store) on an otherwise clean record.

use ocop_domain::events::{
    EventBody, RecognitionRefused, RecognitionRevoked, RevocationGround, RoundKind,
    ScorecardRecorded,
};
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::score::Mean;
use ocop_domain::{Actor, Role, Scope};
use uuid::Uuid;

use super::support::*;

/// Declares `$case` once per store, as `$name::on_sqlite` and `$name::on_postgres`.
macro_rules! on_both_stores {
    ($($name:ident => $case:path;)*) => {
        $(
            mod $name {
                use super::super::support::{Fx, Kind};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    let fx = Fx::new(Kind::Sqlite).await;
                    $case(&fx).await;
                    fx.close().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    let fx = Fx::new(Kind::Postgres).await;
                    $case(&fx).await;
                    fx.close().await;
                }
            }
        )*
    };
}

on_both_stores! {
    given_a_4_star_recognition_for_a_mean_of_65_when_audited_then_stars_above_band
        => super::stars_above_band;
    given_a_3_star_recognition_for_a_mean_of_75_when_audited_then_stars_below_result
        => super::stars_below_result;
    given_a_provincial_5_star_recognition_when_audited_then_level_cannot_award
        => super::provincial_five_stars;
    given_a_district_3_star_recognition_after_2025_07_05_when_audited_then_level_cannot_award
        => super::district_three_stars_after_the_district_level_ended;
    given_a_district_3_star_decided_in_a_qd148_round_after_2025_07_05_when_audited_then_level_cannot_award
        => super::district_three_stars_decided_after_the_district_level_ended;
    given_a_conclusion_with_three_cards_of_a_quorum_of_four_when_audited_then_quorum_not_met
        => super::quorum_not_met;
    given_a_central_5_star_with_three_members_present_when_audited_then_quorum_not_met
        => super::central_quorum_below_five;
    given_totals_spread_over_the_limit_without_rescoring_when_audited_then_spread_over_limit
        => super::spread_over_limit;
    given_a_recognition_despite_a_failed_mandatory_criterion_when_audited_then_mandatory_criterion_failed
        => super::mandatory_criterion_failed;
    given_a_valid_until_one_day_late_when_audited_then_valid_until_mismatch
        => super::valid_until_mismatch;
    given_a_decision_dated_before_its_scoring_when_audited_then_decision_before_scoring
        => super::decision_before_scoring;
    given_a_decision_dated_after_its_recording_when_audited_then_decision_after_recording
        => super::decision_after_recording;
    given_a_potential_five_star_flag_on_a_mean_of_85_when_audited_then_potential_five_star_mismatch
        => super::potential_five_star_mismatch;
    given_a_revocation_by_another_province_when_audited_then_revoked_by_other_authority
        => super::revoked_by_other_authority;
    given_a_revocation_of_a_refused_product_when_audited_then_revocation_without_recognition
        => super::revocation_without_recognition;
    given_a_revocation_dated_before_the_recognition_when_audited_then_revocation_before_recognition
        => super::revocation_before_recognition;
    given_a_revocation_on_grounds_the_record_does_not_bear_out_when_audited_then_revocation_ground_not_met
        => super::revocation_ground_not_met;
    given_a_refusal_of_an_award_result_when_audited_then_refusal_contradicts_scoring
        => super::refusal_contradicts_scoring;
    given_a_district_refusal_of_a_forwarding_result_when_audited_then_refusal_contradicts_scoring
        => super::refusal_of_a_forward;
    given_a_recognition_without_a_conclusion_when_audited_then_no_concluded_scoring
        => super::no_concluded_scoring;
    given_a_conclusion_with_a_wrong_mean_when_audited_then_mean_mismatch
        => super::mean_mismatch;
    given_a_card_with_40_points_in_part_c_under_qd1489_when_audited_then_part_above_maximum
        => super::part_above_maximum;
    given_a_revocation_under_an_unknown_rules_version_when_audited_then_rules_version_unknown
        => super::rules_version_unknown;
    given_a_revocation_under_qd148_in_2026_when_audited_then_rules_version_not_in_force
        => super::rules_version_not_in_force;
    given_a_recognition_by_another_provinces_secretary_when_audited_then_actor_out_of_scope
        => super::actor_out_of_scope;
}

/// The audit of `product_id` has findings of `code` only, all at `position`.
async fn expect_only(fx: &Fx, product_id: Uuid, code: &str, position: i64) {
    let audit = fx.audit(product_id).await;
    assert_eq!(codes(&audit), vec![code], "{:#?}", audit.findings);
    assert!(
        audit.findings.iter().all(|f| f.global_position == position),
        "{:#?}",
        audit.findings
    );
    let decision = audit
        .decisions
        .iter()
        .find(|d| d.global_position == position)
        .expect("the planted decision is audited");
    let error = audit.findings[0].severity == ocop_projections::audit::Severity::Error;
    assert_eq!(decision.rederived.allowed, !error);
}

const FIVE_75: &[u32] = &[75, 76, 74, 75, 75];

/// A product scored at 75 by the province and concluded through the domain.
async fn concluded_at_75(fx: &Fx) -> Uuid {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, FIVE_75, &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    id
}

/// A product recognised 4★ through the domain on 2025-10-01.
async fn recognised_4_stars(fx: &Fx) -> Uuid {
    let id = concluded_at_75(fx).await;
    provincial_4_stars(fx, id).await;
    id
}

fn revocation(on: &str, authority: &str) -> RecognitionRevoked {
    RecognitionRevoked {
        rules_version: RulesVersionId::QD1489_2025,
        level: Level::Provincial,
        stars: 4,
        revoked_decision_no: "156/QĐ-UBND".into(),
        decision_no: "99/QĐ-UBND".into(),
        decided_on: d(on),
        authority: authority.into(),
        grounds: vec![RevocationGround::FoodSafetyViolation],
        details: "Kết quả kiểm tra không đạt".into(),
    }
}

async fn stars_above_band(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[64, 66, 65, 65, 65], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    let e = honest_recognition(&fx.state(id).await, 4, "2025-10-01");
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "stars_above_band", at).await;
}

/// The engine lets a decision give fewer stars than the result (RULE-DECISIONS 10); the
/// audit points it out.
async fn stars_below_result(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    decide(
        fx,
        id,
        &secretary(),
        Some(3),
        "156/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "stars_below_result", at).await;
}

async fn provincial_five_stars(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[92, 91, 93, 90, 94], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    let e = honest_recognition(&fx.state(id).await, 5, "2025-10-01");
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "level_cannot_award", at).await;
}

async fn district_three_stars_after_the_district_level_ended(fx: &Fx) {
    let id = Uuid::now_v7();
    register(fx, id, "2025-08-01", true).await;
    open(fx, id, RoundKind::Initial, "2025-09-01").await;
    let ds = district_secretary();
    let rv = RulesVersionId::QD1489_2025;
    fx.plant(
        id,
        &ds,
        EventBody::CouncilConvened(ocop_domain::events::CouncilConvened {
            round: 1,
            rules_version: rv.clone(),
            level: Level::District,
            council_ref: "77/QĐ-UBND".into(),
            convened_on: d("2025-09-15"),
            members: members(5),
            quorum: ocop_domain::events::Quorum {
                min_present: 4,
                chair_required: true,
            },
            spread_limit: Some(10),
        }),
    )
    .await;
    for (i, total) in [60u32, 62, 58, 61, 59].into_iter().enumerate() {
        fx.plant(
            id,
            &ds,
            EventBody::ScorecardRecorded(ScorecardRecorded {
                round: 1,
                rules_version: rv.clone(),
                level: Level::District,
                member_id: format!("m{}", i + 1),
                recorded_on: d("2025-09-15"),
                part_a: 35,
                part_b: 20,
                part_c: total - 55,
                total,
                mandatory_failed: Vec::new(),
                criteria: Vec::new(),
                supersedes: None,
            }),
        )
        .await;
    }
    let state = fx.state(id).await;
    let round = state.current_evaluation.as_ref().unwrap();
    let council = round.councils.last().unwrap();
    let totals: Vec<u32> = council.scorecards.iter().map(|c| c.total).collect();
    let mean = Mean::of(&totals).unwrap();
    fx.plant(
        id,
        &ds,
        EventBody::ScoringConcluded(ocop_domain::events::ScoringConcluded {
            round: 1,
            rules_version: rv.clone(),
            level: Level::District,
            council_ref: council.council_ref.clone(),
            concluded_on: d("2025-09-16"),
            scorecards: council
                .scorecards
                .iter()
                .map(|c| ocop_domain::events::CountedCard {
                    member_id: c.member_id.clone(),
                    scorecard_event_id: c.event_id,
                    total: c.total,
                })
                .collect(),
            members_present: 5,
            chair_present: true,
            quorum: council.quorum,
            quorum_met: true,
            mean,
            mean_display: mean.display(),
            band_stars: 3,
            spread: 4,
            spread_limit: Some(10),
            spread_within_limit: true,
            mandatory_failed: Vec::new(),
            mandatory_met: true,
            mandatory_blocks_from: None,
            outcome: ocop_domain::events::ScoringOutcome::Award {
                stars: 3,
                potential_five_star: false,
            },
        }),
    )
    .await;
    let mut e = honest_recognition(&fx.state(id).await, 3, "2025-10-01");
    e.authority = "UBND huyện Đắk Song".into();
    let at = fx.plant(id, &ds, EventBody::RecognitionDecided(e)).await;
    expect_only(fx, id, "level_cannot_award", at).await;
}

/// A round opened under `qd148-2023` keeps its version, but its district council decides
/// after the district level ended: the engine records it (the round's version has the
/// level), and the audit, judging the decision on its own date, reports it.
async fn district_three_stars_decided_after_the_district_level_ended(fx: &Fx) {
    let id = Uuid::now_v7();
    concluded_by_a_district_council(fx, id, "2025-07-01", &[60, 62, 58, 61, 59], "2025-08-15")
        .await;
    // The command refuses it now (rule 10, `RuleBook::level_gone_on`): planted, as a
    // record of an older release would be.
    let mut e = honest_recognition(&fx.state(id).await, 3, "2025-09-01");
    e.authority = "UBND huyện Đắk Song".into();
    e.decision_no = "88/QĐ-UBND".into();
    let at = fx
        .plant(id, &district_secretary(), EventBody::RecognitionDecided(e))
        .await;
    let audit = fx.audit(id).await;
    let finding = &audit.findings[0];
    assert!(finding.detail.contains("qd1489-2025"), "{finding:?}");
    expect_only(fx, id, "level_cannot_award", at).await;
}

/// The central council recorded a quorum of 3 of its 3 members and met it; the regulation
/// wants at least 5 present.
/// A central council of 3 that set its own quorum at 3 and concluded on 3 cards: the command
/// refuses that conclusion (rule 10), so it is planted, as a record from elsewhere would be.
async fn central_quorum_below_five(fx: &Fx) {
    let id = Uuid::now_v7();
    awaiting_the_central_council(fx, id).await;
    let ministry = central();
    council(
        fx,
        id,
        &ministry,
        Level::Central,
        3,
        3,
        &[92, 93, 94],
        &[],
        "2025-11-10",
    )
    .await;
    let c = honest_conclusion(&fx.state(id).await, "2025-11-11");
    fx.plant(id, &ministry, EventBody::ScoringConcluded(c))
        .await;
    decide(
        fx,
        id,
        &ministry,
        Some(5),
        "2361/QĐ-BNNMT",
        "Bộ Nông nghiệp và Môi trường",
        "2025-12-01",
    )
    .await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "quorum_not_met", at).await;
}

async fn quorum_not_met(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[75, 76, 74], &[]).await;
    let c = honest_conclusion(&fx.state(id).await, "2025-09-16");
    fx.plant(id, &secretary(), EventBody::ScoringConcluded(c))
        .await;
    provincial_4_stars(fx, id).await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "quorum_not_met", at).await;
}

async fn spread_over_limit(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[68, 80, 75, 74, 73], &[]).await;
    let c = honest_conclusion(&fx.state(id).await, "2025-09-16");
    fx.plant(id, &secretary(), EventBody::ScoringConcluded(c))
        .await;
    provincial_4_stars(fx, id).await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "spread_over_limit", at).await;
}

async fn mandatory_criterion_failed(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, FIVE_75, &[&["A1"], &["A1"], &["A1", "C3"]]).await;
    let c = honest_conclusion(&fx.state(id).await, "2025-09-16");
    fx.plant(id, &secretary(), EventBody::ScoringConcluded(c))
        .await;
    provincial_4_stars(fx, id).await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "mandatory_criterion_failed", at).await;
    let audit = fx.audit(id).await;
    assert_eq!(audit.decisions[0].rederived.mandatory_failed, vec!["A1"]);
}

async fn valid_until_mismatch(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    let mut e = honest_recognition(&fx.state(id).await, 4, "2025-10-31");
    // 36 months from 31 October end on 31 October, not on the day after.
    e.valid_until = d("2028-11-01");
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "valid_until_mismatch", at).await;
    let audit = fx.audit(id).await;
    assert_eq!(
        audit.decisions[0].rederived.valid_until,
        Some(d("2028-10-31"))
    );
}

async fn decision_before_scoring(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    let e = honest_recognition(&fx.state(id).await, 4, "2025-09-10");
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "decision_before_scoring", at).await;
}

async fn decision_after_recording(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    let e = honest_recognition(&fx.state(id).await, 4, "2099-01-15");
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "decision_after_recording", at).await;
}

async fn potential_five_star_mismatch(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[85, 86, 84, 85, 85], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    let mut e = honest_recognition(&fx.state(id).await, 4, "2025-10-01");
    e.potential_five_star = true;
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionDecided(e))
        .await;
    expect_only(fx, id, "potential_five_star_mismatch", at).await;
}

async fn revoked_by_other_authority(fx: &Fx) {
    let id = recognised_4_stars(fx).await;
    let at = fx
        .plant(
            id,
            &secretary(),
            EventBody::RecognitionRevoked(revocation("2026-03-01", "UBND tỉnh Đắk Nông")),
        )
        .await;
    expect_only(fx, id, "revoked_by_other_authority", at).await;
}

async fn revocation_without_recognition(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[45, 44, 46, 43, 47], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    decide(
        fx,
        id,
        &secretary(),
        None,
        "157/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
    let at = fx
        .plant(
            id,
            &secretary(),
            EventBody::RecognitionRevoked(revocation("2026-03-01", AUTHORITY)),
        )
        .await;
    expect_only(fx, id, "revocation_without_recognition", at).await;
}

async fn revocation_before_recognition(fx: &Fx) {
    let id = recognised_4_stars(fx).await;
    let at = fx
        .plant(
            id,
            &secretary(),
            EventBody::RecognitionRevoked(revocation("2025-09-20", AUTHORITY)),
        )
        .await;
    expect_only(fx, id, "revocation_before_recognition", at).await;
}

/// Revoked "not re-evaluated after 36 months" three months into a 36-month validity.
async fn revocation_ground_not_met(fx: &Fx) {
    let id = recognised_4_stars(fx).await;
    let mut e = revocation("2026-01-10", AUTHORITY);
    e.grounds = vec![RevocationGround::NotReEvaluated];
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionRevoked(e))
        .await;
    expect_only(fx, id, "revocation_ground_not_met", at).await;
    // Failed mandatory criteria, on a product no concluded scoring failed one of.
    let id = recognised_4_stars(fx).await;
    let mut e = revocation("2026-01-10", AUTHORITY);
    e.grounds = vec![RevocationGround::FailedMandatoryCriteria];
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionRevoked(e))
        .await;
    expect_only(fx, id, "revocation_ground_not_met", at).await;
}

async fn refusal_contradicts_scoring(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    let at = fx
        .plant(
            id,
            &secretary(),
            EventBody::RecognitionRefused(RecognitionRefused {
                decision_id: None,
                round: 1,
                rules_version: RulesVersionId::QD1489_2025,
                level: Level::Provincial,
                mean: "75.00".into(),
                mandatory_failed: Vec::new(),
                authority: AUTHORITY.into(),
                decision_no: Some("158/QĐ-UBND".into()),
                decided_on: d("2025-10-01"),
                reason: "không đạt".into(),
            }),
        )
        .await;
    expect_only(fx, id, "refusal_contradicts_scoring", at).await;
}

/// A district council under `qd148-2023` concludes at 75, which forwards the product to
/// the province; a district refusal is planted instead.
async fn refusal_of_a_forward(fx: &Fx) {
    let id = Uuid::now_v7();
    concluded_by_a_district_council(fx, id, "2024-02-01", FIVE_75, "2024-03-01").await;
    let ds = district_secretary();
    let at = fx
        .plant(
            id,
            &ds,
            EventBody::RecognitionRefused(RecognitionRefused {
                decision_id: None,
                round: 1,
                rules_version: RulesVersionId::QD148_2023,
                level: Level::District,
                mean: "75.00".into(),
                mandatory_failed: Vec::new(),
                authority: "UBND huyện Đắk Song".into(),
                decision_no: Some("12/QĐ-UBND".into()),
                decided_on: d("2024-03-10"),
                reason: "không đạt".into(),
            }),
        )
        .await;
    let audit = fx.audit(id).await;
    assert!(
        audit.findings[0].detail.contains("forwards"),
        "{:?}",
        audit.findings
    );
    expect_only(fx, id, "refusal_contradicts_scoring", at).await;
}

async fn no_concluded_scoring(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, FIVE_75, &[]).await;
    let at = fx
        .plant(
            id,
            &secretary(),
            EventBody::RecognitionDecided(ocop_domain::events::RecognitionDecided {
                decision_id: None,
                round: 1,
                rules_version: RulesVersionId::QD1489_2025,
                level: Level::Provincial,
                stars: 4,
                potential_five_star: false,
                mean: "75.00".into(),
                authority: AUTHORITY.into(),
                decision_no: "156/QĐ-UBND".into(),
                decided_on: d("2025-10-01"),
                certificate_no: None,
                valid_until: d("2028-10-01"),
            }),
        )
        .await;
    expect_only(fx, id, "no_concluded_scoring", at).await;
}

async fn mean_mismatch(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, FIVE_75, &[]).await;
    let mut c = honest_conclusion(&fx.state(id).await, "2025-09-16");
    c.mean = Mean::new(385, 5).unwrap();
    c.mean_display = c.mean.display();
    fx.plant(id, &secretary(), EventBody::ScoringConcluded(c))
        .await;
    provincial_4_stars(fx, id).await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "mean_mismatch", at).await;
    let audit = fx.audit(id).await;
    assert_eq!(audit.decisions[0].rederived.mean.as_deref(), Some("75.00"));
    assert!(
        audit
            .findings
            .iter()
            .any(|f| f.detail.contains("cites a mean of 77.00")),
        "{:#?}",
        audit.findings
    );
}

async fn rules_version_unknown(fx: &Fx) {
    let id = recognised_4_stars(fx).await;
    let mut e = revocation("2026-03-01", AUTHORITY);
    e.rules_version = RulesVersionId::parse("qd99-2099").unwrap();
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionRevoked(e))
        .await;
    expect_only(fx, id, "rules_version_unknown", at).await;
}

async fn rules_version_not_in_force(fx: &Fx) {
    let id = recognised_4_stars(fx).await;
    let mut e = revocation("2026-03-01", AUTHORITY);
    e.rules_version = RulesVersionId::QD148_2023;
    let at = fx
        .plant(id, &secretary(), EventBody::RecognitionRevoked(e))
        .await;
    expect_only(fx, id, "rules_version_not_in_force", at).await;
}

async fn actor_out_of_scope(fx: &Fx) {
    let id = concluded_at_75(fx).await;
    let e = honest_recognition(&fx.state(id).await, 4, "2025-10-01");
    let hanoi = Actor::new(
        "thu.ky.ha.noi",
        Role::ProvincialSecretary,
        Scope::parse("province:01").unwrap(),
    );
    let at = fx.plant(id, &hanoi, EventBody::RecognitionDecided(e)).await;
    expect_only(fx, id, "actor_out_of_scope", at).await;
}

async fn part_above_maximum(fx: &Fx) {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[75, 76, 74, 75], &[]).await;
    fx.plant(
        id,
        &secretary(),
        EventBody::ScorecardRecorded(ScorecardRecorded {
            round: 1,
            rules_version: RulesVersionId::QD1489_2025,
            level: Level::Provincial,
            member_id: "m5".into(),
            recorded_on: d("2025-09-15"),
            part_a: 20,
            part_b: 15,
            part_c: 40,
            total: 75,
            mandatory_failed: Vec::new(),
            criteria: Vec::new(),
            supersedes: None,
        }),
    )
    .await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    provincial_4_stars(fx, id).await;
    let at = fx.backend.store.head().await.unwrap().global_position;
    expect_only(fx, id, "part_above_maximum", at).await;
}
