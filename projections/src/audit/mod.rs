//! The ministry's audit of rating decisions, read from the store: every recognition,
//! refusal, legacy import and revocation the decisions read model holds, with the inputs
//! recorded beside it, is judged by the domain's pure judge ([`ocop_domain::audit::judge`],
//! under the rule version of its own round or date) and answered with its findings and
//! what the product's record says of it. This module is the IO: reading the records page by
//! page, decoding them into [`RecordedDecision`]s, and the report's counts.
//!
//! Every code, its severity, meaning and rule reference is in `docs/audit-findings.md`.
//!
//! ```no_run
//! # async fn f(read: &ocop_projections::read::query::ReadModels) -> Result<(), ocop_projections::ProjectionError> {
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

use chrono::{DateTime, NaiveDate, Utc};
use ocop_domain::audit::{DecisionInputs, Judgement, RecordedActor, RecordedDecision};
use ocop_domain::events::EventBody;
use ocop_domain::rules::RuleBook;
use ocop_eventstore::ActorRef;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::ProjectionError;
use crate::read::query::{DecisionFilter, DecisionRecord, ReadModels};

pub use ocop_domain::audit::{Finding, FindingCode, Rederived, ReopenedConclusion, Severity};

/// Judges one decision record under `rules` ([`ocop_domain::audit::judge`]).
pub fn audit_record(rules: &RuleBook, record: &DecisionRecord) -> AuditedDecision {
    let Judgement {
        rederived,
        findings,
    } = ocop_domain::audit::judge(rules, &recorded_decision(record));
    AuditedDecision {
        global_position: record.global_position,
        product_id: record.product_id,
        name: record.name.clone(),
        event_id: record.event_id.clone(),
        kind: record.kind.clone(),
        province: record.province.clone(),
        commune: record.commune.clone(),
        decided_on: record.decided_on.clone(),
        decision_no: record.decision_no.clone(),
        decision_id: record.decision_id,
        authority: record.authority.clone(),
        stars: record.stars,
        level: record.level.clone(),
        rules_version: record.rules_version.clone(),
        round: record.round,
        actor: record.actor.clone(),
        recorded_at: record.recorded_at.clone(),
        rederived,
        findings,
    }
}

/// The record as the judge reads it: the payload decoded, the actor and the recording
/// time read, and each input decoded on its own (one that does not read is absent, and the
/// judge says what it could not check without it).
fn recorded_decision(record: &DecisionRecord) -> RecordedDecision {
    fn input<T: DeserializeOwned>(inputs: &Value, key: &str) -> Option<T> {
        match inputs.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => T::deserialize(v).ok(),
        }
    }
    let inputs = &record.inputs;
    let ActorRef { user, role, scope } = &record.actor;
    RecordedDecision {
        global_position: record.global_position,
        event: EventBody::deserialize(&record.payload).map_err(|e| e.to_string()),
        recorded_by: RecordedActor {
            user: user.clone(),
            role: role.clone(),
            scope: scope.clone(),
            actor: crate::command::codec::domain_actor(&record.actor).ok(),
        },
        recorded_at: record.recorded_at.clone(),
        recorded_at_time: DateTime::parse_from_rfc3339(&record.recorded_at)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        province: record.province.clone(),
        commune: record.commune.clone(),
        inputs: DecisionInputs {
            place: input(inputs, "place").unwrap_or_default(),
            round: input(inputs, "round"),
            product_group: input(inputs, "product_group"),
            previous_recognition: input(inputs, "previous_recognition"),
            revoked_recognition: input(inputs, "revoked_recognition"),
            expired_recognition: input(inputs, "expired_recognition"),
            failed_criteria_on_record: input(inputs, "failed_criteria_on_record").unwrap_or(false),
        },
    }
}

/// How many decisions are read from the read model per query.
pub const PAGE: usize = 1_000;

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
