//! `decide`: checks a command against the state, the actor and the round's rules, and
//! produces the events it causes. Checks run in this order: the product exists, the actor
//! may act, the rules and the state allow it, the facts are complete and consistent.
//!
//! Rule decisions where the regulation is unclear (each enforced here and tested):
//!
//! - a round is judged under the version in force on `opened_on`, looked up by its id;
//! - rounds under versions with a district level start at a district council; the
//!   commune assessment exists only under `qd1489-2025`, and not forwarding ends the round;
//! - members present are the current cards (one per member, re-scoring supersedes); the
//!   spread check comes before mandatory criteria and bands; a mandatory criterion fails
//!   when more than half of the cards list it and then no award is possible at that level;
//! - a decision may give fewer stars than the outcome, never more, and only stars the
//!   level may award; the potential-5★ flag comes only with the full 4★ of a ≥ 90 outcome;
//!   a refusal contradicting an award outcome is rejected;
//! - a failed re-evaluation keeps the current recognition; a round waiting for the central
//!   council may give way to a new round; a revoked product returns only through an
//!   initial round with a legal basis;
//! - every dated step is on or after the step it follows;
//! - corrections touch clerical fields only.
//!
//! The full list is in `domain/RULE-DECISIONS.md`.

mod aftercare;
mod decision;
mod dossier;
mod registration;
mod scoring;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::actor::Actor;
use crate::authorization::{Grant, Place, require};
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::rules::{RuleBook, RuleVersion};
use crate::state::{EvaluationRound, ProductState};

pub(crate) fn decide_with(
    rules: &RuleBook,
    s: &ProductState,
    command: &Command,
) -> Result<Vec<Event>, DomainError> {
    let meta = &command.meta;
    let event_id = meta
        .new_event_ids
        .first()
        .copied()
        .ok_or(DomainError::IdsExhausted {
            needed: 1,
            given: 0,
        })?;
    // Rule 9: nothing dated after the day the command is issued, in Vietnam. It depends
    // on the command alone, so it reveals nothing of the product to any caller.
    let today = meta.issued_on();
    if let Some((field, date)) = command
        .body
        .business_dates()
        .into_iter()
        .find(|(_, date)| *date > today)
    {
        return Err(DomainError::DateInFuture {
            field: field.to_owned(),
            date,
            today,
        });
    }
    let body = match &command.body {
        CommandBody::RegisterProduct(c) => register(s, meta, c)?,
        CommandBody::ImportLegacyRecognition(c) => import(rules, s, meta, c)?,
        other => {
            if !s.is_registered() {
                return Err(DomainError::NotRegistered);
            }
            let product_id = s.product_id.unwrap_or_default();
            if product_id != meta.product_id {
                return Err(DomainError::WrongProduct {
                    expected: product_id,
                    given: meta.product_id,
                });
            }
            let Some(province) = s.province.as_ref() else {
                return Err(DomainError::NotRegistered);
            };
            let ctx = Ctx {
                rules,
                s,
                actor: &meta.actor,
                place: Place {
                    on: meta.issued_on(),
                    province,
                    commune: s.commune.as_ref(),
                    district: s.district.as_ref(),
                    held_by: meta.held_by.as_ref(),
                },
                what: other.describe(),
                event_id,
                issued_on: meta.issued_on(),
            };
            ctx.decide(other)?
        }
    };
    Ok(vec![Event {
        event_id,
        actor: meta.actor.clone(),
        body,
    }])
}

fn blank(v: &str) -> bool {
    v.trim().is_empty()
}

fn non_blank(field: &str, v: &str) -> Result<(), DomainError> {
    if blank(v) {
        Err(DomainError::required(field))
    } else {
        Ok(())
    }
}

fn opt_text(v: &Option<String>) -> Option<String> {
    v.as_ref().filter(|x| !blank(x)).cloned()
}

fn not_before(
    field: &str,
    date: NaiveDate,
    step: &str,
    step_date: NaiveDate,
) -> Result<(), DomainError> {
    if date < step_date {
        Err(DomainError::DateBeforeEarlierStep {
            field: field.to_owned(),
            date,
            step: step.to_owned(),
            step_date,
        })
    } else {
        Ok(())
    }
}

use registration::{import, register};

struct Ctx<'a> {
    rules: &'a RuleBook,
    s: &'a ProductState,
    actor: &'a Actor,
    place: Place<'a>,
    what: &'static str,
    event_id: Uuid,
    issued_on: NaiveDate,
}

impl<'a> Ctx<'a> {
    fn require(&self, grants: &[Grant]) -> Result<(), DomainError> {
        require(self.actor, grants, &self.place, self.what)
    }

    fn registered_on(&self) -> NaiveDate {
        self.s.registered_on.unwrap_or(NaiveDate::MIN)
    }

    fn round(&self) -> Result<&'a EvaluationRound, DomainError> {
        self.s
            .current_evaluation
            .as_ref()
            .ok_or_else(|| DomainError::NoOpenRound {
                command: self.what.to_owned(),
            })
    }

    fn version(&self, round: &EvaluationRound) -> Result<&'a RuleVersion, DomainError> {
        self.rules
            .get(&round.rules_version)
            .ok_or_else(|| DomainError::UnknownRulesVersion {
                rules_version: round.rules_version.clone(),
            })
    }

    fn wrong_stage(&self, round: &EvaluationRound, expected: &str) -> DomainError {
        DomainError::WrongStage {
            command: self.what.to_owned(),
            round: round.round,
            level: round.level,
            stage: round.stage,
            expected: expected.to_owned(),
        }
    }

    fn decide(&self, body: &CommandBody) -> Result<EventBody, DomainError> {
        // Authorization before any rule that reads the state: a caller who may not act on
        // this product at all is refused the same way whatever its state, so a 422 ("no
        // open round", "wrong stage") never tells them what they may not read. The rules
        // below then require the exact grant of each step.
        self.require(&Grant::ALL)?;
        match body {
            CommandBody::RegisterProduct(_) | CommandBody::ImportLegacyRecognition(_) => {
                Err(DomainError::AlreadyRegistered {
                    product_id: self.s.product_id.unwrap_or_default(),
                })
            }
            CommandBody::OpenEvaluation(c) => self.open_evaluation(c),
            CommandBody::ReturnDossier(c) => self.return_dossier(c),
            CommandBody::AmendDossier(c) => self.amend_dossier(c),
            CommandBody::RecordLocalAssessment(c) => self.local_assessment(c),
            CommandBody::ConveneCouncil(c) => self.convene(c),
            CommandBody::RecordScorecard(c) => self.scorecard(c),
            CommandBody::ConcludeScoring(c) => self.conclude(c),
            CommandBody::ReopenScoring(c) => self.reopen(c),
            CommandBody::DecideRecognition(c) => self.decide_recognition(c),
            CommandBody::RecordComplaint(c) => self.complaint(c),
            CommandBody::RecordInspection(c) => self.inspection(c),
            CommandBody::RevokeRecognition(c) => self.revoke(c),
            CommandBody::WithdrawProduct(c) => self.withdraw(c),
            CommandBody::CorrectEntry(c) => self.correct(c),
            CommandBody::IssueExpiryNotice(c) => self.expiry_notice(c.today),
            CommandBody::ExpireRecognition(c) => self.expire(c.today),
        }
    }
}
