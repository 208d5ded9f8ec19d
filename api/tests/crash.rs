//! Crash safety of the real `ocop` binary: clients send commands concurrently, each with
//! its idempotency key, while the server is killed with SIGKILL at random moments and
//! started again on the same store. A client that loses its connection sends the same
//! command again, as the contract tells integrators to. Afterwards every command that was
//! answered 2xx is in the log exactly once (its key replays to the same answer), the hash
//! chain verifies, and the read models the restarted server caught up to are exactly what
//! a rebuild from the log gives. On SQLite and on PostgreSQL.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, watch};
use uuid::Uuid;

/// The binary under test, built by cargo for this test.
const OCOP: &str = env!("CARGO_BIN_EXE_ocop");
/// How many times the server is killed in one run.
const KILLS: usize = 5;
/// Concurrent clients sending commands.
const CLIENTS: usize = 6;

/// Where a run keeps its data: a folder, and the store's URL when it is not the embedded
/// SQLite file in that folder.
struct Place {
    dir: PathBuf,
    url: Option<String>,
}

impl Place {
    /// `ocop` with the global flags that name this store.
    fn command(&self) -> Command {
        let mut command = Command::new(OCOP);
        command
            .env_remove("DATABASE_URL")
            .env_remove("OCOP_DATA_DIR")
            .env_remove("OCOP_LISTEN")
            .arg("--data-dir")
            .arg(&self.dir);
        if let Some(url) = &self.url {
            command.arg("--database-url").arg(url);
        }
        command
    }

    /// The URL the server opens: the given one or the embedded file.
    fn store_url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.dir.join("ocop.db").display()))
    }

    async fn token(&self, role: &str, scope: &str, user: &str) -> String {
        let out = self
            .command()
            .args(["token", "--role", role, "--scope", scope, "--user", user])
            .output()
            .await
            .expect("run ocop token");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

/// A running `ocop serve`.
struct Server {
    child: Child,
    base: String,
}

async fn start(place: &Place, nth: usize) -> Server {
    let log = std::fs::File::create(place.dir.join(format!("server-{nth}.log"))).expect("log");
    let mut child = place
        .command()
        .args(["serve", "--listen", "127.0.0.1:0", "--no-timers"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .expect("start ocop serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(address) = line.strip_prefix("ocop listening on ") {
                return address.trim().to_owned();
            }
        }
        panic!("ocop serve exited before listening; see server-{nth}.log");
    })
    .await
    .expect("ocop serve listens within a minute");
    // Keep draining standard output so that the server never blocks on it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Server { child, base }
}

impl Server {
    /// SIGKILL, and wait for the process to be gone.
    async fn kill(mut self) {
        self.child.start_kill().expect("SIGKILL");
        self.child.wait().await.expect("reap");
    }
}

/// A random number below `n` (the OS random source, through UUID v4).
fn below(n: u64) -> u64 {
    (Uuid::new_v4().as_u128() % u128::from(n.max(1))) as u64
}

/// One command as sent: where, as whom, what, under which key.
#[derive(Debug, Clone)]
struct Sent {
    path: String,
    token: String,
    body: Value,
    key: Uuid,
}

/// One command and its answer.
#[derive(Debug, Clone)]
struct Acked {
    sent: Sent,
    status: u16,
    answer: Value,
    /// How many times it was sent before an answer came (lost connections).
    attempts: usize,
}

#[derive(Default)]
struct Ledger {
    acked: Vec<Acked>,
    products: Vec<String>,
}

fn registration(n: usize) -> Value {
    json!({
        "name": format!("Sản phẩm thử nghiệm số {n}"),
        "producer": {"name": "HTX Nông nghiệp Đắk Song", "kind": "cooperative", "tax_code": null},
        "product_group": "food", "product_set": "Mật ong",
        "province": "68", "commune": "24730", "district": null, "local_code": null,
        "registered_on": "2025-08-01"
    })
}

