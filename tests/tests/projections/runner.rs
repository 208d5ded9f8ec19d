//! The runner: checkpoints, a batch killed before its commit, rebuild, concurrent followers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ocop_projections::read::query::ProductQuery;
use ocop_projections::{Projection, ProjectionError};

use super::support::{TestDb, drive_concurrently, drive_products, lifecycle, runner_on};
use crate::on_both_stores;

async fn setup_is_idempotent(db: &TestDb) {
    let r1 = db.runner(100).await;
    let _r2 = db.runner(100).await;
    let lag = r1.lag().await.unwrap();
    assert_eq!(lag.len(), Projection::ALL.len());
    assert!(lag.iter().all(|l| l.checkpoint == 0 && l.lag == 0));
    assert_eq!(r1.catch_up().await.unwrap(), 0);
}

on_both_stores!(
    setup_is_idempotent_on_sqlite,
    setup_is_idempotent_on_postgres,
    setup_is_idempotent
);

/// Read models set up by a newer version are refused, not dropped back to this version's
/// schema; an older schema is replaced.
async fn a_newer_read_model_schema_is_refused_and_an_older_one_replaced(db: &TestDb) {
    drive_products(&db.service(), 2).await;
    let runner = db.runner(100).await;
    runner.catch_up().await.unwrap();
    let live = db.reads().dump().await.unwrap();
    let set = |v: i64| format!("UPDATE rm_meta SET value = {v} WHERE key = 'schema_version'");

    db.exec(&set(ocop_projections::read::schema::SCHEMA_VERSION + 1))
        .await;
    let other = db.reopen().await;
    let err = ocop_projections::ProjectionRunner::new(
        other.store.clone(),
        other.db.clone(),
        Default::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ProjectionError::NewerSchema { .. }), "{err}");
    assert_eq!(db.reads().dump().await.unwrap(), live, "nothing dropped");

    db.exec(&set(ocop_projections::read::schema::SCHEMA_VERSION - 1))
        .await;
    let older = db.runner(100).await;
    assert_eq!(
        older.lag().await.unwrap()[0].checkpoint,
        0,
        "recreated empty"
    );
    older.catch_up().await.unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
}

on_both_stores!(
    newer_schema_refused_on_sqlite,
    newer_schema_refused_on_postgres,
    a_newer_read_model_schema_is_refused_and_an_older_one_replaced
);

/// A batch that dies after its writes and before its commit leaves nothing behind; the
/// next run applies it once, and the result is what a clean rebuild gives.
async fn a_batch_killed_mid_way_resumes_without_loss_or_duplicates(db: &TestDb) {
    let service = db.service();
    drive_products(&service, 12).await;
    let head = db.head().await;
    let runner = db.runner(37).await;
    runner.catch_up().await.unwrap();
    let before = runner.lag().await.unwrap();
    assert!(before.iter().all(|l| l.lag == 0));

    // More work, then a crash in the middle of catching up.
    drive_products(&service, 6).await;
    let head2 = db.head().await;
    runner.inject_batch_failures(Some(Projection::Products), 1);
    let err = runner.catch_up().await.unwrap_err();
    assert!(matches!(err, ProjectionError::Injected(_)), "{err}");
    let lag = runner.lag().await.unwrap();
    assert_eq!(
        lag[0].checkpoint, head,
        "the failed batch left its checkpoint"
    );
    runner.inject_batch_failures(None, 1);
    assert!(runner.catch_up().await.is_err());
    // Resume.
    assert_eq!(runner.catch_up().await.unwrap(), head2);
    assert_eq!(db.assert_every_event_applied_once().await, 18);
    let live = db.reads().dump().await.unwrap();

    runner.rebuild("all", |_| {}).await.unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
}

on_both_stores!(
    killed_batch_resumes_on_sqlite,
    killed_batch_resumes_on_postgres,
    a_batch_killed_mid_way_resumes_without_loss_or_duplicates
);

/// The live run (many small catch-ups between writes) and a rebuild from zero give the
/// same read models, and the live tables keep answering while the rebuild runs.
async fn a_rebuild_gives_exactly_the_live_read_models(db: &TestDb) {
    let service = db.service();
    let runner = db.runner(25).await;
    for i in 0..14 {
        let life = lifecycle(i, ocop_testkit::sample::path_of(i));
        let half = life.steps.len() / 2;
        super::support::drive(&service, &life, 0..half).await;
        runner.catch_up().await.unwrap();
        super::support::drive(&service, &life, half..life.steps.len()).await;
        runner.catch_up().await.unwrap();
    }
    let live = db.reads().dump().await.unwrap();
    let products = db
        .reads()
        .products(&ProductQuery {
            limit: Some(500),
            ..ProductQuery::default()
        })
        .await
        .unwrap()
        .items
        .len();
    assert_eq!(products, 14);

    // Readers keep getting full answers during the rebuild.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let reads = db.reads();
        let done = done.clone();
        tokio::spawn(async move {
            let mut answers = 0;
            while !done.load(Ordering::SeqCst) || answers == 0 {
                let page = reads
                    .products(&ProductQuery {
                        limit: Some(500),
                        ..ProductQuery::default()
                    })
                    .await
                    .expect("the read side answers during a rebuild");
                assert_eq!(page.items.len(), products);
                answers += 1;
                tokio::task::yield_now().await;
            }
            answers
        })
    };
    let mut reports = 0;
    let report = runner
        .rebuild("all", |p| {
            assert!(p.position <= p.head);
            reports += 1;
        })
        .await
        .unwrap();
    done.store(true, Ordering::SeqCst);
    assert!(reader.await.unwrap() > 0);
    assert!(reports > 0);
    assert_eq!(report.position, db.head().await);
    assert_eq!(db.reads().dump().await.unwrap(), live);

    // Rebuilding one projection by one of its read models' names works the same.
    runner.rebuild("statistics", |_| {}).await.unwrap();
    runner.rebuild("decisions", |_| {}).await.unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
    assert!(runner.rebuild("nonsense", |_| {}).await.is_err());
    // The history is read from the log: there is no copy of it to rebuild.
    assert!(runner.rebuild("history", |_| {}).await.is_err());
}

