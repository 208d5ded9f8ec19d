//! The contract's edges: every error status, every role and scope refusal (recording
//! nothing), idempotent replays, `If-Match`, read-your-writes, Vietnamese text byte for
//! byte and the operational endpoints (the OpenAPI document's own checks are in
//! `openapi.rs`).

use serde_json::{Value, json};

use super::lifecycle::{
    LamDong, card, council, dossier, read_after, registration, scored_in_lam_dong,
};
use super::support::TestServer;
use crate::http_on_both_stores;

async fn refusals_record_nothing(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Mật ong rừng U Minh", &[70, 72, 71]).await;
    let before = server.ledger_head().await;
    let decision = format!("{path}/evaluations/current/decision");
    let body = super::lifecycle::recognition(4, "2025-09-20", "170/QĐ-UBND", "UBND tỉnh Lâm Đồng");

    // No token, a bad token, a token signed by someone else.
    server
        .post_with(None, &decision, &body, &[])
        .await
        .problem(401, "unauthenticated");
    server
        .post("x.y.z", &decision, &body)
        .await
        .problem(401, "unauthenticated");
    let anonymous = server
        .get(None, "/api/v1/products")
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Bearer realm=\"ocop\"")
    );
    // A role outside the kind of scope the role table gives it.
    for (role, scope) in [
        ("commune_officer", "national"),
        ("auditor", "province:68"),
        ("provincial_secretary", "province:68/commune:24730"),
    ] {
        let misfit = server.token(role, scope, "lac-loai");
        server
            .get(Some(&misfit), "/api/v1/products")
            .await
            .problem(401, "unauthenticated");
    }
    let forged = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwic2NvcGUiOiJuYXRpb25hbCIsImlhdCI6MSwiZXhwIjo5OTk5OTk5OTk5LCJpc3MiOiJvY29wIn0.c2lnbmF0dXJl";
    server
        .get(Some(forged), "/api/v1/products")
        .await
        .problem(401, "unauthenticated");

    // Out of scope or out of role.
    let hanoi = server.token("provincial_secretary", "province:01", "tk-ha-noi");
    server
        .post(&hanoi, &decision, &body)
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&hanoi), &path)
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&hanoi), "/api/v1/products?province=68")
        .await
        .problem(403, "forbidden");
    let listed = server
        .get(Some(&hanoi), "/api/v1/products")
        .await
        .expect(200);
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/scorecards"),
            &card(1, 80, "2025-09-11"),
        )
        .await
        .problem(403, "forbidden");
    server
        .post(&t.auditor, &decision, &body)
        .await
        .problem(403, "forbidden");
    server
        .post(
            &t.auditor,
            "/api/v1/products",
            &registration("Sản phẩm của kiểm toán"),
        )
        .await
        .problem(403, "forbidden");
    let other_commune = server.token("commune_officer", "province:68/commune:24731", "cb-khac");
    server
        .post(
            &other_commune,
            &format!("{path}/withdrawal"),
            &json!({"withdrawn_on": "2025-10-01", "reason": "x"}),
        )
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&t.province), "/api/v1/events")
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&t.province), "/api/v1/ledger/digest")
        .await
        .problem(403, "forbidden");

    // Malformed requests.
    let raw = |bytes: &[u8]| server.post_raw(&t.province, &decision, bytes.to_vec());
    raw(b"{\"decided_on\": ")
        .await
        .problem(400, "invalid_request");
    raw(b"[1, 2]").await.problem(400, "invalid_request");
    // A key given twice: which of the two to record is not ours to guess.
    let twice = raw(
        "{\"decided_on\": \"2025-09-20\", \"decided_on\": \"2025-09-21\", \"recognized\": true, \
          \"stars\": 4, \"decision_no\": \"170/QĐ-UBND\", \"authority\": \"UBND tỉnh Lâm Đồng\"}"
            .as_bytes(),
    )
    .await
    .problem(400, "invalid_request");
    assert!(
        twice.body["detail"]
            .as_str()
            .unwrap()
            .contains("decided_on"),
        "{}",
        twice.body
    );
    raw(&[0x7b, 0xff, 0xfe, 0x7d])
        .await
        .problem(400, "invalid_request");
    let mut unknown = body.clone();
    unknown["stars_override"] = json!(5);
    let answer = server
        .post(&t.province, &decision, &unknown)
        .await
        .problem(400, "invalid_request");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap()
            .contains("stars_override")
    );
    let mut wrong_type = body.clone();
    wrong_type["stars"] = json!("four");
    server
        .post(&t.province, &decision, &wrong_type)
        .await
        .problem(400, "invalid_request");
    let mut bad_date = body.clone();
    bad_date["decided_on"] = json!("2025-02-30");
    let answer = server
        .post(&t.province, &decision, &bad_date)
        .await
        .problem(400, "invalid_request");
    assert_eq!(
        answer.body["detail"],
        "decided_on: \"2025-02-30\" is not a date: month 2 of 2025 has 28 days; a date is \
         written YYYY-MM-DD (ISO 8601)"
    );
    // Written as Vietnamese offices write it: the answer says what to send.
    bad_date["decided_on"] = json!("20/09/2025");
    let answer = server
        .post(&t.province, &decision, &bad_date)
        .await
        .problem(400, "invalid_request");
    assert_eq!(
        answer.body["detail"],
        "decided_on: \"20/09/2025\" is not in the form YYYY-MM-DD (ISO 8601): read as \
         day/month/year it is 2025-09-20; send \"2025-09-20\""
    );
    let no_type = server
        .client
        .post(format!("{}{decision}", server.base))
        .bearer_auth(&t.province)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status().as_u16(), 400);
    let huge = json!({"received_on": "2025-10-01", "source": "consumer", "summary": "x".repeat(300 * 1024)});
    server
        .post(&t.inspector, &format!("{path}/complaints"), &huge)
        .await
        .problem(413, "payload_too_large");
    let bad_key = server
        .post_with(
            Some(&t.province),
            &decision,
            &body,
            &[("idempotency-key", "not-a-uuid")],
        )
        .await;
    bad_key.problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/products?colour=red")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/products?stars=many")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/products?status=famous")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/products?valid_on=2025-13-01")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/stats?group_by=colour")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), &format!("{path}?as_of=yesterday"))
        .await
        .problem(400, "invalid_request");

    // No such product.
    let nobody = "/api/v1/products/0190f5a4-0000-7000-8000-000000000000";
    server
        .get(Some(&t.auditor), nobody)
        .await
        .problem(404, "not_found");
    server
        .post(
            &t.province,
            &format!("{nobody}/evaluations/current/decision"),
            &body,
        )
        .await
        .problem(404, "not_found");
    server
        .get(Some(&t.auditor), "/api/v1/products/not-a-product")
        .await
        .problem(404, "not_found");
    server
        .get(None, "/api/v1/public/products/OCOP-00-000000")
        .await
        .problem(404, "not_found");
    server
        .get(None, "/api/v1/nothing-here")
        .await
        .problem(404, "not_found");
    let put = server
        .client
        .put(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 405);
    assert!(put.headers().contains_key("allow"));
    let put: Value = put.json().await.unwrap();
    assert_eq!(put["status"], 405, "{put}");
    assert_eq!(put["code"], "invalid_request", "{put}");

    // A rule broken: the facts of the rule come back.
    let mut five = body.clone();
    five["stars"] = json!(5);
    let broken = server
        .post(&t.province, &decision, &five)
        .await
        .problem(422, "rule_violation");
    assert_eq!(broken.body["violations"][0]["code"], "level_cannot_award");

    assert_eq!(
        server.ledger_head().await,
        before,
        "a refused request recorded something"
    );
}
http_on_both_stores!(
    every_refusal_answers_its_status_and_records_nothing_on_sqlite,
    every_refusal_answers_its_status_and_records_nothing_on_postgres,
    refusals_record_nothing
);

