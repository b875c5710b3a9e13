//! `whyrun inspect`: reads the facts of each file (in parallel, output in argument order)
//! and prints them as text or as `whyrun.inspect/1` JSON (rendered by `whyrun_report`). A file that cannot be read gets
//! one line on stderr naming it; the others are still inspected and the exit code is 2.

use std::io::Write;
use std::path::Path;

use anstream::eprintln;
use anyhow::Result;
use rayon::prelude::*;
use whyrun_facts::{Facts, FactsError};
use whyrun_report::inspect::{FileReport, Report, SCHEMA};

use crate::cli::InspectArgs;
use crate::exit;

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

    if args.output.json() {
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
        serde_json::to_writer_pretty(&mut out, &report)?;
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
                whyrun_report::inspect::write_text(&mut text, path, facts, args.verbose);
            }
        }
        crate::style::write_stdout(&text)?;
    }
    // The process ends next: freeing every file's facts one by one would only cost time.
    std::mem::forget(results);
    Ok(if failed { exit::INPUT_ERROR } else { exit::OK })
}
