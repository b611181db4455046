//! Diagnoses alert latency on the positive conversations of a corpus: for each,
//! the message at which the offender first shows evidence, a counterpart's minor
//! age is read, the offender becomes the suspect, their score reaches the
//! threshold, and the alert fires.
//! `cargo run --release -p lifeguard-train --example latency -- PREDATORS INPUT...`
use lifeguard_risk::RiskEngine;
use lifeguard_train::{Corpus, Format};
use std::collections::HashSet;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        eprintln!("usage: latency PREDATORS INPUT...");
        std::process::exit(2);
    }
    let predators: HashSet<String> = std::fs::read_to_string(&a[1])
        .expect("predators")
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let inputs: Vec<std::path::PathBuf> = a[2..].iter().map(Into::into).collect();
    let corpus = Corpus::read(&inputs, Format::Jsonl).expect("corpus");
    let engine = RiskEngine::with_default_model().expect("model");
    let t = engine.model().threshold;
    println!("conv\tmsgs\tfirst_ev\tminor\tsuspect\tscore\talert\tfirsts");
    for c in &corpus.conversations {
        let Some(off) = c.messages.iter().find(|m| predators.contains(&m.author)) else {
            continue;
        };
        let off = off.author.clone();
        let mut st = engine.conversation();
        let (mut first_ev, mut minor, mut suspect, mut score, mut alert) =
            (None, None, None, None, None);
        for (i, m) in c.messages.iter().enumerate() {
            let r = st.observe(&engine, &m.author, m.seq, None, &m.text);
            let k = i + 1;
            if first_ev.is_none() && r.evidence.iter().any(|e| e.author == off) {
                first_ev = Some(k);
            }
            if let Some(s) = st.author_summary(&off) {
                if minor.is_none() && !s.minor_counterparts.is_empty() {
                    minor = Some(k);
                }
                if score.is_none() && s.score >= t {
                    score = Some(k);
                }
            }
            if suspect.is_none() && r.suspect.as_deref() == Some(off.as_str()) {
                suspect = Some(k);
            }
            if alert.is_none() && r.alert {
                alert = Some(k);
            }
        }
        let f = |x: Option<usize>| x.map_or("-".to_string(), |v| v.to_string());
        let mut firsts: Vec<(u64, &str)> = st
            .evidence_of(&off)
            .iter()
            .map(|e| (e.seq, e.behaviour.as_str()))
            .collect();
        firsts.sort();
        let firsts: Vec<String> = firsts
            .iter()
            .map(|(s, b)| format!("{b}@{}", s + 1))
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            c.id,
            c.messages.len(),
            f(first_ev),
            f(minor),
            f(suspect),
            f(score),
            f(alert),
            firsts.join(",")
        );
    }
}
