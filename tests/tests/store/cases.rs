//! The conformance cases, written once against `dyn EventStore` and a [`Fixture`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use ocop_eventstore::{
    ActorRef, AppendOutcome, AppendRequest, EventStore, ExpectedVersion, GENESIS_HASH,
    LedgerDigest, NewEvent, StoreError, StreamRange,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Fixture, Kind};

const PATIENCE: Duration = Duration::from_secs(20);

fn actor() -> ActorRef {
    ActorRef {
        user: "thu.ky.tinh@quangninh".into(),
        role: "provincial_secretary".into(),
        scope: "province:22".into(),
    }
}

fn event(event_type: &str, payload: Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: event_type.into(),
        schema_version: 1,
        payload,
        actor: actor(),
        rules_version: Some("qd148-2023".into()),
        occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1),
    }
}

fn fingerprint() -> String {
    format!("{:064x}", Uuid::new_v4().as_u128())
}

fn request(stream_id: Uuid, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest {
        stream_id,
        expected,
        command_id: Uuid::now_v7(),
        request_hash: fingerprint(),
        correlation_id: Some(Uuid::now_v7()),
        causation_id: None,
        events,
    }
}

fn noted(n: i64) -> NewEvent {
    event(
        "NoteAdded",
        json!({"n": n, "text": "Hợp tác xã \"Mường Khương\" \\ ghi chú\n"}),
    )
}

async fn append_n(store: &Arc<dyn EventStore>, stream: Uuid, from_version: i64, n: i64) {
    for i in 0..n {
        let v = from_version + i;
        let expected = if v == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(v)
        };
        store
            .append(request(stream, expected, vec![noted(v)]))
            .await
            .expect("append");
    }
}

/// Reads the whole log in pages and checks positions 1, 2, 3… with linked hashes.
async fn assert_gapless_chain(store: &Arc<dyn EventStore>) -> Vec<ocop_eventstore::RecordedEvent> {
    let mut all = Vec::new();
    let mut after = 0;
    let mut prev = GENESIS_HASH.to_owned();
    loop {
        let page = store.read_all(after, 97).await.unwrap();
        if page.is_empty() {
            break;
        }
        for e in page {
            assert_eq!(e.global_position, after + 1, "positions are gapless");
            assert_eq!(e.prev_hash, prev, "each event links to the previous one");
            after = e.global_position;
            prev = e.hash.clone();
            all.push(e);
        }
    }
    let head = store.head().await.unwrap();
    assert_eq!(
        head,
        LedgerDigest {
            global_position: after,
            hash: prev
        }
    );
    all
}

pub async fn an_empty_ledger_has_the_genesis_head_and_verifies(fx: &Fixture) {
    let store = fx.store().await;
    assert_eq!(store.head().await.unwrap(), LedgerDigest::genesis());
    assert_eq!(
        store.head().await.unwrap().to_string(),
        format!("0:{GENESIS_HASH}")
    );
    let report = store.verify(None).await.unwrap();
    assert!(report.ok);
    assert_eq!(report.events_checked, 0);
    assert_eq!(store.stream_version(Uuid::now_v7()).await.unwrap(), 0);
    assert!(store.read_all(0, 10).await.unwrap().is_empty());
    store.ping().await.unwrap();
}

