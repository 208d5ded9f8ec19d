//! The PostgreSQL event store, safe for several processes sharing one database.
//!
//! Every append transaction starts by locking the `ledger_head` row; the row lock is
//! released only after the commit is visible, so global positions are assigned and made
//! visible in the same order (see `docs/adr/0001-gapless-position-and-hash-chain.md`). A
//! trigger on the head row sends `NOTIFY ocop_events` at commit. Each process's writer
//! connection also listens on that channel, so it hears the other processes' commits, and
//! its own come back in the reply to its own statement, without waking another backend.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row};
use tokio::sync::watch;
use uuid::Uuid;

use crate::plan::{self};
use crate::record::{self, EVENT_COLUMNS, RawEvent, RawLog};
use crate::writer::Writer;
use crate::{
    ActorRef, AppendOutcome, AppendRequest, EventStore, LedgerDigest, NOTIFY_CHANNEL,
    RecordedEvent, StoreError, StreamRange, Upcaster, VerifyReport,
};

mod batch;

use batch::{KnownVersions, PgWriter};

/// How long a pooled connection may have been idle and still be taken without a ping.
const STALE_AFTER: Duration = Duration::from_secs(1);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL event store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    upcaster: Upcaster,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    writer: Writer,
    position: Arc<watch::Sender<i64>>,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`) without an upcaster ([`crate::default_upcaster`])
    /// and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, crate::default_upcaster()).await
    }

    /// [`PgStore::connect`] with an explicit upcaster.
    pub async fn connect_with(url: &str, upcaster: Upcaster) -> Result<Self, StoreError> {
        // A request waits at most this long for a connection: when the database is down,
        // every request answers 503 after it rather than holding its client for longer.
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(3))
            // sqlx pings a pooled connection each time it is taken: a second round trip on
            // every read. A connection used within the last second was alive then, and a
            // failed statement drops its connection anyway (sqlx pings it on its way back);
            // only one idle for longer is asked first.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > STALE_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(connect_options(url)?)
            .await?;
        Self::from_pool(pool, upcaster).await
    }

    /// A store over an existing pool (which should allow at least two connections: the
    /// writer and readers); applies the migrations this build has and the database lacks.
    /// On a current schema it runs none (a serving role that owns nothing of the log could
    /// not), and when some are pending and this role cannot apply them it says to run
    /// `ocop migrate` as the schema owner ([`StoreError::SchemaBehind`]).
    pub async fn from_pool(pool: PgPool, upcaster: Upcaster) -> Result<Self, StoreError> {
        let pending = pending_migrations(&pool).await?;
        if !pending.is_empty() {
            let listed = || {
                pending
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            // Only the owner of the log migrates it: a serving role that created a new
            // table of the log would own it, and could drop its triggers.
            let (owns, user): (bool, String) = sqlx::query_as(
                "SELECT COALESCE((SELECT pg_has_role(current_user, tableowner, 'USAGE') \
                 FROM pg_tables WHERE tablename = 'events' AND schemaname = current_schema()), \
                 true), current_user::text",
            )
            .fetch_one(&pool)
            .await?;
            if !owns {
                return Err(StoreError::SchemaBehind {
                    pending: listed(),
                    reason: format!("{user} does not own the log's tables"),
                });
            }
            MIGRATOR
                .run(&pool)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Database(sqlx::Error::Database(db))
                        if db.code().as_deref() == Some(INSUFFICIENT_PRIVILEGE) =>
                    {
                        StoreError::SchemaBehind {
                            pending: listed(),
                            reason: db.message().to_owned(),
                        }
                    }
                    other => other,
                })?;
        }
        // Listen before reading the head, so that no commit falls between the two.
        let listener = listening(&pool).await?;
        let position = Arc::new(watch::Sender::new(read_head_position(&pool).await?));
        let writer = Writer::spawn(
            PgWriter {
                pool: pool.clone(),
                listener: Some(listener),
                last_head: None,
                known: KnownVersions::default(),
                catch_up: false,
                position: position.clone(),
            },
            position.clone(),
        );
        Ok(PgStore {
            pool,
            upcaster,
            shared: Arc::new(Shared { writer, position }),
        })
    }

    /// Applies the store's migrations (idempotent; also done by [`PgStore::connect`]).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The connection pool, shared with the read models kept in the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// Grants `role` what a serving process needs and nothing more: to read the log and
/// append to it (through `ocop_append_batch`), to move the head, to read the migrations
/// applied, to write its own registers, and to create the read models' tables. It gets
/// no UPDATE, DELETE or TRUNCATE on the log and owns none of its tables, so it can
/// neither rewrite a recorded event nor drop or disable the triggers that refuse it.
/// `role` must exist and must not be the owner of the log's tables.
pub async fn grant_serving_role(pool: &PgPool, role: &str) -> Result<(), StoreError> {
    let quoted = quote_identifier(role)?;
    let mut tx = pool.begin().await?;
    let (exists, owner, schema): (bool, String, String) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1), \
                (SELECT tableowner::text FROM pg_tables \
                  WHERE tablename = 'events' AND schemaname = current_schema()), \
                current_schema()::text",
    )
    .bind(role)
    .fetch_one(&mut *tx)
    .await?;
    if !exists {
        return Err(StoreError::Invalid(format!(
            "the role {quoted} does not exist: create it first \
             (CREATE ROLE {quoted} LOGIN PASSWORD '…'), then grant it"
        )));
    }
    let member_of_owner: bool = sqlx::query_scalar("SELECT pg_has_role($1, $2, 'MEMBER')")
        .bind(role)
        .bind(&owner)
        .fetch_one(&mut *tx)
        .await?;
    if member_of_owner {
        return Err(StoreError::Invalid(format!(
            "{quoted} is (or is a member of) {owner:?}, the owner of the log's tables: a \
             serving role must be another role, so that it cannot drop their triggers"
        )));
    }
    let schema = quote_identifier(&schema)?;
    for statement in [
        format!("GRANT USAGE, CREATE ON SCHEMA {schema} TO {quoted}"),
        format!(
            "GRANT SELECT, INSERT ON events, commands, issued_tokens, ledger_checkpoints, \
             account_events TO {quoted}"
        ),
        format!("GRANT SELECT ON commune_successions, store_marks TO {quoted}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON user_accounts, web_sessions TO {quoted}"),
        format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}"),
        format!("GRANT SELECT, UPDATE ON ledger_head TO {quoted}"),
        format!("GRANT SELECT ON _sqlx_migrations TO {quoted}"),
        format!("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {quoted}"),
    ] {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// PostgreSQL's SQLSTATE for "permission denied" (`insufficient_privilege`).
const INSUFFICIENT_PRIVILEGE: &str = "42501";

/// The statement timeout every connection of the store sets unless its URL sets one
/// (`?options=-c%20statement_timeout%3D…`): no statement holds a connection, and the locks
/// it took, for longer. Every statement the store and the read models run is a page or a
/// batch, far shorter.
pub const STATEMENT_TIMEOUT: &str = "30s";

/// The connection options of `url`, with [`STATEMENT_TIMEOUT`] unless the URL sets one.
fn connect_options(url: &str) -> Result<sqlx::postgres::PgConnectOptions, StoreError> {
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    if url.contains("statement_timeout") {
        Ok(options)
    } else {
        Ok(options.options([("statement_timeout", STATEMENT_TIMEOUT)]))
    }
}

/// The versions of this build's migrations that the database has not applied.
async fn pending_migrations(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
        .fetch_one(pool)
        .await?;
    let applied: Vec<i64> = if table.is_some() {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .filter(|v| !applied.contains(v))
        .collect())
}

/// `name` as a quoted SQL identifier; refused when empty, too long or holding a NUL.
pub fn quote_identifier(name: &str) -> Result<String, StoreError> {
    if name.is_empty() || name.contains('\0') || name.len() > 63 {
        return Err(StoreError::Invalid(format!("{name:?} is not a role name")));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// A connection from `pool` listening on [`NOTIFY_CHANNEL`]: the writer's connection.
async fn listening(pool: &PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is replaced by a new listener (`PgWriter::connection_lost`), not
    // reconnected inside this one: a reconnection cancelled half-way would leave it
    // without its notification buffer.
    listener.eager_reconnect(false);
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}

async fn read_head_position(pool: &PgPool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT position FROM ledger_head WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

/// An event row, its columns in [`EVENT_COLUMNS`] order with the types migration 0001 gives
/// them. Decoded without sqlx's check of each column's type against the Rust one, which
/// costs a fifth of a replay's time in this process. The types are fixed by the
/// migrations, and the conformance suite reads every column back; texts are still checked
/// for UTF-8 and binary values for their size.
fn raw_event(row: &PgRow) -> Result<RawEvent, StoreError> {
    Ok(RawEvent {
        global_position: row.try_get_unchecked(0)?,
        stream_id: row.try_get_unchecked(1)?,
        version: row.try_get_unchecked(2)?,
        event_id: row.try_get_unchecked(3)?,
        event_type: row.try_get_unchecked(4)?,
        schema_version: row.try_get_unchecked(5)?,
        payload: row.try_get_unchecked(6)?,
        actor: ActorRef {
            user: row.try_get_unchecked(7)?,
            role: row.try_get_unchecked(8)?,
            scope: row.try_get_unchecked(9)?,
        },
        command_id: row.try_get_unchecked(10)?,
        correlation_id: row.try_get_unchecked(11)?,
        causation_id: row.try_get_unchecked(12)?,
        rules_version: row.try_get_unchecked(13)?,
        occurred_on: row.try_get_unchecked::<Option<NaiveDate>, _>(14)?,
        recorded_at: row.try_get_unchecked::<DateTime<Utc>, _>(15)?,
        prev_hash: row.try_get_unchecked(16)?,
        hash: row.try_get_unchecked(17)?,
    })
}

async fn find_command<'c, E>(
    executor: E,
    command_id: Uuid,
) -> Result<Option<(String, AppendOutcome)>, StoreError>
where
    E: sqlx::Executor<'c, Database = Postgres>,
{
    // One round trip: the command row and its events' types and versions.
    let rows = sqlx::query(
        "SELECT c.request_hash, c.stream_id, c.first_version, c.last_version, \
         c.first_position, c.last_position, c.recorded_at, e.event_type, e.version \
         FROM commands c JOIN events e \
           ON e.global_position BETWEEN c.first_position AND c.last_position \
         WHERE c.command_id = $1 ORDER BY e.global_position",
    )
    .bind(command_id)
    .fetch_all(executor)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let outcome = AppendOutcome {
        stream_id: first.try_get(1)?,
        first_version: first.try_get(2)?,
        last_version: first.try_get(3)?,
        first_position: first.try_get(4)?,
        last_position: first.try_get(5)?,
        recorded_at: first.try_get(6)?,
        events: rows
            .iter()
            .map(|r| Ok((r.try_get(7)?, r.try_get(8)?)))
            .collect::<Result<_, sqlx::Error>>()?,
        replayed: true,
    };
    Ok(Some((first.try_get(0)?, outcome)))
}

#[async_trait]
impl RawLog for PgStore {
    /// A stream's rows in `range`. An open-ended range, what every command reads (the whole
    /// stream, or what follows the version a process kept), has its own statement: its
    /// plan is the `(stream_id, version)` index alone, where the general one must also
    /// weigh the optional bounds.
    async fn raw_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RawEvent>, StoreError> {
        let rows = if range.is_open_ended() {
            sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 \
                 ORDER BY version"
            ))
            .bind(stream_id)
            .bind(range.from_version)
            .fetch_all(&self.pool)
            .await?
        } else {
            sqlx::query(&format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 \
                 AND ($3::bigint IS NULL OR version <= $3) \
                 AND ($4::timestamptz IS NULL OR recorded_at <= $4) ORDER BY version"
            ))
            .bind(stream_id)
            .bind(range.from_version)
            .bind(range.to_version)
            .bind(range.recorded_until)
            .fetch_all(&self.pool)
            .await?
        };
        rows.iter().map(raw_event).collect()
    }

    fn upcaster(&self) -> Upcaster {
        self.upcaster
    }

    async fn raw_page(&self, after: i64, limit: i64) -> Result<Vec<RawEvent>, StoreError> {
        // Read by count, not as the range of positions the page is: without statistics on
        // the table (a new ledger) the planner takes a range for a few hundred rows and
        // sorts a bitmap scan, three times slower; the count is always an ordered index
        // scan. Rows past the range come only after a hole, and are not the page's.
        let after = after.max(0);
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE global_position > $1 \
             ORDER BY global_position LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let end = after.saturating_add(limit);
        let mut page = rows.iter().map(raw_event).collect::<Result<Vec<_>, _>>()?;
        page.retain(|e| e.global_position <= end);
        Ok(page)
    }

    async fn raw_head(&self) -> Result<LedgerDigest, StoreError> {
        let (global_position, hash): (i64, String) =
            sqlx::query_as("SELECT position, hash FROM ledger_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(LedgerDigest {
            global_position,
            hash,
        })
    }
}

#[async_trait]
impl EventStore for PgStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let prepared = plan::prepare(request)?;
        self.shared.writer.append(prepared).await
    }

    async fn append_all(
        &self,
        requests: Vec<AppendRequest>,
    ) -> Result<Vec<AppendOutcome>, StoreError> {
        crate::check_group(&requests)?;
        let prepared = requests
            .into_iter()
            .map(plan::prepare)
            .collect::<Result<Vec<_>, _>>()?;
        self.shared.writer.append_all(prepared).await
    }

    async fn find_command(
        &self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError> {
        find_command(&self.pool, command_id).await
    }

    async fn read_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        record::read_stream(self, stream_id, range).await
    }

    async fn read_stream_stored(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        record::read_stream_stored(self, stream_id, range).await
    }

    async fn stream_version(&self, stream_id: Uuid) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM events WHERE stream_id = $1")
                .bind(stream_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    async fn read_all(
        &self,
        after_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        record::read_all(self, after_position, limit).await
    }

    async fn read_all_stored(
        &self,
        after_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        record::read_all_stored(self, after_position, limit).await
    }

    async fn read_streams_stored(
        &self,
        after: Option<(Uuid, i64)>,
        up_to_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        let (stream, version) = after.unwrap_or((Uuid::nil(), 0));
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM events \
             WHERE (stream_id, version) > ($1, $2) AND global_position <= $3 \
             ORDER BY stream_id, version LIMIT $4"
        ))
        .bind(stream)
        .bind(version)
        .bind(up_to_position)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(raw_event).collect()
    }

    async fn head(&self) -> Result<LedgerDigest, StoreError> {
        self.raw_head().await
    }

    async fn verify(&self, from: Option<LedgerDigest>) -> Result<VerifyReport, StoreError> {
        record::verify(self, from).await
    }

    fn subscribe(&self) -> watch::Receiver<i64> {
        self.shared.position.subscribe()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
