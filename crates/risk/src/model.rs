//! The linear model: feature names, weights, bias, operating point and provenance.
use serde::{Deserialize, Serialize};

use crate::RiskError;

/// The model shipped with the crate (`models/grooming.json` in this crate).
pub const DEFAULT_MODEL_JSON: &[u8] = include_bytes!("../models/grooming.json");

/// Current model file format version.
pub const MODEL_VERSION: u32 = 1;

/// A logistic-regression offender model over per-author features.
///
/// `score = sigmoid(bias + Σ weights[i] · features[i])`; an alert needs
/// `score ≥ threshold` plus the evidence rule in [`AlertRule`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// File format version ([`MODEL_VERSION`]).
    pub version: u32,
    /// Always `"logistic"`.
    pub kind: String,
    /// One name per weight, in order; must match the engine's features.
    pub feature_names: Vec<String>,
    /// One weight per feature.
    pub weights: Vec<f32>,
    /// The intercept.
    pub bias: f32,
    /// The operating point: the offender score at or above which an alert may fire.
    pub threshold: f32,
    /// The minimum-evidence rule that must also hold for an alert.
    #[serde(default)]
    pub alert_rule: AlertRule,
    /// How the threshold was chosen.
    #[serde(default)]
    pub operating_point: serde_json::Value,
    /// Training data, hashes, date, command and cross-validated figures.
    #[serde(default)]
    pub provenance: serde_json::Value,
}

/// The evidence an alert needs besides the score, so that one phrase never alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    /// Distinct behaviours (other than stating one's own age) the suspect must show.
    pub min_distinct_behaviours: usize,
    /// Whether a child-directed signal is required: a counterpart stating a minor's
    /// age, or the suspect asking for secrecy, isolating, contradicting an age or
    /// threatening. Adult chat about sex must not alert without one.
    pub require_child_signal: bool,
    /// Whether an author who stated a minor's age for themself is never flagged
    /// (unless their age claims contradict each other): teenagers chatting with
    /// teenagers ask each other's age and swap handles.
    #[serde(default = "yes")]
    pub exclude_self_declared_minors: bool,
    /// Without a counterpart stating a minor's age, how many distinct child-directed
    /// behaviours (secrecy, isolation, age contradiction, sextortion) the suspect
    /// must show for the child signal. "A secret" or "are you alone" alone is
    /// common in adult chat.
    #[serde(default = "two")]
    pub child_behaviours_without_minor_age: usize,
    /// Without a counterpart stating a minor's age, one child-directed behaviour is
    /// enough when the suspect shows at least this many distinct request or
    /// pressure behaviours in all (0: never; a file without the field reads 0).
    #[serde(default)]
    pub one_child_behaviour_with_distinct: usize,
    /// Messages of the suspect's that must carry evidence (any behaviour), so
    /// that one message never alerts however much it packs in.
    #[serde(default = "two")]
    pub min_evidence_messages: usize,
    /// A counterpart's stated minor age is a child signal only while the
    /// conversation has at most this many authors (0: any number). Grooming is
    /// one-to-one; in a group room the person who said "15" is rarely the one the
    /// suspect is talking to.
    #[serde(default)]
    pub max_authors_for_stated_age: usize,
    /// A counterpart's stated age is a child signal only below this age (18: any
    /// minor's age).
    #[serde(default = "eighteen")]
    pub stated_child_age_below: u8,
}

fn eighteen() -> u8 {
    18
}

fn two() -> usize {
    2
}

fn yes() -> bool {
    true
}

impl Default for AlertRule {
    fn default() -> Self {
        AlertRule {
            min_distinct_behaviours: 2,
            require_child_signal: true,
            exclude_self_declared_minors: true,
            child_behaviours_without_minor_age: 2,
            min_evidence_messages: 2,
            one_child_behaviour_with_distinct: 6,
            max_authors_for_stated_age: 2,
            stated_child_age_below: 16,
        }
    }
}

impl Model {
    /// Parses a model file (JSON) and checks that its vectors agree.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, RiskError> {
        let model: Model =
            serde_json::from_slice(bytes).map_err(|e| RiskError::Model(e.to_string()))?;
        model.check()?;
        Ok(model)
    }

    /// The model embedded in the crate.
    pub fn default_model() -> Result<Model, RiskError> {
        Model::from_bytes(DEFAULT_MODEL_JSON)
    }

    /// Serialises the model as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a model always serialises")
    }

    fn check(&self) -> Result<(), RiskError> {
        if self.version != MODEL_VERSION {
            return Err(RiskError::Model(format!(
                "model version {} is not supported (expected {MODEL_VERSION})",
                self.version
            )));
        }
        if self.kind != "logistic" {
            return Err(RiskError::Model(format!(
                "model kind `{}` is not supported",
                self.kind
            )));
        }
        if self.weights.len() != self.feature_names.len() {
            return Err(RiskError::Model(format!(
                "{} weights for {} features",
                self.weights.len(),
                self.feature_names.len()
            )));
        }
        if !self.weights.iter().all(|w| w.is_finite())
            || !self.bias.is_finite()
            || !self.threshold.is_finite()
        {
            return Err(RiskError::Model("non-finite parameter".into()));
        }
        Ok(())
    }

    /// The linear part `bias + w·x`.
    #[inline]
    pub fn margin(&self, features: &[f32]) -> f32 {
        self.bias
            + self
                .weights
                .iter()
                .zip(features)
                .map(|(w, x)| w * x)
                .sum::<f32>()
    }

    /// The offender score in `[0, 1]`.
    #[inline]
    pub fn score(&self, features: &[f32]) -> f32 {
        sigmoid(self.margin(features))
    }
}