pub async fn appended_events_read_back_with_their_envelope_and_chain(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let mut req = request(
        stream,
        ExpectedVersion::NoStream,
        vec![
            event(
                "ProductRegistered",
                json!({"name": "Chả mực Hạ Long", "nested": {"b": 1, "a": [1, 2]}}),
            ),
            noted(2),
            // Text that looks like the framing of a page read (lengths and colons), four-
            // byte characters, and the optional envelope fields absent.
            NewEvent {
                rules_version: None,
                occurred_on: None,
                ..event(
                    "NoteAdded",
                    json!({"text": "-1:12:34 🍵 ngày 1/3", "": "", "n": -1}),
                )
            },
        ],
    );
    req.causation_id = Some(Uuid::now_v7());
    let outcome = store.append(req.clone()).await.unwrap();
    assert_eq!((outcome.first_version, outcome.last_version), (1, 3));
    assert_eq!((outcome.first_position, outcome.last_position), (1, 3));
    assert!(!outcome.replayed);
    assert_eq!(
        outcome.events,
        vec![
            ("ProductRegistered".to_owned(), 1),
            ("NoteAdded".to_owned(), 2),
            ("NoteAdded".to_owned(), 3)
        ]
    );

    let events = store.read_stream(stream, StreamRange::all()).await.unwrap();
    assert_eq!(events.len(), 3);
    for (e, sent) in events.iter().zip(&req.events) {
        assert_eq!(e.stream_id, stream);
        assert_eq!(e.event_id, sent.event_id);
        assert_eq!(e.event_type, sent.event_type);
        assert_eq!(e.schema_version, sent.schema_version);
        assert_eq!(e.payload, sent.payload);
        assert_eq!(e.actor, sent.actor);
        assert_eq!(e.rules_version, sent.rules_version);
        assert_eq!(e.occurred_on, sent.occurred_on);
        assert_eq!(e.command_id, req.command_id);
        assert_eq!(e.correlation_id, req.correlation_id);
        assert_eq!(e.causation_id, req.causation_id);
        assert_eq!(e.recorded_at, outcome.recorded_at);
    }
    assert_eq!(store.stream_version(stream).await.unwrap(), 3);
    let all = assert_gapless_chain(&store).await;
    assert_eq!(all, events);
    assert!(store.verify(None).await.unwrap().ok);
}

