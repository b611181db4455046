//! Streaming, bounded per-conversation state: who did what, who is the child.
//!
//! A single message rarely means much; "how old are you" is asked in every chat
//! room. Risk comes from combinations and from roles: the same author asking the
//! age, asking for secrecy and moving to another app, while the other side has
//! said they are 13. [`ConversationState`] is fed one message at a time
//! ([`ConversationState::observe`], cost proportional to the message) and keeps,
//! per author, counts and first/last positions of every behaviour, stated ages
//! and message counts, from which it derives a fixed feature vector per author
//! ([`ConversationState::author_features`], layout in [`FEATURE_NAMES`]) and a
//! hand-weighted baseline score ([`ConversationState::rule_score`]).
//!
//! Memory is bounded: at most [`Limits::max_authors`] authors are tracked in
//! detail (later ones only count towards totals) and the evidence list keeps the
//! first occurrence of each behaviour per tracked author plus the most recent
//! [`Limits::max_recent_evidence`] items.
use lifeguard_core::{Behaviour, Evidence};

use crate::behaviours::{Context, Detector, Hit};

const NB: usize = Behaviour::ALL.len();

/// Number of features per author; see [`FEATURE_NAMES`].
pub const N_FEATURES: usize = 26;

/// Names of the entries of [`ConversationState::author_features`], in order.
///
/// * `0..14` — `ln(1 + n)` where `n` is the number of this author's messages
///   showing each behaviour, in [`Behaviour::ALL`] order (`b_<wire name>`).
/// * `other_minor_age` — 1 if another author stated an age under 18.
/// * `other_youngest` — `(18 - youngest age stated by another author) / 10`,
///   clamped to `[0, 1]`; 0 when no other author stated a minor age.
/// * `self_minor_age` — 1 if this author stated an age under 18.
/// * `self_adult_age` — 1 if this author stated an age of 18 or more.
/// * `age_gap` — (this author's oldest stated age − the youngest age stated by
///   others) / 30, clamped to `[0, 1]`; 0 when either is unknown.
/// * `message_share` — this author's share of the conversation's messages.
/// * `ln_messages` — `ln(1 + this author's messages)`.
/// * `distinct_behaviours` — number of distinct behaviours shown, excluding age
///   disclosure, divided by 13.
/// * `weighted_density` — sum of hit weights (excluding age disclosure) per
///   message of this author.
/// * `after_minor` — `ln(1 + n)`, `n` the behaviours (excluding age disclosure)
///   this author showed after another author stated a minor age.
/// * `probed_by_other` — `ln(1 + n)`, `n` the age questions other authors asked.
/// * `other_behaviours` — `ln(1 + n)`, `n` the behaviours (excluding age
///   disclosure) shown by all other authors.
pub const FEATURE_NAMES: [&str; N_FEATURES] = [
    "b_age_probing",
    "b_age_disclosure",
    "b_age_contradiction",
    "b_secrecy",
    "b_isolation",
    "b_platform_move",
    "b_image_request",
    "b_call_request",
    "b_meeting_request",
    "b_personal_info_request",
    "b_gifts",
    "b_flattery",
    "b_sexualisation",
    "b_sextortion",
    "other_minor_age",
    "other_youngest",
    "self_minor_age",
    "self_adult_age",
    "age_gap",
    "message_share",
    "ln_messages",
    "distinct_behaviours",
    "weighted_density",
    "after_minor",
    "probed_by_other",
    "other_behaviours",
];

/// Weights of [`ConversationState::rule_score`], per behaviour in
/// [`Behaviour::ALL`] order. Stating one's own age carries no risk.
pub const RULE_WEIGHTS: [f32; NB] = [
    0.9, // age probing
    0.0, // age disclosure
    0.6, // age contradiction
    1.4, // secrecy
    1.4, // isolation
    0.9, // platform move
    1.3, // image request
    0.9, // call request
    1.1, // meeting request
    0.8, // personal info
    1.0, // gifts
    0.6, // flattery
    0.8, // sexualisation
    2.5, // sextortion
];

