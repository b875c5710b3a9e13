//! `whyrun explain "<message>" [BINARY]`: names the causes of an error message; with a
//! binary, checks it against the targets and says which causes apply there.

use std::collections::BTreeMap;
use std::io::Write;

use anstream::println;
use anyhow::Result;
use serde::Serialize;
use whyrun_check::{Config, Placement};
use whyrun_rules::explain::match_message;
use whyrun_rules::CheckOptions;

use crate::cli::ExplainArgs;
use crate::exit;
use crate::style::{ACCENT, BAD, LABEL, PATH};

#[derive(Serialize)]
struct Explanation {
    schema: &'static str,
    whyrun_version: &'static str,
    message: String,
    matches: Vec<Match>,
}

#[derive(Serialize)]
struct Match {
    id: &'static str,
    origin: &'static str,
    causes: Vec<CauseReport>,
}

#[derive(Serialize)]
struct CauseReport {
    rule: Option<&'static str>,
    text: &'static str,
    /// The targets on which the binary shows this cause (with a binary given).
    applies_on: Vec<String>,
    /// The finding's message there.
    findings: Vec<String>,
    /// The fix `whyrun check` gives the finding there (`null` when it has none).
    fixes: Vec<Option<whyrun_rules::Fix>>,
}

pub fn run(args: &ExplainArgs) -> Result<u8> {
    let hits = match_message(&args.message);
    // rule code -> [(target, finding message, its fix)]
    type Fired = Vec<(String, String, Option<whyrun_rules::Fix>)>;
    let mut fired: BTreeMap<&'static str, Fired> = BTreeMap::new();
    let mut input_error = false;
    if let Some(binary) = &args.binary {
        let placement = Placement::Local {
            file: binary.clone(),
            at: None,
        };
        let outcome = whyrun_check::check(
            &args.targets.spec(),
            &placement,
            &CheckOptions {
                run_as: args.user.clone(),
                user_from_launch: false,
            },
            &Config::default(),
        );
        for e in &outcome.errors {
            input_error = true;
            anstream::eprintln!("whyrun: {e}");
        }
        for t in outcome.report.binaries.iter().flat_map(|b| &b.targets) {
            for f in &t.findings {
                fired.entry(f.code).or_default().push((
                    t.target.clone(),
                    f.message.clone(),
                    f.fix.clone(),
                ));
            }
        }
    }
    let explanation = Explanation {
        schema: "whyrun.explain/1",
        whyrun_version: env!("CARGO_PKG_VERSION"),
        message: args.message.clone(),
        matches: hits
            .iter()
            .map(|k| Match {
                id: k.id,
                origin: k.origin,
                causes: k
                    .causes
                    .iter()
                    .map(|c| {
                        let hits = c
                            .rule
                            .and_then(|r| fired.get(r))
                            .cloned()
                            .unwrap_or_default();
                        CauseReport {
                            rule: c.rule,
                            text: c.text,
                            applies_on: hits.iter().map(|(t, _, _)| t.clone()).collect(),
                            findings: hits.iter().map(|(_, m, _)| m.clone()).collect(),
                            fixes: hits.into_iter().map(|(_, _, f)| f).collect(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    };
    if args.output.json() {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, &explanation)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        print_human(&explanation, args.binary.is_some());
    }
    Ok(if input_error {
        exit::INPUT_ERROR
    } else if explanation.matches.is_empty() {
        exit::FAILS
    } else {
        exit::OK
    })
}

fn print_human(e: &Explanation, with_binary: bool) {
    if e.matches.is_empty() {
        println!("whyrun does not recognise this message. `whyrun check BINARY` may still find the cause.");
        let near = whyrun_rules::explain::nearest(&e.message);
        if !near.is_empty() {
            println!("\nThe known messages closest to it (not a match):");
            for k in near {
                println!("  {LABEL}{}{LABEL:#}  {}", k.id, k.origin);
            }
        }
        return;
    }
    for m in &e.matches {
        println!("{PATH}{}{PATH:#}", m.origin);
        for c in &m.causes {
            let code = c.rule.unwrap_or("-");
            if c.applies_on.is_empty() {
                println!("  {LABEL}{code:<8}{LABEL:#} {}", c.text);
            } else {
                println!("  {BAD}{code:<8}{BAD:#} {}", c.text);
                for ((t, f), fix) in c.applies_on.iter().zip(&c.findings).zip(&c.fixes) {
                    println!("           {BAD}applies here{BAD:#} on {ACCENT}{t}{ACCENT:#}: {f}");
                    if let Some(fix) = fix {
                        println!("           {LABEL}fix{LABEL:#} {}", fix.summary);
                        for line in &fix.commands {
                            println!("               {line}");
                        }
                    }
                }
            }
        }
    }
    if with_binary
        && e.matches
            .iter()
            .all(|m| m.causes.iter().all(|c| c.applies_on.is_empty()))
    {
        let launch = e.matches.iter().any(|m| {
            m.causes.iter().any(|c| {
                c.rule
                    .and_then(whyrun_rules::rule)
                    .is_some_and(|r| r.meta().family == whyrun_rules::rule::Family::Launch)
            })
        });
        if launch {
            println!("\nNone of these causes shows in the binary on the given targets. The LAUNCH causes depend on how it is started, which a binary alone does not say: `whyrun check --unit NAME --root DIR` (or --user, --port, --reads, --writes) judges them.");
        } else {
            println!("\nNone of these causes shows in the binary on the given targets: check the target you ran it on (--target, --root, --image).");
        }
    }
}
