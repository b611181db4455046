//! Hash-bank file formats (pure parsers and a writer).
//!
//! Two inputs are read:
//!
//! - **Lifeguard CSV**: `hash_type,hash,bank,label`, one hash per row;
//!   `hash_type` is `pdq`, `md5`, `sha1` or `sha256` (any case); `bank` and
//!   `label` may be empty (the importer then supplies them); a header row
//!   starting with `hash_type` is optional; fields may be double-quoted
//!   (RFC 4180, `""` for a quote inside); blank lines and lines starting
//!   with `#` are skipped. This is also what [`write_bank_csv`] writes.
//! - **PDQ lists** as Meta's tools exchange them: the reference
//!   `pdq-photo-hasher` output, `hash,quality,filename` (more columns are
//!   ignored, a header whose first field is not hex is skipped), bare hashes
//!   one per line, and python-threatexchange's signal files
//!   (`LocalFileSignalExchangeAPI`: `signal_type signal` per line, e.g.
//!   `pdq 58f8...`; rows of other signal types are an error, not skipped).
//!
//! Errors name the 1-based line and what is wrong with it.

use crate::Pdq;
use std::fmt;

/// The kinds of hash a bank holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashType {
    /// Meta's PDQ, 64 hex digits; matched within a Hamming threshold.
    Pdq,
    /// MD5 of the file, 32 hex digits; matched exactly.
    Md5,
    /// SHA-1 of the file, 40 hex digits; matched exactly.
    Sha1,
    /// SHA-256 of the file, 64 hex digits; matched exactly.
    Sha256,
}

impl HashType {
    /// All types, in CSV order of preference.
    pub const ALL: [HashType; 4] = [
        HashType::Pdq,
        HashType::Md5,
        HashType::Sha1,
        HashType::Sha256,
    ];

    /// The lower-case name used in files and JSON.
    pub fn name(self) -> &'static str {
        match self {
            HashType::Pdq => "pdq",
            HashType::Md5 => "md5",
            HashType::Sha1 => "sha1",
            HashType::Sha256 => "sha256",
        }
    }

    /// Parses a name, any case (`sha-256` and `sha-1` accepted too).
    pub fn from_name(s: &str) -> Option<HashType> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdq" => Some(HashType::Pdq),
            "md5" => Some(HashType::Md5),
            "sha1" | "sha-1" => Some(HashType::Sha1),
            "sha256" | "sha-256" => Some(HashType::Sha256),
            _ => None,
        }
    }

    /// Number of hex digits a hash of this type has.
    pub fn hex_len(self) -> usize {
        match self {
            HashType::Pdq | HashType::Sha256 => 64,
            HashType::Md5 => 32,
            HashType::Sha1 => 40,
        }
    }

    /// Checks and normalises (lower-case) a hex hash of this type.
    pub fn normalise(self, hash: &str) -> Result<String, String> {
        let h = hash.trim();
        if h.len() != self.hex_len() {
            return Err(format!(
                "{} hash must be {} hex digits, got {}",
                self.name(),
                self.hex_len(),
                h.len()
            ));
        }
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{} hash contains a non-hex character", self.name()));
        }
        Ok(h.to_ascii_lowercase())
    }
}

impl fmt::Display for HashType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of a bank file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankRow {
    /// What kind of hash.
    pub hash_type: HashType,
    /// Lower-case hex.
    pub hash: String,
    /// The bank the row names, if any.
    pub bank: Option<String>,
    /// The row's label or category, if any.
    pub label: Option<String>,
    /// PDQ quality, when the file gives one (PDQ lists only).
    pub quality: Option<u8>,
}

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BankParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Which bank-file format to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BankFormat {
    /// Decide from the first data line: a first field naming a hash type,
    /// or a `hash_type` header, means Lifeguard CSV; else a PDQ list.
    #[default]
    Auto,
    /// `hash_type,hash,bank,label`.
    Csv,
    /// PDQ lists (reference hasher output, bare hashes, threatexchange
    /// signal files).
    PdqList,
}

