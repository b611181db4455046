//! Property: whatever the interleaving of concurrent clients, a restart reaches
//! the live run's state (issue 14).
//!
//! For each seed, a random workload (2-6 clients; batches mixing messages,
//! relationships, account updates, known and unknown images, and duplicates both
//! within a client and across clients) is sent concurrently through the HTTP API
//! while a moderator closes random open cases through the console's store. The
//! runtime checkpoints every few dozen events. Then the service is restarted
//! twice over the same database: once from the checkpoint saved on a graceful
//! stop, and once with no checkpoint at all (the whole log replayed, as after an
//! upgrade). Both must show what the live run showed: the same cases under the
//! same ids, the same account and conversation risk, and the same console state.
//!
//! `INTERLEAVING_SEEDS` (default 4) sets how many seeds run; a failure names
//! its seed.

mod common;

use std::collections::BTreeMap;

use lifeguard_store::{BankHash, BankStore, ConsoleStore, NewAction, NewBank, SqliteStore};
use serde_json::{json, Value};

const ADULTS: usize = 6;
const MINORS: usize = 12;
const KNOWN_FILE: &[u8] = b"interleavings: stand-in for a known file";

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

const TEXTS: &[&str] = &[
    "how old are you?",
    "you seem really mature for your age",
    "don't tell your mum we talk ok",
    "add me on snap, it's easier",
    "send me a pic",
    "are you home alone?",
    "i'm 14",
    "lol ok",
    "did you finish the homework",
    "if you don't send it i will share your pics with everyone",
];

fn known_sha256() -> String {
    lifeguard_media::crypto_hashes(KNOWN_FILE).sha256
}

/// One event, at random, for client `client`.
fn event(rng: &mut Rng, id: &str, n: usize) -> Value {
    let adult = format!("adult{}", rng.below(ADULTS));
    let kid = format!("kid{}", rng.below(MINORS));
    let at = format!("2026-05-01T{:02}:{:02}:00Z", 8 + n / 60, n % 60);
    match rng.below(12) {
        0 | 1 => common::rel(id, "friend_request", &adult, &kid, &at),
        2 => common::rel(
            id,
            ["reject", "block", "report", "accept"][rng.below(4)],
            &kid,
            &adult,
            &at,
        ),
        3 => {
            let band = ["13_15", "16_17", "under_13"][rng.below(3)];
            json!({"id": id, "type": "account_updated", "at": at, "account": kid, "age_band": band})
        }
        4 => {
            let sha256 = if rng.below(2) == 0 {
                known_sha256()
            } else {
                format!("{:064x}", rng.next())
            };
            json!({"id": id, "type": "media", "at": at, "media": format!("img-{id}"),
                   "uploader": adult, "conversation": format!("dm-{adult}-{kid}"),
                   "hashes": {"sha256": sha256}})
        }
        _ => {
            let conversation = format!("dm-{adult}-{kid}");
            let (from, to) = if rng.below(3) == 0 {
                (&kid, &adult)
            } else {
                (&adult, &kid)
            };
            common::msg(
                id,
                &conversation,
                from,
                to,
                TEXTS[rng.below(TEXTS.len())],
                &at,
            )
        }
    }
}

/// Everything a restart must reproduce, as the API and the console's store show it.
fn observe(server: &common::Server) -> BTreeMap<String, Value> {
    let mut seen = BTreeMap::new();
    let cases = server.get("/v1/cases?limit=10000", Some(common::ADMIN));
    assert_eq!(cases.status, 200, "{}", cases.body);
    let mut cases = cases.json().as_array().unwrap().clone();
    cases.sort_by_key(|c| c["id"].as_str().unwrap().to_owned());
    seen.insert("open cases".into(), Value::Array(cases));
    for a in 0..ADULTS {
        let r = server.get(&format!("/v1/accounts/adult{a}/risk"), Some(common::ADMIN));
        let account = r.json();
        if let Some(case) = account["open_case"].as_str() {
            let c = server.get(&format!("/v1/cases/{case}"), Some(common::ADMIN));
            seen.insert(format!("case of adult{a}"), json!([c.status, c.body]));
            let state = server.store.case_state(case).unwrap();
            seen.insert(
                format!("console state of adult{a}"),
                json!(format!("{state:?}")),
            );
        }
        seen.insert(format!("account adult{a}"), json!([r.status, r.body]));
        for k in 0..MINORS {
            let r = server.get(
                &format!("/v1/conversations/dm-adult{a}-kid{k}/risk"),
                Some(common::ADMIN),
            );
            seen.insert(format!("conversation {a}-{k}"), json!([r.status, r.body]));
        }
    }
    for k in 0..MINORS {
        let r = server.get(&format!("/v1/accounts/kid{k}/risk"), Some(common::ADMIN));
        seen.insert(format!("account kid{k}"), json!([r.status, r.body]));
    }
    seen
}

