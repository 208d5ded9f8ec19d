//! After the decision: complaints, inspections, revocation, withdrawal, corrections and the
//! expiry timers.

use chrono::NaiveDate;

use crate::authorization::Grant;
use crate::commands::*;
use crate::error::DomainError;
use crate::events::*;
use crate::rules::Level;
use crate::state::{Recognition, Status};
use crate::validity;

use super::*;

impl<'a> Ctx<'a> {
    pub(super) fn complaint(&self, c: &RecordComplaint) -> Result<EventBody, DomainError> {
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

    pub(super) fn inspection(&self, c: &RecordInspection) -> Result<EventBody, DomainError> {
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

    pub(super) fn revocable(&self) -> Option<&'a Recognition> {
        self.s
            .recognition
            .as_ref()
            .or_else(|| self.s.expired_recognition())
    }

    pub(super) fn revoke(&self, c: &RevokeRecognition) -> Result<EventBody, DomainError> {
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

    pub(super) fn withdraw(&self, c: &WithdrawProduct) -> Result<EventBody, DomainError> {
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

    pub(super) fn correct(&self, c: &CorrectEntry) -> Result<EventBody, DomainError> {
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

    pub(super) fn expiry_notice(&self, today: NaiveDate) -> Result<EventBody, DomainError> {
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

    pub(super) fn expire(&self, today: NaiveDate) -> Result<EventBody, DomainError> {
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
