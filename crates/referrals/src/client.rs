//! The CyberTipline Reporting API flow: `submit` the report, `upload` each file
//! and send its `fileinfo`, then `finish`; if anything fails after the report
//! was opened, `retract` it so that NCMEC is not left with half a report.
//! Every response's `responseCode` becomes a typed result.
//!
//! Credentials (HTTP Basic) come from the environment variables named in
//! `[referrals.cybertipline]`; they are never logged or printed. Tests run the
//! flow against a local mock server only.

use std::time::Duration;

use base64::Engine as _;

use crate::config::CyberTiplineConfig;
use crate::cybertip::{self, Node};
use crate::package::{file_details_for, Package};

/// NCMEC's response codes (0 is success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ResponseCode {
    Success,
    ServerError,
    SaveFailed,
    UploadFailed,
    FileUploadFailed,
    ResourceNotFound,
    UpdateFailed,
    AuthenticationRequired,
    NotAuthorized,
    NotAuthorizedForSubmissions,
    NotAuthorizedForUpdates,
    InvalidRequest,
    ValidationFailed,
    MalformedXml,
    MalformedFile,
    ReportDoesNotExist,
    FileDoesNotExist,
    ReportAlreadyRetracted,
    ReportAlreadyFinished,
    /// A code this client does not know.
    Other(u32),
}

impl ResponseCode {
    /// The code for a number.
    pub fn from_code(code: u32) -> ResponseCode {
        use ResponseCode::*;
        match code {
            0 => Success,
            1000 => ServerError,
            1100 => SaveFailed,
            1110 => UploadFailed,
            1111 => FileUploadFailed,
            1210 => ResourceNotFound,
            1300 => UpdateFailed,
            2000 => AuthenticationRequired,
            3000 => NotAuthorized,
            3100 => NotAuthorizedForSubmissions,
            3300 => NotAuthorizedForUpdates,
            4000 => InvalidRequest,
            4100 => ValidationFailed,
            4110 => MalformedXml,
            4200 => MalformedFile,
            5001 => ReportDoesNotExist,
            5002 => FileDoesNotExist,
            5101 => ReportAlreadyRetracted,
            5102 => ReportAlreadyFinished,
            n => Other(n),
        }
    }

    /// Worth trying again later (NCMEC's side failed), as opposed to a report
    /// that must be corrected or credentials that must be fixed.
    pub fn is_transient(self) -> bool {
        use ResponseCode::*;
        matches!(
            self,
            ServerError | SaveFailed | UploadFailed | FileUploadFailed | UpdateFailed
        )
    }
}

/// What went wrong talking to the CyberTipline.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Missing credentials or a bad URL.
    #[error("CyberTipline configuration: {0}")]
    Config(String),
    /// The connection failed.
    #[error("CyberTipline unreachable: {0}")]
    Transport(String),
    /// HTTP 401: the credentials were refused.
    #[error("CyberTipline refused the credentials (HTTP 401)")]
    Unauthorized,
    /// Another HTTP error without a readable response.
    #[error("CyberTipline answered HTTP {0}")]
    Http(u16),
    /// The API answered with a non-zero response code.
    #[error("CyberTipline {step}: response code {code:?}: {description}")]
    Api {
        /// The call.
        step: &'static str,
        /// The code.
        code: ResponseCode,
        /// NCMEC's description.
        description: String,
    },
    /// The response was not the XML expected.
    #[error("CyberTipline {step}: unreadable response: {detail}")]
    Malformed {
        /// The call.
        step: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The flow failed after the report was opened.
    #[error(
        "submission of report {report_id} failed at {step} ({source}); retracted: {retracted}"
    )]
    Aborted {
        /// NCMEC's report id.
        report_id: String,
        /// The step that failed.
        step: &'static str,
        /// Why.
        source: Box<ClientError>,
        /// Whether the retraction succeeded.
        retracted: bool,
    },
}

