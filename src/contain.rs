//! Contained failures: a fault in stackaudit's handling of one file, one
//! network target or one rule costs that item only.
//!
//! Each unit of work runs inside [`catch`] (or [`catch_future`] on the async
//! runtime); a panic becomes an `Err` with its message and source location,
//! which the caller records as a scan error naming the file, target or rule.
//! The process-wide hook ([`install_quiet_hook`]) stops the default hook from
//! writing a raw panic message to stderr: the scan error is what a person
//! sees, once, in every report. Stack overflows cannot be caught; the
//! parsers' depth limits are what prevents them.
//!
//! A leaf: imports nothing of the crate, so every layer may use it.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};

use futures::FutureExt;

thread_local! {
    /// The last panic on this thread, as the hook saw it (message and
    /// location); the payload alone carries no location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics the quiet hook has seen, caught or not: the fuzz harness reports
/// how many a target's cases raised inside contained code (a library's).
static PANICS_SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many panics the quiet hook has seen in this process.
pub fn panics_seen() -> u64 {
    PANICS_SEEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// Replaces the default panic hook with one that records the panic for the
/// catch site instead of printing it. The location in the scan error is
/// what debugging starts from.
pub fn install_quiet_hook() {
    panic::set_hook(Box::new(|info| {
        PANICS_SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let message = payload_text(info.payload());
        let described = match info.location() {
            Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
            None => message,
        };
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(described));
    }));
}

/// Runs `work`; a panic inside it comes back as `Err(description)`.
///
/// `AssertUnwindSafe`: after a panic the caller drops everything `work`
/// touched for this item and keeps only other items' results, so no
/// half-updated state is observed.
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(work)).map_err(|payload| describe(payload.as_ref()))
}

/// [`catch`] for a future: polled on whatever worker, each poll that panics
/// is caught on the thread that ran it, so the hook's record is found.
pub async fn catch_future<F: Future>(work: F) -> Result<F::Output, String> {
    AssertUnwindSafe(work).catch_unwind().await.map_err(|payload| describe(payload.as_ref()))
}

/// What a caught panic says: the hook's record (with location) when the hook
/// ran on this thread, else the payload's text.
pub fn describe(payload: &(dyn Any + Send)) -> String {
    let text = payload_text(payload);
    // A panic re-raised from another thread (rayon hands a worker's panic to
    // the caller) left its record there: a record here that is not this
    // payload's is stale.
    match LAST_PANIC.with(|last| last.borrow_mut().take()) {
        Some(record) if record.starts_with(&text) => record,
        _ => text,
    }
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// The message of a scan error for a contained panic.
pub fn message(what: &str, description: &str) -> String {
    format!("internal error while {what}; this item's results are missing, the rest of the scan is kept: {description}")
}

/// Test-only fault injection: panics when `STACKAUDIT_TEST_PANIC` names this
/// item (a file's display path or file name, a target, a rule ID), so the
/// tests can prove each containment level on the real binary. Compiled in
/// debug builds only; release builds have no trigger.
#[inline]
pub fn test_trigger(item: &str) {
    #[cfg(debug_assertions)]
    {
        if let Some(wanted) = std::env::var_os("STACKAUDIT_TEST_PANIC") {
            let file_name = item.rsplit('/').next().unwrap_or(item);
            if wanted == item || wanted == file_name {
                #[allow(clippy::panic)] // The whole point: a deliberate fault for tests.
                {
                    panic!("test panic injected for {item}");
                }
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = item;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let caught = catch(|| -> u32 { std::panic::panic_any("boom".to_string()) });
        assert!(caught.unwrap_err().contains("boom"));
        assert_eq!(catch(|| 7), Ok(7));
    }

    #[test]
    fn a_panicking_future_becomes_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let caught = rt.block_on(catch_future(async { std::panic::panic_any("async boom".to_string()) }));
        assert!(caught.err().unwrap().contains("async boom"));
    }
}
