//! The regulation over HTTP (rules 2 and 10 of the lifecycle): mandatory criteria by star
//! level, and a scorecard corrected after the conclusion, before the decision.

use serde_json::{Value, json};

use super::lifecycle::{
    LamDong, card, council, open_and_assess, read_after, recognition, registration,
};
use super::support::TestServer;
use crate::http_on_both_stores;

/// Registers a Lâm Đồng food product, opens and forwards its round and convenes a
/// provincial council of three; returns the product's path.
async fn before_the_council(server: &TestServer, t: &LamDong, name: &str) -> String {
    let registered = server
        .post(&t.officer, "/api/v1/products", &registration(name))
        .await
        .expect(201);
    let path = registered.product_path();
    open_and_assess(server, t, &path, "initial", ("2025-09-01", "2025-09-05")).await;
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/council"),
            &council("provincial", 3, "2025-09-10"),
        )
        .await
        .expect(201);
    path
}

/// Records member `member`'s card of `total` points naming `failed`.
async fn scorecard(
    server: &TestServer,
    t: &LamDong,
    path: &str,
    member: usize,
    total: u32,
    failed: &[&str],
    on: &str,
) {
    let mut c = card(member, total, on);
    c["mandatory_failed"] = json!(failed);
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/scorecards"),
            &c,
        )
        .await
        .expect(201);
}

async fn conclude(server: &TestServer, t: &LamDong, path: &str, on: &str) {
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/conclude"),
            &json!({"concluded_on": on}),
        )
        .await
        .expect(201);
}

/// The last concluded result of the product's open round.
async fn last_result(server: &TestServer, t: &LamDong, path: &str) -> Value {
    let state = server.get(Some(&t.auditor), path).await.expect(200).body;
    state["current_evaluation"]["results"]
        .as_array()
        .and_then(|r| r.last())
        .cloned()
        .unwrap_or_else(|| panic!("no result in {state}"))
}

/// Rule 2: `SHTT` (intellectual property) is mandatory from 4★ in the criteria sheet of
/// `qd1489-2025`. Failed on two of three cards of 80 points, it leaves the 3★ band the mean
/// reaches — not "not recognised" — so a 4★ decision is refused and a 3★ one recorded, and
/// the audit finds nothing wrong with it. `ATTP` (food safety, from 3★) blocks every award.
async fn mandatory_criteria_have_star_levels(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = before_the_council(server, &t, "Mật ong hoa cà phê").await;
    scorecard(server, &t, &path, 1, 80, &["SHTT"], "2025-09-10").await;
    scorecard(server, &t, &path, 2, 80, &["SHTT"], "2025-09-10").await;
    scorecard(server, &t, &path, 3, 80, &[], "2025-09-10").await;
    conclude(server, &t, &path, "2025-09-12").await;
    let result = last_result(server, &t, &path).await;
    assert_eq!(
        result["outcome"],
        json!({"kind": "award", "stars": 3, "potential_five_star": false}),
        "{result}"
    );
    assert_eq!(result["mandatory_failed"], json!(["SHTT"]));
    assert_eq!(result["mandatory_blocks_from"], 4);
    let refused = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        refused.body["violations"][0]["code"], "mandatory_criterion_failed",
        "{}",
        refused.body
    );
    let decided = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(3, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    read_after(server, &t.auditor, &path, &decided).await;
    let audit = server
        .get(Some(&t.auditor), &format!("{path}/audit"))
        .await
        .expect(200)
        .body;
    assert_eq!(audit["findings"], json!([]), "{audit}");
    assert_eq!(
        audit["decisions"][0]["rederived"]["mandatory_blocks_from"], 4,
        "{audit}"
    );

    let path = before_the_council(server, &t, "Cà phê rang xay").await;
    scorecard(server, &t, &path, 1, 80, &["ATTP"], "2025-09-10").await;
    scorecard(server, &t, &path, 2, 80, &["ATTP"], "2025-09-10").await;
    scorecard(server, &t, &path, 3, 80, &[], "2025-09-10").await;
    conclude(server, &t, &path, "2025-09-12").await;
    let result = last_result(server, &t, &path).await;
    assert_eq!(result["outcome"], json!({"kind": "not_recognized"}));
    let refused = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(3, "2025-09-20", "157/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        refused.body["violations"][0]["code"],
        "mandatory_criterion_failed"
    );
}
http_on_both_stores!(
    mandatory_criteria_have_star_levels_on_sqlite,
    mandatory_criteria_have_star_levels_on_postgres,
    mandatory_criteria_have_star_levels
);

