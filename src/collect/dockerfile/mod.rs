//! Dockerfiles (`Dockerfile`, `Dockerfile.*` that starts like one,
//! `*.Dockerfile`, `Containerfile`):
//! one `dockerfile` fact per file for the image it builds, and one `image`
//! fact per `FROM` that pulls an image (stages built on earlier stages pull
//! nothing). The compose collector reuses [`analyze_file`] for services
//! built from a Dockerfile.

mod analyze;
mod lexer;
mod words;

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

pub use analyze::{analyze, analyze_with_args, pipes_download_into_shell, Analysis, BaseImage, StageOutcome};

use super::files::{DiscoveredFile, Discovery};
use super::secrets::Detector;
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError, Skipped};
use crate::facts::image::Image;
use crate::facts::{Fact, FactData, FactKind, Location, Subject};
use crate::input::{read_text, ReadError};

const SOURCE: &str = "dockerfile";

/// Extensions that make `Dockerfile.<ext>` something else: source code (an
/// editor's syntax mode named `dockerfile.js`), documents, data, ignore
/// files and archives.
const NOT_DOCKERFILE_EXTENSIONS: &[&str] = &[
    "dockerignore",
    "md",
    "markdown",
    "txt",
    "rst",
    "adoc",
    "html",
    "htm",
    "xml",
    "json",
    "yml",
    "yaml",
    "toml",
    "ini",
    "cfg",
    "sh",
    "bash",
    "zsh",
    "fish",
    "ps1",
    "bat",
    "cmd",
    "js",
    "mjs",
    "cjs",
    "jsx",
    "ts",
    "mts",
    "cts",
    "tsx",
    "vue",
    "svelte",
    "css",
    "scss",
    "less",
    "py",
    "pyc",
    "rb",
    "go",
    "rs",
    "java",
    "kt",
    "kts",
    "scala",
    "groovy",
    "gradle",
    "c",
    "h",
    "cc",
    "cpp",
    "hpp",
    "cs",
    "fs",
    "swift",
    "m",
    "php",
    "pl",
    "lua",
    "vim",
    "el",
    "ex",
    "exs",
    "erl",
    "hs",
    "clj",
    "dart",
    "r",
    "jl",
    "sql",
    "proto",
    "graphql",
    "snap",
    "map",
    "lock",
    "sum",
    "log",
    "diff",
    "patch",
    "orig",
    "rej",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "zst",
    "zip",
    "tar",
    "7z",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "ico",
    "pdf",
];

/// How a file name says it is a Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerfileName {
    /// `Dockerfile`, `Containerfile`, `app.Dockerfile`: nothing else.
    Exact,
    /// `Dockerfile.prod`: a convention shared with other files
    /// (`dockerfile.tmpl`, an editor's `dockerfile.vim`): the content decides.
    Variant,
}

/// `Dockerfile`, `Dockerfile.prod`, `app.Dockerfile`, `Containerfile`
/// (case-insensitive, as people spell them).
pub fn dockerfile_name(name: &str) -> Option<DockerfileName> {
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
    {
        return Some(DockerfileName::Exact);
    }
    let variant = lower.strip_prefix("dockerfile.").or_else(|| lower.strip_prefix("containerfile."))?;
    let extension = variant.rsplit('.').next().unwrap_or(variant);
    (!variant.is_empty() && !NOT_DOCKERFILE_EXTENSIONS.contains(&extension)).then_some(DockerfileName::Variant)
}

pub fn is_dockerfile_name(name: &str) -> bool {
    dockerfile_name(name).is_some()
}

/// A Dockerfile starts, after parser directives, comments, blank lines and
/// `ARG`s, with `FROM`.
pub fn starts_like_a_dockerfile(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let continues = |t: &str| t.ends_with('\\') || t.ends_with('`');
    let mut continued = false;
    for line in text.lines() {
        let t = line.trim();
        if continued {
            // The rest of a multi-line ARG.
            continued = continues(t) || t.is_empty() || t.starts_with('#');
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let keyword = t.split_whitespace().next().unwrap_or_default();
        if keyword.eq_ignore_ascii_case("ARG") {
            continued = continues(t);
            continue;
        }
        return keyword.eq_ignore_ascii_case("FROM");
    }
    false
}

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let files: Vec<(&DiscoveredFile, DockerfileName)> =
        discovery.files.iter().filter_map(|f| dockerfile_name(f.file_name()).map(|n| (f, n))).collect();
    files
        .par_iter()
        .map(|(f, n)| super::contained(SOURCE, &f.display, || collect_file(f, *n, limit, ctx.detector)).streamed(ctx))
        .collect()
}

