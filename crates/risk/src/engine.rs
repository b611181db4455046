//! The streaming scorer: per-author features, offender scores, alerts, account risk.
use std::collections::{BTreeSet, HashSet};

use lifeguard_core::{Behaviour, Evidence, Message};
use serde::Serialize;

use crate::model::{AlertRule, Model};
use crate::signals::{ConvSignals, Signals, DETECT_FEATURE_NAMES};
use crate::RiskError;

/// Most authors tracked per conversation (group rooms evict the least recently
/// active author that is not the suspect), which bounds memory per conversation.
pub const MAX_AUTHORS: usize = 32;

const NB: usize = Behaviour::ALL.len();

/// Names of the features this crate computes per author, before detect's own:
/// the share of the author's messages with a question mark, the share with a
/// request or pressure behaviour, and "states an adult age while a counterpart
/// stated a minor's".
pub const OWN_FEATURE_NAMES: [&str; 3] = ["question_rate", "asking_rate", "adult_with_minor"];

const N_OWN: usize = OWN_FEATURE_NAMES.len();

/// Every feature name the engine produces, in order: this crate's own, then the
/// detector's (prefixed `detect_`).
pub fn feature_names() -> Vec<String> {
    OWN_FEATURE_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(DETECT_FEATURE_NAMES.iter().map(|s| format!("detect_{s}")))
        .collect()
}

/// Number of features.
pub fn feature_count() -> usize {
    N_OWN + DETECT_FEATURE_NAMES.len()
}

fn behaviour_index(b: Behaviour) -> usize {
    Behaviour::ALL.iter().position(|x| *x == b).unwrap_or(0)
}

/// Behaviours that are requests or pressure aimed at the other person, as opposed to
/// stating one's own age.
fn is_asking(b: Behaviour) -> bool {
    !matches!(b, Behaviour::AgeDisclosure)
}

/// Behaviours that point at a child being targeted on their own.
fn is_child_signal(b: Behaviour) -> bool {
    matches!(
        b,
        Behaviour::Secrecy
            | Behaviour::Isolation
            | Behaviour::AgeContradiction
            | Behaviour::Sextortion
    )
}

/// What the engine keeps about one author in one conversation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct AuthorState {
    name: String,
    messages: u32,
    questions: u32,
    asking_messages: u32,
    evidence_messages: u32,
    counts: [u16; NB],
    minor_age: bool,
    adult_age: bool,
    /// Youngest age (8 or more) the author stated.
    youngest: Option<u8>,
    /// First evidence of each behaviour (at most one per behaviour).
    first: Vec<Evidence>,
    last_seen: u64,
    score: f32,
}

impl AuthorState {
    fn new(name: &str) -> AuthorState {
        AuthorState {
            name: name.to_owned(),
            messages: 0,
            questions: 0,
            asking_messages: 0,
            evidence_messages: 0,
            counts: [0; NB],
            minor_age: false,
            adult_age: false,
            youngest: None,
            first: Vec::new(),
            last_seen: 0,
            score: 0.0,
        }
    }

    fn distinct_asking(&self) -> usize {
        Behaviour::ALL
            .iter()
            .zip(&self.counts)
            .filter(|(b, c)| **c > 0 && is_asking(**b))
            .count()
    }

    /// Stated a minor's age and never contradicted it.
    fn self_declared_minor(&self) -> bool {
        self.minor_age && self.counts[behaviour_index(Behaviour::AgeContradiction)] == 0
    }

    fn child_behaviours(&self) -> usize {
        Behaviour::ALL
            .iter()
            .zip(&self.counts)
            .filter(|(b, c)| **c > 0 && is_child_signal(**b))
            .count()
    }

    fn heap_bytes(&self) -> usize {
        self.name.capacity()
            + self.first.capacity() * std::mem::size_of::<Evidence>()
            + self
                .first
                .iter()
                .map(|e| {
                    e.author.capacity()
                        + e.message_id.as_ref().map_or(0, |m| m.capacity())
                        + e.spans.capacity() * std::mem::size_of::<lifeguard_core::Span>()
                })
                .sum::<usize>()
    }
}

/// The engine: an immutable detector and model, shared by all conversations.
#[derive(Debug)]
pub struct RiskEngine {
    signals: Signals,
    model: Model,
}

