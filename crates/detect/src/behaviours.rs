//! Per-message behaviour detectors.
//!
//! A [`Detector`] holds a table of rules, each a regular expression over the
//! [normalised](crate::normalise) text with a [`Behaviour`], a weight in `(0, 1]`
//! (how much one match means on its own) and optionally a veto (a pattern that,
//! anywhere in the message, cancels the rule: "pic of the error" is tech support).
//!
//! Speed comes from one Aho-Corasick pass over the normalised text that looks for
//! the anchor words of every rule; only rules whose anchors occur are run, so an
//! ordinary message costs one normalisation and one automaton scan.
//!
//! Patterns are written for normalised text (lower case, apostrophes removed,
//! single spaces, leetspeak resolved, letter runs of three or more collapsed to
//! one). Because of the last step, every doubled letter in a pattern also accepts
//! a single letter (`meet` matches `met`), and every anchor is looked for in both
//! spellings.
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use lifeguard_core::{Behaviour, Span};
use regex::bytes::{Regex, RegexBuilder};

use crate::normalise::{normalise, Normalised};

/// One behaviour found in one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// What was seen.
    pub behaviour: Behaviour,
    /// Where, as byte ranges of the ORIGINAL text, in order, one per match.
    pub spans: Vec<Span>,
    /// Strength of the strongest matching rule, in `(0, 1]`: 1 for an unambiguous
    /// phrase ("how old are you"), about 0.3 for one that is often innocent.
    pub weight: f32,
    /// For [`Behaviour::AgeDisclosure`], the age the author states for themself.
    pub disclosed_age: Option<u8>,
}

/// What the detector knows about the conversation around a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// Someone else asked this author's age or stated their own in the last few
    /// messages, so a bare number ("13", "14 u?", "15 lol") is an answer, an age
    /// disclosure.
    pub after_age_probe: bool,
    /// The age another author stated in the last few messages. A bare number equal
    /// to it is an echo ("13?", "14 wow thats young"), not this author's age.
    pub echo_age: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Age {
    /// Not an age rule.
    No,
    /// Group 1 holds the age, as digits or a number word.
    Capture,
    /// Like `Capture`, but only when the message answers an age question.
    Reply,
    /// Group 1 holds a school grade (US style, 1-12); the age is the grade + 5.
    Grade,
}

struct Rule {
    behaviour: Behaviour,
    weight: f32,
    re: Regex,
    veto: Option<Regex>,
    age: Age,
}

/// What one rule cost over a corpus (see `Detector::rule_costs`).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct RuleCost {
    /// The rule's behaviour.
    pub behaviour: Behaviour,
    /// The start of its compiled pattern.
    pub pattern: String,
    /// Messages whose anchors triggered it.
    pub triggered: u64,
    /// Messages it matched.
    pub matched: u64,
    /// Nanoseconds spent running it.
    pub nanos: u64,
}

/// Detects grooming behaviours in single messages. Build once, share freely
/// (it is `Send + Sync` and `detect` takes `&self`).
pub struct Detector {
    rules: Vec<Rule>,
    anchors: AhoCorasick,
    /// For each anchor pattern, the rules it triggers.
    anchor_rules: Vec<Vec<u16>>,
    /// For each anchor pattern, whether it must be a whole word (`=` in the table).
    anchor_whole: Vec<bool>,
    /// Rules triggered by any ASCII digit in the text.
    digit_rules: Vec<u16>,
    unit_after_age: Regex,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("rules", &self.rules.len())
            .field("anchors", &self.anchor_rules.len())
            .finish()
    }
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

const WORDS: &[(&str, &str)] = &[
    ("{U}", "(?:u|you|ya|yu|yuo|yous)"),
    ("{YOUR}", "(?:ur|your|yur|yor|yr|ure|youre)"),
    ("{UAR}", "(?:youre|ur|u r|you r|u are|you are|ure|yr|ya are|u|you)"),
    ("{R}", "(?:r|are|ar|re)"),
    (
        "{PIC}",
        "(?:pic|pics|pix|pik|piks|picture|pictures|photo|photos|foto|fotos|selfie|selfies|nude|nudes|image|images|vid|vids|video|videos)",
    ),
    (
        "{FAM}",
        "(?:parents?|mom|moms|mum|mums|mommy|mummy|mother|dad|dads|daddy|father|folks|family|ma|mama|step ?dad|step ?mom|grandma|grandparents|guardian)",
    ),
    (
        "{APP}",
        "(?:snapchat|snap chat|snap|sc|whatsapp|whats app|discord|telegram|kik|instagram|insta|ig|skype|yahoo|yahoo messenger|ym|yim|msn|aol|icq|viber|wechat|wickr|hangouts|facebook|fb|messenger|tiktok|twitter|myspace|omegle|email|e mail|gmail|hotmail)",
    ),
    (
        "{APPS}",
        "(?:snapchat|snap chat|whatsapp|whats app|discord|telegram|kik|instagram|insta|skype|yahoo messenger|msn|viber|wechat|wickr|hangouts)",
    ),
    ("{DONT}", "(?:dont|do not|dnt|dun|don|doesnt|does not|never|cant|can not|cannot|wont|will not|shouldnt|should not|mustnt|must not|better not|no need to|dont u|dont you|dont ever)"),
    ("{ANY1}", "(?:anyone|any one|anybody|any body|no one|noone|nobody|no body|ne1|ne one)"),
    (
        "{NUMW}",
        "(?:eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?: ?(?:one|two|three|four|five|six|seven|eight|nine))?|thirty|forty|fifty)",
    ),
    ("{AGE}", "(\\d{1,2}|{NUMW})"),
    (
        "{NUMW_DE}",
        "(?:acht|neun|zehn|elf|zwolf|dreizehn|vierzehn|funfzehn|fuenfzehn|sechzehn|siebzehn|achtzehn|neunzehn|zwanzig)",
    ),
    (
        "{NUMW_NL}",
        "(?:acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien|zeventien|achttien|negentien|twintig)",
    ),
];

const CAM_TECH: &str = r"\b(?:driver|drivers|resolution|usb|device|module|kernel|linux|ubuntu|detect|detected|recogni[sz]e|support|supported|v4l|cheese|lsusb|dmesg|works|working|install|firmware|error|settings|laptop|built in|builtin|lens|photos?|pictures?)\b";

const SURPRISE: &str = r"\b(?:surprise|party|present|presents|gift|birthday|bday|christmas|xmas|santa|spoilers?|ending|plot)\b";

const TECH: &str = r"\b(?:screenshot|screenshots|screen ?shot|screen ?cap|screencap|error|errors|log|logs|output|terminal|console|code|bug|stack ?trace|settings|config|desktop|paste|pastebin|diagram|chart|graph|menu|receipt|document|file|files|invoice|bios|setup|install|installer|window|dialog|message box|hardware|card|board|build|item|items|hero|map|score|scoreboard|stats|replay|game|ticket|product|package)\b";

/// A rule: behaviour, weight, anchors, pattern, optional veto, age mode.
/// `DIGIT` as an anchor means "any ASCII digit"; an anchor starting with `=` must
/// be a whole word.
pub(crate) type RuleSpec = (
    Behaviour,
    f32,
    &'static [&'static str],
    String,
    Option<String>,
    Age,
);

type EnglishSpec = (
    Behaviour,
    f32,
    &'static [&'static str],
    &'static str,
    Option<&'static str>,
    Age,
);

/// A language the detector carries rules for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// English (the first and fullest table).
    En,
    /// German.
    De,
    /// Dutch.
    Nl,
}

impl Language {
    /// Every language with a rule table.
    pub const ALL: [Language; 3] = [Language::En, Language::De, Language::Nl];

    fn rules(self) -> Vec<RuleSpec> {
        match self {
            Language::En => english_rules()
                .into_iter()
                .map(|(b, w, a, p, v, age)| (b, w, a, p.to_string(), v.map(str::to_string), age))
                .collect(),
            Language::De => crate::lang::de::rules(),
            Language::Nl => crate::lang::nl::rules(),
        }
    }
}

