//! German rules. Written for chat German, including the machine-translated
//! PAN 2012 chats in `vtpan-validation/ger_valset.csv` (mixed with English slang,
//! which the English table covers).
use crate::behaviours::{Age, RuleSpec};
use lifeguard_core::Behaviour;

const FAM: &str =
    "(?:eltern|mutter|mama|mami|mutti|vater|papa|papi|vati|familie|oma|opa|stiefvater|stiefmutter)";

/// The German rule table.
#[rustfmt::skip]
pub(crate) fn rules() -> Vec<RuleSpec> {
    use Age::*;
    use Behaviour::*;
    let fam = |p: &str| p.replace("{FAM}", FAM);
    let fa: &'static [&'static str] = &["eltern", "mutter", "mama", "mami", "mutti", "vater", "papa", "papi", "vati", "familie", "=oma", "=opa"];
    vec![
        // ---- Age probing ---------------------------------------------------
        (AgeProbing, 1.0, &["=alt"], r"\bwie alt (?:bist|bis|biste|sind sie|bist du)\b".into(), None, No),
        (AgeProbing, 0.8, &["=alt"], r"\bwie alt\W*\?".into(), None, No),
        (AgeProbing, 0.9, &["=alter"], r"\b(?:was ist|wie ist) (?:dein|ihr) alter\b|\b(?:dein|ihr) alter\W*\?".into(), None, No),
        (AgeProbing, 0.8, &["klasse"], r"\bin welche(?:r)? klasse (?:bist|gehst|gehen)\b|\bwelche klasse\b".into(), None, No),
        (AgeProbing, 0.8, &["jahrig", "ein kind", "schule"], r"\b(?:bist du|sind sie) (?:schon |noch |wirklich )?(?:volljahrig|minderjahrig|ein kind|noch in der schule)\b".into(), None, No),
        (AgeProbing, 0.9, &["bist", "sind"], r"\b(?:bist du|sind sie) (?:erst |schon |wirklich |echt |wirklich erst )?(?:1[0-9]|[89]|{NUMW_DE})\b\W*(?:oder|\?|$)".into(), None, No),
        // ---- Self-disclosed age -------------------------------------------
        (AgeDisclosure, 1.0, &["=bin"], r"\bich bin (?:erst |gerade |fast |bald |schon |nur |jetzt )?(\d{1,2}|{NUMW_DE})\b(?: jahre| jahr| j)?".into(), None, Capture),
        (AgeDisclosure, 0.9, &["jahr"], r"^\W*(?:bin |ich bin )?(\d{1,2}|{NUMW_DE}) (?:jahre|jahr|j)(?: alt)?\b".into(), None, Capture),
        (AgeDisclosure, 0.9, &["werde", "geworden"], r"\bich werde (?:bald |nachste woche |morgen |im \w+ )?(\d{1,2}|{NUMW_DE})\b|\b(?:gerade|grad|gestern|letzte woche|letzten monat) (\d{1,2}|{NUMW_DE}) geworden\b".into(), None, Capture),
        (AgeDisclosure, 1.0, &["=alter"], r"\bmein alter (?:ist )?\W{0,3}(\d{1,2}|{NUMW_DE})\b|^\W*alter\W+(\d{1,2})\b".into(), None, Capture),
        // ---- Secrecy --------------------------------------------------------
        (Secrecy, 0.8, &["=sag", "=sags", "=sage", "=sagst", "erzahl", "verrat"], r"\b(?:sag|sags|sage|sagst|erzahl|erzahle|erzahls|erzahlst|verrat|verrate|verratst) (?:es |das |dies |davon |nichts |bitte |aber )*(?:niemandem|keinem|niemand|keinen|deinen eltern|deiner mutter|deiner mama|deinem vater|deinem papa)\b".into(), None, No),
        (Secrecy, 0.8, &["niemand", "keinem"], r"\b(?:niemandem|keinem) (?:was |etwas |davon |das |es |bitte )*(?:sagen|erzahlen|verraten)\b".into(), None, No),
        (Secrecy, 0.9, &["geheim"], r"\b(?:unser|unser kleines|ein|kleines) geheimnis\b|\bgeheim (?:halten|bleiben)\b".into(), Some(r"\b(?:rezept|level|code|party|geburtstag|uberraschung|weihnachten)\b".into()), No),
        (Secrecy, 0.8, &["unter uns"], r"\b(?:bleibt|bleiben|bleibt das|ist) (?:nur |alles )?unter uns\b|\bunter uns beiden\b".into(), None, No),
        (Secrecy, 0.8, &["wissen", "erfahren"], fam(r"\b(?:niemand|keiner|deine {FAM}|ihre {FAM}|dein {FAM}) (?:darf|durfen|muss|mussen|soll|sollen|braucht|wird) (?:das |es |davon |je |nie |niemals |nicht )*(?:wissen|erfahren)\b"), None, No),
        (Secrecy, 0.8, &["losch"], r"\b(?:losch|losche|loschen|loschst) (?:den |die |das |diesen |diese |unseren |unsere |alle |deinen |deine )?(?:chat|chats|verlauf|nachrichten|bilder|fotos|unterhaltung)\b".into(), None, No),
        (Secrecy, 0.6, &["arger", "knast", "gefangnis"], r"\b(?:ich|wir|du) (?:konnte|konnten|kann|konnen|wurde|wurden|werde) (?:ganz schon |richtig )?(?:arger bekommen|in den knast|ins gefangnis)\b".into(), None, No),
        // ---- Isolation ----------------------------------------------------
        (Isolation, 0.9, &["allein"], r"\b(?:bist du|bist|sind sie|du bist) (?:jetzt |gerade |ganz |noch |zu hause |daheim )*(?:allein|alleine)\b|^\W*(?:noch |ganz |jetzt )?(?:allein|alleine)\W*\?|\b(?:zu hause|daheim) (?:allein|alleine)\W*\?".into(), None, No),
        (Isolation, 1.0, fa, fam(r"\b(?:sind|ist) (?:deine|ihre|dein|ihr) {FAM} (?:noch |schon |gerade )?(?:zu hause|daheim|da|weg|wach|im bett|arbeiten|auf der arbeit|unterwegs)\b"), None, No),
        (Isolation, 1.0, fa, fam(r"\bwann (?:gehen|geht|kommen|kommt|fahren|fahrt) (?:deine|ihre|dein|ihr) {FAM} (?:ins bett|schlafen|nach hause|zur arbeit|weg|los)\b"), None, No),
        (Isolation, 0.8, fa, fam(r"\bwo (?:sind|ist) (?:deine|ihre|dein|ihr) {FAM} (?:heute|jetzt|gerade|heute abend)\b"), None, No),
        (Isolation, 0.8, fa, fam(r"\b(?:deine|ihre|dein|ihr) {FAM} (?:verstehen|versteht|verstehen dich|versteht dich) (?:dich )?nicht\b|\bniemand versteht dich (?:so )?wie ich\b"), None, No),
        // ---- Platform move ------------------------------------------------
        (PlatformMove, 1.0, &["snap", "whatsapp", "discord", "telegram", "kik", "insta", "skype", "yahoo", "msn", "icq", "facebook", "messenger", "tiktok", "myspace"], r"\b(?:adde|add|schreib|schreibe|kontaktier|fug|fuge)(?: mich| mir)? (?:auf|bei|in|uber|per) {APP}\b|\b{APP} (?:hinzufugen|adden)\b|\bhast du (?:ein |einen |eine |auch )?{APPS}\b|\b(?:was ist|wie ist|gib mir) (?:dein|deine|ihr|ihre) {APP}\b".into(), None, No),
        (PlatformMove, 0.7, &["privat"], r"\b(?:lass uns |komm |gehen wir |schreib mir )(?:privat|per pn|in den privatchat)\b".into(), None, No),
        // ---- Image request ------------------------------------------------
        (ImageRequest, 1.0, &["bild", "foto", "pic", "selfie", "video"], r"\b(?:schick|schicke|schickst|schicken sie|send|sende|sendest|senden sie|zeig|zeige|zeigst|teil|teile|teilst)(?: du| sie)? (?:mir |mal |uns |doch |bitte )*(?:ein |eine |einen |ein paar |paar |noch |mehr |dein |deine |ihre |noch ein |einige |noch einige |irgendwelche )*(?:bild|bilder|foto|fotos|pic|pics|selfie|selfies|nacktbild|nacktbilder|nacktfoto|nacktfotos|video|videos)\b".into(), None, No),
        (ImageRequest, 1.0, &["bild", "foto", "pic", "selfie"], r"\b(?:hast du|haben sie|hast) (?:ein |eine |irgendwelche |mehr |noch |einige |neue |andere )*(?:bild|bilder|foto|fotos|pics|pic|selfie|selfies)\b|\b(?:bild|bilder|foto|fotos) von dir\b|\b(?:foto|fotos|bild|bilder) (?:teilen|schicken|senden)\b".into(), None, No),
        (ImageRequest, 0.9, &["sehen"], r"\b(?:kann|darf|will|mochte|wurde gern|wurde gerne) ich (?:ein |eine |dein |deine |mehr )?(?:bild|bilder|foto|fotos|dich) (?:von dir )?sehen\b".into(), None, No),
        // ---- Call / webcam ------------------------------------------------
        (CallRequest, 1.0, &["cam", "kamera"], r"\b(?:hast du|haben sie) (?:eine |ne |auch eine )?(?:webcam|cam|kamera)\b|\b(?:webcam|cam|kamera) (?:an|anmachen|einschalten)\b|\bvor der (?:cam|webcam|kamera)\b".into(), None, No),
        (CallRequest, 0.9, &["anruf", "telefon"], r"\b(?:ruf|rufe) mich (?:mal |heute |spater |jetzt |morgen )?an\b|\b(?:ich|kann ich|darf ich|soll ich|sollte ich) (?:dich |sie )?(?:mal |heute |spater |jetzt |morgen )?anrufen\b|\b(?:willst|wollen|kannst|konnen) (?:du|sie) mich (?:mal |heute |spater |jetzt )?anrufen\b|\b(?:am|ans) telefon (?:sprechen|reden|quatschen)\b".into(), None, No),
        // ---- Meeting / location --------------------------------------------
        (MeetingRequest, 1.0, &["treffen"], r"\b(?:wir|uns) (?:mal |bald |irgendwann |endlich |heute |morgen |wirklich )*treffen\b|\b(?:treffen wir uns|lass uns (?:mal )?treffen|dich (?:mal |bald |endlich )?treffen)\b".into(), Some(r"\b(?:team|spiel|match|runde|ziel|entscheidung)\b".into()), No),
        (MeetingRequest, 0.9, &["besuch", "abhol", "vorbei"], r"\b(?:dich|sie) (?:mal |bald )?(?:besuchen|abholen)\b|\b(?:komm|kommst du|kannst du) (?:mal )?(?:zu mir|vorbei)\b|\bich (?:hol|hole) dich (?:ab|mal ab)\b".into(), None, No),
        (MeetingRequest, 1.0, &["wohnst", "lebst"], r"\bwo (?:wohnst|lebst) du\b|\bwo (?:genau )?(?:wohnen|leben) sie\b".into(), None, No),
        // ---- Personal information ------------------------------------------
        (PersonalInfoRequest, 0.9, &["adresse", "nummer", "schule", "nachname"], r"\b(?:deine|ihre) (?:adresse|handynummer|telefonnummer|handy nummer|nummer|nachname)\b|\b(?:auf|in) welche schule\b|\bwelche schule\b".into(), None, No),
        // ---- Gifts --------------------------------------------------------
        (Gifts, 0.7, &["kauf", "schenk", "geschenk", "gutschein", "guthaben"], r"\bich (?:kauf|kaufe|schenk|schenke) dir\b|\b(?:ein geschenk|gutschein|guthaben) fur dich\b".into(), None, No),
        // ---- Flattery ----------------------------------------------------
        (Flattery, 0.8, &["bist", "siehst", "sind"], r"\b(?:du bist|bist du|sie sind|du siehst|sie sehen) (?:so |sehr |echt |wirklich |total |richtig |voll |mega )*(?:suss|hubsch|sexy|heiss|wunderschon|niedlich|reif|erwachsen|klug)\b".into(), None, No),
        (Flattery, 1.0, &["reif", "erwachsen", "=alter"], r"\b(?:reif|erwachsen|alter) fur (?:dein|ihr) alter\b".into(), None, No),
        (Flattery, 0.6, &["liebe", "vermisse", "freund", "single"], r"\bich (?:liebe|vermisse) dich\b|\b(?:hast du|haben sie) (?:einen |nen |schon einen )?freund\b|\b(?:bist du|sind sie) single\b|\bwillst du meine freundin sein\b".into(), None, No),
        // ---- Sexualisation ---------------------------------------------------
        (Sexualisation, 1.0, &["geil", "nackt", "jungfrau", "sex", "gekusst", "tragst", "hast du an"], r"\b(?:bist du|sind sie) (?:schon |gerade |noch )?(?:geil|nackt|horny|jungfrau)\b|\b(?:hast du|haben sie) (?:schon mal |schon |jemals )?(?:sex|gekusst|rumgemacht)\b|\bwas (?:hast du|tragst du|haben sie) (?:gerade )?(?:an)?\b(?:\W*$| an\b)".into(), None, No),
        (Sexualisation, 0.3, &["sex", "geil", "nackt", "titten", "schwanz", "muschi", "unterwasche", "jungfrau"], r"\b(?:sex|geil|nackt|titten|schwanz|muschi|unterwasche|jungfrau)\b".into(), None, No),
        // ---- Sextortion ---------------------------------------------------
        (Sextortion, 1.0, &["bild", "foto", "schick", "zeig", "verbreit"], r"\bich (?:werde|schick|schicke|zeige|zeig|verbreite|poste) (?:deine |die |diese )?(?:bilder|fotos|nacktbilder|videos) (?:an |allen|deinen eltern|deiner schule|jedem|online|im internet)".into(), None, No),
    ]
}
