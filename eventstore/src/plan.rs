//! Planning one group-commit batch: version and idempotency checks, positions and hashes.
//!
//! Pure code shared by both stores. The store locks the ledger head, reads the current
//! versions of the batch's streams and the batch's already recorded command keys, and hands
//! them here; the plan says which rows to insert and what to answer each request.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::canonical::{self, HashedFields};
use crate::{AppendOutcome, AppendRequest, StoreError};

/// A validated request with the canonical text of each payload, ready for the writer.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub request: AppendRequest,
    pub payloads: Vec<String>,
}

/// Checks a request and computes its payloads' canonical text (outside the writer's lock).
pub(crate) fn prepare(request: AppendRequest) -> Result<Prepared, StoreError> {
    if request.events.is_empty() {
        return Err(StoreError::Invalid(
            "a command must append at least one event".into(),
        ));
    }
    let hash_ok = request.request_hash.len() == 64
        && request
            .request_hash
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hash_ok {
        return Err(StoreError::Invalid(
            "request_hash must be a lowercase hex sha-256".into(),
        ));
    }
    let mut ids = HashSet::with_capacity(request.events.len());
    let mut payloads = Vec::with_capacity(request.events.len());
    for e in &request.events {
        if e.event_type.is_empty() {
            return Err(StoreError::Invalid("event_type must not be empty".into()));
        }
        if e.schema_version < 1 {
            return Err(StoreError::Invalid(format!(
                "schema_version of {} must be at least 1",
                e.event_type
            )));
        }
        if !ids.insert(e.event_id) {
            return Err(StoreError::Invalid(format!(
                "event id {} appears twice in one command",
                e.event_id
            )));
        }
        let text = canonical::to_canonical_string(&e.payload)
            .map_err(|err| StoreError::Invalid(format!("{} payload: {err}", e.event_type)))?;
        payloads.push(text);
    }
    Ok(Prepared { request, payloads })
}

/// The ledger head as locked at the start of the transaction.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub position: i64,
    pub hash: String,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// One row of the events table.
#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    pub global_position: i64,
    pub stream_id: Uuid,
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: String,
    pub actor_user: String,
    pub actor_role: String,
    pub actor_scope: String,
    pub command_id: Uuid,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub rules_version: Option<String>,
    pub occurred_on: Option<chrono::NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    pub prev_hash: String,
    pub hash: String,
}

/// One row of the commands table.
#[derive(Debug, Clone)]
pub(crate) struct CommandRow {
    pub command_id: Uuid,
    pub request_hash: String,
    pub stream_id: Uuid,
    pub first_version: i64,
    pub last_version: i64,
    pub first_position: i64,
    pub last_position: i64,
    pub recorded_at: DateTime<Utc>,
}

/// What to answer one request once the batch has committed.
#[derive(Debug)]
pub(crate) enum Reply {
    /// Recorded by this batch.
    Recorded(AppendOutcome),
    /// Recorded by an earlier transaction: answer with the stored outcome.
    AlreadyRecorded(Uuid),
    /// The same command as request `n` of this batch.
    SameAs(usize),
    Failed(StoreError),
}

/// The rows to write and the answers to give.
#[derive(Debug)]
pub(crate) struct Plan {
    pub events: Vec<EventRow>,
    pub commands: Vec<CommandRow>,
    pub replies: Vec<Reply>,
    pub head: Head,
}

impl Plan {
    /// Whether the transaction has anything to write.
    pub fn writes(&self) -> bool {
        !self.events.is_empty()
    }
}

/// The time to stamp on a batch: now, but always after the previous batch (by at least a
/// microsecond), so that `recorded_at` increases from one transaction to the next and a
/// "recorded until" cut never splits a transaction.
pub(crate) fn batch_time(now: DateTime<Utc>, head: &Head) -> DateTime<Utc> {
    let now = canonical::truncate_to_micros(now);
    match head.recorded_at {
        Some(last) if last >= now => last + chrono::Duration::microseconds(1),
        _ => now,
    }
}

/// Plans a batch against the locked `head`, the streams' current versions (`versions`;
/// missing = 0) and the fingerprints of already recorded command keys (`known`). With
/// `atomic`, the batch is one all-or-nothing group: when any request fails, nothing is
/// written and every other request that would have been recorded fails with
/// [`StoreError::GroupAborted`].
pub(crate) fn plan(
    batch: &[&Prepared],
    head: Head,
    versions: &HashMap<Uuid, i64>,
    known: &HashMap<Uuid, String>,
    recorded_at: DateTime<Utc>,
    atomic: bool,
) -> Plan {
    let before = head.clone();
    let planned = plan_each(batch, head, versions, known, recorded_at);
    let failed = planned
        .replies
        .iter()
        .zip(batch)
        .find_map(|(r, p)| matches!(r, Reply::Failed(_)).then_some(p.request.stream_id));
    match failed {
        Some(stream_id) if atomic => Plan {
            events: Vec::new(),
            commands: Vec::new(),
            replies: planned
                .replies
                .into_iter()
                .map(|r| match r {
                    Reply::Failed(e) => Reply::Failed(e),
                    _ => Reply::Failed(StoreError::GroupAborted { stream_id }),
                })
                .collect(),
            head: before,
        },
        _ => planned,
    }
}

