//! The staff pages for audit and oversight: the ministry's decision audit and a product's
//! audit (linked both ways), the statistics with a chart drawn on the server (SVG), and the
//! ledger (head digest, verification, signed checkpoints). Each reads through the API's
//! handler with the signed-in actor, so a role the API refuses is refused here too.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ocop_projections::audit::{AuditedDecision, Finding, Severity};
use serde::Deserialize;
use serde_json::Value;

use super::session::staff;
use super::{Page, error_page, render, view};
use crate::app::AppState;
use crate::extract::{Authenticated, Query as ApiQuery};
use crate::routes::audit::{self, CheckpointParams, DecisionsParams, VerifyParams};
use crate::routes::exports;
use crate::routes::queries::{self, ReadParams, StatsParams};

// ----------------------------------------------------------------------------- audit

#[derive(Debug, Clone)]
struct FindingView {
    severity: String,
    class: String,
    code: String,
    detail: String,
}

#[derive(Debug, Clone)]
struct DecisionRow {
    product_id: String,
    /// The product's name (the audit's own answer names it).
    name: String,
    decided_on: String,
    kind: String,
    decision_no: String,
    province: String,
    stars: String,
    stars_words: String,
    findings: Vec<FindingView>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct AuditForm {
    #[serde(default)]
    province: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    heading: String,
    product_link: Option<String>,
    show_filters: bool,
    f: AuditForm,
    error: Option<String>,
    checked: usize,
    with_findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    rows: Vec<DecisionRow>,
    next_page: Option<String>,
    /// The filters (no page) for the download links.
    download: String,
}

fn decision_row(d: &AuditedDecision) -> DecisionRow {
    let kind = match d.kind.as_str() {
        "recognized" => "Công nhận",
        "refused" => "Không công nhận",
        "revoked" => "Thu hồi",
        "legacy_import" => "Công nhận cũ (nhập)",
        _ => "Quyết định",
    };
    DecisionRow {
        product_id: d.product_id.to_string(),
        name: d.name.as_deref().unwrap_or("Sản phẩm").to_owned(),
        decided_on: view::opt_date(d.decided_on.as_deref()),
        kind: kind.to_owned(),
        decision_no: d.decision_no.clone().unwrap_or_default(),
        province: d.province.clone(),
        stars: view::stars(d.stars),
        stars_words: view::stars_words(d.stars),
        findings: d.findings.iter().map(finding_view).collect(),
    }
}

fn finding_view(f: &Finding) -> FindingView {
    let (severity, class) = match f.severity {
        Severity::Error => ("Lỗi", "bad"),
        Severity::Warning => ("Cảnh báo", "busy"),
        Severity::Info => ("Ghi chú", "off"),
    };
    FindingView {
        severity: severity.to_owned(),
        class: class.to_owned(),
        code: f.code.as_str().to_owned(),
        detail: f.detail.clone(),
    }
}

impl AuditPage {
    /// The page of these decisions, with their counts of findings by severity; no filters,
    /// no link back, one page.
    fn new(page: Page, heading: &str, rows: Vec<DecisionRow>) -> Self {
        let all = rows.iter().flat_map(|r| &r.findings);
        let count = |class: &str| all.clone().filter(|f| f.class == class).count();
        AuditPage {
            page,
            heading: heading.to_owned(),
            product_link: None,
            show_filters: false,
            f: AuditForm::default(),
            error: None,
            checked: rows.len(),
            with_findings: rows.iter().filter(|r| !r.findings.is_empty()).count(),
            errors: count("bad"),
            warnings: count("busy"),
            infos: count("off"),
            rows,
            next_page: None,
            download: String::new(),
        }
    }
}

fn audit_params(f: &AuditForm) -> Result<DecisionsParams, String> {
    let date = |label: &str, text: &str| match text.trim() {
        "" => Ok(None),
        t => view::parse_date(t).map(Some).ok_or_else(|| {
            format!("{label} “{t}” không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 20/09/2025.")
        }),
    };
    let after = match f.after.trim() {
        "" => None,
        a => Some(
            a.parse::<i64>()
                .map_err(|_| "Trang không hợp lệ.".to_owned())?,
        ),
    };
    Ok(DecisionsParams {
        province: Some(f.province.trim().to_owned()).filter(|p| !p.is_empty()),
        from: date("Từ ngày", &f.from)?,
        to: date("Đến ngày", &f.to)?,
        after,
        limit: Some(200),
        ..DecisionsParams::default()
    })
}

/// The audit's filters (no page) as a query string.
fn audit_query(f: &AuditForm) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, val) in [("province", &f.province), ("from", &f.from), ("to", &f.to)] {
        if !val.trim().is_empty() {
            q.append_pair(k, val.trim());
        }
    }
    q.finish()
}

