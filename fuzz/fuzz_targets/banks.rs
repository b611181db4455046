//! Feeds arbitrary text to the hash-bank parsers (Lifeguard's CSV and the
//! ThreatExchange/HMA PDQ list): a list of rows or an error naming the line,
//! never a panic; every row that parses loads into a matcher.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run banks` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_media::banks::{parse_bank_csv, parse_pdq_list};
use lifeguard_media::{BankSpec, Matcher};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for rows in [parse_bank_csv(text), parse_pdq_list(text)].into_iter().flatten() {
        let mut m = Matcher::new();
        let b = m.add_bank(BankSpec {
            name: "fuzz".into(),
            label: "fuzz".into(),
            pdq_threshold: 31,
        });
        for r in rows {
            m.add_hash(b, r.hash_type, &r.hash, r.label)
                .expect("a parsed row must load");
        }
    }
});
