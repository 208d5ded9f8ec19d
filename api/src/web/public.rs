//! The public pages: the home page, the search of the public register, a product's page and
//! its QR code, the notices of revocation. No account needed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::session::behind_tls;
use super::{Page, error_page, json_of, render, view};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::Query as ApiQuery;
use crate::routes::queries::{self, ReadParams, RevocationsParams};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    q: String,
}

pub(super) async fn home() -> Response {
    render(
        StatusCode::OK,
        &HomePage {
            page: Page::public("Tra cứu sản phẩm OCOP"),
            q: String::new(),
        },
    )
}

/// One product in a list of the public register.
#[derive(Debug, Clone)]
struct PublicRow {
    key: String,
    name: String,
    producer: String,
    province: String,
    stars: String,
    stars_words: String,
    status: String,
    status_class: String,
}

impl PublicRow {
    fn of(v: &Value) -> Self {
        let (status, class) = view::public_status(v["status"].as_str().unwrap_or_default());
        PublicRow {
            key: v["product_id"].as_str().unwrap_or_default().to_owned(),
            name: view::text(v, "name"),
            producer: view::text(v, "producer"),
            province: view::text(v, "province"),
            stars: view::stars(v["stars"].as_i64()),
            stars_words: view::stars_words(v["stars"].as_i64()),
            status: status.to_owned(),
            status_class: class.to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Page,
    q: String,
    results: Vec<PublicRow>,
    more: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    #[serde(default)]
    q: String,
}

/// The most results one public search shows.
const SEARCH_LIMIT: usize = 50;

pub(super) async fn search(
    State(app): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Response {
    let q = params.q.trim().chars().take(200).collect::<String>();
    let page = Page::public("Tra cứu sản phẩm OCOP");
    let found = if q.is_empty() {
        Vec::new()
    } else {
        match app
            .read
            .search_public(&q, SEARCH_LIMIT + 1, app.today())
            .await
        {
            Ok(found) => found,
            Err(e) => return error_page(page, &e.into()),
        }
    };
    let more = found.len() > SEARCH_LIMIT;
    let results = found
        .iter()
        .take(SEARCH_LIMIT)
        .filter_map(|p| serde_json::to_value(p).ok())
        .map(|v| PublicRow::of(&v))
        .collect();
    render(
        StatusCode::OK,
        &SearchPage {
            page,
            q,
            results,
            more,
        },
    )
}

/// What the public page of a product says.
#[derive(Debug, Clone)]
struct PublicView {
    name: String,
    producer: String,
    province: String,
    group: String,
    stars: String,
    stars_words: String,
    valid_until: String,
    decision: String,
    authority: String,
    certificate: String,
    status: String,
    status_class: String,
    qr_path: String,
    address: String,
}

#[derive(Template)]
#[template(path = "public_product.html")]
struct PublicProductPage {
    page: Page,
    p: PublicView,
}

#[derive(Template)]
#[template(path = "candidates.html")]
struct CandidatesPage {
    page: Page,
    key: String,
    results: Vec<PublicRow>,
}

/// The address the public reaches the server at: `--public-base-url`, else the request's
/// `Host` over http.
fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = &app.public_base_url {
        return base.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if behind_tls(headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The public address of a product's page.
fn public_address(app: &AppState, headers: &HeaderMap, key: &str) -> String {
    let key: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
    format!("{}/tra-cuu/{key}", base_url(app, headers))
}

pub(super) async fn product(
    State(app): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let page = Page::public("Sản phẩm OCOP");
    let answer = match queries::public_product(
        State(app.clone()),
        Path(key.clone()),
        ApiQuery(ReadParams::default()),
    )
    .await
    {
        Ok(r) => json_of(r).await,
        Err(e) => Err(e),
    };
    let (status, v) = match answer {
        Ok(a) => a,
        Err(e) => return error_page(page, &e),
    };
    if status == StatusCode::MULTIPLE_CHOICES {
        let results = v["candidates"]
            .as_array()
            .map(|c| c.iter().map(PublicRow::of).collect())
            .unwrap_or_default();
        return render(
            StatusCode::MULTIPLE_CHOICES,
            &CandidatesPage { page, key, results },
        );
    }
    let (words, class) = view::public_status(v["status"].as_str().unwrap_or_default());
    let decision = match (v["decision_no"].as_str(), v["decided_on"].as_str()) {
        (Some(no), Some(on)) => format!("{no} ngày {}", view::date(on)),
        (Some(no), None) => no.to_owned(),
        _ => "—".to_owned(),
    };
    let p = PublicView {
        name: view::text(&v, "name"),
        producer: view::text(&v, "producer"),
        province: view::text(&v, "province"),
        group: view::group(v["product_group"].as_str().unwrap_or_default()).to_owned(),
        stars: view::stars(v["stars"].as_i64()),
        stars_words: view::stars_words(v["stars"].as_i64()),
        valid_until: view::opt_date(v["valid_until"].as_str()),
        decision,
        authority: view::text(&v, "authority"),
        certificate: view::text(&v, "certificate_no"),
        status: words.to_owned(),
        status_class: class.to_owned(),
        qr_path: format!(
            "/tra-cuu/{}/qr.svg",
            form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
        ),
        address: public_address(&app, &headers, &key),
    };
    let page = Page::public(&p.name);
    render(StatusCode::OK, &PublicProductPage { page, p })
}

/// The QR code of a product's public page (SVG): it encodes the page's public address.
pub(super) async fn qr_code(
    State(app): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    // Only for a product the public register holds: no codes for arbitrary text.
    match app.read.public_products(&key).await {
        Ok(found) if !found.is_empty() => {}
        Ok(_) => return (StatusCode::NOT_FOUND, "Không tìm thấy").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    }
    let address = public_address(&app, &headers, &key);
    match qrcode::QrCode::with_error_correction_level(address.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .quiet_zone(true)
                .build();
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    (header::CACHE_CONTROL, "public, max-age=300"),
                ],
                svg,
            )
                .into_response()
        }
        Err(e) => ApiError::Internal(format!("QR code: {e}")).into_response(),
    }
}

#[derive(Debug, Clone)]
struct RevocationRow {
    key: String,
    decided_on: String,
    name: String,
    producer: String,
    province: String,
    decision: String,
    grounds: String,
}

#[derive(Template)]
#[template(path = "revocations.html")]
struct RevocationsPage {
    page: Page,
    items: Vec<RevocationRow>,
}

fn ground(code: &str) -> &'static str {
    match code {
        "not_re_evaluated" => "Không đánh giá lại khi hết thời hạn",
        "failed_mandatory_criteria" => "Không đạt tiêu chí bắt buộc",
        "food_safety_violation" => "Vi phạm an toàn thực phẩm",
        "quality_differs" => "Chất lượng không đúng như hồ sơ",
        "production_stopped" => "Ngừng sản xuất",
        "fraudulent_dossier" => "Hồ sơ gian dối",
        "producer_request" => "Theo đề nghị của chủ thể",
        _ => "Lý do khác",
    }
}

pub(super) async fn revocations(State(app): State<AppState>) -> Response {
    let page = Page::public("Thông báo thu hồi");
    let answer = queries::public_revocations(
        State(app),
        ApiQuery(RevocationsParams {
            limit: Some(1000),
            ..RevocationsParams::default()
        }),
    )
    .await;
    let v = match answer {
        Ok(axum::Json(v)) => v,
        Err(e) => return error_page(page, &e),
    };
    let items: Vec<Value> = v.items.iter().map(view::json).collect();
    let mut items: Vec<RevocationRow> = Some(items)
        .map(|items| {
            items
                .iter()
                .map(|r| RevocationRow {
                    key: r["product_id"].as_str().unwrap_or_default().to_owned(),
                    decided_on: view::opt_date(r["decided_on"].as_str()),
                    name: view::text(r, "name"),
                    producer: view::text(r, "producer"),
                    province: view::text(r, "province"),
                    decision: format!(
                        "{} — {}",
                        view::text(r, "decision_no"),
                        view::text(r, "authority")
                    ),
                    grounds: r["grounds"]
                        .as_array()
                        .map(|g| {
                            g.iter()
                                .map(|c| ground(c.as_str().unwrap_or_default()))
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    // The API lists them by decision date, oldest first; the notice board, newest first.
    items.reverse();
    render(StatusCode::OK, &RevocationsPage { page, items })
}
