//! The ministry's audit of rating decisions: every recognition, refusal, legacy import and
//! revocation is re-derived from the inputs recorded with it (the round's councils, current
//! scorecards and concluded results, or the legacy list's row, or the recognition a
//! revocation ends) under the rule version of its own round or date — never today's — and
//! each contradiction becomes a [`Finding`] with a stable code.
//!
//! The rules come from the domain (`RuleBook`, `LevelRule::result_for`, `Mean`,
//! `band_stars`, `spread`, `validity::valid_until`, `authorization::Grant`); this module
//! only puts them together the way `decide` does, without trusting anything `decide`
//! wrote: the audit is there for records that did not pass through it (legacy imports,
//! writes behind the domain's back, older code).
//!
//! Every code, its severity, meaning and rule reference is in `docs/audit-findings.md`.
//!
//! ```no_run
//! # async fn f(read: &ocop_projections::query::ReadModels) -> Result<(), ocop_projections::ProjectionError> {
//! use ocop_projections::audit::{self, AuditFilter};
//! let report = audit::audit_decisions(read, &AuditFilter { province: Some("68".into()), ..AuditFilter::default() }).await?;
//! for finding in report.decisions.iter().flat_map(|d| &d.findings) {
//!     println!("@{} {} [{}]: {}", finding.global_position, finding.code, finding.severity, finding.detail);
//! }
//! # Ok(()) }
//! ```
//!
//! `ocop audit` prints the report as a table or CSV (`ocop_api::audit_report`).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use ocop_domain::events::ScoringOutcome;
use ocop_domain::rules::RuleBook;
use ocop_eventstore::ActorRef;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ProjectionError;
use crate::query::{DecisionFilter, ReadModels};

mod judge;

pub use judge::audit_record;

/// How many decisions are read from the read model per query.
pub const PAGE: usize = 1_000;

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

/// One decision, re-derived, with its findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditedDecision {
    pub global_position: i64,
    pub product_id: Uuid,
    /// The product's name (as the read model has it now), for people reading the audit.
    pub name: Option<String>,
    pub event_id: String,
    /// `recognized | refused | legacy_import | revoked`.
    pub kind: String,
    pub province: String,
    pub commune: Option<String>,
    pub decided_on: Option<String>,
    pub decision_no: Option<String>,
    /// The decision document this decision is an item of (one decision over many
    /// products), or null.
    pub decision_id: Option<Uuid>,
    pub authority: Option<String>,
    pub stars: Option<i64>,
    pub level: Option<String>,
    pub rules_version: Option<String>,
    pub round: Option<i64>,
    pub actor: ActorRef,
    pub recorded_at: String,
    pub rederived: Rederived,
    pub findings: Vec<Finding>,
}

/// `GET /api/v1/products/{id}/audit`: the product's decisions and all their findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductAudit {
    pub product_id: Uuid,
    pub decisions: Vec<AuditedDecision>,
    /// Every finding of every decision, by position; empty when all is consistent.
    pub findings: Vec<Finding>,
}

/// Which decisions to audit; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditFilter {
    pub province: Option<String>,
    /// Decision dates from (inclusive).
    pub from: Option<NaiveDate>,
    /// Decision dates to (inclusive).
    pub to: Option<NaiveDate>,
    pub rules_version: Option<String>,
}

/// `GET /api/v1/audits/decisions`: every decision in range with its findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditReport {
    pub filter: AuditFilter,
    pub decisions_checked: u64,
    pub decisions_with_findings: u64,
    /// How often each code was found.
    pub findings_by_code: BTreeMap<String, u64>,
    pub decisions: Vec<AuditedDecision>,
}

impl AuditReport {
    /// The report on `decisions`, audited with `filter`.
    pub fn of(filter: AuditFilter, decisions: Vec<AuditedDecision>) -> Self {
        let mut report = AuditReport {
            filter,
            decisions_checked: 0,
            decisions_with_findings: 0,
            findings_by_code: BTreeMap::new(),
            decisions: Vec::new(),
        };
        report.add(decisions);
        report
    }

