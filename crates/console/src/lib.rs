//! The moderator console: server-rendered pages over a store, served by
//! `lifeguard serve` under `/console`.
//!
//! Police and platform moderators are overwhelmed by volume and must pick out the
//! cases where a child is at most risk. The console ranks waiting cases by the
//! engine's priority (category severity, the youngest child's age, conversation
//! risk, reports, plus recency) with the reasons shown; splits them into queues
//! with their own response-time targets and highlights breaches; lets one
//! moderator claim a case so that two never work the same one; shows the
//! conversation with flagged messages highlighted and labelled by behaviour,
//! media blurred until revealed; records actions, sends each to the platform
//! through a signed webhook with retries, and keeps an append-only audit log of
//! every view of child-safety evidence and every action.
//!
//! Roles: admins and child-safety moderators open child-safety evidence (message
//! text, media); moderators work case summaries and act on the contact-pattern
//! queues; analysts see aggregate figures only.
//!
//! ```no_run
//! # async fn run(state: lifeguard_service::AppState) {
//! let config = lifeguard_console::ConsoleConfig::from_table(&toml::Table::new()).unwrap();
//! let retention = lifeguard_referrals::config::RetentionConfig::default();
//! let console =
//!     lifeguard_console::ConsoleState::new(state.store.clone(), state.engine.clone(), config, retention)
//!         .unwrap();
//! let router = lifeguard_service::app(state).nest("/console", lifeguard_console::router(console));
//! # let _ = router;
//! # }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod config;
pub mod model;
pub mod sla;
mod views;
mod web;
pub mod webhook;

pub use auth::{create_user, generate_password, hash_password, verify_password, AccountError};
pub use config::{ConsoleConfig, WebhookConfig};
pub use model::{ActionKind, Queue, Role};

use std::sync::{Arc, Mutex};

use lifeguard_safety::SafetyEngine;
use lifeguard_store::Store;

/// What the console's handlers share.
#[derive(Clone)]
pub struct ConsoleState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) engine: Arc<Mutex<SafetyEngine>>,
    pub(crate) config: Arc<ConsoleConfig>,
    pub(crate) limiter: Arc<auth::LoginLimiter>,
    pub(crate) wake: Arc<tokio::sync::Notify>,
    /// How long holds placed from the console last (`[retention]`).
    pub(crate) retention: lifeguard_referrals::config::RetentionConfig,
}

impl ConsoleState {
    /// The console over the service's store and engine, with its settings
    /// (`[console]`) and the retention settings for the holds it places
    /// (`[retention]`), each parsed once by the binary.
    pub fn new(
        store: Arc<dyn Store>,
        engine: Arc<Mutex<SafetyEngine>>,
        config: ConsoleConfig,
        retention: lifeguard_referrals::config::RetentionConfig,
    ) -> Result<ConsoleState, String> {
        let mut state = ConsoleState::with_config(store, engine, config)?;
        state.retention = retention;
        Ok(state)
    }

    /// The console with explicit settings.
    pub fn with_config(
        store: Arc<dyn Store>,
        engine: Arc<Mutex<SafetyEngine>>,
        config: ConsoleConfig,
    ) -> Result<ConsoleState, String> {
        if let Some(w) = &config.webhook {
            if config.webhook_secret().is_none() {
                return Err(format!(
                    "[console.webhook] is set but the secret is missing: set the environment variable {}",
                    w.secret_env
                ));
            }
        }
        Ok(ConsoleState {
            store,
            engine,
            config: Arc::new(config),
            limiter: Arc::default(),
            wake: Arc::default(),
            retention: lifeguard_referrals::config::RetentionConfig::default(),
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &ConsoleConfig {
        &self.config
    }
}

/// The console's routes, to be nested under `/console`.
pub fn router(state: ConsoleState) -> axum::Router {
    web::router(state)
}

/// Brings the queue index up to date with the store's cases (the queue and SLA
/// pages do this on every request; benchmarks call it to separate the costs).
pub fn sync_index(store: &dyn Store) -> Result<(), lifeguard_store::StoreError> {
    web::sync_index(store)
}
