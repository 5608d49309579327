//! From instructions to what the built image will be: its stages, the user
//! and health check of the final stage (inherited through `FROM <stage>`),
//! secrets baked into `ENV`/`ARG`, `ADD`s, downloads piped into a shell and
//! exposed ports. Line numbers are kept for every one so findings point at
//! the instruction.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;

use super::lexer::{self, Instruction, LexError};
use super::words::{shell_words, split_first_word, substitute_checked};
use crate::collect::interpolate::Malformed;
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
    /// Line of the final stage's `FROM`.
    pub final_from_line: Option<u32>,
    /// What a build stopping at each stage produces, in file order (a
    /// compose `build.target` picks one; the last is the default).
    pub stages: Vec<StageOutcome>,
    pub errors: Vec<LexError>,
}

/// The image a build that stops at one stage produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageOutcome {
    /// Lower-cased stage name, as `--target` matches it.
    pub name: Option<String>,
    /// The `USER` in effect at the end of the stage (inherited through
    /// `FROM <stage>`), as substituted, with its line.
    pub user: Option<(String, u32)>,
    /// `HEALTHCHECK` in effect (`true` = `NONE`), with its line.
    pub healthcheck: Option<(bool, u32)>,
    /// The image at the root of the stage's `FROM` chain: when no `USER`
    /// is set, its configured user is the one the container gets.
    pub base: ImageRef,
}

impl Analysis {
    /// The stage a build with `target` produces: the named stage, or the
    /// last one. `None` when no stage has that name.
    pub fn stage(&self, target: Option<&str>) -> Option<&StageOutcome> {
        match target {
            None => self.stages.last(),
            Some(t) => self.stages.iter().find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t.trim()))),
        }
    }
}

impl StageOutcome {
    /// Who a container of this stage's image runs as, for a workload that
    /// sets no user itself.
    pub fn workload_user(&self) -> User {
        match &self.user {
            // A user named by a variable no ARG/ENV resolves is set at build time.
            Some((u, _)) if u.contains('$') => User { declared: Some(u.clone()), ..User::decided_by_image(None) },
            Some((u, _)) => User::from_declaration(u, UserSource::Dockerfile),
            None if self.base.repository == "scratch" && !self.base.interpolated => User::default_root(),
            None if self.base.interpolated || self.base.repository.is_empty() => User::decided_by_image(None),
            None => User::decided_by_image(Some(&self.base.raw)),
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
    /// The image at the root of the FROM chain.
    base: ImageRef,
}

pub fn analyze(text: &str, detector: &Detector) -> Analysis {
    analyze_with_args(text, detector, &HashMap::new())
}

/// Like [`analyze`], with `--build-arg` values (compose `build.args`): they
/// replace the defaults of the ARGs the file declares.
pub fn analyze_with_args(text: &str, detector: &Detector, build_args: &HashMap<String, String>) -> Analysis {
    let lexed = lexer::lex(text);
    let mut walk = Walk {
        out: Analysis { errors: lexed.errors, ..Default::default() },
        detector,
        build_args,
        global_args: HashMap::new(),
        states: Vec::new(),
        names: Vec::new(),
    };
    for ins in &lexed.instructions {
        walk.instruction(ins);
    }
    walk.finish()
}

/// The state of one pass over the instructions: one handler per
/// instruction that matters, then [`Walk::finish`] for the final stage.
struct Walk<'a> {
    out: Analysis,
    detector: &'a Detector,
    build_args: &'a HashMap<String, String>,
    /// ARGs before the first FROM.
    global_args: HashMap<String, String>,
    states: Vec<StageState>,
    names: Vec<Option<String>>,
}

impl Walk<'_> {
    fn instruction(&mut self, ins: &Instruction) {
        if !KEYWORDS.contains(&ins.keyword.as_str()) {
            self.error(ins.line, format!("unknown instruction {:?}", ins.keyword));
            return;
        }
        if self.states.is_empty() && !matches!(ins.keyword.as_str(), "FROM" | "ARG") {
            self.error(ins.line, format!("{} before the first FROM (only ARG may come first)", ins.keyword));
            return;
        }
        match ins.keyword.as_str() {
            "FROM" => self.from(ins),
            "ARG" => self.arg(ins),
            "ENV" => self.env(ins),
            "USER" => self.user(ins),
            "HEALTHCHECK" => self.healthcheck(ins),
            "EXPOSE" => self.expose(ins),
            "ADD" => self.add(ins),
            "RUN" => self.run(ins),
            _ => {}
        }
    }