/// Reads and analyses one Dockerfile, with compose's build arguments.
pub fn analyze_file(
    path: &Path,
    limit: u64,
    detector: &Detector,
    build_args: &HashMap<String, String>,
) -> Result<(Analysis, u64), ReadError> {
    let text = read_text(path, limit)?;
    Ok((analyze_with_args(&text, detector, build_args), text.len() as u64))
}

fn collect_file(file: &DiscoveredFile, name: DockerfileName, limit: u64, detector: &Detector) -> Collected {
    let mut out = Collected::default();
    let text = match read_text(&file.path, limit) {
        Ok(t) => t,
        Err(e) => {
            out.error(e.into_scan_error(SOURCE, &file.display));
            return out;
        }
    };
    if name == DockerfileName::Variant && !starts_like_a_dockerfile(&text) {
        out.skipped.push(Skipped {
            path: file.display.clone(),
            reason: "named like a Dockerfile variant, but it does not start with FROM (after comments and ARGs): \
                     not read as one"
                .into(),
        });
        return out;
    }
    let analysis = analyze(&text, detector);
    out.stats.files = 1;
    out.stats.bytes = text.len() as u64;
    let display = file.display.as_str();
    for e in &analysis.errors {
        out.error(
            ScanError::new(SOURCE, display, ErrorKind::Malformed, format!("line {}: {}", e.line, e.message))
                .at(Location::line(display, e.line)),
        );
    }
    if analysis.dockerfile.stages.is_empty() {
        return out;
    }
    out.facts.extend(facts(display, analysis));
    out
}

/// The `dockerfile` fact and the `image` facts of one analysed file.
pub fn facts(display: &str, analysis: Analysis) -> Vec<Fact> {
    let mut facts = Vec::with_capacity(1 + analysis.base_images.len());
    // One copy of the path for every location in the file.
    let shared: std::sync::Arc<str> = std::sync::Arc::from(display);
    for base in &analysis.base_images {
        let subject = Subject::scoped(FactKind::Image, &base.stage, display).with_label("image", &base.reference.raw);
        let mut fact = Fact::new(
            subject,
            FactData::Image(Image {
                reference: base.reference.clone(),
                used_by: "dockerfile".into(),
                final_stage: base.final_stage,
            }),
        );
        fact.origin = Some(Location::line(&shared, base.line));
        fact.locations.insert("image".into(), Location::line(&shared, base.line));
        facts.push(fact);
    }
    let mut fact = Fact::new(Subject::new(FactKind::Dockerfile, display), FactData::Dockerfile(analysis.dockerfile));
    fact.origin = analysis.final_from_line.map(|l| Location::line(&shared, l));
    fact.locations = analysis.lines.iter().map(|(k, l)| (k.clone(), Location::line(&shared, *l))).collect();
    facts.insert(0, fact);
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in
            ["Dockerfile", "dockerfile", "Dockerfile.prod", "app.Dockerfile", "Containerfile", "Dockerfile.dev.arm64"]
        {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "Dockerfile.md",
            "docker-compose.yml",
            "Dockerfiles.md",
            "README",
            "dockerfile.js",
            "dockerfile.test.ts",
            "Dockerfile.",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
        assert_eq!(dockerfile_name("Dockerfile"), Some(DockerfileName::Exact));
        assert_eq!(dockerfile_name("Dockerfile.prod"), Some(DockerfileName::Variant));
    }

    #[test]
    fn sniffs_the_first_instruction() {
        assert!(starts_like_a_dockerfile(
            "# syntax=docker/dockerfile:1\n\nARG BASE=node:20 \\\n  OTHER=1\nFROM $BASE\n"
        ));
        assert!(starts_like_a_dockerfile("\u{feff}from alpine\n"));
        assert!(starts_like_a_dockerfile("# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\n"));
        assert!(!starts_like_a_dockerfile("import { foo } from 'bar';\n"));
        assert!(!starts_like_a_dockerfile("ARG X\nRUN true\n"));
        assert!(!starts_like_a_dockerfile(""));
    }
}
