//! The append-only, hash-chained event log of the OCOP ledger, on SQLite and PostgreSQL.
//!
//! One [`EventStore`] trait, two implementations ([`SqliteStore`], [`PgStore`]) and a
//! constructor [`open`] that picks one by URL scheme. Every append goes through one writer
//! task per store (group commit); every transaction locks the single ledger-head row, so
//! global positions are gapless and in commit order and every event's `hash` chains to the
//! previous event's (see `docs/adr/0001-gapless-position-and-hash-chain.md` and
//! `docs/ledger-canonical-form.md`).

pub mod canonical;
pub mod checkpoint;
mod plan;
mod postgres;
mod record;
mod sqlite;
mod writer;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

pub use postgres::{PgStore, STATEMENT_TIMEOUT, grant_serving_role, quote_identifier};
pub use sqlite::SqliteStore;

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The PostgreSQL channel on which every commit is announced with its last global position.
pub const NOTIFY_CHANNEL: &str = "ocop_events";

/// Who did it: the authenticated user, the role they acted in and the scope of that role
/// (a province, a commune or `central`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorRef {
    pub user: String,
    pub role: String,
    pub scope: String,
}

/// An event to be appended: the payload and what the caller knows about it. The store adds
/// the stream, version, global position, command, time and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    /// The event body. Numbers must be integers (see `docs/ledger-canonical-form.md`).
    pub payload: Value,
    pub actor: ActorRef,
    pub rules_version: Option<String>,
    pub occurred_on: Option<NaiveDate>,
}

/// What the caller believes the stream's current version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// The stream must not exist yet (version 0).
    NoStream,
    /// The stream's last version must be exactly this (0 means no stream).
    Exact(i64),
    /// No check.
    Any,
}

impl ExpectedVersion {
    /// Whether a stream currently at `actual` satisfies this expectation.
    pub fn admits(self, actual: i64) -> bool {
        match self {
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(v) => actual == v,
            ExpectedVersion::Any => true,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
            ExpectedVersion::Any => f.write_str("any version"),
        }
    }
}

/// One command's events for one stream, appended atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendRequest {
    pub stream_id: Uuid,
    pub expected: ExpectedVersion,
    /// The idempotency key: a second append with the same key records nothing.
    pub command_id: Uuid,
    /// Lowercase hex SHA-256 fingerprint of the command's content, computed by the caller;
    /// the same key with a different fingerprint is refused.
    pub request_hash: String,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    /// Must not be empty.
    pub events: Vec<NewEvent>,
}

/// What an append recorded (or, with `replayed`, what the first append of the same command
/// recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    pub stream_id: Uuid,
    pub first_version: i64,
    pub last_version: i64,
    pub first_position: i64,
    pub last_position: i64,
    pub recorded_at: DateTime<Utc>,
    /// `(event_type, version)` of each recorded event, in order.
    pub events: Vec<(String, i64)>,
    /// True when this command had already been recorded and nothing new was written.
    pub replayed: bool,
}

/// An event as stored, with its envelope. As [`EventStore::read_all`] and
/// [`EventStore::read_stream`] return it (`P` = [`Value`]), `schema_version` and `payload`
/// are after upcasting; as [`EventStore::read_all_stored`] returns it (`P` = `String`), they
/// are the stored schema version and the stored canonical JSON text. `hash` is always over
/// the stored bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordedEvent<P = Value> {
    pub global_position: i64,
    pub stream_id: Uuid,
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    /// The event's body.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: P,
    pub actor: ActorRef,
    pub command_id: Uuid,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub rules_version: Option<String>,
    pub occurred_on: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// Which part of a stream to read: versions `from_version..=to_version`, recorded at or
/// before `recorded_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamRange {
    pub from_version: i64,
    pub to_version: Option<i64>,
    pub recorded_until: Option<DateTime<Utc>>,
}

impl StreamRange {
    /// The whole stream.
    pub fn all() -> Self {
        StreamRange::default()
    }

