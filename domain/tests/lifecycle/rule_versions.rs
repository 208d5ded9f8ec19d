//! Rule versions over time.

use super::*;

fn book_with_2027_version() -> ocop_domain::RuleBook {
    use ocop_domain::rules::{LevelResult, LevelRule, PartMax, Threshold};
    let mut next = ocop_domain::rules::get(&qd1489()).unwrap().clone();
    next.id = RulesVersionId::parse("qd99-2027").unwrap();
    next.in_force_from = d("2027-01-01");
    next.part_max = PartMax {
        a: 30,
        b: 30,
        c: 40,
    };
    // A stricter hypothetical province: 4★ from 75 only.
    const PROVINCIAL: LevelRule = LevelRule {
        level: Level::Provincial,
        scored: true,
        awards: &[3, 4],
        thresholds: &[
            Threshold {
                from: 90,
                result: LevelResult::AwardAndForward { stars: 4 },
            },
            Threshold {
                from: 75,
                result: LevelResult::Award { stars: 4 },
            },
            Threshold {
                from: 50,
                result: LevelResult::Award { stars: 3 },
            },
        ],
        forwards_to: Some(Level::Central),
        min_present: 0,
    };
    const LEVELS: &[LevelRule] = &[
        LevelRule {
            level: Level::Commune,
            scored: false,
            awards: &[],
            thresholds: &[],
            forwards_to: Some(Level::Provincial),
            min_present: 0,
        },
        PROVINCIAL,
    ];
    next.levels = LEVELS;
    ocop_domain::RuleBook::standard()
        .with_version(next)
        .unwrap()
}

#[test]
fn adding_a_rule_version_does_not_change_how_an_earlier_round_is_judged() {
    // A round opened in 2026 under qd1489-2025 and concluded after the new version starts.
    let mut s = Scenario::lam_dong();
    s.rules = book_with_2027_version();
    s.register("2026-10-01")
        .open(RoundKind::Initial, "2026-11-01")
        .assess(true, "2026-11-05");
    s.convene(Level::Provincial, 3, 3, None, "2027-02-01");
    // Part A 40 is above the new version's 30 but within the round's own maximum.
    let body = s.card_parts(1, (40, 20, 12), &[], "2027-02-01");
    s.run(s.province_secretary(), body);
    s.cards(&[72, 72, 72], "2027-02-01").conclude("2027-02-02");
    // 72 is 4★ under the round's qd1489-2025, though the new version would say 3★.
    s.decide(4, "2027-02-10");
    let rec = s.state.recognition.as_ref().unwrap();
    assert_eq!((rec.stars, rec.rules_version.clone()), (4, Some(qd1489())));
    // A round opened after the new version starts is judged under it.
    let mut later = Scenario::lam_dong();
    later.rules = book_with_2027_version();
    later
        .register("2026-10-01")
        .open(RoundKind::Initial, "2027-03-01")
        .assess(true, "2027-03-05");
    later
        .convene(Level::Provincial, 3, 3, None, "2027-03-10")
        .cards(&[72, 72, 72], "2027-03-10")
        .conclude("2027-03-12");
    later
        .when(
            later.province_secretary(),
            Scenario::decision_body(4, "2027-03-20"),
        )
        .then_error(DomainError::StarsAboveBand {
            stars: 4,
            mean: "72.00".into(),
            allowed: 3,
        });
}

#[test]
fn a_round_under_a_version_missing_from_the_rule_book_is_rejected() {
    let mut s = Scenario::lam_dong();
    s.rules = book_with_2027_version();
    s.register("2026-10-01")
        .open(RoundKind::Initial, "2027-03-01");
    let command = s.command(s.officer(), Scenario::assess_body(true, "2027-03-05"));
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::UnknownRulesVersion {
            rules_version: RulesVersionId::parse("qd99-2027").unwrap(),
        });
}