/// Sends `sent` until it is answered, following the server across restarts; panics on an
/// answer that is neither a success nor a 503.
async fn send_until_answered(
    client: &reqwest::Client,
    base: &mut watch::Receiver<String>,
    sent: Sent,
) -> Acked {
    let mut attempts = 0;
    loop {
        let url = base.borrow_and_update().clone();
        if url.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(200), base.changed()).await;
            continue;
        }
        attempts += 1;
        let response = client
            .post(format!("{url}{}", sent.path))
            .bearer_auth(&sent.token)
            .header("idempotency-key", sent.key.to_string())
            .json(&sent.body)
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => {
                let status = r.status().as_u16();
                match r.json::<Value>().await {
                    Ok(answer) => {
                        return Acked {
                            sent,
                            status,
                            answer,
                            attempts,
                        };
                    }
                    // Killed while the answer was on its way: not an answer.
                    Err(_) => continue,
                }
            }
            Ok(r) if r.status() == 503 => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                panic!("{} answered {status}: {body}", sent.path);
            }
            // The server is gone: wait for the next one (or retry the same address once
            // the killer has had time to notice).
            Err(_) => {
                let _ = tokio::time::timeout(Duration::from_millis(100), base.changed()).await;
            }
        }
    }
}

async fn client_loop(
    client: reqwest::Client,
    mut base: watch::Receiver<String>,
    tokens: Arc<(String, String)>,
    ledger: Arc<Mutex<Ledger>>,
    stop: Arc<AtomicBool>,
    counter: Arc<AtomicUsize>,
) {
    while !stop.load(Ordering::Relaxed) {
        let product = {
            let l = ledger.lock().await;
            if l.products.is_empty() || below(10) < 4 {
                None
            } else {
                Some(l.products[below(l.products.len() as u64) as usize].clone())
            }
        };
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let sent = match product {
            None => Sent {
                path: "/api/v1/products".to_owned(),
                token: tokens.0.clone(),
                body: registration(n),
                key: Uuid::new_v4(),
            },
            Some(id) => Sent {
                path: format!("/api/v1/products/{id}/complaints"),
                token: tokens.1.clone(),
                body: json!({"received_on": "2025-10-01", "source": "consumer",
                             "summary": format!("Khiếu nại số {n}")}),
                key: Uuid::new_v4(),
            },
        };
        let acked = send_until_answered(&client, &mut base, sent).await;
        let mut l = ledger.lock().await;
        if acked.sent.path == "/api/v1/products" {
            l.products
                .push(acked.answer["product_id"].as_str().unwrap().to_owned());
        }
        l.acked.push(acked);
    }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let r = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("GET");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Every event of the log, through the global feed.
async fn feed(client: &reqwest::Client, base: &str, auditor: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let (status, page) = get(
            client,
            &format!("{base}/api/v1/events?after={after}&limit=1000"),
            auditor,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let page = page["events"].as_array().expect("events").clone();
        let Some(last) = page.last() else { break };
        after = last["global_position"].as_i64().unwrap();
        events.extend(page);
    }
    events
}

async fn killed_at_random_moments_loses_and_duplicates_nothing(place: Place) {
    let officer = place
        .token("commune_officer", "province:68/commune:24730", "cb-crash")
        .await;
    let inspector = place.token("inspector", "province:68", "tt-crash").await;
    let auditor = place.token("auditor", "national", "kt-crash").await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    let mut server = start(&place, 0).await;
    let (base_tx, base_rx) = watch::channel(server.base.clone());
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let tokens = Arc::new((officer, inspector));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(client_loop(
                client.clone(),
                base_rx.clone(),
                tokens.clone(),
                ledger.clone(),
                stop.clone(),
                counter.clone(),
            ))
        })
        .collect();

    let started = Instant::now();
    let mut acked_at_kill = Vec::new();
    for nth in 1..=KILLS {
        tokio::time::sleep(Duration::from_millis(300 + below(1200))).await;
        server.kill().await;
        base_tx.send_replace(String::new());
        acked_at_kill.push(ledger.lock().await.acked.len());
        server = start(&place, nth).await;
        base_tx.send_replace(server.base.clone());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client");
    }
    let driven = started.elapsed();
    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("clients done")
        .into_inner();
    let base = server.base.clone();
    let acked = &ledger.acked;
    let retried = acked.iter().filter(|a| a.attempts > 1).count();
    let replayed_after_crash = acked
        .iter()
        .filter(|a| a.attempts > 1 && a.status == 200)
        .count();
    eprintln!(
        "{}: {} commands acknowledged in {:.1} s across {KILLS} kills (acknowledged at each \
         kill: {acked_at_kill:?}); {retried} sent again after a lost connection, \
         {replayed_after_crash} of them had been recorded before the crash",
        place.store_url(),
        acked.len(),
        driven.as_secs_f64()
    );
    assert!(acked.len() >= 20, "too little was driven to mean anything");
    assert!(
        acked_at_kill.windows(2).any(|w| w[1] > w[0]),
        "commands were acknowledged between kills"
    );

    // Every acknowledged command replays under its key to the very same answer.
    let mut by_key: HashMap<Uuid, &Acked> = HashMap::new();
    for a in acked {
        assert!(
            by_key.insert(a.sent.key, a).is_none(),
            "a key was used twice"
        );
        let again = client
            .post(format!("{base}{}", a.sent.path))
            .bearer_auth(&a.sent.token)
            .header("idempotency-key", a.sent.key.to_string())
            .json(&a.sent.body)
            .send()
            .await
            .expect("replay");
        assert_eq!(again.status().as_u16(), 200, "{} replays", a.sent.key);
        let answer: Value = again.json().await.expect("replayed answer");
        assert_eq!(
            answer, a.answer,
            "{} replays to its first answer",
            a.sent.key
        );
    }

    // The log holds each acknowledged command exactly once, and nothing else.
    let events = feed(&client, &base, &auditor).await;
    let positions: Vec<i64> = events
        .iter()
        .map(|e| e["global_position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=events.len() as i64).collect::<Vec<_>>());
    let mut by_command: BTreeMap<Uuid, Vec<&Value>> = BTreeMap::new();
    for e in &events {
        let key = Uuid::parse_str(e["command_id"].as_str().unwrap()).unwrap();
        by_command.entry(key).or_default().push(e);
    }
    assert_eq!(
        by_command.len(),
        acked.len(),
        "every command in the log is one of ours"
    );
    for (key, recorded) in &by_command {
        let a = by_key
            .get(key)
            .unwrap_or_else(|| panic!("{key} is in the log but was never acknowledged"));
        let answer_events = a.answer["events"].as_array().unwrap();
        assert_eq!(recorded.len(), answer_events.len(), "{key} recorded once");
        let last = recorded.last().unwrap();
        assert_eq!(last["global_position"], a.answer["global_position"]);
        assert_eq!(last["stream_id"], a.answer["product_id"]);
        assert_eq!(last["version"], a.answer["version"]);
    }

    // The chain verifies from genesis to the head.
    let (status, verified) = get(&client, &format!("{base}/api/v1/ledger/verify"), &auditor).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["events_checked"], events.len());

    // The restarted server's read side catches up by itself ...
    let head = events.len() as i64;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, ready) = get(&client, &format!("{base}/readyz"), &auditor).await;
        let caught_up = status == 200
            && ready["projections"].as_array().is_some_and(|ps| {
                ps.iter()
                    .all(|p| p["lag"] == 0 && p["head"].as_i64() == Some(head))
            });
        if caught_up {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the read side never caught up: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().await;

    // ... to exactly what a rebuild from the log gives.
    let backend = ocop_projections::open(&place.store_url())
        .await
        .expect("open the store");
    let read = ocop_projections::read::query::ReadModels::new(backend.db.clone());
    let caught_up = read.dump().await.expect("dump the read models");
    let rebuilt = place
        .command()
        .args(["projections", "rebuild"])
        .output()
        .await
        .expect("ocop projections rebuild");
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
    let after_rebuild = read.dump().await.expect("dump the rebuilt read models");
    for ((table, before), (_, after)) in caught_up.iter().zip(&after_rebuild) {
        assert_eq!(
            before.len(),
            after.len(),
            "{table}: rows after the crashes vs after a rebuild"
        );
        assert_eq!(before, after, "{table} differs from its rebuild");
    }
    assert_eq!(caught_up.len(), after_rebuild.len());
    let products = caught_up
        .iter()
        .find(|(t, _)| t == "rm_products")
        .map_or(0, |(_, rows)| rows.len());
    assert_eq!(products, ledger.products.len());
}

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir()
        .join("ocop-crash")
        .join(Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_on_sqlite() {
    let dir = fresh_dir();
    killed_at_random_moments_loses_and_duplicates_nothing(Place {
        dir: dir.clone(),
        url: None,
    })
    .await;
    remove(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_on_postgres() {
    let dir = fresh_dir();
    let url = ocop_tests::fresh_postgres_url().await;
    killed_at_random_moments_loses_and_duplicates_nothing(Place {
        dir: dir.clone(),
        url: Some(url.clone()),
    })
    .await;
    ocop_tests::drop_postgres_database(&url).await;
    remove(&dir);
}