pub async fn two_appends_at_the_same_expected_version_exactly_one_wins(fx: &Fixture) {
    let a = fx.store().await;
    let b = fx.store().await;
    for round in 0..10 {
        let stream = Uuid::now_v7();
        append_n(&a, stream, 0, 1).await;
        // In one process, and across two store instances (as two processes would).
        let other = if round % 2 == 0 { &a } else { &b };
        let (x, y) = tokio::join!(
            a.append(request(stream, ExpectedVersion::Exact(1), vec![noted(1)])),
            other.append(request(stream, ExpectedVersion::Exact(1), vec![noted(1)])),
        );
        let results = [x, y];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "exactly one wins"
        );
        let loser = results.into_iter().find_map(Result::err).unwrap();
        match loser {
            StoreError::Conflict {
                stream_id,
                expected,
                actual,
            } => {
                assert_eq!(stream_id, stream);
                assert_eq!(expected, ExpectedVersion::Exact(1));
                assert_eq!(actual, 2);
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert_eq!(a.stream_version(stream).await.unwrap(), 2);
    }
    assert_gapless_chain(&a).await;
}

pub async fn no_stream_twice_the_second_conflicts(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    store
        .append(request(stream, ExpectedVersion::NoStream, vec![noted(0)]))
        .await
        .unwrap();
    let err = store
        .append(request(stream, ExpectedVersion::NoStream, vec![noted(0)]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: ExpectedVersion::NoStream,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = store
        .append(request(stream, ExpectedVersion::Exact(7), vec![noted(0)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 1, .. }),
        "{err:?}"
    );
    assert_eq!(store.head().await.unwrap().global_position, 1);
}

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

pub async fn a_resent_command_records_nothing_and_returns_the_same_outcome(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let req = request(stream, ExpectedVersion::NoStream, vec![noted(0), noted(1)]);
    let first = store.append(req.clone()).await.unwrap();
    append_n(&store, stream, 2, 1).await;
    let head = store.head().await.unwrap();

    // Sent again after the stream moved on: the original outcome, nothing recorded.
    let again = store.append(req.clone()).await.unwrap();
    assert!(again.replayed);
    assert_eq!(
        AppendOutcome {
            replayed: false,
            ..again.clone()
        },
        first
    );
    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(store.stream_version(stream).await.unwrap(), 3);

    // Also from another process.
    let other = fx.store().await;
    assert_eq!(other.append(req.clone()).await.unwrap(), again);
    let (fingerprint, found) = store.find_command(req.command_id).await.unwrap().unwrap();
    assert_eq!(fingerprint, req.request_hash);
    assert_eq!(found, again);
    assert!(store.find_command(Uuid::now_v7()).await.unwrap().is_none());
}

pub async fn the_same_key_with_different_content_is_refused(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let req = request(stream, ExpectedVersion::NoStream, vec![noted(0)]);
    store.append(req.clone()).await.unwrap();
    let mut changed = request(stream, ExpectedVersion::Exact(1), vec![noted(1)]);
    changed.command_id = req.command_id;
    let err = store.append(changed).await.unwrap_err();
    assert!(
        matches!(err, StoreError::IdempotencyKeyReused { command_id } if command_id == req.command_id),
        "{err:?}"
    );
    assert_eq!(store.stream_version(stream).await.unwrap(), 1);
}

/// Commands sent again among new ones, as a batch of the writer takes them: the new ones
/// are recorded, the one sent again is answered from its record (or refused, when its
/// content changed), and nothing is written twice. On PostgreSQL a key already recorded
/// fails the writer's one-statement path on the commands table's primary key, and the
/// whole batch is planned again under the head lock.
pub async fn commands_sent_again_among_new_ones_are_answered_from_the_record(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let sent = request(stream, ExpectedVersion::NoStream, vec![noted(0)]);
    let first = store.append(sent.clone()).await.unwrap();
    // Later commits, so that the record is not the writer's last one.
    append_n(&store, stream, 1, 2).await;
    let mut changed = request(stream, ExpectedVersion::Exact(3), vec![noted(3)]);
    changed.command_id = sent.command_id;

    for round in 0..5 {
        let mut tasks = Vec::new();
        for i in 0..10 {
            let store = store.clone();
            let req = match i {
                3 => sent.clone(),
                7 => changed.clone(),
                _ => request(Uuid::now_v7(), ExpectedVersion::NoStream, vec![noted(i)]),
            };
            tasks.push(tokio::spawn(async move { store.append(req).await }));
        }
        for (i, t) in tasks.into_iter().enumerate() {
            match (i, t.await.unwrap()) {
                (3, Ok(again)) => {
                    assert!(again.replayed, "round {round}");
                    assert_eq!(again.last_position, first.last_position);
                }
                (7, Err(StoreError::IdempotencyKeyReused { command_id })) => {
                    assert_eq!(command_id, sent.command_id);
                }
                (3 | 7, other) => panic!("round {round}, request {i}: {other:?}"),
                (_, Ok(new)) => assert!(!new.replayed),
                (_, Err(e)) => panic!("round {round}, request {i}: {e:?}"),
            }
        }
    }
    assert_eq!(store.stream_version(stream).await.unwrap(), 3);
    assert_eq!(assert_gapless_chain(&store).await.len(), 3 + 5 * 8);
}

pub async fn concurrent_identical_commands_are_recorded_once(fx: &Fixture) {
    let a = fx.store().await;
    let b = fx.store().await;
    let stream = Uuid::now_v7();
    let req = request(stream, ExpectedVersion::NoStream, vec![noted(0), noted(1)]);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let req = req.clone();
        tasks.push(tokio::spawn(async move { store.append(req).await }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().expect("every copy gets the outcome"));
    }
    assert_eq!(outcomes.iter().filter(|o| !o.replayed).count(), 1);
    let original = outcomes.iter().find(|o| !o.replayed).unwrap().clone();
    for o in &outcomes {
        assert_eq!(
            AppendOutcome {
                replayed: false,
                ..o.clone()
            },
            original
        );
    }
    assert_eq!(a.head().await.unwrap().global_position, 2);
    assert_eq!(a.stream_version(stream).await.unwrap(), 2);
}

pub async fn read_stream_honours_version_and_time_ranges(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let other = Uuid::now_v7();
    let mut outcomes = Vec::new();
    for v in 0..5 {
        let expected = if v == 0 {
            ExpectedVersion::NoStream
        } else {
            ExpectedVersion::Exact(v)
        };
        outcomes.push(
            store
                .append(request(stream, expected, vec![noted(v)]))
                .await
                .unwrap(),
        );
        store
            .append(request(other, ExpectedVersion::Any, vec![noted(v)]))
            .await
            .unwrap();
    }
    let versions = |events: Vec<ocop_eventstore::RecordedEvent>| {
        events.into_iter().map(|e| e.version).collect::<Vec<_>>()
    };
    let read = |range| store.read_stream(stream, range);
    assert_eq!(
        versions(read(StreamRange::all()).await.unwrap()),
        vec![1, 2, 3, 4, 5]
    );
    let range = StreamRange {
        from_version: 2,
        to_version: Some(4),
        recorded_until: None,
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![2, 3, 4]);
    let range = StreamRange {
        from_version: 4,
        ..StreamRange::all()
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![4, 5]);
    let range = StreamRange {
        recorded_until: Some(outcomes[2].recorded_at),
        ..StreamRange::all()
    };
    assert_eq!(versions(read(range).await.unwrap()), vec![1, 2, 3]);
    let before_first = outcomes[0].recorded_at - chrono::Duration::microseconds(1);
    let range = StreamRange {
        recorded_until: Some(before_first),
        ..StreamRange::all()
    };
    assert!(read(range).await.unwrap().is_empty());
    let range = StreamRange {
        from_version: 6,
        ..StreamRange::all()
    };
    assert!(read(range).await.unwrap().is_empty());
    // recorded_at never decreases along the log.
    let all = store.read_all(0, 100).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at));
}

/// Reading the log stream by stream: every event up to the given position exactly once,
/// each stream's events together and in version order, streams in id order, pages
/// continuing from the key of the last event read; nothing after the position.
pub async fn the_log_read_stream_by_stream_holds_every_event_once(fx: &Fixture) {
    let store = fx.store().await;
    // Seven streams written in turns, so that each one's events are spread over the log.
    let streams: Vec<Uuid> = (0..7).map(|_| Uuid::new_v4()).collect();
    for round in 0..4_i64 {
        for (i, stream) in streams.iter().enumerate() {
            let n = 1 + (i as i64 + round) % 3;
            let expected = if round == 0 {
                ExpectedVersion::NoStream
            } else {
                ExpectedVersion::Any
            };
            let events = (0..n).map(noted).collect();
            store
                .append(request(*stream, expected, events))
                .await
                .unwrap();
        }
    }
    let up_to = store.head().await.unwrap().global_position;
    // Written after the position asked for: not read.
    store
        .append(request(streams[0], ExpectedVersion::Any, vec![noted(99)]))
        .await
        .unwrap();

    for page_size in [1, 4, 1_000] {
        let mut read = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .read_streams_stored(after, up_to, page_size)
                .await
                .unwrap();
            assert!(page.len() <= page_size);
            let Some(last) = page.last() else { break };
            after = Some((last.stream_id, last.version));
            read.extend(page);
        }
        let keys: Vec<(Uuid, i64)> = read.iter().map(|e| (e.stream_id, e.version)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "stream by stream, versions in order");
        let mut positions: Vec<i64> = read.iter().map(|e| e.global_position).collect();
        positions.sort_unstable();
        assert_eq!(
            positions,
            (1..=up_to).collect::<Vec<_>>(),
            "every event once"
        );
        for stream in &streams {
            let versions: Vec<i64> = read
                .iter()
                .filter(|e| e.stream_id == *stream)
                .map(|e| e.version)
                .collect();
            let n = versions.len() as i64;
            assert_eq!(versions, (1..=n).collect::<Vec<_>>());
        }
        // The same events as the log in position order, payloads as stored.
        let by_position = store.read_all_stored(0, 1_000).await.unwrap();
        for e in &read {
            assert_eq!(e, &by_position[(e.global_position - 1) as usize]);
        }
    }
}

