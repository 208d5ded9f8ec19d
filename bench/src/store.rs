//! The event store benchmark: append (against a hand-written baseline), replay and verify,
//! on PostgreSQL and then SQLite.

use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ocop_eventstore::{
    ActorRef, AppendRequest, EventStore, ExpectedVersion, NewEvent, PgStore, SqliteStore,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::report::{Latencies, measure};
use crate::scratch::{Scratch, sqlite_url};

const STREAMS: usize = 2_000;
const EVENTS_PER_STREAM: i64 = 10;
const WRITERS: usize = 8;
/// Pairs of the append workload and its baseline: five, so that the median is not moved by
/// the one or two pairs in which the machine's speed dipped during one half of the pair.
const ROUNDS: usize = 5;
const REPLAY_PAGE: usize = 2_000;
const REPLAY_DEPTH: usize = 3;
/// Replays of the whole log measured together: one pass of its 100,000 events takes
/// ≈ 0.3 s, too short to time alone.
const REPLAY_PASSES: usize = 5;

type BoxError = Box<dyn Error + Send + Sync>;

/// Runs every store phase on each store (`OCOP_BENCH_STORES`; PostgreSQL, then SQLite).
pub async fn run() -> Result<(), Box<dyn Error>> {
    crate::scratch::each_store(|scratch| async move {
        match &scratch {
            Scratch::Postgres { url } => postgres(url).await,
            Scratch::Sqlite { dir } => sqlite(dir).await,
        }
    })
    .await
}

async fn postgres(url: &str) -> Result<(), Box<dyn Error>> {
    let store: Arc<dyn EventStore> = Arc::new(PgStore::connect(url).await?);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(WRITERS as u32)
        .connect(url)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE baseline_events (
            id          bigserial   PRIMARY KEY,
            stream_id   uuid        NOT NULL,
            version     bigint      NOT NULL,
            event_id    uuid        NOT NULL UNIQUE,
            event_type  text        NOT NULL,
            payload     jsonb       NOT NULL,
            actor_user  text        NOT NULL,
            command_id  uuid        NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (stream_id, version)
        )",
    )
    .execute(&pool)
    .await?;
    phases("postgres", store, Baseline::Postgres(pool)).await
}

async fn sqlite(dir: &std::path::Path) -> Result<(), Box<dyn Error>> {
    let url = sqlite_url(dir, "ledger.db");
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&url).await?);
    let options = sqlite_url(dir, "baseline.db")
        .parse::<sqlx::sqlite::SqliteConnectOptions>()?
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(60));
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(WRITERS as u32)
        .connect_with(options)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE baseline_events (
            id          INTEGER PRIMARY KEY,
            stream_id   TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            event_id    TEXT    NOT NULL UNIQUE,
            event_type  TEXT    NOT NULL,
            payload     TEXT    NOT NULL,
            actor_user  TEXT    NOT NULL,
            command_id  TEXT    NOT NULL,
            recorded_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            UNIQUE (stream_id, version)
        )",
    )
    .execute(&pool)
    .await?;
    phases("sqlite", store, Baseline::Sqlite(pool)).await
}

/// One event of the workload, for the baseline's plain INSERT.
#[derive(Debug)]
struct Row {
    stream_id: Uuid,
    version: i64,
    event_id: Uuid,
    event_type: &'static str,
    payload: String,
    actor: String,
    command_id: Uuid,
}

/// The hand-written baseline: plain single-row INSERTs into a table of its own, and plain
/// SELECTs of every column back, each payload parsed into the workload's struct — the same
/// work the store's phases do, without the ledger's envelope, chain and upcasting.
#[derive(Clone)]
enum Baseline {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// A row of the baseline's table, decoded.
#[allow(dead_code)] // Decoded as a reader would; only the position, stream and version are checked.
struct BaselineRow {
    id: i64,
    stream_id: Uuid,
    version: i64,
    event_id: Uuid,
    event_type: String,
    payload: Note,
    actor_user: String,
    command_id: Uuid,
    recorded_at: String,
}

/// The workload's payload as a reader's event struct.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Note {
    product: String,
    producer: Value,
    province: String,
    commune: String,
    round: u32,
    note: String,
    scores: Value,
}

