//! The staff forms that change something: one form per command of the lifecycle, each
//! described as data (its fields, their labels and how each becomes a part of the API's
//! JSON body) and sent through the API's own command path (`routes::commands::execute`):
//! the same decoding, rules, idempotency and audit trail as a bearer token's request.
//!
//! How a form behaves, for every command alike:
//! - the product's version shown with the form travels as `If-Match`: a form left open
//!   while someone else recorded a step is refused, saying who recorded what, with the
//!   fresh form offered;
//! - each rendered form carries its own idempotency key: a double click or a page sent
//!   again records once and shows the first answer;
//! - a rule violation is shown in Vietnamese (the domain's one message table,
//!   `DomainError::message_vi`) in a summary at the top and next to the field it names, the
//!   values typed kept; nothing is recorded;
//! - success returns to the product with the new events highlighted in its timeline.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ocop_domain::{Actor, CommandBody, Role};
use ocop_projections::access::accounts::Session;
use ocop_projections::command::service::CommandOutcome;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::session::staff;
use super::{Page, error_page, json_of, message, render, view};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, CommandHeaders, Query as ApiQuery, request_fingerprint};
use crate::routes::commands;
use crate::routes::queries::{self, HistoryParams, ProductParams};

mod catalogue;
mod fields;

pub(super) use catalogue::{REGISTER, at_level, form, offered, stage};
use fields::hinted;
pub(super) use fields::{Context, Field, FieldView, Input, Typed, body_of, field, optional, views};

/// A form for one command.
#[derive(Debug)]
pub(super) struct Form {
    /// Its address under the product: `/quan-ly/san-pham/{id}/thao-tac/{slug}`.
    pub slug: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub button: &'static str,
    /// The command's name in `CommandBody` (`open_evaluation`).
    pub command: &'static str,
    /// The API path after `/api/v1/products/{id}`, for the request's fingerprint.
    pub path: &'static str,
    /// Who may send it (the product page offers it only to them).
    pub roles: &'static [Role],
    /// Whether the product's state (the API's JSON) is one the command applies to.
    pub applies: fn(&Value) -> bool,
    pub fields: &'static [Field],
    /// Shown first as what it would record (the conclusion's mean and outcome), recorded
    /// only when confirmed.
    pub confirm: bool,
}

/// A body as the command it is, in the API's own words when it is not one.
pub(super) fn command_of(command: &str, body: &Map<String, Value>) -> Result<CommandBody, String> {
    let mut tagged = body.clone();
    tagged.insert("command".into(), json!(command));
    serde_path_to_error::deserialize(Value::Object(tagged)).map_err(|e| {
        let path = e.path().to_string();
        format!("Dữ liệu chưa hợp lệ ({path}): {}", e.into_inner())
    })
}

/// The fields a rule violation names, as form field names: its `field` (`decided_on`),
/// a scorecard part (`part_a`), or none.
pub(super) fn field_of(violation: &Value, prefix: &str) -> Option<String> {
    if let Some(f) = violation["field"].as_str() {
        return Some(format!("{prefix}{f}"));
    }
    violation["part"]
        .as_str()
        .map(|p| format!("{prefix}part_{}", p.trim_start_matches("part_")))
}

/// How a refused command is told on its form: the summary's lines and the messages next to
/// the fields they name.
#[derive(Debug, Default)]
pub(super) struct Refusal {
    pub summary: Vec<String>,
    pub fields: Vec<(String, String)>,
    /// Set when the form was stale: who changed the product since, and what.
    pub stale: Vec<String>,
}

impl Refusal {
    pub fn of_fields(fields: Vec<(String, String)>) -> Self {
        Refusal {
            summary: fields.iter().map(|(_, e)| e.clone()).collect(),
            fields,
            stale: Vec::new(),
        }
    }

    /// An API error in words; `prefix` is the row's field prefix for a grid row.
    pub fn of_error(e: &ApiError, prefix: &str) -> Self {
        let mut refusal = Refusal::default();
        match e {
            ApiError::RuleViolation { violations, .. } => {
                for v in violations {
                    let words = v["detail_vi"]
                        .as_str()
                        .map_or_else(|| e.detail_vi(&e.to_string()), str::to_owned);
                    if let Some(f) = field_of(v, prefix) {
                        refusal.fields.push((f, words.clone()));
                    }
                    refusal.summary.push(words);
                }
            }
            _ => refusal.summary.push(e.detail_vi(&e.to_string())),
        }
        refusal
    }
}

