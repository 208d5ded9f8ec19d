//! Errors of the read side and of the command service's infrastructure layer.

use ocop_eventstore::StoreError;

/// Why a projection batch, a rebuild or a read-model query failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("event store: {0}")]
    Store(#[from] StoreError),
    #[error("read-model database: {0}")]
    Database(#[from] sqlx::Error),
    /// A recorded event could not be decoded into a domain event.
    #[error("cannot decode event at position {position}: {reason}")]
    Decode { position: i64, reason: String },
    /// The events handed to a batch do not continue from the checkpoint.
    #[error("projection {projection} at {checkpoint} was handed events from {first}")]
    Gap {
        projection: &'static str,
        checkpoint: i64,
        first: i64,
    },
    /// A rebuild's shadow checkpoint vanished (another rebuild replaced or finished it).
    #[error("rebuild of {0} was taken over by another process")]
    RebuildLost(&'static str),
    #[error(
        "unknown projection {0:?}; the names are all, products, statistics, timers, \
         public_register, revocations and decisions"
    )]
    UnknownProjection(String),
    /// The read models were set up by a newer version of this program: an older process
    /// must not drop them back to its own schema.
    #[error(
        "the read models are at schema {found}, newer than this program's {ours}: run the \
         newer version of ocop"
    )]
    NewerSchema { found: i64, ours: i64 },
    /// A test hook stopped the batch before its commit.
    #[error("injected fault: {0}")]
    Injected(String),
    #[error("corrupt read model: {0}")]
    Corrupt(String),
}

impl ProjectionError {
    /// Whether the database could not serve ([`ocop_eventstore::is_unavailable`]): the
    /// runner retries, and what it reports to clients leaves sqlx's words to the log.
    pub fn is_unavailable(&self) -> bool {
        match self {
            ProjectionError::Store(StoreError::Unavailable(_)) => true,
            ProjectionError::Database(e) => ocop_eventstore::is_unavailable(e),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_that_cannot_serve_is_unavailable_and_a_wrong_read_model_is_not() {
        assert!(ProjectionError::Database(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(ProjectionError::Store(StoreError::Unavailable("down".into())).is_unavailable());
        assert!(!ProjectionError::Database(sqlx::Error::RowNotFound).is_unavailable());
        assert!(!ProjectionError::Corrupt("a checkpoint ahead of the log".into()).is_unavailable());
    }
}
