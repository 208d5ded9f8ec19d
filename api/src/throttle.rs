//! Per-client rate limits: a token bucket for each client address, in a map of bounded size.
//!
//! Used on the endpoints anyone may call without a token (the public look-ups, and the
//! sign-in to come), where nothing else stops one client from taking the server's time from
//! everyone else. Behind a reverse proxy every client has the proxy's address: there the
//! proxy limits per client (`docs/security.md`) and this limit is raised or turned off.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most client addresses tracked at once. When the map is full, buckets that have
/// refilled completely (clients idle long enough to be forgotten without effect) are
/// dropped; if none has, the oldest are, so memory stays bounded whoever sends.
const MAX_CLIENTS: usize = 65_536;

/// How many requests a client may send: `burst` at once, then `per_minute` a minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Requests a minute, sustained.
    pub per_minute: u32,
    /// Requests that may come at once after a pause.
    pub burst: u32,
}

impl Rate {
    /// Parses `N/min` or `N/min,burst=B` (`0` turns the limit off).
    pub fn parse(text: &str) -> Result<Option<Rate>, String> {
        let text = text.trim();
        if text == "0" || text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let wrong = || {
            format!(
                "invalid rate {text:?}: expected e.g. 120/min or 120/min,burst=40, or 0 for none"
            )
        };
        let (rate, burst) = match text.split_once(',') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text, None),
        };
        let per_minute: u32 = rate
            .strip_suffix("/min")
            .and_then(|n| n.trim().parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(wrong)?;
        let burst = match burst {
            None => per_minute.div_ceil(3).max(1),
            Some(b) => b
                .trim()
                .strip_prefix("burst=")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(wrong)?,
        };
        Ok(Some(Rate { per_minute, burst }))
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every client seen recently.
#[derive(Debug)]
pub struct Throttle {
    rate: Rate,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl Throttle {
    /// A throttle allowing `rate` to each client.
    pub fn new(rate: Rate) -> Self {
        Throttle {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `client`'s bucket at `now`: `Ok` when it may go on, else the
    /// time until its next request would be accepted.
    pub fn admit(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let per_second = f64::from(self.rate.per_minute) / 60.0;
        let burst = f64::from(self.rate.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            forget_some(&mut buckets, now, per_second, burst);
        }
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    /// How many clients are tracked now.
    pub fn clients(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }
}

/// Drops the buckets that have refilled (nothing is lost by forgetting them); when every
/// client is still active, drops the half that was seen longest ago.
fn forget_some(buckets: &mut HashMap<IpAddr, Bucket>, now: Instant, per_second: f64, burst: f64) {
    buckets.retain(|_, b| {
        let refilled = b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_second;
        refilled < burst
    });
    if buckets.len() >= MAX_CLIENTS {
        let mut seen: Vec<Instant> = buckets.values().map(|b| b.at).collect();
        seen.sort_unstable();
        let cut = seen[seen.len() / 2];
        buckets.retain(|_, b| b.at > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_a_burst_or_without() {
        assert_eq!(
            Rate::parse("120/min").unwrap(),
            Some(Rate {
                per_minute: 120,
                burst: 40
            })
        );
        assert_eq!(
            Rate::parse("60/min,burst=5").unwrap(),
            Some(Rate {
                per_minute: 60,
                burst: 5
            })
        );
        assert_eq!(Rate::parse("0").unwrap(), None);
        for bad in ["", "120", "x/min", "0/min", "60/min,5", "60/min,burst=0"] {
            assert!(Rate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_client_gets_its_burst_then_its_rate_and_others_are_not_affected() {
        let throttle = Throttle::new(Rate {
            per_minute: 60,
            burst: 3,
        });
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(throttle.admit(a, t0).is_ok());
        }
        let wait = throttle.admit(a, t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(
            throttle.admit(b, t0).is_ok(),
            "another client has its own bucket"
        );
        // One a second comes back.
        assert!(throttle.admit(a, t0 + Duration::from_millis(1_001)).is_ok());
        assert!(
            throttle
                .admit(a, t0 + Duration::from_millis(1_002))
                .is_err()
        );
    }

    #[test]
    fn memory_stays_bounded_whoever_sends() {
        let throttle = Throttle::new(Rate {
            per_minute: 60,
            burst: 2,
        });
        let now = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + 10_000) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = throttle.admit(ip, now);
        }
        assert!(throttle.clients() <= MAX_CLIENTS, "{}", throttle.clients());
    }
}
