//! What a Dockerfile declares about the image it builds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::image::ImageRef;
use super::SecretRef;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
    /// The user the built image runs as: the final stage's last `USER`
    /// (earlier stages do not matter). `None` = root by default.
    pub final_user: Option<String>,
    pub final_user_is_root: bool,
    pub healthcheck: DockerfileHealthcheck,
    /// `ENV`/`ARG` instructions whose literal value is a secret.
    pub build_secrets: Vec<BuildSecret>,
    /// `ADD` instructions (prefer `COPY`, CIS 4.9); remote URLs noted.
    pub add_instructions: Vec<AddInstruction>,
    /// `RUN` lines that pipe a download straight into a shell.
    pub curl_pipe_shell: Vec<u32>,
    /// `EXPOSE`d ports of the final stage.
    pub exposed_ports: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Stage {
    pub name: Option<String>,
    pub base: ImageRef,
    /// The base is an earlier stage of the same file, not an image.
    pub base_is_stage: bool,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DockerfileHealthcheck {
    pub defined: bool,
    /// `HEALTHCHECK NONE`.
    pub disabled: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BuildSecret {
    /// `ENV` or `ARG`.
    pub instruction: String,
    pub name: String,
    pub secret: SecretRef,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AddInstruction {
    pub line: u32,
    pub remote: bool,
    pub archive: bool,
}
