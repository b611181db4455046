//! How fast the console serves its pages with many open cases.
//!
//! Builds a store with `CASES` (default 10,000) grooming conversations between an
//! adult and a child (the demo's synthetic, non-explicit chat, with ids changed),
//! replays it through the engine so that each opens a real case, then times the
//! queue page (plain, filtered, a later page), the case page and the SLA page,
//! in process through the router (no network).
//!
//!     cargo bench -p lifeguard-console --bench pages
//!     CASES=1000 cargo bench -p lifeguard-console --bench pages

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeguard_console::ConsoleState;
use lifeguard_core::Event;
use lifeguard_safety::{Config, SafetyEngine};
use lifeguard_service::{ApiKeys, AppState};
use lifeguard_store::{CaseStore, EventStore, SqliteStore};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The demo's grooming conversation for pair `i`.
fn conversation(i: usize) -> Vec<Event> {
    let lines: Vec<&str> = common::SCENARIO
        .lines()
        .filter(|l| l.contains("jordan") || l.contains("\"acc-maya\""))
        .collect();
    let band = if i.is_multiple_of(3) {
        "under_13"
    } else {
        "13_15"
    };
    lines
        .iter()
        .map(|l| {
            let l = l
                .replace("jordan_k", &format!("adult{i}"))
                .replace("maya", &format!("kid{i}"))
                .replace("\"id\": \"", &format!("\"id\": \"b{i}-"))
                .replace("\"13_15\"", &format!("\"{band}\""));
            serde_json::from_str(&l).unwrap()
        })
        .collect()
}

fn stats(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| times[((q * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{name:<34} n={:<3} median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
        times.len(),
        ms(p(0.5)),
        ms(p(0.95)),
        ms(*times.last().unwrap())
    );
}

fn main() {
    let cases = env("CASES", 10_000);
    let rounds = env("ROUNDS", 30);
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).unwrap());
    let started = Instant::now();
    let mut batch = Vec::new();
    for i in 0..cases {
        batch.extend(conversation(i));
        if batch.len() >= 5000 {
            store.append(&batch).unwrap();
            batch.clear();
        }
    }
    store.append(&batch).unwrap();
    let events = store.count().unwrap();
    println!(
        "stored {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let engine = SafetyEngine::new(Config::default_config()).unwrap();
    let state = AppState::open(store.clone(), engine, ApiKeys::default()).unwrap();
    let open = store.open_cases(1_000_000).unwrap();
    println!(
        "replayed through the engine in {:.1} s: {} open cases",
        started.elapsed().as_secs_f64(),
        open.len()
    );
    let started = Instant::now();
    lifeguard_console::sync_index(store.as_ref()).unwrap();
    println!(
        "queue index built for {} cases in {:.1} ms (once, after they change)",
        open.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let document = lifeguard_safety::config_document("").unwrap();
    let console = ConsoleState::new(
        state.store.clone(),
        state.engine.clone(),
        lifeguard_console::ConsoleConfig::from_document(&document).unwrap(),
        lifeguard_referrals::config::RetentionConfig::from_document(&document).unwrap(),
    )
    .unwrap();
    lifeguard_console::create_user(
        store.as_ref(),
        common::CSM,
        "child_safety_moderator",
        common::PASSWORD,
    )
    .unwrap();
    let router = lifeguard_service::app(state).nest("/console", lifeguard_console::router(console));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let user = common::login(&router, common::CSM, common::PASSWORD)
            .await
            .ok()
            .unwrap();
        let get = |path: String| {
            let (router, cookie) = (router.clone(), user.cookie.clone());
            async move {
                let t = Instant::now();
                let r = common::send(&router, "GET", &path, &cookie, None).await;
                assert_eq!(r.status, 200, "{path}");
                (t.elapsed(), r.body)
            }
        };
        let (first, body) = get("/console/queue".into()).await;
        println!(
            "first queue page                   {:>7.2} ms",
            first.as_secs_f64() * 1000.0
        );
        assert_eq!(common::listed_cases(&body).len(), 50.min(open.len()));
        let mut t = Vec::new();
        for _ in 0..rounds {
            t.push(get("/console/queue".into()).await.0);
        }
        stats("queue page", t);
        let mut t = Vec::new();
        for _ in 0..rounds {
            t.push(
                get("/console/queue?band=under_13&age=over_24h".into())
                    .await
                    .0,
            );
        }
        stats("queue page, filtered", t);
        let mut t = Vec::new();
        for _ in 0..rounds {
            t.push(get("/console/queue?page=100".into()).await.0);
        }
        stats("queue page 101", t);
        let mut t = Vec::new();
        let step = (open.len() / rounds.max(1)).max(1);
        for i in 0..rounds {
            let id = &open[(i * step) % open.len()].id;
            t.push(get(format!("/console/cases/{id}")).await.0);
        }
        stats("case page (evidence, audited)", t);
        let mut t = Vec::new();
        for _ in 0..rounds.min(10) {
            t.push(get("/console/sla".into()).await.0);
        }
        stats("SLA page", t);
    });
}
