//! Says what the rules found, one emitter per format: `human` (grouped by target, verdict
//! first), `json` (schema `whyrun.check/1`) and `sarif` (2.1.0). Emitters only format; they
//! decide nothing.

pub mod human;
pub mod json;
pub mod pretty;
pub mod sarif;

use serde::Serialize;
use whyrun_rules::{Finding, Verdict};

/// The JSON schema identifier of `whyrun check --format json`.
pub const CHECK_SCHEMA: &str = "whyrun.check/1";

/// The result of checking binaries against targets.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub binaries: Vec<BinaryReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BinaryReport {
    /// As the user named it.
    pub path: String,
    /// A one-line description: `x86_64 ELF, Go go1.24.4, dynamic (glibc)`.
    pub summary: String,
    pub targets: Vec<TargetReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    /// The target's name: `host`, `alpine-3.19`, `./rootfs`, `app.tar`.
    pub target: String,
    /// `host`, `root`, `image`, `profile`, `snapshot`.
    pub kind: String,
    /// Where the binary sits in the target.
    pub path_in_target: String,
    pub verdict: Verdict,
    /// Worst first.
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// The worst verdict of all.
    pub fn worst(&self) -> Option<Verdict> {
        self.binaries
            .iter()
            .flat_map(|b| &b.targets)
            .map(|t| t.verdict)
            .min()
    }
}
