//! What an auditor checks outside the server: the export, the Python verifier, signed checkpoints.

use super::*;

/// The export an auditor runs in `psql` (docs/ledger-canonical-form.md), one JSON per line.
const PG_EXPORT: &str = "SELECT json_build_object(\
    'global_position', global_position, 'stream_id', stream_id, 'version', version, \
    'event_id', event_id, 'event_type', event_type, 'schema_version', schema_version, \
    'recorded_at', to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
    'actor', json_build_object('user', actor_user, 'role', actor_role, 'scope', actor_scope), \
    'command_id', command_id, 'correlation_id', correlation_id, 'causation_id', causation_id, \
    'rules_version', rules_version, 'occurred_on', occurred_on, 'payload', payload, \
    'prev_hash', prev_hash, 'hash', hash)::text FROM events ORDER BY global_position";

/// The same export with the `sqlite3` shell.
const SQLITE_EXPORT: &str = "SELECT json_object(\
    'global_position', global_position, 'stream_id', stream_id, 'version', version, \
    'event_id', event_id, 'event_type', event_type, 'schema_version', schema_version, \
    'recorded_at', recorded_at, \
    'actor', json_object('user', actor_user, 'role', actor_role, 'scope', actor_scope), \
    'command_id', command_id, 'correlation_id', correlation_id, 'causation_id', causation_id, \
    'rules_version', rules_version, 'occurred_on', occurred_on, 'payload', payload, \
    'prev_hash', prev_hash, 'hash', hash) FROM events ORDER BY global_position";

