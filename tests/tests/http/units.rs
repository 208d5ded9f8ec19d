//! The 2025 merger over HTTP: a 2024 Hà Giang (02) product is Tuyên Quang's (08) to
//! inspect, list, count and re-evaluate; the provinces in force on a date.

use serde_json::{Value, json};

use super::lifecycle::{council, dossier, read_after, recognition, registration, score};
use super::support::TestServer;
use crate::http_on_both_stores;

/// A product registered in 2024 by the district of Hoàng Su Phì (Hà Giang, 02), with no
/// commune, recognised 3★ by the district under qd148-2023; returns its path.
pub async fn ha_giang_district_three_stars(server: &TestServer) -> String {
    let district = server.token(
        "district_secretary",
        "province:02/district:032",
        "tk-hoang-su-phi",
    );
    let mut body = registration("Chè Shan tuyết Hoàng Su Phì");
    body["producer"] =
        json!({"name": "HTX Chè Phìn Hồ", "kind": "cooperative", "tax_code": "5100234567"});
    body["province"] = json!("02");
    body["commune"] = Value::Null;
    body["district"] = json!("032");
    body["registered_on"] = json!("2024-03-01");
    let registered = server
        .post(&district, "/api/v1/products", &body)
        .await
        .expect(201);
    let path = registered.product_path();
    server
        .post(
            &district,
            &format!("{path}/evaluations"),
            &dossier("2024-03-05"),
        )
        .await
        .expect(201);
    score(
        server,
        &district,
        &path,
        "district",
        &[62, 60, 64],
        ("2024-03-20", "2024-03-22"),
    )
    .await;
    server
        .post(
            &district,
            &format!("{path}/evaluations/current/decision"),
            &recognition(3, "2024-04-01", "88/QĐ-UBND", "UBND huyện Hoàng Su Phì"),
        )
        .await
        .expect(201);
    path
}

