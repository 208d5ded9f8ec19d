//! Request extractors: the authenticated actor, command bodies with their fingerprint, the
//! command headers (`Idempotency-Key`, `If-Match`) and query strings, each failing with the
//! contract's problem document.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use ocop_domain::{Actor, Role, Scope};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiError;

/// The actor named by a valid bearer token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthenticated("a bearer token is required".into()))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "expected the header `Authorization: Bearer <token>`".into(),
                )
            })?;
        let claims = state
            .keys
            .verify(token)
            .map_err(|e| ApiError::Unauthenticated(e.to_string()))?;
        Ok(Authenticated(actor_of(
            &claims.sub,
            &claims.role,
            &claims.scope,
        )?))
    }
}

/// The actor a token's claims describe; a role or scope outside the contract is refused
/// as an invalid token.
pub fn actor_of(user: &str, role: &str, scope: &str) -> Result<Actor, ApiError> {
    let role = Role::parse(role)
        .filter(|r| *r != Role::System)
        .ok_or_else(|| {
            let roles: Vec<&str> = Role::OF_PEOPLE.iter().map(|r| r.as_str()).collect();
            ApiError::Unauthenticated(format!(
                "the token names an unknown role {role:?}; the roles are {}",
                roles.join(", ")
            ))
        })?;
    let scope = Scope::parse(scope)
        .map_err(|e| ApiError::Unauthenticated(format!("the token's scope is invalid: {e}")))?;
    if !role.fits(&scope) {
        return Err(ApiError::Unauthenticated(format!(
            "the role {role} is not held in the scope {scope} (commune_officer: a commune, \
             district_secretary: a district, provincial_secretary: a province, inspector: a \
             province or national, central_secretary, auditor and admin: national)"
        )));
    }
    if user.trim().is_empty() {
        return Err(ApiError::Unauthenticated("the token names no user".into()));
    }
    Ok(Actor::new(user, role, scope))
}

/// A JSON body decoded into `T`, with the fingerprint of its content: the SHA-256 of the
/// request's method and path and of the body re-serialised canonically (keys sorted, no
/// insignificant whitespace), so that the same command sent twice under one idempotency key
/// is recognised however its JSON was laid out.
#[derive(Debug)]
pub struct JsonCommand<T> {
    pub body: T,
    pub fingerprint: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for JsonCommand<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        require_json_content_type(request.headers())?;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge {
                        limit: crate::server::BODY_LIMIT,
                    }
                } else {
                    ApiError::InvalidRequest(format!("cannot read the body: {rejection}"))
                }
            })?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::InvalidRequest("the body is not valid UTF-8".into()))?;
        let value = parse_json(text)
            .map_err(|e| ApiError::InvalidRequest(format!("malformed JSON: {e}")))?;
        if let Some(at) = nul_at(&value, "") {
            return Err(ApiError::InvalidRequest(format!(
                "{at}: text must not contain the NUL character (U+0000)"
            )));
        }
        if let Some(too_long) = over_limit(&value, "") {
            return Err(ApiError::InvalidRequest(too_long));
        }
        let body = serde_path_to_error::deserialize(&value).map_err(|e| {
            let given = value_at(&value, e.path());
            let path = e.path().to_string();
            let inner = e.into_inner();
            let reason = given
                .and_then(|v| v.as_str())
                .and_then(explain_date)
                .unwrap_or_else(|| inner.to_string());
            if path == "." {
                ApiError::InvalidRequest(reason)
            } else {
                ApiError::InvalidRequest(format!("{path}: {reason}"))
            }
        })?;
        Ok(JsonCommand {
            body,
            fingerprint: request_fingerprint(method.as_str(), &path, &value),
        })
    }
}

/// A command request's fingerprint: the SHA-256 of its method, path and body written
/// canonically. The API and the web forms, which send the same commands, share it.
pub fn request_fingerprint(method: &str, path: &str, body: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// The value at `path` in `value`, when the path leads to one.
fn value_at<'v>(
    value: &'v serde_json::Value,
    path: &serde_path_to_error::Path,
) -> Option<&'v serde_json::Value> {
    use serde_path_to_error::Segment;
    path.iter().try_fold(value, |v, segment| match segment {
        Segment::Seq { index } => v.get(*index),
        Segment::Map { key } => v.get(key.as_str()),
        Segment::Enum { .. } | Segment::Unknown => Some(v),
    })
}