impl RiskEngine {
    /// An engine around `model`; fails when the model's features are not the ones
    /// this engine computes.
    pub fn new(model: Model) -> Result<RiskEngine, RiskError> {
        let names = feature_names();
        if model.feature_names != names {
            return Err(RiskError::Model(format!(
                "model features {:?} do not match the engine's {:?}",
                model.feature_names, names
            )));
        }
        Ok(RiskEngine {
            signals: Signals::new(),
            model,
        })
    }

    /// An engine with the embedded default model.
    pub fn with_default_model() -> Result<RiskEngine, RiskError> {
        RiskEngine::new(Model::default_model()?)
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// State for a new conversation.
    pub fn conversation(&self) -> ConversationRisk {
        ConversationRisk::new()
    }
}

/// What the engine says after one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The conversation's risk: the suspect's offender score, 0 without a suspect.
    pub conversation_risk: f32,
    /// The suspected offender: the author with the highest offender score among
    /// those who asked or pressed for something (not only stated their age),
    /// leaving out, under the default rule, authors who said they are minors.
    pub suspect: Option<String>,
    /// Whether to alert now: true once per conversation, the first time the risk
    /// reaches the threshold while the alert rule holds.
    pub alert: bool,
    /// The suspect's evidence behind the alert, first occurrence of each behaviour
    /// (filled when `alert` is true, empty otherwise to keep scoring cheap; see
    /// [`ConversationRisk::evidence_of`] for any time).
    pub behaviours: Vec<Evidence>,
    /// Evidence found in this message.
    pub evidence: Vec<Evidence>,
    /// The age the sender stated for themself in this message, if any ("im 13",
    /// "14/f", or a bare number answering an age question).
    pub disclosed_age: Option<u8>,
}

/// Streaming risk state of one conversation.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ConversationRisk {
    signals: ConvSignals,
    authors: Vec<AuthorState>,
    minor_disclosers: u32,
    messages: u64,
    suspect: Option<usize>,
    risk: f32,
    alert: Option<(u64, String)>,
    gated_max: f32,
    features: Vec<f32>,
}

impl Default for ConversationRisk {
    fn default() -> Self {
        ConversationRisk::new()
    }
}

impl ConversationRisk {
    /// Fresh state.
    pub fn new() -> ConversationRisk {
        ConversationRisk {
            signals: ConvSignals::new(MAX_AUTHORS),
            authors: Vec::new(),
            minor_disclosers: 0,
            messages: 0,
            suspect: None,
            risk: 0.0,
            alert: None,
            gated_max: 0.0,
            features: vec![0.0; feature_count()],
        }
    }

    /// Scores a platform message (its `seq`, else the number of messages seen).
    pub fn observe_message(&mut self, engine: &RiskEngine, message: &Message) -> Assessment {
        let seq = message.seq.unwrap_or(self.messages);
        self.observe(
            engine,
            &message.sender,
            seq,
            message.message_id.as_deref(),
            &message.text,
        )
    }

    /// Scores one message. Time is proportional to the message plus a bounded
    /// number of authors.
    pub fn observe(
        &mut self,
        engine: &RiskEngine,
        author: &str,
        seq: u64,
        message_id: Option<&str>,
        text: &str,
    ) -> Assessment {
        let evidence = self
            .signals
            .observe(&engine.signals, author, seq, message_id, text);
        self.messages += 1;
        let idx = self.author_index(author);
        let mut rescore_all = false;
        let mut disclosed = false;
        {
            let a = &mut self.authors[idx];
            a.messages = a.messages.saturating_add(1);
            a.last_seen = self.messages;
            if text.contains('?') {
                a.questions = a.questions.saturating_add(1);
            }
            let mut asked = false;
            for ev in &evidence {
                let bi = behaviour_index(ev.behaviour);
                if a.counts[bi] == 0 {
                    a.first.push(ev.clone());
                }
                a.counts[bi] = a.counts[bi].saturating_add(1);
                asked |= is_asking(ev.behaviour);
                disclosed |= ev.behaviour == Behaviour::AgeDisclosure;
            }
            if asked {
                a.asking_messages = a.asking_messages.saturating_add(1);
            }
            if !evidence.is_empty() {
                a.evidence_messages = a.evidence_messages.saturating_add(1);
            }
        }
        let disclosed_age = self.signals.last_disclosed_age();
        if disclosed {
            let ages = self.signals.disclosed_ages(author);
            let minor = ages.iter().any(|x| (8..18).contains(x));
            let adult = ages.iter().any(|x| *x >= 18);
            let youngest = ages.iter().copied().filter(|x| *x >= 8).min();
            let a = &mut self.authors[idx];
            a.youngest = youngest;
            if minor && !a.minor_age {
                a.minor_age = true;
                self.minor_disclosers += 1;
                rescore_all = true;
            }
            a.adult_age |= adult;
        }
        if rescore_all {
            for i in 0..self.authors.len() {
                self.rescore(engine, i);
            }
        } else {
            self.rescore(engine, idx);
        }
        self.update_suspect(engine.model.alert_rule);
        let model = &engine.model;
        let mut alert = false;
        if let Some(s) = self.suspect {
            if self.rule_holds(s, model.alert_rule) {
                self.gated_max = self.gated_max.max(self.risk);
                if self.alert.is_none() && self.risk >= model.threshold {
                    self.alert = Some((seq, self.authors[s].name.clone()));
                    alert = true;
                }
            }
        }
        let behaviours = match self.suspect {
            Some(s) if alert => self.authors[s].first.clone(),
            _ => Vec::new(),
        };
        Assessment {
            conversation_risk: self.risk,
            suspect: self.suspect.map(|s| self.authors[s].name.clone()),
            alert,
            behaviours,
            evidence,
            disclosed_age,
        }
    }

