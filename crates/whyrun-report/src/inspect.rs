//! `whyrun inspect` rendered: the facts of each file as text (a row per fact, `-v` for
//! every dependency, symbol version and build setting) or as `whyrun.inspect/1` JSON.

use std::fmt::Write as _;

use serde::Serialize;
use whyrun_facts::Facts;

use crate::inspect_go::print_go;
use crate::style::{ACCENT, BAD, LABEL, PATH, WARN};

/// The JSON schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "whyrun.inspect/1";

/// The `whyrun.inspect/1` document.
#[derive(Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub whyrun_version: &'a str,
    pub files: Vec<FileReport<'a>>,
}

/// One file: its facts, or why they could not be read.
#[derive(Serialize)]
pub struct FileReport<'a> {
    pub path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<&'a Facts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn row(out: &mut String, label: &str, value: impl std::fmt::Display) {
    row_str(out, label, value.to_string())
}

fn row_str(out: &mut String, label: &str, value: String) {
    let _ = writeln!(out, "  {LABEL}{label:<12}{LABEL:#} {value}");
}

/// Appends the text of one file's facts to `out`.
pub fn write_text(out: &mut String, path: &str, f: &Facts, verbose: bool) {
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
    print_go(f.go.as_ref(), verbose, &mut |label, value| {
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
