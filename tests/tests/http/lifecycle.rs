//! Whole lifecycles driven over HTTP: a qd1489-2025 round to a provincial 4★ with the
//! potential flag and a central 5★; a qd148-2023 district 3★ expired by the timer command;
//! refusals; a revocation in the public list; as-of, at-version and valid-on queries.

use serde_json::{Value, json};

use super::support::{Answer, TestServer};
use crate::http_on_both_stores;

/// The tokens of everyone who works on a product of Lâm Đồng (68), commune 24730.
pub struct LamDong {
    pub officer: String,
    pub province: String,
    pub central: String,
    pub inspector: String,
    pub auditor: String,
}

impl LamDong {
    pub fn tokens(server: &TestServer) -> Self {
        LamDong {
            officer: server.token(
                "commune_officer",
                "province:68/commune:24730",
                "cb-dak-song",
            ),
            province: server.token("provincial_secretary", "province:68", "tk-lam-dong"),
            central: server.token("central_secretary", "national", "tk-trung-uong"),
            inspector: server.token("inspector", "province:68", "tt-lam-dong"),
            auditor: server.token("auditor", "national", "kiem-toan"),
        }
    }
}

pub fn registration(name: &str) -> Value {
    json!({
        "name": name,
        "producer": {"name": "HTX Nông nghiệp Đắk Song", "kind": "cooperative", "tax_code": "6400123456"},
        "product_group": "food", "product_set": "Mật ong",
        "province": "68", "commune": "24730", "district": null, "local_code": null,
        "registered_on": "2025-08-01"
    })
}

pub fn dossier(on: &str) -> Value {
    json!({"kind": "initial", "opened_on": on, "documents": [
        {"kind": "registration_form", "title": "Phiếu đăng ký", "sha256": "ab".repeat(32), "size_bytes": 48213},
        {"kind": "business_plan", "title": "Phương án sản xuất kinh doanh", "sha256": "cd".repeat(32), "size_bytes": 120400}
    ]})
}

pub fn council(level: &str, members: usize, on: &str) -> Value {
    let members: Vec<Value> = (1..=members)
        .map(|i| {
            json!({"member_id": format!("m{i}"), "name": format!("Thành viên {i}"),
                   "role": if i == 1 { "chair" } else { "member" }, "organisation": "Sở Nông nghiệp và Môi trường"})
        })
        .collect();
    json!({"level": level, "council_ref": "1234/QĐ-UBND", "convened_on": on, "members": members,
           "quorum": {"min_present": members.len(), "chair_required": true}, "spread_limit": null})
}

/// A scorecard of `total` points split over the three parts.
pub fn card(member: usize, total: u32, on: &str) -> Value {
    let a = total.min(40);
    let b = (total - a).min(25);
    json!({"member_id": format!("m{member}"), "recorded_on": on,
           "part_a": a, "part_b": b, "part_c": total - a - b, "mandatory_failed": []})
}

pub fn recognition(stars: u8, on: &str, decision_no: &str, authority: &str) -> Value {
    json!({"decided_on": on, "recognized": true, "stars": stars, "decision_no": decision_no,
           "authority": authority, "certificate_no": null})
}

/// Registers a Lâm Đồng product and takes it through a provincial council with these
/// totals, concluded on 2025-09-12; returns its path `/api/v1/products/{id}`.
pub async fn scored_in_lam_dong(
    server: &TestServer,
    t: &LamDong,
    name: &str,
    totals: &[u32],
) -> String {
    let registered = server
        .post(&t.officer, "/api/v1/products", &registration(name))
        .await
        .expect(201);
    let path = registered.product_path();
    assert_eq!(registered.header("location"), Some(path.as_str()));
    assert_eq!(registered.header("etag"), Some("\"1\""));
    open_and_assess(server, t, &path, "initial", ("2025-09-01", "2025-09-05")).await;
    score(
        server,
        &t.province,
        &path,
        "provincial",
        totals,
        ("2025-09-10", "2025-09-12"),
    )
    .await;
    path
}