fn note(payload: &str) -> Result<Note, BoxError> {
    Ok(serde_json::from_str(payload)?)
}

const BASELINE_COLUMNS_PG: &str = "id, stream_id, version, event_id, event_type, payload::text, \
    actor_user, command_id, recorded_at::text";
const BASELINE_COLUMNS_SQLITE: &str =
    "id, stream_id, version, event_id, event_type, payload, actor_user, command_id, recorded_at";

impl Baseline {
    async fn insert(&self, e: Row) -> Result<(), BoxError> {
        match self {
            Baseline::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO baseline_events \
                     (stream_id, version, event_id, event_type, payload, actor_user, command_id) \
                     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)",
                )
                .bind(e.stream_id)
                .bind(e.version)
                .bind(e.event_id)
                .bind(e.event_type)
                .bind(e.payload)
                .bind(e.actor)
                .bind(e.command_id)
                .execute(pool)
                .await?;
            }
            Baseline::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO baseline_events \
                     (stream_id, version, event_id, event_type, payload, actor_user, command_id) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(e.stream_id.to_string())
                .bind(e.version)
                .bind(e.event_id.to_string())
                .bind(e.event_type)
                .bind(e.payload)
                .bind(e.actor)
                .bind(e.command_id.to_string())
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Up to `limit` rows after `after`, in order.
    async fn page(&self, after: i64, limit: usize) -> Result<Vec<BaselineRow>, BoxError> {
        match self {
            Baseline::Postgres(pool) => {
                let rows = sqlx::query(&format!(
                    "SELECT {BASELINE_COLUMNS_PG} FROM baseline_events WHERE id > $1 ORDER BY id LIMIT $2"
                ))
                .bind(after)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?;
                rows.iter().map(pg_row).collect()
            }
            Baseline::Sqlite(pool) => {
                let rows = sqlx::query(&format!(
                    "SELECT {BASELINE_COLUMNS_SQLITE} FROM baseline_events WHERE id > ? ORDER BY id LIMIT ?"
                ))
                .bind(after)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?;
                rows.iter().map(sqlite_row).collect()
            }
        }
    }

    /// One stream's rows, by version.
    async fn stream(&self, stream_id: Uuid) -> Result<Vec<BaselineRow>, BoxError> {
        match self {
            Baseline::Postgres(pool) => {
                let rows = sqlx::query(&format!(
                    "SELECT {BASELINE_COLUMNS_PG} FROM baseline_events WHERE stream_id = $1 ORDER BY version"
                ))
                .bind(stream_id)
                .fetch_all(pool)
                .await?;
                rows.iter().map(pg_row).collect()
            }
            Baseline::Sqlite(pool) => {
                let rows = sqlx::query(&format!(
                    "SELECT {BASELINE_COLUMNS_SQLITE} FROM baseline_events WHERE stream_id = ? ORDER BY version"
                ))
                .bind(stream_id.to_string())
                .fetch_all(pool)
                .await?;
                rows.iter().map(sqlite_row).collect()
            }
        }
    }
}

fn pg_row(r: &sqlx::postgres::PgRow) -> Result<BaselineRow, BoxError> {
    use sqlx::Row as _;
    Ok(BaselineRow {
        id: r.try_get(0)?,
        stream_id: r.try_get(1)?,
        version: r.try_get(2)?,
        event_id: r.try_get(3)?,
        event_type: r.try_get(4)?,
        payload: note(r.try_get::<&str, _>(5)?)?,
        actor_user: r.try_get(6)?,
        command_id: r.try_get(7)?,
        recorded_at: r.try_get(8)?,
    })
}

