//! Commands: what a user (or the engine's timer) asks the domain to do.
//!
//! A command carries everything `decide` needs that is not in the state: the actor, the
//! command's time and the fresh ids of the events it may produce. The domain never reads
//! a clock or makes an id.
//!
//! Bodies follow the http-api JSON bodies field for field and reject unknown fields, so
//! the API may deserialize them directly (it still owns its HTTP DTOs and OpenAPI).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::{CommuneCode, DistrictCode, ProvinceCode};
use crate::events::Producer;
use crate::events::{
    ComplaintSource, CouncilMember, CriterionPoints, Document, ProducerKind, ProductGroup, Quorum,
    RevocationGround, RoundKind,
};
use crate::rules::Level;

/// Most events any one command produces; supply at least this many ids in
/// [`CommandMeta::new_event_ids`].
pub const MAX_EVENTS_PER_COMMAND: usize = 1;

/// A command with its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// Who, when, which product, which new ids.
    pub meta: CommandMeta,
    /// What.
    pub body: CommandBody,
}

/// What comes with every command from outside the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandMeta {
    /// The authenticated actor.
    pub actor: Actor,
    /// When the command was issued (used only for dates the body does not give, e.g.
    /// the date of a correction, taken in Vietnam time, UTC+7).
    pub issued_at: DateTime<Utc>,
    /// The product stream; for registration and legacy import, the new product's id.
    pub product_id: Uuid,
    /// Fresh event ids (UUID v7), used in order, one per event produced.
    pub new_event_ids: Vec<Uuid>,
    /// The commune in force on the command's day that holds the product's record, when a
    /// reorganisation of communes moved it (a fact of the commune succession an operator
    /// loaded, `ocop units import`, resolved by the command service); `None` when the
    /// record's own commune is in force or nobody resolved it. It widens no scope but a
    /// commune's: its officer acts on the records its commune now holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<CommuneCode>,
}

impl CommandMeta {
    /// Builds the metadata.
    pub fn new(
        actor: Actor,
        issued_at: DateTime<Utc>,
        product_id: Uuid,
        new_event_ids: Vec<Uuid>,
    ) -> Self {
        Self {
            actor,
            issued_at,
            product_id,
            new_event_ids,
            held_by: None,
        }
    }

    /// The same metadata with the commune in force that holds the record (see
    /// [`CommandMeta::held_by`]).
    pub fn held_by(self, commune: Option<CommuneCode>) -> Self {
        Self {
            held_by: commune,
            ..self
        }
    }

    /// The business date of `issued_at` in Vietnam (UTC+7).
    pub fn issued_on(&self) -> NaiveDate {
        crate::units::vietnam_date(self.issued_at)
    }
}

impl Command {
    /// Builds a command.
    pub fn new(meta: CommandMeta, body: CommandBody) -> Self {
        Self { meta, body }
    }
}

/// `POST /api/v1/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterProduct {
    /// Product name.
    pub name: String,
    /// Producer.
    pub producer: Producer,
    /// Product group.
    pub product_group: ProductGroup,
    /// Product set.
    pub product_set: String,
    /// Province.
    pub province: ProvinceCode,
    /// Commune.
    #[serde(default)]
    pub commune: Option<CommuneCode>,
    /// District (records before 1 Jul 2025).
    #[serde(default)]
    pub district: Option<DistrictCode>,
    /// Local product code.
    #[serde(default)]
    pub local_code: Option<String>,
    /// Registration date.
    pub registered_on: NaiveDate,
}

/// `POST …/evaluations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenEvaluation {
    /// Kind of round.
    pub kind: RoundKind,
    /// Opening date; the rules in force on it apply to the whole round.
    pub opened_on: NaiveDate,
    /// Dossier documents.
    pub documents: Vec<Document>,
    /// Legal basis; required to reopen a revoked product.
    #[serde(default)]
    pub legal_basis: Option<String>,
}