    /// Whether the range runs to the stream's end, whenever recorded: the whole stream, or
    /// what follows a version (the stores read it with a simpler statement).
    pub fn is_open_ended(&self) -> bool {
        self.to_version.is_none() && self.recorded_until.is_none()
    }
}

impl RecordedEvent {
    /// The event with its (upcast) payload written as canonical JSON text, as the default
    /// `*_stored` reads of a store without stored text return it.
    fn into_canonical(self) -> Result<RecordedEvent<String>, StoreError> {
        let position = self.global_position;
        self.map_payload(|payload| {
            canonical::to_canonical_string(&payload).map_err(|err| StoreError::Corrupt {
                position,
                reason: format!("payload has no canonical form: {err}"),
            })
        })
    }
}

impl<P> RecordedEvent<P> {
    /// The same event with its payload turned into another form.
    pub fn map_payload<Q, E>(
        self,
        f: impl FnOnce(P) -> Result<Q, E>,
    ) -> Result<RecordedEvent<Q>, E> {
        Ok(RecordedEvent {
            global_position: self.global_position,
            stream_id: self.stream_id,
            version: self.version,
            event_id: self.event_id,
            event_type: self.event_type,
            schema_version: self.schema_version,
            payload: f(self.payload)?,
            actor: self.actor,
            command_id: self.command_id,
            correlation_id: self.correlation_id,
            causation_id: self.causation_id,
            rules_version: self.rules_version,
            occurred_on: self.occurred_on,
            recorded_at: self.recorded_at,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// The ledger at one position: the position and the hash of the event there (the genesis
/// hash at position 0). Written and parsed as `P:H`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerDigest {
    pub global_position: i64,
    pub hash: String,
}

impl LedgerDigest {
    /// The digest of the empty ledger.
    pub fn genesis() -> Self {
        LedgerDigest {
            global_position: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl fmt::Display for LedgerDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.global_position, self.hash)
    }
}

/// Why a text is not a `P:H` ledger digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a ledger digest is written `position:sha256-hex`, got `{0}`")]
pub struct ParseDigestError(String);

impl FromStr for LedgerDigest {
    type Err = ParseDigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseDigestError(s.to_owned());
        let (p, h) = s.split_once(':').ok_or_else(bad)?;
        let global_position: i64 = p.parse().map_err(|_| bad())?;
        let hex_ok = h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if global_position < 0 || !hex_ok {
            return Err(bad());
        }
        Ok(LedgerDigest {
            global_position,
            hash: h.to_owned(),
        })
    }
}

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    pub ok: bool,
    pub events_checked: u64,
    /// The last position checked and its recomputed hash when `ok`; the last good position
    /// before the break otherwise.
    pub head: LedgerDigest,
    pub first_broken_position: Option<i64>,
    /// When the chain holds together but does not reach the digest the auditor kept: the
    /// kept digest and the hash the log has at its position. Either the digest was copied
    /// wrongly (or is another ledger's), or the log was rewritten consistently up to that
    /// position: compare with another kept copy (a signed checkpoint).
    pub digest_mismatch: Option<DigestMismatch>,
}

/// A kept digest the verified chain does not reach (see [`VerifyReport::digest_mismatch`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DigestMismatch {
    pub global_position: i64,
    pub kept_hash: String,
    /// The hash the log has at that position (null when the log ends before it).
    pub recorded_hash: Option<String>,
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The stream is not at the expected version.
    #[error("stream {stream_id} expected at {expected}, but it is at version {actual}")]
    Conflict {
        stream_id: Uuid,
        expected: ExpectedVersion,
        actual: i64,
    },
    /// The command key was already used for a command with different content.
    #[error("command key {command_id} was already used for a different command")]
    IdempotencyKeyReused { command_id: Uuid },
    /// The database cannot be reached or the pool is exhausted or closed; retry later.
    #[error("event store unavailable: {0}")]
    Unavailable(String),
    /// Stored data is not what the store wrote (bad hash, unreadable column).
    #[error("event store corrupt at position {position}: {reason}")]
    Corrupt { position: i64, reason: String },
    /// A stored event could not be upcast to the current schema.
    #[error("cannot upcast {event_type} schema {schema_version}: {reason}")]
    Upcast {
        event_type: String,
        schema_version: i32,
        reason: String,
    },
    /// The request itself is malformed (no events, a float in a payload, a duplicate id).
    #[error("invalid append: {0}")]
    Invalid(String),
    /// Not recorded: another request of the same all-or-nothing group (on `stream_id`) was
    /// refused ([`EventStore::append_all`]).
    #[error("not recorded: the request for stream {stream_id} of the same group was refused")]
    GroupAborted { stream_id: Uuid },
    /// The database's schema is behind this build and this connection's role may not bring
    /// it up to date (a serving role, which owns no table of the log).
    #[error(
        "the database schema is behind this build (pending migrations: {pending}) and this \
         role cannot apply them ({reason}); run `ocop migrate` as the schema owner"
    )]
    SchemaBehind { pending: String, reason: String },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether `e` says that the database cannot serve now — no connection to be had, the
