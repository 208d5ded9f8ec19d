//! Complaints and inspections.

use super::*;

pub(super) fn complaint_body(on: &str) -> CommandBody {
    CommandBody::RecordComplaint(RecordComplaint {
        received_on: d(on),
        source: ComplaintSource::Press,
        summary: "báo phản ánh nhãn mác".into(),
    })
}

fn inspection_body(on: &str, complaint_id: Option<Uuid>) -> CommandBody {
    CommandBody::RecordInspection(RecordInspection {
        inspected_on: d(on),
        authority: "Chi cục QLCL Lâm Đồng".into(),
        findings: "nhãn chưa đúng".into(),
        compliant: false,
        complaint_id,
    })
}

#[test]
fn an_inspector_records_a_complaint_in_any_state_after_registration() {
    let mut s = Scenario::lam_dong();
    s.register("2025-08-01");
    let event = s
        .when(inspector("province:68"), complaint_body("2025-08-10"))
        .then_accepted();
    let EventBody::ComplaintReceived(e) = event else {
        panic!()
    };
    assert_eq!(e.source, ComplaintSource::Press);
    s.run(inspector("national"), complaint_body("2025-08-10"));
    assert_eq!(s.state.complaints.len(), 1);
    assert_eq!(s.state.complaints[0].complaint_id, s.last_event_id());
}

#[test]
fn an_inspector_of_another_province_cannot_record_a_complaint() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(inspector("province:01"), complaint_body("2025-10-10"))
        .then_rejected("forbidden");
}

#[test]
fn an_inspection_answers_a_recorded_complaint() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(inspector("province:68"), complaint_body("2025-10-10"));
    let complaint = s.last_event_id();
    s.run(
        s.province_secretary(),
        inspection_body("2025-10-20", Some(complaint)),
    );
    assert_eq!(s.state.complaints[0].inspections, vec![s.last_event_id()]);
    assert!(!s.state.inspections[0].compliant);
}

#[test]
fn an_inspection_naming_an_unknown_complaint_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let ghost = Uuid::from_u128(0xDEAD);
    s.when(
        inspector("national"),
        inspection_body("2025-10-20", Some(ghost)),
    )
    .then_error(DomainError::UnknownComplaint {
        complaint_id: ghost,
    });
}

#[test]
fn an_inspection_without_findings_is_rejected() {
    let mut s = Scenario::recognized_4_stars_2025();
    let CommandBody::RecordInspection(mut body) = inspection_body("2025-10-20", None) else {
        unreachable!()
    };
    body.findings = String::new();
    s.when(inspector("national"), CommandBody::RecordInspection(body))
        .then_error(DomainError::RequiredFieldMissing {
            field: "findings".into(),
        });
}
