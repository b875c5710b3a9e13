//! What will go wrong when a binary meets a target, why, and how to fix it. One rule per
//! file under `rules/`, each documented by its own doc comment; `RULES` is the one table
//! of them. Rules are pure functions of a `CheckContext`: no I/O happens here.

pub mod access;
pub mod arch;
pub mod context;
pub mod distro;
pub mod explain;
pub mod finding;
pub mod fixes;
pub(crate) mod libs;
pub mod rule;
pub mod rules;
#[cfg(test)]
mod testing;

pub use context::{
    Binary, CheckContext, CheckOptions, LibraryResolution, MissingVersion, ResolvedLibrary,
};
pub use finding::{Evidence, Finding, Fix, Severity, Verdict};
pub use rule::{Family, Rule, RuleMeta};
pub use rules::RULES;

/// Runs every rule and returns the findings, worst first (then by code).
pub fn check(ctx: &CheckContext<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = RULES.iter().flat_map(|r| r.check(ctx)).collect();
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.undecided.cmp(&b.undecided))
            .then(a.code.cmp(b.code))
    });
    findings
}

/// The rule with this code (case-insensitive) or name.
pub fn rule(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}
