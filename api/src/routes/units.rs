//! The administrative units in force: reference data, no token.

// utoipa's `path` macro expands `params(SomeParams)` into fully qualified calls.
#![allow(unused_qualifications)]

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use ocop_domain::units;
use serde::Deserialize;
use utoipa::IntoParams;

use super::PublicResponses;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::Query;

/// Parameters of the province list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProvincesParams {
    /// The day (`YYYY-MM-DD`, default today in Vietnam): 63 provinces before 2025-07-01,
    /// 34 from then.
    pub on: Option<NaiveDate>,
}

/// The provinces in force on a date, each with its code, name and the recorded codes it
/// holds (its own and those of the provinces it succeeded in the 2025 merger):
/// `[{"code": "08", "name": "Tuyên Quang", "succeeds": ["02", "08"]}]` (Resolution
/// 202/2025/QH15; codes of Decision 19/2025/QĐ-TTg).
///
/// Who: anyone: no token.
#[utoipa::path(
    get,
    path = "/api/v1/units/provinces",
    tag = "public",
    params(ProvincesParams),
    responses((status = 200, description = "the provinces in force, by code", body = Vec<units::ProvinceInForce>), PublicResponses)
)]
pub async fn provinces(
    State(app): State<AppState>,
    Query(params): Query<ProvincesParams>,
) -> Result<Json<Vec<units::ProvinceInForce>>, ApiError> {
    let on = params.on.unwrap_or_else(|| app.today());
    Ok(Json(units::provinces_on(on)))
}
