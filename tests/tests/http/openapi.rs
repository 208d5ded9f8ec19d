//! The published OpenAPI document: it lists every path of the contract and resolves;
//! every read answers as its schema says (real answers checked against the document with
//! a maintained JSON-Schema validator); and it teaches — every operation says who may call
//! it ("Who: …" in its description, the same words as the table of `docs/api.md`) and
//! gives an example of every error it answers.

use serde_json::{Value, json};

use super::lifecycle::{LamDong, scored_in_lam_dong};
use super::support::TestServer;

fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_operation_says_who_may_call_it_and_shows_its_errors() {
    let server = TestServer::sqlite().await;
    let doc = server.get(None, "/api/openapi.json").await.expect(200).body;
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md")).unwrap();
    let guide = normalised(&guide);
    let mut operations = 0;
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            let description = op["description"].as_str().unwrap_or_default();
            let Some((_, who)) = description.split_once("Who:") else {
                problems.push(format!(
                    "{name}: the description does not say who may call it"
                ));
                continue;
            };
            let who = normalised(who);
            if !guide.contains(&format!("| `{name}` | {who} |")) {
                problems.push(format!("{name}: docs/api.md's table does not say {who:?}"));
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let error = status.starts_with('4') || status.starts_with('5');
                let example = response["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.values())
                    .any(|m| !m["example"].is_null() || m["examples"].is_object());
                if error && !example {
                    problems.push(format!("{name}: the {status} answer has no example"));
                }
            }
        }
    }
    assert!(operations > 30, "{operations} operations: {doc}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    server.close().await;
}

/// A refusal says what to fix: a query date as offices write it names the day it means, an
/// unknown role lists the roles, a refused role names those that may.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refusal_says_what_to_send_instead() {
    let server = TestServer::sqlite().await;
    let auditor = server.token("auditor", "national", "kiem-toan");
    let refused = server
        .get(Some(&auditor), "/api/v1/products?valid_on=01/12/2026")
        .await
        .problem(400, "invalid_request");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("valid_on") && detail.contains("read as day/month/year it is 2026-12-01"),
        "{detail}"
    );
    let refused = server
        .get(
            Some(&auditor),
            "/api/v1/stats?group_by=province&place=recorded&x=1",
        )
        .await
        .problem(400, "invalid_request");
    assert!(refused.body["detail"].as_str().unwrap().contains('x'));
    let secretary = server.token("provincial_secretary", "province:68", "tk");
    let refused = server
        .get(Some(&secretary), "/api/v1/ledger/digest")
        .await
        .problem(403, "forbidden");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("only auditor, admin may"), "{detail}");
    let garbage = server
        .get(Some("abc.def"), "/api/v1/products")
        .await
        .problem(401, "unauthenticated");
    let detail = garbage.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("not a well-formed JWT"),
        "a token error in words: {detail}"
    );
    let unknown = server
        .ocop(&[
            "token",
            "--role",
            "thu_ky",
            "--scope",
            "province:68",
            "--user",
            "x",
        ])
        .await
        .unwrap_err();
    assert!(
        unknown.contains("provincial_secretary") && unknown.contains("commune_officer"),
        "{unknown}"
    );
    server.close().await;
}

