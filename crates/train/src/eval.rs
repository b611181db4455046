//! Evaluation: replay conversations message by message and score the alerts.
//!
//! The metric contract (shared with outside checks):
//!
//! * `authors` (PAN 2012 task 1): an author is predicted an offender when the
//!   engine flags them as the offender in any conversation; the universe is every
//!   author seen in the input. `f0_5 = 1.25·P·R / (0.25·P + R)`.
//! * `conversations`: predicted positive when an alert fires; positive when an
//!   author on the predator list takes part. `false_alerts_per_1000 = fp / negatives · 1000`.
//! * `early` (Vogt et al. 2021, "Early Detection of Sexual Predators in Chats",
//!   ACL): latency = messages seen when the first alert fired (alert at seq `k` →
//!   latency `k + 1`), over true-positive conversations;
//!   `penalty(k) = -1 + 2 / (1 + exp(-p·(k - 1)))` with `p = ln 3 / 89`, so that
//!   `penalty(1) = 0` and `penalty(90) = 0.5`; `speed = 1 - median(penalty(latency))`;
//!   `latency_f1 = F1(conversations) · speed`. Medians of an even count are the mean
//!   of the two middle values.
//! * `throughput`: messages replayed, seconds spent scoring them, their ratio.
//!
//! Every metric follows from the predictions file alone (one line per conversation,
//! [`Prediction`]) plus the predator list: [`metrics_from_predictions`].
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use lifeguard_ingest::{read_path, Format};
use serde::{Deserialize, Serialize};

use crate::TrainError;
use lifeguard_risk::RiskEngine;

/// One message of a replayed conversation.
#[derive(Debug, Clone)]
pub struct CorpusMessage {
    /// Position in the conversation.
    pub seq: u64,
    /// Author id.
    pub author: String,
    /// Platform message id, if any.
    pub message_id: Option<String>,
    /// The text.
    pub text: String,
}

/// One conversation, its messages in replay order.
#[derive(Debug, Clone)]
pub struct CorpusConversation {
    /// Conversation id.
    pub id: String,
    /// The research corpus's `source`, where given.
    pub source: Option<String>,
    /// Messages ordered by `seq` (then input order).
    pub messages: Vec<CorpusMessage>,
}

/// Conversations read from files, grouped and ordered for replay.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Conversations in order of first appearance.
    pub conversations: Vec<CorpusConversation>,
    /// Bad lines skipped.
    pub skipped_lines: u64,
    /// Messages read.
    pub messages: u64,
}

impl Corpus {
    /// Reads message events from `inputs`, groups them by conversation and orders
    /// each conversation by `seq` (input order breaks ties and stands in for a
    /// missing `seq`). Recoverable bad lines are skipped and counted.
    pub fn read(inputs: &[PathBuf], format: Format) -> Result<Corpus, TrainError> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut corpus = Corpus::default();
        let mut keyed: Vec<Vec<(u64, u64, CorpusMessage)>> = Vec::new();
        let mut arrival = 0u64;
        for path in inputs {
            for record in read_path(path, format)? {
                let record = match record {
                    Ok(r) => r,
                    Err(e) if e.is_recoverable() => {
                        corpus.skipped_lines += 1;
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                };
                let Some(m) = record.event.as_message() else {
                    continue;
                };
                let i = match index.get(&m.conversation) {
                    Some(i) => *i,
                    None => {
                        index.insert(m.conversation.clone(), corpus.conversations.len());
                        corpus.conversations.push(CorpusConversation {
                            id: m.conversation.clone(),
                            source: record.source.clone(),
                            messages: Vec::new(),
                        });
                        keyed.push(Vec::new());
                        corpus.conversations.len() - 1
                    }
                };
                let pos = keyed[i].len() as u64;
                let seq = m.seq.unwrap_or(pos);
                keyed[i].push((
                    seq,
                    arrival,
                    CorpusMessage {
                        seq,
                        author: m.sender.clone(),
                        message_id: m.message_id.clone(),
                        text: m.text.clone(),
                    },
                ));
                arrival += 1;
                corpus.messages += 1;
            }
        }
        for (conv, mut msgs) in corpus.conversations.iter_mut().zip(keyed) {
            msgs.sort_by_key(|(s, a, _)| (*s, *a));
            conv.messages = msgs.into_iter().map(|(_, _, m)| m).collect();
        }
        Ok(corpus)
    }
}

