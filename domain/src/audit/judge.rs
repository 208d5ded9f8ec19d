//! The judge: one decision re-derived from the inputs recorded with it, under the rule
//! version of its own round or date; each contradiction becomes a finding.

use chrono::NaiveDate;

use super::*;
use crate::authorization::{Grant, Place};
use crate::events::{
    LegacyRecognitionImported, RecognitionDecided, RecognitionRefused, RecognitionRevoked,
};
use crate::rules::{Level, LevelResult, LevelRule, RuleBook, RuleVersion, RulesVersionId};
use crate::score::{Mean, band_stars, spread};
use crate::state::{ConcludedResult, Council};
use crate::text::search_key;
use crate::{CommuneCode, ProvinceCode, validity};

/// Whether a decision was signed by a People's Committee (Ủy ban nhân dân — of a province,
/// a district or a commune), by the authority's name or the decision number's issuer code
/// (`…/QĐ-UBND`), with or without diacritics.
fn signed_by_people_committee(authority: &str, decision_no: &str) -> bool {
    let authority = search_key(authority);
    authority.starts_with("ubnd")
        || authority.contains("uy ban nhan dan")
        || search_key(decision_no).contains("qd-ubnd")
}

/// Re-derives one decision under `rules`: a pure function of the record.
pub fn judge(rules: &RuleBook, record: &RecordedDecision) -> Judgement {
    let mut judge = Judge {
        rules,
        record,
        findings: Vec::new(),
        derived: Rederived::default(),
    };
    match &record.event {
        Ok(EventBody::RecognitionDecided(e)) => judge.recognition(e),
        Ok(EventBody::RecognitionRefused(e)) => judge.refusal(e),
        Ok(EventBody::LegacyRecognitionImported(e)) => judge.legacy(e),
        Ok(EventBody::RecognitionRevoked(e)) => judge.revocation(e),
        Ok(other) => judge.flag(
            FindingCode::NoConcludedScoring,
            format!("{} is not a decision", other.event_type()),
        ),
        Err(e) => judge.flag(
            FindingCode::NoConcludedScoring,
            format!("the decision's payload does not decode: {e}"),
        ),
    }
    let Judge {
        mut derived,
        findings,
        ..
    } = judge;
    derived.allowed = findings.iter().all(|f| f.severity != Severity::Error);
    Judgement {
        rederived: derived,
        findings,
    }
}

/// What a council's current cards give, re-derived.
struct Scored<'a> {
    rv: Option<&'a RuleVersion>,
    level_rule: Option<&'a LevelRule>,
    result: ConcludedResult,
    mean: Mean,
    mandatory_failed: Vec<String>,
    /// The lowest star level the failed criteria block (rule 2).
    blocked_from: Option<u8>,
}

struct Judge<'a> {
    rules: &'a RuleBook,
    record: &'a RecordedDecision,
    findings: Vec<Finding>,
    derived: Rederived,
}

impl<'a> Judge<'a> {
    fn flag(&mut self, code: FindingCode, detail: String) {
        self.findings.push(Finding {
            code,
            severity: code.severity(),
            detail,
            global_position: self.record.global_position,
        });
    }

    /// The recorded actor as a domain actor (`None` when its role or scope is unknown).
    fn actor(&self) -> Option<Actor> {
        self.record.recorded_by.actor.clone()
    }

