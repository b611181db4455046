//! The CyberTipline report XML (NCMEC's Reporting API): a typed model, a writer
//! that puts elements in the schema's order and escapes every value, and a small
//! parser that reads the XML back (for round-trip tests and the mock server).
//!
//! Element names and their order follow NCMEC's published Reporting API
//! documentation for the elements Lifeguard fills; see `docs/referrals.md` for
//! which parts are approximations (the `victim` and `intendedRecipient` content,
//! the age-band note).

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

use crate::Error;

/// The incident types the CyberTipline accepts (`incidentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncidentType {
    /// Apparent child sexual abuse material (the statute's wording).
    ChildPornography,
    /// Child sex trafficking.
    ChildSexTrafficking,
    /// Child sex tourism.
    ChildSexTourism,
    /// Child sexual molestation.
    ChildSexualMolestation,
    /// A misleading domain name.
    MisleadingDomainName,
    /// Misleading words or digital images on the internet.
    MisleadingWordsOrImages,
    /// Online enticement of children for sexual acts (grooming, sextortion).
    OnlineEnticement,
    /// Unsolicited obscene material sent to a child.
    UnsolicitedObsceneMaterial,
}

impl IncidentType {
    /// Every type.
    pub const ALL: [IncidentType; 8] = [
        IncidentType::ChildPornography,
        IncidentType::ChildSexTrafficking,
        IncidentType::ChildSexTourism,
        IncidentType::ChildSexualMolestation,
        IncidentType::MisleadingDomainName,
        IncidentType::MisleadingWordsOrImages,
        IncidentType::OnlineEnticement,
        IncidentType::UnsolicitedObsceneMaterial,
    ];

    /// The value written in `incidentType`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentType::ChildPornography => {
                "Child Pornography (possession, manufacture, and distribution)"
            }
            IncidentType::ChildSexTrafficking => "Child Sex Trafficking",
            IncidentType::ChildSexTourism => "Child Sex Tourism",
            IncidentType::ChildSexualMolestation => "Child Sexual Molestation",
            IncidentType::MisleadingDomainName => "Misleading Domain Name",
            IncidentType::MisleadingWordsOrImages => {
                "Misleading Words or Digital Images on the Internet"
            }
            IncidentType::OnlineEnticement => "Online Enticement of Children for Sexual Acts",
            IncidentType::UnsolicitedObsceneMaterial => {
                "Unsolicited Obscene Material Sent to a Child"
            }
        }
    }

    /// The type written as `value`.
    pub fn parse(value: &str) -> Option<IncidentType> {
        IncidentType::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// Tags on a report (`reportAnnotations`, written as empty elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportAnnotation {
    /// Sextortion.
    Sextortion,
    /// Solicitation of abuse material from a child.
    CsamSolicitation,
    /// An interaction between minors.
    MinorToMinorInteraction,
    /// Spam.
    Spam,
}

impl ReportAnnotation {
    /// Every annotation.
    pub const ALL: [ReportAnnotation; 4] = [
        ReportAnnotation::Sextortion,
        ReportAnnotation::CsamSolicitation,
        ReportAnnotation::MinorToMinorInteraction,
        ReportAnnotation::Spam,
    ];

    /// The element name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportAnnotation::Sextortion => "sextortion",
            ReportAnnotation::CsamSolicitation => "csamSolicitation",
            ReportAnnotation::MinorToMinorInteraction => "minorToMinorInteraction",
            ReportAnnotation::Spam => "spam",
        }
    }

    /// The annotation with this element name.
    pub fn parse(name: &str) -> Option<ReportAnnotation> {
        ReportAnnotation::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// `incidentSummary`.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSummary {
    /// What kind of incident.
    pub incident_type: IncidentType,
    /// A reason to escalate (imminent risk to a child); escalates the report.
    pub escalate_to_high_priority: Option<String>,
    /// Tags.
    pub annotations: Vec<ReportAnnotation>,
    /// When it happened.
    pub incident_date_time: DateTime<Utc>,
    /// Notes on that time.
    pub incident_date_time_description: Option<String>,
}

