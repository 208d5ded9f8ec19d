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

use chrono::NaiveDate;
use uuid::Uuid;

use crate::actor::Actor;
use crate::authorization::{Grant, Place, require, require_national};
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::rules::{Level, RuleBook, RuleVersion};
use crate::score::{Mean, spread};
use crate::state::{EvaluationRound, ProductState, Recognition, Stage, Status};
use crate::validity;

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

fn register(
    s: &ProductState,
    meta: &CommandMeta,
    c: &RegisterProduct,
) -> Result<EventBody, DomainError> {
    if let Some(product_id) = s.product_id {
        return Err(DomainError::AlreadyRegistered { product_id });
    }
    if c.commune.is_none() && c.district.is_none() {
        return Err(DomainError::LocationMissing);
    }
    let place = Place {
        on: meta.issued_on(),
        province: &c.province,
        commune: c.commune.as_ref(),
        district: c.district.as_ref(),
        held_by: None,
    };
    require(
        &meta.actor,
        &[Grant::CommuneOfficer, Grant::DistrictSecretary],
        &place,
        "register a product",
    )?;
    non_blank("name", &c.name)?;
    non_blank("producer.name", &c.producer.name)?;
    non_blank("product_set", &c.product_set)?;
    let mut producer = c.producer.clone();
    producer.tax_code = opt_text(&producer.tax_code);
    Ok(EventBody::ProductRegistered(ProductRegistered {
        product_id: meta.product_id,
        name: c.name.clone(),
        producer,
        product_group: c.product_group,
        product_set: c.product_set.clone(),
        province: c.province.clone(),
        commune: c.commune.clone(),
        district: c.district.clone(),
        local_code: opt_text(&c.local_code),
        registered_on: c.registered_on,
    }))
}

fn import(
    rules: &RuleBook,
    s: &ProductState,
    meta: &CommandMeta,
    c: &ImportLegacyRecognition,
) -> Result<EventBody, DomainError> {
    require_national(&meta.actor, Grant::Admin, "import legacy recognitions")?;
    if let Some(product_id) = s.product_id {
        return Err(DomainError::AlreadyRegistered { product_id });
    }
    non_blank("product_name", &c.product_name)?;
    non_blank("producer_name", &c.producer_name)?;
    non_blank("decision_no", &c.decision_no)?;
    non_blank("authority", &c.authority)?;
    if !(3..=5).contains(&c.stars) {
        return Err(DomainError::StarsOutOfRange { stars: c.stars });
    }
    let score = match opt_text(&c.score) {
        None => None,
        Some(text) => {
            // Rule 12: a list's stars above its score's band are a fact of law as written;
            // the audit flags them (`stars_above_band`) on the record, never a refusal.
            let mean = Mean::parse_decimal(text.trim())
                .filter(|m| !m.at_least(101) && m.cmp_points(100).is_le())
                .ok_or(DomainError::InvalidScore {
                    value: text.clone(),
                })?;
            Some(mean)
        }
    };
    let local_code = opt_text(&c.local_code);
    let mut missing = Vec::new();
    if score.is_none() {
        missing.push("score".to_owned());
    }
    if c.valid_until.is_none() {
        missing.push("valid_until".to_owned());
    }
    if c.commune.is_none() {
        missing.push("commune".to_owned());
    }
    if local_code.is_none() {
        missing.push("local_code".to_owned());
    }
    Ok(EventBody::LegacyRecognitionImported(
        LegacyRecognitionImported {
            product_id: meta.product_id,
            name: c.product_name.clone(),
            producer: Producer {
                name: c.producer_name.clone(),
                kind: c.producer_kind,
                tax_code: None,
            },
            product_group: c.product_group,
            product_set: None,
            province: c.province.clone(),
            district: c.district.clone(),
            commune: c.commune.clone(),
            local_code,
            stars: c.stars,
            score,
            level: c.level.unwrap_or(if c.stars == 5 {
                Level::Central
            } else {
                Level::Provincial
            }),
            rules_version: rules.in_force_on(c.decided_on).ok().map(|v| v.id.clone()),
            decision_no: c.decision_no.clone(),
            decided_on: c.decided_on,
            authority: c.authority.clone(),
            valid_until: validity::valid_until(c.decided_on),
            stated_valid_until: c.valid_until,
            missing_evidence: missing,
            source: opt_text(&c.source),
            certificate_no: opt_text(&c.certificate_no),
            potential_five_star: c.potential_five_star,
        },
    ))
}

struct Ctx<'a> {
    rules: &'a RuleBook,
    s: &'a ProductState,
    actor: &'a Actor,
    place: Place<'a>,
    what: &'static str,
    event_id: Uuid,
    issued_on: NaiveDate,
}

