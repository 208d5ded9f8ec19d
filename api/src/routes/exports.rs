//! The product list and the ministry audit as files for Excel (CSV or xlsx), with the
//! filters and scopes of the list and the audit they export.

// utoipa's `path` macro expands `params(SomeParams)` into fully qualified calls.
#![allow(unused_qualifications)]

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use ocop_domain::Actor;
use ocop_projections::audit::{self, AuditFilter, AuditedDecision};
use ocop_projections::read::query::{MAX_LIMIT, ProductQuery};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::ReadResponses;
use super::audit::audit_filter;
use super::queries::{ListParams, product_query};
use crate::app::AppState;
use crate::error::ApiError;
use crate::export::{BOM, Cell, FileFormat, Sheet, csv_line};
use crate::extract::{Authenticated, Query};
use crate::web::view;

/// Parameters of the product export: the list's filters and the file's format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProductExportParams {
    /// `csv` (UTF-8 with a BOM) or `xlsx`.
    pub format: Option<String>,
    /// The province in force (its predecessors included).
    pub province: Option<String>,
    pub commune: Option<String>,
    pub status: Option<String>,
    pub stars: Option<u8>,
    pub group: Option<String>,
    pub year: Option<i32>,
    pub valid_on: Option<NaiveDate>,
    pub q: Option<String>,
}

/// Parameters of the audit export: the audit's filters and the file's format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecisionExportParams {
    /// `csv` (UTF-8 with a BOM) or `xlsx`.
    pub format: Option<String>,
    pub province: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub rules_version: Option<String>,
}

fn format_of(given: Option<&str>) -> Result<FileFormat, ApiError> {
    let given = given.unwrap_or("csv");
    FileFormat::parse(given).ok_or_else(|| {
        ApiError::InvalidRequest(format!("format: {given:?} is not one of csv, xlsx"))
    })
}

const PRODUCT_HEADER: [&str; 13] = [
    "STT",
    "Tên sản phẩm",
    "Chủ thể",
    "Xã",
    "Tỉnh",
    "Nhóm sản phẩm",
    "Số sao",
    "Điểm",
    "Số quyết định",
    "Ngày quyết định",
    "Hiệu lực đến",
    "Tình trạng",
    "Mã sản phẩm",
];

/// One product's row.
fn product_row(n: usize, state: &Value, today: NaiveDate) -> Vec<Cell> {
    let s = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_default();
    let rec = &state["recognition"];
    let recorded = state["province"].as_str().unwrap_or_default();
    let province = ocop_domain::units::province_on(recorded, today);
    let province = ocop_domain::units::province_name(province, today)
        .map_or_else(|| recorded.to_owned(), str::to_owned);
    vec![
        Cell::Number(n as f64),
        Cell::text(s(&state["name"])),
        Cell::text(s(&state["producer"]["name"])),
        Cell::text(s(&state["commune"])),
        Cell::text(province),
        Cell::text(view::group(
            state["product_group"].as_str().unwrap_or_default(),
        )),
        rec["stars"].as_f64().map_or(Cell::Empty, Cell::Number),
        Cell::decimal(rec["mean"].as_str()),
        Cell::text(s(&rec["decision_no"])),
        Cell::date(rec["decided_on"].as_str()),
        Cell::date(rec["valid_until"].as_str()),
        Cell::text(view::status(state["status"].as_str().unwrap_or_default()).0),
        Cell::text(s(&state["product_id"])),
    ]
}

const DECISION_HEADER: [&str; 16] = [
    "STT",
    "Vị trí sổ cái",
    "Mã sản phẩm",
    "Tên sản phẩm",
    "Loại",
    "Tỉnh",
    "Số quyết định",
    "Ngày quyết định",
    "Cơ quan",
    "Cấp",
    "Số sao",
    "Phiên bản quy định",
    "Điểm tính lại",
    "Hợp lệ",
    "Phát hiện",
    "Mã văn bản quyết định",
];