    fn rule_holds(&self, s: usize, rule: AlertRule) -> bool {
        let a = &self.authors[s];
        // Stating an adult age counts as a behaviour too: an adult saying so to
        // someone who said they are a child.
        if (a.evidence_messages as usize) < rule.min_evidence_messages {
            return false;
        }
        if a.distinct_asking() + usize::from(a.adult_age) < rule.min_distinct_behaviours {
            return false;
        }
        if rule.exclude_self_declared_minors && a.self_declared_minor() {
            return false;
        }
        if !rule.require_child_signal {
            return true;
        }
        let counterpart_minor = self.minor_disclosers > u32::from(a.minor_age)
            && (rule.max_authors_for_stated_age == 0
                || self.authors.len() <= rule.max_authors_for_stated_age)
            && (rule.stated_child_age_below >= 18
                || self.authors.iter().enumerate().any(|(i, o)| {
                    i != s && o.youngest.is_some_and(|y| y < rule.stated_child_age_below)
                }));
        counterpart_minor
            || (rule.child_behaviours_without_minor_age > 0
                && a.child_behaviours() >= rule.child_behaviours_without_minor_age)
            || (rule.one_child_behaviour_with_distinct > 0
                && a.child_behaviours() >= 1
                && a.distinct_asking() >= rule.one_child_behaviour_with_distinct)
    }