/// The English rule table.
#[rustfmt::skip]
fn english_rules() -> Vec<EnglishSpec> {
    use Age::*;
    use Behaviour::*;
    vec![
        // ---- Age probing ---------------------------------------------------
        (AgeProbing, 1.0, &["old"], r"\bho?w old (?:{R} ?{U}|{U}|{R}u|{YOUR})\b", None, No),
        (AgeProbing, 0.8, &["old"], r"^\W*(?:and |so |hey |hi |also )?ho?w old\W*(?:\?\W*)?$", None, No),
        (AgeProbing, 0.8, &["old"], r"\bho?w old\W*(?:\?\W*)?$", None, No),
        (AgeProbing, 0.8, &["asl", "a/s/l", "a s l"], r"\b(?:asl|a/s/l|a s l)\b", Some(r"\basl ?[\[:(]"), No),
        (AgeProbing, 0.9, &["age"], r"\b(?:what|whats|wats|wat|wuts|tell me) ?(?:is )?{YOUR} age\b", None, No),
        (AgeProbing, 0.8, &["age"], r"\b{YOUR} age\W*\?", None, No),
        (AgeProbing, 0.6, &["age"], r"^\W*(?:and |so )?(?:{YOUR} )?age\W*\?", None, No),
        (AgeProbing, 0.9, &["grade", "year"], r"\bwhat (?:grade|year) (?:{R} {U}|{R}u|{U}) in\b", None, No),
        (AgeProbing, 0.7, &["grade"], r"\bwhat grade\b", None, No),
        (AgeProbing, 0.8, &["school", "grade"], r"\b(?:{R} {U}|{R}u|{U}) (?:in|at|still in) (?:high school|middle school|elementary|junior high|hs|ms|jr high|grade \d+|\d+(?:st|nd|rd|th) grade)\b", None, No),
        (AgeProbing, 0.9, &["born", "birthday", "bday"], r"\b(?:what year|when) (?:{R} {U}|were {U}|was {U}|{R}u|{U}) born\b", None, No),
        (AgeProbing, 0.8, &["minor", "legal", "teen", "adult", "kid", "underage", "18", "21"], r"\b(?:{R} {U}|{R}u|{U}) (?:a |an )?(?:minor|underage|legal|of age|a kid|teen|teenager|an adult|adult|over 18|under 18|18|over 21|21)\b", None, No),
        (AgeProbing, 0.9, &["DIGIT", "een", "ten", "eleven", "twelve", "eight", "nine", "twenty", "thirty", "forty", "fifty"], r"\b(?:{R} {U}|{R}u) (?:only |like |really |even |over |under )?(?:1[0-9]|[89]|{NUMW})\b\W*(?:yet|or|\?|$)", None, No),
        // ---- Self-disclosed age -------------------------------------------
        (AgeDisclosure, 1.0, &["im", "i am", "iam", "i m"], r"\b(?:im|i am|iam|i m)(?: only| just| almost| nearly| turning| about| like| really)?(?: a)? {AGE}\b", None, Capture),
        (AgeDisclosure, 1.0, &["turn"], r"(?:^\W*|\bi |\bi just |\bi only |\bive just |\bi have just )(?:just |only |recently )?turned {AGE}\b", None, Capture),
        (AgeDisclosure, 0.9, &["turn"], r"\bi(?:ll| will| am going to| m going to| m gonna|m gonna| am gonna)? turn {AGE} (?:next|in|on|this|soon|tomorrow)\b", None, Capture),
        (AgeDisclosure, 1.0, &["yr", "year", "yo", "y/o", "y o"], r"\b(?:im|i am|iam|i m|im only|im just|i am only|i am just|me)\W+(\d{1,2}|{NUMW}) ?(?:yrs?|years?|yo|y/o|y o|yrs? old|years? old)\b|^\W*(?:only |just |me )?(\d{1,2}|{NUMW}) ?(?:yo|y/o|y o|yrs? old|years? old)\b", None, Capture),
        (AgeDisclosure, 0.9, &["DIGIT"], r"\b(\d{1,2}) ?[/,] ?(?:m|f|male|female|boy|girl|guy)\b", None, Capture),
        (AgeDisclosure, 0.8, &["DIGIT"], r"^\W*(?:asl\W*)?(\d{1,2}) ?(?:m|f|male|female|boy|girl|guy)(?:\W*$|\W+(?:[a-z]{2,}\W*$|from |in |here\b|and |n |u\b|you\b|wbu|hbu|asl))", None, Capture),
        (AgeDisclosure, 0.9, &["DIGIT"], r"\b(?:m|f) ?/ ?(\d{1,2})\b", None, Capture),
        (AgeDisclosure, 0.9, &["asl"], r"\basl\W+(\d{1,2})\b", None, Capture),
        (AgeDisclosure, 1.0, &["age"], r"\bmy age(?: is)?\W{0,3}{AGE}\b", None, Capture),
        (AgeDisclosure, 0.8, &["DIGIT", "een", "ten", "eleven", "twelve", "twenty", "eight", "nine"], r"^\W*(?:im |i am |just |only |almost )?{AGE}\W*(?:(?:and|n|&|wbu|hbu|u|you|ya|y|here|lol|haha|hbu|wby|now|yrs|years|yo|ok|\?)\W*)*$", None, Reply),
        // A bare number opening a short reply to age talk: "13 why?", "15 lol u".
        (AgeDisclosure, 0.6, &["DIGIT"], r"^\W*(?:yes |yeah |yep |yup |ya |me |well |um |umm )?(\d{1,2})\b(?: ?[a-z]+\W*){0,4}$", None, Reply),
        // a/s/l answers that open a message: "14 m near the beach", "yup 13 m herndon u",
        // "12 ky f", "14 freshman", "<---14".
        (AgeDisclosure, 0.8, &["DIGIT"], r"^\W*(?:yup |yes |yeah |ya |im |me )?(\d{1,2}) ?[ /,.-] ?(?:m|f|male|female|boy|girl|guy|freshman|sophomore)\b", Some(r"^\W*\d+ ?m (?:away|left|ahead|behind|long|tall|wide|deep|high|down|up|more|from|to|of|per)\b"), Capture),
        (AgeDisclosure, 0.8, &["DIGIT"], r"^\W*(\d{1,2}) [a-z]{2} (?:m|f)\b", None, Capture),
        (AgeDisclosure, 0.8, &["DIGIT"], r"^\W*<-+ ?(\d{1,2})\b", None, Capture),
        // "13 u?", "14 n u", "14 wbu": an age handed back with the question.
        (AgeDisclosure, 0.7, &["DIGIT"], r"^\W*(?:im |i am |hi |hey |well )?(1[0-7])\W+(?:u|you|ya|wbu|hbu|n u|and u|and you|an u|n you)\W*\??\W*$", None, Capture),
        // "12 almost 13", "14 n i live by columbus", "f 14", "im good 13 f mi",
        // "i almost 13", screen names like "14-yr-old-girl".
        (AgeDisclosure, 0.7, &["DIGIT"], r"^\W*(\d{1,2}) (?:almost|nearly|going on|turning|and a half|n a half) \d{1,2}\b|^\W*(1[0-7]) (?:n|and|an) (?:i|im|u|you|ya)\b|^\W*(?:f|m|female|male|girl|boy) ?/? ?(\d{1,2})\b|^\W*(?:hi|hey|hello|im good|good|ok|okay|lol|yes|yeah|sure|well)\W+(\d{1,2}) ?[/,]? ?(?:m|f|male|female|boy|girl)\b|\bi (?:almost|just|only|nearly) (1[0-7])\b|\b(\d{1,2}) ?[_-]?(?:yr|year|yo)s?[_-]?old[_-]?(?:girl|boy|gurl|grl|chick|kid)\b", None, Capture),
        (AgeDisclosure, 0.7, &["grade"], r"\b(?:im|i am|i m|iam) (?:in |going into |starting |gonna be in |in the )?(?:the )?(\d{1,2})(?:th|st|nd|rd)? grade\b|\b(?:i go|im going) (?:in)?to (\d{1,2})(?:th|st|nd|rd)? grade\b", None, Grade),
        // ---- Secrecy --------------------------------------------------------
        (Secrecy, 0.8, &["tel"], r"\b{DONT} (?:go )?(?:tel|tell|tellin|telling) (?:{ANY1}|{YOUR} (?:{FAM}|teachers?)|{FAM})\b", Some(SURPRISE), No),
        (Secrecy, 0.4, &["tel"], r"\b{DONT} (?:go )?(?:tel|tell|tellin|telling) {YOUR} (?:friends?|mates|bf|boyfriend|gf|girlfriend|sister|brother|bro|sis|cousin)\b", Some(SURPRISE), No),
        (Secrecy, 0.7, &["tel"], r"\bpromise (?:me )?(?:not to|{U} (?:wont|will not|dont|will never)|never to) tell\b", None, No),
        (Secrecy, 0.9, &["secret"], r"\b(?:our|its our|a|its a|r|our little|little|a little|be our|keep (?:it|this|that|us|me)(?: a)?|keep) secrets?\b", Some(r"\b(?:santa|surprise|birthday|present|party|recipe|level|easter|ingredient|menu|boss|cheat|code|achievement|agent|service|society|garden)\b"), No),
        (Secrecy, 0.9, &["between"], r"\b(?:keep|kept|stay|stays|this is|its|it is|just) (?:it |this |that |things |everything )?(?:just )?between (?:us|you and me|u and me|me and {U}|{U} and i|the two of us|us two)\b", None, No),
        (Secrecy, 0.5, &["between"], r"\b(?:just )?between (?:you and me|u and me|me and {U}|us two|the two of us)\b", None, No),
        (Secrecy, 0.8, &["know", "find out"], r"\b(?:no ?one|nobody|no body|{ANY1}|{YOUR} (?:{FAM})|{FAM}) (?:has to|needs to|have to|need to|can|can ever|will|will ever|should|must|gotta|ever has to|is gonna|is going to|wont|would) (?:ever )?(?:know|find out)\b", None, No),
        (Secrecy, 0.8, &["delete", "erase", "clear"], r"\b(?:delete|erase|clear|remove) (?:all )?(?:this|these|the|our|all|{YOUR}|those|that|my|every)? ?(?:chat|chats|msgs?|messages?|convo|convos|conversation|conversations|texts?|history|pics?|photos?|im|ims|pms?|dms?|emails?|everything)\b(?:\W+(?:after|when|before|so|b4|once))?", Some(TECH), No),
        (Secrecy, 0.6, &["delete", "erase"], r"\b(?:delete|erase) (?:it|this|that)\b\W*(?:after|when|before|once|so|b4|ok|pl[sz]|please)", Some(TECH), No),
        (Secrecy, 0.8, &["let"], r"\b(?:dont|do not|never) let (?:{YOUR} )?(?:{FAM}|{ANY1}) (?:see|know|find|read|catch)\b", None, No),
        (Secrecy, 0.6, &["trouble", "jail", "arrest"], r"\b(?:i|we|{U}) (?:could|can|would|will|might|d) (?:get|go|be) (?:in )?(?:trouble|to jail|in jail|arrested)\b", Some(r"\b(?:game|match|ban|banned|mod|mods)\b"), No),
        (Secrecy, 0.7, &["private"], r"\b(?:keep|kept) (?:it|this|us|things|our \w+) private\b", None, No),
        // Awareness that the contact is forbidden: "you could get me in trouble",
        // "your mom wouldnt like it", "do your parents know ur on here".
        (Secrecy, 0.6, &["trouble", "jail"], r"\b(?:get|getting|got|gets) (?:me|us|both of us) (?:in|into) (?:serious|legal|real) trouble\b|\b(?:get|getting|got|gets) (?:me|us|both of us) (?:in|into|sent to) jail\b|\b(?:young|old) enough to get (?:me|us) (?:in|into)\b|\b(?:some ?one|some ?body|people) (?:could|can|would|might) (?:get|go) (?:in|into|to) (?:legal )?(?:trouble|jail)\b", Some(r"\b(?:game|match|ban|banned|mod|mods|boss|teacher|work|class)\b"), No),
        (Secrecy, 0.6, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\b{YOUR} (?:{FAM}) (?:would|will|wouldnt|would not|wont|will not|is not gonna|isnt gonna|aint gonna) (?:not )?(?:like|approve|be happy|be ok|be okay|understand|kill me|be mad|get mad|freak|flip)\b|\b(?:does|do|would) {YOUR} (?:{FAM}) (?:know|mind|care) (?:{U}|{UAR}|about (?:me|us|this))\b|\b{YOUR} (?:{FAM}) (?:know|knows|dont mind|doesnt mind) (?:{UAR}|{U}) (?:on here|online|talking|chatting|up|being)\b", None, No),
        // ---- Isolation ----------------------------------------------------
        (Isolation, 1.0, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\b(?:is|are|r|iz|{R}) (?:{YOUR}|the) (?:{FAM}) (?:still )?(?:home|there|around|awake|asleep|up|gone|out|away|in bed|at home|at work|sleeping|working|in the house)\b", None, No),
        (Isolation, 0.9, &["alone"], r"\b(?:{R} {U}|{R}u|{U}|{UAR}) (?:home |all |at home |there |in (?:ur|your|the) room )?alone\b", None, No),
        (Isolation, 0.8, &["alone"], r"\b(?:home alone|alone at home|alone in (?:{YOUR}|the) (?:room|house|bedroom))\b", None, No),
        (Isolation, 0.8, &["self"], r"\b(?:{R} {U}|{R}u) (?:home )?by (?:{U}rself|yourself|urself|ur self|your self)\b", None, No),
        (Isolation, 0.9, &["anyone", "any one", "anybody", "any body", "someone", "some one", "somebody", "some body", "ne1"], r"\b(?:is|iz|s) (?:any ?one|any ?body|some ?one|some ?body|ne1) (?:else )?(?:with {U}|home|watching|in the room|near {U})\b", None, No),
        (Isolation, 0.3, &["anyone", "any one", "anybody", "any body", "someone", "some one", "somebody", "some body", "ne1"], r"\b(?:is|iz|s) (?:any ?one|any ?body|some ?one|some ?body|ne1) (?:else )?(?:there|around)\b", Some(r"\b(?:help|know|familiar|use|using|tried|able)\b"), No),
        (Isolation, 0.8, &["with"], r"\bwho(?:s| is| else is| else| is else)? (?:home|there|around) with {U}\b", None, No),
        (Isolation, 1.0, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\b(?:when|what time) (?:do|does|will|r|are|is|did) (?:{YOUR} )?(?:{FAM}) (?:usually |normally )?(?:go|get|leave|come|goes|gets|leaves|comes|be|going|coming|getting) (?:to |for )?(?:bed|sleep|home|back|out|work|off|away|gone)\b", None, No),
        (Isolation, 0.9, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\b(?:do|does|will|would|can) (?:{YOUR} )?(?:{FAM}) (?:ever )?(?:check|read|look at|go through|monitor|watch|snoop on|see) (?:{YOUR} )?(?:phone|computer|pc|laptop|messages|msgs|texts|chats|history|internet|email|account)\b", None, No),
        (Isolation, 0.7, &["understand", "care", "listen", "get"], r"\b(?:{YOUR} )?(?:{FAM}|friends) (?:dont|doesnt|never|do not|does not) (?:really )?(?:understand|get|care about|listen to|appreciate) {U}\b", None, No),
        (Isolation, 0.8, &["understand", "like"], r"\b(?:no ?one|nobody) (?:else )?(?:understands|gets|knows|cares about|loves) {U} like (?:i|me)\b|\bi understand {U} (?:better|more) than\b|\bonly i (?:understand|get|know) {U}\b", None, No),
        (Isolation, 0.8, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\bwhere (?:{R}|is) (?:{YOUR}) (?:{FAM})\b", None, No),
        (Isolation, 0.6, &["lock", "door"], r"\b(?:lock|locked|close|shut) (?:the|{YOUR}) (?:bedroom )?door\b", None, No),
        (Isolation, 0.8, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\bwhere(?:s| is| will| would| r| are)? {YOUR} (?:{FAM}) (?:be |at |going |gonna be )?(?:tonight|right now|rn|this weekend|today|later)\b|\bwhere (?:will|would) {YOUR} (?:{FAM}) be\b|\bwhat time (?:does |do |will |did )?{YOUR} (?:{FAM}) (?:leave|get home|get back|go|come)\b|^\W*(?:{YOUR} )?(?:{FAM}) (?:home|there|around|gone|out|away|asleep|awake)\W*\??\W*$|\bwhat (?:{R}|is) {YOUR} (?:{FAM}) doing (?:tonight|today|this weekend|later)\b", None, No),
        (Isolation, 0.7, &["yourself", "urself", "ur self", "your self", "own"], r"\b(?:{R} {U}|{R}u|{U}|{UAR}|just {U}|{U} home) (?:home |all )?(?:by (?:yourself|urself|ur self|your self)|on {YOUR} own)\b", Some(r"\b(?:do it|did it|install|fix|figure|learn|solo|build|play|carry|farm|queue)\b"), No),
        (Isolation, 0.6, &["parent", "mom", "mum", "mother", "dad", "father", "folks", "family", "=ma", "mama", "grandma", "guardian"], r"\b(?:just {U} and {YOUR} (?:{FAM})|do {U} live with {YOUR} (?:{FAM})|does {YOUR} (?:{FAM}) work)\b", None, No),
        // ---- Platform move ------------------------------------------------
        (PlatformMove, 1.0, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"\b(?:add|follow|msg|message|dm|pm|text|hit|hmu|talk|chat|find|friend|contact|reach|im|call|snap|meet|see|get|catch|come|move|go|switch|talk to|speak) (?:me |u |you |ya |each other |me up |u up )?(?:up )?(?:on|in|at|thru|through|via|over|to|onto) {APP}\b", None, No),
        (PlatformMove, 0.6, &["sn", "screen", "aim"], r"\b(?:whats|what is|wats|wat is|give me|send me|tell me|gimme) {YOUR} (?:sn|screen ?name|screenname|aim|aim name)\b", None, No),
        (PlatformMove, 1.0, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"\b(?:do|d|{R}|you|u|ya) ?(?:{U}|ya)? (?:have|got|use|on|has|get|still use) (?:a |an )?{APP}\b", Some(r"\b(?:account on|fb game)\b"), No),
        (PlatformMove, 0.8, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"(?:^\W*|\b{U} )got {APPS}\b", None, No),
        (PlatformMove, 1.0, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"\b(?:whats|what is|wats|wat is|wut is|wuts|what|wat|give me|gimme|send me|tell me|can i (?:get|have)|can i add) (?:{YOUR} |ur )?(?:{APP}) ?(?:name|id|username|user|user name|handle|addy|acc|account|@|number|#)?\b", Some(r"\b(?:whats|what is) (?:ur|your) (?:line|signal|email|tele)\b$"), No),
        (PlatformMove, 1.0, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"\b(?:my|{YOUR}|ur) {APP} (?:name|id|username|user|user name|handle|addy|acc|account)\b", None, No),
        (PlatformMove, 0.9, &["snapchat", "snap", "=sc", "whatsapp", "whats app", "discord", "telegram", "kik", "instagram", "insta", "=ig", "skype", "yahoo", "=ym", "yim", "msn", "aol", "icq", "viber", "wechat", "wickr", "hangouts", "facebook", "=fb", "messenger", "tiktok", "twitter", "myspace", "omegle", "mail"], r"\bmy {APP} (?:is|=|:)", None, No),
        (PlatformMove, 1.0, &["@"], r"\b{APP}\W{0,3}(?:is |=|:|-)?\W{0,2}@[a-z0-9_.]{3,}", None, No),
        (PlatformMove, 1.0, &["@"], r"@[a-z0-9_.]{3,}\W+(?:on |in )?{APP}\b", None, No),
        (PlatformMove, 0.9, &["snap", "kik", "skype", "whatsapp", "telegram", "discord", "insta", "text", "txt", "sms"], r"\b(?:snapchat|snap|kik|skype|whatsapp|telegram|discord|insta|text|txt|sms) me\b", Some(r"\b(?:snap me (?:out|back)|im me too|text me (?:back|later)?\W*(?:when|if) .{0,20}(?:game|match)|(?:pm|dm|msg|message) me (?:if|for|when) .{0,30}(?:help|question|issue|problem|bug))\b"), No),
        (PlatformMove, 0.35, &["=dm", "=pm", "=im", "message", "msg", "mail"], r"\b(?:dm|pm|im|message|msg|email|e mail) me\b", Some(r"\b(?:help|question|questions|issue|problem|bug|error|questions|support|details|logs?|output|ticket)\b"), No),
        (PlatformMove, 0.9, &["add"], r"\badd me\b.{0,25}@[a-z0-9_.]{3,}", None, No),
        (PlatformMove, 0.9, &["DIGIT"], r"(?:^|[^\d])(?:\+?1[ .-])?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?:[^\d]|$)|\b0?7\d{3} ?\d{3} ?\d{3}\b", None, No),
        (PlatformMove, 0.9, &["DIGIT"], r"\b(?:number|cell|phone|mobile|digits|num|#)\W{0,3}(?:is\W{0,3})?\+?\d{3}[ .-]?\d{3}[ .-]?\d{4}\b", None, No),
        (PlatformMove, 0.9, &["@"], r"\b[a-z0-9._-]+@(?:yahoo|hotmail|gmail|aol|msn|live|outlook|icloud|ymail|rocketmail)\.", None, No),
        (PlatformMove, 0.7, &["private", "priv", "pm", "dm", "im"], r"\b(?:go|come|talk|chat|take (?:this|it)|move|continue) (?:in |to |into |on )?(?:private|priv|pm|pms|dm|dms)\b", None, No),
        (PlatformMove, 0.6, &["number", "cell", "phone"], r"\b(?:i(?:ll| will)? (?:give|send) (?:u|you) my (?:number|cell|phone|digits)|(?:heres|here is|this is) my (?:number|cell|phone))\b", None, No),
        // ---- Image request ------------------------------------------------
        (ImageRequest, 1.0, &["pic", "pix", "pik", "photo", "foto", "selfie", "nude", "image", "vid", "snap"], r"\b(?:send|snd|sen|give|show|post|share|trade|swap|exchange|email|e mail|text|snap|get me|take me) (?:me |mee |us |me back )?(?:a |an |some |sum |ur |{YOUR} |another |more |the |those |that |any |1 |one |few |a few |a couple |couple )?(?:new |cute |good |nice |sexy |hot |full |body |face |recent |real |other |naughty |private |more |full body |pretty |better |close up |closeup |bikini |bathing suit )*(?:{PIC}|snaps?)\b", Some(TECH), No),
        (ImageRequest, 1.0, &["pic", "pix", "pik", "photo", "foto", "selfie", "nude", "image", "vid"], r"(?:^\W*|\b(?:{U}|do {U}|did {U}|any ?one|anybody|ya) )(?:got|have|has) (?:any |a |some |more |other |new )?{PIC}\b|\bany (?:more |other |new )?{PIC}\b", Some(TECH), No),
        (ImageRequest, 1.0, &["pic", "pix", "pik", "photo", "foto", "selfie", "nude", "image", "vid"], r"\b{PIC} (?:of|from) (?:{U}|{YOUR}self|yourself|urself|ur self|{YOUR} (?:body|face|self|legs|feet|room|outfit))\b", None, No),
        (ImageRequest, 1.0, &["pic", "pix", "pik", "photo", "foto", "selfie", "nude", "image", "vid", "body", "face", "self", "legs", "feet", "outfit"], r"\b(?:can|could|may|let|wanna|want to|would like to|i want to|id like to|lemme|let me) (?:i |me )?(?:see|have|get|look at) (?:a |an |some |ur |{YOUR} |another |more |other |new |that )?(?:{PIC}|{YOUR} (?:body|face|self|legs|feet|outfit))\b", Some(TECH), No),
        (ImageRequest, 0.7, &["show"], r"\bshow me (?:{YOUR}|ur|{U}|urself|yourself|more|something|what {U} look|what ya|how {U} look|a little|some)\b", Some(TECH), No),
        (ImageRequest, 0.8, &["look"], r"\bwhat (?:do|does) {U} look like\b", None, No),
        (ImageRequest, 0.6, &["pic", "pix", "photo", "foto", "selfie"], r"^\W*(?:any |a |got )?(?:pic|pics|pix|photo|photos|selfie)\W*(?:pl[sz]|please|pls)?\W*\?\W*$", None, No),
        (ImageRequest, 0.8, &["pic", "pix", "photo", "foto", "selfie"], r"\b(?:i want|i wanna see|i need|i would love|id love|i would like|id like) (?:a |an |some |ur |{YOUR} |more |another )?(?:{PIC})\b", Some(TECH), No),
        (ImageRequest, 0.8, &["pic", "pix", "pik", "photo", "foto", "selfie"], r"\b(?:{U}|do {U}|d {U}|ya|do ya) ?(?:hav|have|got|has) (?:a |an |any |some |more |other |new |full body |body )?(?:pic|pics|pix|picture|pictures|photo|photos|selfie|selfies)\b|^\W*(?:no|any|or|more|other|new|a|full body|body) (?:pic|pics|pix|picture|pictures|photo|photos)\W*\?|\bwhat (?:kind of )?(?:pic|pics|pix|photos|pictures) (?:do )?(?:{U}|ya) (?:got|have|hav)\b", Some(TECH), No),
        (ImageRequest, 0.5, &["pic", "pix", "photo", "foto", "selfie"], r"\b(?:want|wanna|would {U} like|would {U} be into|do {U} want) (?:to )?(?:see )?(?:some |a |more )?(?:pics|pic|pix|photos|pictures) (?:of me|of mine)\b|\b(?:want|wanna) (?:to )?see my (?:pics|pic|pix|photos|pictures)\b|\bwant some (?:pics|pix|photos|pictures)\b", Some(TECH), No),
        // ---- Call / webcam ------------------------------------------------
        (CallRequest, 1.0, &["=cam", "=cams", "webcam", "web cam", "camera", "=mic"], r"\b(?:do|d|{R}|{U}) ?(?:{U}|ya)? (?:have|got|has|own|get) (?:a |an |ur |{YOUR} )?(?:cam|webcam|web cam|camera|mic|cams)\b", Some(CAM_TECH), No),
        (CallRequest, 1.0, &["=cam", "webcam", "web cam"], r"\b(?:get|go|turn|put|come|jump|hop|be|see {U}|show me|watch {U}|you|u|i|we) (?:on )?(?:the |ur |{YOUR} |ya |my )?(?:cam|webcam|web cam)\b|\bon (?:cam|webcam|web cam)\b", Some(CAM_TECH), No),
        (CallRequest, 1.0, &["=cam", "c2c"], r"\b(?:cam (?:to cam|2 cam|with me|chat|now|for me|pl[sz]|please|tonight|sometime|later)|cam2cam|c2c)\b", None, No),
        (CallRequest, 0.9, &["facetime", "face time"], r"\b(?:facetime|face time)\b", None, No),
        (CallRequest, 0.8, &["video", "voice", "vid"], r"\b(?:video|voice|vid|skype|cam) ?(?:call|chat|calls)\b", Some(TECH), No),
        (CallRequest, 0.8, &["cal", "phone", "ring"], r"\b(?:call|ring|phone) me\b(?:\W*$|\W+(?:when|tonight|later|now|tomorrow|on|at|asap|pl[sz]|please|sometime|ok|okay|if|after|before|back|soon|this|some|sometime|anytime|whenever|and|so|ur|your|\d))", Some(r"\bcall me (?:when (?:u|you) (?:get|log) on|if (?:u|you) need)"), No),
        (CallRequest, 1.0, &["cal", "phone", "ring"], r"\b(?:can|could|may|should|will|wanna|want to|let|lemme) (?:i |me |we )?(?:call|phone|ring) (?:u|you|ya)\b", None, No),
        (CallRequest, 0.9, &["cal", "phone", "ring"], r"\b(?:i(?:ll| will|ma|m gonna| am gonna|m going to)|ill) (?:call|phone|ring) (?:u|you|ya)\b(?:\W*$|\W+(?:when|tonight|later|now|tomorrow|in|at|on|back|soon|ok|okay|sometime|after|before|this|next|and|if|then|from|right|at|around))", None, No),
        (CallRequest, 1.0, &["cal", "phone", "ring", "talk", "speak", "voice"], r"\b(?:can|could|will|would|do) (?:{U}|ya) (?:call|phone|ring) me\b|\b(?:talk|speak) on the phone\b|\bhear {YOUR} voice\b", None, No),
        // ---- Meeting / location --------------------------------------------
        (MeetingRequest, 1.0, &["met", "meet"], r"\bmeet (?:up|me|u|you|ya|in person|irl|somewhere|sometime|each other|some time|someday)\b", Some(r"\bnice to meet|pleasure to meet|meet (?:you|u) (?:too|2)\b|\bmeet (?:up )?(?:at|in) (?:mid|top|bot|bottom|base|rosh|fountain|lane|jungle|spawn)\b"), No),
        (MeetingRequest, 1.0, &["met", "meet"], r"\b(?:wanna|want to|want 2|can|could|should|would|we could|lets|let us|like to|love to|gonna|going to|will|when (?:can|could|will|do) we|when (?:can|could) (?:i|we)) (?:we |i |u |you )?(?:ever |finally |actually |maybe )?meet\b", Some(r"\b(?:meet (?:the|ur|your|my) (?:team|deadline|requirements|criteria|needs|dependency|dependencies)|meet (?:at|in) (?:mid|top|bot|base|rosh))\b"), No),
        (MeetingRequest, 0.9, &["come"], r"\bcome (?:over|to my|2 my|to ur|to your|visit|see me)\b", Some(r"\b(?:come over (?:here|there|to (?:mid|top|bot|base|rosh|lane|jungle))|come to (?:my|the) (?:lane|base|rescue|aid))\b"), No),
        (MeetingRequest, 1.0, &["pick"], r"\bpick (?:u|you|ya) up\b", Some(r"\bpick (?:u|you) up (?:on|with) (?:the|my) (?:boat|ship|heli|chopper)\b"), No),
        (MeetingRequest, 0.9, &["visit", "drive", "come", "see"], r"\b(?:i|ill|i will|i can|i could|can i|could i|let me|i wanna|i want to|i would|id|i want|i would love to|id love to) (?:come |drive |travel )?(?:come to (?:u|you|ur|your|where)|come see (?:u|you)|come over|drive (?:to|up|down|over)|visit (?:u|you)|see (?:u|you) (?:in person|irl|sometime|soon|tonight|tomorrow|this weekend))\b", None, No),
        (MeetingRequest, 1.0, &["live", "stay", "located"], r"\bwhere (?:do|d|abouts do|abouts|r|are|in|{R} {U}|do {U})? ?(?:{U} )?(?:live|stay|located)\b", Some(TECH), No),
        (MeetingRequest, 0.8, &["city", "town", "state", "area", "part", "street", "county", "neighbor", "neighbour", "zip"], r"\bwhat (?:city|town|state|area|part of (?:the|town|the city|the country|the state)|street|county|neighbou?rhood|zip)\b", Some(r"\b(?:server|region|timezone|time zone|fly|flying|flight|flights|airport|weather|forecast|born in|trip|hotel|travel|travelling|traveling)\b"), No),
        (MeetingRequest, 0.6, &["from"], r"\bwhere (?:{R} {U}|{R}u|{U}|{R} ya|ya|u|you) (?:from|located)\b|\bwhere (?:abouts|about) (?:{R} {U}|in)\b", None, No),
        (MeetingRequest, 0.7, &["loc"], r"^\W*(?:location|loc)\W*\?", None, No),
        (MeetingRequest, 0.7, &["far", "close", "near"], r"\bhow (?:far|close|near) (?:{R} {U}|away|do {U} live|is it to {YOUR}|is {YOUR})\b|\b{U} live (?:near|close to)\b", Some(r"\b(?:server|ping|tower|creep|rosh|lane)\b"), No),
        (MeetingRequest, 0.7, &["hang", "get together", "see each other"], r"\b(?:hang ?out|get together|see each other)\b\W*(?:sometime|some time|soon|irl|in person|tonight|tomorrow|this weekend|after school)", None, No),
        // ---- Personal information ------------------------------------------
        (PersonalInfoRequest, 0.9, &["school", "skool"], r"\b(?:what|which|wat|wut|whats the name of {YOUR}) (?:high |middle |elementary )?(?:school|skool)\b|\bwhere do {U} go to (?:school|skool)\b|\bwhat (?:is|s) {YOUR} (?:school|skool)\b", None, No),
        (PersonalInfoRequest, 1.0, &["address", "addy"], r"\b{YOUR} (?:home |house |real |full |street )?(?:address|addy)\b", Some(r"\b(?:ip|mac|email|e mail|ipv[46]|server|web|wallet|memory|gateway|dns|proxy|host)\b"), No),
        (PersonalInfoRequest, 1.0, &["number", "phone", "cell", "digits"], r"\b(?:whats|what is|wats|wat is|give me|send me|tell me|gimme|can i (?:have|get)|i need|i want|get) {YOUR} (?:phone |cell |cell phone |mobile |home |real )?(?:number|phone|cell|digits|#|num)\b", Some(r"\b(?:version|build|port|error|serial|model|ticket|pid|uid|ip|account number|jersey)\b"), No),
        (PersonalInfoRequest, 0.8, &["name"], r"\b(?:whats|what is|wats|wat is|tell me|give me) {YOUR} (?:real|full|last|sur) ?name\b", None, No),
        (PersonalInfoRequest, 0.6, &["email", "e mail"], r"\b(?:whats|what is|give me|send me) {YOUR} (?:email|e mail)\b", Some(TECH), No),
        // ---- Gifts and money -----------------------------------------------
        (Gifts, 1.0, &["buy", "get", "send", "give", "pay", "gift"], r"\b(?:i|ill|i will|i can|i could|i would|id|i wanna|i want to|im gonna|i am going to|im going to|i am gonna|let me|lemme) (?:buy|send|give|pay|gift|get) (?:u|you|ya) (?:a |an |some |sum |new |nice |lots of |all the |cute |pretty )*(?:something|anything|whatever|stuff|things|presents?|gifts?|money|cash|\$?\d+ ?(?:bucks|dollars|\$|pounds|quid)?|clothes|a phone|phone|iphone|ipod|ipad|laptop|makeup|jewelry|jewellery|necklace|bracelet|ring|lingerie|underwear|shoes|games?|console|xbox|ps\d|playstation|robux|vbucks|v bucks|nitro|gift ?cards?|candy|ice cream|drinks?|alcohol|beer|booze|vodka|weed|cigarettes|smokes|dinner|lunch|food|ticket|tickets|outfit|dress|bikini|skins?|credit|credits|minutes)\b", Some(r"\bget (?:u|you|ya) (?:something|anything|stuff|things|a) (?:to|for|on|about|from|working|fixed)|\b(?:item|items|ward|wards|courier|gem|rapier|aegis|bkb|blink|mid|last hit|farm|creeps?|kill|kills|tango|salve|dust|smoke|gold)\b"), No),
        (Gifts, 0.9, &["gift", "card"], r"\b(?:gift ?cards?|steam cards?|itunes cards?|amazon cards?|google play cards?|psn cards?|xbox cards?)\b", None, No),
        (Gifts, 0.9, &["robux", "buck", "nitro"], r"\b(?:free )?(?:robux|vbucks|v bucks|discord nitro)\b", None, No),
        (Gifts, 0.8, &["money", "cash", "paypal", "venmo", "cashapp", "cash app", "zelle"], r"\b(?:i(?:ll| will| can| could)?|let me|lemme) (?:send|give|pay|transfer|paypal|venmo|cashapp)(?: (?:u|you|ya))?(?: (?:some|the|a little|a lot of|more))? (?:money|cash|\$\d+|paypal|venmo|cashapp|cash app|zelle)\b", None, No),
        (Gifts, 0.8, &["buy"], r"\bi(?:ll| will| can| could|d| would)? buy (?:u|you|ya) (?:a |an |some |the |whatever|anything|everything|what)", Some(r"\b(?:item|items|ward|wards|courier|gem|rapier|bkb|blink|tango|salve|dust|smoke|time|a drink sometime)\b"), No),
        (Gifts, 0.7, &["spoil"], r"\b(?:i(?:ll| will| would| could|d)?|let me|lemme) spoil (?:u|you|ya)\b", None, No),
        // ---- Flattery and relationship --------------------------------------
        (Flattery, 1.0, &["mature", "grown", "older", "age"], r"\b(?:mature|grown up|grown|older|smart|wise) for {YOUR} age\b|\b(?:{UAR}|{U} (?:seem|look|act|sound|talk)) (?:so |very |really |much |rly |more )*(?:mature|grown up|older th[ae]n {YOUR} age|older th[ae]n \d+)(?: for {YOUR} age)?\b", None, No),
        (Flattery, 0.8, &["mature", "smart", "fine", "sexi", "angel", "goddess", "princess", "beautiful", "gorgeous", "pretty", "cute", "sexy", "hot", "stunning", "adorable", "lovely", "perfect", "special", "amazing", "sweet", "handsome", "attractive", "cutie", "sweetie", "babe", "beauty"], r"\b(?:{UAR}|{U} (?:look|looked|sound|seem)|{U} r|{U} are|{YOUR} so|ur so|{U} so|{U} r so) (?:so |really |very |rly |such a |such |super |pretty |extremely |quite |too |totally |just |the most |a |an |one |soo |sooo |like |beyond |damn |hella |lookin |looking )*(?:mature|beautiful|gorgeous|cute|sexy|hot|stunning|adorable|lovely|perfect|special|amazing|sweet|handsome|attractive|cutie|sweetie|babe|beauty|fine|sexi|hottie|angel|goddess|princess)\b", Some(r"\b(?:good|bad|noob|trash|feeder|game|player|support|carry|pudge|invoker|hero)\b.{0,12}\b(?:hot|sweet|amazing|perfect)\b|\b(?:pretty|so) (?:good|bad|sure|much|well|fast|easy|hard|cool)\b"), No),
        (Flattery, 0.8, &["pretty"], r"\b(?:{UAR}|{U} (?:look|looked|r|are)) (?:so |really |very |rly |such a |super |soo |just )*pretty(?:\W*$|[.!,]| (?:and|girl|lol|haha|too|babe|baby|hun|sweetie|when|in|lady|face|smile|eyes))", None, No),
        (Flattery, 0.5, &["lov", "luv", "lub", "ily"], r"\bi (?:love|luv|lov|lub|really love|think i love|think im in love with|am in love with|m in love with) (?:u|you|ya|yu)\b|\bily\b|\bi love {U} (?:too|2|so much)\b", Some(r"\b(?:mom|mum|mommy|dad|daddy|grandma|grandpa|bro|brother|sister|sis|dude|man|mate)\b"), No),
        (Flattery, 1.0, &["be my", "boyfriend", "girlfriend", "gf", "bf"], r"\b(?:be|become|wanna be|want to be|will {U} be|would {U} be) my (?:girlfriend|gf|boyfriend|bf|girl|baby|lover|wife|princess|babe|sweetheart|valentine|angel)\b", None, No),
        (Flattery, 0.7, &["miss", "adore", "need", "want", "crave"], r"\bi (?:miss|adore|need|want|crave) (?:u|you|ya)\b(?: (?:so|bad|badly|baby|babe|sweetie|hun|honey|princess|sexy))?", Some(r"\b(?:need (?:u|you) to|want (?:u|you) to|need (?:u|you) (?:on|in|at|here|for|mid|top|bot))\b"), No),
        (Flattery, 0.8, &["love", "fall", "fell", "crush"], r"\bi(?:m| am)? (?:falling|fallen|fell) (?:in love )?(?:for|with) (?:u|you|ya)\b|\bi (?:have|got) a crush on (?:u|you|ya)\b|\bim in love\b", None, No),
        (Flattery, 0.6, &["kiss", "hug", "cuddle", "xoxo", "hold", "snuggle"], r"\b(?:kiss(?:es)?|hugs?|cuddle|cuddles|snuggle|xoxo) (?:u|you|ya|babe|baby|hun|sweetie|honey|princess)\b|^\W*(?:xoxo|kisses|hugs and kisses)\W*$|\b(?:wanna|want to|wish i could|would love to|id love to) (?:kiss|hug|cuddle|hold|snuggle) (?:u|you|ya)\b", None, No),
        (Flattery, 0.7, &["wish", "together", "dream", "think"], r"\b(?:wish (?:i|we) (?:was|were|could be) (?:there )?(?:with (?:u|you)|together)|(?:dream|dreamt|dreamed|thinking) (?:about|of) (?:u|you) (?:all|every|last|so)|we (?:belong|should be) together|meant to be together)\b", None, No),
        (Flattery, 0.7, &["special", "soulmate", "one", "mine", "world", "everything", "girl", "baby", "princess"], r"\b{UAR} (?:my )?(?:the one|my everything|my world|my soulmate|soulmate|special to me|so special|my baby|my girl|my princess|all mine|mine)\b", None, No),
        // Relationship probing ("do u have a bf", "are you single") and age-gap
        // talk ("you look older", "do you like older guys").
        (Flattery, 0.6, &["bf", "boyfriend", "gf", "girlfriend", "single"], r"\b(?:do|d|{R}|bet|betcha)? ?(?:{U}|ya) (?:have|got|hav|has|had) (?:a |any |ur )?(?:bf|boyfriend|bfs|boyfriends)\b|\b(?:{R} {U}|{R}u|{U}|{UAR}|{U} still) single\b|\bwhy no (?:bf|boyfriend)\b|\b(?:want|wanna) (?:to )?be {YOUR} (?:bf|boyfriend|man|gf|girlfriend)\b|\bwhat (?:its|is it) like to have (?:a )?(?:bf|boyfriend)\b", None, No),
        (Flattery, 0.7, &["older", "mature"], r"\b{U} (?:look|looked|seem|seemed|act|sound|sounded|looks) (?:a lot |alot |so much |much |a bit |a little |way |really |so |very )*(?:older|mature)\b|\bwould (?:have|of) thought {U} (?:were|was) older\b|\b(?:like|into|with|date|dated|dating|with an|chat to|talk to|go out with) (?:an )?older (?:guys?|men|man|dudes?|boys?)\b|\b{U} like older\W*$", None, No),
        // ---- Sexualisation (vocabulary only) --------------------------------
        (Sexualisation, 1.0, &["horny", "naked", "nude", "nudit", "sexy time", "orgasm", "masturbat", "jerk", "jack", "boner", "turned on", "turn u", "turn you", "turn me", "turns u", "turns you", "turns me", "make out", "making out", "made out", "lingerie", "panties", "panty", "thong", "nipple", "erect", "hard on", "hardon", "sexual", "wank"], r"\b(?:sexual|sexually|sexy time|horny|naked|nude|nudes|nudity|orgasm|orgasms|masturbat\w*|jerk off|jerking off|jack off|jacking off|boner|turned on|turn (?:u|you|me) on|turns (?:u|you|me) on|make out|making out|made out|lingerie|panties|panty|thong|thongs|nipple|nipples|erect|erection|hard on|hardon|wank|wanking)\b", Some(r"\b(?:sex (?:offender|education|ed)|sexual (?:harassment|orientation|offender|abuse)|turned on (?:the|my|it|wifi|bluetooth|compiz|your|ur)|turn (?:u|you|me) on (?:the|to))\b"), No),
        (Sexualisation, 0.3, &["sex", "virgin", "naughty", "kinky", "=bra", "=bras", "underwear", "=bob", "=bobs", "boob", "=tit", "=tits", "titties", "breast", "dick", "cock", "penis", "pussy", "vagina", "clit", "blow", "=bj", "=oral", "=cum", "cumming", "condom", "=69", "strip"], r"\b(?:sex|sexy|virgin|virginity|naughty|kinky|bra|bras|underwear|bo{2}bs?|bo{2}bies|tits?|titties|breasts?|dick|cock|penis|pussy|vagina|clit|blow ?job|blowjob|bj|oral|cum|cumming|condoms?|69|strip|stripping)\b", Some(r"\b(?:69 (?:mins?|minutes|hp|dmg|damage|gold|kills?|pts|points)|strip (?:club|mall|down the|the (?:string|text|whitespace|line|newline))|(?:string|whitespace|comic|film|sports?|bike|cycle|led|light|drag|landing) strips?|oral (?:exam|presentation|surgery|history|test)|sex (?:offender|education|ed)|tit for tat|dick head|dickhead|suck (?:a |my )?dick|pussy (?:foot|cat))\b"), No),
        (Sexualisation, 1.0, &["wear", "sleep"], r"\bwhat (?:{R} {U}|{R}u|{U}|r ya|are ya) wear(?:ing|in)?\b|\bwhat (?:do|did) {U} (?:wear|sleep in)\b", Some(r"\b(?:costume|halloween|to the party|to school|to the wedding|tomorrow|skin|skins|armor|armour|gear|hero)\b"), No),
        (Sexualisation, 1.0, &["virgin", "sex", "kiss", "made out", "make out", "touched", "done it", "experience", "played with", "boyfriend", "girlfriend", "bf", "gf"], r"\b(?:(?:have|did|do) {U}|{U} ever|ever) (?:ever )?(?:had sex|been kissed|kissed a (?:boy|girl|guy)|made out|done it|been touched|touched (?:a|ur|your|yourself|urself)|played with (?:urself|yourself|ur self)|had a (?:boyfriend|bf|girlfriend|gf)|had (?:any )?experience)\b|\b(?:{R} {U}|{R}u|{U}) (?:still )?(?:a )?virgin\b", None, No),
        (Sexualisation, 0.8, &["touch", "feel", "rub"], r"\b(?:touch|touching|feel|feeling|rub|rubbing) (?:u|you|ya|yourself|urself|ur self|your self|{YOUR} body|me|each other) (?:all over|there|down there|everywhere|up|slowly|gently)\b", None, No),
        (Sexualisation, 0.8, &["take", "took", "taking"], r"\b(?:take|took|taking) (?:off|of) (?:{YOUR}|ur|all {YOUR}|all ur|those|that|the) (?:shirt|top|clothes|pants|jeans|shorts|dress|skirt|bra|panties|underwear|pjs|pajamas|towel|socks)\b", None, No),
        (Sexualisation, 0.7, &["bed", "shower", "bath", "pjs", "pajamas", "towel", "underwear"], r"\b(?:{R} {U}|{R}u|{U}) in (?:{YOUR} |the )?(?:bed|shower|bath|bathtub|pjs|pajamas|towel|underwear)\b", None, No),
        (Sexualisation, 0.7, &["body", "size", "shave", "develop", "period", "how tall", "how big", "how much do"], r"\b(?:how (?:big|tall|much do) (?:{R} {U}|{YOUR} (?:boobs|body))|what size (?:{R} {U}|{YOUR} (?:bra|boobs))|do {U} shave|{R} {U} (?:fully )?developed|(?:got|had|have) {YOUR} period|{YOUR} body)\b", Some(r"\b(?:file|disk|partition|font|image|screen|window|icon|heap|swap|team|hero)\b"), No),
        // ---- Sextortion ----------------------------------------------------
        (Sextortion, 1.0, &["send", "post", "share", "show", "leak", "upload", "spread", "forward", "expose", "publish", "put"], r"\b(?:ill|i will|im going to|im gonna|i am going to|i am gonna|i can|i could|i might|or i|or ill|gonna|going to) (?:send|post|share|show|leak|upload|spread|forward|expose|publish|put|give) (?:ur |{YOUR} |these |those |the |all |all ur |all {YOUR} |all the |ur naked |{YOUR} naked |ur nude |{YOUR} nude |this )?(?:{PIC}|pictures?|nudes|images?|videos?|vids?)\b.{0,40}\b(?:everyone|every ?one|everybody|friends|{FAM}|school|followers|contacts|teachers?|online|internet|the web|social media|facebook|instagram|insta|twitter|tiktok|porn|reddit|snapchat|all over|every ?where|ur family|classmates)\b", Some(r"\b(?:replay|clip|clips|code|log|logs|screenshot|screenshots|patch|bug|fix|link|score|stats)\b"), No),
        (Sextortion, 0.6, &["send", "post", "share", "show", "leak", "upload", "spread", "forward", "expose"], r"\b(?:ill|i will|im going to|im gonna|i am going to|i am gonna|or i|or ill) (?:send|post|share|show|leak|upload|spread|forward|expose) (?:them|it|this|these|those) (?:to|with) (?:everyone|every ?one|everybody|all {YOUR} friends|all ur friends|{YOUR} (?:friends|{FAM}|school|followers|contacts|teachers?|classmates))\b", None, No),
        (Sextortion, 1.0, &["leak"], r"\bi(?:ll| will|m gonna| am gonna|m going to| am going to)? (?:leak|expose) (?:u|you|ya|them|it|{YOUR}|ur)\b", Some(r"\b(?:code|source|patch|build|beta|memory|password|bug)\b"), No),
        (Sextortion, 1.0, &["pay", "send"], r"\b(?:pay|send) (?:me )?(?:\$?\d+|money|cash|more|now|another|gift ?cards?|bitcoin|btc|more pics|more photos|them)?\W{0,3} ?or (?:else|i|ill|everyone|every ?one|{YOUR}|ur)\b", Some(r"\b(?:or (?:i (?:cant|can not|wont|will not) (?:play|help|fix))|or else (?:its|it is) (?:free|fine))\b"), No),
        (Sextortion, 1.0, &["unless"], r"\bunless {U} (?:pay|send (?:me )?(?:more|money|\$|another|the)|do what i)\b", None, No),
        (Sextortion, 0.8, &["hour", "minute", "min", "hrs"], r"\b{U} (?:have|got|get) (?:\d+|one|two|an|a few|ten|24) (?:hours?|hrs?|minutes?|mins?) (?:to (?:pay|send|decide)|or)\b", None, No),
        (Sextortion, 0.8, &["or else", "or ill", "or i will", "or i"], r"\bor (?:else )?i(?:ll| will| am gonna|m gonna)? (?:send|post|share|leak|show|expose|tell|ruin)\b.{0,30}\b(?:{PIC}|pictures?|everyone|every ?one|{FAM}|friends|school)\b", None, No),
        (Sextortion, 0.7, &["saved", "have", "got", "screenshot", "record"], r"\bi (?:have|got|saved|recorded|screenshotted|screenshot|kept) (?:all )?(?:ur|{YOUR}) (?:{PIC}|nudes|pictures)\b", None, No),
    ]
}

/// Words whose halved spelling is another common word ("met", "bob", "to"):
/// their doubled letters are matched as written.
const KEEP_DOUBLES: [&str; 11] = [
    "meet", "boob", "boobs", "boobies", "too", "off", "butt", "good", "ass", "feet", "mm",
];

/// Rewrites every doubled letter `xx` in a pattern as `xx?`, so a pattern for
/// `meet` also matches the normalised `met` (see the module documentation).
fn relax_doubles(p: &str) -> String {
    let b = p.as_bytes();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        let c = b[i] as char;
        if c == '\\' && i + 1 < b.len() {
            out.push(c);
            out.push(b[i + 1] as char);
            i += 2;
            continue;
        }
        if c == '[' {
            in_class = true;
        } else if c == ']' {
            in_class = false;
        }
        if !in_class && c.is_ascii_lowercase() && i + 1 < b.len() && b[i + 1] == b[i] {
            let ws = b[..i]
                .iter()
                .rposition(|x| !x.is_ascii_lowercase())
                .map_or(0, |k| k + 1);
            let we = b[i..]
                .iter()
                .position(|x| !x.is_ascii_lowercase())
                .map_or(b.len(), |k| i + k);
            let escaped = ws > 0 && b[ws - 1] == b'\\';
            if escaped || KEEP_DOUBLES.contains(&&p[ws..we]) {
                out.push(c);
                out.push(c);
                i += 2;
                continue;
            }
            // Not before a quantifier, which would change what it applies to.
            let next = b.get(i + 2).copied().unwrap_or(b' ');
            if !matches!(next, b'?' | b'*' | b'+' | b'{') {
                out.push(c);
                out.push(c);
                out.push('?');
                i += 2;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Every spelling of an anchor with each doubled letter kept or halved.
fn anchor_variants(a: &str) -> Vec<String> {
    if KEEP_DOUBLES.iter().any(|k| a.contains(k)) {
        return vec![a.to_string()];
    }
    let mut out = vec![String::new()];
    let b = a.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_ascii_lowercase() && i + 1 < b.len() && b[i + 1] == b[i] && out.len() < 16 {
            let mut next = Vec::with_capacity(out.len() * 2);
            for s in &out {
                next.push(format!("{s}{c}"));
                next.push(format!("{s}{c}{c}"));
            }
            out = next;
            i += 2;
            continue;
        }
        for s in &mut out {
            s.push(c);
        }
        i += 1;
    }
    out
}

fn expand(p: &str) -> String {
    let mut s = p.to_string();
    // Placeholders may refer to earlier ones ({AGE} uses {NUMW}); expand twice.
    for _ in 0..2 {
        for (k, v) in WORDS {
            if s.contains(k) {
                s = s.replace(k, v);
            }
        }
    }
    s
}

fn build(p: &str) -> Regex {
    let pattern = relax_doubles(&expand(p));
    // The table is static and tested; a failure here is a programming error caught
    // by the test suite, not something input can trigger.
    RegexBuilder::new(&pattern)
        .unicode(false)
        .size_limit(1 << 24)
        .build()
        .unwrap_or_else(|e| panic!("bad rule pattern {p}: {e}"))
}

fn number_word(w: &[u8]) -> Option<u8> {
    const UNITS: [(&str, u8); 9] = [
        ("one", 1),
        ("two", 2),
        ("three", 3),
        ("four", 4),
        ("five", 5),
        ("six", 6),
        ("seven", 7),
        ("eight", 8),
        ("nine", 9),
    ];
    const WORDS: [(&str, u8); 40] = [
        ("eight", 8),
        ("nine", 9),
        ("ten", 10),
        ("eleven", 11),
        ("twelve", 12),
        ("thirteen", 13),
        ("fourteen", 14),
        ("fifteen", 15),
        ("sixteen", 16),
        ("seventeen", 17),
        ("eighteen", 18),
        ("nineteen", 19),
        ("thirty", 30),
        ("forty", 40),
        ("fifty", 50),
        // German
        ("acht", 8),
        ("neun", 9),
        ("zehn", 10),
        ("elf", 11),
        ("zwolf", 12),
        ("dreizehn", 13),
        ("vierzehn", 14),
        ("funfzehn", 15),
        ("fuenfzehn", 15),
        ("sechzehn", 16),
        ("siebzehn", 17),
        ("achtzehn", 18),
        ("neunzehn", 19),
        ("zwanzig", 20),
        // Dutch
        ("negen", 9),
        ("tien", 10),
        ("twaalf", 12),
        ("dertien", 13),
        ("veertien", 14),
        ("vijftien", 15),
        ("zestien", 16),
        ("zeventien", 17),
        ("achttien", 18),
        ("negentien", 19),
        ("twintig", 20),
    ];
    let s = std::str::from_utf8(w).ok()?.trim();
    // Normalisation halves tripled letters only, so doubled spellings survive;
    // compare with doubles squeezed on both sides.
    let squeeze = |x: &str| {
        let mut o = String::with_capacity(x.len());
        for c in x.chars() {
            if o.ends_with(c) && c.is_ascii_lowercase() {
                continue;
            }
            o.push(c);
        }
        o
    };
    let sq = squeeze(s);
    if let Some(rest) = sq.strip_prefix("twenty") {
        let rest = rest.trim();
        if rest.is_empty() {
            return Some(20);
        }
        return UNITS
            .iter()
            .find(|(u, _)| squeeze(u) == rest)
            .map(|(_, v)| 20 + v);
    }
    WORDS
        .iter()
        .find(|(u, _)| squeeze(u) == sq)
        .map(|(_, v)| *v)
}

fn parse_age(w: &[u8]) -> Option<u8> {
    if !w.is_empty() && w.iter().all(|b| b.is_ascii_digit()) {
        let v: u32 = w.iter().fold(0u32, |a, &d| a * 10 + (d - b'0') as u32);
        return u8::try_from(v).ok();
    }
    number_word(w)
}

impl Detector {
    /// Builds the detector with the rules of every [`Language`]: compiles every
    /// rule and the anchor automaton. Takes a few milliseconds; build one and
    /// reuse it.
    pub fn new() -> Detector {
        Detector::with_languages(&Language::ALL)
    }

    /// Builds the detector with the rules of the given languages only.
    pub fn with_languages(languages: &[Language]) -> Detector {
        let mut specs = Vec::new();
        for l in Language::ALL {
            if languages.contains(&l) {
                specs.extend(l.rules());
            }
        }
        let mut rules = Vec::with_capacity(specs.len());
        let mut anchor_index: std::collections::BTreeMap<(String, bool), Vec<u16>> =
            Default::default();
        let mut digit_rules = Vec::new();
        for (i, (behaviour, weight, anchors, pattern, veto, age)) in specs.into_iter().enumerate() {
            let id = i as u16;
            for a in anchors {
                if *a == "DIGIT" {
                    digit_rules.push(id);
                    continue;
                }
                let (whole, a) = match a.strip_prefix('=') {
                    Some(rest) => (true, rest),
                    None => (false, *a),
                };
                for v in anchor_variants(a) {
                    anchor_index.entry((v, whole)).or_default().push(id);
                }
            }
            rules.push(Rule {
                behaviour,
                weight,
                re: build(&pattern),
                veto: veto.as_deref().map(build),
                age,
            });
        }
        let mut patterns = Vec::with_capacity(anchor_index.len());
        let mut anchor_rules = Vec::with_capacity(anchor_index.len());
        let mut anchor_whole = Vec::with_capacity(anchor_index.len());
        for ((p, whole), ids) in anchor_index {
            patterns.push(p);
            anchor_whole.push(whole);
            anchor_rules.push(ids);
        }
        // A full DFA: a few hundred kilobytes for these anchors, and the fastest
        // overlapping scan (the default picks a slower automaton for this many).
        let anchors = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .unwrap_or_else(|e| panic!("anchor automaton: {e}"));
        let unit_after_age = build(
            r"^ ?(?:%|[.,:/'-]\d|\+ ?(?:min|hour|hr|year)|(?:min|mins|minute|minutes|hour|hours|hrs|hr|sec|secs|seconds|miles?|mi|km|kms|feet|ft|foot|inch|inches|in|lbs|lb|kg|kgs|pounds|stone|dollars|bucks|cents|usd|am|pm|oclock|o clock|st|nd|rd|th|x|times|percent|of|out|more|less|days?|weeks?|months?|points?|pts|k|mb|gb|ghz|mhz|cm|mm|meters|metres|people|guys|kids|children|ppl|euros|quid|games?|wins?|loss|losses|kills?|deaths?|levels?|lvl|mmr|steps|blocks|floors|rounds|shots|beers|drinks|hits|and a half|or so|ish|to|sec|behind|ahead|away|late|early|down|up|now|times|gold|hp|dmg|damage|items?|slots?|percent|cs|lh|seconds|mins|min)\b|years? (?:away|into|in|from|behind|ahead|late|older|younger|sober|clean|married|together|ago|now|of)|(?:yrs|years) (?:of|in|at))",
        );
        Detector {
            rules,
            anchors,
            anchor_rules,
            anchor_whole,
            digit_rules,
            unit_after_age,
        }
    }

    /// Number of rules in the table.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Detects behaviours in one message with no conversation context.
    pub fn detect(&self, text: &str) -> Vec<Hit> {
        self.detect_in_context(text, Context::default())
    }

    /// Detects behaviours in one message, using what the conversation says about it.
    /// Hits come in [`Behaviour::ALL`] order, at most one per behaviour, each with
    /// every matching span.
    pub fn detect_in_context(&self, text: &str, ctx: Context) -> Vec<Hit> {
        let norm = normalise(text);
        self.detect_normalised(&norm, ctx)
    }

    /// Like [`Detector::detect_in_context`], for text already normalised.
    pub fn detect_normalised(&self, norm: &Normalised, ctx: Context) -> Vec<Hit> {
        let mut triggered = [0u64; 4];
        let hay = norm.text.as_bytes();
        self.trigger(hay, &mut triggered);
        let mut hits: Vec<Hit> = Vec::new();
        if triggered.iter().all(|w| *w == 0) {
            return hits;
        }
        for (word, bits) in triggered.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let id = word * 64 + bit;
                if let Some(rule) = self.rules.get(id) {
                    self.run_rule(rule, hay, norm, ctx, &mut hits);
                }
            }
        }
        hits.sort_by_key(|h| h.behaviour);
        for h in &mut hits {
            h.spans.sort_by_key(|s| (s.start, s.end));
            h.spans.dedup();
        }
        hits
    }

    fn trigger(&self, hay: &[u8], triggered: &mut [u64; 4]) {
        let mut set = |id: u16| {
            let id = id as usize;
            if id < 256 {
                triggered[id / 64] |= 1 << (id % 64);
            }
        };
        if hay.iter().any(u8::is_ascii_digit) {
            for &id in &self.digit_rules {
                set(id);
            }
        }
        for m in self.anchors.find_overlapping_iter(hay) {
            let p = m.pattern().as_usize();
            if self.anchor_whole[p] {
                let before = m.start() > 0 && hay[m.start() - 1].is_ascii_alphanumeric();
                let after = hay.get(m.end()).is_some_and(u8::is_ascii_alphanumeric);
                if before || after {
                    continue;
                }
            }
            for &id in &self.anchor_rules[p] {
                set(id);
            }
        }
    }

    /// Where the time goes, rule by rule, over `texts` (for the `rule_cost`
    /// example): for each rule, how often its anchors triggered it, how often it
    /// matched and the nanoseconds spent running it; then the nanoseconds spent
    /// normalising and in the anchor scan. Context is "after an age probe", so
    /// reply rules run too.
    #[doc(hidden)]
    pub fn rule_costs<'a>(
        &self,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> (Vec<RuleCost>, u64, u64) {
        use std::time::Instant;
        let mut costs: Vec<RuleCost> = self
            .rules
            .iter()
            .map(|r| RuleCost {
                behaviour: r.behaviour,
                pattern: r.re.as_str().chars().take(90).collect(),
                triggered: 0,
                matched: 0,
                nanos: 0,
            })
            .collect();
        let ctx = Context {
            after_age_probe: true,
            echo_age: None,
        };
        let (mut norm_ns, mut trig_ns) = (0u64, 0u64);
        for text in texts {
            let t0 = Instant::now();
            let norm = normalise(text);
            let t1 = Instant::now();
            let mut triggered = [0u64; 4];
            self.trigger(norm.text.as_bytes(), &mut triggered);
            let t2 = Instant::now();
            norm_ns += (t1 - t0).as_nanos() as u64;
            trig_ns += (t2 - t1).as_nanos() as u64;
            for (id, rule) in self.rules.iter().enumerate() {
                if triggered[id / 64] & (1 << (id % 64)) == 0 {
                    continue;
                }
                let mut hits = Vec::new();
                let t = Instant::now();
                self.run_rule(rule, norm.text.as_bytes(), &norm, ctx, &mut hits);
                costs[id].nanos += t.elapsed().as_nanos() as u64;
                costs[id].triggered += 1;
                costs[id].matched += (!hits.is_empty()) as u64;
            }
        }
        (costs, norm_ns, trig_ns)
    }

    /// Runs every rule on `text` without the anchor prefilter (for testing that
    /// the prefilter loses nothing).
    #[doc(hidden)]
    pub fn detect_unfiltered(&self, text: &str, ctx: Context) -> Vec<Hit> {
        let norm = normalise(text);
        let mut hits = Vec::new();
        for rule in &self.rules {
            self.run_rule(rule, norm.text.as_bytes(), &norm, ctx, &mut hits);
        }
        hits.sort_by_key(|h| h.behaviour);
        for h in &mut hits {
            h.spans.sort_by_key(|s| (s.start, s.end));
            h.spans.dedup();
        }
        hits
    }

    fn run_rule(
        &self,
        rule: &Rule,
        hay: &[u8],
        norm: &Normalised,
        ctx: Context,
        hits: &mut Vec<Hit>,
    ) {
        if rule.age == Age::Reply && !ctx.after_age_probe {
            return;
        }
        if let Some(v) = &rule.veto {
            if v.is_match(hay) {
                return;
            }
        }
        match rule.age {
            Age::No => {
                for m in rule.re.find_iter(hay) {
                    if m.start() == m.end() {
                        continue;
                    }
                    let span = norm.to_original(trim(hay, m.start(), m.end()));
                    add(hits, rule.behaviour, rule.weight, span, None);
                }
            }
            Age::Capture | Age::Reply | Age::Grade => {
                for caps in rule.re.captures_iter(hay) {
                    // The first group that took part holds the age.
                    let (Some(whole), Some(g)) =
                        (caps.get(0), caps.iter().skip(1).flatten().next())
                    else {
                        continue;
                    };
                    let Some(mut age) = parse_age(g.as_bytes()) else {
                        continue;
                    };
                    if rule.age == Age::Grade {
                        if !(1..=12).contains(&age) {
                            continue;
                        }
                        age += 5;
                    }
                    if !(8..=99).contains(&age) {
                        continue;
                    }
                    // "im 20 minutes away" is not an age.
                    if rule.age != Age::Grade && self.unit_after_age.is_match(&hay[g.end()..]) {
                        continue;
                    }
                    // A bare number repeating the age someone just stated ("13?",
                    // "14 wow thats young") echoes it.
                    if rule.age == Age::Reply && ctx.echo_age == Some(age) {
                        continue;
                    }
                    let span = norm.to_original(trim(hay, whole.start(), whole.end()));
                    add(hits, Behaviour::AgeDisclosure, rule.weight, span, Some(age));
                }
            }
        }
    }
}

/// Trims spaces and punctuation off both ends of a match, so spans cover words.
fn trim(hay: &[u8], mut s: usize, mut e: usize) -> std::ops::Range<usize> {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b == b'@' || b == b'$' || b >= 0x80;
    while s < e && !keep(hay[s]) {
        s += 1;
    }
    while e > s && !keep(hay[e - 1]) {
        e -= 1;
    }
    s..e
}

fn add(hits: &mut Vec<Hit>, behaviour: Behaviour, weight: f32, span: Span, age: Option<u8>) {
    if let Some(h) = hits.iter_mut().find(|h| h.behaviour == behaviour) {
        h.spans.push(span);
        if weight > h.weight {
            h.weight = weight;
        }
        if h.disclosed_age.is_none() {
            h.disclosed_age = age;
        }
        return;
    }
    hits.push(Hit {
        behaviour,
        spans: vec![span],
        weight,
        disclosed_age: age,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaxing_doubles() {
        assert_eq!(relax_doubles("meet"), "meet");
        assert_eq!(relax_doubles("tell"), "tell?");
        assert_eq!(relax_doubles(r"\bbe"), r"\bbe");
        assert_eq!(relax_doubles("too?"), "too?");
        assert_eq!(relax_doubles("[aa]"), "[aa]");
        assert_eq!(anchor_variants("tell"), vec!["tel", "tell"]);
    }

    #[test]
    fn every_rule_compiles_and_fits_the_bitset() {
        let d = Detector::new();
        assert!(d.rule_count() <= 256);
    }

    #[test]
    fn ages_parse() {
        assert_eq!(parse_age(b"13"), Some(13));
        assert_eq!(parse_age(b"thirteen"), Some(13));
        assert_eq!(parse_age(b"twenty one"), Some(21));
        assert_eq!(parse_age(b"twentyone"), Some(21));
        assert_eq!(parse_age(b"fourten"), Some(14));
        assert_eq!(parse_age(b"fiveteen"), None);
    }
}
