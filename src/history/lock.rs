//! One run at a time per history folder: an advisory lock on a file inside
//! it, held until the run has written its report and applied retention.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

pub const LOCK_FILE: &str = ".stackaudit.lock";

/// Held while it lives; the kernel releases it when the process dies, so a
/// killed run never leaves a stale lock behind.
#[derive(Debug)]
pub struct HistoryLock {
    _file: File,
}

impl HistoryLock {
    /// Waits up to `wait` for another run to finish, then gives up.
    pub fn acquire(dir: &Path, wait: Duration) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create history folder {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => bail!(
                    "another stackaudit run holds the lock on {} (waited {}s); overlapping runs would interleave \
                     their history",
                    dir.display(),
                    wait.as_secs()
                ),
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
    }
}
