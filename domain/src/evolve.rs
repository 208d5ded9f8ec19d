//! `evolve`: how each event changes the product state. It never fails: an event that
//! does not fit the state (which `decide` would not have produced) changes only what it
//! can, so replaying any recorded stream, legacy records included, always succeeds.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::events::*;
use crate::rules::Level;
use crate::state::*;

/// The fields of an event that a correction may change, with their values.
///
/// *Decision*: only clerical facts (names, references, texts) are correctable; scores,
/// stars, dates and levels drive rules and are changed only by new evaluation events or
/// a revocation, never by a correction.
pub(crate) fn correctable_fields(body: &EventBody) -> BTreeMap<String, Option<String>> {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: Option<&String>| {
        f.insert(k.to_owned(), v.cloned());
    };
    match body {
        EventBody::ProductRegistered(e) => {
            put("name", Some(&e.name));
            put("producer.name", Some(&e.producer.name));
            put("producer.tax_code", e.producer.tax_code.as_ref());
            put("product_set", Some(&e.product_set));
            put("local_code", e.local_code.as_ref());
        }
        EventBody::LegacyRecognitionImported(e) => {
            put("name", Some(&e.name));
            put("producer.name", Some(&e.producer.name));
            put("local_code", e.local_code.as_ref());
            put("decision_no", Some(&e.decision_no));
            put("authority", Some(&e.authority));
            put("certificate_no", e.certificate_no.as_ref());
        }
        EventBody::RecognitionDecided(e) => {
            put("decision_no", Some(&e.decision_no));
            put("authority", Some(&e.authority));
            put("certificate_no", e.certificate_no.as_ref());
        }
        EventBody::RecognitionRefused(e) => {
            put("decision_no", e.decision_no.as_ref());
            put("authority", Some(&e.authority));
            put("reason", Some(&e.reason));
        }
        EventBody::RecognitionRevoked(e) => {
            put("decision_no", Some(&e.decision_no));
            put("authority", Some(&e.authority));
            put("details", Some(&e.details));
        }
        EventBody::CouncilConvened(e) => put("council_ref", Some(&e.council_ref)),
        EventBody::LocalAssessmentRecorded(e) => {
            put("notes", e.notes.as_ref());
            put("report_ref", e.report_ref.as_ref());
        }
        EventBody::ComplaintReceived(e) => put("summary", Some(&e.summary)),
        EventBody::InspectionRecorded(e) => {
            put("authority", Some(&e.authority));
            put("findings", Some(&e.findings));
        }
        EventBody::ExpiryNoticeIssued(e) => {
            put("letter_no", e.letter_no.as_ref());
            put("letter_date", e.letter_date.map(|d| d.to_string()).as_ref());
        }
        _ => {}
    }
    f
}