/// `internetDetails/chatImIncident`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatImIncident {
    /// The chat product.
    pub chat_client: Option<String>,
    /// The conversation's id.
    pub chat_room_name: Option<String>,
    /// What happened, in words (a summary, not the chat).
    pub content: Option<String>,
    /// More.
    pub additional_info: Option<String>,
}

/// A person's name and contact (`reportingPerson`, `contactPerson`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// `reporter`: the platform.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reporter {
    /// Who files the report.
    pub reporting_person: Person,
    /// Who NCMEC contacts, if not the reporting person.
    pub contact_person: Option<Person>,
    /// The platform's report template name, if NCMEC assigned one.
    pub company_template: Option<String>,
    /// The terms of service the conduct breaches (URL or text).
    pub terms_of_service: Option<String>,
}

/// `ipCaptureEvent`.
#[derive(Debug, Clone, PartialEq)]
pub struct IpCaptureEvent {
    /// The address.
    pub ip_address: String,
    /// `Login`, `Registration`, `Upload`, `Purchase`, `Other`...
    pub event_name: Option<String>,
    /// When.
    pub date_time: Option<DateTime<Utc>>,
}

/// An account on the platform: the reported user, a victim or an intended
/// recipient.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Account {
    /// The platform's account id.
    pub esp_identifier: Option<String>,
    /// The platform's service name.
    pub esp_service: Option<String>,
    /// Screen name.
    pub screen_name: Option<String>,
    /// Display names.
    pub display_names: Vec<String>,
    /// Profile URLs.
    pub profile_urls: Vec<String>,
    /// IP capture events (reported user only).
    pub ip_capture_events: Vec<IpCaptureEvent>,
    /// More (for a child: the age band and how it was established).
    pub additional_info: Option<String>,
}

/// A CyberTipline `<report>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// General information.
    pub incident_summary: IncidentSummary,
    /// Chat incidents, one `internetDetails` each.
    pub chat_incidents: Vec<ChatImIncident>,
    /// The platform.
    pub reporter: Reporter,
    /// The suspect.
    pub person_or_user_reported: Option<Account>,
    /// Children who received content.
    pub intended_recipients: Vec<Account>,
    /// Children harmed.
    pub victims: Vec<Account>,
    /// Notes not covered elsewhere.
    pub additional_info: Option<String>,
}

/// A hash of the original file (`originalFileHash hashType="..."`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileHash {
    /// `MD5`, `SHA1`, `SHA256`, `PDQ`...
    pub hash_type: String,
    /// Hex digits.
    pub value: String,
}

/// `fileDetails` for one uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDetails {
    /// NCMEC's report id.
    pub report_id: String,
    /// NCMEC's file id (from `upload`).
    pub file_id: String,
    /// The name on the platform.
    pub original_file_name: Option<String>,
    /// A moderator viewed the file.
    pub file_viewed_by_esp: Option<bool>,
    /// The file is publicly available.
    pub publicly_available: Option<bool>,
    /// Hashes of the original file.
    pub original_file_hashes: Vec<FileHash>,
    /// More (for a bank match: the bank and label).
    pub additional_info: Vec<String>,
}

