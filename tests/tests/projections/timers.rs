//! Timers: every notice and expiry exactly once, across repeated and overlapping runs.

use chrono::NaiveDate;
use ocop_domain::validity;
use ocop_projections::timers::run_timers;
use ocop_testkit::sample::Path;

use super::support::{TestDb, drive, lifecycle};
use crate::on_both_stores;

async fn count_events(db: &TestDb, event_type: &str) -> usize {
    let mut n = 0;
    let mut after = 0;
    loop {
        let page = db.backend.store.read_all(after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.global_position;
        n += page.iter().filter(|e| e.event_type == event_type).count();
    }
    n
}

async fn timers_issue_each_notice_and_expiry_once(db: &TestDb) {
    let service = db.service();
    let runner = db.runner(64).await;
    let mut lives = Vec::new();
    for i in 0..8 {
        let life = lifecycle(100 + i, Path::Recognized);
        drive(&service, &life, 0..life.steps.len()).await;
        lives.push(life);
    }
    let mut valid_untils = Vec::new();
    for life in &lives {
        let state = service.load(life.product_id).await.unwrap().state;
        valid_untils.push(state.recognition.unwrap().valid_until);
    }
    valid_untils.sort();
    // A day on which some notices are due and no recognition has expired yet.
    let today: NaiveDate =
        validity::notice_on(valid_untils[valid_untils.len() / 2]).min(valid_untils[0]);
    assert!(today < validity::expires_on(valid_untils[0]));
    let due_notices = valid_untils
        .iter()
        .filter(|v| validity::notice_on(**v) <= today)
        .count();

    assert!(due_notices > 0);
    // A dry run lists exactly what the run then records.
    let listed = ocop_projections::timers::due_on(&runner, today)
        .await
        .unwrap();
    assert_eq!(listed.len(), due_notices);
    let first = run_timers(&runner, &service, today).await.unwrap();
    assert_eq!(first.notices_issued as usize, due_notices);
    assert_eq!(
        first.due as usize, due_notices,
        "`due` counts the products due"
    );
    assert_eq!(first.expiries_issued, 0);
    let second = run_timers(&runner, &service, today).await.unwrap();
    assert_eq!(second.notices_issued + second.expiries_issued, 0);
    assert_eq!(count_events(db, "ExpiryNoticeIssued").await, due_notices);

    // Two overlapping runs after every recognition has expired.
    let later = validity::expires_on(*valid_untils.last().unwrap());
    let (a, b) = tokio::join!(
        run_timers(&runner, &service, later),
        run_timers(&runner, &service, later)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.failed, b.failed), (0, 0));
    assert_eq!(
        (a.expiries_issued + b.expiries_issued) as usize,
        lives.len(),
        "{a:?} {b:?}"
    );
    assert_eq!(count_events(db, "RecognitionExpired").await, lives.len());
    assert_eq!(count_events(db, "ExpiryNoticeIssued").await, due_notices);
    let third = run_timers(&runner, &service, later).await.unwrap();
    assert_eq!(third.notices_issued + third.expiries_issued, 0);
    assert!(db.reads().due_timers(later, 100).await.unwrap().is_empty());
    for life in &lives {
        let state = service.load(life.product_id).await.unwrap().state;
        assert_eq!(state.status.as_str(), "expired");
    }
}

on_both_stores!(
    timers_once_on_sqlite,
    timers_once_on_postgres,
    timers_issue_each_notice_and_expiry_once
);

/// A timer whose key another command holds (a record from before client keys of the
/// server's kind were refused) still issues its notice and its expiry, once each.
async fn a_timer_whose_key_is_taken_still_issues(db: &TestDb) {
    use ocop_projections::command::service::ExecuteOptions;
    use ocop_projections::timers::timer_key;
    let service = db.service();
    let runner = db.runner(64).await;
    let life = lifecycle(300, Path::Recognized);
    drive(&service, &life, 0..life.steps.len()).await;
    let recognition = service
        .load(life.product_id)
        .await
        .unwrap()
        .state
        .recognition
        .unwrap();
    // Another product's registration recorded under both of the timer's keys.
    for (n, kind) in [(301, "expiry_notice"), (302, "expiry")] {
        let other = lifecycle(n, Path::Recognized);
        let (key, _) = timer_key(life.product_id, recognition.event_id, kind);
        service
            .execute(
                other.command(0, uuid::Uuid::now_v7()),
                ExecuteOptions::new(key, format!("{:0>64}", n)),
            )
            .await
            .unwrap()
            .unwrap();
    }
    let notice_day = validity::notice_on(recognition.valid_until);
    let first = run_timers(&runner, &service, notice_day).await.unwrap();
    assert_eq!((first.notices_issued, first.failed), (1, 0), "{first:?}");
    let expiry_day = validity::expires_on(recognition.valid_until);
    let second = run_timers(&runner, &service, expiry_day).await.unwrap();
    assert_eq!(
        (second.expiries_issued, second.failed),
        (1, 0),
        "{second:?}"
    );
    let again = run_timers(&runner, &service, expiry_day).await.unwrap();
    assert_eq!(again.notices_issued + again.expiries_issued, 0);
    assert_eq!(count_events(db, "ExpiryNoticeIssued").await, 1);
    assert_eq!(count_events(db, "RecognitionExpired").await, 1);
    let state = service.load(life.product_id).await.unwrap().state;
    assert_eq!(state.status.as_str(), "expired");
}

on_both_stores!(
    a_timer_whose_key_is_taken_still_issues_on_sqlite,
    a_timer_whose_key_is_taken_still_issues_on_postgres,
    a_timer_whose_key_is_taken_still_issues
);
