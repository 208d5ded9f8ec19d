//! Golden JSON of every event payload: the stored shape is a contract, so any change to
//! it fails here. After an intended change (with a new schema version and an upcaster),
//! regenerate with `UPDATE_GOLDEN=1 cargo test -p ocop-domain --test golden` and review
//! the diff.

use std::path::PathBuf;

use chrono::NaiveDate;
use ocop_domain::events::*;
use ocop_domain::rules::{Level, RulesVersionId};
use ocop_domain::{Actor, Event, evolve, fold};
use ocop_domain::{EventBody, Mean, Sha256Hex};
use ocop_testkit::d;
use proptest::prelude::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn document() -> Document {
    Document {
        kind: "registration_form".into(),
        title: "Phiếu đăng ký".into(),
        sha256: Sha256Hex::parse(&"0f".repeat(32)).unwrap(),
        size_bytes: 48213,
    }
}

fn producer() -> Producer {
    Producer {
        name: "HTX Nông nghiệp Đắk Song".into(),
        kind: ProducerKind::Cooperative,
        tax_code: Some("6400123456".into()),
    }
}

fn fixtures() -> Vec<EventBody> {
    let v = RulesVersionId::QD1489_2025;
    vec![
        EventBody::ProductRegistered(ProductRegistered {
            product_id: id(1),
            name: "Mật ong hoa cà phê".into(),
            producer: producer(),
            product_group: ProductGroup::Food,
            product_set: "Mật ong".into(),
            province: "68".parse().unwrap(),
            commune: Some("24730".parse().unwrap()),
            district: None,
            local_code: None,
            registered_on: d("2025-08-01"),
        }),
        EventBody::EvaluationOpened(EvaluationOpened {
            round: 1,
            kind: RoundKind::Initial,
            rules_version: v.clone(),
            first_level: Level::Commune,
            opened_on: d("2025-09-01"),
            documents: vec![document()],
            legal_basis: None,
        }),
        EventBody::DossierReturned(DossierReturned {
            round: 1,
            rules_version: v.clone(),
            level: Level::Commune,
            returned_on: d("2025-09-03"),
            reasons: vec!["thiếu phiếu kiểm nghiệm".into()],
        }),
        EventBody::DossierAmended(DossierAmended {
            round: 1,
            rules_version: v.clone(),
            amended_on: d("2025-09-04"),
            documents: vec![document()],
        }),
        EventBody::LocalAssessmentRecorded(LocalAssessmentRecorded {
            round: 1,
            rules_version: v.clone(),
            level: Level::Commune,
            assessed_on: d("2025-09-05"),
            forward: true,
            forwarded_to: Some(Level::Provincial),
            local_origin: true,
            notes: Some("nguyên liệu tại địa phương".into()),
            report_ref: Some("12/TTr-UBND".into()),
        }),
        EventBody::CouncilConvened(CouncilConvened {
            round: 1,
            rules_version: v.clone(),
            level: Level::Provincial,
            council_ref: "1234/QĐ-UBND".into(),
            convened_on: d("2025-09-10"),
            members: vec![CouncilMember {
                member_id: "m1".into(),
                name: "Nguyễn Văn An".into(),
                role: MemberRole::Chair,
                organisation: "UBND tỉnh".into(),
            }],
            quorum: Quorum {
                min_present: 1,
                chair_required: true,
            },
            spread_limit: Some(10),
        }),
        EventBody::ScorecardRecorded(ScorecardRecorded {
            round: 1,
            rules_version: v.clone(),
            level: Level::Provincial,
            member_id: "m1".into(),
            recorded_on: d("2025-09-10"),
            part_a: 31,
            part_b: 20,
            part_c: 27,
            total: 78,
            mandatory_failed: vec![],
            criteria: vec![CriterionPoints {
                code: "A1".into(),
                points: 4,
            }],
            supersedes: Some(id(7)),
        }),
        EventBody::ScoringConcluded(ScoringConcluded {
            round: 1,
            rules_version: v.clone(),
            level: Level::Provincial,
            council_ref: "1234/QĐ-UBND".into(),
            concluded_on: d("2025-09-12"),
            scorecards: vec![
                CountedCard {
                    member_id: "m1".into(),
                    scorecard_event_id: id(8),
                    total: 70,
                },
                CountedCard {
                    member_id: "m2".into(),
                    scorecard_event_id: id(9),
                    total: 70,
                },
                CountedCard {
                    member_id: "m3".into(),
                    scorecard_event_id: id(10),
                    total: 69,
                },
            ],
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
            spread_limit: Some(10),
            spread_within_limit: true,
            mandatory_failed: vec![],
            mandatory_blocks_from: None,
            mandatory_met: true,
            outcome: ScoringOutcome::Award {
                stars: 3,
                potential_five_star: false,
            },
        }),
        EventBody::ScoringReopened(ScoringReopened {
            round: 1,
            rules_version: v.clone(),
            level: Level::Provincial,
            conclusion_event_id: id(11),
            reopened_on: d("2025-09-13"),
            reason: "phiếu của m3 nhập sai".into(),
        }),
        EventBody::RecognitionDecided(RecognitionDecided {
            decision_id: None,
            round: 1,
            rules_version: v.clone(),
            level: Level::Provincial,
            stars: 4,
            potential_five_star: true,
            mean: "90.75".into(),
            authority: "UBND tỉnh Lâm Đồng".into(),
            decision_no: "156/QĐ-UBND".into(),
            decided_on: d("2025-09-20"),
            certificate_no: Some("GCN-2025-001".into()),
            valid_until: d("2028-09-20"),
        }),
        EventBody::RecognitionRefused(RecognitionRefused {
            decision_id: None,
            round: 1,
            rules_version: v.clone(),
            level: Level::Central,
            mean: "87.60".into(),
            mandatory_failed: vec![],
            authority: "Bộ Nông nghiệp và Môi trường".into(),
            decision_no: None,
            decided_on: d("2025-11-20"),
            reason: "không đạt".into(),
        }),
        EventBody::LegacyRecognitionImported(LegacyRecognitionImported {
            product_id: id(2),
            name: "Cà phê Robusta".into(),
            producer: Producer {
                name: "HTX Cà phê".into(),
                kind: ProducerKind::Cooperative,
                tax_code: None,
            },
            product_group: ProductGroup::Drinks,
            product_set: None,
            province: "68".parse().unwrap(),
            district: Some("672".parse().unwrap()),
            commune: None,
            local_code: Some("68-672-24730-3-2022".into()),
            stars: 4,
            score: Some(Mean::new(7250, 100).unwrap()),
            level: Level::Provincial,
            rules_version: Some(RulesVersionId::QD1048_2019),
            decision_no: "2361/QĐ-UBND".into(),
            decided_on: d("2022-06-30"),
            authority: "UBND tỉnh Lâm Đồng".into(),
            valid_until: d("2025-06-30"),
            stated_valid_until: Some(d("2025-06-30")),
            missing_evidence: vec!["commune".into()],
            source: Some("lam-dong.csv:2".into()),
            // The optional columns a list may add are absent from rows without them.
            certificate_no: None,
            potential_five_star: false,
        }),
        EventBody::ExpiryNoticeIssued(ExpiryNoticeIssued {
            decision_no: "156/QĐ-UBND".into(),
            valid_until: d("2028-09-20"),
            due_on: d("2028-08-21"),
            issued_on: d("2028-08-21"),
            // The notice as recorded before it named its authority: a payload without the
            // optional fields reads as it always did.
            issued_by: None,
            letter_no: None,
            letter_date: None,
        }),
        EventBody::RecognitionExpired(RecognitionExpired {
            decision_no: "156/QĐ-UBND".into(),
            valid_until: d("2028-09-20"),
            expired_on: d("2028-09-21"),
        }),
        EventBody::ComplaintReceived(ComplaintReceived {
            complaint_id: id(20),
            received_on: d("2026-01-05"),
            source: ComplaintSource::Consumer,
            summary: "sản phẩm khác mẫu chứng nhận".into(),
        }),
        EventBody::InspectionRecorded(InspectionRecorded {
            inspection_id: id(21),
            inspected_on: d("2026-01-20"),
            authority: "Chi cục QLCL Lâm Đồng".into(),
            findings: "nhãn chưa đúng".into(),
            compliant: false,
            complaint_id: Some(id(20)),
        }),
        EventBody::RecognitionRevoked(RecognitionRevoked {
            rules_version: v.clone(),
            level: Level::Provincial,
            stars: 4,
            revoked_decision_no: "156/QĐ-UBND".into(),
            decision_no: "999/QĐ-UBND".into(),
            decided_on: d("2026-02-01"),
            authority: "UBND tỉnh Lâm Đồng".into(),
            grounds: vec![RevocationGround::QualityDiffers, RevocationGround::Other],
            details: "khác mẫu".into(),
        }),
        EventBody::ProductWithdrawn(ProductWithdrawn {
            withdrawn_on: d("2026-03-01"),
            reason: "ngừng sản xuất".into(),
        }),
        EventBody::EntryCorrected(EntryCorrected {
            corrected_event_id: id(11),
            corrected_event_type: "RecognitionDecided".into(),
            field: "decision_no".into(),
            old_value: Some("156/QĐ-UBND".into()),
            new_value: Some("165/QĐ-UBND".into()),
            reason: "lỗi đánh máy".into(),
            corrected_on: d("2026-01-15"),
        }),
    ]
}

