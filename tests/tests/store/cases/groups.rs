//! Decisions over many streams: a group is recorded whole or not at all.

use super::*;

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
