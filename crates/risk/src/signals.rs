//! The one place where this crate touches `lifeguard-detect`'s behaviour detectors.
//!
//! Everything else in the crate sees behaviours only as [`Signal`]s (detect's
//! [`Evidence`] plus the rule weight and any stated age), so a change in the
//! detector's API changes this file alone.
//!
//! It runs [`lifeguard_detect::Detector::detect_in_context`] per message and keeps
//! the little conversation context the detector asks for (whether someone else
//! asked this author's age in the last few messages, so that a bare "13" is read as
//! an answer).
use lifeguard_core::{Behaviour, Evidence};
use lifeguard_detect::{Context, Detector};

/// Names of the per-author features that come from the detector itself (none yet:
/// this crate derives its features from the evidence stream).
pub(crate) const DETECT_FEATURE_NAMES: &[&str] = &[];

/// How many messages after an age question a bare number counts as an answer.
const PROBE_WINDOW: u64 = 4;

/// One behaviour seen in one message, with the detector's confidence.
#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub(crate) evidence: Evidence,
    /// Strength of the strongest rule, in `(0, 1]`.
    pub(crate) weight: f32,
    /// For age disclosures, the age stated.
    pub(crate) age: Option<u8>,
}

/// The detector shared by every conversation: immutable, built once.
#[derive(Debug)]
pub(crate) struct Signals {
    detector: Detector,
}

impl Signals {
    /// Builds the detector.
    pub(crate) fn new() -> Signals {
        Signals {
            detector: Detector::new(),
        }
    }
}

/// Per-conversation detector context: the last age question and who asked it.
#[derive(Debug, Default, Clone)]
pub(crate) struct ConvSignals {
    messages: u64,
    last_probe: Option<(u64, u64)>,
}

fn author_key(author: &str) -> u64 {
    // FNV-1a: enough to tell authors apart in one conversation's context.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in author.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl ConvSignals {
    /// Fresh state for a new conversation.
    pub(crate) fn new() -> ConvSignals {
        ConvSignals::default()
    }

    /// Runs the detectors on one message and returns what they saw.
    pub(crate) fn observe(
        &mut self,
        signals: &Signals,
        author: &str,
        seq: u64,
        message_id: Option<&str>,
        text: &str,
    ) -> Vec<Signal> {
        self.messages += 1;
        let key = author_key(author);
        let after_age_probe = matches!(self.last_probe,
            Some((at, who)) if who != key && self.messages - at <= PROBE_WINDOW);
        let hits = signals
            .detector
            .detect_in_context(text, Context { after_age_probe });
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            if hit.behaviour == Behaviour::AgeProbing {
                self.last_probe = Some((self.messages, key));
            }
            out.push(Signal {
                evidence: Evidence {
                    behaviour: hit.behaviour,
                    author: author.to_owned(),
                    seq,
                    message_id: message_id.map(str::to_owned),
                    spans: hit.spans,
                },
                weight: hit.weight,
                age: hit.disclosed_age,
            });
        }
        out
    }

    /// The detector's own per-author features (none yet).
    pub(crate) fn author_features(&self, _author: &str) -> [f32; 0] {
        []
    }

    /// Heap bytes held by the detector state.
    pub(crate) fn heap_bytes(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(c: &mut ConvSignals, s: &Signals, author: &str, text: &str) -> Vec<Behaviour> {
        c.observe(s, author, 0, None, text)
            .into_iter()
            .map(|e| e.evidence.behaviour)
            .collect()
    }

    #[test]
    fn markers_are_seen() {
        let s = Signals::new();
        let mut c = ConvSignals::new();
        assert!(kinds(&mut c, &s, "a", "how old are you?").contains(&Behaviour::AgeProbing));
        assert!(kinds(&mut c, &s, "b", "13").contains(&Behaviour::AgeDisclosure));
        assert!(kinds(&mut c, &s, "a", "kill him push mid").is_empty());
    }
}
