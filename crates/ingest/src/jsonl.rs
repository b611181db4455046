use std::collections::HashMap;
use std::io::{BufRead, Read};

use lifeguard_core::{Event, EventBody, Message};
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::{ReadError, ReadErrorKind, Record};

/// Longest line accepted, in bytes: room for a media event carrying a large image
/// as base64, while a runaway line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 32 * 1024 * 1024;

/// Reads JSON lines: full envelopes (with `type`), or bare message lines
/// `{"conversation", "author", "text", "seq"?, "time"?, "source"?}` as found in the
/// research corpora. Blank lines are skipped. A bare line without `seq` gets the
/// next position in its conversation.
pub struct JsonlReader<R> {
    input: R,
    name: String,
    line: u64,
    buf: Vec<u8>,
    next_seq: HashMap<String, u64>,
    done: bool,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "type", default)]
    kind: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BareMessage {
    #[serde(default)]
    id: Option<String>,
    conversation: String,
    #[serde(alias = "sender")]
    author: String,
    text: String,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

impl<R: BufRead> JsonlReader<R> {
    /// A reader over `input`; `name` is used in error messages.
    pub fn new(input: R, name: impl Into<String>) -> Self {
        JsonlReader {
            input,
            name: name.into(),
            line: 0,
            buf: Vec::with_capacity(4096),
            next_seq: HashMap::new(),
            done: false,
        }
    }

    fn error(&self, kind: ReadErrorKind) -> ReadError {
        ReadError {
            file: self.name.clone(),
            line: self.line,
            kind,
        }
    }

    /// Reads the next line into `self.buf`; Ok(false) at the end.
    fn next_line(&mut self) -> Result<bool, ReadError> {
        self.buf.clear();
        self.line += 1;
        let limit = MAX_LINE_BYTES as u64 + 1;
        let read = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf);
        let n = read.map_err(|e| self.error(ReadErrorKind::Io(e)))?;
        if n == 0 {
            return Ok(false);
        }
        if self.buf.len() > MAX_LINE_BYTES && !self.buf.ends_with(b"\n") {
            // Skip the rest of the runaway line so that reading can go on.
            loop {
                let chunk = match self.input.fill_buf() {
                    Ok(chunk) => chunk,
                    Err(e) => {
                        return Err(ReadError {
                            file: self.name.clone(),
                            line: self.line,
                            kind: ReadErrorKind::Io(e),
                        })
                    }
                };
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.input.consume(i + 1);
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        self.input.consume(len);
                    }
                }
            }
            return Err(self.error(ReadErrorKind::LineTooLong(MAX_LINE_BYTES)));
        }
        Ok(true)
    }

    fn parse(&mut self) -> Result<Record, ReadError> {
        let text =
            std::str::from_utf8(&self.buf).map_err(|_| self.error(ReadErrorKind::NotUtf8))?;
        let text = text.trim_end_matches(['\n', '\r']);
        let probe: Probe = serde_json::from_str(text)
            .map_err(|e| self.error(ReadErrorKind::Json(e.to_string())))?;
        let (event, source) = if probe.kind.is_some() {
            let event: Event = serde_json::from_str(text)
                .map_err(|e| self.error(ReadErrorKind::Json(e.to_string())))?;
            (event, None)
        } else {
            let bare: BareMessage = serde_json::from_str(text).map_err(|e| {
                self.error(ReadErrorKind::Json(format!(
                    "{e} (a line without \"type\" must be a bare message: conversation, author, text, seq?, time?)"
                )))
            })?;
            let seq = match bare.seq {
                Some(seq) => {
                    self.next_seq.insert(bare.conversation.clone(), seq + 1);
                    seq
                }
                None => {
                    let next = self.next_seq.entry(bare.conversation.clone()).or_insert(0);
                    let seq = *next;
                    *next += 1;
                    seq
                }
            };
            let id = bare
                .id
                .unwrap_or_else(|| format!("{}#{}", bare.conversation, seq));
            let event = Event {
                id: id.clone(),
                at: None,
                body: EventBody::Message(Message {
                    message_id: Some(id),
                    conversation: bare.conversation,
                    sender: bare.author,
                    recipients: Vec::new(),
                    text: bare.text,
                    seq: Some(seq),
                    local_time: bare.time,
                    attachments: Vec::new(),
                }),
            };
            (event, bare.source)
        };
        event
            .validate()
            .map_err(|e| self.error(ReadErrorKind::Invalid(e)))?;
        Ok(Record {
            event,
            line: self.line,
            source,
        })
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.next_line() {
                Ok(false) => self.done = true,
                Ok(true) => {
                    if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    return Some(self.parse());
                }
                Err(e) => {
                    if !e.is_recoverable() {
                        self.done = true;
                    }
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &str) -> Vec<Result<Record, ReadError>> {
        JsonlReader::new(data.as_bytes(), "test.jsonl").collect()
    }

    #[test]
    fn bare_lines_become_message_events() {
        let recs = read(concat!(
            "{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"hi\",\"seq\":0,\"time\":\"14:40\",\"source\":\"nps-chat\"}\n",
            "\n",
            "{\"conversation\":\"c\",\"author\":\"b\",\"text\":\"yo\"}\n",
        ));
        assert_eq!(recs.len(), 2);
        let first = recs[0].as_ref().unwrap();
        assert_eq!(first.event.id, "c#0");
        assert_eq!(first.source.as_deref(), Some("nps-chat"));
        let m = first.event.as_message().unwrap();
        assert_eq!(m.local_time.as_deref(), Some("14:40"));
        let second = recs[1].as_ref().unwrap();
        assert_eq!(second.line, 3);
        assert_eq!(second.event.as_message().unwrap().seq, Some(1));
    }

    #[test]
    fn envelopes_are_read_as_events() {
        let recs = read("{\"id\":\"e1\",\"type\":\"relationship\",\"kind\":\"block\",\"from\":\"a\",\"to\":\"b\"}\n");
        assert_eq!(
            recs[0].as_ref().unwrap().event.body.type_name(),
            "relationship"
        );
    }

    #[test]
    fn errors_name_file_line_and_cause_and_reading_goes_on() {
        let recs = read(concat!(
            "{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"ok\"}\n",
            "{not json\n",
            "{\"conversation\":\"c\",\"text\":\"no author\"}\n",
            "{\"id\":\"e\",\"type\":\"message\",\"conversation\":\"\",\"sender\":\"a\",\"text\":\"x\"}\n",
            "[1,2]\n",
            "{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"still read\"}",
        ));
        let errors: Vec<String> = recs
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
            .collect();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            errors[0].starts_with("test.jsonl:2: invalid JSON"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("test.jsonl:3:") && errors[1].contains("author"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("test.jsonl:4: invalid event")
                && errors[2].contains("conversation"),
            "{}",
            errors[2]
        );
        assert!(errors[3].starts_with("test.jsonl:5:"), "{}", errors[3]);
        let last = recs.last().unwrap().as_ref().unwrap();
        assert_eq!(last.event.as_message().unwrap().text, "still read");
        assert_eq!(last.line, 6);
    }

    #[test]
    fn invalid_utf8_and_hostile_lines_do_not_panic() {
        let mut data =
            b"{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"\xff\xfe\"}\n".to_vec();
        data.extend_from_slice(b"{\"conversation\":\"c\",\"author\":\"a\",\"text\":\"\\ud800\"}\n");
        data.extend_from_slice(&[b'['; 100_000]);
        data.push(b'\n');
        let recs: Vec<_> = JsonlReader::new(&data[..], "x").collect();
        assert_eq!(recs.len(), 3);
        assert!(matches!(
            recs[0].as_ref().unwrap_err().kind,
            ReadErrorKind::NotUtf8
        ));
        assert!(recs[1].is_err());
        assert!(recs[2].is_err());
    }
}
