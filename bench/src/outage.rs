//! The database outage harness: `ocop serve` (this profile's binary) on a fresh PostgreSQL
//! database under writes and reads; PostgreSQL is stopped for a while and started again.
//! While it is down every answer must be 503 `unavailable` with `Retry-After`, a problem
//! document that says nothing internal, and come back promptly; once it is up the server
//! must recover by itself, and every write it acknowledged must be in the log (its key
//! replays to the same answer), the chain verified, the read side caught up.
//!
//! It runs a PostgreSQL server of its own (`initdb` in a temporary folder, on a free port),
//! so stopping it disturbs no other test; it needs root (to run PostgreSQL as `postgres`)
//! and takes half a minute, so it is a command of its own rather than part of `cargo test`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::report::Latencies;
use crate::server::{
    Answer, BoxError, Cluster, FreshDatabase, Server, Tokens, below, complaint, fresh_dir,
    ocop_binary, registration, send,
};

const HEALTHY: Duration = Duration::from_secs(4);
const OUTAGE: Duration = Duration::from_secs(10);
const AFTER: Duration = Duration::from_secs(4);
const WRITERS: usize = 4;
const READERS: usize = 4;
const SEEDED: usize = 20;
/// An answer slower than this during the outage counts as a hang (the pool waits 3 s for a
/// connection; a command may wait for it twice: to look up its key and to load).
const PROMPT: Duration = Duration::from_secs(8);

/// While PostgreSQL runs; while `pg_ctl stop` shuts it down (requests may still succeed);
/// while it is down; while `pg_ctl start` waits for it to accept connections (which it
/// notices some 100 ms after they are accepted, so requests may already succeed); after.
const PHASES: [&str; 5] = ["healthy", "stopping", "down", "starting", "recovery"];
const STOPPING: u8 = 1;
const DOWN: u8 = 2;
const STARTING: u8 = 3;
const RECOVERY: u8 = 4;

/// What one request met.
#[derive(Debug, Clone)]
struct Seen {
    phase: u8,
    what: &'static str,
    answer: Result<Answer, String>,
    latency: Duration,
}

/// Answers by status, their latencies and the slowest one.
type Tally = (BTreeMap<String, usize>, Latencies, Duration);

/// An acknowledged write.
#[derive(Debug, Clone)]
struct Acked {
    path: String,
    token: String,
    body: Value,
    key: Uuid,
    answer: Value,
    phase: u8,
}

#[derive(Default)]
struct Record {
    seen: Vec<Seen>,
    acked: Vec<Acked>,
}

struct Shared {
    base: String,
    client: reqwest::Client,
    tokens: Tokens,
    products: Vec<String>,
    phase: AtomicU8,
    stop: AtomicBool,
    record: Mutex<Record>,
}

impl Shared {
    fn phase(&self) -> u8 {
        self.phase.load(Ordering::Relaxed)
    }

    /// The phase a request belongs to: the one it was sent in, except that one sent while
    /// the database was down and answered once it was starting or back belongs to that.
    fn settled(&self, sent_in: u8) -> u8 {
        let now = self.phase();
        if sent_in == DOWN && now > DOWN {
            now
        } else {
            sent_in
        }
    }

    async fn note(
        &self,
        what: &'static str,
        sent_in: u8,
        answer: Result<Answer, (Duration, String)>,
    ) {
        let phase = self.settled(sent_in);
        let (latency, answer) = match answer {
            Ok(a) => (a.latency, Ok(a)),
            Err((latency, e)) => (latency, Err(e)),
        };
        self.record.lock().await.seen.push(Seen {
            phase,
            what,
            answer,
            latency,
        });
    }
}

