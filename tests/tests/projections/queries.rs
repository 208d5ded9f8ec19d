//! Queries on the read models: filters, search without diacritics, pages, statistics,
//! the public register, revocations, decisions and history.

use ocop_projections::read::query::{DecisionFilter, ProductQuery, StatsDimension};
use ocop_testkit::sample::Path;
use serde_json::Value;

use super::support::{TestDb, drive, drive_products, lifecycle};
use crate::on_both_stores;

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn search_finds_mat_ong_without_diacritics(db: &TestDb) {
    let service = db.service();
    let lives = drive_products(&service, 20).await;
    db.runner(100).await.catch_up().await.unwrap();
    let reads = db.reads();
    let q = |q: &str| ProductQuery {
        q: Some(q.to_owned()),
        limit: Some(100),
        ..ProductQuery::default()
    };
    let honey: Vec<String> = lives
        .iter()
        .map(|l| match &l.steps[0].1 {
            ocop_domain::CommandBody::RegisterProduct(r) => r.name.clone(),
            _ => unreachable!(),
        })
        .filter(|n| n.starts_with("Mật ong"))
        .collect();
    assert!(!honey.is_empty(), "the sample has honey");
    for query in ["mat ong", "Mật ong", "MẬT ONG", "mật ong hoa"] {
        let mut found = names(&reads.products(&q(query)).await.unwrap().items);
        found.sort();
        let mut expected = honey.clone();
        expected.sort();
        assert_eq!(found, expected, "query {query}");
    }
    // Producer names too, đ folded to d.
    let by_producer = reads.products(&q("dak song")).await.unwrap().items;
    assert!(by_producer.iter().all(|s| {
        s["producer"]["name"]
            .as_str()
            .unwrap()
            .starts_with("HTX Nông nghiệp Đắk Song")
    }));
    assert!(
        reads
            .products(&q("100% nothing_"))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

on_both_stores!(
    search_on_sqlite,
    search_on_postgres,
    search_finds_mat_ong_without_diacritics
);

async fn filters_pages_stats_public_register_and_decisions(db: &TestDb) {
    let service = db.service();
    let lives = drive_products(&service, 30).await;
    db.runner(100).await.catch_up().await.unwrap();
    let reads = db.reads();

    // Cursor pages cover every product exactly once, in order.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = reads
            .products(&ProductQuery {
                limit: Some(7),
                cursor: cursor.clone(),
                ..ProductQuery::default()
            })
            .await
            .unwrap();
        seen.extend(
            page.items
                .iter()
                .map(|s| s["product_id"].as_str().unwrap().to_owned()),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 30);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);

    // Filters agree with the states.
    let all = reads
        .products(&ProductQuery {
            limit: Some(500),
            ..ProductQuery::default()
        })
        .await
        .unwrap()
        .items;
    let revoked = reads
        .products(&ProductQuery {
            status: Some("revoked".into()),
            limit: Some(500),
            ..ProductQuery::default()
        })
        .await
        .unwrap()
        .items;
    let expected_revoked = lives.iter().filter(|l| l.path == Path::Revoked).count();
    assert_eq!(revoked.len(), expected_revoked);
    let province = all[0]["province"].as_str().unwrap().to_owned();
    let in_province = reads
        .products(&ProductQuery {
            province: Some(province.clone()),
            status: Some("recognized".into()),
            stars: Some(4),
            limit: Some(500),
            ..ProductQuery::default()
        })
        .await
        .unwrap()
        .items;
    let expected = all
        .iter()
        .filter(|s| {
            s["province"] == province.as_str()
                && s["status"] == "recognized"
                && s["recognition"]["stars"] == 4
        })
        .count();
    assert_eq!(in_province.len(), expected);

    // Statistics: any subset of dimensions, totals agree.
    let total = reads.stats(&[], None).await.unwrap();
    assert_eq!(total[0].count, 30);
    let by = reads
        .stats(
            &[
                StatsDimension::Province,
                StatsDimension::Status,
                StatsDimension::Stars,
            ],
            None,
        )
        .await
        .unwrap();
    assert_eq!(by.iter().map(|r| r.count).sum::<i64>(), 30);
    let by_status = reads.stats(&[StatsDimension::Status], None).await.unwrap();
    let revoked_row = by_status
        .iter()
        .find(|r| r.key["status"] == "revoked")
        .unwrap();
    assert_eq!(revoked_row.count as usize, expected_revoked);
    let by_year = reads
        .stats(&[StatsDimension::Year, StatsDimension::Group], None)
        .await
        .unwrap();
    assert!(by_year.iter().all(|r| r.key["year"].is_i64()));

    // Public register and revocations.
    let revocations = reads.revocations_since(None, 100).await.unwrap();
    assert_eq!(revocations.len(), expected_revoked);
    let r = &revocations[0];
    assert_eq!(r.grounds, serde_json::json!(["food_safety_violation"]));
    let public = reads
        .public_products(&r.product_id.to_string())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(public.status, "revoked");
    let cert = r.certificate_no.clone().expect("a certificate number");
    let by_cert = reads.public_products(&cert).await.unwrap().remove(0);
    assert_eq!(by_cert.product_id, r.product_id);
    let later: chrono::NaiveDate = r
        .decided_on
        .parse::<chrono::NaiveDate>()
        .unwrap()
        .succ_opt()
        .unwrap();
    assert!(
        reads
            .revocations_since(Some(later), 100)
            .await
            .unwrap()
            .iter()
            .all(|x| x.decided_on.as_str() >= later.to_string().as_str())
    );

    // Decisions with their inputs.
    let decisions = reads.decisions(&DecisionFilter::default()).await.unwrap();
    let recognized = decisions.iter().filter(|d| d.kind == "recognized").count();
    let refused = decisions.iter().filter(|d| d.kind == "refused").count();
    let revoked_decisions = decisions.iter().filter(|d| d.kind == "revoked").count();
    let re_evaluated = lives.iter().filter(|l| l.path == Path::ReEvaluated).count();
    let refused_lives = lives.iter().filter(|l| l.path == Path::Refused).count();
    assert_eq!(refused, refused_lives);
    assert_eq!(recognized, 30 - refused_lives + re_evaluated);
    assert_eq!(revoked_decisions, expected_revoked);
    let d = decisions.iter().find(|d| d.kind == "recognized").unwrap();
    assert_eq!(d.rules_version.as_deref(), Some("qd1489-2025"));
    assert_eq!(d.level.as_deref(), Some("provincial"));
    let round = &d.inputs["round"];
    assert_eq!(round["rules_version"], "qd1489-2025");
    let cards = round["councils"][0]["scorecards"].as_array().unwrap();
    assert!(cards.len() >= 4);
    assert!(round["results"][0]["mean"].is_string());
    let in_province = reads
        .decisions(&DecisionFilter {
            province: Some(d.province.clone()),
            rules_version: Some("qd1489-2025".into()),
            from: d.decided_on.as_deref().map(|s| s.parse().unwrap()),
            to: d.decided_on.as_deref().map(|s| s.parse().unwrap()),
            ..DecisionFilter::default()
        })
        .await
        .unwrap();
    assert!(
        in_province
            .iter()
            .any(|x| x.global_position == d.global_position)
    );

    // History: every event with its envelope.
    let life = &lives[4];
    let history = reads.history(life.product_id, 0, 1000).await.unwrap();
    assert_eq!(history.len(), life.steps.len());
    assert_eq!(history[0].event_type, "ProductRegistered");
    assert_eq!(history[0].payload["type"], "ProductRegistered");
    assert!(
        history
            .iter()
            .all(|h| h.payload["type"] == h.event_type.as_str())
    );
    let page = reads.history(life.product_id, 2, 3).await.unwrap();
    assert_eq!(
        page.iter().map(|h| h.version).collect::<Vec<_>>(),
        [3, 4, 5]
    );
    assert!(page.iter().all(|h| h.payload.is_object()));
    assert!(
        history.windows(2).all(
            |w| w[1].prev_hash == w[0].hash || w[1].global_position != w[0].global_position + 1
        )
    );
    let revocation = history.last().unwrap();
    assert_eq!(revocation.event_type, "RecognitionRevoked");
    assert_eq!(revocation.actor.role, "provincial_secretary");
    assert!(revocation.decision_no.is_some());
    assert!(revocation.occurred_on.is_some());
    assert_eq!(revocation.rules_version.as_deref(), Some("qd1489-2025"));
}

on_both_stores!(
    queries_on_sqlite,
    queries_on_postgres,
    filters_pages_stats_public_register_and_decisions
);

/// The current-state lookup answers from the projection.
async fn product_lookup_returns_current_state(db: &TestDb) {
    let service = db.service();
    let life = lifecycle(7, Path::Supervised);
    let outcomes = drive(&service, &life, 0..life.steps.len()).await;
    db.runner(100).await.catch_up().await.unwrap();
    let view = db.reads().product(life.product_id).await.unwrap().unwrap();
    assert_eq!(view.version, outcomes.last().unwrap().version);
    assert_eq!(
        view.global_position,
        outcomes.last().unwrap().global_position
    );
    let live = service.load(life.product_id).await.unwrap().state;
    assert_eq!(view.state, serde_json::to_value(&live).unwrap());
    assert_eq!(view.state["complaints"].as_array().unwrap().len(), 1);
    assert!(
        db.reads()
            .product(uuid::Uuid::now_v7())
            .await
            .unwrap()
            .is_none()
    );
}

on_both_stores!(
    lookup_on_sqlite,
    lookup_on_postgres,
    product_lookup_returns_current_state
);