/// `POST …/evaluations/current/return`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnDossier {
    /// Date.
    pub returned_on: NaiveDate,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// `POST …/evaluations/current/dossier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AmendDossier {
    /// Date.
    pub amended_on: NaiveDate,
    /// Documents added or replaced.
    pub documents: Vec<Document>,
}

/// `POST …/evaluations/current/local-assessment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordLocalAssessment {
    /// Date.
    pub assessed_on: NaiveDate,
    /// Propose the product to the province.
    pub forward: bool,
    /// Local origin confirmed.
    pub local_origin: bool,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Report reference.
    #[serde(default)]
    pub report_ref: Option<String>,
}

/// `POST …/evaluations/current/council`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConveneCouncil {
    /// District, provincial or central.
    pub level: Level,
    /// Founding decision.
    pub council_ref: String,
    /// Meeting date.
    pub convened_on: NaiveDate,
    /// Members.
    pub members: Vec<CouncilMember>,
    /// Quorum rule.
    pub quorum: Quorum,
    /// Spread limit.
    #[serde(default)]
    pub spread_limit: Option<u32>,
}

/// `POST …/evaluations/current/scorecards`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordScorecard {
    /// The member.
    pub member_id: String,
    /// Date.
    pub recorded_on: NaiveDate,
    /// Part A (production and community capacity), whole points from 0 to the round's
    /// maximum: 40 under `qd148-2023` and `qd1489-2025`, 35 under `qd1048-2019`
    /// (`docs/rules.md`).
    pub part_a: u32,
    /// Part B (product development and marketing), whole points from 0 to 25 under every
    /// version.
    pub part_b: u32,
    /// Part C (quality), whole points from 0 to the round's maximum: 35 under
    /// `qd148-2023` and `qd1489-2025`, 40 under `qd1048-2019`.
    pub part_c: u32,
    /// Mandatory criteria failed.
    #[serde(default)]
    pub mandatory_failed: Vec<String>,
    /// Per-criterion lines.
    #[serde(default)]
    pub criteria: Vec<CriterionPoints>,
}

/// `POST …/evaluations/current/conclude`: the engine computes the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConcludeScoring {
    /// Date.
    pub concluded_on: NaiveDate,
}

/// `POST …/evaluations/current/reopen`: the secretary re-opens a concluded scoring before
/// the decision, to correct a card (rule 10); the council concludes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReopenScoring {
    /// Date, not before the conclusion it re-opens.
    pub reopened_on: NaiveDate,
    /// Why, e.g. which card was entered wrong.
    pub reason: String,
}

/// `POST …/evaluations/current/decision`: recognition (`recognized: true` with stars)
/// or refusal (`recognized: false` with a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecideRecognition {
    /// Date.
    pub decided_on: NaiveDate,
    /// Recognised or refused.
    pub recognized: bool,
    /// Stars (recognition only).
    #[serde(default)]
    pub stars: Option<u8>,
    /// Decision number (required for a recognition).
    #[serde(default)]
    pub decision_no: Option<String>,
    /// Authority.
    pub authority: String,
    /// Certificate number.
    #[serde(default)]
    pub certificate_no: Option<String>,
    /// Reason (refusal only).
    #[serde(default)]
    pub reason: Option<String>,
    /// The decision document this decision is an item of (`POST /api/v1/decisions`); set
    /// by the engine, never read from a body.
    #[serde(skip)]
    pub decision_id: Option<Uuid>,
    /// The level the document decides at: the round must be awaiting that level's
    /// decision. `None`: whatever level the round is at. Set by the engine.
    #[serde(skip)]
    pub level: Option<Level>,
}

/// `POST …/complaints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordComplaint {
    /// Date.
    pub received_on: NaiveDate,
    /// Source.
    pub source: ComplaintSource,
    /// Summary.
    pub summary: String,
}

