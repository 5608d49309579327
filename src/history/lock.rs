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

/// Opens (or creates) the lock file without following a symlink planted in
/// its place (which would create or lock the link's target) and without
/// blocking on a FIFO (an open for writing waits for a reader forever).
fn open_lock_file(path: &Path) -> anyhow::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            anyhow::anyhow!("{} is a symbolic link; the history lock must be a regular file", path.display())
        } else if e.raw_os_error() == Some(libc::ENXIO) {
            anyhow::anyhow!("{} is a FIFO; the history lock must be a regular file", path.display())
        } else {
            anyhow::Error::new(e).context(format!("cannot open {}", path.display()))
        }
    })?;
    let meta = file.metadata().with_context(|| format!("cannot inspect {}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a regular file; the history lock must be one", path.display());
    }
    Ok(file)
}

impl HistoryLock {
    /// Waits up to `wait` for another run to finish, then gives up.
    pub fn acquire(dir: &Path, wait: Duration) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create history folder {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let file = open_lock_file(&path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_in_place_of_the_lock_is_refused_and_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.path().join(LOCK_FILE)).unwrap();
        let err = HistoryLock::acquire(dir.path(), Duration::ZERO).unwrap_err();
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
        assert!(!target.exists(), "the link's target is not created");
    }

    #[test]
    fn a_fifo_in_place_of_the_lock_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        #[allow(unsafe_code, reason = "mkfifo(3) has no std wrapper")]
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(made, 0);
        let err = HistoryLock::acquire(dir.path(), Duration::ZERO).unwrap_err();
        assert!(format!("{err:#}").contains("FIFO"), "{err:#}");
    }
}
