//! The signed-in person's work: "Việc cần làm", what waits for their role in their scope,
//! each item linking to the form that does it; and the decision over many products, one
//! document with its annex (`POST /api/v1/decisions`, through its own handler).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate};
use ocop_domain::{Actor, Role};
use ocop_projections::access::accounts::Session;
use serde_json::{Value, json};

use super::forms::{self, Context, Field, FieldView, Input, Refusal, Typed, body_of, views};
use super::session::staff;
use super::{Page, error_page, json_of, render, view};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, JsonCommand, Query as ApiQuery, request_fingerprint};
use crate::routes::decisions::{self, DecisionDocument};
use crate::routes::queries::{self, ListParams, ReadParams};

/// The most products of one status the inbox reads (four pages of the list).
const READ_AT_MOST: usize = 2_000;

/// One thing to do.
#[derive(Debug, Clone)]
struct Task {
    product: String,
    name: String,
    what: String,
    since: String,
    link: String,
    link_label: String,
}

/// The tasks of one kind.
#[derive(Debug, Clone)]
struct TaskGroup {
    id: &'static str,
    heading: &'static str,
    tasks: Vec<Task>,
}

#[derive(Template)]
#[template(path = "work.html")]
struct WorkPage {
    page: Page,
    scope: String,
    groups: Vec<TaskGroup>,
    truncated: bool,
    may_register: bool,
    may_decide_many: bool,
}

/// The products of `status` in the actor's scope, up to [`READ_AT_MOST`]; and whether
/// there were more.
async fn products_of(
    app: &AppState,
    actor: &Actor,
    status: &str,
) -> Result<(Vec<Value>, bool), ApiError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let axum::Json(page) = queries::list_products(
            State(app.clone()),
            Authenticated(actor.clone()),
            ApiQuery(ListParams {
                status: Some(status.to_owned()),
                cursor: cursor.take(),
                limit: Some(500),
                ..ListParams::default()
            }),
        )
        .await?;
        all.extend(page.items.iter().map(view::json));
        match page.next_cursor.as_deref() {
            Some(next) if all.len() < READ_AT_MOST => cursor = Some(next.to_owned()),
            Some(_) => return Ok((all, true)),
            None => return Ok((all, false)),
        }
    }
}

/// The level a secretary's councils sit at.
fn level_of(role: Role) -> Option<&'static str> {
    match role {
        Role::CommuneOfficer => Some("commune"),
        Role::DistrictSecretary => Some("district"),
        Role::ProvincialSecretary => Some("provincial"),
        Role::CentralSecretary => Some("central"),
        _ => None,
    }
}

fn task(p: &Value, what: String, since: Option<&str>, slug: &str, label: &str) -> Task {
    let id = view::text(p, "product_id");
    Task {
        link: format!("/quan-ly/san-pham/{id}/thao-tac/{slug}"),
        link_label: label.to_owned(),
        product: id,
        name: view::text(p, "name"),
        what,
        since: view::opt_date(since),
    }
}

