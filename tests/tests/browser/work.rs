//! The staff's work in the browser (issue 24): a whole `qd1489-2025` round from the
//! commune's registration to the ministry's 5★, every step through its form; the grid
//! sent twice recording each card once; a part A over its maximum refused with the rule's
//! words; a stale form refused saying who changed the product; a decision over three
//! products; a complaint and the inspection that answers it; a revocation on the public
//! page. axe-core runs on every form.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::{Value, json};

use super::{Browser, accounts, sign_in_by_keyboard, sign_out};
use crate::http::lifecycle::{LamDong, scored_in_lam_dong};
use crate::http::support::TestServer;

/// The demo test accounts' passwords (see `accounts`).
const LAM_DONG: (&str, &str) = ("tinh.lamdong", "mat-khau-lam-dong");
const COMMUNE: (&str, &str) = ("xa.daksong", "mat-khau-du-dai");
const CENTRAL: (&str, &str) = ("trunguong", "mat-khau-du-dai");
const INSPECTOR: (&str, &str) = ("thanhtra.lamdong", "mat-khau-du-dai");

impl Browser {
    /// Types `text` into the field `id`, replacing what it held.
    async fn fill(&self, id: &str, text: &str) {
        let path = self.path().await;
        let field = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no field #{id} on {path}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses the option `value` of the list `id`.
    async fn choose(&self, id: &str, value: &str) {
        self.client
            .find(Locator::Css(&format!("#{id} option[value='{value}']")))
            .await
            .unwrap_or_else(|e| panic!("no option {value:?} in #{id}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Ticks (or chooses) the box or radio button `id`.
    async fn tick(&self, id: &str) {
        let el = self.client.find(Locator::Id(id)).await.unwrap();
        if !el.is_selected().await.unwrap() {
            el.click().await.unwrap();
        }
    }

    /// Presses the button with this text and waits for the next page.
    async fn press(&self, label: &str) {
        let path = self.path().await;
        self.client
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{label}']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no button {label:?} on {path}: {e}"))
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// Follows the link whose address ends with `suffix`.
    async fn follow_to(&self, suffix: &str) {
        let path = self.path().await;
        self.client
            .find(Locator::Css(&format!("a[href$='{suffix}']")))
            .await
            .unwrap_or_else(|e| panic!("no link to …{suffix} on {path}: {e}"))
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The event types of a product's history, as the API answers them.
async fn events(server: &TestServer, id: &str) -> Vec<String> {
    let auditor = server.token("auditor", "national", "kiem-toan");
    let history = server
        .get(Some(&auditor), &format!("/api/v1/products/{id}/history"))
        .await
        .expect(200);
    history.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect()
}

fn count(events: &[String], event_type: &str) -> usize {
    events.iter().filter(|e| *e == event_type).count()
}

async fn state(server: &TestServer, id: &str) -> Value {
    let auditor = server.token("auditor", "national", "kiem-toan");
    server
        .get(Some(&auditor), &format!("/api/v1/products/{id}"))
        .await
        .expect(200)
        .body
}

/// The product id of the staff page the browser is on.
async fn product_on(b: &Browser) -> String {
    let path = b.path().await;
    let id = path
        .trim_start_matches("/quan-ly/san-pham/")
        .split(['?', '/', '#'])
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "not on a product page: {path}");
    id
}

/// Fills a council of five (m1 the chair) and sends it.
async fn convene(b: &Browser, level: &str, on: &str) {
    b.check(&format!("hoi-dong-{level}")).await;
    b.choose("level", level).await;
    b.fill("council_ref", "1234/QĐ-UBND").await;
    b.fill("convened_on", on).await;
    for i in 0..5 {
        b.fill(&format!("members-{i}-member_id"), &format!("m{}", i + 1))
            .await;
        b.fill(
            &format!("members-{i}-name"),
            &format!("Thành viên {}", i + 1),
        )
        .await;
        b.choose(
            &format!("members-{i}-role"),
            if i == 0 { "chair" } else { "member" },
        )
        .await;
        b.fill(
            &format!("members-{i}-organisation"),
            "Sở Nông nghiệp và Môi trường",
        )
        .await;
    }
    b.fill("quorum-min_present", "5").await;
    b.tick("quorum-chair_required").await;
    b.fill("spread_limit", "10").await;
    b.press("Triệu tập hội đồng").await;
    b.shows(&["Đã ghi nhận vào sổ", "Triệu tập hội đồng"]).await;
}

/// Fills the grid's five rows with these parts (A, B, C).
async fn fill_grid(b: &Browser, on: &str, parts: [(u32, u32, u32); 5]) {
    b.fill("recorded_on", on).await;
    for (i, (a, bb, c)) in parts.iter().enumerate() {
        b.fill(&format!("cards-{i}-part_a"), &a.to_string()).await;
        b.fill(&format!("cards-{i}-part_b"), &bb.to_string()).await;
        b.fill(&format!("cards-{i}-part_c"), &c.to_string()).await;
    }
}

/// Concludes through the confirmation, checking that the preview records nothing.
async fn conclude(b: &Browser, server: &TestServer, id: &str, on: &str, mean: &str) {
    b.follow_to("/thao-tac/ket-luan").await;
    let before = count(&events(server, id).await, "ScoringConcluded");
    b.fill("concluded_on", on).await;
    b.press("Xem kết quả").await;
    b.shows(&["Kết quả sẽ được ghi nhận", "Điểm trung bình", mean])
        .await;
    b.check("ket-luan-xem-truoc").await;
    assert_eq!(
        count(&events(server, id).await, "ScoringConcluded"),
        before,
        "the preview recorded nothing"
    );
    b.press("Xác nhận và ghi nhận").await;
    b.shows(&["Đã ghi nhận vào sổ", "Kết luận chấm điểm"]).await;
}

async fn a_whole_round_in_the_browser(server: &TestServer, store: &str) {
    accounts(server).await;
    let base = server.base.clone();
    let b = Browser::start(&format!("{store}-vong")).await;

    // The commune officer registers the product, opens its round and forwards it.
    sign_in_by_keyboard(&b, &base, COMMUNE.0, COMMUNE.1).await;
    b.follow("Việc cần làm").await;
    b.check("viec-can-lam-xa").await;
    b.follow("Đăng ký sản phẩm mới").await;
    b.check("dang-ky").await;
    b.fill("name", "Cà phê chồn Đắk Song").await;
    b.fill("producer-name", "HTX Cà phê Đắk Song").await;
    b.choose("producer-kind", "cooperative").await;
    b.choose("product_group", "drinks").await;
    b.fill("product_set", "Cà phê").await;
    assert_eq!(
        b.client
            .find(Locator::Id("commune"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("24730"),
        "the officer's commune is filled in"
    );
    b.fill("registered_on", "01/08/2025").await;
    b.press("Đăng ký").await;
    b.shows(&["Đã ghi nhận vào sổ", "Đăng ký sản phẩm"]).await;
    let id = product_on(&b).await;
    assert_eq!(
        b.client
            .find(Locator::Css("tr.new"))
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .as_deref(),
        Some("su-kien-1"),
        "the new event is highlighted"
    );

    b.follow_to("/thao-tac/mo-vong-danh-gia").await;
    b.check("mo-vong").await;
    b.choose("kind", "initial").await;
    b.fill("opened_on", "01/09/2025").await;
    b.choose("documents-0-kind", "registration_form").await;
    // The file's SHA-256 and size come from the browser; the file is not sent.
    let file = std::env::temp_dir().join(format!("phieu-dang-ky-{store}.txt"));
    std::fs::write(&file, "abc").unwrap();
    b.client
        .find(Locator::Css("input[type=file][data-row='documents-0']"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    let mut digest = None;
    for _ in 0..50 {
        let v = b
            .client
            .find(Locator::Id("documents-0-sha256"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        if v.as_deref().is_some_and(|v| !v.is_empty()) {
            digest = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        digest.as_deref(),
        Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    b.fill("documents-0-title", "Phiếu đăng ký sản phẩm").await;
    b.press("Mở vòng đánh giá").await;
    b.shows(&["Đã ghi nhận vào sổ", "Mở vòng đánh giá"]).await;
    let opened = state(server, &id).await;
    assert_eq!(
        opened["current_evaluation"]["rules_version"], "qd1489-2025",
        "{opened}"
    );

    // Returned for completion, then amended: both from the product's actions.
    b.follow_to("/thao-tac/tra-ho-so").await;
    b.check("tra-ho-so").await;
    b.fill("returned_on", "02/09/2025").await;
    b.fill("reasons", "Thiếu phiếu kết quả kiểm nghiệm").await;
    b.press("Trả hồ sơ").await;
    b.shows(&["Đã ghi nhận vào sổ", "Trả hồ sơ"]).await;
    b.follow_to("/thao-tac/bo-sung-ho-so").await;
    b.check("bo-sung-ho-so").await;
    b.fill("amended_on", "04/09/2025").await;
    b.choose("documents-0-kind", "test_result").await;
    b.fill("documents-0-title", "Phiếu kết quả kiểm nghiệm")
        .await;
    b.fill("documents-0-sha256", &"cd".repeat(32)).await;
    b.fill("documents-0-size_bytes", "120400").await;
    b.press("Ghi nhận hồ sơ bổ sung").await;
    b.shows(&["Đã ghi nhận vào sổ"]).await;

    b.follow_to("/thao-tac/danh-gia-cap-xa").await;
    b.check("danh-gia-cap-xa").await;
    b.fill("assessed_on", "05/09/2025").await;
    b.tick("local_origin").await;
    b.press("Ghi nhận đánh giá").await;
    b.shows(&["Đã ghi nhận vào sổ"]).await;
    sign_out(&b).await;

    // The provincial secretary finds it in the inbox and convenes the council.
    sign_in_by_keyboard(&b, &base, LAM_DONG.0, LAM_DONG.1).await;
    b.follow("Việc cần làm").await;
    b.shows(&["Hội đồng cần triệu tập", "Cà phê chồn Đắk Song"])
        .await;
    b.check("viec-can-lam-tinh").await;
    b.follow_to(&format!("{id}/thao-tac/thanh-lap-hoi-dong"))
        .await;
    convene(&b, "provincial", "10/09/2025").await;

    // A part A over its maximum: the rule's words on the row, nothing recorded.
    b.follow_to("/thao-tac/phieu-cham").await;
    b.check("phieu-cham").await;
    fill_grid(
        &b,
        "10/09/2025",
        [
            (45, 25, 30),
            (36, 25, 30),
            (36, 25, 30),
            (36, 25, 30),
            (36, 25, 30),
        ],
    )
    .await;
    b.press("Ghi nhận các phiếu").await;
    b.shows(&["Chưa ghi nhận", "vượt mức tối đa 40 điểm", "Thành viên 1"])
        .await;
    b.check("phieu-cham-loi").await;
    assert_eq!(count(&events(server, &id).await, "ScorecardRecorded"), 0);

    // The grid sent twice (a resubmitted page): each card recorded once.
    b.fill("cards-0-part_a", "36").await;
    b.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const form = document.querySelector('form.scorecards');
             fetch(form.action, {method: 'POST', credentials: 'same-origin',
                   headers: {'content-type': 'application/x-www-form-urlencoded'},
                   body: new URLSearchParams(new FormData(form)).toString()})
               .then(r => done(r.status), e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    b.press("Ghi nhận các phiếu").await;
    b.shows(&["Đã ghi nhận vào sổ", "Ghi phiếu chấm điểm"])
        .await;
    let recorded = events(server, &id).await;
    assert_eq!(count(&recorded, "ScorecardRecorded"), 5, "{recorded:?}");
    conclude(&b, server, &id, "12/09/2025", "91,00").await;

    // A stale form: someone recorded a complaint after it was opened.
    b.follow_to("/thao-tac/quyet-dinh").await;
    b.check("quyet-dinh").await;
    let t = LamDong::tokens(server);
    server
        .post(
            &t.inspector,
            &format!("/api/v1/products/{id}/complaints"),
            &json!({"received_on": "2025-09-15", "source": "consumer", "summary": "Bao bì ghi sai khối lượng"}),
        )
        .await
        .expect(201);
    b.fill("decided_on", "20/09/2025").await;
    b.tick("recognized-1").await;
    b.choose("stars", "4").await;
    b.fill("decision_no", "156/QĐ-UBND").await;
    b.fill("authority", "UBND tỉnh Lâm Đồng").await;
    b.press("Ghi nhận quyết định").await;
    b.shows(&["Chưa ghi nhận", "tt-lam-dong", "Tiếp nhận khiếu nại"])
        .await;
    b.check("quyet-dinh-cu").await;
    assert_eq!(count(&events(server, &id).await, "RecognitionDecided"), 0);
    b.follow("Mở biểu mẫu mới với phiên bản hiện tại").await;
    b.fill("decided_on", "20/09/2025").await;
    b.tick("recognized-1").await;
    b.choose("stars", "4").await;
    b.fill("decision_no", "156/QĐ-UBND").await;
    b.fill("authority", "UBND tỉnh Lâm Đồng").await;
    b.press("Ghi nhận quyết định").await;
    b.shows(&["Đã ghi nhận vào sổ", "Quyết định công nhận"])
        .await;
    let four = state(server, &id).await;
    assert_eq!(four["recognition"]["stars"], 4, "{four}");
    assert_eq!(four["recognition"]["potential_five_star"], true, "{four}");
    sign_out(&b).await;

    // The central secretary takes it to 5★.
    sign_in_by_keyboard(&b, &base, CENTRAL.0, CENTRAL.1).await;
    b.follow("Việc cần làm").await;
    b.shows(&["Cà phê chồn Đắk Song"]).await;
    b.follow_to(&format!("{id}/thao-tac/thanh-lap-hoi-dong"))
        .await;
    convene(&b, "central", "01/11/2025").await;
    b.follow_to("/thao-tac/phieu-cham").await;
    fill_grid(&b, "01/11/2025", [(37, 25, 30); 5]).await;
    b.press("Ghi nhận các phiếu").await;
    b.shows(&["Đã ghi nhận vào sổ"]).await;
    conclude(&b, server, &id, "02/11/2025", "92,00").await;
    b.follow_to("/thao-tac/quyet-dinh").await;
    b.fill("decided_on", "20/11/2025").await;
    b.tick("recognized-1").await;
    b.choose("stars", "5").await;
    b.fill("decision_no", "88/QĐ-BNNMT").await;
    b.fill("authority", "Bộ Nông nghiệp và Môi trường").await;
    b.fill("certificate_no", "OCOP-TW-2025-0088").await;
    b.press("Ghi nhận quyết định").await;
    b.shows(&["Đã ghi nhận vào sổ"]).await;

    // The forms this round did not need are drawn as accessibly as the rest.
    for form in [
        "mo-lai-cham-diem",
        "rut-khoi-chuong-trinh",
        "dinh-chinh",
        "ket-luan",
    ] {
        b.goto(&format!("{base}/quan-ly/san-pham/{id}/thao-tac/{form}"))
            .await;
        b.check(form).await;
    }
    b.goto(&format!("{base}/quan-ly/viec-can-lam")).await;
    b.check("viec-can-lam-trung-uong").await;
    sign_out(&b).await;

    // The public page shows 5★.
    b.goto(&format!("{base}/tra-cuu/{id}")).await;
    b.shows(&[
        "Cà phê chồn Đắk Song",
        "5 sao",
        "Còn hiệu lực",
        "20/11/2028",
    ])
    .await;
    b.check("cong-khai-5-sao").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_whole_round_in_the_browser_on_sqlite() {
    let server = TestServer::sqlite().await;
    a_whole_round_in_the_browser(&server, "sqlite").await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_whole_round_in_the_browser_on_postgres() {
    let server = TestServer::postgres().await;
    a_whole_round_in_the_browser(&server, "postgres").await;
    server.close().await;
}

async fn decisions_complaints_and_revocations(server: &TestServer, store: &str) {
    accounts(server).await;
    let t = LamDong::tokens(server);
    let mut ids = Vec::new();
    for name in ["Trà atiso Đà Lạt", "Mứt dâu Đà Lạt", "Rượu cần Lạc Dương"] {
        let path = scored_in_lam_dong(server, &t, name, &[80, 82, 81]).await;
        ids.push(path.rsplit('/').next().unwrap().to_owned());
    }
    let base = server.base.clone();
    let b = Browser::start(&format!("{store}-quyet-dinh")).await;

    // One decision over the three products.
    sign_in_by_keyboard(&b, &base, LAM_DONG.0, LAM_DONG.1).await;
    b.goto(&format!("{base}/quan-ly/quyet-dinh")).await;
    b.shows(&["Trà atiso Đà Lạt", "Mứt dâu Đà Lạt", "Rượu cần Lạc Dương"])
        .await;
    b.check("quyet-dinh-nhieu").await;
    b.fill("decided_on", "20/09/2025").await;
    b.fill("decision_no", "200/QĐ-UBND").await;
    b.fill("authority", "UBND tỉnh Lâm Đồng").await;
    for i in 0..3 {
        b.choose(&format!("items-{i}-result"), "4").await;
    }
    b.press("Ghi nhận quyết định").await;
    b.shows(&["Quyết định 200/QĐ-UBND", "Phụ lục (3 sản phẩm)"])
        .await;
    b.check("quyet-dinh-da-ghi").await;
    let decision_id = b.path().await;
    let decision_id = decision_id
        .trim_start_matches("/quan-ly/quyet-dinh/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let document = server
        .get(
            Some(&t.auditor),
            &format!("/api/v1/decisions/{decision_id}"),
        )
        .await
        .expect(200);
    assert_eq!(document.body["items"].as_array().unwrap().len(), 3);
    for id in &ids {
        let recorded = events(server, id).await;
        assert_eq!(count(&recorded, "RecognitionDecided"), 1, "{recorded:?}");
        assert_eq!(state(server, id).await["recognition"]["stars"], 4);
    }
    sign_out(&b).await;

    // The inspector records a complaint, then the inspection that answers it.
    let tea = &ids[0];
    sign_in_by_keyboard(&b, &base, INSPECTOR.0, INSPECTOR.1).await;
    b.goto(&format!("{base}/quan-ly/san-pham/{tea}")).await;
    b.follow_to("/thao-tac/khieu-nai").await;
    b.check("khieu-nai").await;
    b.fill("received_on", "01/12/2025").await;
    b.choose("source", "consumer").await;
    b.fill("summary", "Sản phẩm có dấu hiệu mốc").await;
    b.press("Ghi nhận khiếu nại").await;
    b.shows(&["Đã ghi nhận vào sổ", "Tiếp nhận khiếu nại"])
        .await;
    b.follow("Việc cần làm").await;
    b.shows(&["Khiếu nại chưa có kiểm tra", "Sản phẩm có dấu hiệu mốc"])
        .await;
    b.follow_to(&format!("{tea}/thao-tac/ket-qua-kiem-tra"))
        .await;
    b.check("kiem-tra").await;
    b.fill("inspected_on", "10/12/2025").await;
    b.fill("authority", "Chi cục QLCL tỉnh Lâm Đồng").await;
    b.fill("findings", "Mẫu kiểm nghiệm không đạt chỉ tiêu vi sinh")
        .await;
    b.tick("compliant-2").await;
    let complaint = state(server, tea).await["complaints"][0]["complaint_id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.choose("complaint_id", &complaint).await;
    b.press("Ghi nhận kiểm tra").await;
    b.shows(&["Đã ghi nhận vào sổ", "Ghi kết quả kiểm tra"])
        .await;
    let inspected = state(server, tea).await;
    assert_eq!(
        inspected["inspections"][0]["complaint_id"], complaint,
        "{inspected}"
    );
    assert_eq!(inspected["inspections"][0]["compliant"], false);
    sign_out(&b).await;

    // The province revokes; the public notices list it.
    sign_in_by_keyboard(&b, &base, LAM_DONG.0, LAM_DONG.1).await;
    b.goto(&format!("{base}/quan-ly/san-pham/{tea}")).await;
    b.follow_to("/thao-tac/thu-hoi").await;
    b.check("thu-hoi-form").await;
    b.fill("decided_on", "15/12/2025").await;
    b.fill("decision_no", "301/QĐ-UBND").await;
    b.fill("authority", "UBND tỉnh Lâm Đồng").await;
    b.tick("grounds-3").await;
    b.fill("details", "Kết quả kiểm tra không đạt").await;
    b.press("Thu hồi").await;
    b.shows(&["Đã ghi nhận vào sổ", "Thu hồi công nhận"]).await;
    assert_eq!(state(server, tea).await["status"], "revoked");
    sign_out(&b).await;
    b.goto(&format!("{base}/thu-hoi")).await;
    b.shows(&["Trà atiso Đà Lạt", "15/12/2025"]).await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn decisions_complaints_and_revocations_on_sqlite() {
    let server = TestServer::sqlite().await;
    decisions_complaints_and_revocations(&server, "sqlite").await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn decisions_complaints_and_revocations_on_postgres() {
    let server = TestServer::postgres().await;
    decisions_complaints_and_revocations(&server, "postgres").await;
    server.close().await;
}

/// The administrator imports a legacy list in the browser: the good row is recorded, the
/// bad one reported by its line and recorded nothing; the timers run from the page.
async fn the_administrator_imports_a_list_and_runs_the_timers(server: &TestServer, store: &str) {
    accounts(server).await;
    let base = server.base.clone();
    let b = Browser::start(&format!("{store}-quan-tri")).await;
    sign_in_by_keyboard(&b, &base, "quantri", "mat-khau-du-dai").await;
    b.follow("Quản trị").await;
    b.shows(&[
        "Dữ liệu đọc",
        "Hẹn giờ hết hạn",
        "Nhập danh sách công nhận cũ",
    ])
    .await;
    b.check("quan-tri").await;
    let list = "province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,valid_until\n\
                68,,24730,68-24730-1,Bánh tráng Đà Lạt,HTX Xuân Thọ,cooperative,food,4,80,96/QĐ-UBND,2024-01-15,UBND tỉnh Lâm Đồng,\n\
                68,,24730,68-24730-2,Mứt gừng,HTX Xuân Thọ,cooperative,food,6,80,97/QĐ-UBND,2024-01-15,UBND tỉnh Lâm Đồng,\n";
    let file = std::env::temp_dir().join(format!("danh-sach-{store}.csv"));
    std::fs::write(&file, list).unwrap();
    b.client
        .find(Locator::Id("csv-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    for _ in 0..50 {
        let v = b
            .client
            .find(Locator::Id("csv"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        if v.is_some_and(|v| v.contains("Mứt gừng")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.press("Nhập danh sách").await;
    b.shows(&[
        "2 dòng: 1 dòng được ghi",
        "1 dòng bị từ chối",
        "Các dòng bị từ chối",
    ])
    .await;
    b.check("quan-tri-nhap").await;
    let rejected = b
        .client
        .find(Locator::Css("table tbody tr td"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(rejected, "3", "the bad row is named by its line");
    let auditor = server.token("auditor", "national", "kiem-toan");
    let listed = server
        .get(
            Some(&auditor),
            "/api/v1/products?q=banh%20trang&min_position=1",
        )
        .await
        .expect(200);
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        1,
        "{:?}",
        listed.body
    );
    let none = server
        .get(Some(&auditor), "/api/v1/products?q=mut%20gung")
        .await
        .expect(200);
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);
    b.press("Chạy hẹn giờ hôm nay").await;
    b.shows(&["Đã chạy hẹn giờ ngày"]).await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_administrator_imports_a_list_and_runs_the_timers_on_sqlite() {
    let server = TestServer::sqlite().await;
    the_administrator_imports_a_list_and_runs_the_timers(&server, "sqlite").await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_administrator_imports_a_list_and_runs_the_timers_on_postgres() {
    let server = TestServer::postgres().await;
    the_administrator_imports_a_list_and_runs_the_timers(&server, "postgres").await;
    server.close().await;
}