fn sqlite_row(r: &sqlx::sqlite::SqliteRow) -> Result<BaselineRow, BoxError> {
    use sqlx::Row as _;
    Ok(BaselineRow {
        id: r.try_get(0)?,
        stream_id: Uuid::parse_str(r.try_get(1)?)?,
        version: r.try_get(2)?,
        event_id: Uuid::parse_str(r.try_get(3)?)?,
        event_type: r.try_get(4)?,
        payload: note(r.try_get::<&str, _>(5)?)?,
        actor_user: r.try_get(6)?,
        command_id: Uuid::parse_str(r.try_get(7)?)?,
        recorded_at: r.try_get(8)?,
    })
}

fn payload(stream: usize, version: i64) -> Value {
    json!({
        "product": "Chè Shan tuyết Suối Giàng",
        "producer": {"name": "Hợp tác xã chè Suối Giàng", "kind": "cooperative", "tax_code": "5200123456"},
        "province": "15",
        "commune": format!("{:05}", stream % 10_000),
        "round": 1,
        "note": format!("bản ghi số {version} của sản phẩm {stream}"),
        "scores": {"a": 28, "b": 19, "c": 24},
    })
}

fn actor() -> ActorRef {
    ActorRef {
        user: "thu.ky@yenbai".into(),
        role: "provincial_secretary".into(),
        scope: "province:15".into(),
    }
}