/// What a round in evaluation asks of `role`, if anything.
fn round_task(role: Role, p: &Value) -> Option<(&'static str, Task)> {
    let round = &p["current_evaluation"];
    let stage = forms::stage(p);
    let level = round["level"].as_str().unwrap_or_default();
    let mine = level_of(role) == Some(level);
    let opened = round["opened_on"].as_str();
    let council = forms::at_level(round, "councils");
    let cards = council
        .and_then(|c| c["scorecards"].as_array())
        .map_or(0, Vec::len);
    let members = council
        .and_then(|c| c["members"].as_array())
        .map_or(0, Vec::len);
    match (stage, role) {
        ("dossier", Role::CommuneOfficer) if mine => Some((
            "ho-so",
            task(
                p,
                "Hồ sơ chờ cấp xã đánh giá".into(),
                opened,
                "danh-gia-cap-xa",
                "Đánh giá cấp xã",
            ),
        )),
        ("returned", Role::CommuneOfficer | Role::DistrictSecretary) => Some((
            "ho-so",
            task(
                p,
                "Hồ sơ đã trả, chờ chủ thể bổ sung".into(),
                opened,
                "bo-sung-ho-so",
                "Ghi nhận hồ sơ bổ sung",
            ),
        )),
        ("dossier" | "awaiting_council", _) if mine && role != Role::CommuneOfficer => Some((
            "hoi-dong",
            task(
                p,
                format!(
                    "Chờ triệu tập hội đồng {}",
                    view::level(level).to_lowercase()
                ),
                opened,
                "thanh-lap-hoi-dong",
                "Triệu tập hội đồng",
            ),
        )),
        ("council", _) if mine && cards < members => Some((
            "phieu-cham",
            task(
                p,
                format!("Hội đồng đang chấm: {cards}/{members} phiếu đã ghi"),
                council.and_then(|c| c["convened_on"].as_str()),
                super::scorecards::SLUG,
                "Nhập phiếu chấm",
            ),
        )),
        ("council", _) if mine => Some((
            "ket-luan",
            task(
                p,
                format!("Đủ {cards} phiếu, chờ kết luận"),
                council.and_then(|c| c["convened_on"].as_str()),
                "ket-luan",
                "Kết luận chấm điểm",
            ),
        )),
        ("awaiting_decision", _) if mine => Some((
            "quyet-dinh",
            task(
                p,
                conclusion_words(round),
                round["results"]
                    .as_array()
                    .and_then(|r| r.last())
                    .and_then(|r| r["concluded_on"].as_str()),
                "quyet-dinh",
                "Ghi nhận quyết định",
            ),
        )),
        _ => None,
    }
}

/// A round's last conclusion at its current level, in words.
fn conclusion_words(round: &Value) -> String {
    forms::at_level(round, "results").map_or_else(
        || "Chờ quyết định".to_owned(),
        |r| {
            format!(
                "Đã kết luận: điểm {} — {}",
                r["mean"].as_str().map_or_else(|| "—".into(), view::decimal),
                view::outcome(&r["outcome"])
            )
        },
    )
}