/// Opens a round of `kind` on `dates.0` and records the commune's assessment forwarding it
/// on `dates.1`, as Lâm Đồng's commune officer.
pub async fn open_and_assess(
    server: &TestServer,
    t: &LamDong,
    path: &str,
    kind: &str,
    dates: (&str, &str),
) {
    let mut round = dossier(dates.0);
    round["kind"] = json!(kind);
    server
        .post(&t.officer, &format!("{path}/evaluations"), &round)
        .await
        .expect(201);
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": dates.1, "forward": true, "local_origin": true,
                    "notes": "Nguyên liệu tại địa phương", "report_ref": "12/TTr-UBND"}),
        )
        .await
        .expect(201);
}

/// [`scored_in_lam_dong`], then recognised 4★ by the province on 2025-09-20
/// (156/QĐ-UBND, UBND tỉnh Lâm Đồng, valid until 2028-09-20); returns its path.
pub async fn recognised_in_lam_dong(
    server: &TestServer,
    t: &LamDong,
    name: &str,
    totals: &[u32],
) -> String {
    let path = scored_in_lam_dong(server, t, name, totals).await;
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    path
}

/// Convenes a council of `totals.len()` members at `level` on `dates.0`, records one card a
/// member with these totals and concludes on `dates.1`, as `token`.
pub async fn score(
    server: &TestServer,
    token: &str,
    path: &str,
    level: &str,
    totals: &[u32],
    dates: (&str, &str),
) {
    let at = |step: &str| format!("{path}/evaluations/current/{step}");
    server
        .post(
            token,
            &at("council"),
            &council(level, totals.len(), dates.0),
        )
        .await
        .expect(201);
    for (i, total) in totals.iter().enumerate() {
        server
            .post(token, &at("scorecards"), &card(i + 1, *total, dates.0))
            .await
            .expect(201);
    }
    server
        .post(token, &at("conclude"), &json!({"concluded_on": dates.1}))
        .await
        .expect(201);
}

/// `GET path` waiting for the command answered by `after`.
pub async fn read_after(server: &TestServer, token: &str, path: &str, after: &Answer) -> Answer {
    let position = after.body["global_position"]
        .as_i64()
        .expect("a command answer");
    let sep = if path.contains('?') { '&' } else { '?' };
    server
        .get(Some(token), &format!("{path}{sep}min_position={position}"))
        .await
        .expect(200)
}

