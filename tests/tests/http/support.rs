//! A real server on port 0 over a fresh store, and a small client that speaks its contract.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ocop_api::app::{self, AppState, Background};
use ocop_api::auth::TokenKeys;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The secret the test servers sign their tokens with.
const SECRET: &[u8] = b"end-to-end tests: 32 bytes or more";

/// A server listening on 127.0.0.1:<free port> over a fresh SQLite file or PostgreSQL
/// database.
pub struct TestServer {
    pub base: String,
    pub url: String,
    pub client: reqwest::Client,
    keys: TokenKeys,
    /// The server's projection runner (for fault injection).
    pub runner: ocop_projections::ProjectionRunner,
    background: Option<Background>,
    server: tokio::task::JoinHandle<()>,
}

/// An answer: status, headers and the body as JSON (`Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The path of the product this answer names, `/api/v1/products/{product_id}`.
    pub fn product_path(&self) -> String {
        let id = self.body["product_id"]
            .as_str()
            .expect("the answer names a product");
        format!("/api/v1/products/{id}")
    }

    /// The header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.body
        );
        self
    }

    /// Asserts a problem document with this status and code.
    #[track_caller]
    pub fn problem(self, status: u16, code: &str) -> Self {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status, "{}", self.body);
        assert!(self.body["detail"].is_string(), "{}", self.body);
        self
    }
}

impl TestServer {
    /// The ledger head as the auditor sees it: `position:hash`.
    pub async fn ledger_head(&self) -> String {
        let auditor = self.token("auditor", "national", "kiem-toan");
        let d = self
            .get(Some(&auditor), "/api/v1/ledger/digest")
            .await
            .expect(200);
        format!("{}:{}", d.body["global_position"], d.body["hash"])
    }

    pub async fn sqlite() -> Self {
        Self::start(ocop_tests::fresh_sqlite_url().await).await
    }

    pub async fn postgres() -> Self {
        Self::start(ocop_tests::fresh_postgres_url().await).await
    }

    /// A server on a fresh SQLite file with these limits.
    pub async fn sqlite_with(limits: ocop_api::server::Limits) -> Self {
        Self::start_with(ocop_tests::fresh_sqlite_url().await, limits).await
    }

    /// A server on a fresh PostgreSQL database with these limits.
    pub async fn postgres_with(limits: ocop_api::server::Limits) -> Self {
        Self::start_with(ocop_tests::fresh_postgres_url().await, limits).await
    }

    /// A server on a fresh SQLite file whose clock always reads `now`.
    pub async fn sqlite_at(now: &str) -> Self {
        let clock = app::Clock::fixed(now.parse().expect("an RFC 3339 instant"));
        Self::start_at(
            ocop_tests::fresh_sqlite_url().await,
            Default::default(),
            clock,
        )
        .await
    }

    /// A server on a fresh PostgreSQL database whose clock always reads `now`.
    pub async fn postgres_at(now: &str) -> Self {
        let clock = app::Clock::fixed(now.parse().expect("an RFC 3339 instant"));
        Self::start_at(
            ocop_tests::fresh_postgres_url().await,
            Default::default(),
            clock,
        )
        .await
    }

    async fn start(url: String) -> Self {
        Self::start_with(url, ocop_api::server::Limits::default()).await
    }

    async fn start_with(url: String, limits: ocop_api::server::Limits) -> Self {
        Self::start_at(url, limits, app::Clock::system()).await
    }

    async fn start_at(url: String, limits: ocop_api::server::Limits, clock: app::Clock) -> Self {
        let backend = ocop_projections::open(&url).await.expect("open the store");
        let keys = TokenKeys::from_secret(SECRET).expect("a long enough secret");
        let checkpoint_key = ocop_api::checkpoint::CheckpointKey::generate().expect("a key");
        let mut state = AppState::new(backend, keys.clone(), checkpoint_key)
            .await
            .expect("server state");
        state.clock = clock;
        let background = Background::start(&state, false)
            .await
            .expect("background work");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let runner = state.runner.clone();
        let router = app::router(state, &limits);
        let server = tokio::spawn(async move {
            ocop_api::server::serve(listener, router, &limits, std::future::pending())
                .await
                .expect("serve");
        });
        TestServer {
            base,
            url,
            client: reqwest::Client::new(),
            keys,
            runner,
            background: Some(background),
            server,
        }
    }