/// Every decision the page's filters select, re-derived, as an Excel workbook.
pub(super) async fn decisions_xlsx(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<AuditForm>,
) -> Response {
    decisions_file(state, headers, form, "xlsx").await
}

/// [`decisions_xlsx`] as CSV.
pub(super) async fn decisions_csv(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<AuditForm>,
) -> Response {
    decisions_file(state, headers, form, "csv").await
}

/// The export of `GET /api/v1/exports/decisions` with the signed-in account's actor; a
/// filter the audit would refuse sends the person back to the audit, which says why.
async fn decisions_file(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<AuditForm>,
    format: &str,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/kiem-tra").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(params) = audit_params(&f) else {
        return Redirect::to(&format!("/quan-ly/kiem-tra?{}", audit_query(&f))).into_response();
    };
    let filter = ocop_projections::audit::AuditFilter {
        province: params.province,
        from: params.from,
        to: params.to,
        rules_version: params.rules_version,
    };
    match exports::decision_audit_file(app, &actor, filter, Some(format)).await {
        Ok(file) => file,
        Err(e) => error_page(Page::staff("Kiểm tra quyết định", &session), &e),
    }
}

pub(super) async fn decisions(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<AuditForm>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/kiem-tra").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Kiểm tra quyết định", &session);
    let mut error = None;
    let mut rows = Vec::new();
    let mut next_page = None;
    match audit_params(&f) {
        Err(e) => error = Some(e),
        Ok(params) => {
            match audit::decisions_audit(State(app), Authenticated(actor), ApiQuery(params)).await {
                Ok(axum::Json(v)) => {
                    rows = v.report.decisions.iter().map(decision_row).collect();
                    next_page = v.next_after.map(|after| {
                        format!("/quan-ly/kiem-tra?{}&after={after}", audit_query(&f))
                    });
                }
                Err(e) if e.status() == StatusCode::BAD_REQUEST => error = Some(e.to_string()),
                Err(e) => return error_page(page, &e),
            }
        }
    }
    let page = AuditPage::new(page, "Kiểm tra các quyết định", rows);
    render(
        StatusCode::OK,
        &AuditPage {
            show_filters: true,
            download: audit_query(&f),
            f,
            error,
            next_page,
            ..page
        },
    )
}