async fn provincial_four_stars_then_central_five_stars(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[90, 90, 90]).await;
    let decision = format!("{path}/evaluations/current/decision");

    // The province may not award 5★ under qd1489-2025.
    let refused = server
        .post(
            &t.province,
            &decision,
            &recognition(5, "2025-09-20", "150/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(refused.body["violations"][0]["code"], "level_cannot_award");

    let four = server
        .post(
            &t.province,
            &decision,
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    assert_eq!(four.body["events"][0]["event_type"], "RecognitionDecided");
    let after_four = read_after(server, &t.province, &path, &four).await;
    let state = &after_four.body;
    assert_eq!(state["status"], "recognized");
    assert_eq!(state["recognition"]["stars"], 4);
    assert_eq!(state["recognition"]["potential_five_star"], true);
    assert_eq!(state["recognition"]["level"], "provincial");
    assert_eq!(state["recognition"]["valid_until"], "2028-09-20");
    assert_eq!(state["recognition"]["decision_no"], "156/QĐ-UBND");
    assert_eq!(state["current_evaluation"]["level"], "central");
    assert_eq!(state["current_evaluation"]["rules_version"], "qd1489-2025");
    assert_eq!(state["current_evaluation"]["results"][0]["mean"], "90.00");
    let four_version = four.body["version"].as_i64().unwrap();
    assert_eq!(
        after_four.header("etag"),
        Some(format!("\"{four_version}\"").as_str())
    );

    // Only the central council awards 5★.
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/council"),
            &council("central", 5, "2025-11-01"),
        )
        .await
        .problem(403, "forbidden");
    score(
        server,
        &t.central,
        &path,
        "central",
        &[92, 91, 90, 93, 90],
        ("2025-11-01", "2025-11-02"),
    )
    .await;
    let five = server
        .post(
            &t.central,
            &decision,
            &recognition(
                5,
                "2025-11-20",
                "88/QĐ-BNNMT",
                "Bộ Nông nghiệp và Môi trường",
            ),
        )
        .await
        .expect(201);
    let now = read_after(server, &t.auditor, &path, &five).await.body;
    assert_eq!(now["recognition"]["stars"], 5);
    assert_eq!(now["recognition"]["level"], "central");
    assert_eq!(now["recognition"]["potential_five_star"], false);
    assert_eq!(now["recognition"]["valid_until"], "2028-11-20");
    assert!(now["current_evaluation"].is_null());

    // As recorded at a version and at a time: the state the API answered back then.
    let at_version = server
        .get(
            Some(&t.auditor),
            &format!("{path}?at_version={four_version}"),
        )
        .await
        .expect(200);
    assert_eq!(at_version.body, after_four.body);
    assert_eq!(
        at_version.header("etag"),
        Some(format!("\"{four_version}\"").as_str())
    );
    let history = server
        .get(Some(&t.auditor), &format!("{path}/history"))
        .await
        .expect(200);
    let events = history.body["events"].as_array().unwrap();
    assert_eq!(events.len() as i64, now["version"].as_i64().unwrap());
    let recorded_at = events[four_version as usize - 1]["recorded_at"]
        .as_str()
        .unwrap();
    let as_of = server
        .get(
            Some(&t.auditor),
            &format!("{path}?as_of={}", recorded_at.replace('+', "%2B")),
        )
        .await
        .expect(200);
    assert_eq!(as_of.body, after_four.body);
    for e in events {
        assert!(e["actor"]["user"].is_string() && e["actor"]["role"].is_string());
        assert_eq!(e["hash"].as_str().unwrap().len(), 64);
    }
    assert_eq!(events[0]["actor"]["scope"], "province:68/commune:24730");

    // Legally true on a business date.
    let on = |date: &str| {
        let url = format!("{path}?valid_on={date}");
        let auditor = t.auditor.clone();
        async move { server.get(Some(&auditor), &url).await }
    };
    let before = on("2025-09-19").await.expect(200);
    assert_eq!(before.body["recognized"], false);
    let october = on("2025-10-01").await.expect(200);
    assert_eq!(october.body["recognition"]["stars"], 4);
    let december = on("2025-12-01").await.expect(200);
    assert_eq!(december.body["recognition"]["stars"], 5);
    assert_eq!(december.body["recognition"]["decision_no"], "88/QĐ-BNNMT");

    // The consumer look-up needs no token.
    let id = path.rsplit('/').next().unwrap();
    let public = server
        .get(None, &format!("/api/v1/public/products/{id}"))
        .await
        .expect(200);
    assert_eq!(public.body["stars"], 5);
    assert_eq!(public.body["name"], "Mật ong hoa cà phê");
}
http_on_both_stores!(
    a_2025_round_reaches_a_provincial_four_star_with_the_flag_and_a_central_five_star_on_sqlite,
    a_2025_round_reaches_a_provincial_four_star_with_the_flag_and_a_central_five_star_on_postgres,
    provincial_four_stars_then_central_five_stars
);

async fn district_three_stars_then_expiry(server: &TestServer) {
    let officer = server.token("commune_officer", "province:01/commune:00004", "cb-ha-noi");
    let district = server.token("district_secretary", "province:01/district:001", "tk-huyen");
    let auditor = server.token("auditor", "national", "kiem-toan");
    let mut body = registration("Chè Shan tuyết Ba Vì");
    body["province"] = json!("01");
    body["commune"] = json!("00004");
    body["district"] = json!("001");
    body["registered_on"] = json!("2023-05-01");
    let registered = server
        .post(&officer, "/api/v1/products", &body)
        .await
        .expect(201);
    let path = registered.product_path();
    server
        .post(
            &officer,
            &format!("{path}/evaluations"),
            &dossier("2023-06-01"),
        )
        .await
        .expect(201);
    score(
        server,
        &district,
        &path,
        "district",
        &[60, 62, 58],
        ("2023-06-10", "2023-06-12"),
    )
    .await;
    let decided = server
        .post(
            &district,
            &format!("{path}/evaluations/current/decision"),
            &recognition(3, "2023-06-20", "45/QĐ-UBND", "UBND huyện Ba Vì"),
        )
        .await
        .expect(201);
    let state = read_after(server, &auditor, &path, &decided).await.body;
    assert_eq!(state["recognition"]["level"], "district");
    assert_eq!(state["recognition"]["stars"], 3);
    assert_eq!(state["recognition"]["valid_until"], "2026-06-20");
    assert_eq!(state["current_evaluation"], Value::Null);

    // The clock is the operator's only with --test-clock; --dry-run lists what is due on
    // a day and records nothing; a day after today records only on a rehearsal store,
    // which a store holding records cannot become.
    let refused = server.ocop(&["timers", "run", "--now", "2026-05-25"]).await;
    assert!(refused.unwrap_err().contains("--test-clock"));
    let head = server
        .get(Some(&auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    server
        .ocop(&["timers", "run", "--now", "2026-05-25", "--dry-run"])
        .await
        .unwrap();
    let future = (chrono::Utc::now() + chrono::Duration::days(400))
        .date_naive()
        .to_string();
    let refused = server
        .ocop(&["timers", "run", "--now", &future, "--test-clock"])
        .await
        .unwrap_err();
    assert!(
        refused.contains("after today") && refused.contains("--dry-run"),
        "{refused}"
    );
    let refused = server.ocop(&["migrate", "--rehearsal"]).await.unwrap_err();
    assert!(refused.contains("only an empty store"), "{refused}");
    let unchanged = server
        .get(Some(&auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    assert_eq!(
        unchanged, head,
        "nothing recorded by the refused or dry runs"
    );
    // The notice 30 days before valid_until, then the expiry the day after it; twice each.
    for _ in 0..2 {
        server
            .ocop(&["timers", "run", "--now", "2026-05-25", "--test-clock"])
            .await
            .unwrap();
    }
    for _ in 0..2 {
        server
            .ocop(&[
                "timers",
                "run",
                "--now",
                "2026-06-21T09:00:00+07:00",
                "--test-clock",
            ])
            .await
            .unwrap();
    }
    let history = server
        .get(Some(&auditor), &format!("{path}/history"))
        .await
        .expect(200);
    let kinds: Vec<&str> = history.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "ExpiryNoticeIssued").count(),
        1
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "RecognitionExpired").count(),
        1
    );
    assert_eq!(kinds.last(), Some(&"RecognitionExpired"));
    let last = history.body["events"].as_array().unwrap().last().unwrap()["global_position"]
        .as_i64()
        .unwrap();
    let now = server
        .get(Some(&auditor), &format!("{path}?min_position={last}"))
        .await
        .expect(200);
    assert_eq!(now.body["status"], "expired");
    // Legally it held through valid_until and not a day after.
    let held = server
        .get(Some(&auditor), &format!("{path}?valid_on=2026-06-20"))
        .await
        .expect(200);
    assert_eq!(held.body["recognized"], true);
    let lapsed = server
        .get(Some(&auditor), &format!("{path}?valid_on=2026-06-21"))
        .await
        .expect(200);
    assert_eq!(lapsed.body["recognized"], false);
    let expired = server
        .get(
            Some(&auditor),
            &format!("/api/v1/products?status=expired&province=01&min_position={last}"),
        )
        .await
        .expect(200);
    assert_eq!(expired.body["items"].as_array().unwrap().len(), 1);
}
http_on_both_stores!(
    a_2023_district_three_star_expires_through_the_timer_command_on_sqlite,
    a_2023_district_three_star_expires_through_the_timer_command_on_postgres,
    district_three_stars_then_expiry
);

async fn refusals(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Cà phê Robusta rang xay", &[40, 42, 38]).await;
    let decision = format!("{path}/evaluations/current/decision");
    let above = server
        .post(
            &t.province,
            &decision,
            &recognition(3, "2025-09-20", "157/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(above.body["violations"][0]["code"], "stars_above_band");
    let refusal = server
        .post(&t.province, &decision, &json!({"decided_on": "2025-09-20", "recognized": false,
              "decision_no": null, "authority": "UBND tỉnh Lâm Đồng", "reason": "Điểm trung bình dưới 50"}))
        .await
        .expect(201);
    assert_eq!(
        refusal.body["events"][0]["event_type"],
        "RecognitionRefused"
    );
    let state = read_after(server, &t.province, &path, &refusal).await.body;
    assert_eq!(state["status"], "not_recognized");
    assert!(state["recognition"].is_null());

    // A failed mandatory criterion blocks the award whatever the points.
    let path = {
        let registered = server
            .post(
                &t.officer,
                "/api/v1/products",
                &registration("Trà Shan tuyết cổ thụ"),
            )
            .await
            .expect(201);
        registered.product_path()
    };
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations"),
            &dossier("2025-09-01"),
        )
        .await
        .expect(201);
    server
        .post(
            &t.officer,
            &format!("{path}/evaluations/current/local-assessment"),
            &json!({"assessed_on": "2025-09-05", "forward": true, "local_origin": true}),
        )
        .await
        .expect(201);
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/council"),
            &council("provincial", 3, "2025-09-10"),
        )
        .await
        .expect(201);
    for i in 1..=3 {
        let mut c = card(i, 80, "2025-09-10");
        // Failed when more than half of the present members list it.
        if i <= 2 {
            c["mandatory_failed"] = json!(["A1"]);
        }
        server
            .post(
                &t.province,
                &format!("{path}/evaluations/current/scorecards"),
                &c,
            )
            .await
            .expect(201);
    }
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/conclude"),
            &json!({"concluded_on": "2025-09-12"}),
        )
        .await
        .expect(201);
    let blocked = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "158/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        blocked.body["violations"][0]["code"],
        "mandatory_criterion_failed"
    );
}
http_on_both_stores!(
    refusals_are_recorded_and_awards_above_the_band_refused_on_sqlite,
    refusals_are_recorded_and_awards_above_the_band_refused_on_postgres,
    refusals
);

