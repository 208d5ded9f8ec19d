//! Latency statistics and the one-JSON-line-per-measure output.

use std::time::Duration;

use serde_json::{Value, json};

/// Latencies of one phase.
#[derive(Debug, Default)]
pub struct Latencies(Vec<Duration>);

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    /// The `q`-quantile (0..=1) in microseconds.
    pub fn quantile_us(&mut self, q: f64) -> u128 {
        if self.0.is_empty() {
            return 0;
        }
        self.0.sort_unstable();
        let rank = ((self.0.len() - 1) as f64 * q).round() as usize;
        self.0[rank].as_micros()
    }
}

/// One measure: `events` processed in `elapsed`, with optional per-operation latencies.
pub fn measure(
    store: &str,
    phase: &str,
    events: u64,
    elapsed: Duration,
    latencies: &mut Latencies,
    extra: Value,
) -> Value {
    let mut line = json!({
        "store": store,
        "phase": phase,
        "events": events,
        "seconds": (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
        "events_per_s": (events as f64 / elapsed.as_secs_f64()).round(),
        "p50_us": latencies.quantile_us(0.50),
        "p99_us": latencies.quantile_us(0.99),
    });
    if let (Value::Object(line), Value::Object(extra)) = (&mut line, extra) {
        line.extend(extra);
    }
    println!("{line}");
    line
}

/// A field of `/proc/<process>/status` in KiB (`VmRSS:`, `VmHWM:`); `process` is a pid or
/// `self`.
pub fn status_kib(process: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak RSS (`VmHWM`) of `process` to its current RSS (Linux ≥ 4.0), so the
/// next reading is the peak of what follows.
pub fn reset_peak(process: &str) {
    let _ = std::fs::write(format!("/proc/{process}/clear_refs"), "5");
}
