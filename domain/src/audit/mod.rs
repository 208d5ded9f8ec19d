//! The ministry's audit of rating decisions, as pure rules: a recognition, refusal, legacy
//! import or revocation is re-derived from the inputs recorded with it (the round's
//! councils, current scorecards and concluded results, or the legacy list's row, or the
//! recognition a revocation ends) under the rule version of its own round or date — never
//! today's — and each contradiction becomes a [`Finding`] with a stable code.
//!
//! The judge ([`judge`]) puts together the rules `decide` uses (`RuleBook`,
//! `LevelRule::result_for`, `Council`'s figures, `Mean`, `band_stars`, `spread`,
//! `validity::valid_until`, `authorization::Grant`) without trusting anything `decide`
//! wrote: the audit is there for records that did not pass through it (legacy imports,
//! writes behind the domain's back, older code). It reads a [`RecordedDecision`]; reading
//! those from the log and the read models is `ocop_projections::audit`'s job.
//!
//! Every code, its severity, meaning and rule reference is in `docs/audit-findings.md`.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::codes::{CommuneCode, DistrictCode, ProvinceCode};
use crate::events::{EventBody, ProductGroup, ScoringOutcome};
use crate::state::{EvaluationRound, Recognition};

mod judge;

pub use judge::judge;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Something is missing for the decision to be checked in full; a person should look.
    Info,
    /// The record is incomplete or inconsistent with itself, but no rule is shown broken.
    Warning,
    /// The decision as recorded breaks a rule of its rule version.
    Error,
}

impl Severity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

// The codes' wire names are the macro's literals, which the derive does not read.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FindingCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(FindingCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(
                "The stable code of a finding (documented in `docs/audit-findings.md`).",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FindingCode {}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident;)*) => {
        /// The stable code of a finding (documented in `docs/audit-findings.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum FindingCode {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl FindingCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// The code's wire name, e.g. `stars_above_band`.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $name,)* }
            }

            /// The code's severity (fixed per code).
            pub fn severity(self) -> Severity {
                match self { $(FindingCode::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    /// The stars exceed the star band of the re-derived mean, or what the level's result
    /// for that mean lets it award.
    StarsAboveBand = "stars_above_band", Error;
    /// The deciding level may not award these stars under its rule version, or the level
    /// does not exist in it (a district 3★ after 2025-07-05, a provincial 5★).
    LevelCannotAward = "level_cannot_award", Error;
    /// Fewer counted cards than the council's quorum, or the chair's card missing when the
    /// quorum requires it.
    QuorumNotMet = "quorum_not_met", Error;
    /// The members' totals differ by more than the council's spread limit and the decision
    /// was taken without re-scoring.
    SpreadOverLimit = "spread_over_limit", Error;
    /// A recognition although more than half of the cards list a failed mandatory criterion.
    MandatoryCriterionFailed = "mandatory_criterion_failed", Error;
    /// `valid_until` is not the decision date + 36 months (Civil Code counting).
    ValidUntilMismatch = "valid_until_mismatch", Error;
    /// The decision is dated before the scoring it rests on was concluded.
    DecisionBeforeScoring = "decision_before_scoring", Error;
    /// The decision is dated after the day it was recorded (Vietnam time).
    DecisionAfterRecording = "decision_after_recording", Error;
    /// The potential-5★ flag does not follow from the mean and the stars.
    PotentialFiveStarMismatch = "potential_five_star_mismatch", Error;
    /// A revocation by an authority other than the one that recognised the product (and not
    /// by the ministry).
    RevokedByOtherAuthority = "revoked_by_other_authority", Error;
    /// A revocation with no current or expired recognition to end, or naming another
    /// decision than the one in force.
    RevocationWithoutRecognition = "revocation_without_recognition", Error;
    /// A revocation dated before the recognition it revokes.
    RevocationBeforeRecognition = "revocation_before_recognition", Error;
    /// A revocation on the ground "not re-evaluated after 36 months" of a recognition
    /// still valid on the revocation date.
    RevocationGroundNotMet = "revocation_ground_not_met", Error;
    /// A refusal although the re-derived result is an award.
    RefusalContradictsScoring = "refusal_contradicts_scoring", Error;
    /// A recognition or refusal with no concluded scoring at its level in its round.
    NoConcludedScoring = "no_concluded_scoring", Error;
    /// The recorded mean (of the conclusion or the decision) is not the mean of the counted
    /// cards.
    MeanMismatch = "mean_mismatch", Error;
    /// A counted card gives a part more points than the rule version's maximum for it.
    PartAboveMaximum = "part_above_maximum", Error;
    /// No rule version is recorded, or the rule book does not know it; the checks that need
    /// one were skipped.
    RulesVersionUnknown = "rules_version_unknown", Warning;
    /// The recorded rule version was not in force on the round's opening date (or, without
    /// a round, on the decision date).
    RulesVersionNotInForce = "rules_version_not_in_force", Error;
    /// A legacy record with no score: its stars cannot be re-derived.
    LegacyWithoutScores = "legacy_without_scores", Warning;
    /// A legacy record whose stars are below what its score earns at every level that
    /// awards (e.g. 3★ for 75 points).
    LegacyStarsInconsistentWithScore = "legacy_stars_inconsistent_with_score", Warning;
    /// A recognition with fewer stars than the level's result for the mean (e.g. 3★ for a
    /// provincial mean of 95, which also ends the product's way to the central council):
    /// allowed, but the council's result was not followed in full.
    StarsBelowResult = "stars_below_result", Warning;
    /// The validity date written in the legacy list is not the decision date + 36 months.
    LegacyValidUntilMismatch = "legacy_valid_until_mismatch", Warning;
    /// The legacy list lacks evidence other than the score (validity date, commune, local
    /// code).
    LegacyMissingEvidence = "legacy_missing_evidence", Info;
    /// The actor who recorded the decision did not hold the role and scope for it relative
    /// to the product's place.
    ActorOutOfScope = "actor_out_of_scope", Error;
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One contradiction found in one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    /// What exactly, in words, with the numbers involved.
    pub detail: String,
    /// The decision event's position in the ledger.
    pub global_position: i64,
}

/// The outcome re-derived from a decision's recorded inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rederived {
    /// The rule version the decision was judged under (that of its round, or in force on
    /// its date), if any.
    pub rules_version: Option<String>,
    /// Cards counted (current cards of the council at the decision's level).
    pub members_present: Option<u32>,
    pub quorum_met: Option<bool>,
    /// The exact mean, two decimals (`"69.67"`), of the counted cards or the legacy score.
    pub mean: Option<String>,
    /// The star band (1–5) of that mean.
    pub band_stars: Option<u8>,
    pub spread: Option<u32>,
    pub spread_limit: Option<u32>,
    pub mandatory_failed: Vec<String>,
    /// The lowest star level those criteria block under the round's criteria sheet (rule 2:
    /// no award of this many stars or more).
    pub mandatory_blocks_from: Option<u8>,
    /// The earlier conclusions at the decision's level that the secretary re-opened to
    /// correct a card before the decision, oldest first (the decision rests on the last
    /// conclusion, which is not among them).
    pub reopened_conclusions: Vec<ReopenedConclusion>,
    /// What the council's result should have been.
    pub outcome: Option<ScoringOutcome>,
    /// Highest stars the deciding level may award for that mean (0: none).
    pub max_stars: Option<u8>,
    /// Whether the potential-5★ flag should be set.
    pub potential_five_star: Option<bool>,
    /// Decision date + 36 months.
    pub valid_until: Option<NaiveDate>,
    /// Whether the decision as recorded stands: no finding of severity `error`.
    pub allowed: bool,
}

/// A conclusion set aside by a re-opening of the scoring, as the audit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReopenedConclusion {
    /// When it was concluded.
    pub concluded_on: NaiveDate,
    /// Its mean, two decimals.
    pub mean: String,
    /// Its outcome.
    pub outcome: ScoringOutcome,
    /// When it was re-opened.
    pub reopened_on: NaiveDate,
    /// Why.
    pub reason: String,
}

