//! The order in which failures really happen, written once. Each rule declares the stage
//! at which its failure shows; findings are ranked by it (after severity), so the top
//! cause is the first thing that really fails, not the first code in alphabetical order.
//!
//! The order follows what the kernel, the loader and the runtime do, step by step:
//!
//! | stage | where it fails | what the user sees |
//! |---|---|---|
//! | `Configuration` | whyrun's own settings | `whyrun.toml:3:11: unknown rule code` |
//! | `Build` | the build (no binary) | `go: go.mod requires go >= 1.23` |
//! | `Launch` | the service manager or runtime, before `execve` | `status=217/USER` |
//! | `Access` | `execve`: permission and mount checks (`EACCES`) | `Permission denied` |
//! | `Format` | `execve`: the ELF header, class and machine (`ENOEXEC`) | `exec format error` |
//! | `Interpreter` | `execve`: `PT_INTERP` opened (`ENOENT`) | `no such file or directory` |
//! | `Libraries` | `ld.so` maps every `DT_NEEDED` first | `error while loading shared libraries` |
//! | `SymbolVersions` | `ld.so` checks versions once all are mapped | ``version `GLIBC_2.34' not found`` |
//! | `StartUp` | the runtime's own checks before `main` | `This program can only be run on … v3` |
//! | `RunTime` | when the program reaches the missing piece | `x509: certificate signed by unknown authority` |
//! | `Notes` | never fails | end of life, dirty builds |
//!
//! `execve` checks the execute bit and `noexec` (in `do_open_execat` and
//! `path_noexec`) before it reads a byte of the file, so a foreign binary without its
//! execute bit fails with `EACCES`, not `ENOEXEC`. It reads the header (`ENOEXEC`) before it
//! opens the interpreter the header names (`ENOENT`). glibc's `ld.so` maps the whole
//! dependency tree (`_dl_map_object_deps`) before `_dl_check_all_versions`, so a missing
//! library hides a missing version.

use serde::Serialize;

/// A point in the life of a program where a failure shows, earliest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stage {
    /// whyrun's own configuration: nothing is judged as the user meant until it is fixed.
    Configuration,
    /// The build: without a binary nothing else can be judged.
    Build,
    /// The launcher (systemd, a container runtime), before `execve`: user, groups,
    /// working directory, sandboxing.
    Launch,
    /// `execve`'s permission checks: execute bit, search permission, `noexec` (`EACCES`).
    Access,
    /// `execve`'s format checks: ELF header, class, machine (`ENOEXEC`).
    Format,
    /// `execve` opens `PT_INTERP` (`ENOENT` when missing).
    Interpreter,
    /// The loader maps every needed library.
    Libraries,
    /// The loader checks symbol versions once all libraries are mapped.
    SymbolVersions,
    /// The runtime's own start-up checks (GOAMD64, the ISA level, the kernel).
    StartUp,
    /// When the program reaches what is missing (CA bundle, zoneinfo, passwd, resolver).
    RunTime,
    /// Never a failure.
    Notes,
}

impl Stage {
    /// Every stage, earliest first.
    pub const ALL: [Stage; 11] = [
        Stage::Configuration,
        Stage::Build,
        Stage::Launch,
        Stage::Access,
        Stage::Format,
        Stage::Interpreter,
        Stage::Libraries,
        Stage::SymbolVersions,
        Stage::StartUp,
        Stage::RunTime,
        Stage::Notes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Configuration => "configuration",
            Stage::Build => "build",
            Stage::Launch => "launch",
            Stage::Access => "execve: permissions",
            Stage::Format => "execve: format",
            Stage::Interpreter => "execve: interpreter",
            Stage::Libraries => "loader: libraries",
            Stage::SymbolVersions => "loader: symbol versions",
            Stage::StartUp => "start-up checks",
            Stage::RunTime => "run time",
            Stage::Notes => "notes",
        }
    }
}