/// API credentials. `Debug` never shows the password.
#[derive(Clone)]
pub struct Credentials {
    /// Username.
    pub username: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// From values.
    pub fn new(username: &str, password: &str) -> Credentials {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// From the environment variables the configuration names.
    pub fn from_env(config: &CyberTiplineConfig) -> Result<Credentials, ClientError> {
        let get = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    ClientError::Config(format!("set {name} (see [referrals.cybertipline])"))
                })
        };
        Ok(Credentials::new(
            &get(&config.username_env)?,
            &get(&config.password_env)?,
        ))
    }
}

/// What a finished submission returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// NCMEC's report id.
    pub report_id: String,
    /// NCMEC's file ids, in upload order.
    pub file_ids: Vec<String>,
}

/// A blocking CyberTipline client.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
}

/// One call's reply: the parsed root element.
struct Reply(Node);

impl Reply {
    fn text(&self, name: &str) -> Option<String> {
        self.0.text_of(name).filter(|s| !s.is_empty())
    }
}

fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let mut salt = 0u32;
    let boundary = loop {
        let mut seed = Vec::new();
        for (_, _, v) in fields {
            seed.extend_from_slice(&v[..v.len().min(4096)]);
        }
        seed.extend_from_slice(&salt.to_le_bytes());
        let b = format!("lifeguard-{}", &crate::sha256_hex(&seed)[..32]);
        if fields
            .iter()
            .all(|(_, _, v)| !v.windows(b.len()).any(|w| w == b.as_bytes()))
        {
            break b;
        }
        salt += 1;
    };
    let mut body = Vec::new();
    for (name, file, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `http://` to a loopback host.
fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Client {
    /// A client for the configured URL with these credentials.
    pub fn new(
        config: &CyberTiplineConfig,
        credentials: &Credentials,
    ) -> Result<Client, ClientError> {
        let base = config.url.trim_end_matches('/').to_owned();
        // Credentials and evidence travel in these requests: TLS is required,
        // except to this machine (a local relay or a test double).
        if !(base.starts_with("https://") || is_loopback_http(&base)) {
            return Err(ClientError::Config(format!(
                "url must be https:// (plain http only to localhost, 127.0.0.1 or [::1]): {base:?}"
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(config.timeout_secs.max(1))))
            .build()
            .into();
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", credentials.username, credentials.password))
        );
        Ok(Client { agent, base, auth })
    }

    fn call(
        &self,
        step: &'static str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Reply, ClientError> {
        let response = self
            .agent
            .post(&format!("{}/{step}", self.base))
            .header("authorization", &self.auth)
            .header("content-type", content_type)
            .send(body)
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        if status == 401 {
            return Err(ClientError::Unauthorized);
        }
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let root = match cybertip::parse(&text) {
            Ok(root) => root,
            Err(_) if !(200..300).contains(&status) => return Err(ClientError::Http(status)),
            Err(e) => {
                return Err(ClientError::Malformed {
                    step,
                    detail: e.to_string(),
                })
            }
        };
        let code = root
            .text_of("responseCode")
            .and_then(|c| c.trim().parse::<u32>().ok())
            .ok_or_else(|| ClientError::Malformed {
                step,
                detail: format!("<{}> has no numeric responseCode", root.name),
            })?;
        let code = ResponseCode::from_code(code);
        if code != ResponseCode::Success {
            return Err(ClientError::Api {
                step,
                code,
                description: root.text_of("responseDescription").unwrap_or_default(),
            });
        }
        Ok(Reply(root))
    }

    fn require(reply: &Reply, step: &'static str, name: &str) -> Result<String, ClientError> {
        reply.text(name).ok_or_else(|| ClientError::Malformed {
            step,
            detail: format!("no <{name}>"),
        })
    }

    /// Opens a report; returns NCMEC's report id.
    pub fn submit(&self, report_xml: &str) -> Result<String, ClientError> {
        let reply = self.call("submit", "text/xml; charset=utf-8", report_xml.as_bytes())?;
        Client::require(&reply, "submit", "reportId")
    }

    /// Uploads a file to an open report; returns NCMEC's file id.
    pub fn upload(
        &self,
        report_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, ClientError> {
        let (ct, body) = multipart(&[
            ("id", None, report_id.as_bytes()),
            ("file", Some(file_name), bytes),
        ]);
        let reply = self.call("upload", &ct, &body)?;
        Client::require(&reply, "upload", "fileId")
    }

    /// Sends a file's details.
    pub fn fileinfo(&self, file_details_xml: &str) -> Result<(), ClientError> {
        self.call(
            "fileinfo",
            "text/xml; charset=utf-8",
            file_details_xml.as_bytes(),
        )
        .map(|_| ())
    }

    /// Finishes a report; returns the file ids NCMEC holds for it.
    pub fn finish(&self, report_id: &str) -> Result<Vec<String>, ClientError> {
        let (ct, body) = multipart(&[("id", None, report_id.as_bytes())]);
        let reply = self.call("finish", &ct, &body)?;
        Ok(reply
            .0
            .child("files")
            .map(|f| f.all("fileId").map(|n| n.text.clone()).collect())
            .unwrap_or_default())
    }

    /// Retracts an open report.
    pub fn retract(&self, report_id: &str) -> Result<(), ClientError> {
        let (ct, body) = multipart(&[("id", None, report_id.as_bytes())]);
        self.call("retract", &ct, &body).map(|_| ())
    }

    /// The whole flow for a package: submit, upload and fileinfo per file held,
    /// finish; on failure after submit, retract.
    pub fn send(&self, package: &Package) -> Result<Submitted, ClientError> {
        let report_id = self.submit(&package.report_xml)?;
        let mut file_ids = Vec::new();
        let result = (|| {
            for p in &package.files {
                let Some(bytes) = &p.file.bytes else { continue };
                let file_id = self
                    .upload(&report_id, &p.file.file_name(), bytes)
                    .map_err(|e| ("upload", e))?;
                let details = file_details_for(&p.file, &report_id, &file_id);
                self.fileinfo(&cybertip::file_details_xml(&details))
                    .map_err(|e| ("fileinfo", e))?;
                file_ids.push(file_id);
            }
            self.finish(&report_id).map_err(|e| ("finish", e))
        })();
        match result {
            Ok(_) => Ok(Submitted {
                report_id,
                file_ids,
            }),
            Err((step, source)) => {
                let retracted = self.retract(&report_id).is_ok();
                Err(ClientError::Aborted {
                    report_id,
                    step,
                    source: Box::new(source),
                    retracted,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in [
            "https://report.cybertip.org/ispws",
            "http://127.0.0.1:8080/ispws",
            "http://localhost/ispws",
            "http://[::1]:9000/x",
        ] {
            assert!(ok.starts_with("https://") || is_loopback_http(ok), "{ok}");
        }
        for bad in [
            "http://report.cybertip.org/ispws",
            "http://localhost.evil.example/x",
            "http://10.0.0.1/x",
            "http://127.evil.example/x",
            "ftp://127.0.0.1/x",
        ] {
            assert!(!is_loopback_http(bad), "{bad}");
        }
    }

    #[test]
    fn codes_map_and_credentials_stay_secret() {
        assert_eq!(ResponseCode::from_code(4110), ResponseCode::MalformedXml);
        assert_eq!(ResponseCode::from_code(7), ResponseCode::Other(7));
        assert!(ResponseCode::ServerError.is_transient());
        assert!(!ResponseCode::ValidationFailed.is_transient());
        let c = Credentials::new("esp", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
        let config = CyberTiplineConfig {
            username_env: "LIFEGUARD_TEST_UNSET_USER_VAR".into(),
            ..CyberTiplineConfig::default()
        };
        assert!(matches!(
            Credentials::from_env(&config),
            Err(ClientError::Config(_))
        ));
        let bad = CyberTiplineConfig {
            url: "ftp://x".into(),
            ..CyberTiplineConfig::default()
        };
        assert!(Client::new(&bad, &c).is_err());
    }

    #[test]
    fn multipart_bodies_carry_fields_and_a_boundary_absent_from_the_data() {
        let (ct, body) = multipart(&[
            ("id", None, b"123"),
            ("file", Some("a.bin"), b"\x00\x01--x"),
        ]);
        let boundary = ct.split("boundary=").nth(1).unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(boundary).count(), 3);
        assert!(text.contains("name=\"id\"\r\n\r\n123\r\n"));
        assert!(text.contains("filename=\"a.bin\""));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
