//! Appends: the genesis head, the envelope read back, optimistic concurrency.

use super::*;

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
