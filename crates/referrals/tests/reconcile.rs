//! Reconciles every figure of the transparency report with the underlying case,
//! action and referral records, recomputed here straight from the database with
//! SQL; also checks statements of reasons and preservation holds on the same
//! store.

use chrono::{DateTime, Duration, Utc};
use lifeguard_referrals::holds::{self, Actor, HoldError};
use lifeguard_referrals::statements::{self, statement_for};
use lifeguard_referrals::transparency::{self, Source};
use lifeguard_referrals::{config::RetentionConfig, gather};
use lifeguard_store::{
    AuditRecord, CaseRecord, CaseStore, ConsoleStore, EventStore, NewAction, ReferralStore,
    SqliteStore,
};
use serde_json::json;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn event(v: serde_json::Value) -> lifeguard_core::Event {
    serde_json::from_value(v).unwrap()
}

struct Spec {
    id: &'static str,
    suspect: &'static str,
    category: &'static str,
    opened: &'static str,
    evidence: Vec<serde_json::Value>,
    /// Minutes after opening: first view.
    view: Option<i64>,
    /// (minutes after opening, action).
    actions: Vec<(i64, &'static str)>,
}

fn case_record(s: &Spec) -> CaseRecord {
    let opened = t(s.opened);
    let body = json!({
        "id": s.id, "suspect": s.suspect, "status": "open", "categories": [s.category],
        "reasons": [], "children": {"kid01": "13_15"}, "conversations": [format!("conv-{}", s.suspect)],
        "max_risk": 0.5, "reports": 0, "evidence": s.evidence, "opened_at": opened,
        "updated_at": opened, "priority": 50, "priority_reasons": []
    });
    CaseRecord {
        id: s.id.into(),
        suspect: s.suspect.into(),
        status: "open".into(),
        priority: 50,
        updated_at: opened,
        body: body.to_string(),
    }
}

fn specs() -> Vec<Spec> {
    let msg = |id: &str, at: &str, b: &str| json!({"event": id, "reason": "grooming_risk", "conversation": "c", "behaviour": b, "message_id": id, "at": at});
    vec![
        Spec {
            id: "case-msg-1",
            suspect: "a1",
            category: "grooming",
            opened: "2026-11-03T10:00:00Z",
            evidence: vec![msg("msg-1", "2026-11-03T10:00:00Z", "secrecy")],
            view: Some(30),
            actions: vec![(120, "ban")],
        },
        Spec {
            id: "case-msg-2",
            suspect: "a2",
            category: "sextortion",
            opened: "2026-11-05T08:00:00Z",
            evidence: vec![msg("msg-2", "2026-11-05T08:00:00Z", "sextortion")],
            view: Some(10),
            actions: vec![(60, "refer_to_law_enforcement"), (90, "suspend")],
        },
        Spec {
            id: "case-rel-3",
            suspect: "a3",
            category: "user_report",
            opened: "2026-11-06T12:00:00Z",
            evidence: vec![
                json!({"event": "rel-3", "reason": "reported_by_minors", "at": "2026-11-06T12:00:00Z"}),
            ],
            view: Some(180),
            actions: vec![(240, "dismiss")],
        },
        Spec {
            id: "case-rel-4",
            suspect: "a4",
            category: "user_report",
            opened: "2026-11-07T12:00:00Z",
            evidence: vec![
                json!({"event": "rel-4", "reason": "reported_by_minors", "at": "2026-11-07T12:00:00Z"}),
            ],
            view: None,
            actions: vec![],
        },
        Spec {
            id: "case-med-5",
            suspect: "a5",
            category: "known_image",
            opened: "2026-11-08T09:00:00Z",
            evidence: vec![
                json!({"event": "med-5", "reason": "known_image", "media": "m5: bank bank-a (known), sha256 distance 0", "at": "2026-11-08T09:00:00Z"}),
                json!({"event": "med-5", "reason": "known_image", "media": "m5: bank bank-b (known), pdq distance 4", "at": "2026-11-08T09:00:00Z"}),
            ],
            view: Some(5),
            actions: vec![(20, "restrict_contact_with_minors"), (25, "escalate")],
        },
        Spec {
            id: "case-msg-6",
            suspect: "a6",
            category: "suspicious_contact",
            opened: "2026-11-10T00:00:00Z",
            evidence: vec![],
            view: Some(1440),
            actions: vec![(1500, "dismiss")],
        },
        // Opened before the period, acted on inside it.
        Spec {
            id: "case-msg-7",
            suspect: "a7",
            category: "grooming",
            opened: "2026-10-20T00:00:00Z",
            evidence: vec![],
            view: Some(60),
            actions: vec![(60 * 24 * 13, "warn")],
        },
        // Opened after the period.
        Spec {
            id: "case-msg-8",
            suspect: "a8",
            category: "grooming",
            opened: "2026-12-02T00:00:00Z",
            evidence: vec![],
            view: Some(1),
            actions: vec![(2, "ban")],
        },
    ]
}

fn build() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let old = t("2026-11-01T00:00:00Z");
    let mut events = vec![
        event(
            json!({"id": "rel-3", "type": "relationship", "kind": "report", "from": "kid01", "to": "a3"}),
        ),
        event(
            json!({"id": "rel-4", "type": "relationship", "kind": "report", "from": "flagger-1", "to": "a4"}),
        ),
        event(
            json!({"id": "med-5", "type": "media", "media": "m5", "uploader": "a5", "conversation": "conv-a5",
            "hashes": {"sha256": "ab".repeat(32)}}),
        ),
        event(
            json!({"id": "acc-kid01", "type": "account_created", "account": "kid01", "age_band": "13_15"}),
        ),
    ];
    for i in [1, 2, 6, 7, 8] {
        events.push(event(json!({"id": format!("msg-{i}"), "type": "message", "at": "2026-11-03T10:00:00Z",
            "conversation": format!("conv-a{i}"), "sender": format!("a{i}"), "recipients": ["kid01"],
            "text": "how old are you? don't tell your mum"})));
    }
    store.append_at(&events, old).unwrap();
    let specs = specs();
    store
        .put_cases(&specs.iter().map(case_record).collect::<Vec<_>>())
        .unwrap();
    for s in &specs {
        let opened = t(s.opened);
        if let Some(m) = s.view {
            store
                .record_view(
                    s.id,
                    &AuditRecord {
                        id: 0,
                        at: opened + Duration::minutes(m),
                        username: "casey".into(),
                        role: "child_safety_moderator".into(),
                        kind: "view_evidence".into(),
                        case_id: Some(s.id.into()),
                        detail: String::new(),
                    },
                )
                .unwrap();
        }
        for (m, action) in &s.actions {
            store
                .record_action(&NewAction {
                    case_id: s.id.into(),
                    suspect: s.suspect.into(),
                    username: "casey".into(),
                    role: "child_safety_moderator".into(),
                    action: (*action).into(),
                    reason: Some(format!("{} said don't tell your mum", s.suspect)),
                    queue: s.category.into(),
                    category: s.category.into(),
                    closes: matches!(*action, "ban" | "suspend" | "dismiss" | "warn"),
                    escalates: *action == "escalate",
                    refers: *action == "refer_to_law_enforcement",
                    webhook: None,
                    at: opened + Duration::minutes(*m),
                })
                .unwrap();
        }
    }
    (dir, store)
}

