//! The one place where this crate touches `lifeguard-detect`.
//!
//! It wraps detect's [`ConversationState`] (per-message behaviour detection with
//! the conversation context it needs, bounded per-author statistics, and the
//! per-author feature vector [`FEATURE_NAMES`]) behind the few calls the engine
//! makes, so that a change in detect's API changes this file alone.
use lifeguard_core::Evidence;
use lifeguard_detect::{ConversationState, Detector, Limits, FEATURE_NAMES, N_FEATURES};

/// Names of the per-author features that come from detect, in order.
pub(crate) const DETECT_FEATURE_NAMES: &[&str] = &FEATURE_NAMES;

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

/// Per-conversation detector state.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ConvSignals {
    state: ConversationState,
}

impl ConvSignals {
    /// Fresh state for a new conversation, tracking up to `max_authors` authors.
    pub(crate) fn new(max_authors: usize) -> ConvSignals {
        ConvSignals {
            state: ConversationState::with_limits(Limits {
                max_authors,
                ..Limits::default()
            }),
        }
    }

    /// Runs the detectors on one message and returns what they saw.
    pub(crate) fn observe(
        &mut self,
        signals: &Signals,
        author: &str,
        seq: u64,
        message_id: Option<&str>,
        text: &str,
    ) -> Vec<Evidence> {
        self.state
            .observe(&signals.detector, author, seq, message_id, text)
    }

    /// The age stated in the last message observed, if any.
    pub(crate) fn last_disclosed_age(&self) -> Option<u8> {
        self.state.last_disclosed_age()
    }

    /// Ages the author stated so far.
    pub(crate) fn disclosed_ages(&self, author: &str) -> &[u8] {
        self.state.disclosed_ages(author)
    }

    /// detect's per-author features (zeros for an author it does not track).
    pub(crate) fn author_features(&self, author: &str) -> [f32; N_FEATURES] {
        self.state.author_features(author)
    }

    /// Heap bytes held by detect's state, estimated from what it exposes: its
    /// kept evidence and a fixed cost per tracked author (counts, weights and
    /// positions of 14 behaviours, four ages, the name).
    pub(crate) fn heap_bytes(&self) -> usize {
        let evidence: usize = self
            .state
            .evidence()
            .iter()
            .map(|e| {
                std::mem::size_of::<Evidence>()
                    + 1
                    + e.author.capacity()
                    + e.message_id.as_ref().map_or(0, |m| m.capacity())
                    + e.spans.capacity() * std::mem::size_of::<lifeguard_core::Span>()
            })
            .sum();
        let authors: usize = self
            .state
            .authors()
            .map(|a| 14 * (4 + 4 + 8 + 8) + 4 + 4 + 8 + 24 + 24 + a.len())
            .sum();
        std::mem::size_of::<ConversationState>() + evidence + authors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lifeguard_core::Behaviour;

    fn kinds(c: &mut ConvSignals, s: &Signals, author: &str, text: &str) -> Vec<Behaviour> {
        c.observe(s, author, 0, None, text)
            .into_iter()
            .map(|e| e.behaviour)
            .collect()
    }

    #[test]
    fn markers_are_seen() {
        let s = Signals::new();
        let mut c = ConvSignals::new(8);
        assert!(kinds(&mut c, &s, "a", "how old are you?").contains(&Behaviour::AgeProbing));
        assert!(kinds(&mut c, &s, "b", "13").contains(&Behaviour::AgeDisclosure));
        assert_eq!(c.disclosed_ages("b"), &[13]);
        assert!(kinds(&mut c, &s, "a", "kill him push mid").is_empty());
        assert!(c.heap_bytes() > 0);
    }
}
