//! The application: its shared state, the router with every path of the contract and the
//! OpenAPI document generated from the same routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use ocop_eventstore::EventStore;
use ocop_projections::command::service::CommandService;
use ocop_projections::read::query::{ProductReader, ReadModels};
use ocop_projections::{Backend, ProjectionRunner, RunnerHandle};
use tokio::task::JoinHandle;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TokenKeys;
use crate::checkpoint::{CheckpointKey, Checkpoints};
use crate::error::Problem;
use crate::metrics::Metrics;
use crate::routes::commands::CommandAnswer;
use crate::routes::{audit, commands, decisions, exports, ops, producers, queries, tokens, units};
use crate::server;

/// How often a server looks for due expiry notices and expiries.
pub const TIMER_EVERY: Duration = Duration::from_secs(3600);

/// How often a server signs a checkpoint of the ledger's head (and once at start).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(3600);

/// How long a query given `min_position` waits for the read side before answering 503.
pub const MIN_POSITION_WAIT: Duration = Duration::from_secs(5);

/// Where the server reads the time for the commands it issues (and so for "today in
/// Vietnam", rule 9) and for its timers: the system clock, or a fixed instant in tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<chrono::DateTime<chrono::Utc>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    /// A clock that always reads `at`.
    pub fn fixed(at: chrono::DateTime<chrono::Utc>) -> Self {
        Clock { fixed: Some(at) }
    }

    /// The time now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.fixed.unwrap_or_else(chrono::Utc::now)
    }
}

/// What every request handler shares.
#[derive(Clone)]
#[allow(missing_debug_implementations)] // the store and read models are opaque handles
pub struct AppState {
    pub store: Arc<dyn EventStore>,
    pub service: CommandService,
    pub read: ReadModels,
    /// The one read path of a product for an actor.
    pub products: ProductReader,
    pub runner: ProjectionRunner,
    pub keys: Arc<TokenKeys>,
    /// The key checkpoints of the ledger's head are signed with, and where they are kept.
    pub checkpoints: Arc<Checkpoints>,
    pub metrics: Arc<Metrics>,
    /// Set once the projection runner has caught up with the log as it was at start.
    pub caught_up: Arc<AtomicBool>,
    /// The time commands are issued at.
    pub clock: Clock,
    /// The address the public reaches the web pages at (QR codes point there); `None`: the
    /// request's `Host`.
    pub public_base_url: Option<String>,
}

