//! A referral package from a case: the CyberTipline report, a `fileDetails` per
//! file, the conversation as CSV, and the evidence bundle holding all of them.
//! One pure builder makes each payload, used for the bundle and again, with
//! NCMEC's ids filled in, at submission.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::bundle::Bundle;
use crate::conversation::{self, ChatLine};
use crate::cybertip::{
    self, Account, ChatImIncident, FileDetails, FileHash, IncidentSummary, IncidentType, Report,
    ReportAnnotation, Reporter,
};
use crate::Error;

/// A child in the case.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    /// Account id.
    pub account: String,
    /// Age band wire name (`under_13`, `13_15`, `16_17`, `unknown`).
    pub band: String,
    /// How the age was established (`self_declared`...), if known.
    pub age_assurance: Option<String>,
}

/// A media file in the case.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceFile {
    /// The platform's media id.
    pub media_id: String,
    /// Who uploaded it.
    pub uploader: String,
    /// When.
    pub at: Option<DateTime<Utc>>,
    /// The bytes, where the platform sent them (hash-only events have none).
    pub bytes: Option<Vec<u8>>,
    /// MD5, hex.
    pub md5: Option<String>,
    /// SHA-1, hex.
    pub sha1: Option<String>,
    /// SHA-256, hex.
    pub sha256: Option<String>,
    /// PDQ, hex.
    pub pdq: Option<String>,
    /// Bank matches, one line each (`bank NAME (LABEL), sha256 distance 0`).
    pub matches: Vec<String>,
}

impl EvidenceFile {
    /// The name the file has in the package.
    pub fn file_name(&self) -> String {
        let safe: String = self
            .media_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.bin")
    }
}

/// Everything a referral is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralInput {
    /// The case.
    pub case_id: String,
    /// The referral record, if one was made.
    pub referral_id: Option<i64>,
    /// Case categories (wire names), most severe first.
    pub categories: Vec<String>,
    /// Behaviours flagged in the case (wire names).
    pub behaviours: Vec<String>,
    /// When the first evidence happened.
    pub incident_at: DateTime<Utc>,
    /// Why the report is urgent (a proposed meeting, a child under 13 threatened).
    pub escalate: Option<String>,
    /// The platform.
    pub reporter: Reporter,
    /// The platform's service name.
    pub service_name: String,
    /// The suspect, with any IP capture events the platform supplied.
    pub suspect: Account,
    /// The suspect's age band (wire name).
    pub suspect_band: String,
    /// The children.
    pub children: Vec<Child>,
    /// The conversations.
    pub conversations: Vec<String>,
    /// Every message and media item of the conversations, in order.
    pub lines: Vec<ChatLine>,
    /// Media files.
    pub files: Vec<EvidenceFile>,
}

/// A file and its details, ready to upload.
#[derive(Debug, Clone, PartialEq)]
pub struct PackagedFile {
    /// The evidence.
    pub file: EvidenceFile,
    /// Its `fileDetails`, with placeholder ids (`report_id` 0, `file_id` the
    /// package's file name) until submission.
    pub details: FileDetails,
}

/// A referral package.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The report model.
    pub report: Report,
    /// The report's XML.
    pub report_xml: String,
    /// The conversation as CSV.
    pub conversation_csv: Vec<u8>,
    /// Files with their details (only files whose bytes are held are uploaded).
    pub files: Vec<PackagedFile>,
    /// The evidence bundle (zip).
    pub bundle: Vec<u8>,
}

/// The incident type for a case's categories.
pub fn incident_type(categories: &[String]) -> IncidentType {
    if categories.iter().any(|c| c == "known_image") {
        IncidentType::ChildPornography
    } else {
        IncidentType::OnlineEnticement
    }
}

fn band_text(band: &str) -> &str {
    match band {
        "under_13" => "under 13",
        "13_15" => "13 to 15",
        "16_17" => "16 or 17",
        "adult" => "adult",
        _ => "unknown",
    }
}