/// `GET /quan-ly/viec-can-lam`.
pub(super) async fn inbox(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/viec-can-lam").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Việc cần làm", &session);
    let role = actor.role;
    let mut groups = vec![
        TaskGroup {
            id: "ho-so",
            heading: "Hồ sơ chờ đánh giá hoặc bổ sung",
            tasks: vec![],
        },
        TaskGroup {
            id: "hoi-dong",
            heading: "Hội đồng cần triệu tập",
            tasks: vec![],
        },
        TaskGroup {
            id: "phieu-cham",
            heading: "Phiếu chấm cần nhập",
            tasks: vec![],
        },
        TaskGroup {
            id: "ket-luan",
            heading: "Kết quả cần kết luận",
            tasks: vec![],
        },
        TaskGroup {
            id: "quyet-dinh",
            heading: "Kết quả chờ quyết định",
            tasks: vec![],
        },
        TaskGroup {
            id: "het-han",
            heading: "Công nhận sắp hết hạn hoặc đã hết hạn, chưa đánh giá lại",
            tasks: vec![],
        },
        TaskGroup {
            id: "khieu-nai",
            heading: "Khiếu nại chưa có kiểm tra",
            tasks: vec![],
        },
    ];
    let mut push = |group: &str, t: Task| {
        if let Some(g) = groups.iter_mut().find(|g| g.id == group) {
            g.tasks.push(t);
        }
    };
    let mut truncated = false;
    let today = app.today();
    let soon = today.checked_add_days(Days::new(30)).unwrap_or(today);
    let renews = matches!(
        role,
        Role::CommuneOfficer | Role::DistrictSecretary | Role::ProvincialSecretary
    );
    let inspects = matches!(role, Role::Inspector | Role::ProvincialSecretary);
    for status in ["in_evaluation", "recognized", "expired"] {
        let (products, more) = match products_of(&app, &actor, status).await {
            Ok(p) => p,
            Err(e) => return error_page(page, &e),
        };
        truncated |= more;
        for p in &products {
            if let Some((group, t)) = round_task(role, p) {
                push(group, t);
            }
            match status {
                "recognized" if renews && p["current_evaluation"].is_null() => {
                    let until = p["recognition"]["valid_until"]
                        .as_str()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                    if let Some(until) = until.filter(|u| *u <= soon) {
                        push(
                            "het-han",
                            task(
                                p,
                                format!("Hết hiệu lực ngày {}", until.format("%d/%m/%Y")),
                                p["recognition"]["decided_on"].as_str(),
                                "mo-vong-danh-gia",
                                "Mở vòng đánh giá lại",
                            ),
                        );
                    }
                }
                "expired" if renews && p["current_evaluation"].is_null() => push(
                    "het-han",
                    task(
                        p,
                        format!(
                            "Đã hết hiệu lực ngày {}",
                            view::opt_date(
                                p["past_recognitions"]
                                    .as_array()
                                    .and_then(|r| r.last())
                                    .and_then(|r| r["valid_until"].as_str())
                            )
                        ),
                        None,
                        "mo-vong-danh-gia",
                        "Mở vòng đánh giá lại",
                    ),
                ),
                _ => {}
            }
            if inspects {
                for c in p["complaints"].as_array().into_iter().flatten() {
                    if c["inspections"].as_array().is_none_or(|i| i.is_empty()) {
                        push(
                            "khieu-nai",
                            task(
                                p,
                                format!("Khiếu nại: {}", view::text(c, "summary")),
                                c["received_on"].as_str(),
                                "ket-qua-kiem-tra",
                                "Ghi nhận kiểm tra",
                            ),
                        );
                    }
                }
            }
        }
    }
    for g in &mut groups {
        g.tasks.sort_by(|a, b| a.since.cmp(&b.since));
    }
    render(
        StatusCode::OK,
        &WorkPage {
            scope: view::scope(&session.account.scope),
            page,
            groups,
            truncated,
            may_register: forms::REGISTER.roles.contains(&role),
            may_decide_many: matches!(role, Role::ProvincialSecretary | Role::CentralSecretary),
        },
    )
}

/// The decision document's header fields.
const HEADER: &[Field] = &[
    forms::field("decided_on", "Ngày quyết định", Input::Date),
    forms::field("decision_no", "Số quyết định", Input::Text),
    forms::field("authority", "Cơ quan ban hành", Input::Text),
];

const RESULTS: &[(&str, &str)] = &[
    ("", "Không đưa vào quyết định này"),
    ("3", "Công nhận 3 sao"),
    ("4", "Công nhận 4 sao"),
    ("5", "Công nhận 5 sao"),
    ("refuse", "Không công nhận"),
];

/// One row of the annex.
const ITEM: &[Field] = &[
    forms::optional("result", "Kết quả", Input::Choice(RESULTS)),
    forms::optional("certificate_no", "Số giấy chứng nhận", Input::Text),
    forms::optional("reason", "Lý do không công nhận", Input::Text),
];

#[derive(Debug, Clone)]
struct AnnexRow {
    product: String,
    name: String,
    conclusion: String,
    cells: Vec<FieldView>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "batch_decision.html")]
struct BatchPage {
    page: Page,
    level: String,
    csrf: String,
    key: String,
    header: Vec<FieldView>,
    rows: Vec<AnnexRow>,
    refusal: Refusal,
}

/// The products whose rounds await `actor`'s level's decision, in the actor's scope.
async fn awaiting(app: &AppState, actor: &Actor) -> Result<Vec<Value>, ApiError> {
    let level = level_of(actor.role).unwrap_or_default();
    let mut products = products_of(app, actor, "in_evaluation").await?.0;
    // A central decision follows a provincial 4★: those products are recognised already.
    if level == "central" {
        products.extend(products_of(app, actor, "recognized").await?.0);
    }
    Ok(products
        .into_iter()
        .filter(|p| {
            forms::stage(p) == "awaiting_decision"
                && p["current_evaluation"]["level"].as_str() == Some(level)
        })
        .collect())
}

