//! The real `ocop serve` as a child process on a fresh PostgreSQL database, for the HTTP
//! harnesses (`load`, `outage`): building the binary, starting and stopping it, tokens,
//! requests with their latency, and the PostgreSQL server itself.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

pub type BoxError = Box<dyn Error + Send + Sync>;

/// The PostgreSQL server the harnesses use: `DATABASE_URL`, or the local one.
pub fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let start = base.find("://").map_or(0, |i| i + 3);
    let end = base[start..].find('/').map_or(base.len(), |i| start + i);
    let mut out = format!("{}/{database}", &base[..end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A fresh database `ocop_<what>_<uuid>` on the server at [`admin_url`], dropped with
/// [`FreshDatabase::drop_database`].
#[derive(Debug)]
pub struct FreshDatabase {
    pub name: String,
    pub url: String,
    admin: String,
}

impl FreshDatabase {
    pub async fn create(what: &str) -> Result<Self, BoxError> {
        Self::create_on(&admin_url(), what).await
    }

    /// A fresh database on the server at `admin`.
    pub async fn create_on(admin: &str, what: &str) -> Result<Self, BoxError> {
        let name = format!("ocop_{what}_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let url = with_database(admin, &name);
        Ok(FreshDatabase {
            name,
            url,
            admin: admin.to_owned(),
        })
    }

    pub async fn drop_database(&self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&self.admin).await {
            let _ = sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn)
            .await;
            let _ = conn.close().await;
        }
    }
}

/// The `ocop` binary of this profile: `OCOP_BIN`, or built now by cargo next to this
/// benchmark's own executable (so one command runs a harness).
pub fn ocop_binary() -> Result<PathBuf, BoxError> {
    if let Ok(path) = std::env::var("OCOP_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().ok_or("the benchmark has no folder")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "-p", "ocop-api", "--bin", "ocop", "--quiet"]);
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let status = build.status()?;
    if !status.success() {
        return Err("cargo build -p ocop-api --bin ocop failed".into());
    }
    Ok(dir.join("ocop"))
}

/// A running `ocop serve` and the folder it keeps its secret and log in.
#[derive(Debug)]
pub struct Server {
    pub base: String,
    pub dir: PathBuf,
    /// What the server printed before it listened (e.g. the demo's accounts).
    pub preamble: Vec<String>,
    binary: PathBuf,
    url: String,
    child: Child,
}

impl Server {
    /// Starts `ocop serve` on `url` with its data folder `dir`, waiting until it listens.
    pub async fn start(binary: &Path, dir: &Path, url: &str) -> Result<Self, BoxError> {
        Self::start_with(binary, dir, url, &[]).await
    }

    /// [`Server::start`] with more flags of `ocop serve`.
    pub async fn start_with(
        binary: &Path,
        dir: &Path,
        url: &str,
        flags: &[&str],
    ) -> Result<Self, BoxError> {
        std::fs::create_dir_all(dir)?;
        let log = std::fs::File::create(dir.join("server.log"))?;
        let mut child = Command::new(binary)
            .env_remove("DATABASE_URL")
            .env(
                "RUST_LOG",
                std::env::var("OCOP_BENCH_LOG").unwrap_or("warn".into()),
            )
            .arg("--data-dir")
            .arg(dir)
            .args(["--database-url", url])
            .args(["serve", "--listen", "127.0.0.1:0", "--no-timers"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let mut preamble = Vec::new();
        let base = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(address) = line.strip_prefix("ocop listening on ") {
                    return Ok::<_, BoxError>(address.trim().to_owned());
                }
                preamble.push(line);
            }
            Err("ocop serve exited before listening".into())
        })
        .await
        .map_err(|_| "ocop serve did not listen within two minutes")??;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            base,
            dir: dir.to_owned(),
            preamble,
            binary: binary.to_owned(),
            url: url.to_owned(),
            child,
        })
    }

    /// A token signed with this server's secret.
    pub async fn token(&self, role: &str, scope: &str, user: &str) -> Result<String, BoxError> {
        let out = Command::new(&self.binary)
            .env_remove("DATABASE_URL")
            .arg("--data-dir")
            .arg(&self.dir)
            .args(["--database-url", &self.url])
            .args(["token", "--role", role, "--scope", scope, "--user", user])
            .output()
            .await?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned().into());
        }
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the process (SIGKILL) and waits for it.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }

    /// The server's own log, for a failing harness.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

