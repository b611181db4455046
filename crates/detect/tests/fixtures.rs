//! Behaviour fixtures: synthetic, non-explicit chat lines.
//!
//! Positives assert the behaviour and that its span covers the right words of the
//! ORIGINAL text; obfuscated variants (leetspeak, spacing, homoglyphs, fullwidth,
//! repeated letters, zero-width characters, upper case) must give the same
//! behaviour; hard negatives (game slang, adults, parents, teens, tech support)
//! must not fire, or only fire the weak behaviours they list.
use lifeguard_core::Behaviour::{self, *};
use lifeguard_detect::{normalise, Context, ConversationState, Detector, Language};
use std::sync::OnceLock;

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(Detector::new)
}

/// (text, behaviour, words the span must cover, age for disclosures)
const POSITIVES: &[(&str, Behaviour, &str, Option<u8>)] = &[
    // age probing
    ("hey how old are you?", AgeProbing, "how old are you", None),
    ("how old r u", AgeProbing, "how old r u", None),
    ("asl?", AgeProbing, "asl", None),
    ("so whats ur age?", AgeProbing, "whats ur age", None),
    ("ur age?", AgeProbing, "ur age", None),
    (
        "what grade are you in",
        AgeProbing,
        "what grade are you in",
        None,
    ),
    ("are you 14?", AgeProbing, "are you 14", None),
    // age disclosure
    ("im 13", AgeDisclosure, "im 13", Some(13)),
    ("i'm 14 yrs", AgeDisclosure, "i'm 14", Some(14)),
    ("13/f", AgeDisclosure, "13/f", Some(13)),
    ("13 f ky", AgeDisclosure, "13 f", Some(13)),
    ("i am thirteen", AgeDisclosure, "i am thirteen", Some(13)),
    ("lol i just turned 12", AgeDisclosure, "turned 12", Some(12)),
    ("i'm 34 btw", AgeDisclosure, "i'm 34", Some(34)),
    ("im 14 too", AgeDisclosure, "im 14", Some(14)),
    ("14 m near the beach", AgeDisclosure, "14 m", Some(14)),
    ("13/f/ca, how r u?", AgeDisclosure, "13/f", Some(13)),
    ("yup 13 m, herndon u", AgeDisclosure, "13 m", Some(13)),
    ("12 ky f", AgeDisclosure, "12 ky f", Some(12)),
    ("14 freshman dunno", AgeDisclosure, "14 freshman", Some(14)),
    ("<---14", AgeDisclosure, "14", Some(14)),
    ("30 m LA area, u?", AgeDisclosure, "30 m", Some(30)),
    ("13 u?", AgeDisclosure, "13 u", Some(13)),
    (
        "12 almost 13 white girl",
        AgeDisclosure,
        "12 almost 13",
        Some(12),
    ),
    ("14 n i live by the lake", AgeDisclosure, "14 n i", Some(14)),
    ("f 14 and u?", AgeDisclosure, "f 14", Some(14)),
    ("im good 13 f mi", AgeDisclosure, "13 f", Some(13)),
    (
        "i aint no baby i almost 13",
        AgeDisclosure,
        "i almost 13",
        Some(13),
    ),
    (
        "my sn is 14-yr-old-girl",
        AgeDisclosure,
        "14-yr-old-girl",
        Some(14),
    ),
    (
        "im in 8th grade",
        AgeDisclosure,
        "im in 8th grade",
        Some(13),
    ),
    ("13 yo here", AgeDisclosure, "13 yo", Some(13)),
    // relationship probing and age-gap talk
    ("so do u have a bf?", Flattery, "u have a bf", None),
    ("are you single", Flattery, "are you single", None),
    ("u look alot older", Flattery, "u look alot older", None),
    ("do you like older guys?", Flattery, "like older guys", None),
    (
        "you look older then 14",
        Flattery,
        "you look older then 14",
        None,
    ),
    // secrecy
    (
        "you're young enough to get me in trouble",
        Secrecy,
        "young enough to get me in",
        None,
    ),
    (
        "you could get me in serious trouble",
        Secrecy,
        "get me in serious trouble",
        None,
    ),
    (
        "i dont think your mom would like it",
        Secrecy,
        "your mom would like",
        None,
    ),
    (
        "do your parents know you are on here",
        Secrecy,
        "your parents know you",
        None,
    ),
    (
        "don't tell your mum about me",
        Secrecy,
        "don't tell your mum",
        None,
    ),
    (
        "dont tell your parents ok",
        Secrecy,
        "dont tell your parents",
        None,
    ),
    ("this is our secret", Secrecy, "our secret", None),
    ("delete this chat after", Secrecy, "delete this chat", None),
    (
        "keep this between us",
        Secrecy,
        "keep this between us",
        None,
    ),
    (
        "promise you won't tell",
        Secrecy,
        "promise you won't tell",
        None,
    ),
    // isolation
    (
        "so are you by yourself?",
        Isolation,
        "are you by yourself",
        None,
    ),
    (
        "what time does your mom leave for work",
        Isolation,
        "what time does your mom leave",
        None,
    ),
    (
        "where will your dad be tonight",
        Isolation,
        "where will your dad be",
        None,
    ),
    (
        "so its just you and your mom?",
        Isolation,
        "just you and your mom",
        None,
    ),
    (
        "are your parents home?",
        Isolation,
        "are your parents home",
        None,
    ),
    ("are you alone right now", Isolation, "are you alone", None),
    ("is anyone with you", Isolation, "is anyone with you", None),
    (
        "when do your parents go to bed",
        Isolation,
        "when do your parents go to bed",
        None,
    ),
    (
        "what time does your mom leave for work",
        Isolation,
        "what time does your mom leave",
        None,
    ),
    // platform move
    (
        "add me on snapchat",
        PlatformMove,
        "add me on snapchat",
        None,
    ),
    ("add me on snap", PlatformMove, "add me on snap", None),
    (
        "do you have whatsapp",
        PlatformMove,
        "do you have whatsapp",
        None,
    ),
    ("whats ur kik", PlatformMove, "whats ur kik", None),
    (
        "lets talk on discord instead",
        PlatformMove,
        "talk on discord",
        None,
    ),
    ("text me", PlatformMove, "text me", None),
    (
        "my insta is @sunny.day22",
        PlatformMove,
        "insta is @sunny.day22",
        None,
    ),
    (
        "call or text 555-123-4567",
        PlatformMove,
        "555-123-4567",
        None,
    ),
    // image request
    ("do uhave a pic?", ImageRequest, "uhave a pic", None),
    ("no pic?", ImageRequest, "no pic", None),
    ("send me a pic", ImageRequest, "send me a pic", None),
    ("send pics", ImageRequest, "send pics", None),
    ("got any pics?", ImageRequest, "got any pics", None),
    ("i want a pic of you", ImageRequest, "pic of you", None),
    (
        "show me what you look like",
        ImageRequest,
        "show me what you look",
        None,
    ),
    // call request
    (
        "do you have a webcam",
        CallRequest,
        "do you have a webcam",
        None,
    ),
    ("get on cam", CallRequest, "get on cam", None),
    ("wanna video call?", CallRequest, "video call", None),
    ("facetime me", CallRequest, "facetime", None),
    ("call me tonight", CallRequest, "call me tonight", None),
    // meeting and location
    ("we should meet up", MeetingRequest, "meet up", None),
    ("you could come over", MeetingRequest, "come over", None),
    (
        "where do you live",
        MeetingRequest,
        "where do you live",
        None,
    ),
    ("what town are you in", MeetingRequest, "what town", None),
    ("i could pick you up", MeetingRequest, "pick you up", None),
    // personal information
    (
        "what school do you go to",
        PersonalInfoRequest,
        "what school",
        None,
    ),
    (
        "whats your address",
        PersonalInfoRequest,
        "your address",
        None,
    ),
    (
        "give me your number",
        PersonalInfoRequest,
        "give me your number",
        None,
    ),
    // gifts
    (
        "i'll buy you a new phone",
        Gifts,
        "i'll buy you a new phone",
        None,
    ),
    ("want a gift card?", Gifts, "gift card", None),
    ("i can get you robux", Gifts, "robux", None),
    ("i can send you money", Gifts, "i can send you money", None),
    // flattery
    (
        "you're so mature for your age",
        Flattery,
        "mature for your age",
        None,
    ),
    ("you're beautiful", Flattery, "you're beautiful", None),
    ("i love you", Flattery, "i love you", None),
    (
        "will you be my girlfriend",
        Flattery,
        "be my girlfriend",
        None,
    ),
    // sexualisation (non-explicit markers)
    (
        "what are you wearing",
        Sexualisation,
        "what are you wearing",
        None,
    ),
    (
        "have you ever been kissed",
        Sexualisation,
        "have you ever been kissed",
        None,
    ),
    ("are you in bed", Sexualisation, "are you in bed", None),
    // sextortion
    (
        "i'll send your pics to everyone",
        Sextortion,
        "i'll send your pics to everyone",
        None,
    ),
    (
        "i will post your photos to your friends",
        Sextortion,
        "i will post your photos to your friends",
        None,
    ),
    (
        "pay me or everyone sees",
        Sextortion,
        "pay me or everyone",
        None,
    ),
    (
        "send more or i'll leak them",
        Sextortion,
        "send more or i",
        None,
    ),
    ("i'll leak you", Sextortion, "i'll leak you", None),
];

