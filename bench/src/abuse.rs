//! The harnesses of `docs/security.md`, against the real `ocop serve` on a fresh PostgreSQL
//! database over loopback:
//!
//! - `slowloris`: `OCOP_SLOW_CLIENTS` (default 200) connections that send a request head one
//!   byte a second, while a normal client keeps asking `/healthz`. Prints when the server
//!   closed the slow connections (header timeout 2 s) and the normal client's latency
//!   during the attack. Fails when a slow connection outlives the timeout by more than 3 s
//!   or a normal request takes more than a second.
//! - `ratelimit`: one client asks a public look-up as fast as it is answered for 10 s
//!   (rate 300/min, burst 100); a second client asks at a polite pace. Prints the answers by
//!   status and second. Fails when the first client gets more than its share or the second
//!   is ever refused.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::report::Latencies;
use crate::server::{BoxError, FreshDatabase, Server, fresh_dir, ocop_binary, send};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn started(flags: &[&str]) -> Result<(FreshDatabase, Server), BoxError> {
    let db = FreshDatabase::create("abuse").await?;
    let server = Server::start_with(&ocop_binary()?, &fresh_dir("abuse"), &db.url, flags).await?;
    Ok((db, server))
}

/// Holds `n` connections sending their request head a byte a second; returns when each was
/// closed by the server, counted from its first byte.
async fn slow_clients(address: String, n: u64) -> Vec<Option<Duration>> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let address = address.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(&address).await.ok()?;
            let started = Instant::now();
            let head =
                b"GET /healthz HTTP/1.1\r\nHost: ocop\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            let mut buf = [0_u8; 256];
            for byte in head {
                if stream.write_all(&[*byte]).await.is_err() {
                    return Some(started.elapsed());
                }
                // Closed by the server while we wait for the next byte?
                if let Ok(Ok(0) | Err(_)) =
                    tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buf)).await
                {
                    return Some(started.elapsed());
                }
            }
            None
        }));
    }
    let mut closed = Vec::new();
    for t in tasks {
        closed.push(t.await.ok().flatten());
    }
    closed
}

pub async fn slowloris() -> Result<(), BoxError> {
    let clients = setting("OCOP_SLOW_CLIENTS", 200);
    let (db, server) = started(&["--header-timeout-secs", "2"]).await?;
    let address = server.base.trim_start_matches("http://").to_owned();
    let attack = tokio::spawn(slow_clients(address, clients));
    let http = reqwest::Client::new();
    let mut latencies = Latencies::default();
    let (mut answered, mut failed) = (0, 0);
    let until = Instant::now() + Duration::from_secs(8);
    while Instant::now() < until {
        match send(http.get(format!("{}/healthz", server.base))).await {
            Ok(a) if a.status == 200 => {
                answered += 1;
                latencies.push(a.latency);
            }
            _ => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let closed = attack.await?;
    let mut closed_after = Latencies::default();
    let still_open = closed.iter().filter(|c| c.is_none()).count();
    for c in closed.iter().flatten() {
        closed_after.push(*c);
    }
    let (p50, p99) = (latencies.quantile_us(0.5), latencies.quantile_us(0.99));
    let max_closed = closed_after.quantile_us(1.0);
    println!(
        "{}",
        json!({"harness": "slowloris", "slow_clients": clients, "header_timeout_s": 2,
               "closed_by_server": closed.len() - still_open, "still_open": still_open,
               "closed_after_p50_ms": closed_after.quantile_us(0.5) as f64 / 1000.0,
               "closed_after_max_ms": max_closed as f64 / 1000.0,
               "normal_requests": answered, "normal_failed": failed,
               "normal_p50_ms": p50 as f64 / 1000.0, "normal_p99_ms": p99 as f64 / 1000.0})
    );
    server.stop().await;
    db.drop_database().await;
    if still_open > 0 || max_closed > 5_000_000 || failed > 0 || p99 > 1_000_000 {
        return Err("the server did not hold up against slow clients".into());
    }
    Ok(())
}

pub async fn ratelimit() -> Result<(), BoxError> {
    let (db, server) = started(&["--public-rate", "300/min,burst=100"]).await?;
    let greedy = reqwest::Client::new();
    let polite = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse()?))
        .build()?;
    let base = server.base.clone();
    let polite_task = tokio::spawn(async move {
        let mut refused = 0;
        let mut answered = 0;
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            match send(polite.get(format!("{base}/api/v1/public/revocations"))).await {
                Ok(a) if a.status == 200 => answered += 1,
                _ => refused += 1,
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        (answered, refused)
    });
    let started = Instant::now();
    let mut by_second: BTreeMap<u64, BTreeMap<u16, u64>> = BTreeMap::new();
    let mut retry_after = None;
    while started.elapsed() < Duration::from_secs(10) {
        let second = started.elapsed().as_secs();
        let status =
            match send(greedy.get(format!("{}/api/v1/public/revocations", server.base))).await {
                Ok(a) => {
                    if a.status == 429 {
                        retry_after = retry_after.or(a.retry_after);
                    }
                    a.status
                }
                Err(_) => 0,
            };
        *by_second
            .entry(second)
            .or_default()
            .entry(status)
            .or_default() += 1;
    }
    let (polite_answered, polite_refused) = polite_task.await?;
    let total_ok: u64 = by_second.values().filter_map(|m| m.get(&200)).sum();
    let total_limited: u64 = by_second.values().filter_map(|m| m.get(&429)).sum();
    for (second, statuses) in &by_second {
        println!(
            "{}",
            json!({"harness": "ratelimit", "second": second, "statuses": statuses})
        );
    }
    println!(
        "{}",
        json!({"harness": "ratelimit", "rate": "300/min,burst=100", "seconds": 10,
               "greedy_ok": total_ok, "greedy_429": total_limited,
               "first_retry_after": retry_after,
               "polite_ok": polite_answered, "polite_refused": polite_refused})
    );
    server.stop().await;
    db.drop_database().await;
    // Burst plus ten seconds at 5/s, with a little slack for the clock.
    if total_ok > 100 + 50 + 5 || total_limited == 0 || polite_refused > 0 {
        return Err("the public rate limit did not hold".into());
    }
    Ok(())
}