/// Reads a bank file in `format`.
pub fn parse_bank_file(text: &str, format: BankFormat) -> Result<Vec<BankRow>, BankParseError> {
    let format = match format {
        BankFormat::Auto => detect(text),
        f => f,
    };
    match format {
        BankFormat::PdqList => parse_pdq_list(text),
        _ => parse_bank_csv(text),
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}').trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn detect(text: &str) -> BankFormat {
    match data_lines(text).next() {
        Some((_, l)) => {
            let first = l.split([',', ' ', '\t']).next().unwrap_or("");
            let is_type = HashType::from_name(first).is_some();
            if first.eq_ignore_ascii_case("hash_type") || (is_type && l.contains(',')) {
                BankFormat::Csv
            } else {
                BankFormat::PdqList
            }
        }
        None => BankFormat::Csv,
    }
}

/// Splits one CSV record (RFC 4180 quoting; no newlines inside fields).
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
            was_quoted = false;
        } else if c == '"' && cur.trim().is_empty() && !was_quoted {
            cur.clear();
            quoted = true;
            was_quoted = true;
        } else if was_quoted && !c.is_whitespace() {
            return Err("text after a closing quote".into());
        } else {
            cur.push(c);
        }
    }
    if quoted {
        return Err("unterminated quoted field".into());
    }
    fields.push(cur);
    Ok(fields)
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// Reads Lifeguard CSV (`hash_type,hash,bank,label`).
pub fn parse_bank_csv(text: &str) -> Result<Vec<BankRow>, BankParseError> {
    let mut rows = Vec::new();
    for (n, (line_no, line)) in data_lines(text).enumerate() {
        let err = |message: String| BankParseError {
            line: line_no,
            message,
        };
        let fields = split_csv(line).map_err(err)?;
        if n == 0 && fields[0].trim().eq_ignore_ascii_case("hash_type") {
            continue;
        }
        if fields.len() < 2 {
            return Err(err(
                "expected hash_type,hash[,bank[,label]]: only one field".into(),
            ));
        }
        if fields.len() > 4 {
            return Err(err(format!(
                "expected at most 4 fields (hash_type,hash,bank,label), got {} (quote a label that contains commas)",
                fields.len()
            )));
        }
        let hash_type = HashType::from_name(&fields[0]).ok_or_else(|| {
            err(format!(
                "unknown hash_type {:?} (expected pdq, md5, sha1 or sha256)",
                fields[0].trim()
            ))
        })?;
        let hash = hash_type.normalise(&fields[1]).map_err(err)?;
        rows.push(BankRow {
            hash_type,
            hash,
            bank: fields.get(2).and_then(|s| non_empty(s)),
            label: fields.get(3).and_then(|s| non_empty(s)),
            quality: None,
        });
    }
    Ok(rows)
}

/// Reads a PDQ list: `hash[,quality[,...]]` lines (reference hasher output,
/// comma- or tab-separated), or threatexchange `pdq HASH` lines.
pub fn parse_pdq_list(text: &str) -> Result<Vec<BankRow>, BankParseError> {
    let mut rows = Vec::new();
    for (n, (line_no, line)) in data_lines(text).enumerate() {
        let err = |message: String| BankParseError {
            line: line_no,
            message,
        };
        // threatexchange signal file: "signal_type signal".
        if let Some((kind, rest)) = line.split_once(' ') {
            if !line.contains(',') && !line.contains('\t') {
                let kind = kind.trim();
                let hash_type = HashType::from_name(kind).ok_or_else(|| {
                    err(format!(
                        "signal type {kind:?} is not one Lifeguard matches (pdq, md5, sha1, sha256)"
                    ))
                })?;
                let hash = hash_type.normalise(rest).map_err(err)?;
                rows.push(BankRow {
                    hash_type,
                    hash,
                    bank: None,
                    label: None,
                    quality: None,
                });
                continue;
            }
        }
        let fields: Vec<&str> = line.split([',', '\t']).map(str::trim).collect();
        let first = fields[0].trim_matches('"');
        let looks_hex = first.bytes().all(|b| b.is_ascii_hexdigit());
        if n == 0 && !looks_hex {
            continue; // a header such as "hash,quality,filename" or "pdq_hash,..."
        }
        let hash = HashType::Pdq.normalise(first).map_err(err)?;
        let quality = match fields.get(1).map(|q| q.trim_matches('"')) {
            None | Some("") => None,
            Some(q) => match q.parse::<u8>() {
                Ok(v) if v <= 100 => Some(v),
                _ => return Err(err(format!("quality must be an integer 0-100, got {q:?}"))),
            },
        };
        rows.push(BankRow {
            hash_type: HashType::Pdq,
            hash,
            bank: None,
            label: None,
            quality,
        });
    }
    Ok(rows)
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Writes rows as Lifeguard CSV with a header; [`parse_bank_csv`] reads it
/// back unchanged.
pub fn write_bank_csv<'a>(rows: impl IntoIterator<Item = &'a BankRow>) -> String {
    let mut out = String::from("hash_type,hash,bank,label\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            r.hash_type,
            r.hash,
            quote(r.bank.as_deref().unwrap_or("")),
            quote(r.label.as_deref().unwrap_or(""))
        ));
    }
    out
}

