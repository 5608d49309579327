//! Grandfather-father-son retention, as backup tools apply it: keep the
//! newest run of each of the last N days, N weeks and N months (a run may
//! count for several), and always the newest run.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Utc};

use crate::config::Retention;

/// Maps a run's time to its day, ISO week or month.
type BucketOf = fn(&DateTime<Utc>) -> (i32, u32);

/// Indices (into `times`, newest first) of the runs to keep.
pub fn keep(times: &[DateTime<Utc>], retention: &Retention) -> HashSet<usize> {
    let mut kept = HashSet::new();
    if !times.is_empty() {
        kept.insert(0);
    }
    let buckets: [(u32, BucketOf); 3] = [
        (retention.daily, |t| (t.year(), t.ordinal())),
        (retention.weekly, |t| (t.iso_week().year(), t.iso_week().week())),
        (retention.monthly, |t| (t.year(), t.month())),
    ];
    for (limit, bucket_of) in buckets {
        let mut last = None;
        let mut count = 0;
        for (i, t) in times.iter().enumerate() {
            if count >= limit {
                break;
            }
            let bucket = bucket_of(t);
            if last != Some(bucket) {
                last = Some(bucket);
                count += 1;
                kept.insert(i);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn daily_runs_over_400_days_keep_about_23() {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 3, 0, 0).unwrap();
        let mut times: Vec<_> = (0..400).map(|d| start + Duration::days(d)).collect();
        times.reverse();
        let kept = keep(&times, &Retention::default());
        // 7 dailies, 4 weeklies and 12 monthlies, minus the runs that count
        // for several (the newest run is all three; the last week's newest
        // run is also a daily).
        assert!((17..=23).contains(&kept.len()), "{}", kept.len());
        assert!(kept.len() < 23);
        assert!(kept.contains(&0));
        // The oldest kept run is about 11 months back.
        let oldest = kept.iter().map(|&i| times[i]).min().unwrap();
        assert!(times[0] - oldest >= Duration::days(300) && times[0] - oldest <= Duration::days(366));
    }

    #[test]
    fn several_runs_a_day_keep_the_newest_of_each_day() {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
        let mut times: Vec<_> = (0..48).map(|h| start + Duration::hours(h)).collect();
        times.reverse();
        let kept = keep(&times, &Retention { daily: 7, weekly: 0, monthly: 0 });
        let mut days: Vec<_> = kept.iter().map(|&i| times[i]).collect();
        days.sort();
        assert_eq!(days, vec![start + Duration::hours(23), start + Duration::hours(47)]);
    }
}