async fn revocation_is_public(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Nước mắm truyền thống", &[75, 78, 80]).await;
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "160/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let complaint = server
        .post(&t.inspector, &format!("{path}/complaints"),
              &json!({"received_on": "2025-12-01", "source": "consumer", "summary": "Sản phẩm khác mẫu đã chứng nhận"}))
        .await
        .expect(201);
    assert_eq!(
        complaint.body["events"][0]["event_type"],
        "ComplaintReceived"
    );
    server
        .post(&t.inspector, &format!("{path}/inspections"),
              &json!({"inspected_on": "2025-12-15", "authority": "Chi cục QLCL tỉnh Lâm Đồng",
                      "findings": "Vi phạm an toàn thực phẩm", "compliant": false, "complaint_id": null}))
        .await
        .expect(201);
    let revoked = server
        .post(&t.province, &format!("{path}/revocation"),
              &json!({"decided_on": "2026-01-10", "decision_no": "12/QĐ-UBND", "authority": "UBND tỉnh Lâm Đồng",
                      "grounds": ["food_safety_violation"], "details": "Kết quả kiểm tra không đạt"}))
        .await
        .expect(201);
    let state = read_after(server, &t.province, &path, &revoked).await.body;
    assert_eq!(state["status"], "revoked");
    assert_eq!(state["complaints"].as_array().unwrap().len(), 1);
    assert_eq!(state["inspections"].as_array().unwrap().len(), 1);
    let id = path.rsplit('/').next().unwrap();
    let list = server
        .get(None, "/api/v1/public/revocations?since=2026-01-01")
        .await
        .expect(200);
    let items = list.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|r| r["product_id"] == id && r["decision_no"] == "12/QĐ-UBND"),
        "{}",
        list.body
    );
    let later = server
        .get(None, "/api/v1/public/revocations?since=2026-02-01")
        .await
        .expect(200);
    assert!(later.body["items"].as_array().unwrap().is_empty());
    let public = server
        .get(None, &format!("/api/v1/public/products/{id}"))
        .await
        .expect(200);
    assert_eq!(public.body["status"], "revoked");

    // Statistics count it.
    let stats = server
        .get(Some(&t.auditor), "/api/v1/stats?group_by=province,status")
        .await
        .expect(200);
    assert!(
        stats.body["counts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["province"] == "68" && r["status"] == "revoked" && r["count"] == 1),
        "{}",
        stats.body
    );
}
http_on_both_stores!(
    a_revocation_is_visible_in_the_public_list_on_sqlite,
    a_revocation_is_visible_in_the_public_list_on_postgres,
    revocation_is_public
);