fn golden_path(body: &EventBody) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!(
            "{}.v{}.json",
            body.event_type(),
            body.schema_version()
        ))
}

#[test]
fn every_event_type_has_a_golden_payload() {
    let fixtures = fixtures();
    for (event_type, version) in EVENT_TYPES {
        assert!(
            fixtures
                .iter()
                .any(|b| b.event_type() == *event_type && b.schema_version() == *version),
            "no golden fixture for {event_type}"
        );
    }
    assert_eq!(fixtures.len(), EVENT_TYPES.len());
}

/// Every golden payload, as stored (keys sorted, the tag among them), reads the same
/// through `body_from_json` as through serde's tagged enum.
#[test]
fn every_stored_payload_reads_in_one_pass_as_serde_reads_it() {
    for body in fixtures() {
        let stored = serde_json::to_value(&body).unwrap().to_string();
        assert_eq!(
            body_from_json(body.event_type(), &stored).unwrap(),
            serde_json::from_str::<EventBody>(&stored).unwrap()
        );
        assert_eq!(body_from_json(body.event_type(), &stored).unwrap(), body);
    }
}

#[test]
fn stored_payloads_match_their_golden_json() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for body in fixtures() {
        let path = golden_path(&body);
        let actual = serde_json::to_string_pretty(&body).unwrap() + "\n";
        if update {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing golden file {}", path.display()));
        if expected != actual {
            mismatches.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            ));
        }
        // The golden JSON reads back into the same event.
        let back: EventBody = serde_json::from_str(&expected).unwrap();
        assert_eq!(back, body);
    }
    assert!(
        mismatches.is_empty(),
        "stored shape changed:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn the_type_tag_is_the_event_type_and_every_variant_is_renamed_explicitly() {
    for body in fixtures() {
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["type"], body.event_type());
        assert_eq!(
            current_schema_version(body.event_type()),
            Some(body.schema_version())
        );
    }
}

