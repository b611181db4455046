//! Text normalisation that defeats common obfuscation while keeping exact offsets.
//!
//! Detectors never look at raw text. [`normalise`] turns a message into a lower-case,
//! mostly-ASCII form in two passes, recording for every output byte the byte range of
//! the original text it came from, so that a match in the normalised text can be
//! reported as a [`Span`] of what the user actually typed.
//!
//! Pass 1, per character:
//! * ASCII fast path: lower-case letters, collapse whitespace runs to one space,
//!   drop apostrophes (`don't` → `dont`, `i'm` → `im`) and control characters.
//! * Otherwise: drop default-ignorable characters (zero-width spaces and joiners,
//!   bidi controls, variation selectors, soft hyphen), compatibility-decompose
//!   (NFKD: fullwidth, mathematical alphanumerics, circled letters, ligatures,
//!   superscripts), drop combining marks (accents, "Zalgo"; `é` → `e`), lower-case,
//!   and map a table of Cyrillic, Greek, small-capital and enclosed-letter homoglyphs
//!   to the Latin letters they imitate (`а` → `a`, `🅢` → `s`, `🇸` → `s`).
//!
//! Pass 2, per word (a run of `[a-z0-9@$]`):
//! * Spaced letters: a run of at least three one-letter words separated by the same
//!   single separator (space, `.`, `-`, `_`, `*`) is joined (`s n a p` → `snap`),
//!   unless every letter is a common chat word of one letter (`r u a` stays as is).
//! * Leetspeak: a digit run with letters on both sides becomes letters
//!   (`0→o 1→i 3→e 4→a 5→s 7→t`: `s3nd p1c` → `send pic`), as does a `5` ending a
//!   word of at least two letters (`pic5`), as does a single `0 3 5 7` starting a
//!   word of letters (`0ld`, `5ex`) unless an age unit follows (`7yo`); `@` between letters becomes `a`, `$` next
//!   to a letter becomes `s`. Digits in a word that starts or ends with them (`13`,
//!   `13yo`, `f13`, `im13`) are left alone, so stated ages survive. Words followed by
//!   `.` and a letter (e-mail addresses, domains) are left alone.
//! * Repeated letters: a run of three or more identical letters becomes one
//!   (`snaaap` → `snap`, `sooo` → `so`). Runs of two are kept, since they are how
//!   English is spelled (`meet`, `tell`, `call`). The detectors accept a single
//!   letter wherever a word is spelled with a double one, so `meeeet` → `met` still
//!   matches `meet`. Collapsing to one rather than two is the choice that lets both
//!   `snaaap` and `meeeet` match with one normalised text.
//!
//! Emoji and letters of other scripts are kept (lower-cased).
use lifeguard_core::Span;
use std::ops::Range;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// A normalised message and the map back to the original text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalised {
    /// The normalised text: lower case, mostly ASCII, single spaces.
    pub text: String,
    /// For each byte of `text`, the `[start, end)` byte range of the original text
    /// it stands for.
    origin: Vec<[u32; 2]>,
    /// Length of the original text, in bytes.
    original_len: usize,
}

impl Normalised {
    /// The range of the original text behind the normalised byte range `range`.
    ///
    /// The start is the start of the original character behind the first byte; the
    /// end is the end of the original characters behind the last byte (including
    /// any repeated letters or accents folded into it). Out-of-range or reversed
    /// ranges are clamped, so this never panics.
    pub fn to_original(&self, range: Range<usize>) -> Span {
        let n = self.origin.len();
        let start = range.start.min(n);
        let end = range.end.clamp(start, n);
        if start == end {
            let at = if start < n {
                self.origin[start][0] as usize
            } else {
                self.original_len
            };
            return Span { start: at, end: at };
        }
        let s = self.origin[start][0] as usize;
        let e = self.origin[start..end]
            .iter()
            .map(|o| o[1] as usize)
            .max()
            .unwrap_or(s);
        Span {
            start: s,
            end: e.max(s),
        }
    }

    /// Length of the original text, in bytes.
    pub fn original_len(&self) -> usize {
        self.original_len
    }
}

