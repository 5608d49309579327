//! Runs over time: what changed since the last run, the history folder with
//! its retention, and the lock that keeps overlapping runs apart.

pub mod diff;
pub mod lock;
pub mod retention;
pub mod store;

pub use diff::{diff_findings, Diff, PreviousRun};
