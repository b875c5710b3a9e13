//! CONF001: a configuration file names a rule code that no rule has.

use crate::finding::{Finding, Location, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::{ConfigSubject, Subject};

crate::declare_rule! {
    /// ## What it finds
    /// A code in `whyrun.toml` (under `ignore`, `severity` or `per-path-ignores`) that is
    /// not the code of any rule: a typo (`GO06`), a code from another tool (`DL3008`), or
    /// the name of a rule instead of its code.
    ///
    /// ## Why it breaks
    /// The setting does nothing: the finding it was meant to silence or re-grade is still
    /// reported as before, and the exit code still fails the build. Nothing says so
    /// unless the configuration is checked.
    ///
    /// ## Example
    /// ```text
    /// whyrun.toml:2:12: CONF001 unknown rule code "GO06" under ignore (did you mean GO006?)
    /// ```
    ///
    /// ## Fix
    /// Write the code as `whyrun rules` lists it; the nearest known code is suggested.
    ///
    /// ## References
    /// - `whyrun rules` lists every code.
    /// - ruff reports unknown rule selectors in its configuration the same way.
    pub struct UnknownRuleCode {
        code: "CONF001",
        name: "unknown-rule-code",
        family: Family::Conf,
        subject: Subject::Config,
        severity: Severity::BlocksStart,
        stage: Stage::Configuration,
        summary: "The configuration names a rule code that no rule has",
    }
}

impl UnknownRuleCode {
    pub fn run(config: &ConfigSubject) -> Vec<Finding> {
        config
            .codes
            .iter()
            .filter(|r| crate::rule(&r.code).is_none())
            .map(|r| {
                let hint = match crate::nearest_code(&r.code) {
                    Some(near) => format!(" (did you mean {near}?)"),
                    None => String::new(),
                };
                let at = Location::FileLine {
                    path: config.path.clone(),
                    line: r.line,
                    column: r.column,
                };
                UnknownRuleCode::META
                    .finding(format!(
                        "unknown rule code {:?} under {}{hint}",
                        r.code, r.key
                    ))
                    .evidence(format!("{} = … {:?}", r.key, r.code), at)
                    .fix(
                        "Write the code as `whyrun rules` lists it, or remove it",
                        crate::nearest_code(&r.code)
                            .map(|c| vec![format!("{:?}", c)])
                            .unwrap_or_default(),
                    )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::CodeReference;

    fn config(codes: &[&str]) -> ConfigSubject {
        ConfigSubject {
            path: "whyrun.toml".into(),
            codes: codes
                .iter()
                .enumerate()
                .map(|(i, c)| CodeReference {
                    code: c.to_string(),
                    key: "ignore".into(),
                    line: i + 1,
                    column: 11,
                })
                .collect(),
        }
    }

    #[test]
    fn fires_on_an_unknown_code_with_its_line_and_the_nearest_code() {
        let f = UnknownRuleCode::run(&config(&["GO006", "GO06"]));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "unknown rule code \"GO06\" under ignore (did you mean GO006?)"
        );
        assert_eq!(
            f[0].evidence[0].location.file_line(),
            Some(("whyrun.toml", 2, 11))
        );
    }

    #[test]
    fn silent_for_known_codes_in_any_case() {
        assert!(UnknownRuleCode::run(&config(&["GO006", "lib001"])).is_empty());
    }
}