/// Normalises `text` for detection. See the [module documentation](self).
///
/// ```
/// use lifeguard_detect::normalise;
/// let original = "S3ND me a p\u{200B}ic";
/// let n = normalise(original);
/// assert_eq!(n.text, "send me a pic");
/// let at = n.text.find("pic").unwrap();
/// let span = n.to_original(at..at + 3);
/// assert_eq!(&original[span.start..span.end], "p\u{200B}ic");
/// ```
pub fn normalise(text: &str) -> Normalised {
    // Inputs beyond u32 offsets are cut; messages are limited to 64 KiB upstream.
    let text = if text.len() >= u32::MAX as usize {
        let mut cut = (u32::MAX - 8) as usize;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        &text[..cut]
    } else {
        text
    };
    let mut first = Buf::with_capacity(text.len() + 8);
    pass_chars(text, &mut first);
    let mut out = Buf::with_capacity(first.bytes.len());
    pass_words(&first, &mut out);
    // Pass 2 only ever copies whole UTF-8 sequences or ASCII replacements, so the
    // bytes are valid UTF-8; the fallback is never taken but keeps this panic-free.
    let text_out = match String::from_utf8(out.bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let mut origin = out.origin;
    origin.truncate(text_out.len());
    while origin.len() < text_out.len() {
        let last = origin.last().copied().unwrap_or([0, 0]);
        origin.push(last);
    }
    Normalised {
        text: text_out,
        origin,
        original_len: text.len(),
    }
}

struct Buf {
    bytes: Vec<u8>,
    origin: Vec<[u32; 2]>,
    last_space: bool,
}

impl Buf {
    fn with_capacity(n: usize) -> Buf {
        Buf {
            bytes: Vec::with_capacity(n),
            origin: Vec::with_capacity(n),
            last_space: true,
        }
    }

    #[inline]
    fn push_byte(&mut self, b: u8, o: [u32; 2]) {
        self.bytes.push(b);
        self.origin.push(o);
    }

    /// Pushes a character that is already lower case and folded, applying the
    /// ASCII rules (whitespace collapse, apostrophes dropped).
    #[inline]
    fn push_folded(&mut self, c: char, o: [u32; 2]) {
        if c.is_ascii() {
            self.push_ascii(c as u8, o);
        } else if c.is_whitespace() {
            self.push_space(o);
        } else {
            let mut tmp = [0u8; 4];
            for &b in c.encode_utf8(&mut tmp).as_bytes() {
                self.push_byte(b, o);
            }
            self.last_space = false;
        }
    }

    #[inline]
    fn push_space(&mut self, o: [u32; 2]) {
        if !self.last_space {
            self.push_byte(b' ', o);
            self.last_space = true;
        }
    }

    #[inline]
    fn push_ascii(&mut self, b: u8, o: [u32; 2]) {
        match b {
            b'A'..=b'Z' => {
                self.push_byte(b + 32, o);
                self.last_space = false;
            }
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.push_space(o),
            // Apostrophes go ("don't" -> "dont"), except after a digit, where
            // they mean feet ("5'8" is a height, not 58).
            b'\'' | b'`' => {
                if self.bytes.last().is_some_and(u8::is_ascii_digit) {
                    self.push_byte(b'\'', o);
                    self.last_space = false;
                }
            }
            0..=0x1f | 0x7f => {}
            _ => {
                self.push_byte(b, o);
                self.last_space = false;
            }
        }
    }

    /// Widens the origin of the last byte to cover `end` (folded accents).
    #[inline]
    fn extend_last(&mut self, end: u32) {
        if let Some(last) = self.origin.last_mut() {
            if last[1] < end {
                last[1] = end;
            }
        }
    }
}

fn pass_chars(text: &str, out: &mut Buf) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            out.push_ascii(b, [i as u32, i as u32 + 1]);
            i += 1;
            continue;
        }
        // Decode one non-ASCII character.
        let c = match text[i..].chars().next() {
            Some(c) => c,
            None => break,
        };
        let len = c.len_utf8();
        let o = [i as u32, (i + len) as u32];
        i += len;
        push_unicode(c, o, out);
    }
}

