//! Events: the persisted contract of a product stream.
//!
//! The payload stored in the event store is [`EventBody`] alone: internally tagged with
//! `"type"` and an explicit rename on every variant. The envelope (event id, actor,
//! `event_type`, `schema_version`, `rules_version`, dates of recording) is kept by the
//! store in its own columns; [`Event`] is what `decide` returns and `evolve` consumes.
//!
//! Changing a stored shape means a new schema version and an upcaster in
//! [`crate::upcast`]; the golden tests in `domain/tests/golden.rs` fail on any accidental change.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod stored;

pub use stored::body_from_json;

use crate::actor::Actor;
use crate::codes::{CommuneCode, DistrictCode, ProvinceCode, Sha256Hex};
use crate::rules::{Level, RulesVersionId};
use crate::score::Mean;

/// One event with what the store keeps in its envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The event's id (UUID v7, supplied with the command).
    pub event_id: Uuid,
    /// Who caused it.
    pub actor: Actor,
    /// The persisted payload.
    pub body: EventBody,
}

/// The kind of producer (chủ thể).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProducerKind {
    /// Hợp tác xã.
    Cooperative,
    /// Doanh nghiệp.
    Enterprise,
    /// Hộ kinh doanh.
    HouseholdBusiness,
    /// Tổ hợp tác.
    CooperativeGroup,
}

/// The producer (chủ thể) of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Producer {
    /// Registered name.
    pub name: String,
    /// Kind of organisation.
    pub kind: ProducerKind,
    /// Tax code, if any.
    #[serde(default)]
    pub tax_code: Option<String>,
}

/// Product group (nhóm sản phẩm): the six of 148/QĐ-TTg and the two of 1048/QĐ-TTg that
/// 148 merged away (kept so older records stay valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProductGroup {
    /// Thực phẩm.
    Food,
    /// Đồ uống.
    Drinks,
    /// Dược liệu và sản phẩm từ dược liệu.
    MedicinalHerbs,
    /// Hàng thủ công mỹ nghệ.
    Handicrafts,
    /// Sinh vật cảnh (from 148).
    Ornamental,
    /// Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch (1048: rural tourism
    /// and sales services).
    Tourism,
    /// Vải và may mặc (1048 only).
    Textiles,
    /// Lưu niệm – nội thất – trang trí (1048 only).
    SouvenirsDecoration,
}

/// The kind of an evaluation round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// First evaluation (or a new start after expiry, refusal, revocation or withdrawal).
    Initial,
    /// Đánh giá lại: keeping a rating at the end of its 36 months.
    ReEvaluation,
    /// Nâng hạng: asking for a higher rating.
    Upgrade,
}

/// One dossier document, identified by its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Kind, e.g. `registration_form`, `business_plan`, `test_result`.
    pub kind: String,
    /// Title as filed.
    pub title: String,
    /// SHA-256 of the content.
    pub sha256: Sha256Hex,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// Role of a council member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Chủ tịch hội đồng.
    Chair,
    /// Phó chủ tịch.
    ViceChair,
    /// Ủy viên.
    Member,
    /// Thư ký.
    Secretary,
}

/// A council member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CouncilMember {
    /// Unique within the council.
    pub member_id: String,
    /// Full name.
    pub name: String,
    /// Role in the council.
    pub role: MemberRole,
    /// Organisation.
    pub organisation: String,
}

/// The council's own quorum rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quorum {
    /// Fewest members whose cards make a valid result.
    pub min_present: u32,
    /// Whether the chair's card must be among them.
    pub chair_required: bool,
}

/// One per-criterion line of a scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CriterionPoints {
    /// Criterion code of the product set's sheet, e.g. `A1`.
    pub code: String,
    /// Points given.
    pub points: u32,
}

/// One card counted in a conclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountedCard {
    /// The member.
    pub member_id: String,
    /// The `ScorecardRecorded` event counted.
    pub scorecard_event_id: Uuid,
    /// The card's total.
    pub total: u32,
}

/// The outcome the engine derives from a council's cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScoringOutcome {
    /// The level may award up to `stars`; with the potential-5★ flag the product then
    /// goes on to the central council.
    Award {
        /// Highest stars the decision may give.
        stars: u8,
        /// A provincial 4★ of ≥ 90 ("tiềm năng 5 sao").
        potential_five_star: bool,
    },
    /// Forwarded to the next level without an award at this one.
    Forward {
        /// The next level.
        to: Level,
    },
    /// Not recognised at this level (or "không đạt" at the central level).
    NotRecognized,
    /// Totals differ by more than the spread limit: the council re-scores.
    RescoreRequired,
}

