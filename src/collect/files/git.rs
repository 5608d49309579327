//! Which files git tracks, read from the repository's index file itself.
//!
//! No git process is run: a scanned repository's `.git/config` is input
//! like any other file, and running git on it would execute what it names
//! (`core.fsmonitor`), depend on the machine's git and its
//! `safe.directory` rules, and need a timeout. The index format is small
//! and stable: `DIRC`, a version (2, 3 or 4), an entry count, and entries
//! whose path names are NUL-terminated (v2/v3, padded to 8 bytes) or
//! prefix-compressed against the previous name (v4). A split index's
//! shared part (`link` extension) is read as well. Nothing is ever written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::input::{read_capped, read_text};

/// Largest index file read (a 1,000,000-file monorepo's is about 100 MB).
pub const MAX_INDEX_BYTES: u64 = 256 * 1024 * 1024;
/// Largest `.git` pointer file, `commondir` or `config` read.
const MAX_SMALL_FILE_BYTES: u64 = 1024 * 1024;

/// A git work tree found above a scanned folder.
#[derive(Debug, Clone)]
pub struct Repo {
    /// Canonical path of the work tree's top folder.
    pub work_tree: PathBuf,
    /// The repository folder of this work tree (`.git`, or the folder a
    /// `.git` file points at for linked work trees and submodules).
    pub git_dir: PathBuf,
    /// Where shared files live (`info/exclude`, `config`): the main
    /// repository's folder for a linked work tree.
    pub common_dir: PathBuf,
}

/// Paths tracked in the index, relative to the work tree, `/`-separated.
#[derive(Debug, Default)]
pub struct Tracked {
    pub files: HashSet<Vec<u8>>,
    /// Every folder holding a tracked path (and sparse-index folders).
    pub dirs: HashSet<Vec<u8>>,
}

impl Tracked {
    fn add(&mut self, name: &[u8]) {
        let name = name.strip_suffix(b"/").unwrap_or(name);
        for (i, b) in name.iter().enumerate() {
            if *b == b'/' {
                if let Some(dir) = name.get(..i) {
                    self.dirs.insert(dir.to_vec());
                }
            }
        }
        self.files.insert(name.to_vec());
    }
}

