//! Scratch stores for the benchmarks: a fresh PostgreSQL database or a fresh SQLite folder
//! for each run, removed afterwards.

use std::error::Error;
use std::path::{Path, PathBuf};

use crate::server::{FreshDatabase, fresh_dir};

/// Where one benchmark run keeps its data.
pub enum Scratch {
    /// A fresh database on the server at `DATABASE_URL` ([`FreshDatabase`]).
    Postgres { url: String },
    /// A fresh folder under the temporary folder.
    Sqlite { dir: PathBuf },
}

impl Scratch {
    /// The store's name in the benchmark's output.
    pub fn name(&self) -> &'static str {
        match self {
            Scratch::Postgres { .. } => "postgres",
            Scratch::Sqlite { .. } => "sqlite",
        }
    }

    /// The URL of the ledger database.
    pub fn url(&self) -> String {
        match self {
            Scratch::Postgres { url } => url.clone(),
            Scratch::Sqlite { dir } => sqlite_url(dir, "ledger.db"),
        }
    }
}

/// The URL of the SQLite database file `file` in `dir`, created if missing.
pub fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}?mode=rwc", dir.join(file).display())
}

/// Runs `bench` on each store named in `OCOP_BENCH_STORES` (`postgres,sqlite` by default),
/// each in scratch storage that is removed afterwards, whether `bench` succeeded or not.
pub async fn each_store<F, Fut>(bench: F) -> Result<(), Box<dyn Error>>
where
    F: Fn(Scratch) -> Fut,
    Fut: Future<Output = Result<(), Box<dyn Error>>>,
{
    let stores = std::env::var("OCOP_BENCH_STORES").unwrap_or_else(|_| "postgres,sqlite".into());
    for store in stores.split(',') {
        match store.trim() {
            "postgres" => {
                let db = FreshDatabase::create("bench")
                    .await
                    .map_err(|e| e as Box<dyn Error>)?;
                let result = bench(Scratch::Postgres {
                    url: db.url.clone(),
                })
                .await;
                db.drop_database().await;
                result?;
            }
            "sqlite" => {
                let dir = fresh_dir("bench");
                std::fs::create_dir_all(&dir)?;
                let result = bench(Scratch::Sqlite { dir: dir.clone() }).await;
                let _ = std::fs::remove_dir_all(&dir);
                result?;
            }
            other => return Err(format!("unknown store {other}").into()),
        }
    }
    Ok(())
}
