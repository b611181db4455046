//! The evaluation contract: exact metrics on hand-made predictions, and metrics
//! recomputed from the predictions file alone.
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use lifeguard_risk::RiskEngine;
use lifeguard_train::{
    evaluate, latency_penalty, metrics_from_predictions, read_predictions, Format, Prediction,
};

fn pred(conv: &str, alert: Option<u64>, flagged: Option<&str>, authors: &[&str]) -> Prediction {
    Prediction {
        conversation: conv.into(),
        alert_seq: alert,
        flagged_author: flagged.map(str::to_owned),
        authors: authors.iter().map(|a| a.to_string()).collect(),
        messages: 100,
        source: None,
        gated_max_risk: 0.0,
    }
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn metrics_on_hand_made_predictions() {
    let predators: HashSet<String> = ["o1", "o2", "o3"].iter().map(|s| s.to_string()).collect();
    let preds = vec![
        // Positive, alert at seq 9 (latency 10), offender flagged.
        pred("c1", Some(9), Some("o1"), &["o1", "v1"]),
        // Positive, alert at seq 29 (latency 30), but the victim side flagged.
        pred("c2", Some(29), Some("v2"), &["o2", "v2"]),
        // Positive, no alert.
        pred("c3", None, None, &["o3", "v3"]),
        // Negative, false alert.
        pred("c4", Some(4), Some("n1"), &["n1", "n2"]),
        // Negatives, quiet.
        pred("c5", None, None, &["n3", "n4"]),
        pred("c6", None, None, &["n5"]),
    ];
    let m = metrics_from_predictions(&preds, &predators);
    // Authors: flagged {o1, v2, n1}; offenders seen {o1, o2, o3}.
    assert_eq!((m.authors.tp, m.authors.fp, m.authors.fn_), (1, 2, 2));
    close(m.authors.precision, 1.0 / 3.0);
    close(m.authors.recall, 1.0 / 3.0);
    close(m.authors.f0_5, 1.0 / 3.0);
    // Conversations: 3 positives (2 alerted), 3 negatives (1 alerted).
    let c = &m.conversations;
    assert_eq!(
        (c.positives, c.negatives, c.tp, c.fp, c.fn_),
        (3, 3, 2, 1, 1)
    );
    close(c.precision, 2.0 / 3.0);
    close(c.recall, 2.0 / 3.0);
    close(c.f1, 2.0 / 3.0);
    close(c.false_alerts_per_1000, 1000.0 / 3.0);
    // Early: latencies 10 and 30 -> median 20; speed = 1 - median of penalties.
    assert_eq!(m.early.median_latency_messages, Some(20.0));
    let speed = 1.0 - (latency_penalty(10.0) + latency_penalty(30.0)) / 2.0;
    close(m.early.speed, speed);
    close(m.early.latency_f1, 2.0 / 3.0 * speed);
}

#[test]
fn latency_penalty_matches_the_paper() {
    close(latency_penalty(1.0), 0.0);
    close(latency_penalty(90.0), 0.5);
    assert!(latency_penalty(1000.0) > 0.99);
    // p = ln(3)/89
    let p = 3f64.ln() / 89.0;
    close(latency_penalty(10.0), -1.0 + 2.0 / (1.0 + (-p * 9.0).exp()));
}

#[test]
fn f0_5_weights_precision() {
    let predators: HashSet<String> = ["o1", "o2"].iter().map(|s| s.to_string()).collect();
    // One offender flagged, one missed, no false positives: P = 1, R = 0.5.
    let preds = vec![
        pred("c1", Some(0), Some("o1"), &["o1", "v1"]),
        pred("c2", None, None, &["o2", "v2"]),
    ];
    let m = metrics_from_predictions(&preds, &predators);
    close(m.authors.f0_5, 1.25 * 0.5 / (0.25 + 0.5));
    assert_eq!(m.early.median_latency_messages, Some(1.0));
    close(m.early.speed, 1.0);
}

/// A small corpus with interleaved conversations, written as JSONL.
fn write_corpus(dir: &std::path::Path) -> PathBuf {
    let lines = [
        ("g1", "adult", "hey", 0),
        ("n1", "p1", "push mid", 0),
        ("g1", "kid", "hi", 1),
        ("n1", "p2", "kill him", 1),
        ("g1", "adult", "how old are you?", 2),
        ("g1", "kid", "im 13", 3),
        ("g1", "adult", "are your parents home?", 4),
        ("g1", "kid", "no", 5),
        ("g1", "adult", "don't tell your mum we talk", 6),
        ("g1", "adult", "add me on snap", 7),
        ("g1", "adult", "send me a pic", 8),
        ("n1", "p1", "gg", 2),
        ("n2", "a", "how do i install the driver", 0),
        ("n2", "b", "apt install it", 1),
    ];
    let path = dir.join("corpus.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    // Written out of seq order within g1 to check that replay sorts by seq.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.swap(4, 5);
    for i in order {
        let (c, a, t, s) = lines[i];
        writeln!(
            f,
            "{}",
            serde_json::json!({"conversation": c, "author": a, "text": t, "seq": s, "source": "synthetic"})
        )
        .unwrap();
    }
    path
}

#[test]
fn metrics_follow_from_the_predictions_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_corpus(dir.path());
    let predators: HashSet<String> = ["adult".to_string()].into_iter().collect();
    let engine = RiskEngine::with_default_model().unwrap();
    let mut out = Vec::new();
    let report = evaluate(
        &[corpus],
        Format::Jsonl,
        &predators,
        Some(&mut out),
        &engine,
    )
    .unwrap();
    let preds = read_predictions(out.as_slice()).unwrap();
    assert_eq!(preds.len(), 3);
    // Each line carries the contract's fields.
    let first: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&out).unwrap().lines().next().unwrap()).unwrap();
    for key in ["conversation", "alert_seq", "flagged_author"] {
        assert!(first.get(key).is_some(), "{key} missing");
    }
    let recomputed = metrics_from_predictions(&preds, &predators);
    assert_eq!(recomputed, report.metrics);
    assert_eq!(report.metrics.conversations.tp, 1);
    assert_eq!(report.metrics.conversations.fp, 0);
    assert_eq!(report.metrics.authors.tp, 1);
    assert_eq!(report.metrics.authors.fp, 0);
    assert_eq!(report.throughput.messages, 14);
    let json = serde_json::to_value(&report).unwrap();
    for key in ["authors", "conversations", "early", "throughput"] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    assert!(json["authors"].get("f0_5").is_some());
    assert!(json["conversations"].get("false_alerts_per_1000").is_some());
    assert!(json["early"].get("latency_f1").is_some());
}