pub(super) async fn product(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let here = format!("/quan-ly/san-pham/{id}/kiem-tra");
    let (session, actor) = match staff(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Kiểm tra sản phẩm", &session);
    let answer = audit::product_audit(
        State(app),
        Authenticated(actor),
        Path(id.clone()),
        ApiQuery(ReadParams::default()),
    )
    .await;
    let v = match answer {
        Ok(axum::Json(v)) => v,
        Err(e) => return error_page(page, &e),
    };
    let rows: Vec<DecisionRow> = v.decisions.iter().map(decision_row).collect();
    let page = AuditPage::new(page, "Kiểm tra các quyết định của sản phẩm", rows);
    render(
        StatusCode::OK,
        &AuditPage {
            product_link: Some(format!("/quan-ly/san-pham/{id}")),
            ..page
        },
    )
}

// ----------------------------------------------------------------------------- statistics

/// The dimensions of the statistics, with their words.
const DIMENSIONS: [(&str, &str); 5] = [
    ("province", "tỉnh"),
    ("stars", "hạng sao"),
    ("group", "nhóm sản phẩm"),
    ("year", "năm"),
    ("status", "tình trạng"),
];

#[derive(Debug, Clone)]
struct Bar {
    label: String,
    count: i64,
    y: i64,
    width: i64,
}

#[derive(Debug, Clone)]
struct Chart {
    width: i64,
    height: i64,
    label_width: i64,
    bars: Vec<Bar>,
}

/// A horizontal bar chart of `counts`, 400 px for the largest.
fn chart(counts: &[(String, i64)]) -> Chart {
    let max = counts.iter().map(|(_, c)| *c).max().unwrap_or(1).max(1);
    let label_width = 260;
    let bars: Vec<Bar> = counts
        .iter()
        .enumerate()
        .map(|(i, (label, count))| Bar {
            label: label.clone(),
            count: *count,
            y: 8 + 26 * i as i64,
            width: (400 * count / max).max(1),
        })
        .collect();
    Chart {
        width: label_width + 460,
        height: 16 + 26 * bars.len() as i64,
        label_width,
        bars,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct StatsForm {
    #[serde(default)]
    group_by: String,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    page: Page,
    dimensions: Vec<(String, String)>,
    group_by: String,
    group_label: String,
    total: i64,
    chart: Chart,
}

/// The counts by one dimension, in words, largest first.
async fn counts(
    app: &AppState,
    actor: ocop_domain::Actor,
    group_by: &str,
) -> Result<(i64, Vec<(String, i64)>), crate::error::ApiError> {
    let axum::Json(v) = queries::stats(
        State(app.clone()),
        Authenticated(actor),
        ApiQuery(StatsParams {
            group_by: Some(group_by.to_owned()),
            ..StatsParams::default()
        }),
    )
    .await?;
    let mut rows: Vec<(String, i64)> = v
        .counts
        .iter()
        .map(|c| {
            let key = c.key.get(group_by).unwrap_or(&Value::Null);
            let label = match group_by {
                "stars" => view::stars_words(key.as_i64()),
                "group" => view::group(key.as_str().unwrap_or_default()).to_owned(),
                "status" => view::status(key.as_str().unwrap_or_default()).0.to_owned(),
                "province" => format!("Tỉnh {}", key.as_str().unwrap_or("—")),
                _ => match key {
                    Value::Null => "—".to_owned(),
                    other => other.to_string().trim_matches('"').to_owned(),
                },
            };
            (label, c.count)
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok((v.total, rows))
}

fn dimension(form: &StatsForm) -> (&'static str, &'static str) {
    DIMENSIONS
        .iter()
        .copied()
        .find(|(d, _)| *d == form.group_by)
        .unwrap_or(DIMENSIONS[0])
}

pub(super) async fn stats(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<StatsForm>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/thong-ke").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Thống kê", &session);
    let (group_by, group_label) = dimension(&form);
    let (total, rows) = match counts(&app, actor, group_by).await {
        Ok(c) => c,
        Err(e) => return error_page(page, &e),
    };
    render(
        StatusCode::OK,
        &StatsPage {
            page,
            dimensions: DIMENSIONS
                .iter()
                .map(|(d, w)| ((*d).to_owned(), (*w).to_owned()))
                .collect(),
            group_by: group_by.to_owned(),
            group_label: group_label.to_owned(),
            total,
            chart: chart(&rows),
        },
    )
}

/// The statistics as a file: `thong-ke.csv` (UTF-8 with a BOM, for Excel) or
/// `thong-ke.svg` (the chart alone).
pub(super) async fn stats_csv(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<StatsForm>,
) -> Response {
    stats_file(state, headers, form, "thong-ke.csv").await
}

/// [`stats_csv`]'s chart.
pub(super) async fn stats_svg(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<StatsForm>,
) -> Response {
    stats_file(state, headers, form, "thong-ke.svg").await
}

async fn stats_file(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<StatsForm>,
    file: &str,
) -> Response {
    let (_, actor) = match staff(&app, &headers, "/quan-ly/thong-ke").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (group_by, group_label) = dimension(&form);
    let (_, rows) = match counts(&app, actor, group_by).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let disposition = |name: &str| format!("attachment; filename=\"thong-ke-{group_by}.{name}\"");
    match file {
        "thong-ke.csv" => {
            let mut csv = String::from("\u{feff}");
            csv.push_str(&format!("{group_label},số sản phẩm\r\n"));
            for (label, count) in &rows {
                csv.push_str(&format!("\"{}\",{count}\r\n", label.replace('"', "\"\"")));
            }
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition("csv")),
                ],
                csv,
            )
                .into_response()
        }
        "thong-ke.svg" => {
            let c = chart(&rows);
            let mut svg = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\
                 <title>Số sản phẩm theo {group_label}</title>",
                w = c.width,
                h = c.height
            );
            for b in &c.bars {
                let label = b
                    .label
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;");
                svg.push_str(&format!(
                    "<text x=\"0\" y=\"{ty}\" font-size=\"13\">{label}</text>\
                     <rect x=\"{lx}\" y=\"{y}\" width=\"{bw}\" height=\"18\" fill=\"#00594f\"/>\
                     <text x=\"{cx}\" y=\"{ty}\" font-size=\"13\">{n}</text>",
                    ty = b.y + 14,
                    lx = c.label_width,
                    y = b.y,
                    bw = b.width,
                    cx = c.label_width + b.width + 6,
                    n = b.count
                ));
            }
            svg.push_str("</svg>");
            (
                [
                    (header::CONTENT_TYPE, "image/svg+xml".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition("svg")),
                ],
                svg,
            )
                .into_response()
        }
        _ => (StatusCode::NOT_FOUND, "Không tìm thấy").into_response(),
    }
}

