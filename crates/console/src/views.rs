//! HTML, rendered with `maud`: every interpolated value is escaped by the macro.
//! Pages work without JavaScript; `console.js` only adds keyboard shortcuts and
//! the click-to-reveal toggle.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use lifeguard_core::Span;
use maud::{html, Markup, DOCTYPE};

use crate::config::ConsoleConfig;
use crate::model::{ActionKind, Queue};
use crate::sla::{Report, Spread};
use crate::web::{CaseData, QueueQuery, Session};

/// Percent-encodes a path segment.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "3 d 4 h", "2 h 5 min", "40 s".
pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0) as i64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min", s / 60),
        3600..=86_399 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// "under 13", "13-15", "16-17", "adult", "unknown".
fn band(wire: &str) -> String {
    match wire {
        "under_13" => "under 13".into(),
        "13_15" => "13-15".into(),
        "16_17" => "16-17".into(),
        other => other.replace('_', " "),
    }
}

fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    duration((now - since).num_seconds() as f64)
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn layout(title: &str, session: Option<&Session>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Lifeguard console" }
                link rel="stylesheet" href="/console/static/console.css";
                script src="/console/static/console.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to main content" }
                header.top {
                    span.brand { "Lifeguard" }
                    @if let Some(s) = session {
                        nav aria-label="Console sections" {
                            ul {
                                @if s.role.works_queue() { li { a href="/console/queue" accesskey="q" { "Queue" } } }
                                li { a href="/console/sla" accesskey="s" { "SLAs" } }
                                @if s.role.reads_audit() { li { a href="/console/audit" accesskey="a" { "Audit log" } } }
                            }
                        }
                        form.logout method="post" action="/console/logout" {
                            span.who { (s.username) " · " (s.role.label()) }
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::CONFLICT => "Already taken",
        StatusCode::BAD_REQUEST => "Cannot do that",
        _ => "Error",
    };
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p.error role="alert" data-status=(status.as_u16()) { (message) }
            p { a href="/console" { "Back to the console" } }
        },
    )
}

pub(crate) fn login(nonce: &str, error: Option<&str>) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            h1 { "Sign in to the moderator console" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form.login method="post" action="/console/login" {
                input type="hidden" name="nonce" value=(nonce);
                p { label for="username" { "Username" } input id="username" name="username" type="text" autocomplete="username" required autofocus; }
                p { label for="password" { "Password" } input id="password" name="password" type="password" autocomplete="current-password" required; }
                p { button type="submit" id="sign-in" { "Sign in" } }
            }
        },
    )
}

pub(crate) struct QueuePage<'a> {
    pub session: &'a Session,
    pub query: &'a QueueQuery,
    pub stats: &'a [lifeguard_store::QueueStats],
    pub rows: &'a [lifeguard_store::QueueRow],
    pub total: u64,
    pub config: &'a ConsoleConfig,
    pub now: DateTime<Utc>,
}

const CATEGORIES: [(&str, &str); 5] = [
    ("known_image", "Known image"),
    ("sextortion", "Sextortion"),
    ("grooming", "Grooming"),
    ("suspicious_contact", "Suspicious contact"),
    ("user_report", "User report"),
];
const BANDS: [(&str, &str); 4] = [
    ("under_13", "Under 13"),
    ("13_15", "13-15"),
    ("16_17", "16-17"),
    ("unknown", "Unknown"),
];
const AGES: [(&str, &str); 4] = [
    ("under_1h", "Opened in the last hour"),
    ("under_24h", "Opened in the last 24 hours"),
    ("over_24h", "Older than 24 hours"),
    ("over_7d", "Older than 7 days"),
];

fn select(id: &str, label: &str, current: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        span.field {
            label for=(id) { (label) }
            select id=(id) name=(id) {
                option value="" selected[current.is_empty()] { "Any" }
                @for (value, text) in options {
                    option value=(value) selected[current == *value] { (text) }
                }
            }
        }
    }
}

