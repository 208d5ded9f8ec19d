//! The state of one product, derived by folding its events; never stored as truth.
//!
//! It holds what `decide` needs and what the product state of the http-api shows.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codes::{CommuneCode, DistrictCode, ProvinceCode};
use crate::events::{
    ComplaintSource, CouncilMember, Document, MemberRole, Producer, ProductGroup, Quorum,
    RevocationGround, RoundKind, ScoringOutcome,
};
use crate::rules::{Level, RulesVersionId};
use crate::score::Mean;

/// Where a product is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No event yet.
    #[default]
    Unregistered,
    /// Registered, never evaluated.
    Registered,
    /// A round is open and no recognition is valid.
    InEvaluation,
    /// A recognition is valid (possibly while a re-evaluation or upgrade is open).
    Recognized,
    /// The last round ended without recognition.
    NotRecognized,
    /// The recognition expired.
    Expired,
    /// The recognition was revoked.
    Revoked,
    /// The producer left the programme.
    Withdrawn,
}

impl Status {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unregistered => "unregistered",
            Status::Registered => "registered",
            Status::InEvaluation => "in_evaluation",
            Status::Recognized => "recognized",
            Status::NotRecognized => "not_recognized",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
            Status::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stage of an open round at its current level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The dossier awaits the first level (commune assessment or district council).
    Dossier,
    /// Returned for completion.
    Returned,
    /// A council sits at the current level; cards are being recorded.
    Council,
    /// Scoring is concluded; the level's decision is awaited.
    AwaitingDecision,
    /// Forwarded: a council at the current level is awaited.
    AwaitingCouncil,
    /// The round has ended.
    Closed,
}

impl Stage {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dossier => "dossier",
            Stage::Returned => "returned",
            Stage::Council => "council",
            Stage::AwaitingDecision => "awaiting_decision",
            Stage::AwaitingCouncil => "awaiting_council",
            Stage::Closed => "closed",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a recognition stopped being the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecognitionEndReason {
    /// A later decision replaced it.
    Replaced,
    /// It expired.
    Expired,
    /// It was revoked.
    Revoked,
    /// The producer withdrew.
    Withdrawn,
}

/// The end of a recognition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecognitionEnd {
    /// Why.
    pub reason: RecognitionEndReason,
    /// From when it no longer holds.
    pub on: NaiveDate,
}

/// A recognition (công nhận) of 3★–5★.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recognition {
    /// Stars.
    pub stars: u8,
    /// "Tiềm năng 5 sao" on a provincial 4★ of ≥ 90 until the central result.
    pub potential_five_star: bool,
    /// The recognising level.
    pub level: Level,
    /// Decision number.
    pub decision_no: String,
    /// Decision date.
    pub decided_on: NaiveDate,
    /// Signing authority.
    pub authority: String,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Certificate number.
    pub certificate_no: Option<String>,
    /// Rules it was decided under (none for legacy records before 2019-08-21).
    pub rules_version: Option<RulesVersionId>,
    /// The round it came from (none for legacy records).
    pub round: Option<u32>,
    /// The concluded mean it rests on, two decimals.
    pub mean: Option<String>,
    /// The star band of that mean.
    pub band_stars: Option<u8>,
    /// Imported from a province's list.
    pub legacy: bool,
    /// The event that made it.
    pub event_id: Uuid,
    /// When the expiry notice was issued.
    pub notice_issued_on: Option<NaiveDate>,
    /// The expiry notice, once issued: who issues it and its letter.
    #[serde(default)]
    pub notice: Option<ExpiryNotice>,
    /// Set once it is no longer current.
    pub ended: Option<RecognitionEnd>,
}

