//! The web interface in a real browser: headless Chromium driven through chromedriver
//! (WebDriver, `fantoccini`) against a real server on each store. A person's path through
//! it — look a product up as a consumer, read a revoked product's page and its QR code, sign
//! in with the keyboard alone, see only one's own province, read a timeline and replay it —
//! with the axe-core checker (vendored, `tests/assets/axe.min.js`) on every screen and a
//! screenshot of each under `target/screenshots/`.
//!
//! Chromium and chromedriver are Debian's (`scripts/test` installs them). Missing, the test
//! fails saying so: it never skips.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::http::lifecycle::{LamDong, recognition, registration, scored_in_lam_dong};
use crate::http::support::TestServer;

mod work;

const AXE: &str = include_str!("../../assets/axe.min.js");

/// A chromedriver process and a browser session in it.
struct Browser {
    driver: tokio::process::Child,
    client: Client,
    shots: PathBuf,
    prefix: String,
}

fn chromedriver() -> PathBuf {
    let path = std::env::var_os("OCOP_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    assert!(
        path.exists(),
        "{} is missing: the browser tests need Debian's chromium and chromium-driver \
         (scripts/test installs them: apt-get install chromium chromium-driver)",
        path.display()
    );
    path
}

impl Browser {
    async fn start(prefix: &str) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = tokio::process::Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let caps = json!({
            "goog:chromeOptions": {
                "binary": std::env::var("OCOP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,1000", "--lang=vi-VN", "--no-first-run"]
            }
        });
        let caps: serde_json::Map<String, serde_json::Value> = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    let shots = PathBuf::from(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../target/screenshots"
                    ));
                    std::fs::create_dir_all(&shots).unwrap();
                    return Browser {
                        driver,
                        client,
                        shots,
                        prefix: prefix.to_owned(),
                    };
                }
                Err(e) => last = Some(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no browser session from chromedriver at {url}: {last:?}");
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    async fn screenshot(&self, name: &str) -> Vec<u8> {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{}-{name}.png", self.prefix)), &png).unwrap();
        png
    }

    /// Runs axe-core on the page; fails on any serious or critical violation. Saves a
    /// screenshot under `name`.
    async fn check(&self, name: &str) {
        self.screenshot(name).await;
        let lang = self
            .client
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap();
        assert_eq!(lang, "vi", "{name}: the page's language");
        self.client.execute(AXE, vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                   .then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe did not run: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(found, json!([]), "{name}: accessibility violations");
    }

    /// Follows the link with this text, as a click would.
    async fn follow(&self, link: &str) {
        self.client
            .find(Locator::LinkText(link))
            .await
            .unwrap_or_else(|e| panic!("no link {link:?}: {e}"))
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    /// The page's text, which must hold every one of `words`.
    async fn shows(&self, words: &[&str]) -> String {
        let text = self.text().await;
        for w in words {
            assert!(
                text.contains(w),
                "{w:?} is not on {}: {text}",
                self.path().await
            );
        }
        text
    }

    /// The id of the element that has the keyboard focus.
    async fn focused(&self) -> String {
        self.client
            .execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Presses keys on whatever has the focus, as a keyboard would.
    async fn keys(&self, keys: &str) {
        let active = self.client.active_element().await.unwrap();
        active.send_keys(keys).await.unwrap();
    }

    /// Tabs through the page until the element `id` has the focus.
    async fn tab_to(&self, id: &str) {
        for _ in 0..30 {
            if self.focused().await == id {
                return;
            }
            self.keys(&char::from(fantoccini::key::Key::Tab).to_string())
                .await;
        }
        panic!("the keyboard never reached #{id}");
    }

    async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill().await;
    }
}

/// Decodes the one QR code in a PNG screenshot.
fn decode_qr(png: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * channels;
        let px = &buf[i..i + channels.min(3)];
        (px.iter().map(|&v| u32::from(v)).sum::<u32>() / px.len() as u32) as u8
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the screenshot");
    grids[0].decode().unwrap().1
}

struct Seeded {
    honey: String,
    coffee: String,
    hanoi: String,
    /// Scored by the provincial council, not yet decided.
    tea: String,
}

/// Three products: Lâm Đồng's recognised honey, Lâm Đồng's coffee recognised then revoked,
/// and a product of Hà Nội.
async fn seed(server: &TestServer) -> Seeded {
    let t = LamDong::tokens(server);
    let honey = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 81]).await;
    let mut decision = recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng");
    decision["certificate_no"] = json!("68-OCOP-2025-0156");
    server
        .post(
            &t.province,
            &format!("{honey}/evaluations/current/decision"),
            &decision,
        )
        .await
        .expect(201);
    let coffee = scored_in_lam_dong(server, &t, "Cà phê Robusta Đắk Song", &[80, 81, 80]).await;
    server
        .post(
            &t.province,
            &format!("{coffee}/evaluations/current/decision"),
            &recognition(4, "2025-09-21", "157/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    server
        .post(&t.inspector, &format!("{coffee}/inspections"),
              &json!({"inspected_on": "2025-12-15", "authority": "Chi cục QLCL tỉnh Lâm Đồng",
                      "findings": "Vi phạm an toàn thực phẩm", "compliant": false, "complaint_id": null}))
        .await
        .expect(201);
    server
        .post(&t.province, &format!("{coffee}/revocation"),
              &json!({"decided_on": "2026-01-10", "decision_no": "12/QĐ-UBND", "authority": "UBND tỉnh Lâm Đồng",
                      "grounds": ["food_safety_violation"], "details": "Kết quả kiểm tra không đạt"}))
        .await
        .expect(201);
    let hanoi_officer = server.token("commune_officer", "province:01/commune:00004", "cb-ha-noi");
    let mut body = registration("Trà sen Tây Hồ");
    body["province"] = json!("01");
    body["commune"] = json!("00004");
    let hanoi = server
        .post(&hanoi_officer, "/api/v1/products", &body)
        .await
        .expect(201)
        .body["product_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let tea = scored_in_lam_dong(server, &t, "Trà atiso Đà Lạt", &[80, 82, 81]).await;
    let id = |path: String| path.rsplit('/').next().unwrap().to_owned();
    Seeded {
        honey: id(honey),
        coffee: id(coffee),
        hanoi,
        tea: id(tea),
    }
}

async fn accounts(server: &TestServer) {
    use ocop_projections::access::accounts::{NewAccount, add};
    let backend = ocop_projections::open(&server.url).await.unwrap();
    let now = chrono::Utc::now();
    for (username, display_name, scope, password) in [
        (
            "tinh.lamdong",
            "Trần Văn Minh",
            "province:68",
            "mat-khau-lam-dong",
        ),
        (
            "tinh.hanoi",
            "Nguyễn Thu Hà",
            "province:01",
            "mat-khau-ha-noi",
        ),
        ("kiemtoan", "Võ Thị Lan", "national", "mat-khau-kiem-toan"),
    ] {
        let role = if username == "kiemtoan" {
            "auditor"
        } else {
            "provincial_secretary"
        };
        let new = NewAccount {
            username,
            display_name,
            role,
            scope,
            password,
        };
        add(&backend.db, &new, "test", now).await.unwrap();
    }
    for (username, role, scope) in OTHER_ROLES {
        let new = NewAccount {
            username,
            display_name: "Cán bộ thử",
            role,
            scope,
            password: "mat-khau-du-dai",
        };
        add(&backend.db, &new, "test", now).await.unwrap();
    }
}

/// One account of each other role, with whether it sees Lâm Đồng's and Hà Nội's products.
const OTHER_ROLES: [(&str, &str, &str); 5] = [
    ("xa.daksong", "commune_officer", "province:68/commune:24730"),
    (
        "huyen.bavi",
        "district_secretary",
        "province:01/district:271",
    ),
    ("thanhtra.lamdong", "inspector", "province:68"),
    ("trunguong", "central_secretary", "national"),
    ("quantri", "admin", "national"),
];

/// A session opened for `username` (as another process would open it): its cookie value.
async fn session(server: &TestServer, username: &str, password: &str) -> String {
    let backend = ocop_projections::open(&server.url).await.unwrap();
    let signed = ocop_projections::access::accounts::sign_in(
        &backend.db,
        username,
        password,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let ocop_projections::access::accounts::SignIn::Accepted { secret, .. } = signed else {
        panic!("{signed:?}")
    };
    secret
}

/// Signs in through the form with the keyboard alone.
async fn sign_in_by_keyboard(b: &Browser, base: &str, username: &str, password: &str) {
    b.goto(&format!("{base}/quan-ly/san-pham")).await;
    assert!(
        b.path().await.starts_with("/dang-nhap"),
        "{}",
        b.path().await
    );
    let enter = char::from(fantoccini::key::Key::Enter).to_string();
    let tab = char::from(fantoccini::key::Key::Tab).to_string();
    b.tab_to("username").await;
    b.keys(username).await;
    b.keys(&tab).await;
    assert_eq!(b.focused().await, "password");
    b.keys(password).await;
    b.keys(&enter).await;
    for _ in 0..50 {
        if b.path().await.starts_with("/quan-ly/san-pham") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not signed in: at {} — {}", b.path().await, b.text().await);
}

async fn sign_out(b: &Browser) {
    b.client
        .find(Locator::XPath("//button[normalize-space()='Đăng xuất']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
}

async fn a_person_uses_the_web_interface(server: &TestServer, store: &str) {
    let seeded = seed(server).await;
    accounts(server).await;
    let base = server.base.clone();
    let b = Browser::start(store).await;

    // A consumer: the home page, a search without diacritics.
    b.goto(&format!("{base}/")).await;
    b.check("trang-chu").await;
    let search = b
        .client
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap();
    search.send_keys("mat ong").await.unwrap();
    search
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let found = b.text().await;
    assert!(found.contains("Mật ong hoa cà phê"), "{found}");
    assert!(!found.contains("Cà phê Robusta"), "{found}");
    b.check("tra-cuu").await;

    // The revoked product's public page says so; the recognised one's QR code leads to it.
    b.goto(&format!("{base}/tra-cuu/{}", seeded.coffee)).await;
    let page = b.text().await;
    assert!(page.contains("Đã thu hồi"), "{page}");
    b.check("san-pham-da-thu-hoi").await;
    b.goto(&format!("{base}/tra-cuu/68-OCOP-2025-0156")).await;
    let page = b.text().await;
    assert!(
        page.contains("Còn hiệu lực") && page.contains("20/09/2028"),
        "{page}"
    );
    b.check("san-pham-cong-khai").await;
    b.goto(&format!("{base}/tra-cuu/{}/qr.svg", seeded.honey))
        .await;
    let png = b.screenshot("ma-qr").await;
    let base_host = base.trim_start_matches("http://");
    assert_eq!(
        decode_qr(&png),
        format!("http://{base_host}/tra-cuu/{}", seeded.honey)
    );
    b.goto(&format!("{base}/thu-hoi")).await;
    let notices = b.text().await;
    assert!(
        notices.contains("Cà phê Robusta Đắk Song") && notices.contains("10/01/2026"),
        "{notices}"
    );
    b.check("thu-hoi").await;

    // A wrong password is refused with a message, and records no session.
    b.goto(&format!("{base}/dang-nhap")).await;
    b.check("dang-nhap").await;
    b.client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("tinh.lamdong")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("sai-mat-khau")
        .await
        .unwrap();
    b.client
        .find(Locator::XPath("//button[normalize-space()='Đăng nhập']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = b.text().await;
    assert!(
        refused.contains("Tên đăng nhập hoặc mật khẩu không đúng"),
        "{refused}"
    );
    b.check("dang-nhap-sai").await;

    // Lâm Đồng's secretary, by keyboard: their province only.
    sign_in_by_keyboard(&b, &base, "tinh.lamdong", "mat-khau-lam-dong").await;
    let list = b.text().await;
    assert!(
        list.contains("Trần Văn Minh"),
        "the person's name on the page: {list}"
    );
    assert!(
        list.contains("Mật ong hoa cà phê") && list.contains("Cà phê Robusta"),
        "{list}"
    );
    assert!(
        !list.contains("Trà sen Tây Hồ"),
        "another province's product: {list}"
    );
    b.client
        .find(Locator::LinkText("Sản phẩm"))
        .await
        .expect("a link Sản phẩm in the navigation");
    b.check("danh-sach").await;
    let search = b
        .client
        .find(Locator::Css("input[type=search]"))
        .await
        .unwrap();
    // Search as you type: no Enter, the list follows the box.
    search.send_keys("robusta dak song").await.unwrap();
    for _ in 0..50 {
        if b.path().await.contains("q=robusta") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        b.path().await.contains("q=robusta+dak+song"),
        "{}",
        b.path().await
    );
    assert_eq!(
        b.focused().await,
        "q",
        "the focus comes back to the search box"
    );
    let filtered = b.text().await;
    assert!(
        filtered.contains("Cà phê Robusta") && !filtered.contains("Mật ong hoa cà phê"),
        "{filtered}"
    );

    // The revoked coffee's page: its timeline, and the state as it stood before the
    // revocation.
    b.follow("Cà phê Robusta Đắk Song").await;
    b.shows(&[
        "Chi cục QLCL tỉnh Lâm Đồng",
        "Không đạt",
        "Đã thu hồi",
        "Đăng ký sản phẩm",
        "Quyết định công nhận",
        "Thu hồi công nhận",
        "157/QĐ-UBND",
        "21/09/2025",
        "Trần Văn Minh",
    ])
    .await;
    b.check("san-pham").await;
    b.goto(&format!(
        "{base}/quan-ly/san-pham/{}?as_of=15%2F12%2F2025",
        seeded.coffee
    ))
    .await;
    let then = b.text().await;
    assert!(
        then.contains("Còn hiệu lực") && !then.contains("Thu hồi công nhận"),
        "{then}"
    );
    assert!(then.contains("Ghi kết quả kiểm tra"), "{then}");
    b.check("san-pham-ngay-15-12-2025").await;
    // A round under way: each level's council and result.
    b.goto(&format!("{base}/quan-ly/san-pham/{}", seeded.tea))
        .await;
    b.shows(&[
        "Đang đánh giá",
        "Vòng đánh giá đang diễn ra",
        "Cấp tỉnh",
        "điểm trung bình 81,00",
        "Đạt 4 sao",
    ])
    .await;
    b.check("vong-danh-gia").await;
    sign_out(&b).await;
    b.goto(&format!("{base}/quan-ly/san-pham")).await;
    assert!(
        b.path().await.starts_with("/dang-nhap"),
        "signed out: {}",
        b.path().await
    );

    // Hà Nội's secretary sees Hà Nội, and is told Lâm Đồng is outside their scope.
    sign_in_by_keyboard(&b, &base, "tinh.hanoi", "mat-khau-ha-noi").await;
    let list = b.text().await;
    assert!(
        list.contains("Trà sen Tây Hồ") && !list.contains("Mật ong hoa cà phê"),
        "{list}"
    );
    b.goto(&format!("{base}/quan-ly/san-pham/{}", seeded.honey))
        .await;
    let refused = b.text().await;
    assert!(refused.contains("Ngoài phạm vi của bạn"), "{refused}");
    b.goto(&format!("{base}/quan-ly/san-pham/{}", seeded.hanoi))
        .await;
    assert!(b.text().await.contains("Đã đăng ký"));
    b.goto(&format!("{base}/api/docs")).await;
    assert!(b.text().await.contains("/api/v1/products"));
    b.check("tai-lieu-api").await;
    // A provincial secretary has no audit: no link, and the page says why.
    assert!(b.client.find(Locator::LinkText("Kiểm tra")).await.is_err());
    b.goto(&format!("{base}/quan-ly/kiem-tra")).await;
    assert!(b.text().await.contains("Ngoài phạm vi của bạn"));
    sign_out(&b).await;

    // Every other role signs in and sees its scope only.
    for (username, role, scope) in OTHER_ROLES {
        sign_in_by_keyboard(&b, &base, username, "mat-khau-du-dai").await;
        let list = b.text().await;
        let lam_dong = scope == "national" || scope.starts_with("province:68");
        let ha_noi = scope == "national" || scope == "province:01";
        assert_eq!(
            list.contains("Mật ong hoa cà phê"),
            lam_dong,
            "{role} {scope}: {list}"
        );
        assert_eq!(
            list.contains("Trà sen Tây Hồ"),
            ha_noi,
            "{role} {scope}: {list}"
        );
        b.check(&format!("danh-sach-{role}")).await;
        sign_out(&b).await;
    }

    // The ministry's auditor: the decisions audit, a product's audit, statistics, ledger.
    sign_in_by_keyboard(&b, &base, "kiemtoan", "mat-khau-kiem-toan").await;
    let list = b.text().await;
    assert!(
        list.contains("Trà sen Tây Hồ") && list.contains("Mật ong hoa cà phê"),
        "{list}"
    );
    b.goto(&format!("{base}/quan-ly/san-pham?group=drinks"))
        .await;
    b.shows(&["0 sản phẩm trên trang này"]).await;
    b.goto(&format!("{base}/quan-ly/san-pham?group=food&commune=00004"))
        .await;
    let one = b
        .shows(&["1 sản phẩm trên trang này", "Trà sen Tây Hồ"])
        .await;
    assert!(!one.contains("Mật ong hoa cà phê"), "{one}");
    b.follow("Kiểm tra").await;
    b.shows(&[
        "Công nhận 156/QĐ-UBND",
        "Công nhận 157/QĐ-UBND",
        "Thu hồi 12/QĐ-UBND",
        "Nhất quán",
        "3 quyết định đã kiểm tra",
    ])
    .await;
    b.check("kiem-tra").await;
    b.goto(&format!(
        "{base}/quan-ly/san-pham/{}/kiem-tra",
        seeded.coffee
    ))
    .await;
    let one = b.text().await;
    assert!(
        one.contains("157/QĐ-UBND") && !one.contains("156/QĐ-UBND"),
        "{one}"
    );
    b.check("kiem-tra-san-pham").await;
    b.goto(&format!("{base}/quan-ly/thong-ke?group_by=status"))
        .await;
    b.shows(&["Tổng số: 4 sản phẩm", "Đã thu hồi"]).await;
    b.check("thong-ke").await;
    b.goto(&format!("{base}/quan-ly/so-cai?verify=1")).await;
    b.shows(&["Chuỗi băm nguyên vẹn"]).await;
    b.check("so-cai").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_uses_the_web_interface_on_sqlite() {
    let server = TestServer::sqlite().await;
    a_person_uses_the_web_interface(&server, "sqlite").await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_uses_the_web_interface_on_postgres() {
    let server = TestServer::postgres().await;
    a_person_uses_the_web_interface(&server, "postgres").await;
    server.close().await;
}

/// Sessions are rows of the store: one opened by another process (here, the library call an
/// `ocop` command or another server would make) is honoured by this server, and a disabled
/// account's session ends at once. Failed sign-ins lock the account; a form without its
/// CSRF cookie is refused.
async fn sessions_are_shared_and_end_when_the_account_is_disabled(a: &TestServer) {
    accounts(a).await;
    let backend = ocop_projections::open(&a.url).await.unwrap();
    let now = chrono::Utc::now();
    let secret = session(a, "tinh.lamdong", "mat-khau-lam-dong").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |cookie: &str| {
        client
            .get(format!("{}/quan-ly/san-pham", a.base))
            .header("Cookie", format!("ocop_session={cookie}"))
            .send()
    };
    let ok = page(&secret).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("Trần Văn Minh"));
    assert_eq!(
        page("00ff").await.unwrap().status(),
        303,
        "an unknown session signs in again"
    );
    ocop_projections::access::accounts::disable(
        &backend.db,
        "tinh.lamdong",
        "test",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        page(&secret).await.unwrap().status(),
        303,
        "a disabled account's session ended"
    );
    let trail: Vec<String> = ocop_projections::access::accounts::events(&backend.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.username == "tinh.lamdong")
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        trail,
        ["created", "role_granted", "disabled", "role_removed"]
    );
    // Five wrong passwords lock the account, whatever the password then.
    let db = &backend.db;
    for _ in 0..ocop_projections::access::accounts::MAX_FAILURES {
        let r = ocop_projections::access::accounts::sign_in(db, "tinh.hanoi", "sai", now)
            .await
            .unwrap();
        assert!(!matches!(
            r,
            ocop_projections::access::accounts::SignIn::Accepted { .. }
        ));
    }
    let locked =
        ocop_projections::access::accounts::sign_in(db, "tinh.hanoi", "mat-khau-ha-noi", now)
            .await
            .unwrap();
    assert!(
        matches!(
            locked,
            ocop_projections::access::accounts::SignIn::Locked { .. }
        ),
        "{locked:?}"
    );
    // A session unused for 30 minutes ends; one used within them goes on.
    let kiemtoan =
        ocop_projections::access::accounts::sign_in(db, "kiemtoan", "mat-khau-kiem-toan", now)
            .await
            .unwrap();
    let ocop_projections::access::accounts::SignIn::Accepted { secret, .. } = kiemtoan else {
        panic!("{kiemtoan:?}")
    };
    let at = |minutes: i64| now + chrono::Duration::minutes(minutes);
    let session = |t| ocop_projections::access::accounts::session(db, &secret, t);
    assert!(session(at(20)).await.unwrap().is_some());
    assert!(
        session(at(45)).await.unwrap().is_some(),
        "used at 20, so not idle at 45"
    );
    assert!(session(at(80)).await.unwrap().is_none(), "idle since 45");
    assert!(
        session(at(81)).await.unwrap().is_none(),
        "and it stays ended"
    );
    // A sign-in form posted without its CSRF cookie is refused.
    let refused = client
        .post(format!("{}/dang-nhap", a.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("csrf=abc&username=tinh.hanoi&password=mat-khau-ha-noi&next=")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_are_shared_and_end_when_the_account_is_disabled_on_sqlite() {
    let server = TestServer::sqlite().await;
    sessions_are_shared_and_end_when_the_account_is_disabled(&server).await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_are_shared_and_end_when_the_account_is_disabled_on_postgres() {
    let server = TestServer::postgres().await;
    sessions_are_shared_and_end_when_the_account_is_disabled(&server).await;
    server.close().await;
}

/// The staff list and the audit download as files (the links under their filters), with
/// the page's filters and the signed-in account's scope; without a session, sign in first.
async fn the_lists_download_with_their_filters_and_scope(a: &TestServer) {
    use calamine::{Reader, Xlsx};
    accounts(a).await;
    seed(a).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let province = session(a, "tinh.lamdong", "mat-khau-lam-dong").await;
    let get = |path: &str, cookie: &str| {
        client
            .get(format!("{}{path}", a.base))
            .header("Cookie", format!("ocop_session={cookie}"))
            .send()
    };

    let list = get("/quan-ly/san-pham?status=recognized", &province)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("href=\"/quan-ly/san-pham.xlsx?status=recognized\"")
            && list.contains("href=\"/quan-ly/san-pham.csv?status=recognized\""),
        "{list}"
    );
    let csv = get("/quan-ly/san-pham.csv?status=recognized", &province)
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(csv.contains("Mật ong hoa cà phê"), "{csv}");
    assert!(!csv.contains("Cà phê Robusta Đắk Song"), "revoked: {csv}");
    assert!(
        !csv.contains("Trà sen Tây Hồ"),
        "Hà Nội is outside the scope: {csv}"
    );

    let xlsx = get("/quan-ly/san-pham.xlsx", &province).await.unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let names: Vec<String> = sheet.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert_eq!(names.len(), 3, "Lâm Đồng's three products: {names:?}");
    assert!(!names.iter().any(|n| n == "Trà sen Tây Hồ"), "{names:?}");

    let inspector = session(a, "thanhtra.lamdong", "mat-khau-du-dai").await;
    let audit = get("/quan-ly/kiem-tra.csv?from=01/09/2025", &inspector)
        .await
        .unwrap();
    assert_eq!(audit.status(), 200);
    let audit = audit.text().await.unwrap();
    for number in ["156/QĐ-UBND", "157/QĐ-UBND", "12/QĐ-UBND"] {
        assert!(audit.contains(number), "{number}: {audit}");
    }
    assert_eq!(
        get("/quan-ly/san-pham.csv", "00ff").await.unwrap().status(),
        303,
        "no session: sign in first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lists_download_with_their_filters_and_scope_on_sqlite() {
    let server = TestServer::sqlite().await;
    the_lists_download_with_their_filters_and_scope(&server).await;
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lists_download_with_their_filters_and_scope_on_postgres() {
    let server = TestServer::postgres().await;
    the_lists_download_with_their_filters_and_scope(&server).await;
    server.close().await;
}
