//! The canonical bytes of an event and its SHA-256 hash, as `docs/ledger-canonical-form.md`
//! defines them.
//!
//! The canonical form is the JSON that Python writes with
//! `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`: keys sorted
//! by code point, no whitespace, non-ASCII characters as UTF-8, and only `"`, `\` and the
//! control characters below U+0020 escaped. It is written here by hand rather than by
//! `serde_json`, so that neither a cargo feature (`preserve_order`) nor a library upgrade can
//! silently change the bytes that the chain is computed over.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ActorRef;

/// Why a payload has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// Floating-point numbers print differently in different languages, so they are refused.
    #[error("payload holds a non-integer number `{0}`; write exact values as integers or strings")]
    NonIntegerNumber(String),
}

/// Appends the canonical JSON of `value` to `out`.
pub fn write_value(value: &Value, out: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                write!(out, "{i}").expect("writing to a string cannot fail");
            } else if let Some(u) = n.as_u64() {
                write!(out, "{u}").expect("writing to a string cannot fail");
            } else {
                return Err(CanonicalError::NonIntegerNumber(n.to_string()));
            }
        }
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorting the UTF-8 bytes sorts by code point, as Python sorts `str` keys.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(key, out);
                out.push(':');
                write_value(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// The canonical JSON of `value`.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Appends `s` as a JSON string, escaped exactly as Python's `json.dumps(ensure_ascii=False)`.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => write!(out, "\\u{b:04x}").expect("writing to a string cannot fail"),
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `recorded_at` as it is hashed and stored in SQLite: RFC 3339, UTC, exactly six fractional
/// digits and `Z`, e.g. `2025-03-10T08:15:00.123456Z`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Truncates `t` to whole microseconds, the precision the ledger keeps.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).expect("a current time is in range")
}

/// Everything the hash of one event covers. `payload` is the canonical JSON text of the
/// payload exactly as stored.
#[derive(Debug, Clone, Copy)]
pub struct HashedFields<'a> {
    pub global_position: i64,
    pub stream_id: Uuid,
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: &'a str,
    pub schema_version: i32,
    pub recorded_at: DateTime<Utc>,
    pub actor: &'a ActorRef,
    pub command_id: Uuid,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
    pub rules_version: Option<&'a str>,
    pub occurred_on: Option<NaiveDate>,
    pub payload: &'a str,
    pub prev_hash: &'a str,
}

fn write_opt_uuid(id: Option<Uuid>, out: &mut String) {
    match id {
        Some(id) => {
            write!(out, "\"{}\"", id.hyphenated()).expect("writing to a string cannot fail")
        }
        None => out.push_str("null"),
    }
}

