//! The engine in-process (the service's tests cover every rule over HTTP).

use lifeguard_core::Event;
use lifeguard_safety::{Config, Reason, SafetyEngine};

fn ev(json: &str) -> Event {
    serde_json::from_str(json).unwrap()
}

#[test]
fn detector_reads_the_claimed_age() {
    let d = lifeguard_detect::Detector::new();
    let hits = d.detect_unfiltered("lol im 14", Default::default());
    assert!(hits.iter().any(|h| h.disclosed_age == Some(14)), "{hits:?}");
}

#[test]
fn a_declared_adult_claiming_to_be_14_is_flagged() {
    let mut e = SafetyEngine::new(Config::default_config()).unwrap();
    e.apply(
        &ev(r#"{"id":"1","type":"account_created","account":"kid","age_band":"13_15"}"#),
        None,
    );
    e.apply(
        &ev(r#"{"id":"2","type":"account_created","account":"man","age_band":"adult"}"#),
        None,
    );
    let d = e.apply(
        &ev(r#"{"id":"3","type":"message","conversation":"c","sender":"man","recipients":["kid"],"text":"lol im 14"}"#),
        None,
    );
    assert!(d.case.is_some(), "{d:?}");
    let view = e.account_view("man").unwrap();
    assert!(view.reasons.contains(&Reason::AgeClaimContradictsDeclared));
}
