//! Reading a file that should be text, with the failure modes collectors must
//! report distinctly: too large, binary, unreadable, not a regular file.
//!
//! Every read in stackaudit that takes a path from its input goes through
//! [`open_regular`] and a byte cap: input is hostile, and `/dev/zero`, a FIFO
//! or a symlink to either must cost an error, not memory or a hang.
//!
//! A leaf every layer reads through (collectors, the config, the ignore
//! file, saved reports, rule files), so none of them imports a collector to
//! read a file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::diagnostics::{ErrorKind, ScanError};

/// Largest configuration file the structural parsers accept.
pub const DEFAULT_MAX_CONFIG_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("file is {size} bytes, over the {limit}-byte limit for configuration files")]
    TooLarge { size: u64, limit: u64 },
    #[error("binary data (not a text file)")]
    Binary,
    #[error("not valid UTF-8 text at byte {0}")]
    NotUtf8(usize),
    /// A FIFO, device, socket or folder where a file was expected.
    #[error("not a regular file (it is {0}); only regular files are read")]
    NotRegular(&'static str),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ReadError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReadError::TooLarge { .. } | ReadError::NotRegular(_) => ErrorKind::Unsupported,
            ReadError::Binary | ReadError::NotUtf8(_) => ErrorKind::Malformed,
            ReadError::Io(e) => ErrorKind::from_io(e),
        }
    }

    /// The scan error a collector records for this file.
    pub fn into_scan_error(self, source: &str, display_path: &str) -> ScanError {
        let kind = self.kind();
        let message = match &self {
            ReadError::Io(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                "permission denied: check the file's mode or run with access to it".to_string()
            }
            other => other.to_string(),
        };
        ScanError::new(source, display_path, kind, format!("cannot read: {message}"))
    }
}

/// What a non-regular file is, for messages (`a FIFO`, `a character
/// device`); `None` for a regular file.
pub fn special_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_file() {
        None
    } else if file_type.is_dir() {
        Some("a folder")
    } else if file_type.is_fifo() {
        Some("a FIFO")
    } else if file_type.is_char_device() {
        Some("a character device")
    } else if file_type.is_block_device() {
        Some("a block device")
    } else if file_type.is_socket() {
        Some("a socket")
    } else if file_type.is_symlink() {
        Some("a symbolic link")
    } else {
        Some("not a regular file")
    }
}

/// Opens `path` (symlinks followed) only if it is a regular file.
///
/// The open is non-blocking, so a FIFO with no writer cannot hang it, and
/// the type is checked on the opened descriptor, so a file swapped for a
/// device between a check and the open is still refused.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    open_regular_sized(path).map(|(file, _)| file)
}

/// [`open_regular`], with the length the opened file reports (the check's
/// own `fstat`, not one more).
pub fn open_regular_sized(path: &Path) -> Result<(File, u64), ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    // Cheap refusal first, without opening devices at all.
    if let Some(kind) = special_kind(std::fs::metadata(path)?.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    let meta = file.metadata()?;
    if let Some(kind) = special_kind(meta.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    Ok((file, meta.len()))
}

/// Reads at most `limit` bytes of the regular file `path`; more is
/// `TooLarge`, whatever the file's metadata claimed (`/proc` files report
/// size 0, and a file may grow while it is read).
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, size) = open_regular_sized(path)?;
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Reads `path` as UTF-8 text of at most `limit` bytes; FIFOs, devices and
/// sockets (also behind symlinks) are refused with `NotRegular`.
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    bytes_to_text(read_capped(path, limit)?)
}

/// Checks bytes are text: no NUL in the first 8 KiB (what git and grep use
/// to call a file binary) and valid UTF-8.
pub fn bytes_to_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    if looks_binary(&bytes) {
        return Err(ReadError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// How much of a file [`looks_binary`] reads.
pub const BINARY_PROBE_BYTES: usize = 8192;

/// A NUL byte in the first [`BINARY_PROBE_BYTES`].
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes.get(..BINARY_PROBE_BYTES).unwrap_or(bytes)).is_some()
}

/// The display form of a path: relative paths stay relative, `./` dropped.
/// Every layer shows paths the same way (files, reports, finding IDs).
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_and_symlinks_to_them_are_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(matches!(read_text(&zero, 1024), Err(ReadError::NotRegular("a character device"))));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path in a fresh temp dir.
        #[allow(unsafe_code, reason = "mkfifo(3) has no std wrapper")]
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(made, 0);
        assert!(matches!(read_text(&fifo, 1024), Err(ReadError::NotRegular("a FIFO"))));
        assert!(matches!(read_text(dir.path(), 1024), Err(ReadError::NotRegular("a folder"))));
    }

    #[test]
    fn the_cap_holds_even_when_metadata_says_nothing() {
        // /proc files report size 0 whatever they hold.
        let err = read_capped(Path::new("/proc/self/maps"), 16).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { size: 17, limit: 16 }), "{err:?}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "abc").unwrap();
        assert_eq!(read_text(&f, 3).unwrap(), "abc");
        assert!(matches!(read_text(&f, 2), Err(ReadError::TooLarge { size: 3, limit: 2 })));
    }
}
