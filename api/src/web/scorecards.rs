//! The scorecard grid: the secretary enters the sitting council's cards, one row per
//! member, parts A, B and C with the maxima of the round's rule version and the mandatory
//! criteria failed by code; the total of each row and the spread between rows are shown
//! as they are typed (where scripts run).
//!
//! The grid is checked whole before any card is recorded: every filled row is decided in
//! turn on the state the previous rows would leave (`CommandService::preview`), and one row
//! that breaks a rule refuses the grid with its message on that row, recording nothing.
//! Then each row is recorded as its own `RecordScorecard` command, under a key derived from
//! the form's key and the member: the grid sent twice records each card once.

use askama::Template;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ocop_domain::rules::RulesVersionId;
use ocop_domain::{Command, CommandMeta};
use ocop_projections::access::accounts::Session;
use serde_json::{Value, json};
use uuid::Uuid;

use super::forms::{
    self, Context, Field, FieldView, Input, Refusal, Typed, body_of, command_of, views,
};
use super::session::staff;
use super::{Page, error_page, render, view};
use crate::app::AppState;
use crate::error::ApiError;

/// The grid's address under the product, and its title.
pub(super) const SLUG: &str = "phieu-cham";
pub(super) const TITLE: &str = "Nhập phiếu chấm của hội đồng";

/// One row's cells.
const CARD: &[Field] = &[
    forms::field("part_a", "Phần A", Input::Number),
    forms::field("part_b", "Phần B", Input::Number),
    forms::field("part_c", "Phần C", Input::Number),
    forms::optional(
        "mandatory_failed",
        "Tiêu chí bắt buộc không đạt",
        Input::Codes,
    ),
];

const DATE: &[Field] = &[forms::field(
    "recorded_on",
    "Ngày chấm (ghi cho mọi phiếu của lần nhập này)",
    Input::Date,
)];

/// A council member's row.
#[derive(Debug, Clone)]
struct Row {
    member_id: String,
    name: String,
    role: String,
    /// The card already recorded for the member, in words.
    recorded: String,
    cells: Vec<FieldView>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "scorecard_grid.html")]
struct GridPage {
    page: Page,
    product: (String, String),
    council: String,
    action: String,
    csrf: String,
    key: String,
    version: String,
    date: Vec<FieldView>,
    rows: Vec<Row>,
    max: (u32, u32, u32),
    spread_limit: String,
    refusal: Refusal,
    /// The fresh form a stale one is offered.
    fresh: String,
}

