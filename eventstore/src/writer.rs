//! The single writer task per store: a queue of append requests answered after commit.
//!
//! Group commit: the task takes every request waiting in the queue (up to [`MAX_BATCH`]),
//! runs them in one transaction — one lock of the ledger head, one fsync — and answers each
//! request only after that transaction committed. A request that fails its own check gets its
//! own error and writes nothing; the others still commit. A database error fails the whole
//! batch: nothing of it was committed, so nothing acknowledged is ever lost.
//!
//! An all-or-nothing group (one decision over many products) is its own transaction: when
//! one of its requests fails, none of it is written.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::plan::{Plan, Prepared, Reply};
use crate::{AppendOutcome, StoreError};

/// The most requests one transaction takes.
pub(crate) const MAX_BATCH: usize = 256;

/// How many times the writer yields to other tasks before taking a batch.
const GATHER_YIELDS: usize = 4;

/// One store's way of running a planned batch in one transaction.
#[async_trait]
pub(crate) trait Backend: Send + 'static {
    /// Locks the head, plans `batch` against the database's current state (as one
    /// all-or-nothing group when `atomic`), writes the plan and commits. On error nothing
    /// was committed.
    async fn commit_batch(&mut self, batch: &[&Prepared], atomic: bool)
    -> Result<Plan, StoreError>;

    /// The outcome recorded for `command_id`.
    async fn find_command(
        &mut self,
        command_id: Uuid,
    ) -> Result<Option<(String, AppendOutcome)>, StoreError>;

    /// Waits, while no request is queued, for what the store must handle meanwhile and
    /// handles it (on PostgreSQL, commits announced by other processes). Cancelled as soon
    /// as a request arrives, so it must leave nothing half done. Never completes where
    /// there is nothing to wait for.
    async fn idle(&mut self) {
        std::future::pending::<()>().await
    }
}

/// A request waiting for the writer, and where to send its answer.
#[derive(Debug)]
pub(crate) struct Job {
    prepared: Prepared,
    reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// An all-or-nothing group waiting for the writer, and where to send its answer.
#[derive(Debug)]
pub(crate) struct GroupJob {
    prepared: Vec<Prepared>,
    reply: oneshot::Sender<Result<Vec<AppendOutcome>, StoreError>>,
}

/// What the writer's queue carries.
#[derive(Debug)]
pub(crate) enum Queued {
    One(Job),
    Group(GroupJob),
}

/// The sending side of a store's writer task.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Queued>,
}

impl Writer {
    /// Starts the writer task; it ends when the last `Writer` is dropped.
    pub(crate) fn spawn<B: Backend>(backend: B, position: Arc<watch::Sender<i64>>) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(backend, queue, position));
        Writer { jobs }
    }

    /// Queues `prepared` and waits for the answer given after commit.
    pub(crate) async fn append(&self, prepared: Prepared) -> Result<AppendOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Queued::One(Job { prepared, reply })).await?;
        answer.await.map_err(|_| stopped())?
    }

    /// Queues an all-or-nothing group and waits for the answer given after commit.
    pub(crate) async fn append_all(
        &self,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<AppendOutcome>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send(Queued::Group(GroupJob { prepared, reply }))
            .await?;
        answer.await.map_err(|_| stopped())?
    }

    async fn send(&self, queued: Queued) -> Result<(), StoreError> {
        self.jobs
            .send(queued)
            .await
            .map_err(|_| StoreError::Unavailable("the event store writer has stopped".into()))
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the event store writer stopped before answering".into())
}

/// Raises the known committed position to `to` if it is higher.
pub(crate) fn advance(position: &watch::Sender<i64>, to: i64) {
    position.send_if_modified(|p| {
        if to > *p {
            *p = to;
            true
        } else {
            false
        }
    });
}