fn queue_link(q: &QueueQuery, page: usize) -> String {
    format!(
        "/console/queue?queue={}&category={}&band={}&age={}&page={page}",
        enc(&q.queue),
        enc(&q.category),
        enc(&q.band),
        enc(&q.age)
    )
}

pub(crate) fn queue(p: &QueuePage<'_>) -> Markup {
    let queues: Vec<(&str, &str)> = Queue::ALL.iter().map(|q| (q.as_str(), q.label())).collect();
    let s = p.session;
    layout(
        "Queue",
        Some(s),
        html! {
            h1 { "Case queue" }
            section aria-labelledby="queues-h" {
                h2 id="queues-h" { "Queues" }
                table.stats {
                    caption { "Waiting cases per queue, with each queue's response-time target" }
                    thead { tr { th scope="col" { "Queue" } th scope="col" { "Pending" } th scope="col" { "Oldest" } th scope="col" { "Target" } } }
                    tbody {
                        @for q in Queue::ALL {
                            @let stat = p.stats.iter().find(|st| st.queue == q.as_str());
                            @let oldest = stat.and_then(|st| st.oldest_opened_at);
                            @let breach = oldest.is_some_and(|o| (p.now - o).num_seconds() as f64 > p.config.sla(q) * 3600.0);
                            tr.breach[breach] {
                                th scope="row" { a href=(format!("/console/queue?queue={}", q.as_str())) { (q.label()) } }
                                td.num data-queue-pending=(q.as_str()) { (stat.map_or(0, |st| st.pending)) }
                                td { @if let Some(o) = oldest { (age(o, p.now)) @if breach { " " strong.badge { "SLA breach" } } } @else { "—" } }
                                td { (duration(p.config.sla(q) * 3600.0)) }
                            }
                        }
                    }
                }
            }
            form.filters method="get" action="/console/queue" role="search" aria-label="Filter cases" {
                (select("queue", "Queue", &p.query.queue, &queues))
                (select("category", "Category", &p.query.category, &CATEGORIES))
                (select("band", "Child's age band", &p.query.band, &BANDS))
                (select("age", "Case age", &p.query.age, &AGES))
                button type="submit" { "Filter" }
                " " a href="/console/queue" { "Clear" }
            }
            h2 { (p.total) " waiting case" @if p.total != 1 { "s" } ", highest priority first" }
            p.hint { "Keys: " kbd { "j" } " / " kbd { "k" } " move between cases, " kbd { "Enter" } " opens one." }
            table.queue id="queue" {
                caption.visually-hidden { "Cases ranked by priority (risk to the child), with the reasons" }
                thead { tr {
                    th scope="col" { "#" } th scope="col" { "Priority" } th scope="col" { "Case" } th scope="col" { "Queue" }
                    th scope="col" { "Why" } th scope="col" { "Youngest child" } th scope="col" { "Age" } th scope="col" { "Claimed by" }
                } }
                tbody {
                    @for (i, r) in p.rows.iter().enumerate() {
                        @let queue = Queue::parse(&r.case.queue);
                        @let target = queue.map_or(24.0, |q| p.config.sla(q));
                        @let breach = (p.now - r.case.opened_at).num_seconds() as f64 > target * 3600.0;
                        tr.case-row.breach[breach] data-case=(r.case.case_id) {
                            td.num { (p.query.page * crate::web::QUEUE_PAGE + i + 1) }
                            td.num { strong { (format!("{:.0}", r.rank)) } }
                            td {
                                a.case-link href=(format!("/console/cases/{}", enc(&r.case.case_id))) { (r.case.case_id) }
                                br; small { "suspect " (r.case.suspect) }
                                @if r.escalated { " " strong.badge.escalated { "escalated" } }
                                @if r.reopened { " " strong.badge { "new evidence after action" } }
                            }
                            td { (queue.map_or(r.case.queue.as_str(), |q| q.label())) }
                            td { ul.reasons { @for reason in &r.case.reasons { li { (reason) } } } }
                            td { (band(&r.case.youngest_band)) }
                            td { (age(r.case.opened_at, p.now)) @if breach { " " strong.badge { "SLA breach" } } }
                            td { @if let Some(who) = &r.claimed_by { (who) } @else { "—" } }
                        }
                    }
                }
            }
            nav.pages aria-label="Queue pages" {
                @if p.query.page > 0 { a href=(queue_link(p.query, p.query.page - 1)) rel="prev" { "Previous page" } " " }
                @if ((p.query.page + 1) * crate::web::QUEUE_PAGE) < p.total as usize { a href=(queue_link(p.query, p.query.page + 1)) rel="next" { "Next page" } }
            }
        },
    )
}