/// One audited decision's row.
fn decision_row(n: usize, d: &AuditedDecision) -> Vec<Cell> {
    let opt = |v: &Option<String>| Cell::text(v.clone().unwrap_or_default());
    let findings: Vec<String> = d
        .findings
        .iter()
        .map(|f| format!("{} ({})", f.code.as_str(), f.detail))
        .collect();
    vec![
        Cell::Number(n as f64),
        Cell::Number(d.global_position as f64),
        Cell::text(d.product_id.to_string()),
        opt(&d.name),
        Cell::text(d.kind.clone()),
        Cell::text(d.province.clone()),
        opt(&d.decision_no),
        Cell::date(d.decided_on.as_deref()),
        opt(&d.authority),
        opt(&d.level),
        d.stars.map_or(Cell::Empty, |s| Cell::Number(s as f64)),
        opt(&d.rules_version),
        Cell::decimal(d.rederived.mean.as_deref()),
        Cell::text(if d.rederived.allowed { "có" } else { "không" }),
        Cell::text(findings.join("; ")),
        Cell::text(d.decision_id.map(|i| i.to_string()).unwrap_or_default()),
    ]
}

/// Where an export is in its list.
enum Cursor {
    Products {
        query: ProductQuery,
        done: bool,
    },
    Decisions {
        filter: AuditFilter,
        after: Option<i64>,
        done: bool,
    },
}

/// The next page of rows (empty at the end).
async fn next_rows(
    app: &AppState,
    cursor: &mut Cursor,
    numbered: &mut usize,
) -> Result<Vec<Vec<Cell>>, ApiError> {
    let today = app.today();
    match cursor {
        Cursor::Products { done: true, .. } | Cursor::Decisions { done: true, .. } => {
            Ok(Vec::new())
        }
        Cursor::Products { query, done } => {
            let page = app.read.products(query).await?;
            *done = page.next_cursor.is_none();
            query.cursor = page.next_cursor;
            Ok(page
                .items
                .iter()
                .map(|state| {
                    *numbered += 1;
                    product_row(*numbered, state, today)
                })
                .collect())
        }
        Cursor::Decisions {
            filter,
            after,
            done,
        } => {
            let page = audit::audit_decisions_page(&app.read, filter, *after, 1_000).await?;
            *done = page.next_after.is_none();
            *after = page.next_after;
            Ok(page
                .decisions
                .iter()
                .map(|d| {
                    *numbered += 1;
                    decision_row(*numbered, d)
                })
                .collect())
        }
    }
}

