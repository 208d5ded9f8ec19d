//! The answers of the reads, one type each. Each derives its OpenAPI schema (the parts
//! from the crates that produce them: the domain's `ProductState`, the log's events, the
//! read models' rows, the audit's findings), and each read's `200` names its type, so the
//! published document is what the handlers serialise. `tests/tests/http/contract.rs`
//! checks real answers against the document with a JSON-Schema validator.

use chrono::{DateTime, Utc};
use ocop_domain::state::ProductState;
use ocop_eventstore::checkpoint::Checkpoint;
use ocop_eventstore::{ActorRef, RecordedEvent};
use ocop_projections::access::tokens::IssuedToken;
use ocop_projections::audit::AuditReport;
use ocop_projections::command::service::ValidOn;
use ocop_projections::read::query::{
    HistoryEntry, ProducerProduct, ProducerRow, PublicProduct, PublicRevocation, StatsRow,
};
use ocop_projections::read::runner::ProjectionLag;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// A product's state with the units in force today that hold its record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacedState {
    /// The state (`ProductState`), as recorded: its `province`, `commune` and `district`
    /// are those the record was made with.
    #[serde(flatten)]
    #[schema(value_type = ProductState)]
    pub state: Value,
    pub current_place: CurrentPlace,
}

/// The units in force today that hold a record: the province (and its name) from the
/// province succession, the commune from the commune succession an operator loaded (the
/// recorded commune when none moved it; null when it was split, with the communes in
/// force as `communes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CurrentPlace {
    pub province: String,
    pub province_name: Option<&'static str>,
    #[schema(required = true)]
    pub commune: Option<String>,
    /// When the recorded commune was split: the communes in force that hold its parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communes: Option<Vec<String>>,
}

/// `GET /api/v1/products/{id}`: the product state or, with `valid_on`, whether it was
/// recognised on that date.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProductAnswer {
    State(PlacedState),
    ValidOn(ValidOn),
}

/// `GET /api/v1/products`: current states by product id, one page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductList {
    pub items: Vec<PlacedState>,
    /// The `cursor` of the next page; null on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/products/{id}/history`: the audit trail, in version order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductHistory {
    pub product_id: Uuid,
    /// The product's version (that of the last event listed, or later).
    pub version: i64,
    pub events: Vec<HistoryEntry>,
    /// The `after` of the next page; null on the last.
    #[schema(required = true)]
    pub next_after: Option<i64>,
}

/// `GET /api/v1/events`: the global feed, in commit order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<RecordedEvent>,
    /// The `after` of the next page; null on the last.
    #[schema(required = true)]
    pub next_after: Option<i64>,
}

/// `GET /api/v1/stats`: product counts by the grouped dimensions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    pub group_by: Vec<&'static str>,
    pub total: i64,
    pub counts: Vec<StatsRow>,
}

/// `GET /api/v1/public/revocations`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicRevocations {
    pub items: Vec<PublicRevocation>,
}

/// The `300` of the public look-up: several products carry the certificate number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmbiguousCertificate {
    /// `ambiguous_certificate`.
    pub code: &'static str,
    pub detail: String,
    pub candidates: Vec<PublicProduct>,
}

/// `GET /api/v1/ledger/checkpoints`: signed checkpoints, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerCheckpoints {
    pub items: Vec<Checkpoint>,
    /// The `before` of the next page; null on the last.
    #[schema(required = true)]
    pub next_before: Option<i64>,
}

/// `GET /api/v1/ledger/public-key`: the key checkpoints are signed with.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckpointKey {
    /// `Ed25519`.
    pub algorithm: &'static str,
    /// The raw 32-byte public key, in hex.
    pub public_key: String,
    pub key_id: String,
}

/// `GET /api/v1/audits/decisions`: one page of the decisions in range with their findings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionAudit {
    #[serde(flatten)]
    pub report: AuditReport,
    /// The `after` of the next page; null on the last.
    #[schema(required = true)]
    pub next_after: Option<i64>,
}

/// `GET /api/v1/audits/tokens`: the register of issued tokens, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedTokens {
    pub items: Vec<IssuedToken>,
    /// The `before` of the next page; null on the last.
    #[schema(required = true)]
    pub next_before: Option<DateTime<Utc>>,
}

/// `GET /api/v1/producers`: producers by id, one page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProducerList {
    pub items: Vec<ProducerRow>,
    /// The `cursor` of the next page; null on the last.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/producers/{producer_id}`: a producer (as listed, its `products` being the
/// products themselves, oldest record first, and their number `product_count`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProducerAnswer {
    pub producer_id: Uuid,
    pub name: String,
    pub kind: String,
    pub tax_code: Option<String>,
    /// The province in force that holds its most recent product's record.
    pub province: String,
    pub products: Vec<ProducerProduct>,
    pub product_count: i64,
    /// How many of them are recognised.
    pub recognized: i64,
}

impl ProducerAnswer {
    /// `producer` with `products`, the ones the reader may see: its counts are theirs.
    pub fn of(producer: ProducerRow, products: Vec<ProducerProduct>) -> Self {
        ProducerAnswer {
            producer_id: producer.producer_id,
            name: producer.name,
            kind: producer.kind,
            tax_code: producer.tax_code,
            province: producer.province,
            product_count: products.len() as i64,
            recognized: products.iter().filter(|p| p.status == "recognized").count() as i64,
            products,
        }
    }
}

/// `POST /api/v1/decisions`: the document's id and what was recorded for each product.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionRecorded {
    pub decision_id: Uuid,
    /// The position of the last event recorded.
    pub global_position: Option<i64>,
    pub items: Vec<RecordedItem>,
}

/// One product of a recorded decision document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordedItem {
    pub product_id: Uuid,
    pub version: i64,
    pub global_position: i64,
}

/// `GET /api/v1/decisions/{decision_id}`: a decision document and its annex, as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionAnswer {
    pub decision_id: Uuid,
    pub decision_no: Option<String>,
    pub decided_on: Option<String>,
    pub authority: Option<String>,
    pub level: Option<String>,
    pub recorded_at: String,
    pub actor: ActorRef,
    pub items: Vec<DecisionAnswerItem>,
}

/// One product of a decision document's annex.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionAnswerItem {
    pub product_id: Uuid,
    /// The product's name as the read model has it now.
    pub name: Option<String>,
    pub province: String,
    pub recognized: bool,
    pub stars: Option<i64>,
    pub potential_five_star: Option<bool>,
    /// The concluded mean the decision rests on, two decimals.
    pub mean: Option<String>,
    pub certificate_no: Option<String>,
    pub valid_until: Option<String>,
    /// Why it was not recognised.
    pub reason: Option<String>,
    pub version: i64,
    pub global_position: i64,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// `GET /readyz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    /// `ok | unavailable`.
    pub store: &'static str,
    /// Whether the read side has caught up with the log once since the server started.
    pub projections_caught_up: bool,
    /// Each projection's checkpoint and lag (null when the store is unavailable).
    pub projections: Option<Vec<ProjectionLag>>,
    /// The last error of catch-ups failing over and over, if they are.
    pub projection_error: Option<String>,
}
