//! Training: feature snapshots, logistic fit, author-split cross-validation,
//! threshold calibration to a false-alert rate, and figures on VTPAN.
//!
//! **Samples.** Every conversation is replayed through the same
//! [`ConversationRisk`](lifeguard_risk::ConversationRisk) the service uses. An author's
//! feature vector is snapshotted after each of their messages that carried
//! evidence, after their 1st, 2nd, 4th, 8th... message, and at the end, so the
//! model learns what partial conversations look like (it must score them as they
//! stream). Each (conversation, author) pair carries a total weight of 1 spread over
//! its snapshots; then offenders, the victim side of positive conversations (the
//! Perverted-Justice decoys, hard negatives) and all other authors get class totals
//! of 1/2, 1/4 and 1/4.
//!
//! **Folds.** A conversation with an offender goes to the fold given by a hash of
//! the offender's id, every other conversation to the fold given by a hash of its
//! id. So no offender is in two folds; the victim side of the PJ chats is unique to
//! its chat; authors of the negative sources (IRC, game chat) may recur across
//! folds, which only concerns negatives, whose features rest on behaviours.
//!
//! **Threshold.** For each fold, the threshold is the lowest score at which at most
//! `target_false_alerts_per_1000` of the training folds' negative conversations
//! would alert (a conversation alerts at threshold `t` exactly when its highest
//! risk while the alert rule held is `≥ t`), and never below `min_threshold`. The
//! shipped threshold is set the same way on every negative conversation.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use lifeguard_ingest::Format;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::eval::{metrics_from_predictions, replay, Corpus, CorpusConversation, Prediction};
use crate::TrainError;
use lifeguard_risk::{feature_count, feature_names, RiskEngine};
use lifeguard_risk::{fit_logistic, AlertRule, FitOptions, Model, MODEL_VERSION};

/// Training options.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Cross-validation folds (0 or 1: none).
    pub folds: usize,
    /// The logistic fit.
    pub fit: FitOptions,
    /// Target false alerts per 1,000 negative conversations for the threshold.
    pub target_false_alerts_per_1000: f64,
    /// The threshold never goes below this.
    pub min_threshold: f32,
    /// The evidence rule shipped with the model.
    pub alert_rule: AlertRule,
    /// The command line recorded in the provenance.
    pub command: String,
    /// VTPAN validation CSV (`segment,label`) to report figures on, if any.
    pub vtpan: Option<PathBuf>,
    /// Seed of the fold hash.
    pub seed: u64,
    /// Features held at weight 0: ones that describe a source's shape rather than
    /// behaviour (conversation length, message share), which the training sources
    /// separate by and unseen sources would not.
    pub excluded_features: Vec<String>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            folds: 5,
            fit: FitOptions::default(),
            target_false_alerts_per_1000: 1.0,
            min_threshold: 0.5,
            alert_rule: AlertRule::default(),
            command: String::new(),
            vtpan: None,
            seed: 0x5eed,
            excluded_features: vec!["detect_ln_messages".into(), "detect_message_share".into()],
        }
    }
}

/// What training produced: the model (with its provenance) and the figures.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// The trained model.
    pub model: Model,
    /// Cross-validation: per fold, mean, pooled out-of-fold.
    pub cv: Value,
    /// Figures of the final model on the training data (optimistic).
    pub training_fit: Value,
    /// Figures on VTPAN, where given.
    pub vtpan: Option<Value>,
}

