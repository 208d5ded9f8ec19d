//! Upcasting: bringing any older stored payload to the current schema of its type.
//!
//! The one change so far: `ProductRegistered` v1 had a flat producer
//! (`producer_name`, `producer_kind`, no tax code); v2 nests it as
//! `producer: {name, kind, tax_code}` with `tax_code: null` for upcast records.

use serde_json::{Map, Value};

use crate::events::current_schema_version;

/// A stored payload that cannot be brought to the current schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpcastError {
    /// The type is not one of ours.
    #[error("unknown event type {event_type}")]
    UnknownEventType {
        /// The type.
        event_type: String,
    },
    /// The version is not one this type ever had.
    #[error("unknown schema version {schema_version} of {event_type}")]
    UnknownSchemaVersion {
        /// The type.
        event_type: String,
        /// The version.
        schema_version: i32,
    },
    /// The payload does not have the shape of its version.
    #[error("malformed {event_type} v{schema_version}: {reason}")]
    Malformed {
        /// The type.
        event_type: String,
        /// The version.
        schema_version: i32,
        /// What is wrong.
        reason: String,
    },
}

/// Brings a stored payload of `event_type` at `schema_version` to the current schema.
pub fn upcast(event_type: &str, schema_version: i32, payload: Value) -> Result<Value, UpcastError> {
    let current =
        current_schema_version(event_type).ok_or_else(|| UpcastError::UnknownEventType {
            event_type: event_type.to_owned(),
        })?;
    if schema_version < 1 || schema_version > current {
        return Err(UpcastError::UnknownSchemaVersion {
            event_type: event_type.to_owned(),
            schema_version,
        });
    }
    let mut payload = payload;
    let mut version = schema_version;
    while version < current {
        payload = step(event_type, version, payload)?;
        version += 1;
    }
    Ok(payload)
}

/// [`upcast`] in the shape of the event store's `Upcaster` function type: returns the
/// current schema version with the payload, and errors as text.
pub fn upcast_to_current(
    event_type: &str,
    schema_version: i32,
    payload: Value,
) -> Result<(i32, Value), String> {
    let current = current_schema_version(event_type)
        .ok_or_else(|| format!("unknown event type {event_type}"))?;
    upcast(event_type, schema_version, payload)
        .map(|p| (current, p))
        .map_err(|e| e.to_string())
}

fn step(event_type: &str, from: i32, payload: Value) -> Result<Value, UpcastError> {
    match (event_type, from) {
        ("ProductRegistered", 1) => product_registered_v1_to_v2(payload),
        _ => Err(UpcastError::UnknownSchemaVersion {
            event_type: event_type.to_owned(),
            schema_version: from,
        }),
    }
}

fn product_registered_v1_to_v2(payload: Value) -> Result<Value, UpcastError> {
    let malformed = |reason: &str| UpcastError::Malformed {
        event_type: "ProductRegistered".to_owned(),
        schema_version: 1,
        reason: reason.to_owned(),
    };
    let Value::Object(mut map) = payload else {
        return Err(malformed("payload is not an object"));
    };
    let name = map
        .remove("producer_name")
        .ok_or_else(|| malformed("producer_name is missing"))?;
    let kind = map
        .remove("producer_kind")
        .ok_or_else(|| malformed("producer_kind is missing"))?;
    let mut producer = Map::new();
    producer.insert("name".to_owned(), name);
    producer.insert("kind".to_owned(), kind);
    producer.insert("tax_code".to_owned(), Value::Null);
    map.insert("producer".to_owned(), Value::Object(producer));
    Ok(Value::Object(map))
}
