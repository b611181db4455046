//! End-to-end scoring throughput on one thread (messages/s) and bytes per active
//! conversation. `cargo bench -p lifeguard-train --bench score`.
//!
//! Runs a synthetic corpus of typical chat (small talk, game chat, tech support,
//! with a few grooming-marker lines), interleaving 1,000 live conversations, and,
//! when the shared training corpus is present, its first 300,000 messages.
use std::time::Instant;

use lifeguard_risk::RiskEngine;
use lifeguard_train::{Corpus, Format};

const LINES: &[&str] = &[
    "hey whats up",
    "not much just got home from school lol",
    "push mid now",
    "kill him he is low",
    "gg ez",
    "did you try restarting the driver? apt install nvidia-driver should do it",
    "ok thanks that worked",
    "lol same",
    "how old are you?",
    "im 14",
    "wanna play later tonight",
    "my mom says i have to do homework first",
    "send me a pic",
    "add me on snap",
    "haha that's so funny, what are you doing this weekend?",
    "i think the new update broke the game, my fps dropped a lot after patching",
];

fn synthetic(conversations: usize, per: usize) -> Vec<(usize, String, String)> {
    let mut out = Vec::with_capacity(conversations * per);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..per {
        for c in 0..conversations {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let line = LINES[(x % LINES.len() as u64) as usize];
            out.push((c, format!("u{}_{}", c, i % 2), line.to_string()));
        }
    }
    out
}

fn main() {
    let engine = RiskEngine::with_default_model().expect("default model");
    let conversations = 1_000;
    let per = 100;
    let messages = synthetic(conversations, per);
    let mut states: Vec<_> = (0..conversations).map(|_| engine.conversation()).collect();
    // Warm up.
    for (c, a, t) in messages.iter().take(10_000) {
        std::hint::black_box(states[*c].observe(&engine, a, 0, None, t));
    }
    let mut states: Vec<_> = (0..conversations).map(|_| engine.conversation()).collect();
    let start = Instant::now();
    let mut alerts = 0usize;
    for (i, (c, a, t)) in messages.iter().enumerate() {
        let r = states[*c].observe(&engine, a, (i / conversations) as u64, None, t);
        alerts += r.alert as usize;
    }
    let secs = start.elapsed().as_secs_f64();
    let bytes: Vec<usize> = states.iter().map(|s| s.memory_bytes()).collect();
    let mean = bytes.iter().sum::<usize>() as f64 / bytes.len() as f64;
    println!(
        "synthetic: {} messages in {:.3}s = {:.0} messages/s on one thread ({} alerts); bytes per active conversation: mean {:.0}, max {}",
        messages.len(),
        secs,
        messages.len() as f64 / secs,
        alerts,
        mean,
        bytes.iter().max().unwrap_or(&0)
    );

    // The detector alone (lifeguard-detect's ConversationState), for comparison.
    let detector = lifeguard_detect::Detector::new();
    let mut raw: Vec<_> = (0..conversations)
        .map(|_| lifeguard_detect::ConversationState::new())
        .collect();
    let start = Instant::now();
    for (i, (c, a, t)) in messages.iter().enumerate() {
        std::hint::black_box(raw[*c].observe(&detector, a, i as u64, None, t));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "synthetic, detect's ConversationState alone: {:.0} messages/s",
        messages.len() as f64 / secs
    );

    let real = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/grooming/train-conversations.jsonl.gz"
    );
    if std::path::Path::new(real).exists() {
        let corpus = Corpus::read(&[real.into()], Format::Jsonl).expect("corpus");
        let mut n = 0usize;
        let mut total_bytes = 0usize;
        let mut convs = 0usize;
        let start = Instant::now();
        'outer: for conv in &corpus.conversations {
            let mut s = engine.conversation();
            for m in &conv.messages {
                std::hint::black_box(s.observe(&engine, &m.author, m.seq, None, &m.text));
                n += 1;
                if n >= 300_000 {
                    break 'outer;
                }
            }
            total_bytes += s.memory_bytes();
            convs += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "training corpus: {n} messages in {secs:.3}s = {:.0} messages/s on one thread; bytes per conversation at its end: mean {:.0}",
            n as f64 / secs,
            total_bytes as f64 / convs.max(1) as f64
        );
    } else {
        println!("training corpus: SKIPPED (absent)");
    }
}
