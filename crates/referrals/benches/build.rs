//! Throughput of the builders: a referral package with a long conversation,
//! statements of reasons for many decisions, and a transparency report over a
//! large period. `cargo bench -p lifeguard-referrals --bench build`.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use lifeguard_referrals::conversation::ChatLine;
use lifeguard_referrals::cybertip::{Account, Reporter};
use lifeguard_referrals::package::{self, Child, EvidenceFile, ReferralInput};
use lifeguard_referrals::statements::{self, DecisionInput};
use lifeguard_referrals::transparency::{self, ActionFacts, CaseFacts, Input, Source};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        std::hint::black_box(f());
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let t0: DateTime<Utc> = "2026-11-01T00:00:00Z".parse().unwrap();
    let texts = [
        "how old are you",
        "don't tell your mum",
        "add me on snap",
        "send me a pic",
        "ok see you tomorrow at school",
    ];
    let lines: Vec<ChatLine> = (0..10_000u64)
        .map(|i| ChatLine {
            conversation: "dm-a-b".into(),
            seq: Some(i),
            message_id: format!("m{i}"),
            sent_at: Some(t0 + Duration::seconds(i as i64)),
            sender: if i % 2 == 0 { "a" } else { "b" }.into(),
            recipients: vec![if i % 2 == 0 { "b" } else { "a" }.into()],
            kind: "message".into(),
            text: texts[i as usize % texts.len()].into(),
            flagged: if i % 7 == 0 {
                vec!["secrecy".into()]
            } else {
                vec![]
            },
        })
        .collect();
    let files: Vec<EvidenceFile> = (0..20)
        .map(|i| EvidenceFile {
            media_id: format!("img-{i}"),
            uploader: "a".into(),
            at: Some(t0),
            bytes: Some(vec![(i % 251) as u8; 200_000]),
            md5: None,
            sha1: None,
            sha256: Some("ab".repeat(32)),
            pdq: None,
            matches: vec!["bank b (known), sha256 distance 0".into()],
        })
        .collect();
    let input = ReferralInput {
        case_id: "case-1".into(),
        referral_id: Some(1),
        categories: vec!["grooming".into()],
        behaviours: vec!["secrecy".into()],
        incident_at: t0,
        escalate: None,
        reporter: Reporter::default(),
        service_name: "Bench".into(),
        suspect: Account::default(),
        suspect_band: "adult".into(),
        children: vec![Child {
            account: "b".into(),
            band: "13_15".into(),
            age_assurance: None,
        }],
        conversations: vec!["dm-a-b".into()],
        lines,
        files,
    };
    let secs = best_of(5, || package::build(&input, "bench", t0).unwrap());
    println!(
        "referral package (10,000 messages, 20 files of 200 kB, zip + manifest): {:.1} ms",
        secs * 1e3
    );

    let decisions: Vec<DecisionInput> = (0..100_000i64)
        .map(|i| DecisionInput {
            action_id: i,
            action: ["suspend", "ban", "dismiss", "restrict_contact_with_minors"][i as usize % 4]
                .into(),
            category: "grooming".into(),
            source: Source::AutomatedDetection,
            has_media: false,
            suspect: "a".into(),
            moderator: "m".into(),
            reason: None,
            opened_at: t0,
            at: t0 + Duration::hours(1),
        })
        .collect();
    let secs = best_of(5, || {
        let s: Vec<_> = decisions
            .iter()
            .filter_map(statements::statement_for)
            .collect();
        let b = statements::batches(s).unwrap();
        serde_json::to_vec(&b).unwrap()
    });
    println!("statements of reasons (100,000 decisions -> 75,000 statements, validated, batched, JSON): {:.1} ms", secs * 1e3);

    let cats = [
        "known_image",
        "sextortion",
        "grooming",
        "suspicious_contact",
        "user_report",
    ];
    let cases: Vec<CaseFacts> = (0..100_000i64)
        .map(|i| CaseFacts {
            id: format!("case-{i}"),
            category: cats[i as usize % 5].into(),
            source: Source::ALL[i as usize % 3],
            opened_at: t0 + Duration::seconds(i * 20),
            first_viewed_at: (i % 10 != 0).then(|| t0 + Duration::seconds(i * 20 + 60 * (i % 300))),
            first_action_at: (i % 5 != 0).then(|| t0 + Duration::seconds(i * 20 + 600 * (i % 100))),
            bank_matches: if i % 5 == 0 {
                vec![format!("bank-{}", i % 3)]
            } else {
                vec![]
            },
        })
        .collect();
    let actions: Vec<ActionFacts> = (0..200_000i64)
        .map(|i| ActionFacts {
            id: i,
            case_id: format!("case-{}", i / 2),
            action: ["dismiss", "ban", "warn", "escalate"][i as usize % 4].into(),
            at: t0 + Duration::seconds(i * 10 + 300),
        })
        .collect();
    let input = Input {
        from: t0,
        to: t0 + Duration::days(30),
        cases,
        actions,
        referrals: vec![],
    };
    let secs = best_of(3, || {
        let r = transparency::compute(&input).unwrap();
        transparency::to_html(&r, "Bench")
    });
    println!(
        "transparency report (100,000 cases, 200,000 actions, HTML): {:.1} ms",
        secs * 1e3
    );
}
