//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::answers::{Health, Readiness};
use crate::app::AppState;

/// Liveness: the process answers.
///
/// Who: anyone: no token.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Catch-ups failed in a row (with back-off: ≈ 350 ms) after which the server is not ready.
const FAILING_AFTER: u32 = 3;

/// Readiness: the store answers, the read side has caught up with the log once since start
/// (its current lag is reported) and its catch-ups are not failing over and over (the last
/// error is reported).
///
/// Who: anyone: no token.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "ready", body = Readiness),
        (status = 503, description = "not ready (with `Retry-After: 2`)", body = Readiness,
         example = json!({"ready": false, "store": "unavailable", "projections_caught_up": false,
                          "projections": null, "projection_error": null}))
    )
)]
pub async fn readyz(State(app): State<AppState>) -> Response {
    let store = app.store.ping().await;
    // With the store down the lag cannot be read either: do not wait for it a second time.
    let lag = match &store {
        Ok(()) => app.runner.lag().await.map_err(|_| ()),
        Err(_) => Err(()),
    };
    let caught_up = app.is_caught_up();
    // A read side whose catch-ups keep failing (a transient error is retried in
    // milliseconds; this is one that is not going away) answers stale data.
    let failing = app
        .runner
        .failure()
        .filter(|f| f.consecutive >= FAILING_AFTER);
    let ready = store.is_ok() && lag.is_ok() && caught_up && failing.is_none();
    let body = Readiness {
        ready,
        store: if store.is_ok() { "ok" } else { "unavailable" },
        projections_caught_up: caught_up,
        projections: lag.ok(),
        projection_error: failing.map(|f| f.error),
    };
    if ready {
        (StatusCode::OK, Json(body)).into_response()
    } else {
        let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(2));
        response
    }
}

/// The metrics as Prometheus text (format 0.0.4; OpenMetrics 1.0 when `Accept` asks for
/// `application/openmetrics-text`, as Prometheus does): request counts and latencies,
/// commands and events appended, the ledger head and each projection's lag.
///
/// Who: anyone: no token (put it behind the network's own access rules).
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text exposition (format 0.0.4, or OpenMetrics 1.0 when asked for)")))]
pub async fn metrics(State(app): State<AppState>, headers: header::HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let format = crate::metrics::Format::accepted(accept);
    let lag = app.runner.lag().await.unwrap_or_default();
    let head = lag.first().map_or(0, |l| l.head);
    let lag: Vec<(String, i64)> = lag
        .into_iter()
        .map(|l| (l.projection.to_owned(), l.lag))
        .collect();
    (
        [(header::CONTENT_TYPE, format.content_type())],
        app.metrics.render(&lag, head, format),
    )
        .into_response()
}