async fn writer(shared: Arc<Shared>, n: usize) {
    let mut i = 0;
    while !shared.stop.load(Ordering::Relaxed) {
        i += 1;
        let (path, token, body) = if i % 3 == 0 {
            (
                "/api/v1/products".to_owned(),
                shared.tokens.officer.clone(),
                registration(&format!("Sản phẩm {n}-{i}")),
            )
        } else {
            let id = &shared.products[below(shared.products.len() as u64) as usize];
            (
                format!("/api/v1/products/{id}/complaints"),
                shared.tokens.inspector.clone(),
                complaint(&format!("Khiếu nại {n}-{i}")),
            )
        };
        let key = Uuid::new_v4();
        // The same command under the same key until it is answered, as a client would.
        while !shared.stop.load(Ordering::Relaxed) {
            let phase = shared.phase();
            let answer = send(
                shared
                    .client
                    .post(format!("{}{path}", shared.base))
                    .bearer_auth(&token)
                    .header("idempotency-key", key.to_string())
                    .json(&body),
            )
            .await;
            let done = match &answer {
                Ok(a) if (200..300).contains(&a.status) => {
                    shared.record.lock().await.acked.push(Acked {
                        path: path.clone(),
                        token: token.clone(),
                        body: body.clone(),
                        key,
                        answer: a.body.clone(),
                        phase: shared.settled(phase),
                    });
                    true
                }
                Ok(a) => a.status != 503,
                Err(_) => false,
            };
            shared.note("command", phase, answer).await;
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

async fn reader(shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::Relaxed) {
        let id = &shared.products[below(shared.products.len() as u64) as usize];
        let phase = shared.phase();
        let answer = send(
            shared
                .client
                .get(format!("{}/api/v1/products/{id}", shared.base))
                .bearer_auth(&shared.tokens.auditor),
        )
        .await;
        let ok = matches!(&answer, Ok(a) if a.status == 200);
        shared.note("read", phase, answer).await;
        if !ok {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn prober(shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::Relaxed) {
        for (what, path) in [("healthz", "/healthz"), ("readyz", "/readyz")] {
            let phase = shared.phase();
            let answer = send(shared.client.get(format!("{}{path}", shared.base))).await;
            shared.note(what, phase, answer).await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Runs the harness; an error names every broken expectation.
pub async fn run() -> Result<(), BoxError> {
    let binary = ocop_binary()?;
    let cluster = Cluster::private()?;
    eprintln!("a PostgreSQL server of its own at {}", cluster.admin_url());
    let result = async {
        let db = FreshDatabase::create_on(&cluster.admin_url(), "outage").await?;
        let dir = fresh_dir("outage");
        let server = Server::start(&binary, &dir, &db.url).await?;
        let result = drive(&server, &cluster).await;
        if result.is_err() {
            eprintln!("server log (last lines):\n{}", server.log_tail(30));
        }
        server.stop().await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    }
    .await;
    cluster.remove();
    result
}

async fn drive(server: &Server, cluster: &Cluster) -> Result<(), BoxError> {
    let tokens = Tokens::of(server).await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let mut products = Vec::new();
    for i in 0..SEEDED {
        let a = send(
            client
                .post(format!("{}/api/v1/products", server.base))
                .bearer_auth(&tokens.officer)
                .json(&registration(&format!("Sản phẩm gốc {i}"))),
        )
        .await
        .map_err(|e| e.1)?;
        if a.status != 201 {
            return Err(format!("seeding answered {}: {}", a.status, a.text).into());
        }
        products.push(a.body["product_id"].as_str().unwrap_or_default().to_owned());
    }
    let shared = Arc::new(Shared {
        base: server.base.clone(),
        client: client.clone(),
        tokens: tokens.clone(),
        products,
        phase: AtomicU8::new(0),
        stop: AtomicBool::new(false),
        record: Mutex::new(Record::default()),
    });
    let mut tasks = Vec::new();
    for n in 0..WRITERS {
        tasks.push(tokio::spawn(writer(shared.clone(), n)));
    }
    for _ in 0..READERS {
        tasks.push(tokio::spawn(reader(shared.clone())));
    }
    tasks.push(tokio::spawn(prober(shared.clone())));

    tokio::time::sleep(HEALTHY).await;
    shared.phase.store(STOPPING, Ordering::Relaxed);
    let stopping = Instant::now();
    cluster.stop()?;
    shared.phase.store(DOWN, Ordering::Relaxed);
    let down = Instant::now();
    eprintln!(
        "PostgreSQL stopped in {:.1} s",
        stopping.elapsed().as_secs_f64()
    );
    tokio::time::sleep(OUTAGE).await;
    if cluster.is_ready() {
        return Err("PostgreSQL accepted connections while it should have been down".into());
    }
    shared.phase.store(STARTING, Ordering::Relaxed);
    cluster.start()?;
    let up = Instant::now();
    shared.phase.store(RECOVERY, Ordering::Relaxed);
    eprintln!(
        "PostgreSQL down for {:.1} s, accepting connections again",
        down.elapsed().as_secs_f64()
    );

    // Recovery: the first write acknowledged and the first read answered after the start.
    let deadline = up + Duration::from_secs(60);
    let (mut write_back, mut read_back) = (None, None);
    while (write_back.is_none() || read_back.is_none()) && Instant::now() < deadline {
        {
            let r = shared.record.lock().await;
            if write_back.is_none() && r.acked.iter().any(|a| a.phase == RECOVERY) {
                write_back = Some(up.elapsed());
            }
            if read_back.is_none()
                && r.seen.iter().any(|s| {
                    s.phase == RECOVERY
                        && s.what == "read"
                        && matches!(&s.answer, Ok(a) if a.status == 200)
                })
            {
                read_back = Some(up.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(AFTER).await;
    shared.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let record = std::mem::take(&mut *shared.record.lock().await);

    let mut broken: Vec<String> = Vec::new();
    if write_back.is_none() {
        broken.push("no write was acknowledged within 60 s of PostgreSQL's start".into());
    }
    if read_back.is_none() {
        broken.push("no read was answered within 60 s of PostgreSQL's start".into());
    }

    // Every answer, phase by phase.
    let mut by: BTreeMap<(u8, &str), Tally> = BTreeMap::new();
    for s in &record.seen {
        let entry = by.entry((s.phase, s.what)).or_default();
        let key = match &s.answer {
            Ok(a) => a.status.to_string(),
            Err(_) => "no answer".to_owned(),
        };
        *entry.0.entry(key).or_default() += 1;
        entry.1.push(s.latency);
        entry.2 = entry.2.max(s.latency);
        check(s, &mut broken);
    }
    for ((phase, what), (statuses, latencies, max)) in &mut by {
        println!(
            "{}",
            json!({
                "harness": "outage",
                "phase": PHASES[*phase as usize],
                "endpoint": what,
                "requests": statuses.values().sum::<usize>(),
                "statuses": statuses,
                "p50_ms": latencies.quantile_us(0.5) as f64 / 1000.0,
                "p99_ms": latencies.quantile_us(0.99) as f64 / 1000.0,
                "max_ms": max.as_millis(),
            })
        );
    }
    let outage_503 = record
        .seen
        .iter()
        .filter(|s| s.phase == DOWN && matches!(&s.answer, Ok(a) if a.status == 503))
        .count();
    if outage_503 == 0 {
        broken.push("no request met the outage: nothing was answered 503".into());
    }

    // Everything acknowledged is in the log, once.
    let mut replayed = 0;
    for a in &record.acked {
        let again = send(
            client
                .post(format!("{}{}", server.base, a.path))
                .bearer_auth(&a.token)
                .header("idempotency-key", a.key.to_string())
                .json(&a.body),
        )
        .await
        .map_err(|e| e.1)?;
        if again.status != 200 || again.body != a.answer {
            broken.push(format!(
                "acknowledged command {} replays as {} {} instead of 200 {}",
                a.key, again.status, again.text, a.answer
            ));
        } else {
            replayed += 1;
        }
    }
    let verified = send(
        client
            .get(format!("{}/api/v1/ledger/verify", server.base))
            .bearer_auth(&tokens.auditor),
    )
    .await
    .map_err(|e| e.1)?;
    let head = verified.body["events_checked"].as_u64().unwrap_or(0);
    if verified.body["ok"] != true {
        broken.push(format!("the chain does not verify: {}", verified.text));
    }
    let expected = (SEEDED + record.acked.len()) as u64;
    if head != expected {
        broken.push(format!(
            "the log holds {head} events; {expected} commands were acknowledged"
        ));
    }
    // The read side catches up by itself.
    let caught_up = Instant::now();
    loop {
        let ready = send(client.get(format!("{}/readyz", server.base)))
            .await
            .map_err(|e| e.1)?;
        let done = ready.status == 200
            && ready.body["projections"]
                .as_array()
                .is_some_and(|ps| ps.iter().all(|p| p["lag"] == 0 && p["head"] == head));
        if done {
            break;
        }
        if caught_up.elapsed() > Duration::from_secs(60) {
            broken.push(format!("the read side did not catch up: {}", ready.text));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "{}",
        json!({
            "harness": "outage",
            "summary": true,
            "outage_s": OUTAGE.as_secs(),
            "first_write_after_start_ms": write_back.map(|d| d.as_millis()),
            "first_read_after_start_ms": read_back.map(|d| d.as_millis()),
            "acknowledged_writes": record.acked.len(),
            "acknowledged_while_stopping": record.acked.iter().filter(|a| a.phase == STOPPING).count(),
            "acknowledged_while_down": record.acked.iter().filter(|a| a.phase == DOWN).count(),
            "acknowledged_while_starting": record.acked.iter().filter(|a| a.phase == STARTING).count(),
            "replayed_identically": replayed,
            "events_in_log": head,
            "answered_503_while_down": outage_503,
            "broken": broken.len(),
        })
    );
    if broken.is_empty() {
        Ok(())
    } else {
        broken.sort();
        broken.dedup();
        for b in broken.iter().take(20) {
            eprintln!("BROKEN: {b}");
        }
        Err(format!("{} expectations broken", broken.len()).into())
    }
}

/// Words that only internals would put in an answer.
const INTERNALS: [&str; 9] = [
    "sqlx",
    "postgres",
    "database error",
    "error returned from database",
    "connection refused",
    "pool timed out",
    "io error",
    "os error",
    "panicked",
];

/// The expectations on one answer.
fn check(s: &Seen, broken: &mut Vec<String>) {
    let phase = PHASES[s.phase as usize];
    let a = match &s.answer {
        Ok(a) => a,
        Err(e) => {
            broken.push(format!("{phase} {}: no answer: {e}", s.what));
            return;
        }
    };
    if s.phase >= STOPPING && s.latency > PROMPT {
        broken.push(format!(
            "{phase} {}: answered after {:.1} s",
            s.what,
            s.latency.as_secs_f64()
        ));
    }
    let lower = a.text.to_lowercase();
    if let Some(word) = INTERNALS.iter().find(|w| lower.contains(*w)) {
        broken.push(format!(
            "{phase} {}: the answer shows {word:?}: {}",
            s.what, a.text
        ));
    }
    let allowed: &[u16] = match (s.what, s.phase) {
        ("healthz", _) => &[200],
        ("readyz", _) => &[200, 503],
        // A success while the database is down would be an answer from nowhere.
        (_, DOWN) => &[503],
        _ => &[200, 201, 503],
    };
    if !allowed.contains(&a.status) {
        broken.push(format!(
            "{phase} {}: answered {}: {}",
            s.what, a.status, a.text
        ));
    }
    if a.status == 503 {
        if a.retry_after.is_none() {
            broken.push(format!("{phase} {}: 503 without Retry-After", s.what));
        }
        if s.what != "readyz" {
            if a.content_type.as_deref() != Some("application/problem+json") {
                broken.push(format!("{phase} {}: 503 as {:?}", s.what, a.content_type));
            }
            if a.body["code"] != "unavailable" {
                broken.push(format!("{phase} {}: 503 with {}", s.what, a.text));
            }
        }
    }
}
