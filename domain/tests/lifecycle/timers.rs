//! Timers.

use super::*;

fn notice(today: &str) -> CommandBody {
    CommandBody::IssueExpiryNotice(IssueExpiryNotice { today: d(today) })
}
pub(super) fn expire(today: &str) -> CommandBody {
    CommandBody::ExpireRecognition(ExpireRecognition { today: d(today) })
}

#[test]
fn the_expiry_notice_is_issued_30_days_before_valid_until_and_only_once() {
    let mut s = Scenario::recognized_4_stars_2025(); // valid through 2028-09-20
    s.when(system(), notice("2028-08-20"))
        .then_error(DomainError::NoticeNotDue {
            due_on: d("2028-08-21"),
            today: d("2028-08-20"),
        });
    let event = s.when(system(), notice("2028-08-21")).then_accepted();
    assert_eq!(
        event,
        EventBody::ExpiryNoticeIssued(ExpiryNoticeIssued {
            decision_no: "156/QĐ-UBND".into(),
            valid_until: d("2028-09-20"),
            due_on: d("2028-08-21"),
            issued_on: d("2028-08-21"),
            issued_by: Some("UBND tỉnh Lâm Đồng".into()),
            letter_no: None,
            letter_date: None,
        })
    );
    s.run(system(), notice("2028-08-21"));
    s.when(system(), notice("2028-08-22"))
        .then_error(DomainError::NoticeAlreadyIssued {
            issued_on: d("2028-08-21"),
        });
}

/// Given a 4★ recognised by UBND tỉnh Lâm Đồng, when the timer issues its expiry notice,
/// then the notice names that authority as its issuer; and when the authority's letter is
/// sent, a correction of the notice records its number and date (not a date to come).
#[test]
fn the_expiry_notice_names_who_issues_it_and_later_carries_its_letter() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.run(system(), notice("2028-08-21"));
    let rec = s.state.recognition.clone().unwrap();
    let n = rec.notice.clone().unwrap();
    assert_eq!(n.issued_by.as_deref(), Some(rec.authority.as_str()));
    assert_eq!((n.letter_no.as_deref(), n.letter_date), (None, None));
    let secretary = s.province_secretary();
    let mut on_day = |body: CommandBody| {
        let mut c = s.command(secretary.clone(), body);
        c.meta.issued_at = "2028-08-25T03:00:00Z".parse().unwrap();
        c
    };
    let later = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("2028-08-30"),
    ));
    let wrong = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("24/08/2028"),
    ));
    let number = on_day(correction_body(n.event_id, "letter_no", Some("88/TB-UBND")));
    let date = on_day(correction_body(
        n.event_id,
        "letter_date",
        Some("2028-08-24"),
    ));
    assert_eq!(
        ocop_domain::decide(&s.state, &later).unwrap_err().code(),
        "date_in_future"
    );
    assert_eq!(
        ocop_domain::decide(&s.state, &wrong).unwrap_err().code(),
        "required_field_missing"
    );
    for command in [number, date] {
        let events = ocop_domain::decide(&s.state, &command).unwrap();
        s.state = ocop_domain::fold_from(s.state.clone(), &events);
    }
    let n = s.state.recognition.unwrap().notice.unwrap();
    assert_eq!(n.letter_no.as_deref(), Some("88/TB-UBND"));
    assert_eq!(n.letter_date, Some(d("2028-08-24")));
}

#[test]
fn the_recognition_expires_the_day_after_valid_until_and_only_once() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(system(), expire("2028-09-20"))
        .then_error(DomainError::ExpiryNotDue {
            expires_on: d("2028-09-21"),
            today: d("2028-09-20"),
        });
    s.run(system(), expire("2028-09-21"));
    assert_eq!(s.state.status, Status::Expired);
    assert!(s.state.recognition.is_none());
    assert_eq!(
        s.state.past_recognitions[0].ended.unwrap().reason,
        RecognitionEndReason::Expired
    );
    s.when(system(), expire("2028-09-22"))
        .then_error(DomainError::NoRecognition);
}

#[test]
fn a_recognition_expiring_during_a_re_evaluation_leaves_the_product_in_evaluation() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.open(RoundKind::ReEvaluation, "2028-07-01")
        .run(system(), expire("2028-09-21"));
    assert_eq!(s.state.status, Status::InEvaluation);
}

#[test]
fn timers_are_run_only_by_the_system_or_an_admin() {
    let mut s = Scenario::recognized_4_stars_2025();
    s.when(s.province_secretary(), notice("2028-08-21"))
        .then_rejected("forbidden");
    s.when(admin(), notice("2028-08-21")).then_accepted();
}

#[test]
fn the_timer_knows_what_is_due_on_each_day() {
    use ocop_domain::timers::{TimerAction, due, next_due_on};
    let mut s = Scenario::recognized_4_stars_2025();
    assert_eq!(due(&s.state, d("2028-08-20")), None);
    assert_eq!(next_due_on(&s.state), Some(d("2028-08-21")));
    assert_eq!(
        due(&s.state, d("2028-08-21")),
        Some(TimerAction::IssueExpiryNotice {
            today: d("2028-08-21")
        })
    );
    // Long timer outage: the expiry wins over a pointless notice.
    assert_eq!(
        due(&s.state, d("2028-10-01")),
        Some(TimerAction::ExpireRecognition {
            today: d("2028-10-01")
        })
    );
    s.run(system(), notice("2028-08-21"));
    assert_eq!(due(&s.state, d("2028-09-20")), None);
    assert_eq!(next_due_on(&s.state), Some(d("2028-09-21")));
    let action = due(&s.state, d("2028-09-21")).unwrap();
    s.run(system(), action.command_body());
    assert_eq!(due(&s.state, d("2028-12-01")), None);
}
