//! Queries: the product list and one product (now, as recorded at a time or version, and
//! legally on a business date), its history, statistics, the global feed and the public
//! register.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::Role;
use ocop_domain::authorization::{self, ListPlace};
use ocop_domain::events::ProductGroup;
use ocop_domain::state::Status;
use ocop_projections::read::query::{
    MAX_LIMIT, ProductAnswer, ProductAsk, ProductQuery, PublicProduct, StatsDimension,
    VersionedState,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::{PublicResponses, ReadResponses, product_id, require_role};
use crate::answers::{
    AmbiguousCertificate, CurrentPlace, EventPage, PlacedState, ProductAnswer as Answer,
    ProductHistory, ProductList, PublicRevocations, Stats,
};
use crate::app::{AppState, MIN_POSITION_WAIT};
use crate::error::ApiError;
use crate::extract::{Authenticated, Query};

/// Waits until the read side has applied `min_position`, or answers 503.
pub async fn wait_for(app: &AppState, min_position: Option<i64>) -> Result<(), ApiError> {
    let Some(position) = min_position else {
        return Ok(());
    };
    app.runner
        .wait_for(position, MIN_POSITION_WAIT)
        .await
        .map_err(|e| ApiError::Unavailable {
            detail: format!(
                "the read side has applied position {}, not yet {position}; retry shortly",
                e.applied
            ),
            retry_after: 1,
        })
}

/// The parameter of reads that take no other: the position to wait for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadParams {
    /// Wait until the read side has applied this global position (503 with `Retry-After`
    /// if it does not within 5 s).
    pub min_position: Option<i64>,
}

/// Filters of the product list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Province code (2 digits).
    pub province: Option<String>,
    /// Commune code (5 digits).
    pub commune: Option<String>,
    /// `registered | in_evaluation | recognized | not_recognized | expired | revoked | withdrawn`.
    pub status: Option<String>,
    /// Stars of the current recognition (3–5).
    pub stars: Option<u8>,
    /// Product group, e.g. `food`.
    pub group: Option<String>,
    /// Year of the current recognition's decision (of registration if never recognised).
    pub year: Option<i32>,
    /// Only products legally recognised on this business date.
    pub valid_on: Option<NaiveDate>,
    /// Words of the name or producer, with or without diacritics ("mat ong" finds "Mật ong").
    pub q: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The current-state list: `{"items": [state…], "next_cursor"}`. Outside the national
/// scope, only the products in the token's scope are listed.
///
/// Who: any staff role (`commune_officer`, `district_secretary`, `provincial_secretary`,
/// `central_secretary`, `inspector`, `auditor`, `admin`); the list is narrowed to the
/// token's scope.
#[utoipa::path(
    get,
    path = "/api/v1/products",
    tag = "queries",
    params(ListParams),
    responses((status = 200, description = "one page of the list", body = ProductList), ReadResponses),
    security(("bearer" = []))
)]
pub async fn list_products(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<ListParams>,
) -> Result<Json<ProductList>, ApiError> {
    let min_position = params.min_position;
    let query = product_query(&actor, params, app.today())?;
    wait_for(&app, min_position).await?;
    let page = app.read.products(&query).await?;
    Ok(Json(ProductList {
        items: with_current_place(&app, page.items).await?,
        next_cursor: page.next_cursor,
    }))
}

/// The list's query from its parameters, checked and narrowed to the actor's scope.
pub(crate) fn product_query(
    actor: &ocop_domain::Actor,
    params: ListParams,
    today: NaiveDate,
) -> Result<ProductQuery, ApiError> {
    if let Some(status) = &params.status {
        serde_json::from_value::<Status>(Value::from(status.as_str())).map_err(|_| {
            ApiError::InvalidRequest(format!(
                "status {status:?} is not one of registered, in_evaluation, recognized, \
                 not_recognized, expired, revoked, withdrawn"
            ))
        })?;
    }
    if let Some(group) = &params.group {
        serde_json::from_value::<ProductGroup>(Value::from(group.as_str()))
            .map_err(|e| ApiError::InvalidRequest(format!("group: {e}")))?;
    }
    if let Some(stars) = params.stars {
        if !(1..=5).contains(&stars) {
            return Err(ApiError::InvalidRequest(format!(
                "stars must be between 1 and 5, not {stars}"
            )));
        }
    }
    if let Some(limit) = params.limit {
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::InvalidRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}, not {limit}"
            )));
        }
    }
    if let Some(cursor) = &params.cursor {
        uuid::Uuid::parse_str(cursor).map_err(|_| {
            ApiError::InvalidRequest("cursor is not a next_cursor of this list".into())
        })?;
    }
    let place = confine_to_scope(
        actor,
        "products",
        ListPlace {
            province: params.province,
            commune: params.commune,
            district: None,
        },
        today,
    )?;
    Ok(ProductQuery {
        province: place.province,
        commune: place.commune,
        district: place.district,
        status: params.status,
        stars: params.stars.map(i64::from),
        group: params.group,
        year: params.year,
        valid_on: params.valid_on,
        q: params.q,
        cursor: params.cursor,
        limit: params.limit,
    })
}

