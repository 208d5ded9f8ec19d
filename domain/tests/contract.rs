//! The contract the API builds on: error codes, facts and messages; command bodies as
//! the http-api JSON bodies.

mod support;

use ocop_domain::commands::*;
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::state::{Stage, Status};
use ocop_domain::{CommandBody, DomainError, Role, Scope};
use serde_json::json;
use support::d;
use uuid::Uuid;

fn every_error() -> Vec<DomainError> {
    let v = RulesVersionId::QD148_2023;
    let id = Uuid::from_u128(7);
    vec![
        DomainError::Forbidden {
            role: Role::ProvincialSecretary,
            scope: Scope::parse("province:01").unwrap(),
            reason: "decide on recognition: the product is in province 68".into(),
        },
        DomainError::NotRegistered,
        DomainError::AlreadyRegistered { product_id: id },
        DomainError::WrongProduct {
            expected: id,
            given: Uuid::from_u128(8),
        },
        DomainError::WrongState {
            command: "open an evaluation".into(),
            status: Status::Recognized,
            expected: "a re_evaluation".into(),
        },
        DomainError::NoOpenRound {
            command: "conclude scoring".into(),
        },
        DomainError::RoundAlreadyOpen { round: 2 },
        DomainError::WrongStage {
            command: "record a scorecard".into(),
            round: 1,
            level: Level::Provincial,
            stage: Stage::AwaitingDecision,
            expected: "a sitting council".into(),
        },
        DomainError::LegalBasisRequired,
        DomainError::NothingToUpgrade { stars: 5 },
        DomainError::NoRulesInForce {
            date: d("2019-08-20"),
        },
        DomainError::UnknownRulesVersion {
            rules_version: RulesVersionId::parse("qd26-2026").unwrap(),
        },
        DomainError::RequiredFieldMissing {
            field: "reason".into(),
        },
        DomainError::EmptyDossier,
        DomainError::DateBeforeEarlierStep {
            field: "opened_on".into(),
            date: d("2025-07-31"),
            step: "registration".into(),
            step_date: d("2025-08-01"),
        },
        DomainError::DecisionBeforeScoring {
            decided_on: d("2025-09-11"),
            concluded_on: d("2025-09-12"),
        },
        DomainError::DistrictRequired {
            rules_version: RulesVersionId::QD148_2023,
        },
        DomainError::LevelNotInRulesVersion {
            level: Level::District,
            rules_version: RulesVersionId::QD1489_2025,
        },
        DomainError::CouncilOutOfTurn {
            level: Level::Central,
            expected_level: Level::Provincial,
        },
        DomainError::DuplicateMember {
            member_id: "m2".into(),
        },
        DomainError::NoChairInCouncil,
        DomainError::QuorumUnreachable {
            min_present: 4,
            members: 3,
        },
        DomainError::UnknownMember {
            member_id: "m9".into(),
            level: Level::Provincial,
        },
        DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 41,
            max: 40,
            rules_version: v.clone(),
        },
        DomainError::QuorumNotMet {
            present: 4,
            required: 5,
        },
        DomainError::ChairAbsent,
        DomainError::RescoreRequired {
            spread: 15,
            spread_limit: 10,
        },
        DomainError::StarsOutOfRange { stars: 2 },
        DomainError::LevelCannotAward {
            level: Level::Provincial,
            stars: 5,
            rules_version: v,
        },
        DomainError::StarsAboveBand {
            stars: 4,
            mean: "69.67".into(),
            allowed: 3,
        },
        DomainError::MandatoryCriterionFailed {
            criteria: vec!["C1".into(), "A3".into()],
        },
        DomainError::RefusalContradictsScoring {
            mean: "80.00".into(),
            stars: 4,
        },
        DomainError::NoRecognition,
        DomainError::NoticeNotDue {
            due_on: d("2028-08-21"),
            today: d("2028-08-20"),
        },
        DomainError::NoticeAlreadyIssued {
            issued_on: d("2028-08-21"),
        },
        DomainError::ExpiryNotDue {
            expires_on: d("2028-09-21"),
            today: d("2028-09-20"),
        },
        DomainError::UnknownComplaint { complaint_id: id },
        DomainError::UnknownEvent { event_id: id },
        DomainError::FieldNotCorrectable {
            event_type: "RecognitionDecided".into(),
            field: "stars".into(),
        },
        DomainError::CorrectionUnchanged {
            field: "decision_no".into(),
        },
        DomainError::InvalidScore {
            value: "72,5".into(),
        },
        DomainError::LocationMissing,
        DomainError::IdsExhausted {
            needed: 1,
            given: 0,
        },
    ]
}

#[test]
fn every_error_exposes_its_rule_code_and_facts() {
    let errors = every_error();
    let mut codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
    for e in &errors {
        let facts = e.facts();
        assert_eq!(facts["rule"], e.code(), "{e:?}");
        assert!(
            e.code()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{}",
            e.code()
        );
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len(), "codes are unique");
}

#[test]
fn error_messages_are_lowercase_specific_and_without_a_trailing_period() {
    for e in every_error() {
        let message = e.to_string();
        let first = message.chars().next().unwrap();
        assert!(!first.is_uppercase(), "{message}");
        assert!(!message.ends_with('.'), "{message}");
    }
    assert_eq!(
        DomainError::StarsAboveBand {
            stars: 4,
            mean: "69.67".into(),
            allowed: 3,
        }
        .to_string(),
        "4 stars exceed the band of the concluded mean 69.67, which allows at most 3 stars"
    );
    assert_eq!(
        DomainError::PartAboveMaximum {
            part: "a".into(),
            points: 41,
            max: 40,
            rules_version: RulesVersionId::QD148_2023
        }
        .to_string(),
        "part a has 41 points, above the maximum of 40 under qd148-2023"
    );
}

