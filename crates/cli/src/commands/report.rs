//! `lifeguard report`: referral packages, CyberTipline submission, preservation
//! holds and retention, statements of reasons, transparency reports. A thin
//! adapter over `lifeguard-referrals`: it reads flags, config and files, and
//! writes what the library builds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use lifeguard_referrals::config::{ReferralsConfig, RetentionConfig};
use lifeguard_referrals::cybertip::IpCaptureEvent;
use lifeguard_referrals::holds::{self, Actor};
use lifeguard_referrals::{bundle, client, cybertip, gather, package, statements, transparency};
use lifeguard_store::{ConsoleStore, ReferralStore, SqliteStore, SubmissionRecord};

/// Build referral packages and transparency reports.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Common {
    /// The store's database file.
    #[arg(long, default_value = "lifeguard.db", env = "LIFEGUARD_DB")]
    db: PathBuf,
    /// Configuration file (`[referrals]`, `[retention]`); the defaults otherwise.
    #[arg(long, env = "LIFEGUARD_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Write a case's referral package: the CyberTipline report XML, a fileDetails
    /// per file, the conversation as CSV, and an evidence bundle (zip with a
    /// SHA-256 manifest). When the case has a referral record, its evidence is
    /// put under a preservation hold.
    Referral {
        #[command(flatten)]
        common: Common,
        /// The case id.
        #[arg(long)]
        case: String,
        /// Output directory (created).
        #[arg(long)]
        out: PathBuf,
        /// Who exports it (recorded in the manifest and the audit log).
        #[arg(long = "as", default_value = "operator")]
        exporter: String,
        /// The suspect's IP capture events from the platform, a JSON array of
        /// {"ip_address", "event_name", "date_time"}.
        #[arg(long)]
        ip_events: Option<PathBuf>,
        /// Export without placing a preservation hold.
        #[arg(long)]
        no_hold: bool,
    },
    /// Submit a case's referral to the CyberTipline (credentials from the
    /// environment variables named in [referrals.cybertipline]).
    Submit {
        #[command(flatten)]
        common: Common,
        /// The case id (its latest referral record is submitted).
        #[arg(long)]
        case: String,
        /// The suspect's IP capture events (see `report referral`).
        #[arg(long)]
        ip_events: Option<PathBuf>,
    },
    /// Child-safety transparency report for a period.
    Transparency {
        #[command(flatten)]
        common: Common,
        /// First day (YYYY-MM-DD, UTC) or an RFC 3339 time.
        #[arg(long)]
        from: String,
        /// Last day, inclusive (YYYY-MM-DD, UTC) or an RFC 3339 time (exclusive).
        #[arg(long)]
        to: String,
        /// html, csv or json.
        #[arg(long, default_value = "html")]
        format: Format,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Export DSA statements of reasons not yet exported, as batches of at most
    /// 100 (`statements-<UTC time>-0001.json`...), and mark them exported.
    Statements {
        #[command(flatten)]
        common: Common,
        /// Output directory (created).
        #[arg(long)]
        out: PathBuf,
        /// Include decisions already exported.
        #[arg(long)]
        all: bool,
    },
    /// List preservation holds.
    Holds {
        #[command(flatten)]
        common: Common,
    },
    /// Release a preservation hold (admins only, after its period).
    ReleaseHold {
        #[command(flatten)]
        common: Common,
        /// The hold's id.
        #[arg(long)]
        id: i64,
        /// The console user releasing it.
        #[arg(long = "as")]
        user: String,
    },
    /// Delete events older than [retention] events_days, except held evidence.
    Purge {
        #[command(flatten)]
        common: Common,
        /// The console user running the purge (an admin).
        #[arg(long = "as")]
        user: String,
    },
    /// Check an evidence bundle: every file against its manifest's SHA-256.
    Verify {
        /// The bundle (zip).
        bundle: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Html,
    Csv,
    Json,
}

fn configs(path: Option<&PathBuf>) -> anyhow::Result<(ReferralsConfig, RetentionConfig)> {
    let settings = crate::settings::Settings::load(path.map(PathBuf::as_path))?;
    Ok((settings.referrals, settings.retention))
}

fn open(db: &Path) -> anyhow::Result<SqliteStore> {
    if !db.exists() {
        bail!("no store at {} (pass --db)", db.display());
    }
    SqliteStore::open(db).with_context(|| format!("opening {}", db.display()))
}

fn parse_time(value: &str, end: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .with_context(|| format!("{value:?} is not YYYY-MM-DD or an RFC 3339 time"))?;
    let day = if end {
        day.succ_opt().context("date out of range")?
    } else {
        day
    };
    Ok(day
        .and_hms_opt(0, 0, 0)
        .context("date out of range")?
        .and_utc())
}

fn ip_events(path: Option<&PathBuf>) -> anyhow::Result<Vec<IpCaptureEvent>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Ip {
        ip_address: String,
        event_name: Option<String>,
        date_time: Option<DateTime<Utc>>,
    }
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let list: Vec<Ip> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON array of IP events", path.display()))?;
    for ip in &list {
        ip.ip_address
            .parse::<std::net::IpAddr>()
            .with_context(|| format!("{:?} is not an IP address", ip.ip_address))?;
    }
    Ok(list
        .into_iter()
        .map(|i| IpCaptureEvent {
            ip_address: i.ip_address,
            event_name: i.event_name,
            date_time: i.date_time,
        })
        .collect())
}