/// The expiry notice of a recognition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpiryNotice {
    /// The notice's event (a correction names it to add the letter).
    pub event_id: Uuid,
    /// Who issues it: the authority that recognised the product (null on notices
    /// recorded before the engine recorded it).
    pub issued_by: Option<String>,
    /// The letter's number, once the authority has sent it (a correction of the notice,
    /// `field: "letter_no"`).
    pub letter_no: Option<String>,
    /// The letter's date (`field: "letter_date"`).
    pub letter_date: Option<NaiveDate>,
}

/// One return of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierReturn {
    /// Reviewing level.
    pub level: Level,
    /// Date.
    pub returned_on: NaiveDate,
    /// Reasons.
    pub reasons: Vec<String>,
    /// When it was amended, once it is.
    pub amended_on: Option<NaiveDate>,
}

/// The commune's assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalAssessment {
    /// The event.
    pub event_id: Uuid,
    /// Date.
    pub assessed_on: NaiveDate,
    /// Proposed to the province.
    pub forward: bool,
    /// Local origin confirmed.
    pub local_origin: bool,
    /// Notes.
    pub notes: Option<String>,
    /// Report reference.
    pub report_ref: Option<String>,
}

/// A current scorecard (superseded cards are replaced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scorecard {
    /// The `ScorecardRecorded` event.
    pub event_id: Uuid,
    /// The member.
    pub member_id: String,
    /// Date.
    pub recorded_on: NaiveDate,
    /// Part A.
    pub part_a: u32,
    /// Part B.
    pub part_b: u32,
    /// Part C.
    pub part_c: u32,
    /// Total.
    pub total: u32,
    /// Mandatory criteria failed.
    pub mandatory_failed: Vec<String>,
    /// Cards this one superseded, oldest first.
    pub superseded: Vec<Uuid>,
}

/// A council of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Council {
    /// The `CouncilConvened` event.
    pub event_id: Uuid,
    /// Level.
    pub level: Level,
    /// Founding decision.
    pub council_ref: String,
    /// Meeting date.
    pub convened_on: NaiveDate,
    /// Members.
    pub members: Vec<CouncilMember>,
    /// Quorum.
    pub quorum: Quorum,
    /// Spread limit.
    pub spread_limit: Option<u32>,
    /// Current cards, one per member.
    pub scorecards: Vec<Scorecard>,
}

impl Council {
    /// Whether the chair's card is among the counted ones.
    pub fn chair_present(&self) -> bool {
        self.scorecards.iter().any(|card| {
            self.members
                .iter()
                .any(|m| m.member_id == card.member_id && m.role == MemberRole::Chair)
        })
    }

    /// How many cards the council needs to conclude at a level whose rule wants `floor`
    /// members present: its own quorum or that floor, whichever is higher (the audit checks
    /// a recorded conclusion against the same figure).
    pub fn cards_required(&self, floor: u32) -> u32 {
        self.quorum.min_present.max(floor)
    }

    /// The counted cards' totals, in their order.
    pub fn totals(&self) -> Vec<u32> {
        self.scorecards.iter().map(|card| card.total).collect()
    }

    /// The mandatory criteria the counted cards fail under `criteria` (each judged by the
    /// sheet's rule over the cards present).
    pub fn mandatory_failed(&self, criteria: &crate::criteria::CriteriaSheet) -> Vec<String> {
        criteria.failed(
            self.scorecards
                .iter()
                .map(|card| card.mandatory_failed.as_slice()),
            self.scorecards.len() as u32,
        )
    }
}

/// A concluded result at one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConcludedResult {
    /// The `ScoringConcluded` event.
    pub event_id: Uuid,
    /// Level.
    pub level: Level,
    /// Date.
    pub concluded_on: NaiveDate,
    /// Members present.
    pub members_present: u32,
    /// The mean, two decimals (e.g. `"69.67"`).
    pub mean: String,
    /// The exact mean.
    pub mean_exact: Mean,
    /// Band of the mean.
    pub band_stars: u8,
    /// Spread of totals.
    pub spread: u32,
    /// Mandatory criteria failed.
    pub mandatory_failed: Vec<String>,
    /// The lowest star level they block (rule 2), when the conclusion recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory_blocks_from: Option<u8>,
    /// Outcome.
    pub outcome: ScoringOutcome,
    /// Set aside by the secretary to correct a card before the decision, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopened: Option<Reopening>,
}