/// Child elements of each element the writer emits, in the schema's order. The
/// mock server and the tests check documents against this table.
pub const SCHEMA_ORDER: &[(&str, &[&str])] = &[
    (
        "report",
        &[
            "incidentSummary",
            "internetDetails",
            "lawEnforcement",
            "reporter",
            "personOrUserReported",
            "intendedRecipient",
            "victim",
            "additionalInfo",
        ],
    ),
    (
        "incidentSummary",
        &[
            "incidentType",
            "escalateToHighPriority",
            "reportAnnotations",
            "incidentDateTime",
            "incidentDateTimeDescription",
        ],
    ),
    (
        "internetDetails",
        &[
            "webPageIncident",
            "emailIncident",
            "newsgroupIncident",
            "chatImIncident",
            "onlineGamingIncident",
            "cellPhoneIncident",
            "nonInternetIncident",
            "peer2peerIncident",
        ],
    ),
    (
        "chatImIncident",
        &["chatClient", "chatRoomName", "content", "additionalInfo"],
    ),
    (
        "reporter",
        &[
            "reportingPerson",
            "contactPerson",
            "companyTemplate",
            "termsOfService",
        ],
    ),
    (
        "reportingPerson",
        &["firstName", "lastName", "phone", "email"],
    ),
    (
        "contactPerson",
        &["firstName", "lastName", "phone", "email"],
    ),
    (
        "personOrUserReported",
        &[
            "personOrUserReportedPerson",
            "vehicleDescription",
            "espIdentifier",
            "espService",
            "screenName",
            "displayName",
            "profileUrl",
            "ipCaptureEvent",
            "deviceId",
            "thirdPartyUserReported",
            "priorCTReports",
            "groupIdentifier",
            "estimatedLocation",
            "additionalInfo",
        ],
    ),
    (
        "intendedRecipient",
        &[
            "intendedRecipientPerson",
            "espIdentifier",
            "espService",
            "screenName",
            "displayName",
            "profileUrl",
            "ipCaptureEvent",
            "deviceId",
            "estimatedLocation",
            "additionalInfo",
        ],
    ),
    (
        "victim",
        &[
            "victimPerson",
            "espIdentifier",
            "espService",
            "screenName",
            "displayName",
            "profileUrl",
            "ipCaptureEvent",
            "deviceId",
            "schoolName",
            "estimatedLocation",
            "additionalInfo",
        ],
    ),
    ("ipCaptureEvent", &["ipAddress", "eventName", "dateTime"]),
    (
        "fileDetails",
        &[
            "reportId",
            "fileId",
            "originalFileName",
            "locationOfFile",
            "fileViewedByEsp",
            "exifViewedByEsp",
            "publiclyAvailable",
            "fileRelevance",
            "fileAnnotations",
            "industryClassification",
            "originalFileHash",
            "ipCaptureEvent",
            "deviceId",
            "details",
            "additionalInfo",
        ],
    ),
];

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XSD: &str = "https://report.cybertip.org/ispws/xsd";

/// Characters XML 1.0 cannot carry at all (most C0 controls) are dropped; the
/// writer escapes the rest.
fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

struct W {
    w: Writer<Vec<u8>>,
}

impl W {
    fn new() -> W {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing to a Vec cannot fail.
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        W { w }
    }

    fn ev(&mut self, e: Event<'_>) {
        // Writing to a Vec cannot fail.
        let _ = self.w.write_event(e);
    }

    fn root(&mut self, name: &str) {
        let mut start = BytesStart::new(name);
        start.push_attribute(("xmlns:xsi", XSI));
        start.push_attribute(("xsi:noNamespaceSchemaLocation", XSD));
        self.ev(Event::Start(start));
    }

    fn open(&mut self, name: &str) {
        self.ev(Event::Start(BytesStart::new(name)));
    }

    fn close(&mut self, name: &str) {
        self.ev(Event::End(BytesEnd::new(name)));
    }

    fn empty(&mut self, name: &str) {
        self.ev(Event::Empty(BytesStart::new(name)));
    }

    fn text(&mut self, name: &str, value: &str) {
        self.text_attr(name, None, value);
    }

    fn text_attr(&mut self, name: &str, attr: Option<(&str, &str)>, value: &str) {
        let mut start = BytesStart::new(name);
        if let Some(a) = attr {
            start.push_attribute(a);
        }
        self.ev(Event::Start(start));
        let safe = xml_safe(value);
        self.ev(Event::Text(BytesText::new(&safe)));
        self.close(name);
    }