/// A typo on one member's card found after the conclusion is corrected before the
/// decision: the secretary re-opens the scoring with a reason, enters the corrected card
/// (it supersedes the wrong one), the council concludes again and the province decides on
/// the second conclusion; the audit shows the first, set aside with its reason.
async fn a_card_is_corrected_after_the_conclusion(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = before_the_council(server, &t, "Trà Ô long").await;
    scorecard(server, &t, &path, 1, 80, &[], "2025-09-10").await;
    scorecard(server, &t, &path, 2, 80, &[], "2025-09-10").await;
    // Member m3 gave 80; the secretary typed 30.
    scorecard(server, &t, &path, 3, 30, &[], "2025-09-10").await;
    conclude(server, &t, &path, "2025-09-12").await;
    assert_eq!(last_result(server, &t, &path).await["mean"], "63.33");
    let at = |step: &str| format!("{path}/evaluations/current/{step}");
    let reason = "Phiếu của thành viên m3 nhập sai: 30 thay vì 80";
    let blank = server
        .post(
            &t.province,
            &at("reopen"),
            &json!({"reopened_on": "2025-09-13", "reason": " "}),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        blank.body["violations"][0]["field"], "reason",
        "{}",
        blank.body
    );
    let forbidden = server
        .post(
            &t.officer,
            &at("reopen"),
            &json!({"reopened_on": "2025-09-13", "reason": reason}),
        )
        .await;
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);
    server
        .post(
            &t.province,
            &at("reopen"),
            &json!({"reopened_on": "2025-09-13", "reason": reason}),
        )
        .await
        .expect(201);
    let waiting = server
        .post(
            &t.province,
            &at("decision"),
            &recognition(4, "2025-09-20", "170/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        waiting.body["violations"][0]["code"], "wrong_stage",
        "{}",
        waiting.body
    );
    scorecard(server, &t, &path, 3, 80, &[], "2025-09-13").await;
    conclude(server, &t, &path, "2025-09-13").await;
    let result = last_result(server, &t, &path).await;
    assert_eq!(result["mean"], "80.00", "{result}");
    let decided = server
        .post(
            &t.province,
            &at("decision"),
            &recognition(4, "2025-09-20", "170/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let state = read_after(server, &t.auditor, &path, &decided).await.body;
    assert_eq!(state["recognition"]["stars"], 4);
    let audit = server
        .get(Some(&t.auditor), &format!("{path}/audit"))
        .await
        .expect(200)
        .body;
    assert_eq!(audit["findings"], json!([]), "{audit}");
    let set_aside = &audit["decisions"][0]["rederived"]["reopened_conclusions"];
    assert_eq!(set_aside.as_array().map(Vec::len), Some(1), "{audit}");
    assert_eq!(set_aside[0]["mean"], "63.33");
    assert_eq!(set_aside[0]["reopened_on"], "2025-09-13");
    assert_eq!(set_aside[0]["reason"], reason);
    assert_eq!(audit["decisions"][0]["rederived"]["mean"], "80.00");
    let history = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200)
        .body;
    let types: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert!(types.contains(&"ScoringReopened"), "{types:?}");
    assert_eq!(
        types.iter().filter(|t| **t == "ScoringConcluded").count(),
        2
    );
}
http_on_both_stores!(
    a_card_is_corrected_after_the_conclusion_on_sqlite,
    a_card_is_corrected_after_the_conclusion_on_postgres,
    a_card_is_corrected_after_the_conclusion
);
