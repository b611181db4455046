use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AgeAssurance, AgeBand};

/// Longest accepted id (event, account, conversation, message, media), in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest accepted message text, in bytes. Longer texts are rejected, not cut,
/// so that what is stored is what was sent.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// One thing a platform tells Lifeguard: the JSON envelope.
///
/// Every event has an `id` chosen by the platform; ingest is idempotent by that id.
/// `type` selects the body, whose fields sit beside `id` and `at`:
///
/// ```json
/// {"id": "e-17", "at": "2026-11-23T10:00:00Z", "type": "message",
///  "message_id": "m-9", "conversation": "c-1", "sender": "u-2", "recipients": ["u-3"], "text": "hi"}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    /// The platform's unique id for this event.
    pub id: String,
    /// When it happened, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// What happened.
    #[serde(flatten)]
    pub body: EventBody,
}

/// The body of an [`Event`], selected by its `type` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A new account.
    AccountCreated(Account),
    /// A change to an account (age band, assurance, country).
    AccountUpdated(Account),
    /// Follow, friend request, accept, reject, block, report.
    Relationship(Relationship),
    /// A chat message.
    Message(Message),
    /// An image or other media item, as bytes or precomputed hashes.
    Media(Media),
}

impl EventBody {
    /// The wire name of the body's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventBody::AccountCreated(_) => "account_created",
            EventBody::AccountUpdated(_) => "account_updated",
            EventBody::Relationship(_) => "relationship",
            EventBody::Message(_) => "message",
            EventBody::Media(_) => "media",
        }
    }
}

/// An account and what the platform knows of its owner's age.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Account {
    /// The platform's account id.
    pub account: String,
    /// Age band; derived from `birth_year` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
    /// Declared year of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<i32>,
    /// How the age is known.
    #[serde(default)]
    pub age_assurance: AgeAssurance,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// When the account was created on the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
}

impl Account {
    /// The band to act on: the declared band, else one derived from the birth year
    /// as seen in `current_year`, else unknown.
    pub fn effective_band(&self, current_year: i32) -> AgeBand {
        match (self.age_band, self.birth_year) {
            (Some(band), _) => band,
            (None, Some(year)) => AgeBand::from_birth_year(year, current_year),
            (None, None) => AgeBand::Unknown,
        }
    }
}

/// What one account did to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// One-way follow.
    Follow,
    /// Undo a follow.
    Unfollow,
    /// Friend or connection request.
    FriendRequest,
    /// `from` accepted `to`'s request.
    Accept,
    /// `from` rejected `to`'s request.
    Reject,
    /// `from` blocked `to`.
    Block,
    /// `from` unblocked `to`.
    Unblock,
    /// `from` reported `to`.
    Report,
}

/// A relationship event between two accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Relationship {
    /// What happened.
    pub kind: RelationshipKind,
    /// Who acted.
    pub from: String,
    /// Who it was done to.
    pub to: String,
    /// The report reason, for `report`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The conversation a report or block was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Message {
    /// The platform's message id; defaults to the event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The conversation it belongs to.
    pub conversation: String,
    /// Its author (`author` is accepted as an alias).
    #[serde(alias = "author")]
    pub sender: String,
    /// Who received it; empty when the platform does not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// The text, as sent.
    pub text: String,
    /// Its 0-based position in the conversation, where the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// A time of day as the source wrote it, where it gave no full timestamp
    /// (the research corpora's `"time": "14:40"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
    /// Ids of media events attached to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

/// Hashes of a media item computed by the platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediaHashes {
    /// PDQ, 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// MD5, 32 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-1, 40 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    /// SHA-256, 64 hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl MediaHashes {
    fn is_empty(&self) -> bool {
        self.pdq.is_none() && self.md5.is_none() && self.sha1.is_none() && self.sha256.is_none()
    }
}

/// An image or other media item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Media {
    /// The platform's media id.
    pub media: String,
    /// Who uploaded it.
    pub uploader: String,
    /// The conversation it was shared in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// The file's bytes, base64 (standard alphabet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_base64: Option<String>,
    /// Hashes the platform computed itself.
    #[serde(default, skip_serializing_if = "MediaHashes::is_empty")]
    pub hashes: MediaHashes,
}

/// Why an event was refused. Each variant names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidEvent {
    /// A required id is empty.
    #[error("field `{field}` is empty")]
    EmptyField {
        /// The field.
        field: &'static str,
    },
    /// An id or text is longer than allowed.
    #[error("field `{field}` is {len} bytes, more than the limit of {max}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A hash is not hex of the right length.
    #[error("field `hashes.{field}` must be {digits} hex digits")]
    BadHash {
        /// The hash type.
        field: &'static str,
        /// The expected number of hex digits.
        digits: usize,
    },
    /// A media event carries neither bytes nor hashes.
    #[error("media event has neither `bytes_base64` nor `hashes`")]
    NoMediaContent,
    /// A relationship from an account to itself.
    #[error("relationship `from` and `to` are the same account")]
    SelfRelationship,
    /// A birth year outside any plausible range.
    #[error("field `birth_year` is {0}, outside 1900-2100")]
    BadBirthYear(i32),
}

fn check_id(field: &'static str, value: &str) -> Result<(), InvalidEvent> {
    if value.trim().is_empty() {
        return Err(InvalidEvent::EmptyField { field });
    }
    if value.len() > MAX_ID_BYTES {
        return Err(InvalidEvent::TooLong {
            field,
            len: value.len(),
            max: MAX_ID_BYTES,
        });
    }
    Ok(())
}

