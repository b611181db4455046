//! Reads the builders' inputs from a Lifeguard store: a case with its
//! conversations, accounts and media for a referral; cases, actions and
//! referrals for a transparency report; moderation decisions for statements
//! of reasons. No other module of this crate sees the store.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use lifeguard_core::{Behaviour, Event, EventBody, RelationshipKind};
use lifeguard_safety::{Case, CaseCategory};
use lifeguard_store::Store;

use crate::config::ReferralsConfig;
use crate::conversation::ChatLine;
use crate::cybertip::{Account, IpCaptureEvent, Person, Reporter};
use crate::package::{Child, EvidenceFile, ReferralInput};
use crate::statements::DecisionInput;
use crate::transparency::{ActionFacts, CaseFacts, Input, ReferralFacts, Source};
use crate::Error;

/// Most messages read per conversation.
pub const MAX_CONVERSATION_EVENTS: usize = 100_000;

fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A stored case, decoded.
pub fn case(store: &dyn Store, case_id: &str) -> Result<Case, Error> {
    let record = store
        .get_case(case_id)?
        .ok_or_else(|| Error::Invalid(format!("no case {case_id}")))?;
    Case::decode(&record.id, &record.body, &record.status)
        .map_err(|e| Error::Invalid(e.to_string()))
}

/// The latest account record of an account: (age band, age assurance).
fn account_facts(store: &dyn Store, account: &str) -> Result<Option<(String, String)>, Error> {
    let events = store.account_events(account)?;
    Ok(events.iter().rev().find_map(|e| match &e.event.body {
        EventBody::AccountCreated(a) | EventBody::AccountUpdated(a) => Some((
            a.age_band
                .map(|b| b.as_str().to_owned())
                .unwrap_or_else(|| "unknown".into()),
            wire(&a.age_assurance),
        )),
        _ => None,
    }))
}

fn media_file(event: &Event, matches: Vec<String>) -> Option<EvidenceFile> {
    let EventBody::Media(m) = &event.body else {
        return None;
    };
    let bytes = m
        .bytes_base64
        .as_deref()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    let sha256 = m
        .hashes
        .sha256
        .clone()
        .or_else(|| bytes.as_deref().map(crate::sha256_hex));
    Some(EvidenceFile {
        media_id: m.media.clone(),
        uploader: m.uploader.clone(),
        at: event.at,
        bytes,
        md5: m.hashes.md5.clone(),
        sha1: m.hashes.sha1.clone(),
        sha256,
        pdq: m.hashes.pdq.clone(),
        matches,
    })
}

