//! The console's closed lists: roles, queues, actions. Each is one enum with its
//! wire name (what the store records) and a label (what a person reads).

use lifeguard_core::{AgeBand, Behaviour};
use lifeguard_safety::{Case, CaseCategory};
use lifeguard_store::CaseIndexRow;
use serde::{Deserialize, Serialize};

/// What a console user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including the audit log and users.
    Admin,
    /// Works every queue and opens child-safety evidence (message text, media).
    ChildSafetyModerator,
    /// Works the queue without child-safety evidence: case summaries, and
    /// actions on the queues whose evidence is contact patterns only.
    Moderator,
    /// Aggregate figures only (SLAs, timings).
    Analyst,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::ChildSafetyModerator,
        Role::Moderator,
        Role::Analyst,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ChildSafetyModerator => "child_safety_moderator",
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
        }
    }

    /// A person-facing label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::ChildSafetyModerator => "Child-safety moderator",
            Role::Moderator => "Moderator",
            Role::Analyst => "Analyst",
        }
    }

    /// The role with this wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// May open child-safety evidence: message text and media.
    pub fn sees_evidence(self) -> bool {
        matches!(self, Role::Admin | Role::ChildSafetyModerator)
    }

    /// May see the queue and case summaries.
    pub fn works_queue(self) -> bool {
        !matches!(self, Role::Analyst)
    }

    /// May read and export the audit log.
    pub fn reads_audit(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// May act on a case in this queue.
    pub fn acts_on(self, queue: Queue) -> bool {
        match self {
            Role::Admin | Role::ChildSafetyModerator => true,
            Role::Moderator => !queue.needs_evidence(),
            Role::Analyst => false,
        }
    }
}

/// Review queues, most urgent first. Each has its own response-time target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// A child may be in danger now: a proposed meeting or a request for the
    /// child's location, or sextortion of a child under 13.
    ImminentRisk,
    /// A known abuse image was shared.
    KnownImage,
    /// Threats to share images, demands.
    Sextortion,
    /// Grooming behaviours in a conversation.
    Grooming,
    /// Contact patterns: many requests, refusals, new contacts, age claims.
    SuspiciousContact,
    /// Reports by users.
    UserReport,
}

impl Queue {
    /// Every queue, most urgent first.
    pub const ALL: [Queue; 6] = [
        Queue::ImminentRisk,
        Queue::KnownImage,
        Queue::Sextortion,
        Queue::Grooming,
        Queue::SuspiciousContact,
        Queue::UserReport,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::ImminentRisk => "imminent_risk",
            Queue::KnownImage => "known_image",
            Queue::Sextortion => "sextortion",
            Queue::Grooming => "grooming",
            Queue::SuspiciousContact => "suspicious_contact",
            Queue::UserReport => "user_report",
        }
    }

    /// A person-facing label.
    pub fn label(self) -> &'static str {
        match self {
            Queue::ImminentRisk => "Imminent risk",
            Queue::KnownImage => "Known image",
            Queue::Sextortion => "Sextortion",
            Queue::Grooming => "Grooming",
            Queue::SuspiciousContact => "Suspicious contact",
            Queue::UserReport => "User reports",
        }
    }

    /// The queue with this wire name.
    pub fn parse(name: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == name)
    }

    /// Working it means reading message text or seeing media.
    pub fn needs_evidence(self) -> bool {
        !matches!(self, Queue::SuspiciousContact | Queue::UserReport)
    }

    /// The queue a case belongs to.
    pub fn of(case: &Case) -> Queue {
        let meeting = case
            .evidence
            .iter()
            .any(|e| e.behaviour == Some(Behaviour::MeetingRequest));
        let youngest = case.children.values().min().copied();
        let sextortion = case.categories.contains(&CaseCategory::Sextortion);
        if meeting || (sextortion && youngest == Some(AgeBand::Under13)) {
            return Queue::ImminentRisk;
        }
        match case.primary_category() {
            CaseCategory::KnownImage => Queue::KnownImage,
            CaseCategory::Sextortion => Queue::Sextortion,
            CaseCategory::Grooming => Queue::Grooming,
            CaseCategory::SuspiciousContact => Queue::SuspiciousContact,
            CaseCategory::UserReport => Queue::UserReport,
        }
    }
}

/// The wire name of a serde enum value (`snake_case` categories, reasons, bands).
pub(crate) fn wire<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The queue entry for a case (what the store indexes).
pub(crate) fn index_row(case: &Case) -> CaseIndexRow {
    let queue = Queue::of(case);
    let youngest = case.children.values().min().copied();
    CaseIndexRow {
        case_id: case.id.clone(),
        suspect: case.suspect.clone(),
        priority: case.priority,
        queue: queue.as_str().into(),
        category: wire(&case.primary_category()),
        categories: case.categories.iter().map(wire).collect(),
        bands: case
            .children
            .values()
            .map(|b| b.as_str().to_owned())
            .collect(),
        youngest_band: youngest.unwrap_or(AgeBand::Unknown).as_str().into(),
        opened_at: case.opened_at,
        updated_at: case.updated_at,
        reasons: case.priority_reasons.clone(),
    }
}

