//! Command handling and the read side of the OCOP ledger: the command service (load, decide,
//! append with retry), as-of replay from a product's stream, the checkpointed read models
//! kept in the log's own database, the projection runner that feeds them, the queries the
//! HTTP layer serves and the expiry timers.
//!
//! Start-up in a server process:
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let backend = ocop_projections::open("sqlite://ocop-data/ledger.db?mode=rwc").await?;
//! let runner = ocop_projections::ProjectionRunner::new(
//!     backend.store.clone(),
//!     backend.db.clone(),
//!     Default::default(),
//! )
//! .await?;
//! let _handle = runner.spawn(); // keep it alive as long as the server runs
//! # Ok(()) }
//! ```

pub mod access;
pub mod audit;
pub mod command;
mod db;
pub mod demo;
pub mod error;
pub mod ids;
pub mod import;
pub mod read;
pub mod timers;

use std::sync::Arc;

use ocop_eventstore::{EventStore, PgStore, SqliteStore, StoreError, Upcaster};

pub use db::{Dialect, ReadDb};
pub use error::ProjectionError;
pub use read::runner::{
    DifferingRow, NotYetApplied, ProjectionLag, ProjectionRunner, ProjectionsVerification,
    RebuildProgress, RebuildReport, RunnerFailure, RunnerHandle, RunnerOptions, TableVerification,
};
pub use read::schema::Projection;

/// The event store and the database handle of its read models (the same database).
#[derive(Clone)]
pub struct Backend {
    pub store: Arc<dyn EventStore>,
    pub db: ReadDb,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// Opens the store at `url` (as [`ocop_eventstore::open`] does) with the domain's upcaster
/// ([`ocop_domain::upcast::upcast_to_current`]), so every event read from it is at the current
/// schema, and keeps a handle on its connection pool for the read models.
pub async fn open(url: &str) -> Result<Backend, StoreError> {
    let upcaster: Upcaster = ocop_domain::upcast::upcast_to_current;
    if url.starts_with("sqlite:") {
        let store = SqliteStore::open_with(url, upcaster).await?;
        let db = ReadDb::Sqlite(store.pool().clone());
        Ok(Backend {
            store: Arc::new(store),
            db,
        })
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect_with(url, upcaster).await?;
        let db = ReadDb::Postgres(store.pool().clone());
        Ok(Backend {
            store: Arc::new(store),
            db,
        })
    } else {
        Err(StoreError::Invalid(
            "unknown store url scheme: expected sqlite: or postgres://".to_owned(),
        ))
    }
}
