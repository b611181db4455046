//! A conversation as CSV for law enforcement: one row per message or media item,
//! in order, with the behaviours the detector flagged. Values are written as
//! they are (quoted per RFC 4180), never altered: this is evidence.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::Error;

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    /// The conversation.
    pub conversation: String,
    /// The message's position, if the platform gave one.
    pub seq: Option<u64>,
    /// The platform's message or media id.
    pub message_id: String,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Who sent it.
    pub sender: String,
    /// Who received it.
    pub recipients: Vec<String>,
    /// `message` or `media`.
    pub kind: String,
    /// The text (a message), or a description (media: id and hashes).
    pub text: String,
    /// Behaviours the detector flagged in it (wire names).
    pub flagged: Vec<String>,
}

/// The CSV's header row.
pub const HEADER: [&str; 9] = [
    "conversation",
    "seq",
    "message_id",
    "sent_at",
    "sender",
    "recipients",
    "kind",
    "text",
    "flagged_behaviours",
];

/// The conversation as CSV (UTF-8, header row, CRLF line ends).
pub fn to_csv(lines: &[ChatLine]) -> Result<Vec<u8>, Error> {
    let err = |e: csv::Error| Error::Invalid(e.to_string());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(HEADER).map_err(err)?;
    for l in lines {
        w.write_record([
            l.conversation.as_str(),
            &l.seq.map(|s| s.to_string()).unwrap_or_default(),
            &l.message_id,
            &l.sent_at
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                .unwrap_or_default(),
            &l.sender,
            &l.recipients.join(";"),
            &l.kind,
            &l.text,
            &l.flagged.join(";"),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_commas_quotes_and_newlines_and_reads_back() {
        let line = ChatLine {
            conversation: "dm-1".into(),
            seq: Some(3),
            message_id: "m3".into(),
            sent_at: Some("2026-11-21T19:00:00Z".parse().unwrap()),
            sender: "rex".into(),
            recipients: vec!["sam".into(), "kid".into()],
            kind: "message".into(),
            text: "don't tell your mum, \"ok\"\nadd me on snap".into(),
            flagged: vec!["secrecy".into(), "platform_move".into()],
        };
        let csv_bytes = to_csv(std::slice::from_ref(&line)).unwrap();
        let mut r = csv::Reader::from_reader(&csv_bytes[..]);
        assert_eq!(
            r.headers().unwrap(),
            &csv::StringRecord::from(HEADER.to_vec())
        );
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(&rec[7], line.text);
        assert_eq!(&rec[5], "sam;kid");
        assert_eq!(&rec[3], "2026-11-21T19:00:00Z");
    }
}
