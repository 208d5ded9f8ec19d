//! Producers (chủ thể): who holds the products, identified by tax code (else by name and
//! province, folded).

// utoipa's `path` macro expands `params(SomeParams)` into fully qualified calls.
#![allow(unused_qualifications)]

use axum::Json;
use axum::extract::{Path, State};
use ocop_domain::authorization::{ListPlace, RecordedPlace};
use ocop_projections::read::query::{MAX_LIMIT, ProducerQuery};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::queries::{ReadParams, confine_to_scope, wait_for};
use super::{ReadResponses, may_read};
use crate::answers::{ProducerAnswer, ProducerList};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, Query};

/// Parameters of the producer list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProducersParams {
    /// Producers with a product in this province in force (its predecessors included).
    pub province: Option<String>,
    /// Producers whose name contains this text (diacritics and case ignored).
    pub q: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The producers, by producer id: `{"items": [{"producer_id", "name", "kind", "tax_code",
/// "province", "products", "recognized"}], "next_cursor"}`. `products` and `recognized`
/// count the producer's products in the list's place (and the token's scope); `province`
/// is the province in force that holds its most recent product.
///
/// Who: any staff role; narrowed to the token's scope.
#[utoipa::path(
    get,
    path = "/api/v1/producers",
    tag = "queries",
    params(ProducersParams),
    responses((status = 200, description = "one page of producers", body = ProducerList), ReadResponses),
    security(("bearer" = []))
)]
pub async fn list_producers(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<ProducersParams>,
) -> Result<Json<ProducerList>, ApiError> {
    if let Some(limit) = params.limit {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::InvalidRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
    }
    if let Some(cursor) = &params.cursor {
        Uuid::parse_str(cursor).map_err(|_| {
            ApiError::InvalidRequest("cursor is not a next_cursor of this list".into())
        })?;
    }
    let place = confine_to_scope(
        &actor,
        "producers",
        ListPlace {
            province: params.province,
            ..ListPlace::default()
        },
        app.today(),
    )?;
    let query = ProducerQuery {
        province: place.province,
        commune: place.commune,
        district: place.district,
        q: params.q,
        cursor: params.cursor,
        limit: params.limit,
    };
    wait_for(&app, params.min_position).await?;
    let (items, next_cursor) = app.read.producers(&query).await?;
    Ok(Json(ProducerList { items, next_cursor }))
}

/// One producer and its products (id, name, status, stars, valid until, place), oldest
/// record first; outside the national scope, its products in the token's scope (404 when
/// there are none).
///
/// Who: any staff role; outside the national scope, the producer's products in the token's
/// scope.
#[utoipa::path(
    get,
    path = "/api/v1/producers/{producer_id}",
    tag = "queries",
    params(("producer_id" = Uuid, Path, description = "The producer id"), ReadParams),
    responses((status = 200, description = "the producer and its products", body = ProducerAnswer), ReadResponses),
    security(("bearer" = []))
)]
pub async fn get_producer(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Json<ProducerAnswer>, ApiError> {
    let not_found = || ApiError::NotFound(format!("no such producer: {id}"));
    let producer_id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    wait_for(&app, params.min_position).await?;
    let (producer, products) = app
        .read
        .producer(producer_id)
        .await?
        .ok_or_else(not_found)?;
    let mut readable = Vec::with_capacity(products.len());
    for p in products {
        let place = RecordedPlace::parse(&p.province, p.commune.as_deref(), p.district.as_deref());
        if may_read(&app, &actor, place.as_ref()).await? {
            readable.push(p);
        }
    }
    let products = readable;
    if products.is_empty() {
        return Err(not_found());
    }
    Ok(Json(ProducerAnswer::of(producer, products)))
}
