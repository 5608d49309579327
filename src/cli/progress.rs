//! Progress on stderr, only when stderr is a terminal: CI logs stay clean.
//!
//! One spinner line names the stage; each counted piece of work (the pods of
//! one cluster context, say) gets a line of its own, a bar once its total is
//! known, so concurrent clusters do not overwrite each other's counts.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::pipeline::Progress;

pub struct Spinner {
    shown: Option<Shown>,
}

struct Shown {
    lines: MultiProgress,
    stage: ProgressBar,
    counts: Mutex<HashMap<String, ProgressBar>>,
}

impl Spinner {
    pub fn new() -> Self {
        if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
            return Self { shown: None };
        }
        let lines = MultiProgress::new();
        let stage = lines.add(ProgressBar::new_spinner());
        stage.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        stage.enable_steady_tick(Duration::from_millis(100));
        Self { shown: Some(Shown { lines, stage, counts: Mutex::new(HashMap::new()) }) }
    }

    pub fn finish(&self) {
        if let Some(shown) = &self.shown {
            let counts = shown.counts.lock().unwrap_or_else(|e| e.into_inner());
            for bar in counts.values() {
                bar.finish_and_clear();
            }
            shown.stage.finish_and_clear();
            // Nothing is left to draw; a failed clear only leaves a line.
            let _ = shown.lines.clear();
        }
    }
}

impl Progress for Spinner {
    fn stage(&self, name: &str) {
        if let Some(shown) = &self.shown {
            shown.stage.set_message(name.to_string());
        }
    }

    fn count(&self, what: &str, done: u64, total: Option<u64>) {
        let Some(shown) = &self.shown else { return };
        let mut counts = shown.counts.lock().unwrap_or_else(|e| e.into_inner());
        let bar = counts.entry(what.to_string()).or_insert_with(|| {
            let bar = shown.lines.add(ProgressBar::new_spinner());
            bar.set_message(what.to_string());
            bar
        });
        // The last page of a list carries no remaining count: the bar, once
        // shown, ends full rather than turning back into a bare count.
        let total = total.or_else(|| bar.length().map(|_| done));
        match total {
            Some(total) => {
                if bar.length() != Some(total) {
                    bar.set_length(total);
                    bar.set_style(
                        ProgressStyle::with_template("  {msg} [{bar:30}] {pos}/{len}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                }
            }
            None => bar.set_style(
                ProgressStyle::with_template("  {msg} {pos}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        }
        bar.set_position(done);
    }
}
