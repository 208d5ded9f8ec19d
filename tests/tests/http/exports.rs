//! Exports over HTTP: the product list and the audit as CSV (BOM, neutralised cells) and as
//! xlsx (typed cells), read back with a reader crate.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::lifecycle::{LamDong, read_after, recognition, registration, scored_in_lam_dong};
use super::support::TestServer;
use crate::http_on_both_stores;

async fn lists_as_files(server: &TestServer) {
    let t = LamDong::tokens(server);
    let honey = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 78]).await;
    let decided = server
        .post(
            &t.province,
            &format!("{honey}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    // A name a spreadsheet would run as a formula.
    let registered = server
        .post(
            &t.officer,
            "/api/v1/products",
            &registration("=HYPERLINK(\"http://x\",\"Bấm\")"),
        )
        .await
        .expect(201);
    read_after(server, &t.auditor, "/api/v1/products", &registered).await;
    read_after(server, &t.auditor, "/api/v1/products", &decided).await;

    let (status, headers, csv) = server
        .get_bytes(
            &t.province,
            "/api/v1/exports/products?format=csv&province=68",
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}'), "no BOM");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("STT,Tên sản phẩm,Chủ thể,Xã,Tỉnh"));
    let honey_line = lines.iter().find(|l| l.contains("Mật ong")).unwrap();
    assert!(
        honey_line
            .contains(",Lâm Đồng,Thực phẩm,4,80,156/QĐ-UBND,2025-09-20,2028-09-20,Còn hiệu lực,"),
        "{honey_line}"
    );
    assert!(text.contains("\"'=HYPERLINK("), "{text}");

    // xlsx: numbers as numbers, dates as dates.
    let (status, headers, xlsx) = server
        .get_bytes(
            &t.auditor,
            "/api/v1/exports/products?format=xlsx&status=recognized",
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).expect("an xlsx file");
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), 2);
    let row: Vec<&Data> = range.rows().nth(1).unwrap().iter().collect();
    assert_eq!(*row[0], Data::Float(1.0));
    assert_eq!(*row[1], Data::String("Mật ong hoa cà phê".into()));
    assert_eq!(*row[6], Data::Float(4.0));
    assert_eq!(*row[7], Data::Float(80.0));
    assert!(matches!(row[9], Data::DateTime(_)), "{:?}", row[9]);
    assert!(matches!(row[10], Data::DateTime(_)), "{:?}", row[10]);
    assert_eq!(*row[11], Data::String("Còn hiệu lực".into()));

    // The audit as a file, for the auditor; a commune officer may not have it.
    let (status, _, csv) = server
        .get_bytes(&t.auditor, "/api/v1/exports/decisions?format=csv")
        .await;
    assert_eq!(status.as_u16(), 200);
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("156/QĐ-UBND"), "{text}");
    assert!(text.contains(",recognized,68,"), "{text}");
    let (status, _, xlsx) = server
        .get_bytes(&t.auditor, "/api/v1/exports/decisions?format=xlsx")
        .await;
    assert_eq!(status.as_u16(), 200);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).expect("an xlsx file");
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), 2);
    let (status, _, _) = server
        .get_bytes(&t.officer, "/api/v1/exports/decisions?format=csv")
        .await;
    assert_eq!(status.as_u16(), 403);

    // Scopes and bad parameters.
    let elsewhere = server.token("inspector", "province:22", "tt-quang-ninh");
    let (status, _, _) = server
        .get_bytes(&elsewhere, "/api/v1/exports/products?province=68")
        .await;
    assert_eq!(status.as_u16(), 403);
    let refused = server
        .get(Some(&t.auditor), "/api/v1/exports/products?format=pdf")
        .await
        .problem(400, "invalid_request");
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("csv, xlsx")
    );
}
http_on_both_stores!(
    the_product_list_and_the_audit_export_as_csv_and_typed_xlsx_on_sqlite,
    the_product_list_and_the_audit_export_as_csv_and_typed_xlsx_on_postgres,
    lists_as_files
);