fn fnv(seed: u64, s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

/// Feature snapshots for the fit.
struct Samples {
    x: Vec<f32>,
    y: Vec<bool>,
    /// Weight within its (conversation, author) pair.
    w: Vec<f64>,
    /// 0: offender, 1: victim side of a positive conversation, 2: anyone else.
    class: Vec<u8>,
    conv: Vec<u32>,
}

/// Total weight of each class in the fit: offenders, victim side, everyone else.
const CLASS_SHARES: [f64; 3] = [0.5, 0.25, 0.25];

/// Replays a conversation and snapshots author features (see the module docs).
fn snapshot(
    engine: &RiskEngine,
    conv: &CorpusConversation,
    conv_index: u32,
    predators: &HashSet<String>,
    positive_conv: bool,
    out: &mut Samples,
) {
    let mut state = engine.conversation();
    let mut per_author: HashMap<&str, (u32, Vec<Vec<f32>>)> = HashMap::new();
    for m in &conv.messages {
        let a = state.observe(engine, &m.author, m.seq, m.message_id.as_deref(), &m.text);
        let entry = per_author.entry(m.author.as_str()).or_default();
        entry.0 += 1;
        let own_evidence = a.evidence.iter().any(|e| e.author == m.author);
        if own_evidence || entry.0.is_power_of_two() {
            if let Some(f) = state.features_of(&m.author) {
                entry.1.push(f);
            }
        }
    }
    for (author, (_, snaps)) in per_author.iter_mut() {
        if let Some(f) = state.features_of(author) {
            snaps.push(f);
        }
    }
    for (author, (_, snaps)) in per_author {
        let offender = predators.contains(author);
        let class = if offender {
            0
        } else if positive_conv {
            1
        } else {
            2
        };
        let per = 1.0 / snaps.len().max(1) as f64;
        for f in snaps {
            out.x.extend_from_slice(&f);
            out.y.push(offender);
            out.w.push(per);
            out.class.push(class);
            out.conv.push(conv_index);
        }
    }
}

fn class_weights(samples: &Samples, keep: &dyn Fn(usize) -> bool) -> Vec<f64> {
    let mut totals = [0.0f64; 3];
    for (i, (w, c)) in samples.w.iter().zip(&samples.class).enumerate() {
        if keep(i) {
            totals[*c as usize] += w;
        }
    }
    samples
        .w
        .iter()
        .zip(&samples.class)
        .enumerate()
        .map(|(i, (w, c))| {
            let c = *c as usize;
            if keep(i) && totals[c] > 0.0 {
                w / totals[c] * CLASS_SHARES[c]
            } else {
                0.0
            }
        })
        .collect()
}

/// Features whose weight must not be negative: the behaviours (other than
/// stating one's own age) and the counts and densities built on them.
fn non_negative(name: &str) -> bool {
    (name.starts_with("detect_b_") && name != "detect_b_age_disclosure")
        || matches!(
            name,
            "detect_distinct_behaviours"
                | "detect_weighted_density"
                | "detect_after_minor"
                | "asking_rate"
        )
}

fn fit_model(samples: &Samples, keep: &dyn Fn(usize) -> bool, opts: &TrainOptions) -> Model {
    let d = feature_count();
    let w = class_weights(samples, keep);
    let idx: Vec<usize> = (0..samples.y.len()).filter(|i| w[*i] > 0.0).collect();
    let mut x = Vec::with_capacity(idx.len() * d);
    let mut y = Vec::with_capacity(idx.len());
    let mut ww = Vec::with_capacity(idx.len());
    for &i in &idx {
        x.extend_from_slice(&samples.x[i * d..(i + 1) * d]);
        y.push(samples.y[i]);
        ww.push(w[i]);
    }
    let names = feature_names();
    // Active set: features held at 0 (excluded), plus behaviour features whose
    // weight came out negative (showing a grooming behaviour never lowers the
    // score; the fit would otherwise learn how the decoys differ from offenders).
    let mut held: Vec<bool> = names
        .iter()
        .map(|n| opts.excluded_features.contains(n))
        .collect();
    let (mut weights, mut bias);
    loop {
        let cols: Vec<usize> = (0..d).filter(|c| !held[*c]).collect();
        let k = cols.len();
        let mut xs = Vec::with_capacity(y.len() * k);
        for row in x.chunks(d) {
            xs.extend(cols.iter().map(|c| row[*c]));
        }
        let (fitted, b) = fit_logistic(&xs, k, &y, &ww, opts.fit);
        weights = vec![0.0f32; d];
        for (c, w) in cols.iter().zip(fitted) {
            weights[*c] = w;
        }
        bias = b;
        let negative: Vec<usize> = cols
            .iter()
            .copied()
            .filter(|c| weights[*c] < 0.0 && non_negative(&names[*c]))
            .collect();
        if negative.is_empty() {
            break;
        }
        for c in negative {
            held[c] = true;
        }
    }
    Model {
        version: MODEL_VERSION,
        kind: "logistic".into(),
        feature_names: feature_names(),
        weights,
        bias,
        threshold: opts.min_threshold,
        alert_rule: opts.alert_rule,
        operating_point: Value::Null,
        provenance: Value::Null,
    }
}

/// The lowest threshold at which at most `target_per_1000` of the negatives (given
/// by their gated maximum risk) alert, and at least `floor`.
pub fn calibrate_threshold(negatives: &[f32], target_per_1000: f64, floor: f32) -> f32 {
    let mut v: Vec<f32> = negatives.to_vec();
    v.sort_by(|a, b| b.total_cmp(a));
    let allowed = (target_per_1000 * v.len() as f64 / 1000.0).floor() as usize;
    let t = match v.get(allowed) {
        Some(x) if *x > 0.0 => f32::from_bits(x.to_bits() + 1),
        _ => floor,
    };
    t.max(floor).min(1.0)
}

fn engine_with(model: &Model, threshold: f32) -> Result<RiskEngine, TrainError> {
    let mut m = model.clone();
    m.threshold = threshold;
    Ok(RiskEngine::new(m)?)
}

fn is_positive(conv: &CorpusConversation, predators: &HashSet<String>) -> bool {
    conv.messages.iter().any(|m| predators.contains(&m.author))
}

fn fold_of(
    conv: &CorpusConversation,
    predators: &HashSet<String>,
    folds: usize,
    seed: u64,
) -> usize {
    let key = conv
        .messages
        .iter()
        .find(|m| predators.contains(&m.author))
        .map(|m| format!("author:{}", m.author))
        .unwrap_or_else(|| format!("conversation:{}", conv.id));
    (fnv(seed, &key) % folds as u64) as usize
}

/// Mean of the numeric leaves of several JSON objects with the same shape.
fn mean_json(values: &[Value]) -> Value {
    let objs: Vec<&serde_json::Map<String, Value>> =
        values.iter().filter_map(Value::as_object).collect();
    if !objs.is_empty() {
        let mut keys: Vec<&String> = objs.iter().flat_map(|o| o.keys()).collect();
        keys.sort();
        keys.dedup();
        let mut out = serde_json::Map::new();
        for k in keys {
            let vs: Vec<Value> = objs.iter().filter_map(|o| o.get(k).cloned()).collect();
            out.insert(k.clone(), mean_json(&vs));
        }
        return Value::Object(out);
    }
    let nums: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
    if nums.is_empty() {
        Value::Null
    } else {
        json!(nums.iter().sum::<f64>() / nums.len() as f64)
    }
}

/// Trains a model on `inputs` (all conversations; positives are those with an
/// author in `predators`), cross-validates it and calibrates its threshold.
pub fn train(
    inputs: &[PathBuf],
    format: Format,
    predators: &HashSet<String>,
    options: &TrainOptions,
) -> Result<TrainReport, TrainError> {
    let corpus = Corpus::read(inputs, format)?;
    if corpus.conversations.is_empty() {
        return Err(TrainError::Data(
            "no conversations in the training data".into(),
        ));
    }
    let positive: Vec<bool> = corpus
        .conversations
        .iter()
        .map(|c| is_positive(c, predators))
        .collect();
    if !positive.iter().any(|p| *p) {
        return Err(TrainError::Data("no offender in the training data".into()));
    }
    // Features do not depend on the model: snapshot once with any model.
    let probe = RiskEngine::new(Model {
        version: MODEL_VERSION,
        kind: "logistic".into(),
        feature_names: feature_names(),
        weights: vec![0.0; feature_count()],
        bias: 0.0,
        threshold: 1.0,
        alert_rule: options.alert_rule,
        operating_point: Value::Null,
        provenance: Value::Null,
    })?;
    let mut samples = Samples {
        x: Vec::new(),
        y: Vec::new(),
        w: Vec::new(),
        class: Vec::new(),
        conv: Vec::new(),
    };
    for (i, c) in corpus.conversations.iter().enumerate() {
        snapshot(&probe, c, i as u32, predators, positive[i], &mut samples);
    }

    // Cross-validation.
    let folds = options.folds;
    let mut cv = Value::Null;
    let mut oof_negatives: Vec<f32> = Vec::new();
    if folds >= 2 {
        let fold: Vec<usize> = corpus
            .conversations
            .iter()
            .map(|c| fold_of(c, predators, folds, options.seed))
            .collect();
        let mut per_fold = Vec::new();
        let mut pooled: Vec<Prediction> = Vec::new();
        for k in 0..folds {
            let keep = |i: usize| fold[samples.conv[i] as usize] != k;
            let model = fit_model(&samples, &keep, options);
            let probe_k = engine_with(&model, 1.0)?;
            let negatives: Vec<f32> = corpus
                .conversations
                .iter()
                .enumerate()
                .filter(|(i, _)| fold[*i] != k && !positive[*i])
                .map(|(_, c)| replay(&probe_k, c).gated_max_risk)
                .collect();
            let t = calibrate_threshold(
                &negatives,
                options.target_false_alerts_per_1000,
                options.min_threshold,
            );
            let engine = engine_with(&model, t)?;
            let preds: Vec<Prediction> = corpus
                .conversations
                .iter()
                .enumerate()
                .filter(|(i, _)| fold[*i] == k)
                .map(|(_, c)| replay(&engine, c))
                .collect();
            oof_negatives.extend(
                preds
                    .iter()
                    .zip(
                        corpus
                            .conversations
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| fold[*i] == k),
                    )
                    .filter(|(_, (i, _))| !positive[*i])
                    .map(|(p, _)| p.gated_max_risk),
            );
            let metrics = metrics_from_predictions(&preds, predators);
            per_fold.push(json!({
                "fold": k,
                "threshold": t,
                "conversations": preds.len(),
                "metrics": metrics,
            }));
            pooled.extend(preds);
        }
        let metric_values: Vec<Value> = per_fold.iter().map(|f| f["metrics"].clone()).collect();
        cv = json!({
            "folds": folds,
            "split": "by offender author (hash), other conversations by conversation id (hash)",
            "per_fold": per_fold,
            "mean": mean_json(&metric_values),
            "pooled_out_of_fold": metrics_from_predictions(&pooled, predators),
        });
    }

    // Final model on everything; threshold on every negative conversation.
    let mut model = fit_model(&samples, &|_| true, options);
    let probe_all = engine_with(&model, 1.0)?;
    let mut negatives = Vec::new();
    for (i, c) in corpus.conversations.iter().enumerate() {
        if !positive[i] {
            negatives.push(replay(&probe_all, c).gated_max_risk);
        }
    }
    let in_sample_t = calibrate_threshold(
        &negatives,
        options.target_false_alerts_per_1000,
        options.min_threshold,
    );
    let oof_t = if oof_negatives.is_empty() {
        in_sample_t
    } else {
        calibrate_threshold(
            &oof_negatives,
            options.target_false_alerts_per_1000,
            options.min_threshold,
        )
    };
    let threshold = in_sample_t.max(oof_t);
    model.threshold = threshold;
    model.operating_point = json!({
        "target_false_alerts_per_1000_negative_conversations": options.target_false_alerts_per_1000,
        "min_threshold": options.min_threshold,
        "threshold_in_sample": in_sample_t,
        "threshold_out_of_fold": oof_t,
        "rule": "threshold = max(in-sample, out-of-fold) calibration on the training negatives",
        "negative_conversations": negatives.len(),
    });
    let engine = RiskEngine::new(model.clone())?;
    let fit_preds: Vec<Prediction> = corpus
        .conversations
        .iter()
        .map(|c| replay(&engine, c))
        .collect();
    let training_fit = serde_json::to_value(metrics_from_predictions(&fit_preds, predators))
        .map_err(|e| TrainError::Data(e.to_string()))?;

    let vtpan = match &options.vtpan {
        Some(path) if path.exists() => {
            let rows = read_vtpan(path)?;
            Some(json!({
                "file": path.display().to_string(),
                "sha256": sha256_file(path)?,
                "one_pseudo_author": vtpan_figures(&engine, &rows, 1),
                "two_alternating_pseudo_authors": vtpan_figures(&engine, &rows, 2),
            }))
        }
        _ => None,
    };

    let mut data = Vec::new();
    for p in inputs {
        data.push(json!({
            "file": p.file_name().map(|f| f.to_string_lossy().to_string()),
            "sha256": sha256_file(p)?,
        }));
    }
    let mut per_source_counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (i, c) in corpus.conversations.iter().enumerate() {
        let e = per_source_counts
            .entry(c.source.clone().unwrap_or_else(|| "unknown".into()))
            .or_default();
        e.0 += 1;
        e.1 += positive[i] as u64;
    }
    model.provenance = json!({
        "data": data,
        "predators": predators.len(),
        "conversations": corpus.conversations.len(),
        "messages": corpus.messages,
        "conversations_per_source": per_source_counts
            .iter()
            .map(|(k, v)| (k.clone(), json!({"conversations": v.0, "positive": v.1})))
            .collect::<serde_json::Map<String, Value>>(),
        "samples": samples.y.len(),
        "date": chrono::Utc::now().to_rfc3339(),
        "command": options.command,
        "fit": {"method": "weighted logistic regression, Newton", "l2": options.fit.l2,
                "excluded_features": options.excluded_features,
                "non_negative": "behaviour features (all detect_b_* but age disclosure, distinct behaviours, weighted density, after_minor, asking_rate): a negative weight is held at 0 and the fit repeated",
                "class_shares": {"offenders": 0.5, "victim_side_of_positive_chats": 0.25, "other_authors": 0.25}},
        "cv": cv.get("mean").cloned().unwrap_or(Value::Null),
        "cv_pooled": cv.get("pooled_out_of_fold").cloned().unwrap_or(Value::Null),
        "vtpan": vtpan.clone(),
    });
    Ok(TrainReport {
        model,
        cv,
        training_fit,
        vtpan,
    })
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, TrainError> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>())
}

