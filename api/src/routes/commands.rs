//! `POST` commands: each decodes its body, names the actor from the token and goes through
//! the command service (idempotency key, `If-Match`, decide, append).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ocop_domain::commands::{
    AmendDossier, ConcludeScoring, ConveneCouncil, CorrectEntry, DecideRecognition, OpenEvaluation,
    RecordComplaint, RecordInspection, RecordLocalAssessment, RecordScorecard, RegisterProduct,
    ReopenScoring, ReturnDossier, RevokeRecognition, WithdrawProduct,
};
use ocop_domain::{Actor, Command, CommandBody, CommandMeta};
use ocop_projections::command::service::{CommandOutcome, ExecuteOptions};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::CommandResponses;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{Authenticated, CommandHeaders, JsonCommand};

/// A command's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandAnswer {
    pub product_id: Uuid,
    /// The product's version after the command (also the `ETag`).
    pub version: i64,
    /// The global position of the command's last event: pass it as `min_position` to read
    /// your own write.
    pub global_position: i64,
    /// The events recorded.
    pub events: Vec<RecordedEventRef>,
    /// A recorded complaint's id (what an inspection answering it names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_id: Option<Uuid>,
    /// A recorded inspection's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_id: Option<Uuid>,
    /// The round an evaluation opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    /// What concluding a level found: the exact mean's display, its band and the outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
}

/// What concluding a level found (from its `ScoringConcluded`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Conclusion {
    pub level: ocop_domain::Level,
    /// The exact mean, two decimals.
    pub mean: String,
    pub band_stars: u8,
    pub quorum_met: bool,
    pub spread: u32,
    pub spread_within_limit: bool,
    pub mandatory_met: bool,
    pub mandatory_failed: Vec<String>,
    /// The lowest star level the failed criteria block (null when none failed).
    pub mandatory_blocks_from: Option<u8>,
    pub outcome: ocop_domain::events::ScoringOutcome,
}

/// What a command created that the next step needs, read from the events it recorded (so
/// that a replayed answer carries it too).
#[derive(Debug, Default)]
pub struct Created {
    complaint_id: Option<Uuid>,
    inspection_id: Option<Uuid>,
    round: Option<u32>,
    conclusion: Option<Conclusion>,
}

impl Created {
    fn from_events(events: &[ocop_domain::Event]) -> Self {
        use ocop_domain::EventBody;
        let mut created = Created::default();
        for e in events {
            match &e.body {
                EventBody::ComplaintReceived(c) => created.complaint_id = Some(c.complaint_id),
                EventBody::InspectionRecorded(i) => created.inspection_id = Some(i.inspection_id),
                EventBody::EvaluationOpened(o) => created.round = Some(o.round),
                EventBody::ScoringConcluded(c) => {
                    created.conclusion = Some(Conclusion {
                        level: c.level,
                        mean: c.mean_display.clone(),
                        band_stars: c.band_stars,
                        quorum_met: c.quorum_met,
                        spread: c.spread,
                        spread_within_limit: c.spread_within_limit,
                        mandatory_met: c.mandatory_met,
                        mandatory_failed: c.mandatory_failed.clone(),
                        mandatory_blocks_from: c.mandatory_blocks_from,
                        outcome: c.outcome,
                    })
                }
                _ => {}
            }
        }
        created
    }
}

/// The event types whose answer carries what they created.
const CREATING: [&str; 4] = [
    "ComplaintReceived",
    "InspectionRecorded",
    "EvaluationOpened",
    "ScoringConcluded",
];

/// What `outcome`'s events created: from the events as decided when this call recorded
/// them; for a replay, read back from the log when one of them created something (no read
/// for any other command).
async fn created(app: &AppState, outcome: &CommandOutcome) -> Result<Created, ApiError> {
    if !outcome.recorded.is_empty() {
        return Ok(Created::from_events(&outcome.recorded));
    }
    let (Some(first), true) = (
        outcome.events.first(),
        outcome
            .events
            .iter()
            .any(|e| CREATING.contains(&e.event_type.as_str())),
    ) else {
        return Ok(Created::default());
    };
    let recorded = app
        .store
        .read_stream(
            outcome.product_id,
            ocop_eventstore::StreamRange {
                from_version: first.version,
                to_version: Some(outcome.version),
                recorded_until: None,
            },
        )
        .await?;
    let events = recorded
        .iter()
        .map(ocop_projections::command::codec::from_recorded)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Created::from_events(&events))
}

/// One recorded event of a command's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedEventRef {
    pub event_type: String,
    pub version: i64,
}

/// The product a command is for.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProductPath {
    /// The product id.
    pub id: Uuid,
}