#[derive(Template)]
#[template(path = "command_form.html")]
struct FormPage {
    page: Page,
    title: String,
    intro: String,
    action: String,
    product: Option<(String, String)>,
    csrf: String,
    key: String,
    version: String,
    fields: Vec<FieldView>,
    refusal: Refusal,
    button: String,
    /// What the command would record, shown for confirmation.
    preview: Vec<(String, String)>,
    fresh: String,
    /// Where the round stands, for a form that acts on it: its stage and last conclusion.
    round: Option<String>,
}

/// The product's state as the API answers it, for `actor`.
pub(super) async fn read_state(
    app: &AppState,
    actor: &Actor,
    id: &str,
    min_position: Option<i64>,
) -> Result<Value, ApiError> {
    let answer = queries::get_product(
        State(app.clone()),
        Authenticated(actor.clone()),
        Path(id.to_owned()),
        ApiQuery(ProductParams {
            min_position,
            ..ProductParams::default()
        }),
    )
    .await?;
    Ok(json_of(answer).await?.1)
}

/// The product's history as the API answers it (up to 1,000 events), for `actor`.
pub(super) async fn read_history(
    app: &AppState,
    actor: &Actor,
    id: &str,
    after: Option<i64>,
    min_position: Option<i64>,
) -> Result<Value, ApiError> {
    let axum::Json(history) = queries::product_history(
        State(app.clone()),
        Authenticated(actor.clone()),
        Path(id.to_owned()),
        ApiQuery(HistoryParams {
            after,
            limit: Some(1000),
            min_position,
        }),
    )
    .await?;
    Ok(view::json(&history))
}