/// Append, replay and stream loads against the baseline, verify, and the command's cost on
/// a short and a long stream, on one store.
///
/// Each store phase and its baseline run in pairs, which of the two goes first alternating
/// from pair to pair: this machine's speed drifts within seconds, and one pair measured one
/// after the other compares two different machines. The ratio printed is the median of the
/// pairs' ratios (each pair's is listed).
async fn phases(
    name: &str,
    store: Arc<dyn EventStore>,
    baseline: Baseline,
) -> Result<(), Box<dyn Error>> {
    let per_round = STREAMS as u64 * EVENTS_PER_STREAM as u64;
    let (mut store_run, mut baseline_run) = (Run::default(), Run::default());
    let mut ratios = Vec::with_capacity(ROUNDS);
    let mut all_streams = Vec::with_capacity(STREAMS * ROUNDS);
    for round in 0..ROUNDS {
        let streams: Arc<Vec<Uuid>> = Arc::new((0..STREAMS).map(|_| Uuid::now_v7()).collect());
        let (s, b) = if round % 2 == 0 {
            let s = append_store(&store, &streams).await?;
            (s, append_baseline(&baseline, &streams).await?)
        } else {
            let b = append_baseline(&baseline, &streams).await?;
            (append_store(&store, &streams).await?, b)
        };
        ratios.push(b.elapsed.as_secs_f64() / s.elapsed.as_secs_f64());
        store_run.add(s);
        baseline_run.add(b);
        all_streams.extend(streams.iter().copied());
    }
    let (ratio, round_ratios) = median_ratio(ratios);
    let total = per_round * ROUNDS as u64;
    measure(
        name,
        "append",
        total,
        store_run.elapsed,
        &mut store_run.latencies,
        json!({"writers": WRITERS, "rounds": ROUNDS,
               "ratio_vs_baseline": ratio, "round_ratios": round_ratios}),
    );
    measure(
        name,
        "append_baseline",
        total,
        baseline_run.elapsed,
        &mut baseline_run.latencies,
        json!({"writers": WRITERS, "rounds": ROUNDS,
               "what": "single-row INSERT, one transaction each"}),
    );

    // Replay: the whole log in order, each payload parsed into the workload's struct, as a
    // follower reads it — the store's stored text (what the projection runner reads), the
    // store's parsed and upcast page, and the baseline's SELECT of every column.
    let stored = |store: Arc<dyn EventStore>, from: i64| async move {
        let page = store.read_all_stored(from, REPLAY_PAGE).await?;
        page.iter()
            .map(|e| Ok((e.global_position, e.stream_id, e.version, note(&e.payload)?)))
            .collect::<Result<Vec<_>, BoxError>>()
    };
    let from_baseline = |baseline: Baseline, from: i64| async move {
        let page = baseline.page(from, REPLAY_PAGE).await?;
        Ok(page
            .into_iter()
            .map(|r| (r.id, r.stream_id, r.version, r.payload))
            .collect())
    };
    let mut ratios = Vec::new();
    let (mut store_replay, mut baseline_replay) = (Replay::default(), Replay::default());
    for round in 0..COMPARE_ROUNDS {
        let (s, b) = if round % 2 == 0 {
            let s = replay(&store, total, stored).await?;
            (s, replay(&baseline, total, from_baseline).await?)
        } else {
            let b = replay(&baseline, total, from_baseline).await?;
            (replay(&store, total, stored).await?, b)
        };
        ratios.push(b.elapsed.as_secs_f64() / s.elapsed.as_secs_f64());
        store_replay.add(s);
        baseline_replay.add(b);
    }
    let (ratio, round_ratios) = median_ratio(ratios);
    let shape = json!({"page": REPLAY_PAGE, "pages_in_flight": REPLAY_DEPTH,
                       "passes": REPLAY_PASSES * COMPARE_ROUNDS, "latency_of": "one page"});
    store_replay.report(
        name,
        "replay",
        json!({"ratio_vs_baseline": ratio,
        "round_ratios": round_ratios, "read": "read_all_stored"}),
        &shape,
    );
    baseline_replay.report(
        name,
        "replay_baseline",
        json!({"read": "SELECT every column"}),
        &shape,
    );
    let parsed = |store: Arc<dyn EventStore>, from: i64| async move {
        let page = store.read_all(from, REPLAY_PAGE).await?;
        page.into_iter()
            .map(|e| {
                let n: Note = serde_json::from_value(e.payload)?;
                Ok((e.global_position, e.stream_id, e.version, n))
            })
            .collect::<Result<Vec<_>, BoxError>>()
    };
    replay(&store, total, parsed).await?.report(
        name,
        "replay_parsed",
        json!({"read": "read_all"}),
        &shape,
    );

    // Stream loads: LOADS random streams of EVENTS_PER_STREAM events, one after another,
    // as the command path loads a product.
    let picks: Vec<Uuid> = (0..LOADS)
        .map(|i| all_streams[(Uuid::new_v4().as_u128() as usize + i) % all_streams.len()])
        .collect();
    let mut ratios = Vec::new();
    let (mut store_loads, mut baseline_loads) = (Loads::default(), Loads::default());
    for round in 0..COMPARE_ROUNDS {
        let (s, b) = if round % 2 == 0 {
            let s = load_store(&store, &picks).await?;
            (s, load_baseline(&baseline, &picks).await?)
        } else {
            let b = load_baseline(&baseline, &picks).await?;
            (load_store(&store, &picks).await?, b)
        };
        ratios.push(b.elapsed.as_secs_f64() / s.elapsed.as_secs_f64());
        store_loads.add(s);
        baseline_loads.add(b);
    }
    let (ratio, round_ratios) = median_ratio(ratios);
    let shape = json!({"streams": LOADS * COMPARE_ROUNDS, "events_per_stream": EVENTS_PER_STREAM,
                       "latency_of": "one stream"});
    store_loads.report(
        name,
        "load",
        json!({"ratio_vs_baseline": ratio,
        "round_ratios": round_ratios, "read": "read_stream_stored"}),
        &shape,
    );
    baseline_loads.report(
        name,
        "load_baseline",
        json!({"read": "SELECT every column of one stream"}),
        &shape,
    );

    // Verify: recompute the whole chain.
    let started = Instant::now();
    let report = store.verify(None).await?;
    if !report.ok || report.events_checked != total {
        return Err(format!("verification failed: {report:?}").into());
    }
    measure(
        name,
        "verify",
        report.events_checked,
        started.elapsed(),
        &mut Latencies::default(),
        json!({}),
    );
    commands(name, &store).await
}