/// server stopping, starting or out of connections — rather than that the statement is
/// wrong. Such an error is retried, and its text (sqlx's) is for the log, not for answers.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| server_unavailable(&c)),
        _ => false,
    }
}

/// Whether a PostgreSQL SQLSTATE says that the server cannot serve now rather than that the
/// statement is wrong: class 08 (connection exception), `57P01` admin shutdown (the answer
/// on every open connection when the server is stopped), `57P02` crash shutdown, `57P03`
/// cannot connect now (starting up or shutting down) and `53300` too many connections.
/// sqlx has no kind for these, so the standard codes are named here.
fn server_unavailable(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "53300")
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => StoreError::Database(sqlx::Error::Migrate(Box::new(other))),
        }
    }
}

/// Turns an old schema version of an event's payload into the current one:
/// `(event_type, stored schema_version, stored payload) -> (schema_version, payload)`.
/// Called on read only; must be a pure function and the identity on current versions.
pub type Upcaster = fn(&str, i32, Value) -> Result<(i32, Value), String>;

/// The upcaster that changes nothing.
pub fn no_upcast(
    _event_type: &str,
    schema_version: i32,
    payload: Value,
) -> Result<(i32, Value), String> {
    Ok((schema_version, payload))
}

/// The upcaster the stores use unless told otherwise: none. The store knows no event types
/// (it does not depend on the domain); the application opens its stores with the domain's
/// upcaster (`ocop_projections::open` passes `ocop_domain::upcast::upcast_to_current`).
pub fn default_upcaster() -> Upcaster {
    no_upcast
}

/// The most requests one [`EventStore::append_all`] takes.
pub const MAX_GROUP: usize = 1000;

/// Checks an all-or-nothing group before it reaches a writer: not empty, not too large, one
/// request per stream.
pub(crate) fn check_group(requests: &[AppendRequest]) -> Result<(), StoreError> {
    if requests.is_empty() || requests.len() > MAX_GROUP {
        return Err(StoreError::Invalid(format!(
            "a group holds 1 to {MAX_GROUP} requests, not {}",
            requests.len()
        )));
    }
    let mut streams = std::collections::HashSet::with_capacity(requests.len());
    match requests.iter().find(|r| !streams.insert(r.stream_id)) {
        Some(twice) => Err(StoreError::Invalid(format!(
            "stream {} appears twice in one group",
            twice.stream_id
        ))),
        None => Ok(()),
    }
}