/// The work tree holding `start` (an absolute, canonical folder), if any.
pub fn find_repo(start: &Path) -> Option<Repo> {
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = dot_git.symlink_metadata() else { continue };
        let git_dir = if meta.is_dir() {
            dot_git
        } else if meta.is_file() {
            // `gitdir: <path>` (linked work trees, submodules).
            let text = read_text(&dot_git, MAX_SMALL_FILE_BYTES).ok()?;
            let target = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
            dir.join(target)
        } else {
            return None;
        };
        let common_dir = match read_text(&git_dir.join("commondir"), MAX_SMALL_FILE_BYTES) {
            Ok(text) => git_dir.join(text.trim()),
            Err(_) => git_dir.clone(),
        };
        return Some(Repo { work_tree: dir.to_path_buf(), git_dir, common_dir });
    }
    None
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IndexError {
    #[error("cannot read the git index: {0}")]
    Read(String),
    #[error("the git index is not in a format stackaudit reads: {0}")]
    Format(&'static str),
}

impl Repo {
    /// Every path the index tracks. A repository with no index yet (no
    /// commit, nothing added) tracks nothing.
    pub fn tracked(&self) -> Result<Tracked, IndexError> {
        let path = self.git_dir.join("index");
        if !path.exists() {
            return Ok(Tracked::default());
        }
        let bytes = read_capped(&path, MAX_INDEX_BYTES).map_err(|e| IndexError::Read(e.to_string()))?;
        let hash_len = self.hash_len();
        let mut tracked = Tracked::default();
        let link = parse_index(&bytes, hash_len, &mut tracked)?;
        if let Some(shared) = link {
            let shared_path = self.git_dir.join(format!("sharedindex.{shared}"));
            let bytes = read_capped(&shared_path, MAX_INDEX_BYTES).map_err(|e| IndexError::Read(e.to_string()))?;
            parse_index(&bytes, hash_len, &mut tracked)?;
        }
        Ok(tracked)
    }

    /// 20 bytes (SHA-1), or 32 when the repository uses SHA-256 objects.
    fn hash_len(&self) -> usize {
        let config = read_text(&self.common_dir.join("config"), MAX_SMALL_FILE_BYTES).unwrap_or_default();
        let sha256 = config.lines().any(|l| {
            let l = l.trim().to_ascii_lowercase();
            l.split_once('=').is_some_and(|(k, v)| k.trim() == "objectformat" && v.trim() == "sha256")
        });
        if sha256 {
            32
        } else {
            20
        }
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_be_bytes(b))
}

/// Adds the index's paths to `tracked`; returns the shared index's name
/// (hex) when this is a split index.
fn parse_index(bytes: &[u8], hash_len: usize, tracked: &mut Tracked) -> Result<Option<String>, IndexError> {
    use IndexError::Format;
    if bytes.get(..4) != Some(b"DIRC") {
        return Err(Format("no DIRC signature"));
    }
    let version = be32(bytes, 4).ok_or(Format("truncated header"))?;
    if !(2..=4).contains(&version) {
        return Err(Format("unknown version"));
    }
    let count = be32(bytes, 8).ok_or(Format("truncated header"))? as usize;
    // Each entry takes at least this much: a count beyond it is corrupt.
    let fixed = 40 + hash_len + 2;
    if count > bytes.len() / fixed {
        return Err(Format("entry count larger than the file"));
    }
    let mut pos = 12usize;
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        let start = pos;
        let mode = be32(bytes, start + 24).ok_or(Format("truncated entry"))?;
        let flags = be16(bytes, start + 40 + hash_len).ok_or(Format("truncated entry"))?;
        let mut name_at = start + fixed;
        if version >= 3 && flags & 0x4000 != 0 {
            name_at += 2;
        }
        let rest = bytes.get(name_at..).ok_or(Format("truncated entry"))?;
        let name = if version == 4 {
            let (strip, used) = varint(rest).ok_or(Format("bad path prefix length"))?;
            let suffix = rest.get(used..).ok_or(Format("truncated entry"))?;
            let nul = memchr::memchr(0, suffix).ok_or(Format("unterminated path"))?;
            let keep = previous.len().checked_sub(strip).ok_or(Format("bad path prefix length"))?;
            previous.truncate(keep);
            previous.extend_from_slice(suffix.get(..nul).unwrap_or_default());
            pos = name_at + used + nul + 1;
            previous.clone()
        } else {
            let nul = memchr::memchr(0, rest).ok_or(Format("unterminated path"))?;
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            pos = start + ((name_at - start + nul + 8) & !7);
            rest.get(..nul).unwrap_or_default().to_vec()
        };
        if pos > bytes.len() {
            return Err(Format("truncated entry"));
        }
        // A split index's entries that replace a shared one have no name.
        if name.is_empty() {
            continue;
        }
        // Sparse-index folders (mode 040000) and submodules (160000) are
        // folders; the rest are files and symlinks.
        if matches!(mode & 0o170000, 0o040000 | 0o160000) {
            let dir = name.strip_suffix(b"/").unwrap_or(&name).to_vec();
            tracked.add(&dir);
            tracked.dirs.insert(dir);
        } else {
            tracked.add(&name);
        }
    }
    Ok(shared_index_name(bytes, pos, hash_len))
}

/// The `link` extension's shared index name, if present.
fn shared_index_name(bytes: &[u8], mut pos: usize, hash_len: usize) -> Option<String> {
    let end = bytes.len().checked_sub(hash_len)?;
    while pos + 8 <= end {
        let signature = bytes.get(pos..pos + 4)?;
        let size = be32(bytes, pos + 4)? as usize;
        let body = bytes.get(pos + 8..(pos + 8).checked_add(size)?)?;
        if signature == b"link" {
            let hash = body.get(..hash_len)?;
            return Some(hash.iter().map(|b| format!("{b:02x}")).collect());
        }
        pos = pos + 8 + size;
    }
    None
}