#[test]
fn evaluation_and_decision_events_carry_their_rules_version() {
    for body in fixtures() {
        let expected = matches!(
            body.event_type(),
            "EvaluationOpened"
                | "DossierReturned"
                | "DossierAmended"
                | "LocalAssessmentRecorded"
                | "CouncilConvened"
                | "ScorecardRecorded"
                | "ScoringConcluded"
                | "ScoringReopened"
                | "RecognitionDecided"
                | "RecognitionRefused"
                | "LegacyRecognitionImported"
                | "RecognitionRevoked"
        );
        assert_eq!(
            body.rules_version().is_some(),
            expected,
            "{}",
            body.event_type()
        );
    }
}

#[test]
fn the_business_date_of_each_event_is_its_own_date() {
    let dates: Vec<(&str, NaiveDate)> = fixtures()
        .iter()
        .map(|b| (b.event_type(), b.occurred_on()))
        .collect();
    assert!(dates.contains(&("RecognitionDecided", d("2025-09-20"))));
    assert!(dates.contains(&("RecognitionExpired", d("2028-09-21"))));
    assert!(dates.contains(&("ScoringConcluded", d("2025-09-12"))));
    assert!(dates.contains(&("EntryCorrected", d("2026-01-15"))));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `evolve` never fails: any recorded event, in any order, even one `decide` would
    /// not have produced there, changes only what it can.
    #[test]
    fn evolve_tolerates_any_event_in_any_order(order in Just((0..EVENT_TYPES.len()).collect::<Vec<_>>()).prop_shuffle(), repeat in 1usize..3) {
        let fixtures = fixtures();
        let events: Vec<Event> = order
            .iter()
            .cycle()
            .take(order.len() * repeat)
            .enumerate()
            .map(|(i, &k)| Event { event_id: id(1000 + i as u128), actor: Actor::system(), body: fixtures[k].clone() })
            .collect();
        let state = fold(&events);
        prop_assert_eq!(state.version, events.len() as u64);
        let mut one_by_one = ocop_domain::ProductState::default();
        for e in &events {
            one_by_one = evolve(one_by_one, e);
        }
        prop_assert_eq!(one_by_one, state);
    }
}