    fn author_index(&mut self, author: &str) -> usize {
        if let Some(i) = self.authors.iter().position(|a| a.name == author) {
            return i;
        }
        if self.authors.len() >= MAX_AUTHORS {
            let victim = self
                .authors
                .iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != self.suspect)
                .min_by_key(|(_, a)| a.last_seen)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let gone = self.authors.swap_remove(victim);
            if gone.minor_age {
                self.minor_disclosers -= 1;
            }
            // swap_remove moved the last author into `victim`.
            let moved = self.authors.len();
            if self.suspect == Some(moved) {
                self.suspect = Some(victim);
            }
        }
        self.authors.push(AuthorState::new(author));
        self.authors.len() - 1
    }

    fn fill_features(&mut self, i: usize) {
        let a = &self.authors[i];
        let f = &mut self.features;
        let m = a.messages.max(1) as f32;
        let counterpart_minor = self.minor_disclosers > u32::from(a.minor_age);
        f[0] = a.questions as f32 / m;
        f[1] = a.asking_messages as f32 / m;
        f[2] = (a.adult_age && counterpart_minor) as u8 as f32;
        let det = self.signals.author_features(&a.name);
        f[N_OWN..N_OWN + det.len()].copy_from_slice(&det);
    }

    fn rescore(&mut self, engine: &RiskEngine, i: usize) {
        self.fill_features(i);
        self.authors[i].score = engine.model.score(&self.features);
    }

    fn update_suspect(&mut self, rule: AlertRule) {
        let mut best: Option<(usize, f32)> = None;
        for (i, a) in self.authors.iter().enumerate() {
            if a.asking_messages == 0
                || (rule.exclude_self_declared_minors && a.self_declared_minor())
            {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, s)) => a.score > s,
            };
            if better {
                best = Some((i, a.score));
            }
        }
        self.suspect = best.map(|b| b.0);
        self.risk = best.map_or(0.0, |b| b.1);
    }

    /// The feature vector of `author` now (for training), if tracked.
    pub fn features_of(&mut self, author: &str) -> Option<Vec<f32>> {
        let i = self.authors.iter().position(|a| a.name == author)?;
        self.fill_features(i);
        Some(self.features.clone())
    }

    /// An author's evidence so far: the first occurrence of each behaviour.
    pub fn evidence_of(&self, author: &str) -> &[Evidence] {
        self.authors
            .iter()
            .find(|a| a.name == author)
            .map_or(&[], |a| a.first.as_slice())
    }

    /// Authors tracked now.
    pub fn authors(&self) -> impl Iterator<Item = &str> {
        self.authors.iter().map(|a| a.name.as_str())
    }

    /// The current conversation risk.
    pub fn risk(&self) -> f32 {
        self.risk
    }

    /// The highest risk seen while the alert rule held (0 if it never held): the
    /// conversation alerts at threshold `t` exactly when this is `≥ t`.
    pub fn gated_max_risk(&self) -> f32 {
        self.gated_max
    }

    /// The first alert: the seq it fired at and the flagged author.
    pub fn alert(&self) -> Option<(u64, &str)> {
        self.alert.as_ref().map(|(s, a)| (*s, a.as_str()))
    }

    /// Messages seen.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// A summary of one author's part, for [`AccountRisk`].
    pub fn author_summary(&self, author: &str) -> Option<AuthorSummary> {
        let a = self.authors.iter().find(|a| a.name == author)?;
        Some(AuthorSummary {
            score: a.score,
            alerted: self.alert.as_ref().is_some_and(|(_, f)| f == author),
            asking_behaviours: Behaviour::ALL
                .iter()
                .zip(&a.counts)
                .filter(|(b, c)| **c > 0 && is_asking(**b))
                .map(|(b, _)| *b)
                .collect(),
            minor_counterparts: self
                .authors
                .iter()
                .filter(|o| o.name != author && o.minor_age)
                .map(|o| o.name.clone())
                .collect(),
        })
    }

    /// Bytes held by this conversation's state (struct, authors, evidence,
    /// detector state).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.authors.capacity() * std::mem::size_of::<AuthorState>()
            + self
                .authors
                .iter()
                .map(AuthorState::heap_bytes)
                .sum::<usize>()
            + self.features.capacity() * 4
            + self.alert.as_ref().map_or(0, |(_, a)| a.capacity())
            + self.signals.heap_bytes()
    }
}

/// One author's part in one conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorSummary {
    /// Offender score at the end (or now).
    pub score: f32,
    /// Whether the conversation alerted with this author flagged.
    pub alerted: bool,
    /// The requests and pressure behaviours the author showed.
    pub asking_behaviours: BTreeSet<Behaviour>,
    /// Counterparts who stated a minor's age.
    pub minor_counterparts: Vec<String>,
}

/// Risk of one account across its conversations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountRisk {
    /// Highest offender score in any conversation.
    pub max_risk: f32,
    /// Conversations in which the account was flagged.
    pub conversations_with_alerts: usize,
    /// Conversations seen.
    pub conversations: usize,
    /// Distinct counterparts who stated a minor's age.
    pub minor_counterparts: usize,
    /// Conversations in which the account showed at least two asking behaviours.
    pub patterned_conversations: usize,
    /// Whether the same pattern (two or more asking behaviours) recurs in two or more
    /// conversations.
    pub repeated_pattern: bool,
    #[serde(skip)]
    counterparts: HashSet<String>,
}

impl AccountRisk {
    /// Adds one conversation's summary.
    pub fn add(&mut self, summary: &AuthorSummary) {
        self.conversations += 1;
        self.max_risk = self.max_risk.max(summary.score);
        self.conversations_with_alerts += summary.alerted as usize;
        for c in &summary.minor_counterparts {
            self.counterparts.insert(c.clone());
        }
        self.minor_counterparts = self.counterparts.len();
        if summary.asking_behaviours.len() >= 2 {
            self.patterned_conversations += 1;
        }
        self.repeated_pattern = self.patterned_conversations >= 2;
    }
}
