//! Applies a fixed set of moderator decisions to the store `lifeguard demo`
//! leaves behind, so that `docs/examples/generate.sh` can build a sample
//! referral, statements of reasons and a transparency report from demo data.
//! The demo itself records no moderator actions; these are the ones a
//! moderator might take, at fixed offsets from each case's opening.
//!
//! `cargo run -p lifeguard-referrals --example demo_decisions -- DB`

use chrono::Duration;
use lifeguard_store::{AuditRecord, CaseStore, ConsoleStore, NewAction, SqliteStore};

/// (suspect, minutes to first view, [(minutes, action, reason)]). Cases are
/// found by suspect: their ids follow the message that opened them, which
/// moves as the detector improves.
/// Minutes after opening, action, reason.
type Act = (i64, &'static str, &'static str);

const DECISIONS: &[(&str, i64, &[Act])] = &[
    (
        "ghost_77",
        12,
        &[
            (
                40,
                "refer_to_law_enforcement",
                "known image and sextortion of a minor",
            ),
            (45, "ban", "known image shared; threats to a minor"),
        ],
    ),
    (
        "jordan_k",
        25,
        &[
            (70, "restrict_contact_with_minors", "grooming behaviours"),
            (180, "suspend", "grooming behaviours confirmed"),
        ],
    ),
    (
        "rex_gamer",
        300,
        &[(330, "dismiss", "requests were to classmates")],
    ),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = std::env::args().nth(1).ok_or("usage: demo_decisions DB")?;
    let store = SqliteStore::open(std::path::Path::new(&db))?;
    let cases = store.open_cases(1000)?;
    for (suspect, view, actions) in DECISIONS {
        let record = cases
            .iter()
            .find(|c| c.suspect == *suspect)
            .ok_or_else(|| format!("the demo store has no case for {suspect}"))?;
        let case_id = record.id.as_str();
        let body: serde_json::Value = serde_json::from_str(&record.body)?;
        let opened: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(body["opened_at"].clone())?;
        let category = body["categories"][0]
            .as_str()
            .unwrap_or("user_report")
            .to_owned();
        store.record_view(
            case_id,
            &AuditRecord {
                id: 0,
                at: opened + Duration::minutes(*view),
                username: "casey".into(),
                role: "child_safety_moderator".into(),
                kind: "view_evidence".into(),
                case_id: Some(case_id.into()),
                detail: String::new(),
            },
        )?;
        for (minutes, action, reason) in *actions {
            store.record_action(&NewAction {
                case_id: case_id.into(),
                suspect: record.suspect.clone(),
                username: "casey".into(),
                role: "child_safety_moderator".into(),
                action: (*action).into(),
                reason: Some((*reason).into()),
                queue: category.clone(),
                category: category.clone(),
                closes: matches!(*action, "dismiss" | "warn" | "suspend" | "ban"),
                escalates: *action == "escalate",
                refers: *action == "refer_to_law_enforcement",
                webhook: None,
                at: opened + Duration::minutes(*minutes),
            })?;
        }
        println!("{case_id} ({suspect}): viewed, {} actions", actions.len());
    }
    // The case generate.sh refers (the first one).
    if let Some(c) = cases.iter().find(|c| c.suspect == DECISIONS[0].0) {
        println!("refer {}", c.id);
    }
    Ok(())
}
