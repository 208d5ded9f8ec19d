//! The ministry's decision audit and the hash-chained ledger.

use axum::Json;
use axum::extract::State;
use ocop_domain::Role;
use ocop_eventstore::LedgerDigest;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{ReadResponses, require_role};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Query};

/// Who may read the ledger and the audits.
const AUDIT_ROLES: [Role; 2] = [Role::Auditor, Role::Admin];

/// The head of the ledger, `{"global_position", "hash"}`, for auditors to keep.
#[utoipa::path(
    get,
    path = "/api/v1/ledger/digest",
    tag = "audit",
    responses(ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_digest(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
) -> Result<Json<Value>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "read the ledger digest")?;
    let head = app.store.head().await?;
    Ok(Json(
        json!({ "global_position": head.global_position, "hash": head.hash }),
    ))
}

/// Parameters of the ledger verification.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// A digest kept earlier, `<position>:<hash>`: proves nothing up to it changed and checks
    /// every event after it.
    pub from_digest: Option<String>,
}

/// Recomputes the hash chain (from a kept digest, or from the start).
#[utoipa::path(
    get,
    path = "/api/v1/ledger/verify",
    tag = "audit",
    params(VerifyParams),
    responses(ReadResponses),
    security(("bearer" = []))
)]
pub async fn ledger_verify(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<VerifyParams>,
) -> Result<Json<Value>, ApiError> {
    require_role(&actor, &AUDIT_ROLES, "verify the ledger")?;
    let from = params
        .from_digest
        .as_deref()
        .map(parse_digest)
        .transpose()?;
    let report = app.store.verify(from).await?;
    Ok(Json(json!({
        "ok": report.ok,
        "events_checked": report.events_checked,
        "head": { "global_position": report.head.global_position, "hash": report.head.hash },
        "first_broken_position": report.first_broken_position,
    })))
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