fn members(council: &Value) -> Vec<(String, String, String)> {
    council["members"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    (
                        view::text(m, "member_id"),
                        view::text(m, "name"),
                        member_role(m["role"].as_str().unwrap_or_default()).to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn member_role(role: &str) -> &'static str {
    match role {
        "chair" => "Chủ tịch",
        "vice_chair" => "Phó chủ tịch",
        "secretary" => "Thư ký",
        _ => "Thành viên",
    }
}

fn recorded(council: &Value, member_id: &str) -> String {
    council["scorecards"]
        .as_array()
        .and_then(|cards| {
            cards
                .iter()
                .rev()
                .find(|c| c["member_id"].as_str() == Some(member_id))
        })
        .map_or_else(
            || "Chưa có phiếu".to_owned(),
            |c| {
                let part = |k: &str| c[k].as_u64().unwrap_or(0);
                let failed: Vec<&str> = c["mandatory_failed"]
                    .as_array()
                    .map(|f| f.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                format!(
                    "A {} + B {} + C {} = {} điểm{}",
                    part("part_a"),
                    part("part_b"),
                    part("part_c"),
                    part("part_a") + part("part_b") + part("part_c"),
                    if failed.is_empty() {
                        String::new()
                    } else {
                        format!("; không đạt {}", failed.join(", "))
                    }
                )
            },
        )
}

fn row_prefix(i: usize) -> String {
    format!("cards.{i}.")
}

#[allow(clippy::too_many_arguments)]
fn draw(
    status: StatusCode,
    session: &Session,
    id: &str,
    state: &Value,
    council: &Value,
    typed: &Typed,
    refusal: Refusal,
    row_errors: &[(usize, String)],
) -> Response {
    let rules = state["current_evaluation"]["rules_version"]
        .as_str()
        .and_then(|r| RulesVersionId::parse(r).ok())
        .and_then(|r| ocop_domain::rules::get(&r));
    let max = rules.map_or((40, 25, 35), |r| (r.part_max.a, r.part_max.b, r.part_max.c));
    let context = Context::default();
    let rows = members(council)
        .into_iter()
        .enumerate()
        .map(|(i, (member_id, name, role))| {
            let mut cells = views(CARD, typed, &refusal.fields, &context, &row_prefix(i));
            for c in &mut cells {
                c.label = format!("{}, {name}", c.label);
                c.cell = true;
            }
            Row {
                recorded: recorded(council, &member_id),
                error: row_errors
                    .iter()
                    .filter(|(r, _)| *r == i)
                    .map(|(_, e)| e.clone())
                    .reduce(|a, b| format!("{a} {b}")),
                member_id,
                name,
                role,
                cells,
            }
        })
        .collect();
    let key = typed.key_or_fresh();
    let version = typed.version_or(state);
    let level = view::level(council["level"].as_str().unwrap_or_default());
    let name = view::text(state, "name");
    render(
        status,
        &GridPage {
            page: Page::staff(&format!("{TITLE} — {name}"), session),
            product: (id.to_owned(), name),
            council: format!(
                "Hội đồng {} ({}), họp ngày {}; đủ số khi có {} thành viên.",
                level.to_lowercase(),
                view::text(council, "council_ref"),
                view::opt_date(council["convened_on"].as_str()),
                council["quorum"]["min_present"]
            ),
            action: format!("/quan-ly/san-pham/{id}/thao-tac/{SLUG}"),
            fresh: format!("/quan-ly/san-pham/{id}/thao-tac/{SLUG}"),
            csrf: session.csrf.clone(),
            key,
            version,
            date: views(DATE, typed, &refusal.fields, &context, ""),
            rows,
            max,
            spread_limit: council["spread_limit"]
                .as_u64()
                .map(|l| l.to_string())
                .unwrap_or_default(),
            refusal,
        },
    )
}

fn no_council(session: &Session, id: &str) -> Response {
    super::message(
        StatusCode::UNPROCESSABLE_ENTITY,
        Page::staff(TITLE, session),
        "Không có hội đồng đang họp",
        format!(
            "Vòng đánh giá của sản phẩm không có hội đồng đang chấm điểm; xem trang sản phẩm /quan-ly/san-pham/{id}."
        ),
    )
}

/// `GET …/thao-tac/phieu-cham`.
pub(super) async fn show(app: AppState, headers: HeaderMap, id: String) -> Response {
    let here = format!("/quan-ly/san-pham/{id}/thao-tac/{SLUG}");
    let (session, actor) = match staff(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let state = match forms::read_state(&app, &actor, &id, None).await {
        Ok(s) => s,
        Err(e) => return error_page(Page::staff(TITLE, &session), &e),
    };
    let Some(council) = forms::at_level(&state["current_evaluation"], "councils")
        .filter(|_| forms::stage(&state) == "council")
    else {
        return no_council(&session, &id);
    };
    draw(
        StatusCode::OK,
        &session,
        &id,
        &state,
        council,
        &Typed::default(),
        Refusal::default(),
        &[],
    )
}

/// `POST …/thao-tac/phieu-cham`: checks every filled row, then records them.
pub(super) async fn submit(app: AppState, headers: HeaderMap, id: String, body: Bytes) -> Response {
    let here = format!("/quan-ly/san-pham/{id}/thao-tac/{SLUG}");
    let (session, actor) = match staff(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let typed = Typed::parse(&body);
    if !forms::csrf_ok(&session, &typed) {
        return forms::csrf_refused(&session);
    }
    let (Ok(product_id), Some(key)) = (Uuid::parse_str(&id), forms::key_of(&typed)) else {
        return no_council(&session, &id);
    };
    let state = match forms::read_state(&app, &actor, &id, None).await {
        Ok(s) => s,
        Err(e) => return error_page(Page::staff(TITLE, &session), &e),
    };
    let Some(council) = forms::at_level(&state["current_evaluation"], "councils") else {
        return no_council(&session, &id);
    };
    let again = |status, refusal: Refusal, rows: &[(usize, String)]| {
        draw(
            status, &session, &id, &state, council, &typed, refusal, rows,
        )
    };
    let members = members(council);
    let mut errors = Vec::new();
    let date = body_of(DATE, &typed, "").map_err(|e| errors.extend(e)).ok();
    let mut cards = Vec::new();
    for (i, (member_id, _, _)) in members.iter().enumerate() {
        let prefix = row_prefix(i);
        let blank = CARD
            .iter()
            .all(|c| typed.get(&format!("{prefix}{}", c.key)).trim().is_empty());
        if blank {
            continue;
        }
        match body_of(CARD, &typed, &prefix) {
            Ok(mut card) => {
                card.insert("member_id".into(), json!(member_id));
                if let Some(date) = &date {
                    card.extend(date.clone());
                }
                cards.push((i, card));
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::of_fields(errors),
            &[],
        );
    }
    if cards.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::of_fields(vec![(
                String::new(),
                "Chưa nhập phiếu nào: điền điểm ba phần của ít nhất một thành viên.".into(),
            )]),
            &[],
        );
    }
    let expected = typed.get("version").parse::<i64>().ok();
    let commands: Result<Vec<Command>, String> = cards
        .iter()
        .map(|(_, card)| {
            Ok(Command::new(
                CommandMeta::new(
                    actor.clone(),
                    app.clock.now(),
                    product_id,
                    vec![Uuid::now_v7()],
                ),
                command_of("record_scorecard", card)?,
            ))
        })
        .collect();
    let commands = match commands {
        Ok(c) => c,
        Err(e) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Refusal::of_fields(vec![(String::new(), e)]),
                &[],
            );
        }
    };
    // The whole grid checked first, unless it was already recorded (sent twice).
    let first_key = card_key(key, &cards[0].1);
    let already = matches!(app.store.find_command(first_key).await, Ok(Some(_)));
    if !already {
        match app.service.preview(product_id, &commands).await {
            Ok(Ok(_)) => {}
            Ok(Err((index, e))) => {
                let (row, _) = cards[index];
                let e = ApiError::from(e);
                let refusal = Refusal::of_error(&e, &row_prefix(row));
                let name = &members[row].1;
                let refusal = Refusal {
                    summary: refusal
                        .summary
                        .iter()
                        .map(|s| format!("Phiếu của {name}: {s}"))
                        .collect(),
                    ..refusal
                };
                // Beside the field it names, or else on the member's row.
                let on_row = if refusal.fields.is_empty() {
                    vec![(row, refusal.summary.join(" "))]
                } else {
                    Vec::new()
                };
                return again(e.status(), refusal, &on_row);
            }
            Err(e) => {
                let e = ApiError::from(e);
                return again(e.status(), Refusal::of_error(&e, ""), &[]);
            }
        }
    }
    let api_path = format!("/api/v1/products/{id}/evaluations/current/scorecards");
    let mut outcomes = Vec::new();
    for (n, (row, card)) in cards.iter().enumerate() {
        let sent = forms::send(
            &app,
            &actor,
            product_id,
            &api_path,
            "record_scorecard",
            card,
            forms::command_headers(card_key(key, card), if n == 0 { expected } else { None }),
        )
        .await;
        match sent {
            Ok(o) => outcomes.push(o),
            Err(e) if n == 0 => {
                let (status, _, refusal) =
                    forms::refused(&app, &actor, &id, e, typed.clone()).await;
                return again(status, refusal, &[]);
            }
            Err(e) => {
                // The rows before were recorded: say so, and which row was not.
                let refusal = Refusal::of_error(&e, &row_prefix(*row));
                let mut summary = vec![format!(
                    "Đã ghi {n} phiếu đầu; phiếu của {} không được ghi:",
                    members[*row].1
                )];
                summary.extend(refusal.summary);
                return again(
                    e.status(),
                    Refusal {
                        summary,
                        ..Refusal::default()
                    },
                    &[],
                );
            }
        }
    }
    let (Some(first), Some(last)) = (outcomes.first(), outcomes.last()) else {
        return Redirect::to(&format!("/quan-ly/san-pham/{id}")).into_response();
    };
    forms::back_to_product(first, last)
}

/// The key a grid row is recorded under: the form's key and the member.
fn card_key(form_key: Uuid, card: &serde_json::Map<String, Value>) -> Uuid {
    let member = card["member_id"].as_str().unwrap_or_default();
    ocop_projections::ids::v8(
        b"ocop-web-scorecard\0",
        &[form_key.as_bytes(), member.as_bytes()],
    )
    .0
}
