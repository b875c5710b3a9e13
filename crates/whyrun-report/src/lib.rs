//! Says what the rules found, one emitter per format: `human` (grouped by target, verdict
//! first), `json` (schema `whyrun.check/2`) and `sarif` (2.1.0); and the renderers of
//! `whyrun tree` and `whyrun inspect`. Emitters only format; they decide nothing.

pub mod human;
pub mod inspect;
mod inspect_go;
pub mod json;
pub mod sarif;
pub mod style;
pub mod tree;

use serde::Serialize;
use whyrun_rules::{Finding, Verdict};

/// The JSON schema identifier of `whyrun check --format json`.
pub const CHECK_SCHEMA: &str = "whyrun.check/2";

/// The result of a check, keyed by subject: binaries on targets, and the other inputs
/// (the configuration file today; launch and build inputs next).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub binaries: Vec<BinaryReport>,
    /// Subjects other than a binary on a target, each with its own findings.
    pub inputs: Vec<InputReport>,
}

/// One input that is not a binary on a target (`config`: a `whyrun.toml`).
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub subject: whyrun_rules::Subject,
    /// The file.
    pub path: String,
    /// Ranked.
    pub findings: Vec<Finding>,
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
    /// Ranked: the first decided finding is the top cause.
    pub findings: Vec<Finding>,
    /// Findings the configuration ignores: they change neither the verdict nor the exit
    /// code.
    pub ignored: Vec<Finding>,
    /// For an image: which image of its archive was judged, its platform, how it was
    /// chosen, and the archive's other images; `null` for other targets.
    pub image: Option<whyrun_target::image::ImageSelection>,
    /// With two or more findings to fix: every change they ask of the `go build` in one
    /// line, each labelled by its findings, and their other fixes grouped by kind.
    pub rebuild: Option<whyrun_rules::fixes::CombinedRebuild>,
}

impl CheckReport {
    /// Whether a finding of level `error` (its default for a failure, or as configured)
    /// was reported: what fails the exit code.
    pub fn has_errors(&self) -> bool {
        let targets = self
            .binaries
            .iter()
            .flat_map(|b| &b.targets)
            .flat_map(|t| &t.findings);
        let inputs = self.inputs.iter().flat_map(|i| &i.findings);
        targets
            .chain(inputs)
            .any(|f| f.level == whyrun_rules::Level::Error)
    }

    /// The worst verdict of all.
    pub fn worst(&self) -> Option<Verdict> {
        self.binaries
            .iter()
            .flat_map(|b| &b.targets)
            .map(|t| t.verdict)
            .min()
    }
}