/// (text, behaviours allowed to fire)
const NEGATIVES: &[(&str, &[Behaviour])] = &[
    // game chat
    ("kill him", &[]),
    ("shoot the carry first", &[]),
    ("push mid now", &[]),
    ("i'll destroy you next game", &[]),
    ("i will show everyone how bad you are", &[]),
    ("meet at rosh", &[]),
    ("i'll buy you a courier", &[]),
    ("ur pretty bad at this", &[]),
    ("he is 13 kills ahead", &[]),
    ("gg ez report pudge", &[]),
    ("come over to bot lane", &[]),
    // adults flirting with adults
    ("dinner on friday?", &[]),
    ("had a great time last night", &[]),
    ("you look beautiful tonight", &[Flattery]),
    ("lol you're gonna get me in trouble", &[]),
    ("i'm 34 and you?", &[AgeDisclosure]),
    // parent and child
    ("don't tell your brother about the surprise party", &[]),
    ("did you finish your homework", &[]),
    ("dinner is ready, come downstairs", &[]),
    ("love you, see you after school", &[]),
    ("did your mom call you back", &[]),
    // teens
    ("my boss will get me in trouble for this", &[]),
    ("i can fix it by myself", &[]),
    ("you can install it by yourself", &[]),
    ("do you have a pic of the error", &[]),
    ("omg that test was so hard", &[]),
    ("wanna play fortnite later", &[]),
    ("lol ur so weird", &[]),
    ("did u see her new haircut", &[]),
    (
        "im 14 and my mom still treats me like a baby",
        &[AgeDisclosure],
    ),
    // tech support
    ("send me a screenshot of the error", &[]),
    ("can you post a pic of the error message", &[]),
    ("add me on irc", &[]),
    ("paste the output to pastebin", &[]),
    ("pm me if you need help", &[]),
    ("whats your ip address", &[]),
    ("how old is your kernel", &[]),
    ("i am 20 minutes away from the office", &[]),
    ("10 m away from the tower", &[]),
    ("14 minutes left", &[]),
    ("10 people came", &[]),
    ("5 u?", &[]),
    ("20 kills n u", &[AgeDisclosure]),
    ("i finished 8th in the race", &[]),
    ("upgrade to 10.04 first", &[]),
    ("my webcam driver is not detected", &[]),
];