/// `POST …/inspections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordInspection {
    /// Date.
    pub inspected_on: NaiveDate,
    /// Authority.
    pub authority: String,
    /// Findings.
    pub findings: String,
    /// Compliant.
    pub compliant: bool,
    /// Complaint answered.
    #[serde(default)]
    pub complaint_id: Option<Uuid>,
}

/// `POST …/revocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevokeRecognition {
    /// Date.
    pub decided_on: NaiveDate,
    /// Decision number.
    pub decision_no: String,
    /// Authority.
    pub authority: String,
    /// Grounds.
    pub grounds: Vec<RevocationGround>,
    /// Details.
    #[serde(default)]
    pub details: String,
}

/// `POST …/withdrawal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WithdrawProduct {
    /// Date.
    pub withdrawn_on: NaiveDate,
    /// Reason.
    pub reason: String,
}

/// `POST …/corrections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CorrectEntry {
    /// The corrected event.
    pub event_id: Uuid,
    /// The field, e.g. `decision_no`, `producer.name`.
    pub field: String,
    /// New value (`null` clears an optional field).
    pub new_value: Option<String>,
    /// Why.
    pub reason: String,
}

/// Timer: issue the expiry notice (role `system` or `admin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueExpiryNotice {
    /// The timer's business date.
    pub today: NaiveDate,
}

/// Timer: expire the recognition (role `system` or `admin`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExpireRecognition {
    /// The timer's business date.
    pub today: NaiveDate,
}

/// `ocop import`: one CSV row (header `province,district,commune,local_code,product_name,
/// producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,
/// valid_until`), role `admin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportLegacyRecognition {
    /// Province.
    pub province: ProvinceCode,
    /// District.
    #[serde(default)]
    pub district: Option<DistrictCode>,
    /// Commune.
    #[serde(default)]
    pub commune: Option<CommuneCode>,
    /// Local code.
    #[serde(default)]
    pub local_code: Option<String>,
    /// Product name.
    pub product_name: String,
    /// Producer name.
    pub producer_name: String,
    /// Producer kind.
    pub producer_kind: ProducerKind,
    /// Product group.
    pub product_group: ProductGroup,
    /// Stars (3–5).
    pub stars: u8,
    /// Score as a decimal with at most two places, if known.
    #[serde(default)]
    pub score: Option<String>,
    /// Decision number.
    pub decision_no: String,
    /// Decision date.
    pub decided_on: NaiveDate,
    /// Authority.
    pub authority: String,
    /// Validity date written in the list, if any.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// Where the row came from, e.g. `file.csv:12`.
    #[serde(default)]
    pub source: Option<String>,
    /// The certificate number the list gives (optional column `certificate_no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    /// The potential-5★ flag the list gives (optional column `potential_five_star`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub potential_five_star: bool,
    /// The level that decided, when the list says (optional column `level`); otherwise
    /// central for 5★ and provincial below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// Every command of the product lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum CommandBody {
    /// Register a product.
    RegisterProduct(RegisterProduct),
    /// Open an evaluation round.
    OpenEvaluation(OpenEvaluation),
    /// Return the dossier.
    ReturnDossier(ReturnDossier),
    /// Amend the dossier.
    AmendDossier(AmendDossier),
    /// Record the commune's assessment.
    RecordLocalAssessment(RecordLocalAssessment),
    /// Convene a council.
    ConveneCouncil(ConveneCouncil),
    /// Record one member's scorecard.
    RecordScorecard(RecordScorecard),
    /// Conclude scoring at the current level.
    ConcludeScoring(ConcludeScoring),
    /// Re-open the concluded scoring to correct a card, before the decision.
    ReopenScoring(ReopenScoring),
    /// Record the decision or refusal.
    DecideRecognition(DecideRecognition),
    /// Record a complaint.
    RecordComplaint(RecordComplaint),
    /// Record an inspection.
    RecordInspection(RecordInspection),
    /// Revoke the recognition.
    RevokeRecognition(RevokeRecognition),
    /// The producer withdraws.
    WithdrawProduct(WithdrawProduct),
    /// Correct a recorded entry.
    CorrectEntry(CorrectEntry),
    /// Timer: expiry notice.
    IssueExpiryNotice(IssueExpiryNotice),
    /// Timer: expiry.
    ExpireRecognition(ExpireRecognition),
    /// Import a legacy recognition.
    ImportLegacyRecognition(ImportLegacyRecognition),
}

