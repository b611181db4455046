//! The service restarts after concurrent ingestion and reaches the state the live
//! run reached: the same cases under the same ids, the same account and
//! conversation risk.
//!
//! Found from outside (issue 14): 8 clients sending 120 batches of 20 events
//! (friend requests, reports, rejections and grooming-like messages between 12
//! adults and 40 minors) to one service; after SIGTERM the service refused to
//! start ("UNIQUE constraint failed: cases.suspect"), because batches were
//! decided in another order than the log's.

mod common;

use std::collections::BTreeMap;

use serde_json::{json, Value};

const ADULTS: usize = 12;
const MINORS: usize = 40;

/// A deterministic pseudo-random stream (splitmix64), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const GROOMING: &[&str] = &[
    "how old are you?",
    "you seem really mature for your age",
    "don't tell your mum we talk ok",
    "this is our secret",
    "add me on snap, it's easier",
    "send me a pic",
    "are you home alone?",
    "we could meet up after school",
    "i'm 13 too",
    "hey whats up",
];

/// One client's batch of 20 events between the shared adults and minors.
fn batch(rng: &mut Rng, client: usize, n: usize) -> Vec<Value> {
    (0..20)
        .map(|i| {
            let id = format!("c{client}-b{n}-e{i}");
            let adult = format!("adult{}", rng.below(ADULTS));
            let kid = format!("kid{}", rng.below(MINORS));
            let at = format!("2026-05-01T{:02}:{:02}:00Z", 8 + n / 60, n % 60);
            match rng.below(10) {
                0..=2 => common::rel(&id, "friend_request", &adult, &kid, &at),
                3 => common::rel(&id, "reject", &kid, &adult, &at),
                4 => common::rel(&id, "report", &kid, &adult, &at),
                _ => {
                    let conversation = format!("dm-{adult}-{kid}");
                    let text = GROOMING[rng.below(GROOMING.len())];
                    common::msg(&id, &conversation, &adult, &kid, text, &at)
                }
            }
        })
        .collect()
}

/// Everything a restart must reproduce, as the API shows it.
fn observe(server: &common::Server) -> BTreeMap<String, Value> {
    let mut seen = BTreeMap::new();
    let cases = server.get("/v1/cases?limit=10000", Some(common::ADMIN));
    assert_eq!(cases.status, 200, "{}", cases.body);
    let mut cases = cases.json().as_array().unwrap().clone();
    cases.sort_by_key(|c| c["id"].as_str().unwrap().to_owned());
    seen.insert("cases".into(), Value::Array(cases));
    for a in 0..ADULTS {
        let r = server.get(&format!("/v1/accounts/adult{a}/risk"), Some(common::ADMIN));
        seen.insert(format!("account adult{a}"), json!([r.status, r.body]));
        for k in 0..MINORS {
            let path = format!("/v1/conversations/dm-adult{a}-kid{k}/risk");
            let r = server.get(&path, Some(common::ADMIN));
            seen.insert(format!("conversation {a}-{k}"), json!([r.status, r.body]));
        }
    }
    seen
}

#[test]
fn a_restart_after_concurrent_ingestion_reaches_the_live_state() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("replay.db");
    let server = common::start(&db);
    let mut setup = Vec::new();
    for a in 0..ADULTS {
        setup.push(common::account(
            &format!("adult{a}"),
            "adult",
            "GB",
            "2026-01-01T00:00:00Z",
        ));
    }
    for k in 0..MINORS {
        setup.push(common::account(
            &format!("kid{k}"),
            "13_15",
            "GB",
            "2026-01-01T00:00:00Z",
        ));
    }
    server.send(&setup);

    std::thread::scope(|scope| {
        for client in 0..8 {
            let server = &server;
            scope.spawn(move || {
                let mut rng = Rng(client as u64 + 1);
                for n in 0..120 {
                    server.send(&batch(&mut rng, client, n));
                }
            });
        }
    });
    let live = observe(&server);
    let cases = live["cases"].as_array().unwrap().len();
    assert!(cases >= ADULTS / 2, "the workload opens cases: {cases}");
    drop(server);

    let restarted = common::start(&db);
    let replayed = observe(&restarted);
    for (key, value) in &live {
        assert_eq!(
            Some(value),
            replayed.get(key),
            "{key} differs after the restart"
        );
    }
}
