use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use chrono::{DateTime, Duration, Utc};
use lifeguard_core::{
    Account, AgeBand, Behaviour, Event, EventBody, Evidence, Message, Relationship,
    RelationshipKind,
};
use lifeguard_risk::{ConversationRisk, RiskEngine};
use serde::{Deserialize, Serialize};

use crate::case::{Case, CaseCategory, CaseEvidence};
use crate::disclosure::DisclosureDetector;
use crate::{
    Action, Config, Decision, Notice, NoticeKind, Reason, RiskView, SafetyCard, SafetyError,
};

/// Where one account may see another.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Surface {
    /// "People you may know".
    Suggestions,
    /// Search results.
    Search,
    /// Someone else's list of connections.
    ConnectionsList,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct AccountState {
    band: Option<AgeBand>,
    country: Option<String>,
    created_at: Option<DateTime<Utc>>,
    connections: HashSet<String>,
    blocked: HashSet<String>,
}

/// What adults do towards minors, in sliding windows.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct ContactStats {
    requests: VecDeque<DateTime<Utc>>,
    new_contacts: VecDeque<DateTime<Utc>>,
    requests_total: usize,
    refusals: HashSet<String>,
    reporters: HashSet<String>,
    contacted: HashSet<String>,
    restricted: bool,
    reasons: BTreeSet<Reason>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConversationState {
    risk: ConversationRisk,
    participants: BTreeSet<String>,
    alerted: bool,
    sextortion_noticed: bool,
    suspect: Option<String>,
    behaviours: Vec<Evidence>,
}

/// A media item's match against a hash bank, as the service found it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ImageMatch {
    /// The bank.
    pub bank: String,
    /// The entry's label or the bank's.
    pub label: String,
    /// `pdq`, `md5`, `sha1` or `sha256`.
    pub hash_type: String,
    /// PDQ distance; 0 for exact matches.
    pub distance: u32,
}

/// An account as the API shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccountView {
    /// The account.
    pub account: String,
    /// Its band, as the platform declared it.
    pub age_band: AgeBand,
    /// Restricted from contacting minors.
    pub restricted: bool,
    /// Why it is suspicious.
    pub reasons: Vec<Reason>,
    /// Friend requests to minors, all time.
    pub friend_requests_to_minors: usize,
    /// Minors who rejected or blocked it.
    pub refused_by_minors: usize,
    /// Minors who reported it.
    pub reported_by_minors: usize,
    /// Minors it has messaged.
    pub minors_contacted: usize,
    /// Highest risk of the conversations where it is the suspect.
    pub max_conversation_risk: f32,
    /// Conversations where it is the suspect and an alert fired.
    pub alerted_conversations: Vec<String>,
    /// Its open case.
    pub open_case: Option<String>,
}

/// A conversation as the API shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ConversationView {
    /// The conversation.
    pub conversation: String,
    /// Who took part.
    pub participants: Vec<String>,
    /// Messages seen.
    pub messages: u64,
    /// Current risk, 0..1.
    pub risk: f32,
    /// The suspected offender.
    pub suspect: Option<String>,
    /// The `seq` of the message where the alert fired.
    pub alert_seq: Option<u64>,
    /// The behaviours behind the risk.
    pub behaviours: Vec<Evidence>,
}

/// The policy engine and its state (see the crate documentation).
pub struct SafetyEngine {
    config: Config,
    risk: RiskEngine,
    disclosures: DisclosureDetector,
    state: EngineState,
    changed_cases: BTreeSet<String>,
}

/// Everything the engine has learnt from the events applied so far: a function
/// of the event log, saved whole in a checkpoint (see [`SafetyEngine::checkpoint`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EngineState {
    accounts: HashMap<String, AccountState>,
    contacts: HashMap<String, ContactStats>,
    conversations: HashMap<String, ConversationState>,
    pairs_seen: HashSet<(String, String)>,
    /// Open cases by suspect.
    cases: HashMap<String, Case>,
    /// Ids given to suspects' cases before ids were derived from the suspect
    /// (databases from before issue 14), adopted so that console records keyed
    /// by them still apply.
    #[serde(default)]
    adopted_case_ids: HashMap<String, String>,
}

impl SafetyEngine {
    /// An engine with the embedded risk model.
    pub fn new(config: Config) -> Result<SafetyEngine, SafetyError> {
        let risk =
            RiskEngine::with_default_model().map_err(|e| SafetyError::Model(e.to_string()))?;
        Ok(SafetyEngine::with_risk(config, risk))
    }

