//! `web`: the web interface under `OCOP_WEB_USERS` (default 20) signed-in people at once,
//! each asking the next page as soon as the last is answered, for `OCOP_WEB_SECONDS`
//! (default 10), against the real `ocop serve --demo` on a fresh PostgreSQL database. The
//! pages: the public home, a search, a product's public page and its QR code, the
//! revocation notices, and, signed in as the demo's national auditor, the product list, a
//! product's page with its timeline, the decision audit and the statistics. Prints one
//! JSON line per page (answers, p50, p99, largest body) and fails when a page's p99 is
//! 100 ms or more, a body 200 KB or more, or an answer not 200.
//!
//! Then the form phase: as many provincial secretaries of Lâm Đồng (the demo's account,
//! one session each) each send the complaint form, again and again, on the province's
//! recognised products: each submission is a command through the web's form path (CSRF,
//! the form's idempotency key, `If-Match` from the version shown, decide, append, the
//! redirect to the product). A submission whose product another secretary changed since is
//! refused as stale (409), as a person would see it; the secretary reopens the form. Prints
//! the submissions' p50/p99 and fails when the p99 is 150 ms or more or an answer is
//! neither the redirect nor the stale form.

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
    let pages = measure(&server, users, seconds).await;
    let forms = measure_forms(&server, users, seconds).await;
    let result = pages.and(forms);
    server.stop().await;
    db.drop_database().await;
    result
}

async fn measure(server: &Server, users: u64, seconds: u64) -> Result<(), BoxError> {
    let password = demo_password(server, "kiemtoan")?;
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
        ids = product_ids(&list.body);
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

/// The product ids of a list's page.
fn product_ids(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|p| p["product_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The demo's password of `user`, from the accounts the server printed.
fn demo_password(server: &Server, user: &str) -> Result<String, BoxError> {
    server
        .preamble
        .iter()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(user))
                .then(|| words.next())
                .flatten()
                .map(str::to_owned)
        })
        .ok_or_else(|| format!("the demo printed no account {user}").into())
}

/// The value of `name="…" value="…"` in a form's page.
fn hidden(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(page[at..].split('"').next()?.to_owned())
}

async fn measure_forms(server: &Server, users: u64, seconds: u64) -> Result<(), BoxError> {
    let password = demo_password(server, "tinh.lamdong")?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let token = server.token("auditor", "national", "bench").await?;
    let list = send(
        client
            .get(format!(
                "{base}/api/v1/products?limit=100&status=recognized&province=68"
            ))
            .bearer_auth(&token),
    )
    .await
    .map_err(|(_, e)| e)?;
    let ids = product_ids(&list.body);
    if ids.is_empty() {
        return Err("the demo has no recognised product in Lâm Đồng".into());
    }
    let mut sessions = Vec::new();
    for _ in 0..users {
        sessions.push(sign_in(&client, &base, "tinh.lamdong", &password).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (n, session) in sessions.into_iter().enumerate() {
        let client = client.clone();
        let base = base.clone();
        let form = format!(
            "{base}/quan-ly/san-pham/{}/thao-tac/khieu-nai",
            ids[n % ids.len()]
        );
        tasks.push(tokio::spawn(async move {
            let cookie = format!("ocop_session={session}");
            let mut submitted = Latencies::default();
            let (mut recorded, mut stale, mut failures) = (0u64, 0u64, Vec::new());
            while Instant::now() < deadline {
                let page = match client.get(&form).header("cookie", &cookie).send().await {
                    Ok(r) => r.text().await.unwrap_or_default(),
                    Err(e) => {
                        failures.push(e.to_string());
                        continue;
                    }
                };
                let (Some(csrf), Some(key), Some(version)) = (
                    hidden(&page, "csrf"),
                    hidden(&page, "idempotency_key"),
                    hidden(&page, "version"),
                ) else {
                    failures.push("the form has no csrf, key or version".to_owned());
                    break;
                };
                let started = Instant::now();
                let answer = client
                    .post(&form)
                    .header("cookie", &cookie)
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("idempotency_key", key.as_str()),
                        ("version", version.as_str()),
                        ("received_on", "01/12/2026"),
                        ("source", "consumer"),
                        ("summary", "Phản ánh của người tiêu dùng về nhãn hàng"),
                    ])
                    .send()
                    .await;
                match answer {
                    Ok(r) if r.status().as_u16() == 303 => {
                        submitted.push(started.elapsed());
                        recorded += 1;
                    }
                    Ok(r) if r.status().as_u16() == 409 => stale += 1,
                    Ok(r) => failures.push(format!("{form}: {}", r.status())),
                    Err(e) => failures.push(e.to_string()),
                }
            }
            (submitted, recorded, stale, failures)
        }));
    }
    let (mut all, mut recorded, mut stale, mut failures) = (Latencies::default(), 0, 0, Vec::new());
    for t in tasks {
        let (lat, r, s, f) = t.await?;
        all.extend(lat);
        recorded += r;
        stale += s;
        failures.extend(f);
    }
    let p50 = all.quantile_us(0.5) as f64 / 1000.0;
    let p99 = all.quantile_us(0.99) as f64 / 1000.0;
    println!(
        "{}",
        json!({"harness": "web", "page": "POST /quan-ly/san-pham/{id}/thao-tac/khieu-nai",
               "users": users, "products": ids.len(), "recorded": recorded, "stale": stale,
               "per_s": recorded as f64 / seconds as f64, "p50_ms": p50, "p99_ms": p99})
    );
    if !failures.is_empty() {
        failures.truncate(10);
        return Err(format!("form answers other than 303 or 409: {failures:?}").into());
    }
    if recorded == 0 {
        return Err("no form submission was recorded".into());
    }
    if p99 >= 150.0 {
        return Err(format!("form submissions: p99 {p99} ms, the target is under 150 ms").into());
    }
    println!("every form submission under 150 ms at p99, no errors");
    Ok(())
}
