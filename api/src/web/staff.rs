//! The staff pages that read: the product list and a product's page with its timeline and
//! "as it stood on" replay, each through the API's handlers with the signed-in actor.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::session::staff;
use super::{Page, error_page, json_of, message, render, view};
use crate::app::AppState;
use crate::extract::{Authenticated, Query as ApiQuery};
use crate::routes::exports;
use crate::routes::queries::{self, HistoryParams, ListParams, ProductParams};

#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ListForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    valid_on: String,
    #[serde(default)]
    cursor: String,
}

#[derive(Debug, Clone)]
struct StaffRow {
    id: String,
    name: String,
    producer: String,
    province: String,
    status: String,
    status_class: String,
    stars: String,
    stars_words: String,
    valid_until: String,
}

#[derive(Template)]
#[template(path = "staff_products.html")]
struct StaffProductsPage {
    page: Page,
    scope: String,
    f: ListForm,
    error: Option<String>,
    statuses: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    star_options: Vec<(String, String)>,
    rows: Vec<StaffRow>,
    next_page: Option<String>,
    /// The filters (no page) for the download links.
    download: String,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The list's filters as the API takes them, or what is wrong with them in words.
fn list_params(f: &ListForm) -> Result<ListParams, String> {
    let stars = match non_empty(&f.stars) {
        None => None,
        Some(s) => Some(
            s.parse::<u8>()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or("Hạng sao phải từ 1 đến 5.")?,
        ),
    };
    let year = match non_empty(&f.year) {
        None => None,
        Some(y) => Some(
            y.parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| format!("Năm “{y}” không hợp lệ: nhập bốn chữ số, ví dụ 2025."))?,
        ),
    };
    let valid_on = match non_empty(&f.valid_on) {
        None => None,
        Some(d) => Some(view::parse_date(&d).ok_or_else(|| {
            format!("Ngày “{d}” không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 20/09/2025.")
        })?),
    };
    Ok(ListParams {
        province: non_empty(&f.province),
        commune: non_empty(&f.commune),
        group: non_empty(&f.group),
        status: non_empty(&f.status),
        stars,
        year,
        valid_on,
        q: non_empty(&f.q),
        cursor: non_empty(&f.cursor),
        limit: Some(50),
        ..ListParams::default()
    })
}

fn staff_row(v: &Value) -> StaffRow {
    let (status, class) = view::status(v["status"].as_str().unwrap_or_default());
    let rec = &v["recognition"];
    StaffRow {
        id: v["product_id"].as_str().unwrap_or_default().to_owned(),
        name: view::text(v, "name"),
        producer: view::text(&v["producer"], "name"),
        province: view::text(v, "province"),
        status: status.to_owned(),
        status_class: class.to_owned(),
        stars: view::stars(rec["stars"].as_i64()),
        stars_words: view::stars_words(rec["stars"].as_i64()),
        valid_until: view::opt_date(rec["valid_until"].as_str()),
    }
}

pub(super) async fn products(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<ListForm>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/san-pham").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Sản phẩm", &session);
    let mut error = None;
    let mut rows = Vec::new();
    let mut next_page = None;
    match list_params(&f) {
        Err(e) => error = Some(e),
        Ok(params) => {
            match queries::list_products(State(app.clone()), Authenticated(actor), ApiQuery(params))
                .await
            {
                Ok(axum::Json(v)) => {
                    rows = v.items.iter().map(|p| staff_row(&p.state)).collect();
                    next_page = v.next_cursor.as_deref().map(|c| {
                        let mut next = f.clone();
                        next.cursor = c.to_owned();
                        format!("/quan-ly/san-pham?{}", list_query(&next))
                    });
                }
                Err(e) if e.status() == StatusCode::BAD_REQUEST => error = Some(e.to_string()),
                Err(e) => return error_page(page, &e),
            }
        }
    }
    let statuses = view::STATUSES
        .iter()
        .map(|(v, w)| ((*v).to_owned(), (*w).to_owned()))
        .collect();
    let groups = std::iter::once((String::new(), "Tất cả".to_owned()))
        .chain(
            [
                "food",
                "drinks",
                "medicinal_herbs",
                "handicrafts",
                "ornamental",
                "tourism",
                "textiles",
                "souvenirs_decoration",
            ]
            .into_iter()
            .map(|g| (g.to_owned(), view::group(g).to_owned())),
        )
        .collect();
    let star_options = std::iter::once((String::new(), "Tất cả".to_owned()))
        .chain((3..=5).map(|n| (n.to_string(), format!("{n} sao"))))
        .collect();
    let download = list_query(&ListForm {
        cursor: String::new(),
        ..f.clone()
    });
    render(
        StatusCode::OK,
        &StaffProductsPage {
            download,
            scope: view::scope(&session.account.scope),
            page,
            f,
            error,
            statuses,
            groups,
            star_options,
            rows,
            next_page,
        },
    )
}

