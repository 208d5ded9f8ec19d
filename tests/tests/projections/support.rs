//! Fresh backends, lifecycle drivers and read-model snapshots for the projection tests.

use std::time::Duration;

use ocop_projections::command::service::{CommandOutcome, CommandService, ExecuteOptions};
use ocop_projections::read::query::ReadModels;
use ocop_projections::{Backend, ProjectionRunner, RunnerOptions};
use ocop_testkit::sample::{Lifecycle, Path};
use uuid::Uuid;

/// A store and read-model database on a fresh SQLite file or PostgreSQL database.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let url = ocop_tests::fresh_sqlite_url().await;
        Self::open(url).await
    }

    pub async fn postgres() -> Self {
        let url = ocop_tests::fresh_postgres_url().await;
        Self::open(url).await
    }

    async fn open(url: String) -> Self {
        let backend = ocop_projections::open(&url).await.expect("open the store");
        TestDb { backend, url }
    }

    /// A second process's view of the same database.
    pub async fn reopen(&self) -> Backend {
        ocop_projections::open(&self.url)
            .await
            .expect("reopen the store")
    }

    pub async fn runner(&self, batch_size: usize) -> ProjectionRunner {
        runner_on(&self.backend, batch_size).await
    }

    pub fn service(&self) -> CommandService {
        CommandService::new(self.backend.store.clone())
    }

    pub fn reads(&self) -> ReadModels {
        ReadModels::with_store(self.backend.db.clone(), self.backend.store.clone())
    }

    /// Every event of the log applied exactly once: each product's row is at its stream's
    /// last version and position (an event applied twice or skipped would move its version
    /// off), and there is one decision row per decision event. Returns the products seen.
    pub async fn assert_every_event_applied_once(&self) -> usize {
        let log = self
            .backend
            .store
            .read_all(0, 1_000_000)
            .await
            .expect("read the log");
        let mut last = std::collections::HashMap::new();
        let mut decisions = 0;
        for e in &log {
            last.insert(e.stream_id, (e.version, e.global_position));
            decisions += usize::from(matches!(
                e.event_type.as_str(),
                "RecognitionDecided"
                    | "RecognitionRefused"
                    | "LegacyRecognitionImported"
                    | "RecognitionRevoked"
            ));
        }
        let reads = self.reads();
        for (id, (version, position)) in &last {
            let view = reads.product(*id).await.unwrap().expect("projected");
            assert_eq!((view.version, view.global_position), (*version, *position));
        }
        let dump = reads.dump().await.unwrap();
        let rows = &dump.iter().find(|(t, _)| t == "rm_decisions").unwrap().1;
        assert_eq!(rows.len(), decisions, "one decision row per decision event");
        last.len()
    }

    /// Runs one SQL statement on the read-model database.
    pub async fn exec(&self, sql: &str) {
        match &self.backend.db {
            ocop_projections::ReadDb::Sqlite(pool) => {
                sqlx::query(sql).execute(pool).await.map(drop)
            }
            ocop_projections::ReadDb::Postgres(pool) => {
                sqlx::query(sql).execute(pool).await.map(drop)
            }
        }
        .expect("execute");
    }

    pub async fn head(&self) -> i64 {
        self.backend.store.head().await.unwrap().global_position
    }

    pub async fn close(self) {
        let url = self.url.clone();
        drop(self);
        ocop_tests::drop_database(&url).await;
    }
}

pub async fn runner_on(backend: &Backend, batch_size: usize) -> ProjectionRunner {
    ProjectionRunner::new(
        backend.store.clone(),
        backend.db.clone(),
        RunnerOptions {
            batch_size,
            read_ahead: 2,
            poll_every: Duration::from_millis(200),
            // Small, so a rebuild cuts streams across pages many times.
            rebuild_batch_size: 29,
        },
    )
    .await
    .expect("start the runner")
}

/// Options with a fresh key and a hash of `what`.
pub fn fresh_options(what: &str) -> ExecuteOptions {
    ExecuteOptions::new(Uuid::new_v4(), format!("{:0>64}", hex_of(what)))
}

fn hex_of(s: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Product number `n`'s lifecycle along `path`.
pub fn lifecycle(n: u64, path: Path) -> Lifecycle {
    Lifecycle::new(n, Uuid::now_v7(), path)
}

/// Runs steps `from..to` of `life` through the command service; every step must be
/// accepted. Returns the outcomes.
pub async fn drive(
    service: &CommandService,
    life: &Lifecycle,
    steps: std::ops::Range<usize>,
) -> Vec<CommandOutcome> {
    let mut out = Vec::new();
    for i in steps {
        let command = life.command(i, Uuid::now_v7());
        let options = fresh_options(&format!("{}-{i}", life.product_id));
        let outcome = service
            .execute(command, options)
            .await
            .expect("infrastructure")
            .unwrap_or_else(|e| panic!("step {i} of {:?} rejected: {e}", life.path));
        out.push(outcome);
    }
    out
}

/// Runs whole lifecycles of products `0..n` (every path in turn).
pub async fn drive_products(service: &CommandService, n: u64) -> Vec<Lifecycle> {
    let mut lives = Vec::new();
    for i in 0..n {
        let life = lifecycle(i, ocop_testkit::sample::path_of(i));
        drive(service, &life, 0..life.steps.len()).await;
        lives.push(life);
    }
    lives
}

/// Runs every step of every lifecycle with `writers` concurrent tasks.
pub async fn drive_concurrently(service: &CommandService, lives: Vec<Lifecycle>, writers: usize) {
    let lives = std::sync::Arc::new(lives);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let service = service.clone();
        let lives = lives.clone();
        tasks.push(tokio::spawn(async move {
            for (i, life) in lives.iter().enumerate() {
                if i % writers == w {
                    drive(&service, life, 0..life.steps.len()).await;
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer task");
    }
}

/// Runs `body` against SQLite and then PostgreSQL.
#[macro_export]
macro_rules! on_both_stores {
    ($sqlite:ident, $postgres:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $sqlite() {
            let db = $crate::projections::support::TestDb::sqlite().await;
            $body(&db).await;
            db.close().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $postgres() {
            let db = $crate::projections::support::TestDb::postgres().await;
            $body(&db).await;
            db.close().await;
        }
    };
}
