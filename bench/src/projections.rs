//! The projections benchmark: generate a log of realistic product lifecycles (decided by
//! the domain, appended in concurrent multi-event commands), rebuild every projection from
//! it at two sizes to show memory does not grow with the log, and time current-state
//! look-ups — on PostgreSQL, then on SQLite.
//!
//! Size: `OCOP_BENCH_EVENTS` (default 1,000,000); the first rebuild runs at a quarter of
//! it. `OCOP_BENCH_STORES` = `postgres,sqlite` (default both).
//! `OCOP_BENCH_URL` runs on that one store instead, keeps it, and only tops its log up to
//! the size (for profiling rebuilds without generating the log each time).

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use ocop_domain::ProductState;
use ocop_eventstore::{AppendRequest, EventStore, ExpectedVersion};
use ocop_projections::command::codec;
use ocop_projections::read::query::ReadModels;
use ocop_projections::{ProjectionRunner, RunnerOptions};
use ocop_testkit::sample::{Lifecycle, path_of};
use serde_json::json;
use uuid::Uuid;

use crate::report::{Latencies, measure};

type BoxError = Box<dyn Error + Send + Sync>;

/// Concurrent writers while generating.
const WRITERS: usize = 12;
/// Products a writer takes at a time (their phases are interleaved within the wave).
const WAVE: usize = 50;
/// Look-ups timed.
const LOOKUPS: usize = 20_000;

/// Runs the projection phases on each store.
pub async fn run() -> Result<(), Box<dyn Error>> {
    let events: u64 = std::env::var("OCOP_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if let Ok(url) = std::env::var("OCOP_BENCH_URL") {
        let name = if url.starts_with("sqlite:") {
            "sqlite"
        } else {
            "postgres"
        };
        return bench(name, &url, events).await;
    }
    crate::scratch::each_store(|scratch| async move {
        bench(scratch.name(), &scratch.url(), events).await
    })
    .await
}

async fn bench(name: &str, url: &str, events: u64) -> Result<(), Box<dyn Error>> {
    let backend = ocop_projections::open(url).await?;
    let store = backend.store.clone();
    let runner = ProjectionRunner::new(
        store.clone(),
        backend.db.clone(),
        // What `ocop` runs with.
        RunnerOptions::default(),
    )
    .await?;

    let mut ids = Vec::new();
    let mut next_product = 0_u64;
    for target in [events / 4, events] {
        let started = Instant::now();
        let before = store.head().await?.global_position;
        next_product = generate(&store, next_product, target, &mut ids).await?;
        let head = store.head().await?.global_position;
        measure(
            name,
            "generate",
            (head - before) as u64,
            started.elapsed(),
            &mut Latencies::default(),
            json!({ "products": ids.len(), "log_events": head }),
        );

        reset_peak_memory();
        let hwm_before = vm_hwm_kib();
        let rss_before = vm_rss_kib();
        let started = Instant::now();
        let report = runner.rebuild("all", |_| {}).await?;
        let elapsed = started.elapsed();
        measure(
            name,
            "rebuild_all",
            report.events,
            elapsed,
            &mut Latencies::default(),
            json!({
                "log_events": head,
                "rss_before_kib": rss_before,
                "peak_rss_kib": vm_hwm_kib(),
                "hwm_before_kib": hwm_before,
                "peak_growth_kib": vm_hwm_kib().saturating_sub(rss_before),
            }),
        );
    }

    // Current-state look-ups, in process, random products.
    if ids.is_empty() {
        return Ok(()); // a kept store whose log was already long enough
    }
    let reads = ReadModels::new(backend.db.clone());
    let mut latencies = Latencies::default();
    let started = Instant::now();
    for i in 0..LOOKUPS {
        let id = ids[(mix(i as u64) % ids.len() as u64) as usize];
        let t = Instant::now();
        let view = reads.product(id).await?;
        latencies.push(t.elapsed());
        assert!(view.is_some());
    }
    measure(
        name,
        "lookup_current_state",
        LOOKUPS as u64,
        started.elapsed(),
        &mut latencies,
        json!({ "products": ids.len() }),
    );
    let mut latencies = Latencies::default();
    let started = Instant::now();
    for i in 0..LOOKUPS {
        let id = ids[(mix(i as u64 + 7) % ids.len() as u64) as usize];
        let t = Instant::now();
        let view = reads.product(id).await?.expect("projected");
        let _: ProductState = serde_json::from_value(view.state)?;
        latencies.push(t.elapsed());
    }
    measure(
        name,
        "lookup_current_state_typed",
        LOOKUPS as u64,
        started.elapsed(),
        &mut latencies,
        json!({ "note": "including deserialisation into ProductState" }),
    );
    Ok(())
}

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Appends product lifecycles from number `first` until the log holds `target` events;
/// returns the next product number.
async fn generate(
    store: &Arc<dyn EventStore>,
    first: u64,
    target: u64,
    ids: &mut Vec<Uuid>,
) -> Result<u64, Box<dyn Error>> {
    let head = store.head().await?.global_position as u64;
    if head >= target {
        return Ok(first);
    }
    // About 14.3 events per product on average.
    let products = ((target - head) * 10 / 143).max(1);
    let (tx, rx) = tokio::sync::mpsc::channel::<u64>(WRITERS * WAVE * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let store = store.clone();
        let rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                let mut wave = Vec::with_capacity(WAVE);
                {
                    let mut rx = rx.lock().await;
                    while wave.len() < WAVE {
                        match rx.recv().await {
                            Some(n) => wave.push(n),
                            None => break,
                        }
                    }
                }
                if wave.is_empty() {
                    break;
                }
                made.extend(write_wave(&store, &wave).await?);
            }
            Ok::<_, BoxError>(made)
        }));
    }
    for n in first..first + products {
        tx.send(n).await?;
    }
    drop(tx);
    for t in tasks {
        ids.extend(t.await?.map_err(|e| e.to_string())?);
    }
    Ok(first + products)
}