/// git's offset varint (`decode_varint`): returns the value and the bytes
/// it used.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut used = 0;
    let mut c = *bytes.first()?;
    used += 1;
    let mut value = usize::from(c & 0x7f);
    while c & 0x80 != 0 {
        c = *bytes.get(used)?;
        used += 1;
        value = value.checked_add(1)?.checked_mul(128)?.checked_add(usize::from(c & 0x7f))?;
    }
    Some((value, used))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .current_dir(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn names(t: &Tracked) -> Vec<String> {
        let mut v: Vec<String> = t.files.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        v.sort();
        v
    }

    /// The same repository written by git as index v2, v3 (an
    /// intent-to-add entry has extended flags) and v4.
    #[test]
    fn every_index_version_git_writes() {
        for version in ["2", "3", "4"] {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            git(d, &["init", "-q"]);
            std::fs::create_dir_all(d.join("nginx/conf.d")).unwrap();
            for f in [
                "nginx/conf.d/app.conf",
                "nginx/conf.d/api.conf",
                "nginx/nginx.conf",
                "a-long-name-of-more-than-eight.txt",
            ] {
                std::fs::write(d.join(f), "x").unwrap();
            }
            git(d, &["add", "."]);
            std::fs::write(d.join("later.txt"), "x").unwrap();
            git(d, &["add", "-N", "later.txt"]);
            git(d, &["update-index", "--index-version", version]);
            let repo = find_repo(&d.canonicalize().unwrap()).unwrap();
            let tracked = repo.tracked().unwrap();
            assert_eq!(
                names(&tracked),
                [
                    "a-long-name-of-more-than-eight.txt",
                    "later.txt",
                    "nginx/conf.d/api.conf",
                    "nginx/conf.d/app.conf",
                    "nginx/nginx.conf"
                ],
                "index v{version}"
            );
            assert!(tracked.dirs.contains(b"nginx/conf.d".as_slice()) && tracked.dirs.contains(b"nginx".as_slice()));
        }
    }

    #[test]
    fn a_split_index_and_a_linked_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("main");
        std::fs::create_dir_all(&d).unwrap();
        git(&d, &["init", "-q"]);
        std::fs::write(d.join("one.conf"), "x").unwrap();
        git(&d, &["add", "."]);
        git(&d, &["commit", "-qm", "one"]);
        git(&d, &["update-index", "--split-index"]);
        std::fs::write(d.join("two.conf"), "x").unwrap();
        git(&d, &["add", "two.conf"]);
        let tracked = find_repo(&d.canonicalize().unwrap()).unwrap().tracked().unwrap();
        assert_eq!(names(&tracked), ["one.conf", "two.conf"]);

        git(&d, &["worktree", "add", "-q", "../linked"]);
        let linked = dir.path().join("linked").canonicalize().unwrap();
        let repo = find_repo(&linked.join("sub-does-not-matter")).unwrap();
        assert_eq!(repo.work_tree, linked);
        assert_eq!(repo.common_dir.canonicalize().unwrap(), d.join(".git").canonicalize().unwrap());
        assert_eq!(names(&repo.tracked().unwrap()), ["one.conf"]);
    }

    #[test]
    fn corrupt_indexes_are_errors_never_panics() {
        let mut t = Tracked::default();
        assert!(parse_index(b"", 20, &mut t).is_err());
        assert!(parse_index(b"DIRC\0\0\0\x02\xff\xff\xff\xff", 20, &mut t).is_err());
        // Every truncation of a real index is refused or read, never a panic.
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        std::fs::write(dir.path().join("f.conf"), "x").unwrap();
        git(dir.path(), &["add", "."]);
        for version in ["2", "4"] {
            git(dir.path(), &["update-index", "--index-version", version]);
            let bytes = std::fs::read(dir.path().join(".git/index")).unwrap();
            for cut in 0..bytes.len() {
                let _ = parse_index(&bytes[..cut], 20, &mut Tracked::default());
                let mut flipped = bytes.clone();
                flipped[cut] ^= 0xff;
                let _ = parse_index(&flipped, 20, &mut Tracked::default());
            }
        }
    }
}
