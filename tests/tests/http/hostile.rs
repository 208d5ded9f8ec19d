//! Hostile input: bodies over the limit, JSON nested a hundred thousand deep, invalid UTF-8,
//! NUL characters, wrong content types, numbers out of range, SQL and HTML in text fields,
//! odd query strings and paths. Every refusal is a 4xx problem document that records
//! nothing; text that is accepted is stored and answered byte for byte. A property test
//! sends arbitrary JSON and mutations of valid bodies to the command routes.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

use super::lifecycle::{LamDong, dossier, registration};
use super::support::{Answer, TestServer};
use crate::http_on_both_stores;

/// `POST path` with raw bytes and an optional content type.
async fn post_bytes(
    server: &TestServer,
    token: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = server
        .client
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .body(body);
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Asserts a 4xx problem document that says nothing internal.
#[track_caller]
fn refused(answer: &Answer, what: &str) {
    let status = answer.status.as_u16();
    assert!(
        (400..500).contains(&status),
        "{what}: expected a 4xx, got {status}: {}",
        answer.body
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json"),
        "{what}: {}",
        answer.body
    );
    assert_eq!(answer.body["status"], status, "{what}: {}", answer.body);
    assert!(answer.body["code"].is_string(), "{what}: {}", answer.body);
    let text = answer.body.to_string().to_lowercase();
    for internal in ["sqlx", "sqlite", "postgres", "panicked", "stack backtrace"] {
        assert!(!text.contains(internal), "{what} leaks {internal}: {text}");
    }
}

/// A hostile request: what it is, where it goes, its content type and body, and the status
/// it must get.
struct Case<'a>(&'a str, String, Option<&'a str>, Vec<u8>, u16);

async fn hostile_input_is_refused_and_records_nothing(server: &TestServer) {
    let t = LamDong::tokens(server);
    let registered = server
        .post(
            &t.officer,
            "/api/v1/products",
            &registration("Trà Shan tuyết"),
        )
        .await
        .expect(201);
    let id = registered.body["product_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/products/{id}");
    let complaints = format!("{path}/complaints");
    let complaint = |summary: &str| json!({"received_on": "2025-10-01", "source": "consumer", "summary": summary});
    let before = server.ledger_head().await;

    let mut cases: Vec<Case> = Vec::new();
    let json_ct = Some("application/json");
    // Over the 256 KiB limit: 413.
    let big = complaint(&"x".repeat(300 * 1024)).to_string().into_bytes();
    cases.push(Case(
        "an oversized body",
        complaints.clone(),
        json_ct,
        big,
        413,
    ));
    // Nested far beyond any sane depth, within the size limit.
    cases.push(Case(
        "100k opening brackets",
        complaints.clone(),
        json_ct,
        "[".repeat(100_000).into_bytes(),
        400,
    ));
    cases.push(Case(
        "100k nested arrays, closed",
        complaints.clone(),
        json_ct,
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        400,
    ));
    cases.push(Case(
        "20k nested objects",
        "/api/v1/products".to_owned(),
        json_ct,
        "{\"name\":".repeat(20_000).into_bytes(),
        400,
    ));
    // Invalid UTF-8, in a string and as a bare byte.
    let mut bad_utf8 =
        b"{\"received_on\":\"2025-10-01\",\"source\":\"consumer\",\"summary\":\"".to_vec();
    bad_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    bad_utf8.extend_from_slice(b"\"}");
    cases.push(Case(
        "invalid UTF-8",
        complaints.clone(),
        json_ct,
        bad_utf8,
        400,
    ));
    cases.push(Case(
        "a lone continuation byte",
        complaints.clone(),
        json_ct,
        vec![0x80],
        400,
    ));
    // NUL characters, escaped and raw.
    cases.push(Case(
        "an escaped NUL in a text field",
        complaints.clone(),
        json_ct,
        complaint("a\u{0}b").to_string().into_bytes(),
        400,
    ));
    cases.push(Case(
        "a raw NUL byte in a string",
        complaints.clone(),
        json_ct,
        b"{\"received_on\":\"2025-10-01\",\"source\":\"consumer\",\"summary\":\"a\0b\"}".to_vec(),
        400,
    ));
    let mut nul_name = registration("Mật ong");
    nul_name["producer"]["name"] = json!("HTX\u{0}");
    cases.push(Case(
        "a NUL in a nested text field",
        "/api/v1/products".to_owned(),
        json_ct,
        nul_name.to_string().into_bytes(),
        400,
    ));
    // Wrong content types.
    let valid = complaint("Đúng nội dung, sai kiểu")
        .to_string()
        .into_bytes();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/xml"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
    ] {
        cases.push(Case(
            "a wrong content type",
            complaints.clone(),
            ct,
            valid.clone(),
            400,
        ));
    }
    // Not an object, empty, trailing garbage.
    for body in [
        "",
        "null",
        "[]",
        "\"complaint\"",
        "42",
        "{} {}",
        "{\"summary\": }",
    ] {
        cases.push(Case(
            "a body that is not the command",
            complaints.clone(),
            json_ct,
            body.as_bytes().to_vec(),
            400,
        ));
    }
    // Numbers out of range or of the wrong kind.
    for part_a in [
        "1e400",
        "18446744073709551616",
        "-1",
        "3.5",
        "\"31\"",
        "null",
    ] {
        cases.push(Case(
            "a score that is not a small integer",
            format!("{path}/evaluations/current/scorecards"),
            json_ct,
            format!(
                "{{\"member_id\":\"m1\",\"recorded_on\":\"2025-09-10\",\"part_a\":{part_a},\
                 \"part_b\":20,\"part_c\":20,\"mandatory_failed\":[]}}"
            )
            .into_bytes(),
            400,
        ));
    }
    // Dates that are not dates, unknown fields, unknown enum values.
    for body in [
        json!({"received_on": "2025-02-30", "source": "consumer", "summary": "x"}),
        json!({"received_on": "'; DROP TABLE events; --", "source": "consumer", "summary": "x"}),
        json!({"received_on": "2025-10-01", "source": "<script>", "summary": "x"}),
        json!({"received_on": "2025-10-01", "source": "consumer", "summary": "x", "admin": true}),
    ] {
        cases.push(Case(
            "a malformed field",
            complaints.clone(),
            json_ct,
            body.to_string().into_bytes(),
            400,
        ));
    }

    for Case(what, target, ct, body, status) in cases {
        let answer = post_bytes(server, &t.inspector, &target, ct, body).await;
        refused(&answer, what);
        assert_eq!(answer.status.as_u16(), status, "{what}: {}", answer.body);
        assert_eq!(
            server.ledger_head().await,
            before,
            "{what} recorded something"
        );
    }

    // Headers that are not what they claim.
    for (name, value) in [
        ("idempotency-key", "'; DROP TABLE commands; --"),
        ("idempotency-key", &"9".repeat(4000)),
        ("if-match", "\"99999999999999999999999\""),
        ("if-match", "\"-1\""),
        ("authorization", "Bearer '; DROP TABLE events; --"),
    ] {
        let mut request = server
            .client
            .post(format!("{}{complaints}", server.base))
            .header("content-type", "application/json")
            .header(name, value)
            .body(complaint("x").to_string());
        if name != "authorization" {
            request = request.bearer_auth(&t.inspector);
        }
        let answer = request.send().await.expect("send");
        let status = answer.status();
        let headers = answer.headers().clone();
        let body = answer.json().await.unwrap_or(Value::Null);
        refused(
            &Answer {
                status,
                headers,
                body,
            },
            name,
        );
        assert_eq!(
            server.ledger_head().await,
            before,
            "a bad {name} recorded something"
        );
    }

    // Query strings and paths: refused, or answered without effect.
    for query in [
        "/api/v1/products?limit=99999999999999999999",
        "/api/v1/products?limit=-1",
        "/api/v1/products?stars=300",
        "/api/v1/products?cursor=%27%20OR%201%3D1%20--",
        "/api/v1/products?province=%00",
        "/api/v1/products?q=%00",
        "/api/v1/products?year=1e9",
        "/api/v1/products?valid_on=tomorrow",
        "/api/v1/products?status=%3Cscript%3E",
        "/api/v1/products?unknown=1",
        "/api/v1/products/%27%20OR%20%271%27%3D%271",
        "/api/v1/products/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/products/00000000-0000-0000-0000-000000000000%00",
        "/api/v1/stats?group_by=province;DROP%20TABLE%20events",
        "/api/v1/events?after=-5",
        "/api/v1/events?limit=0",
        "/api/v1/ledger/verify?from_digest=%27%3B--",
        "/api/v1/public/revocations?since=%00",
        "/api/v1/public/products/%00",
    ] {
        let answer = server.get(Some(&t.auditor), query).await;
        refused(&answer, query);
    }
    let at = server
        .get(
            Some(&t.auditor),
            &format!("{path}?at_version=9223372036854775807"),
        )
        .await;
    refused(&at, "at_version beyond the stream");
    for ok in [
        "/api/v1/products?q=%27%3B%20DROP%20TABLE%20events%3B%20--",
        "/api/v1/products?q=%25",
        "/api/v1/products?q=_",
        "/api/v1/products?province=68%27%20OR%20%271%27%3D%271",
        "/api/v1/public/products/%27%20OR%201%3D1%20--",
    ] {
        let answer = server.get(Some(&t.auditor), ok).await;
        assert!(
            answer.status == 200 || answer.status == 404,
            "{ok}: {} {}",
            answer.status,
            answer.body
        );
        if answer.status == 200 && ok.starts_with("/api/v1/products?") {
            assert!(
                answer.body["items"].as_array().unwrap().is_empty(),
                "{ok} matched products: {}",
                answer.body
            );
        } else if answer.status == 404 {
            refused(&answer, ok);
        }
    }
    assert_eq!(
        server.ledger_head().await,
        before,
        "a query recorded something"
    );

    // Text that is accepted is stored verbatim: SQL, HTML, quotes, backslashes, emoji,
    // combining marks and a name of exactly the limit's length (`bounds.rs` tests one over).
    let sql = "Robert'); DROP TABLE events; -- \" \\ % _ $1 ?";
    let html = "<script>alert('xss')</script><img src=x onerror=alert(1)>&amp;";
    let odd = "Cà phê\u{0301} 🐝 \u{202e}kcatta\u{202c} \t\r\n \u{feff}";
    let long: String = "Mật ong hoa cà phê "
        .chars()
        .cycle()
        .take(ocop_api::extract::TEXT_LIMIT)
        .collect();
    let mut stored = Vec::new();
    for text in [sql, html, odd, long.as_str()] {
        let mut body = registration(text);
        if text.len() < 1024 {
            body["producer"]["name"] = json!(text);
        }
        let answer = server
            .post(&t.officer, "/api/v1/products", &body)
            .await
            .expect(201);
        stored.push((text, answer));
        let answer = server
            .post(&t.inspector, &complaints, &complaint(text))
            .await
            .expect(201);
        stored.push((text, answer));
    }
    for (text, answer) in &stored {
        let product = answer.product_path();
        let position = answer.body["global_position"].as_i64().unwrap();
        let state = server
            .get(
                Some(&t.auditor),
                &format!("{product}?min_position={position}"),
            )
            .await
            .expect(200);
        let history = server
            .get(
                Some(&t.auditor),
                &format!("{product}/history?min_position={position}"),
            )
            .await
            .expect(200);
        let last = history.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["global_position"] == position)
            .expect("the accepted command's event")
            .clone();
        if last["event_type"] == "ProductRegistered" {
            assert_eq!(state.body["name"], *text);
            if text.len() < 1024 {
                assert_eq!(state.body["producer"]["name"], *text);
            }
            assert_eq!(last["payload"]["name"], *text);
        } else {
            assert_eq!(last["payload"]["summary"], *text);
            let summaries: Vec<&Value> = state.body["complaints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| &c["summary"])
                .collect();
            assert!(summaries.contains(&&json!(text)), "{}", state.body);
        }
    }
    let verified = server
        .get(Some(&t.auditor), "/api/v1/ledger/verify")
        .await
        .expect(200);
    assert_eq!(verified.body["ok"], true);
}
http_on_both_stores!(
    hostile_input_is_refused_and_records_nothing_on_sqlite,
    hostile_input_is_refused_and_records_nothing_on_postgres,
    hostile_input_is_refused_and_records_nothing
);

