//! The handlers of every path of the contract, grouped as the contract groups them, and
//! what their OpenAPI operations share.

// utoipa's `path` macro expands `params(SomeParams)` into fully qualified calls.
#![allow(unused_qualifications)]

pub mod audit;
pub mod commands;
pub mod decisions;
pub mod exports;
pub mod ops;
pub mod producers;
pub mod queries;
pub mod tokens;
pub mod units;

use std::collections::BTreeMap;

use ocop_domain::authorization::RecordedPlace;
use ocop_domain::{Actor, Role};
use utoipa::openapi::{
    ContentBuilder, Ref, RefOr, Response, ResponseBuilder, ResponsesBuilder, header::HeaderBuilder,
};
use uuid::Uuid;

use crate::error::ApiError;

/// A product id from the path; anything that is not a UUID names no product.
pub fn product_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound(format!("no such product: {text:?}")))
}

/// A JSON response referring to the schema `name`.
fn json(description: &str, name: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(Ref::from_schema_name(name))))
            .build(),
    )
}

/// The problem responses with these statuses.
fn problems(builder: ResponsesBuilder, statuses: &[u16]) -> ResponsesBuilder {
    statuses.iter().fold(builder, |b, status| {
        let description = match status {
            400 => "invalid_request: malformed JSON, wrong types, unknown fields, bad dates or parameters",
            401 => "unauthenticated: no token or a token that does not verify",
            403 => "forbidden: the token's role or scope does not allow this; nothing recorded",
            404 => "not_found: no such product or resource",
            409 => "version_conflict: If-Match is stale, or concurrent writers won every attempt",
            413 => "payload_too_large: the body is over the limit",
            422 => "rule_violation (with violations) or idempotency_key_reused; nothing recorded",
            429 => "rate_limited: this client sent more than its share; see Retry-After",
            503 => "unavailable: the store is down, the server is at its limit of requests, or the read side is behind min_position; see Retry-After",
            _ => "internal_error",
        };
        b.response(
            status.to_string(),
            ResponseBuilder::new().description(description).content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
                    .example(Some(problem_example(*status)))
                    .build(),
            ),
        )
    })
}

/// A problem document as a server answers it with `status`, for the OpenAPI document.
fn problem_example(status: u16) -> serde_json::Value {
    let (code, detail) = match status {
        400 => (
            "invalid_request",
            "decided_on: \"20/09/2025\" is not in the form YYYY-MM-DD (ISO 8601): read as \
             day/month/year it is 2025-09-20; send \"2025-09-20\"",
        ),
        401 => (
            "unauthenticated",
            "the bearer token is invalid: it has expired; get a new one",
        ),
        403 => (
            "forbidden",
            "commune_officer in scope province:68/commune:24730 may not decide on recognition: \
             the product is in province 68, commune 24730; it may be sent by \
             provincial_secretary of province:68",
        ),
        404 => (
            "not_found",
            "no such product: 0190e9a4-0000-7000-8000-000000000000",
        ),
        409 => (
            "version_conflict",
            "expected version 7, the product is at version 8",
        ),
        413 => (
            "payload_too_large",
            "the request body is larger than 262144 bytes",
        ),
        422 => (
            "rule_violation",
            "the command breaks a rule: 4 stars exceed the band of the concluded mean 64.20, \
             which allows at most 3 stars",
        ),
        429 => (
            "rate_limited",
            "too many requests from this client; retry after 1 s",
        ),
        503 => (
            "unavailable",
            "the event store is unavailable; retry shortly",
        ),
        _ => (
            "internal_error",
            "an unexpected error occurred; it has been logged with the request id",
        ),
    };
    let mut example = serde_json::json!({
        "type": format!("urn:ocop:problem:{code}"),
        "title": code.replace('_', " "),
        "status": status,
        "detail": detail,
        "code": code,
    });
    if status == 422 {
        example["violations"] = serde_json::json!([{
            "code": "stars_above_band", "rule": "stars_above_band", "stars": 4, "mean": "64.20",
            "allowed": 3,
            "detail": "4 stars exceed the band of the concluded mean 64.20, which allows at most 3 stars"
        }]);
    }
    example
}

fn etag() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .description(Some("The product's version in quotes, e.g. \"3\"."))
        .build()
}

/// The answers of a command.
#[derive(Debug)]
pub struct CommandResponses;

impl utoipa::IntoResponses for CommandResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let builder = ResponsesBuilder::new()
            .response(
                "201",
                json("recorded", "CommandAnswer").header("ETag", etag()),
            )
            .response(
                "200",
                json(
                    "the idempotency key was seen with the same body: the first answer, nothing recorded",
                    "CommandAnswer",
                )
                .header("ETag", etag()),
            );
        problems(builder, COMMAND_PROBLEMS).build().into()
    }
}

const COMMAND_PROBLEMS: &[u16] = &[400, 401, 403, 404, 409, 413, 422, 503];

/// The problem answers of a command whose own answers its path names.
#[derive(Debug)]
pub struct CommandProblems;

impl utoipa::IntoResponses for CommandProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(ResponsesBuilder::new(), COMMAND_PROBLEMS)
            .build()
            .into()
    }
}

/// The problem answers of a read that may name a product (each read names its `200`).
#[derive(Debug)]
pub struct ReadResponses;

impl utoipa::IntoResponses for ReadResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(ResponsesBuilder::new(), &[400, 401, 403, 404, 503])
            .build()
            .into()
    }
}

/// The problem answers of a public read (each read names its `200`).
#[derive(Debug)]
pub struct PublicResponses;

impl utoipa::IntoResponses for PublicResponses {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(ResponsesBuilder::new(), &[400, 404, 429, 503])
            .build()
            .into()
    }
}

/// Whether `actor` may read a product recorded at `place`, judged with the units in force
/// today ([`ocop_projections::read::query::may_read`]).
pub async fn may_read(
    app: &crate::app::AppState,
    actor: &Actor,
    place: Option<&RecordedPlace>,
) -> Result<bool, ApiError> {
    Ok(ocop_projections::read::query::may_read(app.read.db(), actor, place, app.today()).await?)
}

/// Refuses roles not in `roles`.
pub fn require_role(actor: &Actor, roles: &[Role], what: &str) -> Result<(), ApiError> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        let may: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::Forbidden(format!(
            "{} in scope {} may not {what}; only {} may",
            actor.role.as_str(),
            actor.scope,
            may.join(", ")
        )))
    }
}
