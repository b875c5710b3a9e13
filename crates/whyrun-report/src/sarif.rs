//! `--format sarif`: SARIF 2.1.0 for code scanning. Every rule's documentation goes into
//! `rules[]`; every result carries a location (the text file and line it is about, else the
//! binary's path) and, in its properties, the target, the evidence and the fix.

use std::io::Write;

use serde_json::{json, Value};
use whyrun_rules::{Finding, Severity, RULES};

use crate::CheckReport;

pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    whyrun_rules::Level::of(severity, false).name()
}

/// The finding's physical location: the first evidence in a text file, at its line and
/// column; else `fallback` (the binary's path).
fn physical_location(f: &Finding, fallback: &str) -> Value {
    match f.evidence.iter().find_map(|e| e.location.file_line()) {
        Some((path, line, column)) => json!({
            "artifactLocation": { "uri": path_to_uri(path) },
            "region": { "startLine": line, "startColumn": column },
        }),
        None => json!({ "artifactLocation": { "uri": path_to_uri(fallback) } }),
    }
}

/// One result: the finding's rule, level, message and location, with `properties`
/// (the severity, stage, evidence and fix are added to them).
fn result(f: &Finding, message: String, location: Value, mut properties: Value) -> Value {
    properties["severity"] = json!(f.severity.label());
    properties["stage"] = json!(f.stage);
    properties["evidence"] = json!(f.evidence);
    properties["fix"] = json!(f.fix);
    let mut result = json!({
        "ruleId": f.code,
        "level": f.level.name(),
        "message": { "text": message },
        "locations": [location],
        "properties": properties,
    });
    if let Some(i) = RULES.iter().position(|r| r.meta().code == f.code) {
        result["ruleIndex"] = json!(i);
    }
    result
}

/// A relative or absolute path as a URI reference (RFC 3986): unreserved characters and
/// `/` kept, everything else percent-encoded.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

pub fn to_value(report: &CheckReport, whyrun_version: &str) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            let docs = m.docs_markdown();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": docs, "markdown": docs },
                "helpUri": m.help_uri(),
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": {
                    "family": m.family.name(),
                    "subject": m.subject,
                    "severity": m.severity.label(),
                    "stage": m.stage,
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    for binary in &report.binaries {
        for target in &binary.targets {
            for f in &target.findings {
                results.push(result(
                    f,
                    format!("{} (target {})", f.message, target.target),
                    json!({
                        "physicalLocation": physical_location(f, &binary.path),
                        "logicalLocations": [{ "name": target.target, "kind": "module" }],
                    }),
                    json!({
                        "target": target.target,
                        "targetKind": target.kind,
                        "pathInTarget": target.path_in_target,
                        "verdict": target.verdict,
                        "undecided": f.undecided,
                    }),
                ));
            }
        }
    }
    for input in &report.inputs {
        for f in &input.findings {
            results.push(result(
                f,
                f.message.clone(),
                json!({ "physicalLocation": physical_location(f, &input.path) }),
                json!({ "subject": input.subject }),
            ));
        }
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "whyrun",
                "version": whyrun_version,
                "semanticVersion": whyrun_version,
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

pub fn write(
    out: &mut dyn Write,
    report: &CheckReport,
    whyrun_version: &str,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report, whyrun_version))?;
    writeln!(out)
}