/// Pairs compared for replay and stream loads.
const COMPARE_ROUNDS: usize = 3;
/// Streams loaded one after another in each stream-load run.
const LOADS: usize = 500;

/// The median of the pairs' ratios and each pair's, two decimals.
fn median_ratio(mut ratios: Vec<f64>) -> (f64, Vec<f64>) {
    let round = |r: f64| (r * 100.0).round() / 100.0;
    let each: Vec<f64> = ratios.iter().copied().map(round).collect();
    ratios.sort_by(f64::total_cmp);
    (round(ratios[ratios.len() / 2]), each)
}

/// Time and page latencies of replays.
#[derive(Default)]
struct Replay {
    elapsed: Duration,
    events: u64,
    pages: Latencies,
}

impl Replay {
    fn add(&mut self, other: Replay) {
        self.elapsed += other.elapsed;
        self.events += other.events;
        self.pages.extend(other.pages);
    }

    fn report(mut self, name: &str, phase: &str, extra: Value, shape: &Value) {
        let mut extra = extra;
        if let (Value::Object(e), Value::Object(s)) = (&mut extra, shape.clone()) {
            e.extend(s);
        }
        measure(
            name,
            phase,
            self.events,
            self.elapsed,
            &mut self.pages,
            extra,
        );
    }
}

/// Time and per-stream latencies of stream loads.
type Loads = Replay;

async fn load_store(store: &Arc<dyn EventStore>, picks: &[Uuid]) -> Result<Loads, Box<dyn Error>> {
    let started = Instant::now();
    let mut loads = Loads::default();
    for id in picks {
        let t = Instant::now();
        let events = store
            .read_stream_stored(*id, ocop_eventstore::StreamRange::all())
            .await?;
        let mut last = 0;
        for e in events {
            note(&e.payload).map_err(|e| e.to_string())?;
            last = e.version;
            loads.events += 1;
        }
        if last != EVENTS_PER_STREAM {
            return Err(format!("stream {id} ended at version {last}").into());
        }
        loads.pages.push(t.elapsed());
    }
    loads.elapsed = started.elapsed();
    Ok(loads)
}

async fn load_baseline(baseline: &Baseline, picks: &[Uuid]) -> Result<Loads, Box<dyn Error>> {
    let started = Instant::now();
    let mut loads = Loads::default();
    for id in picks {
        let t = Instant::now();
        let rows = baseline.stream(*id).await.map_err(|e| e.to_string())?;
        if rows.last().map(|r| r.version) != Some(EVENTS_PER_STREAM) {
            return Err(format!("baseline stream {id} is short").into());
        }
        loads.events += rows.len() as u64;
        loads.pages.push(t.elapsed());
    }
    loads.elapsed = started.elapsed();
    Ok(loads)
}

