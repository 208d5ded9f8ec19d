//! `web`: the web interface under `OCOP_WEB_USERS` (default 20) signed-in people at once,
//! each asking the next page as soon as the last is answered, for `OCOP_WEB_SECONDS`
//! (default 10), against the real `ocop serve --demo` on a fresh PostgreSQL database. The
//! pages: the public home, a search, a product's public page and its QR code, the
//! revocation notices, and, signed in as the demo's national auditor, the product list, a
//! product's page with its timeline, the decision audit and the statistics. Prints one
//! JSON line per page (answers, p50, p99, largest body) and fails when a page's p99 is
//! 100 ms or more, a body 200 KB or more, or an answer not 200.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::report::Latencies;
use crate::server::{BoxError, FreshDatabase, Server, fresh_dir, ocop_binary, send};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The value of cookie `name` set by an answer's `Set-Cookie` headers.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Signs in through the form, as a browser would; returns the session cookie's value.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> Result<String, BoxError> {
    let form = client.get(format!("{base}/dang-nhap")).send().await?;
    let csrf = set_cookie(&form, "ocop_dang_nhap").ok_or("the sign-in form set no CSRF cookie")?;
    let answer = client
        .post(format!("{base}/dang-nhap"))
        .header("cookie", format!("ocop_dang_nhap={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", "/quan-ly/san-pham"),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await?;
    set_cookie(&answer, "ocop_session")
        .ok_or_else(|| format!("sign-in of {user} refused: {}", answer.status()).into())
}

pub async fn run() -> Result<(), BoxError> {
    let users = setting("OCOP_WEB_USERS", 20);
    let seconds = setting("OCOP_WEB_SECONDS", 10);
    let db = FreshDatabase::create("web").await?;
    let server = Server::start_with(
        &ocop_binary()?,
        &fresh_dir("web"),
        &db.url,
        &["--demo", "--public-rate", "0"],
    )
    .await?;
    let result = measure(&server, users, seconds).await;
    server.stop().await;
    db.drop_database().await;
    result
}

async fn measure(server: &Server, users: u64, seconds: u64) -> Result<(), BoxError> {
    let password = server
        .preamble
        .iter()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("kiemtoan"))
                .then(|| words.next())
                .flatten()
                .map(str::to_owned)
        })
        .ok_or("the demo printed no account kiemtoan")?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let token = server.token("auditor", "national", "bench").await?;
    // The read side catches up with the demo's events after the server starts listening.
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..120 {
        let list = send(
            client
                .get(format!("{base}/api/v1/products?limit=50&status=recognized"))
                .bearer_auth(&token),
        )
        .await
        .map_err(|(_, e)| e)?;
        ids = list.body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| p["product_id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !ids.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    if ids.is_empty() {
        return Err("the demo has no recognised product".into());
    }
    let mut sessions = Vec::new();
    for _ in 0..users {
        sessions.push(sign_in(&client, &base, "kiemtoan", &password).await?);
    }
    let pages = |id: &str| -> Vec<(&'static str, String)> {
        vec![
            ("/", "/".to_owned()),
            ("/tra-cuu?q=", "/tra-cuu?q=mat+ong".to_owned()),
            ("/tra-cuu/{id}", format!("/tra-cuu/{id}")),
            ("/tra-cuu/{id}/qr.svg", format!("/tra-cuu/{id}/qr.svg")),
            ("/thu-hoi", "/thu-hoi".to_owned()),
            ("/quan-ly/san-pham", "/quan-ly/san-pham".to_owned()),
            ("/quan-ly/san-pham/{id}", format!("/quan-ly/san-pham/{id}")),
            ("/quan-ly/kiem-tra", "/quan-ly/kiem-tra".to_owned()),
            (
                "/quan-ly/thong-ke",
                "/quan-ly/thong-ke?group_by=province".to_owned(),
            ),
        ]
    };
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (n, session) in sessions.into_iter().enumerate() {
        let client = client.clone();
        let base = base.clone();
        let ids = ids.clone();
        let pages = pages(&ids[n % ids.len()]);
        tasks.push(tokio::spawn(async move {
            let mut seen: BTreeMap<&'static str, (Latencies, usize, u64)> = BTreeMap::new();
            let mut failures = Vec::new();
            let mut i = n;
            while Instant::now() < deadline {
                let (name, path) = &pages[i % pages.len()];
                i += 1;
                let answer = send(
                    client
                        .get(format!("{base}{path}"))
                        .header("cookie", format!("ocop_session={session}")),
                )
                .await;
                let entry = seen.entry(name).or_default();
                match answer {
                    Ok(a) if a.status == 200 => {
                        entry.0.push(a.latency);
                        entry.1 = entry.1.max(a.text.len());
                        entry.2 += 1;
                    }
                    Ok(a) => failures.push(format!("{path}: {}", a.status)),
                    Err((_, e)) => failures.push(format!("{path}: {e}")),
                }
            }
            (seen, failures)
        }));
    }
    let mut all: BTreeMap<&'static str, (Latencies, usize, u64)> = BTreeMap::new();
    let mut failures = Vec::new();
    for t in tasks {
        let (seen, failed) = t.await?;
        failures.extend(failed);
        for (name, (lat, bytes, count)) in seen {
            let entry = all.entry(name).or_default();
            entry.0.extend(lat);
            entry.1 = entry.1.max(bytes);
            entry.2 += count;
        }
    }
    let mut missed = Vec::new();
    for (name, (mut lat, bytes, count)) in all {
        let p50 = lat.quantile_us(0.5) as f64 / 1000.0;
        let p99 = lat.quantile_us(0.99) as f64 / 1000.0;
        println!(
            "{}",
            json!({"harness": "web", "page": name, "users": users, "answers": count,
                   "per_s": count as f64 / seconds as f64, "p50_ms": p50, "p99_ms": p99,
                   "largest_bytes": bytes})
        );
        if p99 >= 100.0 {
            missed.push(format!("{name}: p99 {p99} ms"));
        }
        if bytes >= 200 * 1024 {
            missed.push(format!("{name}: {bytes} bytes"));
        }
    }
    if !failures.is_empty() {
        failures.truncate(10);
        return Err(format!("answers other than 200: {failures:?}").into());
    }
    if !missed.is_empty() {
        return Err(format!("targets missed: {missed:?}").into());
    }
    println!("every page under 100 ms at p99 and 200 KB, no errors");
    Ok(())
}