/// A decision as recorded: its event, who recorded it and when, and the inputs the
/// decisions read model kept beside it (the product's state just before the decision).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedDecision {
    /// The decision event's position in the ledger (what its findings name).
    pub global_position: i64,
    /// The decision's event, or why its payload does not decode as one.
    pub event: Result<EventBody, String>,
    /// Who recorded it.
    pub recorded_by: RecordedActor,
    /// When it was recorded, as the log has it (RFC 3339), and read (None if unreadable).
    pub recorded_at: String,
    pub recorded_at_time: Option<DateTime<Utc>>,
    /// The province the read model files the decision under (the product's recorded code).
    pub province: String,
    /// The commune it files it under, if any.
    pub commune: Option<String>,
    pub inputs: DecisionInputs,
}

/// Who recorded a decision: the texts of the log (for the findings' words) and, when its
/// role and scope are ones the domain knows, the actor they name.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedActor {
    pub user: String,
    pub role: String,
    pub scope: String,
    pub actor: Option<Actor>,
}

/// The inputs recorded with a decision; each is absent when the record does not hold it
/// (or holds it in a form that does not read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionInputs {
    /// The product's place when the decision was taken.
    pub place: DecisionPlace,
    /// The round the decision closes, with its councils, cards and conclusions.
    pub round: Option<EvaluationRound>,
    pub product_group: Option<ProductGroup>,
    /// The recognition in force before a refusal (a re-evaluation that failed).
    pub previous_recognition: Option<Recognition>,
    /// The current recognition a revocation ends.
    pub revoked_recognition: Option<Recognition>,
    /// The expired recognition a revocation ends.
    pub expired_recognition: Option<Recognition>,
    /// Whether the product's record showed a failed mandatory criterion (a ground of
    /// revocation).
    pub failed_criteria_on_record: bool,
}

/// The product's place as the decisions read model recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DecisionPlace {
    pub province: Option<ProvinceCode>,
    pub commune: Option<CommuneCode>,
    pub district: Option<DistrictCode>,
}

/// What the judge found: the outcome re-derived and every contradiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub rederived: Rederived,
    pub findings: Vec<Finding>,
}