fn actor(store: &SqliteStore, user: &str) -> anyhow::Result<Actor> {
    let u = store
        .user_by_name(user)?
        .with_context(|| format!("no console user {user:?} (see `lifeguard user list`)"))?;
    Ok(Actor {
        username: u.username,
        role: u.role,
    })
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn latest_referral(store: &SqliteStore, case: &str) -> anyhow::Result<Option<i64>> {
    Ok(store
        .referrals()?
        .into_iter()
        .filter(|r| r.case_id == case)
        .map(|r| r.id)
        .max())
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Referral {
            common,
            case,
            out,
            exporter,
            ip_events: ips,
            no_hold,
        } => {
            let (config, retention) = configs(common.config.as_ref())?;
            let store = open(&common.db)?;
            let referral = latest_referral(&store, &case)?;
            let input =
                gather::referral_input(&store, &case, referral, &config, ip_events(ips.as_ref())?)?;
            let now = Utc::now();
            let p = package::build(&input, &exporter, now)?;
            write(&out.join("report.xml"), p.report_xml.as_bytes())?;
            write(&out.join("conversation.csv"), &p.conversation_csv)?;
            for f in &p.files {
                let name = f.file.file_name();
                write(
                    &out.join("file-details").join(format!("{name}.xml")),
                    cybertip::file_details_xml(&f.details).as_bytes(),
                )?;
                if let Some(bytes) = &f.file.bytes {
                    write(&out.join("files").join(&name), bytes)?;
                }
            }
            write(&out.join("evidence-bundle.zip"), &p.bundle)?;
            store.append_audit(&lifeguard_store::AuditRecord {
                id: 0,
                at: now,
                username: exporter.clone(),
                role: "operator".into(),
                kind: "referral_exported".into(),
                case_id: Some(case.clone()),
                detail: format!(
                    "bundle sha256 {}",
                    lifeguard_referrals::sha256_hex(&p.bundle)
                ),
            })?;
            println!(
                "referral package for {case}: {} messages, {} files -> {}",
                input.lines.len(),
                p.files.len(),
                out.display()
            );
            match (referral, no_hold) {
                (Some(id), false) => {
                    let role = store
                        .user_by_name(&exporter)?
                        .map(|u| u.role)
                        .unwrap_or_else(|| "operator".into());
                    let actor = Actor {
                        username: exporter,
                        role,
                    };
                    let hold = holds::place(
                        &store,
                        &case,
                        Some(id),
                        "referral preservation (REPORT Act)",
                        &actor,
                        &retention,
                        now,
                    )?;
                    println!(
                        "preservation hold {hold} placed for {} days",
                        retention.preservation_days
                    );
                }
                (None, false) => {
                    println!("no referral record for {case}: no preservation hold placed")
                }
                (_, true) => println!("no preservation hold placed (--no-hold)"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Submit {
            common,
            case,
            ip_events: ips,
        } => {
            let (config, _) = configs(common.config.as_ref())?;
            let store = open(&common.db)?;
            let referral = latest_referral(&store, &case)?.with_context(|| {
                format!("case {case} has no referral record (refer it in the console first)")
            })?;
            if let Some(s) = store.submission(referral)? {
                if s.status == "submitted" {
                    bail!(
                        "referral {referral} was already submitted as CyberTipline report {}",
                        s.report_id.unwrap_or_default()
                    );
                }
            }
            let input = gather::referral_input(
                &store,
                &case,
                Some(referral),
                &config,
                ip_events(ips.as_ref())?,
            )?;
            let p = package::build(&input, "cybertipline-submit", Utc::now())?;
            let credentials = client::Credentials::from_env(&config.cybertipline)?;
            let c = client::Client::new(&config.cybertipline, &credentials)?;
            let mut record = SubmissionRecord {
                referral_id: referral,
                report_id: None,
                status: "submitted".into(),
                files: Vec::new(),
                error: None,
                updated_at: Utc::now(),
            };
            match c.send(&p) {
                Ok(done) => {
                    record.report_id = Some(done.report_id.clone());
                    record.files = done.file_ids;
                    store.put_submission(&record)?;
                    println!(
                        "referral {referral} submitted: CyberTipline report {}",
                        done.report_id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if let client::ClientError::Aborted {
                        report_id,
                        retracted,
                        ..
                    } = &e
                    {
                        record.report_id = Some(report_id.clone());
                        record.status = if *retracted { "retracted" } else { "failed" }.into();
                    } else {
                        record.status = "failed".into();
                    }
                    record.error = Some(e.to_string());
                    store.put_submission(&record)?;
                    Err(e.into())
                }
            }
        }
        Command::Transparency {
            common,
            from,
            to,
            format,
            out,
        } => {
            let (config, _) = configs(common.config.as_ref())?;
            let (from, to) = (parse_time(&from, false)?, parse_time(&to, true)?);
            let store = open(&common.db)?;
            let input = gather::transparency_input(&store, from, to, &config.trusted_flaggers)?;
            let report = transparency::compute(&input)?;
            let bytes = match format {
                Format::Json => transparency::to_json(&report).into_bytes(),
                Format::Csv => transparency::to_csv(&report)?,
                Format::Html => transparency::to_html(&report, &config.service_name).into_bytes(),
            };
            match out {
                Some(path) => write(&path, &bytes)?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Statements { common, out, all } => {
            let (config, _) = configs(common.config.as_ref())?;
            let store = open(&common.db)?;
            let exported: std::collections::BTreeSet<i64> =
                store.exported_statements()?.into_iter().collect();
            let (start, end) = (
                parse_time("1970-01-01", false)?,
                parse_time("9999-12-30", true)?,
            );
            let decisions = gather::decisions(&store, start, end, &config.trusted_flaggers)?;
            let pending: Vec<_> = decisions
                .iter()
                .filter(|d| all || !exported.contains(&d.action_id))
                .collect();
            let with: Vec<(i64, statements::Statement)> = pending
                .iter()
                .filter_map(|d| statements::statement_for(d).map(|s| (d.action_id, s)))
                .collect();
            let ids: Vec<i64> = with.iter().map(|(id, _)| *id).collect();
            let batches = statements::batches(with.into_iter().map(|(_, s)| s).collect())?;
            let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
            for (i, batch) in batches.iter().enumerate() {
                let path = out.join(format!("statements-{stamp}-{:04}.json", i + 1));
                write(&path, &serde_json::to_vec_pretty(batch)?)?;
            }
            // Every decision looked at is settled: restrictions exported, the rest need none.
            let settled: Vec<i64> = pending.iter().map(|d| d.action_id).collect();
            store.mark_statements_exported(&settled, &stamp.to_string(), Utc::now())?;
            println!(
                "{} statements of reasons in {} batches -> {} ({} decisions needed none)",
                ids.len(),
                batches.len(),
                out.display(),
                settled.len() - ids.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Holds { common } => {
            let store = open(&common.db)?;
            println!(
                "{:>4}  {:<28} {:>8}  {:<20} {:<20} status",
                "id", "case", "events", "created", "held until"
            );
            for h in store.holds()? {
                println!(
                    "{:>4}  {:<28} {:>8}  {:<20} {:<20} {}",
                    h.id,
                    h.case_id,
                    h.events,
                    h.created_at.format("%Y-%m-%d %H:%M"),
                    h.held_until.format("%Y-%m-%d %H:%M"),
                    match (&h.released_at, &h.released_by) {
                        (Some(at), Some(by)) =>
                            format!("released {} by {by}", at.format("%Y-%m-%d")),
                        _ => "active".into(),
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ReleaseHold { common, id, user } => {
            let store = open(&common.db)?;
            let actor = actor(&store, &user)?;
            holds::release(&store, id, &actor, Utc::now())?;
            println!("hold {id} released by {user}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge { common, user } => {
            let (_, retention) = configs(common.config.as_ref())?;
            let store = open(&common.db)?;
            let actor = actor(&store, &user)?;
            if actor.role != "admin" {
                bail!("only an admin may purge events");
            }
            match holds::purge(&store, &retention, &actor, Utc::now())? {
                None => println!("[retention] events_days is 0: nothing purged"),
                Some(o) => println!(
                    "{} events purged; {} kept by preservation holds",
                    o.purged, o.kept_by_hold
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify { bundle: path } => {
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            match bundle::verify(&bytes) {
                Ok(m) => {
                    println!(
                        "{}: {} files match the manifest (case {}, exported by {} at {})",
                        path.display(),
                        m.files.len(),
                        m.case_id,
                        m.exported_by,
                        m.exported_at.to_rfc3339()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("lifeguard: {}: {e}", path.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_days_or_times_and_the_end_day_is_inclusive() {
        assert_eq!(
            parse_time("2026-11-01", false).unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-11-30", true).unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-11-30T12:00:00Z", true)
                .unwrap()
                .to_rfc3339(),
            "2026-11-30T12:00:00+00:00"
        );
        assert!(parse_time("30/11/2026", false).is_err());
    }

    #[test]
    fn the_default_configuration_has_valid_referral_sections() {
        let (r, k) = configs(None).unwrap();
        assert_eq!(r.cybertipline.password_env, "LIFEGUARD_CYBERTIP_PASSWORD");
        assert_eq!(k.preservation_days, 365);
    }
}
