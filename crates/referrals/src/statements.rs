//! DSA statements of reasons for the EU Transparency Database: one per
//! moderation decision that restricts an account, with the database's field
//! names and allowed values, no personal data, sent in batches of at most 100.
//!
//! Only restrictions need a statement (DSA article 17): restricting contact with
//! minors, suspending and banning. Dismissals, warnings, escalations, evidence
//! preservation and referrals restrict nothing and get none.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::transparency::Source;
use crate::Error;

/// Most statements in one API call.
pub const MAX_BATCH: usize = 100;

/// `decision_visibility` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DecisionVisibility {
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_REMOVED")]
    ContentRemoved,
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_DISABLED")]
    ContentDisabled,
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_DEMOTED")]
    ContentDemoted,
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED")]
    ContentAgeRestricted,
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED")]
    ContentInteractionRestricted,
    #[serde(rename = "DECISION_VISIBILITY_CONTENT_LABELLED")]
    ContentLabelled,
    #[serde(rename = "DECISION_VISIBILITY_OTHER")]
    Other,
}

/// `decision_monetary` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DecisionMonetary {
    #[serde(rename = "DECISION_MONETARY_SUSPENSION")]
    Suspension,
    #[serde(rename = "DECISION_MONETARY_TERMINATION")]
    Termination,
    #[serde(rename = "DECISION_MONETARY_OTHER")]
    Other,
}

/// `decision_provision` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DecisionProvision {
    #[serde(rename = "DECISION_PROVISION_PARTIAL_SUSPENSION")]
    PartialSuspension,
    #[serde(rename = "DECISION_PROVISION_TOTAL_SUSPENSION")]
    TotalSuspension,
    #[serde(rename = "DECISION_PROVISION_PARTIAL_TERMINATION")]
    PartialTermination,
    #[serde(rename = "DECISION_PROVISION_TOTAL_TERMINATION")]
    TotalTermination,
}

/// `decision_account` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DecisionAccount {
    #[serde(rename = "DECISION_ACCOUNT_SUSPENDED")]
    Suspended,
    #[serde(rename = "DECISION_ACCOUNT_TERMINATED")]
    Terminated,
}

/// `decision_ground` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum DecisionGround {
    #[serde(rename = "DECISION_GROUND_ILLEGAL_CONTENT")]
    IllegalContent,
    #[serde(rename = "DECISION_GROUND_INCOMPATIBLE_CONTENT")]
    IncompatibleContent,
}

/// `category` values Lifeguard uses (its decisions are all about minors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Category {
    #[serde(rename = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS")]
    ProtectionOfMinors,
}

/// `category_specification` keywords under the protection of minors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum Keyword {
    #[serde(rename = "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS")]
    AgeSpecificRestrictionsMinors,
    #[serde(rename = "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL")]
    ChildSexualAbuseMaterial,
    #[serde(rename = "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS")]
    GroomingSexualEnticementMinors,
    #[serde(rename = "KEYWORD_UNSAFE_CHALLENGES")]
    UnsafeChallenges,
}

/// `content_type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum ContentType {
    #[serde(rename = "CONTENT_TYPE_TEXT")]
    Text,
    #[serde(rename = "CONTENT_TYPE_IMAGE")]
    Image,
    #[serde(rename = "CONTENT_TYPE_VIDEO")]
    Video,
    #[serde(rename = "CONTENT_TYPE_AUDIO")]
    Audio,
    #[serde(rename = "CONTENT_TYPE_OTHER")]
    Other,
}

/// `source_type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum SourceType {
    /// A notice under article 16 (a user's report).
    #[serde(rename = "SOURCE_ARTICLE_16")]
    Article16,
    #[serde(rename = "SOURCE_TRUSTED_FLAGGER")]
    TrustedFlagger,
    #[serde(rename = "SOURCE_TYPE_OTHER_NOTIFICATION")]
    OtherNotification,
    /// The platform's own initiative (automated detection).
    #[serde(rename = "SOURCE_VOLUNTARY")]
    Voluntary,
}