fn push_unicode(c: char, o: [u32; 2], out: &mut Buf) {
    if is_ignorable(c) {
        return;
    }
    if is_combining_mark(c) {
        out.extend_last(o[1]);
        return;
    }
    if c.is_whitespace() {
        out.push_space(o);
        return;
    }
    if matches!(
        c,
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '\u{FF07}' | '\u{00B4}'
    ) {
        out.push_ascii(b'\'', o);
        return;
    }
    if let Some(m) = enclosed_letter(c) {
        out.push_ascii(m, o);
        return;
    }
    decompose_compatible(c, |d| {
        if is_combining_mark(d) || is_ignorable(d) {
            return;
        }
        if d.is_ascii() {
            out.push_ascii(d as u8, o);
            return;
        }
        if d == 'ß' || d == 'ẞ' {
            out.push_ascii(b's', o);
            out.push_ascii(b's', o);
            return;
        }
        for l in d.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            match homoglyph(l) {
                Some(m) => {
                    for &b in m.as_bytes() {
                        out.push_ascii(b, o);
                    }
                }
                None => out.push_folded(l, o),
            }
        }
    });
}

/// Default-ignorable characters: invisible, used to split words past filters.
fn is_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Enclosed letters that have no compatibility decomposition: regional indicator
/// symbols (flag letters) and negative circled or squared letters.
fn enclosed_letter(c: char) -> Option<u8> {
    let u = c as u32;
    let base = match u {
        0x1F1E6..=0x1F1FF => 0x1F1E6,
        0x1F150..=0x1F169 => 0x1F150,
        0x1F170..=0x1F189 => 0x1F170,
        0x1F130..=0x1F149 => 0x1F130,
        _ => return None,
    };
    Some(b'a' + (u - base) as u8)
}

/// Lower-case letters of other scripts that are used as Latin look-alikes.
fn homoglyph(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic
        'а' | 'ӑ' | 'ӓ' => "a",
        'в' | 'ь' | 'ъ' => "b",
        'с' | 'ҫ' => "c",
        'ԁ' => "d",
        'е' | 'ё' | 'є' | 'ҽ' | 'э' => "e",
        'ғ' => "f",
        'һ' | 'н' | 'ћ' | 'ђ' => "h",
        'і' | 'ї' | 'ӏ' => "i",
        'ј' => "j",
        'к' | 'қ' | 'ҝ' => "k",
        'м' => "m",
        'п' | 'л' => "n",
        'о' | 'ӧ' | 'ө' => "o",
        'р' | 'ҏ' => "p",
        'ԛ' => "q",
        'г' | 'ѓ' => "r",
        'ѕ' => "s",
        'т' => "t",
        'ц' | 'џ' => "u",
        'ѵ' | 'ѷ' => "v",
        'ԝ' | 'ш' | 'щ' => "w",
        'х' | 'ж' | 'ӿ' => "x",
        'у' | 'ў' | 'ү' | 'ұ' | 'ч' => "y",
        // Greek
        'α' | 'ά' => "a",
        'β' => "b",
        'ς' => "c",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'η' | 'ή' => "n",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'κ' => "k",
        'μ' => "u",
        'ν' => "v",
        'ο' | 'ό' | 'σ' | 'θ' => "o",
        'ρ' => "p",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' => "u",
        'χ' => "x",
        'γ' => "y",
        'ω' | 'ώ' => "w",
        // Armenian
        'օ' => "o",
        'ս' => "u",
        'ց' => "g",
        'հ' => "h",
        'ո' => "n",
        // Latin extensions and small capitals
        'ı' | 'ɪ' | 'ɩ' | 'ǐ' => "i",
        'ɑ' | 'ᴀ' => "a",
        'ʙ' => "b",
        'ᴄ' => "c",
        'ᴅ' | 'đ' | 'ð' | 'ɗ' => "d",
        'ᴇ' | 'ɛ' => "e",
        'ɢ' | 'ɡ' => "g",
        'ʜ' | 'ħ' => "h",
        'ᴊ' | 'ȷ' => "j",
        'ᴋ' => "k",
        'ʟ' | 'ł' | 'ƚ' => "l",
        'ᴍ' => "m",
        'ɴ' => "n",
        'ᴏ' | 'ø' | 'ɵ' => "o",
        'ᴘ' => "p",
        'ʀ' => "r",
        'ꜱ' => "s",
        'ᴛ' | 'ŧ' => "t",
        'ᴜ' => "u",
        'ᴠ' => "v",
        'ᴡ' => "w",
        'ʏ' => "y",
        'ᴢ' => "z",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'@' || b == b'$'
}