fn behaviours(text: &str) -> Vec<Behaviour> {
    detector()
        .detect(text)
        .into_iter()
        .map(|h| h.behaviour)
        .collect()
}

#[test]
fn positives_fire_with_spans_on_the_original_words() {
    let mut failures = Vec::new();
    for &(text, behaviour, key, age) in POSITIVES {
        let hits = detector().detect(text);
        let Some(hit) = hits.iter().find(|h| h.behaviour == behaviour) else {
            failures.push(format!("{text:?}: no {behaviour}, got {hits:?}"));
            continue;
        };
        let k = text.find(key).expect("key is part of the text");
        let covered = hit
            .spans
            .iter()
            .any(|s| s.start <= k && s.end >= k + key.len() && s.end - s.start <= key.len() + 24);
        if !covered {
            let shown: Vec<&str> = hit.spans.iter().map(|s| &text[s.start..s.end]).collect();
            failures.push(format!(
                "{text:?}: {behaviour} spans {shown:?} miss {key:?}"
            ));
        }
        if behaviour == AgeDisclosure && hit.disclosed_age != age {
            failures.push(format!(
                "{text:?}: age {:?}, want {age:?}",
                hit.disclosed_age
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hard_negatives_do_not_fire() {
    let mut failures = Vec::new();
    for &(text, allowed) in NEGATIVES {
        let extra: Vec<Behaviour> = behaviours(text)
            .into_iter()
            .filter(|b| !allowed.contains(b))
            .collect();
        if !extra.is_empty() {
            failures.push(format!("{text:?}: {extra:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- obfuscation -----------------------------------------------------------

fn is_chat_letter(c: char) -> bool {
    "aiurykno".contains(c)
}

/// Replaces vowels inside words of four or more letters by digits.
fn leet(s: &str) -> String {
    map_words(s, |w| {
        let chars: Vec<char> = w.chars().collect();
        if chars.len() < 4 || !chars.iter().all(|c| c.is_ascii_lowercase()) {
            return w.to_string();
        }
        chars
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                if i == 0 || i + 1 == chars.len() {
                    return c;
                }
                match c {
                    'e' => '3',
                    'o' => '0',
                    'a' => '4',
                    'i' => '1',
                    _ => c,
                }
            })
            .collect()
    })
}

/// Spells the longest plain word letter by letter ("s n a p").
fn spaced(s: &str) -> String {
    let best = s
        .split(' ')
        .filter(|w| {
            w.len() >= 3
                && w.chars().all(|c| c.is_ascii_lowercase())
                && !w.chars().all(is_chat_letter)
        })
        .max_by_key(|w| w.len());
    let Some(best) = best else {
        return s.to_string();
    };
    let spread: Vec<String> = best.chars().map(String::from).collect();
    s.replacen(best, &spread.join(" "), 1)
}

/// Cyrillic look-alikes for Latin letters.
fn homoglyphs(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a' => 'а',
            'e' => 'е',
            'o' => 'о',
            'p' => 'р',
            'c' => 'с',
            'x' => 'х',
            'y' => 'у',
            'i' => 'і',
            's' => 'ѕ',
            _ => c,
        })
        .collect()
}

fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Stretches the first single vowel of the longest word ("snaaaap").
fn stretched(s: &str) -> String {
    let Some(best) = s
        .split(' ')
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .max_by_key(|w| w.len())
    else {
        return s.to_string();
    };
    let b: Vec<char> = best.chars().collect();
    for i in 0..b.len() {
        let c = b[i];
        let single = (i == 0 || b[i - 1] != c) && (i + 1 == b.len() || b[i + 1] != c);
        if "aiou".contains(c) && single {
            let mut w: String = b[..i].iter().collect();
            for _ in 0..5 {
                w.push(c);
            }
            w.extend(&b[i + 1..]);
            return s.replacen(best, &w, 1);
        }
    }
    s.to_string()
}

/// Zero-width spaces and joiners between the letters of every word.
fn zero_width(s: &str) -> String {
    let mut out = String::new();
    let mut prev_letter = false;
    for (i, c) in s.chars().enumerate() {
        let letter = c.is_alphabetic();
        if letter && prev_letter {
            out.push(if i % 2 == 0 { '\u{200B}' } else { '\u{200D}' });
        }
        out.push(c);
        prev_letter = letter;
    }
    out
}

fn map_words(s: &str, f: impl Fn(&str) -> String) -> String {
    s.split(' ').map(f).collect::<Vec<_>>().join(" ")
}

type Obfuscation = (&'static str, fn(&str) -> String);

const OBFUSCATIONS: &[Obfuscation] = &[
    ("leet", leet),
    ("spaced", spaced),
    ("homoglyphs", homoglyphs),
    ("fullwidth", fullwidth),
    ("stretched", stretched),
    ("zero-width", zero_width),
    ("upper", |s| s.to_uppercase()),
];

#[test]
fn obfuscated_positives_give_the_same_behaviour() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for &(text, behaviour, key, _) in POSITIVES {
        for (name, f) in OBFUSCATIONS {
            let variant = f(text);
            if variant == text {
                continue;
            }
            checked += 1;
            let hits = detector().detect(&variant);
            match hits.iter().find(|h| h.behaviour == behaviour) {
                None => failures.push(format!(
                    "{name} {variant:?} (normalised {:?}): no {behaviour}",
                    normalise(&variant).text
                )),
                Some(h) => {
                    for s in &h.spans {
                        assert!(s.start < s.end && s.end <= variant.len());
                        assert!(variant.is_char_boundary(s.start));
                        assert!(variant.is_char_boundary(s.end));
                    }
                    // The span still covers the key, now obfuscated: it holds at
                    // least as many letters as the key.
                    let letters = |x: &str| x.chars().filter(|c| c.is_alphanumeric()).count();
                    let best = h
                        .spans
                        .iter()
                        .map(|s| letters(&variant[s.start..s.end]))
                        .max()
                        .unwrap_or(0);
                    if best < letters(key).min(6) {
                        failures.push(format!("{name} {variant:?}: span too short"));
                    }
                }
            }
        }
    }
    assert!(checked > 300, "only {checked} variants");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn obfuscated_span_maps_to_obfuscated_words() {
    let text = "pls ѕ\u{200B}3nd mе a p i c";
    let hits = detector().detect(text);
    let hit = hits.iter().find(|h| h.behaviour == ImageRequest).unwrap();
    let s = hit.spans[0];
    assert_eq!(&text[s.start..s.end], "ѕ\u{200B}3nd mе a p i c");
}

#[test]
fn prefilter_loses_nothing() {
    let d = detector();
    let ctx = Context {
        after_age_probe: true,
        ..Context::default()
    };
    let mut texts: Vec<String> = Vec::new();
    for &(t, ..) in POSITIVES {
        texts.push(t.to_string());
        for (_, f) in OBFUSCATIONS {
            texts.push(f(t));
        }
    }
    texts.extend(NEGATIVES.iter().map(|(t, _)| t.to_string()));
    texts.extend(OTHER_LANGUAGES.iter().map(|(t, ..)| t.to_string()));
    texts.extend(OTHER_LANGUAGE_NEGATIVES.iter().map(|t| t.to_string()));
    for t in &texts {
        assert_eq!(
            d.detect_in_context(t, ctx),
            d.detect_unfiltered(t, ctx),
            "{t:?}"
        );
    }
}

#[test]
fn hostile_inputs_never_panic() {
    let d = detector();
    let long = "send me a pic ".repeat(5000);
    let junk: String = (0u32..0x3000)
        .step_by(7)
        .filter_map(char::from_u32)
        .collect();
    let cases = [
        "",
        "\u{0}\u{1}\u{7f}",
        "\u{200B}\u{200B}",
        "🙂🙂🙂 how old 🙂",
        "1111111111111111111111",
        "@@@@ $$$$ ////",
        "i m 1 3",
        long.as_str(),
        junk.as_str(),
        "z\u{301}\u{302}\u{303}\u{304}\u{305}",
        "\u{FEFF}im\u{FEFF} 13",
    ];
    for c in cases {
        for h in d.detect_in_context(
            c,
            Context {
                after_age_probe: true,
                ..Context::default()
            },
        ) {
            for s in h.spans {
                assert!(s.start <= s.end && s.end <= c.len());
                assert!(c.is_char_boundary(s.start) && c.is_char_boundary(s.end));
            }
        }
    }
}

// ---- conversations -----------------------------------------------------------

fn run(script: &[(&str, &str)]) -> ConversationState {
    let mut c = ConversationState::new();
    for (i, (author, text)) in script.iter().enumerate() {
        c.observe(detector(), author, i as u64, Some(&format!("m{i}")), text);
    }
    c
}

#[test]
fn grooming_conversation_scores_the_adult_high_and_the_child_low() {
    let c = run(&[
        ("adult", "hey there"),
        ("child", "hi"),
        ("adult", "how old are you?"),
        ("child", "13"),
        ("adult", "cool. you seem really mature"),
        ("adult", "dont tell your mum we talk ok"),
        ("child", "ok"),
        ("adult", "add me on snap"),
        ("adult", "send me a pic"),
    ]);
    assert_eq!(c.disclosed_ages("child"), &[13]);
    let adult = c.rule_score("adult");
    let child = c.rule_score("child");
    assert!(adult > 0.95, "adult {adult}");
    assert!(child < 0.05, "child {child}");
    let f = c.author_features("adult");
    assert_eq!(f[14], 1.0, "other side disclosed a minor age");
    assert!(f[23] > 0.0, "behaviours after the disclosure");
    let kid = c.author_features("child");
    assert_eq!(kid[16], 1.0);
    // Evidence points at the original words and carries message ids.
    let e = c
        .evidence()
        .iter()
        .find(|e| e.behaviour == PlatformMove)
        .unwrap();
    assert_eq!(e.author, "adult");
    assert_eq!(e.message_id.as_deref(), Some("m7"));
    assert_eq!(e.spans[0].start, 0);
}

#[test]
fn ordinary_conversations_score_low() {
    let teens = run(&[
        ("a", "did u finish the maths homework"),
        ("b", "nah its so hard"),
        ("a", "lol same. im 14 and still cant do fractions"),
        ("b", "wanna play fortnite later"),
        ("a", "yes!! ur so funny"),
        ("b", "love u bestie"),
    ]);
    let game = run(&[
        ("p1", "push mid"),
        ("p2", "kill him"),
        ("p1", "i'll destroy you next game"),
        ("p2", "report pudge"),
        ("p1", "meet at rosh"),
        ("p2", "gg"),
    ]);
    let parent = run(&[
        ("mum", "where are you?"),
        ("kid", "at ellas"),
        ("mum", "i'll pick you up at 6"),
        ("mum", "don't tell your brother about the surprise party"),
        ("kid", "ok love you"),
    ]);
    let adults = run(&[
        ("x", "i'm 34 btw"),
        ("y", "32 here"),
        ("x", "you look beautiful tonight"),
        ("y", "dinner friday?"),
        ("x", "i love you"),
    ]);
    for (name, c) in [
        ("teens", &teens),
        ("game", &game),
        ("parent", &parent),
        ("adults", &adults),
    ] {
        for a in c.authors() {
            let s = c.rule_score(a);
            assert!(s < 0.3, "{name}/{a}: {s}");
        }
    }
}

/// Ages read in context: bare replies after age talk, echoes, "too".
#[test]
fn ages_are_read_from_replies_and_not_from_echoes() {
    // A bare number answers an age question or another's stated age.
    let c = run(&[
        ("adult", "how old are u?"),
        ("kid", "13 why?"),
        ("adult", "im 14 u?"),
        ("kid2", "15 lol"),
    ]);
    assert_eq!(c.disclosed_ages("kid"), &[13]);
    assert_eq!(c.disclosed_ages("kid2"), &[15]);
    // Repeating the age someone just stated is not one's own age.
    let c = run(&[
        ("kid", "13/f/ca, how r u?"),
        ("adult", "13?"),
        ("adult", "13 wow thats young"),
        ("adult", "32 m fresno"),
    ]);
    assert_eq!(c.disclosed_ages("kid"), &[13]);
    assert_eq!(c.disclosed_ages("adult"), &[32]);
    assert!(c
        .evidence()
        .iter()
        .all(|e| !(e.author == "adult" && e.behaviour == AgeContradiction)));
    // "im 14 too" states the same age as the other side.
    let c = run(&[("a", "im 14"), ("b", "im 14 too")]);
    assert_eq!(c.disclosed_ages("b"), &[14]);
    assert_eq!(c.last_disclosed_age(), Some(14));
    // Numbers that are not replies stay numbers.
    let c = run(&[
        ("a", "how old are u"),
        ("b", "10 minutes away"),
        ("c", "15"),
    ]);
    assert!(c.disclosed_ages("b").is_empty());
    assert_eq!(c.disclosed_ages("c"), &[15]);
    let c = run(&[("a", "push mid"), ("b", "15")]);
    assert!(c.disclosed_ages("b").is_empty());
    assert_eq!(c.last_disclosed_age(), None);
}

// ---- German and Dutch --------------------------------------------------------

/// (text, behaviour, stated age) in German and Dutch.
const OTHER_LANGUAGES: &[(&str, Behaviour, Option<u8>)] = &[
    // German
    ("hey wie alt bist du?", AgeProbing, None),
    ("was ist dein alter", AgeProbing, None),
    ("ich bin 13", AgeDisclosure, Some(13)),
    ("ich bin erst vierzehn", AgeDisclosure, Some(14)),
    ("14 jahre alt", AgeDisclosure, Some(14)),
    ("sag es niemandem ok", Secrecy, None),
    ("das ist unser kleines Geheimnis", Secrecy, None),
    ("deine Eltern dürfen das nicht wissen", Secrecy, None),
    ("lösche den Chat danach", Secrecy, None),
    ("bist du allein zu Hause?", Isolation, None),
    ("sind deine Eltern zu Hause?", Isolation, None),
    ("wann gehen deine Eltern ins Bett", Isolation, None),
    ("adde mich auf snapchat", PlatformMove, None),
    ("hast du whatsapp?", PlatformMove, None),
    ("schick mir ein Bild", ImageRequest, None),
    ("hast du Fotos von dir?", ImageRequest, None),
    ("hast du eine Webcam?", CallRequest, None),
    ("kann ich dich anrufen", CallRequest, None),
    ("wollen wir uns mal treffen?", MeetingRequest, None),
    ("wo wohnst du", MeetingRequest, None),
    ("auf welche Schule gehst du", PersonalInfoRequest, None),
    ("du bist so süß", Flattery, None),
    ("du bist reif für dein Alter", Flattery, None),
    ("bist du noch Jungfrau?", Sexualisation, None),
    // Dutch
    ("hoe oud ben je?", AgeProbing, None),
    ("wat is je leeftijd", AgeProbing, None),
    ("ik ben 13", AgeDisclosure, Some(13)),
    ("ik ben pas veertien", AgeDisclosure, Some(14)),
    ("zeg het tegen niemand", Secrecy, None),
    ("dit is ons geheimpje", Secrecy, None),
    ("je ouders mogen het niet weten", Secrecy, None),
    ("verwijder de chat", Secrecy, None),
    ("ben je alleen thuis?", Isolation, None),
    ("zijn je ouders thuis?", Isolation, None),
    ("voeg me toe op snapchat", PlatformMove, None),
    ("heb je whatsapp?", PlatformMove, None),
    ("stuur me een foto", ImageRequest, None),
    ("heb je foto's van jezelf?", ImageRequest, None),
    ("heb je een webcam", CallRequest, None),
    ("mag ik je bellen", CallRequest, None),
    ("zullen we afspreken?", MeetingRequest, None),
    ("ik wil je graag ontmoeten", MeetingRequest, None),
    ("waar woon je", MeetingRequest, None),
    ("op welke school zit je", PersonalInfoRequest, None),
    ("je bent zo mooi", Flattery, None),
    ("ben je nog maagd?", Sexualisation, None),
];

/// Everyday German and Dutch that must stay quiet.
const OTHER_LANGUAGE_NEGATIVES: &[&str] = &[
    "wie alt ist das Auto",
    "ich bin gleich da",
    "das Spiel war gut, wir treffen uns im nächsten Match",
    "meine Mutter kocht heute",
    "hoe laat is het",
    "ik ben om 5 uur thuis",
    "mijn moeder is jarig",
    "zullen we vanavond gamen",
    "leuk om je te ontmoeten",
    "du bist schon auf!",
];

#[test]
fn german_and_dutch_behaviours_fire_and_everyday_text_does_not() {
    let mut failures = Vec::new();
    for &(text, behaviour, age) in OTHER_LANGUAGES {
        let hits = detector().detect(text);
        match hits.iter().find(|h| h.behaviour == behaviour) {
            None => failures.push(format!("{text:?}: no {behaviour}, got {hits:?}")),
            Some(h) if behaviour == AgeDisclosure && h.disclosed_age != age => {
                failures.push(format!("{text:?}: age {:?}, want {age:?}", h.disclosed_age))
            }
            Some(h) => {
                // Spans cover original text (umlauts included).
                for s in &h.spans {
                    assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                }
            }
        }
        // Obfuscated the same way as the English fixtures, they score alike.
        for (name, f) in OBFUSCATIONS {
            if *name == "spaced" {
                continue;
            }
            let o = f(text);
            if !behaviours(&o).contains(&behaviour) {
                failures.push(format!("{name} {o:?}: no {behaviour}"));
            }
        }
    }
    for text in OTHER_LANGUAGE_NEGATIVES {
        let b = behaviours(text);
        if !b.is_empty() {
            failures.push(format!("{text:?}: {b:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // An English-only detector leaves them alone.
    let en = Detector::with_languages(&[Language::En]);
    assert!(en.detect("sag es niemandem ok").is_empty());
    assert!(en.rule_count() < detector().rule_count());
}