/// `automated_decision` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum AutomatedDecision {
    #[serde(rename = "AUTOMATED_DECISION_FULLY")]
    Fully,
    #[serde(rename = "AUTOMATED_DECISION_PARTIALLY")]
    Partially,
    #[serde(rename = "AUTOMATED_DECISION_NOT_AUTOMATED")]
    NotAutomated,
}

/// `Yes` / `No` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum YesNo {
    Yes,
    No,
}

/// A statement of reasons, as the Transparency Database API takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// Content visibility restrictions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility: Option<Vec<DecisionVisibility>>,
    /// Monetary restrictions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_monetary: Option<DecisionMonetary>,
    /// Restrictions of the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_provision: Option<DecisionProvision>,
    /// Account restrictions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<DecisionAccount>,
    /// Illegal, or against the terms.
    pub decision_ground: DecisionGround,
    /// For illegal content: the law.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    /// For illegal content: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    /// For incompatible content: the term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    /// For incompatible content: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    /// For incompatible content: also illegal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_illegal: Option<YesNo>,
    /// The category.
    pub category: Category,
    /// Keywords within the category.
    pub category_specification: Vec<Keyword>,
    /// What kind of content.
    pub content_type: Vec<ContentType>,
    /// When the content was posted (the case opened), `YYYY-MM-DD`.
    pub content_date: String,
    /// When the decision applied, `YYYY-MM-DD`.
    pub application_date: String,
    /// The facts, without personal data.
    pub decision_facts: String,
    /// What prompted the decision.
    pub source_type: SourceType,
    /// Detected by automated means.
    pub automated_detection: YesNo,
    /// Decided by automated means.
    pub automated_decision: AutomatedDecision,
    /// The platform's unique id for this decision (no personal data).
    pub puid: String,
}

/// One moderation decision, as recorded (the suspect, moderator and free-text
/// reason are here so that tests can prove they never reach a statement).
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    /// The action's id.
    pub action_id: i64,
    /// The action's wire name (`suspend`, `ban`...).
    pub action: String,
    /// The case's most severe category (wire name).
    pub category: String,
    /// What opened the case.
    pub source: Source,
    /// The case holds media evidence.
    pub has_media: bool,
    /// The case's suspect (never written).
    pub suspect: String,
    /// The moderator (never written).
    pub moderator: String,
    /// The moderator's reason (free text; never written).
    pub reason: Option<String>,
    /// When the case opened.
    pub opened_at: DateTime<Utc>,
    /// When the action was taken.
    pub at: DateTime<Utc>,
}

fn category_label(category: &str) -> &'static str {
    match category {
        "known_image" => "sharing an image matching a known child sexual abuse image",
        "sextortion" => "sextortion of a minor",
        "grooming" => "grooming behaviour towards a minor",
        "suspicious_contact" => "a pattern of unsolicited contact with minors",
        _ => "reports by minors",
    }
}

