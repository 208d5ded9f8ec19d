//! Prometheus text metrics: request counts and latencies, appends, projection lag.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latencies: BTreeMap<(String, String), Histogram>,
    commands: u64,
    events: u64,
}

/// The method label of a request: one of a fixed set, so that requests with invented
/// methods cannot grow the metrics without bound.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The server's counters, shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Counts one answered request and its latency.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = inner
            .latencies
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        let seconds = elapsed.as_secs_f64();
        for (count, bound) in histogram.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts one recorded command and its events.
    pub fn observe_append(&self, events: usize) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.commands += 1;
        inner.events += events as u64;
    }

    /// The Prometheus text exposition, with the projections' lag given by the caller.
    pub fn render(&self, lag: &[(String, i64)], head: i64) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP ocop_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE ocop_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "ocop_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP ocop_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE ocop_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &inner.latencies {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (count, bound) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "ocop_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "ocop_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "ocop_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "ocop_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str("# HELP ocop_commands_appended_total Commands recorded by this process.\n");
        out.push_str("# TYPE ocop_commands_appended_total counter\n");
        let _ = writeln!(out, "ocop_commands_appended_total {}", inner.commands);
        out.push_str("# HELP ocop_events_appended_total Events recorded by this process.\n");
        out.push_str("# TYPE ocop_events_appended_total counter\n");
        let _ = writeln!(out, "ocop_events_appended_total {}", inner.events);
        out.push_str("# HELP ocop_ledger_head_position Global position of the ledger head.\n");
        out.push_str("# TYPE ocop_ledger_head_position gauge\n");
        let _ = writeln!(out, "ocop_ledger_head_position {head}");
        out.push_str("# HELP ocop_projection_lag_events Events recorded but not yet applied by a projection.\n");
        out.push_str("# TYPE ocop_projection_lag_events gauge\n");
        for (name, lag) in lag {
            let _ = writeln!(
                out,
                "ocop_projection_lag_events{{projection=\"{}\"}} {lag}",
                escape(name)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        use axum::http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        for invented in ["BREW", "PROPFIND", "X1", "X2"] {
            assert_eq!(
                method_label(&Method::from_bytes(invented.as_bytes()).unwrap()),
                "other"
            );
        }
    }

    #[test]
    fn renders_counts_histograms_and_lag() {
        let metrics = Metrics::default();
        metrics.observe_request(
            "GET",
            "/api/v1/products/{id}",
            200,
            Duration::from_millis(2),
        );
        metrics.observe_request(
            "GET",
            "/api/v1/products/{id}",
            200,
            Duration::from_millis(20),
        );
        metrics.observe_append(3);
        let text = metrics.render(&[("products".into(), 4)], 10);
        assert!(text.contains(
            "ocop_http_requests_total{method=\"GET\",route=\"/api/v1/products/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.0025\"} 1"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("ocop_events_appended_total 3"));
        assert!(text.contains("ocop_projection_lag_events{projection=\"products\"} 4"));
        assert!(text.contains("ocop_ledger_head_position 10"));
    }
}
