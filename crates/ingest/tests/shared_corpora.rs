//! Reads the real corpora in `../shared/data/grooming` when they are present
//! (CI has them; a user's clone does not, and these tests then say they skipped).

use std::path::{Path, PathBuf};

use lifeguard_ingest::{read_id_list, read_path, Format};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/grooming");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (it exists only beside CI's clone)",
            dir.display()
        );
        None
    }
}

#[test]
fn pan12_toy_corpus_reads_with_its_predator_lists() {
    let Some(dir) = shared() else { return };
    for (xml, predators) in [
        (
            "pan12-toy/toy.train/pan12-sexual-predator-identification-training-corpus-2012-05-01.xml",
            "pan12-toy/toy.train/pan12-sexual-predator-identification-training-corpus-predators-2012-05-01.txt",
        ),
        (
            "pan12-toy/toy.test/pan12-sexual-predator-identification-test-corpus-2012-05-17.xml",
            "pan12-toy/toy.test/pan12-sexual-predator-identification-groundtruth-problem1.txt",
        ),
    ] {
        let path = dir.join(xml);
        let records: Vec<_> = read_path(&path, Format::from_path(&path))
            .unwrap()
            .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert!(records.len() > 100, "{xml}: {} messages", records.len());
        let predators = read_id_list(&dir.join(predators)).unwrap();
        assert!(!predators.is_empty());
        let authors: std::collections::HashSet<_> = records
            .iter()
            .map(|r| r.event.as_message().unwrap().sender.clone())
            .collect();
        assert!(
            predators.iter().any(|p| authors.contains(p)),
            "{xml}: no listed predator wrote a message"
        );
        // Positions are 0-based and consecutive inside each conversation.
        let mut last: std::collections::HashMap<String, u64> = Default::default();
        for r in &records {
            let m = r.event.as_message().unwrap();
            let seq = m.seq.unwrap();
            if let Some(prev) = last.insert(m.conversation.clone(), seq) {
                assert!(seq > prev, "{xml}: seq goes backwards in {}", m.conversation);
            }
        }
    }
}

#[test]
fn training_corpus_head_reads_as_bare_messages() {
    let Some(dir) = shared() else { return };
    let path = dir.join("train-conversations.jsonl.gz");
    let mut n = 0;
    for record in read_path(&path, Format::Jsonl).unwrap().take(20_000) {
        let record = record.unwrap_or_else(|e| panic!("{e}"));
        assert!(record.source.is_some());
        assert!(record.event.as_message().unwrap().seq.is_some());
        n += 1;
    }
    assert_eq!(n, 20_000);
}
