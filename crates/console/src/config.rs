//! The `[console]` section of the configuration file.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::Queue;

/// The console's settings (`[console]` in `crates/safety/config/lifeguard.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Hours a session lasts.
    #[serde(default = "default_session_hours")]
    pub session_hours: i64,
    /// Send the session cookie only over HTTPS (set when served behind TLS).
    #[serde(default)]
    pub secure_cookies: bool,
    /// Failed logins for one username, within `login_window_minutes`, before
    /// further attempts are refused until the window ends.
    #[serde(default = "default_login_failures")]
    pub login_failures: u32,
    /// See `login_failures`.
    #[serde(default = "default_login_window")]
    pub login_window_minutes: i64,
    /// Response-time targets in hours, by queue wire name.
    #[serde(default)]
    pub sla_hours: BTreeMap<String, f64>,
    /// Where actions go.
    #[serde(default)]
    pub webhook: Option<WebhookConfig>,
    /// Minutes a claim lasts without its holder acting or claiming again;
    /// after that anyone allowed to work the case may take it over, so a case
    /// never stays locked by someone who went home.
    #[serde(default = "default_claim_minutes")]
    pub claim_minutes: i64,
}

/// The platform's action webhook.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The URL each action is POSTed to.
    pub url: String,
    /// The environment variable holding the shared HMAC-SHA256 secret (secrets
    /// stay out of configuration files).
    #[serde(default = "default_secret_env")]
    pub secret_env: String,
    /// Attempts before a delivery is marked failed.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// The first retry's delay in milliseconds; each retry doubles it (up to an hour).
    #[serde(default = "default_backoff")]
    pub backoff_ms: u64,
    /// The secret itself, for tests and the demo; prefer `secret_env`.
    #[serde(default)]
    pub secret: Option<String>,
}

fn default_session_hours() -> i64 {
    12
}
fn default_login_failures() -> u32 {
    5
}
fn default_login_window() -> i64 {
    15
}
fn default_claim_minutes() -> i64 {
    30
}
fn default_secret_env() -> String {
    "LIFEGUARD_WEBHOOK_SECRET".into()
}
fn default_attempts() -> u32 {
    8
}
fn default_backoff() -> u64 {
    2000
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            session_hours: default_session_hours(),
            secure_cookies: false,
            login_failures: default_login_failures(),
            login_window_minutes: default_login_window(),
            sla_hours: BTreeMap::new(),
            webhook: None,
            claim_minutes: default_claim_minutes(),
        }
    }
}

impl ConsoleConfig {
    /// `[console]` of a configuration document
    /// ([`lifeguard_safety::config_document`]); the defaults when it has none.
    pub fn from_document(document: &toml::Table) -> Result<ConsoleConfig, String> {
        match document.get("console") {
            Some(toml::Value::Table(t)) => ConsoleConfig::from_table(t),
            Some(_) => Err("[console] must be a table".into()),
            None => ConsoleConfig::from_table(&toml::Table::new()),
        }
    }

    /// Reads the `[console]` table (already merged over the defaults).
    pub fn from_table(table: &toml::Table) -> Result<ConsoleConfig, String> {
        let config: ConsoleConfig = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| format!("[console]: {e}"))?;
        for (queue, hours) in &config.sla_hours {
            if Queue::parse(queue).is_none() {
                let known: Vec<_> = Queue::ALL.iter().map(|q| q.as_str()).collect();
                return Err(format!(
                    "[console.sla_hours]: unknown queue {queue:?} (queues: {})",
                    known.join(", ")
                ));
            }
            if !(*hours > 0.0 && hours.is_finite()) {
                return Err(format!(
                    "[console.sla_hours]: {queue} must be a positive number of hours"
                ));
            }
        }
        if !(1..=7 * 24 * 60).contains(&config.claim_minutes) {
            return Err(format!(
                "[console]: claim_minutes must be between 1 and 10080 (a week), not {}",
                config.claim_minutes
            ));
        }
        if config.session_hours <= 0 || config.login_window_minutes <= 0 {
            return Err(
                "[console]: session_hours and login_window_minutes must be positive".into(),
            );
        }
        Ok(config)
    }

    /// The response-time target for a queue, in hours (a day where none is set).
    pub fn sla(&self, queue: Queue) -> f64 {
        self.sla_hours.get(queue.as_str()).copied().unwrap_or(24.0)
    }

    /// The webhook secret, from the environment variable or the file.
    pub fn webhook_secret(&self) -> Option<String> {
        let w = self.webhook.as_ref()?;
        std::env::var(&w.secret_env)
            .ok()
            .filter(|s| !s.is_empty())
            .or_else(|| w.secret.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_sets_targets_for_every_queue() {
        let document = lifeguard_safety::config_document("").unwrap();
        let console = ConsoleConfig::from_document(&document).unwrap();
        for q in Queue::ALL {
            assert!(console.sla_hours.contains_key(q.as_str()), "{q:?}");
        }
        assert_eq!(console.sla(Queue::ImminentRisk), 1.0);
    }

    #[test]
    fn claim_minutes_must_be_sensible() {
        let document = lifeguard_safety::config_document("").unwrap();
        assert_eq!(
            ConsoleConfig::from_document(&document)
                .unwrap()
                .claim_minutes,
            30
        );
        let console = document["console"].as_table().unwrap();
        for bad in [0i64, -5, 7 * 24 * 60 + 1, i64::MAX] {
            let mut t = console.clone();
            t.insert("claim_minutes".into(), toml::Value::Integer(bad));
            let err = ConsoleConfig::from_table(&t).unwrap_err();
            assert!(err.contains("claim_minutes"), "{err}");
        }
    }

    #[test]
    fn bad_settings_name_the_problem() {
        let t: toml::Table = "sla_hours = { soon = 1 }".parse().unwrap();
        assert!(ConsoleConfig::from_table(&t).unwrap_err().contains("soon"));
        let t: toml::Table = "sla_hours = { grooming = -1 }".parse().unwrap();
        assert!(ConsoleConfig::from_table(&t)
            .unwrap_err()
            .contains("positive"));
        let t: toml::Table = "colour = 1".parse().unwrap();
        assert!(ConsoleConfig::from_table(&t)
            .unwrap_err()
            .contains("colour"));
    }
}
