//! Benchmarks of the OCOP ledger: `cargo run --release -p ocop-bench -- [GROUP…]`.
//!
//! Each group measures one part of the system and prints one JSON line per measure
//! (`{"store", "phase", "events_per_s", "p50_us", "p99_us", …}`). Groups: `store` (the event
//! store on PostgreSQL at `DATABASE_URL`, then on SQLite), `projections` (generate a log of
//! product lifecycles and rebuild every read model from it; it takes minutes, so it runs
//! only when named). With no argument every other group runs.

mod projections;
mod report;
mod store;

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
    if !ran {
        return Err(
            format!("unknown benchmark group in {groups:?}; known: store, projections").into(),
        );
    }
    Ok(())
}
