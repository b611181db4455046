//! The configuration file, parsed once at start. One file configures the whole
//! binary; each section is typed and checked by the crate that owns it, and no
//! crate reads another's: the engine's `[policy]`, `[suspicion]`, `[texts]` and
//! `[helplines]` (`lifeguard-safety`), `[console]` (`lifeguard-console`),
//! `[referrals]` and `[retention]` (`lifeguard-referrals`), `[[api_keys]]` (the
//! service). Keys left out keep the defaults of
//! `crates/safety/config/lifeguard.toml`.

use std::path::Path;

use anyhow::Context;
use lifeguard_console::ConsoleConfig;
use lifeguard_referrals::config::{ReferralsConfig, RetentionConfig};
use lifeguard_safety::Config;
use lifeguard_service::ApiKey;

/// Every section of the configuration, typed.
pub struct Settings {
    /// The safety engine's policy.
    pub safety: Config,
    /// The moderator console.
    pub console: ConsoleConfig,
    /// Referrals and transparency.
    pub referrals: ReferralsConfig,
    /// Retention and preservation.
    pub retention: RetentionConfig,
    /// API keys (hashes) for the service.
    pub api_keys: Vec<ApiKey>,
}

impl Settings {
    /// Reads and checks the file at `path`, or the defaults without one.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Settings> {
        let Some(path) = path else {
            return Settings::from_toml("").context("the default configuration");
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Settings::from_toml(&text).with_context(|| path.display().to_string())
    }

    /// The defaults with `text` (TOML) laid over them, every section checked.
    pub fn from_toml(text: &str) -> anyhow::Result<Settings> {
        let mut document = lifeguard_safety::config_document(text)?;
        let api_keys = match document.remove("api_keys") {
            Some(value) => value
                .try_into::<Vec<ApiKey>>()
                .context("invalid [[api_keys]] (name, scopes, sha256)")?,
            None => Vec::new(),
        };
        let console = ConsoleConfig::from_document(&document).map_err(anyhow::Error::msg)?;
        let referrals = ReferralsConfig::from_document(&document)?;
        let retention = RetentionConfig::from_document(&document)?;
        let safety = Config::from_document(document)?;
        Ok(Settings {
            safety,
            console,
            referrals,
            retention,
            api_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse_and_a_bad_section_names_itself() {
        let s = Settings::from_toml("").unwrap();
        assert!(s.api_keys.is_empty());
        assert_eq!(s.console.claim_minutes, 30);
        assert_eq!(s.retention.preservation_days, 365);
        let Err(err) = Settings::from_toml("[console]\nclaim_minutes = 0\n") else {
            panic!("accepted")
        };
        assert!(format!("{err:#}").contains("claim_minutes"), "{err:#}");
        let Err(err) = Settings::from_toml("[retention]\npreservation_days = 10\n") else {
            panic!("accepted")
        };
        assert!(format!("{err:#}").contains("preservation"), "{err:#}");
        let Err(err) = Settings::from_toml("[policy]\nno_such_key = 1\n") else {
            panic!("accepted")
        };
        assert!(format!("{err:#}").contains("no_such_key"), "{err:#}");
    }
}