/// Message text with the given byte spans marked. Spans that do not fall on
/// character boundaries are ignored rather than trusted.
pub(crate) fn highlight(text: &str, spans: &[Span]) -> Markup {
    let mut ranges: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| {
            s.start < s.end
                && s.end <= text.len()
                && text.is_char_boundary(s.start)
                && text.is_char_boundary(s.end)
        })
        .map(|s| (s.start, s.end))
        .collect();
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    // (plain text before, marked text) pairs, then the tail.
    let mut parts = Vec::new();
    let mut at = 0;
    for (a, b) in merged {
        parts.push((&text[at..a], &text[a..b]));
        at = b;
    }
    let tail = &text[at..];
    html! {
        @for (plain, marked) in parts { (plain) mark { (marked) } }
        (tail)
    }
}

fn person_age(created: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match created {
        Some(c) => format!("{} old", age(c, now)),
        None => "unknown".into(),
    }
}

pub(crate) fn case(
    s: &Session,
    d: &CaseData,
    config: &ConsoleConfig,
    done: Option<ActionKind>,
) -> Markup {
    let now = Utc::now();
    let c = &d.case;
    // Notes and action reasons on evidence queues quote the evidence: only
    // those who may read the evidence may read them.
    let private = !s.role.sees_evidence() && d.queue.needs_evidence();
    let target = config.sla(d.queue);
    let open_for = (now - c.opened_at).num_seconds() as f64;
    let breach = d.state.closed_at.is_none() && open_for > target * 3600.0;
    let claimed_by_me = d
        .state
        .claim
        .as_ref()
        .is_some_and(|(who, _)| *who == s.username);
    let can_act = s.role.acts_on(d.queue);
    let claim_stale = d
        .state
        .claim
        .as_ref()
        .is_some_and(|(_, at)| *at < now - chrono::Duration::minutes(config.claim_minutes));
    layout(
        &format!("Case {}", c.id),
        Some(s),
        html! {
            @if let Some(a) = done { p.notice role="status" { "Recorded: " (a.label()) "." } }
            h1 { "Case " (c.id) }
            section.summary aria-labelledby="summary-h" {
                h2 id="summary-h" { "Summary" }
                dl {
                    dt { "Priority" } dd { strong { (c.priority) } " — " (c.priority_reasons.join("; ")) }
                    dt { "Queue" } dd { (d.queue.label()) " (target " (duration(target * 3600.0)) ")" @if breach { " " strong.badge { "SLA breach" } } }
                    dt { "Categories" } dd { (c.categories.iter().map(crate::model::wire).collect::<Vec<_>>().join(", ").replace('_', " ")) }
                    dt { "Reasons" } dd { (c.reasons.iter().map(crate::model::wire).collect::<Vec<_>>().join(", ").replace('_', " ")) }
                    dt { "Opened" } dd { (time(c.opened_at)) " (" (age(c.opened_at, now)) " ago); last evidence " (time(c.updated_at)) }
                    dt { "Status" } dd {
                        @if let Some(at) = d.state.closed_at { "Closed " (time(at)) " by " (d.state.closed_by.as_deref().unwrap_or("?")) @if d.state.closed_evidence_at.unwrap_or(at) < c.updated_at { " — " strong { "new evidence since" } } }
                        @else { "Waiting" }
                        @if d.state.escalated { " " strong.badge.escalated { "escalated" } }
                    }
                    dt { "Claimed by" } dd {
                        @if let Some((who, at)) = &d.state.claim { (who) " since " (time(*at)) } @else { "nobody" }
                    }
                }
                @if d.state.claim.is_none() {
                    form.inline method="post" action=(format!("/console/cases/{}/claim", enc(&c.id))) {
                        input type="hidden" name="csrf" value=(s.csrf);
                        button type="submit" id="claim" { "Claim this case" }
                    }
                } @else if claimed_by_me {
                    form.inline method="post" action=(format!("/console/cases/{}/release", enc(&c.id))) {
                        input type="hidden" name="csrf" value=(s.csrf);
                        button type="submit" id="release" { "Release" }
                    }
                } @else {
                    @if can_act && claim_stale {
                        form.inline method="post" action=(format!("/console/cases/{}/claim", enc(&c.id))) {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" id="take-over" { "Take over (claim idle for over " (config.claim_minutes) " min)" }
                        }
                    }
                    @if s.role == crate::model::Role::Admin {
                        form.inline method="post" action=(format!("/console/cases/{}/release", enc(&c.id))) {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" id="force-release" { "Force release (admin)" }
                        }
                    }
                }
            }
            section aria-labelledby="people-h" {
                h2 id="people-h" { "Who is who" }
                table {
                    thead { tr { th scope="col" { "Account" } th scope="col" { "Role in case" } th scope="col" { "Age band" } th scope="col" { "Account age" } th scope="col" { "Restricted" } th scope="col" { "Other cases as suspect" } } }
                    tbody {
                        @for p in &d.people {
                            tr.suspect[p.role == "suspect"] {
                                th scope="row" { (p.account) }
                                td { (p.role) }
                                td { (band(&p.band)) }
                                td { (person_age(p.account_created, now)) }
                                td { @if p.restricted { "yes" } @else { "no" } }
                                td.num { (p.cases_as_suspect) }
                            }
                        }
                    }
                }
                @if !d.earlier_cases.is_empty() {
                    h3 { "The suspect's other cases" }
                    ul { @for e in &d.earlier_cases { li { a href=(format!("/console/cases/{}", enc(&e.case_id))) { (e.case_id) } " — " (e.queue.replace('_', " ")) ", priority " (e.priority) ", opened " (time(e.opened_at)) } } }
                }
                h3 { "The suspect's other risky conversations" }
                @if d.other_conversations.is_empty() { p { "None flagged." } }
                @else { ul { @for (conv, risk) in &d.other_conversations { li { (conv) " — risk " (format!("{risk:.2}")) } } } }
            }
            section id="evidence" aria-labelledby="evidence-h" {
                h2 id="evidence-h" { "Evidence" }
                @if !d.evidence {
                    p.restricted role="note" {
                        "Child-safety evidence (message text and media) is only for child-safety moderators and admins. "
                        a href=(format!("/console/cases/{}/evidence", enc(&c.id))) { "Request access" }
                    }
                    ul { @for conv in &d.conversations { li { "Conversation " (conv.id) " — risk " (format!("{:.2}", conv.risk)) } } }
                } @else {
                    p.hint { "Flagged messages are highlighted and labelled. Media is blurred and greyscale until you reveal it." }
                    @for conv in &d.conversations {
                        section.conversation aria-label=(format!("Conversation {}", conv.id)) {
                            h3 { "Conversation " (conv.id) " — risk " (format!("{:.2}", conv.risk)) }
                            ol.messages {
                                @for item in &conv.items {
                                    li.message.flagged[!item.flags.is_empty()].from-suspect[item.sender == c.suspect] id=(format!("ev-{}", item.event)) {
                                        div.meta { span.sender { (item.sender) } " · " time { (time(item.at)) } }
                                        @if let Some(text) = &item.text {
                                            @let spans: Vec<Span> = item.flags.iter().flat_map(|(_, s)| s.iter().copied()).collect();
                                            p.text { (highlight(text, &spans)) }
                                        }
                                        @if let Some(media) = &item.media {
                                            figure.media {
                                                img.blurred src=(format!("/console/cases/{}/media/{}", enc(&c.id), enc(&item.event))) alt=(format!("Media {media} (blurred)")) id=(format!("media-{}", item.event)) width="240" height="160";
                                                figcaption {
                                                    button type="button" class="reveal" aria-controls=(format!("media-{}", item.event)) aria-pressed="false" { "Reveal media " (media) }
                                                }
                                            }
                                        }
                                        @if !item.flags.is_empty() {
                                            ul.labels aria-label="Flagged behaviours" {
                                                @for (b, _) in &item.flags { li.label { (b.label()) } }
                                            }
                                        }
                                        @for m in &item.matches { p.match { strong { "Known-image match: " } (m) } }
                                    }
                                }
                            }
                            @if conv.truncated { p.hint { "Showing the first " (crate::web::MESSAGES_PER_CONVERSATION) " items." } }
                        }
                    }
                }
            }
            section aria-labelledby="actions-h" {
                h2 id="actions-h" { "Actions" }
                @if can_act {
                    form.action method="post" action=(format!("/console/cases/{}/action", enc(&c.id))) {
                        input type="hidden" name="csrf" value=(s.csrf);
                        p {
                            label for="action" { "Action" }
                            select id="action" name="action" required {
                                @for a in ActionKind::ALL { option value=(a.as_str()) { (a.label()) @if a.needs_reason() { " (reason required)" } } }
                            }
                        }
                        p { label for="reason" { "Reason" } textarea id="reason" name="reason" rows="2" maxlength="2000" {} }
                        p { button type="submit" id="act" { "Record action" } }
                    }
                } @else {
                    p.restricted { "Cases in the " (d.queue.label()) " queue are actioned by child-safety moderators and admins." }
                }
                @if !d.actions.is_empty() {
                    table.actions {
                        caption { "Actions taken" }
                        thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Action" } th scope="col" { "Reason" } th scope="col" { "Platform" } } }
                        tbody { @for a in &d.actions { tr {
                            td { (time(a.at)) } td { (a.username) }
                            td { (ActionKind::parse(&a.action).map_or(a.action.as_str(), |k| k.label())) }
                            td { @if private { "(child-safety moderators and admins only)" } @else { (a.reason.as_deref().unwrap_or("")) } }
                            td { (a.delivery.as_deref().unwrap_or("no webhook")) }
                        } } }
                    }
                }
            }
            section id="notes" aria-labelledby="notes-h" {
                h2 id="notes-h" { "Notes" }
                @if private {
                    // Notes and reasons on these cases quote the evidence.
                    p.restricted { (d.notes.len()) " note(s), for child-safety moderators and admins only." }
                } @else {
                    @for n in &d.notes { blockquote.note { p { (n.text) } footer { (n.username) ", " (time(n.at)) } } }
                }
                form method="post" action=(format!("/console/cases/{}/note", enc(&c.id))) {
                    input type="hidden" name="csrf" value=(s.csrf);
                    p { label for="note" { "Add a note" } textarea id="note" name="text" rows="2" maxlength="4000" required {} }
                    p { button type="submit" { "Save note" } }
                }
            }
        },
    )
}