/// Bounds on what one conversation keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Authors tracked in detail; later authors only count towards totals.
    pub max_authors: usize,
    /// Most recent evidence items kept, besides each tracked author's first
    /// occurrence of each behaviour.
    pub max_recent_evidence: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_authors: 8,
            max_recent_evidence: 32,
        }
    }
}

/// How many messages after an age question a bare number counts as an answer.
const AGE_REPLY_WINDOW: u64 = 4;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct AuthorState {
    name: String,
    messages: u32,
    count: [u32; NB],
    weight: [f32; NB],
    first_seq: [u64; NB],
    last_seq: [u64; NB],
    /// Distinct ages this author stated, in order (at most 4 kept).
    ages: Vec<u8>,
    /// Risky behaviours shown after another author stated a minor age.
    after_minor: u32,
}

impl AuthorState {
    fn new(name: &str) -> AuthorState {
        AuthorState {
            name: name.to_string(),
            messages: 0,
            count: [0; NB],
            weight: [0.0; NB],
            first_seq: [u64::MAX; NB],
            last_seq: [0; NB],
            ages: Vec::new(),
            after_minor: 0,
        }
    }

    fn min_age(&self) -> Option<u8> {
        self.ages.iter().copied().min()
    }

    fn max_age(&self) -> Option<u8> {
        self.ages.iter().copied().max()
    }
}

/// Per-author summary of one behaviour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BehaviourStats {
    /// Messages by this author showing it.
    pub count: u32,
    /// Sum of the hits' weights.
    pub weight: f32,
    /// Sequence number of the first such message.
    pub first_seq: u64,
    /// Sequence number of the last such message.
    pub last_seq: u64,
}

/// The state of one conversation. See the [module documentation](self).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ConversationState {
    limits: Limits,
    authors: Vec<AuthorState>,
    messages: u64,
    evidence: Vec<Evidence>,
    pinned: Vec<bool>,
    /// (author index, message number, stated age) of the last age question or
    /// statement.
    last_age_talk: Option<(usize, u64, Option<u8>)>,
    /// The age stated in the last message observed, if any.
    last_disclosed: Option<u8>,
}

fn idx(b: Behaviour) -> usize {
    b as usize
}

impl ConversationState {
    /// An empty conversation with the default [`Limits`].
    pub fn new() -> ConversationState {
        ConversationState::with_limits(Limits::default())
    }

    /// An empty conversation with the given limits (each at least 1).
    pub fn with_limits(limits: Limits) -> ConversationState {
        ConversationState {
            limits: Limits {
                max_authors: limits.max_authors.max(1),
                max_recent_evidence: limits.max_recent_evidence.max(1),
            },
            ..ConversationState::default()
        }
    }

    /// Messages observed so far.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Detects behaviours in one message, updates the state, and returns the new
    /// evidence from that message (including any [`Behaviour::AgeContradiction`]).
    pub fn observe(
        &mut self,
        detector: &Detector,
        author: &str,
        seq: u64,
        message_id: Option<&str>,
        text: &str,
    ) -> Vec<Evidence> {
        let a = self.author_index(author);
        let recent = match self.last_age_talk {
            Some((p, at, age))
                if Some(p) != a && self.messages.saturating_sub(at) < AGE_REPLY_WINDOW =>
            {
                Some(age)
            }
            _ => None,
        };
        let ctx = Context {
            after_age_probe: recent.is_some(),
            echo_age: recent.flatten(),
        };
        self.messages += 1;
        let hits = detector.detect_in_context(text, ctx);
        self.apply(a, author, seq, message_id, hits)
    }

