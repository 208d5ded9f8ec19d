//! The `history` projection: every event of every product with its full envelope, the
//! audit trail behind `GET /products/{id}/history`.
//!
//! It indexes the envelope (actor, role, scope, times, business date, rules version,
//! decision reference, command and correlation ids, hashes) and does not copy payloads:
//! the log is the record, and [`crate::query::ReadModels::history`] reads the payloads from
//! it (one `read_stream` per page), which halves what a rebuild writes.

use ocop_domain::Event;
use ocop_domain::events::EventBody;
use ocop_eventstore::RecordedEvent;
use ocop_eventstore::canonical::format_timestamp;
#[cfg(test)]
use serde_json::Value;

use crate::db::{Arg, Bulk, ColType, Tx};
use crate::error::ProjectionError;

const COLUMNS: &[(&str, ColType)] = &[
    ("product_id", ColType::Text),
    ("version", ColType::I64),
    ("global_position", ColType::I64),
    ("event_id", ColType::Text),
    ("event_type", ColType::Text),
    ("schema_version", ColType::I64),
    ("actor_user", ColType::Text),
    ("actor_role", ColType::Text),
    ("actor_scope", ColType::Text),
    ("command_id", ColType::Text),
    ("correlation_id", ColType::Text),
    ("causation_id", ColType::Text),
    ("recorded_at", ColType::Text),
    ("occurred_on", ColType::Text),
    ("rules_version", ColType::Text),
    ("decision_no", ColType::Text),
    ("prev_hash", ColType::Text),
    ("hash", ColType::Text),
];

/// The decision reference an event carries, if any: its `decision_no`.
pub(crate) fn decision_ref(body: &EventBody) -> Option<String> {
    match body {
        EventBody::RecognitionDecided(e) => Some(e.decision_no.clone()),
        EventBody::RecognitionRefused(e) => e.decision_no.clone(),
        EventBody::LegacyRecognitionImported(e) => Some(e.decision_no.clone()),
        EventBody::ExpiryNoticeIssued(e) => Some(e.decision_no.clone()),
        EventBody::RecognitionExpired(e) => Some(e.decision_no.clone()),
        EventBody::RecognitionRevoked(e) => Some(e.decision_no.clone()),
        _ => None,
    }
}

/// The decision reference of a payload as JSON: `decision_no` at the top of the payload or
/// one level down. What [`decision_ref`] must agree with, for every event.
#[cfg(test)]
fn decision_ref_in_json(payload: &Value) -> Option<String> {
    let obj = payload.as_object()?;
    if let Some(Value::String(s)) = obj.get("decision_no") {
        return Some(s.clone());
    }
    obj.values().find_map(|v| match v.get("decision_no") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    })
}

/// Applies `events` (all after the checkpoint, in order) to the history tables.
pub(crate) async fn apply(
    tx: &mut Tx,
    suffix: &str,
    events: &[RecordedEvent<String>],
    decoded: &[Event],
) -> Result<(), ProjectionError> {
    // Shadow tables get their unique key only at the swap; the checkpoint lock alone
    // keeps a rebuild from applying an event twice.
    let conflict = if suffix.is_empty() {
        "ON CONFLICT (product_id, version) DO NOTHING"
    } else {
        ""
    };
    let mut bulk = Bulk::new(&format!("rm_history{suffix}"), COLUMNS, conflict);
    for (e, event) in events.iter().zip(decoded) {
        bulk.push(vec![
            e.stream_id.to_string().into(),
            e.version.into(),
            e.global_position.into(),
            e.event_id.to_string().into(),
            e.event_type.clone().into(),
            i64::from(e.schema_version).into(),
            e.actor.user.clone().into(),
            e.actor.role.clone().into(),
            e.actor.scope.clone().into(),
            e.command_id.to_string().into(),
            Arg::from(e.correlation_id.map(|u| u.to_string())),
            Arg::from(e.causation_id.map(|u| u.to_string())),
            format_timestamp(&e.recorded_at).into(),
            Arg::from(e.occurred_on.map(|d| d.to_string())),
            Arg::from(e.rules_version.clone()),
            Arg::from(decision_ref(&event.body)),
            e.prev_hash.clone().into(),
            e.hash.clone().into(),
        ]);
    }
    bulk.write(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Lifecycle, path_of};

    #[test]
    fn the_decision_reference_is_the_one_in_the_payload_for_every_sample_event() {
        let mut with_ref = 0;
        for n in 0..40 {
            let life = Lifecycle::new(n, uuid::Uuid::from_u128(u128::from(n) + 1), path_of(n));
            let mut state = ocop_domain::ProductState::default();
            for i in 0..life.steps.len() {
                let command = life.command(i, uuid::Uuid::from_u128(1_000_000 + i as u128));
                let events = ocop_domain::decide(&state, &command).unwrap();
                for e in &events {
                    let json = serde_json::to_value(&e.body).unwrap();
                    let found = decision_ref(&e.body);
                    assert_eq!(found, decision_ref_in_json(&json), "{json}");
                    with_ref += usize::from(found.is_some());
                }
                state = ocop_domain::fold_from(state, &events);
            }
        }
        assert!(with_ref > 40);
    }
}