/// Everything a referral of `case_id` is built from. `ip_events` are the
/// suspect's IP capture events, which the platform supplies (Lifeguard's events
/// carry no IP addresses).
pub fn referral_input(
    store: &dyn Store,
    case_id: &str,
    referral_id: Option<i64>,
    config: &ReferralsConfig,
    ip_events: Vec<IpCaptureEvent>,
) -> Result<ReferralInput, Error> {
    let case = case(store, case_id)?;
    let categories: Vec<String> = case.categories.iter().map(wire).collect();
    let behaviours: BTreeSet<Behaviour> =
        case.evidence.iter().filter_map(|e| e.behaviour).collect();
    // Behaviours by the message they were seen in (the evidence's event is the
    // message that completed the assessment; its message_id the one flagged).
    let mut flagged: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for e in &case.evidence {
        if let Some(b) = e.behaviour {
            let message = e.message_id.clone().unwrap_or_else(|| e.event.clone());
            let conversation = e.conversation.clone().unwrap_or_default();
            flagged
                .entry((conversation, message))
                .or_default()
                .insert(wire(&b));
        }
    }
    let first_evidence = case
        .evidence
        .iter()
        .map(|e| e.at)
        .min()
        .unwrap_or(case.opened_at);
    let youngest = case.children.values().min().copied();
    let escalate = if behaviours.contains(&Behaviour::MeetingRequest) {
        Some("A meeting with a child was proposed.".to_owned())
    } else if case.categories.contains(&CaseCategory::Sextortion)
        && youngest == Some(lifeguard_core::AgeBand::Under13)
    {
        Some("A child under 13 was threatened (sextortion).".to_owned())
    } else {
        None
    };
    let (suspect_band, _) =
        account_facts(store, &case.suspect)?.unwrap_or_else(|| ("unknown".into(), String::new()));
    let mut children = Vec::new();
    for (account, band) in &case.children {
        let assurance = account_facts(store, account)?.map(|(_, a)| a);
        children.push(Child {
            account: account.clone(),
            band: band.as_str().to_owned(),
            age_assurance: assurance,
        });
    }
    let mut lines = Vec::new();
    for conversation in &case.conversations {
        for stored in store.conversation_events(conversation, MAX_CONVERSATION_EVENTS)? {
            let e = &stored.event;
            let line = match &e.body {
                EventBody::Message(m) => {
                    let message_id = m.message_id.clone().unwrap_or_else(|| e.id.clone());
                    let key = (m.conversation.clone(), message_id.clone());
                    ChatLine {
                        conversation: m.conversation.clone(),
                        seq: m.seq,
                        sent_at: e.at,
                        sender: m.sender.clone(),
                        recipients: m.recipients.clone(),
                        kind: "message".into(),
                        text: m.text.clone(),
                        flagged: flagged
                            .get(&key)
                            .map(|s| s.iter().cloned().collect())
                            .unwrap_or_default(),
                        message_id,
                    }
                }
                EventBody::Media(m) => ChatLine {
                    conversation: m.conversation.clone().unwrap_or_default(),
                    seq: None,
                    message_id: m.media.clone(),
                    sent_at: e.at,
                    sender: m.uploader.clone(),
                    recipients: Vec::new(),
                    kind: "media".into(),
                    text: format!(
                        "[media {}{}]",
                        m.media,
                        m.hashes
                            .sha256
                            .as_deref()
                            .map(|h| format!(", sha256 {h}"))
                            .unwrap_or_default()
                    ),
                    flagged: Vec::new(),
                },
                _ => continue,
            };
            lines.push(line);
        }
    }
    // The incident began with the first flagged message, or the first evidence.
    let incident_at = lines
        .iter()
        .filter(|l| !l.flagged.is_empty())
        .filter_map(|l| l.sent_at)
        .chain(std::iter::once(first_evidence))
        .min()
        .unwrap_or(first_evidence);
    let mut media: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &case.evidence {
        if let Some(m) = &e.media {
            let detail = m
                .split_once(": ")
                .map(|(_, d)| d.to_owned())
                .unwrap_or_else(|| m.clone());
            media.entry(e.event.clone()).or_default().push(detail);
        }
    }
    let mut files = Vec::new();
    for (event_id, matches) in media {
        if let Some(event) = store.get(&event_id)? {
            files.extend(media_file(&event, matches));
        }
    }
    let files = distinct_file_names(files);
    Ok(ReferralInput {
        case_id: case.id.clone(),
        referral_id,
        categories,
        behaviours: behaviours.iter().map(wire).collect(),
        incident_at,
        escalate,
        reporter: Reporter {
            reporting_person: Person {
                first_name: Some(config.reporter_first_name.clone()),
                last_name: Some(config.reporter_last_name.clone()),
                phone: config.reporter_phone.clone(),
                email: Some(config.reporter_email.clone()),
            },
            contact_person: None,
            company_template: None,
            terms_of_service: config.terms_of_service.clone(),
        },
        service_name: config.service_name.clone(),
        suspect: Account {
            esp_identifier: Some(case.suspect.clone()),
            esp_service: Some(config.service_name.clone()),
            screen_name: Some(case.suspect.clone()),
            ip_capture_events: ip_events,
            ..Account::default()
        },
        suspect_band,
        children,
        conversations: case.conversations.iter().cloned().collect(),
        lines,
        files,
    })
}

/// Every event a preservation hold on this case keeps: the case's evidence,
/// every message and media item of its conversations, and the account records
/// of the suspect and the children.
pub fn case_event_ids(store: &dyn Store, case: &Case) -> Result<Vec<String>, Error> {
    let mut ids: BTreeSet<String> = case.evidence.iter().map(|e| e.event.clone()).collect();
    ids.insert(case.id.strip_prefix("case-").unwrap_or(&case.id).to_owned());
    for c in &case.conversations {
        ids.extend(
            store
                .conversation_events(c, MAX_CONVERSATION_EVENTS)?
                .into_iter()
                .map(|e| e.event.id),
        );
    }
    for account in std::iter::once(&case.suspect).chain(case.children.keys()) {
        ids.extend(
            store
                .account_events(account)?
                .into_iter()
                .map(|e| e.event.id),
        );
    }
    Ok(ids.into_iter().collect())
}

/// What opened a case: its opening event (`case-` + event id) when it is a
/// report (by a trusted flagger or a user), automated detection otherwise.
pub fn source_of(
    store: &dyn Store,
    case: &Case,
    trusted_flaggers: &[String],
) -> Result<Source, Error> {
    let opening = case.id.strip_prefix("case-").unwrap_or(&case.id);
    let reporter = match store.get(opening)? {
        Some(Event {
            body: EventBody::Relationship(r),
            ..
        }) if r.kind == RelationshipKind::Report => Some(r.from),
        Some(_) => None,
        // The opening event was purged: fall back on the categories.
        None if case
            .categories
            .iter()
            .all(|c| *c == CaseCategory::UserReport) =>
        {
            Some(String::new())
        }
        None => None,
    };
    Ok(match reporter {
        Some(r) if trusted_flaggers.contains(&r) => Source::TrustedFlagger,
        Some(_) => Source::UserReport,
        None => Source::AutomatedDetection,
    })
}

