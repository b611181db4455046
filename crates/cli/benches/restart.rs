//! Restart time of `lifeguard serve` over a large event log (issue 14).
//!
//! Writes `RESTART_EVENTS` events (default 1,000,000: accounts, then chat
//! messages between 5,000 minor/adult pairs) to a JSONL file, loads them with
//! `lifeguard ingest` into a fresh store, then times, each as a separate
//! process:
//!
//! 1. the first `serve` start (time until it listens): everything is applied;
//! 2. a stop with SIGTERM (the runtime saves a checkpoint on the way out);
//! 3. a second start, with nothing new in the log;
//! 4. after `RESTART_MORE` more events (default 10,000) are ingested offline, a
//!    third start.
//!
//! `RESTART_BIN` runs another build of `lifeguard` (an older commit, to compare);
//! by default the one built with this bench.
//!
//! `cargo bench -p lifeguard-cli --bench restart`

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TEXTS: &[&str] = &[
    "hey whats up",
    "did you finish the maths homework",
    "lol no, question 4 is impossible",
    "wanna play later? we need to kill the boss on level 3",
    "ok see you online at 7",
    "how was school today",
    "that video was so funny haha",
    "gg that was close",
    "how old are you?",
    "don't tell your mum we talk ok",
    "add me on snap, it's easier",
];

const PAIRS: usize = 5_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write_events(path: &Path, first: usize, count: usize) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let mut n = first;
    if first == 0 {
        for p in 0..PAIRS {
            writeln!(out, r#"{{"id":"acc-k{p}","type":"account_created","account":"k{p}","age_band":"13_15","at":"2026-05-01T08:00:00Z"}}"#).unwrap();
            writeln!(out, r#"{{"id":"acc-a{p}","type":"account_created","account":"a{p}","age_band":"adult","at":"2026-05-01T08:00:00Z"}}"#).unwrap();
            n += 2;
        }
    }
    while n < first + count {
        let p = (n * 7919) % PAIRS;
        let (from, to) = if n.is_multiple_of(2) {
            (format!("a{p}"), format!("k{p}"))
        } else {
            (format!("k{p}"), format!("a{p}"))
        };
        let text = TEXTS[(n / 3) % TEXTS.len()];
        let minute = n / 1000;
        writeln!(
            out,
            r#"{{"id":"m-{n}","type":"message","conversation":"conv-{p}","sender":"{from}","recipients":["{to}"],"text":"{text}","at":"2026-05-{:02}T{:02}:{:02}:00Z"}}"#,
            1 + (minute / 1440) % 28,
            (minute / 60) % 24,
            minute % 60
        )
        .unwrap();
        n += 1;
    }
}

fn ingest(bin: &str, db: &Path, file: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(bin)
        .args(["ingest", "--db"])
        .arg(db)
        .arg(file)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "lifeguard ingest failed");
    started.elapsed()
}

/// Starts `serve` and returns it once it listens, with the time that took.
fn start(bin: &str, db: &Path) -> (Child, Duration) {
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "restart-bench",
            "--db",
        ])
        .arg(db)
        .env("LIFEGUARD_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "serve did not start: {line:?}");
    (child, started.elapsed())
}

/// SIGTERM, then waits for the process to finish.
fn stop(child: &mut Child) -> Duration {
    let started = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    started.elapsed()
}

fn main() {
    let events = env("RESTART_EVENTS", 1_000_000);
    let more = env("RESTART_MORE", 10_000);
    let bin =
        std::env::var("RESTART_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_lifeguard").to_owned());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("restart.db");
    let log = dir.path().join("events.jsonl");
    write_events(&log, 0, events);
    let loaded = ingest(&bin, &db, &log);
    println!("{bin}\n  ingest {events} events offline: {loaded:.2?}");
    let (mut server, first) = start(&bin, &db);
    println!("  first start (applies all {events}): {first:.2?}");
    println!("  stop (SIGTERM): {:.2?}", stop(&mut server));
    let (mut server, second) = start(&bin, &db);
    println!("  second start, nothing new: {second:.2?}");
    stop(&mut server);
    write_events(&log, events, more);
    ingest(&bin, &db, &log);
    let (mut server, third) = start(&bin, &db);
    println!("  third start, {more} new events since the last stop: {third:.2?}");
    stop(&mut server);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    println!("  store size {:.0} MB", size as f64 / 1e6);
}
