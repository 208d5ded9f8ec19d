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
    let insert = "INSERT INTO baseline_events \
        (stream_id, version, event_id, event_type, payload, actor_user, command_id) \
        VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)";
    phases("postgres", store, move |e: Row| {
        let pool = pool.clone();
        async move {
            sqlx::query(insert)
                .bind(e.stream_id)
                .bind(e.version)
                .bind(e.event_id)
                .bind(e.event_type)
                .bind(e.payload)
                .bind(e.actor)
                .bind(e.command_id)
                .execute(&pool)
                .await?;
            Ok(())
        }
    })
    .await
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
    let insert = "INSERT INTO baseline_events \
        (stream_id, version, event_id, event_type, payload, actor_user, command_id) \
        VALUES (?, ?, ?, ?, ?, ?, ?)";
    phases("sqlite", store, move |e: Row| {
        let pool = pool.clone();
        async move {
            sqlx::query(insert)
                .bind(e.stream_id.to_string())
                .bind(e.version)
                .bind(e.event_id.to_string())
                .bind(e.event_type)
                .bind(e.payload)
                .bind(e.actor)
                .bind(e.command_id.to_string())
                .execute(&pool)
                .await?;
            Ok(())
        }
    })
    .await
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

/// Append, baseline, replay and verify on one store.
///
/// The append workload and its baseline run [`ROUNDS`] times, in pairs on fresh streams,
/// which of the two goes first alternating from pair to pair: this machine's speed drifts
/// within seconds, and one pair measured one after the other compares two different
/// machines. The ratio printed is the median of the pairs' ratios (each pair's is listed).
async fn phases<F, Fut>(
    name: &str,
    store: Arc<dyn EventStore>,
    baseline_insert: F,
) -> Result<(), Box<dyn Error>>
where
    F: Fn(Row) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send,
{
    let per_round = STREAMS as u64 * EVENTS_PER_STREAM as u64;
    let (mut store_run, mut baseline_run) = (Run::default(), Run::default());
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let streams: Arc<Vec<Uuid>> = Arc::new((0..STREAMS).map(|_| Uuid::now_v7()).collect());
        let (s, b) = if round % 2 == 0 {
            let s = append_store(&store, &streams).await?;
            (s, append_baseline(&baseline_insert, &streams).await?)
        } else {
            let b = append_baseline(&baseline_insert, &streams).await?;
            (append_store(&store, &streams).await?, b)
        };
        ratios.push(b.elapsed.as_secs_f64() / s.elapsed.as_secs_f64());
        store_run.add(s);
        baseline_run.add(b);
    }
    let round_ratios: Vec<f64> = ratios.iter().map(|r| (r * 100.0).round() / 100.0).collect();
    ratios.sort_by(f64::total_cmp);
    let ratio = ratios[ratios.len() / 2];
    let total = per_round * ROUNDS as u64;
    measure(
        name,
        "append",
        total,
        store_run.elapsed,
        &mut store_run.latencies,
        json!({"writers": WRITERS, "rounds": ROUNDS,
               "ratio_vs_baseline": (ratio * 100.0).round() / 100.0,
               "round_ratios": round_ratios}),
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

    // Replay: the whole log in order, folded into a trivial state, as a follower reads it:
    // payloads as stored text (what the projection runner reads, parsing each payload once
    // into its own types), then with every payload parsed and upcast by the store.
    replay(name, "replay", &store, total, |store, from| async move {
        store.read_all_stored(from, REPLAY_PAGE).await
    })
    .await?;
    replay(
        name,
        "replay_parsed",
        &store,
        total,
        |store, from| async move { store.read_all(from, REPLAY_PAGE).await },
    )
    .await?;

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
    Ok(())
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
async fn append_baseline<F, Fut>(
    insert: &F,
    streams: &Arc<Vec<Uuid>>,
) -> Result<Run, Box<dyn Error>>
where
    F: Fn(Row) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send,
{
    let insert = insert.clone();
    drive(streams, move |s, stream_id, version| {
        let insert = insert.clone();
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
            insert(row).await?;
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
/// position) and folds it into each stream's last version, checking that positions follow
/// each other. Positions are gapless, so the page after `p` starts at `p + page` and the
/// next pages are fetched while the current one is folded ([`REPLAY_DEPTH`] pages in
/// flight).
async fn replay<P, F, Fut>(
    name: &str,
    phase: &str,
    store: &Arc<dyn EventStore>,
    total: u64,
    read: F,
) -> Result<(), Box<dyn Error>>
where
    P: Send + 'static,
    F: Fn(Arc<dyn EventStore>, i64) -> Fut,
    Fut: Future<Output = Result<Vec<ocop_eventstore::RecordedEvent<P>>, ocop_eventstore::StoreError>>
        + Send
        + 'static,
{
    let started = Instant::now();
    let mut pages = Latencies::default();
    let head = store.head().await?.global_position;
    let mut events = 0u64;
    for _ in 0..REPLAY_PASSES {
        let mut versions: HashMap<Uuid, i64> = HashMap::new();
        let mut next_start = 0;
        let mut in_flight = std::collections::VecDeque::new();
        let mut after = 0;
        let mut count = 0u64;
        loop {
            while in_flight.len() < REPLAY_DEPTH && next_start < head {
                let page = read(store.clone(), next_start);
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
            pages.push(took);
            for e in &page? {
                if e.global_position != after + 1 {
                    return Err(
                        format!("replay expected {} got {}", after + 1, e.global_position).into(),
                    );
                }
                after = e.global_position;
                versions.insert(e.stream_id, e.version);
                count += 1;
            }
        }
        if count != total || versions.len() != STREAMS * ROUNDS {
            return Err(format!("replay saw {count} events in {} streams", versions.len()).into());
        }
        events += count;
    }
    let elapsed = started.elapsed();
    measure(
        name,
        phase,
        events,
        elapsed,
        &mut pages,
        json!({"page": REPLAY_PAGE, "pages_in_flight": REPLAY_DEPTH, "passes": REPLAY_PASSES,
               "latency_of": "one page"}),
    );
    Ok(())
}