/// The headers every command accepts.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CommandHeaderDoc {
    /// The same key with the same body from the same caller returns the first answer and
    /// records nothing new; with another body, or from another caller, it is refused (422
    /// `idempotency_key_reused`, or 403 when the command is not the caller's to send).
    #[param(rename = "Idempotency-Key")]
    pub idempotency_key: Option<Uuid>,
    /// `"<version>"`: the command applies only if the product is still at that version
    /// (409 `version_conflict` otherwise).
    #[param(rename = "If-Match")]
    pub if_match: Option<String>,
}

/// A command's answer as an HTTP response: 201 when recorded, 200 when replayed.
#[derive(Debug)]
pub struct CommandReply {
    outcome: CommandOutcome,
    created: Created,
    location: bool,
}

impl IntoResponse for CommandReply {
    fn into_response(self) -> Response {
        let (o, created) = (self.outcome, self.created);
        let status = if o.replayed || o.events.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        let answer = CommandAnswer {
            product_id: o.product_id,
            version: o.version,
            global_position: o.global_position,
            events: o
                .events
                .into_iter()
                .map(|e| RecordedEventRef {
                    event_type: e.event_type,
                    version: e.version,
                })
                .collect(),
            complaint_id: created.complaint_id,
            inspection_id: created.inspection_id,
            round: created.round,
            conclusion: created.conclusion,
        };
        let mut response = (status, axum::Json(answer)).into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", o.version)) {
            headers.insert(header::ETAG, v);
        }
        if self.location {
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/products/{}", o.product_id)) {
                headers.insert(header::LOCATION, v);
            }
        }
        response
    }
}

/// Executes one command for `product_id` as `actor`.
pub async fn execute(
    app: &AppState,
    actor: Actor,
    headers: CommandHeaders,
    product_id: Uuid,
    body: CommandBody,
    fingerprint: String,
) -> Result<CommandOutcome, ApiError> {
    let request_hash = caller_fingerprint(&fingerprint, &actor);
    let command = Command::new(
        CommandMeta::new(actor, app.clock.now(), product_id, vec![Uuid::now_v7()]),
        body,
    );
    let options = ExecuteOptions {
        idempotency_key: headers.idempotency_key,
        expected_version: headers.expected_version,
        request_hash,
        correlation_id: headers.request_id,
        causation_id: None,
    };
    let outcome = app.service.execute(command, options).await??;
    if !outcome.replayed {
        app.metrics.observe_append(outcome.events.len());
    }
    Ok(outcome)
}

/// The idempotency key's fingerprint: the request's (its method, path and canonical body,
/// see [`JsonCommand`]) with its caller's user, role and scope. A key belongs to the caller
/// who first sent it: anyone else sending it is refused (403 when the command is not theirs
/// to send, else 422 `idempotency_key_reused`), never answered with that caller's outcome.
pub(crate) fn caller_fingerprint(request: &str, actor: &Actor) -> String {
    let named = serde_json::json!([
        request,
        actor.user,
        actor.role.to_string(),
        actor.scope.to_string()
    ]);
    hex::encode(Sha256::digest(named.to_string().as_bytes()))
}

/// Register a product (`ProductRegistered`); the answer's `Location` names the new product.
///
/// Who: `commune_officer` of the product's commune, or `district_secretary` of its district
/// (records before 2025-07-01 without a commune); since 2025-07-01 a product without a
/// commune is registered by the `provincial_secretary` of its province.
#[utoipa::path(
    post,
    path = "/api/v1/products",
    tag = "commands",
    params(CommandHeaderDoc),
    request_body = RegisterProduct,
    responses(CommandResponses),
    security(("bearer" = []))
)]
pub async fn register_product(
    State(app): State<AppState>,
    Authenticated(actor): Authenticated,
    headers: CommandHeaders,
    input: JsonCommand<RegisterProduct>,
) -> Result<CommandReply, ApiError> {
    let outcome = execute(
        &app,
        actor,
        headers,
        Uuid::now_v7(),
        CommandBody::RegisterProduct(input.body),
        input.fingerprint,
    )
    .await?;
    Ok(CommandReply {
        outcome,
        created: Created::default(),
        location: true,
    })
}

/// Declares a command on an existing product: `POST {path}` with a `$body` body.
macro_rules! product_command {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ident) => {
        $(#[$doc])*
        #[utoipa::path(
            post,
            path = $path,
            tag = "commands",
            params(ProductPath, CommandHeaderDoc),
            request_body = $body,
            responses(CommandResponses),
            security(("bearer" = []))
        )]
        pub async fn $name(
            State(app): State<AppState>,
            Authenticated(actor): Authenticated,
            headers: CommandHeaders,
            Path(id): Path<String>,
            input: JsonCommand<$body>,
        ) -> Result<CommandReply, ApiError> {
            let id = super::product_id(&id)?;
            let outcome = execute(
                &app,
                actor,
                headers,
                id,
                CommandBody::$body(input.body),
                input.fingerprint,
            )
            .await?;
            Ok(CommandReply {
                created: created(&app, &outcome).await?,
                outcome,
                location: false,
            })
        }
    };
}