/// The real example: `ProductRegistered` schema 1 had a flat producer; schema 2 nests it.
fn product_registered_v1_to_v2(
    event_type: &str,
    schema_version: i32,
    payload: Value,
) -> Result<(i32, Value), String> {
    match (event_type, schema_version) {
        ("ProductRegistered", 1) => {
            let Value::Object(mut map) = payload else {
                return Err("payload is not an object".into());
            };
            let name = map.remove("producer_name").ok_or("no producer_name")?;
            let kind = map.remove("producer_kind").ok_or("no producer_kind")?;
            map.insert(
                "producer".into(),
                json!({"name": name, "kind": kind, "tax_code": null}),
            );
            Ok((2, Value::Object(map)))
        }
        _ => Ok((schema_version, payload)),
    }
}

pub async fn old_schema_versions_are_upcast_on_read_and_hashed_as_stored(fx: &Fixture) {
    let store = fx.store_with(product_registered_v1_to_v2).await;
    let stream = Uuid::now_v7();
    let old = json!({"name": "Mật ong bạc hà", "producer_name": "HTX Mèo Vạc", "producer_kind": "cooperative"});
    store
        .append(request(
            stream,
            ExpectedVersion::NoStream,
            vec![event("ProductRegistered", old.clone())],
        ))
        .await
        .unwrap();
    let e = &store.read_stream(stream, StreamRange::all()).await.unwrap()[0];
    assert_eq!(e.schema_version, 2);
    assert_eq!(
        e.payload,
        json!({"name": "Mật ong bạc hà", "producer": {"name": "HTX Mèo Vạc", "kind": "cooperative", "tax_code": null}})
    );
    assert_eq!(store.read_all(0, 10).await.unwrap()[0], *e);
    // The stored bytes are the schema-1 bytes, and the chain is over them.
    let stored = fx
        .texts("SELECT payload FROM events WHERE global_position = 1")
        .await;
    assert_eq!(serde_json::from_str::<Value>(&stored[0]).unwrap(), old);
    // Read without parsing: the stored text at the stored version, the same envelope.
    let unparsed = &store.read_all_stored(0, 10).await.unwrap()[0];
    assert_eq!(unparsed.payload, stored[0]);
    assert_eq!(
        (
            unparsed.schema_version,
            unparsed.global_position,
            &unparsed.hash
        ),
        (1, e.global_position, &e.hash)
    );
    assert!(store.verify(None).await.unwrap().ok);
    // Without the upcaster the same row reads as it was written.
    let plain = fx.store_with(ocop_eventstore::no_upcast).await;
    let raw = &plain.read_stream(stream, StreamRange::all()).await.unwrap()[0];
    assert_eq!((raw.schema_version, &raw.payload), (1, &old));
    assert_eq!(raw.hash, e.hash);
}

