//! The CyberTipline flow against a local mock server that checks credentials,
//! the order of calls, and the order of XML elements in every document.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use lifeguard_referrals::client::{Client, ClientError, Credentials, ResponseCode};
use lifeguard_referrals::config::CyberTiplineConfig;
use lifeguard_referrals::conversation::ChatLine;
use lifeguard_referrals::cybertip::{self, Account, Person, Reporter};
use lifeguard_referrals::package::{self, Child, EvidenceFile, ReferralInput};

const AUTH: &str = "Basic ZXNwOnMzY3JldA=="; // esp:s3cret

#[derive(Default)]
struct Mock {
    calls: Vec<String>,
    report_open: bool,
    files: Vec<String>,
    /// Answer fileinfo with this code instead of 0.
    fileinfo_code: Option<u32>,
}

type Shared = Arc<Mutex<Mock>>;

fn xml_reply(root: &str, code: u32, extra: &str) -> (StatusCode, String) {
    (
        StatusCode::OK,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><{root}><responseCode>{code}</responseCode><responseDescription>{}</responseDescription>{extra}</{root}>",
            if code == 0 { "Success" } else { "Validation failed" }
        ),
    )
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(AUTH)
}

fn form_id(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let after = text.split("name=\"id\"\r\n\r\n").nth(1)?;
    Some(after.split("\r\n").next()?.to_owned())
}

async fn submit(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let mut m = s.lock().unwrap();
    m.calls.push("submit".into());
    let xml = String::from_utf8_lossy(&body);
    // The mock reads the report with the crate's parser, which checks the order.
    if let Err(e) = cybertip::parse_report(&xml) {
        m.calls.push(format!("bad report: {e}"));
        return xml_reply("reportResponse", 4110, "");
    }
    m.report_open = true;
    xml_reply("reportResponse", 0, "<reportId>4564654</reportId>")
}

async fn upload(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let mut m = s.lock().unwrap();
    m.calls.push("upload".into());
    let ct = h
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !m.report_open
        || form_id(&body).as_deref() != Some("4564654")
        || !ct.starts_with("multipart/form-data")
    {
        return xml_reply("reportResponse", 5001, "");
    }
    let id = format!("file{}", m.files.len() + 1);
    m.files.push(id.clone());
    xml_reply(
        "reportResponse",
        0,
        &format!("<reportId>4564654</reportId><fileId>{id}</fileId><hash>x</hash>"),
    )
}

async fn fileinfo(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let mut m = s.lock().unwrap();
    m.calls.push("fileinfo".into());
    let xml = String::from_utf8_lossy(&body);
    match cybertip::parse_file_details(&xml) {
        Ok(d) if d.report_id == "4564654" && m.files.contains(&d.file_id) => {}
        Ok(d) => {
            m.calls
                .push(format!("bad ids {} {}", d.report_id, d.file_id));
            return xml_reply("reportResponse", 5002, "");
        }
        Err(e) => {
            m.calls.push(format!("bad details: {e}"));
            return xml_reply("reportResponse", 4110, "");
        }
    }
    let code = m.fileinfo_code.unwrap_or(0);
    xml_reply("reportResponse", code, "")
}

async fn finish(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let mut m = s.lock().unwrap();
    m.calls.push("finish".into());
    if !m.report_open || form_id(&body).as_deref() != Some("4564654") {
        return xml_reply("reportDoneResponse", 5001, "");
    }
    m.report_open = false;
    let files: String = m
        .files
        .iter()
        .map(|f| format!("<fileId>{f}</fileId>"))
        .collect();
    xml_reply(
        "reportDoneResponse",
        0,
        &format!("<reportId>4564654</reportId><files>{files}</files>"),
    )
}

async fn retract(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> (StatusCode, String) {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, String::new());
    }
    let mut m = s.lock().unwrap();
    m.calls.push("retract".into());
    if !m.report_open || form_id(&body).as_deref() != Some("4564654") {
        return xml_reply("reportDoneResponse", 5001, "");
    }
    m.report_open = false;
    xml_reply("reportDoneResponse", 0, "<reportId>4564654</reportId>")
}

/// Starts the mock on a free port in a background thread; returns its URL.
fn start(mock: Mock) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(mock));
    let state = shared.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new()
                .route("/ispws/submit", post(submit))
                .route("/ispws/upload", post(upload))
                .route("/ispws/fileinfo", post(fileinfo))
                .route("/ispws/finish", post(finish))
                .route("/ispws/retract", post(retract))
                .with_state(state);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    (format!("http://{addr}/ispws"), shared)
}