/// One line of the predictions file: what the engine did in one conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Conversation id.
    pub conversation: String,
    /// 0-based seq of the message at which the first alert fired, or null.
    pub alert_seq: Option<u64>,
    /// The author flagged as offender, or null.
    pub flagged_author: Option<String>,
    /// Every author seen in the conversation (the author universe).
    #[serde(default)]
    pub authors: Vec<String>,
    /// Messages in the conversation.
    #[serde(default)]
    pub messages: u64,
    /// The corpus source, where known (for per-source false alerts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The highest risk while the alert rule held (0 if never).
    #[serde(default)]
    pub gated_max_risk: f32,
}

/// Author-level figures (PAN 2012 task 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AuthorMetrics {
    /// Flagged offenders.
    pub tp: u64,
    /// Flagged non-offenders.
    pub fp: u64,
    /// Offenders seen but never flagged.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// F-beta with beta = 0.5.
    pub f0_5: f64,
}

/// Conversation-level figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ConversationMetrics {
    /// Conversations with an offender.
    pub positives: u64,
    /// Conversations without.
    pub negatives: u64,
    /// Positives that alerted.
    pub tp: u64,
    /// Negatives that alerted.
    pub fp: u64,
    /// Positives that did not alert.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// fp / negatives · 1000.
    pub false_alerts_per_1000: f64,
}

/// Early-detection figures (Vogt et al. 2021).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EarlyMetrics {
    /// Median latency (messages seen at the first alert) over true positives.
    pub median_latency_messages: Option<f64>,
    /// `1 - median(penalty(latency))`; 0 without true positives.
    pub speed: f64,
    /// `F1(conversations) · speed`.
    pub latency_f1: f64,
}

/// Figures for one corpus source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SourceMetrics {
    /// Conversations.
    pub conversations: u64,
    /// Of which positive.
    pub positives: u64,
    /// Alerts on positives.
    pub true_alerts: u64,
    /// Alerts on negatives.
    pub false_alerts: u64,
    /// False alerts per 1,000 negative conversations of this source.
    pub false_alerts_per_1000: f64,
}

/// Every metric that follows from predictions and the predator list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    /// Author-level.
    pub authors: AuthorMetrics,
    /// Conversation-level.
    pub conversations: ConversationMetrics,
    /// Early detection.
    pub early: EarlyMetrics,
    /// Per corpus source (conversations without a source under `"unknown"`).
    pub per_source: BTreeMap<String, SourceMetrics>,
}

/// Throughput of the replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Throughput {
    /// Messages scored.
    pub messages: u64,
    /// Seconds spent scoring (reading excluded).
    pub seconds: f64,
    /// messages / seconds.
    pub messages_per_second: f64,
}

/// The evaluation report (`lifeguard eval`'s JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Author, conversation, early and per-source figures.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Scoring speed.
    pub throughput: Throughput,
    /// The operating threshold used.
    pub threshold: f32,
    /// Bad input lines skipped.
    pub skipped_lines: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f_beta(p: f64, r: f64, beta: f64) -> f64 {
    let b2 = beta * beta;
    if p + r == 0.0 {
        0.0
    } else {
        (1.0 + b2) * p * r / (b2 * p + r)
    }
}

