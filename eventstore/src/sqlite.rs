//! The embedded SQLite event store: one file, WAL, `synchronous=FULL`.
//!
//! `synchronous=FULL` because the log is a legal record: an acknowledged append survives a
//! power cut, not only a crash of the process. Writers are serialized by `BEGIN IMMEDIATE`
//! (one writer at a time, across processes too), which is what makes positions gapless and
//! in commit order here.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::canonical::format_timestamp;
use crate::plan::{self, Head, Plan, Prepared};
use crate::record::{self, EVENT_COLUMNS, RawEvent, RawLog};
use crate::writer::{self, Backend, Writer};
use crate::{
    ActorRef, AppendOutcome, AppendRequest, EventStore, LedgerDigest, RecordedEvent, StoreError,
    StreamRange, Upcaster, VerifyReport,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How often other processes' commits are looked for.
const POLL_EVERY: Duration = Duration::from_millis(200);

/// The embedded SQLite event store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    upcaster: Upcaster,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    writer: Writer,
    position: Arc<watch::Sender<i64>>,
    /// Dropped with the last handle, which stops the poller.
    _stop: oneshot::Sender<()>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `url` (`sqlite://path?mode=rwc` or
    /// `sqlite:path`) without an upcaster ([`crate::default_upcaster`]), and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, crate::default_upcaster()).await
    }

    /// [`SqliteStore::open`] with an explicit upcaster.
    pub async fn open_with(url: &str, upcaster: Upcaster) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // The write-ahead log is copied into the file every 10,000 pages (40 MB) instead
            // of SQLite's 1,000: a rebuild writes about a gigabyte in transactions of ≈ 10 MB,
            // and with the default every one of them ran a checkpoint (a 1M-event rebuild:
            // 96k → 104k events/s on average over ten alternated runs).
            .pragma("wal_autocheckpoint", "10000")
            // Each connection keeps 16 MiB of pages instead of SQLite's 2 MB: the pages of a
            // product read a moment ago through another of the pool's connections are not
            // read from the file again (stream loads 1.1–1.3× → 1.5× the baseline's; at most
            // 64 MiB for the pool; docs/performance.md, the store's twelfth round).
            .pragma("cache_size", "-16384");
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Unavailable(format!("cannot create the data folder: {e}"))
                })?;
            }
        }
        // sqlx asks a pooled connection whether it is alive each time it is taken, a
        // round trip to its worker thread; a connection to a file does not go stale.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;

        let (head,): (i64,) = sqlx::query_as("SELECT position FROM ledger_head WHERE id = 1")
            .fetch_one(&pool)
            .await?;
        let position = Arc::new(watch::Sender::new(head));
        let writer = Writer::spawn(SqliteWriter { pool: pool.clone() }, position.clone());
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(poll(pool.clone(), Arc::downgrade(&position), stopped));
        Ok(SqliteStore {
            pool,
            upcaster,
            shared: Arc::new(Shared {
                writer,
                position,
                _stop: stop,
            }),
        })
    }

    /// Applies the store's migrations (idempotent; also done by [`SqliteStore::open`]).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The connection pool, shared with the read models kept in the same database.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Follows other processes' commits until the store is dropped.
async fn poll(
    pool: SqlitePool,
    position: std::sync::Weak<watch::Sender<i64>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {}
        }
        let Some(position) = position.upgrade() else {
            return;
        };
        match sqlx::query_scalar::<_, i64>("SELECT position FROM ledger_head WHERE id = 1")
            .fetch_one(&pool)
            .await
        {
            Ok(head) => writer::advance(&position, head),
            Err(e) => tracing::warn!(error = %e, "cannot poll the sqlite ledger head"),
        }
    }
}

fn corrupt(position: i64, what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        position,
        reason: format!("{what}: {e}"),
    }
}

fn uuid_col<I: sqlx::ColumnIndex<SqliteRow> + std::fmt::Display + Copy>(
    row: &SqliteRow,
    col: I,
    position: i64,
) -> Result<Uuid, StoreError> {
    let text: String = row.try_get(col)?;
    Uuid::parse_str(&text).map_err(|e| corrupt(position, &format!("column {col}"), e))
}