fn check_hash(
    field: &'static str,
    value: &Option<String>,
    digits: usize,
) -> Result<(), InvalidEvent> {
    match value {
        Some(v) if v.len() != digits || !v.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Err(InvalidEvent::BadHash { field, digits })
        }
        _ => Ok(()),
    }
}

impl Event {
    /// Checks what serde cannot: non-empty ids, length limits, hash formats.
    pub fn validate(&self) -> Result<(), InvalidEvent> {
        check_id("id", &self.id)?;
        match &self.body {
            EventBody::AccountCreated(a) | EventBody::AccountUpdated(a) => {
                check_id("account", &a.account)?;
                if let Some(year) = a.birth_year {
                    if !(1900..=2100).contains(&year) {
                        return Err(InvalidEvent::BadBirthYear(year));
                    }
                }
            }
            EventBody::Relationship(r) => {
                check_id("from", &r.from)?;
                check_id("to", &r.to)?;
                if r.from == r.to {
                    return Err(InvalidEvent::SelfRelationship);
                }
            }
            EventBody::Message(m) => {
                check_id("conversation", &m.conversation)?;
                check_id("sender", &m.sender)?;
                if let Some(id) = &m.message_id {
                    check_id("message_id", id)?;
                }
                for r in &m.recipients {
                    check_id("recipients", r)?;
                }
                if m.text.len() > MAX_TEXT_BYTES {
                    return Err(InvalidEvent::TooLong {
                        field: "text",
                        len: m.text.len(),
                        max: MAX_TEXT_BYTES,
                    });
                }
            }
            EventBody::Media(m) => {
                check_id("media", &m.media)?;
                check_id("uploader", &m.uploader)?;
                check_hash("pdq", &m.hashes.pdq, 64)?;
                check_hash("md5", &m.hashes.md5, 32)?;
                check_hash("sha1", &m.hashes.sha1, 40)?;
                check_hash("sha256", &m.hashes.sha256, 64)?;
                if m.bytes_base64.is_none() && m.hashes.is_empty() {
                    return Err(InvalidEvent::NoMediaContent);
                }
            }
        }
        Ok(())
    }

    /// The message body, if this is a message.
    pub fn as_message(&self) -> Option<&Message> {
        match &self.body {
            EventBody::Message(m) => Some(m),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Event {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn every_type_parses_and_round_trips() {
        let lines = [
            r#"{"id":"e1","at":"2026-11-23T10:00:00Z","type":"account_created","account":"u1","age_band":"13_15","age_assurance":"self_declared","country":"GB","created_at":"2026-01-01T00:00:00Z"}"#,
            r#"{"id":"e2","type":"account_updated","account":"u1","birth_year":2012}"#,
            r#"{"id":"e3","type":"relationship","kind":"friend_request","from":"u2","to":"u1"}"#,
            r#"{"id":"e4","type":"message","message_id":"m1","conversation":"c1","sender":"u2","recipients":["u1"],"text":"hi","attachments":["p1"]}"#,
            r#"{"id":"e5","type":"media","media":"p1","uploader":"u2","hashes":{"md5":"d41d8cd98f00b204e9800998ecf8427e"}}"#,
        ];
        for line in lines {
            let event = parse(line);
            event.validate().unwrap();
            let again: Event =
                serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
            assert_eq!(again, event);
        }
    }

    #[test]
    fn author_is_an_alias_of_sender() {
        let e = parse(r#"{"id":"e","type":"message","conversation":"c","author":"a","text":"x"}"#);
        assert_eq!(e.as_message().unwrap().sender, "a");
    }

    #[test]
    fn validation_names_the_field() {
        let cases = [
            (
                r#"{"id":" ","type":"message","conversation":"c","sender":"a","text":"x"}"#,
                "`id` is empty",
            ),
            (
                r#"{"id":"e","type":"message","conversation":"","sender":"a","text":"x"}"#,
                "`conversation` is empty",
            ),
            (
                r#"{"id":"e","type":"relationship","kind":"block","from":"a","to":"a"}"#,
                "same account",
            ),
            (
                r#"{"id":"e","type":"media","media":"m","uploader":"u"}"#,
                "neither",
            ),
            (
                r#"{"id":"e","type":"media","media":"m","uploader":"u","hashes":{"pdq":"abc"}}"#,
                "hashes.pdq",
            ),
            (
                r#"{"id":"e","type":"account_created","account":"u","birth_year":1066}"#,
                "birth_year",
            ),
        ];
        for (json, expected) in cases {
            let err = parse(json).validate().unwrap_err().to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
        let long = "x".repeat(MAX_TEXT_BYTES + 1);
        let e = Event {
            id: "e".into(),
            at: None,
            body: EventBody::Message(Message {
                message_id: None,
                conversation: "c".into(),
                sender: "a".into(),
                recipients: vec![],
                text: long,
                seq: None,
                local_time: None,
                attachments: vec![],
            }),
        };
        assert!(e.validate().unwrap_err().to_string().contains("`text`"));
    }

    #[test]
    fn unknown_type_is_an_error() {
        let err = serde_json::from_str::<Event>(r#"{"id":"e","type":"poke"}"#).unwrap_err();
        assert!(err.to_string().contains("poke"), "{err}");
    }

    #[test]
    fn effective_band_prefers_declared_band() {
        let a = Account {
            account: "u".into(),
            age_band: None,
            birth_year: Some(2012),
            age_assurance: AgeAssurance::SelfDeclared,
            country: None,
            created_at: None,
        };
        assert_eq!(a.effective_band(2026), AgeBand::Age13To15);
        let b = Account {
            age_band: Some(AgeBand::Adult),
            ..a
        };
        assert_eq!(b.effective_band(2026), AgeBand::Adult);
    }
}