/// A concluded scoring re-opened before the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reopening {
    /// The `ScoringReopened` event.
    pub event_id: Uuid,
    /// Date.
    pub reopened_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoundOutcome {
    /// A recognition was decided (the last one, at the last level reached).
    Recognized {
        /// Stars.
        stars: u8,
        /// Level.
        level: Level,
    },
    /// A level refused.
    Refused {
        /// Level.
        level: Level,
    },
    /// The commune did not forward the dossier.
    NotForwarded,
    /// Ended by revocation or withdrawal.
    Abandoned,
}

/// The end of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoundEnd {
    /// Date.
    pub on: NaiveDate,
    /// Outcome.
    pub outcome: RoundOutcome,
}

/// An evaluation round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationRound {
    /// Round number.
    pub round: u32,
    /// Kind.
    pub kind: RoundKind,
    /// Rules of the round.
    pub rules_version: RulesVersionId,
    /// First level.
    pub first_level: Level,
    /// Opening date.
    pub opened_on: NaiveDate,
    /// Legal basis (after revocation).
    pub legal_basis: Option<String>,
    /// Current dossier.
    pub documents: Vec<Document>,
    /// Current level.
    pub level: Level,
    /// Current stage.
    pub stage: Stage,
    /// The stage a returned dossier goes back to when amended.
    pub returned_from: Option<Stage>,
    /// Returns.
    pub returns: Vec<DossierReturn>,
    /// Commune assessment.
    pub local_assessment: Option<LocalAssessment>,
    /// Councils, in order.
    pub councils: Vec<Council>,
    /// Concluded results, in order (including re-score results).
    pub results: Vec<ConcludedResult>,
    /// The latest step's name, for date checks.
    pub last_step: String,
    /// The latest step's date; later steps may not be dated before it.
    pub last_step_on: NaiveDate,
    /// How it ended.
    pub end: Option<RoundEnd>,
}

impl EvaluationRound {
    /// The council sitting at the current level, if any.
    pub fn current_council(&self) -> Option<&Council> {
        self.councils.last().filter(|c| c.level == self.level)
    }

    /// The latest result at the current level, if any.
    pub fn current_result(&self) -> Option<&ConcludedResult> {
        self.results.last().filter(|r| r.level == self.level)
    }
}

/// A complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    /// Id (the event's id).
    pub complaint_id: Uuid,
    /// Date.
    pub received_on: NaiveDate,
    /// Source.
    pub source: ComplaintSource,
    /// Summary.
    pub summary: String,
    /// Inspections answering it.
    pub inspections: Vec<Uuid>,
}

/// An inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inspection {
    /// Id (the event's id).
    pub inspection_id: Uuid,
    /// Date.
    pub inspected_on: NaiveDate,
    /// Authority.
    pub authority: String,
    /// Findings.
    pub findings: String,
    /// Compliant.
    pub compliant: bool,
    /// Complaint answered.
    pub complaint_id: Option<Uuid>,
}

/// A revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    /// The event.
    pub event_id: Uuid,
    /// Level of the revoked recognition.
    pub level: Level,
    /// Stars revoked.
    pub stars: u8,
    /// Decision revoked.
    pub revoked_decision_no: String,
    /// Revocation decision.
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

/// A withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withdrawal {
    /// Date.
    pub withdrawn_on: NaiveDate,
    /// Reason.
    pub reason: String,
}

/// A correction applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Correction {
    /// The `EntryCorrected` event.
    pub event_id: Uuid,
    /// Corrected event.
    pub corrected_event_id: Uuid,
    /// Field.
    pub field: String,
    /// Before.
    pub old_value: Option<String>,
    /// After.
    pub new_value: Option<String>,
    /// Why.
    pub reason: String,
    /// Date.
    pub corrected_on: NaiveDate,
}