impl AppState {
    /// The state of a server on `backend`, verifying tokens with `keys` and signing
    /// checkpoints with `checkpoint_key`.
    pub async fn new(
        backend: Backend,
        keys: TokenKeys,
        checkpoint_key: CheckpointKey,
    ) -> Result<Self, ocop_projections::ProjectionError> {
        let runner = ProjectionRunner::new(
            backend.store.clone(),
            backend.db.clone(),
            Default::default(),
        )
        .await?;
        let read = ReadModels::with_store(backend.db.clone(), backend.store.clone());
        let checkpoints = Arc::new(Checkpoints {
            log: crate::checkpoint::log_of(&backend.db),
            key: checkpoint_key,
        });
        let service = CommandService::new(backend.store.clone()).with_read_models(read.clone());
        Ok(AppState {
            checkpoints,
            products: ProductReader::new(read.clone(), service.clone()),
            service,
            read,
            store: backend.store,
            runner,
            keys: Arc::new(keys),
            metrics: Arc::new(Metrics::default()),
            clock: Clock::system(),
            public_base_url: None,
            caught_up: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Today's business date in Vietnam by the server's clock: the day commands are judged
    /// on, and the administrative units in force.
    pub fn today(&self) -> chrono::NaiveDate {
        ocop_domain::units::vietnam_date(self.clock.now())
    }

    /// Whether the read side has caught up once since start.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Relaxed)
    }
}

/// A server's background work: the projection runner, the watch that marks the read side
/// caught up, and (optionally) the expiry timers.
#[allow(missing_debug_implementations)]
pub struct Background {
    runner: RunnerHandle,
    tasks: Vec<JoinHandle<()>>,
}

impl Background {
    /// Starts the background work of `state`; with `timers`, due expiry notices and expiries
    /// are issued at start and every [`TIMER_EVERY`] (exactly once across processes: their
    /// idempotency keys are derived from the recognition).
    pub async fn start(
        state: &AppState,
        timers: bool,
    ) -> Result<Background, ocop_eventstore::StoreError> {
        let runner = state.runner.spawn();
        let start_head = state.store.head().await?.global_position;
        let mut tasks = Vec::new();
        let watch = state.clone();
        tasks.push(tokio::spawn(async move {
            while watch
                .runner
                .wait_for(start_head, Duration::from_secs(60))
                .await
                .is_err()
            {}
            watch.caught_up.store(true, Ordering::Relaxed);
            tracing::info!(position = start_head, "read side caught up");
        }));
        let signer = state.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let c = &signer.checkpoints;
                match c.key.checkpoint_head(signer.store.as_ref(), &c.log).await {
                    Ok(head) => tracing::info!(
                        position = head.global_position,
                        key_id = %head.key_id,
                        "ledger checkpoint signed"
                    ),
                    Err(e) => tracing::warn!(error = %e, "checkpoint failed; retrying later"),
                }
                tokio::time::sleep(CHECKPOINT_EVERY).await;
            }
        }));
        if timers {
            let state = state.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let today = crate::run::today_in_vietnam(state.clock.now());
                    match ocop_projections::timers::run_timers(&state.runner, &state.service, today)
                        .await
                    {
                        Ok(report) => tracing::info!(?report, "timers ran"),
                        Err(e) => tracing::warn!(error = %e, "timers failed; retrying later"),
                    }
                    tokio::time::sleep(TIMER_EVERY).await;
                }
            }));
        }
        Ok(Background { runner, tasks })
    }

    /// Stops the timers and the runner (after its current batch).
    pub async fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        self.runner.stop().await;
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OCOP evaluation ledger",
        description = "The system of record of the OCOP programme (Chương trình mỗi xã một sản phẩm): \
                       commands that advance a product's evaluation, the read models that answer \
                       what is true now and what happened, the ministry's audit and the ledger.",
        license(name = "Proprietary")
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, CommandAnswer, ocop_domain::state::ProductState)),
    tags(
        (name = "commands", description = "Advance a product's lifecycle; each records one event."),
        (name = "queries", description = "Current state, history, as-of replay, statistics."),
        (name = "audit", description = "The ministry's decision audit and the hash-chained ledger."),
        (name = "public", description = "Consumer look-up and revocation notices, no token."),
        (name = "operations", description = "Health, readiness and metrics."),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every documented route with its OpenAPI operation.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(commands::register_product))
        .routes(routes!(commands::open_evaluation))
        .routes(routes!(commands::return_dossier))
        .routes(routes!(commands::amend_dossier))
        .routes(routes!(commands::record_local_assessment))
        .routes(routes!(commands::convene_council))
        .routes(routes!(commands::record_scorecard))
        .routes(routes!(commands::conclude_scoring))
        .routes(routes!(commands::reopen_scoring))
        .routes(routes!(commands::decide_recognition))
        .routes(routes!(commands::record_complaint))
        .routes(routes!(commands::record_inspection))
        .routes(routes!(commands::revoke_recognition))
        .routes(routes!(commands::withdraw_product))
        .routes(routes!(commands::correct_entry))
        .routes(routes!(decisions::record_decision))
        .routes(routes!(decisions::get_decision))
        .routes(routes!(queries::list_products))
        .routes(routes!(queries::get_product))
        .routes(routes!(queries::product_history))
        .routes(routes!(queries::stats))
        .routes(routes!(producers::list_producers))
        .routes(routes!(producers::get_producer))
        .routes(routes!(exports::export_products))
        .routes(routes!(exports::export_decisions))
        .routes(routes!(queries::events))
        .routes(routes!(queries::public_product))
        .routes(routes!(queries::public_revocations))
        .routes(routes!(units::provinces))
        .routes(routes!(audit::product_audit))
        .routes(routes!(audit::decisions_audit))
        .routes(routes!(audit::ledger_digest))
        .routes(routes!(audit::ledger_verify))
        .routes(routes!(audit::ledger_checkpoints))
        .routes(routes!(audit::ledger_public_key))
        .routes(routes!(tokens::issued_tokens))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
}

/// The OpenAPI 3.1 document of the API, generated from the routes and the types of their
/// bodies and answers ([`answers`](crate::answers)).
pub fn openapi() -> serde_json::Value {
    described(documented().split_for_parts().1)
}

fn described(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    serde_json::to_value(doc).expect("the OpenAPI document serialises")
}

/// The complete router: every route of the contract, `/api/openapi.json`, the fallbacks
/// and the middleware.
pub fn router(state: AppState, limits: &server::Limits) -> Router {
    let (routes, doc) = documented().split_for_parts();
    let doc = Arc::new(described(doc));
    let routes = routes
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(crate::web::routes())
        .fallback(server::not_found)
        .method_not_allowed_fallback(server::method_not_allowed);
    let metrics = state.metrics.clone();
    server::with_middleware(routes, metrics, limits).with_state(state)
}