/// Grounds of a revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RevocationGround {
    /// Not re-evaluated after 36 months.
    NotReEvaluated,
    /// Failed mandatory criteria on re-evaluation.
    FailedMandatoryCriteria,
    /// Food-safety violation.
    FoodSafetyViolation,
    /// Quality or design differs from the certified product.
    QualityDiffers,
    /// Production stopped.
    ProductionStopped,
    /// Fraudulent dossier.
    FraudulentDossier,
    /// At the producer's request.
    ProducerRequest,
    /// Other grounds, see details.
    Other,
}

/// Who a complaint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComplaintSource {
    /// A consumer.
    Consumer,
    /// The community.
    Community,
    /// The press.
    Press,
    /// A distributor.
    Distributor,
    /// An authority.
    Authority,
}

/// `ProductRegistered`, schema version 2 (v1 had a flat producer; see [`crate::upcast`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRegistered {
    /// The product (stream) id.
    pub product_id: Uuid,
    /// Product name.
    pub name: String,
    /// The producer.
    pub producer: Producer,
    /// Product group.
    pub product_group: ProductGroup,
    /// Product set (bộ sản phẩm), e.g. `Mật ong`.
    pub product_set: String,
    /// Province code.
    pub province: ProvinceCode,
    /// Commune code.
    pub commune: Option<CommuneCode>,
    /// District code, for records before 1 Jul 2025.
    pub district: Option<DistrictCode>,
    /// The province's local product code, if any.
    pub local_code: Option<String>,
    /// Registration date.
    pub registered_on: NaiveDate,
}

/// `EvaluationOpened`: a round with its dossier under the rules in force on `opened_on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationOpened {
    /// Round number, 1, 2, …
    pub round: u32,
    /// Kind of round.
    pub kind: RoundKind,
    /// The version in force on `opened_on`, fixed for the round.
    pub rules_version: RulesVersionId,
    /// The level the round starts at (commune or district).
    pub first_level: Level,
    /// Opening date.
    pub opened_on: NaiveDate,
    /// Dossier documents.
    pub documents: Vec<Document>,
    /// Legal basis for a new round after revocation.
    pub legal_basis: Option<String>,
}

/// `DossierReturned`: the reviewing level sends the dossier back for completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierReturned {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The reviewing level.
    pub level: Level,
    /// Date.
    pub returned_on: NaiveDate,
    /// Reasons.
    pub reasons: Vec<String>,
}

/// `DossierAmended`: documents added or replaced (same kind and title) after a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierAmended {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// Date.
    pub amended_on: NaiveDate,
    /// Documents added or replaced.
    pub documents: Vec<Document>,
}

/// `LocalAssessmentRecorded`: the commune's assessment under `qd1489-2025`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalAssessmentRecorded {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The assessing level (commune).
    pub level: Level,
    /// Date.
    pub assessed_on: NaiveDate,
    /// Whether the commune proposes the product to the next level.
    pub forward: bool,
    /// The level it goes to when forwarded.
    pub forwarded_to: Option<Level>,
    /// Local origin (raw material, labour, idea, identity) confirmed.
    pub local_origin: bool,
    /// Notes.
    pub notes: Option<String>,
    /// Reference of the written proposal or report.
    pub report_ref: Option<String>,
}

/// `CouncilConvened`: a council at a level, with its members and working rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouncilConvened {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// District, provincial or central.
    pub level: Level,
    /// The council's founding decision, e.g. `1234/QĐ-UBND`.
    pub council_ref: String,
    /// Meeting date.
    pub convened_on: NaiveDate,
    /// Members.
    pub members: Vec<CouncilMember>,
    /// Quorum rule.
    pub quorum: Quorum,
    /// Largest allowed difference between members' totals, if the council has one.
    pub spread_limit: Option<u32>,
}

