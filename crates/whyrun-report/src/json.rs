//! `--format json`: the report as `whyrun.check/2` JSON (docs/json.md).

use std::io::Write;

use serde::Serialize;

use crate::{CheckReport, CHECK_SCHEMA};

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    whyrun_version: &'a str,
    /// The worst verdict over every binary and target (`runs` when there is none).
    worst_verdict: whyrun_rules::Verdict,
    #[serde(flatten)]
    report: &'a CheckReport,
}

pub fn write(
    out: &mut dyn Write,
    report: &CheckReport,
    whyrun_version: &str,
) -> std::io::Result<()> {
    let doc = Document {
        schema: CHECK_SCHEMA,
        whyrun_version,
        worst_verdict: report.worst().unwrap_or(whyrun_rules::Verdict::Runs),
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