/// With `Accept-Language: vi` a refusal is in Vietnamese — the rules' own words for each
/// violation (`DomainError::message_vi`, the table the web interface uses) — with the same
/// codes and facts; without it, English, and no Vietnamese field leaks into the answer.
async fn refusals_speak_vietnamese_when_asked(server: &TestServer) {
    use super::lifecycle::{LamDong, recognition, scored_in_lam_dong};
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Mật ong bạc hà", &[60, 62, 64]).await;
    let four = recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng");
    let decision = format!("{path}/evaluations/current/decision");
    let vi = server
        .post_with(
            Some(&t.province),
            &decision,
            &four,
            &[("accept-language", "vi-VN,vi;q=0.9,en;q=0.5")],
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(vi.header("content-language"), Some("vi"));
    assert_eq!(vi.body["title"], "Vi phạm quy định");
    let v = &vi.body["violations"][0];
    assert_eq!(v["code"], "stars_above_band");
    assert_eq!(v["allowed"], 3);
    let detail = v["detail"].as_str().unwrap();
    assert!(detail.contains("chỉ cho phép tối đa 3 sao"), "{detail}");
    assert!(
        vi.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Không ghi nhận")
    );
    assert!(v.get("detail_vi").is_none());

    let en = server
        .post_with(
            Some(&t.province),
            &decision,
            &four,
            &[("accept-language", "en-GB,vi;q=0.3")],
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(en.header("content-language"), None);
    let detail = en.body["violations"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("allows at most 3 stars"), "{detail}");
    assert!(en.body["violations"][0].get("detail_vi").is_none());

    let bad = server
        .client
        .get(format!(
            "{}/api/v1/products?valid_on=31/11/2026",
            server.base
        ))
        .bearer_auth(&t.auditor)
        .header("accept-language", "vi")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["title"], "Yêu cầu không hợp lệ", "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("month 11 of 2026 has 30 days"),
        "{body}"
    );
}

crate::http_on_both_stores!(
    refusals_speak_vietnamese_when_asked_on_sqlite,
    refusals_speak_vietnamese_when_asked_on_postgres,
    refusals_speak_vietnamese_when_asked
);

#[tokio::test]
async fn the_openapi_document_lists_every_path_of_the_contract_and_resolves() {
    let server = TestServer::sqlite().await;
    let doc = server.get(None, "/api/openapi.json").await.expect(200).body;
    server.close().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let contract = [
        ("post", "/api/v1/products"),
        ("post", "/api/v1/products/{id}/evaluations"),
        ("post", "/api/v1/products/{id}/evaluations/current/return"),
        ("post", "/api/v1/products/{id}/evaluations/current/dossier"),
        (
            "post",
            "/api/v1/products/{id}/evaluations/current/local-assessment",
        ),
        ("post", "/api/v1/products/{id}/evaluations/current/council"),
        (
            "post",
            "/api/v1/products/{id}/evaluations/current/scorecards",
        ),
        ("post", "/api/v1/products/{id}/evaluations/current/conclude"),
        ("post", "/api/v1/products/{id}/evaluations/current/decision"),
        ("post", "/api/v1/products/{id}/complaints"),
        ("post", "/api/v1/products/{id}/inspections"),
        ("post", "/api/v1/products/{id}/revocation"),
        ("post", "/api/v1/products/{id}/withdrawal"),
        ("post", "/api/v1/products/{id}/corrections"),
        ("get", "/api/v1/products"),
        ("get", "/api/v1/products/{id}"),
        ("get", "/api/v1/products/{id}/history"),
        ("get", "/api/v1/products/{id}/audit"),
        ("get", "/api/v1/audits/decisions"),
        ("get", "/api/v1/ledger/digest"),
        ("get", "/api/v1/ledger/verify"),
        ("get", "/api/v1/stats"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/public/products/{key}"),
        ("get", "/api/v1/public/revocations"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    ];
    for (method, path) in contract {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    // Every command documents its body and every $ref resolves.
    for (method, path) in contract.iter().filter(|(m, _)| *m == "post") {
        let op = &doc["paths"][path][method];
        assert!(
            op["requestBody"]["content"]["application/json"]["schema"].is_object(),
            "{path}"
        );
        assert!(op["responses"]["422"].is_object(), "{path}");
    }
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a schema reference");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "unresolved {r}"
        );
    }
    let _: utoipa::openapi::OpenApi =
        serde_json::from_value(doc).expect("a well-formed OpenAPI document");
}

/// Every read answers as the OpenAPI document's schema for it says: real answers — a
/// product recognised, complained about, inspected and revoked, with a round open on
/// another — checked against the document the server publishes.
#[tokio::test]
async fn every_read_answers_as_its_openapi_schema_says() {
    let server = TestServer::sqlite().await;
    let t = LamDong::tokens(&server);
    let path = scored_in_lam_dong(&server, &t, "Cà phê Robusta Đắk Song", &[72, 74, 70]).await;
    let decision =
        super::lifecycle::recognition(4, "2025-09-20", "170/QĐ-UBND", "UBND tỉnh Lâm Đồng");
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &decision,
        )
        .await
        .expect(201);
    let complaint = server
        .post(
            &t.inspector,
            &format!("{path}/complaints"),
            &json!({"received_on": "2025-10-02", "source": "press", "summary": "Báo phản ánh"}),
        )
        .await
        .expect(201);
    let history = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200);
    let complaint_id = history.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "ComplaintReceived")
        .map(|e| e["event_id"].clone())
        .unwrap();
    server
        .post(
            &t.inspector,
            &format!("{path}/inspections"),
            &json!({"inspected_on": "2025-10-10", "authority": "Sở Y tế Lâm Đồng",
                    "findings": "Không đạt", "compliant": false, "complaint_id": complaint_id}),
        )
        .await
        .expect(201);
    let revoked = server
        .post(
            &t.province,
            &format!("{path}/revocation"),
            &json!({"decided_on": "2025-10-20", "decision_no": "201/QĐ-UBND",
                    "authority": "UBND tỉnh Lâm Đồng", "grounds": ["food_safety_violation"],
                    "details": "Kết quả kiểm tra không đạt"}),
        )
        .await
        .expect(201);
    let open = scored_in_lam_dong(&server, &t, "Mắc ca Lâm Hà", &[80, 82, 81]).await;
    let at = revoked.body["global_position"]
        .as_i64()
        .unwrap()
        .max(complaint.body["global_position"].as_i64().unwrap());
    let id = path.trim_start_matches("/api/v1/products/");
    let doc = server.get(None, "/api/openapi.json").await.expect(200).body;
    // The check finds what is wrong: a position as text, a hash missing.
    let digest = json!({"$ref": "#/components/schemas/LedgerDigest"});
    let errors = violations(&doc, &digest, &json!({"global_position": "7"}));
    assert_eq!(errors.len(), 2, "{errors:?}");
    let reads = [
        ("/api/v1/products", "/api/v1/products?limit=1".to_owned()),
        ("/api/v1/products", "/api/v1/products".to_owned()),
        ("/api/v1/products/{id}", path.clone()),
        ("/api/v1/products/{id}", open.clone()),
        (
            "/api/v1/products/{id}",
            format!("{path}?valid_on=2025-10-01"),
        ),
        (
            "/api/v1/products/{id}",
            format!("{path}?valid_on=2025-12-01"),
        ),
        ("/api/v1/products/{id}/history", format!("{path}/history")),
        ("/api/v1/products/{id}/audit", format!("{path}/audit")),
        (
            "/api/v1/audits/decisions",
            "/api/v1/audits/decisions".to_owned(),
        ),
        ("/api/v1/ledger/digest", "/api/v1/ledger/digest".to_owned()),
        ("/api/v1/ledger/verify", "/api/v1/ledger/verify".to_owned()),
        (
            "/api/v1/stats",
            "/api/v1/stats?group_by=province,stars,status".to_owned(),
        ),
        (
            "/api/v1/events",
            "/api/v1/events?after=0&limit=1000".to_owned(),
        ),
        ("/api/v1/producers", "/api/v1/producers".to_owned()),
    ];
    for (documented, read) in reads {
        let sep = if read.contains('?') { '&' } else { '?' };
        let answer = server
            .get(Some(&t.auditor), &format!("{read}{sep}min_position={at}"))
            .await
            .expect(200);
        assert_conforms(&doc, documented, &answer.body);
    }
    // The reads that take no min_position.
    for (documented, read) in [
        ("/api/v1/ledger/checkpoints", "/api/v1/ledger/checkpoints"),
        ("/api/v1/ledger/public-key", "/api/v1/ledger/public-key"),
        ("/api/v1/audits/tokens", "/api/v1/audits/tokens"),
        ("/api/v1/units/provinces", "/api/v1/units/provinces"),
        (
            "/api/v1/units/provinces",
            "/api/v1/units/provinces?on=2025-06-30",
        ),
        ("/healthz", "/healthz"),
        ("/readyz", "/readyz"),
    ] {
        let answer = server.get(Some(&t.auditor), read).await.expect(200);
        assert_conforms(&doc, documented, &answer.body);
    }
    let public = server
        .get(None, &format!("/api/v1/public/products/{id}"))
        .await
        .expect(200);
    assert_conforms(&doc, "/api/v1/public/products/{key}", &public.body);
    let notices = server
        .get(None, "/api/v1/public/revocations")
        .await
        .expect(200);
    assert_eq!(notices.body["items"].as_array().unwrap().len(), 1);
    assert_conforms(&doc, "/api/v1/public/revocations", &notices.body);

    // Every lifecycle path of the demo data set: legacy records, district rounds, 5★,
    // "không đạt", expiries, revocations, withdrawals, corrections — in a store of its own,
    // since the demo refuses one that holds other records.
    server.close().await;
    let server = TestServer::sqlite().await;
    server.ocop(&["demo"]).await.unwrap();
    let head = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body["global_position"]
        .clone();
    let all = server
        .get(
            Some(&t.auditor),
            &format!("/api/v1/products?limit=500&min_position={head}"),
        )
        .await
        .expect(200)
        .body;
    assert!(all["items"].as_array().unwrap().len() > 50, "{all}");
    assert_conforms(&doc, "/api/v1/products", &all);
    for product in all["items"].as_array().unwrap() {
        let id = product["product_id"].as_str().unwrap();
        for documented in [
            "/api/v1/products/{id}",
            "/api/v1/products/{id}/audit",
            "/api/v1/products/{id}/history",
        ] {
            let read = documented.replace("{id}", id);
            let answer = server.get(Some(&t.auditor), &read).await.expect(200);
            assert_conforms(&doc, documented, &answer.body);
        }
        let public = server
            .get(None, &format!("/api/v1/public/products/{id}"))
            .await;
        if public.status.as_u16() == 200 {
            assert_conforms(&doc, "/api/v1/public/products/{key}", &public.body);
        }
    }
    let producers = server
        .get(Some(&t.auditor), "/api/v1/producers?limit=500")
        .await
        .expect(200)
        .body;
    assert_conforms(&doc, "/api/v1/producers", &producers);
    for producer in producers["items"].as_array().unwrap() {
        let read = format!(
            "/api/v1/producers/{}",
            producer["producer_id"].as_str().unwrap()
        );
        let answer = server.get(Some(&t.auditor), &read).await.expect(200);
        assert_conforms(&doc, "/api/v1/producers/{producer_id}", &answer.body);
    }
    for (documented, read) in [
        ("/api/v1/audits/decisions", "/api/v1/audits/decisions"),
        (
            "/api/v1/public/revocations",
            "/api/v1/public/revocations?limit=1000",
        ),
        ("/api/v1/events", "/api/v1/events?after=0&limit=1000"),
    ] {
        let answer = server.get(Some(&t.auditor), read).await.expect(200);
        assert_conforms(&doc, documented, &answer.body);
    }
    server.close().await;
}

/// Asserts that `answer` is valid against the schema of `GET path`'s 200 answer.
#[track_caller]
fn assert_conforms(doc: &Value, path: &str, answer: &Value) {
    assert_answers_as_documented(doc, ("get", path, 200), answer);
}

/// Asserts that `answer` is valid against the schema the document gives the answer of
/// `(method, path, status)`.
#[track_caller]
pub(super) fn assert_answers_as_documented(
    doc: &Value,
    (method, path, status): (&str, &str, u16),
    answer: &Value,
) {
    let schema = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} documents no schema for its {status}"
    );
    let errors = violations(doc, schema, answer);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:#?}\n{answer:#}"
    );
}

/// Where `value` breaks `schema`, checked by the `jsonschema` crate (JSON Schema 2020-12,
/// which OpenAPI 3.1 schemas are), its `$ref`s resolved in the document's components.
#[track_caller]
fn violations(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let root = json!({"components": doc["components"], "allOf": [schema]});
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{schema}: not valid JSON Schema: {e}"));
    validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}
