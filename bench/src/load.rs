//! The HTTP load harness: `ocop serve` (this profile's binary, so release under
//! `cargo run --release`) on a fresh PostgreSQL database, driven by concurrent clients over
//! keep-alive connections. Phases of fixed length: product reads, then commands, each as fast
//! as the server answers (the most it can do) and at the target rate (the latency at that
//! rate, counted from each request's scheduled moment), then a mix. Prints one JSON line per
//! phase and endpoint (throughput, p50, p99, max, errors) and a table; fails when any
//! request fails or a target is missed.
//!
//! `OCOP_LOAD_CLIENTS` (default 50) and `OCOP_LOAD_SECONDS` (default 10 per phase) change
//! the size of a run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

use crate::report::Latencies;
use crate::server::{
    BoxError, FreshDatabase, Server, Tokens, below, complaint, fresh_dir, ocop_binary,
    registration, send,
};

const PRODUCTS: usize = 2_000;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a phase sends, as weights out of 100.
#[derive(Debug, Clone, Copy)]
struct Mix {
    name: &'static str,
    /// Requests per second for all clients together (each client sends on a schedule and
    /// latency counts from the scheduled moment, so a slow answer is not hidden by the
    /// requests it delayed); `None`: every client sends its next request as soon as the
    /// previous one is answered, which measures the most the server can do.
    rate: Option<f64>,
    read: u64,
    list: u64,
    complaint: u64,
    register: u64,
}

const PHASES: [Mix; 5] = [
    Mix {
        name: "reads, as fast as answered",
        rate: None,
        read: 100,
        list: 0,
        complaint: 0,
        register: 0,
    },
    Mix {
        name: "reads at 3,000/s",
        rate: Some(3_000.0),
        read: 100,
        list: 0,
        complaint: 0,
        register: 0,
    },
    Mix {
        name: "commands, as fast as answered",
        rate: None,
        read: 0,
        list: 0,
        complaint: 90,
        register: 10,
    },
    Mix {
        name: "commands at 1,000/s",
        rate: Some(1_000.0),
        read: 0,
        list: 0,
        complaint: 90,
        register: 10,
    },
    Mix {
        name: "mixed, as fast as answered",
        rate: None,
        read: 70,
        list: 5,
        complaint: 20,
        register: 5,
    },
];

/// One endpoint's tally in one client.
#[derive(Debug, Default)]
struct Tally {
    latencies: Latencies,
    count: u64,
    errors: u64,
    max: Duration,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        self.count += other.count;
        self.errors += other.errors;
        self.max = self.max.max(other.max);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

struct Target {
    base: String,
    client: reqwest::Client,
    tokens: Tokens,
    products: Vec<String>,
}

async fn client(
    target: Arc<Target>,
    mix: Mix,
    clients: usize,
    until: Instant,
) -> BTreeMap<&'static str, Tally> {
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let t = &target;
    let every = mix
        .rate
        .map(|rate| Duration::from_secs_f64(clients as f64 / rate));
    // Clients start spread over one interval so that their schedules interleave.
    let mut next =
        Instant::now() + every.map_or(Duration::ZERO, |e| e.mul_f64(below(1000) as f64 / 1000.0));
    while Instant::now() < until {
        let scheduled = match every {
            Some(e) => {
                tokio::time::sleep_until(next.into()).await;
                let at = next;
                next += e;
                at
            }
            None => Instant::now(),
        };
        if scheduled >= until {
            break;
        }
        let dice = below(100);
        let id = &t.products[below(t.products.len() as u64) as usize];
        let (endpoint, request) = if dice < mix.read {
            (
                "GET /api/v1/products/{id}",
                t.client
                    .get(format!("{}/api/v1/products/{id}", t.base))
                    .bearer_auth(&t.tokens.auditor),
            )
        } else if dice < mix.read + mix.list {
            (
                "GET /api/v1/products",
                t.client
                    .get(format!("{}/api/v1/products?province=68&limit=20", t.base))
                    .bearer_auth(&t.tokens.auditor),
            )
        } else if dice < mix.read + mix.list + mix.complaint {
            (
                "POST /api/v1/products/{id}/complaints",
                t.client
                    .post(format!("{}/api/v1/products/{id}/complaints", t.base))
                    .bearer_auth(&t.tokens.inspector)
                    .header("idempotency-key", Uuid::new_v4().to_string())
                    .json(&complaint("Sản phẩm không đúng mô tả")),
            )
        } else {
            debug_assert!(mix.register > 0);
            (
                "POST /api/v1/products",
                t.client
                    .post(format!("{}/api/v1/products", t.base))
                    .bearer_auth(&t.tokens.officer)
                    .header("idempotency-key", Uuid::new_v4().to_string())
                    .json(&registration("Mật ong hoa cà phê")),
            )
        };
        let answer = send(request).await;
        let latency = scheduled.elapsed();
        let tally = tallies.entry(endpoint).or_default();
        tally.count += 1;
        match answer {
            Ok(a) if (200..300).contains(&a.status) => {
                tally.latencies.push(latency);
                tally.max = tally.max.max(latency);
            }
            Ok(a) => {
                tally.errors += 1;
                tally
                    .first_error
                    .get_or_insert_with(|| format!("{} {}", a.status, a.text));
            }
            Err((_, e)) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(e);
            }
        }
    }
    tallies
}

