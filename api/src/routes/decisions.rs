//! One decision document over many products: `POST /api/v1/decisions` records it all or
//! nothing; `GET /api/v1/decisions/{id}` answers the document and its annex.

// utoipa's `path` macro expands `params(SomeParams)` into fully qualified calls.
#![allow(unused_qualifications)]

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use ocop_domain::authorization::RecordedPlace;
use ocop_domain::commands::DecideRecognition;
use ocop_domain::{Command, CommandBody, CommandMeta, Level, Role};
use ocop_eventstore::MAX_GROUP;
use ocop_projections::command::service::ExecuteOptions;
use ocop_projections::read::query::DecisionFilter;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::commands::{CommandHeaderDoc, caller_fingerprint};
use super::queries::{ReadParams, wait_for};
use super::{CommandProblems, ReadResponses, may_read, require_role};
use crate::answers::{DecisionAnswer, DecisionAnswerItem, DecisionRecorded, RecordedItem};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, CommandHeaders, JsonCommand, Query};

/// `POST /api/v1/decisions`: one decision (one number, one date, one signing authority)
/// over the products of its annex.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionDocument {
    /// The decision's date.
    pub decided_on: NaiveDate,
    /// The decision's number, e.g. `156/QĐ-UBND`.
    pub decision_no: String,
    /// The signing authority, e.g. `UBND tỉnh Lâm Đồng`.
    pub authority: String,
    /// `provincial` or `central`: every product's round must await this level's decision.
    pub level: Level,
    /// The annex: one item per product, each product once.
    pub items: Vec<DecisionItem>,
}

/// One product of a decision's annex: recognised with stars, or refused with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionItem {
    pub product_id: Uuid,
    pub recognized: bool,
    /// Stars (recognition only).
    #[serde(default)]
    pub stars: Option<u8>,
    /// Certificate number (recognition only).
    #[serde(default)]
    pub certificate_no: Option<String>,
    /// Reason (refusal only).
    #[serde(default)]
    pub reason: Option<String>,
}

/// The decision's id: derived from the idempotency key, so that the document sent again
/// under its key answers the same id.
fn decision_id(key: Uuid) -> Uuid {
    ocop_projections::ids::v8(b"ocop-decision\0", &[key.as_bytes()]).0
}

/// Record one decision over many products (provincial or central secretary): every
/// product's `RecognitionDecided` or `RecognitionRefused` carries the document's number,
/// date, authority and `decision_id`, and either all are recorded, in one transaction, or
/// none. Each product is judged by its own round and rules as if decided alone; any that
/// breaks a rule refuses the whole document with 422 and `violations[].product_id` naming
/// each such product. Answers `201 {"decision_id", "items": [{"product_id", "version",
/// "global_position"}]}`; the same `Idempotency-Key` with the same body answers 200 and
/// records nothing.
///
/// Who: `provincial_secretary` (`level: provincial`, products of their province) or
/// `central_secretary` (`level: central`).
#[utoipa::path(
    post,
    path = "/api/v1/decisions",
    tag = "commands",
    params(CommandHeaderDoc),
    request_body = DecisionDocument,
    responses(
        (status = 201, description = "recorded, for every product", body = DecisionRecorded,
         headers(("Location" = String, description = "`/api/v1/decisions/{decision_id}`"))),
        (status = 200, description = "the idempotency key was seen with the same body: the first answer, nothing recorded",
         body = DecisionRecorded),
        CommandProblems
    ),
    security(("bearer" = []))
)]
pub async fn record_decision(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: CommandHeaders,
    input: JsonCommand<DecisionDocument>,
) -> Result<Response, ApiError> {
    let document = input.body;
    if !matches!(document.level, Level::Provincial | Level::Central) {
        return Err(ApiError::InvalidRequest(format!(
            "level: a decision document is provincial or central, not {}",
            document.level
        )));
    }
    if document.items.is_empty() || document.items.len() > MAX_GROUP {
        return Err(ApiError::InvalidRequest(format!(
            "items: a decision lists 1 to {MAX_GROUP} products, not {}",
            document.items.len()
        )));
    }
    let mut seen = HashSet::with_capacity(document.items.len());
    if let Some((i, twice)) = document
        .items
        .iter()
        .enumerate()
        .find(|(_, item)| !seen.insert(item.product_id))
    {
        return Err(ApiError::InvalidRequest(format!(
            "items[{i}].product_id: product {} is listed twice",
            twice.product_id
        )));
    }
    if headers.expected_version.is_some() {
        return Err(ApiError::InvalidRequest(
            "If-Match names one product's version; a decision over many products takes none".into(),
        ));
    }
    let key = headers.idempotency_key;
    let id = decision_id(key);
    let now = app.clock.now();
    let commands: Vec<Command> = document
        .items
        .iter()
        .map(|item| {
            let body = DecideRecognition {
                decided_on: document.decided_on,
                recognized: item.recognized,
                stars: item.stars,
                decision_no: Some(document.decision_no.clone()),
                authority: document.authority.clone(),
                certificate_no: item.certificate_no.clone(),
                reason: item.reason.clone(),
                decision_id: Some(id),
                level: Some(document.level),
            };
            Command::new(
                CommandMeta::new(actor.clone(), now, item.product_id, vec![Uuid::now_v7()]),
                CommandBody::DecideRecognition(body),
            )
        })
        .collect();
    let options = ExecuteOptions {
        idempotency_key: key,
        expected_version: None,
        request_hash: caller_fingerprint(&input.fingerprint, &actor),
        correlation_id: headers.request_id,
        causation_id: None,
    };
    let outcomes = match app.service.execute_all(commands, options).await? {
        Ok(outcomes) => outcomes,
        Err(rejected) => return Err(refusal(rejected)),
    };
    let replayed = outcomes.iter().all(|o| o.replayed);
    if !replayed {
        app.metrics
            .observe_append(outcomes.iter().map(|o| o.events.len()).sum());
    }
    let last = outcomes.iter().map(|o| o.global_position).max();
    let items = outcomes
        .iter()
        .map(|o| RecordedItem {
            product_id: o.product_id,
            version: o.version,
            global_position: o.global_position,
        })
        .collect();
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (
        status,
        Json(DecisionRecorded {
            decision_id: id,
            global_position: last,
            items,
        }),
    )
        .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("/api/v1/decisions/{id}")) {
        response
            .headers_mut()
            .insert(axum::http::header::LOCATION, v);
    }
    Ok(response)
}

