//! Writing report files: atomically (a temporary file in the same folder,
//! then a rename), readable by the owner only, so a run that dies mid-write
//! leaves the previous report intact and a report never leaks to other users.
//!
//! The rename replaces whatever entry has the report's name, a symbolic link
//! included, without writing through it: a link planted at the report's path
//! cannot make a run overwrite the file it points to. Temporary files carry
//! the writer's process ID, so a later run can tell the leftovers of a killed
//! run (whose process is gone) from a concurrent run's, and removes them.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

const TMP_PREFIX: &str = ".stackaudit-";
const TMP_SUFFIX: &str = ".tmp";

pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, |out| Ok(out.write_all(contents)?))
}

/// [`write_atomic`] for contents produced while writing (a streamed report).
pub fn write_atomic_with(
    path: &Path,
    produce: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    remove_stale_temporaries(dir);
    let mut builder = tempfile::Builder::new();
    let prefix = format!("{TMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(TMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp =
        builder.tempfile_in(dir).with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        produce(&mut out)
            .and_then(|()| Ok(out.flush()?))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.as_file().sync_all().with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Removes `.stackaudit-<pid>-*.tmp` regular files whose writer no longer
/// runs. Best effort: a folder that cannot be listed is left as it is.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(writer_pid) else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process ID in a temporary file's name, for names this module makes.
fn writer_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TMP_PREFIX)?.strip_suffix(TMP_SUFFIX)?;
    let (pid, _random) = rest.split_once('-')?;
    pid.parse().ok()
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks that the
    // process exists and may be signalled.
    #[allow(unsafe_code, reason = "kill(pid, 0): std cannot ask whether another process exists")]
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_at_the_report_path_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let report = dir.path().join("stackaudit.json");
        std::os::unix::fs::symlink(&victim, &report).unwrap();
        write_atomic(&report, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert!(!std::fs::symlink_metadata(&report).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "{}");
    }

    #[test]
    fn leftovers_of_a_dead_writer_are_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has exited: its PID is free (reuse within the test
        // is possible in theory; the live case below guards the opposite).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!(".stackaudit-{dead}-abc123.tmp"));
        let live = dir.path().join(".stackaudit-1-def456.tmp");
        let other = dir.path().join(".stackaudit-notes.tmp");
        for f in [&stale, &live, &other] {
            std::fs::write(f, "x").unwrap();
        }
        write_atomic(&dir.path().join("stackaudit.json"), b"{}").unwrap();
        assert!(!stale.exists(), "a dead writer's temporary file is removed");
        assert!(live.exists(), "PID 1 runs: its file may be in use");
        assert!(other.exists(), "names this module does not make are left alone");
    }

    #[test]
    fn writer_pid_reads_only_our_names() {
        assert_eq!(writer_pid(".stackaudit-4242-Ab3xYz.tmp"), Some(4242));
        assert_eq!(writer_pid(".stackaudit-Ab3xYz.tmp"), None);
        assert_eq!(writer_pid("stackaudit-4242-x.tmp"), None);
    }
}