/// A list's place filters narrowed to the token's scope ([`authorization::confine_list`]);
/// a filter naming another place is refused (`listing`, what is listed, names it).
pub(crate) fn confine_to_scope(
    actor: &ocop_domain::Actor,
    listing: &str,
    mut asked: ListPlace,
    on: NaiveDate,
) -> Result<ListPlace, ApiError> {
    authorization::confine_list(actor, &mut asked, on).map_err(|what| {
        ApiError::Forbidden(format!(
            "{} in scope {} may not list {listing} of {what}",
            actor.role.as_str(),
            actor.scope,
        ))
    })?;
    Ok(asked)
}

/// Parameters of one product.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductParams {
    /// Replay the stream as recorded at this time (RFC 3339): "what did we know then".
    pub as_of: Option<DateTime<Utc>>,
    /// Replay the stream up to this version.
    pub at_version: Option<i64>,
    /// Was it recognised on this business date, with which stars, under which decision
    /// ("what was legally true then"); with `as_of`, judged from what was recorded by then.
    pub valid_on: Option<NaiveDate>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The product's current state (`ETag` = version), or its state replayed as recorded at a
/// time or version, or its recognition on a business date.
///
/// Who: any staff role whose scope holds the product (national scopes read every product).
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}",
    tag = "queries",
    params(("id" = uuid::Uuid, Path, description = "The product id"), ProductParams),
    responses(
        (status = 200, description = "the product state (`ETag`: its version); with `valid_on`, whether it was recognised on that date",
         body = Answer, headers(("ETag" = String, description = "The product's version in quotes, e.g. \"3\"."))),
        ReadResponses
    ),
    security(("bearer" = []))
)]
pub async fn get_product(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    Query(params): Query<ProductParams>,
) -> Result<Response, ApiError> {
    let id = product_id(&id)?;
    if params.as_of.is_some() && params.at_version.is_some() {
        return Err(ApiError::InvalidRequest(
            "as_of and at_version cannot be combined: give one".into(),
        ));
    }
    if params.valid_on.is_some() && params.at_version.is_some() {
        return Err(ApiError::InvalidRequest(
            "valid_on combines with as_of, not with at_version".into(),
        ));
    }
    if let Some(v) = params.at_version {
        if v < 1 {
            return Err(ApiError::InvalidRequest(format!(
                "at_version must be 1 or more, not {v}"
            )));
        }
    }
    wait_for(&app, params.min_position).await?;
    let ask = match (params.valid_on, params.as_of, params.at_version) {
        (Some(date), known_at, _) => ProductAsk::ValidOn { date, known_at },
        (None, Some(t), _) => ProductAsk::AsOf(t),
        (None, None, Some(v)) => ProductAsk::AtVersion(v),
        (None, None, None) => ProductAsk::Now,
    };
    let VersionedState { version, state } =
        match app.products.product(&actor, id, ask, app.today()).await? {
            ProductAnswer::State(state) => state,
            ProductAnswer::ValidOn(answer) => {
                return Ok(Json(Answer::ValidOn(answer)).into_response());
            }
        };
    let state = with_current_place(&app, vec![state]).await?.remove(0);
    let mut response = Json(Answer::State(state)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

/// `states` with their `current_place` ([`CurrentPlace`]): the units in force today that
/// hold each record, beside the place each was recorded with (`province`, `commune`,
/// `district`).
pub async fn with_current_place(
    app: &AppState,
    states: Vec<Value>,
) -> Result<Vec<PlacedState>, ApiError> {
    use ocop_domain::units;
    let on = app.today();
    let communes: Vec<&str> = states
        .iter()
        .filter_map(|s| s.get("commune").and_then(Value::as_str))
        .collect();
    let holders = ocop_projections::import::units::holders(app.read.db(), &communes, on).await?;
    let placed = states
        .into_iter()
        .map(|state| {
            let recorded = state
                .get("province")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let province = units::province_on(recorded, on).to_owned();
            let commune = state
                .get("commune")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let moved = commune.as_deref().and_then(|c| holders.get(c));
            let current_place = CurrentPlace {
                province_name: units::province_name(&province, on),
                province,
                commune: match moved.map(Vec::as_slice) {
                    None => commune,
                    Some([one]) => Some(one.clone()),
                    Some(_) => None,
                },
                communes: moved.filter(|m| m.len() > 1).cloned(),
            };
            PlacedState {
                state,
                current_place,
            }
        })
        .collect();
    Ok(placed)
}

/// Parameters of the history.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Events after this version of the product: the previous page's `next_after`.
    pub after: Option<i64>,
    /// At most this many events, 1–1000 (default 500), in version order.
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The most events one page of a history holds, and how many without `limit`.
const HISTORY_MAX: usize = 1000;
const HISTORY_DEFAULT: usize = 500;

/// The audit trail: every event with actor, role, scope, recorded time, business dates,
/// decision references and hashes, in order.
///
/// Who: any staff role whose scope holds the product (national scopes read every product).
#[utoipa::path(
    get,
    path = "/api/v1/products/{id}/history",
    tag = "queries",
    params(("id" = uuid::Uuid, Path, description = "The product id"), HistoryParams),
    responses((status = 200, description = "one page of the trail", body = ProductHistory), ReadResponses),
    security(("bearer" = []))
)]
pub async fn product_history(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Path(id): Path<String>,
    Query(params): Query<HistoryParams>,
) -> Result<Json<ProductHistory>, ApiError> {
    let id = product_id(&id)?;
    let limit = params.limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be between 1 and {HISTORY_MAX}, not {limit}"
        )));
    }
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::InvalidRequest(format!(
            "after must be a version (0 or more), not {after}"
        )));
    }
    wait_for(&app, params.min_position).await?;
    let current = app.products.current(&actor, id, app.today()).await?;
    let events = app.read.history(id, after, limit).await?;
    // The events are read from the log after the state: a command recorded in between is
    // in the list, and the version is the list's.
    let version = events
        .last()
        .map_or(current.version, |e| e.version.max(current.version));
    let next_after = (events.len() == limit)
        .then(|| events.last().map(|e| e.version))
        .flatten()
        .filter(|last| *last < version);
    Ok(Json(ProductHistory {
        product_id: id,
        version,
        events,
        next_after,
    }))
}