/// Reads a `segment,label` CSV (RFC 4180 quoting).
pub fn read_vtpan(path: &Path) -> Result<Vec<(String, bool)>, TrainError> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut header = true;
    let mut finish_row = |fields: &mut Vec<String>, rows: &mut Vec<(String, bool)>| {
        if header {
            header = false;
        } else if fields.len() >= 2 {
            let label = fields[fields.len() - 1].trim() == "1";
            let segment = fields[..fields.len() - 1].join(",");
            rows.push((segment, label));
        }
        fields.clear();
    };
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\n' => {
                fields.push(std::mem::take(&mut field));
                finish_row(&mut fields, &mut rows);
            }
            '\r' => {}
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        finish_row(&mut fields, &mut rows);
    }
    Ok(rows)
}

/// Splits a chat whose message boundaries were lost into pseudo-messages: after a
/// word ending in `.`, `?` or `!`, or every 10 words.
pub fn pseudo_messages(segment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for word in segment.split_whitespace() {
        cur.push(word);
        let end = word.ends_with(['.', '?', '!']);
        if end || cur.len() >= 10 {
            out.push(cur.join(" "));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

/// ROC-AUC of scores against labels (ties count one half).
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let pos = labels.iter().filter(|l| **l).count() as f64;
    let neg = labels.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return f64::NAN;
    }
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            if labels[idx[k]] {
                rank_sum += avg;
            }
        }
        i = j + 1;
    }
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Figures on VTPAN-style segments.
#[derive(Debug, Clone, Serialize)]
pub struct VtpanFigures {
    /// Segments.
    pub segments: usize,
    /// Of which positive.
    pub positives: usize,
    /// How pseudo-messages were attributed (1: one author; 2: alternating).
    pub pseudo_authors: usize,
    /// ROC-AUC of the highest conversation risk seen while streaming.
    pub roc_auc_max_risk: f64,
    /// ROC-AUC of the highest risk while the alert rule held.
    pub roc_auc_gated_risk: f64,
    /// Share of negative segments that alert at the shipped threshold.
    pub false_positive_rate: f64,
    /// Share of positive segments that alert at the shipped threshold.
    pub true_positive_rate: f64,
    /// Median pseudo-message index + 1 of the first alert on positives.
    pub median_latency_pseudo_messages: Option<f64>,
}