fn time_col<I: sqlx::ColumnIndex<SqliteRow> + std::fmt::Display + Copy>(
    row: &SqliteRow,
    col: I,
    position: i64,
) -> Result<DateTime<Utc>, StoreError> {
    let text: String = row.try_get(col)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(position, &format!("column {col}"), e))
}

/// A page of events read as one text: `rows` is the `FROM` of the query, the table with its
/// filter or a subquery. sqlx hands SQLite rows over one by one through a channel, which
/// costs more than reading them; one text per page is several times faster for long reads.
/// The table is `STRICT`, so an `INTEGER` column holds an integer and is written as its
/// digits and a `:`; every `TEXT` column is written as `<length in bytes>:<text>`, or `-1:`
/// for NULL, so no byte of a payload is escaped on the way or unescaped on arrival, and the
/// stored text comes back as it is. `octet_length` reads a text's length from the row's
/// header without loading or copying the text. A subquery (needed for a `LIMIT`) makes
/// SQLite copy every row into registers before framing it, a fifth of a replay's time: the
/// log by position is read as a range of positions from the table itself.
fn framed_page(rows: &str) -> String {
    let (mut format, mut fields) = (String::new(), Vec::new());
    for column in EVENT_COLUMNS.split(", ") {
        match column_kind(column) {
            Column::Integer => {
                format.push_str("%d:");
                fields.push(column.to_owned());
            }
            Column::Text => {
                format.push_str("%d:%s");
                fields.push(format!("octet_length({column}), {column}"));
            }
            Column::NullableText => {
                format.push_str("%d:%s");
                fields.push(format!("ifnull(octet_length({column}), -1), {column}"));
            }
        }
    }
    format!(
        "SELECT group_concat(printf('{format}', {}), '') FROM {rows}",
        fields.join(", ")
    )
}

/// The log's events at positions `?1 < p <= ?2`, framed.
static PAGE_BY_POSITION: LazyLock<String> =
    LazyLock::new(|| framed_page("events WHERE global_position > ? AND global_position <= ?"));

/// The events of stream `?1` from version `?2` on, framed.
static STREAM_FROM: LazyLock<String> =
    LazyLock::new(|| framed_page("events WHERE stream_id = ? AND version >= ?"));

/// The events of stream `?1` with versions `?2..=?3` recorded at or before `?4`, framed.
static STREAM_RANGE: LazyLock<String> = LazyLock::new(|| {
    framed_page("events WHERE stream_id = ? AND version >= ? AND version <= ? AND recorded_at <= ?")
});

/// Up to `?4` events after `(?1, ?2)` by stream and version, at positions up to `?3`,
/// framed.
static PAGE_BY_STREAM: LazyLock<String> = LazyLock::new(|| {
    framed_page(
        "(SELECT * FROM events WHERE (stream_id, version) > (?, ?) AND global_position <= ? \
         ORDER BY stream_id, version LIMIT ?)",
    )
});

/// How a column of the `events` table is framed in a page.
enum Column {
    Integer,
    Text,
    NullableText,
}

fn column_kind(column: &str) -> Column {
    match column {
        "global_position" | "version" | "schema_version" => Column::Integer,
        "correlation_id" | "causation_id" | "rules_version" | "occurred_on" => Column::NullableText,
        _ => Column::Text,
    }
}

/// `events` ordered by `key`: an aggregate sees rows in the order SQLite scans them, which
/// is the order wanted, but nothing promises it, so it is checked and mended if need be.
fn in_order<K: Ord>(mut events: Vec<RawEvent>, key: impl Fn(&RawEvent) -> K) -> Vec<RawEvent> {
    if !events.windows(2).all(|w| key(&w[0]) < key(&w[1])) {
        events.sort_unstable_by_key(key);
    }
    events
}

/// The events of a page read with [`framed_page`] (`at`: a position to name if it is
/// corrupt).
fn parse_page(page: Option<String>, at: i64) -> Result<Vec<RawEvent>, StoreError> {
    let page = page.unwrap_or_default();
    let mut fields = Fields { rest: &page, at };
    let mut events = Vec::new();
    while !fields.rest.is_empty() {
        events.push(fields.event()?);
    }
    Ok(events)
}

