//! Producers over HTTP: one producer by tax code holding three products in three states,
//! another by name and province, a correction carried to the producer, scopes.

use serde_json::{Value, json};

use super::lifecycle::{LamDong, read_after, recognition, registration, scored_in_lam_dong};
use super::support::TestServer;
use crate::http_on_both_stores;

async fn producers_and_their_products(server: &TestServer) {
    let t = LamDong::tokens(server);
    // Three products of HTX Đắk Song (tax code 6400123456): recognised, scored, registered.
    let honey = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 78]).await;
    server
        .post(
            &t.province,
            &format!("{honey}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let coffee = scored_in_lam_dong(server, &t, "Cà phê Robusta", &[72, 74, 70]).await;
    let mut body = registration("Tinh bột nghệ");
    // The same tax code written with spaces around it, another spelling of the name.
    body["producer"]["tax_code"] = json!(" 6400123456 ");
    body["producer"]["name"] = json!("Hợp tác xã Nông nghiệp Đắk Song");
    server
        .post(&t.officer, "/api/v1/products", &body)
        .await
        .expect(201);
    // A household business with no tax code, by name and province.
    let mut body = registration("Măng le sấy");
    body["producer"] =
        json!({"name": "Hộ kinh doanh Y Bhăm", "kind": "household_business", "tax_code": null});
    let last = server
        .post(&t.officer, "/api/v1/products", &body)
        .await
        .expect(201);
    read_after(server, &t.auditor, "/api/v1/products", &last).await;

    let list = server
        .get(Some(&t.auditor), "/api/v1/producers?province=68")
        .await
        .expect(200)
        .body;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let htx = items
        .iter()
        .find(|p| {
            p["tax_code"]
                .as_str()
                .is_some_and(|t| t.contains("6400123456"))
        })
        .unwrap();
    assert_eq!(htx["products"], 3);
    assert_eq!(htx["recognized"], 1);
    assert_eq!(htx["kind"], "cooperative");
    assert_eq!(htx["province"], "68");
    let household = items
        .iter()
        .find(|p| p["kind"] == "household_business")
        .unwrap();
    assert_eq!(household["name"], "Hộ kinh doanh Y Bhăm");
    assert_eq!(household["tax_code"], Value::Null);
    assert_eq!(household["products"], 1);

    // The search ignores diacritics; another province has none.
    let found = server
        .get(Some(&t.auditor), "/api/v1/producers?q=y%20bham")
        .await
        .expect(200)
        .body;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let none = server
        .get(Some(&t.auditor), "/api/v1/producers?province=22")
        .await
        .expect(200)
        .body;
    assert_eq!(none["items"], json!([]));
    // Pages.
    let first = server
        .get(Some(&t.auditor), "/api/v1/producers?limit=1")
        .await
        .expect(200)
        .body;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = server
        .get(
            Some(&t.auditor),
            &format!("/api/v1/producers?limit=1&cursor={cursor}"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(
        first["items"][0]["producer_id"],
        second["items"][0]["producer_id"]
    );

    // The producer with its three products.
    let id = htx["producer_id"].as_str().unwrap();
    let one = server
        .get(Some(&t.inspector), &format!("/api/v1/producers/{id}"))
        .await
        .expect(200)
        .body;
    let products = one["products"].as_array().unwrap();
    assert_eq!(products.len(), 3);
    let honey_row = products
        .iter()
        .find(|p| p["product_id"] == honey.rsplit('/').next().unwrap())
        .unwrap();
    assert_eq!(honey_row["status"], "recognized");
    assert_eq!(honey_row["stars"], 4);
    assert_eq!(honey_row["valid_until"], "2028-09-20");
    let coffee_row = products
        .iter()
        .find(|p| p["product_id"] == coffee.rsplit('/').next().unwrap())
        .unwrap();
    assert_eq!(coffee_row["status"], "in_evaluation");
    assert_eq!(one["product_count"], 3);

    // A correction of the producer's name on one product carries to the producer.
    let history = server
        .get(Some(&t.auditor), &format!("{honey}/history"))
        .await
        .expect(200)
        .body;
    let registered = history["events"][0]["event_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let corrected = server
        .post(
            &t.province,
            &format!("{honey}/corrections"),
            &json!({"event_id": registered, "field": "producer.name",
                    "new_value": "HTX Nông nghiệp và Dịch vụ Đắk Song", "reason": "Đổi tên theo giấy đăng ký mới"}),
        )
        .await
        .expect(201);
    let one = read_after(
        server,
        &t.auditor,
        &format!("/api/v1/producers/{id}"),
        &corrected,
    )
    .await
    .body;
    assert_eq!(one["name"], "HTX Nông nghiệp và Dịch vụ Đắk Song");
    assert_eq!(one["products"].as_array().unwrap().len(), 3);

    // Scopes: another province's inspector sees no producer of Lâm Đồng.
    let elsewhere = server.token("inspector", "province:22", "tt-quang-ninh");
    let theirs = server
        .get(Some(&elsewhere), "/api/v1/producers")
        .await
        .expect(200)
        .body;
    assert_eq!(theirs["items"], json!([]));
    server
        .get(Some(&elsewhere), "/api/v1/producers?province=68")
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&elsewhere), &format!("/api/v1/producers/{id}"))
        .await
        .problem(404, "not_found");
    server
        .get(Some(&t.auditor), "/api/v1/producers/not-an-id")
        .await
        .problem(404, "not_found");
}
http_on_both_stores!(
    a_producer_with_three_products_lists_all_three_on_sqlite,
    a_producer_with_three_products_lists_all_three_on_postgres,
    producers_and_their_products
);
