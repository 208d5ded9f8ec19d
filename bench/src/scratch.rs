//! Scratch stores for the benchmarks: a fresh PostgreSQL database or a fresh SQLite folder
//! for each run, removed afterwards.

use std::error::Error;
use std::path::{Path, PathBuf};

use sqlx::Connection;
use uuid::Uuid;

/// Where one benchmark run keeps its data.
pub enum Scratch {
    /// A fresh database on the server at `DATABASE_URL`.
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
                let admin = std::env::var("DATABASE_URL")
                    .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned());
                let name = format!("ocop_bench_{}", Uuid::new_v4().simple());
                let url = create_pg_database(&admin, &name).await?;
                let result = bench(Scratch::Postgres { url }).await;
                drop_pg_database(&admin, &name).await;
                result?;
            }
            "sqlite" => {
                let dir = std::env::temp_dir()
                    .join("ocop-bench")
                    .join(Uuid::new_v4().simple().to_string());
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

async fn create_pg_database(admin: &str, name: &str) -> Result<String, Box<dyn Error>> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
    let host_end = base
        .find("://")
        .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(base.len());
    let mut url = format!("{}/{name}", &base[..host_end]);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    Ok(url)
}

async fn drop_pg_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
    }
}
