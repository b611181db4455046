//! Where the detector's time goes, rule by rule.
//!
//! `cargo run --release -p lifeguard-detect --example rule_cost -- FILE [TOP]`
//! reads one message per line from FILE and prints normalisation and anchor-scan
//! time per message, then the TOP (default 30) costliest rules: how often their
//! anchors fired, how often they matched, and their share of the time.
use std::io::BufRead;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: rule_cost FILE [TOP]");
        std::process::exit(2);
    };
    let top: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(30);
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .collect();
    let detector = lifeguard_detect::Detector::new();
    let (mut costs, norm_ns, trig_ns) = detector.rule_costs(lines.iter().map(String::as_str));
    let n = lines.len().max(1) as f64;
    let rules_ns: u64 = costs.iter().map(|c| c.nanos).sum();
    println!(
        "{} messages: normalise {:.0} ns/msg, anchor scan {:.0} ns/msg, rules {:.0} ns/msg",
        lines.len(),
        norm_ns as f64 / n,
        trig_ns as f64 / n,
        rules_ns as f64 / n
    );
    costs.sort_by_key(|c| std::cmp::Reverse(c.nanos));
    println!(
        "{:>6} {:>8} {:>7} {:>6}  behaviour / pattern",
        "ns/msg", "trig%", "match", "share"
    );
    for c in costs.iter().take(top) {
        println!(
            "{:>6.0} {:>7.2}% {:>7} {:>5.1}%  {:?} {}",
            c.nanos as f64 / n,
            100.0 * c.triggered as f64 / n,
            c.matched,
            100.0 * c.nanos as f64 / rules_ns.max(1) as f64,
            c.behaviour,
            c.pattern
        );
    }
}
