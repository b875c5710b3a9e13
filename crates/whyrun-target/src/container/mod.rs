//! How an orchestrator starts one container, as its file says: a Kubernetes manifest
//! ([`k8s`]) or a Compose file ([`compose`]) read into one plain [`ContainerSpec`], every
//! setting with the file and line it came from. What a runtime makes of these settings is
//! not decided here (that is `whyrun_rules::container`); nothing here reads an image.

pub mod compose;
pub mod k8s;

use std::path::Path;

/// A value and the `file:line` that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub at: String,
}

/// Which kind of file described the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecKind {
    Kubernetes,
    Compose,
}

/// What is mounted at a path of the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Volume {
    /// Kubernetes `emptyDir` (writable, owned by root with mode 0777, or `fsGroup`).
    EmptyDir,
    /// A `configMap` or `secret` volume: files written by the kubelet with `defaultMode`
    /// (0644 when not set), `items[].mode` overriding it per file.
    Projected {
        kind: &'static str,
        name: String,
        default_mode: Option<u32>,
        items: Vec<(String, Option<u32>)>,
    },
    /// A directory of the host (`hostPath`, a Compose bind mount).
    HostPath(String),
    /// A named volume, a persistent volume claim, anything else.
    Other(String),
    /// Compose `tmpfs`.
    Tmpfs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    pub target: String,
    pub read_only: bool,
    pub volume: Volume,
    pub at: String,
}

/// One container's launch settings, as the file says (pod-level settings already merged
/// under the container's, as kubelet does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerSpec {
    pub kind: SpecKind,
    /// The file it was read from.
    pub file: String,
    /// `Deployment web`, `service web`.
    pub owner: String,
    /// The container's (or service's) name.
    pub name: String,
    pub image: Option<String>,
    /// Kubernetes `runAsUser` (a number); Compose `user` (a name or number, `:group`).
    pub user: Option<At<String>>,
    /// Kubernetes `runAsGroup`.
    pub group: Option<At<String>>,
    pub run_as_non_root: Option<At<bool>>,
    pub fs_group: Option<At<u32>>,
    /// Kubernetes `supplementalGroups`, Compose `group_add`.
    pub supplemental_groups: Vec<At<String>>,
    pub read_only_root: Option<At<bool>>,
    pub allow_privilege_escalation: Option<At<bool>>,
    pub privileged: Option<At<bool>>,
    pub cap_add: Vec<At<String>>,
    pub cap_drop: Vec<At<String>>,
    /// Kubernetes `command` / Compose `entrypoint`: replaces the image's Entrypoint.
    pub command: Option<At<Vec<String>>>,
    /// Kubernetes `args` / Compose `command`: replaces the image's Cmd.
    pub args: Option<At<Vec<String>>>,
    /// `NAME`, value, where.
    pub env: Vec<(String, String, String)>,
    pub env_files: Vec<At<String>>,
    pub working_dir: Option<At<String>>,
    /// Ports the container listens on (`containerPort`, Compose's container side).
    pub ports: Vec<At<u16>>,
    pub mounts: Vec<MountSpec>,
    pub sysctls: Vec<At<(String, String)>>,
    /// `hostNetwork: true`, Compose `network_mode: host`.
    pub host_network: Option<At<bool>>,
    /// Compose `security_opt` (`no-new-privileges:true`, …), Kubernetes `seccompProfile`.
    pub security_opt: Vec<At<String>>,
}

impl ContainerSpec {
    pub fn new(kind: SpecKind, file: &str, owner: String, name: String) -> Self {
        ContainerSpec {
            kind,
            file: file.to_string(),
            owner,
            name,
            image: None,
            user: None,
            group: None,
            run_as_non_root: None,
            fs_group: None,
            supplemental_groups: Vec::new(),
            read_only_root: None,
            allow_privilege_escalation: None,
            privileged: None,
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            command: None,
            args: None,
            env: Vec::new(),
            env_files: Vec::new(),
            working_dir: None,
            ports: Vec::new(),
            mounts: Vec::new(),
            sysctls: Vec::new(),
            host_network: None,
            security_opt: Vec::new(),
        }
    }

    /// `k8s.yaml: Deployment web, container app`, `compose.yaml: service web`.
    pub fn describe(&self) -> String {
        match self.kind {
            SpecKind::Kubernetes => {
                format!("{}: {}, container {}", self.file, self.owner, self.name)
            }
            SpecKind::Compose => format!("{}: {}", self.file, self.owner),
        }
    }
}

/// A problem in the file: `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The largest manifest or Compose file read.
pub const MAX_FILE: u64 = 4 << 20;

/// Reads a text file of at most [`MAX_FILE`] bytes.
pub fn read_text(path: &Path) -> Result<String, SpecError> {
    let file = path.display().to_string();
    let err = |message: String| SpecError {
        file: file.clone(),
        line: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
    if meta.len() > MAX_FILE {
        return Err(err(format!(
            "{} bytes: larger than the {MAX_FILE} bytes read",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| err("not UTF-8 text".into()))
}

pub(crate) fn at(file: &str, line: usize) -> String {
    format!("{file}:{line}")
}
