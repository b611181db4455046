//! Load generator for the service: starts `lifeguard serve` as a separate process
//! on a fresh embedded store, creates accounts (minors and adults), then drives
//! message events over HTTP from several client threads for a fixed time, and
//! prints sustained events/s and per-request latency percentiles.
//!
//! `cargo bench -p lifeguard-cli --bench load` with optional environment:
//! `LOAD_SECONDS` (default 20), `LOAD_CLIENTS` (default 8), `LOAD_BATCH` (events per
//! request, default 100), `LOAD_CONVERSATIONS` (default 2000); `LIFEGUARD_BIN` runs
//! another build of `lifeguard` (an older commit, to compare).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;

const KEY: &str = "load-test-key";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const TEXTS: &[&str] = &[
    "hey whats up",
    "did you finish the maths homework",
    "lol no, question 4 is impossible",
    "wanna play later? we need to kill the boss on level 3",
    "ok see you online at 7",
    "how was school today",
    "my mum says i have to clean my room first",
    "that video was so funny haha",
    "push mid, i'll cover you",
    "gg that was close",
    "how old are you?",
    "don't tell your mum we talk ok",
    "add me on snap, it's easier",
];

fn main() {
    let seconds = env("LOAD_SECONDS", 20);
    let clients = env("LOAD_CLIENTS", 8);
    let batch = env("LOAD_BATCH", 100);
    let conversations = env("LOAD_CONVERSATIONS", 2000);
    let dir = tempfile::tempdir().unwrap();
    let (mut server, url) = common::serve(&dir.path().join("load.db"), KEY, "warn", false);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();

    // Accounts: one minor and one adult per conversation, connected half the time.
    let mut setup = Vec::new();
    for c in 0..conversations {
        setup.push(format!(r#"{{"id":"acc-k{c}","type":"account_created","account":"k{c}","age_band":"13_15","country":"GB"}}"#));
        setup.push(format!(r#"{{"id":"acc-a{c}","type":"account_created","account":"a{c}","age_band":"adult","country":"GB"}}"#));
        if c % 2 == 0 {
            setup.push(format!(r#"{{"id":"fr-{c}","type":"relationship","kind":"friend_request","from":"a{c}","to":"k{c}"}}"#));
            setup.push(format!(r#"{{"id":"ac-{c}","type":"relationship","kind":"accept","from":"k{c}","to":"a{c}"}}"#));
        }
    }
    for chunk in setup.chunks(5000) {
        let status = agent
            .post(&format!("{url}/v1/events"))
            .header("authorization", &format!("Bearer {KEY}"))
            .send(format!("[{}]", chunk.join(",")))
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, url, agent) = (stop.clone(), url.clone(), agent.clone());
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let (mut events, mut errors) = (0u64, 0u64);
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let body: Vec<String> = (0..batch)
                        .map(|i| {
                            n += 1;
                            let c = (n as usize * 7919 + t * 104_729) % conversations;
                            let (from, to) = if n.is_multiple_of(2) { (format!("a{c}"), format!("k{c}")) } else { (format!("k{c}"), format!("a{c}")) };
                            let text = TEXTS[(n as usize + i) % TEXTS.len()];
                            format!(
                                r#"{{"id":"m-{t}-{n}","type":"message","conversation":"conv-{c}","sender":"{from}","recipients":["{to}"],"text":"{text}"}}"#
                            )
                        })
                        .collect();
                    let sent = Instant::now();
                    let response = agent
                        .post(&format!("{url}/v1/events"))
                        .header("authorization", &format!("Bearer {KEY}"))
                        .send(format!("[{}]", body.join(",")));
                    let ok = matches!(response.map(|mut r| (r.status(), r.body_mut().read_to_string())), Ok((s, Ok(_))) if s == 200);
                    latencies.push(sent.elapsed());
                    if ok {
                        events += batch as u64;
                    } else {
                        errors += 1;
                    }
                }
                (latencies, events, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds as u64));
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut events, mut errors) = (0, 0);
    for t in threads {
        let (l, e, x) = t.join().unwrap();
        latencies.extend(l);
        events += e;
        errors += x;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)].as_secs_f64()
            * 1000.0
    };
    println!(
        "{clients} clients, {batch} message events per request, {conversations} conversations, {seconds} s:\n  \
         {events} events acknowledged, {errors} failed requests\n  \
         {:.0} events/s sustained, {:.0} requests/s\n  \
         request latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        events as f64 / elapsed,
        latencies.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