/// The command's own cost: p50/p99 of one command (a complaint, one event) on a product
/// whose stream holds 10 events and on one whose stream holds 1,000, through the command
/// service as the server runs it, alternating between the two.
async fn commands(name: &str, store: &Arc<dyn EventStore>) -> Result<(), Box<dyn Error>> {
    use ocop_projections::command::service::CommandService;
    let service = CommandService::new(store.clone());
    let short = Uuid::now_v7();
    let long = Uuid::now_v7();
    for (id, events) in [(short, 10), (long, 1_000)] {
        register(&service, id).await?;
        for _ in 1..events {
            complain(&service, id).await?;
        }
    }
    let (mut on_short, mut on_long) = (Latencies::default(), Latencies::default());
    let started = Instant::now();
    for i in 0..2 * COMMANDS {
        let (id, latencies) = if i % 2 == 0 {
            (short, &mut on_short)
        } else {
            (long, &mut on_long)
        };
        let t = Instant::now();
        complain(&service, id).await?;
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed() / 2;
    for (phase, mut latencies, from) in [
        ("command_on_10_events", on_short, 10),
        ("command_on_1000_events", on_long, 1_000),
    ] {
        measure(
            name,
            phase,
            COMMANDS as u64,
            elapsed,
            &mut latencies,
            json!({"stream_events_before": from, "command": "record_complaint"}),
        );
    }
    Ok(())
}

/// Commands measured on each of the two products.
const COMMANDS: usize = 200;

fn actor_of(role: ocop_domain::Role, scope: &str) -> ocop_domain::Actor {
    ocop_domain::Actor::new(
        format!("{}@lamdong", role.as_str()),
        role,
        ocop_domain::Scope::parse(scope).expect("scope"),
    )
}

async fn run_command(
    service: &ocop_projections::command::service::CommandService,
    id: Uuid,
    body: ocop_domain::CommandBody,
) -> Result<(), Box<dyn Error>> {
    let actor = match body {
        ocop_domain::CommandBody::RegisterProduct(_) => actor_of(
            ocop_domain::Role::CommuneOfficer,
            "province:68/commune:24730",
        ),
        _ => actor_of(ocop_domain::Role::Inspector, "province:68"),
    };
    let meta = ocop_domain::CommandMeta::new(actor, chrono::Utc::now(), id, vec![Uuid::now_v7()]);
    let key = Uuid::now_v7();
    let options = ocop_projections::command::service::ExecuteOptions::new(
        key,
        format!("{:064x}", key.as_u128()),
    );
    service
        .execute(ocop_domain::Command { meta, body }, options)
        .await?
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn register(
    service: &ocop_projections::command::service::CommandService,
    id: Uuid,
) -> Result<(), Box<dyn Error>> {
    use ocop_domain::commands::RegisterProduct;
    use ocop_domain::events::{ProducerKind, ProductGroup};
    let body = ocop_domain::CommandBody::RegisterProduct(RegisterProduct {
        name: "Mật ong hoa cà phê".to_owned(),
        producer: ocop_domain::events::Producer {
            name: "HTX Đắk Song".to_owned(),
            kind: ProducerKind::Cooperative,
            tax_code: None,
        },
        product_group: ProductGroup::Food,
        product_set: "Mật ong".to_owned(),
        province: ocop_domain::ProvinceCode::parse("68").expect("province"),
        commune: Some("24730".parse().expect("commune")),
        district: None,
        local_code: None,
        registered_on: NaiveDate::from_ymd_opt(2025, 8, 1).expect("date"),
    });
    run_command(service, id, body).await
}

async fn complain(
    service: &ocop_projections::command::service::CommandService,
    id: Uuid,
) -> Result<(), Box<dyn Error>> {
    use ocop_domain::commands::RecordComplaint;
    use ocop_domain::events::ComplaintSource;
    let body = ocop_domain::CommandBody::RecordComplaint(RecordComplaint {
        received_on: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
        source: ComplaintSource::Consumer,
        summary: "Sản phẩm khác mẫu đã chứng nhận".to_owned(),
    });
    run_command(service, id, body).await
}

/// Time spent and per-operation latencies of one or more append runs.
#[derive(Default)]
struct Run {
    elapsed: Duration,
    latencies: Latencies,
}

impl Run {
    fn add(&mut self, other: Run) {
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
    }
}

/// The append workload through the store: one event per command, each with its expected
/// version.
async fn append_store(
    store: &Arc<dyn EventStore>,
    streams: &Arc<Vec<Uuid>>,
) -> Result<Run, Box<dyn Error>> {
    let store = store.clone();
    drive(streams, move |s, stream_id, version| {
        let store = store.clone();
        async move {
            let expected = if version == 1 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Exact(version - 1)
            };
            let request = AppendRequest {
                stream_id,
                expected,
                command_id: Uuid::now_v7(),
                request_hash: format!("{:064x}", Uuid::new_v4().as_u128()),
                correlation_id: None,
                causation_id: None,
                events: vec![NewEvent {
                    event_id: Uuid::now_v7(),
                    event_type: "NoteAdded".into(),
                    schema_version: 1,
                    payload: payload(s, version),
                    actor: actor(),
                    rules_version: Some("qd148-2023".into()),
                    occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1),
                }],
            };
            let t = Instant::now();
            store.append(request).await?;
            Ok(t.elapsed())
        }
    })
    .await
}