/// Streams each segment as pseudo-messages (see [`pseudo_messages`]) and reports
/// ROC-AUC and alert rates at the engine's threshold.
pub fn vtpan_figures(
    engine: &RiskEngine,
    rows: &[(String, bool)],
    pseudo_authors: usize,
) -> VtpanFigures {
    let names = ["speaker_a", "speaker_b", "speaker_c"];
    let k = pseudo_authors.clamp(1, names.len());
    let mut max_risk = Vec::with_capacity(rows.len());
    let mut gated = Vec::with_capacity(rows.len());
    let mut labels = Vec::with_capacity(rows.len());
    let (mut fp, mut tp) = (0usize, 0usize);
    let mut latencies = Vec::new();
    for (segment, label) in rows {
        let mut state = engine.conversation();
        let mut m = 0f32;
        for (i, msg) in pseudo_messages(segment).iter().enumerate() {
            let a = state.observe(engine, names[i % k], i as u64, None, msg);
            m = m.max(a.conversation_risk);
        }
        let alerted = state.alert();
        if let Some((seq, _)) = alerted {
            if *label {
                tp += 1;
                latencies.push(seq as f64 + 1.0);
            } else {
                fp += 1;
            }
        }
        max_risk.push(m);
        gated.push(state.gated_max_risk());
        labels.push(*label);
    }
    let positives = labels.iter().filter(|l| **l).count();
    let negatives = labels.len() - positives;
    latencies.sort_by(f64::total_cmp);
    let median = if latencies.is_empty() {
        None
    } else {
        let n = latencies.len();
        Some(if n % 2 == 1 {
            latencies[n / 2]
        } else {
            (latencies[n / 2 - 1] + latencies[n / 2]) / 2.0
        })
    };
    VtpanFigures {
        segments: rows.len(),
        positives,
        pseudo_authors: k,
        roc_auc_max_risk: roc_auc(&max_risk, &labels),
        roc_auc_gated_risk: roc_auc(&gated, &labels),
        false_positive_rate: fp as f64 / negatives.max(1) as f64,
        true_positive_rate: tp as f64 / positives.max(1) as f64,
        median_latency_pseudo_messages: median,
    }
}