pub async fn group_commit_checks_each_request_against_its_own_expected_version(fx: &Fixture) {
    let store = fx.store().await;
    let streams: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    for s in &streams {
        append_n(&store, *s, 0, 1).await;
    }
    let mut tasks = Vec::new();
    for s in &streams {
        for _ in 0..8 {
            let store = store.clone();
            let req = request(*s, ExpectedVersion::Exact(1), vec![noted(1)]);
            tasks.push(tokio::spawn(async move { store.append(req).await }));
        }
    }
    for _ in 0..16 {
        let store = store.clone();
        let req = request(
            Uuid::now_v7(),
            ExpectedVersion::Any,
            vec![noted(0), noted(1)],
        );
        tasks.push(tokio::spawn(async move { store.append(req).await }));
    }
    let mut recorded = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(o) => recorded.push(o),
            Err(StoreError::Conflict {
                expected: ExpectedVersion::Exact(1),
                actual: 2,
                ..
            }) => conflicts += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(recorded.len(), 8 + 16);
    assert_eq!(conflicts, 8 * 7);
    for s in &streams {
        assert_eq!(store.stream_version(*s).await.unwrap(), 2);
    }
    // Commands committed together share their transaction's timestamp: some did.
    let mut per_batch: HashMap<_, usize> = HashMap::new();
    for o in &recorded {
        *per_batch.entry(o.recorded_at).or_default() += 1;
    }
    assert!(
        per_batch.values().any(|n| *n > 1),
        "no two commands shared a commit"
    );
    let all = assert_gapless_chain(&store).await;
    assert_eq!(all.len(), 8 + 8 + 32);
    assert!(store.verify(None).await.unwrap().ok);
}