pub(crate) fn evolve(mut s: ProductState, event: &Event) -> ProductState {
    s.version += 1;
    s.entries.push(Entry {
        event_id: event.event_id,
        event_type: event.body.event_type().to_owned(),
        fields: correctable_fields(&event.body),
    });
    match &event.body {
        EventBody::ProductRegistered(e) => {
            s.product_id = Some(e.product_id);
            s.name = e.name.clone();
            s.producer = Some(e.producer.clone());
            s.product_group = Some(e.product_group);
            s.product_set = Some(e.product_set.clone());
            s.province = Some(e.province.clone());
            s.commune = e.commune.clone();
            s.district = e.district.clone();
            s.local_code = e.local_code.clone();
            s.registered_on = Some(e.registered_on);
            if s.status == Status::Unregistered {
                s.status = Status::Registered;
            }
        }
        EventBody::EvaluationOpened(e) => {
            if let Some(open) = s.current_evaluation.take() {
                // A round left waiting for the central council is abandoned.
                if let Some(rec) = s.recognition.as_mut() {
                    rec.potential_five_star = false;
                }
                close(&mut s, open, e.opened_on, RoundOutcome::Abandoned);
            }
            s.current_evaluation = Some(EvaluationRound {
                round: e.round,
                kind: e.kind,
                rules_version: e.rules_version.clone(),
                first_level: e.first_level,
                opened_on: e.opened_on,
                legal_basis: e.legal_basis.clone(),
                documents: e.documents.clone(),
                level: e.first_level,
                stage: Stage::Dossier,
                returned_from: None,
                returns: Vec::new(),
                local_assessment: None,
                councils: Vec::new(),
                results: Vec::new(),
                last_step: "evaluation opened".to_owned(),
                last_step_on: e.opened_on,
                end: None,
            });
            s.status = status_without_round_end(&s);
        }
        EventBody::DossierReturned(e) => {
            if let Some(r) = s.current_evaluation.as_mut() {
                r.returned_from = Some(r.stage);
                r.stage = Stage::Returned;
                r.returns.push(DossierReturn {
                    level: e.level,
                    returned_on: e.returned_on,
                    reasons: e.reasons.clone(),
                    amended_on: None,
                });
                step(r, "dossier return", e.returned_on);
            }
        }
        EventBody::DossierAmended(e) => {
            if let Some(r) = s.current_evaluation.as_mut() {
                r.stage = r.returned_from.take().unwrap_or(Stage::Dossier);
                if let Some(ret) = r.returns.last_mut() {
                    ret.amended_on = Some(e.amended_on);
                }
                for doc in &e.documents {
                    match r
                        .documents
                        .iter_mut()
                        .find(|d| d.kind == doc.kind && d.title == doc.title)
                    {
                        Some(old) => *old = doc.clone(),
                        None => r.documents.push(doc.clone()),
                    }
                }
                step(r, "dossier amendment", e.amended_on);
            }
        }
        EventBody::LocalAssessmentRecorded(e) => {
            let mut not_forwarded = None;
            if let Some(r) = s.current_evaluation.as_mut() {
                r.local_assessment = Some(LocalAssessment {
                    event_id: event.event_id,
                    assessed_on: e.assessed_on,
                    forward: e.forward,
                    local_origin: e.local_origin,
                    notes: e.notes.clone(),
                    report_ref: e.report_ref.clone(),
                });
                step(r, "local assessment", e.assessed_on);
                if e.forward {
                    r.level = e.forwarded_to.unwrap_or(Level::Provincial);
                    r.stage = Stage::AwaitingCouncil;
                } else {
                    not_forwarded = Some(e.assessed_on);
                }
            }
            if let Some(on) = not_forwarded {
                end_round(&mut s, on, RoundOutcome::NotForwarded);
            }
        }
        EventBody::CouncilConvened(e) => {
            if let Some(r) = s.current_evaluation.as_mut() {
                r.councils.push(Council {
                    event_id: event.event_id,
                    level: e.level,
                    council_ref: e.council_ref.clone(),
                    convened_on: e.convened_on,
                    members: e.members.clone(),
                    quorum: e.quorum,
                    spread_limit: e.spread_limit,
                    scorecards: Vec::new(),
                });
                r.level = e.level;
                r.stage = Stage::Council;
                step(r, "council meeting", e.convened_on);
            }
        }
        EventBody::ScorecardRecorded(e) => {
            if let Some(council) = s
                .current_evaluation
                .as_mut()
                .and_then(|r| r.councils.iter_mut().rev().find(|c| c.level == e.level))
            {
                let mut card = Scorecard {
                    event_id: event.event_id,
                    member_id: e.member_id.clone(),
                    recorded_on: e.recorded_on,
                    part_a: e.part_a,
                    part_b: e.part_b,
                    part_c: e.part_c,
                    total: e.total,
                    mandatory_failed: e.mandatory_failed.clone(),
                    superseded: Vec::new(),
                };
                match council
                    .scorecards
                    .iter_mut()
                    .find(|c| c.member_id == e.member_id)
                {
                    Some(old) => {
                        card.superseded = std::mem::take(&mut old.superseded);
                        card.superseded.push(old.event_id);
                        *old = card;
                    }
                    None => council.scorecards.push(card),
                }
            }
        }
        EventBody::ScoringConcluded(e) => {
            if let Some(r) = s.current_evaluation.as_mut() {
                r.results.push(ConcludedResult {
                    event_id: event.event_id,
                    level: e.level,
                    concluded_on: e.concluded_on,
                    members_present: e.members_present,
                    mean: e.mean_display.clone(),
                    mean_exact: e.mean,
                    band_stars: e.band_stars,
                    spread: e.spread,
                    mandatory_failed: e.mandatory_failed.clone(),
                    mandatory_blocks_from: e.mandatory_blocks_from,
                    outcome: e.outcome,
                    reopened: None,
                });
                step(r, "scoring conclusion", e.concluded_on);
                match e.outcome {
                    ScoringOutcome::RescoreRequired => r.stage = Stage::Council,
                    ScoringOutcome::Forward { to } => {
                        r.level = to;
                        r.stage = Stage::AwaitingCouncil;
                    }
                    ScoringOutcome::Award { .. } | ScoringOutcome::NotRecognized => {
                        r.stage = Stage::AwaitingDecision;
                    }
                }
            }
        }
        EventBody::ScoringReopened(e) => {
            if let Some(r) = s.current_evaluation.as_mut() {
                if let Some(result) = r
                    .results
                    .iter_mut()
                    .find(|x| x.event_id == e.conclusion_event_id)
                {
                    result.reopened = Some(Reopening {
                        event_id: event.event_id,
                        reopened_on: e.reopened_on,
                        reason: e.reason.clone(),
                    });
                }
                step(r, "scoring re-opening", e.reopened_on);
                r.stage = Stage::Council;
            }
        }
        EventBody::RecognitionDecided(e) => {
            let band_stars = s
                .current_evaluation
                .as_ref()
                .and_then(|r| r.results.iter().rev().find(|x| x.level == e.level))
                .map(|x| x.band_stars);
            let new = Recognition {
                stars: e.stars,
                potential_five_star: e.potential_five_star,
                level: e.level,
                decision_no: e.decision_no.clone(),
                decided_on: e.decided_on,
                authority: e.authority.clone(),
                valid_until: e.valid_until,
                certificate_no: e.certificate_no.clone(),
                rules_version: Some(e.rules_version.clone()),
                round: Some(e.round),
                mean: Some(e.mean.clone()),
                band_stars,
                legacy: false,
                event_id: event.event_id,
                notice_issued_on: None,
                notice: None,
                ended: None,
            };
            // Rule 11: in the re-evaluation of a central 5★, a lower level's award waits
            // for the ministry; a central decision replaces the 5★ (and the award waiting).
            let holds_central = s
                .recognition
                .as_ref()
                .is_some_and(|r| r.level == Level::Central);
            let re_evaluation = s
                .current_evaluation
                .as_ref()
                .is_some_and(|r| r.kind == RoundKind::ReEvaluation);
            if holds_central && re_evaluation && e.level != Level::Central {
                s.pending_recognition = Some(new);
            } else {
                end_pending(&mut s, RecognitionEndReason::Replaced, e.decided_on);
                replace_recognition(&mut s, new);
            }
            s.status = Status::Recognized;
            let forward = e.potential_five_star;
            let mut ended = false;
            if let Some(r) = s.current_evaluation.as_mut() {
                step(r, "decision", e.decided_on);
                if forward {
                    r.level = Level::Central;
                    r.stage = Stage::AwaitingCouncil;
                } else {
                    ended = true;
                }
            }
            if ended {
                end_round(
                    &mut s,
                    e.decided_on,
                    RoundOutcome::Recognized {
                        stars: e.stars,
                        level: e.level,
                    },
                );
            }
        }
        EventBody::RecognitionRefused(e) => {
            if e.level == Level::Central {
                if let Some(rec) = s.recognition.as_mut() {
                    rec.potential_five_star = false;
                }
                // The ministry said "không đạt": the province's award of the re-evaluation
                // replaces the 5★.
                promote_pending(&mut s, e.decided_on);
            }
            end_round(
                &mut s,
                e.decided_on,
                RoundOutcome::Refused { level: e.level },
            );
        }
        EventBody::LegacyRecognitionImported(e) => {
            if s.product_id.is_none() {
                s.product_id = Some(e.product_id);
                s.name = e.name.clone();
                s.producer = Some(e.producer.clone());
                s.product_group = Some(e.product_group);
                s.product_set = e.product_set.clone();
                s.province = Some(e.province.clone());
                s.commune = e.commune.clone();
                s.district = e.district.clone();
                s.local_code = e.local_code.clone();
                s.registered_on = Some(e.decided_on);
            }
            let (mean, band_stars) = match &e.score {
                Some(m) => (
                    Some(m.display()),
                    Some(crate::score::band_stars(m, crate::rules::STAR_BANDS)),
                ),
                None => (None, None),
            };
            replace_recognition(
                &mut s,
                Recognition {
                    stars: e.stars,
                    potential_five_star: e.potential_five_star,
                    level: e.level,
                    decision_no: e.decision_no.clone(),
                    decided_on: e.decided_on,
                    authority: e.authority.clone(),
                    valid_until: e.valid_until,
                    certificate_no: e.certificate_no.clone(),
                    rules_version: e.rules_version.clone(),
                    round: None,
                    mean,
                    band_stars,
                    legacy: true,
                    event_id: event.event_id,
                    notice_issued_on: None,
                    notice: None,
                    ended: None,
                },
            );
            s.status = Status::Recognized;
        }
        EventBody::ExpiryNoticeIssued(e) => {
            if let Some(rec) = s.recognition.as_mut() {
                rec.notice_issued_on = Some(e.issued_on);
                rec.notice = Some(ExpiryNotice {
                    event_id: event.event_id,
                    issued_by: e.issued_by.clone(),
                    letter_no: e.letter_no.clone(),
                    letter_date: e.letter_date,
                });
            }
        }
        EventBody::RecognitionExpired(e) => {
            if let Some(mut rec) = s.recognition.take() {
                rec.potential_five_star = false;
                rec.ended = Some(RecognitionEnd {
                    reason: RecognitionEndReason::Expired,
                    on: e.expired_on,
                });
                s.past_recognitions.push(rec);
            }
            // The 5★ ran out while the ministry had not decided: the province's award of
            // the re-evaluation stands from now.
            promote_pending(&mut s, e.expired_on);
            s.status = if s.recognition.is_some() {
                Status::Recognized
            } else if s.current_evaluation.is_some() {
                Status::InEvaluation
            } else {
                Status::Expired
            };
        }
        EventBody::ComplaintReceived(e) => s.complaints.push(Complaint {
            complaint_id: e.complaint_id,
            received_on: e.received_on,
            source: e.source,
            summary: e.summary.clone(),
            inspections: Vec::new(),
        }),
        EventBody::InspectionRecorded(e) => {
            if let Some(id) = e.complaint_id {
                if let Some(c) = s.complaints.iter_mut().find(|c| c.complaint_id == id) {
                    c.inspections.push(e.inspection_id);
                }
            }
            s.inspections.push(Inspection {
                inspection_id: e.inspection_id,
                inspected_on: e.inspected_on,
                authority: e.authority.clone(),
                findings: e.findings.clone(),
                compliant: e.compliant,
                complaint_id: e.complaint_id,
            });
        }
        EventBody::RecognitionRevoked(e) => {
            end_pending(&mut s, RecognitionEndReason::Revoked, e.decided_on);
            let end = RecognitionEnd {
                reason: RecognitionEndReason::Revoked,
                on: e.decided_on,
            };
            if let Some(mut rec) = s.recognition.take() {
                rec.potential_five_star = false;
                rec.ended = Some(end);
                s.past_recognitions.push(rec);
            } else if let Some(rec) = s.past_recognitions.last_mut() {
                // Revoking an expired recognition (grounds: not re-evaluated).
                if rec.decision_no == e.revoked_decision_no {
                    rec.ended = Some(end);
                }
            }
            s.revocations.push(Revocation {
                event_id: event.event_id,
                level: e.level,
                stars: e.stars,
                revoked_decision_no: e.revoked_decision_no.clone(),
                decision_no: e.decision_no.clone(),
                decided_on: e.decided_on,
                authority: e.authority.clone(),
                grounds: e.grounds.clone(),
                details: e.details.clone(),
            });
            if let Some(open) = s.current_evaluation.take() {
                close(&mut s, open, e.decided_on, RoundOutcome::Abandoned);
            }
            s.status = Status::Revoked;
        }
        EventBody::ProductWithdrawn(e) => {
            end_pending(&mut s, RecognitionEndReason::Withdrawn, e.withdrawn_on);
            if let Some(mut rec) = s.recognition.take() {
                rec.potential_five_star = false;
                rec.ended = Some(RecognitionEnd {
                    reason: RecognitionEndReason::Withdrawn,
                    on: e.withdrawn_on,
                });
                s.past_recognitions.push(rec);
            }
            if let Some(open) = s.current_evaluation.take() {
                close(&mut s, open, e.withdrawn_on, RoundOutcome::Abandoned);
            }
            s.withdrawal = Some(Withdrawal {
                withdrawn_on: e.withdrawn_on,
                reason: e.reason.clone(),
            });
            s.status = Status::Withdrawn;
        }
        EventBody::EntryCorrected(e) => apply_correction(&mut s, event, e),
    }
    s
}

