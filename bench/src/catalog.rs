//! The second round's reads and the decision over many products, against the real
//! `ocop serve` on a fresh PostgreSQL database holding the programme's size: 18,000
//! products of 9,000 producers (each producer two products, identified by tax code),
//! decided by the domain and appended to the log directly, then read by the server's own
//! projections.
//!
//! Measures, in order: the producer list and look-up (p50/p99, target p99 < 50 ms); the
//! product export as CSV and xlsx, of one province and of all 18,000 (seconds, bytes and the
//! server's resident memory before and after, target < 3 s); then a decision over 500
//! products awaiting the provincial decision, 20 times (p50/p99, target p99 < 1 s), and the
//! same document replayed under its key. Prints one JSON line per measure and fails when
//! an answer is wrong or a target is missed.
//!
//! `OCOP_CATALOG_PRODUCTS` (default 18,000) changes the size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ocop_domain::events::{Producer, ProducerKind};
use ocop_domain::{CommandBody, ProductState};
use ocop_eventstore::{AppendRequest, EventStore, ExpectedVersion};
use ocop_projections::command::codec;
use ocop_testkit::sample::{Lifecycle, Path, path_of};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::report::{Latencies, measure, reset_peak, status_kib};
use crate::server::{BoxError, FreshDatabase, Server, fresh_dir, ocop_binary, send};

/// Products of one decision document.
const DECISION_ITEMS: usize = 500;
/// Decision documents timed.
const DECISION_RUNS: usize = 20;
/// Producer requests timed, of each kind.
const PRODUCER_REQUESTS: usize = 1_000;
/// Appends in flight while seeding.
const SEEDERS: usize = 32;

