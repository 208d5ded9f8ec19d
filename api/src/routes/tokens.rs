//! The register of tokens issued with the server's own secret, for the auditor.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use ocop_domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ReadResponses, require_role};
use crate::answers::IssuedTokens;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Query};

/// The most tokens one page lists, and how many when `limit` is absent.
const MAX_LIMIT: usize = 1000;
const DEFAULT_LIMIT: usize = 100;

/// Parameters of the register.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// At most this many (default 100, at most 1000), newest first.
    pub limit: Option<usize>,
    /// Only tokens issued before this time (RFC 3339): the previous page's `next_before`.
    pub before: Option<DateTime<Utc>>,
}

/// Every bearer token the server signed with its own secret (`ocop token`): who, role,
/// scope, when issued, until when, by which operator — never the token itself. Tokens of
/// an identity provider are not issued here and are not listed. Auditor or admin.
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/audits/tokens",
    tag = "audit",
    params(TokenParams),
    responses((status = 200, description = "one page of the register", body = IssuedTokens), ReadResponses),
    security(("bearer" = []))
)]
pub async fn issued_tokens(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<TokenParams>,
) -> Result<Json<IssuedTokens>, ApiError> {
    require_role(
        &actor,
        &[Role::Auditor, Role::Admin],
        "read the register of issued tokens",
    )?;
    let limit = match params.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(n) => {
            return Err(ApiError::InvalidRequest(format!(
                "limit: must be between 1 and {MAX_LIMIT} (got {n})"
            )));
        }
    };
    let items = ocop_projections::access::tokens::list(app.read.db(), params.before, limit).await?;
    let next_before = (items.len() == limit)
        .then(|| items.last().map(|t| t.issued_at))
        .flatten();
    Ok(Json(IssuedTokens { items, next_before }))
}
