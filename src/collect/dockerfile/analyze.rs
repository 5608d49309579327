//! From instructions to what the built image will be: its stages, the user
//! and health check of the final stage (inherited through `FROM <stage>`),
//! secrets baked into `ENV`/`ARG`, `ADD`s, downloads piped into a shell and
//! exposed ports. Line numbers are kept for every one so findings point at
//! the instruction.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;

use super::lexer::{self, Instruction, LexError};
use super::words::{shell_words, substitute};
use crate::collect::secrets::Detector;
use crate::facts::dockerfile::{AddInstruction, BuildSecret, Dockerfile, DockerfileHealthcheck, Stage};
use crate::facts::image::ImageRef;
use crate::facts::workload::{User, UserSource};

const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// A `FROM` that names an image (not an earlier stage).
#[derive(Debug, Clone, PartialEq)]
pub struct BaseImage {
    pub reference: ImageRef,
    /// Stage name, or `stage N` (0-based as BuildKit counts) when unnamed.
    pub stage: String,
    pub line: u32,
    pub final_stage: bool,
}

/// Everything learnt from one Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub dockerfile: Dockerfile,
    pub base_images: Vec<BaseImage>,
    /// Lines keyed like fact `locations` (`final_user`, `healthcheck`,
    /// `build_secrets.NAME`, `add_instructions.12`, ...).
    pub lines: BTreeMap<String, u32>,
    /// The final stage's `USER` line, if any (inherited ones included).
    pub user_line: Option<u32>,
    pub healthcheck_line: Option<u32>,
    /// Line of the final stage's `FROM`.
    pub final_from_line: Option<u32>,
    pub errors: Vec<LexError>,
}

impl Analysis {
    /// The user the image runs as, for a workload built from it.
    pub fn workload_user(&self) -> User {
        match &self.dockerfile.final_user {
            Some(u) => {
                let mut user = User::from_declaration(u, UserSource::Dockerfile);
                user.runs_as_root = self.dockerfile.final_user_is_root;
                user
            }
            None => User::default_root(),
        }
    }
}

#[derive(Debug, Default, Clone)]
struct StageState {
    user: Option<(String, u32)>,
    healthcheck: Option<(bool, u32)>,
    exposed: Vec<String>,
    /// ARG and ENV values known in the stage, for `${VAR}` in USER.
    vars: HashMap<String, String>,
}

