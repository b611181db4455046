use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use lifeguard_core::{AgeBand, Behaviour, Span};
use serde::{Deserialize, Serialize};

use crate::Reason;

/// Most evidence items kept on a case; the first of each kind is always kept.
pub const MAX_CASE_EVIDENCE: usize = 200;

/// What a case is about.
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
pub enum CaseCategory {
    /// Sharing an image that matches a bank of known abuse images.
    KnownImage,
    /// Threats to share images, demands.
    Sextortion,
    /// Grooming behaviours in a conversation.
    Grooming,
    /// Contact patterns: requests, refusals, new contacts, age claims.
    SuspiciousContact,
    /// Reports by users.
    UserReport,
}

impl CaseCategory {
    fn severity(self) -> f32 {
        match self {
            CaseCategory::KnownImage => 45.0,
            CaseCategory::Sextortion => 40.0,
            CaseCategory::Grooming => 30.0,
            CaseCategory::SuspiciousContact => 15.0,
            CaseCategory::UserReport => 10.0,
        }
    }
}

/// Where a case is in its lifecycle. The engine opens cases and adds evidence;
/// a moderator's closing action in the console closes one, and evidence that
/// arrives after the close reopens it. The store reads the status with one rule
/// for the API and the console (`lifeguard_store::CaseRecord::status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Waiting for a moderator (or reopened by new evidence).
    Open,
    /// Closed by a moderator's action since the last evidence.
    Closed,
}

/// One piece of evidence on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseEvidence {
    /// The event behind it.
    pub event: String,
    /// Why it is evidence.
    pub reason: Reason,
    /// The conversation, for message evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// The behaviour, for message evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<Behaviour>,
    /// The message's position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// For known-image evidence: the media id, bank, label and distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// Spans of the message text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<Span>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A case for moderators: one open case per suspect, evidence merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Case {
    /// Stable id, derived from the suspect (see [`crate::case_id_for`]).
    pub id: String,
    /// The suspected account.
    pub suspect: String,
    /// `open` as the engine writes it; the API reports the lifecycle the store
    /// reads (see [`CaseStatus`]).
    pub status: CaseStatus,
    /// What it is about.
    pub categories: BTreeSet<CaseCategory>,
    /// Why, as reason codes.
    pub reasons: BTreeSet<Reason>,
    /// The children involved and their bands.
    pub children: BTreeMap<String, AgeBand>,
    /// Conversations involved.
    pub conversations: BTreeSet<String>,
    /// Highest conversation risk seen.
    pub max_risk: f32,
    /// Reports by minors.
    pub reports: u32,
    /// Evidence, oldest first (bounded).
    pub evidence: Vec<CaseEvidence>,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// Last new evidence.
    pub updated_at: DateTime<Utc>,
    /// Priority 0-100, highest first (see [`Case::priority`]).
    pub priority: u32,
    /// What the priority is made of, for the moderator.
    pub priority_reasons: Vec<String>,
}

impl Case {
    pub(crate) fn open(id: String, suspect: &str, at: DateTime<Utc>) -> Case {
        Case {
            id,
            suspect: suspect.to_owned(),
            status: CaseStatus::Open,
            categories: BTreeSet::new(),
            reasons: BTreeSet::new(),
            children: BTreeMap::new(),
            conversations: BTreeSet::new(),
            max_risk: 0.0,
            reports: 0,
            evidence: Vec::new(),
            opened_at: at,
            updated_at: at,
            priority: 0,
            priority_reasons: Vec::new(),
        }
    }

    /// A case as stored (the engine's JSON), with the status the store read
    /// (`open` or `closed`). The one decoder of stored cases.
    pub fn decode(id: &str, body: &str, status: &str) -> Result<Case, crate::SafetyError> {
        let mut case: Case = serde_json::from_str(body)
            .map_err(|e| crate::SafetyError::Unreadable(format!("case {id}: {e}")))?;
        case.status = if status == "closed" {
            CaseStatus::Closed
        } else {
            CaseStatus::Open
        };
        Ok(case)
    }

    /// The case's most severe category (what it is filed and counted under);
    /// a case with none is a user report.
    pub fn primary_category(&self) -> CaseCategory {
        // `CaseCategory` is ordered most severe first.
        self.categories
            .iter()
            .next()
            .copied()
            .unwrap_or(CaseCategory::UserReport)
    }

    pub(crate) fn add_evidence(&mut self, evidence: CaseEvidence) {
        self.updated_at = self.updated_at.max(evidence.at);
        if self.evidence.len() >= MAX_CASE_EVIDENCE {
            return;
        }
        self.evidence.push(evidence);
    }

    /// Recomputes the priority: the most severe category, the youngest child, the
    /// risk, and reports. Recency is applied by the queue at read time (a case's
    /// stored priority does not decay).
    pub(crate) fn reprioritise(&mut self) {
        let mut parts = Vec::new();
        let severity = self
            .categories
            .iter()
            .map(|c| c.severity())
            .fold(0.0, f32::max);
        if !self.categories.is_empty() {
            let top = self.primary_category();
            parts.push(format!("{top:?} (+{severity:.0})").to_lowercase());
        }
        let youngest = self.children.values().min().copied();
        let age = match youngest {
            Some(AgeBand::Under13) => 25.0,
            Some(AgeBand::Age13To15) => 15.0,
            Some(AgeBand::Age16To17) => 8.0,
            _ => 0.0,
        };
        if let Some(band) = youngest {
            parts.push(format!("youngest child {} (+{age:.0})", band.as_str()));
        }
        let risk = 20.0 * self.max_risk;
        if risk > 0.0 {
            parts.push(format!("risk {:.2} (+{risk:.0})", self.max_risk));
        }
        let reports = (5.0 * self.reports as f32).min(15.0);
        if reports > 0.0 {
            parts.push(format!("{} report(s) (+{reports:.0})", self.reports));
        }
        self.priority = (severity + age + risk + reports).round().clamp(0.0, 100.0) as u32;
        self.priority_reasons = parts;
    }
}