fn median(v: &[f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn p90(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let idx = ((v.len() * 9).div_ceil(10)).max(1) - 1;
    Some(v[idx])
}

#[test]
fn every_figure_reconciles_with_the_records() {
    let (dir, store) = build();
    let (from, to) = (t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z"));
    let flaggers = vec!["flagger-1".to_owned()];
    let input = gather::transparency_input(&store, from, to, &flaggers).unwrap();
    let r = transparency::compute(&input).unwrap();

    // Independent recomputation from the raw tables.
    let db = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    let (f, tt) = (from.to_rfc3339(), to.to_rfc3339());
    let in_period = "julianday(json_extract(c.body, '$.opened_at')) >= julianday(?1) AND julianday(json_extract(c.body, '$.opened_at')) < julianday(?2)";
    let rows = |sql: &str| -> Vec<(String, i64)> {
        let mut st = db.prepare(sql).unwrap();
        st.query_map([&f, &tt], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let as_map = |v: Vec<(String, i64)>| {
        v.into_iter()
            .map(|(k, n)| (k, n as u64))
            .collect::<std::collections::BTreeMap<_, _>>()
    };

    let total: i64 = db
        .query_row(
            &format!("SELECT count(*) FROM cases c WHERE {in_period}"),
            [&f, &tt],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(r.reports, total as u64);
    assert_eq!(r.reports, 6);

    let by_category = as_map(rows(&format!(
        "SELECT json_extract(c.body, '$.categories[0]'), count(*) FROM cases c WHERE {in_period} GROUP BY 1")));
    assert_eq!(r.reports_by_category, by_category);

    let by_source = as_map(rows(&format!(
        "SELECT CASE WHEN e.type = 'relationship' AND json_extract(e.body, '$.kind') = 'report'
                     THEN CASE WHEN json_extract(e.body, '$.from') = 'flagger-1' THEN 'trusted_flagger' ELSE 'user_report' END
                     ELSE 'automated_detection' END, count(*)
         FROM cases c LEFT JOIN events e ON e.id = substr(c.id, 6) WHERE {in_period} GROUP BY 1")));
    assert_eq!(r.reports_by_source, by_source);
    assert_eq!(r.reports_by_source["trusted_flagger"], 1);
    assert_eq!(r.reports_by_source["user_report"], 1);

    let actions = as_map(rows(
        "SELECT action, count(*) FROM console_actions WHERE julianday(at) >= julianday(?1) AND julianday(at) < julianday(?2) GROUP BY action"));
    assert_eq!(r.actions_by_type, actions);
    assert_eq!(
        r.actions_by_type.get("warn"),
        Some(&1),
        "an action in the period on an older case counts"
    );
    assert_eq!(r.actions_by_type.values().sum::<u64>(), 8);

    let referrals: i64 = db.query_row(
        "SELECT count(*) FROM console_referrals WHERE julianday(at) >= julianday(?1) AND julianday(at) < julianday(?2)",
        [&f, &tt], |r| r.get(0)).unwrap();
    assert_eq!(r.referrals, referrals as u64);
    assert_eq!(r.referrals, 1);

    for (column, timing) in [
        ("first_viewed_at", &r.time_to_first_view),
        ("first_action_at", &r.time_to_action),
    ] {
        let mut st = db.prepare(&format!(
            "SELECT (julianday(s.{column}) - julianday(json_extract(c.body, '$.opened_at'))) * 1440
             FROM cases c JOIN console_case_state s ON s.case_id = c.id WHERE {in_period} AND s.{column} IS NOT NULL")).unwrap();
        let mut minutes: Vec<f64> = st
            .query_map([&f, &tt], |r| r.get::<_, f64>(0))
            .unwrap()
            .map(|m| m.unwrap().round())
            .collect();
        minutes.sort_by(f64::total_cmp);
        assert_eq!(timing.count, minutes.len() as u64, "{column}");
        assert_eq!(
            timing.pending,
            total as u64 - minutes.len() as u64,
            "{column}"
        );
        assert_eq!(timing.median_minutes, median(&minutes), "{column}");
        assert_eq!(timing.p90_minutes, p90(&minutes), "{column}");
    }
    // First views after 5, 10, 30, 180, 1440 minutes: median 30, p90 the 5th of 5.
    assert_eq!(r.time_to_first_view.median_minutes, Some(30.0));
    assert_eq!(r.time_to_first_view.p90_minutes, Some(1440.0));

    let mut st = db.prepare(&format!(
        "SELECT c.id,
            EXISTS(SELECT 1 FROM console_actions a WHERE a.case_id = c.id AND a.action IN
                   ('warn','restrict_contact_with_minors','suspend','ban','refer_to_law_enforcement')),
            EXISTS(SELECT 1 FROM console_actions a WHERE a.case_id = c.id AND a.action = 'dismiss')
         FROM cases c LEFT JOIN events e ON e.id = substr(c.id, 6)
         WHERE {in_period} AND NOT (e.type = 'relationship' AND json_extract(e.body, '$.kind') = 'report')")).unwrap();
    let flags: Vec<(String, bool, bool)> = st
        .query_map([&f, &tt], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let upheld = flags.iter().filter(|f| f.1).count() as u64;
    let dismissed = flags.iter().filter(|f| !f.1 && f.2).count() as u64;
    assert_eq!(
        (r.automated_flags.upheld, r.automated_flags.dismissed),
        (upheld, dismissed)
    );
    assert_eq!((upheld, dismissed), (3, 1));
    assert_eq!(r.automated_flags.share_upheld, Some(0.75));

    let mut st =
        db.prepare(&format!(
        "SELECT json_extract(ev.value, '$.media') FROM cases c, json_each(c.body, '$.evidence') ev
         WHERE {in_period} AND json_extract(ev.value, '$.media') IS NOT NULL"))
            .unwrap();
    let mut banks = std::collections::BTreeMap::new();
    for m in st.query_map([&f, &tt], |r| r.get::<_, String>(0)).unwrap() {
        let m = m.unwrap();
        let bank = m
            .split("bank ")
            .nth(1)
            .unwrap()
            .split(" (")
            .next()
            .unwrap()
            .to_owned();
        *banks.entry(bank).or_insert(0u64) += 1;
    }
    assert_eq!(r.known_image_matches_by_bank, banks);
    assert_eq!(banks.len(), 2);

    // The renderings carry the same figures.
    let json: transparency::TransparencyReport =
        serde_json::from_str(&transparency::to_json(&r)).unwrap();
    assert_eq!(json, r);
    let csv = String::from_utf8(transparency::to_csv(&r).unwrap()).unwrap();
    assert!(csv.contains("reports,total,6"));
    assert!(csv.contains("automated_flags,share_upheld,0.75"));
    let html = transparency::to_html(&r, "Example");
    assert!(html.contains("75% (3 of 4)"));
}

#[test]
fn statements_cover_restrictions_only_and_carry_no_personal_data() {
    let (_dir, store) = build();
    let decisions = gather::decisions(
        &store,
        t("2026-01-01T00:00:00Z"),
        t("2027-01-01T00:00:00Z"),
        &["flagger-1".into()],
    )
    .unwrap();
    assert_eq!(decisions.len(), 9);
    let statements: Vec<_> = decisions.iter().filter_map(statement_for).collect();
    // ban (1), suspend (2), restrict (5), ban (8).
    assert_eq!(statements.len(), 4);
    let batches = statements::batches(statements).unwrap();
    let json = serde_json::to_string(&batches).unwrap();
    for secret in ["a1", "a2", "a5", "a8", "casey", "kid01", "mum"] {
        assert!(
            !json.contains(&format!("\"{secret}")) && !json.contains(&format!(" {secret}")),
            "{secret} leaked"
        );
    }
    let d5 = decisions
        .iter()
        .find(|d| d.action == "restrict_contact_with_minors")
        .unwrap();
    assert_eq!(d5.source, Source::AutomatedDetection);
    assert!(d5.has_media);
    store
        .mark_statements_exported(&[d5.action_id], "b1", Utc::now())
        .unwrap();
    assert_eq!(store.exported_statements().unwrap(), [d5.action_id]);
}

#[test]
fn referred_evidence_is_held_through_purges_and_only_an_admin_releases_it() {
    let (_dir, store) = build();
    let admin = Actor {
        username: "admin".into(),
        role: "admin".into(),
    };
    let moderator = Actor {
        username: "casey".into(),
        role: "child_safety_moderator".into(),
    };
    let retention = RetentionConfig {
        events_days: 7,
        preservation_days: 365,
    };
    let now = t("2026-11-20T00:00:00Z");
    let hold = holds::place(
        &store,
        "case-msg-2",
        Some(1),
        "REPORT Act preservation",
        &moderator,
        &retention,
        now,
    )
    .unwrap();
    let held = store.held_events(hold).unwrap();
    assert!(
        held.contains(&"msg-2".to_owned()) && held.contains(&"acc-kid01".to_owned()),
        "{held:?}"
    );
    let out = holds::purge(&store, &retention, &admin, now)
        .unwrap()
        .unwrap();
    assert_eq!(
        out.kept_by_hold,
        held.iter()
            .filter(|e| store.get(e).unwrap().is_some())
            .count() as u64
    );
    assert!(store.get("msg-2").unwrap().is_some());
    assert!(store.get("msg-1").unwrap().is_none());
    assert_eq!(
        holds::release(&store, hold, &moderator, now + Duration::days(400)),
        Err(HoldError::NotAdmin)
    );
    assert_eq!(
        holds::release(&store, hold, &admin, now + Duration::days(364)),
        Err(HoldError::TooEarly(hold))
    );
    holds::release(&store, hold, &admin, now + Duration::days(366)).unwrap();
    let kinds: Vec<String> = store
        .audit(0, 1000, None)
        .unwrap()
        .into_iter()
        .map(|a| a.kind)
        .collect();
    assert!(
        kinds.ends_with(&[
            "hold_created".into(),
            "retention_purge".into(),
            "hold_release_refused".into(),
            "hold_released".into()
        ]),
        "{kinds:?}"
    );
    // Retention off purges nothing.
    assert!(
        holds::purge(&store, &RetentionConfig::default(), &admin, now)
            .unwrap()
            .is_none()
    );
}
