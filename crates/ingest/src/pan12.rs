use std::io::BufRead;

use lifeguard_core::{Event, EventBody, Message};
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;

use crate::{ReadError, ReadErrorKind, Record};

/// Reads the PAN 2012 Sexual Predator Identification XML format:
///
/// ```xml
/// <conversations>
///   <conversation id="...">
///     <message line="1"><author>...</author><time>20:48</time><text>hey</text></message>
/// ```
///
/// Each message becomes a message event with id `CONVERSATION#SEQ`, where `seq` is
/// `line - 1` (0-based, as in the JSONL corpora). Empty `<text/>` elements, which the
/// corpus has, become empty messages. A conversation id that appears again later in
/// the file (the real corpus repeats a few) is read as `ID~2`, `ID~3`, ...
pub struct Pan12Reader<R> {
    xml: Reader<R>,
    name: String,
    buf: Vec<u8>,
    conversation: Option<String>,
    /// How often each conversation id was seen: the real PAN12 corpus repeats some.
    seen: std::collections::HashMap<String, u32>,
    done: bool,
}

#[derive(Default)]
struct Draft {
    line: Option<u64>,
    author: Option<String>,
    time: Option<String>,
    text: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Author,
    Time,
    Text,
}

impl<R: BufRead> Pan12Reader<R> {
    /// A reader over `input`; `name` is used in error messages.
    pub fn new(input: R, name: impl Into<String>) -> Self {
        let mut xml = Reader::from_reader(input);
        xml.config_mut().trim_text(false);
        Pan12Reader {
            xml,
            name: name.into(),
            buf: Vec::new(),
            conversation: None,
            seen: std::collections::HashMap::new(),
            done: false,
        }
    }

    fn error(&self, what: impl Into<String>) -> ReadError {
        xml_error(&self.name, self.xml.buffer_position(), what)
    }

    fn read_message(&mut self, line: Option<u64>) -> Result<Record, ReadError> {
        let mut draft = Draft {
            line,
            ..Draft::default()
        };
        let mut field: Option<Field> = None;
        loop {
            self.buf.clear();
            let (name, xml) = (&self.name, &mut self.xml);
            let event = xml.read_event_into(&mut self.buf);
            let position = xml.buffer_position();
            let fail = |what: String| xml_error(name, position, what);
            let event = event.map_err(|e| fail(e.to_string()))?;
            match event {
                XmlEvent::Start(e) => {
                    field = match e.name().as_ref() {
                        b"author" => Some(Field::Author),
                        b"time" => Some(Field::Time),
                        b"text" => Some(Field::Text),
                        other => {
                            return Err(fail(format!(
                                "unexpected <{}> in <message>",
                                String::from_utf8_lossy(other)
                            )))
                        }
                    };
                }
                XmlEvent::Empty(e) if e.name().as_ref() == b"text" => {
                    draft.text.get_or_insert_with(String::new);
                }
                XmlEvent::Text(t) => {
                    let value = t.unescape().map_err(|e| fail(e.to_string()))?;
                    append(&mut draft, field, &value);
                }
                XmlEvent::CData(t) => {
                    let value = String::from_utf8_lossy(&t).into_owned();
                    append(&mut draft, field, &value);
                }
                XmlEvent::End(e) => match e.name().as_ref() {
                    b"message" => break,
                    b"text" => {
                        draft.text.get_or_insert_with(String::new);
                        field = None;
                    }
                    _ => field = None,
                },
                XmlEvent::Eof => return Err(fail("file ends inside <message>".into())),
                _ => {}
            }
        }
        let conversation = self
            .conversation
            .clone()
            .ok_or_else(|| self.error("<message> outside <conversation>"))?;
        let line = draft
            .line
            .ok_or_else(|| self.error("<message> without a numeric line attribute"))?;
        let author = draft.author.map(|a| a.trim().to_owned()).ok_or_else(|| {
            self.error(format!("message {line} of {conversation} has no <author>"))
        })?;
        let seq = line.saturating_sub(1);
        let id = format!("{conversation}#{seq}");
        let event = Event {
            id: id.clone(),
            at: None,
            body: EventBody::Message(Message {
                message_id: Some(id),
                conversation,
                sender: author,
                recipients: Vec::new(),
                text: draft.text.unwrap_or_default(),
                seq: Some(seq),
                local_time: draft.time.map(|t| t.trim().to_owned()),
                attachments: Vec::new(),
            }),
        };
        event.validate().map_err(|e| ReadError {
            file: self.name.clone(),
            line,
            kind: ReadErrorKind::Invalid(e),
        })?;
        Ok(Record {
            event,
            line,
            source: None,
        })
    }

