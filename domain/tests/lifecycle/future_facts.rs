//! Rule 9: no future facts.

use super::*;

/// A command issued at `issued_at` (UTC).
fn issued(
    s: &mut Scenario,
    actor: fn(&Scenario) -> Actor,
    body: CommandBody,
    issued_at: &str,
) -> Command {
    let actor = actor(s);
    let mut command = s.command(actor, body);
    command.meta.issued_at = issued_at.parse().unwrap();
    command
}

#[test]
fn a_decision_dated_after_today_in_vietnam_is_refused_naming_the_field() {
    let mut s = Scenario::provincial_council_2025();
    s.cards(&[80, 80, 80], "2025-09-10").conclude("2025-09-12");
    // 2025-09-15 10:00 in Vietnam: a decision of 2025-10-15 has not happened yet; the same
    // decision dated that day is recorded.
    let command = issued(
        &mut s,
        Scenario::province_secretary,
        Scenario::decision_body(4, "2025-10-15"),
        "2025-09-15T03:00:00Z",
    );
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::DateInFuture {
            field: "decided_on".into(),
            date: d("2025-10-15"),
            today: d("2025-09-15"),
        });
    let command = issued(
        &mut s,
        Scenario::province_secretary,
        Scenario::decision_body(4, "2025-09-15"),
        "2025-09-15T03:00:00Z",
    );
    given(s.events.clone()).when(command).then_accepted();
}

#[test]
fn today_is_the_day_in_vietnam_not_in_utc() {
    let mut s = Scenario::lam_dong();
    // 17:30 UTC on 31 Jul is already 1 Aug in Vietnam (UTC+7): a registration of 1 Aug is
    // of today, one of 2 Aug is not.
    let today = s.register_body("2025-08-01");
    let command = issued(&mut s, Scenario::officer, today, "2025-07-31T17:30:00Z");
    given(s.events.clone()).when(command).then_accepted();
    let tomorrow = s.register_body("2025-08-02");
    let command = issued(&mut s, Scenario::officer, tomorrow, "2025-07-31T17:30:00Z");
    given(s.events.clone())
        .when(command)
        .then_error(DomainError::DateInFuture {
            field: "registered_on".into(),
            date: d("2025-08-02"),
            today: d("2025-08-01"),
        });
    // 16:59 UTC is still 31 Jul in Vietnam.
    let today = s.register_body("2025-08-01");
    let command = issued(&mut s, Scenario::officer, today, "2025-07-31T16:59:00Z");
    given(s.events.clone())
        .when(command)
        .then_rejected("date_in_future");
}

#[test]
fn every_business_date_of_every_command_is_checked() {
    let mut s = Scenario::recognized_4_stars_2025();
    // Issued on 2026-01-15 (support::issued_at); each body dated a day later is refused.
    let later = "2026-01-16";
    let bodies = [
        s.register_body(later),
        Scenario::open_body(RoundKind::Upgrade, later),
        Scenario::decision_body(4, later),
        CommandBody::RecordComplaint(RecordComplaint {
            received_on: d(later),
            source: ComplaintSource::Consumer,
            summary: "Nhãn sai".into(),
        }),
        CommandBody::RecordInspection(RecordInspection {
            inspected_on: d(later),
            authority: "Sở NN&PTNT".into(),
            findings: "—".into(),
            compliant: true,
            complaint_id: None,
        }),
        CommandBody::WithdrawProduct(WithdrawProduct {
            withdrawn_on: d(later),
            reason: "ngừng sản xuất".into(),
        }),
    ];
    for body in bodies {
        let expected_field = body.business_dates()[0].0;
        let command = issued(
            &mut s,
            Scenario::province_secretary,
            body,
            "2026-01-15T03:00:00Z",
        );
        let err = given(s.events.clone())
            .when(command)
            .then_rejected("date_in_future");
        assert_eq!(
            err,
            DomainError::DateInFuture {
                field: expected_field.into(),
                date: d(later),
                today: d("2026-01-15"),
            }
        );
    }
}

#[test]
fn an_auditor_writes_nothing() {
    let mut s = Scenario::recognized_4_stars_2025();
    let body = CommandBody::RecordComplaint(RecordComplaint {
        received_on: d("2025-10-01"),
        source: ComplaintSource::Consumer,
        summary: "nhãn sai".into(),
    });
    let err = s.when(auditor(), body).then_rejected("forbidden");
    assert!(err.is_forbidden());
}
