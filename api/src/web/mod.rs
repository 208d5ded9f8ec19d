//! The web interface: Vietnamese, server-rendered pages (askama templates, checked at
//! compile time) on the same port as the API, with every asset in the binary.
//!
//! Pages read through the API's own handlers (`routes::queries`), called in process with
//! the signed-in person's actor: the same read path and the same scope rules as a bearer
//! token, never a second copy. Public pages need no account; staff pages need a session
//! (`accounts`), a cookie `HttpOnly; SameSite=Strict` (and `Secure` behind TLS), whose
//! forms carry its CSRF token.

mod admin;
mod docs;
mod forms;
mod insight;
mod public;
mod scorecards;
mod session;
mod staff;
pub mod view;
mod work;

use askama::Template;
use axum::Router;
use axum::body::to_bytes;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use ocop_projections::access::accounts::Session;
use serde_json::Value;

use crate::app::AppState;
use crate::error::ApiError;
use crate::routes::audit::{AUDIT_ROLES, DECISION_AUDIT_ROLES};

/// The stylesheet, embedded.
const SITE_CSS: &str = include_str!("../../assets/site.css");
/// The one script: search as you type in the staff list (every page works without it).
const SITE_JS: &str = include_str!("../../assets/site.js");

/// The web routes (merged into the API's router, before its fallback).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(public::home))
        .route("/tra-cuu", get(public::search))
        .route("/tra-cuu/{key}", get(public::product))
        .route("/tra-cuu/{key}/qr.svg", get(public::qr_code))
        .route("/thu-hoi", get(public::revocations))
        .route(
            "/dang-nhap",
            get(session::sign_in_form).post(session::sign_in),
        )
        .route("/dang-xuat", post(session::sign_out))
        .route(
            "/quan-ly",
            get(|| async { Redirect::to("/quan-ly/san-pham") }),
        )
        .route("/quan-ly/san-pham", get(staff::products))
        .route("/quan-ly/san-pham.xlsx", get(staff::products_xlsx))
        .route("/quan-ly/san-pham.csv", get(staff::products_csv))
        .route("/quan-ly/san-pham/{id}", get(staff::product))
        .route("/quan-ly/san-pham/{id}/kiem-tra", get(insight::product))
        .route(
            "/quan-ly/san-pham/{id}/thao-tac/{slug}",
            get(forms::show).post(forms::submit),
        )
        .route("/quan-ly/viec-can-lam", get(work::inbox))
        .route("/quan-ly/quan-tri", get(admin::page))
        .route("/quan-ly/quan-tri/hen-gio", post(admin::run_timers))
        .route("/quan-ly/quan-tri/nhap", post(admin::import))
        .route(
            "/quan-ly/quyet-dinh",
            get(work::batch_form).post(work::batch),
        )
        .route("/quan-ly/quyet-dinh/{id}", get(work::decision))
        .route(
            "/quan-ly/dang-ky",
            get(forms::register_form).post(forms::register),
        )
        .route("/quan-ly/kiem-tra", get(insight::decisions))
        .route("/quan-ly/kiem-tra.xlsx", get(insight::decisions_xlsx))
        .route("/quan-ly/kiem-tra.csv", get(insight::decisions_csv))
        .route("/quan-ly/thong-ke", get(insight::stats))
        .route("/quan-ly/thong-ke.csv", get(insight::stats_csv))
        .route("/quan-ly/thong-ke.svg", get(insight::stats_svg))
        .route("/quan-ly/so-cai", get(insight::ledger))
        .route("/api/docs", get(docs::api_docs))
        .route("/static/site.css", get(stylesheet))
        .route("/static/site.js", get(script))
}

/// What the layout needs: the title and, on staff pages, who is signed in.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub title: String,
    pub staff: Option<StaffBar>,
}

/// The signed-in person, shown on every staff page.
#[derive(Debug, Clone)]
pub struct StaffBar {
    pub name: String,
    pub role: String,
    pub csrf: String,
    /// Whether the role may read audits (auditor, admin, inspector).
    pub audits: bool,
    /// Whether the role may read the ledger (auditor, admin).
    pub ledger: bool,
    /// Whether the person is an administrator (timers, imports, the read side's state).
    pub admin: bool,
}

impl Page {
    fn public(title: &str) -> Self {
        Page {
            title: title.to_owned(),
            staff: None,
        }
    }

    fn staff(title: &str, session: &Session) -> Self {
        let role = ocop_domain::Role::parse(&session.account.role);
        Page {
            title: title.to_owned(),
            staff: Some(StaffBar {
                name: session.account.display_name.clone(),
                role: format!(
                    "{} — {}",
                    view::role(&session.account.role),
                    view::scope(&session.account.scope)
                ),
                csrf: session.csrf.clone(),
                audits: role.is_some_and(|r| DECISION_AUDIT_ROLES.contains(&r)),
                ledger: role.is_some_and(|r| AUDIT_ROLES.contains(&r)),
                admin: role == Some(ocop_domain::Role::Admin),
            }),
        }
    }
}

/// A rendered page, or the page that says why not.
fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: Page,
    heading: String,
    message: String,
    back: String,
    back_label: String,
}

fn message(status: StatusCode, page: Page, heading: &str, message: String) -> Response {
    let back = if page.staff.is_some() {
        "/quan-ly/san-pham"
    } else {
        "/"
    };
    render(
        status,
        &MessagePage {
            page,
            heading: heading.to_owned(),
            message,
            back: back.to_owned(),
            back_label: "Quay lại trang chính".to_owned(),
        },
    )
}

/// An API error, as a page in words: the Vietnamese of the API's own message table (the
/// rules' words for a rule violation, `DomainError::message_vi`).
fn error_page(page: Page, e: &ApiError) -> Response {
    let (status, heading) = match e.status() {
        StatusCode::NOT_FOUND => (StatusCode::NOT_FOUND, "Không tìm thấy"),
        StatusCode::FORBIDDEN => (StatusCode::FORBIDDEN, "Ngoài phạm vi của bạn"),
        StatusCode::BAD_REQUEST => (StatusCode::BAD_REQUEST, "Yêu cầu chưa hợp lệ"),
        StatusCode::SERVICE_UNAVAILABLE => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Hệ thống đang bận, xin thử lại",
        ),
        s => (s, "Lỗi hệ thống"),
    };
    let detail = if status.is_server_error() {
        "Xin thử lại sau ít phút.".to_owned()
    } else {
        e.detail_vi(&e.to_string())
    };
    message(status, page, heading, detail)
}

/// The JSON of an answer built by an API handler.
async fn json_of(response: Response) -> Result<(StatusCode, Value), ApiError> {
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|e| ApiError::Internal(format!("reading an answer: {e}")))?;
    let value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::Internal(format!("an answer is not JSON: {e}")))?;
    Ok((status, value))
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SITE_JS,
    )
        .into_response()
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SITE_CSS,
    )
        .into_response()
}
