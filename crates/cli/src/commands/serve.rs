use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use lifeguard_service::{app, AppState};
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
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = Arc::new(
        SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?,
    );
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        // Tests and scripts read this line to find the port.
        println!(
            "lifeguard listening on http://{addr} (store {})",
            args.db.display()
        );
        std::io::stdout().flush()?;
        serve(listener, AppState::new(store)).await
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
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")
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