/// Decides the lifecycles of `wave` and appends them in three commands per product (up to
/// the council; scoring and decision; the rest), interleaved across the wave.
async fn write_wave(store: &Arc<dyn EventStore>, wave: &[u64]) -> Result<Vec<Uuid>, BoxError> {
    let mut phases: Vec<Vec<AppendRequest>> = vec![Vec::new(), Vec::new(), Vec::new()];
    let mut ids = Vec::new();
    for &n in wave {
        let product_id = Uuid::now_v7();
        ids.push(product_id);
        let life = Lifecycle::new(n, product_id, path_of(n));
        let mut state = ProductState::default();
        let mut version = 0_i64;
        let cuts = [
            4,
            life.steps.len().min(life.steps.len() - tail(&life)),
            life.steps.len(),
        ];
        let mut start = 0;
        for (phase, &end) in cuts.iter().enumerate() {
            if end <= start {
                continue;
            }
            let mut events = Vec::new();
            for i in start..end {
                let decided = ocop_domain::decide(&state, &life.command(i, Uuid::now_v7()))
                    .map_err(|e| format!("product {n} step {i}: {e}"))?;
                for e in &decided {
                    events.push(codec::to_new_event(e)?);
                }
                state = ocop_domain::fold_from(state, &decided);
            }
            let expected = if version == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(version)
            };
            version += events.len() as i64;
            phases[phase].push(AppendRequest {
                stream_id: product_id,
                expected,
                command_id: Uuid::now_v7(),
                request_hash: format!("{:064x}", u128::from(n) * 3 + phase as u128),
                correlation_id: None,
                causation_id: None,
                events,
            });
            start = end;
        }
    }
    for requests in phases {
        let mut set = tokio::task::JoinSet::new();
        for r in requests {
            let store = store.clone();
            set.spawn(async move { store.append(r).await });
        }
        while let Some(done) = set.join_next().await {
            done??;
        }
    }
    Ok(ids)
}

/// Steps after the first decision.
fn tail(life: &Lifecycle) -> usize {
    let first_decision = life
        .steps
        .iter()
        .position(|(_, b)| matches!(b, ocop_domain::CommandBody::DecideRecognition(_)))
        .unwrap_or(life.steps.len() - 1);
    life.steps.len() - first_decision - 1
}

fn vm_hwm_kib() -> u64 {
    crate::report::status_kib("self", "VmHWM:")
}

fn vm_rss_kib() -> u64 {
    crate::report::status_kib("self", "VmRSS:")
}

/// Resets the peak RSS (`VmHWM`) to the current RSS (Linux ≥ 4.0), so the next reading is
/// the peak of what follows.
fn reset_peak_memory() {
    crate::report::reset_peak("self");
}
