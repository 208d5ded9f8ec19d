//! The administrator's page: the read side's state (each projection's checkpoint against
//! the log's head: what a rebuild or a lagging runner shows), the expiry timers due today
//! with a button that runs them, and the legacy list upload with its per-row report. The
//! same library calls as `ocop projections`, `ocop timers run` and `ocop import`.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use ocop_domain::{Actor, Role};
use ocop_projections::access::accounts::Session;
use ocop_projections::import::legacy::{ImportError, ImportOptions, import_csv};
use ocop_projections::timers;

use super::forms::{self, Typed};
use super::session::staff;
use super::{Page, message, render};
use crate::app::AppState;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    page: Page,
    csrf: String,
    caught_up: bool,
    failure: Option<String>,
    projections: Vec<(String, i64, i64, i64)>,
    today: String,
    due: Option<usize>,
    /// What the last action on this page did, in words.
    done: Vec<String>,
    /// The rows an import refused: line and reason.
    rejected: Vec<(u64, String)>,
    csv: String,
    source: String,
    error: Option<String>,
}

const HERE: &str = "/quan-ly/quan-tri";

async fn admin(app: &AppState, headers: &HeaderMap) -> Result<(Session, Actor), Response> {
    let (session, actor) = staff(app, headers, HERE).await?;
    if actor.role != Role::Admin {
        return Err(message(
            StatusCode::FORBIDDEN,
            Page::staff("Quản trị", &session),
            "Ngoài phạm vi của bạn",
            "Trang quản trị dành cho quản trị viên.".into(),
        ));
    }
    Ok((session, actor))
}

/// The page with what the read side and the timers look like now.
async fn draw(app: &AppState, session: &Session, status: StatusCode, outcome: Outcome) -> Response {
    let today = app.today();
    // Read first: it brings the read side up to date, which the checkpoints then show.
    let due = timers::due_on(&app.runner, today)
        .await
        .ok()
        .map(|d| d.len());
    let projections = match app.runner.lag().await {
        Ok(lag) => lag
            .into_iter()
            .map(|l| (l.projection.to_owned(), l.checkpoint, l.head, l.lag))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "projection lag unreadable");
            Vec::new()
        }
    };
    render(
        status,
        &AdminPage {
            page: Page::staff("Quản trị", session),
            csrf: session.csrf.clone(),
            caught_up: app.is_caught_up(),
            failure: app.runner.failure().map(|f| f.error),
            projections,
            today: today.format("%d/%m/%Y").to_string(),
            due,
            done: outcome.done,
            rejected: outcome.rejected,
            csv: outcome.csv,
            source: outcome.source,
            error: outcome.error,
        },
    )
}

#[derive(Debug, Default)]
struct Outcome {
    done: Vec<String>,
    rejected: Vec<(u64, String)>,
    csv: String,
    source: String,
    error: Option<String>,
}

/// `GET /quan-ly/quan-tri`.
pub(super) async fn page(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (session, _) = match admin(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    draw(&app, &session, StatusCode::OK, Outcome::default()).await
}

/// `POST /quan-ly/quan-tri/hen-gio`: runs today's due timers (as `ocop timers run`; each
/// timer's key makes a run that overlaps another process's record nothing twice).
pub(super) async fn run_timers(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, _) = match admin(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !forms::csrf_ok(&session, &Typed::parse(&body)) {
        return forms::csrf_refused(&session);
    }
    let outcome = match timers::run_timers(&app.runner, &app.service, app.today()).await {
        Ok(r) => Outcome {
            done: vec![format!(
                "Đã chạy hẹn giờ ngày {}: {} việc đến hạn, {} thông báo sắp hết hạn và {} lần hết hiệu lực được ghi, {} việc đã được ghi từ trước, {} việc lỗi (sẽ chạy lại lần sau).",
                app.today().format("%d/%m/%Y"),
                r.due,
                r.notices_issued,
                r.expiries_issued,
                r.already_done,
                r.failed
            )],
            ..Outcome::default()
        },
        Err(e) => Outcome {
            error: Some(format!("Không chạy được hẹn giờ: {e}")),
            ..Outcome::default()
        },
    };
    draw(&app, &session, StatusCode::OK, outcome).await
}

/// `POST /quan-ly/quan-tri/nhap`: imports a province's existing recognitions (the CSV of
/// `ocop import`), reporting every refused row by line.
pub(super) async fn import(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, actor) = match admin(&app, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let typed = Typed::parse(&body);
    if !forms::csrf_ok(&session, &typed) {
        return forms::csrf_refused(&session);
    }
    let csv = typed.get("csv").to_owned();
    let source = match typed.get("source").trim() {
        "" => "danh-sach.csv".to_owned(),
        s => s.to_owned(),
    };
    if csv.trim().is_empty() {
        let outcome = Outcome {
            error: Some("Chưa có nội dung danh sách: chọn tệp CSV hoặc dán nội dung vào ô.".into()),
            source,
            ..Outcome::default()
        };
        return draw(&app, &session, StatusCode::UNPROCESSABLE_ENTITY, outcome).await;
    }
    let options = ImportOptions {
        actor,
        ..ImportOptions::admin("", source.clone())
    };
    let outcome = match import_csv(&app.service, csv.as_bytes(), &options).await {
        Ok(report) => Outcome {
            done: vec![format!(
                "{} dòng: {} dòng được ghi, {} dòng đã có trong sổ từ trước, {} dòng bị từ chối (không ghi gì cho các dòng đó).",
                report.rows,
                report.imported,
                report.already_present,
                report.rejected.len()
            )],
            rejected: report
                .rejected
                .into_iter()
                .map(|r| (r.line, r.reason))
                .collect(),
            ..Outcome::default()
        },
        Err(e) => Outcome {
            error: Some(match e {
                ImportError::Header { .. } => {
                    format!("Dòng tiêu đề không đúng mẫu; không có gì được ghi. {e}")
                }
                ImportError::NotUtf8 { .. } => {
                    format!("Tệp không phải UTF-8; không có gì được ghi. {e}")
                }
                ImportError::Service(_) => format!(
                    "Kho dữ liệu gặp lỗi giữa chừng; nhập lại cùng tệp để hoàn tất (các dòng đã ghi không bị ghi lại). {e}"
                ),
            }),
            csv,
            source,
            ..Outcome::default()
        },
    };
    draw(&app, &session, StatusCode::OK, outcome).await
}