    fn author_index(&mut self, author: &str) -> Option<usize> {
        if let Some(i) = self.authors.iter().position(|s| s.name == author) {
            return Some(i);
        }
        if self.authors.len() < self.limits.max_authors {
            self.authors.push(AuthorState::new(author));
            return Some(self.authors.len() - 1);
        }
        None
    }

    fn apply(
        &mut self,
        a: Option<usize>,
        author: &str,
        seq: u64,
        message_id: Option<&str>,
        mut hits: Vec<Hit>,
    ) -> Vec<Evidence> {
        // Age contradiction: a new age that conflicts with an earlier claim.
        if let Some(ai) = a {
            if let Some(h) = hits
                .iter()
                .find(|h| h.behaviour == Behaviour::AgeDisclosure)
            {
                if let Some(age) = h.disclosed_age {
                    let st = &mut self.authors[ai];
                    let conflict = st
                        .ages
                        .iter()
                        .any(|&p| (p >= 18) != (age >= 18) || (p as i32 - age as i32).abs() >= 2);
                    if !st.ages.contains(&age) && st.ages.len() < 4 {
                        st.ages.push(age);
                    }
                    if conflict {
                        hits.push(Hit {
                            behaviour: Behaviour::AgeContradiction,
                            spans: h.spans.clone(),
                            weight: 1.0,
                            disclosed_age: Some(age),
                        });
                    }
                }
            }
        }
        self.last_disclosed = hits
            .iter()
            .find(|h| h.behaviour == Behaviour::AgeDisclosure)
            .and_then(|h| h.disclosed_age);
        if let Some(ai) = a {
            if self.last_disclosed.is_some()
                || hits.iter().any(|h| h.behaviour == Behaviour::AgeProbing)
            {
                self.last_age_talk = Some((ai, self.messages, self.last_disclosed));
            }
        }
        let other_minor = a.is_some_and(|ai| self.other_youngest(ai).is_some_and(|y| y < 18));
        if let Some(ai) = a {
            let st = &mut self.authors[ai];
            st.messages = st.messages.saturating_add(1);
            for h in &hits {
                let b = idx(h.behaviour);
                st.count[b] = st.count[b].saturating_add(1);
                st.weight[b] += h.weight;
                if st.first_seq[b] == u64::MAX {
                    st.first_seq[b] = seq;
                }
                st.last_seq[b] = seq;
                if other_minor && h.behaviour != Behaviour::AgeDisclosure {
                    st.after_minor = st.after_minor.saturating_add(1);
                }
            }
        }
        let mut out = Vec::with_capacity(hits.len());
        for h in hits {
            let first = a.is_some_and(|ai| self.authors[ai].count[idx(h.behaviour)] == 1);
            let ev = Evidence {
                behaviour: h.behaviour,
                author: author.to_string(),
                seq,
                message_id: message_id.map(str::to_string),
                spans: h.spans,
            };
            self.push_evidence(ev.clone(), first);
            out.push(ev);
        }
        out
    }

    fn push_evidence(&mut self, ev: Evidence, pinned: bool) {
        self.evidence.push(ev);
        self.pinned.push(pinned);
        let recent = self.pinned.iter().filter(|p| !**p).count();
        if recent > self.limits.max_recent_evidence {
            if let Some(k) = self.pinned.iter().position(|p| !*p) {
                self.evidence.remove(k);
                self.pinned.remove(k);
            }
        }
    }

    /// The evidence kept, in the order observed: each tracked author's first
    /// occurrence of each behaviour, and the most recent items.
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    /// The authors tracked in detail, in order of first message.
    pub fn authors(&self) -> impl Iterator<Item = &str> {
        self.authors.iter().map(|a| a.name.as_str())
    }

    /// The age the author of the last observed message stated in it, if any
    /// (also when that author is not tracked).
    pub fn last_disclosed_age(&self) -> Option<u8> {
        self.last_disclosed
    }

    /// Ages an author stated, in order (at most four distinct).
    pub fn disclosed_ages(&self, author: &str) -> &[u8] {
        self.find(author).map_or(&[], |a| a.ages.as_slice())
    }

