//! Every safe-account rule and alert, over real HTTP, on synthetic non-explicit fixtures.

mod common;

use common::*;
use serde_json::json;

const T0: &str = "2026-11-20T10:00:00Z";

fn world(server: &Server) {
    server.send(&[
        account("maya", "13_15", "GB", "2025-01-01T00:00:00Z"),
        account("sam", "under_13", "GB", "2025-01-01T00:00:00Z"),
        account("priya", "16_17", "IE", "2024-01-01T00:00:00Z"),
        account("dana", "adult", "GB", "2020-01-01T00:00:00Z"),
        account("stranger", "adult", "US", "2026-11-19T00:00:00Z"),
    ]);
}

fn fresh() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir.path().join("t.db"));
    world(&server);
    (dir, server)
}

#[test]
fn dm_from_an_unconnected_adult_is_held_with_a_first_contact_safety_card() {
    let (_d, s) = fresh();
    let d = s.one(msg("m1", "c1", "stranger", "maya", "hi there", T0));
    assert_eq!(d["action"], "hold");
    assert!(
        reasons(&d).contains(&"dm_from_unconnected_adult".to_owned()),
        "{d}"
    );
    let n = notice(&d, "first_contact").expect("first-contact notice");
    assert_eq!(n["to"], "maya");
    assert_eq!(n["card"]["account"], "stranger");
    assert_eq!(n["card"]["new_account"], true);
    assert_eq!(n["card"]["different_country"], true);
    assert_eq!(n["card"]["mutual_connections"], 0);
    // The first-contact notice shows once per pair.
    let d = s.one(msg("m2", "c1", "stranger", "maya", "you there?", T0));
    assert!(notice(&d, "first_contact").is_none());
    assert_eq!(d["action"], "hold");
}

#[test]
fn a_connected_adult_may_message_and_a_block_stops_them() {
    let (_d, s) = fresh();
    s.send(&[
        rel("r1", "friend_request", "dana", "maya", T0),
        rel("r2", "accept", "maya", "dana", T0),
    ]);
    let d = s.one(msg(
        "m1",
        "c1",
        "dana",
        "maya",
        "dinner at 6, don't forget your coat",
        T0,
    ));
    assert_eq!(d["action"], "allow", "{d}");
    s.one(rel("r3", "block", "maya", "dana", T0));
    let d = s.one(msg("m2", "c1", "dana", "maya", "hello?", T0));
    assert_eq!(d["action"], "block");
    assert!(reasons(&d).contains(&"blocked_by_recipient".to_owned()));
}

#[test]
fn minors_chatting_with_each_other_are_not_held() {
    let (_d, s) = fresh();
    let d = s.one(msg(
        "m1",
        "c1",
        "sam",
        "maya",
        "wanna play later? we need to kill the boss",
        T0,
    ));
    assert_eq!(d["action"], "allow", "{d}");
}

