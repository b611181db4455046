//! The transparency report: child-safety reports by category and by source,
//! actions by type, referrals, time to first view and to action (median and
//! 90th percentile), the share of automated flags that moderators upheld, and
//! known-image matches by bank; rendered as JSON, CSV or a self-contained HTML
//! page with inline SVG charts.
//!
//! Definitions (each figure is recomputed from raw records by the reconciliation
//! test):
//! - a *report* is a case opened in `[from, to)`; its category is its most
//!   severe one; its source is what opened it;
//! - *actions* are moderator actions taken in `[from, to)`, any case;
//! - *referrals* are referral records made in `[from, to)`;
//! - *time to first view / action*: for reports that have one, minutes from the
//!   case opening; the median is the middle value (mean of the two middle values
//!   for an even count); the 90th percentile is the nearest-rank value
//!   (the ⌈0.9·n⌉-th smallest);
//! - *automated flags upheld*: among reports from automated detection with a
//!   decision, those with an enforcement action (warn, restrict, suspend, ban,
//!   refer) versus those only dismissed;
//! - *known-image matches*: bank matches in the evidence of reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Error;

/// What opened a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Lifeguard's detectors (messages, contact patterns, hash matches).
    AutomatedDetection,
    /// A user's report.
    UserReport,
    /// A report by an account configured as a trusted flagger.
    TrustedFlagger,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 3] = [
        Source::AutomatedDetection,
        Source::UserReport,
        Source::TrustedFlagger,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::AutomatedDetection => "automated_detection",
            Source::UserReport => "user_report",
            Source::TrustedFlagger => "trusted_flagger",
        }
    }
}

/// Actions that enforce (uphold a flag).
pub const ENFORCEMENT_ACTIONS: [&str; 5] = [
    "warn",
    "restrict_contact_with_minors",
    "suspend",
    "ban",
    "refer_to_law_enforcement",
];

/// A case, as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    /// Id.
    pub id: String,
    /// Most severe category (wire name).
    pub category: String,
    /// What opened it.
    pub source: Source,
    /// Opened.
    pub opened_at: DateTime<Utc>,
    /// First opened by a moderator.
    pub first_viewed_at: Option<DateTime<Utc>>,
    /// First moderator action.
    pub first_action_at: Option<DateTime<Utc>>,
    /// The bank of each known-image match in its evidence.
    pub bank_matches: Vec<String>,
}

/// A moderator action.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionFacts {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// Wire name.
    pub action: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A referral.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralFacts {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: String,
    /// Status (`created`, `submitted`...).
    pub status: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything the report is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// Cases opened in the period.
    pub cases: Vec<CaseFacts>,
    /// Actions in the period and every action on the period's cases.
    pub actions: Vec<ActionFacts>,
    /// Every referral (filtered by time here).
    pub referrals: Vec<ReferralFacts>,
}

/// Median and 90th percentile of a set of durations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Reports measured.
    pub count: u64,
    /// Reports still without one.
    pub pending: u64,
    /// Median, minutes.
    pub median_minutes: Option<f64>,
    /// 90th percentile (nearest rank), minutes.
    pub p90_minutes: Option<f64>,
}

/// Automated flags and what moderators decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upheld {
    /// Automated reports with a decision.
    pub decided: u64,
    /// With an enforcement action.
    pub upheld: u64,
    /// Only dismissed.
    pub dismissed: u64,
    /// `upheld / decided`.
    pub share_upheld: Option<f64>,
}

/// The transparency report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransparencyReport {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
    /// Reports in the period.
    pub reports: u64,
    /// Reports by category.
    pub reports_by_category: BTreeMap<String, u64>,
    /// Reports by source.
    pub reports_by_source: BTreeMap<String, u64>,
    /// Actions by type.
    pub actions_by_type: BTreeMap<String, u64>,
    /// Referrals made.
    pub referrals: u64,
    /// Referrals by status.
    pub referrals_by_status: BTreeMap<String, u64>,
    /// Time from report to first moderator view.
    pub time_to_first_view: Timing,
    /// Time from report to first action.
    pub time_to_action: Timing,
    /// Automated flags upheld.
    pub automated_flags: Upheld,
    /// Known-image matches by bank.
    pub known_image_matches_by_bank: BTreeMap<String, u64>,
}