/// Ranks findings: worst severity first, decided before undecided of the same severity,
/// then the stage where the failure shows first, then code. The first finding is the top
/// cause, the one the verdict rests on (`Verdict::of`): an undecided blocker leads a
/// decided run-time failure, since the program may never start.
pub fn rank(findings: &mut [crate::Finding]) {
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.undecided.cmp(&b.undecided))
            .then(a.stage.cmp(&b.stage))
            .then(a.code.cmp(b.code))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::rules::RULES;

    #[test]
    fn stages_are_listed_in_their_order() {
        let mut sorted = Stage::ALL;
        sorted.sort();
        assert_eq!(sorted, Stage::ALL);
    }

    fn finding(code: &'static str, severity: Severity, stage: Stage) -> crate::Finding {
        crate::Finding {
            code,
            rule: "test",
            severity,
            stage,
            undecided: false,
            level: crate::Level::of(severity, false),
            message: String::new(),
            evidence: Vec::new(),
            fix: None,
        }
    }

    /// An arm64 binary with mode 0644 in an x86-64 root fails with `Permission denied`:
    /// the execute bit is checked before the format, although ARCH sorts before FS.
    #[test]
    fn the_first_real_failure_leads_not_the_first_code() {
        let mut f = vec![
            finding("ARCH001", Severity::BlocksStart, Stage::Format),
            finding("FS001", Severity::BlocksStart, Stage::Access),
            finding("LIBC001", Severity::BlocksStart, Stage::Interpreter),
            finding("GO002", Severity::FailsAtRuntime, Stage::RunTime),
        ];
        rank(&mut f);
        let codes: Vec<_> = f.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["FS001", "ARCH001", "LIBC001", "GO002"]);
    }

    /// An arm64 binary in a root that does not show its machine: the undecided blocker
    /// leads, and the verdict is "cannot tell", whatever lesser findings are decided.
    #[test]
    fn an_undecided_blocker_leads_lesser_decided_findings() {
        use crate::Verdict;
        let mut arch = finding("ARCH001", Severity::BlocksStart, Stage::Format);
        arch.undecided = true;
        for lesser in [
            finding("GO002", Severity::FailsAtRuntime, Stage::RunTime),
            finding("GO009", Severity::Risk, Stage::RunTime),
            finding("GO006", Severity::Info, Stage::Notes),
        ] {
            let mut f = vec![lesser, arch.clone()];
            rank(&mut f);
            assert_eq!(f[0].code, "ARCH001");
            assert_eq!(Verdict::of(&f), Verdict::CannotTell);
        }
        // A decided blocker still decides.
        let mut f = vec![
            arch.clone(),
            finding("LIBC001", Severity::BlocksStart, Stage::Interpreter),
        ];
        rank(&mut f);
        assert_eq!(f[0].code, "LIBC001");
        assert_eq!(Verdict::of(&f), Verdict::WontStart);
        // An undecided risk does not outweigh a decided one.
        let mut risk = finding("GO005", Severity::Risk, Stage::RunTime);
        risk.undecided = true;
        let f = vec![finding("GO009", Severity::Risk, Stage::RunTime), risk];
        assert_eq!(Verdict::of(&f), Verdict::Risky);
    }

    /// The stage each failing rule declares agrees with its family where the family pins
    /// it: FS rules fail when the runtime looks the program up or in `execve` (its
    /// permission checks, a script's interpreter), LIB rules in the loader.
    #[test]
    fn rules_declare_the_stage_of_their_family() {
        for rule in RULES {
            let m = rule.meta();
            let expected: &[Stage] = match &m.code[..m.code.len() - 3] {
                "FS" => &[Stage::Launch, Stage::Access, Stage::Interpreter],
                "LIB" => &[Stage::Libraries, Stage::SymbolVersions],
                "CONF" => &[Stage::Configuration],
                _ => continue,
            };
            assert!(
                expected.contains(&m.stage),
                "{} declares {:?}",
                m.code,
                m.stage
            );
        }
    }
}
