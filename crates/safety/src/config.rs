use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Action;

/// The default configuration file, embedded: `crates/safety/config/lifeguard.toml`.
/// It holds every section of the one file a deployment writes: the engine's
/// (`[policy]`, `[suspicion]`, `[texts]`, `[helplines]`) and the sections of
/// [`OTHER_SECTIONS`], which other crates read.
pub const DEFAULT_CONFIG: &str = include_str!("../config/lifeguard.toml");

/// Sections of the configuration file that other crates own: `[console]`
/// (`lifeguard-console`), `[referrals]` and `[retention]`
/// (`lifeguard-referrals`), `[[api_keys]]` (the service). [`Config`] leaves them
/// to their owners; the binary hands each its section ([`document`]).
pub const OTHER_SECTIONS: &[&str] = &["console", "referrals", "retention", "api_keys"];

/// The whole configuration document: the embedded defaults with `text` (TOML)
/// laid over them key by key. The binary parses it once and gives each crate
/// its section.
pub fn document(text: &str) -> Result<toml::Table, ConfigError> {
    let mut base: toml::Value = toml::from_str(DEFAULT_CONFIG)
        .map_err(|e| ConfigError(format!("embedded defaults: {e}")))?;
    let over: toml::Value = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
    merge(&mut base, over);
    match base {
        toml::Value::Table(t) => Ok(t),
        _ => Err(ConfigError("the configuration is not a table".into())),
    }
}

/// A platform's safe-account configuration (see `crates/safety/config/lifeguard.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Protective defaults for minors.
    pub policy: Policy,
    /// When an adult becomes suspicious.
    pub suspicion: Suspicion,
    /// What the child is shown.
    pub texts: Texts,
    /// Helplines by ISO country code, with a `default` entry.
    pub helplines: BTreeMap<String, Vec<Helpline>>,
}

/// Protective defaults for minors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A DM to a minor from an adult outside the minor's connections.
    pub dm_from_unconnected_adult: Action,
    /// Contact with a minor from an adult restricted as suspicious.
    pub contact_from_restricted_adult: Action,
    /// Receivers of unknown age are treated as minors.
    pub unknown_age_is_minor: bool,
    /// Senders of unknown age are treated as adults.
    pub unknown_sender_is_adult: bool,
    /// Accounts younger than this many days are flagged on safety cards.
    pub new_account_days: i64,
}

/// Thresholds that make an adult suspicious.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suspicion {
    /// The sliding window for the counts below.
    pub window_hours: i64,
    /// Friend requests to minors within the window.
    pub friend_requests_to_minors: usize,
    /// Minors messaged for the first time within the window.
    pub new_minor_contacts: usize,
    /// Share of requests to minors that minors rejected or blocked.
    pub refusal_rate: f64,
    /// Requests needed before the refusal rate counts.
    pub min_requests: usize,
    /// Distinct minors who reported the adult.
    pub reports_by_minors: usize,
}

/// Texts shown to the child.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// First message from a new contact.
    pub first_contact: String,
    /// Before sharing personal information.
    pub personal_info: String,
    /// When asked to move to another app.
    pub platform_move: String,
    /// When a conversation's grooming risk crosses the threshold.
    pub grooming_alert: String,
    /// When someone threatens to share images.
    pub sextortion_support: String,
}

/// A helpline or support service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Helpline {
    /// Its name.
    pub name: String,
    /// A phone number, where it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A web address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(base), toml::Value::Table(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    // Helpline lists replace, tables merge key by key.
                    Some(existing)
                        if existing.is_table() && value.is_table() && key != "helplines" =>
                    {
                        merge(existing, value)
                    }
                    Some(existing) if key == "helplines" => merge_helplines(existing, value),
                    _ => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

fn merge_helplines(base: &mut toml::Value, over: toml::Value) {
    if let (toml::Value::Table(base), toml::Value::Table(over)) = (&mut *base, &over) {
        for (country, list) in over {
            base.insert(country.clone(), list.clone());
        }
    } else {
        *base = over;
    }
}

impl Config {
    /// The embedded defaults.
    pub fn default_config() -> Config {
        Config::from_toml("").expect("the embedded default configuration is valid")
    }

    /// The defaults with `text` (TOML) laid over them key by key; the sections
    /// other crates own ([`OTHER_SECTIONS`]) are left to them.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        Config::from_document(document(text)?)
    }

    /// The engine's part of a [`document`]: everything but [`OTHER_SECTIONS`].
    pub fn from_document(mut document: toml::Table) -> Result<Config, ConfigError> {
        for section in OTHER_SECTIONS {
            document.remove(*section);
        }
        let config: Config = toml::Value::Table(document)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.suspicion;
        if s.window_hours <= 0 {
            return Err(ConfigError(
                "suspicion.window_hours must be positive".into(),
            ));
        }
        if !(0.0..=1.0).contains(&s.refusal_rate) {
            return Err(ConfigError(
                "suspicion.refusal_rate must be between 0 and 1".into(),
            ));
        }
        if !self.helplines.contains_key("default") {
            return Err(ConfigError(
                "helplines.default must list at least one helpline".into(),
            ));
        }
        Ok(())
    }

    /// The helplines for a child in `country`.
    pub fn helplines_for(&self, country: Option<&str>) -> Vec<Helpline> {
        country
            .and_then(|c| self.helplines.get(&c.to_ascii_uppercase()))
            .or_else(|| self.helplines.get("default"))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_follow_the_codes() {
        let c = Config::default_config();
        assert_eq!(c.policy.dm_from_unconnected_adult, Action::Hold);
        assert_eq!(
            c.helplines_for(Some("gb"))[0].phone.as_deref(),
            Some("0800 1111")
        );
        assert!(c.helplines_for(Some("ZZ"))[0]
            .name
            .contains("Child Helpline International"));
    }

    #[test]
    fn a_file_overrides_key_by_key() {
        let c = Config::from_toml(
            "[policy]\ndm_from_unconnected_adult = \"block\"\n[[helplines.FR]]\nname = \"3018\"\nphone = \"3018\"\n",
        )
        .unwrap();
        assert_eq!(c.policy.dm_from_unconnected_adult, Action::Block);
        assert_eq!(c.policy.new_account_days, 30);
        assert_eq!(c.helplines_for(Some("FR"))[0].name, "3018");
        assert!(c.helplines.contains_key("GB"));
    }

    #[test]
    fn bad_files_name_the_problem() {
        let err = Config::from_toml("[policy]\ndm_from_unconnected_adult = \"maybe\"").unwrap_err();
        assert!(err.to_string().contains("maybe"), "{err}");
        let err = Config::from_toml("[policy]\nnot_a_key = 1").unwrap_err();
        assert!(err.to_string().contains("not_a_key"), "{err}");
        let err = Config::from_toml("[suspicion]\nrefusal_rate = 3.0").unwrap_err();
        assert!(err.to_string().contains("refusal_rate"), "{err}");
    }
}
