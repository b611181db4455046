//! The text half of Lifeguard's grooming detection: a plain library, no I/O.
//!
//! Grooming is a process, not a word list: an adult asks a child's age, flatters,
//! asks for secrecy, checks that parents are away, moves the chat to another app,
//! asks for pictures and, in sextortion, threatens. Offenders also hide their words
//! from filters (`s3nd p1c`, `s n a p`, Cyrillic look-alikes, zero-width spaces).
//! This crate turns each message into evidence of those [`Behaviour`]s, with the
//! exact byte ranges a moderator needs to see, and folds the evidence of a
//! conversation into per-author features and a baseline score, because the risk
//! lies in combinations and roles rather than in any single message.
//!
//! * [`normalise`] — defeats obfuscation and maps offsets back to the original.
//! * [`Detector`] — per-message behaviour detectors (one anchor automaton as a
//!   prefilter, then the few regular expressions whose anchors occur).
//! * [`ConversationState`] — bounded streaming state per conversation: who asked,
//!   who disclosed which age, contradictions, a feature vector per author
//!   ([`FEATURE_NAMES`]) and a hand-weighted [`ConversationState::rule_score`].
//!
//! ```
//! use lifeguard_core::Behaviour;
//! use lifeguard_detect::{ConversationState, Detector};
//!
//! let detector = Detector::new();
//! let mut chat = ConversationState::new();
//! let script = [
//!     ("adult", "hey how old r u?"),
//!     ("kid", "13"),
//!     ("adult", "dont tell ur mum about me ok"),
//!     ("adult", "add me on sn@p"),
//!     ("adult", "s3nd me a pic"),
//! ];
//! for (seq, (author, text)) in script.iter().enumerate() {
//!     chat.observe(&detector, author, seq as u64, None, text);
//! }
//! let pic = chat.evidence().iter().find(|e| e.behaviour == Behaviour::ImageRequest).unwrap();
//! let span = pic.spans[0];
//! assert_eq!(&script[4].1[span.start..span.end], "s3nd me a pic");
//! assert!(chat.rule_score("adult") > 0.9);
//! assert!(chat.rule_score("kid") < 0.1);
//! ```
//!
//! [`Behaviour`]: lifeguard_core::Behaviour
#![deny(missing_docs)]

mod behaviours;
mod conversation;
mod lang;
mod normalise;

pub use behaviours::{Context, Detector, Hit, Language, RuleCost};
pub use conversation::{
    BehaviourStats, ConversationState, Limits, FEATURE_NAMES, N_FEATURES, RULE_WEIGHTS,
};
pub use normalise::{normalise, Normalised};
