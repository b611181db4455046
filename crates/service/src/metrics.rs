use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

/// Process-wide counters, exported in the Prometheus text format.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Events stored for the first time.
    pub events_accepted: AtomicU64,
    /// Events already stored (same id).
    pub events_duplicate: AtomicU64,
    /// Events refused as invalid.
    pub events_rejected: AtomicU64,
    /// Batches received.
    pub batches: AtomicU64,
    /// Sum of store commit times, microseconds.
    pub store_commit_micros: AtomicU64,
}

impl Metrics {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

pub(crate) async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.metrics;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP lifeguard_events_total Events received, by outcome."
    );
    let _ = writeln!(out, "# TYPE lifeguard_events_total counter");
    for (outcome, counter) in [
        ("accepted", &m.events_accepted),
        ("duplicate", &m.events_duplicate),
        ("rejected", &m.events_rejected),
    ] {
        let _ = writeln!(
            out,
            "lifeguard_events_total{{outcome=\"{outcome}\"}} {}",
            load(counter)
        );
    }
    let _ = writeln!(
        out,
        "# HELP lifeguard_batches_total Event batches received."
    );
    let _ = writeln!(out, "# TYPE lifeguard_batches_total counter");
    let _ = writeln!(out, "lifeguard_batches_total {}", load(&m.batches));
    let _ = writeln!(
        out,
        "# HELP lifeguard_store_commit_seconds_total Time spent committing batches."
    );
    let _ = writeln!(out, "# TYPE lifeguard_store_commit_seconds_total counter");
    let seconds = load(&m.store_commit_micros) as f64 / 1e6;
    let _ = writeln!(out, "lifeguard_store_commit_seconds_total {seconds:.6}");
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