/// The statement for a decision, or `None` when the action restricts nothing.
pub fn statement_for(d: &DecisionInput) -> Option<Statement> {
    let (visibility, provision, account, verb) = match d.action.as_str() {
        "restrict_contact_with_minors" => (
            None,
            Some(DecisionProvision::PartialSuspension),
            None,
            "restricted the account from contacting minors",
        ),
        "suspend" => (
            None,
            Some(DecisionProvision::TotalSuspension),
            Some(DecisionAccount::Suspended),
            "suspended the account",
        ),
        "ban" => (
            None,
            Some(DecisionProvision::TotalTermination),
            Some(DecisionAccount::Terminated),
            "terminated the account",
        ),
        _ => return None,
    };
    let keyword = match d.category.as_str() {
        "known_image" => Keyword::ChildSexualAbuseMaterial,
        "suspicious_contact" => Keyword::AgeSpecificRestrictionsMinors,
        _ => Keyword::GroomingSexualEnticementMinors,
    };
    let illegal = matches!(
        d.category.as_str(),
        "known_image" | "sextortion" | "grooming"
    );
    let mut content_type = vec![ContentType::Text];
    if d.has_media || d.category == "known_image" {
        content_type.push(ContentType::Image);
    }
    let (source_type, detected, by) = match d.source {
        Source::AutomatedDetection => (SourceType::Voluntary, YesNo::Yes, "automated detection"),
        Source::UserReport => (SourceType::Article16, YesNo::No, "a user's report"),
        Source::TrustedFlagger => (
            SourceType::TrustedFlagger,
            YesNo::No,
            "a trusted flagger's notice",
        ),
    };
    let what = category_label(&d.category);
    Some(Statement {
        decision_visibility: visibility,
        decision_monetary: None,
        decision_provision: provision,
        decision_account: account,
        decision_ground: DecisionGround::IncompatibleContent,
        illegal_content_legal_ground: None,
        illegal_content_explanation: None,
        incompatible_content_ground: Some("Terms of service: child safety policy".into()),
        incompatible_content_explanation: Some(format!(
            "The account's activity involved {what}, which the child safety policy prohibits."
        )),
        incompatible_content_illegal: Some(if illegal { YesNo::Yes } else { YesNo::No }),
        category: Category::ProtectionOfMinors,
        category_specification: vec![keyword],
        content_type,
        content_date: d.opened_at.format("%Y-%m-%d").to_string(),
        application_date: d.at.format("%Y-%m-%d").to_string(),
        decision_facts: format!(
            "A moderator reviewed a child-safety case opened by {by} concerning {what} and {verb}."
        ),
        source_type,
        automated_detection: detected,
        automated_decision: AutomatedDecision::NotAutomated,
        puid: format!("lifeguard-decision-{}", d.action_id),
    })
}

impl Statement {
    /// Checks the database's conditional rules: at least one restriction, the
    /// ground's fields present, a keyword, a content type, dates, a short puid.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |m: &str| Err(Error::Invalid(format!("statement {}: {m}", self.puid)));
        if self.decision_visibility.is_none()
            && self.decision_monetary.is_none()
            && self.decision_provision.is_none()
            && self.decision_account.is_none()
        {
            return fail("no restriction (decision_visibility/monetary/provision/account)");
        }
        match self.decision_ground {
            DecisionGround::IllegalContent
                if self.illegal_content_legal_ground.is_none()
                    || self.illegal_content_explanation.is_none() =>
            {
                return fail("illegal content needs its legal ground and explanation")
            }
            DecisionGround::IncompatibleContent
                if self.incompatible_content_ground.is_none()
                    || self.incompatible_content_explanation.is_none() =>
            {
                return fail("incompatible content needs its ground and explanation")
            }
            _ => {}
        }
        if self.category_specification.is_empty() || self.content_type.is_empty() {
            return fail("category_specification and content_type must not be empty");
        }
        for date in [&self.content_date, &self.application_date] {
            if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                return fail("dates must be YYYY-MM-DD");
            }
        }
        if self.application_date < self.content_date {
            return fail("application_date is before content_date");
        }
        if self.puid.is_empty() || self.puid.len() > 500 || self.decision_facts.len() > 5000 {
            return fail("puid must be 1-500 characters, decision_facts at most 5000");
        }
        Ok(())
    }
}

/// A batch for one `POST /api/v1/statements` call: `{"statements": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// 1 to [`MAX_BATCH`] valid statements.
    pub statements: Vec<Statement>,
}

impl Batch {
    /// A batch, checking its size and every statement.
    pub fn new(statements: Vec<Statement>) -> Result<Batch, Error> {
        if statements.is_empty() || statements.len() > MAX_BATCH {
            return Err(Error::Invalid(format!(
                "a batch holds 1 to {MAX_BATCH} statements, not {}",
                statements.len()
            )));
        }
        statements.iter().try_for_each(Statement::validate)?;
        Ok(Batch { statements })
    }
}