async fn tuyen_quang_holds_ha_giang_records(server: &TestServer) {
    let path = ha_giang_district_three_stars(server).await;
    let tq_inspector = server.token("inspector", "province:08", "tt-tuyen-quang");
    let ld_inspector = server.token("inspector", "province:68", "tt-lam-dong");
    let tq = server.token("provincial_secretary", "province:08", "tk-tuyen-quang");
    let auditor = server.token("auditor", "national", "kiem-toan");
    let inspection = json!({"inspected_on": "2026-02-10", "authority": "Chi cục QLCL Tuyên Quang",
                            "findings": "Đúng hồ sơ", "compliant": true, "complaint_id": null});

    // Scope: Tuyên Quang's inspector inspects it, Lâm Đồng's may not.
    server
        .post(&ld_inspector, &format!("{path}/inspections"), &inspection)
        .await
        .problem(403, "forbidden");
    let inspected = server
        .post(&tq_inspector, &format!("{path}/inspections"), &inspection)
        .await
        .expect(201);

    // Its state keeps the recorded place and shows the current one.
    let state = read_after(server, &tq_inspector, &path, &inspected)
        .await
        .body;
    assert_eq!(state["province"], "02");
    assert_eq!(state["district"], "032");
    assert_eq!(state["current_place"]["province"], "08");
    assert_eq!(state["current_place"]["province_name"], "Tuyên Quang");
    server
        .get(Some(&ld_inspector), &path)
        .await
        .problem(403, "forbidden");

    // `province=08` lists it, for the national auditor and within Tuyên Quang's scope.
    let id = path.rsplit('/').next().unwrap();
    for token in [&auditor, &tq_inspector] {
        let list = server
            .get(Some(token), "/api/v1/products?province=08")
            .await
            .expect(200);
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["product_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![id]);
    }
    let own = server
        .get(Some(&tq_inspector), "/api/v1/products")
        .await
        .expect(200);
    assert_eq!(own.body["items"].as_array().unwrap().len(), 1);
    let narrowed = server
        .get(Some(&tq_inspector), "/api/v1/products?province=02")
        .await
        .expect(200);
    assert_eq!(narrowed.body["items"].as_array().unwrap().len(), 1);
    server
        .get(Some(&tq_inspector), "/api/v1/products?province=68")
        .await
        .problem(403, "forbidden");

    // Statistics count it under the province in force, or as recorded when asked.
    let stats = server
        .get(Some(&auditor), "/api/v1/stats?group_by=province")
        .await
        .expect(200);
    assert_eq!(
        stats.body["counts"],
        json!([{"province": "08", "count": 1}])
    );
    let recorded = server
        .get(
            Some(&auditor),
            "/api/v1/stats?group_by=province&place=recorded",
        )
        .await
        .expect(200);
    assert_eq!(
        recorded.body["counts"],
        json!([{"province": "02", "count": 1}])
    );

    // Re-evaluated under qd1489-2025 by its province: the district's records passed to
    // Tuyên Quang, whose secretary does the commune's part for a product with no commune.
    let mut round = dossier("2026-03-02");
    round["kind"] = json!("re_evaluation");
    let opened = server
        .post(&tq, &format!("{path}/evaluations"), &round)
        .await
        .expect(201);
    assert_eq!(opened.body["events"][0]["event_type"], "EvaluationOpened");
    server
        .post(
            &tq,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2026-03-05", "forward": true, "local_origin": true,
                    "notes": "Vùng chè Shan tuyết cổ thụ", "report_ref": "5/BC-SNNMT"}),
        )
        .await
        .expect(201);
    score(
        server,
        &tq,
        &path,
        "provincial",
        &[76, 78, 74],
        ("2026-03-20", "2026-03-22"),
    )
    .await;
    let decided = server
        .post(
            &tq,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2026-04-01", "412/QĐ-UBND", "UBND tỉnh Tuyên Quang"),
        )
        .await
        .expect(201);
    let state = read_after(server, &auditor, &path, &decided).await.body;
    assert_eq!(state["recognition"]["stars"], 4);
    assert_eq!(state["recognition"]["level"], "provincial");
    assert_eq!(state["current_evaluation"], Value::Null);
    let audit = server
        .get(Some(&auditor), &format!("{path}/audit"))
        .await
        .expect(200);
    let errors: Vec<&Value> = audit.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");

    // Its staff page says where the record is now.
    let id = path.rsplit('/').next().unwrap();
    let page = server.staff_page(&format!("/quan-ly/san-pham/{id}")).await;
    assert!(page.contains("nay thuộc tỉnh Tuyên Quang (08)"), "{page}");

    // The public search finds it by the province in force and by the one it was recorded
    // in, not by another province.
    let public = |q: &'static str| {
        let client = server.client.clone();
        let url = format!("{}/tra-cuu", server.base);
        async move {
            client
                .get(url)
                .query(&[("q", q)])
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    for q in ["Tuyên Quang", "tuyen quang", "chè Hà Giang", "Shan tuyết"] {
        let page = public(q).await;
        assert!(page.contains("Chè Shan tuyết Hoàng Su Phì"), "{q}: {page}");
    }
    for q in ["Lâm Đồng", "chè Tuyên Quang mật ong"] {
        let page = public(q).await;
        assert!(!page.contains("Chè Shan tuyết Hoàng Su Phì"), "{q}: {page}");
    }

    // Lâm Đồng's secretary may not convene a council for it.
    let ld = server.token("provincial_secretary", "province:68", "tk-lam-dong");
    server
        .post(
            &ld,
            &format!("{path}/evaluations/current/council"),
            &council("provincial", 3, "2026-05-01"),
        )
        .await
        .problem(403, "forbidden");
}
http_on_both_stores!(
    tuyen_quang_inspects_lists_counts_and_re_evaluates_a_ha_giang_product_on_sqlite,
    tuyen_quang_inspects_lists_counts_and_re_evaluates_a_ha_giang_product_on_postgres,
    tuyen_quang_holds_ha_giang_records
);

async fn provinces_in_force(server: &TestServer) {
    let after = server
        .get(None, "/api/v1/units/provinces?on=2026-01-01")
        .await
        .expect(200);
    let after = after.body.as_array().unwrap().clone();
    assert_eq!(after.len(), 34);
    let tq = after.iter().find(|p| p["code"] == "08").unwrap();
    assert_eq!(
        *tq,
        json!({"code": "08", "name": "Tuyên Quang", "succeeds": ["02", "08"]})
    );
    let today = server
        .get(None, "/api/v1/units/provinces")
        .await
        .expect(200);
    assert_eq!(today.body.as_array().unwrap().len(), 34);
    let before = server
        .get(None, "/api/v1/units/provinces?on=2025-06-30")
        .await
        .expect(200);
    let before = before.body.as_array().unwrap().clone();
    assert_eq!(before.len(), 63);
    assert!(
        before
            .iter()
            .any(|p| p["code"] == "02" && p["name"] == "Hà Giang")
    );
    server
        .get(None, "/api/v1/units/provinces?on=30/06/2025")
        .await
        .problem(400, "invalid_request");
}
http_on_both_stores!(
    the_provinces_in_force_are_63_before_the_merger_and_34_from_it_on_sqlite,
    the_provinces_in_force_are_63_before_the_merger_and_34_from_it_on_postgres,
    provinces_in_force
);