fn step(r: &mut EvaluationRound, name: &str, on: NaiveDate) {
    if on >= r.last_step_on {
        r.last_step = name.to_owned();
        r.last_step_on = on;
    }
}

/// The status while a round is open or after a non-terminal change.
fn status_without_round_end(s: &ProductState) -> Status {
    if s.recognition.is_some() {
        Status::Recognized
    } else if s.current_evaluation.is_some() {
        Status::InEvaluation
    } else {
        s.status
    }
}

/// Ends the award waiting for the ministry (rule 11), if any.
fn end_pending(s: &mut ProductState, reason: RecognitionEndReason, on: NaiveDate) {
    if let Some(mut pending) = s.pending_recognition.take() {
        pending.potential_five_star = false;
        pending.ended = Some(RecognitionEnd { reason, on });
        s.past_recognitions.push(pending);
    }
}

/// Puts the award waiting for the ministry (rule 11) in force from `on`, the standing
/// recognition (if it has not ended) replaced on that day.
fn promote_pending(s: &mut ProductState, on: NaiveDate) {
    let Some(mut pending) = s.pending_recognition.take() else {
        return;
    };
    pending.potential_five_star = false;
    replace_recognition_on(s, pending, on);
}

/// `new` in force from its own decision, the standing recognition replaced that day.
fn replace_recognition(s: &mut ProductState, new: Recognition) {
    let on = new.decided_on;
    replace_recognition_on(s, new, on);
}