fn within(t: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    t >= from && t < to
}

/// Median (mean of the two middle values for an even count) of sorted values.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Nearest-rank percentile (`p` in (0, 1]) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

fn timing(cases: &[CaseFacts], pick: impl Fn(&CaseFacts) -> Option<DateTime<Utc>>) -> Timing {
    let mut minutes: Vec<f64> = cases
        .iter()
        .filter_map(|c| pick(c).map(|t| (t - c.opened_at).num_seconds().max(0) as f64 / 60.0))
        .collect();
    minutes.sort_by(f64::total_cmp);
    Timing {
        count: minutes.len() as u64,
        pending: (cases.len() - minutes.len()) as u64,
        median_minutes: median(&minutes),
        p90_minutes: percentile(&minutes, 0.9),
    }
}

/// Computes the report.
pub fn compute(input: &Input) -> Result<TransparencyReport, Error> {
    if input.to <= input.from {
        return Err(Error::Invalid(
            "the period's end must be after its start".into(),
        ));
    }
    let (from, to) = (input.from, input.to);
    let cases: Vec<&CaseFacts> = input
        .cases
        .iter()
        .filter(|c| within(c.opened_at, from, to))
        .collect();
    let owned: Vec<CaseFacts> = cases.iter().map(|c| (*c).clone()).collect();
    let mut by_category = BTreeMap::new();
    let mut by_source: BTreeMap<String, u64> = Source::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let mut banks = BTreeMap::new();
    for c in &cases {
        *by_category.entry(c.category.clone()).or_insert(0) += 1;
        *by_source.entry(c.source.as_str().to_owned()).or_insert(0) += 1;
        for b in &c.bank_matches {
            *banks.entry(b.clone()).or_insert(0) += 1;
        }
    }
    let mut actions_by_type = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for a in &input.actions {
        if within(a.at, from, to) && seen.insert(a.id) {
            *actions_by_type.entry(a.action.clone()).or_insert(0) += 1;
        }
    }
    let mut referrals_by_status = BTreeMap::new();
    let mut referrals = 0;
    for r in &input.referrals {
        if within(r.at, from, to) {
            referrals += 1;
            *referrals_by_status.entry(r.status.clone()).or_insert(0) += 1;
        }
    }
    let mut by_case: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for a in &input.actions {
        by_case
            .entry(a.case_id.as_str())
            .or_default()
            .push(a.action.as_str());
    }
    let (mut upheld, mut dismissed) = (0, 0);
    for c in cases
        .iter()
        .filter(|c| c.source == Source::AutomatedDetection)
    {
        let acts = by_case.get(c.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        if acts.iter().any(|a| ENFORCEMENT_ACTIONS.contains(a)) {
            upheld += 1;
        } else if acts.contains(&"dismiss") {
            dismissed += 1;
        }
    }
    let decided = upheld + dismissed;
    Ok(TransparencyReport {
        from,
        to,
        reports: cases.len() as u64,
        reports_by_category: by_category,
        reports_by_source: by_source,
        actions_by_type,
        referrals,
        referrals_by_status,
        time_to_first_view: timing(&owned, |c| c.first_viewed_at),
        time_to_action: timing(&owned, |c| c.first_action_at),
        automated_flags: Upheld {
            decided,
            upheld,
            dismissed,
            share_upheld: (decided > 0).then(|| upheld as f64 / decided as f64),
        },
        known_image_matches_by_bank: banks,
    })
}

/// The report as pretty JSON.
pub fn to_json(r: &TransparencyReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

fn num(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// The report as CSV: `section,key,value`, one figure a row.
pub fn to_csv(r: &TransparencyReport) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Invalid(e.to_string());
    let mut row = |s: &str, k: &str, v: String| w.write_record([s, k, &v]).map_err(err);
    row("section", "key", "value".into())?;
    row("period", "from", r.from.to_rfc3339())?;
    row("period", "to", r.to.to_rfc3339())?;
    row("reports", "total", r.reports.to_string())?;
    for (k, v) in &r.reports_by_category {
        row("reports_by_category", k, v.to_string())?;
    }
    for (k, v) in &r.reports_by_source {
        row("reports_by_source", k, v.to_string())?;
    }
    for (k, v) in &r.actions_by_type {
        row("actions_by_type", k, v.to_string())?;
    }
    row("referrals", "total", r.referrals.to_string())?;
    for (k, v) in &r.referrals_by_status {
        row("referrals_by_status", k, v.to_string())?;
    }
    for (name, t) in [
        ("time_to_first_view", &r.time_to_first_view),
        ("time_to_action", &r.time_to_action),
    ] {
        row(name, "count", t.count.to_string())?;
        row(name, "pending", t.pending.to_string())?;
        row(name, "median_minutes", num(t.median_minutes))?;
        row(name, "p90_minutes", num(t.p90_minutes))?;
    }
    let u = &r.automated_flags;
    row("automated_flags", "decided", u.decided.to_string())?;
    row("automated_flags", "upheld", u.upheld.to_string())?;
    row("automated_flags", "dismissed", u.dismissed.to_string())?;
    row("automated_flags", "share_upheld", num(u.share_upheld))?;
    for (k, v) in &r.known_image_matches_by_bank {
        row("known_image_matches_by_bank", k, v.to_string())?;
    }
    w.into_inner().map_err(|e| Error::Invalid(e.to_string()))
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn label(key: &str) -> String {
    let s = key.replace('_', " ");
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A horizontal bar chart as inline SVG (no scripts, no external assets).
fn bar_chart(title: &str, data: &BTreeMap<String, u64>, humanise: bool) -> String {
    let max = data.values().copied().max().unwrap_or(0).max(1);
    let (bar_h, gap, label_w, chart_w) = (22, 8, 220, 360);
    let height = (data.len().max(1) * (bar_h + gap) + 10) as u32;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        esc(title),
        esc(title),
        label_w + chart_w + 60,
        label_w + chart_w + 60
    );
    if data.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"18\" class=\"none\">None in this period</text>"
        );
    }
    for (i, (k, v)) in data.iter().enumerate() {
        let k = if humanise { label(k) } else { k.clone() };
        let y = i * (bar_h + gap) + 4;
        let w = (*v as f64 / max as f64 * chart_w as f64).round() as u64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{bar_h}\" rx=\"3\"><title>{}: {v}</title></rect><text x=\"{}\" y=\"{}\">{v}</text>",
            label_w - 8,
            y + 16,
            esc(&k),
            esc(&k),
            label_w as u64 + w + 6,
            y + 16
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn minutes(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(m) if m < 120.0 => format!("{m:.0} min"),
        Some(m) => format!("{:.1} h", m / 60.0),
    }
}

/// A self-contained HTML page (inline CSS and SVG, no scripts), fit to publish.
pub fn to_html(r: &TransparencyReport, platform: &str) -> String {
    let mut h = String::new();
    let period = format!(
        "{} to {}",
        r.from.format("%-d %B %Y"),
        (r.to - chrono::Duration::seconds(1)).format("%-d %B %Y")
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{p}: child safety transparency report, {period}</title><style>\
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:920px;margin:2rem auto;padding:0 1rem;color:#1b1f23;line-height:1.5}}\
h1{{font-size:1.6rem}}h2{{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}}\
table{{border-collapse:collapse;margin:.5rem 0}}td,th{{padding:.3rem .8rem;border-bottom:1px solid #eaeef2;text-align:left}}td.n{{text-align:right;font-variant-numeric:tabular-nums}}\
figure{{margin:1rem 0}}figcaption{{font-weight:600;margin-bottom:.3rem}}svg text{{font-size:13px;fill:#1b1f23}}svg rect{{fill:#2f6f9f}}\
.note{{color:#57606a;font-size:.9rem}}.big{{font-size:1.4rem;font-weight:600}}</style></head><body>\n",
        p = esc(platform),
    );
    let _ = writeln!(
        h,
        "<h1>{}: child safety transparency report</h1><p>Period: <strong>{}</strong> (UTC). Generated by Lifeguard from the platform's case and moderation records.</p>",
        esc(platform),
        esc(&period)
    );
    let u = &r.automated_flags;
    let _ = writeln!(
        h,
        "<h2>Summary</h2><table><tr><th>Child-safety reports</th><td class=\"n big\">{}</td></tr><tr><th>Moderator actions</th><td class=\"n\">{}</td></tr><tr><th>Referrals to law enforcement</th><td class=\"n\">{}</td></tr><tr><th>Automated flags upheld by moderators</th><td class=\"n\">{}</td></tr></table>",
        r.reports,
        r.actions_by_type.values().sum::<u64>(),
        r.referrals,
        match u.share_upheld {
            Some(s) => format!("{:.0}% ({} of {})", s * 100.0, u.upheld, u.decided),
            None => "no decisions yet".into(),
        }
    );
    h.push_str("<h2>Reports</h2>");
    h.push_str(&bar_chart(
        "Reports by category",
        &r.reports_by_category,
        true,
    ));
    h.push_str(&bar_chart("Reports by source", &r.reports_by_source, true));
    h.push_str("<h2>Actions</h2>");
    h.push_str(&bar_chart("Actions by type", &r.actions_by_type, true));
    if !r.referrals_by_status.is_empty() {
        h.push_str(&bar_chart(
            "Referrals by status",
            &r.referrals_by_status,
            true,
        ));
    }
    let _ = writeln!(
        h,
        "<h2>Response times</h2><table><tr><th></th><th>Reports measured</th><th>Still waiting</th><th>Median</th><th>90th percentile</th></tr>\
<tr><th>Time to first view</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\
<tr><th>Time to action</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table>",
        r.time_to_first_view.count,
        r.time_to_first_view.pending,
        minutes(r.time_to_first_view.median_minutes),
        minutes(r.time_to_first_view.p90_minutes),
        r.time_to_action.count,
        r.time_to_action.pending,
        minutes(r.time_to_action.median_minutes),
        minutes(r.time_to_action.p90_minutes),
    );
    h.push_str("<h2>Known-image matches</h2>");
    h.push_str(&bar_chart(
        "Matches by hash bank",
        &r.known_image_matches_by_bank,
        false,
    ));
    h.push_str("<h2>How these figures are counted</h2><p class=\"note\">A report is a case opened in the period, counted once under its most severe category and under what opened it (automated detection, a user's report, or a trusted flagger's notice). Actions are moderator actions taken in the period. Times run from the case opening; the median is the middle value and the 90th percentile the nearest-rank value. An automated flag is upheld when moderators took an enforcement action (warn, restrict contact with minors, suspend, ban, refer) and not upheld when they only dismissed it. No personal data is included.</p>\n</body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_follow_their_definitions() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5.0]), Some(5.0));
        assert_eq!(median(&[1.0, 2.0, 10.0, 20.0]), Some(6.0));
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&v[..3], 0.9), Some(3.0));
        assert_eq!(percentile(&v[..1], 0.9), Some(1.0));
    }

    #[test]
    fn html_escapes_and_carries_its_charts_inline() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let input = Input {
            from: t("2026-11-01T00:00:00Z"),
            to: t("2026-12-01T00:00:00Z"),
            cases: vec![CaseFacts {
                id: "c1".into(),
                category: "known_image".into(),
                source: Source::AutomatedDetection,
                opened_at: t("2026-11-02T00:00:00Z"),
                first_viewed_at: None,
                first_action_at: None,
                bank_matches: vec!["<script>bank".into()],
            }],
            actions: vec![],
            referrals: vec![],
        };
        let r = compute(&input).unwrap();
        let html = to_html(&r, "Chat & Co");
        assert!(html.contains("Chat &amp; Co"));
        assert!(html.contains("&lt;script&gt;bank"));
        assert!(!html.contains("<script"));
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(!html.contains("http://") || html.matches("http://").count() == 4);
        let bad = Input {
            to: input.from,
            ..input
        };
        assert!(compute(&bad).is_err());
    }
}