fn prepare(store: &SqliteStore) {
    if store.bank("known").unwrap().is_some() {
        return;
    }
    store
        .create_bank(&NewBank {
            name: "known".into(),
            label: "known (test)".into(),
            source: "test".into(),
            pdq_threshold: 31,
        })
        .unwrap();
    store
        .add_bank_hashes(
            "known",
            &[BankHash {
                hash_type: "sha256".into(),
                hash: known_sha256(),
                label: None,
            }],
        )
        .unwrap();
}

fn options(rng: &mut Rng) -> lifeguard_service::Options {
    lifeguard_service::Options {
        checkpoint_every: 20 + rng.below(200) as u64,
        ..lifeguard_service::Options::default()
    }
}

fn run(seed: u64) {
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("interleavings.db");
    let server = common::start_with_options(&db, prepare, options(&mut rng));
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

    let clients = 2 + rng.below(5);
    let plans: Vec<(u64, usize)> = (0..clients)
        .map(|_| (rng.next(), 10 + rng.below(30)))
        .collect();
    std::thread::scope(|scope| {
        for (client, (client_seed, batches)) in plans.into_iter().enumerate() {
            let server = &server;
            scope.spawn(move || {
                let mut rng = Rng(client_seed);
                let mut sent: Vec<Value> = Vec::new();
                for n in 0..batches {
                    let mut batch = Vec::new();
                    for i in 0..1 + rng.below(12) {
                        let e = match rng.below(10) {
                            // A retry of one of this client's earlier events.
                            0 if !sent.is_empty() => sent[rng.below(sent.len())].clone(),
                            // An event every client may send: duplicates across clients.
                            1 => event(&mut Rng(n as u64), &format!("shared-{n}"), n),
                            _ => event(&mut rng, &format!("c{client}-{n}-{i}"), n),
                        };
                        batch.push(e);
                    }
                    sent.extend(batch.iter().cloned());
                    server.send(&batch);
                }
            });
        }
        // A moderator closing open cases while events arrive.
        let server = &server;
        let mut moderator = Rng(rng.next());
        scope.spawn(move || {
            for _ in 0..6 {
                std::thread::sleep(std::time::Duration::from_millis(moderator.below(40) as u64));
                let open = server
                    .get("/v1/cases?limit=100", Some(common::ADMIN))
                    .json();
                let open = open.as_array().unwrap();
                if open.is_empty() {
                    continue;
                }
                let case = &open[moderator.below(open.len())];
                let _ = server.store.record_action(&NewAction {
                    case_id: case["id"].as_str().unwrap().to_owned(),
                    suspect: case["suspect"].as_str().unwrap().to_owned(),
                    username: "morgan".into(),
                    role: "moderator".into(),
                    action: "dismiss".into(),
                    reason: Some("test".into()),
                    queue: "general".into(),
                    category: "suspicious_contact".into(),
                    closes: true,
                    escalates: false,
                    refers: false,
                    webhook: None,
                    at: chrono::Utc::now(),
                });
            }
        });
    });
    let live = observe(&server);
    server.stop_gracefully();

    let compare = |how: &str, restarted: &BTreeMap<String, Value>| {
        for (key, value) in &live {
            assert_eq!(
                Some(value),
                restarted.get(key),
                "seed {seed}: {key} differs after a restart {how}"
            );
        }
        assert_eq!(live.len(), restarted.len(), "seed {seed}: {how}");
    };
    let restarted = common::start_with_options(&db, prepare, options(&mut rng));
    let report = restarted.runtime.start_report();
    assert!(report.checkpoint_pos.is_some(), "seed {seed}: {report:?}");
    assert_eq!(
        report.replayed, 0,
        "seed {seed}: a graceful stop leaves nothing to replay"
    );
    compare("from the checkpoint", &observe(&restarted));
    drop(restarted);

    // No checkpoint: the whole log is replayed, as after a format change.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM engine_checkpoint", [])
        .unwrap();
    let replayed = common::start_with_options(&db, prepare, options(&mut rng));
    assert_eq!(replayed.runtime.start_report().checkpoint_pos, None);
    compare("replaying the whole log", &observe(&replayed));
}

#[test]
fn restarts_reach_the_live_state_for_random_interleavings() {
    let seeds: u64 = std::env::var("INTERLEAVING_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    for seed in 1..=seeds {
        run(seed);
    }
}