/// Splits statements into valid batches of at most [`MAX_BATCH`].
pub fn batches(statements: Vec<Statement>) -> Result<Vec<Batch>, Error> {
    let mut out = Vec::with_capacity(statements.len().div_ceil(MAX_BATCH));
    let mut rest = statements.into_iter().peekable();
    while rest.peek().is_some() {
        out.push(Batch::new(rest.by_ref().take(MAX_BATCH).collect())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(id: i64, action: &str, category: &str, source: Source) -> DecisionInput {
        DecisionInput {
            action_id: id,
            action: action.into(),
            category: category.into(),
            source,
            has_media: false,
            suspect: "rex_gamer".into(),
            moderator: "casey".into(),
            reason: Some("rex_gamer told sam: don't tell your mum, add me on snap".into()),
            opened_at: "2026-11-21T19:00:00Z".parse().unwrap(),
            at: "2026-11-22T08:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn restrictions_map_to_the_database_values_and_others_get_none() {
        let s = statement_for(&decision(7, "ban", "grooming", Source::AutomatedDetection)).unwrap();
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["decision_account"], "DECISION_ACCOUNT_TERMINATED");
        assert_eq!(
            v["decision_provision"],
            "DECISION_PROVISION_TOTAL_TERMINATION"
        );
        assert_eq!(v["category"], "STATEMENT_CATEGORY_PROTECTION_OF_MINORS");
        assert_eq!(
            v["category_specification"][0],
            "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"
        );
        assert_eq!(v["source_type"], "SOURCE_VOLUNTARY");
        assert_eq!(v["automated_detection"], "Yes");
        assert_eq!(v["automated_decision"], "AUTOMATED_DECISION_NOT_AUTOMATED");
        assert_eq!(v["content_date"], "2026-11-21");
        assert_eq!(v["application_date"], "2026-11-22");
        assert_eq!(v["puid"], "lifeguard-decision-7");
        assert!(v.get("decision_visibility").is_none());
        s.validate().unwrap();
        let k = statement_for(&decision(
            8,
            "suspend",
            "known_image",
            Source::TrustedFlagger,
        ))
        .unwrap();
        assert_eq!(
            k.category_specification,
            [Keyword::ChildSexualAbuseMaterial]
        );
        assert_eq!(k.source_type, SourceType::TrustedFlagger);
        assert_eq!(k.content_type, [ContentType::Text, ContentType::Image]);
        for action in [
            "dismiss",
            "warn",
            "escalate",
            "preserve_evidence",
            "refer_to_law_enforcement",
        ] {
            assert!(statement_for(&decision(1, action, "grooming", Source::UserReport)).is_none());
        }
        // Round trip through the wire format.
        let back: Statement = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn no_personal_data_reaches_a_statement() {
        for action in ["restrict_contact_with_minors", "suspend", "ban"] {
            for category in [
                "known_image",
                "sextortion",
                "grooming",
                "suspicious_contact",
                "user_report",
            ] {
                let d = decision(9, action, category, Source::UserReport);
                let json = serde_json::to_string(&statement_for(&d).unwrap()).unwrap();
                for secret in ["rex_gamer", "casey", "sam", "mum", "snap"] {
                    assert!(!json.contains(secret), "{secret} leaked: {json}");
                }
            }
        }
    }

    #[test]
    fn batches_hold_at_most_100_and_bad_statements_are_refused() {
        let all: Vec<Statement> = (0..250)
            .map(|i| {
                statement_for(&decision(i, "suspend", "grooming", Source::UserReport)).unwrap()
            })
            .collect();
        let b = batches(all.clone()).unwrap();
        assert_eq!(
            b.iter().map(|b| b.statements.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        assert_eq!(b[2].statements[49].puid, "lifeguard-decision-249");
        assert!(Batch::new(all[..101].to_vec()).is_err());
        assert!(Batch::new(vec![]).is_err());
        assert!(batches(vec![]).unwrap().is_empty());
        let mut bad = all[0].clone();
        bad.decision_provision = None;
        bad.decision_account = None;
        assert!(Batch::new(vec![bad])
            .unwrap_err()
            .to_string()
            .contains("no restriction"));
        let mut bad = all[0].clone();
        bad.application_date = "2020-01-01".into();
        assert!(bad.validate().is_err());
    }
}
