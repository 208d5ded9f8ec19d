//! Benchmarks of the OCOP ledger: `cargo run --release -p ocop-bench -- [GROUP…]`.
//!
//! Each group measures one part of the system and prints one JSON line per measure
//! (`{"store", "phase", "events_per_s", "p50_us", "p99_us", …}`). Groups: `store` (the event
//! store on PostgreSQL at `DATABASE_URL`, then on SQLite), `projections` (generate a log of
//! product lifecycles and rebuild every read model from it; it takes minutes, so it runs
//! only when named). With no argument every other group runs. Both groups run in a fresh
//! database or folder, removed afterwards; `OCOP_BENCH_STORES=postgres` (or `sqlite`) runs
//! one store.
//!
//! The HTTP harnesses run only when named, each against the real `ocop serve` (built by
//! this command for this profile) on a fresh PostgreSQL database: `load` (50 concurrent
//! clients, reads, commands and a mix: throughput and p50/p99 per endpoint against the
//! targets) and `outage` (stops and starts the machine's PostgreSQL cluster under load; see
//! `docs/reliability.md`), `slowloris` and `ratelimit` (slow senders and a greedy public
//! client; see `docs/security.md`), `catalog` (producers, exports and a decision over 500
//! products at the programme's size) and `import` (a legacy list of 5,000 rows, both
//! stores); see `docs/performance.md`. Each exits non-zero when an expectation or a target is
//! missed.

mod abuse;
mod catalog;
mod import;
mod load;
mod outage;
mod projections;
mod report;
mod scratch;
mod server;
mod store;
mod web;

/// The allocator of the `ocop` binary, so that figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let groups: Vec<String> = std::env::args().skip(1).collect();
    let wants = |group: &str| groups.is_empty() || groups.iter().any(|g| g == group);
    let mut ran = false;
    if wants("store") {
        store::run().await?;
        ran = true;
    }
    if groups.iter().any(|g| g == "projections") {
        projections::run().await?;
        ran = true;
    }
    if groups.iter().any(|g| g == "load") {
        load::run().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if groups.iter().any(|g| g == "slowloris") {
        abuse::slowloris().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if groups.iter().any(|g| g == "ratelimit") {
        abuse::ratelimit().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if groups.iter().any(|g| g == "import") {
        import::run().await?;
        ran = true;
    }
    if groups.iter().any(|g| g == "catalog") {
        catalog::run().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if groups.iter().any(|g| g == "web") {
        web::run().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if groups.iter().any(|g| g == "outage") {
        outage::run().await.map_err(|e| e.to_string())?;
        ran = true;
    }
    if !ran {
        return Err(format!(
            "unknown benchmark group in {groups:?}; known: store, projections, load, outage, \
             slowloris, ratelimit, web, catalog, import"
        )
        .into());
    }
    Ok(())
}
