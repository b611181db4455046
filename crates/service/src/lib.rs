//! Lifeguard's HTTP API, an adapter around the engine and the store.
//!
//! [`app`] builds the axum router; the CLI binds it to a socket. Handlers parse and
//! validate input, hand events to the ordered applier ([`lifeguard_runtime`]),
//! whose store commit is the acknowledgement and whose engine decides, and map
//! every failure to a status in one place ([`AppError`]). Message text is never logged: handlers log
//! ids, counts and timings only.
//!
//! | route | scope | what |
//! |---|---|---|
//! | `POST /v1/events` | ingest | a batch of events; a decision per event |
//! | `POST /v1/media/check` | ingest | bytes or hashes in, known-image matches out |
//! | `GET /v1/events/{id}` | read | a stored event |
//! | `GET /v1/accounts/{id}/risk` | read | an account's status, contacts with minors, risk, case |
//! | `GET /v1/conversations/{id}/risk` | read | a conversation's risk, suspect and evidence |
//! | `POST /v1/visibility` | read | which of some accounts a viewer may see on a surface |
//! | `GET /v1/cases`, `GET /v1/cases/{id}` | read | open cases by priority; one case |
//! | `GET /healthz`, `GET /metrics` | none | liveness; Prometheus text format |
//! | `GET /openapi.json` | none | the OpenAPI 3.1 document, generated from the code |
//!
//! ```no_run
//! # async fn run() {
//! use std::sync::Arc;
//! let store = Arc::new(lifeguard_store::SqliteStore::open("x.db".as_ref()).unwrap());
//! let engine = lifeguard_safety::SafetyEngine::new(lifeguard_safety::Config::default_config()).unwrap();
//! let keys = lifeguard_service::ApiKeys::default();
//! let state = lifeguard_service::AppState::open(store, engine, keys).unwrap();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, lifeguard_service::app(state)).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod auth;
mod error;
mod events;
pub mod media;
mod metrics;
pub mod openapi;
mod views;

pub use auth::{generate_key, ApiKey, ApiKeys, Scope};
pub use error::AppError;
pub use events::{BatchResponse, EventResult, EventStatus};
pub use metrics::Metrics;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
pub use lifeguard_runtime::{Options, Runtime, RuntimeError};
use lifeguard_safety::SafetyEngine;
use lifeguard_store::Store;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most events in one batch.
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The durable event log and cases.
    pub store: Arc<dyn Store>,
    /// The ordered applier, which owns the engine's writes and the hash banks.
    pub runtime: Arc<Runtime>,
    /// The safety engine, for reading (the runtime's); its state is a function
    /// of the event log.
    pub engine: Arc<Mutex<SafetyEngine>>,
    /// Clients' API keys.
    pub keys: Arc<ApiKeys>,
    /// Counters exported at `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over a store: loads the engine's last checkpoint and replays the
    /// events after it (so that a restart, even after `kill -9`, resumes exactly
    /// where the log ends), then starts the ordered applier.
    pub fn open<S: Store + 'static>(
        store: Arc<S>,
        engine: SafetyEngine,
        keys: ApiKeys,
    ) -> Result<AppState, RuntimeError> {
        AppState::with_options(store, engine, keys, Options::default())
    }

    /// [`AppState::open`] with the runtime's options.
    pub fn with_options<S: Store + 'static>(
        store: Arc<S>,
        engine: SafetyEngine,
        keys: ApiKeys,
        options: Options,
    ) -> Result<AppState, RuntimeError> {
        let runtime = Runtime::start(Arc::clone(&store), engine, options)?;
        Ok(AppState {
            store,
            engine: Arc::clone(runtime.engine()),
            runtime: Arc::new(runtime),
            keys: Arc::new(keys),
            metrics: Arc::new(Metrics::default()),
        })
    }

    pub(crate) fn engine(&self) -> MutexGuard<'_, SafetyEngine> {
        // The engine's methods do not panic on input; if one ever did, its state is
        // still the result of the events applied so far, so keep serving.
        self.engine.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The service's router.
pub fn app(state: AppState) -> Router {
    let ingest = Router::new()
        .route("/v1/events", post(events::ingest))
        .route("/v1/media/check", post(media::check_route))
        .route_layer(from_fn_with_state(state.clone(), auth::require_ingest));
    let read = Router::new()
        .route("/v1/events/{id}", get(events::get_event))
        .route("/v1/accounts/{id}/risk", get(views::account_risk))
        .route("/v1/conversations/{id}/risk", get(views::conversation_risk))
        .route("/v1/visibility", post(views::visibility))
        .route("/v1/cases", get(views::list_cases))
        .route("/v1/cases/{id}", get(views::get_case))
        .route_layer(from_fn_with_state(state.clone(), auth::require_read));
    Router::new()
        .merge(ingest)
        .merge(read)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi::serve))
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