/// Letters that are chat words on their own; a spaced run made only of these
/// ("r u a") is ordinary text, not an obfuscated word.
#[inline]
fn is_chat_letter(b: u8) -> bool {
    matches!(b, b'a' | b'i' | b'u' | b'r' | b'y' | b'n' | b'o')
}

#[inline]
fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b'.' | b'-' | b'_' | b'*')
}

fn pass_words(src: &Buf, out: &mut Buf) {
    let a = &src.bytes;
    let o = &src.origin;
    let n = a.len();
    let mut word: Vec<(u8, [u32; 2])> = Vec::new();
    let mut i = 0;
    while i < n {
        let b = a[i];
        if !is_word(b) {
            out.push_byte(b, o[i]);
            i += 1;
            continue;
        }
        // Spaced letters: `s n a p`.
        if b.is_ascii_lowercase() && (i + 1 == n || !is_word(a[i + 1])) {
            if let Some((start, end)) = spaced_run(a, i) {
                // One-letter words trimmed off the front stay as they are.
                for k in i..start {
                    out.push_byte(a[k], o[k]);
                }
                for k in (start..end).step_by(2) {
                    out.push_byte(a[k], o[k]);
                }
                i = end;
                continue;
            }
        }
        let mut j = i;
        while j < n && is_word(a[j]) {
            j += 1;
        }
        let domain_like = j + 1 < n && a[j] == b'.' && a[j + 1].is_ascii_lowercase();
        word.clear();
        if domain_like {
            word.extend((i..j).map(|k| (a[k], o[k])));
        } else {
            deleet(&a[i..j], &o[i..j], &mut word);
        }
        collapse_repeats(&word, out);
        i = j;
    }
}

/// Words that offenders spell out letter by letter, used to decide whether a
/// spaced run's first or last letter is a word of its own ("i l o v e").
const LEXICON: &[&[u8]] = &[
    b"address",
    b"age",
    b"almost",
    b"alone",
    b"anyone",
    b"asl",
    b"baby",
    b"beautiful",
    b"bed",
    b"body",
    b"boyfriend",
    b"call",
    b"cam",
    b"cute",
    b"dad",
    b"delete",
    b"discord",
    b"gift",
    b"girlfriend",
    b"grade",
    b"have",
    b"home",
    b"horny",
    b"hot",
    b"insta",
    b"instagram",
    b"kik",
    b"kiss",
    b"leak",
    b"live",
    b"love",
    b"meet",
    b"mom",
    b"money",
    b"mum",
    b"naked",
    b"nobody",
    b"nude",
    b"nudes",
    b"number",
    b"old",
    b"parents",
    b"phone",
    b"photo",
    b"photos",
    b"pic",
    b"pics",
    b"pix",
    b"robux",
    b"school",
    b"secret",
    b"send",
    b"sex",
    b"sexy",
    b"show",
    b"skype",
    b"snap",
    b"snapchat",
    b"telegram",
    b"tell",
    b"text",
    b"video",
    b"webcam",
    b"whatsapp",
];

