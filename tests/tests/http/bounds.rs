//! Bounded work: what one connection, one client or one request may take of the server —
//! the header timeout against slow senders, the connection and in-flight limits, the
//! public rate limit, text and list limits in commands, pages on every list, metrics
//! labels from a fixed set — and the security headers on every answer.

use std::time::{Duration, Instant};

use ocop_api::server::Limits;
use ocop_api::throttle::Rate;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::lifecycle::{LamDong, registration, scored_in_lam_dong};
use super::support::TestServer;
use crate::http_on_both_stores;

fn address(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// Reads until the peer closes the connection or `within` passes; true when it closed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0_u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_sending_its_headers_a_byte_at_a_time_is_cut_off_while_others_are_served() {
    let server = TestServer::sqlite_with(Limits {
        header_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let mut slow = TcpStream::connect(address(&server)).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let drip = async {
        // One header byte every 300 ms, as a slow-loris client sends them.
        for byte in b"X-Slow: aaaaaaaaaaaaaaaaaaaa".iter().cycle().take(30) {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(4), drip)
        .await
        .ok();
    assert!(
        closed_within(&mut slow, Duration::from_secs(1)).await,
        "the slow connection is still open after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // Meanwhile a normal client is answered at once.
    let quick = Instant::now();
    server.get(None, "/healthz").await.expect(200);
    assert!(quick.elapsed() < Duration::from_secs(1));
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let server = TestServer::sqlite_with(Limits {
        max_connections: 2,
        ..Limits::default()
    })
    .await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(address(&server)).await.unwrap();
        c.write_all(request).await.unwrap();
        let mut buf = [0_u8; 512];
        let n = tokio::time::timeout(Duration::from_secs(2), c.read(&mut buf))
            .await
            .expect("answered")
            .unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        open.push(c);
    }
    let mut third = TcpStream::connect(address(&server)).await.unwrap();
    third.write_all(request).await.unwrap();
    let mut buf = [0_u8; 512];
    assert!(
        tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf))
            .await
            .is_err(),
        "a third connection is not served while two are open"
    );
    drop(open.pop());
    let n = tokio::time::timeout(Duration::from_secs(2), third.read(&mut buf))
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_beyond_the_in_flight_limit_is_shed_with_retry_after() {
    let server = TestServer::sqlite_with(Limits {
        max_in_flight: 1,
        ..Limits::default()
    })
    .await;
    let auditor = server.token("auditor", "national", "kiem-toan");
    // A read waiting for a position the log never reaches holds the one slot for 5 s.
    let waiting = {
        let (client, base, auditor) = (server.client.clone(), server.base.clone(), auditor.clone());
        tokio::spawn(async move {
            client
                .get(format!("{base}/api/v1/ledger/digest?min_position=999999"))
                .bearer_auth(auditor)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let shed = server
        .get(Some(&auditor), "/api/v1/ledger/digest")
        .await
        .problem(503, "unavailable");
    assert!(started.elapsed() < Duration::from_secs(1), "shed at once");
    assert_eq!(shed.header("retry-after"), Some("1"));
    assert_eq!(waiting.await.unwrap().as_u16(), 503);
    server
        .get(Some(&auditor), "/api/v1/ledger/digest")
        .await
        .expect(200);
    server.close().await;
}

async fn public_look_ups_are_limited_per_client(server: &TestServer) {
    for _ in 0..3 {
        server
            .get(None, "/api/v1/public/products/OCOP-0000")
            .await
            .problem(404, "not_found");
    }
    let limited = server
        .get(None, "/api/v1/public/revocations")
        .await
        .problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "{retry}");
    // What needs a token, and health checks, are not the public's share.
    server.get(None, "/healthz").await.expect(200);
    let auditor = server.token("auditor", "national", "kiem-toan");
    server
        .get(Some(&auditor), "/api/v1/stats")
        .await
        .expect(200);
}

fn rate_limited() -> Limits {
    Limits {
        public_rate: Some(Rate {
            per_minute: 5,
            burst: 3,
        }),
        ..Limits::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_over_its_public_rate_gets_429_with_retry_after_on_sqlite() {
    let server = TestServer::sqlite_with(rate_limited()).await;
    public_look_ups_are_limited_per_client(&server).await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_over_its_public_rate_gets_429_with_retry_after_on_postgres() {
    let server = TestServer::postgres_with(rate_limited()).await;
    public_look_ups_are_limited_per_client(&server).await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_carries_the_security_headers() {
    let server = TestServer::sqlite().await;
    let auditor = server.token("auditor", "national", "kiem-toan");
    for (token, path) in [
        (None, "/api/v1/public/revocations"),
        (None, "/api/openapi.json"),
        (None, "/no/such/page"),
        (Some(auditor.as_str()), "/api/v1/stats"),
    ] {
        let answer = server.get(token, path).await;
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(answer.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            answer.header("referrer-policy"),
            Some("same-origin"),
            "{path}"
        );
        let csp = answer.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        let cache = answer.header("cache-control");
        if token.is_some() {
            assert_eq!(cache, Some("no-store"), "{path}");
        } else {
            assert_eq!(cache, None, "{path}: a public answer may be cached");
        }
    }
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_with_invented_methods_leave_the_metrics_bounded() {
    let server = TestServer::sqlite().await;
    for i in 0..1000 {
        let method = reqwest::Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
        let response = server
            .client
            .request(method, format!("{}/healthz", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405);
    }
    let (_, text) = server.get_text("/metrics").await;
    let series = text
        .lines()
        .filter(|l| l.starts_with("ocop_http_requests_total{"))
        .count();
    assert!(series < 10, "{series} series:\n{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(!text.contains("method=\"X1"), "{text}");
    server.close().await;
}

async fn texts_and_lists_in_commands_have_limits(server: &TestServer) {
    let t = LamDong::tokens(server);
    let auditor = server.token("auditor", "national", "kiem-toan");
    let head = || async {
        server
            .get(Some(&auditor), "/api/v1/ledger/digest")
            .await
            .expect(200)
            .body["global_position"]
            .clone()
    };
    let before = head().await;
    let mut body = registration(&"Mật ong ".repeat(22_500));
    let refused = server
        .post(&t.officer, "/api/v1/products", &body)
        .await
        .problem(400, "invalid_request");
    assert_eq!(
        refused.body["detail"], "name: at most 500 characters (got 180000)",
        "{}",
        refused.body
    );
    body["name"] = json!("Mật ong hoa cà phê");
    body["producer"]["name"] = json!("H".repeat(501));
    let refused = server
        .post(&t.officer, "/api/v1/products", &body)
        .await
        .problem(400, "invalid_request");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("producer.name: at most 500 characters"),
        "{}",
        refused.body
    );
    assert_eq!(head().await, before, "nothing recorded");
}
http_on_both_stores!(
    a_text_or_list_over_its_limit_is_refused_naming_the_field_on_sqlite,
    a_text_or_list_over_its_limit_is_refused_naming_the_field_on_postgres,
    texts_and_lists_in_commands_have_limits
);

async fn every_list_is_paged(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Cà phê Robusta Đắk Song", &[80, 82, 81]).await;
    let whole = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200)
        .body;
    let all = whole["events"].as_array().unwrap().len();
    assert!(all >= 7, "{whole}");
    assert_eq!(whole["next_after"], serde_json::Value::Null);
    // Pages of two, followed to the end, give the same events.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = server
            .get(
                Some(&t.auditor),
                &format!("{path}/history?limit=2&after={after}"),
            )
            .await
            .expect(200)
            .body;
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(paged, *whole["events"].as_array().unwrap());
    for bad in ["limit=0", "limit=1001", "after=-1"] {
        server
            .get(Some(&t.auditor), &format!("{path}/history?{bad}"))
            .await
            .problem(400, "invalid_request");
    }
    // The decision audit is paged too, with a default page.
    let audit = server
        .get(Some(&t.auditor), "/api/v1/audits/decisions")
        .await
        .expect(200)
        .body;
    assert!(audit.get("next_after").is_some(), "{audit}");
    server
        .get(Some(&t.auditor), "/api/v1/audits/decisions?limit=10001")
        .await
        .problem(400, "invalid_request");
}
http_on_both_stores!(
    the_history_and_the_decision_audit_are_paged_with_a_default_and_a_maximum_on_sqlite,
    the_history_and_the_decision_audit_are_paged_with_a_default_and_a_maximum_on_postgres,
    every_list_is_paged
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_answer_prometheus_text_or_openmetrics_when_asked() {
    let server = TestServer::sqlite().await;
    server.get(None, "/healthz").await.expect(200);
    let get = |accept: Option<&'static str>| {
        let mut request = server.client.get(format!("{}/metrics", server.base));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        async move {
            let response = request.send().await.unwrap();
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            (content_type, response.text().await.unwrap())
        }
    };
    let (content_type, plain) = get(None).await;
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        plain.contains("# TYPE ocop_http_requests_total counter"),
        "{plain}"
    );
    assert!(!plain.contains("# EOF"), "{plain}");
    let prometheus = "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let (content_type, open) = get(Some(prometheus)).await;
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(open.contains("# TYPE ocop_http_requests counter"), "{open}");
    assert!(
        open.contains(
            "ocop_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{open}"
    );
    assert!(open.ends_with("# EOF\n"), "{open}");
    server.close().await;
}
