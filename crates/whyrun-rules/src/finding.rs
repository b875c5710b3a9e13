//! What a rule reports: a finding with its severity, the stage where it fails, its
//! evidence (each at a typed location) and fix, and the verdict a set of findings adds up
//! to. Data only.

use serde::Serialize;

use crate::precedence::Stage;

/// How bad a finding is, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Severity {
    /// The build fails: there is no binary to start.
    BlocksBuild,
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
            Severity::BlocksBuild => "blocks build",
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
    /// It will not build: there is no binary.
    WontBuild,
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
    /// The verdict of a set of findings: the worst decided severity wins, unless a
    /// finding that could not be decided would be worse: then nobody can tell. (An arm64
    /// binary in a root that does not show its machine may well not start; a decided DNS
    /// risk must not make that "runs, with risks".)
    pub fn of(findings: &[Finding]) -> Verdict {
        let worst = |undecided: bool| {
            findings
                .iter()
                .filter(|f| f.undecided == undecided)
                .map(|f| f.severity)
                .min()
        };
        let decided = worst(false);
        if let Some(u) = worst(true) {
            let could_fail = matches!(
                u,
                Severity::BlocksBuild | Severity::BlocksStart | Severity::FailsAtRuntime
            );
            let worse_than_decided = decided.is_none_or(|d| u < d);
            let nothing_decided = matches!(decided, None | Some(Severity::Info));
            if (could_fail && worse_than_decided) || nothing_decided {
                return Verdict::CannotTell;
            }
        }
        match decided {
            Some(Severity::BlocksBuild) => Verdict::WontBuild,
            Some(Severity::BlocksStart) => Verdict::WontStart,
            Some(Severity::FailsAtRuntime) => Verdict::FailsAtRuntime,
            Some(Severity::Risk) => Verdict::Risky,
            _ => Verdict::Runs,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::WontBuild => "will not build",
            Verdict::WontStart => "will not start",
            Verdict::FailsAtRuntime => "starts, then fails at run time",
            Verdict::Risky => "runs, with risks",
            Verdict::CannotTell => "cannot tell",
            Verdict::Runs => "runs",
        }
    }

    /// Whether this verdict is a failure (the default gate of the exit code).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Verdict::WontBuild | Verdict::WontStart | Verdict::FailsAtRuntime
        )
    }
}

/// One thing read from the binary or the target that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// What was seen, in the user's terms: `PT_INTERP is /lib64/ld-linux-x86-64.so.2`.
    pub what: String,
    /// Where it was seen.
    pub location: Location,
}

impl Serialize for Evidence {
    /// `{what, location, at}`: `location` as the one-line text it has always been, `at`
    /// the typed location.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Evidence", 3)?;
        st.serialize_field("what", &self.what)?;
        st.serialize_field("location", &self.location.to_string())?;
        st.serialize_field("at", &self.location)?;
        st.end()
    }
}

/// Where a piece of evidence was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Location {
    /// A path inside the target (the binary's own path there included).
    TargetPath { path: String },
    /// A text file on this machine, at a line and column (both from 1).
    FileLine {
        path: String,
        line: usize,
        column: usize,
    },
    /// A value inside a JSON or YAML document, by JSON pointer (RFC 6901).
    JsonPointer { path: String, pointer: String },
    /// A section or symbol of an ELF file.
    ElfSymbol { path: String, symbol: String },
    /// The environment the program is started with.
    Environment,
    /// Something named that is not a file: a target, a profile.
    Named { name: String },
}

impl Location {
    /// The file the location is in, with its line and column when it has them.
    pub fn file_line(&self) -> Option<(&str, usize, usize)> {
        match self {
            Location::FileLine { path, line, column } => Some((path, *line, *column)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::TargetPath { path } => f.write_str(path),
            Location::FileLine { path, line, column } => write!(f, "{path}:{line}:{column}"),
            Location::JsonPointer { path, pointer } => write!(f, "{path}#{pointer}"),
            Location::ElfSymbol { path, symbol } => write!(f, "{path} ({symbol})"),
            Location::Environment => f.write_str("environment"),
            Location::Named { name } => f.write_str(name),
        }
    }
}

impl From<String> for Location {
    /// An absolute path is a path in the target, `environment` the environment, anything
    /// else a name.
    fn from(s: String) -> Location {
        if s.starts_with('/') {
            Location::TargetPath { path: s }
        } else if s == "environment" {
            Location::Environment
        } else {
            Location::Named { name: s }
        }
    }
}

impl From<&str> for Location {
    fn from(s: &str) -> Location {
        Location::from(s.to_string())
    }
}

impl From<&String> for Location {
    fn from(s: &String) -> Location {
        Location::from(s.clone())
    }
}

/// How loudly a finding is reported, and whether it fails the exit code: the SARIF
/// levels. Each severity has its default; the configuration may override it per rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Fails the exit code.
    Error,
    Warning,
    Note,
}

impl Level {
    /// The default level of a severity: `error` for failures, `warning` for risks, `note`
    /// for the rest.
    pub fn of(severity: Severity, undecided: bool) -> Level {
        match severity {
            _ if undecided => Level::Note,
            Severity::BlocksBuild | Severity::BlocksStart | Severity::FailsAtRuntime => {
                Level::Error
            }
            Severity::Risk => Level::Warning,
            Severity::Info => Level::Note,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "note" => Some(Level::Note),
            _ => None,
        }
    }
}

/// How to make it run, for this binary on this target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// One sentence.
    pub summary: String,
    /// Commands or lines to use as they are (a `go build` line, a Dockerfile line).
    pub commands: Vec<String>,
    /// For a Go binary: the change to its recorded `go build` that the first rebuild line
    /// of `commands` makes, so that one target's changes can be made in one rebuild.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<crate::fixes::GoChange>,
}

/// One problem a rule found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// Where in the life of the program it fails: ranks findings of the same severity.
    pub stage: Stage,
    /// The rule could not decide (the target does not say); shown, but not a failure.
    pub undecided: bool,
    /// How it is reported and whether it fails the exit code: the default of its severity
    /// unless the configuration overrides it.
    pub level: Level,
    /// One line, in the user's terms.
    pub message: String,
    pub evidence: Vec<Evidence>,
    pub fix: Option<Fix>,
}