/// If a run of at least three single letters separated by one repeated separator
/// starts at `i`, returns where its letters to join start and end. One-letter
/// chat words (`a i u r`) at either end are left out when the rest is a word of
/// [`LEXICON`] and the whole is not, so "i l o v e" joins to "i love" and
/// "o l d r u" to "old r u" while "a n y o n e" stays "anyone".
fn spaced_run(a: &[u8], i: usize) -> Option<(usize, usize)> {
    let n = a.len();
    if i + 2 >= n || !is_sep(a[i + 1]) {
        return None;
    }
    let sep = a[i + 1];
    let mut count = 1;
    let mut all_chat = is_chat_letter(a[i]);
    let mut p = i;
    loop {
        let q = p + 2;
        if p + 1 < n
            && a[p + 1] == sep
            && q < n
            && a[q].is_ascii_lowercase()
            && (q + 1 == n || !is_word(a[q + 1]))
        {
            all_chat &= is_chat_letter(a[q]);
            count += 1;
            p = q;
        } else {
            break;
        }
    }
    if count < 3 || all_chat {
        return None;
    }
    // Prefer the whole run; trim one-letter words off the ends only when that
    // yields a word the detectors look for and the whole run does not.
    let joined =
        |from: usize, to: usize| -> Vec<u8> { (from..=to).step_by(2).map(|k| a[k]).collect() };
    if LEXICON.contains(&joined(i, p).as_slice()) {
        return Some((i, p + 1));
    }
    let word = |b: u8| matches!(b, b'a' | b'i' | b'u' | b'r');
    let front = [0usize, 1, 2];
    for f in front {
        for b in [0usize, 1, 2] {
            if f + b == 0 || count < f + b + 3 {
                continue;
            }
            let (s0, e0) = (i + 2 * f, p - 2 * b);
            let ends_ok = (0..f).all(|k| word(a[i + 2 * k])) && (0..b).all(|k| word(a[p - 2 * k]));
            if ends_ok && LEXICON.contains(&joined(s0, e0).as_slice()) {
                return Some((s0, e0 + 1));
            }
        }
    }
    let (start, last) = (i, p);
    Some((start, last + 1))
}

fn leet(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'o',
        b'1' => b'i',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        _ => return None,
    })
}

fn deleet(w: &[u8], o: &[[u32; 2]], out: &mut Vec<(u8, [u32; 2])>) {
    let has_letter = w.iter().any(|b| b.is_ascii_lowercase());
    let has_leet = w
        .iter()
        .any(|&b| b.is_ascii_digit() || b == b'@' || b == b'$');
    if !has_letter || !has_leet {
        out.extend(w.iter().copied().zip(o.iter().copied()));
        return;
    }
    let n = w.len();
    let mut k = 0;
    while k < n {
        let b = w[k];
        if b.is_ascii_digit() {
            let mut r = k;
            while r < n && w[r].is_ascii_digit() {
                r += 1;
            }
            let left = k > 0 && w[k - 1].is_ascii_lowercase();
            let right = r < n && w[r].is_ascii_lowercase();
            let letters_before = w[..k].iter().filter(|b| b.is_ascii_lowercase()).count();
            let map_all = left && right && w[k..r].iter().all(|&d| leet(d).is_some());
            let final_s = left && r == n && r - k == 1 && b == b'5' && letters_before >= 2;
            let letters_after = w[r..].iter().take_while(|b| b.is_ascii_lowercase()).count();
            let leading = k == 0
                && r == 1
                && matches!(b, b'0' | b'3' | b'5' | b'7')
                && letters_after >= 2
                && !w[r..].starts_with(b"y");
            for m in k..r {
                let c = if map_all || final_s || leading {
                    leet(w[m]).unwrap_or(w[m])
                } else {
                    w[m]
                };
                out.push((c, o[m]));
            }
            k = r;
            continue;
        }
        let left = k > 0 && w[k - 1].is_ascii_lowercase();
        let right = k + 1 < n && w[k + 1].is_ascii_lowercase();
        let c = match b {
            b'@' if left && right => b'a',
            b'$' if (left || right) && !(k + 1 < n && w[k + 1].is_ascii_digit()) => b's',
            _ => b,
        };
        out.push((c, o[k]));
        k += 1;
    }
}

