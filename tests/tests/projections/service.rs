//! The command service: retry on a lost race, conflicts, idempotent replay, domain
//! rejections, as-of replay and the recognition valid on a date.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ocop_domain::CommandBody;
use ocop_domain::commands::RecordScorecard;
use ocop_eventstore::{
    AppendOutcome, AppendRequest, EventStore, ExpectedVersion, LedgerDigest, RecordedEvent,
    StoreError, StreamRange, VerifyReport,
};
use ocop_projections::command::codec;
use ocop_projections::command::service::{CommandService, ExecuteOptions, ServiceError};
use ocop_projections::read::query::ProductQuery;
use ocop_testkit::sample::Path;
use uuid::Uuid;

use super::support::{TestDb, drive, fresh_options, lifecycle};
use crate::on_both_stores;

/// A store that lets another writer win the first append it is asked for.
struct RacingStore {
    inner: Arc<dyn EventStore>,
    rival: Mutex<Option<AppendRequest>>,
}

#[async_trait]
impl EventStore for RacingStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let rival = self.rival.lock().unwrap().take();
        if let Some(rival) = rival {
            self.inner.append(rival).await.expect("the rival's append");
        }
        self.inner.append(request).await
    }
    async fn append_all(
        &self,
        requests: Vec<AppendRequest>,
    ) -> Result<Vec<AppendOutcome>, StoreError> {
        self.inner.append_all(requests).await
    }
    async fn find_command(
        &self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError> {
        self.inner.find_command(command_id).await
    }
    async fn read_stream(
        &self,
        stream_id: Uuid,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream_id, range).await
    }
    async fn stream_version(&self, stream_id: Uuid) -> Result<i64, StoreError> {
        self.inner.stream_version(stream_id).await
    }
    async fn read_all(&self, after: i64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, limit).await
    }
    async fn read_streams_stored(
        &self,
        after: Option<(Uuid, i64)>,
        up_to_position: i64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent<String>>, StoreError> {
        self.inner
            .read_streams_stored(after, up_to_position, limit)
            .await
    }
    async fn head(&self) -> Result<LedgerDigest, StoreError> {
        self.inner.head().await
    }
    async fn verify(&self, from: Option<LedgerDigest>) -> Result<VerifyReport, StoreError> {
        self.inner.verify(from).await
    }
    fn subscribe(&self) -> tokio::sync::watch::Receiver<i64> {
        self.inner.subscribe()
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

fn card(life: &ocop_testkit::sample::Lifecycle, member: &str) -> ocop_domain::Command {
    let mut command = life.command(4, Uuid::now_v7());
    if let CommandBody::RecordScorecard(RecordScorecard { member_id, .. }) = &mut command.body {
        *member_id = member.to_owned();
    }
    command
}

/// Two secretaries record different members' cards at the same moment without If-Match:
/// the loser is decided again on the new state and both succeed. With a stale If-Match
/// the conflict is returned.
async fn a_lost_race_is_decided_again_and_a_stale_version_conflicts(db: &TestDb) {
    let service = db.service();
    let life = lifecycle(1, Path::Recognized);
    drive(&service, &life, 0..4).await; // registered, opened, assessed, council convened
    let loaded = service.load(life.product_id).await.unwrap();
    assert_eq!(loaded.version, 4);

    // The rival's card for m2, decided on the same state, appended first.
    let rival_events = ocop_domain::decide(&loaded.state, &card(&life, "m2")).unwrap();
    let rival = AppendRequest {
        stream_id: life.product_id,
        expected: ExpectedVersion::Exact(4),
        command_id: Uuid::new_v4(),
        request_hash: "a".repeat(64),
        correlation_id: None,
        causation_id: None,
        events: rival_events
            .iter()
            .map(|e| codec::to_new_event(e).unwrap())
            .collect(),
    };
    let racing = CommandService::new(Arc::new(RacingStore {
        inner: db.backend.store.clone(),
        rival: Mutex::new(Some(rival)),
    }));
    let outcome = racing
        .execute(card(&life, "m1"), fresh_options("m1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(outcome.version, 6, "decided again after the rival's card");
    let state = service.load(life.product_id).await.unwrap().state;
    let council = state.current_evaluation.unwrap().councils.pop().unwrap();
    let mut members: Vec<_> = council
        .scorecards
        .iter()
        .map(|c| c.member_id.clone())
        .collect();
    members.sort();
    assert_eq!(members, ["m1", "m2"]);

    // If-Match with the version before: conflict, nothing recorded.
    let mut stale = fresh_options("m3");
    stale.expected_version = Some(4);
    match service.execute(card(&life, "m3"), stale).await {
        Err(ServiceError::VersionConflict {
            expected, actual, ..
        }) => assert_eq!((expected, actual), (4, 6)),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let mut current = fresh_options("m3");
    current.expected_version = Some(6);
    let ok = service
        .execute(card(&life, "m3"), current)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok.version, 7);
}

on_both_stores!(
    lost_race_retried_on_sqlite,
    lost_race_retried_on_postgres,
    a_lost_race_is_decided_again_and_a_stale_version_conflicts
);

/// Concurrent cards for different members without If-Match all succeed.
async fn concurrent_scorecards_of_different_members_all_succeed(db: &TestDb) {
    let service = db.service();
    let life = lifecycle(2, Path::Recognized);
    drive(&service, &life, 0..4).await;
    let mut tasks = Vec::new();
    for m in ["m1", "m2", "m3", "m4", "m5"] {
        let service = service.clone();
        let command = card(&life, m);
        tasks.push(tokio::spawn(async move {
            service.execute(command, fresh_options(m)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap().unwrap();
    }
    assert_eq!(
        db.backend
            .store
            .stream_version(life.product_id)
            .await
            .unwrap(),
        9
    );
}

on_both_stores!(
    concurrent_cards_on_sqlite,
    concurrent_cards_on_postgres,
    concurrent_scorecards_of_different_members_all_succeed
);

/// The same key and body replays the first answer; the same key with another body is
/// refused; a rule violation records nothing.
async fn idempotent_replay_and_domain_rejection(db: &TestDb) {
    let service = db.service();
    let life = lifecycle(3, Path::Recognized);
    drive(&service, &life, 0..4).await;
    let key = Uuid::new_v4();
    let options = ExecuteOptions::new(key, "b".repeat(64));
    let first = service
        .execute(card(&life, "m1"), options.clone())
        .await
        .unwrap()
        .unwrap();
    assert!(!first.replayed);
    let again = service
        .execute(card(&life, "m1"), options.clone())
        .await
        .unwrap()
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        (again.version, again.global_position, &again.events),
        (first.version, first.global_position, &first.events)
    );
    let other = ExecuteOptions::new(key, "c".repeat(64));
    assert!(matches!(
        service.execute(card(&life, "m2"), other).await,
        Err(ServiceError::IdempotencyKeyReused(k)) if k == key
    ));

    let rejected = service
        .execute(card(&life, "m99"), fresh_options("m99"))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(rejected.code(), "unknown_member");
    assert_eq!(
        db.backend
            .store
            .stream_version(life.product_id)
            .await
            .unwrap(),
        5
    );
}

on_both_stores!(
    idempotent_replay_on_sqlite,
    idempotent_replay_on_postgres,
    idempotent_replay_and_domain_rejection
);

/// The state replayed as recorded at a past time is the state the read side served then,
/// and the state at each version is the fold of that prefix.
async fn the_state_as_of_a_past_time_is_what_was_served_then(db: &TestDb) {
    let service = db.service();
    let runner = db.runner(50).await;
    let handle = runner.spawn();
    let reads = db.reads();
    let life = lifecycle(4, Path::Revoked);
    let mut served = Vec::new();
    for i in 0..life.steps.len() {
        let outcome = drive(&service, &life, i..i + 1).await.pop().unwrap();
        runner
            .wait_for(outcome.global_position, Duration::from_secs(10))
            .await
            .unwrap();
        let view = reads.product(life.product_id).await.unwrap().unwrap();
        assert_eq!(view.version, outcome.version);
        served.push((outcome.recorded_at, outcome.version, view.state));
    }
    handle.stop().await;
    for (at, version, state) in served {
        let as_of = service.state_as_of(life.product_id, at).await.unwrap();
        assert_eq!(as_of.version, version);
        assert_eq!(serde_json::to_value(&as_of.state).unwrap(), state);
        let at_version = service
            .state_at_version(life.product_id, version)
            .await
            .unwrap();
        assert_eq!(at_version.state, as_of.state);
    }
    let before_all = service
        .state_as_of(life.product_id, "2000-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(before_all.version, 0);
    assert!(!before_all.state.is_registered());
}

on_both_stores!(
    as_of_equals_served_on_sqlite,
    as_of_equals_served_on_postgres,
    the_state_as_of_a_past_time_is_what_was_served_then
);

/// "What was legally true then" vs "what did we know then": a revoked recognition held
/// from its decision to the day before the revocation; before the revocation was recorded
/// we did not know it ended.
async fn the_recognition_valid_on_a_date_follows_decision_and_revocation(db: &TestDb) {
    let service = db.service();
    let runner = db.runner(50).await;
    let life = lifecycle(5, Path::Revoked);
    let n = life.steps.len();
    let outcomes = drive(&service, &life, 0..n - 1).await;
    let known_before_revocation = outcomes.last().unwrap().recorded_at;
    drive(&service, &life, n - 1..n).await;
    runner.catch_up().await.unwrap();

    let state = service.load(life.product_id).await.unwrap().state;
    let rec = state
        .past_recognitions
        .last()
        .expect("the revoked recognition")
        .clone();
    let revoked_on = state.revocations[0].decided_on;
    let day_before = |d: chrono::NaiveDate| d.pred_opt().unwrap();
    let id = life.product_id;

    let v = service
        .recognition_valid_on(id, day_before(rec.decided_on), None)
        .await
        .unwrap();
    assert!(!v.recognized);
    let v = service
        .recognition_valid_on(id, rec.decided_on, None)
        .await
        .unwrap();
    assert!(v.recognized);
    assert_eq!(v.recognition.as_ref().unwrap().stars, rec.stars);
    assert_eq!(v.recognition.as_ref().unwrap().decision_no, rec.decision_no);
    assert!(
        service
            .recognition_valid_on(id, day_before(revoked_on), None)
            .await
            .unwrap()
            .recognized
    );
    assert!(
        !service
            .recognition_valid_on(id, revoked_on, None)
            .await
            .unwrap()
            .recognized
    );
    // Known then: the revocation was not recorded yet.
    let then = service
        .recognition_valid_on(id, revoked_on, Some(known_before_revocation))
        .await
        .unwrap();
    assert!(then.recognized);

    // The list's valid_on filter agrees.
    let reads = db.reads();
    let on = |d| ProductQuery {
        valid_on: Some(d),
        ..ProductQuery::default()
    };
    assert_eq!(
        reads
            .products(&on(rec.decided_on))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        reads
            .products(&on(day_before(revoked_on)))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        reads.products(&on(revoked_on)).await.unwrap().items.len(),
        0
    );
}

on_both_stores!(
    valid_on_on_sqlite,
    valid_on_on_postgres,
    the_recognition_valid_on_a_date_follows_decision_and_revocation
);

/// Two processes (two services, each with the states it keeps) take turns on one product's
/// lifecycle: every step rests on the one the other recorded, so each must fold what the
/// other wrote onto the state it kept; at the end both hold the state a fresh fold of the
/// whole stream gives.
async fn a_kept_state_follows_what_other_processes_recorded(db: &TestDb) {
    let (a, b) = (db.service(), db.service());
    let life = lifecycle(7, Path::Recognized);
    for i in 0..life.steps.len() {
        let service = if i % 2 == 0 { &a } else { &b };
        drive(service, &life, i..i + 1).await;
    }
    let fresh = db.service().load(life.product_id).await.unwrap();
    assert_eq!(fresh.version as usize, life.steps.len());
    assert_eq!(a.load(life.product_id).await.unwrap(), fresh);
    assert_eq!(b.load(life.product_id).await.unwrap(), fresh);
}
on_both_stores!(
    kept_states_follow_other_processes_on_sqlite,
    kept_states_follow_other_processes_on_postgres,
    a_kept_state_follows_what_other_processes_recorded
);
