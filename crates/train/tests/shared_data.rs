//! Checks on the real data in /work/shared, skipped where it is absent.
use std::path::PathBuf;

use lifeguard_risk::RiskEngine;
use lifeguard_train::{evaluate, read_vtpan, vtpan_figures, Format};

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared"));
    let data = p.join("data/grooming");
    if data.exists() {
        Some(data)
    } else {
        println!("SKIPPED: {} is absent", data.display());
        None
    }
}

#[test]
fn pan12_toy_corpus_evaluates() {
    let Some(data) = shared() else { return };
    let dir = data.join("pan12-toy/toy.train");
    let xml = dir.join("pan12-sexual-predator-identification-training-corpus-2012-05-01.xml");
    let list =
        dir.join("pan12-sexual-predator-identification-training-corpus-predators-2012-05-01.txt");
    let predators = lifeguard_ingest::read_id_list(&list).unwrap();
    let engine = RiskEngine::with_default_model().unwrap();
    let mut out = Vec::new();
    let report = evaluate(&[xml], Format::Pan12, &predators, Some(&mut out), &engine).unwrap();
    let c = &report.metrics.conversations;
    assert!(c.positives + c.negatives > 0);
    assert_eq!(
        String::from_utf8(out).unwrap().lines().count() as u64,
        c.positives + c.negatives
    );
    println!("{}", serde_json::to_string(&report).unwrap());
}

#[test]
fn vtpan_sample_scores() {
    let Some(data) = shared() else { return };
    let rows = read_vtpan(&data.join("vtpan-validation/val_seg_en.csv")).unwrap();
    assert_eq!(rows.len(), 1977);
    assert_eq!(rows.iter().filter(|r| r.1).count(), 239);
    let engine = RiskEngine::with_default_model().unwrap();
    let sample: Vec<(String, bool)> = rows.into_iter().step_by(10).collect();
    let f = vtpan_figures(&engine, &sample, 1);
    assert!(f.roc_auc_max_risk.is_finite());
    println!("{}", serde_json::to_string(&f).unwrap());
}