    /// Stops the server and removes its test database.
    pub async fn close(mut self) {
        self.server.abort();
        if let Some(b) = self.background.take() {
            b.stop().await;
        }
        ocop_tests::drop_database(&self.url).await;
    }

    /// Runs `ocop …` against the server's database, as an operator would (the same code as
    /// the binary, in this process).
    pub async fn ocop(&self, args: &[&str]) -> Result<(), String> {
        let mut argv = vec!["ocop", "--database-url", self.url.as_str()];
        argv.extend_from_slice(args);
        let cli = <ocop_api::cli::Cli as clap::Parser>::try_parse_from(argv)
            .map_err(|e| e.to_string())?;
        ocop_api::run::run(cli)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// [`TestServer::ocop`], with the exit status the command would end with.
    pub async fn ocop_status(&self, args: &[&str]) -> Result<std::process::ExitCode, String> {
        let mut argv = vec!["ocop", "--database-url", self.url.as_str()];
        argv.extend_from_slice(args);
        let cli = <ocop_api::cli::Cli as clap::Parser>::try_parse_from(argv)
            .map_err(|e| e.to_string())?;
        ocop_api::run::run(cli).await.map_err(|e| e.to_string())
    }

    /// The staff page at `path` as the national auditor sees it (an account and a session
    /// made for it in the store, as `ocop user add` and the sign-in form make them).
    pub async fn staff_page(&self, path: &str) -> String {
        use ocop_projections::access::accounts::{NewAccount, SignIn, add, sign_in};
        let backend = ocop_projections::open(&self.url)
            .await
            .expect("open the store");
        let (username, password) = ("kiemtoan.web", "mat-khau-kiem-toan");
        let account = NewAccount {
            username,
            display_name: "Võ Thị Lan",
            role: "auditor",
            scope: "national",
            password,
        };
        // Already there from an earlier call: signing in is all that is needed.
        let _ = add(&backend.db, &account, "test", chrono::Utc::now()).await;
        let signed = sign_in(&backend.db, username, password, chrono::Utc::now())
            .await
            .expect("sign in");
        let SignIn::Accepted { secret, .. } = signed else {
            panic!("{signed:?}")
        };
        self.client
            .get(format!("{}{path}", self.base))
            .header("cookie", format!("ocop_session={secret}"))
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("a page")
    }

    /// A token for `user` with `role` in `scope`, valid for an hour.
    pub fn token(&self, role: &str, scope: &str, user: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        self.keys
            .issue(user, role, scope, now, Duration::from_secs(3600))
            .expect("issue a token")
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("read the body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }

    /// `POST path` with a JSON body and these extra headers.
    pub async fn post_with(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::answer(request.send().await.expect("send")).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Answer {
        self.post_with(Some(token), path, body, &[]).await
    }

    /// `POST path` with raw bytes as the body.
    pub async fn post_raw(&self, token: &str, path: &str, body: Vec<u8>) -> Answer {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .bearer_auth(token)
            .body(body);
        Self::answer(request.send().await.expect("send")).await
    }

    /// `GET path`, with a token or without.
    pub async fn get(&self, token: Option<&str>, path: &str) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        Self::answer(request.send().await.expect("send")).await
    }

    /// The status, headers and raw bytes of `GET path` with a token (for file exports).
    pub async fn get_bytes(&self, token: &str, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        let status = response.status();
        let headers = response.headers().clone();
        (
            status,
            headers,
            response.bytes().await.expect("body").to_vec(),
        )
    }

    /// The raw text of `GET path` (for `/metrics`).
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("send");
        (response.status(), response.text().await.expect("text"))
    }
}

/// Runs `body` against a server on SQLite and then one on PostgreSQL.
#[macro_export]
macro_rules! http_on_both_stores {
    ($sqlite:ident, $postgres:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $sqlite() {
            let server = $crate::http::support::TestServer::sqlite().await;
            $body(&server).await;
            server.close().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $postgres() {
            let server = $crate::http::support::TestServer::postgres().await;
            $body(&server).await;
            server.close().await;
        }
    };
}