fn bank_of(detail: &str) -> Option<String> {
    let after = detail.split_once("bank ")?.1;
    Some(
        after
            .split_once(" (")
            .map(|(b, _)| b)
            .unwrap_or(after)
            .to_owned(),
    )
}

/// The transparency report's input for `[from, to)`.
pub fn transparency_input(
    store: &dyn Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    trusted_flaggers: &[String],
) -> Result<Input, Error> {
    let mut cases = Vec::new();
    let mut actions = BTreeMap::new();
    for record in store.cases_opened_between(from, to)? {
        let case = Case::decode(&record.id, &record.body, &record.status)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let state = store.case_state(&case.id)?;
        for a in store.actions(&case.id)? {
            actions.insert(
                a.id,
                ActionFacts {
                    id: a.id,
                    case_id: a.case_id,
                    action: a.action,
                    at: a.at,
                },
            );
        }
        cases.push(CaseFacts {
            category: wire(&case.primary_category()),
            source: source_of(store, &case, trusted_flaggers)?,
            opened_at: case.opened_at,
            first_viewed_at: state.first_viewed_at,
            first_action_at: state.first_action_at,
            bank_matches: case
                .evidence
                .iter()
                .filter_map(|e| e.media.as_deref().and_then(bank_of))
                .collect(),
            id: case.id,
        });
    }
    // Actions in the period on cases opened earlier.
    for a in store.actions_between(from, to)? {
        actions.insert(
            a.id,
            ActionFacts {
                id: a.id,
                case_id: a.case_id,
                action: a.action,
                at: a.at,
            },
        );
    }
    let referrals = store.referrals()?;
    Ok(Input {
        from,
        to,
        cases,
        actions: actions.into_values().collect(),
        referrals: referrals
            .into_iter()
            .map(|r| ReferralFacts {
                id: r.id,
                case_id: r.case_id,
                status: r.status,
                at: r.at,
            })
            .collect(),
    })
}

/// Every moderation decision recorded on cases opened in `[from, to)`, oldest
/// first, with what statements of reasons need.
pub fn decisions(
    store: &dyn Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    trusted_flaggers: &[String],
) -> Result<Vec<DecisionInput>, Error> {
    let mut out = Vec::new();
    for record in store.cases_opened_between(from, to)? {
        let case = Case::decode(&record.id, &record.body, &record.status)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let source = source_of(store, &case, trusted_flaggers)?;
        let has_media = case.evidence.iter().any(|e| e.media.is_some());
        for a in store.actions(&case.id)? {
            out.push(DecisionInput {
                action_id: a.id,
                action: a.action,
                category: a.category,
                source,
                has_media,
                suspect: a.suspect,
                moderator: a.username,
                reason: a.reason,
                opened_at: case.opened_at,
                at: a.at,
            });
        }
    }
    out.sort_by_key(|d| d.action_id);
    Ok(out)
}

/// One package entry per file name: the same file sent again (same media id,
/// same SHA-256) is one file with all its matches; different files whose ids
/// sanitise to the same name get `~2`, `~3`... so that no two collide.
fn distinct_file_names(
    files: Vec<crate::package::EvidenceFile>,
) -> Vec<crate::package::EvidenceFile> {
    let mut out: Vec<crate::package::EvidenceFile> = Vec::new();
    for mut f in files {
        if let Some(same) = out
            .iter_mut()
            .find(|o| o.media_id == f.media_id && o.sha256 == f.sha256)
        {
            for m in f.matches {
                if !same.matches.contains(&m) {
                    same.matches.push(m);
                }
            }
            continue;
        }
        let base = f.media_id.clone();
        let mut n = 1;
        while out.iter().any(|o| o.file_name() == f.file_name()) {
            n += 1;
            f.media_id = format!("{base}~{n}");
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod distinct_names_tests {
    use super::distinct_file_names;
    use crate::package::EvidenceFile;

    fn file(id: &str, sha: &str, m: &str) -> EvidenceFile {
        EvidenceFile {
            media_id: id.into(),
            uploader: "u".into(),
            at: None,
            bytes: None,
            md5: None,
            sha1: None,
            sha256: Some(sha.into()),
            pdq: None,
            matches: vec![m.into()],
        }
    }

    #[test]
    fn resent_files_merge_and_colliding_names_are_told_apart() {
        let out = distinct_file_names(vec![
            file("img/1", "aa", "bank A"),
            file("img/1", "aa", "bank B"),
            file("img:1", "bb", "bank A"),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].matches, ["bank A", "bank B"]);
        assert_ne!(out[0].file_name(), out[1].file_name());
    }
}