product_command!(
    /// Open an evaluation round with its dossier, under the rules in force on `opened_on`.
    ///
    /// Who: `commune_officer` of the product's commune (also the `district_secretary` under
    /// rule versions with a district level); for a product without a commune since
    /// 2025-07-01, the `provincial_secretary`.
    open_evaluation,
    "/api/v1/products/{id}/evaluations",
    OpenEvaluation
);
product_command!(
    /// Return the dossier for completion.
    ///
    /// Who: the secretary of the level the round is at: `commune_officer` at the commune,
    /// `district_secretary`, `provincial_secretary` or `central_secretary` at theirs.
    return_dossier,
    "/api/v1/products/{id}/evaluations/current/return",
    ReturnDossier
);
product_command!(
    /// Amend the returned dossier.
    ///
    /// Who: `commune_officer` of the product's commune, `district_secretary` of its
    /// district, or the secretary of the level that returned the dossier.
    amend_dossier,
    "/api/v1/products/{id}/evaluations/current/dossier",
    AmendDossier
);
product_command!(
    /// Record the commune (or district) assessment.
    ///
    /// Who: `commune_officer` of the product's commune (rounds under `qd1489-2025`).
    record_local_assessment,
    "/api/v1/products/{id}/evaluations/current/local-assessment",
    RecordLocalAssessment
);
product_command!(
    /// Convene a council at a level, with its members, quorum and spread limit.
    ///
    /// Who: the secretary of the council's level: `district_secretary` (rules before 2025),
    /// `provincial_secretary` or `central_secretary`, in the product's scope.
    convene_council,
    "/api/v1/products/{id}/evaluations/current/council",
    ConveneCouncil
);
product_command!(
    /// Record one member's scorecard (a later card of the same member supersedes it).
    ///
    /// Who: the secretary of the sitting council's level (`district_secretary`,
    /// `provincial_secretary` or `central_secretary`), who enters each member's card.
    record_scorecard,
    "/api/v1/products/{id}/evaluations/current/scorecards",
    RecordScorecard
);
product_command!(
    /// Conclude scoring at the current level; the engine computes mean, band and spread.
    ///
    /// Who: the secretary of the sitting council's level (`district_secretary`,
    /// `provincial_secretary` or `central_secretary`).
    conclude_scoring,
    "/api/v1/products/{id}/evaluations/current/conclude",
    ConcludeScoring
);
product_command!(
    /// Re-open the concluded scoring before the decision, to correct a card entered wrong:
    /// the conclusion stays on record, set aside with the reason; the council enters the
    /// corrected card (it supersedes the old one) and concludes again.
    ///
    /// Who: the secretary of the level that concluded (`district_secretary`,
    /// `provincial_secretary` or `central_secretary`).
    reopen_scoring,
    "/api/v1/products/{id}/evaluations/current/reopen",
    ReopenScoring
);
product_command!(
    /// Record the recognition decision (`recognized: true` with stars) or the refusal.
    ///
    /// Who: the secretary of the level that concluded: `district_secretary` (3★ under
    /// `qd148-2023`), `provincial_secretary` (3★, 4★) or `central_secretary` (5★).
    decide_recognition,
    "/api/v1/products/{id}/evaluations/current/decision",
    DecideRecognition
);
product_command!(
    /// Record a complaint about the product.
    ///
    /// Who: `inspector` (of the product's province or national) or `provincial_secretary`
    /// of the product's province.
    record_complaint,
    "/api/v1/products/{id}/complaints",
    RecordComplaint
);
product_command!(
    /// Record an inspection (optionally answering a complaint).
    ///
    /// Who: `inspector` (of the product's province or national) or `provincial_secretary`
    /// of the product's province.
    record_inspection,
    "/api/v1/products/{id}/inspections",
    RecordInspection
);
product_command!(
    /// Revoke the recognition.
    ///
    /// Who: the level that recognised: `central_secretary` for a central 5★;
    /// `provincial_secretary` (or `central_secretary`) for a provincial award;
    /// `district_secretary`, `provincial_secretary` or `central_secretary` for a district
    /// award.
    revoke_recognition,
    "/api/v1/products/{id}/revocation",
    RevokeRecognition
);
product_command!(
    /// Record that the producer withdraws the product.
    ///
    /// Who: `commune_officer` of the product's commune or `provincial_secretary` of its
    /// province.
    withdraw_product,
    "/api/v1/products/{id}/withdrawal",
    WithdrawProduct
);
product_command!(
    /// Correct a field of a recorded entry (the original stays in the log).
    ///
    /// Who: `provincial_secretary` of the product's province, `central_secretary` or
    /// `admin`.
    correct_entry,
    "/api/v1/products/{id}/corrections",
    CorrectEntry
);