    /// Checks that the actor held one of `grants` for the product's place.
    fn scope(&mut self, grants: &[Grant], what: &str) {
        let place = &self.record.inputs.place;
        let province = place
            .province
            .clone()
            .or_else(|| ProvinceCode::parse(&self.record.province).ok());
        let commune = place.commune.clone().or_else(|| {
            self.record
                .commune
                .as_deref()
                .and_then(|c| CommuneCode::parse(c).ok())
        });
        let allowed = match (self.actor(), &province) {
            (Some(actor), Some(province)) => {
                let place = Place {
                    on: self.units_day(),
                    province,
                    commune: commune.as_ref(),
                    district: place.district.as_ref(),
                    // The decisions audited are the province's, the district's and the
                    // ministry's: no commune's scope is judged here.
                    held_by: None,
                };
                grants.iter().any(|g| g.allows(&actor, &place))
            }
            _ => false,
        };
        if !allowed {
            let a = &self.record.recorded_by;
            let mut at = format!("province {}", province.as_ref().map_or("?", |p| p.as_str()));
            if let Some(d) = &place.district {
                at.push_str(&format!(", district {d}"));
            }
            if let Some(c) = &commune {
                at.push_str(&format!(", commune {c}"));
            }
            self.flag(
                FindingCode::ActorOutOfScope,
                format!(
                    "{} acting as {} in scope {} may not {what}: the product is in {at}",
                    a.user, a.role, a.scope
                ),
            );
        }
    }

    /// The recording day in Vietnam (UTC+7): the administrative units a decision is judged
    /// with are those in force then.
    fn recorded_on(&self) -> Option<NaiveDate> {
        self.record.recorded_at_time.map(crate::units::vietnam_date)
    }

    /// [`Judge::recorded_on`], or the record's own units when it has no readable time.
    fn units_day(&self) -> NaiveDate {
        self.recorded_on().unwrap_or(NaiveDate::MIN)
    }

    fn not_after_recording(&mut self, decided_on: NaiveDate) {
        if let Some(recorded_on) = self.recorded_on() {
            if decided_on > recorded_on {
                self.flag(
                    FindingCode::DecisionAfterRecording,
                    format!(
                        "decided on {decided_on} but recorded on {recorded_on} (recorded at {})",
                        self.record.recorded_at
                    ),
                );
            }
        }
    }

    fn valid_until(&mut self, decided_on: NaiveDate, recorded: NaiveDate) {
        let expected = validity::valid_until(decided_on);
        self.derived.valid_until = Some(expected);
        if recorded != expected {
            self.flag(
                FindingCode::ValidUntilMismatch,
                format!(
                    "valid_until {recorded} is not {expected} (decision of {decided_on} + {} months)",
                    validity::VALIDITY_MONTHS
                ),
            );
        }
    }

