//! The legacy CSV import: bad rows reported at their physical line with a precise reason and
//! recording nothing, good rows imported, a second import recording nothing; and what the
//! audit then finds in each legacy record.

use std::collections::BTreeMap;

use ocop_projections::audit::{self, AuditFilter};
use ocop_projections::import::legacy::{
    self as legacy_import, ImportError, ImportOptions, RowError,
};

use super::support::*;

const HEADER: &str = "province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,valid_until";

/// Lines of the test file (line 1 is the header; line 5 spans two physical lines).
fn file() -> String {
    let lines = [
        // 2: complete and consistent.
        "68,672,24730,68-672-24730-1-2023,Cà phê Arabica Cầu Đất,HTX Cầu Đất,cooperative,drinks,4,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15",
        // 3: no score.
        "68,672,24730,68-672-24730-2-2023,Mật ong hoa cà phê,HTX Đắk Song,Hợp tác xã,Thực phẩm,3,,89/QĐ-UBND,2023-07-01,UBND tỉnh Lâm Đồng,2026-07-01",
        // 4: six stars.
        "68,672,24730,x,Rượu cần,Hộ Y Bih,household_business,drinks,6,80,97/QĐ-UBND,2023-07-01,UBND tỉnh Lâm Đồng,",
        // 5–6: a quoted name with a comma and a line break; 3★ for 75.5 points.
        "68,672,24730,68-672-24730-3-2022,\"Trà Shan tuyết, cổ thụ\nloại 1\",\"HTX \"\"Tà Xùa\"\"\",cooperative,drinks,3,\"75,5\",90/QĐ-UBND,10/05/2022,UBND tỉnh Lâm Đồng,2025-05-10",
        // 7: a one-digit province.
        "6,672,24730,y,Gạo ST25,HTX Mỹ Xuyên,cooperative,food,4,80,91/QĐ-UBND,2023-07-01,UBND tỉnh Sóc Trăng,",
        // 8: 30 February.
        "68,672,24730,z,Hạt điều rang muối,HTX Bù Đăng,cooperative,food,4,80,92/QĐ-UBND,2023-02-30,UBND tỉnh Lâm Đồng,",
        // 9: thirteen fields.
        "68,672,24730,Tinh dầu quế,HTX Trà Bồng,cooperative,medicinal_herbs,4,80,98/QĐ-UBND,2023-07-01,UBND tỉnh Lâm Đồng,",
        // 10: 5★ for 72 points — stars above the band, imported as written and flagged.
        "68,672,24730,w,Chả cá thu,Công ty TNHH Biển Xanh,enterprise,food,5,72,99/QĐ-UBND,2023-07-01,Bộ Nông nghiệp và Phát triển nông thôn,",
        // 11: the list's validity date is a day late.
        "68,672,24730,68-672-24730-4-2023,Bánh tráng phơi sương,Hộ Nguyễn Văn Bình,household_business,food,3,62,93/QĐ-UBND,2023-01-31,UBND tỉnh Lâm Đồng,2026-02-01",
        // 12: no commune and no local code.
        "68,672,,,Nước mắm truyền thống,Tổ hợp tác Phan Thiết,cooperative_group,food,4,78,94/QĐ-UBND,2024-03-01,UBND tỉnh Lâm Đồng,2027-03-01",
        // 13: decided before the first rule version.
        "68,672,24730,68-672-24730-5-2018,Cà phê Robusta,HTX Di Linh,cooperative,drinks,4,72,95/QĐ-UBND,2018-12-01,UBND tỉnh Lâm Đồng,2021-12-01",
        // 14: decided in 2030, a decision that has not happened yet (rule 9).
        "68,,24730,68-24730-6-2030,Dâu tây Đà Lạt,HTX Xuân Thọ,cooperative,food,4,80,96/QĐ-UBND,2030-01-15,UBND tỉnh Lâm Đồng,2033-01-15",
        // 15: blank.
        "",
        // 16: a score over 100.
        "68,672,24730,v,Trà atiso,HTX Đà Lạt,cooperative,drinks,4,101,100/QĐ-UBND,2023-07-01,UBND tỉnh Lâm Đồng,",
        // 17: an unknown producer kind.
        "68,672,24730,u,Rau sạch,Ngân hàng X,ngân hàng,food,4,80,101/QĐ-UBND,2023-07-01,UBND tỉnh Lâm Đồng,",
        // 18: line 2 again.
        "68,672,24730,68-672-24730-1-2023,Cà phê Arabica Cầu Đất,HTX Cầu Đất,cooperative,drinks,4,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15",
        // 19: line 2's product and decision with 3★.
        "68,672,24730,68-672-24730-1-2023,Cà phê Arabica Cầu Đất,HTX Cầu Đất,cooperative,drinks,3,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15",
        // 20: a quote never closed.
        "68,672,24730,t,\"Bánh pía,HTX Vũng Thơm,cooperative,food,4,80,102/QĐ-UBND,2023-07-01,UBND tỉnh Sóc Trăng,",
    ];
    format!("\u{feff}{HEADER}\r\n{}\r\n", lines.join("\r\n"))
}

