//! One decision document over many products, over HTTP: all or nothing, each product
//! judged by its own round, idempotent, readable as a document with its annex.

use serde_json::{Value, json};

use super::lifecycle::{LamDong, read_after, scored_in_lam_dong};
use super::openapi::assert_answers_as_documented;
use super::support::TestServer;
use crate::http_on_both_stores;

fn document(items: Value) -> Value {
    json!({"decided_on": "2025-09-20", "decision_no": "156/QĐ-UBND",
           "authority": "UBND tỉnh Lâm Đồng", "level": "provincial", "items": items})
}

fn id_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap()
}

async fn one_decision_many_products(server: &TestServer) {
    let t = LamDong::tokens(server);
    let honey = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 78]).await;
    let coffee = scored_in_lam_dong(server, &t, "Cà phê Robusta Đắk Song", &[72, 74, 70]).await;
    let tea = scored_in_lam_dong(server, &t, "Trà atiso Đà Lạt", &[64, 66, 65]).await;
    let rice = scored_in_lam_dong(server, &t, "Gạo ST25 Đạ Tẻh", &[45, 44, 46]).await;
    let head = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;

    // The third item asks 4★ of a mean of 65.00: nothing is recorded, and it is named.
    let key = "0190e9a4-1111-7000-8000-000000000001";
    let breaking = document(json!([
        {"product_id": id_of(&honey), "recognized": true, "stars": 4, "certificate_no": null},
        {"product_id": id_of(&coffee), "recognized": true, "stars": 4, "certificate_no": null},
        {"product_id": id_of(&tea), "recognized": true, "stars": 4, "certificate_no": null},
    ]));
    let refused = server
        .post_with(
            Some(&t.province),
            "/api/v1/decisions",
            &breaking,
            &[("idempotency-key", key)],
        )
        .await
        .problem(422, "rule_violation");
    let violations = refused.body["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 1, "{}", refused.body);
    assert_eq!(violations[0]["product_id"], id_of(&tea));
    assert_eq!(violations[0]["code"], "stars_above_band");
    assert_eq!(
        server
            .get(Some(&t.auditor), "/api/v1/ledger/digest")
            .await
            .expect(200)
            .body,
        head
    );
    for path in [&honey, &coffee] {
        let state = server.get(Some(&t.auditor), path).await.expect(200).body;
        assert_eq!(state["status"], "in_evaluation", "{state}");
    }

    // The same document with the third at 3★ and a fourth refused, under a new key:
    // recorded whole.
    let key = "0190e9a4-1111-7000-8000-000000000002";
    let valid = document(json!([
        {"product_id": id_of(&honey), "recognized": true, "stars": 4, "certificate_no": "LD-2025-001"},
        {"product_id": id_of(&coffee), "recognized": true, "stars": 4, "certificate_no": null},
        {"product_id": id_of(&tea), "recognized": true, "stars": 3, "certificate_no": null},
        {"product_id": id_of(&rice), "recognized": false, "reason": "Điểm bình quân dưới 50"},
    ]));
    let recorded = server
        .post_with(
            Some(&t.province),
            "/api/v1/decisions",
            &valid,
            &[("idempotency-key", key)],
        )
        .await
        .expect(201);
    let openapi = server.get(None, "/api/openapi.json").await.expect(200).body;
    let documented = ("post", "/api/v1/decisions", 201);
    assert_answers_as_documented(&openapi, documented, &recorded.body);
    let decision_id = recorded.body["decision_id"].as_str().unwrap().to_owned();
    let items = recorded.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["product_id"], id_of(&honey));
    let positions: Vec<i64> = items
        .iter()
        .map(|i| i["global_position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions[1], positions[0] + 1);
    assert_eq!(positions[2], positions[1] + 1);
    assert_eq!(positions[3], positions[2] + 1);

    // Sent again with its key: the first answer, nothing recorded.
    let digest = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    let again = server
        .post_with(
            Some(&t.province),
            "/api/v1/decisions",
            &valid,
            &[("idempotency-key", key)],
        )
        .await
        .expect(200);
    assert_eq!(again.body, recorded.body);
    assert_eq!(
        server
            .get(Some(&t.auditor), "/api/v1/ledger/digest")
            .await
            .expect(200)
            .body,
        digest
    );
    // The key with another document is refused.
    server
        .post_with(
            Some(&t.province),
            "/api/v1/decisions",
            &breaking,
            &[("idempotency-key", key)],
        )
        .await
        .problem(422, "idempotency_key_reused");

    // Each product's state, its history and its audit carry the document.
    let state = read_after(server, &t.auditor, &honey, &recorded).await.body;
    assert_eq!(state["recognition"]["stars"], 4);
    assert_eq!(state["recognition"]["decision_no"], "156/QĐ-UBND");
    let history = server
        .get(Some(&t.auditor), &format!("{honey}/history"))
        .await
        .expect(200)
        .body;
    let last = history["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event_type"], "RecognitionDecided");
    assert_eq!(
        last["payload"]["decision_id"],
        decision_id.as_str(),
        "{last}"
    );
    let audit = server
        .get(Some(&t.auditor), &format!("{rice}/audit"))
        .await
        .expect(200)
        .body;
    assert_eq!(audit["decisions"][0]["decision_id"], decision_id.as_str());
    assert_eq!(audit["decisions"][0]["kind"], "refused");

    // The document and its annex.
    let doc = server
        .get(
            Some(&t.inspector),
            &format!("/api/v1/decisions/{decision_id}"),
        )
        .await
        .expect(200)
        .body;
    let documented = ("get", "/api/v1/decisions/{decision_id}", 200);
    assert_answers_as_documented(&openapi, documented, &doc);
    assert_eq!(doc["decision_no"], "156/QĐ-UBND");
    assert_eq!(doc["decided_on"], "2025-09-20");
    assert_eq!(doc["authority"], "UBND tỉnh Lâm Đồng");
    assert_eq!(doc["level"], "provincial");
    let annex: Vec<(&str, bool, Value)> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["product_id"].as_str().unwrap(),
                i["recognized"].as_bool().unwrap(),
                i["stars"].clone(),
            )
        })
        .collect();
    assert_eq!(
        annex,
        vec![
            (id_of(&honey), true, json!(4)),
            (id_of(&coffee), true, json!(4)),
            (id_of(&tea), true, json!(3)),
            (id_of(&rice), false, Value::Null),
        ]
    );
    assert_eq!(doc["items"][0]["certificate_no"], "LD-2025-001");
    assert_eq!(doc["items"][0]["name"], "Mật ong hoa cà phê");
    assert_eq!(doc["items"][3]["reason"], "Điểm bình quân dưới 50");
    // Outside the province it is nobody's document; unknown ids are 404.
    let elsewhere = server.token("inspector", "province:22", "tt-quang-ninh");
    server
        .get(
            Some(&elsewhere),
            &format!("/api/v1/decisions/{decision_id}"),
        )
        .await
        .problem(404, "not_found");
    server
        .get(
            Some(&t.auditor),
            "/api/v1/decisions/0190e9a4-0000-7000-8000-000000000000",
        )
        .await
        .problem(404, "not_found");
}
http_on_both_stores!(
    a_decision_over_three_products_is_recorded_whole_or_not_at_all_on_sqlite,
    a_decision_over_three_products_is_recorded_whole_or_not_at_all_on_postgres,
    one_decision_many_products
);

