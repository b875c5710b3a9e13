//! What a rule reports: a finding with its severity, evidence and fix, and the verdict a
//! set of findings adds up to. Data only.

use serde::Serialize;

/// How bad a finding is, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Severity {
    /// The kernel or the loader refuses: the program never reaches `main`.
    BlocksStart,
    /// The program starts, then fails when it reaches the missing piece.
    FailsAtRuntime,
    /// It may fail depending on what the program does or how it is deployed.
    Risk,
    /// Worth knowing; does not stop the program.
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::BlocksStart => "blocks start",
            Severity::FailsAtRuntime => "fails at run time",
            Severity::Risk => "risk",
            Severity::Info => "info",
        }
    }
}

/// The answer for one binary on one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Verdict {
    /// It will not start.
    WontStart,
    /// It starts but fails at run time.
    FailsAtRuntime,
    /// It starts; something it may do can fail.
    Risky,
    /// What the target lacks in information keeps whyrun from deciding.
    CannotTell,
    /// It runs.
    Runs,
}

impl Verdict {
    /// The verdict of a set of findings: the worst severity wins; an undecidable check
    /// outranks only a clean result.
    pub fn of(findings: &[Finding]) -> Verdict {
        let worst = findings
            .iter()
            .filter(|f| !f.undecided)
            .map(|f| f.severity)
            .min();
        match worst {
            Some(Severity::BlocksStart) => Verdict::WontStart,
            Some(Severity::FailsAtRuntime) => Verdict::FailsAtRuntime,
            Some(Severity::Risk) => Verdict::Risky,
            _ if findings.iter().any(|f| f.undecided) => Verdict::CannotTell,
            _ => Verdict::Runs,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::WontStart => "will not start",
            Verdict::FailsAtRuntime => "starts, then fails at run time",
            Verdict::Risky => "runs, with risks",
            Verdict::CannotTell => "cannot tell",
            Verdict::Runs => "runs",
        }
    }

    /// Whether the exit code should report a failure for this verdict.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::WontStart | Verdict::FailsAtRuntime)
    }
}

/// One thing read from the binary or the target that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What was seen, in the user's terms: `PT_INTERP is /lib64/ld-linux-x86-64.so.2`.
    pub what: String,
    /// Where: `binary`, or a path in the target.
    pub location: String,
}

/// How to make it run, for this binary on this target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// One sentence.
    pub summary: String,
    /// Commands or lines to use as they are (a `go build` line, a Dockerfile line).
    pub commands: Vec<String>,
}

/// One problem a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// The rule could not decide (the target does not say); shown, but not a failure.
    pub undecided: bool,
    /// One line, in the user's terms.
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Fix>,
}