/// The list with the page's filters, every page of it, as an Excel workbook.
pub(super) async fn products_xlsx(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<ListForm>,
) -> Response {
    products_file(state, headers, form, "xlsx").await
}

/// [`products_xlsx`] as CSV.
pub(super) async fn products_csv(
    state: State<AppState>,
    headers: HeaderMap,
    form: Query<ListForm>,
) -> Response {
    products_file(state, headers, form, "csv").await
}

/// The export of `GET /api/v1/exports/products` with the signed-in account's actor; a
/// filter the list would refuse sends the person back to the list, which says why.
async fn products_file(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(f): Query<ListForm>,
    format: &str,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/san-pham").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(params) = list_params(&f) else {
        return Redirect::to(&format!("/quan-ly/san-pham?{}", list_query(&f))).into_response();
    };
    match exports::product_list_file(app, &actor, params, Some(format)).await {
        Ok(file) => file,
        Err(e) => error_page(Page::staff("Sản phẩm", &session), &e),
    }
}

fn list_query(f: &ListForm) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &f.q),
        ("province", &f.province),
        ("commune", &f.commune),
        ("group", &f.group),
        ("status", &f.status),
        ("stars", &f.stars),
        ("year", &f.year),
        ("valid_on", &f.valid_on),
        ("cursor", &f.cursor),
    ] {
        if !v.is_empty() {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

#[derive(Debug, Clone)]
struct RecognitionView {
    stars: String,
    stars_words: String,
    decision: String,
    authority: String,
    valid_until: String,
    mean: String,
}

/// One level of a round: its council and, once concluded, its result.
#[derive(Debug, Clone)]
struct LevelRow {
    level: String,
    council: String,
    cards: String,
    result: String,
}

#[derive(Debug, Clone)]
struct ProductView {
    id: String,
    name: String,
    version: String,
    status: String,
    status_class: String,
    producer: String,
    place: String,
    group: String,
    registered_on: String,
    recognition: Option<RecognitionView>,
    /// A province's award waiting for the ministry in a 5★ re-evaluation (rule 11).
    pending: Option<RecognitionView>,
    round: Option<String>,
    levels: Vec<LevelRow>,
    complaints: Vec<(String, String, String)>,
    inspections: Vec<(String, String, String, String)>,
}

fn complaint_source(source: &str) -> &'static str {
    match source {
        "consumer" => "Người tiêu dùng",
        "community" => "Cộng đồng",
        "press" => "Báo chí",
        "distributor" => "Nhà phân phối",
        _ => "Nguồn khác",
    }
}

#[derive(Debug, Clone)]
struct TimelineRow {
    version: i64,
    /// Just recorded by the form the person sent.
    new: bool,
    what: String,
    occurred_on: String,
    recorded_at: String,
    who: String,
    decision: String,
    hash: String,
    hash_short: String,
}

#[derive(Template)]
#[template(path = "staff_product.html")]
struct StaffProductPage {
    page: Page,
    p: ProductView,
    as_of: String,
    as_of_note: Option<String>,
    timeline: Vec<TimelineRow>,
    /// The forms the signed-in person may use on the product now.
    actions: Vec<(&'static str, &'static str)>,
    /// What a form just recorded, in words.
    recorded: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ProductForm {
    #[serde(default)]
    as_of: String,
    /// The versions a form just recorded (`5-9`), highlighted in the timeline.
    #[serde(default)]
    moi: String,
    /// The global position of that write: the page waits for the read side to reach it.
    #[serde(default, rename = "vi-tri")]
    vi_tri: Option<i64>,
}

fn product_view(id: Uuid, v: &Value) -> ProductView {
    let (status, class) = view::status(v["status"].as_str().unwrap_or_default());
    let recognition_of = |rec: &Value| {
        rec.is_object().then(|| RecognitionView {
            stars: view::stars(rec["stars"].as_i64()),
            stars_words: view::stars_words(rec["stars"].as_i64()),
            decision: format!(
                "{} ngày {}",
                view::text(rec, "decision_no"),
                view::opt_date(rec["decided_on"].as_str())
            ),
            authority: view::text(rec, "authority"),
            valid_until: view::opt_date(rec["valid_until"].as_str()),
            mean: rec["mean"]
                .as_str()
                .map_or_else(|| "—".to_owned(), view::decimal),
        })
    };
    let recognition = recognition_of(&v["recognition"]);
    let pending = recognition_of(&v["pending_recognition"]);
    let round = v["current_evaluation"].as_object().map(|r| {
        format!(
            "Vòng {} ({}), mở ngày {}, theo {}.",
            r.get("round").map(|n| n.to_string()).unwrap_or_default(),
            match r.get("kind").and_then(Value::as_str).unwrap_or_default() {
                "initial" => "đánh giá lần đầu",
                "re_evaluation" => "đánh giá lại",
                "upgrade" => "nâng hạng",
                _ => "đánh giá",
            },
            view::opt_date(r.get("opened_on").and_then(Value::as_str)),
            r.get("rules_version")
                .and_then(Value::as_str)
                .unwrap_or("—"),
        )
    });
    let levels = level_rows(&v["current_evaluation"]);
    let mut place = [
        v["province"].as_str().map(|p| format!("tỉnh {p}")),
        v["commune"].as_str().map(|c| format!("xã {c}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    // Where the record is now, when the units changed since it was made.
    let now = &v["current_place"];
    if let Some(province) = now["province"]
        .as_str()
        .filter(|p| Some(*p) != v["province"].as_str())
    {
        let name = now["province_name"].as_str().unwrap_or(province);
        place.push_str(&format!(" — nay thuộc tỉnh {name} ({province})"));
    }
    if let Some(commune) = now["commune"]
        .as_str()
        .filter(|c| Some(*c) != v["commune"].as_str())
    {
        place.push_str(&format!(", xã {commune}"));
    }
    ProductView {
        id: id.to_string(),
        name: view::text(v, "name"),
        version: view::text(v, "version"),
        status: status.to_owned(),
        status_class: class.to_owned(),
        producer: view::text(&v["producer"], "name"),
        place,
        group: format!(
            "{} — {}",
            view::group(v["product_group"].as_str().unwrap_or_default()),
            view::text(v, "product_set")
        ),
        registered_on: view::opt_date(v["registered_on"].as_str()),
        recognition,
        pending,
        round,
        levels,
        complaints: v["complaints"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        (
                            view::opt_date(c["received_on"].as_str()),
                            complaint_source(c["source"].as_str().unwrap_or_default()).to_owned(),
                            view::text(c, "summary"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        inspections: v["inspections"]
            .as_array()
            .map(|is| {
                is.iter()
                    .map(|i| {
                        (
                            view::opt_date(i["inspected_on"].as_str()),
                            view::text(i, "authority"),
                            if i["compliant"] == true {
                                "Đạt"
                            } else {
                                "Không đạt"
                            }
                            .to_owned(),
                            view::text(i, "findings"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Each level of a round with its council (members, quorum, spread limit) and its
/// concluded result (members present, exact mean, band, spread, mandatory criteria failed,
/// outcome).
fn level_rows(round: &Value) -> Vec<LevelRow> {
    let empty = Vec::new();
    let councils = round["councils"].as_array().unwrap_or(&empty);
    let results = round["results"].as_array().unwrap_or(&empty);
    councils
        .iter()
        .map(|c| {
            let level = c["level"].as_str().unwrap_or_default();
            let members = c["members"].as_array().map_or(0, Vec::len);
            let council = format!(
                "{} thành viên, triệu tập {}; đủ số khi có {}{} thành viên{}",
                members,
                view::opt_date(c["convened_on"].as_str()),
                c["quorum"]["min_present"],
                if c["quorum"]["chair_required"] == true {
                    " (có chủ tịch)"
                } else {
                    ""
                },
                c["spread_limit"]
                    .as_i64()
                    .map(|l| format!("; chênh lệch tối đa {l} điểm"))
                    .unwrap_or_default()
            );
            let cards = c["scorecards"].as_array().map_or(0, Vec::len);
            let result = results
                .iter()
                .rev()
                .find(|r| r["level"].as_str() == Some(level))
                .map(|r| {
                    let failed: Vec<&str> = r["mandatory_failed"]
                        .as_array()
                        .map(|f| f.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    format!(
                        "{} ngày {}: {} thành viên có mặt, điểm trung bình {} (khung {}), chênh lệch {} điểm{}",
                        view::outcome(&r["outcome"]),
                        view::opt_date(r["concluded_on"].as_str()),
                        r["members_present"],
                        r["mean"].as_str().map_or_else(|| "—".to_owned(), view::decimal),
                        view::stars_words(r["band_stars"].as_i64()),
                        r["spread"],
                        if failed.is_empty() {
                            String::new()
                        } else {
                            format!("; tiêu chí bắt buộc không đạt: {}", failed.join(", "))
                        }
                    )
                })
                .unwrap_or_else(|| "Chưa kết luận".to_owned());
            LevelRow {
                level: view::level(level).to_owned(),
                council,
                cards: cards.to_string(),
                result,
            }
        })
        .collect()
}

fn timeline_row(e: &Value) -> TimelineRow {
    let hash = view::text(e, "hash");
    TimelineRow {
        new: false,
        version: e["version"].as_i64().unwrap_or(0),
        what: view::event(e["event_type"].as_str().unwrap_or_default()).to_owned(),
        occurred_on: view::opt_date(e["occurred_on"].as_str()),
        recorded_at: view::instant(e["recorded_at"].as_str().unwrap_or_default()),
        who: format!(
            "{} ({}, {})",
            view::text(&e["actor"], "user"),
            view::role(e["actor"]["role"].as_str().unwrap_or_default()),
            view::scope(e["actor"]["scope"].as_str().unwrap_or_default())
        ),
        decision: view::text(e, "decision_no"),
        hash_short: hash.chars().take(12).collect(),
        hash,
    }
}

pub(super) async fn product(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(form): Query<ProductForm>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, &format!("/quan-ly/san-pham/{id}")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Sản phẩm", &session);
    let Ok(product_id) = Uuid::parse_str(&id) else {
        return message(
            StatusCode::NOT_FOUND,
            page,
            "Không tìm thấy",
            "Không có sản phẩm này.".into(),
        );
    };
    let as_of_text = form.as_of.trim().to_owned();
    let as_of = if as_of_text.is_empty() {
        None
    } else {
        match view::parse_date(&as_of_text) {
            Some(d) => Some(d),
            None => {
                return message(
                    StatusCode::BAD_REQUEST,
                    page,
                    "Ngày chưa hợp lệ",
                    format!("“{as_of_text}”: nhập theo dạng dd/mm/yyyy, ví dụ 20/09/2025."),
                );
            }
        }
    };
    // The whole history first: "as it stood on" a date is the state after the events up to
    // the first one dated after it (read at that version, as the API would).
    let history = queries::product_history(
        State(app.clone()),
        Authenticated(actor.clone()),
        Path(id.clone()),
        ApiQuery(HistoryParams {
            limit: Some(500),
            min_position: form.vi_tri,
            ..HistoryParams::default()
        }),
    )
    .await;
    let history = match history {
        Ok(axum::Json(h)) => h,
        Err(e) => return error_page(page, &e),
    };
    let events: Vec<Value> = history.events.iter().map(view::json).collect();
    let at_version = match as_of {
        None => None,
        Some(day) => {
            // The log's prefix up to the first event dated after the day: a later event
            // dated earlier (a complaint entered late) is not taken out of its order.
            let day = day.to_string();
            let last = events
                .iter()
                .take_while(|e| e["occurred_on"].as_str().is_none_or(|d| d <= day.as_str()))
                .filter_map(|e| e["version"].as_i64())
                .max();
            match last {
                Some(v) => Some(v),
                None => {
                    return message(
                        StatusCode::NOT_FOUND,
                        page,
                        "Chưa có sự kiện",
                        format!(
                            "Đến ngày {} sản phẩm chưa có sự kiện nào trong sổ ghi nhận.",
                            view::date(&day)
                        ),
                    );
                }
            }
        }
    };
    let params = ProductParams {
        at_version,
        min_position: form.vi_tri,
        ..ProductParams::default()
    };
    let state = match queries::get_product(
        State(app.clone()),
        Authenticated(actor),
        Path(id),
        ApiQuery(params),
    )
    .await
    {
        Ok(r) => json_of(r).await,
        Err(e) => Err(e),
    };
    let (_, state) = match state {
        Ok(s) => s,
        Err(e) => return error_page(page, &e),
    };
    let new = form
        .moi
        .split_once('-')
        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
    let timeline: Vec<TimelineRow> = events
        .iter()
        .filter(|e| at_version.is_none_or(|v| e["version"].as_i64().is_some_and(|n| n <= v)))
        .map(timeline_row)
        .map(|mut row| {
            row.new = new.is_some_and(|(a, b)| (a..=b).contains(&row.version));
            row
        })
        .collect();
    let recorded = new.map(|_| {
        let what: Vec<String> = timeline
            .iter()
            .filter(|r| r.new)
            .map(|r| format!("#{} {}", r.version, r.what))
            .collect();
        format!("Đã ghi nhận vào sổ: {}.", what.join(", "))
    });
    let actions = match (as_of, ocop_domain::Role::parse(&session.account.role)) {
        (None, Some(role)) => super::forms::offered(role, &state),
        _ => Vec::new(),
    };
    let p = product_view(product_id, &state);
    let as_of_note = as_of.map(|d| {
        format!(
            "Đang xem sản phẩm như vào ngày {}: sau mọi sự kiện có ngày nghiệp vụ đến hết ngày đó.",
            d.format("%d/%m/%Y")
        )
    });
    let page = Page::staff(&p.name, &session);
    render(
        StatusCode::OK,
        &StaffProductPage {
            page,
            p,
            as_of: as_of_text,
            as_of_note,
            timeline,
            actions,
            recorded,
        },
    )
}