/// The CyberTipline report for a case.
pub fn report_for(input: &ReferralInput) -> Report {
    let mut annotations = Vec::new();
    if input.categories.iter().any(|c| c == "sextortion")
        || input.behaviours.iter().any(|b| b == "sextortion")
    {
        annotations.push(ReportAnnotation::Sextortion);
    }
    if input.behaviours.iter().any(|b| b == "image_request") {
        annotations.push(ReportAnnotation::CsamSolicitation);
    }
    if matches!(input.suspect_band.as_str(), "under_13" | "13_15" | "16_17") {
        annotations.push(ReportAnnotation::MinorToMinorInteraction);
    }
    let behaviours = if input.behaviours.is_empty() {
        String::new()
    } else {
        format!(" Behaviours flagged: {}.", input.behaviours.join(", "))
    };
    let chat_incidents = input
        .conversations
        .iter()
        .map(|c| ChatImIncident {
            chat_client: Some(input.service_name.clone()),
            chat_room_name: Some(c.clone()),
            content: Some(format!(
                "Conversation {c}: the full conversation is attached as conversation.csv.{behaviours}"
            )),
            additional_info: None,
        })
        .collect();
    let victims = input
        .children
        .iter()
        .map(|c| Account {
            esp_identifier: Some(c.account.clone()),
            esp_service: Some(input.service_name.clone()),
            screen_name: Some(c.account.clone()),
            additional_info: Some(format!(
                "Age band {}{}.",
                band_text(&c.band),
                c.age_assurance
                    .as_deref()
                    .map(|a| format!(" ({})", a.replace('_', " ")))
                    .unwrap_or_default()
            )),
            ..Account::default()
        })
        .collect();
    let files_without_bytes: Vec<String> = input
        .files
        .iter()
        .filter(|f| f.bytes.is_none())
        .map(|f| {
            format!(
                "{} (hashes only: {})",
                f.media_id,
                [
                    ("MD5", &f.md5),
                    ("SHA1", &f.sha1),
                    ("SHA256", &f.sha256),
                    ("PDQ", &f.pdq)
                ]
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .collect::<Vec<_>>()
                .join(", ")
            )
        })
        .collect();
    let mut info = format!(
        "Lifeguard case {}; categories: {}.",
        input.case_id,
        input.categories.join(", ")
    );
    if !files_without_bytes.is_empty() {
        info.push_str(&format!(
            " Media the platform holds by hash only: {}.",
            files_without_bytes.join("; ")
        ));
    }
    let mut suspect = input.suspect.clone();
    if suspect.additional_info.is_none() {
        suspect.additional_info = Some(format!(
            "Declared age band {}.",
            band_text(&input.suspect_band)
        ));
    }
    Report {
        incident_summary: IncidentSummary {
            incident_type: incident_type(&input.categories),
            escalate_to_high_priority: input.escalate.clone(),
            annotations,
            incident_date_time: input.incident_at,
            incident_date_time_description: Some(
                "Time of the first flagged message or evidence on the case (UTC).".into(),
            ),
        },
        chat_incidents,
        reporter: input.reporter.clone(),
        person_or_user_reported: Some(suspect),
        intended_recipients: Vec::new(),
        victims,
        additional_info: Some(info),
    }
}