/// `ScorecardRecorded`: one member's independent scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorecardRecorded {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The council's level.
    pub level: Level,
    /// The member.
    pub member_id: String,
    /// Date.
    pub recorded_on: NaiveDate,
    /// Part A points.
    pub part_a: u32,
    /// Part B points.
    pub part_b: u32,
    /// Part C points.
    pub part_c: u32,
    /// A + B + C.
    pub total: u32,
    /// Mandatory criteria this member found failed.
    pub mandatory_failed: Vec<String>,
    /// Optional per-criterion lines.
    pub criteria: Vec<CriterionPoints>,
    /// The earlier card of the same member this one replaces.
    pub supersedes: Option<Uuid>,
}

/// `ScoringConcluded`: the result the engine derived from the cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringConcluded {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The council's level.
    pub level: Level,
    /// The council's founding decision.
    pub council_ref: String,
    /// Date.
    pub concluded_on: NaiveDate,
    /// The cards counted.
    pub scorecards: Vec<CountedCard>,
    /// Members present (cards counted).
    pub members_present: u32,
    /// Whether the chair's card is among them.
    pub chair_present: bool,
    /// The quorum rule applied.
    pub quorum: Quorum,
    /// Whether the quorum was met (always true: otherwise nothing is concluded).
    pub quorum_met: bool,
    /// The exact mean total.
    pub mean: Mean,
    /// The mean with two decimals, rounded half up.
    pub mean_display: String,
    /// The star band of the mean (1–5).
    pub band_stars: u8,
    /// Highest minus lowest total.
    pub spread: u32,
    /// The council's spread limit.
    pub spread_limit: Option<u32>,
    /// Whether the spread is within the limit.
    pub spread_within_limit: bool,
    /// Mandatory criteria listed by more than half of the cards.
    pub mandatory_failed: Vec<String>,
    /// Whether no mandatory criterion failed.
    pub mandatory_met: bool,
    /// The lowest star level the failed criteria block under the round's criteria sheet
    /// (rule 2): no award of this many stars or more. Absent when none failed, and on
    /// conclusions recorded before criteria had levels, when any failure blocked every
    /// award (the outcome recorded with them says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory_blocks_from: Option<u8>,
    /// The outcome.
    pub outcome: ScoringOutcome,
}

/// `ScoringReopened`: the secretary re-opened a concluded scoring before the decision, to
/// correct a card; the conclusion stays on record, set aside, and the council concludes
/// again on the corrected cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoringReopened {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The council's level.
    pub level: Level,
    /// The `ScoringConcluded` event set aside.
    pub conclusion_event_id: Uuid,
    /// Date.
    pub reopened_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// `RecognitionDecided`: a level recognises the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionDecided {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The deciding level.
    pub level: Level,
    /// Stars.
    pub stars: u8,
    /// A provincial 4★ of ≥ 90, forwarded to the central council.
    pub potential_five_star: bool,
    /// The concluded mean (two decimals) the decision rests on.
    pub mean: String,
    /// Signing authority, e.g. `UBND tỉnh Lâm Đồng`.
    pub authority: String,
    /// Decision number, e.g. `156/QĐ-UBND`.
    pub decision_no: String,
    /// Decision date.
    pub decided_on: NaiveDate,
    /// Certificate number, if any.
    pub certificate_no: Option<String>,
    /// `decided_on` + 36 months (computed).
    pub valid_until: NaiveDate,
    /// The decision document this is an item of, when one decision covered many products
    /// (absent from events recorded one product at a time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<Uuid>,
}

/// `RecognitionRefused`: a level decides not to recognise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionRefused {
    /// Round.
    pub round: u32,
    /// The round's rules.
    pub rules_version: RulesVersionId,
    /// The deciding level.
    pub level: Level,
    /// The concluded mean (two decimals).
    pub mean: String,
    /// Mandatory criteria failed, if that is why.
    pub mandatory_failed: Vec<String>,
    /// Authority.
    pub authority: String,
    /// Decision number, if one was issued.
    pub decision_no: Option<String>,
    /// Date.
    pub decided_on: NaiveDate,
    /// Reason.
    pub reason: String,
    /// The decision document this is an item of (see [`RecognitionDecided::decision_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<Uuid>,
}