/// Parameters of the statistics.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Comma-separated dimensions: `province`, `stars`, `group`, `year`, `status`.
    pub group_by: Option<String>,
    /// `current` (default): `province` is the province in force today, the records of
    /// provinces merged in 2025 counted under their successor; `recorded`: the province
    /// each record was made with.
    pub place: Option<String>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// Product counts grouped by the given dimensions (all products when none is given).
///
/// Who: any staff role (counts only).
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "queries",
    params(StatsParams),
    responses((status = 200, description = "the counts", body = Stats), ReadResponses),
    security(("bearer" = []))
)]
pub async fn stats(
    State(app): State<AppState>,
    Authenticated(_actor): Authenticated,
    Query(params): Query<StatsParams>,
) -> Result<Json<Stats>, ApiError> {
    let mut dims = Vec::new();
    for name in params
        .group_by
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let dim = StatsDimension::parse(name).ok_or_else(|| {
            ApiError::InvalidRequest(format!(
                "group_by: {name:?} is not one of province, stars, group, year, status"
            ))
        })?;
        if !dims.contains(&dim) {
            dims.push(dim);
        }
    }
    let current_on = match params.place.as_deref() {
        None | Some("current") => Some(app.today()),
        Some("recorded") => None,
        Some(other) => {
            return Err(ApiError::InvalidRequest(format!(
                "place: {other:?} is not one of current, recorded"
            )));
        }
    };
    wait_for(&app, params.min_position).await?;
    let counts = app.read.stats(&dims, current_on).await?;
    Ok(Json(Stats {
        group_by: dims.iter().map(|d| d.name()).collect(),
        total: counts.iter().map(|r| r.count).sum(),
        counts,
    }))
}

