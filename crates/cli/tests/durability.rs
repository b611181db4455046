//! Kills the server with SIGKILL in the middle of ingest and proves that every
//! event it acknowledged is in the store after a restart.

mod common;

use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeguard_store::{CaseStore, EventStore, SqliteStore};

const KEY: &str = "durability-test-key";

fn start_server(db: &Path) -> (Child, String) {
    common::serve(db, KEY, "warn", false)
}

/// One client's batch: 5 new minor accounts, a friend request from the client's
/// adult to each (enough of them opens a case), and 40 chat messages.
fn batch(client: usize, n: usize) -> (Vec<String>, String) {
    let mut events = Vec::new();
    for i in 0..5 {
        let kid = format!("kid{client}-{n}-{i}");
        events.push((
            format!("c{client}-b{n}-acc{i}"),
            format!(r#""type":"account_created","account":"{kid}","age_band":"13_15""#),
        ));
        events.push((format!("c{client}-b{n}-fr{i}"), format!(r#""type":"relationship","kind":"friend_request","from":"adult{client}","to":"{kid}""#)));
    }
    for i in 0..40 {
        events.push((format!("c{client}-b{n}-e{i}"), format!(r#""type":"message","conversation":"conv-{client}","sender":"u{client}","text":"message {n} {i}""#)));
    }
    let ids = events.iter().map(|(id, _)| id.clone()).collect();
    let body: Vec<String> = events
        .iter()
        .map(|(id, rest)| format!(r#"{{"id":"{id}",{rest}}}"#))
        .collect();
    (ids, format!("[{}]", body.join(",")))
}

/// Posts a batch; returns the ids the server acknowledged (accepted or duplicate).
fn post(url: &str, body: &str) -> Result<Vec<String>, String> {
    let mut response = ureq::post(&format!("{url}/v1/events"))
        .header("content-type", "application/json")
        .header("authorization", &format!("Bearer {KEY}"))
        .send(body)
        .map_err(|e| e.to_string())?;
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    let answer: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "accepted" || r["status"] == "duplicate")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect())
}

#[test]
fn acknowledged_events_survive_sigkill_during_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lifeguard.db");
    let (mut server, url) = start_server(&db);

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let (acked, stop, url) = (acked.clone(), stop.clone(), url.clone());
            std::thread::spawn(move || {
                let mut failures = 0;
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (_, body) = batch(client, n);
                    match post(&url, &body) {
                        Ok(ids) => acked.lock().unwrap().extend(ids),
                        Err(_) => {
                            failures += 1;
                            if failures > 3 {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();

    // Let ingest run, then kill the server while the clients are still sending.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 3_000 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.kill().expect("SIGKILL the server"); // Child::kill sends SIGKILL on Unix.
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 500,
        "too few events acknowledged before the kill: {}",
        acked.len()
    );

    // Restart on the same store: it opens, and every acknowledged event is there.
    let (mut server, url) = start_server(&db);
    let store = SqliteStore::open(&db).unwrap();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|id| store.get(id).unwrap().is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(store.count().unwrap() >= acked.len() as u64);

    // The cases the load opened came back, one per suspect: each client's adult
    // sent enough friend requests to minors before the kill to open one.
    let cases = store.open_cases(100).unwrap();
    let mut suspects: Vec<&str> = cases.iter().map(|c| c.suspect.as_str()).collect();
    suspects.sort();
    let before_dedup = suspects.len();
    suspects.dedup();
    assert_eq!(
        before_dedup,
        suspects.len(),
        "a suspect has two open cases: {suspects:?}"
    );
    assert_eq!(suspects, ["adult0", "adult1", "adult2", "adult3"]);

    // Resending an acknowledged batch after the restart creates nothing new.
    let before = store.count().unwrap();
    let (ids, body) = batch(0, 0);
    assert_eq!(post(&url, &body).unwrap(), ids);
    assert_eq!(store.count().unwrap(), before);
    server.kill().unwrap();
    server.wait().unwrap();
    eprintln!(
        "{} events acknowledged before SIGKILL; all present after restart",
        acked.len()
    );
}