/// `new` in force, the standing recognition (if any) ended as replaced on `on`.
fn replace_recognition_on(s: &mut ProductState, new: Recognition, on: NaiveDate) {
    if let Some(mut old) = s.recognition.take() {
        old.potential_five_star = false;
        old.ended = Some(RecognitionEnd {
            reason: RecognitionEndReason::Replaced,
            on,
        });
        s.past_recognitions.push(old);
    }
    s.recognition = Some(new);
}

fn close(s: &mut ProductState, mut round: EvaluationRound, on: NaiveDate, outcome: RoundOutcome) {
    round.stage = Stage::Closed;
    round.end = Some(RoundEnd { on, outcome });
    s.past_evaluations.push(round);
}

/// Ends the open round; the product is recognised if a recognition is still current.
fn end_round(s: &mut ProductState, on: NaiveDate, outcome: RoundOutcome) {
    if let Some(open) = s.current_evaluation.take() {
        close(s, open, on, outcome);
    }
    s.status = if s.recognition.is_some() {
        Status::Recognized
    } else {
        Status::NotRecognized
    };
}

fn apply_correction(s: &mut ProductState, event: &Event, e: &EntryCorrected) {
    let Some(entry) = s
        .entries
        .iter_mut()
        .find(|x| x.event_id == e.corrected_event_id)
    else {
        return;
    };
    entry.fields.insert(e.field.clone(), e.new_value.clone());
    let target = e.corrected_event_id;
    let value = e.new_value.clone();
    let text = value.clone().unwrap_or_default();
    match (e.corrected_event_type.as_str(), e.field.as_str()) {
        ("ProductRegistered" | "LegacyRecognitionImported", "name") => s.name = text,
        ("ProductRegistered" | "LegacyRecognitionImported", "producer.name") => {
            if let Some(p) = s.producer.as_mut() {
                p.name = text;
            }
        }
        ("ProductRegistered", "producer.tax_code") => {
            if let Some(p) = s.producer.as_mut() {
                p.tax_code = value;
            }
        }
        ("ProductRegistered", "product_set") => s.product_set = value,
        ("ProductRegistered" | "LegacyRecognitionImported", "local_code") => s.local_code = value,
        ("RecognitionDecided" | "LegacyRecognitionImported", field) => {
            let recs = s
                .recognition
                .iter_mut()
                .chain(s.past_recognitions.iter_mut());
            for rec in recs.filter(|r| r.event_id == target) {
                match field {
                    "decision_no" => rec.decision_no = text.clone(),
                    "authority" => rec.authority = text.clone(),
                    "certificate_no" => rec.certificate_no = value.clone(),
                    _ => {}
                }
            }
        }
        ("ExpiryNoticeIssued", field) => {
            let recs = s
                .recognition
                .iter_mut()
                .chain(s.past_recognitions.iter_mut());
            for notice in recs
                .filter_map(|r| r.notice.as_mut())
                .filter(|n| n.event_id == target)
            {
                match field {
                    "letter_no" => notice.letter_no = value.clone(),
                    "letter_date" => {
                        notice.letter_date = value.as_deref().and_then(|d| d.parse().ok())
                    }
                    _ => {}
                }
            }
        }
        ("RecognitionRevoked", field) => {
            for rev in s.revocations.iter_mut().filter(|r| r.event_id == target) {
                match field {
                    "decision_no" => rev.decision_no = text.clone(),
                    "authority" => rev.authority = text.clone(),
                    "details" => rev.details = text.clone(),
                    _ => {}
                }
            }
        }
        ("CouncilConvened", "council_ref") => {
            let rounds = s
                .current_evaluation
                .iter_mut()
                .chain(s.past_evaluations.iter_mut());
            for c in rounds
                .flat_map(|r| r.councils.iter_mut())
                .filter(|c| c.event_id == target)
            {
                c.council_ref = text.clone();
            }
        }
        ("LocalAssessmentRecorded", field) => {
            let rounds = s
                .current_evaluation
                .iter_mut()
                .chain(s.past_evaluations.iter_mut());
            for a in rounds
                .filter_map(|r| r.local_assessment.as_mut())
                .filter(|a| a.event_id == target)
            {
                match field {
                    "notes" => a.notes = value.clone(),
                    "report_ref" => a.report_ref = value.clone(),
                    _ => {}
                }
            }
        }
        ("ComplaintReceived", "summary") => {
            for c in s.complaints.iter_mut().filter(|c| c.complaint_id == target) {
                c.summary = text.clone();
            }
        }
        ("InspectionRecorded", field) => {
            for i in s
                .inspections
                .iter_mut()
                .filter(|i| i.inspection_id == target)
            {
                match field {
                    "authority" => i.authority = text.clone(),
                    "findings" => i.findings = text.clone(),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    s.corrections.push(Correction {
        event_id: event.event_id,
        corrected_event_id: e.corrected_event_id,
        field: e.field.clone(),
        old_value: e.old_value.clone(),
        new_value: e.new_value.clone(),
        reason: e.reason.clone(),
        corrected_on: e.corrected_on,
    });
}
