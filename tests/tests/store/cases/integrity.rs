//! The log as a legal record: a follower never skips, rows cannot be changed, the chain finds what was.

use super::*;

pub async fn a_follower_never_skips_an_event_while_writers_commit(fx: &Fixture) {
    const WRITERS: usize = 8;
    const COMMANDS: i64 = 30;
    let store = fx.store().await;
    let (done_tx, done_rx) = tokio::sync::watch::channel(None::<i64>);

    let follower = {
        let store = store.clone();
        let mut done = done_rx;
        tokio::spawn(async move {
            let mut wake = store.subscribe();
            let mut seen: Vec<i64> = Vec::new();
            let mut after = 0;
            loop {
                let page = store.read_all(after, 5).await.unwrap();
                for e in &page {
                    // A position becomes visible only after every lower one.
                    assert_eq!(
                        e.global_position,
                        after + 1,
                        "the follower skipped an event"
                    );
                    after = e.global_position;
                    seen.push(after);
                }
                if !page.is_empty() {
                    continue;
                }
                if let Some(last) = *done.borrow() {
                    if after >= last {
                        return seen;
                    }
                }
                tokio::select! {
                    _ = wake.changed() => {}
                    _ = done.changed() => {}
                    _ = tokio::time::sleep(PATIENCE) => panic!("the follower waited in vain"),
                }
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let stream = Uuid::now_v7();
            let shared = Uuid::from_u128(0xfeed);
            for i in 0..COMMANDS {
                // Some commands carry several events; some go to a stream all writers share.
                let n = 1 + (i + w as i64) % 3;
                let events = (0..n).map(noted).collect();
                let expected = if i == 0 {
                    ExpectedVersion::NoStream
                } else {
                    ExpectedVersion::Any
                };
                store
                    .append(request(stream, expected, events))
                    .await
                    .unwrap();
                if i % 5 == 0 {
                    store
                        .append(request(shared, ExpectedVersion::Any, vec![noted(i)]))
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let head = store.head().await.unwrap();
    done_tx.send(Some(head.global_position)).unwrap();
    let seen = follower.await.unwrap();
    let expected: Vec<i64> = (1..=head.global_position).collect();
    assert_eq!(seen, expected, "every position exactly once, in order");
    assert!(head.global_position > (WRITERS as i64) * COMMANDS);
    assert!(store.verify(None).await.unwrap().ok);
}

pub async fn edited_deleted_or_truncated_rows_are_refused_by_the_database(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    append_n(&store, stream, 0, 3).await;
    let before = store.read_all(0, 100).await.unwrap();

    let mut attempts = vec![
        "UPDATE events SET payload = '{\"n\":99}' WHERE global_position = 2",
        "UPDATE events SET hash = prev_hash",
        "DELETE FROM events WHERE global_position = 3",
        "DELETE FROM events",
        "UPDATE commands SET request_hash = 'x'",
        "DELETE FROM commands",
    ];
    // A row written over the one recorded: an upsert on both stores, and on SQLite the
    // REPLACE conflict resolution, which removes the old row without a delete trigger.
    attempts.extend([
        "INSERT INTO events SELECT * FROM events WHERE global_position = 2 \
         ON CONFLICT (global_position) DO UPDATE SET payload = '{\"n\":99}'",
        "INSERT INTO commands SELECT * FROM commands WHERE true \
         ON CONFLICT (command_id) DO UPDATE SET request_hash = 'x'",
    ]);
    if fx.kind == Kind::Sqlite {
        attempts.extend([
            "INSERT OR REPLACE INTO events SELECT global_position, stream_id, version, event_id, \
             event_type, schema_version, '{\"n\":99}', actor_user, actor_role, actor_scope, \
             command_id, correlation_id, causation_id, rules_version, occurred_on, recorded_at, \
             prev_hash, hash FROM events WHERE global_position = 2",
            "REPLACE INTO events SELECT * FROM events WHERE global_position = 3",
            "INSERT OR REPLACE INTO commands SELECT command_id, 'x', stream_id, first_version, \
             last_version, first_position, last_position, recorded_at FROM commands",
        ]);
    }
    if fx.kind == Kind::Postgres {
        attempts.extend([
            "TRUNCATE events",
            "TRUNCATE events, commands",
            "TRUNCATE commands CASCADE",
        ]);
    }
    for sql in attempts {
        let err = fx.exec(sql).await.expect_err(sql);
        let message = err.to_string();
        assert!(
            message.contains("append-only"),
            "{sql}: refused for another reason: {message}"
        );
    }
    assert_eq!(store.read_all(0, 100).await.unwrap(), before);
    assert!(store.verify(None).await.unwrap().ok);
}

pub async fn a_row_changed_behind_the_triggers_is_found_at_its_position(fx: &Fixture) {
    let store = fx.store().await;
    append_n(&store, Uuid::now_v7(), 0, 4).await;
    append_n(&store, Uuid::now_v7(), 0, 4).await;
    assert!(store.verify(None).await.unwrap().ok);
    fx.drop_immutability_triggers().await;

    // A payload edited with the same meaning but other bytes is still a change.
    fx.exec("UPDATE events SET payload = '{\"n\":5, \"text\":\"x\"}' WHERE global_position = 6")
        .await
        .unwrap();
    let report = store.verify(None).await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_broken_position, Some(6));
    assert_eq!(report.events_checked, 5);
    assert_eq!(report.head.global_position, 5);

    // So is a changed envelope field, at an earlier position.
    fx.exec("UPDATE events SET actor_user = 'someone-else' WHERE global_position = 3")
        .await
        .unwrap();
    assert_eq!(
        store.verify(None).await.unwrap().first_broken_position,
        Some(3)
    );

    // A deleted row is a hole at its position.
    fx.exec("DELETE FROM events WHERE global_position = 2")
        .await
        .unwrap();
    let report = store.verify(None).await.unwrap();
    assert_eq!(report.first_broken_position, Some(2));
    assert_eq!(report.events_checked, 1);
    // A page of the log is the positions it names: the hole leaves it short, never filled
    // from beyond it.
    let positions = |page: Vec<ocop_eventstore::RecordedEvent<String>>| {
        page.iter().map(|e| e.global_position).collect::<Vec<_>>()
    };
    assert_eq!(
        positions(store.read_all_stored(0, 3).await.unwrap()),
        [1, 3]
    );
    assert_eq!(
        positions(store.read_all_stored(1, 1).await.unwrap()),
        [0; 0]
    );
    assert_eq!(
        positions(store.read_all_stored(-5, 7).await.unwrap()),
        [1, 3, 4, 5, 6, 7]
    );
}

pub async fn verify_from_an_earlier_digest_passes_and_a_wrong_digest_fails(fx: &Fixture) {
    let store = fx.store().await;
    append_n(&store, Uuid::now_v7(), 0, 10).await;
    let digest = store.head().await.unwrap();
    let parsed: LedgerDigest = digest.to_string().parse().unwrap();
    assert_eq!(parsed, digest);
    append_n(&store, Uuid::now_v7(), 0, 5).await;

    let report = store.verify(Some(digest.clone())).await.unwrap();
    assert!(report.ok, "{report:?}");
    // The chain is recomputed from genesis and must reach the kept hash at position 10.
    assert_eq!(report.events_checked, 15);
    assert_eq!(report.head, store.head().await.unwrap());

    let full = store.verify(None).await.unwrap();
    assert!(full.ok);
    assert_eq!(full.events_checked, 15);

    let wrong = LedgerDigest {
        global_position: 10,
        hash: "f".repeat(64),
    };
    // The chain holds together: a digest it does not reach is reported as such, apart
    // from a broken chain (a mistyped digest is not tampering, but must not pass).
    let report = store.verify(Some(wrong.clone())).await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_broken_position, None);
    assert_eq!(report.events_checked, 15);
    let mismatch = report.digest_mismatch.unwrap();
    assert_eq!(mismatch.global_position, 10);
    assert_eq!(mismatch.kept_hash, wrong.hash);
    assert_eq!(mismatch.recorded_hash, Some(digest.hash.clone()));

    let beyond = LedgerDigest {
        global_position: 99,
        hash: digest.hash.clone(),
    };
    let report = store.verify(Some(beyond)).await.unwrap();
    assert!(!report.ok);
    assert_eq!(
        report.digest_mismatch.unwrap().recorded_hash,
        None,
        "the log ends before 99"
    );
    assert!("10:abc".parse::<LedgerDigest>().is_err());
}
