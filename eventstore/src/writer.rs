//! The single writer task per store: a queue of append requests answered after commit.
//!
//! Group commit: the task takes every request waiting in the queue (up to [`MAX_BATCH`]),
//! runs them in one transaction — one lock of the ledger head, one fsync — and answers each
//! request only after that transaction committed. A request that fails its own check gets its
//! own error and writes nothing; the others still commit. A database error fails the whole
//! batch: nothing of it was committed, so nothing acknowledged is ever lost.

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
    /// Locks the head, plans `batch` against the database's current state, writes the plan
    /// and commits. On error nothing was committed.
    async fn commit_batch(&mut self, batch: &[&Prepared]) -> Result<Plan, StoreError>;

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

/// The sending side of a store's writer task.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
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
        self.jobs
            .send(Job { prepared, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the event store writer has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the event store writer stopped before answering".into())
        })?
    }
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
    mut queue: mpsc::Receiver<Job>,
    position: Arc<watch::Sender<i64>>,
) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    loop {
        // Callers just answered send their next request within microseconds: let them run
        // before taking the batch, or batches alternate between full and nearly empty.
        for _ in 0..GATHER_YIELDS {
            tokio::task::yield_now().await;
        }
        // `recv_many` is cancel safe: when `idle` completes first, no request was taken.
        let taken = tokio::select! {
            biased;
            taken = queue.recv_many(&mut jobs, MAX_BATCH) => taken,
            () = backend.idle() => continue,
        };
        if taken == 0 {
            break;
        }
        let batch: Vec<Job> = std::mem::take(&mut jobs);
        let refs: Vec<&Prepared> = batch.iter().map(|j| &j.prepared).collect();
        match backend.commit_batch(&refs).await {
            Ok(plan) => answer(&mut backend, batch, plan, &position).await,
            Err(e) if is_unique_violation(&e) => {
                // Only an event id already in the log can collide under the head lock: run
                // each request alone so that only the offending one fails.
                for job in batch {
                    let one = [&job.prepared];
                    match backend.commit_batch(&one).await {
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
        let result = match reply {
            Reply::Recorded(outcome) => Ok(outcome),
            Reply::SameAs(first) => outcomes[first]
                .clone()
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
        };
        outcomes.push(result.as_ref().ok().cloned());
        let _ = job.reply.send(result);
    }
}