on_both_stores!(
    rebuild_equals_live_on_sqlite,
    rebuild_equals_live_on_postgres,
    a_rebuild_gives_exactly_the_live_read_models
);

/// Two runners (two processes' views of one database) follow concurrent writers; every
/// event is applied exactly once and the result equals a rebuild.
async fn followers_under_concurrent_writers_apply_every_event_once(db: &TestDb) {
    let other = db.reopen().await;
    let r1 = db.runner(16).await;
    let r2 = runner_on(&other, 9).await;
    let h1 = r1.spawn();
    let h2 = r2.spawn();

    let lives: Vec<_> = (0..24)
        .map(|i| lifecycle(i, ocop_testkit::sample::path_of(i)))
        .collect();
    drive_concurrently(&db.service(), lives, 6).await;
    let head = db.head().await;
    r1.wait_for(head, Duration::from_secs(30)).await.unwrap();
    r2.wait_for(head, Duration::from_secs(30)).await.unwrap();
    h1.stop().await;
    h2.stop().await;

    assert_eq!(db.assert_every_event_applied_once().await, 24);
    let live = db.reads().dump().await.unwrap();
    let stats = db.reads().stats(&[], None).await.unwrap();
    assert_eq!(stats[0].count, 24, "each product counted once");
    r1.rebuild("all", |_| {}).await.unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
    let lag = r2.lag().await.unwrap();
    assert!(lag.iter().all(|l| l.lag == 0 && l.checkpoint == head));
}

on_both_stores!(
    followers_apply_once_on_sqlite,
    followers_apply_once_on_postgres,
    followers_under_concurrent_writers_apply_every_event_once
);

/// Commands keep being recorded while a rebuild runs: the swap applies what came in
/// meanwhile, the live runner carries on from the swapped checkpoint, and the result is
/// what a quiet rebuild gives.
async fn a_rebuild_under_concurrent_writes_loses_nothing(db: &TestDb) {
    let service = db.service();
    drive_products(&service, 10).await;
    let runner = db.runner(20).await;
    let handle = runner.spawn();
    let lives: Vec<_> = (10..22)
        .map(|i| lifecycle(i, ocop_testkit::sample::path_of(i)))
        .collect();
    let writers = tokio::spawn({
        let service = service.clone();
        async move { drive_concurrently(&service, lives, 3).await }
    });
    runner.rebuild("all", |_| {}).await.unwrap();
    writers.await.unwrap();
    let head = db.head().await;
    runner
        .wait_for(head, Duration::from_secs(30))
        .await
        .unwrap();
    handle.stop().await;
    assert_eq!(db.assert_every_event_applied_once().await, 22);
    let live = db.reads().dump().await.unwrap();
    runner.rebuild("all", |_| {}).await.unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
}

on_both_stores!(
    rebuild_under_writes_on_sqlite,
    rebuild_under_writes_on_postgres,
    a_rebuild_under_concurrent_writes_loses_nothing
);

/// A second rebuild started while one is loading takes the shadow tables over: the first
/// stops with `RebuildLost` at its next write instead of writing into the second's tables,
/// and the second leaves exactly the read models the live run has.
async fn a_rebuild_taken_over_by_another_stops_without_writing(db: &TestDb) {
    drive_products(&db.service(), 12).await;
    let first = db.runner(20).await;
    first.catch_up().await.unwrap();
    let live = db.reads().dump().await.unwrap();

    // The first rebuild pauses after its first page until the second (another process:
    // its own thread, runtime and connections) has prepared its tables and folded a page.
    let (started, started_rx) = std::sync::mpsc::channel::<()>();
    let (go, go_rx) = std::sync::mpsc::channel::<()>();
    let url = db.url.clone();
    let taker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let backend = ocop_projections::open(&url).await.unwrap();
            let second = runner_on(&backend, 20).await;
            started_rx.recv().unwrap();
            let mut go = Some(go);
            second
                .rebuild("all", move |_| {
                    if let Some(go) = go.take() {
                        go.send(()).unwrap();
                    }
                })
                .await
                .map(|_| ())
        })
    });
    let mut started = Some(started);
    let lost = first
        .rebuild("all", move |_| {
            if let Some(started) = started.take() {
                started.send(()).unwrap();
                tokio::task::block_in_place(|| go_rx.recv().unwrap());
            }
        })
        .await;
    assert!(
        matches!(lost, Err(ProjectionError::RebuildLost("products"))),
        "{lost:?}"
    );
    taker.join().unwrap().unwrap();
    assert_eq!(db.reads().dump().await.unwrap(), live);
    assert_eq!(db.assert_every_event_applied_once().await, 12);
}

on_both_stores!(
    rebuild_taken_over_on_sqlite,
    rebuild_taken_over_on_postgres,
    a_rebuild_taken_over_by_another_stops_without_writing
);