    /// An engine with a given risk engine.
    pub fn with_risk(config: Config, risk: RiskEngine) -> SafetyEngine {
        SafetyEngine {
            config,
            risk,
            disclosures: DisclosureDetector::new(),
            state: EngineState::default(),
            changed_cases: BTreeSet::new(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn band(&self, account: &str) -> AgeBand {
        self.state
            .accounts
            .get(account)
            .and_then(|a| a.band)
            .unwrap_or(AgeBand::Unknown)
    }

    fn is_minor_recipient(&self, account: &str) -> bool {
        let band = self.band(account);
        band.is_minor() || (band == AgeBand::Unknown && self.config.policy.unknown_age_is_minor)
    }

    fn is_adult_sender(&self, account: &str) -> bool {
        let band = self.band(account);
        band == AgeBand::Adult
            || (band == AgeBand::Unknown && self.config.policy.unknown_sender_is_adult)
    }

    fn connected(&self, a: &str, b: &str) -> bool {
        self.state
            .accounts
            .get(a)
            .is_some_and(|s| s.connections.contains(b))
    }

    /// Applies one event and says what to do. `received_at` is used when the
    /// event has no `at`; pass the store's receive time so a replay decides alike.
    pub fn apply(&mut self, event: &Event, received_at: Option<DateTime<Utc>>) -> Decision {
        let at = event
            .at
            .or(received_at)
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        match &event.body {
            EventBody::AccountCreated(a) | EventBody::AccountUpdated(a) => {
                self.account(a, at);
                Decision::allow()
            }
            EventBody::Relationship(r) => self.relationship(&event.id, r, at),
            EventBody::Message(m) => self.message(&event.id, m, at),
            EventBody::Media(_) => Decision::allow(),
        }
    }

    fn account(&mut self, a: &Account, at: DateTime<Utc>) {
        let year = chrono::Datelike::year(&at);
        let state = self.state.accounts.entry(a.account.clone()).or_default();
        let band = a.effective_band(year);
        if band != AgeBand::Unknown || state.band.is_none() {
            state.band = Some(band);
        }
        if a.country.is_some() {
            state.country = a.country.clone();
        }
        if a.created_at.is_some() {
            state.created_at = a.created_at;
        }
    }

    fn relationship(&mut self, event_id: &str, r: &Relationship, at: DateTime<Utc>) -> Decision {
        let mut decision = Decision::allow();
        let window = Duration::hours(self.config.suspicion.window_hours);
        let adult_to_minor = self.is_adult_sender(&r.from) && self.is_minor_recipient(&r.to);
        let minor_to_adult = self.is_minor_recipient(&r.from) && self.is_adult_sender(&r.to);
        match r.kind {
            RelationshipKind::FriendRequest | RelationshipKind::Follow if adult_to_minor => {
                if self
                    .state
                    .contacts
                    .get(&r.from)
                    .is_some_and(|c| c.restricted)
                {
                    decision.escalate(
                        self.config.policy.contact_from_restricted_adult,
                        Reason::RestrictedAdult,
                    );
                }
                if r.kind == RelationshipKind::FriendRequest {
                    let stats = self.state.contacts.entry(r.from.clone()).or_default();
                    stats.requests.push_back(at);
                    stats.requests_total += 1;
                    prune(&mut stats.requests, at, window);
                }
            }
            // `from` accepted `to`'s request: now connected, unless blocked.
            RelationshipKind::Accept
                if !self
                    .state
                    .accounts
                    .get(&r.from)
                    .is_some_and(|s| s.blocked.contains(&r.to)) =>
            {
                self.state
                    .accounts
                    .entry(r.from.clone())
                    .or_default()
                    .connections
                    .insert(r.to.clone());
                self.state
                    .accounts
                    .entry(r.to.clone())
                    .or_default()
                    .connections
                    .insert(r.from.clone());
            }
            RelationshipKind::Reject | RelationshipKind::Block => {
                if r.kind == RelationshipKind::Block {
                    let from = self.state.accounts.entry(r.from.clone()).or_default();
                    from.blocked.insert(r.to.clone());
                    from.connections.remove(&r.to);
                    self.state
                        .accounts
                        .entry(r.to.clone())
                        .or_default()
                        .connections
                        .remove(&r.from);
                }
                if minor_to_adult {
                    self.state
                        .contacts
                        .entry(r.to.clone())
                        .or_default()
                        .refusals
                        .insert(r.from.clone());
                }
            }
            RelationshipKind::Unblock => {
                self.state
                    .accounts
                    .entry(r.from.clone())
                    .or_default()
                    .blocked
                    .remove(&r.to);
            }
            RelationshipKind::Unfollow => {}
            RelationshipKind::Report if minor_to_adult || self.is_minor_recipient(&r.from) => {
                self.state
                    .contacts
                    .entry(r.to.clone())
                    .or_default()
                    .reporters
                    .insert(r.from.clone());
                let child_band = self.band(&r.from);
                let case = self.case_for(&r.to, at);
                case.categories.insert(CaseCategory::UserReport);
                case.reasons.insert(Reason::ReportedByMinors);
                case.reports += 1;
                case.children.insert(r.from.clone(), child_band);
                if let Some(c) = &r.conversation {
                    case.conversations.insert(c.clone());
                }
                case.add_evidence(CaseEvidence {
                    event: event_id.to_owned(),
                    reason: Reason::ReportedByMinors,
                    conversation: r.conversation.clone(),
                    behaviour: None,
                    seq: None,
                    message_id: None,
                    media: None,
                    spans: Vec::new(),
                    at,
                });
                decision.case = Some(case.id.clone());
            }
            _ => {}
        }
        let suspect = if adult_to_minor {
            Some(&r.from)
        } else if minor_to_adult {
            Some(&r.to)
        } else {
            None
        };
        if let Some(adult) = suspect {
            if let Some(case) = self.evaluate_suspicion(adult, event_id, at, None) {
                decision.case = Some(case);
            }
        }
        decision
    }

    /// Checks the suspicion rules for `adult`; on a new reason restricts it and
    /// opens or updates its case. Returns the case id when one was touched.
    fn evaluate_suspicion(
        &mut self,
        adult: &str,
        event_id: &str,
        at: DateTime<Utc>,
        extra: Option<Reason>,
    ) -> Option<String> {
        let rules = self.config.suspicion.clone();
        let window = Duration::hours(rules.window_hours);
        let stats = self.state.contacts.entry(adult.to_owned()).or_default();
        prune(&mut stats.requests, at, window);
        prune(&mut stats.new_contacts, at, window);
        let mut reasons = Vec::new();
        if stats.requests.len() >= rules.friend_requests_to_minors {
            reasons.push(Reason::ManyRequestsToMinors);
        }
        if stats.new_contacts.len() >= rules.new_minor_contacts {
            reasons.push(Reason::ManyNewMinorContacts);
        }
        if stats.requests_total >= rules.min_requests
            && stats.refusals.len() as f64 >= rules.refusal_rate * stats.requests_total as f64
        {
            reasons.push(Reason::HighRefusalRate);
        }
        if stats.reporters.len() >= rules.reports_by_minors {
            reasons.push(Reason::ReportedByMinors);
        }
        reasons.extend(extra);
        let new: Vec<Reason> = reasons
            .into_iter()
            .filter(|r| stats.reasons.insert(*r))
            .collect();
        if new.is_empty() {
            return None;
        }
        stats.restricted = true;
        let case = self.case_for(adult, at);
        case.categories.insert(CaseCategory::SuspiciousContact);
        for reason in new {
            case.reasons.insert(reason);
            case.add_evidence(CaseEvidence {
                event: event_id.to_owned(),
                reason,
                conversation: None,
                behaviour: None,
                seq: None,
                message_id: None,
                media: None,
                spans: Vec::new(),
                at,
            });
        }
        Some(case.id.clone())
    }

    fn case_for(&mut self, suspect: &str, at: DateTime<Utc>) -> &mut Case {
        self.changed_cases.insert(suspect.to_owned());
        let adopted = &mut self.state.adopted_case_ids;
        self.state
            .cases
            .entry(suspect.to_owned())
            .or_insert_with(|| {
                let id = adopted
                    .remove(suspect)
                    .unwrap_or_else(|| case_id_for(suspect));
                Case::open(id, suspect, at)
            })
    }

    fn message(&mut self, event_id: &str, m: &Message, at: DateTime<Utc>) -> Decision {
        let mut decision = Decision::allow();
        let sender = m.sender.as_str();
        let conversation = self
            .state
            .conversations
            .entry(m.conversation.clone())
            .or_insert_with(|| ConversationState {
                risk: ConversationRisk::new(),
                participants: BTreeSet::new(),
                alerted: false,
                sextortion_noticed: false,
                suspect: None,
                behaviours: Vec::new(),
            });
        conversation.participants.insert(sender.to_owned());
        conversation
            .participants
            .extend(m.recipients.iter().cloned());
        let assessment = conversation.risk.observe_message(&self.risk, m);
        let recipients: Vec<String> = if m.recipients.is_empty() {
            conversation
                .participants
                .iter()
                .filter(|p| *p != sender)
                .cloned()
                .collect()
        } else {
            m.recipients.clone()
        };

        // Protective defaults: adults writing to minors.
        if self.is_adult_sender(sender) {
            let restricted = self
                .state
                .contacts
                .get(sender)
                .is_some_and(|c| c.restricted);
            let children: Vec<&String> = recipients
                .iter()
                .filter(|r| self.is_minor_recipient(r))
                .collect();
            for child in children {
                if self
                    .state
                    .accounts
                    .get(child)
                    .is_some_and(|s| s.blocked.contains(sender))
                {
                    decision.escalate(Action::Block, Reason::BlockedByRecipient);
                }
                if restricted {
                    decision.escalate(
                        self.config.policy.contact_from_restricted_adult,
                        Reason::RestrictedAdult,
                    );
                }
                if !self.connected(sender, child) {
                    decision.escalate(
                        self.config.policy.dm_from_unconnected_adult,
                        Reason::DmFromUnconnectedAdult,
                    );
                }
                if self
                    .state
                    .pairs_seen
                    .insert((sender.to_owned(), child.clone()))
                {
                    decision.escalate(Action::Allow, Reason::FirstContact);
                    let card = self.safety_card(sender, child, at);
                    decision.notices.push(Notice {
                        to: child.clone(),
                        kind: NoticeKind::FirstContact,
                        text: self.config.texts.first_contact.clone(),
                        actions: vec!["block_and_report".into(), "ignore".into()],
                        helplines: Vec::new(),
                        card: Some(card),
                    });
                    let stats = self.state.contacts.entry(sender.to_owned()).or_default();
                    if stats.contacted.insert(child.clone()) {
                        stats.new_contacts.push_back(at);
                    }
                }
                if assessment
                    .evidence
                    .iter()
                    .any(|e| e.behaviour == Behaviour::PlatformMove)
                {
                    decision.escalate(Action::Warn, Reason::PlatformMove);
                    decision
                        .notices
                        .push(self.notice(child, NoticeKind::PlatformMove, false));
                }
            }
            // A declared adult who claims a child's age in chat (the risk
            // engine's assessment carries the age the sender stated).
            if self.band(sender) == AgeBand::Adult
                && recipients.iter().any(|r| self.is_minor_recipient(r))
                && assessment.disclosed_age.is_some_and(|age| age < 18)
            {
                if let Some(case) = self.evaluate_suspicion(
                    sender,
                    event_id,
                    at,
                    Some(Reason::AgeClaimContradictsDeclared),
                ) {
                    decision.case = Some(case);
                }
            }
            if let Some(case) = self.evaluate_suspicion(sender, event_id, at, None) {
                decision.case = Some(case);
            }
        }

        // Nudges for a child about to share personal details.
        if self.band(sender).is_minor() && !self.disclosures.find(&m.text).is_empty() {
            decision.escalate(Action::Warn, Reason::PersonalInformation);
            decision
                .notices
                .push(self.notice(sender, NoticeKind::PersonalInformation, false));
        }

        // Grooming risk and sextortion: alert the child, open the case.
        let conversation = self
            .state
            .conversations
            .get_mut(&m.conversation)
            .expect("inserted above");
        let suspect = assessment.suspect.clone();
        let threshold_crossed = assessment.alert || (conversation.alerted && suspect.is_some());
        let sextortion = suspect.as_deref() == Some(sender)
            && assessment
                .evidence
                .iter()
                .any(|e| e.behaviour == Behaviour::Sextortion);
        let first_alert = assessment.alert && !conversation.alerted;
        if assessment.alert {
            conversation.alerted = true;
        }
        let first_sextortion = sextortion && !conversation.sextortion_noticed;
        if sextortion {
            conversation.sextortion_noticed = true;
        }
        if assessment.suspect.is_some() {
            conversation.suspect = assessment.suspect.clone();
        }
        if !assessment.behaviours.is_empty() {
            conversation.behaviours = assessment.behaviours.clone();
        }
        let participants: Vec<String> = conversation.participants.iter().cloned().collect();
        if let Some(suspect) = suspect.filter(|s| !self.band(s).is_minor() || first_sextortion) {
            let children: Vec<(String, AgeBand)> = participants
                .iter()
                .filter(|p| **p != suspect && self.is_minor_recipient(p))
                .map(|p| (p.clone(), self.band(p)))
                .collect();
            if first_alert || first_sextortion {
                for (child, _) in &children {
                    if first_alert {
                        decision
                            .notices
                            .push(self.notice(child, NoticeKind::GroomingAlert, true));
                    }
                    if first_sextortion {
                        decision.notices.push(self.notice(
                            child,
                            NoticeKind::SextortionSupport,
                            true,
                        ));
                    }
                }
            }
            if threshold_crossed || sextortion {
                // The suspect's messages are flagged; the child's own are not held up.
                if threshold_crossed && suspect == sender {
                    decision.escalate(Action::Warn, Reason::GroomingRisk);
                }
                if sextortion {
                    decision.escalate(Action::Warn, Reason::Sextortion);
                }
                let behaviours = if assessment.behaviours.is_empty() {
                    assessment.evidence.clone()
                } else {
                    assessment.behaviours.clone()
                };
                let case = self.case_for(&suspect, at);
                case.categories.insert(CaseCategory::Grooming);
                case.reasons.insert(Reason::GroomingRisk);
                if sextortion {
                    case.categories.insert(CaseCategory::Sextortion);
                    case.reasons.insert(Reason::Sextortion);
                }
                case.conversations.insert(m.conversation.clone());
                case.max_risk = case.max_risk.max(assessment.conversation_risk);
                case.children.extend(children);
                let known: HashSet<(Behaviour, u64)> = case
                    .evidence
                    .iter()
                    .filter(|e| e.conversation.as_deref() == Some(m.conversation.as_str()))
                    .filter_map(|e| Some((e.behaviour?, e.seq?)))
                    .collect();
                for e in behaviours.iter().filter(|e| e.author == suspect) {
                    if known.contains(&(e.behaviour, e.seq)) {
                        continue;
                    }
                    case.add_evidence(CaseEvidence {
                        event: event_id.to_owned(),
                        reason: if e.behaviour == Behaviour::Sextortion {
                            Reason::Sextortion
                        } else {
                            Reason::GroomingRisk
                        },
                        conversation: Some(m.conversation.clone()),
                        behaviour: Some(e.behaviour),
                        seq: Some(e.seq),
                        message_id: e.message_id.clone(),
                        media: None,
                        spans: e.spans.clone(),
                        at,
                    });
                }
                decision.case = Some(case.id.clone());
            }
        }
        decision.risk = Some(RiskView {
            risk: assessment.conversation_risk,
            suspect: assessment.suspect,
            alert: assessment.alert,
            behaviours: assessment.behaviours,
        });
        decision
    }

    fn notice(&self, to: &str, kind: NoticeKind, with_helplines: bool) -> Notice {
        let texts = &self.config.texts;
        let text = match kind {
            NoticeKind::FirstContact => &texts.first_contact,
            NoticeKind::PersonalInformation => &texts.personal_info,
            NoticeKind::PlatformMove => &texts.platform_move,
            NoticeKind::GroomingAlert => &texts.grooming_alert,
            NoticeKind::SextortionSupport => &texts.sextortion_support,
        };
        let actions = match kind {
            NoticeKind::PersonalInformation => vec!["send_anyway".into(), "edit".into()],
            NoticeKind::PlatformMove => vec!["block_and_report".into(), "stay_here".into()],
            _ => vec!["block_and_report".into(), "talk_to_someone".into()],
        };
        let country = self
            .state
            .accounts
            .get(to)
            .and_then(|a| a.country.as_deref());
        Notice {
            to: to.to_owned(),
            kind,
            text: text.clone(),
            actions,
            helplines: if with_helplines {
                self.config.helplines_for(country)
            } else {
                Vec::new()
            },
            card: None,
        }
    }

    fn safety_card(&self, contact: &str, child: &str, at: DateTime<Utc>) -> SafetyCard {
        let c = self.state.accounts.get(contact);
        let k = self.state.accounts.get(child);
        let age_days = c.and_then(|c| c.created_at).map(|t| (at - t).num_days());
        let different_country = match (
            c.and_then(|c| c.country.as_ref()),
            k.and_then(|k| k.country.as_ref()),
        ) {
            (Some(a), Some(b)) => !a.eq_ignore_ascii_case(b),
            _ => false,
        };
        let mutual = match (c, k) {
            (Some(c), Some(k)) => c.connections.intersection(&k.connections).count(),
            _ => 0,
        };
        SafetyCard {
            account: contact.to_owned(),
            account_age_days: age_days,
            new_account: age_days.is_some_and(|d| d < self.config.policy.new_account_days),
            different_country,
            mutual_connections: mutual,
        }
    }

    /// Records that a media item matched hash banks:
    /// the upload is blocked and the uploader's case gains known-image evidence.
    pub fn record_known_image(
        &mut self,
        decision: &mut Decision,
        event_id: &str,
        media: &lifeguard_core::Media,
        matches: &[ImageMatch],
        at: DateTime<Utc>,
    ) {
        let (media_id, uploader) = (media.media.as_str(), media.uploader.as_str());
        let conversation = media.conversation.as_deref();
        if matches.is_empty() {
            return;
        }
        decision.escalate(Action::Block, Reason::KnownImage);
        let children: Vec<(String, AgeBand)> = conversation
            .and_then(|c| self.state.conversations.get(c))
            .map(|c| {
                c.participants
                    .iter()
                    .filter(|p| *p != uploader && self.is_minor_recipient(p))
                    .map(|p| (p.clone(), self.band(p)))
                    .collect()
            })
            .unwrap_or_default();
        let case = self.case_for(uploader, at);
        case.categories.insert(CaseCategory::KnownImage);
        case.reasons.insert(Reason::KnownImage);
        case.children.extend(children);
        if let Some(c) = conversation {
            case.conversations.insert(c.to_owned());
        }
        for m in matches {
            case.add_evidence(CaseEvidence {
                event: event_id.to_owned(),
                reason: Reason::KnownImage,
                conversation: conversation.map(str::to_owned),
                behaviour: None,
                seq: None,
                message_id: None,
                media: Some(format!(
                    "{media_id}: bank {} ({}), {} distance {}",
                    m.bank, m.label, m.hash_type, m.distance
                )),
                spans: Vec::new(),
                at,
            });
        }
        decision.case = Some(case.id.clone());
    }

    /// Whether `viewer` may see `target` on a surface. Minors are not suggested to
    /// adults they are not connected to, and do not appear in connection lists seen
    /// by accounts outside their connections; restricted adults see no minors in
    /// suggestions or search.
    pub fn visible(&self, viewer: &str, target: &str, surface: Surface) -> bool {
        if !self.is_minor_recipient(target) || viewer == target {
            return true;
        }
        if self
            .state
            .accounts
            .get(target)
            .is_some_and(|t| t.blocked.contains(viewer))
        {
            return false;
        }
        let connected = self.connected(viewer, target);
        let restricted = self
            .state
            .contacts
            .get(viewer)
            .is_some_and(|c| c.restricted);
        let adult = self.is_adult_sender(viewer);
        match surface {
            Surface::Suggestions => !restricted && (!adult || connected),
            Surface::Search => !restricted,
            Surface::ConnectionsList => connected,
        }
    }

    /// An account's status and contact statistics.
    pub fn account_view(&self, account: &str) -> Option<AccountView> {
        if !self.state.accounts.contains_key(account) && !self.state.contacts.contains_key(account)
        {
            return None;
        }
        let stats = self.state.contacts.get(account);
        let mut max_risk: f32 = 0.0;
        let mut alerted = Vec::new();
        for (id, c) in &self.state.conversations {
            if let Some(summary) = c.risk.author_summary(account) {
                max_risk = max_risk.max(summary.score);
            }
            if c.risk.alert().is_some_and(|(_, who)| who == account) {
                alerted.push(id.clone());
            }
        }
        alerted.sort();
        Some(AccountView {
            account: account.to_owned(),
            age_band: self.band(account),
            restricted: stats.is_some_and(|s| s.restricted),
            reasons: stats
                .map(|s| s.reasons.iter().copied().collect())
                .unwrap_or_default(),
            friend_requests_to_minors: stats.map_or(0, |s| s.requests_total),
            refused_by_minors: stats.map_or(0, |s| s.refusals.len()),
            reported_by_minors: stats.map_or(0, |s| s.reporters.len()),
            minors_contacted: stats.map_or(0, |s| s.contacted.len()),
            max_conversation_risk: max_risk,
            alerted_conversations: alerted,
            open_case: self.state.cases.get(account).map(|c| c.id.clone()),
        })
    }

    /// A conversation's risk and evidence.
    pub fn conversation_view(&self, conversation: &str) -> Option<ConversationView> {
        let c = self.state.conversations.get(conversation)?;
        let alert = c.risk.alert().map(|(seq, who)| (seq, who.to_owned()));
        Some(ConversationView {
            conversation: conversation.to_owned(),
            participants: c.participants.iter().cloned().collect(),
            messages: c.risk.messages(),
            risk: c.risk.risk(),
            suspect: alert
                .as_ref()
                .map(|(_, who)| who.clone())
                .or_else(|| c.suspect.clone()),
            alert_seq: alert.map(|(seq, _)| seq),
            behaviours: c.behaviours.clone(),
        })
    }

    /// Every case, in no particular order.
    pub fn cases(&self) -> impl Iterator<Item = &Case> {
        self.state.cases.values()
    }

    /// Cases changed since the last call, with their priorities recomputed: what
    /// the service writes to the store after each batch.
    pub fn take_changed_cases(&mut self) -> Vec<Case> {
        let changed = std::mem::take(&mut self.changed_cases);
        changed
            .into_iter()
            .filter_map(|suspect| {
                let case = self.state.cases.get_mut(&suspect)?;
                case.reprioritise();
                Some(case.clone())
            })
            .collect()
    }

    /// A copy of the engine's learnt state: with the log position it was taken
    /// at, what a restart loads instead of replaying the whole log. Copying is
    /// quicker than encoding, so a caller holding the engine's lock copies and
    /// encodes ([`EngineCheckpoint::encode`]) after letting go. The model and
    /// config are not part of it.
    pub fn checkpoint(&self) -> EngineCheckpoint {
        EngineCheckpoint(self.state.clone())
    }

    /// Replaces the learnt state with a saved [`SafetyEngine::checkpoint`].
    pub fn restore(&mut self, checkpoint: &[u8]) -> Result<(), SafetyError> {
        self.state = serde_json::from_slice(checkpoint)
            .map_err(|e| SafetyError::Checkpoint(e.to_string()))?;
        self.changed_cases.clear();
        Ok(())
    }

    /// Makes a suspect's case keep an id it was given by an earlier version
    /// (`case-` and the id of the event that opened it), so that moderators'
    /// records keyed by that id stay attached. Call before applying events.
    pub fn adopt_case_id(&mut self, suspect: &str, id: &str) {
        if let Some(case) = self.state.cases.get_mut(suspect) {
            case.id = id.to_owned();
        } else {
            self.state
                .adopted_case_ids
                .insert(suspect.to_owned(), id.to_owned());
        }
    }
}

/// A copy of a [`SafetyEngine`]'s learnt state (see [`SafetyEngine::checkpoint`]).
#[derive(Debug, Clone)]
pub struct EngineCheckpoint(EngineState);

impl EngineCheckpoint {
    /// The state in the [`CHECKPOINT_FORMAT`] format, for
    /// [`SafetyEngine::restore`].
    pub fn encode(&self) -> Result<Vec<u8>, SafetyError> {
        serde_json::to_vec(&self.0).map_err(|e| SafetyError::Checkpoint(e.to_string()))
    }
}

/// The version of [`EngineCheckpoint::encode`]'s format; a checkpoint of another
/// version is ignored and the log replayed from its start.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// A suspect's case id: `case-` and 16 hex digits of the SHA-256 of the
/// suspect's account id. It depends on nothing but the suspect, so the order in
/// which concurrent clients' events arrive cannot change it, and a case closed
/// and reopened by new evidence keeps it.
pub fn case_id_for(suspect: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(suspect.as_bytes());
    let mut id = String::with_capacity(21);
    id.push_str("case-");
    for byte in &digest[..8] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

fn prune(times: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>, window: Duration) {
    while times.front().is_some_and(|t| now - *t > window) {
        times.pop_front();
    }
}
