//! The rule contract: metadata whose documentation is the rule's own doc comment, the
//! subject the rule judges, the stage where its failure shows, and a pure check over that
//! subject. `declare_rule!` keeps them together.

use crate::context::CheckContext;
use crate::finding::{Evidence, Finding, Fix, Level, Location, Severity};
use crate::precedence::Stage;
use crate::subject::{ConfigSubject, MissingCommand, ScriptSubject, Subject};

/// The failure families, each with its code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Family {
    /// `ARCH`: CPU architecture, level and kernel.
    Arch,
    /// `LIBC`: libc linkage, interpreter, cgo and NSS.
    Libc,
    /// `LIB`: shared libraries and symbol versions.
    Lib,
    /// `GO`: Go toolchain and runtime needs.
    Go,
    /// `FS`: files, permissions and mounts.
    Fs,
    /// `CONF`: whyrun's own configuration.
    Conf,
    /// `BUILD`: build inputs (go.mod, GOPATH, the toolchain): no binary comes out.
    Build,
    /// `LAUNCH`: how the program is started (a systemd unit, the user, ports, sandboxing).
    Launch,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Arch => "CPU architecture and kernel",
            Family::Libc => "libc and the program interpreter",
            Family::Lib => "shared libraries",
            Family::Go => "Go runtime",
            Family::Fs => "files and permissions",
            Family::Conf => "whyrun's configuration",
            Family::Build => "build inputs",
            Family::Launch => "how the program is launched",
        }
    }

    /// The prefix of its codes: `ARCH`, `LIBC`, `LIB`, `GO`, `FS`, `CONF`, `BUILD`.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Arch => "ARCH",
            Family::Libc => "LIBC",
            Family::Lib => "LIB",
            Family::Go => "GO",
            Family::Fs => "FS",
            Family::Conf => "CONF",
            Family::Build => "BUILD",
            Family::Launch => "LAUNCH",
        }
    }
}

/// What is known about a rule without running it.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, never reused: `LIBC001`.
    pub code: &'static str,
    /// Kebab-case name: `missing-interpreter`.
    pub name: &'static str,
    pub family: Family,
    /// What it judges.
    pub subject: Subject,
    /// The severity of its findings unless the finding says otherwise.
    pub severity: Severity,
    /// Where in the life of the program its failure shows (`precedence`).
    pub stage: Stage,
    /// One line.
    pub summary: &'static str,
    /// The rule's doc comment: Markdown with the sections What it finds, Why it breaks,
    /// Example, Fix, References.
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the one leading space of each doc-comment line removed.
    pub fn docs_markdown(&self) -> String {
        self.docs
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    }

    /// The rule's page (`docs/rules/CODE.md`): its table of facts, then its documentation.
    pub fn page(&self) -> String {
        format!(
            "<!-- Written by `WHYRUN_BLESS_DOCS=1 cargo test -p whyrun-rules --test pages` from the rule's doc comment; edit the comment, not this file. -->\n\n# {} {}\n\n{}\n\n| family | severity | judges | fails at |\n|---|---|---|---|\n| {} | {} | {} | {} |\n\n{}\n",
            self.code,
            self.name,
            self.summary,
            self.family.name(),
            self.severity.label(),
            self.subject.label(),
            self.stage.label(),
            self.docs_markdown()
        )
    }

    /// Where the rule's page is published: the repository's `docs/rules/CODE.md`.
    pub fn help_uri(&self) -> String {
        format!(
            "{}/blob/main/docs/rules/{}.md",
            env!("CARGO_PKG_REPOSITORY"),
            self.code
        )
    }

    /// A finding of this rule with its default severity.
    pub fn finding(&'static self, message: impl Into<String>) -> Finding {
        Finding {
            code: self.code,
            rule: self.name,
            severity: self.severity,
            stage: self.stage,
            undecided: false,
            level: Level::of(self.severity, false),
            message: message.into(),
            evidence: Vec::new(),
            fix: None,
        }
    }
}

impl Finding {
    pub fn evidence(mut self, what: impl Into<String>, location: impl Into<Location>) -> Self {
        self.evidence.push(Evidence {
            what: what.into(),
            location: location.into(),
        });
        self
    }

    pub fn fix(mut self, summary: impl Into<String>, commands: Vec<String>) -> Self {
        self.fix = Some(Fix {
            summary: summary.into(),
            commands,
            rebuild: None,
        });
        self
    }

    /// [`Finding::rebuild`] when there is a change.
    pub fn rebuild_if(self, change: Option<crate::fixes::GoChange>) -> Self {
        match change {
            Some(c) => self.rebuild(c),
            None => self,
        }
    }

    /// Records the `go build` change the fix's rebuild line makes (see `fixes::GoChange`).
    pub fn rebuild(mut self, change: crate::fixes::GoChange) -> Self {
        if let Some(fix) = &mut self.fix {
            fix.rebuild = Some(change);
        }
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self.level = Level::of(severity, self.undecided);
        self
    }

    /// Marks the finding as undecidable with what the target lacks.
    pub fn undecided(mut self) -> Self {
        self.undecided = true;
        self.level = Level::of(self.severity, true);
        self
    }
}

/// What one rule is run over: one subject of the kind it declares.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Input<'a> {
    /// A binary placed in a target.
    Binary(&'a CheckContext<'a>),
    /// whyrun's configuration file.
    Config(&'a ConfigSubject),
    /// A container image whose command names no executable file in it.
    ImageCommand(&'a MissingCommand),
    /// A script started as a program.
    Script(&'a ScriptSubject),
    /// A Go source tree to be built.
    Build(&'a crate::build::BuildSubject),
    /// A Dockerfile's stages, followed.
    Docker(&'a crate::build::docker::DockerSubject),
    /// How a program is launched: a systemd unit, or `--user`/`--port`/`--reads`/`--writes`.
    Launch(&'a crate::launch::LaunchSubject),
}

/// A rule: metadata plus a pure check over the subject it declares; any other subject
/// gives no finding.
pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, input: Input<'_>) -> Vec<Finding>;
}

/// Declares a rule's struct with its doc comment captured as its documentation:
///
/// ```ignore
/// declare_rule! {
///     /// ## What it finds
///     /// ...
///     pub struct MissingInterpreter {
///         code: "LIBC001",
///         name: "missing-interpreter",
///         family: Family::Libc,
///         subject: Subject::BinaryOnTarget,
///         severity: Severity::BlocksStart,
///         stage: Stage::Interpreter,
///         summary: "The program interpreter does not exist in the target",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $slug:literal,
            family: $family:expr,
            subject: $subject:expr,
            severity: $severity:expr,
            stage: $stage:expr,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                code: $code,
                name: $slug,
                family: $family,
                subject: $subject,
                severity: $severity,
                stage: $stage,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}
