//! Response-time targets and timings: per queue, pending cases, the oldest,
//! breaches of the queue's target; per queue and per category, time to first
//! view and time to first action (median and 90th percentile).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lifeguard_store::CaseTiming;

use crate::config::ConsoleConfig;
use crate::model::Queue;

/// Median and 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    /// How many cases.
    pub n: usize,
    /// Median seconds.
    pub median: Option<f64>,
    /// 90th percentile seconds (nearest rank).
    pub p90: Option<f64>,
}

impl Spread {
    /// The spread of `values` (seconds).
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let rank = |q: f64| -> Option<f64> {
            if values.is_empty() {
                return None;
            }
            let i = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
            Some(values[i])
        };
        Spread {
            n: values.len(),
            median: rank(0.5),
            p90: rank(0.9),
        }
    }
}

/// One queue's line.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueLine {
    /// The queue.
    pub queue: Queue,
    /// Its target, hours.
    pub target_hours: f64,
    /// Waiting cases.
    pub pending: usize,
    /// Waiting cases older than the target.
    pub breaches: usize,
    /// Age of the oldest waiting case, seconds.
    pub oldest_s: Option<f64>,
    /// Opened to first view.
    pub first_view: Spread,
    /// Opened to first action.
    pub first_action: Spread,
    /// Cases acted on later than the target.
    pub late_actions: usize,
}

/// One category's line.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryLine {
    /// The category's wire name.
    pub category: String,
    /// Waiting cases.
    pub pending: usize,
    /// Opened to first view.
    pub first_view: Spread,
    /// Opened to first action.
    pub first_action: Spread,
}

/// The SLA page's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// By queue, most urgent first.
    pub queues: Vec<QueueLine>,
    /// By category.
    pub categories: Vec<CategoryLine>,
}

fn secs(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    ((to - from).num_milliseconds() as f64 / 1000.0).max(0.0)
}

/// Computes the report at `now`.
pub fn report(timings: &[CaseTiming], config: &ConsoleConfig, now: DateTime<Utc>) -> Report {
    let mut queues = Vec::new();
    for queue in Queue::ALL {
        let target_hours = config.sla(queue);
        let target_s = target_hours * 3600.0;
        let mine: Vec<_> = timings
            .iter()
            .filter(|t| t.queue == queue.as_str())
            .collect();
        let waiting: Vec<f64> = mine
            .iter()
            .filter(|t| t.pending)
            .map(|t| secs(t.opened_at, now))
            .collect();
        let actions: Vec<f64> = mine
            .iter()
            .filter_map(|t| t.first_action_at.map(|a| secs(t.opened_at, a)))
            .collect();
        queues.push(QueueLine {
            queue,
            target_hours,
            pending: waiting.len(),
            breaches: waiting.iter().filter(|s| **s > target_s).count(),
            oldest_s: waiting.iter().copied().reduce(f64::max),
            first_view: Spread::of(
                mine.iter()
                    .filter_map(|t| t.first_viewed_at.map(|v| secs(t.opened_at, v)))
                    .collect(),
            ),
            late_actions: actions.iter().filter(|s| **s > target_s).count(),
            first_action: Spread::of(actions),
        });
    }
    let mut by_category: BTreeMap<&str, Vec<&CaseTiming>> = BTreeMap::new();
    for t in timings {
        by_category.entry(t.category.as_str()).or_default().push(t);
    }
    let categories = by_category
        .into_iter()
        .map(|(category, ts)| CategoryLine {
            category: category.to_owned(),
            pending: ts.iter().filter(|t| t.pending).count(),
            first_view: Spread::of(
                ts.iter()
                    .filter_map(|t| t.first_viewed_at.map(|v| secs(t.opened_at, v)))
                    .collect(),
            ),
            first_action: Spread::of(
                ts.iter()
                    .filter_map(|t| t.first_action_at.map(|a| secs(t.opened_at, a)))
                    .collect(),
            ),
        })
        .collect();
    Report { queues, categories }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn timing(
        queue: &str,
        opened_h: i64,
        viewed_h: Option<i64>,
        acted_h: Option<i64>,
    ) -> CaseTiming {
        let now = Utc::now();
        let opened = now - Duration::hours(opened_h);
        CaseTiming {
            case_id: format!("{queue}-{opened_h}"),
            queue: queue.into(),
            category: "grooming".into(),
            opened_at: opened,
            first_viewed_at: viewed_h.map(|h| opened + Duration::hours(h)),
            first_action_at: acted_h.map(|h| opened + Duration::hours(h)),
            pending: acted_h.is_none(),
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let s = Spread::of((1..=10).map(f64::from).collect());
        assert_eq!((s.n, s.median, s.p90), (10, Some(5.0), Some(9.0)));
        assert_eq!(Spread::of(vec![]).median, None);
        assert_eq!(Spread::of(vec![7.0]).p90, Some(7.0));
    }

    #[test]
    fn breaches_are_waiting_cases_older_than_the_target() {
        let t: toml::Table = "sla_hours = { imminent_risk = 1, grooming = 24 }"
            .parse()
            .unwrap();
        let config = ConsoleConfig::from_table(&t).unwrap();
        let timings = vec![
            timing("imminent_risk", 2, Some(1), None), // waiting 2 h > 1 h: breach
            timing("imminent_risk", 0, None, None),    // fresh
            timing("grooming", 30, Some(2), Some(3)),  // acted on in 3 h: not waiting
            timing("grooming", 25, None, None),        // waiting 25 h > 24 h: breach
        ];
        let r = report(&timings, &config, Utc::now());
        let imminent = &r.queues[0];
        assert_eq!(imminent.queue, Queue::ImminentRisk);
        assert_eq!((imminent.pending, imminent.breaches), (2, 1));
        assert_eq!(imminent.first_view.median, Some(3600.0));
        let grooming = r
            .queues
            .iter()
            .find(|q| q.queue == Queue::Grooming)
            .unwrap();
        assert_eq!((grooming.pending, grooming.breaches), (1, 1));
        assert_eq!(grooming.first_action.median, Some(3.0 * 3600.0));
        assert_eq!(grooming.late_actions, 0);
        assert_eq!(r.categories[0].pending, 3);
    }
}