/// The file's response: CSV streamed page by page, xlsx written row by row to the
/// writer's temporary file and sent when zipped.
async fn file(
    app: AppState,
    format: FileFormat,
    name: &str,
    header: &[&str],
    mut cursor: Cursor,
) -> Result<Response, ApiError> {
    let disposition = format!("attachment; filename=\"{name}.{}\"", format.extension());
    let body = match format {
        FileFormat::Csv => {
            // The first page is read before answering, so that a failing read is an error
            // status rather than a truncated file.
            let mut numbered = 0;
            let first = next_rows(&app, &mut cursor, &mut numbered).await?;
            let mut text = String::from(BOM);
            csv_line(
                &header.iter().map(|h| Cell::text(*h)).collect::<Vec<_>>(),
                &mut text,
            );
            for row in &first {
                csv_line(row, &mut text);
            }
            let head = futures_util::stream::once(async move { Ok::<_, ApiError>(text) });
            let rest = futures_util::stream::unfold(
                (app, cursor, numbered),
                |(app, mut cursor, mut numbered)| async move {
                    match next_rows(&app, &mut cursor, &mut numbered).await {
                        Ok(rows) if rows.is_empty() => None,
                        Ok(rows) => {
                            let mut text = String::new();
                            for row in &rows {
                                csv_line(row, &mut text);
                            }
                            Some((Ok(text), (app, cursor, numbered)))
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "an export stopped part way");
                            Some((Err(e), (app, cursor, numbered)))
                        }
                    }
                },
            );
            Body::from_stream(futures_util::StreamExt::chain(head, rest))
        }
        FileFormat::Xlsx => {
            let xlsx = |e: rust_xlsxwriter::XlsxError| ApiError::Internal(format!("xlsx: {e}"));
            let mut sheet = Sheet::new(name, header).map_err(xlsx)?;
            let mut numbered = 0;
            loop {
                let rows = next_rows(&app, &mut cursor, &mut numbered).await?;
                if rows.is_empty() {
                    break;
                }
                for row in &rows {
                    sheet.row(row).map_err(xlsx)?;
                }
            }
            let bytes = tokio::task::spawn_blocking(move || sheet.finish())
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(xlsx)?;
            Body::from(bytes)
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// The product list as a file (`format=csv|xlsx`, default csv) with the list's filters and
/// the token's scope: STT, name, producer, commune, province (in force), group, stars,
/// mean, decision number and date, valid until, status, product id.
///
/// Who: any staff role; the rows of the token's scope, as the list.
#[utoipa::path(
    get,
    path = "/api/v1/exports/products",
    tag = "queries",
    params(ProductExportParams),
    responses((status = 200, description = "the file: CSV (UTF-8 with a BOM) or xlsx, as `format` asks"), ReadResponses),
    security(("bearer" = []))
)]
pub async fn export_products(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<ProductExportParams>,
) -> Result<Response, ApiError> {
    let list = ListParams {
        province: params.province,
        commune: params.commune,
        status: params.status,
        stars: params.stars,
        group: params.group,
        year: params.year,
        valid_on: params.valid_on,
        q: params.q,
        ..ListParams::default()
    };
    product_list_file(app, &actor, list, params.format.as_deref()).await
}

/// Every product the list's filters `list` select in `actor`'s scope (its page ignored), as
/// a file in `format` (`csv` when `None`): the export's answer, and the web's download.
pub async fn product_list_file(
    app: AppState,
    actor: &Actor,
    list: ListParams,
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let format = format_of(format)?;
    let list = ListParams {
        cursor: None,
        limit: Some(MAX_LIMIT),
        min_position: None,
        ..list
    };
    let query = product_query(actor, list, app.today())?;
    let cursor = Cursor::Products { query, done: false };
    file(app, format, "san-pham-ocop", &PRODUCT_HEADER, cursor).await
}

/// The ministry audit as a file (`format=csv|xlsx`, default csv) with the audit's filters:
/// every decision in range re-derived, whether it stands, its findings.
///
/// Who: `auditor`, `admin`, and `inspector` within their scope, as the audit.
#[utoipa::path(
    get,
    path = "/api/v1/exports/decisions",
    tag = "audit",
    params(DecisionExportParams),
    responses((status = 200, description = "the file: CSV (UTF-8 with a BOM) or xlsx, as `format` asks"), ReadResponses),
    security(("bearer" = []))
)]
pub async fn export_decisions(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    Query(params): Query<DecisionExportParams>,
) -> Result<Response, ApiError> {
    let filter = AuditFilter {
        province: params.province,
        from: params.from,
        to: params.to,
        rules_version: params.rules_version,
    };
    decision_audit_file(app, &actor, filter, params.format.as_deref()).await
}

/// Every decision `filter` selects in `actor`'s scope, re-derived, as a file in `format`
/// (`csv` when `None`): the export's answer, and the web's download.
pub async fn decision_audit_file(
    app: AppState,
    actor: &Actor,
    filter: AuditFilter,
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let format = format_of(format)?;
    let filter = audit_filter(actor, filter, app.today())?;
    let cursor = Cursor::Decisions {
        filter,
        after: None,
        done: false,
    };
    file(app, format, "kiem-tra-quyet-dinh", &DECISION_HEADER, cursor).await
}