/// Why `text`, given where a date was expected, is not one, in words that say what to
/// send: the form, the day a `dd/mm/yyyy` date names, the days of the month. `None` when
/// it looks like no date at all (the deserializer's own message then stands).
pub fn explain_date(text: &str) -> Option<String> {
    use chrono::NaiveDate;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = text.trim().split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if !(digits(a) && digits(b) && digits(c)) {
        return None;
    }
    let number = |s: &str| s.parse::<u32>().ok();
    let (year, month, day, written_iso) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?, text.contains('-'))
    } else if c.len() == 4 {
        // Day first, as Vietnamese offices write dates.
        (number(c)?, number(b)?, number(a)?, false)
    } else {
        return None;
    };
    let expected = "a date is written YYYY-MM-DD (ISO 8601)";
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        if !(1..=12).contains(&month) {
            return Some(format!(
                "{text:?} is not a date: there is no month {month}; {expected}"
            ));
        }
        let last = (28..=31)
            .rev()
            .find(|d| NaiveDate::from_ymd_opt(year as i32, month, *d).is_some())
            .unwrap_or(28);
        return Some(format!(
            "{text:?} is not a date: month {month} of {year} has {last} days; {expected}"
        ));
    };
    if written_iso {
        // Well formed and real: the deserializer refused it for another reason.
        return None;
    }
    Some(format!(
        "{text:?} is not in the form YYYY-MM-DD (ISO 8601): read as day/month/year it is {date}; \
         send \"{date}\""
    ))
}

/// JSON text as a value, refusing an object that names a key twice: parsers disagree on
/// which of the two counts, so such a body has no single meaning to record.
fn parse_json(text: &str) -> Result<serde_json::Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut parser = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys.deserialize(&mut parser)?;
    parser.end()?;
    Ok(value)
}

/// Builds a [`serde_json::Value`] like its own `Deserialize`, but fails on a repeated key.
struct UniqueKeys;

impl<'de> serde::de::DeserializeSeed<'de> for UniqueKeys {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            fields.insert(key, value);
        }
        Ok(serde_json::Value::Object(fields))
    }
}

/// The most characters a text field of a command may hold: names, titles, references and
/// codes. What is recorded stays in the ledger for good, so nothing unbounded gets in.
pub const TEXT_LIMIT: usize = 500;

/// The most characters of the fields that hold prose: a complaint's summary, an
/// inspection's findings, reasons, notes, details, a correction's new value.
pub const LONG_TEXT_LIMIT: usize = 5_000;

/// The fields (by name, wherever they are in the body) that hold prose.
const LONG_TEXT_FIELDS: [&str; 8] = [
    "summary",
    "findings",
    "details",
    "notes",
    "reason",
    "reasons",
    "legal_basis",
    "new_value",
];

/// The most items of a list in a command: documents, members, cards, criteria, the
/// products of a decision's annex (hundreds at most).
pub const LIST_LIMIT: usize = 1_000;

/// The first text or list of `value` over its limit, as the 400's detail naming the field
/// and the limit, e.g. `name: at most 500 characters (got 180000)`.
fn over_limit(value: &serde_json::Value, at: &str) -> Option<String> {
    over_limit_in(value, at, TEXT_LIMIT)
}

fn over_limit_in(value: &serde_json::Value, at: &str, text_limit: usize) -> Option<String> {
    use serde_json::Value;
    let here = if at.is_empty() { "." } else { at };
    match value {
        Value::String(s) => {
            let chars = s.chars().count();
            (chars > text_limit)
                .then(|| format!("{here}: at most {text_limit} characters (got {chars})"))
        }
        Value::Array(items) if items.len() > LIST_LIMIT => Some(format!(
            "{here}: at most {LIST_LIMIT} items (got {})",
            items.len()
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| over_limit_in(v, &format!("{at}[{i}]"), text_limit)),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            let limit = if LONG_TEXT_FIELDS.contains(&k.as_str()) {
                LONG_TEXT_LIMIT
            } else {
                TEXT_LIMIT
            };
            over_limit_in(v, &path, limit)
        }),
        _ => None,
    }
}