async fn bad_documents_are_refused(server: &TestServer) {
    let t = LamDong::tokens(server);
    let honey = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 78]).await;
    let item = json!({"product_id": id_of(&honey), "recognized": true, "stars": 4});
    // A commune officer may not decide; the central level is not the province's.
    server
        .post(
            &t.officer,
            "/api/v1/decisions",
            &document(json!([item.clone()])),
        )
        .await
        .problem(403, "forbidden");
    let mut central = document(json!([item.clone()]));
    central["level"] = json!("central");
    server
        .post(&t.central, "/api/v1/decisions", &central)
        .await
        .problem(403, "forbidden");
    // Empty, twice the same product, unknown fields, a district level, a product that
    // does not exist.
    for (body, what) in [
        (document(json!([])), "items"),
        (
            document(json!([item.clone(), item.clone()])),
            "listed twice",
        ),
        (
            {
                let mut b = document(json!([item.clone()]));
                b["level"] = json!("district");
                b
            },
            "level",
        ),
        (
            {
                let mut b = document(json!([item.clone()]));
                b["signed_by"] = json!("x");
                b
            },
            "signed_by",
        ),
    ] {
        let refused = server
            .post(&t.province, "/api/v1/decisions", &body)
            .await
            .problem(400, "invalid_request");
        assert!(
            refused.body["detail"].as_str().unwrap().contains(what),
            "{}",
            refused.body
        );
    }
    server
        .post(
            &t.province,
            "/api/v1/decisions",
            &document(
                json!([item, {"product_id": "0190e9a4-0000-7000-8000-000000000000",
                                     "recognized": true, "stars": 3}]),
            ),
        )
        .await
        .problem(404, "not_found");
    let state = server.get(Some(&t.auditor), &honey).await.expect(200).body;
    assert_eq!(state["status"], "in_evaluation");
}
http_on_both_stores!(
    bad_decision_documents_are_refused_and_record_nothing_on_sqlite,
    bad_decision_documents_are_refused_and_record_nothing_on_postgres,
    bad_documents_are_refused
);
