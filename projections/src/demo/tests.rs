//! The demo data set's own checks.

use super::*;
use ocop_domain::{ProductState, Status};

fn today() -> NaiveDate {
    d("2026-11-23")
}

/// Folds every story through the pure domain as the loader would, with the timers
/// due on `today` at the end; returns the final states.
fn simulate(today: NaiveDate) -> Vec<(DemoProduct, ProductState)> {
    let mut out = Vec::new();
    for product in plan(today).unwrap() {
        let mut state = ProductState::default();
        for i in 0..product.steps.len() {
            let step = &product.steps[i];
            if step.timer.is_none() {
                assert_eq!(
                    timers::due(&state, step.on),
                    None,
                    "{} step {i}: a timer was due before {}",
                    product.slug,
                    step.on
                );
            }
            let events = ocop_domain::decide(&state, &product.command(i)).unwrap_or_else(|e| {
                panic!("{} step {i} ({}): {e}", product.slug, step.body.describe())
            });
            state = ocop_domain::fold_from(state, &events);
        }
        while let Some(action) = timers::due(&state, today) {
            let command = Command::new(
                CommandMeta::new(
                    Actor::system(),
                    vn_time(today, 12),
                    product.product_id,
                    vec![Uuid::now_v7()],
                ),
                action.command_body(),
            );
            let events = ocop_domain::decide(&state, &command).unwrap();
            state = ocop_domain::fold_from(state, &events);
        }
        out.push((product, state));
    }
    out
}

#[test]
fn every_step_of_every_story_is_accepted_and_no_timer_is_skipped() {
    let states = simulate(today());
    assert!(
        (40..=80).contains(&states.len()),
        "{} products",
        states.len()
    );
}

#[test]
fn the_data_set_shows_every_status_and_every_path() {
    let states = simulate(today());
    for status in [
        Status::Registered,
        Status::InEvaluation,
        Status::Recognized,
        Status::NotRecognized,
        Status::Expired,
        Status::Revoked,
        Status::Withdrawn,
    ] {
        assert!(
            states.iter().any(|(_, s)| s.status == status),
            "no product is {status}"
        );
    }
    let report = summary(
        &states.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
        today(),
    );
    for path in [
        DemoPath::RegisteredOnly,
        DemoPath::InEvaluation,
        DemoPath::DossierReturned,
        DemoPath::CommuneAssessment,
        DemoPath::NotForwarded,
        DemoPath::DistrictThreeStar,
        DemoPath::Qd1048Recognition,
        DemoPath::ProvincialThreeStar,
        DemoPath::ProvincialFourStar,
        DemoPath::PotentialFiveStar,
        DemoPath::CentralFiveStar,
        DemoPath::CentralRefusal,
        DemoPath::RefusedBelowBand,
        DemoPath::RefusedMandatoryCriterion,
        DemoPath::Rescored,
        DemoPath::ExpiryNotice,
        DemoPath::Expired,
        DemoPath::ReEvaluation,
        DemoPath::Upgrade,
        DemoPath::NewRoundAfterExpiry,
        DemoPath::Complaint,
        DemoPath::Inspection,
        DemoPath::Revocation,
        DemoPath::Withdrawal,
        DemoPath::Correction,
        DemoPath::LegacyImport,
        DemoPath::PlantedInconsistency,
    ] {
        assert!(
            report.paths.contains_key(path.as_str()),
            "no product shows {path}"
        );
    }
}

#[test]
fn the_relative_product_has_its_notice_and_is_not_expired_whatever_the_day() {
    for today in [
        "2026-10-06",
        "2026-11-23",
        "2027-03-01",
        "2028-07-20",
        "2031-01-31",
    ] {
        let today = d(today);
        let states = simulate(today);
        let (_, state) = states
            .iter()
            .find(|(p, _)| p.relative_to_today)
            .expect("a relative product");
        let rec = state.recognition.as_ref().expect("still recognised");
        assert!(rec.notice_issued_on.is_some(), "{today}: no notice");
        assert!(rec.valid_until >= today, "{today}: {}", rec.valid_until);
        assert!(rec.valid_until <= today + Days::new(30), "{today}");
    }
}

#[test]
fn a_central_five_star_and_a_district_three_star_are_current() {
    let states = simulate(today());
    let current = |level: Level, stars: u8| {
        states.iter().any(|(_, s)| {
            s.recognition
                .as_ref()
                .is_some_and(|r| r.level == level && r.stars == stars && !r.legacy)
        })
    };
    assert!(current(Level::Central, 5));
    assert!(current(Level::District, 3));
    let flagged_then_central = states.iter().any(|(_, s)| {
        s.past_recognitions
            .iter()
            .any(|r| r.potential_five_star || r.level == Level::Provincial)
            && s.recognition.as_ref().is_some_and(|r| r.stars == 5)
    });
    assert!(flagged_then_central);
}

#[test]
fn ids_keys_and_hashes_are_deterministic_and_unique() {
    let a = plan(today()).unwrap();
    let b = plan(today()).unwrap();
    assert_eq!(a, b);
    let mut products = BTreeSet::new();
    let mut events = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for (p, again) in a.iter().zip(&b) {
        assert!(products.insert(p.product_id), "{}", p.slug);
        for i in 0..p.steps.len() {
            assert_eq!(p.idempotency(i), again.idempotency(i));
        }
        for i in 0..p.steps.len() {
            assert!(events.insert(p.steps[i].event_id), "{} {i}", p.slug);
            let (key, hash) = p.idempotency(i);
            assert!(keys.insert(key), "{} {i}", p.slug);
            assert_eq!(hash.len(), 64);
            assert_eq!(p.steps[i].event_id.get_version_num(), 7);
        }
    }
    assert_eq!(product_id("gom-bat-trang"), product_id("gom-bat-trang"));
    assert_ne!(product_id("gom-bat-trang"), product_id("gom-phuoc-tich"));
}