pub async fn an_event_id_already_recorded_fails_only_its_own_command(fx: &Fixture) {
    let store = fx.store().await;
    let first = noted(0);
    store
        .append(request(
            Uuid::now_v7(),
            ExpectedVersion::NoStream,
            vec![first.clone()],
        ))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        let ev = if i == 5 { first.clone() } else { noted(i) };
        let req = request(Uuid::now_v7(), ExpectedVersion::NoStream, vec![ev]);
        tasks.push(tokio::spawn(async move { store.append(req).await }));
    }
    let mut ok = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Invalid(_)) if i == 5 => {}
            Err(e) => panic!("request {i}: {e:?}"),
        }
    }
    assert_eq!(ok, 11);
    assert_eq!(assert_gapless_chain(&store).await.len(), 12);
}

pub async fn malformed_appends_are_refused_and_record_nothing(fx: &Fixture) {
    let store = fx.store().await;
    let stream = Uuid::now_v7();
    let empty = request(stream, ExpectedVersion::NoStream, vec![]);
    assert!(matches!(
        store.append(empty).await,
        Err(StoreError::Invalid(_))
    ));
    let float = request(
        stream,
        ExpectedVersion::NoStream,
        vec![event("ScorecardRecorded", json!({"total": 69.99}))],
    );
    assert!(matches!(
        store.append(float).await,
        Err(StoreError::Invalid(_))
    ));
    let mut bad_hash = request(stream, ExpectedVersion::NoStream, vec![noted(0)]);
    bad_hash.request_hash = "not a hash".into();
    assert!(matches!(
        store.append(bad_hash).await,
        Err(StoreError::Invalid(_))
    ));
    let same = noted(0);
    let twice = request(stream, ExpectedVersion::NoStream, vec![same.clone(), same]);
    assert!(matches!(
        store.append(twice).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.head().await.unwrap(), LedgerDigest::genesis());
}

pub async fn subscribe_wakes_on_commits_in_this_and_other_processes(fx: &Fixture) {
    let writer = fx.store().await;
    let elsewhere = fx.store().await;
    let mut here = writer.subscribe();
    let mut there = elsewhere.subscribe();
    assert_eq!(*here.borrow_and_update(), 0);
    let outcome = writer
        .append(request(
            Uuid::now_v7(),
            ExpectedVersion::NoStream,
            vec![noted(0), noted(1)],
        ))
        .await
        .unwrap();
    let last = outcome.last_position;
    tokio::time::timeout(PATIENCE, here.wait_for(|p| *p >= last))
        .await
        .expect("woken in the writing process")
        .unwrap();
    tokio::time::timeout(PATIENCE, there.wait_for(|p| *p >= last))
        .await
        .expect("woken in another process")
        .unwrap();
    // A later store starts from the current head.
    assert_eq!(*fx.store().await.subscribe().borrow(), last);
}

pub async fn two_processes_appending_keep_positions_gapless_and_the_chain_intact(fx: &Fixture) {
    let a = fx.store().await;
    let b = fx.store().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let stream = Uuid::now_v7();
            append_n(&store, stream, 0, 20).await;
            stream
        }));
    }
    let mut streams = HashSet::new();
    for t in tasks {
        streams.insert(t.await.unwrap());
    }
    for s in &streams {
        assert_eq!(b.stream_version(*s).await.unwrap(), 20);
    }
    let all = assert_gapless_chain(&b).await;
    assert_eq!(all.len(), 160);
    let report = a.verify(None).await.unwrap();
    assert!(report.ok);
    assert_eq!(report.events_checked, 160);
}