    fn opt(&mut self, name: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.text(name, v);
        }
    }

    fn finish(self) -> String {
        String::from_utf8(self.w.into_inner()).unwrap_or_default()
    }
}

fn write_person(w: &mut W, name: &str, p: &Person) {
    w.open(name);
    w.opt("firstName", &p.first_name);
    w.opt("lastName", &p.last_name);
    w.opt("phone", &p.phone);
    w.opt("email", &p.email);
    w.close(name);
}

fn write_account(w: &mut W, name: &str, a: &Account) {
    w.open(name);
    w.opt("espIdentifier", &a.esp_identifier);
    w.opt("espService", &a.esp_service);
    w.opt("screenName", &a.screen_name);
    for d in &a.display_names {
        w.text("displayName", d);
    }
    for u in &a.profile_urls {
        w.text("profileUrl", u);
    }
    for ip in &a.ip_capture_events {
        w.open("ipCaptureEvent");
        w.text("ipAddress", &ip.ip_address);
        w.opt("eventName", &ip.event_name);
        if let Some(t) = ip.date_time {
            w.text("dateTime", &time(t));
        }
        w.close("ipCaptureEvent");
    }
    w.opt("additionalInfo", &a.additional_info);
    w.close(name);
}

/// The report's XML, elements in the schema's order, every value escaped.
pub fn report_xml(r: &Report) -> String {
    let mut w = W::new();
    w.root("report");
    let s = &r.incident_summary;
    w.open("incidentSummary");
    w.text("incidentType", s.incident_type.as_str());
    w.opt("escalateToHighPriority", &s.escalate_to_high_priority);
    if s.annotations.is_empty() {
        w.empty("reportAnnotations");
    } else {
        w.open("reportAnnotations");
        for a in &s.annotations {
            w.empty(a.as_str());
        }
        w.close("reportAnnotations");
    }
    w.text("incidentDateTime", &time(s.incident_date_time));
    w.opt(
        "incidentDateTimeDescription",
        &s.incident_date_time_description,
    );
    w.close("incidentSummary");
    for chat in &r.chat_incidents {
        w.open("internetDetails");
        w.open("chatImIncident");
        w.opt("chatClient", &chat.chat_client);
        w.opt("chatRoomName", &chat.chat_room_name);
        w.opt("content", &chat.content);
        w.opt("additionalInfo", &chat.additional_info);
        w.close("chatImIncident");
        w.close("internetDetails");
    }
    w.open("reporter");
    write_person(&mut w, "reportingPerson", &r.reporter.reporting_person);
    if let Some(c) = &r.reporter.contact_person {
        write_person(&mut w, "contactPerson", c);
    }
    w.opt("companyTemplate", &r.reporter.company_template);
    w.opt("termsOfService", &r.reporter.terms_of_service);
    w.close("reporter");
    if let Some(p) = &r.person_or_user_reported {
        write_account(&mut w, "personOrUserReported", p);
    }
    for a in &r.intended_recipients {
        write_account(&mut w, "intendedRecipient", a);
    }
    for a in &r.victims {
        write_account(&mut w, "victim", a);
    }
    w.opt("additionalInfo", &r.additional_info);
    w.close("report");
    w.finish()
}

/// The `fileDetails` XML for one uploaded file.
pub fn file_details_xml(f: &FileDetails) -> String {
    let mut w = W::new();
    w.root("fileDetails");
    w.text("reportId", &f.report_id);
    w.text("fileId", &f.file_id);
    w.opt("originalFileName", &f.original_file_name);
    if let Some(v) = f.file_viewed_by_esp {
        w.text("fileViewedByEsp", if v { "true" } else { "false" });
    }
    if let Some(v) = f.publicly_available {
        w.text("publiclyAvailable", if v { "true" } else { "false" });
    }
    for h in &f.original_file_hashes {
        w.text_attr(
            "originalFileHash",
            Some(("hashType", &h.hash_type)),
            &h.value,
        );
    }
    for a in &f.additional_info {
        w.text("additionalInfo", a);
    }
    w.close("fileDetails");
    w.finish()
}