/// The PDQ hash of a row, when it is one.
impl BankRow {
    /// The row's hash as a [`Pdq`], for PDQ rows.
    pub fn pdq(&self) -> Option<Pdq> {
        (self.hash_type == HashType::Pdq)
            .then(|| Pdq::from_hex(&self.hash).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22";

    #[test]
    fn csv_with_header_quotes_and_every_type() {
        let text = format!(
            "hash_type,hash,bank,label\n\
             # a comment\n\
             PDQ,{},known,\"cat, a\"\n\
             md5,900150983cd24fb0d6963f7d28e17f72,,\n\
             sha1,a9993e364706816aba3e25717850c26c9cd0d89d\n\
             sha256,ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad,b2,\"say \"\"hi\"\"\"\n",
            P.to_uppercase()
        );
        let rows = parse_bank_csv(&text).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].hash, P);
        assert_eq!(rows[0].bank.as_deref(), Some("known"));
        assert_eq!(rows[0].label.as_deref(), Some("cat, a"));
        assert_eq!(rows[1].bank, None);
        assert_eq!(rows[2].hash_type, HashType::Sha1);
        assert_eq!(rows[3].label.as_deref(), Some("say \"hi\""));
        assert_eq!(parse_bank_file(&text, BankFormat::Auto).unwrap(), rows);
        // Round trip through the writer.
        assert_eq!(parse_bank_csv(&write_bank_csv(&rows)).unwrap(), rows);
    }

    #[test]
    fn csv_errors_name_the_line_and_the_problem() {
        let cases = [
            (
                format!("pdq,{P}\nmd4,abcd\n"),
                2,
                "unknown hash_type \"md4\"",
            ),
            (
                format!("\n\npdq,{}\n", &P[1..]),
                3,
                "pdq hash must be 64 hex digits, got 63",
            ),
            (
                "md5,900150983cd24fb0d6963f7d28e17fzz\n".into(),
                1,
                "non-hex",
            ),
            ("sha1\n".into(), 1, "only one field"),
            (format!("pdq,{P},b,l,extra\n"), 1, "at most 4 fields"),
            (format!("pdq,{P},b,\"open\n"), 1, "unterminated"),
        ];
        for (text, line, needle) in cases {
            let e = parse_bank_csv(&text).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.to_string().contains(needle), "{e} lacks {needle}");
            assert!(e.to_string().starts_with(&format!("line {line}: ")));
        }
    }

    #[test]
    fn pdq_lists_in_the_formats_meta_tools_write() {
        // Reference pdq-photo-hasher output, with a header.
        let hasher = format!("hash,quality,filename\n{P},100,/tmp/a.jpg\n{P}\t87\tb.png\n");
        let rows = parse_bank_file(&hasher, BankFormat::Auto).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].quality, rows[1].quality), (Some(100), Some(87)));
        // Bare hashes.
        assert_eq!(
            parse_bank_file(&format!("{P}\n{P}\n"), BankFormat::Auto)
                .unwrap()
                .len(),
            2
        );
        // python-threatexchange signal file.
        let te = format!("pdq {P}\nmd5 900150983cd24fb0d6963f7d28e17f72\n");
        let rows = parse_bank_file(&te, BankFormat::Auto).unwrap();
        assert_eq!(rows[1].hash_type, HashType::Md5);
        assert_eq!(rows[0].pdq().unwrap().to_hex(), P);
        // Errors.
        let e = parse_pdq_list(&format!("{P},101\n")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("quality"), "{e}");
        let e = parse_pdq_list(&format!("{P}\nvideo_md5 abc\n")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("video_md5"), "{e}");
        let e = parse_pdq_list(&format!("{P}\nxyz,1\n")).unwrap_err();
        assert_eq!(e.line, 2);
    }
}