fn decision_level(session: &Session) -> Option<&'static str> {
    match Role::parse(&session.account.role) {
        Some(Role::ProvincialSecretary) => Some("provincial"),
        Some(Role::CentralSecretary) => Some("central"),
        _ => None,
    }
}

fn draw_batch(
    status: StatusCode,
    session: &Session,
    products: &[Value],
    typed: &Typed,
    refusal: Refusal,
) -> Response {
    let context = Context::default();
    let rows = products
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let product = view::text(p, "product_id");
            let mut cells = views(
                ITEM,
                typed,
                &refusal.fields,
                &context,
                &format!("items.{i}."),
            );
            let name = view::text(p, "name");
            for c in &mut cells {
                c.label = format!("{}, {name}", c.label);
                c.cell = true;
            }
            AnnexRow {
                error: refusal
                    .fields
                    .iter()
                    .find(|(f, _)| *f == format!("items.{i}."))
                    .map(|(_, e)| e.clone()),
                conclusion: conclusion_words(&p["current_evaluation"]),
                product,
                name,
                cells,
            }
        })
        .collect();
    let key = typed.key_or_fresh();
    render(
        status,
        &BatchPage {
            page: Page::staff("Quyết định công nhận nhiều sản phẩm", session),
            level: view::level(decision_level(session).unwrap_or_default()).to_lowercase(),
            csrf: session.csrf.clone(),
            key,
            header: views(HEADER, typed, &refusal.fields, &context, ""),
            rows,
            refusal,
        },
    )
}

fn not_a_decider(session: &Session) -> Response {
    super::message(
        StatusCode::FORBIDDEN,
        Page::staff("Quyết định", session),
        "Ngoài phạm vi của bạn",
        "Chỉ thư ký hội đồng cấp tỉnh hoặc trung ương ghi quyết định công nhận nhiều sản phẩm."
            .into(),
    )
}

/// `GET /quan-ly/quyet-dinh`: the annex to fill in.
pub(super) async fn batch_form(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/quyet-dinh").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if decision_level(&session).is_none() {
        return not_a_decider(&session);
    }
    match awaiting(&app, &actor).await {
        Ok(products) => draw_batch(
            StatusCode::OK,
            &session,
            &products,
            &Typed::default(),
            Refusal::default(),
        ),
        Err(e) => error_page(Page::staff("Quyết định", &session), &e),
    }
}

