//! What kind of file a secret is in, and where in its structure: the
//! Dockerfile instruction, the INI/TOML section. YAML structure is in
//! `yaml.rs`. Every walk back from a secret is bounded, so a file with many
//! secrets costs no more than a few lines per secret.

use super::filters;

/// How far back a walk for an enclosing section or instruction goes.
const MAX_LINES_BACK: usize = 400;

/// The file format, as far as the matcher cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    Dotenv,
    Yaml,
    Json,
    Toml,
    Ini,
    Properties,
    Dockerfile,
    Shell,
    Nginx,
    Source,
    Markdown,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Dotenv => "dotenv",
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Ini => "ini",
            Format::Properties => "properties",
            Format::Dockerfile => "dockerfile",
            Format::Shell => "shell",
            Format::Nginx => "nginx",
            Format::Source => "source",
            Format::Markdown => "markdown",
        }
    }
}

/// What the matcher knows about a file from its path.
#[derive(Debug, Clone, Default)]
pub struct FileKind {
    /// The file name, for rules limited to some files.
    pub name: String,
    pub format: Format,
    /// Lock files: generic rules do not run (checksums everywhere).
    pub lock_file: bool,
    /// Translation catalogues: generic rules do not run (their values are
    /// interface text).
    pub locale: bool,
    /// Tests and fixtures: passwords there are made up.
    pub test_data: bool,
}

impl FileKind {
    /// Classifies `path` (as displayed; only its name and folders are read).
    pub fn of(path: &str) -> Self {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_string();
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
        let format = if filters::is_source_code(&lower) {
            Format::Source
        } else if lower == "dockerfile"
            || lower == "containerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
            || lower.ends_with(".containerfile")
        {
            Format::Dockerfile
        } else if lower == ".env" || lower.starts_with(".env.") || ext == "env" {
            Format::Dotenv
        } else {
            match ext {
                "yaml" | "yml" => Format::Yaml,
                "json" | "jsonc" | "json5" => Format::Json,
                "toml" => Format::Toml,
                "ini" | "cfg" | "cnf" => Format::Ini,
                "properties" => Format::Properties,
                "sh" | "bash" | "zsh" => Format::Shell,
                "md" | "markdown" | "rst" | "adoc" => Format::Markdown,
                _ if lower == "nginx.conf" || path.contains("nginx") && ext == "conf" => Format::Nginx,
                _ => Format::Text,
            }
        };
        Self {
            lock_file: filters::is_lock_file(&name),
            locale: filters::is_locale_catalogue(path),
            test_data: filters::is_test_path(path),
            format,
            name,
        }
    }

    pub fn source_code(&self) -> bool {
        self.format == Format::Source
    }

    /// Where a literal under a password key is a password whatever it
    /// looks like: configuration. In code, documentation and tests such
    /// literals are mostly examples, and must look chosen to be secret.
    pub fn takes_weak_passwords(&self) -> bool {
        !self.test_data && !matches!(self.format, Format::Source | Format::Markdown)
    }
}

/// Where a secret sits in its file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub format: Format,
    /// The Kubernetes object holding the value: `Secret/app`, `Deployment/web`.
    pub object: Option<String>,
    /// The keys above the value in YAML (`services.redis.environment`), or
    /// the INI/TOML section.
    pub path: Option<String>,
    /// The Dockerfile instruction (`ENV`, `ARG`, `RUN`), or the field of a
    /// Kubernetes Secret (`data`, `stringData`).
    pub statement: Option<String>,
    /// `base64` when the value was decoded before it was judged.
    pub encoding: Option<String>,
}

/// Start of the line holding `at`.
pub fn line_start(text: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', text.get(..at).unwrap_or_default()).map_or(0, |i| i + 1)
}

/// End of the line holding `at` (the newline's offset, or the text's end).
pub fn line_end(text: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', text.get(at..).unwrap_or_default()).map_or(text.len(), |i| at + i)
}

/// How far from a secret the text around it is read to place it: lines
/// longer than this (minified files) are read in part, so many secrets on
/// one huge line cost no more than a window each.
pub const NEAR: usize = 4096;

/// `line_start`, looking back at most `NEAR` bytes.
pub fn line_start_near(text: &[u8], at: usize) -> usize {
    let floor = at.saturating_sub(NEAR);
    memchr::memrchr(b'\n', text.get(floor..at).unwrap_or_default()).map_or(floor, |i| floor + i + 1)
}

