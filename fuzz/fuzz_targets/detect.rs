//! Feeds arbitrary text to normalisation, the behaviour detectors and the
//! streaming conversation risk: every span must lie on character boundaries
//! of the original text, and nothing may panic.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run detect` from the repository root.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lifeguard_detect::{normalise, Detector};
use lifeguard_risk::RiskEngine;

fn engine() -> &'static RiskEngine {
    static E: OnceLock<RiskEngine> = OnceLock::new();
    E.get_or_init(|| RiskEngine::with_default_model().expect("shipped model"))
}

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(Detector::new)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let norm = normalise(text);
    assert_eq!(norm.original_len(), text.len());
    for hit in detector().detect(text) {
        for s in &hit.spans {
            assert!(s.start <= s.end && s.end <= text.len(), "span out of range");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "span splits a character"
            );
        }
    }
    // The same text as a short conversation, split at newlines between two
    // speakers, through the risk engine.
    let mut chat = engine().conversation();
    for (i, line) in text.split('\n').take(64).enumerate() {
        let author = if i % 2 == 0 { "a" } else { "b" };
        let r = chat.observe(engine(), author, i as u64, None, line);
        assert!(
            r.conversation_risk.is_finite() && (0.0..=1.0).contains(&r.conversation_risk),
            "risk {}",
            r.conversation_risk
        );
    }
});