#[test]
fn facts_carry_the_values_of_the_rule_broken() {
    assert_eq!(
        DomainError::StarsAboveBand {
            stars: 4,
            mean: "69.67".into(),
            allowed: 3,
        }
        .facts(),
        json!({"rule": "stars_above_band", "stars": 4, "mean": "69.67", "allowed": 3})
    );
    assert_eq!(
        DomainError::QuorumNotMet {
            present: 4,
            required: 5
        }
        .facts(),
        json!({"rule": "quorum_not_met", "present": 4, "required": 5})
    );
    let forbidden = DomainError::Forbidden {
        role: Role::Inspector,
        scope: Scope::parse("province:01").unwrap(),
        reason: "x".into(),
    };
    assert_eq!(forbidden.facts()["scope"], "province:01");
    assert!(forbidden.is_forbidden());
    assert!(DomainError::NotRegistered.is_not_found());
    assert_eq!(
        DomainError::NotRegistered.facts(),
        json!({"rule": "not_registered"})
    );
}

#[test]
fn command_bodies_read_the_http_api_json_and_reject_unknown_fields() {
    let register: RegisterProduct = serde_json::from_value(json!({
        "name": "Mật ong hoa cà phê",
        "producer": {"name": "HTX Nông nghiệp Đắk Song", "kind": "cooperative", "tax_code": "6400123456"},
        "product_group": "food", "product_set": "Mật ong",
        "province": "68", "commune": "24730", "district": null, "local_code": null,
        "registered_on": "2025-08-01"
    }))
    .unwrap();
    assert_eq!(register.province.as_str(), "68");
    let decision: DecideRecognition = serde_json::from_value(json!({
        "decided_on": "2025-09-20", "recognized": true, "stars": 4, "decision_no": "156/QĐ-UBND",
        "authority": "UBND tỉnh Lâm Đồng", "certificate_no": null
    }))
    .unwrap();
    assert_eq!(decision.stars, Some(4));
    let refusal: DecideRecognition = serde_json::from_value(json!({
        "decided_on": "2025-09-20", "recognized": false, "decision_no": null, "authority": "UBND", "reason": "chưa đạt"
    }))
    .unwrap();
    assert_eq!(refusal.reason.as_deref(), Some("chưa đạt"));
    let council: ConveneCouncil = serde_json::from_value(json!({
        "level": "provincial", "council_ref": "1234/QĐ-UBND", "convened_on": "2025-09-10",
        "members": [{"member_id": "m1", "name": "Nguyễn Văn An", "role": "chair", "organisation": "UBND tỉnh"}],
        "quorum": {"min_present": 5, "chair_required": true}, "spread_limit": 10
    }))
    .unwrap();
    assert_eq!(council.spread_limit, Some(10));
    let card: RecordScorecard = serde_json::from_value(json!({
        "member_id": "m1", "recorded_on": "2025-09-10", "part_a": 31, "part_b": 20, "part_c": 27,
        "mandatory_failed": [], "criteria": [{"code": "A1", "points": 4}]
    }))
    .unwrap();
    assert_eq!(card.part_a + card.part_b + card.part_c, 78);
    let correction: CorrectEntry = serde_json::from_value(json!({
        "event_id": Uuid::from_u128(3), "field": "decision_no", "new_value": "165/QĐ-UBND", "reason": "lỗi đánh máy"
    }))
    .unwrap();
    assert_eq!(correction.field, "decision_no");

    assert!(
        serde_json::from_value::<ConcludeScoring>(
            json!({"concluded_on": "2025-09-12", "mean": 90})
        )
        .is_err()
    );
    assert!(serde_json::from_value::<RegisterProduct>(json!({"name": "x"})).is_err());
    assert!(
        serde_json::from_value::<ReturnDossier>(
            json!({"returned_on": "2025-13-01", "reasons": []})
        )
        .is_err()
    );
}

#[test]
fn tagged_commands_round_trip_and_reject_unknown_fields() {
    let body = CommandBody::ConcludeScoring(ConcludeScoring {
        concluded_on: d("2025-09-12"),
    });
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(
        json,
        json!({"command": "conclude_scoring", "concluded_on": "2025-09-12"})
    );
    assert_eq!(serde_json::from_value::<CommandBody>(json).unwrap(), body);
    assert!(
        serde_json::from_value::<CommandBody>(
            json!({"command": "conclude_scoring", "concluded_on": "2025-09-12", "x": 1})
        )
        .is_err()
    );
}

#[test]
fn the_command_date_of_a_correction_is_taken_in_vietnam_time() {
    let meta = CommandMeta::new(
        support::admin(),
        "2026-01-15T18:30:00Z".parse().unwrap(),
        Uuid::from_u128(1),
        vec![Uuid::from_u128(2)],
    );
    assert_eq!(meta.issued_on(), d("2026-01-16"));
}

/// `docs/rules.md` is the rule book as the engine holds it: part maxima, bands and levels
/// per version, generated, never retyped. `OCOP_WRITE_RULES_DOC=1` rewrites it.
#[test]
fn the_rules_reference_is_the_rule_book() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rules.md");
    let generated = ocop_domain::RuleBook::standard().describe();
    if std::env::var_os("OCOP_WRITE_RULES_DOC").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/rules.md differs from the rule book: run \
         `OCOP_WRITE_RULES_DOC=1 cargo test -p ocop-domain --test contract` and commit it"
    );
}