/// `line_end`, looking ahead at most `NEAR` bytes.
pub fn line_end_near(text: &[u8], at: usize) -> usize {
    let ceiling = (at + NEAR).min(text.len());
    memchr::memchr(b'\n', text.get(at..ceiling).unwrap_or_default()).map_or(ceiling, |i| at + i)
}

/// The lines before `at`, nearest first: at most `MAX_LINES_BACK` lines
/// and `MAX_LINES_BACK * NEAR / 8` bytes, as `(start, text)`.
pub fn lines_back(text: &[u8], at: usize) -> impl Iterator<Item = (usize, &[u8])> {
    let floor = at.saturating_sub(MAX_LINES_BACK * NEAR / 8);
    let mut end = line_start_near(text, at);
    std::iter::from_fn(move || {
        if end <= floor {
            return None;
        }
        let stop = end - 1;
        let start = line_start_near(text, stop).max(floor);
        let line = text.get(start..stop).unwrap_or_default();
        end = start;
        Some((start, line))
    })
    .take(MAX_LINES_BACK)
}

/// The Dockerfile instruction of the logical line holding `at`: walks back
/// over `\` continuations.
pub fn dockerfile_instruction(text: &[u8], at: usize) -> Option<String> {
    let start = line_start_near(text, at);
    let mut first = text.get(start..line_end_near(text, at)).unwrap_or_default();
    for (_, line) in lines_back(text, at) {
        let continued = line.trim_ascii_end().ends_with(b"\\");
        if !continued {
            break;
        }
        first = line;
    }
    let word: String = first
        .trim_ascii_start()
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .map(|b| b.to_ascii_uppercase() as char)
        .collect();
    matches!(
        word.as_str(),
        "ENV" | "ARG" | "RUN" | "LABEL" | "CMD" | "ENTRYPOINT" | "COPY" | "ADD" | "FROM" | "HEALTHCHECK" | "USER"
    )
    .then_some(word)
}

/// The `[section]` above `at` in an INI or TOML file.
pub fn ini_section(text: &[u8], at: usize) -> Option<String> {
    lines_back(text, at).find_map(|(_, line)| {
        let t = std::str::from_utf8(line).ok()?.trim();
        let inner = t.strip_prefix('[')?.strip_suffix(']')?;
        let inner = inner.trim_matches(['[', ']']).trim();
        (!inner.is_empty()).then(|| inner.to_string())
    })
}

/// Whether the text before a match on its line makes it a comment: the line
/// starts with a comment marker, or a `#`/`//` after whitespace precedes it.
pub fn in_comment(prefix: &[u8], at_line_start: bool) -> bool {
    let t = prefix.trim_ascii_start();
    if at_line_start
        && (t.starts_with(b"#")
            || t.starts_with(b"//")
            || t.starts_with(b";")
            || t.starts_with(b"/*")
            || t.starts_with(b"* ")
            || t.starts_with(b"<!--"))
    {
        return true;
    }
    prefix.windows(2).any(|w| matches!(w, [b' ' | b'\t', b'#'])) || prefix.windows(3).any(|w| w == b" //")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::of("deploy/Dockerfile.prod").format, Format::Dockerfile);
        assert_eq!(FileKind::of("web/dockerfile.js").format, Format::Source);
        assert_eq!(FileKind::of(".env.local").format, Format::Dotenv);
        assert_eq!(FileKind::of("k8s/secret.yaml").format, Format::Yaml);
        assert!(FileKind::of("locales/de.json").locale);
        assert!(FileKind::of("package-lock.json").lock_file);
    }

    #[test]
    fn dockerfile_instruction_over_continuations() {
        let text = b"FROM x\nENV A=1 \\\n    B=secret\nRUN echo\n";
        let at = text.iter().position(|&b| b == b'B').unwrap();
        assert_eq!(dockerfile_instruction(text, at).as_deref(), Some("ENV"));
        let run = text.windows(4).position(|w| w == b"echo").unwrap();
        assert_eq!(dockerfile_instruction(text, run).as_deref(), Some("RUN"));
    }

    #[test]
    fn sections_and_comments() {
        let text = b"[client]\nuser=app\npassword=x\n";
        assert_eq!(ini_section(text, text.len() - 2).as_deref(), Some("client"));
        assert!(in_comment(b"# requirepass is set in the ", true));
        assert!(in_comment(b"bind 0.0.0.0 # the ", true));
        assert!(!in_comment(b"DATABASE_URL=postgres://", true));
        assert!(!in_comment(b"url: https://", true));
    }
}