/// Any JSON value: the shapes a decoder meets, NUL and astral characters included.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,14}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a valid body: a field removed, replaced by anything, or added.
#[derive(Debug, Clone)]
enum Mutation {
    Remove(usize),
    Replace(usize, Value),
    Add(String, Value),
    /// Replace a field inside the first nested object or array.
    Nested(usize, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), any_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        ("[a-z_]{1,14}", any_json()).prop_map(|(k, v)| Mutation::Add(k, v)),
        (any::<usize>(), any_json()).prop_map(|(i, v)| Mutation::Nested(i, v)),
    ]
}

fn apply(mut body: Value, mutations: &[Mutation]) -> Value {
    for m in mutations {
        let Some(object) = body.as_object_mut() else {
            break;
        };
        let keys: Vec<String> = object.keys().cloned().collect();
        if keys.is_empty() {
            break;
        }
        match m {
            Mutation::Remove(i) => {
                object.remove(&keys[i % keys.len()]);
            }
            Mutation::Replace(i, v) => {
                object.insert(keys[i % keys.len()].clone(), v.clone());
            }
            Mutation::Add(k, v) => {
                object.insert(k.clone(), v.clone());
            }
            Mutation::Nested(i, v) => {
                let target = object.values_mut().find(|x| x.is_object() || x.is_array());
                match target {
                    Some(Value::Object(inner)) if !inner.is_empty() => {
                        let k: Vec<String> = inner.keys().cloned().collect();
                        inner.insert(k[i % k.len()].clone(), v.clone());
                    }
                    Some(Value::Array(items)) if !items.is_empty() => {
                        let n = items.len();
                        items[i % n] = v.clone();
                    }
                    _ => {}
                }
            }
        }
    }
    body
}

