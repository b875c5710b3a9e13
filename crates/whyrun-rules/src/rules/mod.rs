//! The rules, one per file, and the table that lists them. A code is never reused: a
//! retired rule's code stays out of this table for good.

mod missing_interpreter;

pub use missing_interpreter::MissingInterpreter;

use crate::context::CheckContext;
use crate::finding::Finding;
use crate::rule::{Rule, RuleMeta};

macro_rules! register {
    ($($rule:ident),* $(,)?) => {
        $(
            impl Rule for $rule {
                fn meta(&self) -> &'static RuleMeta {
                    &$rule::META
                }
                fn check(&self, ctx: &CheckContext<'_>) -> Vec<Finding> {
                    $rule::run(ctx)
                }
            }
        )*
        /// Every rule, in code order.
        pub static RULES: &[&dyn Rule] = &[$(&$rule),*];
    };
}

register![MissingInterpreter];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule documents itself fully: its doc comment is what `whyrun rule CODE`, the
    /// SARIF `rules[]` and the docs show.
    #[test]
    fn every_rule_has_its_doc_sections() {
        for rule in RULES {
            let m = rule.meta();
            let docs = m.docs_markdown();
            for section in [
                "## What it finds",
                "## Why it breaks",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(docs.contains(section), "{} lacks {section:?}", m.code);
            }
        }
    }

    #[test]
    fn codes_are_unique_and_prefixed_by_family() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES {
            let m = rule.meta();
            assert!(seen.insert(m.code), "{} used twice", m.code);
            let prefix = match m.family {
                crate::Family::Arch => "ARCH",
                crate::Family::Libc => "LIBC",
                crate::Family::Lib => "LIB",
                crate::Family::Go => "GO",
                crate::Family::Fs => "FS",
            };
            let digits = m
                .code
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("{} lacks {prefix}", m.code));
            assert!(
                digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                m.code
            );
            assert!(
                m.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{}",
                m.name
            );
        }
    }
}