/// The same events as plain single-row INSERTs, one transaction each.
async fn append_baseline(
    baseline: &Baseline,
    streams: &Arc<Vec<Uuid>>,
) -> Result<Run, Box<dyn Error>> {
    let baseline = baseline.clone();
    drive(streams, move |s, stream_id, version| {
        let baseline = baseline.clone();
        async move {
            let row = Row {
                stream_id,
                version,
                event_id: Uuid::now_v7(),
                event_type: "NoteAdded",
                payload: payload(s, version).to_string(),
                actor: actor().user,
                command_id: Uuid::now_v7(),
            };
            let t = Instant::now();
            baseline.insert(row).await?;
            Ok(t.elapsed())
        }
    })
    .await
}

/// Writes `EVENTS_PER_STREAM` versions of every stream with [`WRITERS`] closed-loop
/// writers, each owning every `WRITERS`-th stream; `write(index, stream, version)` returns
/// the latency of one write.
async fn drive<W, Fut>(streams: &Arc<Vec<Uuid>>, write: W) -> Result<Run, Box<dyn Error>>
where
    W: Fn(usize, Uuid, i64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Duration, BoxError>> + Send,
{
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let streams = streams.clone();
        let write = write.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            for version in 1..=EVENTS_PER_STREAM {
                for s in (w..streams.len()).step_by(WRITERS) {
                    latencies.push(write(s, streams[s], version).await?);
                }
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let mut latencies = Latencies::default();
    for t in tasks {
        latencies.extend(t.await?.map_err(|e| e as Box<dyn Error>)?);
    }
    Ok(Run {
        elapsed: started.elapsed(),
        latencies,
    })
}

/// Reads the whole log [`REPLAY_PASSES`] times with `read` (pages of [`REPLAY_PAGE`] after a
/// position, each event as its position, stream, version and parsed payload) and folds it
/// into each stream's last version, checking that positions follow each other. Positions
/// are gapless, so the page after `p` starts at `p + page` and the next pages are fetched
/// while the current one is folded ([`REPLAY_DEPTH`] pages in flight).
async fn replay<S, F, Fut>(source: &S, total: u64, read: F) -> Result<Replay, Box<dyn Error>>
where
    S: Clone,
    F: Fn(S, i64) -> Fut,
    Fut: Future<Output = Result<Vec<(i64, Uuid, i64, Note)>, BoxError>> + Send + 'static,
{
    let started = Instant::now();
    let mut run = Replay::default();
    for _ in 0..REPLAY_PASSES {
        let mut versions: HashMap<Uuid, i64> = HashMap::new();
        let mut next_start = 0;
        let mut in_flight = std::collections::VecDeque::new();
        let mut after = 0;
        let mut count = 0u64;
        loop {
            while in_flight.len() < REPLAY_DEPTH && (next_start as u64) < total {
                let page = read(source.clone(), next_start);
                in_flight.push_back(tokio::spawn(async move {
                    let t = Instant::now();
                    let page = page.await;
                    (t.elapsed(), page)
                }));
                next_start += REPLAY_PAGE as i64;
            }
            let Some(next) = in_flight.pop_front() else {
                break;
            };
            let (took, page) = next.await?;
            run.pages.push(took);
            for (position, stream, version, _) in page.map_err(|e| e.to_string())? {
                if position != after + 1 {
                    return Err(format!("replay expected {} got {position}", after + 1).into());
                }
                after = position;
                versions.insert(stream, version);
                count += 1;
            }
        }
        if count != total || versions.len() != STREAMS * ROUNDS {
            return Err(format!("replay saw {count} events in {} streams", versions.len()).into());
        }
        run.events += count;
    }
    run.elapsed = started.elapsed();
    Ok(run)
}