/// An applied event, with its correctable fields' current values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// Event id.
    pub event_id: Uuid,
    /// Event type.
    pub event_type: String,
    /// Correctable fields and their current (possibly corrected) values.
    pub fields: BTreeMap<String, Option<String>>,
}

/// Everything known about one product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductState {
    /// Product id (`None` until registered).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub product_id: Option<Uuid>,
    /// Number of events applied.
    pub version: u64,
    /// Product name.
    pub name: String,
    /// Producer.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub producer: Option<Producer>,
    /// Product group.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub product_group: Option<ProductGroup>,
    /// Product set.
    pub product_set: Option<String>,
    /// Province.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub province: Option<ProvinceCode>,
    /// Commune.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub commune: Option<CommuneCode>,
    /// District.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub district: Option<DistrictCode>,
    /// Local product code.
    pub local_code: Option<String>,
    /// Registration date (for legacy imports, the decision date).
    pub registered_on: Option<NaiveDate>,
    /// Status.
    pub status: Status,
    /// The current recognition.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub recognition: Option<Recognition>,
    /// Earlier recognitions, oldest first, each with its end.
    pub past_recognitions: Vec<Recognition>,
    /// A province's award in the re-evaluation of a central 5★, which does not replace the
    /// 5★ while the ministry has not decided (rule 11): it takes effect when the central
    /// council says "không đạt" or the 5★ expires, and gives way to a central 5★.
    #[serde(default)]
    pub pending_recognition: Option<Recognition>,
    /// The open round.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub current_evaluation: Option<EvaluationRound>,
    /// Closed rounds, oldest first.
    pub past_evaluations: Vec<EvaluationRound>,
    /// Complaints.
    pub complaints: Vec<Complaint>,
    /// Inspections.
    pub inspections: Vec<Inspection>,
    /// Revocations.
    pub revocations: Vec<Revocation>,
    /// Withdrawal, if the producer left.
    pub withdrawal: Option<Withdrawal>,
    /// Corrections applied.
    pub corrections: Vec<Correction>,
    /// Every applied event, in order.
    pub entries: Vec<Entry>,
}

impl ProductState {
    /// Whether a concluded scoring of any of the product's rounds failed a mandatory
    /// criterion (a conclusion re-opened to correct a card does not count): the fact the
    /// revocation ground `failed_mandatory_criteria` rests on.
    pub fn failed_criteria_on_record(&self) -> bool {
        self.current_evaluation
            .iter()
            .chain(self.past_evaluations.iter())
            .flat_map(|r| &r.results)
            .any(|r| r.reopened.is_none() && !r.mandatory_failed.is_empty())
    }

    /// Whether the product exists.
    pub fn is_registered(&self) -> bool {
        self.product_id.is_some()
    }

    /// The number of rounds opened so far.
    pub fn rounds_opened(&self) -> u32 {
        self.past_evaluations.len() as u32 + u32::from(self.current_evaluation.is_some())
    }

    /// The recognition that held on `date` (current or past), if any.
    pub fn recognition_valid_on(&self, date: NaiveDate) -> Option<&Recognition> {
        self.past_recognitions
            .iter()
            .chain(self.recognition.iter())
            .rfind(|r| {
                r.decided_on <= date && date <= r.valid_until && r.ended.is_none_or(|e| date < e.on)
            })
    }

    /// The last recognition, when it ended by expiry and nothing is current since.
    pub fn expired_recognition(&self) -> Option<&Recognition> {
        if self.recognition.is_some() {
            return None;
        }
        self.past_recognitions.last().filter(|r| {
            r.ended
                .is_some_and(|e| e.reason == RecognitionEndReason::Expired)
        })
    }
}
