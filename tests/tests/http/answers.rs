//! A command's answer carries what the next step needs: the complaint's id (for the
//! inspection that answers it), the inspection's id, the round opened, and what concluding
//! found — in a replayed answer too.

use serde_json::json;

use super::lifecycle::{LamDong, card, council, dossier, registration};
use super::support::TestServer;
use crate::http_on_both_stores;

async fn answers_carry_what_the_next_step_needs(server: &TestServer) {
    let t = LamDong::tokens(server);
    let registered = server
        .post(
            &t.officer,
            "/api/v1/products",
            &registration("Mật ong bạc hà"),
        )
        .await
        .expect(201);
    let path = registered.product_path();
    let opened = server
        .post(
            &t.officer,
            &format!("{path}/evaluations"),
            &dossier("2025-09-01"),
        )
        .await
        .expect(201);
    assert_eq!(opened.body["round"], 1, "{}", opened.body);
    assert!(opened.body.get("complaint_id").is_none());
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true,
                    "notes": null, "report_ref": "12/TTr-UBND"}),
        )
        .await
        .expect(201);
    let at = |step: &str| format!("{path}/evaluations/current/{step}");
    server
        .post(
            &t.province,
            &at("council"),
            &council("provincial", 3, "2025-09-10"),
        )
        .await
        .expect(201);
    for (i, total) in [70, 71, 68].into_iter().enumerate() {
        server
            .post(
                &t.province,
                &at("scorecards"),
                &card(i + 1, total, "2025-09-10"),
            )
            .await
            .expect(201);
    }
    let key = uuid::Uuid::new_v4().to_string();
    let (conclude, concluded_on) = (at("conclude"), json!({"concluded_on": "2025-09-12"}));
    let headers = [("idempotency-key", key.as_str())];
    let concluded = server
        .post_with(Some(&t.province), &conclude, &concluded_on, &headers)
        .await
        .expect(201);
    let conclusion = &concluded.body["conclusion"];
    assert_eq!(conclusion["mean"], "69.67", "{}", concluded.body);
    assert_eq!(conclusion["band_stars"], 3);
    assert_eq!(conclusion["level"], "provincial");
    assert_eq!(conclusion["quorum_met"], true);
    assert_eq!(conclusion["outcome"]["kind"], "award");
    assert_eq!(conclusion["outcome"]["stars"], 3);
    // The replay answers the same.
    let replayed = server
        .post_with(Some(&t.province), &conclude, &concluded_on, &headers)
        .await
        .expect(200);
    assert_eq!(replayed.body, concluded.body);

    let complaint = server
        .post(
            &t.inspector,
            &format!("{path}/complaints"),
            &json!({"received_on": "2025-10-01", "source": "consumer", "summary": "Nhãn sai"}),
        )
        .await
        .expect(201);
    let complaint_id = complaint.body["complaint_id"].as_str().unwrap().to_owned();
    let inspection = server
        .post(
            &t.inspector,
            &format!("{path}/inspections"),
            &json!({"inspected_on": "2025-10-10", "authority": "Sở Y tế Lâm Đồng",
                    "findings": "Đạt", "compliant": true, "complaint_id": complaint_id}),
        )
        .await
        .expect(201);
    assert!(
        inspection.body["inspection_id"].is_string(),
        "{}",
        inspection.body
    );
    let history = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200);
    let answered = history.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "InspectionRecorded")
        .unwrap();
    assert_eq!(answered["payload"]["complaint_id"], complaint_id.as_str());
    assert_eq!(
        answered["payload"]["inspection_id"],
        inspection.body["inspection_id"]
    );
}
http_on_both_stores!(
    a_commands_answer_carries_the_ids_and_the_conclusion_the_next_step_needs_on_sqlite,
    a_commands_answer_carries_the_ids_and_the_conclusion_the_next_step_needs_on_postgres,
    answers_carry_what_the_next_step_needs
);