/// Parsed arguments of `lifeguard train`.
#[derive(Debug, Clone, Default)]
pub struct TrainArgs {
    /// `--data DIR`: holds `train-conversations.jsonl.gz` (or `.jsonl`),
    /// `train-predators.txt` and optionally `vtpan-validation/val_seg_en.csv`.
    pub data: PathBuf,
    /// `--out FILE`: where to write the model JSON.
    pub out: PathBuf,
    /// Options; `None` for the defaults.
    pub options: Option<TrainOptions>,
}

/// `lifeguard train`: trains, writes the model file, returns the report as JSON
/// (cross-validation, training fit, VTPAN, threshold).
pub fn train_command(args: &TrainArgs) -> Result<Value, TrainError> {
    let mut options = args.options.clone().unwrap_or_default();
    let gz = args.data.join("train-conversations.jsonl.gz");
    let plain = args.data.join("train-conversations.jsonl");
    let input = if gz.exists() { gz } else { plain };
    let predators_path = args.data.join("train-predators.txt");
    if !input.exists() || !predators_path.exists() {
        return Err(TrainError::Data(format!(
            "{} must hold train-conversations.jsonl[.gz] and train-predators.txt",
            args.data.display()
        )));
    }
    if options.vtpan.is_none() {
        let v = args.data.join("vtpan-validation").join("val_seg_en.csv");
        if v.exists() {
            options.vtpan = Some(v);
        }
    }
    if options.command.is_empty() {
        options.command = format!(
            "lifeguard train --data {} --out {}",
            args.data.display(),
            args.out.display()
        );
    }
    let predators = lifeguard_ingest::read_id_list(&predators_path)?;
    let mut report = train(&[input], Format::Jsonl, &predators, &options)?;
    if let Value::Object(p) = &mut report.model.provenance {
        p.insert(
            "predators_file".into(),
            json!({"file": "train-predators.txt", "sha256": sha256_file(&predators_path)?}),
        );
    }
    if let Some(dir) = args.out.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::write(&args.out, report.model.to_json() + "\n")?;
    Ok(json!({
        "out": args.out.display().to_string(),
        "threshold": report.model.threshold,
        "weights": report.model.feature_names.iter().zip(&report.model.weights)
            .map(|(n, w)| (n.clone(), json!(w))).collect::<serde_json::Map<String, Value>>(),
        "bias": report.model.bias,
        "operating_point": report.model.operating_point,
        "cv": report.cv,
        "training_fit": report.training_fit,
        "vtpan": report.vtpan,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_allows_the_target_rate() {
        let mut neg = vec![0.0f32; 1990];
        neg.extend([0.9, 0.8, 0.7, 0.6, 0.55, 0.52, 0.51, 0.3, 0.2, 0.1]);
        // 2,000 negatives, 1 per 1,000 -> 2 may alert: threshold just above 0.7.
        let t = calibrate_threshold(&neg, 1.0, 0.1);
        assert!(t > 0.7 && t < 0.71, "{t}");
        assert_eq!(neg.iter().filter(|v| **v >= t).count(), 2);
        // The floor wins when nothing scores.
        assert_eq!(calibrate_threshold(&[0.0; 100], 1.0, 0.5), 0.5);
    }

    #[test]
    fn auc_of_perfect_and_tied_scores() {
        assert_eq!(
            roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            1.0
        );
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), 0.5);
    }

    #[test]
    fn pseudo_messages_split_on_punctuation_and_length() {
        let m = pseudo_messages("hi there. how are you? a b c d e f g h i j k l");
        assert_eq!(m[0], "hi there.");
        assert_eq!(m[1], "how are you?");
        assert_eq!(m[2].split(' ').count(), 10);
        assert_eq!(m[3], "k l");
    }

    #[test]
    fn mean_of_json_leaves() {
        let m = mean_json(&[
            json!({"a": 1.0, "b": {"c": 2}}),
            json!({"a": 3.0, "b": {"c": 4}}),
        ]);
        assert_eq!(m, json!({"a": 2.0, "b": {"c": 3.0}}));
    }
}