pub fn analyze(text: &str, detector: &Detector) -> Analysis {
    let lexed = lexer::lex(text);
    let mut out = Analysis { errors: lexed.errors, ..Default::default() };
    let mut global_args: HashMap<String, String> = HashMap::new();
    let mut states: Vec<StageState> = Vec::new();
    let mut names: Vec<Option<String>> = Vec::new();

    for ins in &lexed.instructions {
        if !KEYWORDS.contains(&ins.keyword.as_str()) {
            out.errors.push(LexError { line: ins.line, message: format!("unknown instruction {:?}", ins.keyword) });
            continue;
        }
        if states.is_empty() && !matches!(ins.keyword.as_str(), "FROM" | "ARG") {
            out.errors.push(LexError {
                line: ins.line,
                message: format!("{} before the first FROM (only ARG may come first)", ins.keyword),
            });
            continue;
        }
        match ins.keyword.as_str() {
            "FROM" => {
                let Some((image, name)) = parse_from(&ins.args) else {
                    out.errors.push(LexError { line: ins.line, message: "FROM without an image".into() });
                    continue;
                };
                let image = substitute(&image, &global_args);
                let parent = names.iter().position(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&image)));
                let mut state = parent.map(|p| states[p].clone()).unwrap_or_default();
                // ARG/ENV values do not cross a FROM except by inheritance.
                if parent.is_none() {
                    state.vars.clear();
                }
                out.dockerfile.stages.push(Stage {
                    name: name.clone(),
                    base: ImageRef::parse(&image),
                    base_is_stage: parent.is_some(),
                    line: ins.line,
                });
                states.push(state);
                names.push(name);
            }
            "ARG" => {
                for (key, value) in arg_pairs(&ins.args) {
                    if let Some(value) = &value {
                        record_secret(&mut out, detector, "ARG", &key, value, ins.line);
                    }
                    match states.last_mut() {
                        None => {
                            global_args.insert(key, value.unwrap_or_default());
                        }
                        Some(state) => {
                            // `ARG NAME` inside a stage re-imports a global.
                            let v = value.or_else(|| global_args.get(&key).cloned()).unwrap_or_default();
                            state.vars.insert(key, v);
                        }
                    }
                }
            }
            "ENV" => {
                for (key, value) in env_pairs(&ins.args) {
                    record_secret(&mut out, detector, "ENV", &key, &value, ins.line);
                    if let Some(state) = states.last_mut() {
                        state.vars.insert(key, value);
                    }
                }
            }
            "USER" => {
                if let Some(state) = states.last_mut() {
                    let value = substitute(ins.args.trim(), &state.vars);
                    state.user = Some((value, ins.line));
                }
            }
            "HEALTHCHECK" => {
                let disabled = ins.args.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
                if let Some(state) = states.last_mut() {
                    state.healthcheck = Some((disabled, ins.line));
                }
            }
            "EXPOSE" => {
                if let Some(state) = states.last_mut() {
                    state.exposed.extend(ins.args.split_whitespace().map(|p| substitute(p, &state.vars)));
                }
            }
            "ADD" => {
                if let Some(add) = add_instruction(ins) {
                    out.lines.insert(format!("add_instructions.{}", ins.line), ins.line);
                    out.dockerfile.add_instructions.push(add);
                }
            }
            "RUN" => {
                let script = std::iter::once(ins.args.as_str()).chain(ins.heredocs.iter().map(String::as_str));
                if script.into_iter().any(pipes_download_into_shell) {
                    out.lines.insert(format!("curl_pipe_shell.{}", ins.line), ins.line);
                    out.dockerfile.curl_pipe_shell.push(ins.line);
                }
            }
            _ => {}
        }
    }

    if out.dockerfile.stages.is_empty() && out.errors.is_empty() {
        out.errors.push(LexError { line: 1, message: "no FROM instruction: not a Dockerfile".into() });
    }
    let last = out.dockerfile.stages.len().saturating_sub(1);
    for (i, stage) in out.dockerfile.stages.iter().enumerate() {
        if stage.base_is_stage {
            continue;
        }
        out.base_images.push(BaseImage {
            reference: stage.base.clone(),
            stage: stage.name.clone().unwrap_or_else(|| format!("stage {i}")),
            line: stage.line,
            final_stage: i == last,
        });
    }
    let final_line = out.dockerfile.stages.last().map(|s| s.line);
    if let (Some(state), Some(final_line)) = (states.last(), final_line) {
        out.final_from_line = Some(final_line);
        out.user_line = state.user.as_ref().map(|u| u.1);
        out.healthcheck_line = state.healthcheck.as_ref().map(|h| h.1);
        let d = &mut out.dockerfile;
        d.final_user = state.user.as_ref().map(|u| u.0.clone());
        d.final_user_is_root = match &d.final_user {
            None => true,
            // A user named by a variable that no ARG/ENV default resolves is
            // set at build time: it cannot be judged, so it is not called root.
            Some(u) if u.contains('$') => false,
            Some(u) => User::from_declaration(u, UserSource::Dockerfile).runs_as_root,
        };
        d.healthcheck = match state.healthcheck {
            Some((disabled, _)) => DockerfileHealthcheck { defined: true, disabled },
            None => DockerfileHealthcheck::default(),
        };
        d.exposed_ports = state.exposed.clone();
        out.lines.insert("final_user".into(), out.user_line.unwrap_or(final_line));
        out.lines.insert("healthcheck".into(), out.healthcheck_line.unwrap_or(final_line));
        out.lines.insert("exposed_ports".into(), final_line);
    }
    for (field, items) in [
        ("build_secrets", out.dockerfile.build_secrets.first().map(|s| s.line)),
        ("add_instructions", out.dockerfile.add_instructions.first().map(|a| a.line)),
        ("curl_pipe_shell", out.dockerfile.curl_pipe_shell.first().copied()),
    ] {
        if let Some(line) = items {
            out.lines.insert(field.into(), line);
        }
    }
    out
}