async fn idempotency_and_versions(server: &TestServer) {
    let t = LamDong::tokens(server);
    let key = "0190f5a4-1111-7000-8000-000000000001";
    let first = server
        .post_with(
            Some(&t.officer),
            "/api/v1/products",
            &registration("Hạt điều rang muối"),
            &[("idempotency-key", key)],
        )
        .await
        .expect(201);
    // The same body laid out differently is the same command.
    let again = server
        .client
        .post(format!("{}/api/v1/products", server.base))
        .bearer_auth(&t.officer)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(serde_json::to_string_pretty(&registration("Hạt điều rang muối")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first.body);
    server
        .post_with(
            Some(&t.officer),
            "/api/v1/products",
            &registration("Hạt điều rang muối loại 2"),
            &[("idempotency-key", key)],
        )
        .await
        .problem(422, "idempotency_key_reused");
    // A key belongs to its caller: the same key and body from anyone else is refused, as
    // the command itself would be, and never answered with the first caller's outcome.
    let recorded = server.ledger_head().await;
    let other_commune = server.token("commune_officer", "province:68/commune:24731", "cb-khac");
    let colleague = server.token("commune_officer", "province:68/commune:24730", "cb-moi");
    for (token, status, code) in [
        (&other_commune, 403, "forbidden"),
        (&t.auditor, 403, "forbidden"),
        (&colleague, 422, "idempotency_key_reused"),
    ] {
        let refused = server
            .post_with(
                Some(token),
                "/api/v1/products",
                &registration("Hạt điều rang muối"),
                &[("idempotency-key", key)],
            )
            .await
            .problem(status, code);
        assert!(refused.body.get("product_id").is_none(), "{}", refused.body);
    }
    assert_eq!(
        server.ledger_head().await,
        recorded,
        "a refused replay recorded something"
    );
    let path = first.product_path();
    let listed = read_after(server, &t.auditor, "/api/v1/products?q=hat%20dieu", &first).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "the replay registered twice"
    );

    // If-Match: the current version passes, a stale one is a conflict and records nothing.
    let opened = server
        .post_with(
            Some(&t.officer),
            &format!("{path}/evaluations"),
            &dossier("2025-09-01"),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(201);
    assert_eq!(opened.header("etag"), Some("\"2\""));
    let stale = server
        .post_with(
            Some(&t.officer),
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
            &[("if-match", "\"1\"")],
        )
        .await
        .problem(409, "version_conflict");
    assert_eq!(stale.body["actual_version"], 2);
    // Who may not send the command hears that, not which version the product is at.
    server
        .post_with(
            Some(&other_commune),
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
            &[("if-match", "\"1\"")],
        )
        .await
        .problem(403, "forbidden");
    server
        .post_with(
            Some(&t.officer),
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
            &[("if-match", "three")],
        )
        .await
        .problem(400, "invalid_request");

    // Two secretaries recording different members' cards at the same moment both succeed.
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
        )
        .await
        .expect(201);
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/council"),
            &council("provincial", 6, "2025-09-10"),
        )
        .await
        .expect(201);
    let tasks: Vec<_> = (1..=6)
        .map(|i| {
            let request = server
                .client
                .post(format!(
                    "{}{path}/evaluations/current/scorecards",
                    server.base
                ))
                .bearer_auth(&t.province)
                .json(&card(i, 70 + i as u32, "2025-09-10"));
            tokio::spawn(async move { request.send().await.expect("send").status().as_u16() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.expect("task"), 201);
    }
    let state = server.get(Some(&t.auditor), &path).await.expect(200);
    let cards = &state.body["current_evaluation"]["councils"][0]["scorecards"];
    assert_eq!(cards.as_array().unwrap().len(), 6, "{}", state.body);

    // A read waiting for a position the log never reaches answers 503 with Retry-After.
    let behind = server
        .get(Some(&t.auditor), &format!("{path}?min_position=999999"))
        .await;
    assert!(behind.header("retry-after").is_some());
    behind.problem(503, "unavailable");
}
http_on_both_stores!(
    idempotent_replays_if_match_and_concurrent_cards_on_sqlite,
    idempotent_replays_if_match_and_concurrent_cards_on_postgres,
    idempotency_and_versions
);

async fn vietnamese_round_trips(server: &TestServer) {
    let t = LamDong::tokens(server);
    // Precomposed (NFC) and decomposed (NFD) forms, tone marks, đ/Đ, quotes and symbols.
    let names = [
        "Nước mắm Phú Quốc \"cá cơm\" 40°N — loại đặc biệt",
        "Me\u{0323}\u{0302}t ong Đắk Song", // "Mật" written with combining marks
        "Bánh tráng phơi sương Trảng Bàng <b>ngon</b>'; DROP TABLE events; --",
    ];
    for name in names {
        let created = server
            .post(&t.officer, "/api/v1/products", &registration(name))
            .await
            .expect(201);
        let path = created.product_path();
        let state = read_after(server, &t.auditor, &path, &created).await;
        assert_eq!(
            state.body["name"].as_str().unwrap().as_bytes(),
            name.as_bytes()
        );
        assert_eq!(state.body["producer"]["name"], "HTX Nông nghiệp Đắk Song");
        let history = server
            .get(Some(&t.auditor), &format!("{path}/history"))
            .await
            .expect(200);
        assert_eq!(
            history.body["events"][0]["payload"]["name"]
                .as_str()
                .unwrap()
                .as_bytes(),
            name.as_bytes()
        );
        let feed = server
            .get(Some(&t.auditor), "/api/v1/events?after=0&limit=1000")
            .await
            .expect(200);
        assert!(
            feed.body["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["payload"]["name"] == name)
        );
    }
    // Search finds it with and without diacritics.
    let found = server
        .get(
            Some(&t.auditor),
            "/api/v1/products?q=nuoc%20mam%20phu%20quoc",
        )
        .await
        .expect(200);
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    let found = server
        .get(
            Some(&t.auditor),
            "/api/v1/products?q=N%C6%B0%E1%BB%9Bc%20m%E1%BA%AFm",
        )
        .await
        .expect(200);
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
}
http_on_both_stores!(
    vietnamese_text_round_trips_byte_for_byte_on_sqlite,
    vietnamese_text_round_trips_byte_for_byte_on_postgres,
    vietnamese_round_trips
);

async fn pages_and_operations(server: &TestServer) {
    let t = LamDong::tokens(server);
    let mut last = None;
    for i in 0..5 {
        last = Some(
            server
                .post(
                    &t.officer,
                    "/api/v1/products",
                    &registration(&format!("Sản phẩm {i}")),
                )
                .await
                .expect(201),
        );
    }
    let last = last.unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/v1/products?limit=2".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = read_after(server, &t.province, &path, &last).await;
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["product_id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!((seen.len(), sorted.len()), (5, 5));
    server
        .get(Some(&t.auditor), "/api/v1/products?limit=0")
        .await
        .problem(400, "invalid_request");
    server
        .get(Some(&t.auditor), "/api/v1/products?cursor=garbage")
        .await
        .problem(400, "invalid_request");

    let feed = server
        .get(Some(&t.auditor), "/api/v1/events?after=2&limit=2")
        .await
        .expect(200);
    let events = feed.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["global_position"], 3);
    assert_eq!(feed.body["next_after"], 4);

    let verify = server
        .get(Some(&t.auditor), "/api/v1/ledger/verify")
        .await
        .expect(200);
    assert_eq!(verify.body["ok"], true);
    assert_eq!(verify.body["events_checked"], 5);
    let digest = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200);
    assert_eq!(verify.body["head"]["hash"], digest.body["hash"]);
    server
        .get(
            Some(&t.auditor),
            "/api/v1/ledger/verify?from_digest=nonsense",
        )
        .await
        .problem(400, "invalid_request");

    // Every read takes `min_position`, and refuses a parameter it does not know.
    let at = &digest.body["global_position"];
    for read in [
        "/api/v1/events?after=0&min_position=",
        "/api/v1/ledger/digest?min_position=",
        "/api/v1/ledger/verify?min_position=",
    ] {
        server
            .get(Some(&t.auditor), &format!("{read}{at}"))
            .await
            .expect(200);
    }
    server
        .get(
            None,
            &format!("/api/v1/public/revocations?min_position={at}"),
        )
        .await
        .expect(200);
    let behind = server
        .get(None, "/api/v1/public/revocations?min_position=999999")
        .await;
    assert!(behind.header("retry-after").is_some());
    behind.problem(503, "unavailable");
    server
        .get(Some(&t.auditor), "/api/v1/ledger/digest?foo=1")
        .await
        .problem(400, "invalid_request");
    server
        .get(None, "/api/v1/public/products/OCOP-00-000000?foo=1")
        .await
        .problem(400, "invalid_request");

    let health = server.get(None, "/healthz").await.expect(200);
    assert_eq!(health.body["status"], "ok");
    let ready = server.get(None, "/readyz").await;
    assert_eq!(ready.body["store"], "ok");
    let (status, metrics) = server.get_text("/metrics").await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        metrics.contains(
            "ocop_http_requests_total{method=\"POST\",route=\"/api/v1/products\",status=\"201\"} 5"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("ocop_projection_lag"), "{metrics}");
    let with_id = server.get(None, "/healthz").await;
    assert!(with_id.header("x-request-id").is_some());
}
http_on_both_stores!(
    cursor_pages_the_feed_the_ledger_and_operations_on_sqlite,
    cursor_pages_the_feed_the_ledger_and_operations_on_postgres,
    pages_and_operations
);

/// A read side whose catch-ups keep failing makes the server not ready, with the error;
/// once they succeed again it is ready.
async fn readiness_follows_the_read_side(server: &TestServer) {
    let t = LamDong::tokens(server);
    let ready = server.get(None, "/readyz").await.expect(200);
    assert_eq!(ready.body["ready"], true);
    assert_eq!(ready.body["projection_error"], Value::Null);

    server.runner.inject_batch_failures(None, usize::MAX);
    server
        .post(&t.officer, "/api/v1/products", &registration("Mật ong"))
        .await
        .expect(201);
    let answer = readyz_until(server, 503).await;
    assert_eq!(answer.body["ready"], false);
    assert_eq!(answer.body["store"], "ok");
    assert!(
        answer.body["projection_error"]
            .as_str()
            .is_some_and(|e| e.contains("aborted before commit")),
        "{}",
        answer.body
    );
    assert!(answer.header("retry-after").is_some());

    server.runner.inject_batch_failures(None, 0);
    let answer = readyz_until(server, 200).await;
    assert_eq!(answer.body["projection_error"], Value::Null);
}

/// `/readyz` asked every 50 ms until it answers `status` (at most 10 s).
async fn readyz_until(server: &TestServer, status: u16) -> super::support::Answer {
    for _ in 0..200 {
        let answer = server.get(None, "/readyz").await;
        if answer.status.as_u16() == status {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    server.get(None, "/readyz").await.expect(status)
}
http_on_both_stores!(
    readiness_follows_the_read_side_on_sqlite,
    readiness_follows_the_read_side_on_postgres,
    readiness_follows_the_read_side
);