/// The logistic function.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Options of the logistic-regression fit.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// L2 penalty on the weights (not the bias), relative to a unit total sample weight.
    pub l2: f64,
    /// Newton iterations at most.
    pub max_iter: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            l2: 1e-3,
            max_iter: 50,
        }
    }
}

/// Fits a weighted, L2-regularised logistic regression by Newton's method.
///
/// `x` holds `n` rows of `d` features, row-major; `y` the labels; `w` the sample
/// weights (class weights already applied). Returns `(weights, bias)`.
pub fn fit_logistic(
    x: &[f32],
    d: usize,
    y: &[bool],
    w: &[f64],
    opts: FitOptions,
) -> (Vec<f32>, f32) {
    let n = y.len();
    assert_eq!(x.len(), n * d);
    assert_eq!(w.len(), n);
    let total: f64 = w.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let p = d + 1; // last parameter is the bias
    let mut beta = vec![0.0f64; p];
    for _ in 0..opts.max_iter {
        let mut grad = vec![0.0f64; p];
        let mut hess = vec![0.0f64; p * p];
        let mut row = vec![0.0f64; p];
        for i in 0..n {
            let xi = &x[i * d..(i + 1) * d];
            for (r, v) in row.iter_mut().zip(xi) {
                *r = *v as f64;
            }
            row[d] = 1.0;
            let z: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let mu = 1.0 / (1.0 + (-z).exp());
            let wi = w[i] / total;
            let g = wi * (mu - if y[i] { 1.0 } else { 0.0 });
            let h = wi * (mu * (1.0 - mu)).max(1e-12);
            for a in 0..p {
                if row[a] == 0.0 {
                    continue;
                }
                grad[a] += g * row[a];
                let ha = h * row[a];
                for b in a..p {
                    hess[a * p + b] += ha * row[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                hess[a * p + b] = hess[b * p + a];
            }
        }
        for a in 0..d {
            grad[a] += opts.l2 * beta[a];
            hess[a * p + a] += opts.l2;
        }
        hess[d * p + d] += 1e-9;
        let step = solve(&mut hess, &grad, p);
        let mut max_step = 0.0f64;
        for (b, s) in beta.iter_mut().zip(&step) {
            *b -= s;
            max_step = max_step.max(s.abs());
        }
        if max_step < 1e-7 {
            break;
        }
    }
    (
        beta[..d].iter().map(|b| *b as f32).collect(),
        beta[d] as f32,
    )
}

/// Solves `a · x = b` for a symmetric positive-definite `a` (Gaussian elimination
/// with partial pivoting; `a` is overwritten).
fn solve(a: &mut [f64], b: &[f64], p: usize) -> Vec<f64> {
    let mut b = b.to_vec();
    for col in 0..p {
        let pivot = (col..p)
            .max_by(|&i, &j| a[i * p + col].abs().total_cmp(&a[j * p + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for k in 0..p {
                a.swap(col * p + k, pivot * p + k);
            }
            b.swap(col, pivot);
        }
        let d = a[col * p + col];
        if d.abs() < 1e-15 {
            continue;
        }
        for r in col + 1..p {
            let f = a[r * p + col] / d;
            if f == 0.0 {
                continue;
            }
            for k in col..p {
                a[r * p + k] -= f * a[col * p + k];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; p];
    for r in (0..p).rev() {
        let mut s = b[r];
        for k in r + 1..p {
            s -= a[r * p + k] * x[k];
        }
        let d = a[r * p + r];
        x[r] = if d.abs() < 1e-15 { 0.0 } else { s / d };
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_separates_a_simple_case() {
        // Feature 0 decides the label; feature 1 is noise.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let pos = i % 2 == 0;
            x.push(if pos { 1.0 } else { 0.0 });
            x.push((i % 7) as f32 / 7.0);
            y.push(pos);
        }
        let w = vec![1.0; y.len()];
        let (weights, bias) = fit_logistic(&x, 2, &y, &w, FitOptions::default());
        assert!(weights[0] > 3.0, "{weights:?}");
        assert!(weights[1].abs() < 1.0, "{weights:?}");
        assert!(bias < -1.0, "{bias}");
    }

    #[test]
    fn from_bytes_rejects_mismatched_vectors() {
        let bad = br#"{"version":1,"kind":"logistic","feature_names":["a"],"weights":[],"bias":0,"threshold":0.5}"#;
        assert!(matches!(Model::from_bytes(bad), Err(RiskError::Model(_))));
        let ok = br#"{"version":1,"kind":"logistic","feature_names":["a"],"weights":[1],"bias":0,"threshold":0.5}"#;
        let m = Model::from_bytes(ok).unwrap();
        assert!((m.score(&[0.0]) - 0.5).abs() < 1e-6);
    }
}
