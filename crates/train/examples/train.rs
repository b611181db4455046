//! Trains the shipped model: `cargo run --release -p lifeguard-train --example train -- DATA_DIR OUT [TARGET_PER_1000] [MIN_THRESHOLD] [L2] [CHILD_BEHAVIOURS] [ONE_CHILD_WITH_DISTINCT] [MAX_AUTHORS_FOR_STATED_AGE] [STATED_CHILD_AGE_BELOW]`.
use lifeguard_train::{train_command, TrainArgs, TrainOptions};
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: train DATA_DIR OUT [TARGET_PER_1000] [MIN_THRESHOLD] [L2] [CHILD_BEHAVIOURS] [ONE_CHILD_WITH_DISTINCT] [MAX_AUTHORS_FOR_STATED_AGE] [STATED_CHILD_AGE_BELOW]");
        std::process::exit(2);
    }
    let mut options = TrainOptions::default();
    if let Some(t) = args.get(3) {
        options.target_false_alerts_per_1000 = t.parse().expect("target");
    }
    if let Some(t) = args.get(4) {
        options.min_threshold = t.parse().expect("min threshold");
    }
    if let Some(t) = args.get(5) {
        options.fit.l2 = t.parse().expect("l2");
    }
    if let Some(t) = args.get(6) {
        options.alert_rule.child_behaviours_without_minor_age =
            t.parse().expect("child behaviours");
    }
    if let Some(t) = args.get(7) {
        options.alert_rule.one_child_behaviour_with_distinct = t.parse().expect("distinct");
    }
    if let Some(t) = args.get(8) {
        options.alert_rule.max_authors_for_stated_age = t.parse().expect("max authors");
    }
    if let Some(t) = args.get(9) {
        options.alert_rule.stated_child_age_below = t.parse().expect("age below");
    }
    options.command = format!(
        "cargo run --release -p lifeguard-train --example train -- {}",
        args[1..].join(" ")
    );
    let started = std::time::Instant::now();
    let report = train_command(&TrainArgs {
        data: PathBuf::from(&args[1]),
        out: PathBuf::from(&args[2]),
        options: Some(options),
    })
    .unwrap_or_else(|e| {
        eprintln!("train: {e}");
        std::process::exit(1);
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    eprintln!("trained in {:.1}s", started.elapsed().as_secs_f64());
}