/// Who recorded what on the product after `version`: what a stale form is told.
pub(super) async fn changed_since(
    app: &AppState,
    actor: &Actor,
    id: &str,
    version: i64,
) -> Vec<String> {
    match read_history(app, actor, id, Some(version), None).await {
        Ok(h) => h["events"]
            .as_array()
            .map(|es| {
                es.iter()
                    .map(|e| {
                        format!(
                            "#{} {} — {} ({}), ghi lúc {}",
                            e["version"],
                            view::event(e["event_type"].as_str().unwrap_or_default()),
                            view::text(&e["actor"], "user"),
                            view::role(e["actor"]["role"].as_str().unwrap_or_default()),
                            view::instant(e["recorded_at"].as_str().unwrap_or_default())
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// The product page to return to after the commands from `first` to `last` (one command:
/// the same outcome twice), their events highlighted, read after the last one's write.
pub(super) fn back_to_product(first: &CommandOutcome, last: &CommandOutcome) -> Response {
    let from = first.events.first().map_or(first.version, |e| e.version);
    Redirect::to(&format!(
        "/quan-ly/san-pham/{}?moi={from}-{}&vi-tri={}#su-kien-{from}",
        last.product_id, last.version, last.global_position
    ))
    .into_response()
}

/// A fresh key for a form being drawn.
pub(super) fn fresh_key() -> String {
    Uuid::new_v4().to_string()
}

/// The key and version a submitted form carries; a form without a valid key is refused
/// (it was not drawn by this server).
pub(super) fn key_of(typed: &Typed) -> Option<Uuid> {
    Uuid::parse_str(typed.get("idempotency_key"))
        .ok()
        .filter(|k| !ocop_projections::command::service::is_server_key(*k))
}

/// A form's key and the version it showed, as the command headers they stand for.
pub(super) fn command_headers(key: Uuid, expected_version: Option<i64>) -> CommandHeaders {
    CommandHeaders {
        idempotency_key: key,
        expected_version,
        request_id: None,
    }
}

/// Sends one command through the API's command path, as `actor`, with the form's key and
/// version (`headers`).
pub(super) async fn send(
    app: &AppState,
    actor: &Actor,
    product_id: Uuid,
    api_path: &str,
    command: &str,
    body: &Map<String, Value>,
    headers: CommandHeaders,
) -> Result<CommandOutcome, ApiError> {
    let value = Value::Object(body.clone());
    let command = command_of(command, body).map_err(ApiError::InvalidRequest)?;
    let fingerprint = request_fingerprint("POST", api_path, &value);
    commands::execute(
        app,
        actor.clone(),
        headers,
        product_id,
        command,
        fingerprint,
    )
    .await
}

/// Whether the form's CSRF token is the session's.
pub(super) fn csrf_ok(session: &Session, typed: &Typed) -> bool {
    !session.csrf.is_empty() && typed.get("csrf") == session.csrf
}

pub(super) fn csrf_refused(session: &Session) -> Response {
    message(
        StatusCode::FORBIDDEN,
        Page::staff("Biểu mẫu", session),
        "Biểu mẫu không hợp lệ",
        "Biểu mẫu không mang mã của phiên đăng nhập này; không có gì được ghi nhận. Hãy mở lại biểu mẫu từ trang sản phẩm."
            .into(),
    )
}

/// A form with its values: drawn fresh, or again after a refusal.
#[allow(clippy::too_many_arguments)]
fn draw(
    status: StatusCode,
    session: &Session,
    form: &Form,
    product: Option<(&str, &Value)>,
    typed: &Typed,
    refusal: Refusal,
    context: &Context,
    preview: Vec<(String, String)>,
) -> Response {
    let (action, fresh, product_view, version) = match product {
        Some((id, state)) => (
            format!("/quan-ly/san-pham/{id}/thao-tac/{}", form.slug),
            format!("/quan-ly/san-pham/{id}/thao-tac/{}", form.slug),
            Some((id.to_owned(), view::text(state, "name"))),
            typed.version_or(state),
        ),
        None => (
            "/quan-ly/dang-ky".to_owned(),
            "/quan-ly/dang-ky".to_owned(),
            None,
            String::new(),
        ),
    };
    let key = typed.key_or_fresh();
    let title = match &product_view {
        Some((_, name)) => format!("{} — {name}", form.title),
        None => form.title.to_owned(),
    };
    render(
        status,
        &FormPage {
            page: Page::staff(&title, session),
            title: form.title.to_owned(),
            intro: form.intro.to_owned(),
            round: product.and_then(|(_, state)| round_note(state)),
            action,
            product: product_view,
            csrf: session.csrf.clone(),
            key,
            version,
            fields: views(form.fields, typed, &refusal.fields, context, ""),
            refusal,
            button: if preview.is_empty() {
                form.button.to_owned()
            } else {
                "Xác nhận và ghi nhận".to_owned()
            },
            preview,
            fresh,
        },
    )
}

/// A round's level, rule version and last conclusion at its level, in words; `None`
/// without a round.
fn round_note(state: &Value) -> Option<String> {
    let round = state["current_evaluation"].as_object()?;
    let level = round
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let concluded = at_level(&state["current_evaluation"], "results")
        .map(|r| {
            format!(
                " Kết luận gần nhất của cấp này ngày {}: điểm trung bình {} — {}.",
                view::opt_date(r["concluded_on"].as_str()),
                r["mean"].as_str().map_or_else(|| "—".into(), view::decimal),
                view::outcome(&r["outcome"])
            )
        })
        .unwrap_or_default();
    Some(format!(
        "Vòng {} đang ở {}, theo {}.{concluded}",
        round
            .get("round")
            .map(|n| n.to_string())
            .unwrap_or_default(),
        view::level(level).to_lowercase(),
        round
            .get("rules_version")
            .and_then(Value::as_str)
            .unwrap_or("—"),
    ))
}

/// `GET /quan-ly/san-pham/{id}/thao-tac/{slug}`: the form, empty, at the product's version.
pub(super) async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
) -> Response {
    if slug == super::scorecards::SLUG {
        return super::scorecards::show(app, headers, id).await;
    }
    let here = format!("/quan-ly/san-pham/{id}/thao-tac/{slug}");
    let (session, actor) = match staff(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(form) = form(&slug) else {
        return not_a_form(&session);
    };
    let (state, context) = match product_and_context(&app, &actor, form, &id).await {
        Ok(found) => found,
        Err(e) => return error_page(Page::staff(form.title, &session), &e),
    };
    draw(
        StatusCode::OK,
        &session,
        form,
        Some((&id, &state)),
        &Typed::default(),
        Refusal::default(),
        &context,
        Vec::new(),
    )
}

fn not_a_form(session: &Session) -> Response {
    message(
        StatusCode::NOT_FOUND,
        Page::staff("Không tìm thấy", session),
        "Không tìm thấy",
        "Không có thao tác này.".into(),
    )
}

/// The product's state and the choices its form offers (its complaints, its events).
async fn product_and_context(
    app: &AppState,
    actor: &Actor,
    form: &Form,
    id: &str,
) -> Result<(Value, Context), ApiError> {
    let state = read_state(app, actor, id, None).await?;
    let context = context_for(app, actor, form, id, &state).await?;
    Ok((state, context))
}

async fn context_for(
    app: &AppState,
    actor: &Actor,
    form: &Form,
    id: &str,
    state: &Value,
) -> Result<Context, ApiError> {
    let wants_events = form.fields.iter().any(|f| matches!(f.input, Input::Event));
    let history = if wants_events {
        Some(read_history(app, actor, id, None, None).await?)
    } else {
        None
    };
    Ok(Context::of(state, history.as_ref()))
}

/// `POST /quan-ly/san-pham/{id}/thao-tac/{slug}`: the command, sent.
pub(super) async fn submit(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path((id, slug)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if slug == super::scorecards::SLUG {
        return super::scorecards::submit(app, headers, id, body).await;
    }
    let here = format!("/quan-ly/san-pham/{id}/thao-tac/{slug}");
    let (session, actor) = match staff(&app, &headers, &here).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let typed = Typed::parse(&body);
    if !csrf_ok(&session, &typed) {
        return csrf_refused(&session);
    }
    let Some(form) = form(&slug) else {
        return not_a_form(&session);
    };
    let Ok(product_id) = Uuid::parse_str(&id) else {
        return not_a_form(&session);
    };
    let (status, typed, refusal, preview) =
        match attempt(&app, &actor, form, &id, product_id, typed).await {
            Ok(done) => return done,
            Err(redraw) => redraw,
        };
    // Only a form drawn again reads the product (a recorded one goes back to its page).
    match product_and_context(&app, &actor, form, &id).await {
        Ok((state, context)) => draw(
            status,
            &session,
            form,
            Some((&id, &state)),
            &typed,
            refusal,
            &context,
            preview,
        ),
        Err(e) => error_page(Page::staff(form.title, &session), &e),
    }
}

/// A form to draw again: its status, what was typed, why it was refused, and what a
/// confirmation would record.
type Redraw = (StatusCode, Typed, Refusal, Vec<(String, String)>);

/// The submitted form's command: previewed when the form asks for confirmation, else sent;
/// the product page to go back to, or the form to draw again.
async fn attempt(
    app: &AppState,
    actor: &Actor,
    form: &Form,
    id: &str,
    product_id: Uuid,
    typed: Typed,
) -> Result<Response, Redraw> {
    let Some(key) = key_of(&typed) else {
        let refusal = Refusal::of_fields(vec![(
            String::new(),
            "Biểu mẫu thiếu mã gửi; hãy gửi lại từ biểu mẫu này.".into(),
        )]);
        return Err((StatusCode::BAD_REQUEST, typed, refusal, Vec::new()));
    };
    let expected = typed.get("version").parse::<i64>().ok();
    let body = match body_of(form.fields, &typed, "") {
        Ok(b) => b,
        Err(errors) => {
            let refusal = Refusal::of_fields(errors);
            return Err((StatusCode::UNPROCESSABLE_ENTITY, typed, refusal, Vec::new()));
        }
    };
    if form.confirm && typed.get("confirmed") != "1" {
        // Shown, not recorded: what the command would record on the log as it is now.
        return Err(
            match preview(app, actor, product_id, form.command, &body).await {
                Ok(lines) => {
                    let mut typed = typed;
                    typed.set("confirmed", "1");
                    (StatusCode::OK, typed, Refusal::default(), lines)
                }
                Err(e) => (e.status(), typed, Refusal::of_error(&e, ""), Vec::new()),
            },
        );
    }
    let api_path = format!("/api/v1/products/{id}{}", form.path);
    match send(
        app,
        actor,
        product_id,
        &api_path,
        form.command,
        &body,
        command_headers(key, expected),
    )
    .await
    {
        Ok(outcome) => Ok(back_to_product(&outcome, &outcome)),
        Err(e) => {
            let (status, typed, refusal) = refused(app, actor, id, e, typed).await;
            Err((status, typed, refusal, Vec::new()))
        }
    }
}

/// How a refused command is drawn on its form: a stale form says who changed the product
/// and is offered the fresh one; a reused key is given a new one; a rule, a scope or
/// anything else says why.
pub(super) async fn refused(
    app: &AppState,
    actor: &Actor,
    id: &str,
    e: ApiError,
    typed: Typed,
) -> (StatusCode, Typed, Refusal) {
    match &e {
        ApiError::VersionConflict { expected, actual } => {
            let mut refusal = Refusal::of_error(&e, "");
            refusal.stale = changed_since(app, actor, id, *expected).await;
            refusal.summary = vec![format!(
                "Biểu mẫu này mở khi sản phẩm ở phiên bản {expected}; từ đó đã có {} thay đổi. \
                 Không có gì được ghi nhận. Xem các thay đổi dưới đây rồi mở biểu mẫu mới.",
                actual - expected
            )];
            (StatusCode::CONFLICT, typed, refusal)
        }
        ApiError::IdempotencyKeyReused(_) => {
            let mut typed = typed;
            typed.set("idempotency_key", &fresh_key());
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                Refusal::of_fields(vec![(
                    String::new(),
                    "Biểu mẫu này đã được gửi với nội dung khác và đã được ghi nhận; lần gửi này không được ghi. Nếu cần ghi thêm, hãy gửi lại: biểu mẫu đã có mã gửi mới."
                        .into(),
                )]),
            )
        }
        _ => (e.status(), typed, Refusal::of_error(&e, "")),
    }
}

/// The lines a confirmation shows: what concluding would find.
async fn preview(
    app: &AppState,
    actor: &Actor,
    product_id: Uuid,
    command: &str,
    body: &Map<String, Value>,
) -> Result<Vec<(String, String)>, ApiError> {
    let command = command_of(command, body).map_err(ApiError::InvalidRequest)?;
    let command = ocop_domain::Command::new(
        ocop_domain::CommandMeta::new(
            actor.clone(),
            app.clock.now(),
            product_id,
            vec![Uuid::now_v7()],
        ),
        command,
    );
    let (_, decided) = app
        .service
        .preview(product_id, &[command])
        .await?
        .map_err(|(_, e)| ApiError::from(e))?;
    Ok(decided
        .iter()
        .flatten()
        .filter_map(|e| match &e.body {
            ocop_domain::EventBody::ScoringConcluded(c) => Some(conclusion_lines(c)),
            _ => None,
        })
        .flatten()
        .collect())
}

fn conclusion_lines(c: &ocop_domain::events::ScoringConcluded) -> Vec<(String, String)> {
    let outcome = serde_json::to_value(c.outcome).unwrap_or_default();
    vec![
        ("Cấp".into(), view::level(&c.level.to_string()).to_owned()),
        ("Điểm trung bình".into(), view::decimal(&c.mean_display)),
        (
            "Khung hạng theo điểm".into(),
            view::stars_words(Some(i64::from(c.band_stars))),
        ),
        (
            "Đủ số thành viên".into(),
            if c.quorum_met { "Có" } else { "Không" }.into(),
        ),
        (
            "Chênh lệch điểm".into(),
            format!(
                "{} điểm{}",
                c.spread,
                if c.spread_within_limit {
                    ""
                } else {
                    " — vượt mức cho phép"
                }
            ),
        ),
        (
            "Tiêu chí bắt buộc không đạt".into(),
            if c.mandatory_failed.is_empty() {
                "Không có".into()
            } else {
                c.mandatory_failed.join(", ")
            },
        ),
        ("Kết quả".into(), view::outcome(&outcome)),
    ]
}

/// `GET /quan-ly/dang-ky`: the registration form.
pub(super) async fn register_form(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let (session, _) = match staff(&app, &headers, "/quan-ly/dang-ky").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut typed = Typed::default();
    // The place of the officer's own scope, filled in.
    if let Ok(scope) = ocop_domain::Scope::parse(&session.account.scope) {
        let text = scope.to_string();
        for part in text.split('/') {
            if let Some((k, v)) = part.split_once(':') {
                if matches!(k, "province" | "commune" | "district") {
                    typed.set(k, v);
                }
            }
        }
    }
    draw(
        StatusCode::OK,
        &session,
        &REGISTER,
        None,
        &typed,
        Refusal::default(),
        &Context::default(),
        Vec::new(),
    )
}

/// `POST /quan-ly/dang-ky`: registers the product.
pub(super) async fn register(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (session, actor) = match staff(&app, &headers, "/quan-ly/dang-ky").await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let typed = Typed::parse(&body);
    if !csrf_ok(&session, &typed) {
        return csrf_refused(&session);
    }
    let again = |status, typed: &Typed, refusal| {
        draw(
            status,
            &session,
            &REGISTER,
            None,
            typed,
            refusal,
            &Context::default(),
            Vec::new(),
        )
    };
    let Some(key) = key_of(&typed) else {
        return again(StatusCode::BAD_REQUEST, &typed, Refusal::default());
    };
    let body = match body_of(REGISTER.fields, &typed, "") {
        Ok(b) => b,
        Err(errors) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                &typed,
                Refusal::of_fields(errors),
            );
        }
    };
    match send(
        &app,
        &actor,
        Uuid::now_v7(),
        "/api/v1/products",
        REGISTER.command,
        &body,
        command_headers(key, None),
    )
    .await
    {
        Ok(outcome) => back_to_product(&outcome, &outcome),
        Err(e) => again(e.status(), &typed, Refusal::of_error(&e, "")),
    }
}