pub async fn run() -> Result<(), BoxError> {
    let products: u64 = std::env::var("OCOP_CATALOG_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(18_000);
    let db = FreshDatabase::create("catalog").await?;
    let dir = fresh_dir("catalog");
    let outcome = bench(&db.url, &dir, products).await;
    db.drop_database().await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn bench(url: &str, dir: &std::path::Path, products: u64) -> Result<(), BoxError> {
    let binary = ocop_binary()?;
    let backend = ocop_projections::open(url).await?;
    let store = backend.store.clone();

    let started = Instant::now();
    let lives: Vec<Lifecycle> = (0..products).map(catalog_life).collect();
    let events = seed(&store, &lives, |life| life.steps.len()).await?;
    measure(
        "postgres",
        "seed the catalog (store, not timed against a target)",
        events,
        started.elapsed(),
        &mut Latencies::default(),
        json!({ "products": products, "producers": products.div_ceil(2) }),
    );

    let server = Server::start(&binary, dir, url).await?;
    let outcome = against(&server, &store, products).await;
    if outcome.is_err() {
        eprintln!("{}", server.log_tail(40));
    }
    server.stop().await;
    outcome
}

async fn against(
    server: &Server,
    store: &Arc<dyn EventStore>,
    products: u64,
) -> Result<(), BoxError> {
    let client = reqwest::Client::new();
    let started = Instant::now();
    wait_ready(&client, &server.base).await?;
    measure(
        "postgres",
        "server start and projection catch-up",
        products,
        started.elapsed(),
        &mut Latencies::default(),
        json!({}),
    );
    let auditor = server.token("auditor", "national", "kt-bench").await?;
    let province = server
        .token("provincial_secretary", "province:68", "tk-bench")
        .await?;
    let mut missed = Vec::new();

    // Producers: every id, page by page, then lists and look-ups at random.
    let mut ids = Vec::new();
    let mut pages = Latencies::default();
    let mut cursor: Option<String> = None;
    let started = Instant::now();
    loop {
        let after = cursor
            .as_ref()
            .map_or(String::new(), |c| format!("&cursor={c}"));
        let answer = get(
            &client,
            &format!("{}/api/v1/producers?limit=500{after}", server.base),
            &auditor,
        )
        .await?;
        pages.push(answer.latency);
        for item in answer.body["items"]
            .as_array()
            .ok_or("producers: no items")?
        {
            ids.push(
                item["producer_id"]
                    .as_str()
                    .ok_or("no producer_id")?
                    .to_owned(),
            );
        }
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if ids.len() as u64 != products.div_ceil(2) {
        return Err(format!(
            "{} producers listed, {} made",
            ids.len(),
            products.div_ceil(2)
        )
        .into());
    }
    measure(
        "postgres",
        "GET /api/v1/producers?limit=500, every page",
        ids.len() as u64,
        started.elapsed(),
        &mut pages,
        json!({ "pages": ids.len().div_ceil(500) }),
    );
    let lists = [
        (
            "national, a page of 50 from a random cursor",
            None::<&str>,
            &auditor,
        ),
        ("national, province=68", Some("province=68"), &auditor),
        (
            "national, q=nông nghiệp 12",
            Some("q=n%C3%B4ng%20nghi%E1%BB%87p%2012"),
            &auditor,
        ),
        ("province:68 token, its scope", None, &province),
    ];
    for (what, filter, token) in lists {
        let mut latencies = Latencies::default();
        let started = Instant::now();
        for _ in 0..PRODUCER_REQUESTS {
            let cursor = &ids[crate::server::below(ids.len() as u64) as usize];
            let query = filter.map_or(format!("cursor={cursor}"), str::to_owned);
            let answer = get(
                &client,
                &format!("{}/api/v1/producers?limit=50&{query}", server.base),
                token,
            )
            .await?;
            latencies.push(answer.latency);
        }
        let line = measure(
            "postgres",
            &format!("GET /api/v1/producers: {what}"),
            PRODUCER_REQUESTS as u64,
            started.elapsed(),
            &mut latencies,
            json!({ "target_p99_us": 50_000 }),
        );
        target(&mut missed, &line, 50_000);
    }
    let mut latencies = Latencies::default();
    let started = Instant::now();
    for _ in 0..PRODUCER_REQUESTS {
        let id = &ids[crate::server::below(ids.len() as u64) as usize];
        let answer = get(
            &client,
            &format!("{}/api/v1/producers/{id}", server.base),
            &auditor,
        )
        .await?;
        if answer.body["products"].as_array().map_or(0, Vec::len) == 0 {
            return Err(format!("producer {id} has no products: {}", answer.text).into());
        }
        latencies.push(answer.latency);
    }
    let line = measure(
        "postgres",
        "GET /api/v1/producers/{id}",
        PRODUCER_REQUESTS as u64,
        started.elapsed(),
        &mut latencies,
        json!({ "target_p99_us": 50_000 }),
    );
    target(&mut missed, &line, 50_000);

    // Exports: one province, then everything, in each format, three times each.
    let pid = server.pid().ok_or("the server has no pid")?.to_string();
    for format in ["csv", "xlsx"] {
        for (what, filter) in [("province 68", "&province=68"), ("all", "")] {
            let mut latencies = Latencies::default();
            let mut bytes = 0;
            let before = status_kib(&pid, "VmRSS:");
            reset_peak(&pid);
            let started = Instant::now();
            for _ in 0..3 {
                let at = Instant::now();
                let response = client
                    .get(format!(
                        "{}/api/v1/exports/products?format={format}{filter}",
                        server.base
                    ))
                    .bearer_auth(&auditor)
                    .send()
                    .await?;
                if !response.status().is_success() {
                    return Err(format!("export {format} {what}: {}", response.status()).into());
                }
                bytes = response.bytes().await?.len();
                latencies.push(at.elapsed());
            }
            let line = measure(
                "postgres",
                &format!("GET /api/v1/exports/products?format={format}, {what}"),
                3,
                started.elapsed(),
                &mut latencies,
                json!({
                    "bytes": bytes,
                    "server_rss_kib_before": before,
                    "server_rss_kib_after": status_kib(&pid, "VmRSS:"),
                    "server_peak_rss_kib": status_kib(&pid, "VmHWM:"),
                    "target_p99_us": 3_000_000,
                }),
            );
            if what == "all" {
                target(&mut missed, &line, 3_000_000);
            }
        }
    }

    // Decisions over 500 products awaiting the provincial decision.
    let awaiting = awaiting_lives(DECISION_ITEMS * DECISION_RUNS);
    seed(store, &awaiting, decision_step).await?;
    let mut latencies = Latencies::default();
    let mut last = None;
    let started = Instant::now();
    for (run, lives) in awaiting.chunks(DECISION_ITEMS).enumerate() {
        let body = decision(run, lives);
        let key = Uuid::new_v4().to_string();
        let answer = post_decision(&client, &server.base, &province, &key, &body).await?;
        if answer.status != 201
            || answer.body["items"].as_array().map_or(0, Vec::len) != DECISION_ITEMS
        {
            return Err(format!("decision {run}: {} {}", answer.status, answer.text).into());
        }
        latencies.push(answer.latency);
        last = Some((key, body));
    }
    let line = measure(
        "postgres",
        "POST /api/v1/decisions, 500 products",
        (DECISION_ITEMS * DECISION_RUNS) as u64,
        started.elapsed(),
        &mut latencies,
        json!({ "runs": DECISION_RUNS, "target_p99_us": 1_000_000 }),
    );
    target(&mut missed, &line, 1_000_000);
    let (key, body) = last.ok_or("no decision")?;
    let replay = post_decision(&client, &server.base, &province, &key, &body).await?;
    if replay.status != 200 {
        return Err(format!("replay: {} {}", replay.status, replay.text).into());
    }
    let mut one = Latencies::default();
    one.push(replay.latency);
    measure(
        "postgres",
        "POST /api/v1/decisions replayed under its key (200, nothing recorded)",
        1,
        replay.latency,
        &mut one,
        json!({}),
    );

    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!("targets missed: {}", missed.join("; ")).into())
    }
}

/// Product `n` of the catalog: a life that ends by today (no expiry, re-evaluation or
/// withdrawal dated years ahead), its producer shared with product `n ^ 1`.
fn catalog_life(n: u64) -> Lifecycle {
    let path = match path_of(n) {
        Path::Expired | Path::ReEvaluated | Path::Withdrawn => Path::Recognized,
        other => other,
    };
    let mut life = Lifecycle::new(n, Uuid::now_v7(), path);
    if let CommandBody::RegisterProduct(r) = &mut life.steps[0].1 {
        r.producer = Producer {
            name: format!("HTX Nông nghiệp {}", n / 2),
            kind: ProducerKind::Cooperative,
            tax_code: Some(format!("{:010}", 3_000_000_000 + n / 2)),
        };
    }
    life
}

/// `count` Lâm Đồng (`68`) products whose provincial council recognises them.
fn awaiting_lives(count: usize) -> Vec<Lifecycle> {
    (10_000_000..)
        .map(|n| Lifecycle::new(n, Uuid::now_v7(), Path::Recognized))
        .filter(|life| {
            matches!(&life.steps[0].1, CommandBody::RegisterProduct(r) if r.province.as_str() == "68")
                && stars_of(life).is_some()
        })
        .take(count)
        .collect()
}

/// The index of the life's first decision: the steps before it leave the product awaiting
/// the provincial decision.
fn decision_step(life: &Lifecycle) -> usize {
    life.steps
        .iter()
        .position(|(_, body)| matches!(body, CommandBody::DecideRecognition(_)))
        .unwrap_or(life.steps.len())
}

fn stars_of(life: &Lifecycle) -> Option<u8> {
    match &life.steps[decision_step(life)].1 {
        CommandBody::DecideRecognition(d) => d.stars,
        _ => None,
    }
}

/// One decision document over `lives`.
fn decision(run: usize, lives: &[Lifecycle]) -> Value {
    let items: Vec<Value> = lives
        .iter()
        .map(|life| {
            json!({
                "product_id": life.product_id,
                "recognized": true,
                "stars": stars_of(life),
                "certificate_no": null,
            })
        })
        .collect();
    json!({
        "decided_on": "2026-12-01",
        "decision_no": format!("{}/QĐ-UBND", 3000 + run),
        "authority": "UBND tỉnh Lâm Đồng",
        "level": "provincial",
        "items": items,
    })
}

/// Appends the first `steps(life)` commands of every life, each life as one command, with
/// [`SEEDERS`] appends in flight; returns the events appended.
async fn seed(
    store: &Arc<dyn EventStore>,
    lives: &[Lifecycle],
    steps: fn(&Lifecycle) -> usize,
) -> Result<u64, BoxError> {
    let mut appended = 0;
    for chunk in lives.chunks(SEEDERS) {
        let mut set = tokio::task::JoinSet::new();
        for (i, life) in chunk.iter().enumerate() {
            let mut state = ProductState::default();
            let mut events = Vec::new();
            for step in 0..steps(life) {
                let decided = ocop_domain::decide(&state, &life.command(step, Uuid::now_v7()))
                    .map_err(|e| format!("product {i} step {step}: {e}"))?;
                for e in &decided {
                    events.push(codec::to_new_event(e)?);
                }
                state = ocop_domain::fold_from(state, &decided);
            }
            appended += events.len() as u64;
            let request = AppendRequest {
                stream_id: life.product_id,
                expected: ExpectedVersion::NoStream,
                command_id: Uuid::now_v7(),
                request_hash: format!("{:064x}", life.product_id.as_u128()),
                correlation_id: None,
                causation_id: None,
                events,
            };
            let store = store.clone();
            set.spawn(async move { store.append(request).await });
        }
        while let Some(done) = set.join_next().await {
            done??;
        }
    }
    Ok(appended)
}

async fn get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<crate::server::Answer, BoxError> {
    let answer = send(client.get(url).bearer_auth(token))
        .await
        .map_err(|(_, e)| format!("GET {url}: {e}"))?;
    if answer.status != 200 {
        return Err(format!("GET {url}: {} {}", answer.status, answer.text).into());
    }
    Ok(answer)
}

async fn post_decision(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> Result<crate::server::Answer, BoxError> {
    send(
        client
            .post(format!("{base}/api/v1/decisions"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(body),
    )
    .await
    .map_err(|(_, e)| format!("POST /api/v1/decisions: {e}").into())
}

/// Waits until `/readyz` answers 200 (the read side has caught up), up to ten minutes.
async fn wait_ready(client: &reqwest::Client, base: &str) -> Result<(), BoxError> {
    let until = Instant::now() + Duration::from_secs(600);
    while Instant::now() < until {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err("the server was not ready within ten minutes".into())
}

/// Records a missed p99 target of `line`.
fn target(missed: &mut Vec<String>, line: &Value, p99_us: u64) {
    let got = line["p99_us"].as_u64().unwrap_or(u64::MAX);
    if got >= p99_us {
        missed.push(format!("{}: p99 {got} µs ≥ {p99_us} µs", line["phase"]));
    }
}
