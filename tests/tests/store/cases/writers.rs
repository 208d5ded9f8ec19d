//! The writer: group commit, refusals of one command, several processes, a cut connection.

use super::*;

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
