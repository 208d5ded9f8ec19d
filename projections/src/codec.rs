//! Between domain events and the store's records: `Event` → `NewEvent` for appends and
//! `RecordedEvent` → `Event` for folds.

use ocop_domain::{Actor, Event, EventBody, Role, Scope};
use ocop_eventstore::{ActorRef, NewEvent, RecordedEvent};
use serde::Deserialize;

/// A recorded event that is not a domain event of the current schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode event at position {position}: {reason}")]
pub struct DecodeError {
    pub position: i64,
    pub reason: String,
}

/// The store's record of a domain event: payload = the serialised body, envelope columns
/// from the body and the actor.
pub fn to_new_event(event: &Event) -> Result<NewEvent, serde_json::Error> {
    let body = &event.body;
    Ok(NewEvent {
        event_id: event.event_id,
        event_type: body.event_type().to_owned(),
        schema_version: body.schema_version(),
        payload: serde_json::to_value(body)?,
        actor: actor_ref(&event.actor),
        rules_version: body.rules_version().map(|r| r.as_str().to_owned()),
        occurred_on: Some(body.occurred_on()),
    })
}

/// The store's form of an actor.
pub fn actor_ref(actor: &Actor) -> ActorRef {
    ActorRef {
        user: actor.user.clone(),
        role: actor.role.as_str().to_owned(),
        scope: actor.scope.to_string(),
    }
}

/// The domain event behind a recorded (already upcast) event.
pub fn from_recorded(recorded: &RecordedEvent) -> Result<Event, DecodeError> {
    let bad = |reason: String| DecodeError {
        position: recorded.global_position,
        reason,
    };
    let role = Role::parse(&recorded.actor.role)
        .ok_or_else(|| bad(format!("unknown role {}", recorded.actor.role)))?;
    let scope = Scope::parse(&recorded.actor.scope).map_err(|e| bad(e.to_string()))?;
    let body = EventBody::deserialize(&recorded.payload).map_err(|e| bad(e.to_string()))?;
    Ok(Event {
        event_id: recorded.event_id,
        actor: Actor {
            user: recorded.actor.user.clone(),
            role,
            scope,
        },
        body,
    })
}