/// The event log.
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends one command's events to one stream if the stream is at `expected`; with a
    /// command key already recorded, returns the recorded outcome (`replayed`) or
    /// [`StoreError::IdempotencyKeyReused`]. Acknowledged only after commit.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError>;

    /// Appends several commands, each to its own stream, in one transaction: every one is
    /// recorded or none is. Each request is checked as [`EventStore::append`] checks it; the
    /// first refusal is the answer ([`StoreError::GroupAborted`] names none: it is what the
    /// others get). A group whose every key was already recorded answers the recorded
    /// outcomes (`replayed`). At most [`MAX_GROUP`] requests, on distinct streams.
    async fn append_all(
        &self,
        requests: Vec<AppendRequest>,
    ) -> Result<Vec<AppendOutcome>, StoreError>;

    /// The fingerprint and outcome recorded for a command key (`replayed` = true), if any.
    async fn find_command(
        &self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError>;

    /// A stream's events in `range`, by version, upcast.
    async fn read_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The stream's last version, 0 when it does not exist.
    async fn stream_version(&self, stream_id: Uuid) -> Result<i64, StoreError>;

    /// Up to `limit` events with a global position above `after_position`, in order, upcast.
    /// Positions are gapless, so the page is the positions `after_position + 1 ..=
    /// after_position + limit`: a row removed behind the database's back leaves its page
    /// short, never filled from beyond it, and [`EventStore::verify`] names its position.
    async fn read_all(
        &self,
        after_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// [`EventStore::read_all`] without parsing or upcasting: each payload is the stored
    /// canonical JSON text at its stored `schema_version`. For followers that parse payloads
    /// straight into their own types (and upcast the few old ones themselves), so that each
    /// payload is parsed once.
    ///
    /// The default writes what [`EventStore::read_all`] returns (already upcast) back as
    /// canonical text; the stores return the stored text itself.
    async fn read_all_stored(
        &self,
        after_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        let events = self.read_all(after_position, limit).await?;
        events
            .into_iter()
            .map(RecordedEvent::into_canonical)
            .collect()
    }

    /// [`EventStore::read_stream`] without parsing or upcasting, as
    /// [`EventStore::read_all_stored`] reads the log: for the command path, which parses
    /// each payload once, straight into the domain's event. The default writes what
    /// [`EventStore::read_stream`] returns back as canonical text; the stores return the
    /// stored text itself.
    async fn read_stream_stored(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        let events = self.read_stream(stream_id, range).await?;
        events
            .into_iter()
            .map(RecordedEvent::into_canonical)
            .collect()
    }

    /// The log stream by stream: the events recorded at or before `up_to_position`, ordered
    /// by stream id and then version, up to `limit` of them after the key `after` (a
    /// `(stream_id, version)` from the previous page; `None` for the first page). Payloads
    /// as stored, like [`EventStore::read_all_stored`]. For rebuilds of read models that are
    /// folded per stream: each stream's events arrive together, so each is folded whole and
    /// written once, however its events are spread over the log.
    async fn read_streams_stored(
        &self,
        after: Option<(Uuid, i64)>,
        up_to_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError>;

    /// The last position and its hash (position 0 and the genesis hash when empty).
    async fn head(&self) -> Result<LedgerDigest, StoreError>;

    /// Recomputes the chain from genesis to the head, every event's link and hash; with a
    /// digest `from` kept earlier, the hash recomputed at its position must also be the kept
    /// one, which proves that nothing at or before it changed since.
    async fn verify(&self, from: Option<LedgerDigest>) -> Result<VerifyReport, StoreError>;

    /// The latest committed global position known to this process, updated on local commits
    /// and on other processes' commits.
    fn subscribe(&self) -> tokio::sync::watch::Receiver<i64>;

    /// A cheap round trip to the database.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Opens the store named by `url`: `sqlite://path?mode=rwc` (or `sqlite:path`) or
/// `postgres://…` / `postgresql://…`, applying migrations.
pub async fn open(url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    open_with(url, default_upcaster()).await
}

/// [`open`] with an explicit upcaster.
pub async fn open_with(url: &str, upcaster: Upcaster) -> Result<Arc<dyn EventStore>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open_with(url, upcaster).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect_with(url, upcaster).await?))
    } else {
        Err(StoreError::Invalid(
            "unknown store url scheme: expected sqlite: or postgres://".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::server_unavailable;

    #[test]
    fn a_server_going_away_is_unavailable_and_a_bad_statement_is_not() {
        for code in ["08006", "08001", "57P01", "57P02", "57P03", "53300"] {
            assert!(server_unavailable(code), "{code}");
        }
        for code in ["23505", "42P01", "22P05", "40001", "57014"] {
            assert!(!server_unavailable(code), "{code}");
        }
    }
}
