//! Scores a chat from standard input, one `author|text` line per message:
//! `printf "a|how old are you?\nb|13\n" | cargo run --release -p lifeguard-risk --example chatprobe`.
use lifeguard_risk::*;
fn main() {
    let engine = RiskEngine::with_default_model().unwrap();
    let mut c = engine.conversation();
    for (i, line) in std::io::stdin().lines().enumerate() {
        let line = line.unwrap();
        let (a, t) = line.split_once('|').unwrap();
        let r = c.observe(&engine, a, i as u64, None, t);
        println!(
            "{i} {a}: {t}  -> risk {:.3} suspect {:?} alert {} ev {:?}",
            r.conversation_risk,
            r.suspect,
            r.alert,
            r.evidence
                .iter()
                .map(|e| e.behaviour.as_str())
                .collect::<Vec<_>>()
        );
    }
}
