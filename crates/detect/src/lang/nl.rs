//! Dutch rules. Written for chat Dutch, including the machine-translated
//! PAN 2012 chats in `vtpan-validation/val_dutch.csv` (mixed with English slang,
//! which the English table covers).
use crate::behaviours::{Age, RuleSpec};
use lifeguard_core::Behaviour;

const FAM: &str =
    "(?:ouders|moeder|mama|mam|vader|papa|pap|familie|oma|opa|stiefvader|stiefmoeder)";

/// The Dutch rule table.
#[rustfmt::skip]
pub(crate) fn rules() -> Vec<RuleSpec> {
    use Age::*;
    use Behaviour::*;
    let fam = |p: &str| p.replace("{FAM}", FAM);
    let fa: &'static [&'static str] = &["ouders", "moeder", "mama", "=mam", "vader", "papa", "=pap", "familie", "=oma", "=opa"];
    vec![
        // ---- Age probing ---------------------------------------------------
        (AgeProbing, 1.0, &["=oud"], r"\bhoe oud (?:ben je|ben jij|bent u|ben je eigenlijk|ben jij eigenlijk|is je|bent)\b".into(), None, No),
        (AgeProbing, 0.8, &["=oud"], r"\bhoe oud\W*\?".into(), None, No),
        (AgeProbing, 0.9, &["leeftijd"], r"\bwat is (?:je|jouw|uw) leeftijd\b|\b(?:je|jouw|uw) leeftijd\W*\?".into(), None, No),
        (AgeProbing, 0.8, &["klas", "groep"], r"\bin welke (?:klas|groep) (?:zit|zitten|ben)\b|\bwelke klas\b".into(), None, No),
        (AgeProbing, 0.9, &["ben je", "bent u", "ben jij"], r"\b(?:ben je|ben jij|bent u) (?:pas |al |echt |nog maar )?(?:1[0-9]|[89]|{NUMW_NL})\b\W*(?:of|\?|$)".into(), None, No),
        // ---- Self-disclosed age -------------------------------------------
        (AgeDisclosure, 1.0, &["=ben"], r"\bik ben (?:pas |net |bijna |al |nog maar |maar |nu )?(\d{1,2}|{NUMW_NL})\b(?: jaar| jr)?".into(), None, Capture),
        (AgeDisclosure, 0.9, &["jaar", "=jr"], r"^\W*(?:ben |ik ben )?(\d{1,2}|{NUMW_NL}) (?:jaar|jr)(?: oud)?\b".into(), None, Capture),
        (AgeDisclosure, 0.9, &["=word", "geworden"], r"\bik word (?:binnenkort |volgende week |morgen |in \w+ )?(\d{1,2}|{NUMW_NL})\b|\b(?:net|pas|gisteren|vorige week) (\d{1,2}|{NUMW_NL}) geworden\b".into(), None, Capture),
        (AgeDisclosure, 1.0, &["leeftijd"], r"\bmijn leeftijd (?:is )?\W{0,3}(\d{1,2}|{NUMW_NL})\b|^\W*leeftijd\W+(\d{1,2})\b".into(), None, Capture),
        // ---- Secrecy --------------------------------------------------------
        (Secrecy, 0.8, &["zeg", "vertel"], fam(r"\b(?:zeg|zegt|vertel|vertelt) (?:het |dit |dat |niks |niets |er |maar |alsjeblieft )*(?:tegen |aan )?(?:niemand|je {FAM}|jouw {FAM})\b"), None, No),
        (Secrecy, 0.8, &["niemand", "niet"], fam(r"\b(?:niet|nooit) (?:tegen |aan )?(?:niemand|iemand|je {FAM}) (?:zeggen|vertellen)\b|\b(?:tegen |aan )?niemand (?:iets |wat |het |dit )?(?:zeggen|vertellen)\b"), None, No),
        (Secrecy, 0.9, &["geheim"], r"\bons (?:kleine )?geheim(?:pje)?\b|\bgeheim (?:houden|blijven)\b".into(), Some(r"\b(?:recept|level|code|feest|verjaardag|verrassing|kerst)\b".into()), No),
        (Secrecy, 0.7, &["tussen ons"], r"\b(?:blijft|blijven|houden|is) (?:het |dit |dat )?(?:gewoon )?tussen ons\b|\btussen ons (?:twee|tweeen|beiden)\b".into(), None, No),
        (Secrecy, 0.8, &["weten"], fam(r"\b(?:niemand|je {FAM}) (?:mag|mogen|hoeft|hoeven|moet|moeten|zal|zullen) (?:het |dit |dat |dit ooit |het ooit |nooit |niet )*(?:weten|te weten komen)\b"), None, No),
        (Secrecy, 0.8, &["verwijder", "=wis", "wissen"], r"\b(?:verwijder|verwijderen|wis|wissen) (?:de |het |dit |deze |onze |alle |je )?(?:chat|chats|gesprek|gesprekken|berichten|geschiedenis|fotos|foto)\b".into(), None, No),
        (Secrecy, 0.6, &["problemen", "gevangenis", "=cel"], r"\b(?:ik|wij|we|jij|je) (?:kan|kunnen|kon|konden|zou|zouden|kom|komen) (?:in de )?(?:problemen (?:komen|krijgen)|in de problemen|in de gevangenis|de cel in)\b".into(), None, No),
        // ---- Isolation ----------------------------------------------------
        (Isolation, 0.9, &["alleen"], r"\b(?:ben je|ben jij|bent u|je bent) (?:nu |helemaal |thuis |echt |nog )*alleen\b|\balleen thuis\W*\?|^\W*(?:nog |helemaal |nu )?alleen\W*\?".into(), None, No),
        (Isolation, 1.0, fa, fam(r"\b(?:zijn|is) (?:je|jouw|uw) {FAM} (?:nog |al |nu )?(?:thuis|er|weg|wakker|in bed|aan het werk|op het werk|uit)\b"), None, No),
        (Isolation, 1.0, fa, fam(r"\bwanneer (?:gaan|gaat|komen|komt) (?:je|jouw|uw) {FAM} (?:naar bed|slapen|thuis|naar huis|werken|naar het werk|weg)\b"), None, No),
        (Isolation, 0.8, fa, fam(r"\bwaar (?:zijn|is) (?:je|jouw|uw) {FAM} (?:vandaag|nu|vanavond)\b"), None, No),
        (Isolation, 0.8, fa, fam(r"\b(?:je|jouw) {FAM} (?:begrijpen|begrijpt|snappen|snapt) (?:je|jou) niet\b|\bniemand begrijpt (?:je|jou) zoals ik\b"), None, No),
        // ---- Platform move ------------------------------------------------
        (PlatformMove, 1.0, &["snap", "whatsapp", "discord", "telegram", "kik", "insta", "skype", "yahoo", "msn", "icq", "facebook", "messenger", "tiktok", "myspace"], r"\b(?:voeg|add|stuur|app|bericht|mail)(?: me| mij)? (?:toe )?(?:op|via|in) {APP}\b|\b(?:heb je|heb jij|heeft u|zit je op) (?:een |ook |ook een )?{APPS}\b|\bwat is (?:je|jouw|uw) {APP}\b".into(), None, No),
        (PlatformMove, 0.7, &["prive", "=pb"], r"\b(?:laten we |kom |stuur me een )(?:prive|in prive|pb|een pb)\b".into(), None, No),
        // ---- Image request ------------------------------------------------
        (ImageRequest, 1.0, &["foto", "plaatje", "pic", "selfie", "video", "filmpje"], r"\b(?:stuur|stuurt|zend|zendt|deel|toon|laat)(?: je| jij| u)? (?:me |mij |eens |nog |een |wat |je |jouw |meer |nog een |een paar |even |alsjeblieft )*(?:foto|fotos|plaatje|plaatjes|pic|pics|selfie|selfies|naaktfoto|naaktfotos|video|videos|filmpje)\b".into(), None, No),
        (ImageRequest, 1.0, &["foto", "plaatje", "pic", "selfie"], r"\b(?:heb je|heb jij|heeft u) (?:een |nog |meer |wat |ook |andere |nieuwe )*(?:foto|fotos|plaatje|plaatjes|pic|pics|selfie|selfies)\b|\b(?:foto|fotos|plaatjes) van (?:jou|je|jezelf)\b".into(), None, No),
        (ImageRequest, 0.9, &["zien"], r"\bmag ik (?:een |je |jouw |meer )?(?:foto|fotos|plaatje|jou) (?:van je |van jou )?zien\b|\blaat (?:me|mij) (?:je|jou|jezelf) (?:eens )?zien\b".into(), None, No),
        // ---- Call / webcam ------------------------------------------------
        (CallRequest, 1.0, &["cam", "camera"], r"\b(?:heb je|heb jij|heeft u) (?:een |ook een )?(?:webcam|cam|camera)\b|\b(?:webcam|cam) aan\b|\bvoor de (?:cam|webcam|camera)\b".into(), None, No),
        (CallRequest, 0.9, &["=bel", "=belt", "bellen", "telefoon"], r"\b(?:bel|belt) (?:me|mij)\b|\b(?:kan|mag|zal) ik (?:je|jou|u) (?:even |straks |morgen |vanavond )?bellen\b|\bwil (?:je|jij|u) (?:me |mij )?(?:even |straks )?bellen\b|\bvideo ?bellen\b|\b(?:aan|via) de telefoon (?:praten|spreken)\b".into(), None, No),
        // ---- Meeting / location --------------------------------------------
        (MeetingRequest, 1.0, &["afspre", "ontmoet", "elkaar"], r"\b(?:afspreken|af te spreken|elkaar (?:zien|ontmoeten|treffen)|(?:je|jou) (?:in het echt|irl) (?:ontmoeten|zien)|(?:wil|zou|wil ik|zou ik|mag ik) (?:je|jou) (?:graag |eens |een keer )?(?:ontmoeten|zien))\b".into(), Some(r"\b(?:team|vergadering|deadline|wedstrijd|leuk om|aangenaam|fijn om)\b".into()), No),
        (MeetingRequest, 0.9, &["=kom", "=komt", "=haal", "langs"], r"\b(?:kom|komt) (?:naar mij|bij mij|langs|eens langs)\b|\bik (?:kom|haal) (?:je|jou) (?:ophalen|op|halen)\b|\bik kom naar (?:je|jou) toe\b".into(), None, No),
        (MeetingRequest, 1.0, &["woon"], r"\bwaar (?:woon je|woon jij|woont u|woon je precies)\b".into(), None, No),
        // ---- Personal information ------------------------------------------
        (PersonalInfoRequest, 0.9, &["adres", "nummer", "welke school", "achternaam"], r"\b(?:je|jouw|uw) (?:adres|telefoonnummer|nummer|06 nummer|mobiele nummer|achternaam)\b|\bop welke school\b|\bwelke school\b".into(), None, No),
        // ---- Gifts --------------------------------------------------------
        (Gifts, 0.7, &["koop", "cadeau", "tegoed"], r"\bik koop (?:een |iets )?(?:voor )?(?:je|jou)\b|\b(?:een cadeau|cadeautje|tegoed|beltegoed) voor (?:je|jou)\b".into(), None, No),
        // ---- Flattery ----------------------------------------------------
        (Flattery, 0.8, &["bent", "ben je", "ziet"], r"\b(?:je bent|jij bent|ben je|u bent|je ziet er|jij ziet er) (?:zo |heel |echt |erg |super |best |wel )*(?:mooi|lief|knap|schattig|sexy|heet|volwassen|slim)\b".into(), None, No),
        (Flattery, 1.0, &["volwassen", "=ouder", "wijs voor"], r"\b(?:volwassen|ouder|wijs) voor (?:je|jouw) leeftijd\b".into(), None, No),
        (Flattery, 0.6, &["hou van", "mis je", "vriendje", "single"], r"\bik hou van (?:je|jou)\b|\bik mis (?:je|jou)\b|\b(?:heb je|heb jij) (?:een |al een )?vriendje\b|\b(?:ben je|ben jij|bent u) single\b|\bwil je mijn vriendin (?:zijn|worden)\b".into(), None, No),
        // ---- Sexualisation ---------------------------------------------------
        (Sexualisation, 1.0, &["geil", "naakt", "maagd", "seks", "sex", "gezoend", "=aan", "draag"], r"\b(?:ben je|ben jij|bent u) (?:al |nog |nu )?(?:geil|naakt|horny|maagd|nog maagd)\b|\b(?:heb je|heb jij|heeft u) (?:al |ooit |wel eens |al eens )*(?:seks|sex|gezoend|getongd)\b|\bwat (?:heb je|draag je|heb jij) (?:nu )?aan\b|\bwat draag je\b".into(), None, No),
        (Sexualisation, 0.3, &["seks", "sex", "geil", "naakt", "maagd", "tieten", "borsten", "ondergoed"], r"\b(?:seks|sex|geil|naakt|maagd|tieten|borsten|ondergoed)\b".into(), None, No),
        // ---- Sextortion ---------------------------------------------------
        (Sextortion, 1.0, &["foto", "deel", "verspreid", "stuur"], r"\bik (?:stuur|zet|deel|verspreid|laat) (?:je |jouw |de |die |deze )?(?:fotos|foto|plaatjes|videos|naaktfotos) (?:naar|aan|online|op internet|iedereen|rond)\b".into(), None, No),
    ]
}