/// A writer that remembers what its own last commit left (the head, its streams' versions)
/// must not trust it once another process has committed: every check still sees the truth.
pub async fn what_a_writer_remembers_is_not_trusted_after_another_process_commits(fx: &Fixture) {
    let a = fx.store().await;
    let b = fx.store().await;
    let mine = Uuid::now_v7();
    let theirs = Uuid::now_v7();
    append_n(&a, mine, 0, 2).await;
    append_n(&b, theirs, 0, 3).await;
    // `b` moved `mine` on, and reused a command key, behind `a`'s back.
    append_n(&b, mine, 2, 1).await;
    let reused = request(theirs, ExpectedVersion::Exact(3), vec![noted(3)]);
    let first = b.append(reused.clone()).await.unwrap();

    // `a` last saw `mine` at 2; it is at 3.
    let err = a
        .append(request(mine, ExpectedVersion::Exact(2), vec![noted(9)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 3, .. }),
        "{err:?}"
    );
    // A stream `a` never wrote, expected at a version it is not at.
    let err = a
        .append(request(theirs, ExpectedVersion::Exact(2), vec![noted(9)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 4, .. }),
        "{err:?}"
    );
    let err = a
        .append(request(theirs, ExpectedVersion::NoStream, vec![noted(9)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 4, .. }),
        "{err:?}"
    );
    // Expected ahead of where the stream is: no unique key would catch this one.
    let err = a
        .append(request(theirs, ExpectedVersion::Exact(7), vec![noted(9)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { actual: 4, .. }),
        "{err:?}"
    );
    // The command `b` recorded, sent again through `a`, is answered from the record.
    let again = a.append(reused).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.last_position, first.last_position);
    // `a` goes on writing from the real head, also when the head moved between its commits
    // and nothing of what it remembers changed.
    append_n(&a, mine, 3, 2).await;
    append_n(&b, Uuid::now_v7(), 0, 1).await;
    append_n(&a, mine, 5, 1).await;
    let any = a
        .append(request(mine, ExpectedVersion::Any, vec![noted(6)]))
        .await
        .unwrap();
    assert_eq!(any.first_version, 7);
    assert_eq!(
        assert_gapless_chain(&a).await.len(),
        2 + 3 + 1 + 1 + 2 + 1 + 1 + 1
    );
    assert!(b.verify(None).await.unwrap().ok);
}

/// A stream another process wrote before this writer's last commit: the head has not moved
/// since, but the writer never read the stream, so whatever a request expects of it is
/// checked against the log — behind, ahead (which no unique key would catch: version 6
/// after version 2 is no duplicate), absent, or right.
pub async fn a_stream_the_writer_has_not_read_is_checked_whatever_it_is_expected_at(fx: &Fixture) {
    let a = fx.store().await;
    let b = fx.store().await;
    let streams: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    for s in &streams {
        append_n(&a, *s, 0, 2).await;
    }
    // `b` commits once: from now on its head is the log's, and it has read none of those.
    append_n(&b, Uuid::now_v7(), 0, 1).await;
    for (stream, expected) in streams.iter().zip([
        ExpectedVersion::Exact(1),
        ExpectedVersion::Exact(5),
        ExpectedVersion::NoStream,
    ]) {
        let err = b
            .append(request(*stream, expected, vec![noted(9)]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict { actual: 2, .. }),
            "{expected:?}: {err:?}"
        );
    }
    let right = b
        .append(request(
            streams[3],
            ExpectedVersion::Exact(2),
            vec![noted(2)],
        ))
        .await
        .unwrap();
    assert_eq!((right.first_version, right.first_position), (3, 10));
    for s in &streams[..3] {
        assert_eq!(b.stream_version(*s).await.unwrap(), 2);
    }
    assert_eq!(assert_gapless_chain(&b).await.len(), 10);
}

