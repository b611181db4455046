use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use lifeguard_console::ConsoleConfig;
use lifeguard_referrals::config::RetentionConfig;
use lifeguard_safety::SafetyEngine;
use lifeguard_service::{app, generate_key, ApiKey, ApiKeys, AppState, Scope};
use lifeguard_store::SqliteStore;

use crate::settings::Settings;

/// Run the safety service.
#[derive(clap::Args)]
pub struct Args {
    /// The embedded store's database file (created if absent).
    #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
    pub db: PathBuf,
    /// Address to listen on; port 0 picks a free one (printed on start).
    #[arg(long, default_value = "127.0.0.1:8080", env = "LIFEGUARD_LISTEN")]
    pub listen: SocketAddr,
    /// Policy and API-key configuration (TOML); see crates/safety/config/lifeguard.toml for every
    /// key and its default. Keys you leave out keep their defaults.
    #[arg(long, env = "LIFEGUARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// An API key with every scope (ingest, read, admin), in addition to those in
    /// the configuration. Without any key, one is generated and printed on start.
    #[arg(long, env = "LIFEGUARD_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

/// What a run of the service needs, from the configuration file parsed once.
pub struct Prepared {
    /// The safety engine, with its policy.
    pub engine: SafetyEngine,
    /// API keys: the file's, the command line's, or one generated.
    pub keys: ApiKeys,
    /// The generated key, to print.
    pub generated: Option<String>,
    /// The console's settings.
    pub console: ConsoleConfig,
    /// Retention, for the holds the console places.
    pub retention: RetentionConfig,
}

/// The engine, keys and console settings for a run; generates a key when none
/// is configured.
pub fn prepare(config: Option<&PathBuf>, api_key: Option<String>) -> anyhow::Result<Prepared> {
    let settings = Settings::load(config.map(PathBuf::as_path))?;
    let mut keys = settings.api_keys;
    let all = [Scope::Ingest, Scope::Read, Scope::Admin];
    let mut generated = None;
    match api_key {
        Some(key) => keys.push(ApiKey::from_plaintext("command-line", &key, &all)),
        None if keys.is_empty() => {
            let key = generate_key().context("generating an API key")?;
            keys.push(ApiKey::from_plaintext("generated", &key, &all));
            generated = Some(key);
        }
        None => {}
    }
    let engine = SafetyEngine::new(settings.safety).context("loading the safety engine")?;
    Ok(Prepared {
        engine,
        keys: ApiKeys(keys),
        generated,
        console: settings.console,
        retention: settings.retention,
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Prepared {
        engine,
        keys,
        generated,
        console,
        retention,
    } = prepare(args.config.as_ref(), args.api_key)?;
    let store = Arc::new(
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?,
    );
    let state = AppState::open(store, engine, keys).context("replaying the event log")?;
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        // Tests and scripts read these lines to find the port and the key.
        println!(
            "lifeguard listening on http://{addr} (store {})",
            args.db.display()
        );
        if let Some(key) = generated {
            println!("api key (ingest, read, admin; generated for this run): {key}");
        }
        std::io::stdout().flush()?;
        serve(listener, state, console, retention).await
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    console: ConsoleConfig,
    retention: RetentionConfig,
) -> anyhow::Result<()> {
    // The moderator console under /console, over the same store and engine.
    let console = lifeguard_console::ConsoleState::new(
        state.store.clone(),
        state.engine.clone(),
        console,
        retention,
    )
    .map_err(|e| anyhow::anyhow!("console configuration: {e}"))?;
    let _webhooks = lifeguard_console::webhook::spawn_worker(console.clone());
    let runtime = state.runtime.clone();
    let router = app(state).nest("/console", lifeguard_console::router(console));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    // Every request has been answered: save the engine's state so that the next
    // start replays nothing.
    tokio::task::spawn_blocking(move || runtime.shutdown())
        .await
        .context("stopping the event applier")?
        .context("saving the engine's checkpoint")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