    fn next_record(&mut self) -> Result<Option<Record>, ReadError> {
        loop {
            self.buf.clear();
            let (name, xml) = (&self.name, &mut self.xml);
            let event = xml.read_event_into(&mut self.buf);
            let position = xml.buffer_position();
            let fail = |what: String| xml_error(name, position, what);
            let event = event.map_err(|e| fail(e.to_string()))?;
            match event {
                XmlEvent::Start(e) | XmlEvent::Empty(e) if e.name().as_ref() == b"conversation" => {
                    let id = attribute(&e, b"id", fail)?
                        .ok_or_else(|| fail("<conversation> without an id".into()))?;
                    // A repeated id (the PAN12 corpus has some) becomes `ID~2`, `ID~3`,
                    // so that its messages are not taken for duplicates of the first.
                    let n = self.seen.entry(id.clone()).or_insert(0);
                    *n += 1;
                    self.conversation = Some(if *n == 1 { id } else { format!("{id}~{n}") });
                }
                XmlEvent::Start(e) if e.name().as_ref() == b"message" => {
                    let line =
                        attribute(&e, b"line", fail)?.and_then(|l| l.trim().parse::<u64>().ok());
                    return self.read_message(line).map(Some);
                }
                XmlEvent::End(e) if e.name().as_ref() == b"conversation" => {
                    self.conversation = None;
                }
                XmlEvent::Eof => return Ok(None),
                _ => {}
            }
        }
    }
}

fn xml_error(name: &str, position: u64, what: impl Into<String>) -> ReadError {
    ReadError {
        file: name.to_owned(),
        line: 0,
        kind: ReadErrorKind::Xml(format!("{} (near byte {position})", what.into())),
    }
}

fn attribute(
    e: &quick_xml::events::BytesStart,
    key: &[u8],
    fail: impl Fn(String) -> ReadError,
) -> Result<Option<String>, ReadError> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| fail(err.to_string()))?;
        if attr.key.as_ref() == key {
            let value = attr.unescape_value().map_err(|err| fail(err.to_string()))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn append(draft: &mut Draft, field: Option<Field>, value: &str) {
    let slot = match field {
        Some(Field::Author) => &mut draft.author,
        Some(Field::Time) => &mut draft.time,
        Some(Field::Text) => &mut draft.text,
        None => return,
    };
    slot.get_or_insert_with(String::new).push_str(value);
}

impl<R: BufRead> Iterator for Pan12Reader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                if !e.is_recoverable() {
                    self.done = true;
                }
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_messages_with_entities_and_empty_text() {
        let xml = r#"<conversations>
  <conversation id="c1">
    <message line="1"><author>a</author><time>20:48</time><text>hey &amp; hi</text></message>
    <message line="2"><author>b</author><time>20:49</time><text/></message>
  </conversation>
  <conversation id="c2">
    <message line="1"><author>c</author><time>01:00</time><text></text></message>
  </conversation>
  <conversation id="c2">
    <message line="1"><author>c</author><time>01:00</time><text>again</text></message>
  </conversation>
</conversations>"#;
        let recs: Vec<Record> = Pan12Reader::new(xml.as_bytes(), "t.xml")
            .map(Result::unwrap)
            .collect();
        assert_eq!(recs.len(), 4);
        let m0 = recs[0].event.as_message().unwrap();
        assert_eq!(
            (
                m0.conversation.as_str(),
                m0.sender.as_str(),
                m0.text.as_str()
            ),
            ("c1", "a", "hey & hi")
        );
        assert_eq!(m0.seq, Some(0));
        assert_eq!(recs[1].event.as_message().unwrap().text, "");
        assert_eq!(recs[2].event.id, "c2#0");
        assert_eq!(recs[3].event.id, "c2~2#0");
    }

    #[test]
    fn broken_xml_is_an_error_naming_the_problem() {
        let xml =
            "<conversations><conversation id=\"c\"><message line=\"1\"><author>a</author><text>x";
        let recs: Vec<_> = Pan12Reader::new(xml.as_bytes(), "bad.xml").collect();
        let err = recs.last().unwrap().as_ref().unwrap_err().to_string();
        assert!(err.starts_with("bad.xml:0: invalid PAN12 XML"), "{err}");
        let xml =
            "<conversations><conversation id=\"c\"><message line=\"1\"><text>x</text></message>";
        let err = Pan12Reader::new(xml.as_bytes(), "bad.xml")
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(err.contains("no <author>"), "{err}");
    }
}
