//! Safe accounts for under-18s: the policy engine a platform consults on every
//! event, the "suspicious adult" status, alerts to the child and cases for
//! moderators.
//!
//! Lifeguard sits inside a platform: it decides, the platform enforces. For each
//! event [`SafetyEngine::apply`] returns a [`Decision`] (allow, warn, hold or block,
//! each with reason codes) and the [`Notice`]s to show (a first-contact safety card,
//! a nudge before a child shares personal details, a non-blaming "pause and
//! reflect" grooming alert with helplines for the child's country, sextortion
//! support). Adults who contact many minors, are refused or reported by them, or
//! claim a child's age in chat are restricted and a [`Case`] is opened: one open
//! case per suspect, evidence merged, prioritised by risk to the child.
//!
//! The engine is deterministic and does no I/O: its state is a function of the
//! events applied, so a service rebuilds it by replaying its durable event log.
//!
//! ```
//! use lifeguard_safety::{Action, Config, SafetyEngine};
//! let mut engine = SafetyEngine::new(Config::default_config()).unwrap();
//! let ev = |json: &str| serde_json::from_str::<lifeguard_core::Event>(json).unwrap();
//! engine.apply(&ev(r#"{"id":"1","type":"account_created","account":"kid","age_band":"13_15"}"#), None);
//! engine.apply(&ev(r#"{"id":"2","type":"account_created","account":"adult","age_band":"adult"}"#), None);
//! let d = engine.apply(&ev(r#"{"id":"3","type":"message","conversation":"c","sender":"adult","recipients":["kid"],"text":"hi"}"#), None);
//! assert_eq!(d.action, Action::Hold); // not connected: held, with a first-contact notice
//! ```
#![deny(missing_docs)]

mod case;
mod config;
mod disclosure;
mod engine;

pub use case::{Case, CaseCategory, CaseEvidence, CaseStatus};
pub use config::{
    document as config_document, Config, ConfigError, Helpline, Policy, Suspicion, Texts,
    DEFAULT_CONFIG, OTHER_SECTIONS,
};
pub use disclosure::{Disclosure, DisclosureDetector};
pub use engine::{
    case_id_for, AccountView, ConversationView, EngineCheckpoint, ImageMatch, SafetyEngine,
    Surface, CHECKPOINT_FORMAT,
};

use lifeguard_core::Evidence;
use serde::{Deserialize, Serialize};

/// What the platform should do with an event.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Go ahead.
    Allow,
    /// Go ahead, showing the notices first.
    Warn,
    /// Deliver only if the recipient accepts (a message request).
    Hold,
    /// Do not deliver.
    Block,
}

/// Why a decision was taken. A closed list: platforms map these to their UI.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A minor gets a DM from an adult outside their connections.
    DmFromUnconnectedAdult,
    /// The recipient blocked the sender.
    BlockedByRecipient,
    /// The sender is an adult restricted as suspicious.
    RestrictedAdult,
    /// First message between these two accounts.
    FirstContact,
    /// A minor is about to share personal information.
    PersonalInformation,
    /// Someone asks a minor to move to another app.
    PlatformMove,
    /// The conversation's grooming risk crossed the threshold.
    GroomingRisk,
    /// Threats to share images or demands.
    Sextortion,
    /// Many friend requests to minors in a short time.
    ManyRequestsToMinors,
    /// Many minors contacted for the first time in a short time.
    ManyNewMinorContacts,
    /// Minors often reject or block this adult.
    HighRefusalRate,
    /// Reported by minors.
    ReportedByMinors,
    /// A declared adult claims in chat to be under 18.
    AgeClaimContradictsDeclared,
    /// The media matches a hash bank of known abuse images.
    KnownImage,
}

/// The kind of a notice shown to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A new contact, with a safety card.
    FirstContact,
    /// Before sharing personal details.
    PersonalInformation,
    /// Asked to move to another app.
    PlatformMove,
    /// "Pause and reflect": grooming risk.
    GroomingAlert,
    /// Support after threats to share images.
    SextortionSupport,
}

/// Facts about a new contact, shown to the child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SafetyCard {
    /// The contact's account.
    pub account: String,
    /// Days since the contact's account was created, where known.
    pub account_age_days: Option<i64>,
    /// The account is newer than the configured threshold.
    pub new_account: bool,
    /// The contact is in another country than the child.
    pub different_country: bool,
    /// Connections the two have in common.
    pub mutual_connections: usize,
}

/// Something for the platform to show one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Notice {
    /// Who sees it.
    pub to: String,
    /// What it is.
    pub kind: NoticeKind,
    /// The text (from configuration).
    pub text: String,
    /// Buttons the platform should offer, e.g. `block_and_report`.
    pub actions: Vec<String>,
    /// Helplines for the person's country.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub helplines: Vec<Helpline>,
    /// The new contact's safety card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<SafetyCard>,
}

/// The conversation's risk after a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RiskView {
    /// 0..1.
    pub risk: f32,
    /// The suspected offender.
    pub suspect: Option<String>,
    /// The alert fired on this message.
    pub alert: bool,
    /// The behaviours behind the risk, with their messages and spans.
    pub behaviours: Vec<Evidence>,
}

/// The answer for one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// Why, most important first.
    pub reasons: Vec<Reason>,
    /// What to show, and to whom.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
    /// For messages: the conversation's risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskView>,
    /// The case opened or updated by this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
}

impl Decision {
    fn allow() -> Decision {
        Decision {
            action: Action::Allow,
            reasons: Vec::new(),
            notices: Vec::new(),
            risk: None,
            case: None,
        }
    }

    fn escalate(&mut self, action: Action, reason: Reason) {
        self.action = self.action.max(action);
        if !self.reasons.contains(&reason) {
            self.reasons.push(reason);
        }
    }
}

/// Errors building the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SafetyError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The risk model could not be loaded.
    #[error("risk model: {0}")]
    Model(String),
    /// A stored case could not be decoded.
    #[error("unreadable: {0}")]
    Unreadable(String),
    /// A checkpoint could not be written or read.
    #[error("engine checkpoint: {0}")]
    Checkpoint(String),
}
