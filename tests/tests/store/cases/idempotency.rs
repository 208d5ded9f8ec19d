//! Idempotent appends: a command sent again is answered from its record.

use super::*;

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