/// PostgreSQL: the server cuts every connection of a process (a restart, a failover, an
/// operator's `pg_terminate_backend`). Its writer, idle, opens a new connection by itself;
/// it still learns of commits made meanwhile by other processes — the notifications sent
/// while it had no connection are lost, so it reads the head — and its next append is
/// recorded, after theirs, with nothing lost or repeated.
pub async fn a_writer_whose_connection_was_cut_catches_up_and_appends_again(fx: &Fixture) {
    assert_eq!(fx.kind, Kind::Postgres, "a server connection to cut");
    let cut = fx.store().await;
    let mine = Uuid::now_v7();
    append_n(&cut, mine, 0, 2).await;
    let mut heard = cut.subscribe();
    fx.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await
    .unwrap();

    // Another process, started after the cut, appends.
    let other = fx.store().await;
    append_n(&other, Uuid::now_v7(), 0, 3).await;
    tokio::time::timeout(PATIENCE, heard.wait_for(|p| *p >= 5))
        .await
        .expect("the cut process learns of the other's commits")
        .unwrap();

    let outcome = cut
        .append(request(mine, ExpectedVersion::Exact(2), vec![noted(2)]))
        .await
        .expect("the first append after the cut is recorded");
    assert_eq!(outcome.first_position, 6);
    tokio::time::timeout(PATIENCE, other.subscribe().wait_for(|p| *p >= 6))
        .await
        .expect("the other process hears the cut one again")
        .unwrap();
    assert_eq!(assert_gapless_chain(&cut).await.len(), 6);
}

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

pub async fn a_group_is_recorded_whole_or_not_at_all_even_across_processes(fx: &Fixture) {
    let store = fx.store().await;
    let taken = Uuid::now_v7();
    append_n(&store, taken, 0, 1).await;
    let head = store.head().await.unwrap();

    // One request of three expects a version its stream is not at: nothing is recorded.
    let fresh = [Uuid::now_v7(), Uuid::now_v7()];
    let group = vec![
        request(fresh[0], ExpectedVersion::NoStream, vec![noted(0)]),
        request(taken, ExpectedVersion::NoStream, vec![noted(0)]),
        request(fresh[1], ExpectedVersion::NoStream, vec![noted(0)]),
    ];
    let refused = store.append_all(group.clone()).await.unwrap_err();
    assert!(
        matches!(refused, StoreError::Conflict { stream_id, actual: 1, .. } if stream_id == taken),
        "{refused:?}"
    );
    assert_eq!(store.head().await.unwrap(), head);
    for s in fresh {
        assert_eq!(store.stream_version(s).await.unwrap(), 0);
    }
    for r in &group {
        if r.stream_id != taken {
            assert!(store.find_command(r.command_id).await.unwrap().is_none());
        }
    }

    // Without it, the group is recorded in one transaction, in order, gapless.
    let group: Vec<AppendRequest> = group.into_iter().filter(|r| r.stream_id != taken).collect();
    let recorded = store.append_all(group.clone()).await.unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].first_position, head.global_position + 1);
    assert_eq!(recorded[1].first_position, head.global_position + 2);
    assert!(recorded.iter().all(|o| !o.replayed));
    assert_gapless_chain(&store).await;

    // Sent again, from another process too: the recorded outcomes, nothing new.
    let other = fx.store().await;
    let head = store.head().await.unwrap();
    for s in [&store, &other] {
        let again = s.append_all(group.clone()).await.unwrap();
        assert!(again.iter().all(|o| o.replayed));
        assert_eq!(again[0].first_position, recorded[0].first_position);
    }
    assert_eq!(store.head().await.unwrap(), head);

    // A group naming one stream twice, or none, is refused before it reaches the writer.
    let twice = vec![
        request(taken, ExpectedVersion::Exact(1), vec![noted(1)]),
        request(taken, ExpectedVersion::Exact(2), vec![noted(2)]),
    ];
    assert!(matches!(
        store.append_all(twice).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.append_all(Vec::new()).await,
        Err(StoreError::Invalid(_))
    ));
}