pub async fn an_export_verifies_with_the_python_script_and_tampering_is_found(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    store
        .append(request(
            stream,
            ExpectedVersion::NoStream,
            vec![event(
                "ProductRegistered",
                json!({"name": "Nước mắm Phú Quốc \"đặc biệt\"", "note": "tab\there\u{1}\\", "big": 9007199254740993u64, "list": [{"z": 1, "a": null}]}),
            )],
        ))
        .await
        .unwrap();
    append_n(&store, stream, 1, 5).await;
    let export = match fx.kind {
        Kind::Sqlite => SQLITE_EXPORT,
        Kind::Postgres => PG_EXPORT,
    };
    let lines = fx.texts(export).await;
    assert_eq!(lines.len(), 6);
    let dir = ocop_tests::fresh_dir();
    let good = dir.join("ledger.jsonl");
    std::fs::write(&good, lines.join("\n") + "\n").unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verify_ledger.py");
    let run = |path: std::path::PathBuf| {
        std::process::Command::new("python3")
            .arg(script)
            .arg(path)
            .output()
            .expect("python3 runs")
    };
    let out = run(good);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&store.head().await.unwrap().to_string()),
        "{stdout}"
    );

    let mut tampered = lines.clone();
    let mut row: Value = serde_json::from_str(&tampered[3]).unwrap();
    row["version"] = json!(40);
    tampered[3] = row.to_string();
    let bad = dir.join("tampered.jsonl");
    std::fs::write(&bad, tampered.join("\n") + "\n").unwrap();
    let out = run(bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("position 4"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the hash chain alone cannot see: a suffix deleted behind the triggers and appended
/// again through the store has a chain that recomputes. Checkpoints signed with a key
/// outside the database, kept by an auditor, find it — rewritten or cut short — and a
/// checkpoint whose signature does not verify is reported, not trusted.
pub async fn signed_checkpoints_find_a_suffix_rewritten_or_cut_behind_the_triggers(fx: &Fixture) {
    use ocop_api::checkpoint::{CheckpointKey, log_of, verify_kept};
    let backend = ocop_projections::open(&fx.url).await.unwrap();
    let store = backend.store.clone();
    let log = log_of(&backend.db);
    let key = CheckpointKey::generate().unwrap();
    let public = vec![key.public_hex()];

    append_n(&store, Uuid::now_v7(), 0, 6).await;
    let at_six = key.checkpoint_head(store.as_ref(), &log).await.unwrap();
    assert_eq!(at_six.global_position, 6);
    append_n(&store, Uuid::now_v7(), 0, 4).await;
    let at_ten = key.checkpoint_head(store.as_ref(), &log).await.unwrap();
    assert_eq!(at_ten.global_position, 10);
    // One checkpoint a position, whichever process signed it first.
    assert!(
        !log.record(&key.sign(10, &at_ten.hash, chrono::Utc::now()))
            .await
            .unwrap()
    );
    let kept = log.page(None, 100).await.unwrap();
    assert_eq!(kept, [at_ten.clone(), at_six.clone()]);
    let report = verify_kept(store.as_ref(), &kept, &public).await.unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["checkpoints_checked"], 2);
    let (code, out) = python_checks_checkpoints(fx, &kept, &public[0]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2 signed checkpoints agree"), "{out}");
    // The checkpoints table is append-only too.
    assert!(
        fx.exec("UPDATE ledger_checkpoints SET hash = 'x'")
            .await
            .is_err()
    );
    assert!(fx.exec("DELETE FROM ledger_checkpoints").await.is_err());

    // Positions 7–10 deleted behind the triggers, the head moved back, four other events
    // appended through the store: a chain that recomputes from genesis.
    fx.drop_immutability_triggers().await;
    let move_head_to = |p: i64| {
        format!(
            "DELETE FROM events WHERE global_position > {p}; \
             UPDATE ledger_head SET position = {p}, \
               hash = (SELECT hash FROM events WHERE global_position = {p}) WHERE id = 1;"
        )
    };
    fx.exec(&move_head_to(6)).await.unwrap();
    let store = fx.store().await;
    append_n(&store, Uuid::now_v7(), 0, 4).await;
    let plain = store.verify(None).await.unwrap();
    assert!(plain.ok, "the chain alone cannot see a rewritten suffix");
    assert_eq!(plain.head.global_position, 10);
    let report = verify_kept(store.as_ref(), &kept, &public).await.unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_broken_position"], 10, "{report}");
    assert_eq!(report["failures"][0]["kind"], "rewritten", "{report}");
    assert_eq!(report["failures"][0]["agrees_through"], 6, "{report}");
    assert_eq!(report["failures"].as_array().unwrap().len(), 1, "{report}");
    // The independent script finds it too, with the public key alone.
    let (code, out) = python_checks_checkpoints(fx, &kept, &public[0]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("rewritten at position 10"), "{out}");
    assert!(
        out.contains("agrees with the checkpoint at position 6"),
        "{out}"
    );

    // Cut short after position 8: the log ends before the checkpoint of position 10.
    fx.exec(&move_head_to(8)).await.unwrap();
    let store = fx.store().await;
    assert!(store.verify(None).await.unwrap().ok);
    let report = verify_kept(store.as_ref(), &kept, &public).await.unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["first_broken_position"], 9, "{report}");
    assert_eq!(report["failures"][0]["kind"], "truncated", "{report}");
    let (code, out) = python_checks_checkpoints(fx, &kept, &public[0]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("truncated at position 9"), "{out}");

    // A checkpoint changed after signing (the hash the attacker would like kept) is not
    // trusted: it is reported, and the log is judged by the others.
    let mut forged = at_ten.clone();
    forged.hash = store.head().await.unwrap().hash;
    forged.global_position = 8;
    let forged_too = forged.clone();
    let report = verify_kept(store.as_ref(), &[at_six.clone(), forged], &public)
        .await
        .unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert_eq!(report["checkpoints_checked"], 1, "{report}");
    assert_eq!(
        report["unverified_checkpoints"][0]["global_position"], 8,
        "{report}"
    );
    assert_eq!(report["failures"].as_array().unwrap().len(), 0, "{report}");
    let (code, out) = python_checks_checkpoints(fx, &[forged_too], &public[0]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("the signature does not verify"), "{out}");
    // Checked with another key, no checkpoint is trusted.
    let stranger = CheckpointKey::generate().unwrap().public_hex();
    let report = verify_kept(store.as_ref(), &[at_six], &[stranger])
        .await
        .unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert!(
        report["unverified_checkpoints"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("not among the keys given"),
        "{report}"
    );
}

/// Runs `docs/verify_ledger.py` on the fixture's export with `kept` checkpoints and one
/// public key: its exit code and what it printed.
async fn python_checks_checkpoints(
    fx: &Fixture,
    kept: &[ocop_eventstore::checkpoint::Checkpoint],
    public_key: &str,
) -> (Option<i32>, String) {
    let export = match fx.kind {
        Kind::Sqlite => SQLITE_EXPORT,
        Kind::Postgres => PG_EXPORT,
    };
    let dir = ocop_tests::fresh_dir();
    let ledger = dir.join("ledger.jsonl");
    std::fs::write(&ledger, fx.texts(export).await.join("\n") + "\n").unwrap();
    let checkpoints = dir.join("checkpoints.json");
    std::fs::write(&checkpoints, serde_json::to_string(kept).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/verify_ledger.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&ledger)
        .arg("--checkpoints")
        .arg(&checkpoints)
        .arg("--public-key")
        .arg(public_key)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
