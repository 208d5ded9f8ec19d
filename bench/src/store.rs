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
use sqlx::Connection;
use uuid::Uuid;

use crate::report::{Latencies, measure};

const STREAMS: usize = 2_000;
const EVENTS_PER_STREAM: i64 = 10;
const WRITERS: usize = 8;
const REPLAY_PAGE: usize = 2_000;
const REPLAY_DEPTH: usize = 3;
/// Replays of the whole log measured together: one pass of 20,000 events takes ≈ 0.1 s,
/// too short to time alone.
const REPLAY_PASSES: usize = 5;

type BoxError = Box<dyn Error + Send + Sync>;

/// Runs every store phase on PostgreSQL, then on SQLite.
pub async fn run() -> Result<(), Box<dyn Error>> {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned());
    let name = format!("ocop_bench_{}", Uuid::new_v4().simple());
    let url = create_pg_database(&admin, &name).await?;
    let result = postgres(&url).await;
    drop_pg_database(&admin, &name).await;
    result?;

    let dir = std::env::temp_dir()
        .join("ocop-bench")
        .join(Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir)?;
    let result = sqlite(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
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
    let url = format!("sqlite://{}?mode=rwc", dir.join("ledger.db").display());
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(&url).await?);
    let options = format!("sqlite://{}?mode=rwc", dir.join("baseline.db").display())
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
async fn phases<F, Fut>(
    name: &str,
    store: Arc<dyn EventStore>,
    baseline_insert: F,
) -> Result<(), Box<dyn Error>>
where
    F: Fn(Row) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send,
{
    let streams: Arc<Vec<Uuid>> = Arc::new((0..STREAMS).map(|_| Uuid::now_v7()).collect());
    let total = STREAMS as u64 * EVENTS_PER_STREAM as u64;

    // Append through the store: one event per command, each with its expected version.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        let streams = streams.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            for version in 0..EVENTS_PER_STREAM {
                for s in (w..STREAMS).step_by(WRITERS) {
                    let expected = if version == 0 {
                        ExpectedVersion::NoStream
                    } else {
                        ExpectedVersion::Exact(version)
                    };
                    let request = AppendRequest {
                        stream_id: streams[s],
                        expected,
                        command_id: Uuid::now_v7(),
                        request_hash: format!("{:064x}", Uuid::new_v4().as_u128()),
                        correlation_id: None,
                        causation_id: None,
                        events: vec![NewEvent {
                            event_id: Uuid::now_v7(),
                            event_type: "NoteAdded".into(),
                            schema_version: 1,
                            payload: payload(s, version + 1),
                            actor: actor(),
                            rules_version: Some("qd148-2023".into()),
                            occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1),
                        }],
                    };
                    let t = Instant::now();
                    store.append(request).await?;
                    latencies.push(t.elapsed());
                }
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let mut latencies = Latencies::default();
    for t in tasks {
        latencies.extend(t.await?.map_err(|e| e as Box<dyn Error>)?);
    }
    let store_elapsed = started.elapsed();

    // The baseline: the same events as plain single-row INSERTs, one transaction each.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let streams = streams.clone();
        let insert = baseline_insert.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            for version in 0..EVENTS_PER_STREAM {
                for s in (w..STREAMS).step_by(WRITERS) {
                    let row = Row {
                        stream_id: streams[s],
                        version: version + 1,
                        event_id: Uuid::now_v7(),
                        event_type: "NoteAdded",
                        payload: payload(s, version + 1).to_string(),
                        actor: actor().user,
                        command_id: Uuid::now_v7(),
                    };
                    let t = Instant::now();
                    insert(row).await?;
                    latencies.push(t.elapsed());
                }
            }
            Ok::<_, BoxError>(latencies)
        }));
    }
    let mut baseline = Latencies::default();
    for t in tasks {
        baseline.extend(t.await?.map_err(|e| e as Box<dyn Error>)?);
    }
    let baseline_elapsed = started.elapsed();
    let ratio = baseline_elapsed.as_secs_f64() / store_elapsed.as_secs_f64();
    measure(
        name,
        "append",
        total,
        store_elapsed,
        &mut latencies,
        json!({"writers": WRITERS, "ratio_vs_baseline": (ratio * 100.0).round() / 100.0}),
    );
    measure(
        name,
        "append_baseline",
        total,
        baseline_elapsed,
        &mut baseline,
        json!({"writers": WRITERS, "what": "single-row INSERT, one transaction each"}),
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
        if count != total || versions.len() != STREAMS {
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