#[test]
fn a_burst_of_friend_requests_to_minors_restricts_the_adult_and_opens_one_case() {
    let (_d, s) = fresh();
    let mut events = Vec::new();
    for i in 0..8 {
        events.push(account(
            &format!("kid{i}"),
            "13_15",
            "GB",
            "2025-01-01T00:00:00Z",
        ));
        events.push(rel(
            &format!("fr{i}"),
            "friend_request",
            "stranger",
            &format!("kid{i}"),
            &format!("2026-11-20T10:0{i}:00Z"),
        ));
    }
    let decisions = s.send(&events);
    let case = decisions.last().unwrap()["case"]
        .as_str()
        .expect("case opened")
        .to_owned();
    let view = s.get("/v1/accounts/stranger/risk", Some(READ_ONLY)).json();
    assert_eq!(view["restricted"], true);
    assert_eq!(view["friend_requests_to_minors"], 8);
    assert!(view["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("many_requests_to_minors")));
    assert_eq!(view["open_case"], case.as_str());
    // Now restricted: further requests and messages to minors are blocked.
    let d = s.one(rel("fr9", "friend_request", "stranger", "sam", T0));
    assert_eq!(d["action"], "block");
    assert!(reasons(&d).contains(&"restricted_adult".to_owned()));
    let d = s.one(msg("m1", "c9", "stranger", "priya", "hey", T0));
    assert_eq!(d["action"], "block");
    // One open case for the suspect, however many events touched it.
    let cases = s.get("/v1/cases", Some(READ_ONLY)).json();
    let theirs: Vec<_> = cases
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["suspect"] == "stranger")
        .collect();
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0]["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("suspicious_contact")));
}

#[test]
fn a_high_refusal_rate_by_minors_makes_an_adult_suspicious() {
    let (_d, s) = fresh();
    let mut events = Vec::new();
    for (i, kid) in ["maya", "sam", "priya", "kidx"].iter().enumerate() {
        if *kid == "kidx" {
            events.push(account("kidx", "16_17", "GB", "2025-01-01T00:00:00Z"));
        }
        events.push(rel(
            &format!("fr{i}"),
            "friend_request",
            "stranger",
            kid,
            T0,
        ));
    }
    events.push(rel("rj1", "reject", "maya", "stranger", T0));
    events.push(rel("rj2", "block", "sam", "stranger", T0));
    let decisions = s.send(&events);
    assert!(decisions.last().unwrap()["case"].is_string());
    let view = s.get("/v1/accounts/stranger/risk", Some(READ_ONLY)).json();
    assert_eq!(view["refused_by_minors"], 2);
    assert!(
        view["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("high_refusal_rate")),
        "{view}"
    );
}

#[test]
fn reports_by_minors_open_a_case_and_two_reporters_restrict() {
    let (_d, s) = fresh();
    let d = s.one(json!({"id": "rp1", "type": "relationship", "kind": "report", "from": "maya", "to": "stranger",
                         "reason": "asked my age", "conversation": "c1"}));
    let case = d["case"].as_str().unwrap().to_owned();
    let c = s.get(&format!("/v1/cases/{case}"), Some(READ_ONLY)).json();
    assert_eq!(c["reports"], 1);
    assert!(c["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("user_report")));
    assert_eq!(
        s.get("/v1/accounts/stranger/risk", Some(READ_ONLY)).json()["restricted"],
        false
    );
    s.one(rel("rp2", "report", "sam", "stranger", T0));
    let view = s.get("/v1/accounts/stranger/risk", Some(READ_ONLY)).json();
    assert_eq!(view["restricted"], true);
    assert_eq!(view["open_case"], case.as_str(), "the same case, merged");
}

#[test]
fn many_new_minor_contacts_make_an_adult_suspicious() {
    let (_d, s) = fresh();
    let mut events = Vec::new();
    for i in 0..5 {
        events.push(account(
            &format!("k{i}"),
            "under_13",
            "GB",
            "2025-01-01T00:00:00Z",
        ));
        events.push(msg(
            &format!("m{i}"),
            &format!("c{i}"),
            "stranger",
            &format!("k{i}"),
            "hey",
            T0,
        ));
    }
    s.send(&events);
    let view = s.get("/v1/accounts/stranger/risk", Some(READ_ONLY)).json();
    assert_eq!(view["minors_contacted"], 5);
    assert!(
        view["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("many_new_minor_contacts")),
        "{view}"
    );
}

#[test]
fn a_declared_adult_claiming_a_childs_age_is_suspicious() {
    let (_d, s) = fresh();
    s.send(&[
        rel("r1", "friend_request", "dana", "maya", T0),
        rel("r2", "accept", "maya", "dana", T0),
    ]);
    s.one(msg("m0", "c1", "maya", "dana", "how old are you?", T0));
    let d = s.one(msg("m1", "c1", "dana", "maya", "lol im 14", T0));
    assert!(d["case"].is_string(), "{d}");
    let view = s.get("/v1/accounts/dana/risk", Some(READ_ONLY)).json();
    assert!(
        view["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("age_claim_contradicts_declared")),
        "{view}"
    );
}

#[test]
fn a_child_sharing_personal_details_gets_a_nudge() {
    let (_d, s) = fresh();
    let d = s.one(msg(
        "m1",
        "c1",
        "maya",
        "sam",
        "my number is 07700 900123",
        T0,
    ));
    assert_eq!(d["action"], "warn");
    assert!(reasons(&d).contains(&"personal_information".to_owned()));
    assert_eq!(notice(&d, "personal_information").unwrap()["to"], "maya");
    let d = s.one(msg("m2", "c1", "maya", "sam", "see you at 7", T0));
    assert_eq!(d["action"], "allow");
}

#[test]
fn an_adult_asking_a_child_to_move_apps_triggers_a_notice_to_the_child() {
    let (_d, s) = fresh();
    s.send(&[
        rel("r1", "friend_request", "dana", "maya", T0),
        rel("r2", "accept", "maya", "dana", T0),
    ]);
    let d = s.one(msg(
        "m1",
        "c1",
        "dana",
        "maya",
        "add me on snap, it's easier",
        T0,
    ));
    assert!(reasons(&d).contains(&"platform_move".to_owned()), "{d}");
    assert_eq!(notice(&d, "platform_move").unwrap()["to"], "maya");
}

fn grooming(s: &Server, adult: &str, child: &str, conv: &str) -> Vec<serde_json::Value> {
    s.send(&[
        rel(&format!("{conv}-r1"), "friend_request", adult, child, T0),
        rel(&format!("{conv}-r2"), "accept", child, adult, T0),
    ]);
    let script = [
        (adult, "hey, saw your drawings, they're really good"),
        (child, "thanks!"),
        (adult, "how old are you?"),
        (child, "13"),
        (adult, "you seem really mature for your age"),
        (adult, "are your parents home right now?"),
        (child, "no they're at work"),
        (adult, "don't tell your mum we talk ok"),
        (adult, "add me on snap, it's easier to chat there"),
        (adult, "send me a pic of you?"),
    ];
    script
        .iter()
        .enumerate()
        .map(|(i, (who, text))| {
            let to = if *who == adult { child } else { adult };
            s.one(msg(&format!("{conv}-{i}"), conv, who, to, text, T0))
        })
        .collect()
}

#[test]
fn grooming_alerts_the_child_with_local_helplines_and_opens_a_case_with_evidence() {
    let (_d, s) = fresh();
    let decisions = grooming(&s, "stranger", "maya", "g1");
    let alerted: Vec<&serde_json::Value> = decisions
        .iter()
        .filter(|d| notice(d, "grooming_alert").is_some())
        .collect();
    assert_eq!(alerted.len(), 1, "exactly one grooming alert");
    let n = notice(alerted[0], "grooming_alert").unwrap();
    assert_eq!(n["to"], "maya");
    assert!(n["text"].as_str().unwrap().contains("not your fault"));
    assert_eq!(n["helplines"][0]["phone"], "0800 1111", "{n}");
    assert!(n["actions"]
        .as_array()
        .unwrap()
        .contains(&json!("block_and_report")));
    // The case names behaviours with message spans.
    let case_id = decisions.last().unwrap()["case"]
        .as_str()
        .unwrap()
        .to_owned();
    let case = s
        .get(&format!("/v1/cases/{case_id}"), Some(READ_ONLY))
        .json();
    assert_eq!(case["suspect"], "stranger");
    assert!(case["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("grooming")));
    assert_eq!(case["children"]["maya"], "13_15");
    let behaviours: Vec<&str> = case["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["behaviour"].as_str())
        .collect();
    for b in ["age_probing", "secrecy", "platform_move"] {
        assert!(behaviours.contains(&b), "{b} missing from {behaviours:?}");
    }
    assert!(case["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["spans"].as_array().is_some_and(|s| !s.is_empty())));
    let conv = s.get("/v1/conversations/g1/risk", Some(READ_ONLY)).json();
    assert_eq!(conv["suspect"], "stranger");
    assert!(conv["risk"].as_f64().unwrap() >= 0.5);
    assert!(
        conv["alert_seq"].as_u64().unwrap() < 10,
        "alert before the end: {conv}"
    );
    // An Irish child gets Irish helplines.
    let decisions = grooming(&s, "dana", "priya", "g2");
    let n = decisions
        .iter()
        .find_map(|d| notice(d, "grooming_alert"))
        .expect("alert")
        .clone();
    assert_eq!(n["helplines"][0]["name"], "Childline Ireland");
}

#[test]
fn ordinary_chats_never_alert() {
    let (_d, s) = fresh();
    s.send(&[
        rel("r1", "friend_request", "dana", "maya", T0),
        rel("r2", "accept", "maya", "dana", T0),
    ]);
    let chats = [
        (
            "c1",
            "dana",
            "maya",
            "how was school? don't tell your brother about the cake, it's a surprise",
        ),
        ("c1", "maya", "dana", "good! we had art"),
        ("c2", "sam", "maya", "did you finish the maths homework"),
        (
            "c2",
            "maya",
            "sam",
            "lol no. kill him with the ice sword on level 3",
        ),
        ("c2", "sam", "maya", "push mid, i'll destroy them"),
    ];
    for (i, (c, from, to, text)) in chats.iter().enumerate() {
        let d = s.one(msg(&format!("o{i}"), c, from, to, text, T0));
        assert!(notice(&d, "grooming_alert").is_none(), "{text}: {d}");
        assert!(d["case"].is_null(), "{text}: {d}");
    }
    assert!(s
        .get("/v1/cases", Some(READ_ONLY))
        .json()
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn sextortion_brings_support_to_the_child_and_a_sextortion_case() {
    let (_d, s) = fresh();
    s.send(&[
        rel("r1", "friend_request", "stranger", "priya", T0),
        rel("r2", "accept", "priya", "stranger", T0),
    ]);
    let script = [
        ("stranger", "priya", "how old are you"),
        ("priya", "stranger", "16"),
        ("stranger", "priya", "send me a pic"),
        (
            "stranger",
            "priya",
            "i have your pics. pay me $100 or i'll send them to all your followers",
        ),
    ];
    let decisions: Vec<_> = script
        .iter()
        .enumerate()
        .map(|(i, (f, t, text))| s.one(msg(&format!("x{i}"), "x", f, t, text, T0)))
        .collect();
    let last = decisions.last().unwrap();
    assert!(reasons(last).contains(&"sextortion".to_owned()), "{last}");
    let n = notice(last, "sextortion_support").expect("support notice");
    assert_eq!(n["to"], "priya");
    assert!(n["text"].as_str().unwrap().contains("don't pay"));
    let case = s
        .get(
            &format!("/v1/cases/{}", last["case"].as_str().unwrap()),
            Some(READ_ONLY),
        )
        .json();
    assert!(case["categories"]
        .as_array()
        .unwrap()
        .contains(&json!("sextortion")));
    let top = &s.get("/v1/cases", Some(READ_ONLY)).json()[0];
    assert_eq!(top["suspect"], "stranger");
}

#[test]
fn visibility_hides_minors_from_strangers_and_restricted_adults() {
    let (_d, s) = fresh();
    let ask = |viewer: &str, surface: &str| {
        s.post(
            "/v1/visibility",
            Some(READ_ONLY),
            &json!({"viewer": viewer, "surface": surface, "targets": ["maya", "dana"]}).to_string(),
        )
        .json()
    };
    let v = ask("stranger", "suggestions");
    assert_eq!(v["visible"], json!(["dana"]));
    assert_eq!(v["hidden"], json!(["maya"]));
    assert_eq!(
        ask("stranger", "search")["visible"],
        json!(["maya", "dana"])
    );
    assert_eq!(
        ask("sam", "suggestions")["visible"],
        json!(["maya", "dana"]),
        "minors see minors"
    );
    assert_eq!(
        ask("stranger", "connections_list")["hidden"],
        json!(["maya"])
    );
    // Once restricted, not even in search.
    s.send(&[
        rel("p1", "report", "maya", "stranger", T0),
        rel("p2", "report", "sam", "stranger", T0),
    ]);
    assert_eq!(ask("stranger", "search")["hidden"], json!(["maya"]));
    let bad = s.post(
        "/v1/visibility",
        Some(READ_ONLY),
        r#"{"viewer":"x","surface":"telepathy","targets":[]}"#,
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("telepathy"));
}

#[test]
fn cases_are_rebuilt_after_a_restart_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let before = {
        let s = start(&db);
        world(&s);
        grooming(&s, "stranger", "maya", "g1");
        s.send(&[rel("p1", "report", "maya", "stranger", T0)]);
        s.get("/v1/cases", Some(READ_ONLY)).json()
    };
    let s = start(&db);
    let after = s.get("/v1/cases", Some(READ_ONLY)).json();
    assert_eq!(before.as_array().unwrap().len(), 1);
    assert_eq!(after.as_array().unwrap().len(), 1);
    assert_eq!(before[0]["id"], after[0]["id"]);
    assert_eq!(before[0]["evidence"], after[0]["evidence"]);
    // The engine's state came back too: the conversation is still alerted.
    let conv = s.get("/v1/conversations/g1/risk", Some(READ_ONLY)).json();
    assert!(conv["alert_seq"].is_u64(), "{conv}");
}

#[test]
fn keys_and_scopes_are_enforced() {
    let (_d, s) = fresh();
    let body = json!([msg("m1", "c1", "sam", "maya", "hi", T0)]).to_string();
    assert_eq!(s.post("/v1/events", None, &body).status, 401);
    assert_eq!(s.post("/v1/events", Some("wrong"), &body).status, 401);
    assert_eq!(s.post("/v1/events", Some(READ_ONLY), &body).status, 403);
    assert_eq!(s.post("/v1/events", Some(ADMIN), &body).status, 200);
    for path in [
        "/v1/cases",
        "/v1/accounts/maya/risk",
        "/v1/conversations/c1/risk",
        "/v1/events/m1",
    ] {
        let r = s.get(path, Some(INGEST_ONLY));
        assert_eq!(r.status, 403, "{path}: an ingest-only key cannot read");
        assert!(r.body.contains("lacks the Read scope"), "{}", r.body);
        assert_eq!(s.get(path, None).status, 401, "{path}");
        assert_eq!(s.get(path, Some(READ_ONLY)).status, 200, "{path}");
    }
    assert_eq!(s.get("/healthz", None).status, 200);
    assert_eq!(s.get("/metrics", None).status, 200);
}

#[test]
fn malformed_and_oversized_bodies_get_a_4xx_with_a_reason() {
    let (_d, s) = fresh();
    for body in ["", "{", "{\"events\": 3}", "\"text\"", "[1, 2", "\u{0}"] {
        let r = s.post("/v1/events", Some(ADMIN), body);
        assert_eq!(r.status, 400, "{body:?} -> {}", r.body);
        assert!(r.json()["error"].is_string());
    }
    let huge = " ".repeat(lifeguard_service::MAX_BODY_BYTES + 10);
    assert_eq!(s.post("/v1/events", Some(ADMIN), &huge).status, 413);
    let r = s.post(
        "/v1/events",
        Some(ADMIN),
        r#"[{"id":"x","type":"message","conversation":"c","sender":"a"}]"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["results"][0]["status"], "rejected");
    assert!(r.json()["results"][0]["error"]
        .as_str()
        .unwrap()
        .contains("text"));
    assert_eq!(s.get("/v1/cases/nope", Some(ADMIN)).status, 404);
}