fn input() -> ReferralInput {
    let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let file = |id: &str, bytes: Option<&[u8]>| EvidenceFile {
        media_id: id.into(),
        uploader: "rex_gamer".into(),
        at: Some(t("2026-11-21T19:05:00Z")),
        bytes: bytes.map(<[u8]>::to_vec),
        md5: None,
        sha1: None,
        sha256: bytes.map(lifeguard_referrals::sha256_hex),
        pdq: None,
        matches: vec!["bank demo-hotline (known (demo)), sha256 distance 0".into()],
    };
    ReferralInput {
        case_id: "case-msg-9".into(),
        referral_id: Some(1),
        categories: vec!["grooming".into()],
        behaviours: vec!["secrecy".into(), "image_request".into()],
        incident_at: t("2026-11-21T19:00:00Z"),
        escalate: None,
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
            age_assurance: None,
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
            text: "how old are you? don't tell your mum".into(),
            flagged: vec!["secrecy".into()],
        }],
        files: vec![
            file("media-1", Some(b"first ordinary stand-in")),
            file("media-2", None),
            file("media-3", Some(b"second ordinary stand-in")),
        ],
    }
}

fn client(url: &str, password: &str) -> Client {
    let config = CyberTiplineConfig {
        url: url.into(),
        timeout_secs: 10,
        ..CyberTiplineConfig::default()
    };
    Client::new(&config, &Credentials::new("esp", password)).unwrap()
}

#[test]
fn the_flow_runs_in_order_with_documents_in_schema_order() {
    let (url, mock) = start(Mock::default());
    let package = package::build(&input(), "casey", Utc::now()).unwrap();
    let done = client(&url, "s3cret").send(&package).unwrap();
    assert_eq!(done.report_id, "4564654");
    assert_eq!(done.file_ids, ["file1", "file2"]);
    // media-2 has no bytes: it is not uploaded.
    assert_eq!(
        mock.lock().unwrap().calls,
        ["submit", "upload", "fileinfo", "upload", "fileinfo", "finish"]
    );
}

#[test]
fn a_refused_fileinfo_retracts_the_report_with_a_typed_error() {
    let (url, mock) = start(Mock {
        fileinfo_code: Some(4100),
        ..Mock::default()
    });
    let package = package::build(&input(), "casey", Utc::now()).unwrap();
    let err = client(&url, "s3cret").send(&package).unwrap_err();
    match err {
        ClientError::Aborted {
            report_id,
            step,
            source,
            retracted,
        } => {
            assert_eq!(
                (report_id.as_str(), step, retracted),
                ("4564654", "fileinfo", true)
            );
            assert!(matches!(
                *source,
                ClientError::Api {
                    code: ResponseCode::ValidationFailed,
                    ..
                }
            ));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        mock.lock().unwrap().calls,
        ["submit", "upload", "fileinfo", "retract"]
    );
}

#[test]
fn wrong_credentials_and_out_of_order_documents_are_refused() {
    let (url, mock) = start(Mock::default());
    let package = package::build(&input(), "casey", Utc::now()).unwrap();
    assert!(matches!(
        client(&url, "wrong").send(&package),
        Err(ClientError::Unauthorized)
    ));
    assert!(mock.lock().unwrap().calls.is_empty());
    // A report with <reporter> before <incidentSummary> is refused by the mock
    // (code 4110) and nothing more is sent.
    let xml = &package.report_xml;
    let (start_r, end_r) = (
        xml.find("<reporter>").unwrap(),
        xml.find("</reporter>").unwrap() + "</reporter>".len(),
    );
    let reporter = &xml[start_r..end_r];
    let moved = xml.replacen(reporter, "", 1).replacen(
        "<incidentSummary>",
        &format!("{reporter}<incidentSummary>"),
        1,
    );
    let err = client(&url, "s3cret").submit(&moved).unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Api {
                code: ResponseCode::MalformedXml,
                ..
            }
        ),
        "{err:?}"
    );
    let calls = mock.lock().unwrap().calls.clone();
    assert_eq!(calls[0], "submit");
    assert!(calls[1].contains("comes after"), "{calls:?}");
}

#[test]
fn an_unreachable_service_is_a_transport_error() {
    // Bind then drop a listener: nothing listens on that port now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}/ispws"), "s3cret");
    assert!(matches!(
        c.submit("<report/>"),
        Err(ClientError::Transport(_))
    ));
}