/// `LegacyRecognitionImported`: a recognition made before the product was in this system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegacyRecognitionImported {
    /// The product (stream) id.
    pub product_id: Uuid,
    /// Product name.
    pub name: String,
    /// Producer (no tax code in provincial lists).
    pub producer: Producer,
    /// Product group.
    pub product_group: ProductGroup,
    /// Product set, if known.
    pub product_set: Option<String>,
    /// Province.
    pub province: ProvinceCode,
    /// District, if given.
    pub district: Option<DistrictCode>,
    /// Commune, if given.
    pub commune: Option<CommuneCode>,
    /// Local code, if given.
    pub local_code: Option<String>,
    /// Stars.
    pub stars: u8,
    /// The recorded score (mean), if given.
    pub score: Option<Mean>,
    /// Level inferred for the recognising authority (5★ central, else provincial).
    pub level: Level,
    /// The version in force on `decided_on`, if any (none before 2019-08-21).
    pub rules_version: Option<RulesVersionId>,
    /// Decision number.
    pub decision_no: String,
    /// Decision date.
    pub decided_on: NaiveDate,
    /// Authority.
    pub authority: String,
    /// `decided_on` + 36 months (computed).
    pub valid_until: NaiveDate,
    /// The validity date written in the list, if any (audits compare it).
    pub stated_valid_until: Option<NaiveDate>,
    /// Evidence the list lacks, e.g. `score`, `valid_until`, `commune`.
    pub missing_evidence: Vec<String>,
    /// Where the record came from, e.g. `recognitions-68.csv:12`.
    pub source: Option<String>,
    /// The certificate number, when the list gives one (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    /// The potential-5★ flag, when the list sets it (absent otherwise).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub potential_five_star: bool,
}

/// `ExpiryNoticeIssued`: the notice 30 days before expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryNoticeIssued {
    /// The recognition's decision.
    pub decision_no: String,
    /// Its last valid day.
    pub valid_until: NaiveDate,
    /// When the notice was due.
    pub due_on: NaiveDate,
    /// When it was issued.
    pub issued_on: NaiveDate,
    /// Who issues it: the authority that recognised the product, taken from the
    /// recognition (absent from notices recorded before it was recorded; optional fields
    /// absent from a payload leave its schema version as it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_by: Option<String>,
    /// The notice letter's number, when known (set later by a correction,
    /// `field: "letter_no"`, once the authority has sent the letter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter_no: Option<String>,
    /// The notice letter's date, likewise (`field: "letter_date"`, `YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter_date: Option<NaiveDate>,
}

/// `RecognitionExpired`: from the day after `valid_until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionExpired {
    /// The recognition's decision.
    pub decision_no: String,
    /// Its last valid day.
    pub valid_until: NaiveDate,
    /// The first day it is expired.
    pub expired_on: NaiveDate,
}

/// `ComplaintReceived`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintReceived {
    /// The complaint's id (the event's id).
    pub complaint_id: Uuid,
    /// Date.
    pub received_on: NaiveDate,
    /// Source.
    pub source: ComplaintSource,
    /// Summary.
    pub summary: String,
}

/// `InspectionRecorded`: post-recognition supervision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRecorded {
    /// The inspection's id (the event's id).
    pub inspection_id: Uuid,
    /// Date.
    pub inspected_on: NaiveDate,
    /// Inspecting authority.
    pub authority: String,
    /// Findings.
    pub findings: String,
    /// Whether the product was found compliant.
    pub compliant: bool,
    /// The complaint it answers.
    pub complaint_id: Option<Uuid>,
}

/// `RecognitionRevoked`: by the recognising authority or the ministry; public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecognitionRevoked {
    /// The version in force on `decided_on`.
    pub rules_version: RulesVersionId,
    /// The level of the revoked recognition.
    pub level: Level,
    /// Stars revoked.
    pub stars: u8,
    /// The revoked recognition's decision.
    pub revoked_decision_no: String,
    /// Revocation decision number.
    pub decision_no: String,
    /// Date.
    pub decided_on: NaiveDate,
    /// Authority.
    pub authority: String,
    /// Grounds.
    pub grounds: Vec<RevocationGround>,
    /// Details.
    pub details: String,
}

/// `ProductWithdrawn`: the producer leaves the programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductWithdrawn {
    /// Date.
    pub withdrawn_on: NaiveDate,
    /// Reason.
    pub reason: String,
}

/// `EntryCorrected`: a clerical correction of an earlier event's field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryCorrected {
    /// The corrected event.
    pub corrected_event_id: Uuid,
    /// Its type.
    pub corrected_event_type: String,
    /// The field, e.g. `decision_no` or `producer.name`.
    pub field: String,
    /// Value before.
    pub old_value: Option<String>,
    /// Value after.
    pub new_value: Option<String>,
    /// Why.
    pub reason: String,
    /// Business date of the correction (the command's time in Vietnam, UTC+7).
    pub corrected_on: NaiveDate,
}

