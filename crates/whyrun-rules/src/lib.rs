//! What will go wrong when a binary meets a target, why, and how to fix it. One rule per
//! file under `rules/`, each documented by its own doc comment and declaring the subject
//! it judges and the stage where its failure shows; `RULES` is the one table of them.
//! Rules are pure functions of their subject: no I/O happens here.

pub mod aarch32;
pub mod access;
pub mod arch;
pub mod build;
pub mod container;
pub mod context;
pub mod distro;
pub mod explain;
pub mod finding;
pub mod fixes;
pub mod launch;
pub(crate) mod libs;
pub mod precedence;
pub mod rule;
pub mod rules;
pub mod subject;
#[cfg(test)]
mod testing;

pub use context::{
    Binary, CheckContext, CheckOptions, FoundBy, LibraryResolution, Method, MissingVersion,
    Outcome, ResolvedLibrary,
};
pub use finding::{Evidence, Finding, Fix, Level, Location, Severity, Verdict};
pub use precedence::Stage;
pub use rule::{Family, Input, Rule, RuleMeta};
pub use rules::RULES;
pub use subject::{CodeReference, ConfigSubject, MissingCommand, Presence, ScriptSubject, Subject};

/// Runs every rule over one input and returns the findings ranked (`precedence::rank`):
/// the first decided finding is the first thing that really fails.
pub fn run(input: Input<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = RULES.iter().flat_map(|r| r.check(input)).collect();
    precedence::rank(&mut findings);
    findings
}

/// Runs the binary rules over a binary placed in a target.
pub fn check(ctx: &CheckContext<'_>) -> Vec<Finding> {
    run(Input::Binary(ctx))
}

/// The known code nearest to `code` (by edit distance, at most two edits), for "did you
/// mean" suggestions.
pub fn nearest_code(code: &str) -> Option<&'static str> {
    let code = code.to_ascii_uppercase();
    RULES
        .iter()
        .map(|r| r.meta().code)
        .map(|c| (edit_distance(&code, c), c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The rule with this code (case-insensitive) or name.
pub fn rule(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}