/// Fields a correction may set to nothing.
const NULLABLE_FIELDS: &[&str] = &[
    "letter_no",
    "letter_date",
    "producer.tax_code",
    "local_code",
    "certificate_no",
    "notes",
    "report_ref",
];

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

    fn open_evaluation(&self, c: &OpenEvaluation) -> Result<EventBody, DomainError> {
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

    fn return_dossier(&self, c: &ReturnDossier) -> Result<EventBody, DomainError> {
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

    fn amend_dossier(&self, c: &AmendDossier) -> Result<EventBody, DomainError> {
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

    fn local_assessment(&self, c: &RecordLocalAssessment) -> Result<EventBody, DomainError> {
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

    fn convene(&self, c: &ConveneCouncil) -> Result<EventBody, DomainError> {
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

    fn scorecard(&self, c: &RecordScorecard) -> Result<EventBody, DomainError> {
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

    fn conclude(&self, c: &ConcludeScoring) -> Result<EventBody, DomainError> {
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
        let required = council.quorum.min_present.max(level_rule.min_present);
        if present < required {
            return Err(DomainError::QuorumNotMet { present, required });
        }
        let chair_present = cards.iter().any(|card| {
            council
                .members
                .iter()
                .any(|m| m.member_id == card.member_id && m.role == MemberRole::Chair)
        });
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
        let totals: Vec<u32> = cards.iter().map(|x| x.total).collect();
        let mean = Mean::of(&totals).ok_or(DomainError::QuorumNotMet {
            present,
            required: council.quorum.min_present,
        })?;
        let spread = spread(&totals);
        let within = crate::score::within_limit(spread, council.spread_limit);
        let mandatory_failed = rv.criteria.failed(
            cards.iter().map(|card| card.mandatory_failed.as_slice()),
            present,
        );
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
    fn reopen(&self, c: &ReopenScoring) -> Result<EventBody, DomainError> {
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

    fn decide_recognition(&self, c: &DecideRecognition) -> Result<EventBody, DomainError> {
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

    fn complaint(&self, c: &RecordComplaint) -> Result<EventBody, DomainError> {
        self.require(&[Grant::Inspector, Grant::ProvincialSecretary])?;
        non_blank("summary", &c.summary)?;
        not_before(
            "received_on",
            c.received_on,
            "registration",
            self.registered_on(),
        )?;
        Ok(EventBody::ComplaintReceived(ComplaintReceived {
            complaint_id: self.event_id,
            received_on: c.received_on,
            source: c.source,
            summary: c.summary.clone(),
        }))
    }

    fn inspection(&self, c: &RecordInspection) -> Result<EventBody, DomainError> {
        self.require(&[Grant::Inspector, Grant::ProvincialSecretary])?;
        non_blank("authority", &c.authority)?;
        non_blank("findings", &c.findings)?;
        not_before(
            "inspected_on",
            c.inspected_on,
            "registration",
            self.registered_on(),
        )?;
        if let Some(id) = c.complaint_id {
            let complaint = self
                .s
                .complaints
                .iter()
                .find(|x| x.complaint_id == id)
                .ok_or(DomainError::UnknownComplaint { complaint_id: id })?;
            not_before(
                "inspected_on",
                c.inspected_on,
                "complaint",
                complaint.received_on,
            )?;
        }
        Ok(EventBody::InspectionRecorded(InspectionRecorded {
            inspection_id: self.event_id,
            inspected_on: c.inspected_on,
            authority: c.authority.clone(),
            findings: c.findings.clone(),
            compliant: c.compliant,
            complaint_id: c.complaint_id,
        }))
    }

    fn revocable(&self) -> Option<&'a Recognition> {
        self.s
            .recognition
            .as_ref()
            .or_else(|| self.s.expired_recognition())
    }

    fn revoke(&self, c: &RevokeRecognition) -> Result<EventBody, DomainError> {
        let target = self.revocable();
        let grants: &[Grant] = match target.map(|r| r.level) {
            Some(Level::Central) => &[Grant::CentralSecretary],
            Some(Level::District) => &[
                Grant::DistrictSecretary,
                Grant::ProvincialSecretary,
                Grant::CentralSecretary,
            ],
            _ => &[Grant::ProvincialSecretary, Grant::CentralSecretary],
        };
        self.require(grants)?;
        let rec = target.ok_or(DomainError::NoRecognition)?;
        non_blank("decision_no", &c.decision_no)?;
        non_blank("authority", &c.authority)?;
        if c.grounds.is_empty() {
            return Err(DomainError::required("grounds"));
        }
        if c.grounds.contains(&RevocationGround::Other) && blank(&c.details) {
            return Err(DomainError::required("details"));
        }
        not_before(
            "decided_on",
            c.decided_on,
            "recognition decision",
            rec.decided_on,
        )?;
        if let Some((ground, detail)) = crate::rules::unmet_ground(
            &c.grounds,
            rec,
            c.decided_on,
            self.s.failed_criteria_on_record(),
        ) {
            return Err(DomainError::RevocationGroundNotMet { ground, detail });
        }
        let recorded = self.place.province.as_str();
        let succeeded = crate::units::province_on(recorded, self.place.on) != recorded;
        if !crate::rules::may_revoke_under_own_name(self.actor.role, rec.level, succeeded)
            && !crate::text::same_authority(&c.authority, &rec.authority)
        {
            return Err(DomainError::RevokedByOtherAuthority {
                authority: c.authority.clone(),
                recognised_by: rec.authority.clone(),
            });
        }
        let rv = self
            .rules
            .in_force_on(c.decided_on)
            .map_err(|_| DomainError::NoRulesInForce { date: c.decided_on })?;
        let mut grounds = Vec::new();
        for g in &c.grounds {
            if !grounds.contains(g) {
                grounds.push(*g);
            }
        }
        Ok(EventBody::RecognitionRevoked(RecognitionRevoked {
            rules_version: rv.id.clone(),
            level: rec.level,
            stars: rec.stars,
            revoked_decision_no: rec.decision_no.clone(),
            decision_no: c.decision_no.clone(),
            decided_on: c.decided_on,
            authority: c.authority.clone(),
            grounds,
            details: c.details.clone(),
        }))
    }

    fn withdraw(&self, c: &WithdrawProduct) -> Result<EventBody, DomainError> {
        self.require(&[Grant::CommuneOfficer, Grant::ProvincialSecretary])?;
        if self.s.status == Status::Withdrawn {
            return Err(DomainError::WrongState {
                command: self.what.to_owned(),
                status: self.s.status,
                expected: "the product has already left the programme".to_owned(),
            });
        }
        non_blank("reason", &c.reason)?;
        not_before(
            "withdrawn_on",
            c.withdrawn_on,
            "registration",
            self.registered_on(),
        )?;
        Ok(EventBody::ProductWithdrawn(ProductWithdrawn {
            withdrawn_on: c.withdrawn_on,
            reason: c.reason.clone(),
        }))
    }

    fn correct(&self, c: &CorrectEntry) -> Result<EventBody, DomainError> {
        self.require(&[
            Grant::ProvincialSecretary,
            Grant::CentralSecretary,
            Grant::Admin,
        ])?;
        let entry = self
            .s
            .entries
            .iter()
            .find(|e| e.event_id == c.event_id)
            .ok_or(DomainError::UnknownEvent {
                event_id: c.event_id,
            })?;
        let old = entry
            .fields
            .get(&c.field)
            .ok_or_else(|| DomainError::FieldNotCorrectable {
                event_type: entry.event_type.clone(),
                field: c.field.clone(),
            })?;
        let new = opt_text(&c.new_value);
        let nullable = NULLABLE_FIELDS.contains(&c.field.as_str())
            || (entry.event_type == "RecognitionRefused" && c.field == "decision_no");
        if new.is_none() && !nullable {
            return Err(DomainError::required("new_value"));
        }
        if &new == old {
            return Err(DomainError::CorrectionUnchanged {
                field: c.field.clone(),
            });
        }
        if let (Some(text), "letter_date") = (&new, c.field.as_str()) {
            let date = text
                .parse::<NaiveDate>()
                .map_err(|_| DomainError::required("new_value (letter_date as YYYY-MM-DD)"))?;
            if date > self.issued_on {
                return Err(DomainError::DateInFuture {
                    field: "new_value".to_owned(),
                    date,
                    today: self.issued_on,
                });
            }
        }
        non_blank("reason", &c.reason)?;
        Ok(EventBody::EntryCorrected(EntryCorrected {
            corrected_event_id: c.event_id,
            corrected_event_type: entry.event_type.clone(),
            field: c.field.clone(),
            old_value: old.clone(),
            new_value: new,
            reason: c.reason.clone(),
            corrected_on: self.issued_on,
        }))
    }

    fn expiry_notice(&self, today: NaiveDate) -> Result<EventBody, DomainError> {
        self.require(&[Grant::System, Grant::Admin])?;
        let rec = self
            .s
            .recognition
            .as_ref()
            .ok_or(DomainError::NoRecognition)?;
        if let Some(issued_on) = rec.notice_issued_on {
            return Err(DomainError::NoticeAlreadyIssued { issued_on });
        }
        let due_on = validity::notice_on(rec.valid_until);
        if today < due_on {
            return Err(DomainError::NoticeNotDue { due_on, today });
        }
        Ok(EventBody::ExpiryNoticeIssued(ExpiryNoticeIssued {
            decision_no: rec.decision_no.clone(),
            valid_until: rec.valid_until,
            due_on,
            issued_on: today,
            issued_by: Some(rec.authority.clone()),
            letter_no: None,
            letter_date: None,
        }))
    }

    fn expire(&self, today: NaiveDate) -> Result<EventBody, DomainError> {
        self.require(&[Grant::System, Grant::Admin])?;
        let rec = self
            .s
            .recognition
            .as_ref()
            .ok_or(DomainError::NoRecognition)?;
        let expires_on = validity::expires_on(rec.valid_until);
        if today < expires_on {
            return Err(DomainError::ExpiryNotDue { expires_on, today });
        }
        Ok(EventBody::RecognitionExpired(RecognitionExpired {
            decision_no: rec.decision_no.clone(),
            valid_until: rec.valid_until,
            expired_on: expires_on,
        }))
    }
}

fn check_documents(documents: &[Document]) -> Result<(), DomainError> {
    for d in documents {
        non_blank("documents.kind", &d.kind)?;
        non_blank("documents.title", &d.title)?;
    }
    Ok(())
}