fn collapse_repeats(w: &[(u8, [u32; 2])], out: &mut Buf) {
    let n = w.len();
    let mut k = 0;
    while k < n {
        let (b, first) = w[k];
        let mut r = k + 1;
        while r < n && w[r].0 == b {
            r += 1;
        }
        if b.is_ascii_lowercase() && r - k >= 3 {
            let end = w[k..r].iter().map(|x| x.1[1]).max().unwrap_or(first[1]);
            out.push_byte(b, [first[0], end]);
        } else {
            for &(c, oo) in &w[k..r] {
                out.push_byte(c, oo);
            }
        }
        k = r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalise(s).text
    }

    #[test]
    fn ascii_basics() {
        assert_eq!(n("  Hello   WORLD\n"), "hello world ");
        assert_eq!(n("Don't tell"), "dont tell");
        assert_eq!(n("I'm 13"), "im 13");
        assert_eq!(n("i'm 5'8"), "im 5'8");
    }

    #[test]
    fn leetspeak_but_not_ages() {
        assert_eq!(n("s3nd p1c"), "send pic");
        assert_eq!(n("h0w 0ld r u"), "how old r u");
        assert_eq!(n("4ever 7yo"), "4ever 7yo");
        assert_eq!(n("sn@p me"), "snap me");
        assert_eq!(n("$end pic5"), "send pics");
        assert_eq!(n("im 13"), "im 13");
        assert_eq!(n("13yo f13 im13 age14"), "13yo f13 im13 age14");
        assert_eq!(n("call 555-1234"), "call 555-1234");
        assert_eq!(n("me@yahoo.com"), "me@yahoo.com");
        assert_eq!(n("@snapname"), "@snapname");
    }

    #[test]
    fn spaced_and_repeated() {
        assert_eq!(n("add me on s n a p"), "add me on snap");
        assert_eq!(n("s.n.a.p"), "snap");
        assert_eq!(n("r u a girl"), "r u a girl");
        assert_eq!(n("i l o v e u"), "i love u");
        assert_eq!(n("how o l d r u"), "how old r u");
        assert_eq!(n("send a p i c"), "send a pic");
        assert_eq!(n("k i k"), "kik");
        assert_eq!(n("a n y o n e"), "anyone");
        assert_eq!(n("x y z w"), "xyzw");
        assert_eq!(n("snaaap"), "snap");
        assert_eq!(n("meeeet"), "met");
        assert_eq!(n("meet"), "meet");
        assert_eq!(n("1000"), "1000");
    }

    #[test]
    fn unicode_obfuscation() {
        assert_eq!(n("ѕnар"), "snap"); // Cyrillic
        assert_eq!(n("ｓｎａｐ"), "snap"); // fullwidth
        assert_eq!(n("𝐬𝐧𝐚𝐩"), "snap"); // maths bold
        assert_eq!(n("ⓢⓝⓐⓟ"), "snap"); // circled
        assert_eq!(n("🇸🇳🇦🇵"), "snap"); // regional indicators
        assert_eq!(n("s\u{200B}n\u{200D}a\u{FEFF}p"), "snap");
        assert_eq!(n("sñäp"), "snap");
        assert_eq!(n("don\u{2019}t"), "dont");
        assert_eq!(n("hi 😀"), "hi 😀");
    }

    #[test]
    fn offsets_map_back() {
        let original = "ＳＮＡＡＡＰ me";
        let norm = normalise(original);
        assert_eq!(norm.text, "snap me");
        let span = norm.to_original(0..4);
        assert_eq!(&original[span.start..span.end], "ＳＮＡＡＡＰ");
        let span = norm.to_original(5..7);
        assert_eq!(&original[span.start..span.end], "me");
        let original = "s n a p";
        let norm = normalise(original);
        let span = norm.to_original(0..4);
        assert_eq!(&original[span.start..span.end], "s n a p");
        // Clamped, never panics.
        let span = norm.to_original(3..100);
        assert!(span.end <= original.len());
        #[allow(clippy::reversed_empty_ranges)]
        let e = norm.to_original(9..2);
        assert_eq!(e.start, e.end);
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long = "a".repeat(100_000);
        let cases = [
            "",
            " ",
            "\u{0}",
            "\u{301}\u{301}\u{301}",
            "z\u{301}\u{302}\u{303}\u{304}",
            "\u{FEFF}\u{200B}",
            "🏳️‍🌈👨‍👩‍👧",
            "ﷺ ﷽ ﬃ",
            "İstanbul ǅ ß ẞ",
            "\u{10FFFF}\u{E0001}",
            "1@$5 @ $ 1 3 5 a b c",
            long.as_str(),
        ];
        for c in cases {
            let norm = normalise(c);
            assert_eq!(norm.origin.len(), norm.text.len());
            for k in 0..norm.text.len() {
                let s = norm.to_original(k..k + 1);
                assert!(s.start <= s.end && s.end <= c.len());
                assert!(c.is_char_boundary(s.start) && c.is_char_boundary(s.end));
            }
        }
    }
}
