//! The ministry's decision audit and the hash-chained ledger.

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use ocop_domain::Role;
use ocop_domain::authorization::RecordedPlace;
use ocop_eventstore::{LedgerDigest, VerifyReport};
use ocop_projections::audit::{self, AuditReport, ProductAudit};
use serde::Deserialize;
use utoipa::IntoParams;

use super::queries::{ReadParams, wait_for};
use super::{ReadResponses, require_role};
use crate::answers::{CheckpointKey, DecisionAudit, LedgerCheckpoints};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Query};

/// Who may read the ledger and the audits.
/// Who reads the ledger (digest, verification, checkpoints, key).
pub const AUDIT_ROLES: [Role; 2] = [Role::Auditor, Role::Admin];
/// Who reads the decision audits (the ministry's and a product's).
pub const DECISION_AUDIT_ROLES: [Role; 3] = [Role::Auditor, Role::Admin, Role::Inspector];

/// The head of the ledger, `{"global_position", "hash"}`, for auditors to keep.
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/digest",
    tag = "audit",
    params(ReadParams),
    responses((status = 200, description = "the ledger's head", body = LedgerDigest), ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_digest(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<ReadParams>,
) -> Result<Json<LedgerDigest>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "read the ledger digest")?;
    wait_for(&app, params.min_position).await?;
    Ok(Json(app.store.head().await?))
}

/// Parameters of the ledger verification.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// A digest kept earlier, `<position>:<hash>`: proves nothing up to it changed and checks
    /// every event after it.
    pub from_digest: Option<String>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// Recomputes the hash chain (from a kept digest, or from the start).
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/verify",
    tag = "audit",
    params(VerifyParams),
    responses((status = 200, description = "the chain recomputed", body = VerifyReport), ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_verify(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<VerifyParams>,
) -> Result<Json<VerifyReport>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "verify the ledger")?;
    wait_for(&app, params.min_position).await?;
    let from = params
        .from_digest
        .as_deref()
        .map(parse_digest)
        .transpose()?;
    Ok(Json(app.store.verify(from).await?))
}

/// The most checkpoints one page lists, and how many when `limit` is absent.
const MAX_CHECKPOINTS: usize = 1000;
const DEFAULT_CHECKPOINTS: usize = 100;

/// Parameters of the list of checkpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CheckpointParams {
    /// At most this many (default 100, at most 1000), newest first.
    pub limit: Option<usize>,
    /// Only checkpoints of positions below this one: the previous page's `next_before`.
    pub before: Option<i64>,
}

/// Signed checkpoints of the ledger's head, newest first: each says, under the server's
/// Ed25519 checkpoint key, that the event at `global_position` had `hash` at `signed_at`.
/// Keep them outside the database; `ocop ledger verify --checkpoints FILE --public-key HEX`
/// then detects a log rewritten or cut short behind the database's triggers
/// (docs/ledger-verification.md, "Signed checkpoints"). Auditor or admin.
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/checkpoints",
    tag = "audit",
    params(CheckpointParams),
    responses((status = 200, description = "one page of checkpoints", body = LedgerCheckpoints), ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_checkpoints(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<CheckpointParams>,
) -> Result<Json<LedgerCheckpoints>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "read the ledger's checkpoints")?;
    let limit = match params.limit {
        None => DEFAULT_CHECKPOINTS,
        Some(n) if (1..=MAX_CHECKPOINTS).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::InvalidRequest(format!(
                "limit: must be between 1 and {MAX_CHECKPOINTS} (got {n})"
            )));
        }
    };
    let items = app.checkpoints.log.page(params.before, limit).await?;
    let next_before = (items.len() == limit)
        .then(|| items.last().map(|c| c.global_position))
        .flatten();
    Ok(Json(LedgerCheckpoints { items, next_before }))
}

/// The public key this server signs checkpoints with (raw 32-byte Ed25519 key, hex) and
/// its id, as checkpoints name it. Auditor or admin.
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/public-key",
    tag = "audit",
    responses((status = 200, description = "the checkpoint key", body = CheckpointKey), ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_public_key(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<CheckpointKey>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "read the checkpoint key")?;
    let key = &app.checkpoints.key;
    Ok(Json(CheckpointKey {
        algorithm: "Ed25519",
        public_key: key.public_hex(),
        key_id: key.key_id(),
    }))
}

/// Parses `position:hash`.
pub fn parse_digest(text: &str) -> Result<LedgerDigest, ApiError> {
    let digest: LedgerDigest = text.parse().map_err(|_| {
        ApiError::InvalidRequest(format!(
            "from_digest {text:?} is not `<position>:<64 hex digits>`"
        ))
    })?;
    if digest.global_position < 0
        || digest.hash.len() != 64
        || !digest.hash.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ApiError::InvalidRequest(format!(
            "from_digest {text:?} is not `<position>:<64 hex digits>`"
        )));
    }
    Ok(LedgerDigest {
        hash: digest.hash.to_ascii_lowercase(),
        ..digest
    })
}