/// What a moderator can do to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// No violation; closes the case. Needs a reason.
    Dismiss,
    /// Warn the account; closes the case.
    Warn,
    /// Stop the account contacting minors; the case stays open.
    RestrictContact,
    /// Suspend the account; closes the case.
    Suspend,
    /// Ban the account; closes the case.
    Ban,
    /// Ask the platform to preserve the account's data; the case stays open.
    PreserveEvidence,
    /// Send to a senior reviewer: the case goes to the top of the queue.
    Escalate,
    /// Refer to law enforcement: creates a referral record. Needs a reason.
    ReferLawEnforcement,
}

impl ActionKind {
    /// Every action, in the order offered.
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Dismiss,
        ActionKind::Warn,
        ActionKind::RestrictContact,
        ActionKind::Suspend,
        ActionKind::Ban,
        ActionKind::PreserveEvidence,
        ActionKind::Escalate,
        ActionKind::ReferLawEnforcement,
    ];

    /// The wire name (also what the platform's webhook receives).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Dismiss => "dismiss",
            ActionKind::Warn => "warn",
            ActionKind::RestrictContact => "restrict_contact_with_minors",
            ActionKind::Suspend => "suspend",
            ActionKind::Ban => "ban",
            ActionKind::PreserveEvidence => "preserve_evidence",
            ActionKind::Escalate => "escalate",
            ActionKind::ReferLawEnforcement => "refer_to_law_enforcement",
        }
    }

    /// A person-facing label.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Dismiss => "Dismiss",
            ActionKind::Warn => "Warn",
            ActionKind::RestrictContact => "Restrict contact with minors",
            ActionKind::Suspend => "Suspend",
            ActionKind::Ban => "Ban",
            ActionKind::PreserveEvidence => "Preserve evidence",
            ActionKind::Escalate => "Escalate",
            ActionKind::ReferLawEnforcement => "Refer to law enforcement",
        }
    }

    /// The action with this wire name.
    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Closing actions take the case off the queue (until new evidence).
    pub fn closes(self) -> bool {
        matches!(
            self,
            ActionKind::Dismiss | ActionKind::Warn | ActionKind::Suspend | ActionKind::Ban
        )
    }

    /// The action must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ActionKind::Dismiss | ActionKind::ReferLawEnforcement | ActionKind::Escalate
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_match_serde() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(wire(&r), r.as_str());
        }
        for q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()), Some(q));
            assert_eq!(wire(&q), q.as_str());
        }
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::parse(a.as_str()), Some(a));
        }
        assert_eq!(Role::parse("root"), None);
    }

    fn case(categories: &str, children: &str, behaviours: &[&str]) -> Case {
        let evidence: Vec<String> = behaviours
            .iter()
            .map(|b| {
                format!(
                    r#"{{"event":"e","reason":"grooming_risk","conversation":"c","behaviour":"{b}","at":"2026-01-01T00:00:00Z"}}"#
                )
            })
            .collect();
        serde_json::from_str(&format!(
            r#"{{"id":"case-1","suspect":"s","status":"open","categories":[{categories}],"reasons":[],
               "children":{{{children}}},"conversations":["c"],"max_risk":0.9,"reports":0,
               "evidence":[{}],"opened_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z",
               "priority":50,"priority_reasons":[]}}"#,
            evidence.join(",")
        ))
        .unwrap()
    }

    #[test]
    fn cases_go_to_the_queue_of_their_most_urgent_trait() {
        let grooming = case(r#""grooming""#, r#""k":"13_15""#, &["age_probing"]);
        assert_eq!(Queue::of(&grooming), Queue::Grooming);
        let meeting = case(r#""grooming""#, r#""k":"13_15""#, &["meeting_request"]);
        assert_eq!(Queue::of(&meeting), Queue::ImminentRisk);
        let sextortion = case(r#""sextortion","grooming""#, r#""k":"16_17""#, &[]);
        assert_eq!(Queue::of(&sextortion), Queue::Sextortion);
        let young = case(r#""sextortion""#, r#""k":"under_13""#, &[]);
        assert_eq!(Queue::of(&young), Queue::ImminentRisk);
        let image = case(r#""known_image","sextortion""#, r#""k":"16_17""#, &[]);
        assert_eq!(Queue::of(&image), Queue::KnownImage);
        let contact = case(r#""suspicious_contact""#, "", &[]);
        assert_eq!(Queue::of(&contact), Queue::SuspiciousContact);
        let row = index_row(&young);
        assert_eq!(
            (
                row.queue.as_str(),
                row.category.as_str(),
                row.youngest_band.as_str()
            ),
            ("imminent_risk", "sextortion", "under_13")
        );
    }

    #[test]
    fn only_admins_and_child_safety_moderators_see_evidence() {
        let seeing: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.sees_evidence())
            .collect();
        assert_eq!(seeing, [Role::Admin, Role::ChildSafetyModerator]);
        assert!(!Role::Moderator.acts_on(Queue::Grooming));
        assert!(Role::Moderator.acts_on(Queue::SuspiciousContact));
        assert!(!Role::Analyst.works_queue());
    }
}