/// The columns of a page read with [`framed_page`], one after the other.
struct Fields<'a> {
    rest: &'a str,
    /// The position of the row being read, to name if the page is corrupt.
    at: i64,
}

impl<'a> Fields<'a> {
    /// The next row, columns in [`EVENT_COLUMNS`] order.
    fn event(&mut self) -> Result<RawEvent, StoreError> {
        let global_position = self.number()?;
        self.at = global_position;
        Ok(RawEvent {
            global_position,
            stream_id: self.uuid("stream_id")?,
            version: self.number()?,
            event_id: self.uuid("event_id")?,
            event_type: self.text()?.to_owned(),
            schema_version: self.number()?,
            payload: self.text()?.to_owned(),
            actor: ActorRef {
                user: self.text()?.to_owned(),
                role: self.text()?.to_owned(),
                scope: self.text()?.to_owned(),
            },
            command_id: self.uuid("command_id")?,
            correlation_id: self.optional_uuid("correlation_id")?,
            causation_id: self.optional_uuid("causation_id")?,
            rules_version: self.optional()?.map(str::to_owned),
            occurred_on: self
                .optional()?
                .map(|d| {
                    d.parse::<NaiveDate>()
                        .map_err(|e| corrupt(global_position, "occurred_on", e))
                })
                .transpose()?,
            recorded_at: DateTime::parse_from_rfc3339(self.text()?)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| corrupt(global_position, "recorded_at", e))?,
            prev_hash: self.text()?.to_owned(),
            hash: self.text()?.to_owned(),
        })
    }

    fn corrupt(&self, what: &str) -> StoreError {
        corrupt(self.at, "page", what)
    }

    /// The text before the next `:`.
    fn prefix(&mut self) -> Result<&'a str, StoreError> {
        let (prefix, rest) = self
            .rest
            .split_once(':')
            .ok_or_else(|| self.corrupt("a column not followed by ':'"))?;
        self.rest = rest;
        Ok(prefix)
    }

    fn optional(&mut self) -> Result<Option<&'a str>, StoreError> {
        let length: i64 = self
            .prefix()?
            .parse()
            .map_err(|_| self.corrupt("a column's length"))?;
        if length < 0 {
            return Ok(None);
        }
        let length = usize::try_from(length).map_err(|_| self.corrupt("a column's length"))?;
        let text = self
            .rest
            .get(..length)
            .ok_or_else(|| self.corrupt("a column's length does not fit its text"))?;
        self.rest = &self.rest[length..];
        Ok(Some(text))
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        self.optional()?
            .ok_or_else(|| self.corrupt("NULL in a NOT NULL column"))
    }

    fn number<T: FromStr>(&mut self) -> Result<T, StoreError> {
        self.prefix()?
            .parse()
            .map_err(|_| self.corrupt("an integer column that is not an integer"))
    }

    fn uuid(&mut self, column: &str) -> Result<Uuid, StoreError> {
        let text = self.text()?;
        Uuid::parse_str(text).map_err(|e| corrupt(self.at, column, e))
    }

    fn optional_uuid(&mut self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.optional()?
            .map(|text| Uuid::parse_str(text).map_err(|e| corrupt(self.at, column, e)))
            .transpose()
    }
}

async fn find_command(
    pool: &SqlitePool,
    command_id: Uuid,
) -> Result<Option<(String, AppendOutcome)>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT request_hash, stream_id, first_version, last_version, first_position, \
         last_position, recorded_at FROM commands WHERE command_id = ?",
    )
    .bind(command_id.to_string())
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let first_position: i64 = row.try_get("first_position")?;
    let last_position: i64 = row.try_get("last_position")?;
    let events: Vec<(String, i64)> = sqlx::query_as(
        "SELECT event_type, version FROM events \
         WHERE global_position BETWEEN ? AND ? ORDER BY global_position",
    )
    .bind(first_position)
    .bind(last_position)
    .fetch_all(pool)
    .await?;
    let outcome = AppendOutcome {
        stream_id: uuid_col(&row, "stream_id", first_position)?,
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        first_position,
        last_position,
        recorded_at: time_col(&row, "recorded_at", first_position)?,
        events,
        replayed: true,
    };
    Ok(Some((row.try_get("request_hash")?, outcome)))
}

