//! The `[referrals]` and `[retention]` sections of `crates/safety/config/lifeguard.toml`:
//! who the platform is on a report, where the CyberTipline API is and where its
//! credentials come from, which reporters are trusted flaggers, how long
//! evidence is kept.

use serde::Deserialize;

use crate::Error;

/// The shortest preservation a hold may have: the US REPORT Act's one year.
pub const MIN_PRESERVATION_DAYS: i64 = 365;

/// `[referrals]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralsConfig {
    /// The platform's service name (`espService`, `chatClient`).
    pub service_name: String,
    /// The reporting person's first name.
    pub reporter_first_name: String,
    /// The reporting person's last name.
    pub reporter_last_name: String,
    /// The reporting person's email.
    pub reporter_email: String,
    /// The reporting person's phone, if any.
    pub reporter_phone: Option<String>,
    /// The terms of service URL.
    pub terms_of_service: Option<String>,
    /// Accounts whose reports count as a trusted flagger's (DSA article 22).
    pub trusted_flaggers: Vec<String>,
    /// The CyberTipline API.
    pub cybertipline: CyberTiplineConfig,
}

impl Default for ReferralsConfig {
    fn default() -> Self {
        ReferralsConfig {
            service_name: "Example Platform".into(),
            reporter_first_name: "Trust and".into(),
            reporter_last_name: "Safety".into(),
            reporter_email: "safety@platform.invalid".into(),
            reporter_phone: None,
            terms_of_service: None,
            trusted_flaggers: Vec::new(),
            cybertipline: CyberTiplineConfig::default(),
        }
    }
}

/// `[referrals.cybertipline]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CyberTiplineConfig {
    /// The API's base URL (NCMEC's test environment by default).
    pub url: String,
    /// The environment variable holding the API username.
    pub username_env: String,
    /// The environment variable holding the API password.
    pub password_env: String,
    /// Seconds before a request is abandoned.
    pub timeout_secs: u64,
}

impl Default for CyberTiplineConfig {
    fn default() -> Self {
        CyberTiplineConfig {
            url: "https://exttest.cybertip.org/ispws".into(),
            username_env: "LIFEGUARD_CYBERTIP_USERNAME".into(),
            password_env: "LIFEGUARD_CYBERTIP_PASSWORD".into(),
            timeout_secs: 60,
        }
    }
}

/// `[retention]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Events older than this many days are purged by `lifeguard report purge`;
    /// 0 keeps everything. Events under a preservation hold are never purged.
    pub events_days: i64,
    /// Days a preservation hold lasts at least (never less than 365).
    pub preservation_days: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            events_days: 0,
            preservation_days: MIN_PRESERVATION_DAYS,
        }
    }
}

fn from_table<T: for<'de> Deserialize<'de> + Default>(
    table: &toml::Table,
    section: &str,
) -> Result<T, Error> {
    if table.is_empty() {
        return Ok(T::default());
    }
    toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| Error::Invalid(format!("[{section}]: {e}")))
}

impl ReferralsConfig {
    /// Reads `[referrals]`; an empty table gives the defaults.
    pub fn from_table(table: &toml::Table) -> Result<Self, Error> {
        from_table(table, "referrals")
    }

    /// `[referrals]` of a configuration document (the defaults when absent).
    pub fn from_document(document: &toml::Table) -> Result<Self, Error> {
        ReferralsConfig::from_table(&section(document, "referrals")?)
    }
}

/// A section of a configuration document, empty when absent.
fn section(document: &toml::Table, name: &str) -> Result<toml::Table, Error> {
    match document.get(name) {
        Some(toml::Value::Table(t)) => Ok(t.clone()),
        Some(_) => Err(Error::Invalid(format!("[{name}] must be a table"))),
        None => Ok(toml::Table::new()),
    }
}

impl RetentionConfig {
    /// `[retention]` of a configuration document (the defaults when absent).
    pub fn from_document(document: &toml::Table) -> Result<Self, Error> {
        RetentionConfig::from_table(&section(document, "retention")?)
    }

    /// Reads and checks `[retention]`.
    pub fn from_table(table: &toml::Table) -> Result<Self, Error> {
        let c: RetentionConfig = from_table(table, "retention")?;
        if c.events_days < 0 {
            return Err(Error::Invalid(
                "[retention] events_days must be 0 or more".into(),
            ));
        }
        if c.preservation_days < MIN_PRESERVATION_DAYS {
            return Err(Error::Invalid(format!(
                "[retention] preservation_days must be at least {MIN_PRESERVATION_DAYS} (the REPORT Act's year)"
            )));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_parse_with_defaults_and_refuse_short_preservation() {
        let t: toml::Table =
            toml::from_str("service_name = \"Chat\"\n[cybertipline]\nurl = \"http://127.0.0.1:9\"")
                .unwrap();
        let c = ReferralsConfig::from_table(&t).unwrap();
        assert_eq!(c.service_name, "Chat");
        assert_eq!(c.cybertipline.url, "http://127.0.0.1:9");
        assert_eq!(c.cybertipline.username_env, "LIFEGUARD_CYBERTIP_USERNAME");
        let bad: toml::Table = toml::from_str("nope = 1").unwrap();
        assert!(ReferralsConfig::from_table(&bad)
            .unwrap_err()
            .to_string()
            .contains("nope"));
        let r = RetentionConfig::from_table(&toml::Table::new()).unwrap();
        assert_eq!((r.events_days, r.preservation_days), (0, 365));
        let short: toml::Table = toml::from_str("preservation_days = 90").unwrap();
        assert!(RetentionConfig::from_table(&short).is_err());
    }
}
