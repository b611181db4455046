//! What a child is about to give away: phone numbers, addresses, schools, handles
//! on other apps. The platform shows a nudge before the message is sent.

use regex::RegexSet;

/// Kinds of personal information a child may share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// A phone number.
    Phone,
    /// A street address or where they live.
    Address,
    /// Their school.
    School,
    /// A handle or account on another app.
    OtherApp,
}

const KINDS: [Disclosure; 4] = [
    Disclosure::Phone,
    Disclosure::Address,
    Disclosure::School,
    Disclosure::OtherApp,
];

/// Finds disclosures in a message (case-insensitive, on the raw text: the
/// behaviour detectors already normalise what an adult asks; this looks at what a
/// child types).
pub struct DisclosureDetector {
    set: RegexSet,
}

impl Default for DisclosureDetector {
    fn default() -> Self {
        DisclosureDetector::new()
    }
}

impl DisclosureDetector {
    /// Compiles the patterns.
    pub fn new() -> DisclosureDetector {
        let set = RegexSet::new([
            // Phone: 7+ digits with optional separators, or an international prefix.
            r"(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,5}\)?[\s.-]?){2,4}\d{2,4}",
            r"(?i)\b(?:my address is|i live (?:at|on)|\d{1,4}\s+\w+\s+(?:street|st|road|rd|avenue|ave|lane|ln|drive|close|way)\b|my postcode|my zip)",
            r"(?i)\b(?:i go to|my school is|i'?m at|we go to)\s+[\w' .-]{2,40}?(?:school|academy|high|middle|elementary|college)\b",
            r"(?i)\b(?:my|add me on|follow me on|i'?m on)\s+(?:snap(?:chat)?|sc|insta(?:gram)?|ig|whatsapp|discord|telegram|kik|tiktok)\b(?:\s+(?:is|it'?s|:))?|(?:snap|insta|discord|kik|telegram)\s*(?:is|:)\s*@?\w{3,}",
        ])
        .expect("disclosure patterns compile");
        DisclosureDetector { set }
    }

    /// The kinds of personal information in `text`.
    pub fn find(&self, text: &str) -> Vec<Disclosure> {
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        self.set
            .matches(text)
            .into_iter()
            .map(|i| KINDS[i])
            // A phone number has at least 7 digits; "13" or "2 3 4" is not one.
            .filter(|k| *k != Disclosure::Phone || digits >= 7)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_a_child_gives_away() {
        let d = DisclosureDetector::new();
        let cases = [
            ("my number is 07700 900123", vec![Disclosure::Phone]),
            ("call me on +44 7700 900123", vec![Disclosure::Phone]),
            ("i live on 12 elm street", vec![Disclosure::Address]),
            ("i go to st mary's high school", vec![Disclosure::School]),
            ("my snap is maya_draws", vec![Disclosure::OtherApp]),
            ("ok add me on snap", vec![Disclosure::OtherApp]),
        ];
        for (text, expected) in cases {
            assert_eq!(d.find(text), expected, "{text}");
        }
        for text in [
            "im 13",
            "lol see you at 7",
            "level 3 boss",
            "we had art at school today",
            "2 + 2 = 4",
        ] {
            assert!(d.find(text).is_empty(), "{text}: {:?}", d.find(text));
        }
    }
}
