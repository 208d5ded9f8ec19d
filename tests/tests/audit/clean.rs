//! Clean lifecycles, every step through the domain, audit with no findings.

use ocop_domain::CommandBody;
use ocop_domain::commands::RevokeRecognition;
use ocop_domain::events::{RevocationGround, RoundKind};
use ocop_domain::rules::Level;
use ocop_projections::audit::{self, AuditFilter};
use ocop_projections::import::legacy::{self as legacy_import, ImportOptions};
use uuid::Uuid;

use super::support::*;

/// qd1489-2025: commune → provincial 4★ with the potential-5★ flag → central 5★.
async fn five_stars_through_the_central_council(fx: &Fx) -> Uuid {
    let id = Uuid::now_v7();
    awaiting_the_central_council(fx, id).await;
    five_stars_from_the_central_council(fx, id, 7, 5, &[91, 92, 93, 90, 94, 91, 92]).await;
    id
}

/// A spread over the limit, re-scored, recognised 4★, then revoked by the same province.
async fn rescored_recognised_and_revoked(fx: &Fx) -> Uuid {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[60, 75, 70, 72, 68], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    card(fx, id, &secretary(), 1, 70, &[], "2025-09-17").await;
    conclude(fx, id, &secretary(), "2025-09-17").await;
    decide(
        fx,
        id,
        &secretary(),
        Some(4),
        "160/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
    fx.run(
        id,
        &secretary(),
        CommandBody::RevokeRecognition(RevokeRecognition {
            decided_on: d("2026-03-01"),
            decision_no: "301/QĐ-UBND".into(),
            authority: AUTHORITY.into(),
            grounds: vec![RevocationGround::FoodSafetyViolation],
            details: "Vi phạm an toàn thực phẩm".into(),
        }),
    )
    .await;
    id
}

/// A mean of 45: refused.
async fn refused(fx: &Fx) -> Uuid {
    let id = Uuid::now_v7();
    scored_provincially(fx, id, &[45, 44, 46, 43, 47], &[]).await;
    conclude(fx, id, &secretary(), "2025-09-16").await;
    decide(
        fx,
        id,
        &secretary(),
        None,
        "170/QĐ-UBND",
        AUTHORITY,
        "2025-10-01",
    )
    .await;
    id
}

/// qd148-2023: a district council awards 3★.
async fn district_three_stars_under_qd148(fx: &Fx) -> Uuid {
    let id = Uuid::now_v7();
    register(fx, id, "2024-01-10", true).await;
    open(fx, id, RoundKind::Initial, "2024-03-01").await;
    council(
        fx,
        id,
        &district_secretary(),
        Level::District,
        5,
        4,
        &[60, 62, 58, 61, 59],
        &[],
        "2024-03-15",
    )
    .await;
    conclude(fx, id, &district_secretary(), "2024-03-16").await;
    decide(
        fx,
        id,
        &district_secretary(),
        Some(3),
        "45/QĐ-UBND",
        "UBND huyện Đắk Song",
        "2024-04-01",
    )
    .await;
    id
}

/// qd148-2023: a district 3★ of 2023, expired by the timer in 2026 and then revoked by the
/// province, which took over the districts' records.
async fn district_award_expired_then_revoked_by_the_province(fx: &Fx) -> Uuid {
    use ocop_domain::commands::{ExpireRecognition, IssueExpiryNotice};
    let id = Uuid::now_v7();
    register(fx, id, "2023-02-25", true).await;
    open(fx, id, RoundKind::Initial, "2023-03-01").await;
    council(
        fx,
        id,
        &district_secretary(),
        Level::District,
        5,
        4,
        &[55, 57, 53, 56, 54],
        &[],
        "2023-03-15",
    )
    .await;
    conclude(fx, id, &district_secretary(), "2023-03-16").await;
    decide(
        fx,
        id,
        &district_secretary(),
        Some(3),
        "12/QĐ-UBND",
        "UBND huyện Đắk Song",
        "2023-04-01",
    )
    .await;
    let system = ocop_domain::Actor::system();
    fx.run(
        id,
        &system,
        CommandBody::IssueExpiryNotice(IssueExpiryNotice {
            today: d("2026-03-02"),
        }),
    )
    .await;
    fx.run(
        id,
        &system,
        CommandBody::ExpireRecognition(ExpireRecognition {
            today: d("2026-04-02"),
        }),
    )
    .await;
    fx.run(
        id,
        &secretary(),
        CommandBody::RevokeRecognition(RevokeRecognition {
            decided_on: d("2026-05-01"),
            decision_no: "402/QĐ-UBND".into(),
            authority: AUTHORITY.into(),
            grounds: vec![RevocationGround::NotReEvaluated],
            details: "Hết hạn, không đánh giá lại".into(),
        }),
    )
    .await;
    id
}

const COMPLETE_LEGACY: &str = "province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,valid_until\n\
68,672,24730,68-672-24730-1-2023,Cà phê Arabica Cầu Đất,HTX Cầu Đất,cooperative,drinks,4,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15\n";

async fn clean_lifecycles_audit_with_no_findings(fx: &Fx) {
    let products = [
        five_stars_through_the_central_council(fx).await,
        rescored_recognised_and_revoked(fx).await,
        refused(fx).await,
        district_three_stars_under_qd148(fx).await,
        district_award_expired_then_revoked_by_the_province(fx).await,
    ];
    let report = legacy_import::import_csv(
        &fx.service(),
        COMPLETE_LEGACY.as_bytes(),
        &ImportOptions::admin("admin", "lam-dong.csv"),
    )
    .await
    .unwrap();
    assert_eq!(
        (report.imported, report.rejected.len()),
        (1, 0),
        "{report:?}"
    );

    let mut decisions = 0;
    for id in products {
        let audit = fx.audit(id).await;
        assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
        assert!(audit.decisions.iter().all(|d| d.rederived.allowed));
        decisions += audit.decisions.len();
    }
    assert_eq!(decisions, 8);

    let report = audit::audit_decisions(
        &fx.reads(),
        &AuditFilter {
            province: Some(PROVINCE.into()),
            ..AuditFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.decisions_checked, 9);
    assert_eq!(report.decisions_with_findings, 0, "{report:#?}");
    assert!(report.findings_by_code.is_empty());

    // The re-derived outcome of the provincial decision of a mean of 92.
    let first = &report.decisions[0];
    assert_eq!(first.kind, "recognized");
    assert_eq!(first.rederived.mean.as_deref(), Some("92.00"));
    assert_eq!(first.rederived.band_stars, Some(5));
    assert_eq!(first.rederived.max_stars, Some(4));
    assert_eq!(first.rederived.potential_five_star, Some(true));
    assert_eq!(
        first.rederived.rules_version.as_deref(),
        Some("qd1489-2025")
    );
    // The district 3★ is judged under its round's qd148-2023, not today's rules.
    let district = report
        .decisions
        .iter()
        .find(|d| d.level.as_deref() == Some("district"))
        .unwrap();
    assert_eq!(
        district.rederived.rules_version.as_deref(),
        Some("qd148-2023")
    );

    // Filters: by rule version and by decision date.
    let only_148 = audit::audit_decisions(
        &fx.reads(),
        &AuditFilter {
            rules_version: Some("qd148-2023".into()),
            ..AuditFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        only_148.decisions_checked, 3,
        "the two district 3★ and the legacy 4★"
    );
    let in_2026 = audit::audit_decisions(
        &fx.reads(),
        &AuditFilter {
            from: Some(d("2026-01-01")),
            to: Some(d("2026-12-31")),
            ..AuditFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(in_2026.decisions_checked, 2, "the two revocations");

    let table = ocop_api::audit_report::render_table(&report.decisions);
    assert!(table.starts_with("POSITION"), "{table}");
    let named = report.decisions[0]
        .name
        .clone()
        .expect("the product's name");
    assert!(
        table.contains(&named),
        "products by name, not by id: {table}"
    );
    assert!(
        !table.contains(&report.decisions[0].product_id.to_string()),
        "{table}"
    );
    assert!(
        table.contains("9 decision(s) checked, 0 with findings"),
        "{table}"
    );
    let csv = ocop_api::audit_report::render_csv(&report.decisions);
    assert_eq!(csv.lines().count(), 10, "{csv}");
    assert!(csv.contains("2361/QĐ-BNNMT"));
    assert!(
        csv.starts_with("\u{feff}global_position,"),
        "a byte-order mark, for spreadsheets"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["decisions"][0]["findings"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_clean_lifecycles_on_sqlite_when_audited_then_no_findings() {
    let fx = Fx::new(Kind::Sqlite).await;
    clean_lifecycles_audit_with_no_findings(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_clean_lifecycles_on_postgres_when_audited_then_no_findings() {
    let fx = Fx::new(Kind::Postgres).await;
    clean_lifecycles_audit_with_no_findings(&fx).await;
    fx.close().await;
}

/// The sample lifecycles of every path (recognition, supervision, revocation, expiry,
/// re-evaluation, refusal, withdrawal) audit clean, except that a decision the sample dates
/// after today is reported as recorded before it was signed.
async fn sample_lifecycles_audit_clean(fx: &Fx) {
    use ocop_testkit::sample::{Lifecycle, path_of};
    let service = fx.service();
    for n in 0..20 {
        let life = Lifecycle::new(n, Uuid::now_v7(), path_of(n));
        for i in 0..life.steps.len() {
            service
                .execute(
                    life.command(i, Uuid::now_v7()),
                    ocop_projections::command::service::ExecuteOptions::new(
                        Uuid::now_v7(),
                        format!("{:064x}", Uuid::now_v7().as_u128()),
                    ),
                )
                .await
                .unwrap()
                .unwrap();
        }
    }
    fx.catch_up().await;
    let report = audit::audit_decisions(&fx.reads(), &AuditFilter::default())
        .await
        .unwrap();
    assert!(
        report.decisions_checked >= 20,
        "{}",
        report.decisions_checked
    );
    let today = chrono::Utc::now().date_naive();
    for d in &report.decisions {
        let decided_on: chrono::NaiveDate = d.decided_on.as_deref().unwrap().parse().unwrap();
        let expected: Vec<&str> = if decided_on > today {
            vec!["decision_after_recording"]
        } else {
            vec![]
        };
        let codes: Vec<&str> = d.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, expected, "{d:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_the_sample_lifecycles_on_sqlite_when_audited_then_only_future_dates_are_reported() {
    let fx = Fx::new(Kind::Sqlite).await;
    sample_lifecycles_audit_clean(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_the_sample_lifecycles_on_postgres_when_audited_then_only_future_dates_are_reported()
{
    let fx = Fx::new(Kind::Postgres).await;
    sample_lifecycles_audit_clean(&fx).await;
    fx.close().await;
}