async fn run<B: Backend>(
    mut backend: B,
    mut queue: mpsc::Receiver<Queued>,
    position: Arc<watch::Sender<i64>>,
) {
    let mut queued = Vec::with_capacity(MAX_BATCH);
    loop {
        // Callers just answered send their next request within microseconds: let them run
        // before taking the batch, or batches alternate between full and nearly empty.
        for _ in 0..GATHER_YIELDS {
            tokio::task::yield_now().await;
        }
        // `recv_many` is cancel safe: when `idle` completes first, no request was taken.
        let taken = tokio::select! {
            biased;
            taken = queue.recv_many(&mut queued, MAX_BATCH) => taken,
            () = backend.idle() => continue,
        };
        if taken == 0 {
            break;
        }
        let mut batch: Vec<Job> = Vec::with_capacity(queued.len());
        for q in queued.drain(..) {
            match q {
                Queued::One(job) => batch.push(job),
                Queued::Group(group) => commit_group(&mut backend, group, &position).await,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let refs: Vec<&Prepared> = batch.iter().map(|j| &j.prepared).collect();
        match backend.commit_batch(&refs, false).await {
            Ok(plan) => answer(&mut backend, batch, plan, &position).await,
            Err(e) if is_unique_violation(&e) => {
                // Only an event id already in the log can collide under the head lock: run
                // each request alone so that only the offending one fails.
                for job in batch {
                    let one = [&job.prepared];
                    match backend.commit_batch(&one, false).await {
                        Ok(plan) => answer(&mut backend, vec![job], plan, &position).await,
                        Err(e) if is_unique_violation(&e) => {
                            let _ = job.reply.send(Err(StoreError::Invalid(
                                "an event id of this command is already recorded".into(),
                            )));
                        }
                        Err(e) => {
                            let _ = job.reply.send(Err(e));
                        }
                    }
                }
            }
            Err(e) => fail_all(batch, e),
        }
    }
}

/// Commits an all-or-nothing group in its own transaction and answers it: every outcome,
/// or the first refusal.
async fn commit_group<B: Backend>(backend: &mut B, group: GroupJob, position: &watch::Sender<i64>) {
    let refs: Vec<&Prepared> = group.prepared.iter().collect();
    let answer = match backend.commit_batch(&refs, true).await {
        Ok(plan) => {
            if plan.writes() {
                advance(position, plan.head.position);
            }
            let mut outcomes = Vec::with_capacity(plan.replies.len());
            let mut refusal = None;
            for reply in plan.replies {
                let result = resolve(backend, reply, &outcomes).await;
                match result {
                    Ok(o) => outcomes.push(Some(o)),
                    // The request that failed, not the others' `GroupAborted`.
                    Err(StoreError::GroupAborted { .. }) => outcomes.push(None),
                    Err(e) => {
                        outcomes.push(None);
                        refusal.get_or_insert(e);
                    }
                }
            }
            match refusal {
                Some(e) => Err(e),
                None => Ok(outcomes.into_iter().flatten().collect()),
            }
        }
        Err(e) if is_unique_violation(&e) => Err(StoreError::Invalid(
            "an event id of this group is already recorded".into(),
        )),
        Err(e) => Err(e),
    };
    let _ = group.reply.send(answer);
}

/// The answer to one planned request, given the outcomes answered before it in the batch.
async fn resolve<B: Backend>(
    backend: &mut B,
    reply: Reply,
    earlier: &[Option<AppendOutcome>],
) -> Result<AppendOutcome, StoreError> {
    match reply {
        Reply::Recorded(outcome) => Ok(outcome),
        Reply::SameAs(first) => earlier
            .get(first)
            .cloned()
            .flatten()
            .map(|o| AppendOutcome {
                replayed: true,
                ..o
            })
            .ok_or_else(|| StoreError::Unavailable("inconsistent batch plan".into())),
        Reply::AlreadyRecorded(command_id) => match backend.find_command(command_id).await {
            Ok(Some((_, outcome))) => Ok(outcome),
            Ok(None) => Err(StoreError::Unavailable(format!(
                "command {command_id} vanished from the commands table"
            ))),
            Err(e) => Err(e),
        },
        Reply::Failed(e) => Err(e),
    }
}

/// Whether `e` is the database refusing a row that a unique index already holds.
pub(crate) fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation())
}

fn fail_all(batch: Vec<Job>, error: StoreError) {
    if batch.len() == 1 {
        let job = batch.into_iter().next().expect("one job");
        let _ = job.reply.send(Err(error));
        return;
    }
    tracing::error!(error = %error, requests = batch.len(), "append batch failed, nothing committed");
    let message = format!("append batch failed, nothing committed: {error}");
    for job in batch {
        let _ = job
            .reply
            .send(Err(StoreError::Unavailable(message.clone())));
    }
}

async fn answer<B: Backend>(
    backend: &mut B,
    batch: Vec<Job>,
    plan: Plan,
    position: &watch::Sender<i64>,
) {
    if plan.writes() {
        advance(position, plan.head.position);
    }
    let mut outcomes: Vec<Option<AppendOutcome>> = Vec::with_capacity(batch.len());
    for (job, reply) in batch.into_iter().zip(plan.replies) {
        let result = resolve(backend, reply, &outcomes).await;
        outcomes.push(result.as_ref().ok().cloned());
        let _ = job.reply.send(result);
    }
}
