//! `--format sarif`: SARIF 2.1.0 for code scanning. Every rule's documentation goes into
//! `rules[]`; every result carries a location (the binary's path) and, in its properties,
//! the target, the evidence and the fix.

use std::io::Write;

use serde_json::{json, Value};
use whyrun_rules::{Severity, RULES};

use crate::CheckReport;

pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::BlocksStart | Severity::FailsAtRuntime => "error",
        Severity::Risk => "warning",
        _ => "note",
    }
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
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": { "family": m.family.name(), "severity": m.severity.label() },
            })
        })
        .collect();
    let mut results = Vec::new();
    for binary in &report.binaries {
        for target in &binary.targets {
            for f in &target.findings {
                let rule_index = RULES.iter().position(|r| r.meta().code == f.code);
                let mut result = json!({
                    "ruleId": f.code,
                    "level": if f.undecided { "note" } else { level(f.severity) },
                    "message": { "text": format!("{} (target {})", f.message, target.target) },
                    "locations": [{
                        "physicalLocation": { "artifactLocation": { "uri": path_to_uri(&binary.path) } },
                        "logicalLocations": [{ "name": target.target, "kind": "module" }],
                    }],
                    "properties": {
                        "target": target.target,
                        "targetKind": target.kind,
                        "pathInTarget": target.path_in_target,
                        "verdict": target.verdict,
                        "severity": f.severity.label(),
                        "undecided": f.undecided,
                        "evidence": f.evidence,
                        "fix": f.fix,
                    },
                });
                if let Some(i) = rule_index {
                    result["ruleIndex"] = json!(i);
                }
                results.push(result);
            }
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
    crate::pretty::to_writer_pretty(&mut *out, &to_value(report, whyrun_version))?;
    writeln!(out)
}