/// The answer to a document some of whose products may not be decided: 403 when the
/// caller may not decide one of them (naming it), else 422 with one violation per product
/// that breaks a rule, each naming its `product_id`; 404 for a product that does not exist.
fn refusal(rejected: Vec<(Uuid, ocop_domain::DomainError)>) -> ApiError {
    if let Some((product_id, e)) = rejected.iter().find(|(_, e)| e.is_forbidden()) {
        return ApiError::Forbidden(format!("product {product_id}: {e}"));
    }
    if let Some((product_id, _)) = rejected.iter().find(|(_, e)| e.is_not_found()) {
        return ApiError::NotFound(format!("no such product: {product_id}"));
    }
    let violations: Vec<Value> = rejected
        .iter()
        .map(|(product_id, e)| {
            let mut v = crate::error::violation(e);
            if let Value::Object(fields) = &mut v {
                fields.insert("product_id".into(), json!(product_id));
            }
            v
        })
        .collect();
    let named: Vec<String> = rejected
        .iter()
        .map(|(p, e)| format!("product {p}: {e}"))
        .collect();
    ApiError::RuleViolation {
        detail: format!(
            "the decision was not recorded, for any product: {}",
            named.join("; ")
        ),
        violations,
    }
}

/// The roles that read decision documents: those that record them, and who audits them.
const READERS: [Role; 5] = [
    Role::ProvincialSecretary,
    Role::CentralSecretary,
    Role::Inspector,
    Role::Auditor,
    Role::Admin,
];

/// A decision document and its annex, as recorded: `{"decision_id", "decision_no",
/// "decided_on", "authority", "level", "recorded_at", "actor", "items": [{"product_id",
/// "name", "province", "recognized", "stars", "certificate_no", "reason", "valid_until",
/// "version", "global_position"}]}`. A reader outside the national scope sees the items in
/// their scope; a document none of whose items they may read is 404 to them.
///
/// Who: `provincial_secretary`, `central_secretary`, `inspector`, `auditor`, `admin`;
/// outside the national scope, the items in the caller's scope.
#[utoipa::path(
    get,
    path = "/api/v1/decisions/{decision_id}",
    tag = "queries",
    params(("decision_id" = Uuid, Path, description = "The decision's id"), ReadParams),
    responses((status = 200, description = "the document and the items the caller may read", body = DecisionAnswer), ReadResponses),
    security(("bearer" = []))
)]
pub async fn get_decision(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<DecisionAnswer>, ApiError> {
    require_role(&actor, &READERS, "read decision documents")?;
    let not_found = || ApiError::NotFound(format!("no such decision: {id}"));
    let decision_id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    wait_for(&app, params.min_position).await?;
    let records = app
        .read
        .decisions(&DecisionFilter {
            decision_id: Some(decision_id),
            limit: Some(MAX_GROUP),
            ..DecisionFilter::default()
        })
        .await?;
    let mut items = Vec::with_capacity(records.len());
    for r in &records {
        let place = RecordedPlace::parse(
            &r.province,
            r.commune.as_deref(),
            r.inputs["place"]["district"].as_str(),
        );
        if !may_read(&app, &actor, place.as_ref()).await? {
            continue;
        }
        let name = app
            .read
            .product(r.product_id)
            .await?
            .and_then(|view| view.state["name"].as_str().map(str::to_owned));
        let text = |field: &str| {
            r.payload
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        items.push(DecisionAnswerItem {
            product_id: r.product_id,
            name,
            province: r.province.clone(),
            recognized: r.kind == "recognized",
            stars: r.stars,
            potential_five_star: r
                .payload
                .get("potential_five_star")
                .and_then(Value::as_bool),
            mean: text("mean"),
            certificate_no: text("certificate_no"),
            valid_until: text("valid_until"),
            reason: text("reason"),
            version: r.version,
            global_position: r.global_position,
        });
    }
    let (Some(first), false) = (records.first(), items.is_empty()) else {
        return Err(not_found());
    };
    Ok(Json(DecisionAnswer {
        decision_id,
        decision_no: first.decision_no.clone(),
        decided_on: first.decided_on.clone(),
        authority: first.authority.clone(),
        level: first.level.clone(),
        recorded_at: first.recorded_at.clone(),
        actor: first.actor.clone(),
        items,
    }))
}