/// Sends `body` to a command route and checks the law: no 5xx; a refusal is a problem
/// document and records nothing; a 400 in particular never records.
async fn law(
    server: &TestServer,
    token: &str,
    route: &str,
    body: &Value,
) -> Result<(), TestCaseError> {
    let before = server.ledger_head().await;
    let answer = post_bytes(
        server,
        token,
        route,
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await;
    let status = answer.status.as_u16();
    prop_assert!(
        matches!(status, 200 | 201 | 400 | 403 | 404 | 409 | 422),
        "{route} answered {status} to {body}: {}",
        answer.body
    );
    if status >= 400 {
        prop_assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        prop_assert_eq!(&answer.body["status"], &json!(status));
        prop_assert_eq!(
            server.ledger_head().await,
            before,
            "a refusal recorded something"
        );
    }
    Ok(())
}

#[test]
fn arbitrary_and_mutated_command_bodies_never_fail_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (server, t, path) = runtime.block_on(async {
        let server = TestServer::sqlite().await;
        let t = LamDong::tokens(&server);
        let registered = server
            .post(&t.officer, "/api/v1/products", &registration("Nước mắm"))
            .await
            .expect(201);
        let path = registered.product_path();
        (server, t, path)
    });
    let valid: Vec<(String, &str, Value)> = vec![
        (
            "/api/v1/products".to_owned(),
            &t.officer,
            registration("Nước mắm Phú Quốc"),
        ),
        (
            format!("{path}/evaluations"),
            &t.officer,
            dossier("2025-09-01"),
        ),
        (
            format!("{path}/complaints"),
            &t.inspector,
            json!({"received_on": "2025-10-01", "source": "consumer", "summary": "Mùi lạ"}),
        ),
        (
            format!("{path}/evaluations/current/scorecards"),
            &t.province,
            json!({"member_id": "m1", "recorded_on": "2025-09-10", "part_a": 31,
                   "part_b": 20, "part_c": 27, "mandatory_failed": [],
                   "criteria": [{"code": "A1", "points": 4}]}),
        ),
        (
            format!("{path}/inspections"),
            &t.inspector,
            json!({"inspected_on": "2025-10-02", "authority": "Chi cục QLCL",
                   "findings": "Đạt", "compliant": true, "complaint_id": null}),
        ),
    ];

    let config = Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config.clone());
    let arbitrary = (0..valid.len(), any_json());
    runner
        .run(&arbitrary, |(route, body)| {
            let (path, token, _) = &valid[route];
            runtime.block_on(law(&server, token, path, &body))
        })
        .expect("arbitrary JSON");

    let mut runner = TestRunner::new(Config {
        cases: 320,
        ..config
    });
    let mutated = (0..valid.len(), prop::collection::vec(mutation(), 1..4));
    runner
        .run(&mutated, |(route, mutations)| {
            let (path, token, body) = &valid[route];
            let body = apply(body.clone(), &mutations);
            runtime.block_on(law(&server, token, path, &body))
        })
        .expect("mutated valid bodies");
    runtime.block_on(server.close());
}
