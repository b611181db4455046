//! Streaming behaviour of the shipped model on hand-written, non-explicit chats.
use lifeguard_risk::{AccountRisk, RiskEngine};

/// Replays `(author, text)` turns; returns the seq of the first alert and the
/// flagged author.
fn run(engine: &RiskEngine, turns: &[(&str, &str)]) -> Option<(u64, String)> {
    let mut c = engine.conversation();
    let mut first = None;
    for (i, (author, text)) in turns.iter().enumerate() {
        let a = c.observe(engine, author, i as u64, None, text);
        if a.alert {
            assert!(first.is_none(), "alerted twice");
            assert!(!a.behaviours.is_empty(), "an alert comes with its evidence");
            first = Some((i as u64, a.suspect.clone().expect("alert has a suspect")));
        }
    }
    first
}

/// Behavioural markers only: age probing, isolation, secrecy, platform move,
/// picture request.
const GROOMING: &[(&str, &str)] = &[
    ("adult42", "hey there"),
    ("kid_k", "hi"),
    ("adult42", "how old are you?"),
    ("kid_k", "im 13"),
    ("adult42", "cool, you seem really mature for your age"),
    ("kid_k", "thanks lol"),
    ("adult42", "are your parents home?"),
    ("kid_k", "no my mum is at work"),
    ("adult42", "don't tell your mum we talk ok"),
    ("kid_k", "ok"),
    ("adult42", "add me on snap"),
    ("kid_k", "why"),
    ("adult42", "send me a pic"),
    ("kid_k", "idk"),
    ("adult42", "come on it's our secret"),
    ("kid_k", "i have to go"),
];

#[test]
fn grooming_alerts_before_the_end_and_flags_the_adult() {
    let engine = RiskEngine::with_default_model().unwrap();
    let (seq, who) = run(&engine, GROOMING).expect("the grooming chat must alert");
    assert_eq!(who, "adult42");
    assert!((seq as usize) < GROOMING.len() - 1, "alert at {seq}");
}

#[test]
fn one_phrase_never_alerts() {
    let engine = RiskEngine::with_default_model().unwrap();
    let turns = [
        ("a", "how old are you?"),
        ("b", "im 13"),
        ("a", "how old are you really"),
        ("b", "13 i said"),
    ];
    assert_eq!(run(&engine, &turns), None);
}

#[test]
fn one_message_never_alerts_however_much_it_packs() {
    let engine = RiskEngine::with_default_model().unwrap();
    let turns = [
        ("kid1", "14 f here"),
        ("kid2", "13 m"),
        (
            "adult",
            "im 30, how old are you? add me on snap and send me a pic, dont tell your mum",
        ),
    ];
    assert_eq!(run(&engine, &turns), None);
}

#[test]
fn teen_chat_and_game_chat_do_not_alert() {
    let engine = RiskEngine::with_default_model().unwrap();
    let teen = [
        ("t1", "omg did u see the new episode"),
        ("t2", "yes!! it was so good"),
        ("t1", "how old r u btw"),
        ("t2", "14 u?"),
        ("t1", "15 lol"),
        ("t2", "cool wanna play later"),
        ("t1", "my mom says i have to do homework first"),
        ("t2", "same lol"),
        ("t1", "ok text me after"),
        ("t2", "ok bye"),
    ];
    assert_eq!(run(&engine, &teen), None);
    let game = [
        ("p1", "kill him"),
        ("p2", "push mid"),
        ("p3", "gg ez"),
        ("p1", "report this noob"),
        ("p2", "wtf are you doing"),
        ("p3", "buy wards pls"),
        ("p1", "kill him kill him"),
        ("p2", "push mid now"),
        ("p4", "ur trash"),
        ("p1", "gg"),
    ];
    assert_eq!(run(&engine, &game), None);
}

#[test]
fn memory_per_conversation_is_bounded() {
    let engine = RiskEngine::with_default_model().unwrap();
    let mut c = engine.conversation();
    for i in 0..10_000u64 {
        let author = format!("user{}", i % 500);
        c.observe(&engine, &author, i, None, "how old are you? add me on snap");
    }
    assert!(c.authors().count() <= lifeguard_risk::MAX_AUTHORS);
    let bytes = c.memory_bytes();
    assert!(bytes < 64 * 1024, "{bytes} bytes");
}

#[test]
fn account_risk_aggregates_conversations() {
    let engine = RiskEngine::with_default_model().unwrap();
    let mut account = AccountRisk::default();
    for k in 0..2 {
        let mut c = engine.conversation();
        for (i, (author, text)) in GROOMING.iter().enumerate() {
            let kid = format!("kid{k}");
            let author = if *author == "kid_k" {
                kid.as_str()
            } else {
                author
            };
            c.observe(&engine, author, i as u64, None, text);
        }
        account.add(&c.author_summary("adult42").unwrap());
    }
    assert_eq!(account.conversations, 2);
    assert_eq!(account.conversations_with_alerts, 2);
    assert_eq!(account.minor_counterparts, 2);
    assert!(account.repeated_pattern);
    assert!(account.max_risk >= engine.model().threshold);
}

/// A stated minor's age is a child signal in a one-to-one chat, not in a room
/// where someone else said it, and not for 16- and 17-year-olds on its own.
#[test]
fn stated_age_counts_one_to_one_and_under_sixteen() {
    let engine = RiskEngine::with_default_model().unwrap();
    let rule = engine.model().alert_rule;
    assert_eq!(rule.max_authors_for_stated_age, 2);
    assert_eq!(rule.stated_child_age_below, 16);
    let chat = |age: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("adult", "hey whats up"),
            ("kid", "not much"),
            ("adult", "how old are you?"),
            ("kid", age),
            ("adult", "you look older"),
            ("adult", "add me on snap"),
            ("adult", "send me a pic"),
        ]
    };
    assert_eq!(
        run(&engine, &chat("im 13")).map(|a| a.1),
        Some("adult".into())
    );
    assert_eq!(run(&engine, &chat("im 17")), None);
    // The same words in a three-person room: the stated age was not said to the
    // suspect alone.
    let mut room = chat("im 13");
    room.insert(1, ("other", "hi all"));
    assert_eq!(run(&engine, &room), None);
    // Child-directed behaviours still alert without a stated age.
    let mut secret = chat("im 17");
    secret.push(("adult", "dont tell your parents about me"));
    secret.push(("adult", "are your parents home?"));
    assert_eq!(run(&engine, &secret).map(|a| a.1), Some("adult".into()));
}