/// Rule 9: a recognition decided 30 days from now, a complaint received 40 days from now and
/// an inspection dated next year are refused, `422 rule_violation` `date_in_future` naming
/// the field, and nothing is recorded; the same commands dated today are recorded.
async fn no_fact_is_recorded_before_it_happened(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = scored_in_lam_dong(server, &t, "Cà phê Cầu Đất", &[80, 82, 81]).await;
    let today = ocop_api::run::today_in_vietnam(chrono::Utc::now());
    let later = |days: u64| (today + chrono::Days::new(days)).to_string();
    let version = |body: &Value| body["version"].as_i64().unwrap();
    let before = version(&server.get(Some(&t.auditor), &path).await.expect(200).body);

    let refused = |answer: Answer, field: &str| {
        let answer = answer.problem(422, "rule_violation");
        let v = &answer.body["violations"][0];
        assert_eq!(v["code"], "date_in_future", "{}", answer.body);
        assert_eq!(v["field"], field, "{}", answer.body);
        assert_eq!(v["today"], today.to_string(), "{}", answer.body);
    };
    let decision = format!("{path}/evaluations/current/decision");
    refused(
        server
            .post(
                &t.province,
                &decision,
                &recognition(4, &later(30), "160/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
            )
            .await,
        "decided_on",
    );
    server
        .post(
            &t.province,
            &decision,
            &recognition(4, "2025-09-20", "160/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    refused(
        server
            .post(
                &t.inspector,
                &format!("{path}/complaints"),
                &json!({"received_on": later(40), "source": "consumer", "summary": "Nhãn sai"}),
            )
            .await,
        "received_on",
    );
    refused(
        server
            .post(
                &t.inspector,
                &format!("{path}/inspections"),
                &json!({"inspected_on": later(366), "authority": "Sở Y tế Lâm Đồng",
                        "findings": "Đạt", "compliant": true}),
            )
            .await,
        "inspected_on",
    );
    let after = version(&server.get(Some(&t.auditor), &path).await.expect(200).body);
    assert_eq!(
        after,
        before + 1,
        "only the decision dated in the past is recorded"
    );
    server
        .post(
            &t.inspector,
            &format!("{path}/complaints"),
            &json!({"received_on": today.to_string(), "source": "consumer", "summary": "Nhãn sai"}),
        )
        .await
        .expect(201);
}
http_on_both_stores!(
    no_fact_before_it_happened_on_sqlite,
    no_fact_before_it_happened_on_postgres,
    no_fact_is_recorded_before_it_happened
);

/// "Today" is the server clock's day in Vietnam (UTC+7): at 17:30 UTC on 20 September it is
/// already the 21st there, so a decision of the 21st is recorded and one of the 22nd is not.
async fn today_is_the_servers_day_in_vietnam(server: TestServer) {
    let t = LamDong::tokens(&server);
    let path = scored_in_lam_dong(&server, &t, "Chè Blao", &[80, 82, 81]).await;
    let decision = format!("{path}/evaluations/current/decision");
    let refused = server
        .post(
            &t.province,
            &decision,
            &recognition(4, "2025-09-22", "161/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(refused.body["violations"][0]["today"], "2025-09-21");
    server
        .post(
            &t.province,
            &decision,
            &recognition(4, "2025-09-21", "161/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn today_is_the_servers_day_in_vietnam_on_sqlite() {
    today_is_the_servers_day_in_vietnam(TestServer::sqlite_at("2025-09-20T17:30:00Z").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn today_is_the_servers_day_in_vietnam_on_postgres() {
    today_is_the_servers_day_in_vietnam(TestServer::postgres_at("2025-09-20T17:30:00Z").await)
        .await;
}

/// Rule 10 over HTTP: what the ministry's audit would flag as an error is refused first —
/// a central council of 7 that set its quorum at 3 concluding on 4 cards; a province
/// revoking a 4★ valid until 2028 as `not_re_evaluated`; a revocation signed by another
/// province. The recognising authority is compared by identity: "Ủy ban nhân dân tỉnh Lâm
/// Đồng" revokes what "UBND tỉnh Lâm Đồng" recognised. Nothing is recorded when refused.
async fn the_engine_refuses_what_the_audit_would_flag(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = recognised_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[90, 90, 90]).await;
    let at = |step: &str| format!("{path}/evaluations/current/{step}");
    let mut central = council("central", 7, "2025-11-01");
    central["quorum"] = json!({"min_present": 3, "chair_required": true});
    server
        .post(&t.central, &at("council"), &central)
        .await
        .expect(201);
    for (i, total) in [92, 91, 90, 93].iter().enumerate() {
        server
            .post(
                &t.central,
                &at("scorecards"),
                &card(i + 1, *total, "2025-11-01"),
            )
            .await
            .expect(201);
    }
    let refused = server
        .post(
            &t.central,
            &at("conclude"),
            &json!({"concluded_on": "2025-11-02"}),
        )
        .await
        .problem(422, "rule_violation");
    let v = &refused.body["violations"][0];
    assert_eq!(v["code"], "quorum_not_met", "{}", refused.body);
    assert_eq!(
        (v["present"].as_i64(), v["required"].as_i64()),
        (Some(4), Some(5))
    );
    server
        .post(&t.central, &at("scorecards"), &card(5, 90, "2025-11-01"))
        .await
        .expect(201);
    server
        .post(
            &t.central,
            &at("conclude"),
            &json!({"concluded_on": "2025-11-02"}),
        )
        .await
        .expect(201);

    let revocation = |ground: &str, authority: &str| {
        json!({"decided_on": "2026-01-10", "decision_no": "12/QĐ-UBND", "authority": authority,
               "grounds": [ground], "details": ""})
    };
    let version = |body: &Value| body["version"].as_i64().unwrap();
    let before = version(&server.get(Some(&t.auditor), &path).await.expect(200).body);
    let refused = server
        .post(
            &t.province,
            &format!("{path}/revocation"),
            &revocation("not_re_evaluated", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        refused.body["violations"][0]["code"],
        "revocation_ground_not_met"
    );
    let refused = server
        .post(
            &t.province,
            &format!("{path}/revocation"),
            &revocation("food_safety_violation", "UBND tỉnh Đắk Lắk"),
        )
        .await
        .problem(422, "rule_violation");
    assert_eq!(
        refused.body["violations"][0]["code"],
        "revoked_by_other_authority"
    );
    let after = version(&server.get(Some(&t.auditor), &path).await.expect(200).body);
    assert_eq!(after, before, "nothing recorded");
    server
        .post(
            &t.province,
            &format!("{path}/revocation"),
            &revocation("food_safety_violation", "Ủy ban nhân dân tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
}
http_on_both_stores!(
    the_engine_refuses_what_the_audit_would_flag_on_sqlite,
    the_engine_refuses_what_the_audit_would_flag_on_postgres,
    the_engine_refuses_what_the_audit_would_flag
);

/// Rule 11 over HTTP: an upgrade round of a 4★ whose provincial council scores 65 (3★) is
/// refused, and the standing 4★ stays as it was — stars, decision, valid until; the audit
/// finds nothing wrong with that refusal.
async fn a_failed_upgrade_keeps_the_standing_recognition(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = recognised_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 80, 80]).await;
    let before = server.get(Some(&t.auditor), &path).await.expect(200).body;
    open_and_assess(server, &t, &path, "upgrade", ("2026-03-01", "2026-03-05")).await;
    score(
        server,
        &t.province,
        &path,
        "provincial",
        &[65, 65, 65],
        ("2026-03-10", "2026-03-12"),
    )
    .await;
    let refused = server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &json!({"decided_on": "2026-03-20", "recognized": false, "stars": null,
                    "decision_no": "40/QĐ-UBND", "authority": "UBND tỉnh Lâm Đồng",
                    "certificate_no": null, "reason": "Chưa đạt hạng cao hơn"}),
        )
        .await
        .expect(201);
    let after = read_after(server, &t.auditor, &path, &refused).await.body;
    assert_eq!(after["status"], "recognized");
    assert_eq!(after["recognition"], before["recognition"], "{after}");
    assert_eq!(after["current_evaluation"], Value::Null);
    let audit = server
        .get(Some(&t.auditor), &format!("{path}/audit"))
        .await
        .expect(200)
        .body;
    assert_eq!(audit["findings"], json!([]), "{audit}");
}
http_on_both_stores!(
    a_failed_upgrade_keeps_the_standing_recognition_on_sqlite,
    a_failed_upgrade_keeps_the_standing_recognition_on_postgres,
    a_failed_upgrade_keeps_the_standing_recognition
);

/// Rule 11 over HTTP: a central 5★ re-evaluated, whose province awards 4★ with the flag,
/// still shows 5★ (and the 4★ waiting); when the central council says "không đạt", the
/// province's 4★ stands from that day.
async fn a_five_stars_re_evaluation_waits_for_the_ministry(server: &TestServer) {
    let t = LamDong::tokens(server);
    let path = recognised_in_lam_dong(server, &t, "Cà phê Arabica Cầu Đất", &[90, 91, 92]).await;
    let decision = format!("{path}/evaluations/current/decision");
    let five = |on: &str| recognition(5, on, "2361/QĐ-BNNMT", "Bộ Nông nghiệp và Môi trường");
    score(
        server,
        &t.central,
        &path,
        "central",
        &[92, 91, 90, 93, 90],
        ("2025-11-01", "2025-11-02"),
    )
    .await;
    server
        .post(&t.central, &decision, &five("2025-11-20"))
        .await
        .expect(201);

    open_and_assess(
        server,
        &t,
        &path,
        "re_evaluation",
        ("2026-03-02", "2026-03-06"),
    )
    .await;
    score(
        server,
        &t.province,
        &path,
        "provincial",
        &[91, 90, 92],
        ("2026-03-20", "2026-03-22"),
    )
    .await;
    let four = server
        .post(
            &t.province,
            &decision,
            &recognition(4, "2026-04-01", "412/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let state = read_after(server, &t.auditor, &path, &four).await.body;
    assert_eq!(state["recognition"]["stars"], 5, "{state}");
    assert_eq!(state["recognition"]["level"], "central");
    assert_eq!(state["pending_recognition"]["stars"], 4);
    assert_eq!(state["current_evaluation"]["level"], "central");
    // The staff page shows the 5★ standing and the province's award waiting.
    let id = path.rsplit('/').next().unwrap();
    let page = server.staff_page(&format!("/quan-ly/san-pham/{id}")).await;
    assert!(
        page.contains("đang chờ Bộ quyết định") && page.contains("412/QĐ-UBND"),
        "{page}"
    );

    score(
        server,
        &t.central,
        &path,
        "central",
        &[85, 86, 88, 89, 87],
        ("2026-06-01", "2026-06-02"),
    )
    .await;
    let refused = server
        .post(
            &t.central,
            &decision,
            &json!({"decided_on": "2026-06-10", "recognized": false, "decision_no": null,
                    "authority": "Bộ Nông nghiệp và Môi trường", "reason": "không đạt"}),
        )
        .await
        .expect(201);
    let state = read_after(server, &t.auditor, &path, &refused).await.body;
    assert_eq!(state["recognition"]["stars"], 4, "{state}");
    assert_eq!(state["recognition"]["decision_no"], "412/QĐ-UBND");
    assert_eq!(state["pending_recognition"], Value::Null);
    let public = server
        .get(
            None,
            &format!(
                "/api/v1/public/products/{}",
                path.rsplit('/').next().unwrap()
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(public["stars"], 4, "{public}");
    let audit = server
        .get(
            Some(&t.auditor),
            &format!(
                "{path}/audit?min_position={}",
                refused.body["global_position"]
            ),
        )
        .await
        .expect(200)
        .body;
    let errors: Vec<&Value> = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}
http_on_both_stores!(
    a_five_stars_re_evaluation_waits_for_the_ministry_on_sqlite,
    a_five_stars_re_evaluation_waits_for_the_ministry_on_postgres,
    a_five_stars_re_evaluation_waits_for_the_ministry
);