fn record_secret(out: &mut Analysis, detector: &Detector, instruction: &str, key: &str, value: &str, line: u32) {
    // `${OTHER}` inside a value comes from the build, not from this file.
    if value.contains('$') {
        return;
    }
    if let Some(secret) = detector.detect(key, value) {
        out.lines.insert(format!("build_secrets.{key}"), line);
        out.dockerfile.build_secrets.push(BuildSecret {
            instruction: instruction.into(),
            name: key.to_string(),
            secret,
            line,
        });
    }
}

/// `FROM [--platform=x] image [AS name]`.
fn parse_from(args: &str) -> Option<(String, Option<String>)> {
    let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    let image = words.first()?.to_string();
    let name = match words.get(1..) {
        Some([as_kw, name, ..]) if as_kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    Some((image, name))
}

/// `ARG A=1 B` → [(A, Some(1)), (B, None)].
fn arg_pairs(args: &str) -> Vec<(String, Option<String>)> {
    shell_words(args)
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w, None),
        })
        .collect()
}

/// `ENV A=1 B="two words"`, or the legacy `ENV KEY value with spaces`.
fn env_pairs(args: &str) -> Vec<(String, String)> {
    let words = shell_words(args);
    match words.first() {
        Some(first) if !first.contains('=') => {
            let rest = args.trim_start()[first.len().min(args.trim_start().len())..].trim();
            let value = shell_words(rest).join(" ");
            vec![(first.clone(), value)]
        }
        _ => words.into_iter().filter_map(|w| w.split_once('=').map(|(k, v)| (k.to_string(), v.to_string()))).collect(),
    }
}

fn add_instruction(ins: &Instruction) -> Option<AddInstruction> {
    let args = ins.args.trim();
    let mut parts: Vec<String> = if args.starts_with('[') {
        serde_json::from_str::<Vec<String>>(args).unwrap_or_else(|_| shell_words(args))
    } else {
        shell_words(args)
    };
    parts.retain(|p| !p.starts_with("--"));
    parts.pop(); // destination
    if parts.is_empty() {
        return None;
    }
    let heredoc = |p: &str| p.starts_with("<<");
    let remote = parts.iter().any(|p| is_remote(p));
    let archive = parts.iter().all(|p| !heredoc(p) && !is_remote(p) && is_archive(p));
    Some(AddInstruction { line: ins.line, remote, archive })
}

fn is_remote(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.contains("://") || lower.starts_with("git@")
}

/// Local tar archives are what ADD exists for: it unpacks them.
fn is_archive(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst", ".tzst"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

static PIPE_TO_SHELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+\S+=\S+\s+)*(?:/usr)?(?:/bin/)?(?:ba|z|da|k|a)?sh\b
        | \b(?:ba|z|da|k|a)?sh\s+(?:-\S+\s+)*[\x22']?(?:<\(|\$\()\s*(?:curl|wget)\b
        ",
    )
    .expect("valid regex")
});

/// `curl ... | sh`, `wget -O- ... | bash`, `bash <(curl ...)`, `sh -c "$(curl ...)"`.
pub fn pipes_download_into_shell(script: &str) -> bool {
    PIPE_TO_SHELL.is_match(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_download_pipes() {
        for yes in [
            "curl -fsSL https://deb.nodesource.com/setup_20.x | bash -",
            "apt-get update && wget -qO- https://x.example/install.sh | sudo -E sh",
            "bash <(curl -s https://x)",
            "sh -c \"$(curl -fsSL https://x)\"",
            "curl https://x | /bin/bash",
        ] {
            assert!(pipes_download_into_shell(yes), "{yes}");
        }
        for no in [
            "curl -fsSL https://x -o /tmp/x && sha256sum -c sums",
            "wget https://x.tar.gz | tar xz",
            "echo hi | bash",
            "curl -s x | shasum",
        ] {
            assert!(!pipes_download_into_shell(no), "{no}");
        }
    }

    #[test]
    fn from_and_env_forms() {
        assert_eq!(
            parse_from("--platform=$BUILDPLATFORM node:20 AS Build"),
            Some(("node:20".into(), Some("build".into())))
        );
        assert_eq!(env_pairs("A=1 B=\"two words\""), vec![("A".into(), "1".into()), ("B".into(), "two words".into())]);
        assert_eq!(env_pairs("KEY value with  spaces"), vec![("KEY".into(), "value with spaces".into())]);
        assert_eq!(arg_pairs("V=1 W"), vec![("V".into(), Some("1".into())), ("W".into(), None)]);
    }
}
