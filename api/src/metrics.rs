//! The server's metrics, on `prometheus-client`: request counts and latencies, commands and
//! events appended, and — set when scraped — the ledger head and each projection's lag.
//! `GET /metrics` answers them in the Prometheus text format 0.0.4, or in OpenMetrics 1.0
//! to a scraper that asks for it (`docs/api.md`).

use std::collections::HashSet;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The text formats the metrics are answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4 (`text/plain`): what `/metrics` always answered,
    /// for every client that does not ask for OpenMetrics.
    Prometheus,
    /// OpenMetrics 1.0, for a scraper whose `Accept` names it (as Prometheus's does).
    OpenMetrics,
}

impl Format {
    /// The format a request's `Accept` header asks for.
    pub fn accepted(accept: Option<&str>) -> Format {
        let asks = accept.is_some_and(|a| {
            a.to_ascii_lowercase()
                .contains("application/openmetrics-text")
        });
        if asks {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    /// The answer's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

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

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ProjectionLabels {
    projection: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics, shared by every request (each series is its own atomic; no lock
/// is held across requests).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latencies: Family<RouteLabels, Histogram, fn() -> Histogram>,
    commands: Counter,
    events: Counter,
    head: Gauge,
    lag: Family<ProjectionLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let metrics = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latencies: Family::new_with_constructor(latency_histogram),
            commands: Counter::default(),
            events: Counter::default(),
            head: Gauge::default(),
            lag: Family::default(),
        };
        let mut registry = Registry::default();
        registry.register(
            "ocop_http_requests",
            "HTTP requests answered",
            metrics.requests.clone(),
        );
        registry.register(
            "ocop_http_request_duration_seconds",
            "HTTP request latency",
            metrics.latencies.clone(),
        );
        registry.register(
            "ocop_commands_appended",
            "Commands recorded by this process",
            metrics.commands.clone(),
        );
        registry.register(
            "ocop_events_appended",
            "Events recorded by this process",
            metrics.events.clone(),
        );
        registry.register(
            "ocop_ledger_head_position",
            "Global position of the ledger head",
            metrics.head.clone(),
        );
        registry.register(
            "ocop_projection_lag_events",
            "Events recorded but not yet applied by a projection",
            metrics.lag.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// Counts one answered request and its latency.
    pub fn observe_request(
        &self,
        method: &'static str,
        route: &str,
        status: u16,
        elapsed: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latencies
            .get_or_create(&RouteLabels {
                method,
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one recorded command and its events.
    pub fn observe_append(&self, events: usize) {
        self.commands.inc();
        self.events.inc_by(events as u64);
    }

    /// The metrics as text in `format`, with the projections' lag and the ledger head given
    /// by the caller as they are now.
    pub fn render(&self, lag: &[(String, i64)], head: i64, format: Format) -> String {
        self.head.set(head);
        for (projection, events) in lag {
            self.lag
                .get_or_create(&ProjectionLabels {
                    projection: projection.clone(),
                })
                .set(*events);
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        prometheus_client::encoding::text::encode(&mut out, &self.registry).ok();
        match format {
            Format::OpenMetrics => out,
            Format::Prometheus => prometheus_text(&out),
        }
    }
}

/// The Prometheus text format 0.0.4 of an OpenMetrics text, for the metrics this server
/// has: the two differ here only in a counter's family name (`_total` in 0.0.4, as its
/// samples are named; without it in OpenMetrics) and in OpenMetrics' closing `# EOF`.
fn prometheus_text(open_metrics: &str) -> String {
    let counters: HashSet<&str> = open_metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(open_metrics.len() + 64);
    for line in open_metrics.lines().filter(|l| *l != "# EOF") {
        let renamed = ["# HELP ", "# TYPE "].into_iter().find_map(|prefix| {
            let (name, rest) = line.strip_prefix(prefix)?.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {rest}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
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
        let text = metrics.render(&[("products".into(), 4)], 10, Format::Prometheus);
        assert!(text.contains(
            "ocop_http_requests_total{method=\"GET\",route=\"/api/v1/products/{id}\",status=\"200\"} 2"
        ));
        // Buckets carry `le` first (prometheus-client's order), then the route's labels.
        let bucket = |le: &str, n: u32| {
            format!("{{le=\"{le}\",method=\"GET\",route=\"/api/v1/products/{{id}}\"}} {n}")
        };
        assert!(text.contains(&bucket("0.0025", 1)), "{text}");
        assert!(text.contains(&bucket("+Inf", 2)), "{text}");
        assert!(text.contains("ocop_events_appended_total 3"));
        assert!(text.contains("ocop_projection_lag_events{projection=\"products\"} 4"));
        assert!(text.contains("ocop_ledger_head_position 10"));
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::default();
        metrics.observe_request("GET", "/a\"b\\c\nd", 404, Duration::from_millis(1));
        let text = metrics.render(&[], 0, Format::OpenMetrics);
        assert!(text.contains("route=\"/a\\\"b\\\\c\\nd\""), "{text}");
    }

    #[test]
    fn prometheus_text_unless_openmetrics_is_asked_for() {
        let metrics = Metrics::default();
        metrics.observe_append(2);
        let plain = metrics.render(&[], 7, Format::accepted(None));
        assert!(
            plain.contains("# HELP ocop_events_appended_total Events recorded"),
            "{plain}"
        );
        assert!(
            plain.contains(
                "# TYPE ocop_events_appended_total counter\nocop_events_appended_total 2\n"
            ),
            "{plain}"
        );
        assert!(
            plain.contains("# TYPE ocop_ledger_head_position gauge\nocop_ledger_head_position 7\n"),
            "{plain}"
        );
        assert!(!plain.contains("# EOF"), "{plain}");
        let asked = Format::accepted(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        ));
        assert_eq!(asked, Format::OpenMetrics);
        let open = metrics.render(&[], 7, asked);
        assert!(
            open.contains("# TYPE ocop_events_appended counter\nocop_events_appended_total 2\n"),
            "{open}"
        );
        assert!(open.ends_with("# EOF\n"), "{open}");
        assert_eq!(Format::accepted(Some("*/*")), Format::Prometheus);
    }
}
