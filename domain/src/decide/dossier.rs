//! Opening a round and its dossier: open, return, amend, the commune assessment.

use crate::authorization::Grant;
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::rules::Level;
use crate::state::{Stage, Status};

use super::*;

impl<'a> Ctx<'a> {
    pub(super) fn open_evaluation(&self, c: &OpenEvaluation) -> Result<EventBody, DomainError> {
        let rv = self
            .rules
            .in_force_on(c.opened_on)
            .map_err(|_| DomainError::NoRulesInForce { date: c.opened_on })?;
        let mut grants = vec![Grant::CommuneOfficer];
        if rv.level(Level::District).is_some() {
            grants.push(Grant::DistrictSecretary);
        }
        self.require(&grants)?;
        let s = self.s;
        if let Some(open) = &s.current_evaluation {
            // A round left waiting for the central council may be superseded by a new one.
            let awaiting_central =
                open.stage == Stage::AwaitingCouncil && open.level == Level::Central;
            if !awaiting_central {
                return Err(DomainError::RoundAlreadyOpen { round: open.round });
            }
        }
        not_before(
            "opened_on",
            c.opened_on,
            "registration",
            self.registered_on(),
        )?;
        if let Some(end) = s.past_evaluations.last().and_then(|r| r.end) {
            not_before(
                "opened_on",
                c.opened_on,
                "end of the previous round",
                end.on,
            )?;
        }
        match c.kind {
            RoundKind::Initial => {
                if s.status == Status::Recognized {
                    return Err(DomainError::WrongState {
                        command: self.what.to_owned(),
                        status: s.status,
                        expected: "a recognised product opens a re_evaluation or an upgrade"
                            .to_owned(),
                    });
                }
                if s.status == Status::Revoked && opt_text(&c.legal_basis).is_none() {
                    return Err(DomainError::LegalBasisRequired);
                }
            }
            RoundKind::ReEvaluation | RoundKind::Upgrade => {
                let Some(rec) = &s.recognition else {
                    return Err(DomainError::WrongState {
                        command: self.what.to_owned(),
                        status: s.status,
                        expected: "re-evaluation and upgrade need a current recognition".to_owned(),
                    });
                };
                if c.kind == RoundKind::Upgrade && rec.stars >= 5 {
                    return Err(DomainError::NothingToUpgrade { stars: rec.stars });
                }
                not_before(
                    "opened_on",
                    c.opened_on,
                    "recognition decision",
                    rec.decided_on,
                )?;
            }
        }
        if c.documents.is_empty() {
            return Err(DomainError::EmptyDossier);
        }
        check_documents(&c.documents)?;
        if rv.first_level().level == Level::District && s.district.is_none() {
            return Err(DomainError::DistrictRequired {
                rules_version: rv.id.clone(),
            });
        }
        Ok(EventBody::EvaluationOpened(EvaluationOpened {
            round: s.rounds_opened() + 1,
            kind: c.kind,
            rules_version: rv.id.clone(),
            first_level: rv.first_level().level,
            opened_on: c.opened_on,
            documents: c.documents.clone(),
            legal_basis: opt_text(&c.legal_basis),
        }))
    }

    pub(super) fn return_dossier(&self, c: &ReturnDossier) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::secretary_of(round.level)])?;
        if !matches!(round.stage, Stage::Dossier | Stage::AwaitingCouncil) {
            return Err(self.wrong_stage(
                round,
                "a dossier is returned before the level's council or assessment",
            ));
        }
        if c.reasons.iter().all(|r| blank(r)) {
            return Err(DomainError::required("reasons"));
        }
        not_before(
            "returned_on",
            c.returned_on,
            &round.last_step,
            round.last_step_on,
        )?;
        Ok(EventBody::DossierReturned(DossierReturned {
            round: round.round,
            rules_version: round.rules_version.clone(),
            level: round.level,
            returned_on: c.returned_on,
            reasons: c.reasons.iter().filter(|r| !blank(r)).cloned().collect(),
        }))
    }

    pub(super) fn amend_dossier(&self, c: &AmendDossier) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[
            Grant::CommuneOfficer,
            Grant::DistrictSecretary,
            Grant::secretary_of(round.level),
        ])?;
        if round.stage != Stage::Returned {
            return Err(self.wrong_stage(round, "a dossier is amended after it was returned"));
        }
        if c.documents.is_empty() {
            return Err(DomainError::EmptyDossier);
        }
        check_documents(&c.documents)?;
        not_before(
            "amended_on",
            c.amended_on,
            &round.last_step,
            round.last_step_on,
        )?;
        Ok(EventBody::DossierAmended(DossierAmended {
            round: round.round,
            rules_version: round.rules_version.clone(),
            amended_on: c.amended_on,
            documents: c.documents.clone(),
        }))
    }

    pub(super) fn local_assessment(
        &self,
        c: &RecordLocalAssessment,
    ) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::CommuneOfficer])?;
        let rv = self.version(round)?;
        let Some(commune) = rv.level(Level::Commune) else {
            return Err(DomainError::LevelNotInRulesVersion {
                level: Level::Commune,
                rules_version: rv.id.clone(),
            });
        };
        if round.level != Level::Commune || round.stage != Stage::Dossier {
            return Err(self.wrong_stage(
                round,
                "the commune assesses a dossier awaiting review at the commune level",
            ));
        }
        not_before(
            "assessed_on",
            c.assessed_on,
            &round.last_step,
            round.last_step_on,
        )?;
        Ok(EventBody::LocalAssessmentRecorded(
            LocalAssessmentRecorded {
                round: round.round,
                rules_version: round.rules_version.clone(),
                level: Level::Commune,
                assessed_on: c.assessed_on,
                forward: c.forward,
                forwarded_to: if c.forward { commune.forwards_to } else { None },
                local_origin: c.local_origin,
                notes: opt_text(&c.notes),
                report_ref: opt_text(&c.report_ref),
            },
        ))
    }
}

fn check_documents(documents: &[Document]) -> Result<(), DomainError> {
    for d in documents {
        non_blank("documents.kind", &d.kind)?;
        non_blank("documents.title", &d.title)?;
    }
    Ok(())
}