#[test]
fn every_actor_acts_in_a_role_and_scope_the_product_allows() {
    // The domain checks scopes; here: nobody uses a national role where a provincial
    // one would do, and every provincial actor acts in the product's own province.
    for p in plan(today()).unwrap() {
        for step in &p.steps {
            match step.actor.role {
                Role::System => assert!(step.timer.is_some(), "{}", p.slug),
                Role::Admin => assert!(
                    matches!(step.body, CommandBody::ImportLegacyRecognition(_)),
                    "{}",
                    p.slug
                ),
                Role::CentralSecretary => {}
                _ => assert_eq!(
                    step.actor.scope.province().map(|c| c.as_str()),
                    Some(p.province),
                    "{}",
                    p.slug
                ),
            }
        }
    }
}

#[test]
fn the_history_must_be_before_today() {
    assert!(matches!(
        plan(d("2026-01-01")),
        Err(DemoError::TodayTooEarly { .. })
    ));
}

#[test]
fn the_legacy_csv_has_the_contract_header_and_one_line_per_row() {
    let csv = legacy_csv().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "province,district,commune,local_code,product_name,producer_name,producer_kind,\
         product_group,stars,score,decision_no,decided_on,authority,valid_until"
    );
    assert_eq!(lines.len(), data().unwrap().legacy.rows.len() + 1);
    for planted in planted_inconsistencies().unwrap() {
        let line = lines[planted.line as usize - 1];
        assert!(line.contains(planted.product_name), "{line}");
    }
    assert_eq!(planted_inconsistencies().unwrap().len(), 7);
}

#[test]
fn parts_stay_within_each_versions_maxima() {
    for version in rules::RuleBook::standard().versions() {
        for total in 30..=100 {
            let (a, b, c) = parts(total, version.part_max);
            assert_eq!(a + b + c, total);
            assert!(a <= version.part_max.a && b <= version.part_max.b);
            assert!(c <= version.part_max.c);
        }
    }
}

/// Every product, step, id, key and hash of the data set on `today`, one per line.
fn fingerprint(today: NaiveDate) -> String {
    let mut out = String::new();
    for p in plan(today).unwrap() {
        out.push_str(&format!(
            "{} {} {:?} {:?} {} {} {} {} {}\n",
            p.slug,
            p.product_id,
            p.name,
            p.producer,
            p.province,
            p.province_name,
            p.relative_to_today,
            serde_json::to_string(&p.paths).unwrap(),
            serde_json::to_string(&p.planted).unwrap(),
        ));
        for (i, step) in p.steps.iter().enumerate() {
            let (key, hash) = p.idempotency(i);
            out.push_str(&format!(
                "  {i} {key} {hash} {:?} {}\n",
                step.timer,
                serde_json::to_string(&p.command(i)).unwrap()
            ));
        }
    }
    out.push_str(&legacy_csv().unwrap());
    out.push_str(&serde_json::to_string(&planted_inconsistencies().unwrap()).unwrap());
    out
}

/// The data set's records are persisted (ids, keys, hashes): a change to the data shows
/// here first. Change the digest only with the data set, on purpose — a store loaded with
/// the former data set keeps its products as they were ([`DemoReport::products_kept`]).
#[test]
fn the_data_set_is_the_one_pinned() {
    let text = fingerprint(d("2026-12-07"));
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let path = std::env::temp_dir().join("ocop-demo-fingerprint.txt");
    std::fs::write(&path, &text).unwrap();
    assert_eq!(
        digest,
        "594c661d101d4bceeb6d989ac8ef1a7550baecd86703cfdba523876a9fa489a0",
        "the demo data set changed; its fingerprint is in {}",
        path.display()
    );
}

#[test]
fn a_data_file_with_an_unknown_step_or_field_is_refused_by_name() {
    let story = |step: &str| {
        format!(
            r#"[{{"slug": "s", "province": "lamdong", "commune": "24730",
                "registration": {{"on": "2025-01-02", "name": "n", "producer": "p",
                    "kind": "cooperative", "group": "food", "set": "Mật ong"}},
                "steps": [{step}]}}]"#
        )
    };
    let parsed = |step: &str| parse::<Vec<StoryData>>("stories/x", &story(step));
    assert!(parsed(r#"{"open": {"on": "2025-02-01", "kind": "initial"}}"#).is_ok());
    let unknown_step = parsed(r#"{"opne": {"on": "2025-02-01", "kind": "initial"}}"#);
    let error = unknown_step.err().unwrap();
    assert!(
        error.starts_with("data/stories/x.json: unknown variant `opne`"),
        "{error}"
    );
    let unknown_field = parsed(r#"{"open": {"on": "2025-02-01", "kind": "initial", "by": 1}}"#);
    let error = unknown_field.err().unwrap();
    assert!(error.contains("unknown field `by`"), "{error}");
    let bad_date = parsed(r#"{"open": {"on": "2025-02-30", "kind": "initial"}}"#);
    assert!(bad_date.is_err());
}