/// The persisted payload of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventBody {
    /// See [`ProductRegistered`].
    #[serde(rename = "ProductRegistered")]
    ProductRegistered(ProductRegistered),
    /// See [`EvaluationOpened`].
    #[serde(rename = "EvaluationOpened")]
    EvaluationOpened(EvaluationOpened),
    /// See [`DossierReturned`].
    #[serde(rename = "DossierReturned")]
    DossierReturned(DossierReturned),
    /// See [`DossierAmended`].
    #[serde(rename = "DossierAmended")]
    DossierAmended(DossierAmended),
    /// See [`LocalAssessmentRecorded`].
    #[serde(rename = "LocalAssessmentRecorded")]
    LocalAssessmentRecorded(LocalAssessmentRecorded),
    /// See [`CouncilConvened`].
    #[serde(rename = "CouncilConvened")]
    CouncilConvened(CouncilConvened),
    /// See [`ScorecardRecorded`].
    #[serde(rename = "ScorecardRecorded")]
    ScorecardRecorded(ScorecardRecorded),
    /// See [`ScoringConcluded`].
    #[serde(rename = "ScoringConcluded")]
    ScoringConcluded(ScoringConcluded),
    /// See [`ScoringReopened`].
    #[serde(rename = "ScoringReopened")]
    ScoringReopened(ScoringReopened),
    /// See [`RecognitionDecided`].
    #[serde(rename = "RecognitionDecided")]
    RecognitionDecided(RecognitionDecided),
    /// See [`RecognitionRefused`].
    #[serde(rename = "RecognitionRefused")]
    RecognitionRefused(RecognitionRefused),
    /// See [`LegacyRecognitionImported`].
    #[serde(rename = "LegacyRecognitionImported")]
    LegacyRecognitionImported(LegacyRecognitionImported),
    /// See [`ExpiryNoticeIssued`].
    #[serde(rename = "ExpiryNoticeIssued")]
    ExpiryNoticeIssued(ExpiryNoticeIssued),
    /// See [`RecognitionExpired`].
    #[serde(rename = "RecognitionExpired")]
    RecognitionExpired(RecognitionExpired),
    /// See [`ComplaintReceived`].
    #[serde(rename = "ComplaintReceived")]
    ComplaintReceived(ComplaintReceived),
    /// See [`InspectionRecorded`].
    #[serde(rename = "InspectionRecorded")]
    InspectionRecorded(InspectionRecorded),
    /// See [`RecognitionRevoked`].
    #[serde(rename = "RecognitionRevoked")]
    RecognitionRevoked(RecognitionRevoked),
    /// See [`ProductWithdrawn`].
    #[serde(rename = "ProductWithdrawn")]
    ProductWithdrawn(ProductWithdrawn),
    /// See [`EntryCorrected`].
    #[serde(rename = "EntryCorrected")]
    EntryCorrected(EntryCorrected),
}

/// Every event type with its current schema version.
pub const EVENT_TYPES: &[(&str, i32)] = &[
    ("ProductRegistered", 2),
    ("EvaluationOpened", 1),
    ("DossierReturned", 1),
    ("DossierAmended", 1),
    ("LocalAssessmentRecorded", 1),
    ("CouncilConvened", 1),
    ("ScorecardRecorded", 1),
    ("ScoringConcluded", 1),
    ("ScoringReopened", 1),
    ("RecognitionDecided", 1),
    ("RecognitionRefused", 1),
    ("LegacyRecognitionImported", 1),
    ("ExpiryNoticeIssued", 1),
    ("RecognitionExpired", 1),
    ("ComplaintReceived", 1),
    ("InspectionRecorded", 1),
    ("RecognitionRevoked", 1),
    ("ProductWithdrawn", 1),
    ("EntryCorrected", 1),
];

/// The current schema version of an event type, `None` for an unknown type.
pub fn current_schema_version(event_type: &str) -> Option<i32> {
    EVENT_TYPES
        .iter()
        .find(|(t, _)| *t == event_type)
        .map(|(_, v)| *v)
}