impl HashedFields<'_> {
    /// The canonical bytes of the event: one JSON object, keys in code-point order.
    pub fn canonical_bytes(&self) -> String {
        let mut o = String::with_capacity(512 + self.payload.len());
        // Keys in sorted order; `canonical_keys_are_sorted` pins it.
        o.push_str("{\"actor\":{\"role\":");
        write_str(&self.actor.role, &mut o);
        o.push_str(",\"scope\":");
        write_str(&self.actor.scope, &mut o);
        o.push_str(",\"user\":");
        write_str(&self.actor.user, &mut o);
        o.push_str("},\"causation_id\":");
        write_opt_uuid(self.causation_id, &mut o);
        o.push_str(",\"command_id\":");
        write_opt_uuid(Some(self.command_id), &mut o);
        o.push_str(",\"correlation_id\":");
        write_opt_uuid(self.correlation_id, &mut o);
        o.push_str(",\"event_id\":");
        write_opt_uuid(Some(self.event_id), &mut o);
        o.push_str(",\"event_type\":");
        write_str(self.event_type, &mut o);
        let _ = write!(o, ",\"global_position\":{}", self.global_position);
        o.push_str(",\"occurred_on\":");
        match self.occurred_on {
            Some(d) => {
                let _ = write!(o, "\"{}\"", d.format("%Y-%m-%d"));
            }
            None => o.push_str("null"),
        }
        o.push_str(",\"payload\":");
        o.push_str(self.payload);
        o.push_str(",\"prev_hash\":");
        write_str(self.prev_hash, &mut o);
        o.push_str(",\"recorded_at\":");
        write_str(&format_timestamp(&self.recorded_at), &mut o);
        o.push_str(",\"rules_version\":");
        match self.rules_version {
            Some(r) => write_str(r, &mut o),
            None => o.push_str("null"),
        }
        let _ = write!(
            o,
            ",\"schema_version\":{},\"stream_id\":\"{}\",\"version\":{}}}",
            self.schema_version,
            self.stream_id.hyphenated(),
            self.version
        );
        o
    }

    /// Lowercase hex SHA-256 of [`Self::canonical_bytes`].
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample<'a>(actor: &'a ActorRef, payload: &'a str) -> HashedFields<'a> {
        HashedFields {
            global_position: 7,
            stream_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001),
            version: 2,
            event_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0002),
            event_type: "ProductRegistered",
            schema_version: 2,
            recorded_at: DateTime::parse_from_rfc3339("2025-03-10T08:15:00.1234Z")
                .unwrap()
                .with_timezone(&Utc),
            actor,
            command_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0003),
            correlation_id: None,
            causation_id: Some(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0004)),
            rules_version: Some("qd148-2023"),
            occurred_on: NaiveDate::from_ymd_opt(2025, 3, 1),
            payload,
            prev_hash: crate::GENESIS_HASH,
        }
    }

    #[test]
    fn strings_are_escaped_as_python_does() {
        let v = json!(
            "Hợp tác xã \"Mường Khương\" \\ tab\t nl\n cr\r bs\u{8} ff\u{c} nul\u{0} us\u{1f} del\u{7f} ls\u{2028}"
        );
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            "\"Hợp tác xã \\\"Mường Khương\\\" \\\\ tab\\t nl\\n cr\\r bs\\b ff\\f nul\\u0000 us\\u001f del\u{7f} ls\u{2028}\""
        );
    }

    #[test]
    fn object_keys_are_sorted_by_code_point_at_every_depth() {
        let v = json!({"b": 1, "a": {"z": [true, null, -3], "ă": 1, "y": "x"}, "B": 18446744073709551615u64});
        assert_eq!(
            to_canonical_string(&v).unwrap(),
            r#"{"B":18446744073709551615,"a":{"y":"x","z":[true,null,-3],"ă":1},"b":1}"#
        );
    }

    #[test]
    fn non_integer_numbers_are_refused() {
        assert!(matches!(
            to_canonical_string(&json!({"score": 69.99})),
            Err(CanonicalError::NonIntegerNumber(_))
        ));
    }

    #[test]
    fn timestamps_have_exactly_six_fractional_digits() {
        let t = DateTime::parse_from_rfc3339("2025-03-10T08:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_timestamp(&t), "2025-03-10T08:15:00.000000Z");
        let t = DateTime::parse_from_rfc3339("2025-03-10T15:15:00.123456789+07:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            format_timestamp(&truncate_to_micros(t)),
            "2025-03-10T08:15:00.123456Z"
        );
    }

    #[test]
    fn the_hash_of_a_known_event_is_pinned() {
        let actor = ActorRef {
            user: "thu.ky@quangninh".into(),
            role: "provincial_secretary".into(),
            scope: "province:22".into(),
        };
        let payload = to_canonical_string(&json!({"name": "Chả mực Hạ Long", "stars": 4})).unwrap();
        let fields = sample(&actor, &payload);
        assert_eq!(
            fields.canonical_bytes(),
            concat!(
                r#"{"actor":{"role":"provincial_secretary","scope":"province:22","user":"thu.ky@quangninh"},"#,
                r#""causation_id":"01920000-0000-7000-8000-000000000004","#,
                r#""command_id":"01920000-0000-7000-8000-000000000003","#,
                r#""correlation_id":null,"#,
                r#""event_id":"01920000-0000-7000-8000-000000000002","#,
                r#""event_type":"ProductRegistered","global_position":7,"occurred_on":"2025-03-01","#,
                r#""payload":{"name":"Chả mực Hạ Long","stars":4},"#,
                r#""prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","#,
                r#""recorded_at":"2025-03-10T08:15:00.123400Z","rules_version":"qd148-2023","#,
                r#""schema_version":2,"stream_id":"01920000-0000-7000-8000-000000000001","version":2}"#
            )
        );
        // Recomputed independently with Python 3.11 (see docs/ledger-canonical-form.md).
        assert_eq!(fields.hash(), PINNED_HASH);
    }

    const PINNED_HASH: &str = "8c0294f18aa6b1a98da63858403cc6d7e3107cfb587f24a4ae71b363ce19e933";
}
