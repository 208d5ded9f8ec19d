//! The ledger checked as an auditor would: `verify` from a digest kept earlier, a row changed
//! behind the triggers found at its exact position, and `docs/verify_ledger.py` recomputing
//! the chain from exports (JSON lines, CSV) and from the SQLite file itself, agreeing with
//! the store's head digest.

use std::path::{Path, PathBuf};
use std::process::Command;

use ocop_eventstore::LedgerDigest;
use ocop_projections::import::legacy::{self as legacy_import, ImportOptions};
use sqlx::{Connection, Row};
use uuid::Uuid;

use super::support::*;

/// The events table, every column as text (null stays null), by position.
const SQLITE_ROWS: &str = "SELECT CAST(global_position AS TEXT), stream_id, CAST(version AS TEXT), \
    event_id, event_type, CAST(schema_version AS TEXT), payload, actor_user, actor_role, \
    actor_scope, command_id, correlation_id, causation_id, rules_version, occurred_on, \
    recorded_at, prev_hash, hash FROM events ORDER BY events.global_position";

const PG_ROWS: &str = "SELECT global_position::text, stream_id::text, version::text, \
    event_id::text, event_type, schema_version::text, payload, actor_user, actor_role, \
    actor_scope, command_id::text, correlation_id::text, causation_id::text, rules_version, \
    to_char(occurred_on, 'YYYY-MM-DD'), \
    to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
    prev_hash, hash FROM events ORDER BY events.global_position";

const COLUMNS: [&str; 18] = [
    "global_position",
    "stream_id",
    "version",
    "event_id",
    "event_type",
    "schema_version",
    "payload",
    "actor_user",
    "actor_role",
    "actor_scope",
    "command_id",
    "correlation_id",
    "causation_id",
    "rules_version",
    "occurred_on",
    "recorded_at",
    "prev_hash",
    "hash",
];

type Rows = Vec<Vec<Option<String>>>;

async fn rows(fx: &Fx) -> Rows {
    let decode = |n: usize, get: &dyn Fn(usize) -> Option<String>| (0..n).map(get).collect();
    match fx.kind {
        Kind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&fx.url).await.unwrap();
            let rows = sqlx::query(SQLITE_ROWS).fetch_all(&mut conn).await.unwrap();
            rows.iter()
                .map(|r| decode(18, &|i| r.try_get::<Option<String>, _>(i).unwrap()))
                .collect()
        }
        Kind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&fx.url).await.unwrap();
            let rows = sqlx::query(PG_ROWS).fetch_all(&mut conn).await.unwrap();
            rows.iter()
                .map(|r| decode(18, &|i| r.try_get::<Option<String>, _>(i).unwrap()))
                .collect()
        }
    }
}

/// JSON lines in the form of `docs/ledger-canonical-form.md` (payload as the stored text).
fn jsonl(rows: &Rows) -> String {
    let mut out = String::new();
    for r in rows {
        let text = |i: usize| serde_json::Value::from(r[i].clone());
        let int =
            |i: usize| serde_json::Value::from(r[i].as_deref().unwrap().parse::<i64>().unwrap());
        let obj = serde_json::json!({
            "global_position": int(0), "stream_id": text(1), "version": int(2),
            "event_id": text(3), "event_type": text(4), "schema_version": int(5),
            "payload": text(6),
            "actor": {"user": text(7), "role": text(8), "scope": text(9)},
            "command_id": text(10), "correlation_id": text(11), "causation_id": text(12),
            "rules_version": text(13), "occurred_on": text(14), "recorded_at": text(15),
            "prev_hash": text(16), "hash": text(17),
        });
        out.push_str(&obj.to_string());
        out.push('\n');
    }
    out
}

/// RFC 4180 CSV of the table's columns (an empty field for null).
fn csv(rows: &Rows) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = COLUMNS.join(",") + "\r\n";
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .map(|c| field(c.as_deref().unwrap_or("")))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Runs the auditor's script; returns (exit code, first line of stdout).
fn script(args: &[&str]) -> (i32, String) {
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/verify_ledger.py"
        ))
        .args(args)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        out.status.code() != Some(2),
        "unusable input: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), stdout)
}

/// Every way the script reads the ledger: JSON lines, CSV, and (SQLite) the file itself.
async fn sources(fx: &Fx, dir: &Path, tag: &str) -> Vec<Vec<String>> {
    let rows = rows(fx).await;
    let mut out = vec![
        vec![
            write(dir, &format!("{tag}.jsonl"), &jsonl(&rows))
                .display()
                .to_string(),
        ],
        vec![
            write(dir, &format!("{tag}.csv"), &csv(&rows))
                .display()
                .to_string(),
        ],
    ];
    if fx.kind == Kind::Sqlite {
        let path = fx
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        out.push(vec!["--sqlite".to_owned(), path]);
    }
    out
}

const LEGACY: &str = "province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,valid_until\n\
68,672,24730,68-672-24730-1-2023,\"Nước mắm \"\"Phan Thiết\"\", loại đặc biệt\",HTX Mũi Né,cooperative,food,4,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15\n";

