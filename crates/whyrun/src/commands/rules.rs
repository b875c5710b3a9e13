//! `whyrun rules` and `whyrun rule CODE`: the rule table and one rule's documentation,
//! rendered from the rules' own doc comments; and the built-in target profiles.

use anstream::println;
use anyhow::{bail, Result};
use whyrun_rules::RULES;

use crate::cli::RuleArgs;
use crate::exit;
use crate::style::{ACCENT, LABEL, PATH};

pub fn list() -> Result<u8> {
    let mut rules: Vec<_> = RULES.iter().map(|r| r.meta()).collect();
    rules.sort_by_key(|m| (m.family, m.code));
    let mut family = None;
    for m in rules {
        if family != Some(m.family) {
            if family.is_some() {
                println!();
            }
            println!("{PATH}{}{PATH:#}", m.family.name());
            family = Some(m.family);
        }
        println!(
            "  {ACCENT}{:<8}{ACCENT:#} {:<34} {LABEL}{:<18}{LABEL:#} {}",
            m.code,
            m.name,
            m.severity.label(),
            m.summary
        );
    }
    Ok(exit::OK)
}

/// `whyrun check --list-targets`.
pub fn print_profiles() {
    for (name, summary) in whyrun_target::profiles::list() {
        println!("  {ACCENT}{name:<24}{ACCENT:#} {LABEL}{summary}{LABEL:#}");
    }
}

pub fn show(args: &RuleArgs) -> Result<u8> {
    let Some(rule) = whyrun_rules::rule(&args.code) else {
        bail!("no rule {:?}: `whyrun rules` lists them", args.code);
    };
    let m = rule.meta();
    println!(
        "{PATH}{} {}{PATH:#}  {LABEL}({}, {}; judges: {}; fails at: {}){LABEL:#}\n{}\n",
        m.code,
        m.name,
        m.family.name(),
        m.severity.label(),
        m.subject.label(),
        m.stage.label(),
        m.summary
    );
    println!("{}", m.docs_markdown());
    Ok(exit::OK)
}