    /// Adds `decisions` to the report and to its counts.
    pub fn add(&mut self, decisions: Vec<AuditedDecision>) {
        for d in &decisions {
            self.decisions_checked += 1;
            if !d.findings.is_empty() {
                self.decisions_with_findings += 1;
            }
            for f in &d.findings {
                *self
                    .findings_by_code
                    .entry(f.code.as_str().to_owned())
                    .or_default() += 1;
            }
        }
        self.decisions.extend(decisions);
    }
}

/// One page of audited decisions; `next_after` is the `after_position` of the next page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditPage {
    pub decisions: Vec<AuditedDecision>,
    pub next_after: Option<i64>,
}

/// The audit of one product's decisions, under the standard rule book.
#[tracing::instrument(skip_all, fields(product_id = %product_id), err)]
pub async fn audit_product(
    read: &ReadModels,
    product_id: Uuid,
) -> Result<ProductAudit, ProjectionError> {
    let rules = RuleBook::standard();
    let mut decisions = Vec::new();
    let mut after = None;
    loop {
        let page = read
            .decisions(&DecisionFilter {
                product_id: Some(product_id),
                after_position: after,
                limit: Some(PAGE),
                ..DecisionFilter::default()
            })
            .await?;
        let full = page.len() == PAGE;
        after = page.last().map(|r| r.global_position);
        decisions.extend(page.iter().map(|r| audit_record(rules, r)));
        if !full {
            break;
        }
    }
    let findings = decisions
        .iter()
        .flat_map(|d| d.findings.iter().cloned())
        .collect();
    Ok(ProductAudit {
        product_id,
        decisions,
        findings,
    })
}

/// One page of the audit of the decisions matching `filter`, after `after_position`.
pub async fn audit_decisions_page(
    read: &ReadModels,
    filter: &AuditFilter,
    after_position: Option<i64>,
    limit: usize,
) -> Result<AuditPage, ProjectionError> {
    let limit = limit.clamp(1, 10 * PAGE);
    let page = read
        .decisions(&DecisionFilter {
            province: filter.province.clone(),
            product_id: None,
            from: filter.from,
            to: filter.to,
            rules_version: filter.rules_version.clone(),
            after_position,
            limit: Some(limit),
            decision_id: None,
        })
        .await?;
    let next_after = (page.len() == limit)
        .then(|| page.last().map(|r| r.global_position))
        .flatten();
    let rules = RuleBook::standard();
    Ok(AuditPage {
        decisions: page.iter().map(|r| audit_record(rules, r)).collect(),
        next_after,
    })
}

/// The audit of every decision matching `filter`, read page by page.
#[tracing::instrument(skip_all, err)]
pub async fn audit_decisions(
    read: &ReadModels,
    filter: &AuditFilter,
) -> Result<AuditReport, ProjectionError> {
    let mut report = AuditReport::of(filter.clone(), Vec::new());
    let mut after = None;
    loop {
        let page = audit_decisions_page(read, filter, after, PAGE).await?;
        report.add(page.decisions);
        match page.next_after {
            Some(p) => after = Some(p),
            None => break,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn every_code_is_documented_with_its_severity() {
        let doc = include_str!("../../../docs/audit-findings.md");
        for code in FindingCode::ALL {
            let line = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` ", code.as_str())))
                .unwrap_or_else(|| panic!("{code} is not in docs/audit-findings.md"));
            assert!(
                line.contains(&format!("| {} |", code.severity())),
                "{code}: the documented severity differs: {line}"
            );
        }
    }

    #[test]
    fn codes_serialise_as_their_snake_case_names() {
        for code in FindingCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                Value::from(code.as_str())
            );
        }
        assert_eq!(
            serde_json::to_value(Severity::Warning).unwrap(),
            Value::from("warning")
        );
    }
}