async fn the_auditors_script_agrees_and_a_tampered_row_is_found_at_its_position(fx: &Fx) {
    // A ledger of real lifecycles, with Vietnamese text, quotes and commas in payloads.
    let first = Uuid::now_v7();
    scored_provincially(fx, first, &[75, 76, 74, 75, 75], &[]).await;
    conclude(fx, first, &secretary(), "2025-09-16").await;
    provincial_4_stars(fx, first).await;
    legacy_import::import_csv(
        &fx.service(),
        LEGACY.as_bytes(),
        &ImportOptions::admin("admin", "lam-dong.csv"),
    )
    .await
    .unwrap();
    let store = &fx.backend.store;
    let kept: LedgerDigest = store.head().await.unwrap().to_string().parse().unwrap();

    let second = Uuid::now_v7();
    scored_provincially(fx, second, &[45, 44, 46, 43, 47], &[]).await;
    conclude(fx, second, &secretary(), "2025-09-16").await;
    decide(
        fx,
        second,
        &secretary(),
        None,
        "170/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
    let head = store.head().await.unwrap();
    assert!(head.global_position > kept.global_position + 5);

    // Nothing changed: verify from genesis and from the kept digest pass.
    let full = store.verify(None).await.unwrap();
    assert!(full.ok, "{full:?}");
    assert_eq!(full.head, head);
    let from_kept = store.verify(Some(kept.clone())).await.unwrap();
    assert!(from_kept.ok, "{from_kept:?}");
    assert_eq!(from_kept.events_checked as i64, head.global_position);
    assert_eq!(from_kept.head, head);

    // The auditor's script agrees with the server's digest on every source.
    let dir = ocop_tests::fresh_dir();
    let kept_arg = kept.to_string();
    for source in sources(fx, &dir, "intact").await {
        let args: Vec<&str> = source.iter().map(String::as_str).collect();
        let (code, out) = script(&args);
        assert_eq!(code, 0, "{source:?}: {out}");
        assert_eq!(
            out,
            format!("ok: {} events checked, head {head}", head.global_position),
            "{source:?}"
        );
        let mut with_digest = args.clone();
        with_digest.extend(["--from", kept_arg.as_str()]);
        let (code, out) = script(&with_digest);
        assert_eq!(code, 0, "{source:?} --from: {out}");
        let mut wrong = args.clone();
        let wrong_digest = format!("{}:{}", kept.global_position, "e".repeat(64));
        wrong.extend(["--from", wrong_digest.as_str()]);
        let (code, out) = script(&wrong);
        assert_eq!(code, 1, "{source:?}: {out}");
        assert!(
            out.starts_with(&format!("broken at position {}", kept.global_position)),
            "{out}"
        );
    }

    // A payload changed behind the triggers, before the kept digest: the recognition of the
    // first product now names another authority.
    let decided = store
        .read_all(0, 1_000)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.stream_id == first && e.event_type == "RecognitionDecided")
        .unwrap()
        .global_position;
    assert!(decided < kept.global_position);
    let (drop_triggers, tamper) = match fx.kind {
        Kind::Sqlite => (
            "DROP TRIGGER events_refuse_update",
            format!(
                "UPDATE events SET payload = replace(payload, 'Lâm Đồng', 'Đắk Nông') \
                 WHERE global_position = {decided}"
            ),
        ),
        Kind::Postgres => (
            "DROP TRIGGER events_refuse_change ON events",
            format!(
                "UPDATE events SET payload = replace(payload, 'Lâm Đồng', 'Đắk Nông') \
                 WHERE global_position = {decided}"
            ),
        ),
    };
    exec(fx, drop_triggers).await;
    exec(fx, &tamper).await;

    for from in [None, Some(kept.clone())] {
        let report = store.verify(from.clone()).await.unwrap();
        assert!(!report.ok, "{from:?}: {report:?}");
        assert_eq!(report.first_broken_position, Some(decided), "{from:?}");
        assert_eq!(report.events_checked as i64, decided - 1);
        assert_eq!(report.head.global_position, decided - 1);
    }
    for source in sources(fx, &dir, "tampered").await {
        let args: Vec<&str> = source.iter().map(String::as_str).collect();
        let (code, out) = script(&args);
        assert_eq!(code, 1, "{source:?}: {out}");
        assert_eq!(
            out,
            format!("broken at position {decided}: hash does not match the content"),
            "{source:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn exec(fx: &Fx, sql: &str) {
    match fx.kind {
        Kind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&fx.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
        Kind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&fx.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_sqlite_ledger_when_an_auditor_recomputes_it_then_the_script_agrees_and_a_tampered_row_is_found_at_its_position()
 {
    let fx = Fx::new(Kind::Sqlite).await;
    the_auditors_script_agrees_and_a_tampered_row_is_found_at_its_position(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_postgres_ledger_when_an_auditor_recomputes_it_then_the_script_agrees_and_a_tampered_row_is_found_at_its_position()
 {
    let fx = Fx::new(Kind::Postgres).await;
    the_auditors_script_agrees_and_a_tampered_row_is_found_at_its_position(&fx).await;
    fx.close().await;
}
