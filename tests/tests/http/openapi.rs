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