    /// The version to judge under: the recorded one, checked against the version in force
    /// on `on`; when they differ, the one in force on `on` (the law of the day) is used.
    fn version(
        &mut self,
        recorded: Option<&RulesVersionId>,
        on: NaiveDate,
        what: &str,
    ) -> Option<&'a RuleVersion> {
        let in_force = self.rules.in_force_on(on).ok();
        let named = match recorded {
            None => {
                self.flag(
                    FindingCode::RulesVersionUnknown,
                    match in_force {
                        Some(v) => {
                            format!("no rules version recorded; {} was in force on {on}", v.id)
                        }
                        None => format!("no rules version recorded and none was in force on {on}"),
                    },
                );
                return in_force;
            }
            Some(id) => match self.rules.get(id) {
                Some(v) => v,
                None => {
                    self.flag(
                        FindingCode::RulesVersionUnknown,
                        format!("the rule book has no version {id}"),
                    );
                    return in_force;
                }
            },
        };
        if !named.in_force_on(on) {
            self.flag(
                FindingCode::RulesVersionNotInForce,
                format!(
                    "{} was not in force on {on} ({what}); {}",
                    named.id,
                    in_force
                        .map_or_else(|| "no version was".to_owned(), |v| format!("{} was", v.id))
                ),
            );
            if let Some(v) = in_force {
                return Some(v);
            }
        }
        Some(named)
    }

    /// Re-derives the result of the council at `level` of `round` from its current cards.
    /// A decision or refusal dated before the scoring it rests on, or citing another mean
    /// than its counted cards give.
    fn cites_scoring(
        &mut self,
        verb: &str,
        noun: &str,
        decided_on: NaiveDate,
        level: Level,
        mean: &str,
        s: &Scored<'_>,
    ) {
        if decided_on < s.result.concluded_on {
            self.flag(
                FindingCode::DecisionBeforeScoring,
                format!(
                    "{verb} on {decided_on} before the {level} scoring was concluded on {}",
                    s.result.concluded_on
                ),
            );
        }
        if mean != s.mean.display() {
            self.flag(
                FindingCode::MeanMismatch,
                format!(
                    "the {noun} cites a mean of {mean} but the counted cards average {}",
                    s.mean.display()
                ),
            );
        }
    }

    fn scored(&mut self, level: Level, round: &EvaluationRound) -> Option<Scored<'a>> {
        let rv = self.version(
            Some(&round.rules_version),
            round.opened_on,
            "the round's opening",
        );
        self.derived.rules_version = rv.map(|v| v.id.to_string());
        // Every conclusion of the level stays on record; those the secretary re-opened to
        // correct a card are shown with the reason, and the decision rests on the last.
        self.derived.reopened_conclusions = round
            .results
            .iter()
            .filter(|r| r.level == level)
            .filter_map(|r| {
                r.reopened.as_ref().map(|o| ReopenedConclusion {
                    concluded_on: r.concluded_on,
                    mean: r.mean.clone(),
                    outcome: r.outcome,
                    reopened_on: o.reopened_on,
                    reason: o.reason.clone(),
                })
            })
            .collect();
        let Some(result) = round.results.iter().rev().find(|r| r.level == level) else {
            self.flag(
                FindingCode::NoConcludedScoring,
                format!(
                    "round {} has no concluded scoring at the {level} level",
                    round.round
                ),
            );
            return None;
        };
        if let Some(o) = &result.reopened {
            self.flag(
                FindingCode::NoConcludedScoring,
                format!(
                    "the {level} scoring concluded on {} was re-opened on {} and not concluded again",
                    result.concluded_on, o.reopened_on
                ),
            );
            return None;
        }
        let council: Option<&Council> = round.councils.iter().rev().find(|c| c.level == level);
        let cards = council.map(|c| c.scorecards.as_slice()).unwrap_or_default();
        if let Some(v) = rv {
            let max = v.part_max;
            for card in cards {
                for (part, points, max) in [
                    ("A", card.part_a, max.a),
                    ("B", card.part_b, max.b),
                    ("C", card.part_c, max.c),
                ] {
                    if points > max {
                        self.flag(
                            FindingCode::PartAboveMaximum,
                            format!(
                                "member {}'s card gives part {part} {points} points; {} allows {max}",
                                card.member_id, v.id
                            ),
                        );
                    }
                }
            }
        }
        let totals = council.map(Council::totals).unwrap_or_default();
        let mean = match Mean::of(&totals) {
            Some(m) => {
                if m != result.mean_exact {
                    self.flag(
                        FindingCode::MeanMismatch,
                        format!(
                            "the conclusion records a mean of {} but the {} counted cards average {}",
                            result.mean_exact.display(),
                            totals.len(),
                            m.display()
                        ),
                    );
                }
                m
            }
            None => result.mean_exact,
        };
        let present = if cards.is_empty() {
            result.members_present
        } else {
            cards.len() as u32
        };
        let mut within = true;
        let mut mandatory_failed = result.mandatory_failed.clone();
        if let Some(council) = council {
            let chair_present = council.chair_present();
            let q = council.quorum;
            // The regulation's floor for the central council, whatever quorum it recorded.
            let floor = rv
                .and_then(|v| v.level(level))
                .map_or(0, |lr| lr.min_present);
            let quorum_met =
                present >= council.cards_required(floor) && (!q.chair_required || chair_present);
            self.derived.quorum_met = Some(quorum_met);
            if present < floor {
                self.flag(
                    FindingCode::QuorumNotMet,
                    format!(
                        "{present} card(s) counted; the central council ({}) meets only with at least {floor} of its members present (ocop-rules §3), whatever quorum it recorded ({})",
                        council.council_ref, q.min_present
                    ),
                );
            } else if !quorum_met {
                self.flag(
                    FindingCode::QuorumNotMet,
                    format!(
                        "{present} card(s) counted{}; the council ({}) requires {}{}",
                        if q.chair_required && !chair_present {
                            " without the chair's"
                        } else {
                            ""
                        },
                        council.council_ref,
                        q.min_present,
                        if q.chair_required {
                            " including the chair"
                        } else {
                            ""
                        }
                    ),
                );
            }
            let spread = spread(&totals);
            within = crate::score::within_limit(spread, council.spread_limit);
            self.derived.spread = Some(spread);
            self.derived.spread_limit = council.spread_limit;
            if !within {
                self.flag(
                    FindingCode::SpreadOverLimit,
                    format!(
                        "the counted totals spread {spread} points, over the council's limit of {}, and no re-scoring replaced them",
                        council.spread_limit.unwrap_or_default()
                    ),
                );
            }
            if let (false, Some(v)) = (cards.is_empty(), rv) {
                mandatory_failed = council.mandatory_failed(&v.criteria);
            }
        }
        self.derived.members_present = Some(present);
        self.derived.mean = Some(mean.display());
        self.derived.mandatory_failed = mandatory_failed.clone();
        let level_rule = rv.and_then(|v| v.level(level));
        if let Some(v) = rv {
            self.derived.band_stars = Some(v.band(&mean));
        } else {
            self.derived.band_stars = Some(band_stars(&mean, crate::rules::STAR_BANDS));
        }
        let group = self.record.inputs.product_group;
        // Under the round's criteria sheet; without a version, any failure blocks all.
        let blocked_from = match rv {
            Some(v) => v.criteria.blocked_from(&mandatory_failed, group),
            None => (!mandatory_failed.is_empty()).then_some(3),
        };
        self.derived.mandatory_blocks_from = blocked_from;
        if let (Some(lr), Some(v)) = (level_rule, rv) {
            let result = v.result_for(lr, &mean, blocked_from);
            self.derived.max_stars = Some(award_of(result));
            self.derived.outcome = Some(v.outcome(lr, &mean, within, blocked_from));
        }
        Some(Scored {
            rv,
            level_rule,
            result: result.clone(),
            mean,
            mandatory_failed,
            blocked_from,
        })
    }

    /// Whether the round's version has `level`; also flags a decision at a level that no
    /// longer existed on its own date (a district decision after 2025-07-05, when the rules
    /// in force have no district level), which the round's version alone would allow.
    fn level_exists(&mut self, s: &Scored<'_>, level: Level, decided_on: NaiveDate) -> bool {
        if let (Some(v), Some(_)) = (self.rules.level_gone_on(level, decided_on), s.level_rule) {
            self.flag(
                FindingCode::LevelCannotAward,
                format!(
                    "decided on {decided_on} at the {level} level, which the rules in force that day ({}) no longer have",
                    v.id
                ),
            );
        }
        match (s.rv, s.level_rule) {
            (Some(rv), None) => {
                self.flag(
                    FindingCode::LevelCannotAward,
                    format!("{} has no {level} level", rv.id),
                );
                false
            }
            _ => true,
        }
    }

    fn recognition(&mut self, e: &RecognitionDecided) {
        self.scope(&[Grant::secretary_of(e.level)], "decide a recognition");
        self.not_after_recording(e.decided_on);
        self.valid_until(e.decided_on, e.valid_until);
        let round = self.record.inputs.round.as_ref();
        let Some(round) = round else {
            self.version(Some(&e.rules_version), e.decided_on, "the decision date");
            self.flag(
                FindingCode::NoConcludedScoring,
                format!(
                    "no evaluation round was open when round {} was decided",
                    e.round
                ),
            );
            return;
        };
        if round.rules_version != e.rules_version {
            self.flag(
                FindingCode::RulesVersionNotInForce,
                format!(
                    "the decision names {} but its round runs under {}",
                    e.rules_version, round.rules_version
                ),
            );
        }
        let Some(s) = self.scored(e.level, round) else {
            return;
        };
        self.cites_scoring("decided", "decision", e.decided_on, e.level, &e.mean, &s);
        let blocked = s.blocked_from.filter(|b| e.stars >= *b);
        if let Some(blocked) = blocked {
            self.flag(
                FindingCode::MandatoryCriterionFailed,
                format!(
                    "{}★ recognised although mandatory criteria failed on more than half of the cards ({}), which block every award of {blocked}★ or more",
                    e.stars,
                    s.mandatory_failed.join(", ")
                ),
            );
        }
        let band = self.derived.band_stars.unwrap_or(0);
        if e.stars > band {
            self.flag(
                FindingCode::StarsAboveBand,
                format!(
                    "{}★ awarded for a mean of {}, whose band is {band}★",
                    e.stars,
                    s.mean.display()
                ),
            );
        }
        if !self.level_exists(&s, e.level, e.decided_on) {
            return;
        }
        let Some(lr) = s.level_rule else {
            return;
        };
        let rv_id = s.rv.map(|v| v.id.to_string()).unwrap_or_default();
        if !lr.may_award(e.stars) {
            self.flag(
                FindingCode::LevelCannotAward,
                format!(
                    "the {} level awards {} under {rv_id}, not {}★",
                    e.level,
                    stars_list(lr.awards),
                    e.stars
                ),
            );
        } else if e.stars <= band
            && e.stars > self.derived.max_stars.unwrap_or(0)
            && blocked.is_none()
        {
            self.flag(
                FindingCode::StarsAboveBand,
                format!(
                    "{}★ awarded, but under {rv_id} the {} level's result for a mean of {} allows at most {}",
                    e.stars,
                    e.level,
                    s.mean.display(),
                    stars_or_none(self.derived.max_stars.unwrap_or(0))
                ),
            );
        } else if e.stars < self.derived.max_stars.unwrap_or(0) {
            self.flag(
                FindingCode::StarsBelowResult,
                format!(
                    "{}★ awarded where under {rv_id} the {} level's result for a mean of {} is {}★",
                    e.stars,
                    e.level,
                    s.mean.display(),
                    self.derived.max_stars.unwrap_or(0)
                ),
            );
        }
        let expected_flag = matches!(s.rv.and_then(|v| v.result_for(lr, &s.mean, s.blocked_from)), Some(LevelResult::AwardAndForward { stars }) if stars == e.stars);
        self.derived.potential_five_star = Some(expected_flag);
        if e.potential_five_star != expected_flag {
            self.flag(
                FindingCode::PotentialFiveStarMismatch,
                if e.potential_five_star {
                    format!(
                        "the potential-5★ flag is set on a {}★ {} decision with a mean of {}; it belongs only to the award-and-forward result of a mean of 90 or more",
                        e.stars,
                        e.level,
                        s.mean.display()
                    )
                } else {
                    format!(
                        "the potential-5★ flag is missing on a {}★ {} decision with a mean of {}",
                        e.stars,
                        e.level,
                        s.mean.display()
                    )
                },
            );
        }
    }

    fn refusal(&mut self, e: &RecognitionRefused) {
        self.scope(&[Grant::secretary_of(e.level)], "decide a refusal");
        self.not_after_recording(e.decided_on);
        let round = self.record.inputs.round.as_ref();
        let Some(round) = round else {
            self.version(Some(&e.rules_version), e.decided_on, "the decision date");
            self.flag(
                FindingCode::NoConcludedScoring,
                format!(
                    "no evaluation round was open when round {} was refused",
                    e.round
                ),
            );
            return;
        };
        let Some(s) = self.scored(e.level, round) else {
            return;
        };
        self.cites_scoring("refused", "refusal", e.decided_on, e.level, &e.mean, &s);
        if !self.level_exists(&s, e.level, e.decided_on) {
            return;
        }
        let standing = self.record.inputs.previous_recognition.as_ref();
        match self.derived.outcome {
            Some(ScoringOutcome::Award { stars, .. })
                if crate::rules::refusal_allowed(
                    round.kind,
                    stars,
                    standing.as_ref().map(|r| r.stars),
                ) => {}
            Some(ScoringOutcome::Award { stars, .. }) => self.flag(
                FindingCode::RefusalContradictsScoring,
                format!(
                    "refused although a mean of {} at the {} level awards {stars}★",
                    s.mean.display(),
                    e.level
                ),
            ),
            Some(ScoringOutcome::Forward { to }) => self.flag(
                FindingCode::RefusalContradictsScoring,
                format!(
                    "refused although a mean of {} at the {} level forwards the product to the {to} level",
                    s.mean.display(),
                    e.level
                ),
            ),
            _ => {}
        }
    }

    fn legacy(&mut self, e: &LegacyRecognitionImported) {
        // A legacy record registers the product: its own place is the place.
        let actor_ok = self.actor().is_some_and(|a| {
            crate::authorization::require_national(&a, Grant::Admin, "import").is_ok()
        });
        if !actor_ok {
            let a = &self.record.recorded_by;
            self.flag(
                FindingCode::ActorOutOfScope,
                format!(
                    "{} acting as {} in scope {} may not import legacy recognitions (admin, national)",
                    a.user, a.role, a.scope
                ),
            );
        }
        self.not_after_recording(e.decided_on);
        self.valid_until(e.decided_on, e.valid_until);
        let rv = self.version(e.rules_version.as_ref(), e.decided_on, "the decision date");
        self.derived.rules_version = rv.map(|v| v.id.to_string());
        if let Some(rv) = rv {
            let allowed = match rv.level(e.level) {
                Some(lr) if lr.may_award(e.stars) => true,
                // The import infers "provincial" for 3★–4★: any level below the central
                // council that awards these stars under the version could have made it.
                _ if e.level == Level::Provincial => rv
                    .levels
                    .iter()
                    .any(|l| l.level != Level::Central && l.may_award(e.stars)),
                _ => false,
            };
            if !allowed {
                self.flag(
                    FindingCode::LevelCannotAward,
                    format!("no {} level awards {}★ under {}", e.level, e.stars, rv.id),
                );
            }
        }
        // The import records a legacy 5★ at the central level, but the list names who
        // signed it: a provincial People's Committee never awards 5★.
        if e.stars == 5 && signed_by_people_committee(&e.authority, &e.decision_no) {
            self.flag(
                FindingCode::LevelCannotAward,
                format!(
                    "5★ listed as decided by {} ({}): only the central level awards 5★",
                    e.authority, e.decision_no
                ),
            );
        }
        match &e.score {
            None => self.flag(
                FindingCode::LegacyWithoutScores,
                format!(
                    "the legacy record of {} ({}★) has no score; its stars cannot be re-derived",
                    e.decision_no, e.stars
                ),
            ),
            Some(score) => {
                let band = match rv {
                    Some(v) => v.band(score),
                    None => band_stars(score, crate::rules::STAR_BANDS),
                };
                self.derived.mean = Some(score.display());
                self.derived.band_stars = Some(band);
                let earned = rv.map_or(0, |v| {
                    v.levels
                        .iter()
                        .filter(|l| l.level != Level::Central)
                        .map(|l| award_of(l.result_for(score)))
                        .max()
                        .unwrap_or(0)
                });
                self.derived.max_stars = Some(earned.max(if e.stars == 5 { band } else { 0 }));
                if e.stars > band {
                    self.flag(
                        FindingCode::StarsAboveBand,
                        format!(
                            "{}★ listed with a score of {}, whose band is {band}★",
                            e.stars,
                            score.display()
                        ),
                    );
                } else if e.stars < earned {
                    self.flag(
                        FindingCode::LegacyStarsInconsistentWithScore,
                        format!(
                            "{}★ listed with a score of {}, which earns {earned}★ under {}",
                            e.stars,
                            score.display(),
                            rv.map(|v| v.id.to_string()).unwrap_or_default()
                        ),
                    );
                }
            }
        }
        if let Some(stated) = e.stated_valid_until {
            if stated != validity::valid_until(e.decided_on) {
                self.flag(
                    FindingCode::LegacyValidUntilMismatch,
                    format!(
                        "the list gives valid until {stated}; a decision of {} is valid until {}",
                        e.decided_on,
                        validity::valid_until(e.decided_on)
                    ),
                );
            }
        }
        let missing: Vec<&str> = e
            .missing_evidence
            .iter()
            .map(String::as_str)
            .filter(|m| *m != "score")
            .collect();
        if !missing.is_empty() {
            self.flag(
                FindingCode::LegacyMissingEvidence,
                format!("the legacy list lacks: {}", missing.join(", ")),
            );
        }
    }

    fn revocation(&mut self, e: &RecognitionRevoked) {
        let current = self.record.inputs.revoked_recognition.as_ref();
        let expired = self.record.inputs.expired_recognition.as_ref();
        let target = current.or(expired);
        let grants: &[Grant] = match target.as_ref().map(|r| r.level) {
            Some(Level::Central) => &[Grant::CentralSecretary],
            Some(Level::District) => &[
                Grant::DistrictSecretary,
                Grant::ProvincialSecretary,
                Grant::CentralSecretary,
            ],
            _ => &[Grant::ProvincialSecretary, Grant::CentralSecretary],
        };
        self.scope(grants, "revoke this recognition");
        self.not_after_recording(e.decided_on);
        let rv = self.version(Some(&e.rules_version), e.decided_on, "the revocation date");
        self.derived.rules_version = rv.map(|v| v.id.to_string());
        let Some(target) = target else {
            self.flag(
                FindingCode::RevocationWithoutRecognition,
                format!(
                    "revokes {} but the product held no current or expired recognition",
                    e.revoked_decision_no
                ),
            );
            return;
        };
        if target.decision_no != e.revoked_decision_no {
            self.flag(
                FindingCode::RevocationWithoutRecognition,
                format!(
                    "revokes {} but the recognition in force is {}",
                    e.revoked_decision_no, target.decision_no
                ),
            );
        }
        if e.decided_on < target.decided_on {
            self.flag(
                FindingCode::RevocationBeforeRecognition,
                format!(
                    "revoked on {} before the recognition {} of {}",
                    e.decided_on, target.decision_no, target.decided_on
                ),
            );
        }
        let failed_on_record = self.record.inputs.failed_criteria_on_record;
        if let Some((_, detail)) =
            crate::rules::unmet_ground(&e.grounds, target, e.decided_on, failed_on_record)
        {
            self.flag(FindingCode::RevocationGroundNotMet, detail);
        }
        let recorded = self.record.province.as_str();
        let succeeded = crate::units::province_on(recorded, self.units_day()) != recorded;
        let own_name = self.actor().as_ref().is_some_and(|a| {
            crate::rules::may_revoke_under_own_name(a.role, target.level, succeeded)
        });
        if !own_name && !crate::text::same_authority(&e.authority, &target.authority) {
            self.flag(
                FindingCode::RevokedByOtherAuthority,
                format!(
                    "revoked by {} but recognised by {} ({} level)",
                    e.authority, target.authority, target.level
                ),
            );
        }
    }
}

/// The stars a level's threshold result awards (0 for forwarding or nothing).
fn award_of(result: Option<LevelResult>) -> u8 {
    match result {
        Some(LevelResult::Award { stars } | LevelResult::AwardAndForward { stars }) => stars,
        Some(LevelResult::Forward) | None => 0,
    }
}

fn stars_list(stars: &[u8]) -> String {
    if stars.is_empty() {
        "no stars".to_owned()
    } else {
        stars
            .iter()
            .map(|s| format!("{s}★"))
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

fn stars_or_none(stars: u8) -> String {
    if stars == 0 {
        "no award".to_owned()
    } else {
        format!("{stars}★")
    }
}