/// Parameters of the global feed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// Events after this global position (default 0: from the start).
    pub after: Option<i64>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The global feed of every event in commit order, for integration (auditor, admin).
///
/// Who: `auditor`, `admin`.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "queries",
    params(EventsParams),
    responses((status = 200, description = "one page of the feed", body = EventPage), ReadResponses),
    security(("bearer" = []))
)]
pub async fn events(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<EventsParams>,
) -> Result<Json<EventPage>, ApiError> {
    require_role(
        &actor,
        &[Role::Auditor, Role::Admin],
        "read the global feed",
    )?;
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::InvalidRequest("after must be 0 or more".into()));
    }
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be between 1 and 1000, not {limit}"
        )));
    }
    wait_for(&app, params.min_position).await?;
    let events = app.store.read_all(after, limit).await?;
    let next_after = if events.len() == limit {
        events.last().map(|e| e.global_position)
    } else {
        None
    };
    Ok(Json(EventPage { events, next_after }))
}

/// What consumers may see of a product, by its id or its certificate number — no token.
///
/// Who: anyone: no token.
#[utoipa::path(
    get,
    path = "/api/v1/public/products/{key}",
    tag = "public",
    params(("key" = String, Path, description = "The product id or the certificate number"), ReadParams),
    responses(
        (status = 200, description = "the product", body = PublicProduct),
        (status = 300, description = "ambiguous_certificate: several products (of different provinces, or \
                     records from before certificate numbers were checked) carry this \
                     certificate number; each candidate as the 200 answer describes it",
         body = AmbiguousCertificate),
        PublicResponses
    )
)]
pub async fn public_product(
    State(app): State<AppState>,
    Path(key): Path<String>,
    Query(params): Query<ReadParams>,
) -> Result<Response, ApiError> {
    wait_for(&app, params.min_position).await?;
    if key.contains('\0') {
        return Err(ApiError::NotFound(
            "no product or certificate with that key".into(),
        ));
    }
    let mut found = app.read.public_products(&key).await?;
    match found.len() {
        0 => Err(ApiError::NotFound(format!(
            "no product or certificate {key:?}"
        ))),
        1 => Ok(Json(found.remove(0)).into_response()),
        // Two provinces (or a record from before certificate numbers were checked) share
        // the number: the consumer chooses, the server never picks one for them.
        n => Ok((
            StatusCode::MULTIPLE_CHOICES,
            Json(AmbiguousCertificate {
                code: "ambiguous_certificate",
                detail: format!(
                    "{n} products carry the certificate number {key:?}; choose by province \
                     or look one up by its product id"
                ),
                candidates: found,
            }),
        )
            .into_response()),
    }
}

/// Parameters of the public revocation list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevocationsParams {
    /// Revocations decided on or after this date.
    pub since: Option<NaiveDate>,
    /// At most this many, 1–1000 (default 100), by decision date.
    pub limit: Option<usize>,
    /// Wait until the read side has applied this global position.
    pub min_position: Option<i64>,
}

/// The public notice of revoked recognitions — no token.
///
/// Who: anyone: no token.
#[utoipa::path(
    get,
    path = "/api/v1/public/revocations",
    tag = "public",
    params(RevocationsParams),
    responses((status = 200, description = "the notices, by decision date", body = PublicRevocations), PublicResponses)
)]
pub async fn public_revocations(
    State(app): State<AppState>,
    Query(params): Query<RevocationsParams>,
) -> Result<Json<PublicRevocations>, ApiError> {
    let limit = params.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::InvalidRequest(format!(
            "limit must be between 1 and 1000, not {limit}"
        )));
    }
    wait_for(&app, params.min_position).await?;
    let items = app.read.revocations_since(params.since, limit).await?;
    Ok(Json(PublicRevocations { items }))
}
