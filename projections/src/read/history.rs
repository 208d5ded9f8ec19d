//! The audit trail behind `GET /products/{id}/history`: every event of a product with its
//! full envelope, read from the log itself ([`crate::read::query::ReadModels::history`]). The log's
//! `(stream_id, version)` index serves it, so there is no copy to keep in step or rebuild,
//! and the trail is never behind the log. What the log does not hold as a column — the
//! decision reference — is taken from the decoded event here.

use ocop_domain::events::EventBody;
#[cfg(test)]
use serde_json::Value;

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

#[cfg(test)]
mod tests {
    use super::*;
    use ocop_testkit::sample::{Lifecycle, path_of};

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