/// The audit of one product's decisions: each recognition, refusal, legacy import and
/// revocation re-derived from its recorded inputs under the rules of its own date, with
/// findings (empty when all is consistent). Auditors, admins and inspectors in scope.
///
/// Who: `auditor`, `admin`, and `inspector` within their scope.
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/audit",
    tag = "audit",
    params(("id" = uuid::Uuid, Path, description = "The product id"), ReadParams),
    responses((status = 200, description = "the product's decisions and findings", body = ProductAudit), ReadResponses),
    security(("bearer" = []))
)]
pub async fn product_audit(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<ProductAudit>, ApiError> {
    require_role(&actor, &DECISION_AUDIT_ROLES, "read audits")?;
    let id = super::product_id(&id)?;
    wait_for(&app, params.min_position).await?;
    let view = app
        .read
        .product(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no such product: {id}")))?;
    let place = RecordedPlace::of(&view.state);
    if !super::may_read(&app, &actor, place.as_ref()).await? {
        return Err(ApiError::Forbidden(format!(
            "{} in scope {} may not audit a product outside it",
            actor.role.as_str(),
            actor.scope
        )));
    }
    Ok(Json(audit::audit_product(&app.read, id).await?))
}

/// Filters of the decision audit.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecisionsParams {
    /// Province code.
    pub province: Option<String>,
    /// Decisions dated from (inclusive).
    pub from: Option<NaiveDate>,
    /// Decisions dated to (inclusive).
    pub to: Option<NaiveDate>,
    /// Only rounds under this rule version, e.g. `qd148-2023`.
    pub rules_version: Option<String>,
    /// Page through the decisions: those recorded after this global position.
    pub after: Option<i64>,
    /// Page size, 1–10000 (default 1000); `next_after` names the next page.
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// Checks an audit's filter and narrows it to the actor's scope: a province's scope audits
/// its province (and, from the 2025 merger, the provinces it succeeded).
pub(crate) fn audit_filter(
    actor: &ocop_domain::Actor,
    mut filter: audit::AuditFilter,
    today: NaiveDate,
) -> Result<audit::AuditFilter, ApiError> {
    require_role(actor, &DECISION_AUDIT_ROLES, "read audits")?;
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(ApiError::InvalidRequest(format!(
                "from {from} is after to {to}"
            )));
        }
    }
    if let Some(asked) = &filter.rules_version {
        let book = ocop_domain::RuleBook::standard();
        if !book.versions().iter().any(|v| v.id.as_str() == asked) {
            let known: Vec<&str> = book.versions().iter().map(|v| v.id.as_str()).collect();
            return Err(ApiError::InvalidRequest(format!(
                "rules_version {asked:?} is not a rule version; the versions are {}",
                known.join(", ")
            )));
        }
    }
    if let Some(own) = actor.scope.province() {
        match &filter.province {
            Some(p) if ocop_domain::units::province_covers(own.as_str(), p, today) => {}
            Some(p) => {
                return Err(ApiError::Forbidden(format!(
                    "{} in scope {} may not audit province {p}",
                    actor.role.as_str(),
                    actor.scope
                )));
            }
            None => filter.province = Some(own.as_str().to_owned()),
        }
    }
    Ok(filter)
}

/// The most decisions one page of the audit holds, and how many without `limit`.
const DECISIONS_MAX: usize = 10_000;
const DECISIONS_DEFAULT: usize = 1_000;

/// Every decision in range re-derived from its recorded inputs, with findings and counts by
/// finding code, a page at a time (`limit`, default 1000), with `next_after` for the next
/// page (null on the last).
///
/// Who: `auditor`, `admin`, and `inspector` (a provincial inspector's audit is confined to
/// their province).
#[utoipa::path(
    get,
    path = "/api/v1/audits/decisions",
    tag = "audit",
    params(DecisionsParams),
    responses((status = 200, description = "one page of audited decisions", body = DecisionAudit), ReadResponses),
    security(("bearer" = []))
)]
pub async fn decisions_audit(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<DecisionsParams>,
) -> Result<Json<DecisionAudit>, ApiError> {
    let filter = audit_filter(
        &actor,
        audit::AuditFilter {
            province: params.province,
            from: params.from,
            to: params.to,
            rules_version: params.rules_version,
        },
        app.today(),
    )?;
    wait_for(&app, params.min_position).await?;
    // A page at a time, always: the whole country at once would be held in memory.
    let limit = params.limit.unwrap_or(DECISIONS_DEFAULT);
    if !(1..=DECISIONS_MAX).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be between 1 and {DECISIONS_MAX}, not {limit}"
        )));
    }
    let page = audit::audit_decisions_page(&app.read, &filter, params.after, limit).await?;
    Ok(Json(DecisionAudit {
        report: AuditReport::of(filter, page.decisions),
        next_after: page.next_after,
    }))
}
