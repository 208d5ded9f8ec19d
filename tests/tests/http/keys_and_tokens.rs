//! The ways in that a key or a token opened: a client taking the key of the server's own
//! timer, and tokens signed by the server (issuance recorded, lifetimes bounded).

use serde_json::json;

use super::lifecycle::{LamDong, recognition, scored_in_lam_dong};
use super::support::TestServer;
use crate::http_on_both_stores;

/// A Lâm Đồng product recognised 4★ on 2025-09-20; returns its path and its state.
async fn recognised(server: &TestServer, t: &LamDong) -> (String, serde_json::Value) {
    let path = scored_in_lam_dong(server, t, "Cà phê Robusta Đắk Song", &[80, 82, 81]).await;
    let decided = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "2001/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let position = decided.body["global_position"].as_i64().unwrap();
    let state = server
        .get(Some(&t.auditor), &format!("{path}?min_position={position}"))
        .await
        .expect(200)
        .body;
    (path, state)
}

async fn a_client_cannot_take_the_key_of_the_servers_expiry(server: &TestServer) {
    // The timers run at the expiry, years ahead: a rehearsal store, marked while empty.
    server.ocop(&["migrate", "--rehearsal"]).await.unwrap();
    let t = LamDong::tokens(server);
    let (path, state) = recognised(server, &t).await;
    let product_id = uuid::Uuid::parse_str(state["product_id"].as_str().unwrap()).unwrap();
    let recognition_event =
        uuid::Uuid::parse_str(state["recognition"]["event_id"].as_str().unwrap()).unwrap();
    let valid_until = state["recognition"]["valid_until"]
        .as_str()
        .unwrap()
        .to_owned();
    // Both of the timer's keys can be computed from what /history shows.
    for kind in ["expiry_notice", "expiry"] {
        let (key, _) = ocop_projections::timers::timer_key(product_id, recognition_event, kind);
        let refused = server
            .post_with(
                Some(&t.inspector),
                &format!("{path}/complaints"),
                &json!({"received_on": "2025-10-01", "source": "consumer", "summary": "Nhãn mác sai"}),
                &[("idempotency-key", &key.to_string())],
            )
            .await
            .problem(400, "invalid_request");
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(detail.contains("version 8"), "{detail}");
    }
    // The day after valid_until, the timer expires the product.
    let after = chrono::NaiveDate::parse_from_str(&valid_until, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(1);
    server
        .ocop(&["timers", "run", "--now", &after.to_string(), "--test-clock"])
        .await
        .unwrap();
    let history = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200);
    let events = history.body["events"].as_array().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(!kinds.contains(&"ComplaintRecorded"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"RecognitionExpired"), "{kinds:?}");
    let last = events.last().unwrap()["global_position"].as_i64().unwrap();
    let now = server
        .get(Some(&t.auditor), &format!("{path}?min_position={last}"))
        .await
        .expect(200);
    assert_eq!(now.body["status"], "expired");
}
http_on_both_stores!(
    a_complaint_sent_with_the_timers_key_is_refused_and_the_product_still_expires_on_sqlite,
    a_complaint_sent_with_the_timers_key_is_refused_and_the_product_still_expires_on_postgres,
    a_client_cannot_take_the_key_of_the_servers_expiry
);

async fn every_token_issued_is_recorded_for_the_auditor(server: &TestServer) {
    let data = std::env::temp_dir().join(format!("ocop-tokens-{}", uuid::Uuid::new_v4()));
    let data_dir = data.display().to_string();
    let issue = |ttl: &'static str| {
        let data_dir = data_dir.clone();
        async move {
            server
                .ocop(&[
                    "--data-dir",
                    &data_dir,
                    "token",
                    "--role",
                    "inspector",
                    "--scope",
                    "province:68",
                    "--user",
                    "tt-lam-dong",
                    "--ttl",
                    ttl,
                ])
                .await
        }
    };
    issue("2h").await.unwrap();
    // Beyond the maximum lifetime (12 h by default): refused, and nothing recorded.
    let refused = issue("2d").await.unwrap_err();
    assert!(refused.contains("at most 43200 s"), "{refused}");
    let auditor = server.token("auditor", "national", "kiem-toan");
    let listed = server
        .get(Some(&auditor), "/api/v1/audits/tokens")
        .await
        .expect(200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", listed.body);
    let token = &items[0];
    assert_eq!(token["subject"], "tt-lam-dong");
    assert_eq!(token["role"], "inspector");
    assert_eq!(token["scope"], "province:68");
    let issued =
        chrono::DateTime::parse_from_rfc3339(token["issued_at"].as_str().unwrap()).unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(token["expires_at"].as_str().unwrap()).unwrap();
    assert!((7199..=7200).contains(&(expires - issued).num_seconds()));
    assert!(
        token.get("token").is_none(),
        "the register never holds the token itself"
    );
    // Only the auditor and the admin read the register.
    server
        .get(Some(&t_inspector(server)), "/api/v1/audits/tokens")
        .await
        .problem(403, "forbidden");
    let _ = std::fs::remove_dir_all(data);
}