/// The writer task's side of the store.
struct SqliteWriter {
    pool: SqlitePool,
}

#[async_trait]
impl Backend for SqliteWriter {
    async fn commit_batch(
        &mut self,
        batch: &[&Prepared],
        atomic: bool,
    ) -> Result<Plan, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query("SELECT position, hash, recorded_at FROM ledger_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let position: i64 = row.try_get("position")?;
        let recorded_at: Option<String> = row.try_get("recorded_at")?;
        let head = Head {
            position,
            hash: row.try_get("hash")?,
            recorded_at: recorded_at
                .map(|t| {
                    DateTime::parse_from_rfc3339(&t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| corrupt(position, "ledger_head.recorded_at", e))
                })
                .transpose()?,
        };

        let mut versions = HashMap::new();
        let mut known = HashMap::new();
        for p in batch {
            let r = &p.request;
            if let Entry::Vacant(slot) = versions.entry(r.stream_id) {
                let v: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(version) FROM events WHERE stream_id = ?")
                        .bind(r.stream_id.to_string())
                        .fetch_one(&mut *tx)
                        .await?;
                slot.insert(v.unwrap_or(0));
            }
            let fingerprint: Option<String> =
                sqlx::query_scalar("SELECT request_hash FROM commands WHERE command_id = ?")
                    .bind(r.command_id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(f) = fingerprint {
                known.insert(r.command_id, f);
            }
        }

        let now = plan::batch_time(Utc::now(), &head);
        let plan = plan::plan(batch, head, &versions, &known, now, atomic);
        if !plan.writes() {
            tx.commit().await?;
            return Ok(plan);
        }

        for c in &plan.commands {
            sqlx::query(
                "INSERT INTO commands (command_id, request_hash, stream_id, first_version, \
                 last_version, first_position, last_position, recorded_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(c.command_id.to_string())
            .bind(&c.request_hash)
            .bind(c.stream_id.to_string())
            .bind(c.first_version)
            .bind(c.last_version)
            .bind(c.first_position)
            .bind(c.last_position)
            .bind(format_timestamp(&c.recorded_at))
            .execute(&mut *tx)
            .await?;
        }
        for e in &plan.events {
            sqlx::query(
                "INSERT INTO events (global_position, stream_id, version, event_id, event_type, \
                 schema_version, payload, actor_user, actor_role, actor_scope, command_id, \
                 correlation_id, causation_id, rules_version, occurred_on, recorded_at, \
                 prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(e.global_position)
            .bind(e.stream_id.to_string())
            .bind(e.version)
            .bind(e.event_id.to_string())
            .bind(&e.event_type)
            .bind(e.schema_version)
            .bind(&e.payload)
            .bind(&e.actor_user)
            .bind(&e.actor_role)
            .bind(&e.actor_scope)
            .bind(e.command_id.to_string())
            .bind(e.correlation_id.map(|u| u.to_string()))
            .bind(e.causation_id.map(|u| u.to_string()))
            .bind(&e.rules_version)
            .bind(e.occurred_on.map(|d| d.format("%Y-%m-%d").to_string()))
            .bind(format_timestamp(&e.recorded_at))
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE ledger_head SET position = ?, hash = ?, recorded_at = ? WHERE id = 1")
            .bind(plan.head.position)
            .bind(&plan.head.hash)
            .bind(plan.head.recorded_at.as_ref().map(format_timestamp))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn find_command(
        &mut self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError> {
        find_command(&self.pool, command_id).await
    }
}

#[async_trait]
impl RawLog for SqliteStore {
    /// A stream's rows in `range`, read as one framed text ([`framed_page`]); an
    /// open-ended range, what every command reads (the whole stream, or what follows the
    /// version a process kept), has its own statement (the `(stream_id, version)` index
    /// alone).
    async fn raw_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RawEvent>, StoreError> {
        let page: Option<String> = if range.is_open_ended() {
            sqlx::query_scalar(&STREAM_FROM)
                .bind(stream_id.to_string())
                .bind(range.from_version)
                .fetch_one(&self.pool)
                .await?
        } else {
            sqlx::query_scalar(&STREAM_RANGE)
                .bind(stream_id.to_string())
                .bind(range.from_version)
                .bind(range.to_version.unwrap_or(i64::MAX))
                // RFC 3339 with fixed width: text order is time order, and `~` sorts after digits.
                .bind(
                    range
                        .recorded_until
                        .map_or_else(|| "~".to_owned(), |t| format_timestamp(&t)),
                )
                .fetch_one(&self.pool)
                .await?
        };
        // The aggregate sees the rows in the index's order, by version; make sure of it.
        Ok(in_order(parse_page(page, 0)?, |e| e.version))
    }

    fn upcaster(&self) -> Upcaster {
        self.upcaster
    }

    async fn raw_page(&self, after: i64, limit: i64) -> Result<Vec<RawEvent>, StoreError> {
        let after = after.max(0);
        let page: Option<String> = sqlx::query_scalar(&PAGE_BY_POSITION)
            .bind(after)
            .bind(after.saturating_add(limit))
            .fetch_one(&self.pool)
            .await?;
        // Scanned in the primary key's order.
        Ok(in_order(parse_page(page, after + 1)?, |e| {
            e.global_position
        }))
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
impl EventStore for SqliteStore {
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
            sqlx::query_scalar("SELECT MAX(version) FROM events WHERE stream_id = ?")
                .bind(stream_id.to_string())
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
        let page: Option<String> = sqlx::query_scalar(&PAGE_BY_STREAM)
            .bind(stream.to_string())
            .bind(version)
            .bind(up_to_position)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_one(&self.pool)
            .await?;
        Ok(in_order(parse_page(page, 0)?, |e| (e.stream_id, e.version)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One row framed as [`framed_page`] frames it: integers as digits and `:`, texts as
    /// `<length in bytes>:<text>`, NULL as `-1:`.
    fn framed_row(position: i64, payload: &str, causation: Option<&str>) -> String {
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let hash = "ab".repeat(32);
        let text = |t: &str| format!("{}:{t}", t.len());
        let optional = |t: Option<&str>| t.map_or("-1:".to_owned(), text);
        [
            format!("{position}:"),
            text(id),
            "1:".into(),
            text(id),
            text("NoteAdded"),
            "1:".into(),
            text(payload),
            text("thu.ky"),
            text("provincial_secretary"),
            text("province:22"),
            text(id),
            optional(None),
            optional(causation),
            optional(Some("qd148-2023")),
            optional(Some("2025-03-01")),
            text("2026-11-30T14:00:00.000001Z"),
            text(&hash),
            text(&hash),
        ]
        .concat()
    }

    #[test]
    fn a_framed_page_reads_back_every_column_as_stored() {
        let payload = r#"{"text":"-1:12:34 🍵 ngày 1/3"}"#;
        let page = framed_row(7, payload, Some("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"))
            + &framed_row(8, "{}", None);
        let events = parse_page(Some(page), 7).expect("a well-formed page");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].global_position, 7);
        assert_eq!(events[0].payload, payload);
        assert!(events[0].causation_id.is_some());
        assert_eq!(events[0].correlation_id, None);
        assert_eq!(events[0].rules_version.as_deref(), Some("qd148-2023"));
        assert_eq!(events[0].occurred_on, NaiveDate::from_ymd_opt(2025, 3, 1));
        assert_eq!(events[1].global_position, 8);
        assert_eq!(events[1].causation_id, None);
        assert_eq!(events[1].hash, "ab".repeat(32));
    }

    #[test]
    fn a_damaged_page_is_corrupt_at_the_row_it_damages() {
        let good = framed_row(7, "{}", None);
        let cases = [
            // Cut short inside the second row.
            (good.clone() + &framed_row(8, r#"{"n":1}"#, None)[..60], 8),
            // A length past the end of the page.
            (good.clone() + "8:99:x", 8),
            // An integer column that is not one.
            ("x7:".to_owned() + &good[2..], 7),
        ];
        for (page, at) in cases {
            match parse_page(Some(page.clone()), 7) {
                Err(StoreError::Corrupt { position, .. }) => assert_eq!(position, at, "{page}"),
                other => panic!("{page}: {other:?}"),
            }
        }
    }
}
