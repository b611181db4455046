use serde::{Deserialize, Serialize};

/// The age band of an account, the basis of every safe-account rule.
///
/// Bands follow the ones platforms and regulators use for children's codes: under 13
/// (most platforms' minimum age), 13-15, 16-17, adult, and unknown (no declaration).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum AgeBand {
    /// Younger than 13.
    #[serde(rename = "under_13")]
    Under13,
    /// 13, 14 or 15.
    #[serde(rename = "13_15")]
    Age13To15,
    /// 16 or 17.
    #[serde(rename = "16_17")]
    Age16To17,
    /// 18 or older.
    #[serde(rename = "adult")]
    Adult,
    /// Nothing declared or estimated.
    #[serde(rename = "unknown")]
    Unknown,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 5] = [
        AgeBand::Under13,
        AgeBand::Age13To15,
        AgeBand::Age16To17,
        AgeBand::Adult,
        AgeBand::Unknown,
    ];

    /// The band for an age in whole years.
    pub fn from_age(age: u32) -> AgeBand {
        match age {
            0..=12 => AgeBand::Under13,
            13..=15 => AgeBand::Age13To15,
            16..=17 => AgeBand::Age16To17,
            _ => AgeBand::Adult,
        }
    }

    /// The band of someone born in `birth_year`, seen in `current_year`. Without a
    /// birthday the age is uncertain by one year; the younger band wins, because a
    /// child treated as older loses protection.
    pub fn from_birth_year(birth_year: i32, current_year: i32) -> AgeBand {
        let oldest = current_year - birth_year;
        if oldest < 0 {
            return AgeBand::Unknown;
        }
        AgeBand::from_age((oldest - 1).max(0) as u32)
    }

    /// Whether the band is a child's (under 18).
    pub fn is_minor(self) -> bool {
        matches!(
            self,
            AgeBand::Under13 | AgeBand::Age13To15 | AgeBand::Age16To17
        )
    }

    /// The wire name, as in the JSON envelope.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Under13 => "under_13",
            AgeBand::Age13To15 => "13_15",
            AgeBand::Age16To17 => "16_17",
            AgeBand::Adult => "adult",
            AgeBand::Unknown => "unknown",
        }
    }
}

/// How sure the platform is of an account's age.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AgeAssurance {
    /// No age information at all.
    #[default]
    None,
    /// The user typed it in.
    SelfDeclared,
    /// Estimated (facial age estimation, behavioural signals).
    Estimated,
    /// Verified against a document or a trusted third party.
    Verified,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_from_age() {
        assert_eq!(AgeBand::from_age(9), AgeBand::Under13);
        assert_eq!(AgeBand::from_age(12), AgeBand::Under13);
        assert_eq!(AgeBand::from_age(13), AgeBand::Age13To15);
        assert_eq!(AgeBand::from_age(15), AgeBand::Age13To15);
        assert_eq!(AgeBand::from_age(16), AgeBand::Age16To17);
        assert_eq!(AgeBand::from_age(17), AgeBand::Age16To17);
        assert_eq!(AgeBand::from_age(18), AgeBand::Adult);
    }

    #[test]
    fn birth_year_takes_the_younger_band() {
        // Born 2008, seen in 2026: 17 or 18 -> treated as 17.
        assert_eq!(AgeBand::from_birth_year(2008, 2026), AgeBand::Age16To17);
        assert_eq!(AgeBand::from_birth_year(2000, 2026), AgeBand::Adult);
        assert_eq!(AgeBand::from_birth_year(2030, 2026), AgeBand::Unknown);
    }

    #[test]
    fn wire_names_round_trip() {
        for band in AgeBand::ALL {
            let json = serde_json::to_string(&band).unwrap();
            assert_eq!(json, format!("\"{}\"", band.as_str()));
            assert_eq!(serde_json::from_str::<AgeBand>(&json).unwrap(), band);
        }
    }
}
