//! `whyrun inspect`: reads the facts of each file (in parallel, output in argument order)
//! and prints them as text or as `whyrun.inspect/1` JSON. A file that cannot be read gets
//! one line on stderr naming it; the others are still inspected and the exit code is 2.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anstream::eprintln;
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use whyrun_facts::{Facts, FactsError};

use crate::cli::InspectArgs;
use crate::exit;
use crate::style::{ACCENT, BAD, LABEL, PATH, WARN};

/// The JSON schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "whyrun.inspect/1";

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    whyrun_version: &'static str,
    files: Vec<FileReport<'a>>,
}

#[derive(Serialize)]
struct FileReport<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<&'a Facts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(args: &InspectArgs) -> Result<u8> {
    let results: Vec<(String, Result<Facts, FactsError>)> = args
        .files
        .par_iter()
        .map(|p| {
            (
                p.display().to_string(),
                whyrun_facts::inspect_path(Path::new(p)),
            )
        })
        .collect();

    let mut failed = false;
    for (path, r) in &results {
        if let Err(e) = r {
            failed = true;
            eprintln!("whyrun: {}: {e}", path);
        }
    }

    if args.json {
        let report = Report {
            schema: SCHEMA,
            whyrun_version: env!("CARGO_PKG_VERSION"),
            files: results
                .iter()
                .map(|(path, r)| FileReport {
                    path,
                    facts: r.as_ref().ok(),
                    error: r.as_ref().err().map(|e| e.to_string()),
                })
                .collect(),
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        whyrun_report::pretty::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        // Rendered whole and written once.
        let mut text = String::new();
        for (path, r) in &results {
            if let Ok(facts) = r {
                if !text.is_empty() {
                    text.push('\n');
                }
                print_human(&mut text, path, facts, args.verbose);
            }
        }
        crate::style::write_stdout(&text)?;
    }
    // The process ends next: freeing every file's facts one by one would only cost time.
    std::mem::forget(results);
    Ok(if failed { exit::INPUT_ERROR } else { exit::OK })
}

fn row(out: &mut String, label: &str, value: impl std::fmt::Display) {
    row_str(out, label, value.to_string())
}

fn row_str(out: &mut String, label: &str, value: String) {
    let _ = writeln!(out, "  {LABEL}{label:<12}{LABEL:#} {value}");
}

fn print_human(out: &mut String, path: &str, f: &Facts, verbose: bool) {
    let e = &f.elf;
    let _ = writeln!(out, "{PATH}{path}{PATH:#}");
    let arch = &e.machine.name;
    row(
        out,
        "binary",
        format!(
            "{ACCENT}{arch}{ACCENT:#} {} {}-endian, {}, {} ({} bytes)",
            e.class, e.endian, e.file_type, e.linkage, f.file_size
        ),
    );
    if e.os_abi != "SYSV" && e.os_abi != "GNU" {
        row(out, "os/abi", format!("{WARN}{}{WARN:#}", e.os_abi));
    }
    match &e.interpreter {
        Some(i) => row(out, "interpreter", i),
        None => row(out, "interpreter", "none (needs no loader)"),
    }
    if !e.needed.is_empty() {
        row(out, "needs", e.needed.join(", "));
    }
    if let Some(s) = &e.soname {
        row(out, "soname", s);
    }
    if let Some(r) = &e.rpath {
        row(out, "rpath", r);
    }
    if let Some(r) = &e.runpath {
        row(out, "runpath", r);
    }
    for m in &e.max_versions {
        let mut syms = m
            .symbols
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if m.symbols.len() > 4 {
            syms.push_str(&format!(", +{} more", m.symbols.len() - 4));
        }
        row(
            out,
            &format!("max {}", m.family),
            format!(
                "{ACCENT}{}{ACCENT:#} from {} ({syms})",
                m.version,
                m.libraries.join(", ")
            ),
        );
    }
    if verbose {
        for need in &e.version_needs {
            for v in &need.versions {
                let weak = if v.weak { " (weak)" } else { "" };
                row(
                    out,
                    "version",
                    format!("{} {}{weak}: {}", need.library, v.name, v.symbols.join(" ")),
                );
            }
        }
        if !e.dt_flags.is_empty() || !e.dt_flags_1.is_empty() {
            row(
                out,
                "dyn flags",
                format!("{} {}", e.dt_flags.join(" "), e.dt_flags_1.join(" "))
                    .trim()
                    .to_string(),
            );
        }
        if !e.version_definitions.is_empty() {
            row(out, "defines", e.version_definitions.join(" "));
        }
    }
    if let Some(t) = &e.abi_tag {
        row(out, "kernel", format!(">= {} ({} ABI tag)", t.kernel, t.os));
    }
    if let Some(isa) = &e.x86_isa_needed {
        row(
            out,
            "cpu level",
            format!("{ACCENT}{}{ACCENT:#} (.note.gnu.property)", isa.level),
        );
    }
    if let Some(id) = &e.build_id {
        row(out, "build-id", id);
    }
    let mut sym = Vec::new();
    sym.push(if e.stripped {
        "stripped"
    } else {
        "symbol table"
    });
    if e.debug_info {
        sym.push("debug info");
    }
    if !e.section_headers {
        sym.push("no section headers");
    }
    row(out, "symbols", sym.join(", "));
    let h = &e.hardening;
    row(
        out,
        "hardening",
        format!(
            "PIE {}, RELRO {}, NX stack {}, BIND_NOW {}",
            yes_no(h.pie),
            h.relro,
            yes_no(h.nx_stack),
            yes_no(h.bind_now)
        ),
    );
    super::inspect_go::print_go(f.go.as_ref(), verbose, &mut |label, value| {
        row_str(out, label, value)
    });
    if let Some(rust) = &f.rust {
        let root = rust.packages.iter().find(|p| p.root);
        row(
            out,
            "rust",
            format!(
                "{} crates recorded by cargo auditable{}",
                rust.packages.len(),
                root.map(|p| format!(", root {} {}", p.name, p.version))
                    .unwrap_or_default()
            ),
        );
        if verbose {
            for p in rust.packages.iter().filter(|p| !p.root) {
                row(
                    out,
                    "crate",
                    format!("{} {} ({}, {})", p.name, p.version, p.source, p.kind),
                );
            }
        }
    }
    for w in &f.warnings {
        row(out, "warning", format!("{BAD}{w}{BAD:#}"));
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
