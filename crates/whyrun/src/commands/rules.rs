//! `whyrun rules` and `whyrun rule CODE`: the rule table (as text or `whyrun.rules/1`
//! JSON) and one rule's documentation, rendered from the rules' own doc comments; and the
//! built-in target profiles.

use std::io::Write;

use anstream::println;
use anyhow::{bail, Result};
use serde::Serialize;
use whyrun_rules::RULES;

use crate::cli::{RuleArgs, RulesArgs};
use crate::exit;
use crate::style::{ACCENT, LABEL, PATH};

/// The JSON schema identifier of `whyrun rules --json`.
pub const SCHEMA: &str = "whyrun.rules/1";

/// The `whyrun.rules/1` document.
#[derive(Serialize)]
struct Document {
    schema: &'static str,
    whyrun_version: &'static str,
    rules: Vec<RuleEntry>,
}

/// One rule, as `whyrun rule CODE` shows it.
#[derive(Serialize)]
struct RuleEntry {
    code: &'static str,
    name: &'static str,
    /// The code prefix of its family: `LIBC`.
    family: &'static str,
    subject: whyrun_rules::Subject,
    severity: whyrun_rules::Severity,
    stage: whyrun_rules::Stage,
    summary: &'static str,
    /// Its documentation, Markdown.
    docs: String,
}

pub fn list(args: &RulesArgs) -> Result<u8> {
    let mut rules: Vec<_> = RULES.iter().map(|r| r.meta()).collect();
    rules.sort_by_key(|m| (m.family, m.code));
    if args.output.json() {
        let doc = Document {
            schema: SCHEMA,
            whyrun_version: env!("CARGO_PKG_VERSION"),
            rules: rules
                .iter()
                .map(|m| RuleEntry {
                    code: m.code,
                    name: m.name,
                    family: m.family.prefix(),
                    subject: m.subject,
                    severity: m.severity,
                    stage: m.stage,
                    summary: m.summary,
                    docs: m.docs_markdown(),
                })
                .collect(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(exit::OK);
    }
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
