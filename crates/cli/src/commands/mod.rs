pub mod bank;
pub mod demo;
pub mod eval;
pub mod hash;
pub mod ingest;
pub mod matching;
pub mod report;
pub mod scan;
pub mod serve;
pub mod user;

use tracing_subscriber::EnvFilter;

/// Logs go to stderr; `LIFEGUARD_LOG` (or `RUST_LOG`) sets the filter. Logs carry
/// ids, counts and timings, never message text.
pub fn init_logging(quiet: bool) {
    let default = if quiet { "warn" } else { "info" };
    let filter = std::env::var("LIFEGUARD_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| default.to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// A closed stdout (`lifeguard ... | head`) is not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