/// Where a string (or a key) holding U+0000 is in `value`, e.g. `producer.name`: PostgreSQL
/// cannot store NUL in text, so such a command is refused before it reaches the log (a NUL
/// recorded in an event would stop the read models on PostgreSQL).
fn nul_at(value: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    let here = || {
        if at.is_empty() {
            ".".to_owned()
        } else {
            at.to_owned()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_at(v, &format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here())
            } else {
                nul_at(v, &path)
            }
        }),
        _ => None,
    }
}

fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ok = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(
            "expected a body with content-type application/json".into(),
        ))
    }
}

/// `Idempotency-Key` and `If-Match` of a command.
#[derive(Debug, Clone, Copy)]
pub struct CommandHeaders {
    /// The caller's key, or a fresh one (then a retry records again).
    pub idempotency_key: Uuid,
    /// The version `If-Match` names.
    pub expected_version: Option<i64>,
    /// The request id, when it is a UUID: recorded as the events' correlation id.
    pub request_id: Option<Uuid>,
}

impl<S: Send + Sync> FromRequestParts<S> for CommandHeaders {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let idempotency_key = match parts.headers.get("idempotency-key") {
            None => Uuid::now_v7(),
            Some(v) => {
                let key = v
                    .to_str()
                    .ok()
                    .and_then(|s| Uuid::parse_str(s.trim()).ok())
                    .ok_or_else(|| {
                        ApiError::InvalidRequest("the Idempotency-Key header must be a UUID".into())
                    })?;
                if ocop_projections::command::service::is_server_key(key) {
                    return Err(ApiError::InvalidRequest(format!(
                        "the Idempotency-Key {key} is a UUID of version {}, which is reserved for \
                         the keys the server derives for its own commands (timers, imports); \
                         send a random UUID (version 4) or a version 7 one",
                        ocop_projections::command::service::SERVER_KEY_VERSION
                    )));
                }
                key
            }
        };
        let expected_version = match parts.headers.get(header::IF_MATCH) {
            None => None,
            Some(v) => Some(parse_etag(v.to_str().unwrap_or("")).ok_or_else(|| {
                ApiError::InvalidRequest(
                    "the If-Match header must be a version in quotes, e.g. \"3\"".into(),
                )
            })?),
        };
        let request_id = parts
            .headers
            .get(&crate::server::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Uuid::parse_str(v).ok());
        Ok(CommandHeaders {
            idempotency_key,
            expected_version,
            request_id,
        })
    }
}

/// Parses an entity tag `"N"` (a weak `W/"N"` is accepted too) into a version.
fn parse_etag(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    inner.parse::<i64>().ok().filter(|v| *v >= 0)
}

