//! The OpenAPI document teaches: every operation says who may call it ("Who: …" in its
//! description, the same words as the table of `docs/api.md`) and gives an example of
//! every error it answers.

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
    let body: serde_json::Value = bad.json().await.unwrap();
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
