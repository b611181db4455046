//! Lifeguard's HTTP API, an adapter around the engine and the store.
//!
//! [`app`] builds the axum router; the CLI binds it to a socket. Handlers parse and
//! validate input, hand events to the store (whose commit is the acknowledgement) and
//! map every failure to a status in one place ([`AppError`]). Message text is never
//! logged: handlers log ids, counts and timings only.
//!
//! Routes: `POST /v1/events` (a batch of envelope events), `GET /v1/events/{id}`,
//! `GET /healthz`, `GET /metrics` (Prometheus text format).
//!
//! ```no_run
//! # async fn run() {
//! let store = std::sync::Arc::new(lifeguard_store::SqliteStore::open("x.db".as_ref()).unwrap());
//! let app = lifeguard_service::app(lifeguard_service::AppState::new(store));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod error;
mod events;
mod metrics;

pub use error::AppError;
pub use events::{BatchResponse, EventResult, EventStatus};
pub use metrics::Metrics;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use lifeguard_store::EventStore;

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most events in one batch.
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The durable event log.
    pub store: Arc<dyn EventStore>,
    /// Counters exported at `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over a store, with fresh metrics.
    pub fn new(store: Arc<dyn EventStore>) -> AppState {
        AppState {
            store,
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The service's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/v1/events", post(events::ingest))
        .route("/v1/events/{id}", get(events::get_event))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics::render))
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