impl EventBody {
    /// The persisted type name (the serde tag).
    pub fn event_type(&self) -> &'static str {
        match self {
            EventBody::ProductRegistered(_) => "ProductRegistered",
            EventBody::EvaluationOpened(_) => "EvaluationOpened",
            EventBody::DossierReturned(_) => "DossierReturned",
            EventBody::DossierAmended(_) => "DossierAmended",
            EventBody::LocalAssessmentRecorded(_) => "LocalAssessmentRecorded",
            EventBody::CouncilConvened(_) => "CouncilConvened",
            EventBody::ScorecardRecorded(_) => "ScorecardRecorded",
            EventBody::ScoringConcluded(_) => "ScoringConcluded",
            EventBody::ScoringReopened(_) => "ScoringReopened",
            EventBody::RecognitionDecided(_) => "RecognitionDecided",
            EventBody::RecognitionRefused(_) => "RecognitionRefused",
            EventBody::LegacyRecognitionImported(_) => "LegacyRecognitionImported",
            EventBody::ExpiryNoticeIssued(_) => "ExpiryNoticeIssued",
            EventBody::RecognitionExpired(_) => "RecognitionExpired",
            EventBody::ComplaintReceived(_) => "ComplaintReceived",
            EventBody::InspectionRecorded(_) => "InspectionRecorded",
            EventBody::RecognitionRevoked(_) => "RecognitionRevoked",
            EventBody::ProductWithdrawn(_) => "ProductWithdrawn",
            EventBody::EntryCorrected(_) => "EntryCorrected",
        }
    }

    /// The current schema version of this event's type.
    pub fn schema_version(&self) -> i32 {
        current_schema_version(self.event_type()).unwrap_or(1)
    }

    /// The rule version for the envelope's `rules_version` column.
    pub fn rules_version(&self) -> Option<RulesVersionId> {
        match self {
            EventBody::EvaluationOpened(e) => Some(e.rules_version.clone()),
            EventBody::DossierReturned(e) => Some(e.rules_version.clone()),
            EventBody::DossierAmended(e) => Some(e.rules_version.clone()),
            EventBody::LocalAssessmentRecorded(e) => Some(e.rules_version.clone()),
            EventBody::CouncilConvened(e) => Some(e.rules_version.clone()),
            EventBody::ScorecardRecorded(e) => Some(e.rules_version.clone()),
            EventBody::ScoringConcluded(e) => Some(e.rules_version.clone()),
            EventBody::ScoringReopened(e) => Some(e.rules_version.clone()),
            EventBody::RecognitionDecided(e) => Some(e.rules_version.clone()),
            EventBody::RecognitionRefused(e) => Some(e.rules_version.clone()),
            EventBody::LegacyRecognitionImported(e) => e.rules_version.clone(),
            EventBody::RecognitionRevoked(e) => Some(e.rules_version.clone()),
            EventBody::ProductRegistered(_)
            | EventBody::ExpiryNoticeIssued(_)
            | EventBody::RecognitionExpired(_)
            | EventBody::ComplaintReceived(_)
            | EventBody::InspectionRecorded(_)
            | EventBody::ProductWithdrawn(_)
            | EventBody::EntryCorrected(_) => None,
        }
    }

    /// The business date of the event.
    pub fn occurred_on(&self) -> NaiveDate {
        match self {
            EventBody::ProductRegistered(e) => e.registered_on,
            EventBody::EvaluationOpened(e) => e.opened_on,
            EventBody::DossierReturned(e) => e.returned_on,
            EventBody::DossierAmended(e) => e.amended_on,
            EventBody::LocalAssessmentRecorded(e) => e.assessed_on,
            EventBody::CouncilConvened(e) => e.convened_on,
            EventBody::ScorecardRecorded(e) => e.recorded_on,
            EventBody::ScoringConcluded(e) => e.concluded_on,
            EventBody::ScoringReopened(e) => e.reopened_on,
            EventBody::RecognitionDecided(e) => e.decided_on,
            EventBody::RecognitionRefused(e) => e.decided_on,
            EventBody::LegacyRecognitionImported(e) => e.decided_on,
            EventBody::ExpiryNoticeIssued(e) => e.issued_on,
            EventBody::RecognitionExpired(e) => e.expired_on,
            EventBody::ComplaintReceived(e) => e.received_on,
            EventBody::InspectionRecorded(e) => e.inspected_on,
            EventBody::RecognitionRevoked(e) => e.decided_on,
            EventBody::ProductWithdrawn(e) => e.withdrawn_on,
            EventBody::EntryCorrected(e) => e.corrected_on,
        }
    }
}