/// The `fileDetails` for a file once NCMEC gave its ids.
pub fn file_details_for(file: &EvidenceFile, report_id: &str, file_id: &str) -> FileDetails {
    let hashes = [
        ("MD5", &file.md5),
        ("SHA1", &file.sha1),
        ("SHA256", &file.sha256),
        ("PDQ", &file.pdq),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_ref().map(|v| FileHash {
            hash_type: k.into(),
            value: v.clone(),
        })
    })
    .collect();
    let mut info: Vec<String> = file
        .matches
        .iter()
        .map(|m| format!("Hash match: {m}"))
        .collect();
    info.push(format!(
        "Platform media id {}, uploaded by {}{}.",
        file.media_id,
        file.uploader,
        file.at
            .map(|t| format!(" at {}", t.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .unwrap_or_default()
    ));
    FileDetails {
        report_id: report_id.into(),
        file_id: file_id.into(),
        original_file_name: Some(file.file_name()),
        // Known-image matches are blocked by hash; nobody views them.
        file_viewed_by_esp: Some(false),
        publicly_available: Some(false),
        original_file_hashes: hashes,
        additional_info: info,
    }
}

/// Builds the whole package and its evidence bundle.
pub fn build(
    input: &ReferralInput,
    exported_by: &str,
    at: DateTime<Utc>,
) -> Result<Package, Error> {
    let report = report_for(input);
    let report_xml = cybertip::report_xml(&report);
    // Self-check: what we send must read back as what we meant.
    if cybertip::parse_report(&report_xml)? != report {
        return Err(Error::Xml(
            "the report does not read back as written".into(),
        ));
    }
    let conversation_csv = conversation::to_csv(&input.lines)?;
    let files: Vec<PackagedFile> = input
        .files
        .iter()
        .map(|f| PackagedFile {
            details: file_details_for(f, "0", &f.file_name()),
            file: f.clone(),
        })
        .collect();
    let mut bundle = Bundle::new(&input.case_id, input.referral_id, exported_by, at);
    bundle.add("report.xml", report_xml.clone().into_bytes())?;
    bundle.add("conversation.csv", conversation_csv.clone())?;
    for p in &files {
        let name = p.file.file_name();
        bundle.add(
            &format!("file-details/{name}.xml"),
            cybertip::file_details_xml(&p.details).into_bytes(),
        )?;
        if let Some(bytes) = &p.file.bytes {
            bundle.add(&format!("files/{name}"), bytes.clone())?;
        }
    }
    Ok(Package {
        report,
        report_xml,
        conversation_csv,
        files,
        bundle: bundle.finish()?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cybertip::Person;

    pub(crate) fn input() -> ReferralInput {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        ReferralInput {
            case_id: "case-msg-9".into(),
            referral_id: Some(1),
            categories: vec!["sextortion".into(), "grooming".into()],
            behaviours: vec!["image_request".into(), "secrecy".into()],
            incident_at: t("2026-11-21T19:00:00Z"),
            escalate: Some("A child under 13 was threatened.".into()),
            reporter: Reporter {
                reporting_person: Person {
                    first_name: Some("Trust".into()),
                    last_name: Some("Safety".into()),
                    email: Some("safety@platform.invalid".into()),
                    phone: None,
                },
                ..Reporter::default()
            },
            service_name: "Example Chat".into(),
            suspect: Account {
                esp_identifier: Some("rex_gamer".into()),
                screen_name: Some("rex_gamer".into()),
                ..Account::default()
            },
            suspect_band: "adult".into(),
            children: vec![Child {
                account: "sam".into(),
                band: "under_13".into(),
                age_assurance: Some("self_declared".into()),
            }],
            conversations: vec!["dm-rex-sam".into()],
            lines: vec![ChatLine {
                conversation: "dm-rex-sam".into(),
                seq: Some(1),
                message_id: "m1".into(),
                sent_at: Some(t("2026-11-21T19:00:00Z")),
                sender: "rex_gamer".into(),
                recipients: vec!["sam".into()],
                kind: "message".into(),
                text: "send me a pic, don't tell your mum".into(),
                flagged: vec!["image_request".into(), "secrecy".into()],
            }],
            files: vec![
                EvidenceFile {
                    media_id: "media/9".into(),
                    uploader: "rex_gamer".into(),
                    at: Some(t("2026-11-21T19:05:00Z")),
                    bytes: Some(b"ordinary stand-in bytes".to_vec()),
                    md5: Some("00".repeat(16)),
                    sha1: None,
                    sha256: Some(crate::sha256_hex(b"ordinary stand-in bytes")),
                    pdq: None,
                    matches: vec!["bank demo-hotline (known (demo)), sha256 distance 0".into()],
                },
                EvidenceFile {
                    media_id: "m10".into(),
                    uploader: "rex_gamer".into(),
                    at: None,
                    bytes: None,
                    md5: None,
                    sha1: None,
                    sha256: Some("ab".repeat(32)),
                    pdq: None,
                    matches: vec![],
                },
            ],
        }
    }

    #[test]
    fn a_package_holds_the_report_csv_details_and_a_verifiable_bundle() {
        let p = build(&input(), "casey", "2026-11-22T10:00:00Z".parse().unwrap()).unwrap();
        let s = &p.report.incident_summary;
        assert_eq!(s.incident_type, IncidentType::OnlineEnticement);
        assert_eq!(
            s.annotations,
            [
                ReportAnnotation::Sextortion,
                ReportAnnotation::CsamSolicitation
            ]
        );
        assert_eq!(
            p.report.victims[0].additional_info.as_deref(),
            Some("Age band under 13 (self declared).")
        );
        assert!(p
            .report
            .additional_info
            .as_ref()
            .unwrap()
            .contains("m10 (hashes only: SHA256 abab"));
        assert_eq!(cybertip::parse_report(&p.report_xml).unwrap(), p.report);
        let m = crate::bundle::verify(&p.bundle).unwrap();
        let names: Vec<&str> = m.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "report.xml",
                "conversation.csv",
                "file-details/media_9.bin.xml",
                "files/media_9.bin",
                "file-details/m10.bin.xml"
            ]
        );
        assert_eq!(
            m.files[3].sha256,
            crate::sha256_hex(b"ordinary stand-in bytes")
        );
        let d = &p.files[0].details;
        assert_eq!(
            d.original_file_hashes
                .iter()
                .map(|h| h.hash_type.as_str())
                .collect::<Vec<_>>(),
            ["MD5", "SHA256"]
        );
        assert_eq!(
            incident_type(&["known_image".into()]),
            IncidentType::ChildPornography
        );
    }
}