pub(crate) fn audit(s: &Session, entries: &[lifeguard_store::AuditRecord], case: &str) -> Markup {
    layout(
        "Audit log",
        Some(s),
        html! {
            h1 { "Audit log" }
            p { "Append-only: every view of child-safety evidence, every action, claim, note and sign-in. "
                a href="/console/audit.csv" download { "Export as CSV" } }
            form method="get" action="/console/audit" role="search" {
                label for="case" { "Case" } " " input id="case" name="case" type="text" value=(case);
                " " button type="submit" { "Show" }
            }
            table.audit id="audit" {
                thead { tr { th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Role" } th scope="col" { "What" } th scope="col" { "Case" } th scope="col" { "Detail" } } }
                tbody { @for e in entries { tr {
                    td.num { (e.id) } td { (time(e.at)) } td { (e.username) } td { (e.role) } td { (e.kind) }
                    td { @if let Some(c) = &e.case_id { a href=(format!("/console/cases/{}", enc(c))) { (c) } } }
                    td { (e.detail) }
                } } }
            }
            @if let Some(last) = entries.last() {
                @if entries.len() == 500 { p { a href=(format!("/console/audit?after={}&case={}", last.id, enc(case))) { "Next page" } } }
            }
        },
    )
}

fn spread(s: &Spread) -> Markup {
    html! {
        @match (s.median, s.p90) {
            (Some(m), Some(p)) => { (duration(m)) " / " (duration(p)) " " small { "(" (s.n) ")" } },
            _ => { "—" },
        }
    }
}

pub(crate) fn sla(s: &Session, r: &Report) -> Markup {
    layout(
        "SLAs",
        Some(s),
        html! {
            h1 { "Response-time targets" }
            table.sla id="sla" {
                caption { "By queue. Times are median / 90th percentile, with the number of cases." }
                thead { tr {
                    th scope="col" { "Queue" } th scope="col" { "Target" } th scope="col" { "Pending" } th scope="col" { "Breaches" }
                    th scope="col" { "Oldest waiting" } th scope="col" { "Time to first view" } th scope="col" { "Time to action" } th scope="col" { "Acted on late" }
                } }
                tbody { @for q in &r.queues { tr.breach[q.breaches > 0] data-queue=(q.queue.as_str()) {
                    th scope="row" { (q.queue.label()) }
                    td { (duration(q.target_hours * 3600.0)) }
                    td.num { (q.pending) }
                    td.num { (q.breaches) @if q.breaches > 0 { " " strong.badge { "SLA breach" } } }
                    td { @if let Some(o) = q.oldest_s { (duration(o)) } @else { "—" } }
                    td { (spread(&q.first_view)) }
                    td { (spread(&q.first_action)) }
                    td.num { (q.late_actions) }
                } } }
            }
            table.sla {
                caption { "By category" }
                thead { tr { th scope="col" { "Category" } th scope="col" { "Pending" } th scope="col" { "Time to first view" } th scope="col" { "Time to action" } } }
                tbody { @for c in &r.categories { tr {
                    th scope="row" { (c.category.replace('_', " ")) }
                    td.num { (c.pending) } td { (spread(&c.first_view)) } td { (spread(&c.first_action)) }
                } } }
            }
        },
    )
}

/// A generated stand-in picture for a media item: Lifeguard holds hashes, not
/// the platform's images, and the console never shows real media.
pub(crate) fn placeholder_svg(media: &str, matched: bool) -> Markup {
    let (fill, label) = if matched {
        ("#c0392b", "known-image match")
    } else {
        ("#2e86c1", "media")
    };
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160" {
            rect width="240" height="160" fill="#f4d03f" {}
            circle cx="60" cy="50" r="24" fill="#f39c12" {}
            polygon points="0,160 80,70 150,160" fill="#27ae60" {}
            polygon points="90,160 170,60 240,160" fill=(fill) {}
            text x="120" y="150" font-family="sans-serif" font-size="12" text-anchor="middle" fill="#fff" { (label) ": " (media) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_and_spans_marked() {
        let text = "hi <b>there</b> don't tell your mum";
        let start = text.find("don't").unwrap();
        let html = highlight(
            text,
            &[Span {
                start,
                end: text.len(),
            }],
        )
        .into_string();
        assert!(html.contains("&lt;b&gt;there&lt;/b&gt;"), "{html}");
        assert!(html.contains("<mark>don't tell your mum</mark>"), "{html}");
        // A span splitting a character, or out of range, is ignored.
        let html = highlight(
            "héllo",
            &[Span { start: 2, end: 3 }, Span { start: 0, end: 99 }],
        )
        .into_string();
        assert_eq!(html, "héllo");
        // Overlapping spans merge.
        let html = highlight(
            "abcdef",
            &[Span { start: 1, end: 3 }, Span { start: 2, end: 5 }],
        )
        .into_string();
        assert_eq!(html, "a<mark>bcde</mark>f");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(enc("case-a/b c"), "case-a%2Fb%20c");
        assert_eq!(duration(59.0), "59 s");
        assert_eq!(duration(3700.0), "1 h 1 min");
        assert_eq!(duration(90000.0), "1 d 1 h");
    }
}