/// `POST /quan-ly/quyet-dinh`: records the document over the rows given a result.
pub(super) async fn batch(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/quyet-dinh").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(level) = decision_level(&session) else {
        return not_a_decider(&session);
    };
    let typed = Typed::parse(&body);
    if !forms::csrf_ok(&session, &typed) {
        return forms::csrf_refused(&session);
    }
    // The rows are the products as the form listed them: each row names its product.
    let listed: Vec<Value> = typed
        .all("product")
        .iter()
        .map(|id| json!({"product_id": id, "name": typed.get(&format!("name.{id}"))}))
        .collect();
    let products = match awaiting(&app, &actor).await {
        Ok(now) => listed
            .iter()
            .map(|l| {
                now.iter()
                    .find(|p| p["product_id"] == l["product_id"])
                    .cloned()
                    .unwrap_or_else(|| l.clone())
            })
            .collect::<Vec<_>>(),
        Err(e) => return error_page(Page::staff("Quyết định", &session), &e),
    };
    let again = |status, refusal| draw_batch(status, &session, &products, &typed, refusal);
    let Some(key) = forms::key_of(&typed) else {
        return again(StatusCode::BAD_REQUEST, Refusal::default());
    };
    let mut errors = Vec::new();
    let header = body_of(HEADER, &typed, "")
        .map_err(|e| errors.extend(e))
        .ok();
    let mut items = Vec::new();
    let mut rows = Vec::new();
    for (i, p) in products.iter().enumerate() {
        let prefix = format!("items.{i}.");
        let Ok(item) = body_of(ITEM, &typed, &prefix) else {
            continue;
        };
        let result = item
            .get("result")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let text = |k: &str| item.get(k).cloned().unwrap_or(Value::Null);
        let entry = match result {
            "" => continue,
            "refuse" => {
                json!({"product_id": p["product_id"], "recognized": false, "reason": text("reason")})
            }
            stars => json!({"product_id": p["product_id"], "recognized": true,
                            "stars": stars.parse::<u8>().unwrap_or(0),
                            "certificate_no": text("certificate_no")}),
        };
        items.push(entry);
        rows.push(i);
    }
    if items.is_empty() {
        errors.push((
            String::new(),
            "Chưa chọn sản phẩm nào: chọn kết quả cho ít nhất một sản phẩm của phụ lục.".into(),
        ));
    }
    let Some(mut document) = header.filter(|_| errors.is_empty()) else {
        return again(StatusCode::UNPROCESSABLE_ENTITY, Refusal::of_fields(errors));
    };
    document.insert("level".into(), json!(level));
    document.insert("items".into(), Value::Array(items));
    let value = Value::Object(document);
    let parsed: DecisionDocument = match serde_json::from_value(value.clone()) {
        Ok(d) => d,
        Err(e) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Refusal::of_fields(vec![(String::new(), format!("Dữ liệu chưa hợp lệ: {e}"))]),
            );
        }
    };
    let answer = decisions::record_decision(
        State(app.clone()),
        Authenticated(actor.clone()),
        forms::command_headers(key, None),
        JsonCommand {
            body: parsed,
            fingerprint: request_fingerprint("POST", "/api/v1/decisions", &value),
        },
    )
    .await;
    match answer {
        Ok(response) => match json_of(response).await {
            Ok((_, v)) => Redirect::to(&format!(
                "/quan-ly/quyet-dinh/{}?vi-tri={}",
                view::text(&v, "decision_id"),
                v["global_position"]
            ))
            .into_response(),
            Err(e) => error_page(Page::staff("Quyết định", &session), &e),
        },
        Err(e) => {
            let mut refusal = Refusal::of_error(&e, "");
            if let ApiError::RuleViolation { violations, .. } = &e {
                refusal.fields.clear();
                refusal.summary.clear();
                for v in violations {
                    let words = view::text(v, "detail_vi");
                    let row = products
                        .iter()
                        .position(|p| p["product_id"] == v["product_id"]);
                    let name = row
                        .map(|r| view::text(&products[r], "name"))
                        .unwrap_or_default();
                    if let Some(r) = row {
                        refusal.fields.push((format!("items.{r}."), words.clone()));
                    }
                    refusal.summary.push(format!("{name}: {words}"));
                }
                refusal.summary.insert(
                    0,
                    "Quyết định không được ghi cho sản phẩm nào: mọi sản phẩm của phụ lục được ghi cùng nhau hoặc không sản phẩm nào.".into(),
                );
            }
            again(e.status(), refusal)
        }
    }
}

#[derive(Template)]
#[template(path = "decision.html")]
struct DecisionPage {
    page: Page,
    decision_no: String,
    decided_on: String,
    authority: String,
    level: String,
    items: Vec<(String, String, String, String)>,
}