fn plan_each(
    batch: &[&Prepared],
    head: Head,
    versions: &HashMap<Uuid, i64>,
    known: &HashMap<Uuid, String>,
    recorded_at: DateTime<Utc>,
) -> Plan {
    let mut versions = versions.clone();
    let mut pending: HashMap<Uuid, (&str, usize)> = HashMap::new();
    let mut event_ids: HashSet<Uuid> = HashSet::new();
    let mut events = Vec::new();
    let mut commands = Vec::new();
    let mut replies = Vec::with_capacity(batch.len());
    let mut position = head.position;
    let mut prev_hash = head.hash;

    for (index, p) in batch.iter().enumerate() {
        let r = &p.request;
        if let Some(fingerprint) = known.get(&r.command_id) {
            replies.push(if *fingerprint == r.request_hash {
                Reply::AlreadyRecorded(r.command_id)
            } else {
                Reply::Failed(StoreError::IdempotencyKeyReused {
                    command_id: r.command_id,
                })
            });
            continue;
        }
        if let Some((fingerprint, first)) = pending.get(&r.command_id) {
            replies.push(if *fingerprint == r.request_hash {
                Reply::SameAs(*first)
            } else {
                Reply::Failed(StoreError::IdempotencyKeyReused {
                    command_id: r.command_id,
                })
            });
            continue;
        }
        if let Some(dup) = r.events.iter().find(|e| event_ids.contains(&e.event_id)) {
            replies.push(Reply::Failed(StoreError::Invalid(format!(
                "event id {} is already used by another command",
                dup.event_id
            ))));
            continue;
        }
        let actual = versions.get(&r.stream_id).copied().unwrap_or(0);
        if !r.expected.admits(actual) {
            replies.push(Reply::Failed(StoreError::Conflict {
                stream_id: r.stream_id,
                expected: r.expected,
                actual,
            }));
            continue;
        }

        let first_position = position + 1;
        let mut outcome_events = Vec::with_capacity(r.events.len());
        for (k, (e, payload)) in r.events.iter().zip(&p.payloads).enumerate() {
            position += 1;
            let version = actual + 1 + k as i64;
            let hash = HashedFields {
                global_position: position,
                stream_id: r.stream_id,
                version,
                event_id: e.event_id,
                event_type: &e.event_type,
                schema_version: e.schema_version,
                recorded_at,
                actor: &e.actor,
                command_id: r.command_id,
                correlation_id: r.correlation_id,
                causation_id: r.causation_id,
                rules_version: e.rules_version.as_deref(),
                occurred_on: e.occurred_on,
                payload,
                prev_hash: &prev_hash,
            }
            .hash();
            events.push(EventRow {
                global_position: position,
                stream_id: r.stream_id,
                version,
                event_id: e.event_id,
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                payload: payload.clone(),
                actor_user: e.actor.user.clone(),
                actor_role: e.actor.role.clone(),
                actor_scope: e.actor.scope.clone(),
                command_id: r.command_id,
                correlation_id: r.correlation_id,
                causation_id: r.causation_id,
                rules_version: e.rules_version.clone(),
                occurred_on: e.occurred_on,
                recorded_at,
                prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
            });
            event_ids.insert(e.event_id);
            outcome_events.push((e.event_type.clone(), version));
        }
        let last_version = actual + r.events.len() as i64;
        versions.insert(r.stream_id, last_version);
        pending.insert(r.command_id, (&r.request_hash, index));
        commands.push(CommandRow {
            command_id: r.command_id,
            request_hash: r.request_hash.clone(),
            stream_id: r.stream_id,
            first_version: actual + 1,
            last_version,
            first_position,
            last_position: position,
            recorded_at,
        });
        replies.push(Reply::Recorded(AppendOutcome {
            stream_id: r.stream_id,
            first_version: actual + 1,
            last_version,
            first_position,
            last_position: position,
            recorded_at,
            events: outcome_events,
            replayed: false,
        }));
    }

    Plan {
        events,
        commands,
        replies,
        head: Head {
            position,
            hash: prev_hash,
            recorded_at: Some(recorded_at),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ActorRef, ExpectedVersion, NewEvent};
    use serde_json::json;

    fn request(stream: u128, expected: ExpectedVersion, command: u128, n: usize) -> Prepared {
        let events = (0..n)
            .map(|i| NewEvent {
                event_id: Uuid::from_u128(command * 1000 + i as u128),
                event_type: "Noted".into(),
                schema_version: 1,
                payload: json!({"i": i}),
                actor: ActorRef {
                    user: "u".into(),
                    role: "r".into(),
                    scope: "s".into(),
                },
                rules_version: None,
                occurred_on: None,
            })
            .collect();
        prepare(AppendRequest {
            stream_id: Uuid::from_u128(stream),
            expected,
            command_id: Uuid::from_u128(command),
            request_hash: format!("{command:064x}"),
            correlation_id: None,
            causation_id: None,
            events,
        })
        .unwrap()
    }

    fn genesis() -> Head {
        Head {
            position: 0,
            hash: crate::GENESIS_HASH.into(),
            recorded_at: None,
        }
    }

    #[test]
    fn each_request_is_checked_against_its_own_expected_version_and_earlier_ones_in_the_batch() {
        let a = request(1, ExpectedVersion::NoStream, 10, 2);
        let b = request(1, ExpectedVersion::Exact(2), 11, 1);
        let c = request(1, ExpectedVersion::Exact(2), 12, 1);
        let d = request(2, ExpectedVersion::Exact(5), 13, 1);
        let e = request(2, ExpectedVersion::Any, 14, 1);
        let versions = HashMap::from([(Uuid::from_u128(2), 5)]);
        let plan = plan(
            &[&a, &b, &c, &d, &e],
            genesis(),
            &versions,
            &HashMap::new(),
            Utc::now(),
            false,
        );
        assert!(matches!(plan.replies[0], Reply::Recorded(ref o) if o.last_version == 2));
        assert!(matches!(plan.replies[1], Reply::Recorded(ref o) if o.first_version == 3));
        assert!(matches!(
            plan.replies[2],
            Reply::Failed(StoreError::Conflict { actual: 3, .. })
        ));
        assert!(matches!(plan.replies[3], Reply::Recorded(ref o) if o.first_version == 6));
        assert!(matches!(plan.replies[4], Reply::Recorded(ref o) if o.first_version == 7));
        let positions: Vec<i64> = plan.events.iter().map(|e| e.global_position).collect();
        assert_eq!(positions, vec![1, 2, 3, 4, 5]);
        for pair in plan.events.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        assert_eq!(plan.head.position, 5);
        assert_eq!(plan.head.hash, plan.events[4].hash);
    }

    #[test]
    fn a_repeated_command_key_is_answered_from_the_first() {
        let a = request(1, ExpectedVersion::NoStream, 10, 1);
        let again = request(1, ExpectedVersion::NoStream, 10, 1);
        let mut other = request(1, ExpectedVersion::NoStream, 10, 1);
        other.request.request_hash = "f".repeat(64);
        let known_key = request(3, ExpectedVersion::NoStream, 20, 1);
        let known = HashMap::from([(Uuid::from_u128(20), format!("{:064x}", 20))]);
        let plan = plan(
            &[&a, &again, &other, &known_key],
            genesis(),
            &HashMap::new(),
            &known,
            Utc::now(),
            false,
        );
        assert!(matches!(plan.replies[1], Reply::SameAs(0)));
        assert!(matches!(
            plan.replies[2],
            Reply::Failed(StoreError::IdempotencyKeyReused { .. })
        ));
        assert!(matches!(plan.replies[3], Reply::AlreadyRecorded(_)));
        assert_eq!(plan.events.len(), 1);
    }

    #[test]
    fn an_atomic_group_with_one_failing_request_writes_nothing() {
        let a = request(1, ExpectedVersion::NoStream, 10, 1);
        let b = request(2, ExpectedVersion::Exact(4), 11, 1);
        let c = request(3, ExpectedVersion::NoStream, 12, 1);
        let head = genesis();
        let plan = plan(
            &[&a, &b, &c],
            head,
            &HashMap::new(),
            &HashMap::new(),
            Utc::now(),
            true,
        );
        assert!(!plan.writes());
        assert!(plan.commands.is_empty());
        assert_eq!(plan.head.position, 0);
        assert!(matches!(
            plan.replies[0],
            Reply::Failed(StoreError::GroupAborted { stream_id }) if stream_id == Uuid::from_u128(2)
        ));
        assert!(matches!(
            plan.replies[1],
            Reply::Failed(StoreError::Conflict { .. })
        ));
        assert!(matches!(
            plan.replies[2],
            Reply::Failed(StoreError::GroupAborted { .. })
        ));
        // The same group without the failing request records all of it.
        let plan = super::plan(
            &[&a, &c],
            genesis(),
            &HashMap::new(),
            &HashMap::new(),
            Utc::now(),
            true,
        );
        assert_eq!(plan.events.len(), 2);
    }
}