/// A parsed XML element: name, attributes, text and children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    /// Element name.
    pub name: String,
    /// Attributes, in document order.
    pub attrs: Vec<(String, String)>,
    /// Text content (unescaped, trimmed of indentation).
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

impl Node {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.clone())
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Xml(msg.into())
}

/// Parses an XML document into its root element.
pub fn parse(xml: &str) -> Result<Node, Error> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let start = |e: &BytesStart<'_>| -> Result<Node, Error> {
        let mut node = Node {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            ..Node::default()
        };
        for a in e.attributes() {
            let a = a.map_err(|e| bad(e.to_string()))?;
            let value = a.unescape_value().map_err(|e| bad(e.to_string()))?;
            node.attrs.push((
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                value.into_owned(),
            ));
        }
        Ok(node)
    };
    loop {
        match reader.read_event().map_err(|e| bad(e.to_string()))? {
            Event::Start(e) => stack.push(start(&e)?),
            Event::Empty(e) => {
                let node = start(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| bad(e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                let mut node = stack.pop().ok_or_else(|| bad("unbalanced end tag"))?;
                if !node.children.is_empty() {
                    node.text = node.text.trim().to_owned();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad("unclosed element"));
    }
    root.ok_or_else(|| bad("no root element"))
}

/// Checks that every element listed in [`SCHEMA_ORDER`] has only known children,
/// in the schema's order; returns the first problem.
pub fn check_order(node: &Node) -> Result<(), Error> {
    if let Some((_, order)) = SCHEMA_ORDER.iter().find(|(n, _)| *n == node.name) {
        let mut last = 0;
        for child in &node.children {
            let pos = order.iter().position(|n| *n == child.name).ok_or_else(|| {
                bad(format!(
                    "<{}> is not a known child of <{}>",
                    child.name, node.name
                ))
            })?;
            if pos < last {
                return Err(bad(format!(
                    "<{}> comes after <{}> in <{}>; the schema puts it before",
                    child.name, order[last], node.name
                )));
            }
            last = pos;
        }
    }
    node.children.iter().try_for_each(check_order)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| bad(format!("bad time {s:?}: {e}")))
}

fn read_person(n: &Node) -> Person {
    Person {
        first_name: n.text_of("firstName"),
        last_name: n.text_of("lastName"),
        phone: n.text_of("phone"),
        email: n.text_of("email"),
    }
}

fn read_account(n: &Node) -> Result<Account, Error> {
    Ok(Account {
        esp_identifier: n.text_of("espIdentifier"),
        esp_service: n.text_of("espService"),
        screen_name: n.text_of("screenName"),
        display_names: n.all("displayName").map(|d| d.text.clone()).collect(),
        profile_urls: n.all("profileUrl").map(|d| d.text.clone()).collect(),
        ip_capture_events: n
            .all("ipCaptureEvent")
            .map(|e| {
                Ok(IpCaptureEvent {
                    ip_address: e.text_of("ipAddress").unwrap_or_default(),
                    event_name: e.text_of("eventName"),
                    date_time: e
                        .text_of("dateTime")
                        .as_deref()
                        .map(parse_time)
                        .transpose()?,
                })
            })
            .collect::<Result<_, Error>>()?,
        additional_info: n.text_of("additionalInfo"),
    })
}

/// Reads a report written by [`report_xml`] back into its model (checking the
/// element order first).
pub fn parse_report(xml: &str) -> Result<Report, Error> {
    let root = parse(xml)?;
    if root.name != "report" {
        return Err(bad(format!("root is <{}>, not <report>", root.name)));
    }
    check_order(&root)?;
    let s = root
        .child("incidentSummary")
        .ok_or_else(|| bad("no <incidentSummary>"))?;
    let kind = s.text_of("incidentType").unwrap_or_default();
    let incident_summary = IncidentSummary {
        incident_type: IncidentType::parse(&kind)
            .ok_or_else(|| bad(format!("unknown incidentType {kind:?}")))?,
        escalate_to_high_priority: s.text_of("escalateToHighPriority"),
        annotations: s
            .child("reportAnnotations")
            .map(|a| {
                a.children
                    .iter()
                    .map(|c| {
                        ReportAnnotation::parse(&c.name)
                            .ok_or_else(|| bad(format!("unknown annotation <{}>", c.name)))
                    })
                    .collect::<Result<_, _>>()
            })
            .transpose()?
            .unwrap_or_default(),
        incident_date_time: parse_time(
            &s.text_of("incidentDateTime")
                .ok_or_else(|| bad("no <incidentDateTime>"))?,
        )?,
        incident_date_time_description: s.text_of("incidentDateTimeDescription"),
    };
    let chat_incidents = root
        .all("internetDetails")
        .filter_map(|d| d.child("chatImIncident"))
        .map(|c| ChatImIncident {
            chat_client: c.text_of("chatClient"),
            chat_room_name: c.text_of("chatRoomName"),
            content: c.text_of("content"),
            additional_info: c.text_of("additionalInfo"),
        })
        .collect();
    let rep = root.child("reporter").ok_or_else(|| bad("no <reporter>"))?;
    let reporter = Reporter {
        reporting_person: rep
            .child("reportingPerson")
            .map(read_person)
            .ok_or_else(|| bad("no <reportingPerson>"))?,
        contact_person: rep.child("contactPerson").map(read_person),
        company_template: rep.text_of("companyTemplate"),
        terms_of_service: rep.text_of("termsOfService"),
    };
    Ok(Report {
        incident_summary,
        chat_incidents,
        reporter,
        person_or_user_reported: root
            .child("personOrUserReported")
            .map(read_account)
            .transpose()?,
        intended_recipients: root
            .all("intendedRecipient")
            .map(read_account)
            .collect::<Result<_, _>>()?,
        victims: root
            .all("victim")
            .map(read_account)
            .collect::<Result<_, _>>()?,
        additional_info: root.text_of("additionalInfo"),
    })
}

/// Reads a `fileDetails` document back into its model.
pub fn parse_file_details(xml: &str) -> Result<FileDetails, Error> {
    let root = parse(xml)?;
    if root.name != "fileDetails" {
        return Err(bad(format!("root is <{}>, not <fileDetails>", root.name)));
    }
    check_order(&root)?;
    let flag = |name: &str| root.text_of(name).map(|v| v == "true");
    Ok(FileDetails {
        report_id: root
            .text_of("reportId")
            .ok_or_else(|| bad("no <reportId>"))?,
        file_id: root.text_of("fileId").ok_or_else(|| bad("no <fileId>"))?,
        original_file_name: root.text_of("originalFileName"),
        file_viewed_by_esp: flag("fileViewedByEsp"),
        publicly_available: flag("publiclyAvailable"),
        original_file_hashes: root
            .all("originalFileHash")
            .map(|h| FileHash {
                hash_type: h.attr("hashType").unwrap_or_default().to_owned(),
                value: h.text.clone(),
            })
            .collect(),
        additional_info: root.all("additionalInfo").map(|a| a.text.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Report {
        Report {
            incident_summary: IncidentSummary {
                incident_type: IncidentType::OnlineEnticement,
                escalate_to_high_priority: Some("child under 13 asked to meet".into()),
                annotations: vec![
                    ReportAnnotation::Sextortion,
                    ReportAnnotation::CsamSolicitation,
                ],
                incident_date_time: "2026-11-21T19:00:00Z".parse().unwrap(),
                incident_date_time_description: Some("first flagged message".into()),
            },
            chat_incidents: vec![ChatImIncident {
                chat_client: Some("Example Chat".into()),
                chat_room_name: Some("dm-<a&b>".into()),
                content: Some("asks for a pic & \"secrets\"".into()),
                additional_info: None,
            }],
            reporter: Reporter {
                reporting_person: Person {
                    first_name: Some("Trust".into()),
                    last_name: Some("Safety".into()),
                    phone: None,
                    email: Some("safety@platform.example".into()),
                },
                contact_person: None,
                company_template: None,
                terms_of_service: Some("https://platform.example/terms".into()),
            },
            person_or_user_reported: Some(Account {
                esp_identifier: Some("rex_gamer".into()),
                esp_service: Some("Example Chat".into()),
                screen_name: Some("rex_gamer".into()),
                display_names: vec!["Rex".into()],
                profile_urls: vec![],
                ip_capture_events: vec![IpCaptureEvent {
                    ip_address: "192.0.2.7".into(),
                    event_name: Some("Login".into()),
                    date_time: Some("2026-11-21T18:00:00Z".parse().unwrap()),
                }],
                additional_info: Some("declared adult".into()),
            }),
            intended_recipients: vec![],
            victims: vec![Account {
                esp_identifier: Some("sam".into()),
                screen_name: Some("sam".into()),
                additional_info: Some("age band under 13".into()),
                ..Account::default()
            }],
            additional_info: Some("control \u{1} char dropped".into()),
        }
    }

    #[test]
    fn the_report_round_trips_and_follows_the_schema_order() {
        let r = sample();
        let xml = report_xml(&r);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(xml.contains("dm-&lt;a&amp;b&gt;"), "{xml}");
        assert!(!xml.contains('\u{1}'));
        let back = parse_report(&xml).unwrap();
        let mut expected = r.clone();
        expected.additional_info = Some("control  char dropped".into());
        assert_eq!(back, expected);
        let root = parse(&xml).unwrap();
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "incidentSummary",
                "internetDetails",
                "reporter",
                "personOrUserReported",
                "victim",
                "additionalInfo"
            ]
        );
        let summary: Vec<&str> = root.children[0]
            .children
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            summary,
            [
                "incidentType",
                "escalateToHighPriority",
                "reportAnnotations",
                "incidentDateTime",
                "incidentDateTimeDescription"
            ]
        );
    }

    #[test]
    fn out_of_order_and_unknown_elements_are_refused() {
        let xml = report_xml(&sample());
        let swapped =
            xml.replacen("<reporter>", "<reporterX>", 1)
                .replacen("</reporter>", "</reporterX>", 1);
        assert!(check_order(&parse(&swapped).unwrap())
            .unwrap_err()
            .to_string()
            .contains("reporterX"));
        // Victim before the reported user.
        let root = parse(&xml).unwrap();
        let mut bad_root = root.clone();
        let victim = bad_root.children.remove(4);
        bad_root.children.insert(2, victim);
        let err = check_order(&bad_root).unwrap_err().to_string();
        assert!(err.contains("comes after"), "{err}");
        assert!(parse("<report><a></report>").is_err());
        assert!(parse_report("<fileDetails/>").is_err());
    }

    #[test]
    fn file_details_round_trip() {
        let f = FileDetails {
            report_id: "4564654".into(),
            file_id: "b0754af7".into(),
            original_file_name: Some("media-9.jpg".into()),
            file_viewed_by_esp: Some(false),
            publicly_available: Some(false),
            original_file_hashes: vec![
                FileHash {
                    hash_type: "MD5".into(),
                    value: "e86fdc2283aff4179685f2a918a769eb".into(),
                },
                FileHash {
                    hash_type: "SHA256".into(),
                    value: "ab".repeat(32),
                },
            ],
            additional_info: vec!["matched bank demo-hotline".into()],
        };
        let xml = file_details_xml(&f);
        assert_eq!(parse_file_details(&xml).unwrap(), f);
    }
}