/// `GET /quan-ly/quyet-dinh/{id}`: a recorded decision and its annex.
pub(super) async fn decision(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let (session, actor) = match staff(&app, &headers, &format!("/quan-ly/quyet-dinh/{id}")).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let page = Page::staff("Quyết định", &session);
    let answer = decisions::get_decision(
        State(app.clone()),
        Authenticated(actor),
        Path(id),
        ApiQuery(ReadParams {
            min_position: q.get("vi-tri").and_then(|p| p.parse().ok()),
        }),
    )
    .await;
    let v = match answer {
        Ok(axum::Json(v)) => view::json(&v),
        Err(e) => return error_page(page, &e),
    };
    let items = v["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| {
                    (
                        view::text(i, "product_id"),
                        view::text(i, "name"),
                        if i["recognized"] == true {
                            view::stars_words(i["stars"].as_i64())
                        } else {
                            format!("Không công nhận: {}", view::text(i, "reason"))
                        },
                        view::opt_date(i["valid_until"].as_str()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &DecisionPage {
            page: Page::staff(
                &format!("Quyết định {}", view::text(&v, "decision_no")),
                &session,
            ),
            decision_no: view::text(&v, "decision_no"),
            decided_on: view::opt_date(v["decided_on"].as_str()),
            authority: view::text(&v, "authority"),
            level: view::level(v["level"].as_str().unwrap_or_default()).to_owned(),
            items,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product whose round is at `level` in `stage`, its council with `members` members
    /// and `cards` cards.
    fn product(level: &str, stage: &str, members: usize, cards: usize) -> Value {
        let member = json!({"member_id": "m", "name": "Thành viên", "role": "member"});
        let card = json!({"member_id": "m", "part_a": 30, "part_b": 20, "part_c": 30});
        json!({
            "product_id": "0190a0a0-0000-7000-8000-000000000001",
            "name": "Mật ong hoa cà phê",
            "status": "in_evaluation",
            "current_evaluation": {
                "round": 1, "level": level, "stage": stage, "opened_on": "2025-09-01",
                "councils": [{"level": level, "convened_on": "2025-09-10",
                              "members": vec![member; members], "scorecards": vec![card; cards]}],
                "results": [{"level": level, "concluded_on": "2025-09-12", "mean": "81.00",
                             "outcome": {"kind": "award", "stars": 4}}],
            }
        })
    }

    fn group(role: Role, p: &Value) -> Option<&'static str> {
        round_task(role, p).map(|(group, _)| group)
    }

    #[test]
    fn each_role_is_given_the_steps_of_its_own_level() {
        let dossier = product("commune", "dossier", 0, 0);
        assert_eq!(group(Role::CommuneOfficer, &dossier), Some("ho-so"));
        assert_eq!(group(Role::ProvincialSecretary, &dossier), None);
        let waiting = product("provincial", "awaiting_council", 0, 0);
        assert_eq!(group(Role::ProvincialSecretary, &waiting), Some("hoi-dong"));
        assert_eq!(group(Role::CentralSecretary, &waiting), None);
        assert_eq!(group(Role::CommuneOfficer, &waiting), None);
        assert_eq!(group(Role::Inspector, &waiting), None);
    }

    #[test]
    fn a_sitting_council_asks_for_cards_until_every_member_has_one_then_for_the_conclusion() {
        let scoring = product("central", "council", 5, 3);
        let (group_name, task) = round_task(Role::CentralSecretary, &scoring).unwrap();
        assert_eq!(group_name, "phieu-cham");
        assert!(task.what.contains("3/5"), "{}", task.what);
        assert!(task.link.ends_with("/thao-tac/phieu-cham"), "{}", task.link);
        let full = product("central", "council", 5, 5);
        assert_eq!(group(Role::CentralSecretary, &full), Some("ket-luan"));
        let concluded = product("central", "awaiting_decision", 5, 5);
        let (group_name, task) = round_task(Role::CentralSecretary, &concluded).unwrap();
        assert_eq!(group_name, "quyet-dinh");
        assert!(task.what.contains("81,00"), "{}", task.what);
    }

    #[test]
    fn a_returned_dossier_waits_for_the_commune_or_the_district() {
        let returned = product("commune", "returned", 0, 0);
        assert_eq!(group(Role::CommuneOfficer, &returned), Some("ho-so"));
        assert_eq!(group(Role::DistrictSecretary, &returned), Some("ho-so"));
        assert_eq!(group(Role::ProvincialSecretary, &returned), None);
    }
}