    /// How often and when an author showed a behaviour.
    pub fn behaviour_stats(&self, author: &str, behaviour: Behaviour) -> Option<BehaviourStats> {
        let a = self.find(author)?;
        let b = idx(behaviour);
        (a.count[b] > 0).then(|| BehaviourStats {
            count: a.count[b],
            weight: a.weight[b],
            first_seq: a.first_seq[b],
            last_seq: a.last_seq[b],
        })
    }

    fn risky_weight(a: &AuthorState) -> f32 {
        a.weight
            .iter()
            .zip(RULE_WEIGHTS.iter())
            .map(|(w, r)| w * r)
            .sum()
    }

    fn find(&self, author: &str) -> Option<&AuthorState> {
        self.authors.iter().find(|a| a.name == author)
    }

    fn other_youngest(&self, ai: usize) -> Option<u8> {
        self.authors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ai)
            .filter_map(|(_, a)| a.min_age())
            .min()
    }

    /// The feature vector of one author; layout in [`FEATURE_NAMES`]. All zeros
    /// for an author not tracked.
    pub fn author_features(&self, author: &str) -> [f32; N_FEATURES] {
        let mut f = [0f32; N_FEATURES];
        let Some(ai) = self.authors.iter().position(|a| a.name == author) else {
            return f;
        };
        let a = &self.authors[ai];
        for (slot, n) in f.iter_mut().zip(a.count.iter()) {
            *slot = (*n as f32).ln_1p();
        }
        let youngest = self.other_youngest(ai);
        if let Some(y) = youngest.filter(|y| *y < 18) {
            f[14] = 1.0;
            f[15] = ((18.0 - y as f32) / 10.0).clamp(0.0, 1.0);
        }
        f[16] = a.min_age().is_some_and(|x| x < 18) as u8 as f32;
        f[17] = a.max_age().is_some_and(|x| x >= 18) as u8 as f32;
        if let (Some(mine), Some(theirs)) = (a.max_age(), youngest) {
            f[18] = ((mine as f32 - theirs as f32) / 30.0).clamp(0.0, 1.0);
        }
        f[19] = if self.messages > 0 {
            a.messages as f32 / self.messages as f32
        } else {
            0.0
        };
        f[20] = (a.messages as f32).ln_1p();
        let risky = |b: usize| b != idx(Behaviour::AgeDisclosure);
        f[21] = (0..NB).filter(|&b| risky(b) && a.count[b] > 0).count() as f32 / 13.0;
        let wsum: f32 = (0..NB).filter(|&b| risky(b)).map(|b| a.weight[b]).sum();
        f[22] = wsum / a.messages.max(1) as f32;
        f[23] = (a.after_minor as f32).ln_1p();
        let probes: u32 = self
            .authors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ai)
            .map(|(_, o)| o.count[idx(Behaviour::AgeProbing)])
            .sum();
        f[24] = (probes as f32).ln_1p();
        let others: u32 = self
            .authors
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != ai)
            .map(|(_, o)| {
                (0..NB)
                    .filter(|&b| risky(b))
                    .map(|b| o.count[b])
                    .sum::<u32>()
            })
            .sum();
        f[25] = (others as f32).ln_1p();
        f
    }

    /// A hand-weighted baseline risk score in `[0, 1]` for one author being the
    /// offender in this conversation (0 for an author not tracked).
    ///
    /// `risk = Σ_b RULE_WEIGHTS[b] · ln(1 + w_b)`, where `w_b` is the sum of the
    /// author's hit weights for behaviour `b` (so weak, often-innocent matches
    /// count little). Risk is multiplied by 2 when another author stated an age
    /// under 18, by a further 1.25 when the author shows three or more distinct
    /// behaviours, and by `0.5 + s`, `s` the author's share of the conversation's
    /// weighted behaviours (the offender usually shows most of them); then
    /// `z = -4 + risk + 0.35 · distinct`, minus 3 when the
    /// author stated a minor age and never an adult one (the child side), and the
    /// score is `1 / (1 + e^-z)`. One weak behaviour scores under 0.05; an adult
    /// who asks a 13-year-old's age, for secrecy, to move app and for a picture
    /// scores over 0.95.
    pub fn rule_score(&self, author: &str) -> f32 {
        let Some(ai) = self.authors.iter().position(|a| a.name == author) else {
            return 0.0;
        };
        let a = &self.authors[ai];
        let mut risk = 0f32;
        let mut distinct = 0u32;
        for (b, w) in RULE_WEIGHTS.iter().enumerate() {
            if *w > 0.0 && a.count[b] > 0 {
                distinct += 1;
                risk += w * a.weight[b].ln_1p();
            }
        }
        if self.other_youngest(ai).is_some_and(|y| y < 18) {
            risk *= 2.0;
        }
        if distinct >= 3 {
            risk *= 1.25;
        }
        // Relative to the others: in a grooming chat the offender shows most of
        // the behaviours, the child (or a decoy playing one) fewer.
        let mine = Self::risky_weight(a);
        let all: f32 = self.authors.iter().map(Self::risky_weight).sum();
        if all > 0.0 {
            risk *= 0.5 + mine / all;
        }
        let mut z = -4.0 + risk + 0.35 * distinct as f32;
        let self_minor = a.min_age().is_some_and(|x| x < 18);
        let self_adult = a.max_age().is_some_and(|x| x >= 18);
        if self_minor && !self_adult {
            z -= 3.0;
        }
        1.0 / (1.0 + (-z).exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_names_match_behaviours() {
        for (i, b) in Behaviour::ALL.iter().enumerate() {
            assert_eq!(FEATURE_NAMES[i], format!("b_{}", b.as_str()));
            assert_eq!(idx(*b), i);
        }
    }

    #[test]
    fn bare_number_after_age_question_is_a_disclosure() {
        let d = Detector::new();
        let mut c = ConversationState::new();
        c.observe(&d, "a", 0, None, "how old r u?");
        let ev = c.observe(&d, "b", 1, None, "13");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].behaviour, Behaviour::AgeDisclosure);
        assert_eq!(c.disclosed_ages("b"), &[13]);
        // Without a question, a bare number is just a number.
        let mut c = ConversationState::new();
        assert!(c.observe(&d, "b", 0, None, "13").is_empty());
    }

    #[test]
    fn age_contradiction() {
        let d = Detector::new();
        let mut c = ConversationState::new();
        c.observe(&d, "a", 0, None, "im 25");
        let ev = c.observe(&d, "a", 1, None, "actually im 15");
        assert!(ev
            .iter()
            .any(|e| e.behaviour == Behaviour::AgeContradiction));
        // Same age twice is no contradiction.
        let mut c = ConversationState::new();
        c.observe(&d, "a", 0, None, "im 14");
        let ev = c.observe(&d, "a", 1, None, "i said im 14");
        assert!(!ev
            .iter()
            .any(|e| e.behaviour == Behaviour::AgeContradiction));
    }

    #[test]
    fn memory_is_bounded() {
        let d = Detector::new();
        let limits = Limits {
            max_authors: 3,
            max_recent_evidence: 5,
        };
        let mut c = ConversationState::with_limits(limits);
        for i in 0..1000u64 {
            let author = format!("u{}", i % 10);
            c.observe(&d, &author, i, None, "how old are you? send me a pic");
        }
        assert_eq!(c.authors().count(), 3);
        assert!(c.evidence().len() <= 5 + 3 * NB);
        assert_eq!(c.messages(), 1000);
        assert_eq!(c.author_features("u9"), [0.0; N_FEATURES]);
        assert_eq!(c.rule_score("nobody"), 0.0);
    }
}