/// A query string decoded into `T` (which should deny unknown fields).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        if form_urlencoded::parse(query.as_bytes())
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(ApiError::InvalidRequest(
                "query: parameters must not contain the NUL character (U+0000)".into(),
            ));
        }
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if path == "." {
                    return ApiError::InvalidRequest(format!("query: {inner}"));
                }
                // A date the parameter refused says what to send, as in a body.
                let given = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| *k == path)
                    .map(|(_, v)| v.into_owned());
                match given.as_deref().and_then(explain_date) {
                    Some(why) => ApiError::InvalidRequest(format!("query parameter {path}: {why}")),
                    None => ApiError::InvalidRequest(format!("query parameter {path}: {inner}")),
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_that_is_not_one_says_what_to_send() {
        assert_eq!(
            explain_date("01/12/2026").as_deref(),
            Some(
                "\"01/12/2026\" is not in the form YYYY-MM-DD (ISO 8601): read as day/month/year \
                 it is 2026-12-01; send \"2026-12-01\""
            )
        );
        assert_eq!(
            explain_date("2026-11-31").as_deref(),
            Some(
                "\"2026-11-31\" is not a date: month 11 of 2026 has 30 days; a date is written \
                 YYYY-MM-DD (ISO 8601)"
            )
        );
        assert!(explain_date("2025-02-29").unwrap().contains("has 28 days"));
        assert!(explain_date("2026-13-01").unwrap().contains("no month 13"));
        assert!(explain_date("31/12/2026").unwrap().contains("2026-12-31"));
        assert_eq!(explain_date("2026-12-01"), None);
        assert_eq!(explain_date("yesterday"), None);
        assert_eq!(explain_date("1/2"), None);
    }

    #[test]
    fn json_is_parsed_as_serde_json_parses_it_but_a_repeated_key_is_refused() {
        for text in [
            r#"{"a": [1, -2, 3.5, 1e400, true, null, "Mật ong"], "b": {"c": {}}, "d": []}"#,
            r#""x""#,
            "18446744073709551615",
        ] {
            let ours = parse_json(text);
            let theirs = serde_json::from_str::<serde_json::Value>(text);
            assert_eq!(ours.ok(), theirs.ok(), "{text}");
        }
        let twice = parse_json(r#"{"a": {"b": 1, "b": 2}}"#).unwrap_err();
        assert!(twice.to_string().contains("\"b\" appears twice"), "{twice}");
        assert!(parse_json(r#"{"a": 1} x"#).is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(
            parse_json(&deep).is_err(),
            "the recursion limit still holds"
        );
    }

    #[test]
    fn nul_characters_are_found_wherever_they_hide() {
        use serde_json::json;
        assert_eq!(nul_at(&json!({"a": "x", "b": [1, "y"]}), ""), None);
        assert_eq!(
            over_limit(&json!({"name": "x".repeat(180_000)}), "").as_deref(),
            Some("name: at most 500 characters (got 180000)")
        );
        assert_eq!(
            over_limit(&json!({"producer": {"name": "ệ".repeat(501)}}), "").as_deref(),
            Some("producer.name: at most 500 characters (got 501)")
        );
        assert_eq!(over_limit(&json!({"name": "ệ".repeat(500)}), ""), None);
        assert_eq!(over_limit(&json!({"summary": "x".repeat(5_000)}), ""), None);
        assert_eq!(
            over_limit(&json!({"reasons": ["ok", "x".repeat(5_001)]}), "").as_deref(),
            Some("reasons[1]: at most 5000 characters (got 5001)")
        );
        assert_eq!(
            over_limit(&json!({"documents": vec![1; 1_001]}), "").as_deref(),
            Some("documents: at most 1000 items (got 1001)")
        );
        assert_eq!(nul_at(&json!("a\u{0}"), "").as_deref(), Some("."));
        assert_eq!(
            nul_at(&json!({"producer": {"name": "HTX\u{0}"}}), "").as_deref(),
            Some("producer.name")
        );
        assert_eq!(
            nul_at(
                &json!({"documents": [{"title": "ok"}, {"title": "\u{0}"}]}),
                ""
            )
            .as_deref(),
            Some("documents[1].title")
        );
        assert_eq!(nul_at(&json!({"k\u{0}": 1}), "").as_deref(), Some("."));
    }

    #[test]
    fn entity_tags_name_a_version() {
        assert_eq!(parse_etag("\"3\""), Some(3));
        assert_eq!(parse_etag("W/\"12\""), Some(12));
        assert_eq!(parse_etag("3"), None);
        assert_eq!(parse_etag("\"-1\""), None);
        assert_eq!(parse_etag("\"x\""), None);
    }

    #[test]
    fn tokens_with_roles_outside_the_contract_are_refused() {
        assert!(actor_of("u", "provincial_secretary", "province:68").is_ok());
        assert!(actor_of("u", "system", "national").is_err());
        assert!(actor_of("u", "mayor", "national").is_err());
        assert!(actor_of("u", "auditor", "province:6").is_err());
        assert!(actor_of(" ", "auditor", "national").is_err());
        // Each role in the kind of scope the role table gives it, and only there.
        for (role, fits, misfits) in [
            ("commune_officer", "province:68/commune:24730", "national"),
            (
                "district_secretary",
                "province:01/district:001",
                "province:01",
            ),
            (
                "provincial_secretary",
                "province:68",
                "province:68/commune:24730",
            ),
            ("inspector", "province:68", "province:68/commune:24730"),
            ("inspector", "national", "province:01/district:001"),
            ("central_secretary", "national", "province:68"),
            ("auditor", "national", "province:68"),
            ("admin", "national", "province:68"),
        ] {
            assert!(actor_of("u", role, fits).is_ok(), "{role} {fits}");
            assert!(actor_of("u", role, misfits).is_err(), "{role} {misfits}");
        }
    }
}