// ----------------------------------------------------------------------------- ledger

#[derive(Debug, Deserialize)]
pub(super) struct LedgerForm {
    #[serde(default)]
    verify: String,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    page: Page,
    position: i64,
    hash: String,
    verification: Option<String>,
    public_key: String,
    key_id: String,
    checkpoints: Vec<(i64, String, String, String)>,
}

pub(super) async fn ledger(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<LedgerForm>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/so-cai").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Sổ cái", &session);
    let digest = match audit::ledger_digest(
        State(app.clone()),
        Authenticated(actor.clone()),
        ApiQuery(ReadParams::default()),
    )
    .await
    {
        Ok(axum::Json(v)) => v,
        Err(e) => return error_page(page, &e),
    };
    let verification = if form.verify == "1" {
        match audit::ledger_verify(
            State(app.clone()),
            Authenticated(actor.clone()),
            ApiQuery(VerifyParams::default()),
        )
        .await
        {
            Ok(axum::Json(v)) if v.ok => Some(format!(
                "Chuỗi băm nguyên vẹn: đã tính lại {} sự kiện từ đầu sổ.",
                v.events_checked
            )),
            Ok(axum::Json(v)) => Some(format!(
                "Chuỗi băm bị phá vỡ tại vị trí {}.",
                v.first_broken_position
                    .unwrap_or(v.head.global_position + 1)
            )),
            Err(e) => return error_page(page, &e),
        }
    } else {
        None
    };
    let checkpoints = match audit::ledger_checkpoints(
        State(app.clone()),
        Authenticated(actor.clone()),
        ApiQuery(CheckpointParams {
            limit: Some(50),
            ..CheckpointParams::default()
        }),
    )
    .await
    {
        Ok(axum::Json(v)) => v
            .items
            .into_iter()
            .map(|c| {
                (
                    c.global_position,
                    view::instant(&c.signed_at),
                    c.key_id,
                    c.hash,
                )
            })
            .collect(),
        Err(e) => return error_page(page, &e),
    };
    render(
        StatusCode::OK,
        &LedgerPage {
            page,
            position: digest.global_position,
            hash: digest.hash,
            verification,
            public_key: app.checkpoints.key.public_hex(),
            key_id: app.checkpoints.key.key_id(),
            checkpoints,
        },
    )
}
