//! Matching the manifest against the banks and writing `files.csv`,
//! `matches.csv`, `report.json` and `report.html`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

// CSV fields are spreadsheet-safe (formulas defused), as in the console's audit CSV.
use lifeguard_core::csv_field as field;
use lifeguard_media::{HashType, Matcher, Pdq};

use crate::model::{FileEntry, MatchCount, MatchInfo, MatchRow, Report};

/// Matches of one entry: at most one per bank, exact (SHA-256, SHA-1, MD5,
/// in that order) before PDQ, and the nearest PDQ entry otherwise.
pub(crate) fn matches_of(m: &Matcher, e: &FileEntry) -> Vec<MatchInfo> {
    let mut by_bank: BTreeMap<String, MatchInfo> = BTreeMap::new();
    for (t, h) in [
        (HashType::Sha256, &e.sha256),
        (HashType::Sha1, &e.sha1),
        (HashType::Md5, &e.md5),
    ] {
        for hit in m.match_exact(t, h) {
            by_bank.entry(hit.bank.clone()).or_insert(MatchInfo {
                kind: "exact".into(),
                bank: hit.bank,
                label: hit.label,
                distance: 0,
                hash_type: t.name().into(),
                hash: hit.hash,
            });
        }
    }
    if let Some(p) = e.pdq.as_deref().and_then(|p| p.parse::<Pdq>().ok()) {
        for hit in m.match_pdq(&p) {
            by_bank.entry(hit.bank.clone()).or_insert(MatchInfo {
                kind: "pdq".into(),
                bank: hit.bank,
                label: hit.label,
                distance: hit.distance,
                hash_type: "pdq".into(),
                hash: hit.hash,
            });
        }
    }
    by_bank.into_values().collect()
}

/// Every match row, in manifest order.
pub(crate) fn match_rows(m: &Matcher, entries: &[FileEntry]) -> Vec<MatchRow> {
    let mut rows = Vec::new();
    for e in entries {
        for matched in matches_of(m, e) {
            rows.push(MatchRow {
                path: e.path.clone(),
                size: e.size,
                sha256: e.sha256.clone(),
                md5: e.md5.clone(),
                pdq: e.pdq.clone(),
                matched,
            });
        }
    }
    rows
}

pub(crate) fn counts(rows: &[MatchRow]) -> Vec<MatchCount> {
    let mut by: BTreeMap<(String, String), MatchCount> = BTreeMap::new();
    for r in rows {
        let c = by
            .entry((r.matched.bank.clone(), r.matched.label.clone()))
            .or_insert_with(|| MatchCount {
                bank: r.matched.bank.clone(),
                label: r.matched.label.clone(),
                exact: 0,
                pdq: 0,
            });
        if r.matched.kind == "exact" {
            c.exact += 1;
        } else {
            c.pdq += 1;
        }
    }
    by.into_values().collect()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(T::to_string).unwrap_or_default()
}

/// `files.csv`: the evidence manifest, one row per file and archive member.
pub(crate) fn files_csv(entries: &[FileEntry]) -> String {
    let mut s = String::from("path,size,mtime,kind,md5,sha1,sha256,pdq,pdq_quality,width,height\n");
    for e in entries {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{}",
            field(&e.path),
            e.size,
            field(&opt(&e.mtime)),
            field(&e.kind),
            e.md5,
            e.sha1,
            e.sha256,
            field(&opt(&e.pdq)),
            opt(&e.quality),
            opt(&e.width),
            opt(&e.height)
        );
    }
    s
}