    fn error(&mut self, line: u32, message: String) {
        self.out.errors.push(LexError { line, message });
    }

    fn from(&mut self, ins: &Instruction) {
        let Some((image, name)) = parse_from(&ins.args) else {
            self.error(ins.line, "FROM without an image".into());
            return;
        };
        // `${BASE:-}` that resolves to nothing stays as written: unknown.
        let (substituted, malformed) = substitute_checked(&image, &self.global_args);
        self.malformed(ins, malformed);
        let image = Some(substituted).filter(|i| !i.trim().is_empty()).unwrap_or(image);
        let parent = self.names.iter().position(|n| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&image)));
        let base = ImageRef::parse(&image);
        let mut state = parent.and_then(|p| self.states.get(p).cloned()).unwrap_or_default();
        // ARG/ENV values do not cross a FROM except by inheritance.
        if parent.is_none() {
            state.vars.clear();
            state.base = base.clone();
        }
        self.out.dockerfile.stages.push(Stage {
            name: name.clone(),
            base,
            base_is_stage: parent.is_some(),
            line: ins.line,
        });
        self.states.push(state);
        self.names.push(name);
    }

    fn arg(&mut self, ins: &Instruction) {
        for (key, value) in arg_pairs(&ins.args) {
            if let Some(value) = &value {
                record_secret(&mut self.out, self.detector, "ARG", &key, value, ins.line);
            }
            // A build argument replaces the default; an ARG with neither
            // has no value, so `$NAME` stays unresolved (not empty).
            let value = self.build_args.get(&key).cloned().or(value);
            match self.states.last_mut() {
                None => {
                    if let Some(v) = value {
                        self.global_args.insert(key, v);
                    }
                }
                Some(state) => {
                    // `ARG NAME` inside a stage re-imports a global.
                    if let Some(v) = value.or_else(|| self.global_args.get(&key).cloned()) {
                        state.vars.insert(key, v);
                    }
                }
            }
        }
    }

    fn env(&mut self, ins: &Instruction) {
        for (key, value) in env_pairs(&ins.args) {
            record_secret(&mut self.out, self.detector, "ENV", &key, &value, ins.line);
            if let Some(state) = self.states.last_mut() {
                state.vars.insert(key, value);
            }
        }
    }

    fn user(&mut self, ins: &Instruction) {
        let mut malformed = None;
        if let Some(state) = self.states.last_mut() {
            let (value, bad) = substitute_checked(ins.args.trim(), &state.vars);
            malformed = bad;
            state.user = Some((value, ins.line));
        }
        self.malformed(ins, malformed);
    }

    /// `docker build` stops at a `${...}` it cannot process in the
    /// instructions it substitutes; the text is not quoted (an `ARG` value
    /// may be a secret).
    fn malformed(&mut self, ins: &Instruction, what: Option<Malformed>) {
        if let Some(what) = what {
            let message =
                format!("invalid substitution in {}: {}; docker build rejects it", ins.keyword, what.describe());
            self.error(ins.line, message);
        }
    }

    fn healthcheck(&mut self, ins: &Instruction) {
        let disabled = ins.args.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
        if let Some(state) = self.states.last_mut() {
            state.healthcheck = Some((disabled, ins.line));
        }
    }

    fn expose(&mut self, ins: &Instruction) {
        let mut malformed = None;
        if let Some(state) = self.states.last_mut() {
            for word in ins.args.split_whitespace() {
                let (port, bad) = substitute_checked(word, &state.vars);
                malformed = malformed.or(bad);
                state.exposed.push(port);
            }
        }
        self.malformed(ins, malformed);
    }

    fn add(&mut self, ins: &Instruction) {
        if let Some(add) = add_instruction(ins) {
            self.out.lines.insert(format!("add_instructions.{}", ins.line), ins.line);
            self.out.dockerfile.add_instructions.push(add);
        }
    }

    fn run(&mut self, ins: &Instruction) {
        let script = std::iter::once(ins.args.as_str()).chain(ins.heredocs.iter().map(String::as_str));
        if script.into_iter().any(pipes_download_into_shell) {
            self.out.lines.insert(format!("curl_pipe_shell.{}", ins.line), ins.line);
            self.out.dockerfile.curl_pipe_shell.push(ins.line);
        }
    }

    /// Base images, per-stage outcomes, and the final stage's settings with
    /// the lines findings point at.
    fn finish(self) -> Analysis {
        let Walk { mut out, states, names, .. } = self;
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
        out.stages = states
            .iter()
            .zip(&names)
            .map(|(state, name)| StageOutcome {
                name: name.clone(),
                user: state.user.clone(),
                healthcheck: state.healthcheck,
                base: state.base.clone(),
            })
            .collect();
        let final_line = out.dockerfile.stages.last().map(|s| s.line);
        if let (Some(state), Some(final_line)) = (states.last(), final_line) {
            final_stage(&mut out, state, final_line);
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
}

/// The final stage decides the image's user, health check and ports.
fn final_stage(out: &mut Analysis, state: &StageState, final_line: u32) {
    out.final_from_line = Some(final_line);
    let user_line = state.user.as_ref().map(|u| u.1);
    let healthcheck_line = state.healthcheck.as_ref().map(|h| h.1);
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
    out.lines.insert("final_user".into(), user_line.unwrap_or(final_line));
    out.lines.insert("healthcheck".into(), healthcheck_line.unwrap_or(final_line));
    out.lines.insert("exposed_ports".into(), final_line);
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
            // The rest starts after the key as written (a quoted key is
            // longer in the file than unquoted).
            let (_, rest) = split_first_word(args);
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

// A constant pattern: `recognises_download_pipes` compiles it, so it cannot fail at run time.
#[allow(clippy::expect_used)]
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

    #[test]
    fn legacy_env_with_a_quoted_key() {
        // Non-ASCII inside quotes used to cut inside a character.
        assert_eq!(env_pairs("\"CLÉ\" valeur longue"), vec![("CLÉ".into(), "valeur longue".into())]);
        // With ASCII it silently took part of the key as the value.
        assert_eq!(env_pairs("\"KEY\" the value"), vec![("KEY".into(), "the value".into())]);
        assert_eq!(env_pairs("'K' v"), vec![("K".into(), "v".into())]);
    }

    fn detector() -> Detector {
        Detector::builtin()
    }

    #[test]
    fn from_an_arg_without_a_default_is_unresolved_not_empty() {
        let a = analyze("ARG BASE\nFROM $BASE\nUSER 1001\n", &detector());
        assert_eq!(a.base_images.len(), 1);
        assert_eq!(a.base_images[0].reference.raw, "$BASE");
        assert!(a.base_images[0].reference.interpolated);
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        // A build argument fills it in.
        let args: HashMap<String, String> = [("BASE".to_string(), "node:20-alpine".to_string())].into();
        let a = analyze_with_args("ARG BASE\nFROM ${BASE}\n", &detector(), &args);
        assert_eq!(a.base_images[0].reference.raw, "node:20-alpine");
    }

    #[test]
    fn stage_outcomes_follow_the_from_chain() {
        let text = "FROM node:20 AS base\nUSER node\nFROM base AS dev\nUSER root\nHEALTHCHECK NONE\n\
                    FROM scratch AS bare\nFROM gcr.io/distroless/static AS prod\n";
        let a = analyze(text, &detector());
        let dev = a.stage(Some("DEV")).unwrap();
        assert_eq!(dev.user, Some(("root".into(), 4)));
        assert_eq!(dev.healthcheck, Some((true, 5)));
        assert_eq!(dev.base.raw, "node:20", "the root of the chain");
        let base = a.stage(Some("base")).unwrap().workload_user();
        assert_eq!((base.declared.as_deref(), base.runs_as_root), (Some("node"), false));
        let bare = a.stage(Some("bare")).unwrap().workload_user();
        assert!(bare.runs_as_root, "FROM scratch without USER is root");
        let prod = a.stage(None).unwrap().workload_user();
        assert_eq!(prod.source, UserSource::Unknown, "the base image decides");
        assert_eq!(prod.image.as_deref(), Some("gcr.io/distroless/static"));
        assert!(a.stage(Some("missing")).is_none());
    }
}
