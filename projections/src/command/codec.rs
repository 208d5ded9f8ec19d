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
    let body = EventBody::deserialize(&recorded.payload).map_err(|e| bad(e.to_string()))?;
    event(recorded.event_id, &recorded.actor, body).map_err(bad)
}

/// The domain event behind an event read with its stored text (`read_all_stored`,
/// `read_stream_stored`). A payload at the current schema version is parsed once, straight
/// into its event type's struct (`body_from_json`); an older one is upcast by the domain
/// first, and the record then holds its upcast text and version, as the parsed reads would
/// have returned them.
pub fn from_stored(e: &mut RecordedEvent<String>) -> Result<Event, DecodeError> {
    let position = e.global_position;
    let bad = |reason: String| DecodeError { position, reason };
    let current = ocop_domain::events::current_schema_version(&e.event_type);
    let body: EventBody = if current == Some(e.schema_version) {
        ocop_domain::events::body_from_json(&e.event_type, &e.payload)
            .map_err(|err| bad(err.to_string()))?
    } else {
        let stored: serde_json::Value =
            serde_json::from_str(&e.payload).map_err(|err| bad(err.to_string()))?;
        let (version, upcast) =
            ocop_domain::upcast::upcast_to_current(&e.event_type, e.schema_version, stored)
                .map_err(bad)?;
        let body = EventBody::deserialize(&upcast).map_err(|err| bad(err.to_string()))?;
        e.schema_version = version;
        e.payload = upcast.to_string();
        body
    };
    event(e.event_id, &e.actor, body).map_err(bad)
}

fn event(event_id: uuid::Uuid, actor: &ActorRef, body: EventBody) -> Result<Event, String> {
    Ok(Event {
        event_id,
        actor: domain_actor(actor)?,
        body,
    })
}

/// The domain's actor of a recorded envelope's actor (its role and scope parsed).
pub fn domain_actor(actor: &ActorRef) -> Result<Actor, String> {
    Ok(Actor {
        user: actor.user.clone(),
        role: Role::parse(&actor.role).ok_or_else(|| format!("unknown role {}", actor.role))?,
        scope: Scope::parse(&actor.scope).map_err(|e| e.to_string())?,
    })
}