fn rejected_lines(rejected: &[RowError]) -> Vec<u64> {
    rejected.iter().map(|r| r.line).collect()
}

fn reason(rejected: &[RowError], line: u64) -> &str {
    &rejected
        .iter()
        .find(|r| r.line == line)
        .unwrap_or_else(|| panic!("line {line} is not rejected: {rejected:#?}"))
        .reason
}

async fn bad_rows_are_reported_precisely_and_a_second_import_records_nothing(fx: &Fx) {
    let mut options = ImportOptions::admin("admin", "lam-dong.csv");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    options.progress = Some(std::sync::Arc::new(move |done, rows| {
        record.lock().unwrap().push((done, rows));
    }));
    let bytes = file().into_bytes();
    let report = legacy_import::import_csv(&fx.service(), &bytes, &options)
        .await
        .unwrap();
    assert_eq!(report.rows, 17, "{report:#?}");
    // The progress bar is told of every row it records or refuses, up to the last.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.last(), Some(&(17, 17)), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert_eq!(report.imported, 7, "{report:#?}");
    assert_eq!(report.already_present, 1, "{report:#?}");
    assert_eq!(
        rejected_lines(&report.rejected),
        vec![4, 7, 8, 9, 14, 16, 17, 19, 20],
        "{report:#?}"
    );
    let r = &report.rejected;
    assert_eq!(reason(r, 4), "stars: expected 3, 4 or 5, got \"6\"");
    assert!(
        reason(r, 7).starts_with("province: invalid province code \"6\""),
        "{}",
        reason(r, 7)
    );
    assert!(reason(r, 8).starts_with("decided_on: \"2023-02-30\" is not a date"));
    assert_eq!(reason(r, 9), "expected 14 fields, found 13");
    assert!(
        reason(r, 14).contains("date_in_future") && reason(r, 14).contains("decided_on"),
        "{}",
        reason(r, 14)
    );
    assert!(reason(r, 16).starts_with("score: \"101\""));
    assert!(reason(r, 17).starts_with("producer_kind: \"ngân hàng\""));
    assert!(
        reason(r, 19).contains("same product and decision as line 2"),
        "{}",
        reason(r, 19)
    );
    assert!(reason(r, 20).contains("not closed"), "{}", reason(r, 20));

    // Bad rows recorded nothing: one event per imported row.
    let head = fx.backend.store.head().await.unwrap();
    assert_eq!(head.global_position, 7);
    assert_eq!(report.last_position, 7);

    // The same file again: nothing new.
    let again = legacy_import::import_csv(&fx.service(), &bytes, &options)
        .await
        .unwrap();
    assert_eq!(
        (again.imported, again.already_present),
        (0, 8),
        "{again:#?}"
    );
    assert_eq!(
        rejected_lines(&again.rejected),
        rejected_lines(&report.rejected)
    );
    assert_eq!(fx.backend.store.head().await.unwrap(), head);

    // The same product and decision with other values in a later file: refused, nothing new.
    let changed = format!(
        "{HEADER}\n68,672,24730,68-672-24730-1-2023,Cà phê Arabica Cầu Đất,HTX Cầu Đất,cooperative,drinks,3,75.5,88/QĐ-UBND,2023-06-15,UBND tỉnh Lâm Đồng,2026-06-15\n"
    );
    let third = legacy_import::import_csv(&fx.service(), changed.as_bytes(), &options)
        .await
        .unwrap();
    assert_eq!(rejected_lines(&third.rejected), vec![2]);
    assert!(third.rejected[0].reason.contains("idempotency_key_reused"));
    assert_eq!(fx.backend.store.head().await.unwrap(), head);

    // The audit shows what each legacy record lacks or contradicts.
    fx.catch_up().await;
    let report = audit::audit_decisions(&fx.reads(), &AuditFilter::default())
        .await
        .unwrap();
    let by_decision: BTreeMap<String, Vec<&str>> = report
        .decisions
        .iter()
        .map(|d| {
            let mut codes: Vec<&str> = d.findings.iter().map(|f| f.code.as_str()).collect();
            codes.dedup();
            (d.decision_no.clone().unwrap_or_default(), codes)
        })
        .collect();
    let expected: BTreeMap<String, Vec<&str>> = [
        ("88/QĐ-UBND", vec![]),
        ("89/QĐ-UBND", vec!["legacy_without_scores"]),
        ("90/QĐ-UBND", vec!["legacy_stars_inconsistent_with_score"]),
        ("93/QĐ-UBND", vec!["legacy_valid_until_mismatch"]),
        ("94/QĐ-UBND", vec!["legacy_missing_evidence"]),
        ("95/QĐ-UBND", vec!["rules_version_unknown"]),
        // A 5★ with a People's Committee's decision number, above its score's band.
        (
            "99/QĐ-UBND",
            vec![
                "level_cannot_award",
                "stars_above_band",
                "legacy_missing_evidence",
            ],
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(by_decision, expected, "{:#?}", report.decisions);
    // Quoted fields keep their commas, quotes and line breaks.
    let tea = report
        .decisions
        .iter()
        .find(|d| d.decision_no.as_deref() == Some("90/QĐ-UBND"))
        .unwrap();
    let audit = fx.audit(tea.product_id).await;
    assert_eq!(audit.decisions.len(), 1);
    let state = fx.state(tea.product_id).await;
    assert_eq!(state.name, "Trà Shan tuyết, cổ thụ loại 1");
    assert_eq!(state.producer.unwrap().name, "HTX \"Tà Xùa\"");
    assert_eq!(tea.rederived.mean.as_deref(), Some("75.50"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_csv_with_bad_rows_on_sqlite_when_imported_twice_then_bad_lines_are_reported_and_nothing_is_recorded_twice()
 {
    let fx = Fx::new(Kind::Sqlite).await;
    bad_rows_are_reported_precisely_and_a_second_import_records_nothing(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_csv_with_bad_rows_on_postgres_when_imported_twice_then_bad_lines_are_reported_and_nothing_is_recorded_twice()
 {
    let fx = Fx::new(Kind::Postgres).await;
    bad_rows_are_reported_precisely_and_a_second_import_records_nothing(&fx).await;
    fx.close().await;
}

/// A legacy 5★ signed by a province's People's Committee is flagged; one signed by the
/// ministry is not.
async fn a_legacy_five_star_signed_by_a_province_cannot_stand(fx: &Fx) {
    let csv = format!(
        "{HEADER}\n\
         22,,06733,QN-1,Sá sùng khô Vân Đồn,HTX Sá sùng Vân Đồn,cooperative,food,5,92,45/QĐ-UBND,2024-03-01,UBND tỉnh Quảng Ninh,2027-03-01\n\
         22,,06733,QN-2,Chả mực Hạ Long,Công ty Chả mực Hạ Long,enterprise,food,5,93,1234/QĐ-BNN-KTHT,2024-03-01,Bộ Nông nghiệp và Phát triển nông thôn,2027-03-01\n"
    );
    let options = ImportOptions::admin("admin", "quang-ninh.csv");
    let report = legacy_import::import_csv(&fx.service(), csv.as_bytes(), &options)
        .await
        .unwrap();
    assert_eq!(report.imported, 2, "{report:#?}");
    fx.catch_up().await;
    let audited = audit::audit_decisions(&fx.reads(), &AuditFilter::default())
        .await
        .unwrap();
    let codes = |no: &str| -> Vec<&str> {
        audited
            .decisions
            .iter()
            .find(|d| d.decision_no.as_deref() == Some(no))
            .unwrap()
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    };
    assert_eq!(codes("45/QĐ-UBND"), vec!["level_cannot_award"]);
    assert!(codes("1234/QĐ-BNN-KTHT").is_empty(), "{audited:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_legacy_five_star_signed_by_a_province_on_sqlite_when_audited_then_level_cannot_award()
 {
    let fx = Fx::new(Kind::Sqlite).await;
    a_legacy_five_star_signed_by_a_province_cannot_stand(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_legacy_five_star_signed_by_a_province_on_postgres_when_audited_then_level_cannot_award()
 {
    let fx = Fx::new(Kind::Postgres).await;
    a_legacy_five_star_signed_by_a_province_cannot_stand(&fx).await;
    fx.close().await;
}

#[test]
fn given_a_file_that_is_not_utf8_when_parsed_then_it_is_refused_at_its_line() {
    let mut bytes =
        format!("{HEADER}\n68,,24730,,Bánh,HTX,cooperative,food,4,80,1/QĐ,2023-07-01,UBND,\n")
            .into_bytes();
    bytes.extend_from_slice(b"68,,24730,,B\xe1nh,HTX,cooperative,food,4,80,2/Q,2023-07-01,UBND,\n");
    match legacy_import::parse_csv(&bytes, "x.csv") {
        Err(ImportError::NotUtf8 { line }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
}

#[test]
fn given_a_header_without_the_score_column_when_parsed_then_the_file_is_refused() {
    let header = HEADER.replace(",score", "");
    match legacy_import::parse_csv(format!("{header}\n").as_bytes(), "x.csv") {
        Err(ImportError::Header { reason }) => assert_eq!(reason, "column score is missing"),
        other => panic!("{other:?}"),
    }
    let shuffled = "decided_on,province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,authority,valid_until\n\
        2023-07-01,68,,24730,,Bánh,HTX,cooperative,food,4,80,1/QĐ,UBND,\n";
    let parsed = legacy_import::parse_csv(shuffled.as_bytes(), "x.csv").unwrap();
    assert_eq!(parsed.valid.len(), 1, "{parsed:?}");
    assert_eq!(parsed.valid[0].1.decided_on, d("2023-07-01"));
}

#[test]
fn given_a_row_with_a_nul_character_when_parsed_then_only_that_row_is_rejected() {
    let text = format!(
        "{HEADER}\n68,,24730,,Bánh\u{0} pía,HTX,cooperative,food,4,80,1/QĐ,2023-07-01,UBND,\n\
         68,,24730,,Bánh pía,HTX,cooperative,food,4,80,2/QĐ,2023-07-01,UBND,\n"
    );
    let parsed = legacy_import::parse_csv(text.as_bytes(), "x.csv").unwrap();
    assert_eq!(parsed.rows, 2);
    assert_eq!(parsed.valid.len(), 1);
    assert_eq!(
        parsed.rejected,
        vec![RowError {
            line: 2,
            reason: "product_name: text must not contain the NUL character (U+0000)".into()
        }]
    );
}

/// A row whose key another command holds (a record from before client keys of the
/// server's kind were refused) is still imported, once.
async fn a_row_whose_key_is_taken_is_still_imported(fx: &Fx) {
    use ocop_projections::command::service::ExecuteOptions;
    let csv = format!(
        "{HEADER}\n\
         22,,06733,QN-1,Sá sùng khô Vân Đồn,HTX Sá sùng Vân Đồn,cooperative,food,4,82,45/QĐ-UBND,2024-03-01,UBND tỉnh Quảng Ninh,2027-03-01\n"
    );
    let parsed = legacy_import::parse_csv(csv.as_bytes(), "quang-ninh.csv").unwrap();
    let (_, row) = &parsed.valid[0];
    let key = legacy_import::import_key(legacy_import::legacy_product_id(row));
    // Another product's registration recorded under the row's key.
    let other = ocop_testkit::sample::Lifecycle::new(
        1,
        uuid::Uuid::now_v7(),
        ocop_testkit::sample::Path::Recognized,
    );
    fx.service()
        .execute(
            other.command(0, uuid::Uuid::now_v7()),
            ExecuteOptions::new(key, "1".repeat(64)),
        )
        .await
        .unwrap()
        .unwrap();
    let options = ImportOptions::admin("admin", "quang-ninh.csv");
    let first = legacy_import::import_csv(&fx.service(), csv.as_bytes(), &options)
        .await
        .unwrap();
    assert_eq!((first.imported, first.rejected.len()), (1, 0), "{first:#?}");
    let again = legacy_import::import_csv(&fx.service(), csv.as_bytes(), &options)
        .await
        .unwrap();
    assert_eq!(
        (again.imported, again.already_present),
        (0, 1),
        "{again:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_row_whose_key_is_taken_is_still_imported_on_sqlite() {
    let fx = Fx::new(Kind::Sqlite).await;
    a_row_whose_key_is_taken_is_still_imported(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_row_whose_key_is_taken_is_still_imported_on_postgres() {
    let fx = Fx::new(Kind::Postgres).await;
    a_row_whose_key_is_taken_is_still_imported(&fx).await;
    fx.close().await;
}

/// A list may add the optional columns `certificate_no`, `potential_five_star` and `level`
/// anywhere in its header: each row's values are recorded as written (the certificate is
/// the product's, the flag its recognition's, the level the decision's, which the audit
/// judges); a value the column cannot mean refuses that row alone, at its line.
async fn the_optional_columns_are_recorded_as_written(fx: &Fx) {
    let csv = format!(
        "level,{HEADER},potential_five_star,certificate_no\n\
         provincial,68,,24730,LD-1,Cà phê Robusta Đắk Song,HTX Đắk Song,cooperative,drinks,4,91.5,201/QĐ-UBND,2024-05-02,UBND tỉnh Lâm Đồng,2027-05-02,có,68-OCOP-2024-0201\n\
         tỉnh,68,,24730,LD-2,Mật ong hoa cà phê,HTX Đắk Song,cooperative,food,5,93,202/QĐ-UBND,2024-05-02,UBND tỉnh Lâm Đồng,2027-05-02,,\n\
         xã,68,,24730,LD-3,Bơ sáp,HTX Đắk Song,cooperative,food,3,60,203/QĐ-UBND,2024-05-02,UBND tỉnh Lâm Đồng,2027-05-02,,\n\
         ,68,,24730,LD-4,Sầu riêng,HTX Đắk Song,cooperative,food,4,75,204/QĐ-UBND,2024-05-02,UBND tỉnh Lâm Đồng,2027-05-02,maybe,\n"
    );
    let options = ImportOptions::admin("admin", "lam-dong-2024.csv");
    let report = legacy_import::import_csv(&fx.service(), csv.as_bytes(), &options)
        .await
        .unwrap();
    assert_eq!(report.imported, 2, "{report:#?}");
    assert_eq!(rejected_lines(&report.rejected), vec![4, 5]);
    assert!(
        reason(&report.rejected, 4).starts_with("level:"),
        "{report:#?}"
    );
    assert!(
        reason(&report.rejected, 5).starts_with("potential_five_star:"),
        "{report:#?}"
    );
    fx.catch_up().await;
    let audited = audit::audit_decisions(&fx.reads(), &AuditFilter::default())
        .await
        .unwrap();
    let flagged = audited
        .decisions
        .iter()
        .find(|d| d.decision_no.as_deref() == Some("201/QĐ-UBND"))
        .unwrap();
    let state = fx.service().load(flagged.product_id).await.unwrap().state;
    let rec = state.recognition.unwrap();
    assert_eq!(rec.certificate_no.as_deref(), Some("68-OCOP-2024-0201"));
    assert!(rec.potential_five_star);
    // A 5★ the list says the province decided: recorded at the provincial level, flagged.
    let five = audited
        .decisions
        .iter()
        .find(|d| d.decision_no.as_deref() == Some("202/QĐ-UBND"))
        .unwrap();
    assert_eq!(five.level.as_deref(), Some("provincial"));
    assert!(
        five.findings
            .iter()
            .any(|f| f.code.as_str() == "level_cannot_award"),
        "{five:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_optional_columns_are_recorded_as_written_on_sqlite() {
    let fx = Fx::new(Kind::Sqlite).await;
    the_optional_columns_are_recorded_as_written(&fx).await;
    fx.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_optional_columns_are_recorded_as_written_on_postgres() {
    let fx = Fx::new(Kind::Postgres).await;
    the_optional_columns_are_recorded_as_written(&fx).await;
    fx.close().await;
}