/// Vogt et al.'s latency penalty: `-1 + 2 / (1 + exp(-p·(k - 1)))`, `p = ln 3 / 89`.
pub fn latency_penalty(k: f64) -> f64 {
    let p = 3f64.ln() / 89.0;
    -1.0 + 2.0 / (1.0 + (-p * (k - 1.0)).exp())
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Computes every metric from predictions and the predator list.
pub fn metrics_from_predictions(
    predictions: &[Prediction],
    predators: &HashSet<String>,
) -> Metrics {
    let mut universe: HashSet<&str> = HashSet::new();
    let mut flagged: HashSet<&str> = HashSet::new();
    let mut c = ConversationMetrics::default();
    let mut latencies = Vec::new();
    let mut per_source: BTreeMap<String, SourceMetrics> = BTreeMap::new();
    for p in predictions {
        universe.extend(p.authors.iter().map(String::as_str));
        if let Some(f) = &p.flagged_author {
            universe.insert(f);
            flagged.insert(f);
        }
        let positive = p.authors.iter().any(|a| predators.contains(a));
        let alerted = p.alert_seq.is_some();
        let s = per_source
            .entry(p.source.clone().unwrap_or_else(|| "unknown".into()))
            .or_default();
        s.conversations += 1;
        if positive {
            c.positives += 1;
            s.positives += 1;
            if alerted {
                c.tp += 1;
                s.true_alerts += 1;
                latencies.push(p.alert_seq.unwrap_or(0) as f64 + 1.0);
            } else {
                c.fn_ += 1;
            }
        } else {
            c.negatives += 1;
            if alerted {
                c.fp += 1;
                s.false_alerts += 1;
            }
        }
    }
    for s in per_source.values_mut() {
        s.false_alerts_per_1000 = ratio(s.false_alerts, s.conversations - s.positives) * 1000.0;
    }
    c.precision = ratio(c.tp, c.tp + c.fp);
    c.recall = ratio(c.tp, c.tp + c.fn_);
    c.f1 = f_beta(c.precision, c.recall, 1.0);
    c.false_alerts_per_1000 = ratio(c.fp, c.negatives) * 1000.0;

    let mut a = AuthorMetrics::default();
    for au in &universe {
        let offender = predators.contains(*au);
        let f = flagged.contains(au);
        match (offender, f) {
            (true, true) => a.tp += 1,
            (false, true) => a.fp += 1,
            (true, false) => a.fn_ += 1,
            (false, false) => {}
        }
    }
    a.precision = ratio(a.tp, a.tp + a.fp);
    a.recall = ratio(a.tp, a.tp + a.fn_);
    a.f0_5 = f_beta(a.precision, a.recall, 0.5);

    let median_latency = median(latencies.clone());
    let speed =
        median(latencies.iter().map(|k| latency_penalty(*k)).collect()).map_or(0.0, |m| 1.0 - m);
    let latency_f1 = c.f1 * speed;
    Metrics {
        authors: a,
        conversations: c,
        early: EarlyMetrics {
            median_latency_messages: median_latency,
            speed,
            latency_f1,
        },
        per_source,
    }
}

/// Reads a predictions file (JSON lines).
pub fn read_predictions(input: impl BufRead) -> Result<Vec<Prediction>, TrainError> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .map_err(|e| TrainError::Data(format!("predictions line {}: {e}", i + 1)))?,
        );
    }
    Ok(out)
}

/// Replays one conversation through the engine and says what happened.
pub fn replay(engine: &RiskEngine, conv: &CorpusConversation) -> Prediction {
    let mut state = engine.conversation();
    let mut authors: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for m in &conv.messages {
        if seen.insert(m.author.as_str()) {
            authors.push(m.author.clone());
        }
        state.observe(engine, &m.author, m.seq, m.message_id.as_deref(), &m.text);
    }
    let alert = state.alert();
    Prediction {
        conversation: conv.id.clone(),
        alert_seq: alert.map(|a| a.0),
        flagged_author: alert.map(|a| a.1.to_owned()),
        authors,
        messages: conv.messages.len() as u64,
        source: conv.source.clone(),
        gated_max_risk: state.gated_max_risk(),
    }
}