/// `matches.csv`: one row per file and bank matched.
pub(crate) fn matches_csv(rows: &[MatchRow]) -> String {
    let mut s = String::from("path,size,sha256,md5,pdq,kind,bank,label,distance,hash_type,hash\n");
    for r in rows {
        let m = &r.matched;
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{}",
            field(&r.path),
            r.size,
            r.sha256,
            r.md5,
            field(&opt(&r.pdq)),
            field(&m.kind),
            field(&m.bank),
            field(&m.label),
            m.distance,
            field(&m.hash_type),
            field(&m.hash)
        );
    }
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `report.html`: one self-contained page (inline CSS, no script, no
/// external resource). No image is shown unless `thumbnails` holds some
/// (keyed by path), which only `--thumbnails` produces.
pub(crate) fn html(r: &Report, thumbnails: &BTreeMap<String, String>) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Lifeguard scan report</title><style>\
body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}}\
table{{border-collapse:collapse;margin:0.5em 0 1.5em}}\
th,td{{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}}\
th{{background:#f0f0f0}} td.n{{text-align:right}} code{{font-size:12px;word-break:break-all}}\
.note{{color:#555}}</style></head><body><h1>Lifeguard scan report</h1>"
    );
    let _ = write!(
        h,
        "<p class=\"note\">Evidence opened {}; nothing was written under the evidence paths. \
Access times: {}. {} image is shown in this report.</p>",
        esc(&r.evidence_access),
        esc(&r.access_times.note),
        if thumbnails.is_empty() {
            "No"
        } else {
            "Only thumbnails of matched images are shown; no other"
        }
    );
    let _ = write!(h, "<h2>Summary</h2><table>");
    let paths = r
        .paths
        .iter()
        .map(|p| esc(p))
        .collect::<Vec<_>>()
        .join("<br>");
    let rows: [(&str, String); 14] = [
        ("Tool version", esc(&r.tool_version)),
        ("Started", esc(&r.started)),
        ("Finished", esc(&r.finished)),
        ("Evidence paths", paths),
        (
            "Files scanned (on disk and in archives)",
            r.files_scanned.to_string(),
        ),
        ("Files on disk", r.files_on_disk.to_string()),
        ("Archive members", r.archive_members.to_string()),
        ("Bytes on disk", r.bytes.to_string()),
        ("Images PDQ-hashed", r.images.to_string()),
        (
            "Files resumed from an earlier run",
            r.resumed_files.to_string(),
        ),
        ("Matches", r.matches.len().to_string()),
        ("Errors", r.errors.len().to_string()),
        (
            "Links and special files not read",
            r.skipped.len().to_string(),
        ),
        (
            "Manifest (files.csv) SHA-256",
            format!("<code>{}</code>", esc(&r.manifest_sha256)),
        ),
    ];
    for (k, v) in rows {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(k), v);
    }
    h.push_str(
        "</table><h2>Banks</h2><table><tr><th>bank</th><th>label</th><th>PDQ threshold</th></tr>",
    );
    for b in &r.banks {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&b.name),
            esc(&b.label),
            b.pdq_threshold
        );
    }
    h.push_str("</table><h2>Matches by bank and label</h2><table><tr><th>bank</th><th>label</th><th>exact</th><th>PDQ</th></tr>");
    for c in &r.matches_by_bank {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&c.bank),
            esc(&c.label),
            c.exact,
            c.pdq
        );
    }
    h.push_str("</table><h2>Matches</h2><table><tr>");
    if !thumbnails.is_empty() {
        h.push_str("<th>thumbnail</th>");
    }
    h.push_str("<th>path</th><th>size</th><th>kind</th><th>bank</th><th>label</th><th>distance</th><th>SHA-256</th></tr>");
    for m in &r.matches {
        h.push_str("<tr>");
        if !thumbnails.is_empty() {
            match thumbnails.get(&m.path) {
                Some(t) => {
                    let _ = write!(
                        h,
                        "<td><img alt=\"thumbnail\" src=\"data:image/jpeg;base64,{}\"></td>",
                        esc(t)
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        let _ = write!(
            h,
            "<td><code>{}</code></td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td><code>{}</code></td></tr>",
            esc(&m.path),
            m.size,
            esc(&m.matched.kind),
            esc(&m.matched.bank),
            esc(&m.matched.label),
            m.matched.distance,
            esc(&m.sha256)
        );
    }
    h.push_str("</table><h2>Errors</h2><table><tr><th>path</th><th>reason</th></tr>");
    for e in &r.errors {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(&e.path),
            esc(&e.reason)
        );
    }
    h.push_str("</table><h2>Not read</h2><table><tr><th>path</th><th>reason</th></tr>");
    for e in &r.skipped {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(&e.path),
            esc(&e.reason)
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_with_an_equals_sign_inside_is_left_alone() {
        // The shared rule (lifeguard_core::csv_field) looks at the start only.
        assert_eq!(field("/ev/=x.jpg"), "/ev/=x.jpg");
    }

    #[test]
    fn manifest_and_matches_csv_defuse_formulas() {
        let e = FileEntry {
            path: "=HYPERLINK(\"http://x\")".into(),
            size: 3,
            mtime: Some("-0001-01-01T00:00:00Z".into()),
            kind: "data".into(),
            md5: "m".into(),
            sha1: "s1".into(),
            sha256: "s256".into(),
            pdq: None,
            quality: None,
            width: None,
            height: None,
            thumbnail: None,
        };
        let csv = files_csv(std::slice::from_ref(&e));
        let row = csv.lines().nth(1).unwrap();
        assert!(
            row.starts_with("\"'=HYPERLINK(\"\"http://x\"\")\",3,'-0001-01-01T00:00:00Z,data,"),
            "{row}"
        );
        let rows = vec![MatchRow {
            path: "+cmd|' /C calc'!A0".into(),
            size: 3,
            sha256: "s256".into(),
            md5: "m".into(),
            pdq: None,
            matched: MatchInfo {
                kind: "exact".into(),
                bank: "@bank".into(),
                label: "-label".into(),
                distance: 0,
                hash_type: "sha256".into(),
                hash: "s256".into(),
            },
        }];
        let csv = matches_csv(&rows);
        assert_eq!(
            csv.lines().nth(1).unwrap(),
            "'+cmd|' /C calc'!A0,3,s256,m,,exact,'@bank,'-label,0,sha256,s256"
        );
    }

    #[test]
    fn html_escapes_paths() {
        assert_eq!(esc("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
    }
}