/// Runs the three phases and checks the targets.
pub async fn run() -> Result<(), BoxError> {
    let clients = setting("OCOP_LOAD_CLIENTS", 50) as usize;
    let seconds = setting("OCOP_LOAD_SECONDS", 10);
    let binary = ocop_binary()?;
    let db = FreshDatabase::create("load").await?;
    let dir = fresh_dir("load");
    let server = Server::start(&binary, &dir, &db.url).await?;
    let result = drive(&server, clients, Duration::from_secs(seconds)).await;
    if result.is_err() {
        eprintln!("server log (last lines):\n{}", server.log_tail(20));
    }
    server.stop().await;
    db.drop_database().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn drive(server: &Server, clients: usize, length: Duration) -> Result<(), BoxError> {
    let tokens = Tokens::of(server).await?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(clients * 2)
        .build()?;

    // Products to read and to complain about, registered over HTTP by the clients.
    let seeding = Instant::now();
    let mut products = Vec::with_capacity(PRODUCTS);
    let per_client = PRODUCTS.div_ceil(clients);
    let mut seeders = Vec::new();
    for c in 0..clients {
        let (http, base, officer) = (http.clone(), server.base.clone(), tokens.officer.clone());
        seeders.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..per_client {
                let a = send(
                    http.post(format!("{base}/api/v1/products"))
                        .bearer_auth(&officer)
                        .json(&registration(&format!("Sản phẩm {c}-{i}"))),
                )
                .await
                .map_err(|e| e.1)?;
                if a.status != 201 {
                    return Err(format!("seeding answered {}: {}", a.status, a.text));
                }
                ids.push(a.body["product_id"].as_str().unwrap_or_default().to_owned());
            }
            Ok::<_, String>(ids)
        }));
    }
    for s in seeders {
        products.extend(s.await??);
    }
    eprintln!(
        "seeded {} products in {:.1} s",
        products.len(),
        seeding.elapsed().as_secs_f64()
    );
    let target = Arc::new(Target {
        base: server.base.clone(),
        client: http,
        tokens,
        products,
    });
    // Warm the connections and the database's caches.
    let warm: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(client(
                target.clone(),
                PHASES[0],
                clients,
                Instant::now() + Duration::from_secs(2),
            ))
        })
        .collect();
    for w in warm {
        w.await?;
    }

    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for mix in PHASES {
        let started = Instant::now();
        let until = started + length;
        let tasks: Vec<_> = (0..clients)
            .map(|_| tokio::spawn(client(target.clone(), mix, clients, until)))
            .collect();
        let mut merged: BTreeMap<&'static str, Tally> = BTreeMap::new();
        for t in tasks {
            for (endpoint, tally) in t.await? {
                merged.entry(endpoint).or_default().merge(tally);
            }
        }
        let elapsed = started.elapsed();
        for (endpoint, mut tally) in merged {
            let per_s = tally.count as f64 / elapsed.as_secs_f64();
            let p50 = tally.latencies.quantile_us(0.50) as f64 / 1000.0;
            let p99 = tally.latencies.quantile_us(0.99) as f64 / 1000.0;
            let line = json!({
                "harness": "load",
                "phase": mix.name,
                "clients": clients,
                "endpoint": endpoint,
                "requests": tally.count,
                "errors": tally.errors,
                "per_s": per_s.round(),
                "p50_ms": (p50 * 100.0).round() / 100.0,
                "p99_ms": (p99 * 100.0).round() / 100.0,
                "max_ms": tally.max.as_millis(),
                "first_error": tally.first_error,
            });
            println!("{line}");
            if tally.errors > 0 {
                failures.push(format!(
                    "{} {endpoint}: {} errors, first: {}",
                    mix.name,
                    tally.errors,
                    tally.first_error.clone().unwrap_or_default()
                ));
            }
            rows.push((mix.name, endpoint, per_s, p50, p99, tally.errors));
        }
    }

    println!("\n| phase | endpoint | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|");
    for (phase, endpoint, per_s, p50, p99, errors) in &rows {
        println!("| {phase} | `{endpoint}` | {per_s:.0} | {p50:.2} | {p99:.2} | {errors} |");
    }
    // The targets: at the stated rate, the rate achieved (within 2 %) and the p99 under it.
    let reads = rows
        .iter()
        .find(|r| r.0 == "reads at 3,000/s" && r.1.starts_with("GET /api/v1/products/"));
    if let Some((_, _, per_s, _, p99, _)) = reads {
        if *per_s < 2_940.0 || *p99 >= 10.0 {
            failures.push(format!(
                "product reads: {per_s:.0}/s with p99 {p99:.2} ms (target ≥ 3,000/s, p99 < 10 ms)"
            ));
        }
    }
    let commands: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "commands at 1,000/s" && r.1.starts_with("POST"))
        .collect();
    let command_rate: f64 = commands.iter().map(|r| r.2).sum();
    let command_p99 = commands.iter().map(|r| r.4).fold(0.0, f64::max);
    if command_rate < 980.0 || command_p99 >= 50.0 {
        failures.push(format!(
            "commands: {command_rate:.0}/s with p99 up to {command_p99:.2} ms (target ≥ 1,000/s, \
             p99 < 50 ms)"
        ));
    }
    if failures.is_empty() {
        println!("\nevery target met, no errors");
        Ok(())
    } else {
        for f in &failures {
            eprintln!("MISSED: {f}");
        }
        Err(format!("{} targets missed or errors", failures.len()).into())
    }
}
