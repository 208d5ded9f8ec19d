//! The axum router's middleware (request ids, tracing, metrics, limits, timeouts, security
//! headers) and the server's life: accepting connections within their limits, background
//! work, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::throttle::{Rate, Throttle};

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The header carrying the request id on every response and log line.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How much of the server one request, one connection and one client may take.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A request running longer answers 503.
    pub request_timeout: Duration,
    /// A connection that has not sent a whole request head within this is closed (HTTP/1;
    /// slow-header attacks hold connections open by sending a byte at a time).
    pub header_timeout: Duration,
    /// Connections open at once; the next one waits to be accepted until one closes.
    pub max_connections: usize,
    /// Requests being answered at once; one more is answered 503 at once (load shedding),
    /// rather than queued behind them.
    pub max_in_flight: usize,
    /// Requests a client may send to the public endpoints (`None`: no limit).
    pub public_rate: Option<Rate>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_in_flight: 512,
            public_rate: Some(Rate {
                per_minute: 300,
                burst: 100,
            }),
        }
    }
}

/// The paths anyone may call without a token whose requests count against the client's
/// rate: the public look-ups of the API and of the web pages, and the sign-in form.
fn rate_limited(path: &str) -> bool {
    path.starts_with("/api/v1/public/")
        || path == "/tra-cuu"
        || path.starts_with("/tra-cuu/")
        || path == "/dang-nhap"
}

/// Wraps routes in the middleware every request goes through.
pub fn with_middleware<S>(routes: Router<S>, metrics: Arc<Metrics>, limits: &Limits) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let timeout = limits.request_timeout;
    let in_flight = Arc::new(Semaphore::new(limits.max_in_flight));
    let throttle = limits.public_rate.map(|rate| Arc::new(Throttle::new(rate)));
    routes
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(move |request, next| {
            enforce_timeout(timeout, request, next)
        }))
        .layer(middleware::from_fn(move |request, next| {
            admit(in_flight.clone(), throttle.clone(), request, next)
        }))
        .layer(middleware::from_fn_with_state(metrics, record_metrics))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(language))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("a handler panicked".into()).into_response()
        }))
        .layer(
            // Answers are logged once, at their own level, by `record_metrics`.
            TraceLayer::new_for_http().on_failure(()).make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %request.method(), uri = %request.uri(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Sheds a request when as many as the limit are being answered, and holds a public
/// request to its client's rate.
async fn admit(
    in_flight: Arc<Semaphore>,
    throttle: Option<Arc<Throttle>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(throttle) = throttle.filter(|_| rate_limited(request.uri().path())) {
        let client = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(client) = client {
            if let Err(wait) = throttle.admit(client, Instant::now()) {
                return ApiError::RateLimited {
                    retry_after: wait.as_secs_f64().ceil().max(1.0) as u32,
                }
                .into_response();
            }
        }
    }
    let Ok(_permit) = in_flight.try_acquire() else {
        return ApiError::Unavailable {
            detail: "the server is answering as many requests as it may at once; retry shortly"
                .into(),
            retry_after: 1,
        }
        .into_response();
    };
    next.run(request).await
}

/// Headers every answer carries: no content sniffing, no framing, a content security
/// policy for pages, no referrer to other sites, and no caching of what a token or session
/// was needed to read.
/// Answers a request whose `Accept-Language` prefers Vietnamese with Vietnamese problem
/// documents (`Content-Language: vi`); every answer varies by that header.
async fn language(request: Request, next: Next) -> Response {
    let vietnamese = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::error::prefers_vietnamese);
    let mut response = crate::error::VIETNAMESE
        .scope(vietnamese, next.run(request))
        .await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("accept-language"));
    let problem = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if vietnamese && problem {
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("vi"));
    }
    response
}

async fn security_headers(request: Request, next: Next) -> Response {
    let authenticated = request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    if authenticated {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then lets the
/// requests in flight finish (for at most `request_timeout`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = TowerToHyperService::new(tower::service_fn(
            move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let mut router = router.clone();
                async move {
                    use tower::Service;
                    router.call(request.map(axum::body::Body::new)).await
                }
            },
        ));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.request_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open at the end of the shutdown grace");
    }
    Ok(())
}

async fn enforce_timeout(timeout: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Unavailable {
            detail: format!(
                "the request did not complete within {} s",
                timeout.as_secs()
            ),
            retry_after: 1,
        }
        .into_response(),
    }
}

async fn record_metrics(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = crate::metrics::method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    metrics.observe_request(method, &route, status, elapsed);
    let ms = elapsed.as_secs_f64() * 1000.0;
    match answer_level(status) {
        tracing::Level::ERROR => tracing::error!(status, %route, ms, "answered"),
        tracing::Level::WARN => tracing::warn!(status, %route, ms, "answered"),
        tracing::Level::INFO => tracing::info!(status, %route, ms, "answered"),
        _ => tracing::debug!(status, %route, ms, "answered"),
    }
    response
}

/// The level an answer is logged at: a server fault at ERROR, a refused credential at
/// WARN (someone may be probing), the caller's other mistakes at INFO, success at DEBUG.
pub fn answer_level(status: u16) -> tracing::Level {
    match status {
        500.. => tracing::Level::ERROR,
        401 | 403 | 429 => tracing::Level::WARN,
        400..=499 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    }
}

/// The answer to a path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such resource".into())
}

/// The answer to a method a route does not support.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed("this method is not allowed on this path".into())
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_logged_at_the_level_of_whose_fault_they_are() {
        use tracing::Level;
        for (status, level) in [
            (200, Level::DEBUG),
            (201, Level::DEBUG),
            (400, Level::INFO),
            (404, Level::INFO),
            (409, Level::INFO),
            (422, Level::INFO),
            (401, Level::WARN),
            (403, Level::WARN),
            (429, Level::WARN),
            (500, Level::ERROR),
            (503, Level::ERROR),
        ] {
            assert_eq!(answer_level(status), level, "{status}");
        }
    }
}