impl CommandBody {
    /// The business dates the command states, by field name: what rule 9 checks is not
    /// after the day it is issued. (A legacy row's `valid_until` is not one: it is the end
    /// of a validity, naturally later.)
    pub fn business_dates(&self) -> Vec<(&'static str, NaiveDate)> {
        match self {
            CommandBody::RegisterProduct(c) => vec![("registered_on", c.registered_on)],
            CommandBody::OpenEvaluation(c) => vec![("opened_on", c.opened_on)],
            CommandBody::ReturnDossier(c) => vec![("returned_on", c.returned_on)],
            CommandBody::AmendDossier(c) => vec![("amended_on", c.amended_on)],
            CommandBody::RecordLocalAssessment(c) => vec![("assessed_on", c.assessed_on)],
            CommandBody::ConveneCouncil(c) => vec![("convened_on", c.convened_on)],
            CommandBody::RecordScorecard(c) => vec![("recorded_on", c.recorded_on)],
            CommandBody::ConcludeScoring(c) => vec![("concluded_on", c.concluded_on)],
            CommandBody::ReopenScoring(c) => vec![("reopened_on", c.reopened_on)],
            CommandBody::DecideRecognition(c) => vec![("decided_on", c.decided_on)],
            CommandBody::RecordComplaint(c) => vec![("received_on", c.received_on)],
            CommandBody::RecordInspection(c) => vec![("inspected_on", c.inspected_on)],
            CommandBody::RevokeRecognition(c) => vec![("decided_on", c.decided_on)],
            CommandBody::WithdrawProduct(c) => vec![("withdrawn_on", c.withdrawn_on)],
            CommandBody::IssueExpiryNotice(c) => vec![("today", c.today)],
            CommandBody::ExpireRecognition(c) => vec![("today", c.today)],
            CommandBody::ImportLegacyRecognition(c) => vec![("decided_on", c.decided_on)],
            CommandBody::CorrectEntry(_) => Vec::new(),
        }
    }

    /// A short imperative name used in messages, e.g. `record a scorecard`.
    pub fn describe(&self) -> &'static str {
        match self {
            CommandBody::RegisterProduct(_) => "register a product",
            CommandBody::OpenEvaluation(_) => "open an evaluation",
            CommandBody::ReturnDossier(_) => "return the dossier",
            CommandBody::AmendDossier(_) => "amend the dossier",
            CommandBody::RecordLocalAssessment(_) => "record the local assessment",
            CommandBody::ConveneCouncil(_) => "convene a council",
            CommandBody::RecordScorecard(_) => "record a scorecard",
            CommandBody::ConcludeScoring(_) => "conclude scoring",
            CommandBody::ReopenScoring(_) => "re-open the scoring",
            CommandBody::DecideRecognition(_) => "decide on recognition",
            CommandBody::RecordComplaint(_) => "record a complaint",
            CommandBody::RecordInspection(_) => "record an inspection",
            CommandBody::RevokeRecognition(_) => "revoke the recognition",
            CommandBody::WithdrawProduct(_) => "withdraw the product",
            CommandBody::CorrectEntry(_) => "correct an entry",
            CommandBody::IssueExpiryNotice(_) => "issue the expiry notice",
            CommandBody::ExpireRecognition(_) => "expire the recognition",
            CommandBody::ImportLegacyRecognition(_) => "import a legacy recognition",
        }
    }
}