/// Replays every conversation, returning predictions and the scoring throughput.
pub fn replay_corpus(engine: &RiskEngine, corpus: &Corpus) -> (Vec<Prediction>, Throughput) {
    let start = Instant::now();
    let predictions: Vec<Prediction> = corpus
        .conversations
        .iter()
        .map(|c| replay(engine, c))
        .collect();
    let seconds = start.elapsed().as_secs_f64();
    let messages: u64 = corpus
        .conversations
        .iter()
        .map(|c| c.messages.len() as u64)
        .sum();
    (
        predictions,
        Throughput {
            messages,
            seconds,
            messages_per_second: ratio_f(messages as f64, seconds),
        },
    )
}

fn ratio_f(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Writes predictions as JSON lines.
pub fn write_predictions(
    out: &mut dyn Write,
    predictions: &[Prediction],
) -> Result<(), TrainError> {
    for p in predictions {
        serde_json::to_writer(&mut *out, p).map_err(|e| TrainError::Data(e.to_string()))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// Evaluates the engine on `inputs` against the predator list: replays every
/// conversation in seq order, optionally writes the predictions, and returns the
/// report.
pub fn evaluate(
    inputs: &[PathBuf],
    format: Format,
    predators: &HashSet<String>,
    predictions_out: Option<&mut dyn Write>,
    engine: &RiskEngine,
) -> Result<EvalReport, TrainError> {
    let corpus = Corpus::read(inputs, format)?;
    let (predictions, throughput) = replay_corpus(engine, &corpus);
    if let Some(out) = predictions_out {
        write_predictions(out, &predictions)?;
    }
    Ok(EvalReport {
        metrics: metrics_from_predictions(&predictions, predators),
        throughput,
        threshold: engine.model().threshold,
        skipped_lines: corpus.skipped_lines,
    })
}

/// Parsed arguments of `lifeguard eval`.
#[derive(Debug, Clone, Default)]
pub struct EvalArgs {
    /// `--input FILE`, repeatable.
    pub inputs: Vec<PathBuf>,
    /// `--predators FILE`.
    pub predators: PathBuf,
    /// `--format jsonl|pan12`; guessed from the first input's name when absent.
    pub format: Option<Format>,
    /// `--predictions FILE`.
    pub predictions: Option<PathBuf>,
    /// `--model FILE`; the embedded model when absent.
    pub model: Option<PathBuf>,
}

/// Parses `jsonl` or `pan12`.
pub fn parse_format(s: &str) -> Result<Format, TrainError> {
    match s.to_ascii_lowercase().as_str() {
        "jsonl" | "json" => Ok(Format::Jsonl),
        "pan12" | "xml" => Ok(Format::Pan12),
        other => Err(TrainError::Data(format!(
            "unknown format `{other}` (expected jsonl or pan12)"
        ))),
    }
}

/// Loads a model file, or the embedded model.
pub fn load_engine(model: Option<&Path>) -> Result<RiskEngine, TrainError> {
    let model = match model {
        Some(p) => lifeguard_risk::Model::from_bytes(&std::fs::read(p)?)?,
        None => lifeguard_risk::Model::default_model()?,
    };
    Ok(RiskEngine::new(model)?)
}

/// `lifeguard eval`: returns the report as JSON.
pub fn eval_command(args: &EvalArgs) -> Result<serde_json::Value, TrainError> {
    if args.inputs.is_empty() {
        return Err(TrainError::Data("no --input given".into()));
    }
    let format = args
        .format
        .unwrap_or_else(|| Format::from_path(&args.inputs[0]));
    let predators = lifeguard_ingest::read_id_list(&args.predators)?;
    let engine = load_engine(args.model.as_deref())?;
    let report = match &args.predictions {
        Some(path) => {
            let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
            evaluate(&args.inputs, format, &predators, Some(&mut out), &engine)?
        }
        None => evaluate(&args.inputs, format, &predators, None, &engine)?,
    };
    serde_json::to_value(&report).map_err(|e| TrainError::Data(e.to_string()))
}
