//! The commune succession an operator loads (`ocop units import`): bad rows reported by
//! line and recording nothing, a second load recording nothing, and then, over HTTP, the
//! officer of the commune in force reads, lists and acts on the records of the communes it
//! succeeded, whose states show the commune that holds them now.

use chrono::{NaiveDate, Utc};
use ocop_projections::import::units::{UnitsImport, UnitsReport, import_communes};
use serde_json::json;

use super::lifecycle::{dossier, registration};
use super::support::TestServer;
use crate::http_on_both_stores;

/// Xã Đức An (26001) holds Thị trấn Đức An's (24730) records; 24805 was split between
/// 26002 and 26003; line 5 names a province no longer in force, line 6 a future date, line
/// 7 repeats line 2.
const LIST: &str = "\u{feff}old_commune,old_name,commune,name,province,effective_on
24730,Thị trấn Đức An,26001,Xã Đức An,68,2025-07-01
24805,Xã Xuân Trường,26002,Phường Xuân Trường - Đà Lạt,68,2025-07-01
24805,Xã Xuân Trường,26003,Xã Xuân Thọ,68,01/07/2025
24811,Xã Trạm Hành,26004,Xã Trạm Hành,02,2025-07-01
24812,Xã Cầu Đất,26005,Xã Cầu Đất,68,2099-01-01
24730,Thị trấn Đức An,26001,Xã Đức An,68,2025-07-01
";

async fn load(server: &TestServer, list: &str) -> UnitsReport {
    let backend = ocop_projections::open(&server.url).await.unwrap();
    let how = UnitsImport {
        by: "quantri",
        source_name: "xa-2025.csv",
        now: Utc::now(),
        today: NaiveDate::from_ymd_opt(2026, 12, 6).unwrap(),
    };
    import_communes(&backend.db, list.as_bytes(), &how)
        .await
        .unwrap()
}

async fn a_merged_commune_holds_its_predecessors_records(server: &TestServer) {
    let old_officer = server.token(
        "commune_officer",
        "province:68/commune:24730",
        "cb-duc-an-cu",
    );
    let registered = server
        .post(
            &old_officer,
            "/api/v1/products",
            &registration("Mật ong hoa cà phê Đức An"),
        )
        .await
        .expect(201);
    let path = registered.product_path();
    let split_officer = server.token(
        "commune_officer",
        "province:68/commune:24805",
        "cb-xuan-truong-cu",
    );
    let mut body = registration("Trà atiso Xuân Trường");
    body["commune"] = json!("24805");
    let split = server
        .post(&split_officer, "/api/v1/products", &body)
        .await
        .expect(201);
    let split_path = split.product_path();
    let new_officer = server.token("commune_officer", "province:68/commune:26001", "cb-duc-an");
    let other_officer = server.token(
        "commune_officer",
        "province:68/commune:26002",
        "cb-xuan-truong",
    );

    // Before the list is loaded, 26001's officer holds nothing of 24730.
    server
        .get(Some(&new_officer), &path)
        .await
        .problem(403, "forbidden");

    let first = load(server, LIST).await;
    assert_eq!(
        (first.rows, first.imported, first.already_present),
        (6, 3, 0)
    );
    let lines: Vec<u64> = first.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [5, 6, 7], "{:?}", first.rejected);
    assert!(
        first.rejected[0].reason.contains("province"),
        "{:?}",
        first.rejected
    );
    assert!(
        first.rejected[1].reason.contains("after today"),
        "{:?}",
        first.rejected
    );
    assert!(
        first.rejected[2].reason.contains("repeats line 2"),
        "{:?}",
        first.rejected
    );
    // Loaded again, by the operator's command, it records nothing (and still exits 1 for
    // its bad rows); a row contradicting a loaded one is refused.
    let file = std::env::temp_dir().join(format!("xa-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(&file, LIST).unwrap();
    let status = server
        .ocop_status(&["units", "import", "--file", file.to_str().unwrap()])
        .await
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    assert_eq!(status, std::process::ExitCode::FAILURE);
    let again = load(server, LIST).await;
    assert_eq!((again.imported, again.already_present), (0, 3));
    let changed = load(
        server,
        "old_commune,old_name,commune,name,province,effective_on\n\
         24730,Thị trấn Đức An,26001,Xã Đức An Mới,68,2025-07-01\n",
    )
    .await;
    assert_eq!(changed.imported, 0);
    assert!(
        changed.rejected[0].reason.contains("loaded already")
            && changed.rejected[0].reason.contains("xa-2025.csv:2"),
        "{:?}",
        changed.rejected
    );

    // The state keeps its recorded commune and shows the one that holds it now.
    let auditor = server.token("auditor", "national", "kiem-toan");
    let state = server.get(Some(&auditor), &path).await.expect(200).body;
    assert_eq!(state["commune"], "24730");
    assert_eq!(state["current_place"]["commune"], "26001");
    let state = server
        .get(Some(&auditor), &split_path)
        .await
        .expect(200)
        .body;
    assert_eq!(state["current_place"]["commune"], serde_json::Value::Null);
    assert_eq!(
        state["current_place"]["communes"],
        json!(["26002", "26003"])
    );

    // 26001's officer reads it, finds it in its list and by `commune=`, and acts on it.
    server.get(Some(&new_officer), &path).await.expect(200);
    let mine = server
        .get(Some(&new_officer), "/api/v1/products")
        .await
        .expect(200)
        .body;
    let ids: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["product_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [registered.body["product_id"].as_str().unwrap()]);
    let by_filter = server
        .get(Some(&auditor), "/api/v1/products?commune=26001")
        .await
        .expect(200)
        .body;
    assert_eq!(by_filter["items"].as_array().unwrap().len(), 1);
    server
        .post(
            &new_officer,
            &format!("{path}/evaluations"),
            &dossier("2026-02-02"),
        )
        .await
        .expect(201);
    // Another commune's officer does not; a commune split between several holds its
    // records in none of them alone (its province's staff take them).
    server
        .get(Some(&other_officer), &path)
        .await
        .problem(403, "forbidden");
    server
        .post(
            &other_officer,
            &format!("{path}/evaluations"),
            &dossier("2026-02-03"),
        )
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&other_officer), &split_path)
        .await
        .problem(403, "forbidden");
}

http_on_both_stores!(
    a_merged_commune_holds_its_predecessors_records_on_sqlite,
    a_merged_commune_holds_its_predecessors_records_on_postgres,
    a_merged_commune_holds_its_predecessors_records
);
