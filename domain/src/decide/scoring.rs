//! The council: convening it, its members' cards, concluding and re-opening the scoring.

use crate::authorization::Grant;
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::score::{Mean, spread};
use crate::state::Stage;

use super::*;

impl<'a> Ctx<'a> {
    pub(super) fn convene(&self, c: &ConveneCouncil) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        let rv = self.version(round)?;
        if rv.level(c.level).is_none_or(|l| !l.scored) {
            return Err(DomainError::LevelNotInRulesVersion {
                level: c.level,
                rules_version: rv.id.clone(),
            });
        }
        self.require(&[Grant::secretary_of(c.level)])?;
        if c.level != round.level {
            return Err(DomainError::CouncilOutOfTurn {
                level: c.level,
                expected_level: round.level,
            });
        }
        let expected = if c.level == round.first_level {
            Stage::Dossier
        } else {
            Stage::AwaitingCouncil
        };
        if round.stage != expected {
            return Err(self.wrong_stage(
                round,
                "a council is convened once the dossier reaches its level",
            ));
        }
        non_blank("council_ref", &c.council_ref)?;
        if c.members.is_empty() {
            return Err(DomainError::required("members"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in &c.members {
            non_blank("members.member_id", &m.member_id)?;
            non_blank("members.name", &m.name)?;
            if !seen.insert(m.member_id.as_str()) {
                return Err(DomainError::DuplicateMember {
                    member_id: m.member_id.clone(),
                });
            }
        }
        let members = c.members.len() as u32;
        if c.quorum.min_present == 0 || c.quorum.min_present > members {
            return Err(DomainError::QuorumUnreachable {
                min_present: c.quorum.min_present,
                members,
            });
        }
        if c.quorum.chair_required && !c.members.iter().any(|m| m.role == MemberRole::Chair) {
            return Err(DomainError::NoChairInCouncil);
        }
        not_before(
            "convened_on",
            c.convened_on,
            &round.last_step,
            round.last_step_on,
        )?;
        Ok(EventBody::CouncilConvened(CouncilConvened {
            round: round.round,
            rules_version: round.rules_version.clone(),
            level: c.level,
            council_ref: c.council_ref.clone(),
            convened_on: c.convened_on,
            members: c.members.clone(),
            quorum: c.quorum,
            spread_limit: c.spread_limit,
        }))
    }

    pub(super) fn scorecard(&self, c: &RecordScorecard) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::secretary_of(round.level)])?;
        let council = match (round.stage, round.current_council()) {
            (Stage::Council, Some(council)) => council,
            _ => {
                return Err(self.wrong_stage(round, "scorecards are recorded while a council sits"));
            }
        };
        if !council.members.iter().any(|m| m.member_id == c.member_id) {
            return Err(DomainError::UnknownMember {
                member_id: c.member_id.clone(),
                level: council.level,
            });
        }
        let rv = self.version(round)?;
        for (part, points, max) in [
            ("a", c.part_a, rv.part_max.a),
            ("b", c.part_b, rv.part_max.b),
            ("c", c.part_c, rv.part_max.c),
        ] {
            if points > max {
                return Err(DomainError::PartAboveMaximum {
                    part: part.to_owned(),
                    points,
                    max,
                    rules_version: rv.id.clone(),
                });
            }
        }
        not_before(
            "recorded_on",
            c.recorded_on,
            "council meeting",
            council.convened_on,
        )?;
        if let Some(result) = round.current_result() {
            not_before(
                "recorded_on",
                c.recorded_on,
                "scoring conclusion",
                result.concluded_on,
            )?;
        }
        let mut failed: Vec<String> = Vec::new();
        for code in c.mandatory_failed.iter().map(|x| x.trim()) {
            if code.is_empty() {
                return Err(DomainError::required("mandatory_failed"));
            }
            if !failed.iter().any(|f| f == code) {
                failed.push(code.to_owned());
            }
        }
        let supersedes = council
            .scorecards
            .iter()
            .find(|x| x.member_id == c.member_id)
            .map(|x| x.event_id);
        Ok(EventBody::ScorecardRecorded(ScorecardRecorded {
            round: round.round,
            rules_version: round.rules_version.clone(),
            level: council.level,
            member_id: c.member_id.clone(),
            recorded_on: c.recorded_on,
            part_a: c.part_a,
            part_b: c.part_b,
            part_c: c.part_c,
            total: c.part_a + c.part_b + c.part_c,
            mandatory_failed: failed,
            criteria: c.criteria.clone(),
            supersedes,
        }))
    }

    pub(super) fn conclude(&self, c: &ConcludeScoring) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::secretary_of(round.level)])?;
        let council = match (round.stage, round.current_council()) {
            (Stage::Council, Some(council)) => council,
            _ => return Err(self.wrong_stage(round, "scoring is concluded while a council sits")),
        };
        let rv = self.version(round)?;
        let level_rule =
            rv.level(council.level)
                .ok_or_else(|| DomainError::LevelNotInRulesVersion {
                    level: council.level,
                    rules_version: rv.id.clone(),
                })?;
        let cards = &council.scorecards;
        let present = cards.len() as u32;
        let required = council.cards_required(level_rule.min_present);
        if present < required {
            return Err(DomainError::QuorumNotMet { present, required });
        }
        let chair_present = council.chair_present();
        if council.quorum.chair_required && !chair_present {
            return Err(DomainError::ChairAbsent);
        }
        not_before(
            "concluded_on",
            c.concluded_on,
            "council meeting",
            council.convened_on,
        )?;
        for card in cards {
            not_before(
                "concluded_on",
                c.concluded_on,
                "last scorecard",
                card.recorded_on,
            )?;
        }
        if let Some(reopened) = round.current_result().and_then(|r| r.reopened.as_ref()) {
            not_before(
                "concluded_on",
                c.concluded_on,
                "scoring re-opening",
                reopened.reopened_on,
            )?;
        }
        let totals = council.totals();
        let mean = Mean::of(&totals).ok_or(DomainError::QuorumNotMet {
            present,
            required: council.quorum.min_present,
        })?;
        let spread = spread(&totals);
        let within = crate::score::within_limit(spread, council.spread_limit);
        let mandatory_failed = council.mandatory_failed(&rv.criteria);
        let mandatory_blocks_from = rv
            .criteria
            .blocked_from(&mandatory_failed, self.s.product_group);
        let outcome = rv.outcome(level_rule, &mean, within, mandatory_blocks_from);
        Ok(EventBody::ScoringConcluded(ScoringConcluded {
            round: round.round,
            rules_version: round.rules_version.clone(),
            level: council.level,
            council_ref: council.council_ref.clone(),
            concluded_on: c.concluded_on,
            scorecards: cards
                .iter()
                .map(|x| CountedCard {
                    member_id: x.member_id.clone(),
                    scorecard_event_id: x.event_id,
                    total: x.total,
                })
                .collect(),
            members_present: present,
            chair_present,
            quorum: council.quorum,
            quorum_met: true,
            mean,
            mean_display: mean.display(),
            band_stars: rv.band(&mean),
            spread,
            spread_limit: council.spread_limit,
            spread_within_limit: within,
            mandatory_met: mandatory_failed.is_empty(),
            mandatory_failed,
            mandatory_blocks_from,
            outcome,
        }))
    }

    /// Rule 10 and item 5 of the regulation issue: a card found wrong after the conclusion
    /// is corrected before the decision by re-opening the scoring — the conclusion stays
    /// on record, set aside with the reason; the council sits again at the same level, a
    /// new card supersedes the wrong one and the council concludes again.
    pub(super) fn reopen(&self, c: &ReopenScoring) -> Result<EventBody, DomainError> {
        let round = self.round()?;
        self.require(&[Grant::secretary_of(round.level)])?;
        let result = match (round.stage, round.current_result()) {
            (Stage::AwaitingDecision, Some(r)) => r,
            _ => {
                return Err(self.wrong_stage(
                    round,
                    "a scoring is re-opened after its conclusion and before the decision",
                ));
            }
        };
        not_before(
            "reopened_on",
            c.reopened_on,
            "scoring conclusion",
            result.concluded_on,
        )?;
        non_blank("reason", &c.reason)?;
        Ok(EventBody::ScoringReopened(ScoringReopened {
            round: round.round,
            rules_version: round.rules_version.clone(),
            level: result.level,
            conclusion_event_id: result.event_id,
            reopened_on: c.reopened_on,
            reason: c.reason.trim().to_owned(),
        }))
    }
}