fn t_inspector(server: &TestServer) -> String {
    server.token("inspector", "national", "tt-bo")
}
http_on_both_stores!(
    every_token_the_server_issues_is_in_the_register_the_auditor_lists_on_sqlite,
    every_token_the_server_issues_is_in_the_register_the_auditor_lists_on_postgres,
    every_token_issued_is_recorded_for_the_auditor
);

/// A Hà Nội (01) product, commune 00004, scored 80/82/81 by the provincial council and
/// recognised 4★ with certificate `certificate_no`; returns its path.
async fn recognised_in_ha_noi(server: &TestServer, certificate_no: &str) -> String {
    let officer = server.token("commune_officer", "province:01/commune:00004", "cb-ha-noi");
    let province = server.token("provincial_secretary", "province:01", "tk-ha-noi");
    let mut body = super::lifecycle::registration("Chè Shan tuyết Ba Vì");
    body["province"] = json!("01");
    body["commune"] = json!("00004");
    let registered = server
        .post(&officer, "/api/v1/products", &body)
        .await
        .expect(201);
    let path = registered.product_path();
    server
        .post(
            &officer,
            &format!("{path}/evaluations"),
            &super::lifecycle::dossier("2025-09-01"),
        )
        .await
        .expect(201);
    server
        .post(
            &officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true,
                    "notes": null, "report_ref": "7/TTr-UBND"}),
        )
        .await
        .expect(201);
    super::lifecycle::score(
        server,
        &province,
        &path,
        "provincial",
        &[80, 82, 81],
        ("2025-09-10", "2025-09-12"),
    )
    .await;
    let mut decision = recognition(4, "2025-09-20", "99/QĐ-UBND", "UBND thành phố Hà Nội");
    decision["certificate_no"] = json!(certificate_no);
    server
        .post(
            &province,
            &format!("{path}/evaluations/current/decision"),
            &decision,
        )
        .await
        .expect(201);
    path
}

async fn certificate_numbers_are_unique_within_a_province(server: &TestServer) {
    let t = LamDong::tokens(server);
    let decide = |cert: &str| {
        let mut d = recognition(4, "2025-09-20", "2001/QĐ-UBND", "UBND tỉnh Lâm Đồng");
        d["certificate_no"] = json!(cert);
        d
    };
    let first = scored_in_lam_dong(server, &t, "Cà phê Robusta Đắk Song", &[80, 82, 81]).await;
    let decided = server
        .post(
            &t.province,
            &format!("{first}/evaluations/current/decision"),
            &decide("OCOP-2025-017"),
        )
        .await
        .expect(201);
    let position = decided.body["global_position"].as_i64().unwrap();
    let second = scored_in_lam_dong(server, &t, "Mắc ca Lâm Hà", &[80, 82, 81]).await;
    // Let the read side know the first number.
    server
        .get(
            Some(&t.auditor),
            &format!("{second}?min_position={position}"),
        )
        .await
        .expect(200);
    let before = server.get(Some(&t.auditor), &second).await.expect(200).body["version"].clone();
    let refused = server
        .post(
            &t.province,
            &format!("{second}/evaluations/current/decision"),
            &decide("OCOP-2025-017"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        refused.body["violations"][0]["code"], "certificate_not_unique",
        "{}",
        refused.body
    );
    let after = server.get(Some(&t.auditor), &second).await.expect(200);
    assert_eq!(after.body["version"], before, "nothing recorded");
    server
        .post(
            &t.province,
            &format!("{second}/evaluations/current/decision"),
            &decide("OCOP-2025-018"),
        )
        .await
        .expect(201);

    // Another province may use the same number: the public look-up then names both.
    let other = recognised_in_ha_noi(server, "OCOP-2025-017").await;
    let head = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body["global_position"]
        .as_i64()
        .unwrap();
    let ambiguous = server
        .get(
            None,
            &format!("/api/v1/public/products/OCOP-2025-017?min_position={head}"),
        )
        .await;
    assert_eq!(ambiguous.status.as_u16(), 300, "{}", ambiguous.body);
    assert_eq!(ambiguous.body["code"], "ambiguous_certificate");
    let mut ids: Vec<String> = ambiguous.body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("/api/v1/products/{}", c["product_id"].as_str().unwrap()))
        .collect();
    ids.sort();
    let mut expected = vec![first.clone(), other];
    expected.sort();
    assert_eq!(ids, expected);
    // A number only one product carries answers that product.
    let one = server
        .get(None, "/api/v1/public/products/OCOP-2025-018")
        .await
        .expect(200);
    assert_eq!(one.body["name"], "Mắc ca Lâm Hà");
}
http_on_both_stores!(
    a_certificate_number_is_unique_in_its_province_and_an_ambiguous_look_up_names_every_candidate_on_sqlite,
    a_certificate_number_is_unique_in_its_province_and_an_ambiguous_look_up_names_every_candidate_on_postgres,
    certificate_numbers_are_unique_within_a_province
);
