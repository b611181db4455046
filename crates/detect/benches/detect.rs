//! Throughput of the text detection path on one thread, with plain `std::time`.
//!
//! Run with `cargo bench -p lifeguard-detect`. The messages are synthetic, 20-80
//! bytes, mostly ordinary chat with a few percent carrying a behaviour, as on a
//! real platform.
use lifeguard_detect::{normalise, ConversationState, Detector, Limits};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDINARY: &[&str] = &[
    "hey whats up",
    "lol that was so funny",
    "did you finish the maths homework yet",
    "push mid and wait for the gank",
    "gg wp everyone, good game",
    "im so tired today, school was long",
    "can you send me the link to the video",
    "my mom says dinner is ready brb",
    "have you seen the new episode? it was crazy",
    "where did you put the charger",
    "i think the server is down again",
    "try restarting the router and then ping it",
    "yeah i'll be there at 7, see you then",
    "ok cool thanks!!",
    "nah i dont like that song tbh",
    "who won the match last night?",
    "I'm going to the shops, need anything?",
    "that level is impossible, i died like 20 times",
    "Ça va? On se voit demain 🙂",
    "brb getting food",
];

const RISKY: &[&str] = &[
    "how old r u?",
    "im 13",
    "dont tell ur mom ok",
    "add me on snap",
    "s3nd me a p1c",
    "are your parents home",
];

fn messages(n: usize) -> Vec<String> {
    // A fixed, dependency-free pseudo-random mix: ~95% ordinary, ~5% risky.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if matches!(state % 20, 0) {
                RISKY[(state / 20) as usize % RISKY.len()].to_string()
            } else {
                ORDINARY[(state / 20) as usize % ORDINARY.len()].to_string()
            }
        })
        .collect()
}

fn rate(label: &str, n: usize, elapsed: Duration) {
    let per_sec = n as f64 / elapsed.as_secs_f64();
    println!(
        "{label:<36} {per_sec:>12.0} messages/s  ({:.2} µs/message)",
        1e6 / per_sec
    );
}

fn main() {
    let t = Instant::now();
    let detector = Detector::new();
    println!(
        "Detector::new: {:?} for {} rules",
        t.elapsed(),
        detector.rule_count()
    );
    let msgs = messages(200_000);
    let bytes: usize = msgs.iter().map(String::len).sum();
    println!(
        "{} messages, {:.1} bytes on average",
        msgs.len(),
        bytes as f64 / msgs.len() as f64
    );

    // Warm up the lazy DFAs.
    for m in msgs.iter().take(20_000) {
        black_box(detector.detect(m));
    }

    let t = Instant::now();
    for m in &msgs {
        black_box(normalise(m));
    }
    rate("normalise", msgs.len(), t.elapsed());

    let t = Instant::now();
    let mut hits = 0usize;
    for m in &msgs {
        hits += black_box(detector.detect(m)).len();
    }
    rate("normalise + detect", msgs.len(), t.elapsed());
    println!("  ({hits} hits)");

    // Streaming: 2,000 conversations of 100 messages, two authors each.
    let t = Instant::now();
    let mut convs: Vec<ConversationState> = (0..2_000).map(|_| ConversationState::new()).collect();
    let nc = convs.len();
    for (i, m) in msgs.iter().enumerate() {
        let c = &mut convs[i % nc];
        let author = if (i / nc) & 1 == 0 { "a" } else { "b" };
        black_box(c.observe(&detector, author, (i / nc) as u64, None, m));
    }
    rate("ConversationState::observe", msgs.len(), t.elapsed());

    let t = Instant::now();
    let mut sum = 0f32;
    for c in &convs {
        for a in c.authors() {
            sum += c.author_features(a).iter().sum::<f32>() + c.rule_score(a);
        }
    }
    println!(
        "features + rule_score for {} conversations: {:?} (checksum {sum:.1})",
        convs.len(),
        t.elapsed()
    );

    // Memory per conversation: the struct, plus what it holds on the heap.
    let shallow = std::mem::size_of::<ConversationState>();
    let evidence: usize = convs.iter().map(|c| c.evidence().len()).sum();
    println!(
        "size_of::<ConversationState>() = {shallow} bytes; evidence kept: {:.1} items per conversation",
        evidence as f64 / convs.len() as f64
    );
    let limits = Limits::default();
    // AuthorState: name (24 + len) + counters (4 * 14 * 4 + 2 * 14 * 8 bytes) + ages.
    let author_bytes = 24 + 16 + 14 * (4 + 4 + 8 + 8) + 24 + 8 + 8;
    // Evidence: 112-byte struct + author name + one span (16) + allocator slack.
    let evidence_bytes = std::mem::size_of::<lifeguard_core::Evidence>() + 16 + 16 + 16;
    println!(
        "estimate: {} bytes for a 2-author conversation with {:.0} evidence items; worst case \
         ({} authors, {} recent + {} pinned items) {} bytes",
        shallow
            + 2 * author_bytes
            + (evidence as f64 / convs.len() as f64) as usize * (evidence_bytes + 1),
        evidence as f64 / convs.len() as f64,
        limits.max_authors,
        limits.max_recent_evidence,
        limits.max_authors * 14,
        shallow
            + limits.max_authors * author_bytes
            + (limits.max_recent_evidence + limits.max_authors * 14) * (evidence_bytes + 1),
    );
}
