//! The expiry timers: expiry notices on `valid_until − 30 days` and expiries from the day
//! after `valid_until`, issued through the command service as the `system` actor for
//! everything due on or before an injected business date.
//!
//! Exactly once, even when two runs overlap or a run dies half-way: each timer command
//! carries a deterministic idempotency key over (product, recognition decision event,
//! kind), so a second run replays the first one's answer; and the domain gives a
//! recognition at most one notice and one expiry, so a run that decides on a state that
//! already has them is rejected — both count as "already done".

use chrono::{NaiveDate, TimeZone, Utc};
use ocop_domain::timers::{self, TimerAction};
use ocop_domain::{Actor, Command, CommandMeta};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::command::service::{CommandService, ExecuteOptions, ServiceError};
use crate::db::ReadDb;
use crate::error::ProjectionError;
use crate::read::query::ReadModels;
use crate::read::runner::ProjectionRunner;

/// What a timer run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TimerReport {
    pub today: Option<NaiveDate>,
    /// Products with a notice or an expiry due on or before `today` (each looked at on
    /// its live state; what is found already done is counted in `already_done`).
    pub due: u64,
    /// Expiry notices recorded by this run.
    pub notices_issued: u64,
    /// Expiries recorded by this run.
    pub expiries_issued: u64,
    /// Timers found already done (by an overlapping or earlier run).
    pub already_done: u64,
    /// Timers that failed on infrastructure errors (retried by the next run).
    pub failed: u64,
    /// The highest global position this run recorded (for `min_position`).
    pub last_position: i64,
}

/// Why a timer run stopped.
#[derive(Debug, thiserror::Error)]
pub enum TimerError {
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// The timers due on or before `today` (the read side brought up to date first), without
/// running them: what `ocop timers run --dry-run` lists.
pub async fn due_on(
    runner: &ProjectionRunner,
    today: NaiveDate,
) -> Result<Vec<crate::read::query::DueTimer>, TimerError> {
    runner.catch_up().await?;
    let reads = ReadModels::new(runner.db().clone());
    Ok(reads.due_timers(today, usize::MAX >> 1).await?)
}

/// Whether the store is marked a rehearsal store (`store_marks`): only there may the timers
/// run on a day after today.
pub async fn is_rehearsal(db: &ReadDb) -> Result<bool, ProjectionError> {
    let rows = db
        .fetch(
            "SELECT mark FROM store_marks WHERE mark = $1",
            vec!["rehearsal".into()],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Marks the store a rehearsal store, for good; refused (`Err` says why) when its log
/// already holds an event (`head` is the log's head position): real records never share
/// a store whose clock may be set ahead.
pub async fn mark_rehearsal(
    db: &ReadDb,
    head: i64,
    by: &str,
    now: chrono::DateTime<Utc>,
) -> Result<Result<(), String>, ProjectionError> {
    if is_rehearsal(db).await? {
        return Ok(Ok(()));
    }
    if head > 0 {
        return Ok(Err(format!(
            "this store's log holds {head} event(s): only an empty store can be marked a \
             rehearsal store (its clock may then be set ahead for good)"
        )));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO store_marks (mark, marked_by, marked_at) VALUES ($1, $2, $3) \
         ON CONFLICT (mark) DO NOTHING",
        vec!["rehearsal".into(), by.into(), now.to_rfc3339().into()],
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// The idempotency key of a timer command: a UUID (version 8, from SHA-256) over the
/// product, the recognition's decision event and the kind of timer.
pub fn timer_key(product_id: Uuid, recognition_event_id: Uuid, kind: &str) -> (Uuid, String) {
    let mut h = Sha256::new();
    h.update(b"ocop-timer\0");
    h.update(product_id.as_bytes());
    h.update(recognition_event_id.as_bytes());
    h.update(kind.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    (
        uuid::Builder::from_custom_bytes(bytes).into_uuid(),
        hex_lower(&digest),
    )
}

fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Runs every timer due on or before `today`: first brings the read side up to date, then
/// takes the due timers from the `products` projection and, for each product, decides on
/// its live state what is due (`ocop_domain::timers::due`).
#[tracing::instrument(skip_all, fields(%today), err)]
pub async fn run_timers(
    runner: &ProjectionRunner,
    service: &CommandService,
    today: NaiveDate,
) -> Result<TimerReport, TimerError> {
    runner.catch_up().await?;
    let reads = ReadModels::new(runner.db().clone());
    let due = reads.due_timers(today, usize::MAX >> 1).await?;
    let mut products: Vec<Uuid> = due.iter().map(|t| t.product_id).collect();
    products.dedup();
    products.sort_unstable();
    products.dedup();

    let issued_at = {
        // The business day `today` in Vietnam (UTC+7), at noon.
        let noon = today.and_hms_opt(12, 0, 0).unwrap_or_default();
        Utc.from_utc_datetime(&(noon - chrono::Duration::hours(7)))
    };
    let mut report = TimerReport {
        today: Some(today),
        ..TimerReport::default()
    };
    for product_id in products {
        report.due += 1;
        // A product can owe an expiry right after its notice when the timer was down.
        for _ in 0..2 {
            let loaded = match service.load(product_id).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(%product_id, error = %e, "timer: cannot load product");
                    report.failed += 1;
                    break;
                }
            };
            let Some(action) = timers::due(&loaded.state, today) else {
                break;
            };
            let Some(recognition) = loaded.state.recognition.as_ref() else {
                break;
            };
            let kind = match action {
                TimerAction::IssueExpiryNotice { .. } => "expiry_notice",
                TimerAction::ExpireRecognition { .. } => "expiry",
            };
            let (key, hash) = timer_key(product_id, recognition.event_id, kind);
            let command = Command::new(
                CommandMeta::new(Actor::system(), issued_at, product_id, vec![Uuid::now_v7()]),
                action.command_body(),
            );
            let mut answer = service
                .execute(command.clone(), ExecuteOptions::new(key, hash.clone()))
                .await;
            if let Err(ServiceError::IdempotencyKeyReused(_)) = answer {
                // Another command holds the timer's key (the API refuses such keys from
                // clients, so this is a record from before that rule, or an operator's
                // doing): the notice or expiry is still owed. Record it under a fresh key;
                // the domain gives a recognition one notice and one expiry at most, so a run
                // that already did it is refused as "already done" below.
                tracing::warn!(%product_id, %key, kind, "timer: its key is taken; recording under a fresh key");
                answer = service
                    .execute(command, ExecuteOptions::new(Uuid::now_v7(), hash))
                    .await;
            }
            match answer {
                Ok(Ok(outcome)) if outcome.replayed => {
                    report.already_done += 1;
                }
                Ok(Ok(outcome)) => {
                    report.last_position = report.last_position.max(outcome.global_position);
                    match action {
                        TimerAction::IssueExpiryNotice { .. } => report.notices_issued += 1,
                        TimerAction::ExpireRecognition { .. } => {
                            report.expiries_issued += 1;
                        }
                    }
                    if matches!(action, TimerAction::ExpireRecognition { .. }) {
                        break;
                    }
                    continue;
                }
                Ok(Err(rejected)) => {
                    tracing::debug!(%product_id, code = rejected.code(), "timer already done");
                    report.already_done += 1;
                }
                Err(e) => {
                    tracing::warn!(%product_id, error = %e, "timer failed; the next run retries");
                    report.failed += 1;
                }
            }
            break;
        }
    }
    Ok(report)
}
