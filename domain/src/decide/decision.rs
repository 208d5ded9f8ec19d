//! The recognition decision or refusal after a concluded scoring.

use crate::authorization::Grant;
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::state::Stage;
use crate::validity;

use super::*;

impl<'a> Ctx<'a> {
    pub(super) fn decide_recognition(
        &self,
        c: &DecideRecognition,
    ) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::secretary_of(round.level)])?;
        if let Some(level) = c.level.filter(|l| *l != round.level) {
            return Err(DomainError::DecisionAtOtherLevel {
                level,
                round_level: round.level,
            });
        }
        let result = round.current_result();
        if round.stage == Stage::Council {
            if let Some(r) = result.filter(|r| r.outcome == ScoringOutcome::RescoreRequired) {
                let spread_limit = round
                    .current_council()
                    .and_then(|c| c.spread_limit)
                    .unwrap_or(0);
                return Err(DomainError::RescoreRequired {
                    spread: r.spread,
                    spread_limit,
                });
            }
        }
        let result = match (round.stage, result) {
            (Stage::AwaitingDecision, Some(r)) => r,
            _ => {
                return Err(self.wrong_stage(
                    round,
                    "a decision follows the concluded scoring of its level",
                ));
            }
        };
        if c.decided_on < result.concluded_on {
            return Err(DomainError::DecisionBeforeScoring {
                decided_on: c.decided_on,
                concluded_on: result.concluded_on,
            });
        }
        non_blank("authority", &c.authority)?;
        if let Some(today) = self.rules.level_gone_on(round.level, c.decided_on) {
            return Err(DomainError::LevelNotInRulesVersion {
                level: round.level,
                rules_version: today.id.clone(),
            });
        }
        let rv = self.version(round)?;
        let level_rule =
            rv.level(round.level)
                .ok_or_else(|| DomainError::LevelNotInRulesVersion {
                    level: round.level,
                    rules_version: rv.id.clone(),
                })?;
        if c.recognized {
            let stars = c.stars.ok_or_else(|| DomainError::required("stars"))?;
            let decision_no =
                opt_text(&c.decision_no).ok_or_else(|| DomainError::required("decision_no"))?;
            if !(3..=5).contains(&stars) {
                return Err(DomainError::StarsOutOfRange { stars });
            }
            if !level_rule.may_award(stars) {
                return Err(DomainError::LevelCannotAward {
                    level: round.level,
                    stars,
                    rules_version: rv.id.clone(),
                });
            }
            let (max, potential) = match result.outcome {
                ScoringOutcome::Award {
                    stars,
                    potential_five_star,
                } => (stars, potential_five_star),
                _ => (0, false),
            };
            // A failed criterion of level N blocks N stars and more (rule 2); a conclusion
            // recorded before criteria had levels blocked every award.
            let blocked_from = result
                .mandatory_blocks_from
                .or((!result.mandatory_failed.is_empty()).then_some(3));
            if stars > max && blocked_from.is_some_and(|b| stars >= b) {
                return Err(DomainError::MandatoryCriterionFailed {
                    criteria: result.mandatory_failed.clone(),
                });
            }
            if stars > max {
                return Err(DomainError::StarsAboveBand {
                    stars,
                    mean: result.mean.clone(),
                    allowed: max,
                });
            }
            Ok(EventBody::RecognitionDecided(RecognitionDecided {
                decision_id: c.decision_id,
                round: round.round,
                rules_version: round.rules_version.clone(),
                level: round.level,
                stars,
                potential_five_star: potential && stars == max,
                mean: result.mean.clone(),
                authority: c.authority.clone(),
                decision_no,
                decided_on: c.decided_on,
                certificate_no: opt_text(&c.certificate_no),
                valid_until: validity::valid_until(c.decided_on),
            }))
        } else {
            if let ScoringOutcome::Award { stars, .. } = result.outcome {
                let standing = self.s.recognition.as_ref().map(|r| r.stars);
                if !crate::rules::refusal_allowed(round.kind, stars, standing) {
                    return Err(DomainError::RefusalContradictsScoring {
                        mean: result.mean.clone(),
                        stars,
                    });
                }
            }
            let reason = opt_text(&c.reason).ok_or_else(|| DomainError::required("reason"))?;
            Ok(EventBody::RecognitionRefused(RecognitionRefused {
                decision_id: c.decision_id,
                round: round.round,
                rules_version: round.rules_version.clone(),
                level: round.level,
                mean: result.mean.clone(),
                mandatory_failed: result.mandatory_failed.clone(),
                authority: c.authority.clone(),
                decision_no: opt_text(&c.decision_no),
                decided_on: c.decided_on,
                reason,
            }))
        }
    }
}
