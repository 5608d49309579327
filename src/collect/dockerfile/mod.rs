//! Dockerfiles (`Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `Containerfile`):
//! one `dockerfile` fact per file for the image it builds, and one `image`
//! fact per `FROM` that pulls an image (stages built on earlier stages pull
//! nothing). The compose collector reuses [`analyze_file`] for services
//! built from a Dockerfile.

mod analyze;
mod lexer;
mod words;

use std::path::Path;

use rayon::prelude::*;

pub use analyze::{analyze, pipes_download_into_shell, Analysis, BaseImage};

use super::files::{DiscoveredFile, Discovery};
use super::secrets::Detector;
use super::text::{read_text, ReadError};
use super::{CollectContext, Collected};
use crate::diagnostics::{ErrorKind, ScanError};
use crate::facts::image::Image;
use crate::facts::{Fact, FactData, FactKind, Location, Subject};

const SOURCE: &str = "dockerfile";

/// `Dockerfile`, `Dockerfile.prod`, `app.Dockerfile`, `Containerfile`
/// (case-insensitive, as people spell them).
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || (lower.starts_with("dockerfile.") && !lower.ends_with(".dockerignore"))
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

pub fn collect(discovery: &Discovery, ctx: &CollectContext<'_>) -> Collected {
    let limit = ctx.config.scan.max_config_bytes;
    let files: Vec<&DiscoveredFile> = discovery.files.iter().filter(|f| is_dockerfile_name(f.file_name())).collect();
    let parts: Vec<Collected> = files.par_iter().map(|f| collect_file(f, limit, ctx.detector)).collect();
    let mut out = Collected::default();
    for part in parts {
        out.merge(part);
    }
    out
}

/// Reads and analyses one Dockerfile.
pub fn analyze_file(path: &Path, limit: u64, detector: &Detector) -> Result<(Analysis, u64), ReadError> {
    let text = read_text(path, limit)?;
    Ok((analyze(&text, detector), text.len() as u64))
}

fn collect_file(file: &DiscoveredFile, limit: u64, detector: &Detector) -> Collected {
    let mut out = Collected::default();
    let (analysis, bytes) = match analyze_file(&file.path, limit, detector) {
        Ok(a) => a,
        Err(e) => {
            out.error(e.into_scan_error(SOURCE, &file.display));
            return out;
        }
    };
    out.stats.files = 1;
    out.stats.bytes = bytes;
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
        fact.origin = Some(Location::line(display, base.line));
        fact.locations.insert("image".into(), Location::line(display, base.line));
        facts.push(fact);
    }
    let mut fact = Fact::new(Subject::new(FactKind::Dockerfile, display), FactData::Dockerfile(analysis.dockerfile));
    fact.origin = analysis.final_from_line.map(|l| Location::line(display, l));
    fact.locations = analysis.lines.iter().map(|(k, l)| (k.clone(), Location::line(display, *l))).collect();
    facts.insert(0, fact);
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in ["Dockerfile", "dockerfile", "Dockerfile.prod", "app.Dockerfile", "Containerfile"] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in ["Dockerfile.dockerignore", "docker-compose.yml", "Dockerfiles.md", "README"] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }
}