/// One answer: status, the headers a harness looks at, the body and how long it took.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
    pub text: String,
    pub latency: Duration,
}

/// Sends `request`, measuring the whole exchange; `Err` when no answer came (connection
/// refused or reset, timeout).
pub async fn send(request: reqwest::RequestBuilder) -> Result<Answer, (Duration, String)> {
    let started = Instant::now();
    let response = request
        .send()
        .await
        .map_err(|e| (started.elapsed(), e.to_string()))?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header("content-type");
    let retry_after = header("retry-after");
    let text = response
        .text()
        .await
        .map_err(|e| (started.elapsed(), e.to_string()))?;
    let latency = started.elapsed();
    Ok(Answer {
        status,
        content_type,
        retry_after,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        latency,
    })
}

/// A product registration of Lâm Đồng, commune 24730, named `name`.
pub fn registration(name: &str) -> Value {
    json!({
        "name": name,
        "producer": {"name": "HTX Nông nghiệp Đắk Song", "kind": "cooperative", "tax_code": null},
        "product_group": "food", "product_set": "Mật ong",
        "province": "68", "commune": "24730", "district": null, "local_code": null,
        "registered_on": "2025-08-01"
    })
}

/// A complaint about a product.
pub fn complaint(summary: &str) -> Value {
    json!({"received_on": "2025-10-01", "source": "consumer", "summary": summary})
}

/// The tokens the harnesses act with.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub officer: String,
    pub inspector: String,
    pub auditor: String,
}

impl Tokens {
    pub async fn of(server: &Server) -> Result<Self, BoxError> {
        Ok(Tokens {
            officer: server
                .token("commune_officer", "province:68/commune:24730", "cb-bench")
                .await?,
            inspector: server.token("inspector", "province:68", "tt-bench").await?,
            auditor: server.token("auditor", "national", "kt-bench").await?,
        })
    }
}

/// A folder of its own under the system's temporary folder.
pub fn fresh_dir(what: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("ocop-{what}"))
        .join(Uuid::new_v4().simple().to_string())
}

/// A random number below `n` (the OS random source, through UUID v4).
pub fn below(n: u64) -> u64 {
    (Uuid::new_v4().as_u128() % u128::from(n.max(1))) as u64
}

/// A PostgreSQL server of the harness's own (`initdb` in a temporary folder, its own port,
/// trust authentication for `root`), so that stopping it disturbs nobody else's tests.
/// Built with the binaries of the machine's PostgreSQL, run as the `postgres` user.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    /// Creates and starts a private server.
    pub fn private() -> Result<Self, BoxError> {
        let version = std::fs::read_dir("/usr/lib/postgresql")?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .max()
            .ok_or("no PostgreSQL under /usr/lib/postgresql")?;
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = fresh_dir("outage-pg");
        std::fs::create_dir_all(&dir)?;
        run(
            "chown",
            &["-R".as_ref(), "postgres:postgres".as_ref(), dir.as_os_str()],
        )?;
        let cluster = Cluster { bin, dir, port };
        cluster.as_postgres(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-A",
                "trust",
                "-U",
                "root",
                "--no-sync",
            ],
        )?;
        cluster.start()?;
        Ok(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    /// Runs one of PostgreSQL's programs as the `postgres` user.
    fn as_postgres(&self, program: &str, args: &[&str]) -> Result<(), BoxError> {
        let program = self.bin.join(program).display().to_string();
        let mut all = vec!["-u", "postgres", "--", program.as_str()];
        all.extend_from_slice(args);
        let out = std::process::Command::new("runuser").args(&all).output()?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )
            .into())
        }
    }

    /// The URL of the server's `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://root@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast: open connections are terminated), waiting until it is down.
    pub fn stop(&self) -> Result<(), BoxError> {
        self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
    }

    /// Starts the server, waiting until it accepts connections.
    pub fn start(&self) -> Result<(), BoxError> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        )
    }

    /// Whether the server accepts connections.
    pub fn is_ready(&self) -> bool {
        std::process::Command::new(self.bin.join("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Stops the server if it runs and removes its folder.
    pub fn remove(self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(program: &str, args: &[&std::ffi::OsStr]) -> Result<(), BoxError> {
    let status = std::process::Command::new(program).args(args).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} failed").into())
    }
}
