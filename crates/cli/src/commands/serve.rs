use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use lifeguard_safety::{Config, SafetyEngine};
use lifeguard_service::{app, generate_key, ApiKey, ApiKeys, AppState, Scope};
use lifeguard_store::SqliteStore;

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

/// Reads the configuration file: `[[api_keys]]` entries for the service, the
/// rest for the safety engine.
pub fn load_config(path: Option<&PathBuf>) -> anyhow::Result<(Config, Vec<ApiKey>)> {
    let Some(path) = path else {
        return Ok((Config::default_config(), Vec::new()));
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut table: toml::Table = text
        .parse()
        .with_context(|| format!("{}: invalid TOML", path.display()))?;
    let keys = match table.remove("api_keys") {
        Some(value) => value.try_into::<Vec<ApiKey>>().with_context(|| {
            format!(
                "{}: invalid [[api_keys]] (name, scopes, sha256)",
                path.display()
            )
        })?,
        None => Vec::new(),
    };
    let config =
        Config::from_toml(&table.to_string()).with_context(|| path.display().to_string())?;
    Ok((config, keys))
}

/// The engine and keys for a run; generates a key when none is configured.
pub fn prepare(
    config: Option<&PathBuf>,
    api_key: Option<String>,
) -> anyhow::Result<(SafetyEngine, ApiKeys, Option<String>)> {
    let (config, mut keys) = load_config(config)?;
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
    let engine = SafetyEngine::new(config).context("loading the safety engine")?;
    Ok((engine, ApiKeys(keys), generated))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (engine, keys, generated) = prepare(args.config.as_ref(), args.api_key)?;
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
        serve(listener, state).await
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
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<()> {
    // The moderator console under /console, over the same store and engine.
    let console = lifeguard_console::ConsoleState::new(state.store.clone(), state.engine.clone())
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
