//! A script started as a program: its own execute bit for the user that runs it, its `#!`
//! line judged against the target (the interpreter there, `env`'s lookup in the target's PATH, a CRLF line ending), then the
//! interpreter judged as the binary that really runs, its findings reported under the
//! script.

use std::path::Path;

use whyrun_facts::script::Shebang;
use whyrun_report::TargetReport;
use whyrun_rules::access::{FileMode, RunAs};
use whyrun_rules::{CheckOptions, Input, Presence, ScriptSubject, Verdict};
use whyrun_target::fs::{FileKind, FileView};
use whyrun_target::image::DEFAULT_PATH;
use whyrun_target::open::OpenTarget;

use crate::{evaluate, Evaluation, Placement};

/// `script (#!/usr/bin/env python3)`, `script (#!/bin/sh, CRLF line endings)`.
pub(crate) fn summarize(sb: &Shebang) -> String {
    let line = match &sb.argument {
        Some(a) => format!(
            "#!{} {}",
            sb.interpreter.trim_end_matches('\r'),
            a.trim_end_matches('\r')
        ),
        None => format!("#!{}", sb.interpreter.trim_end_matches('\r')),
    };
    match sb.crlf {
        true => format!("script ({line}, CRLF line endings)"),
        false => format!("script ({line})"),
    }
}

/// Whether `path` is an executable regular file in the view.
fn executable(view: &dyn FileView, path: &str) -> bool {
    view.metadata(Path::new(path))
        .is_ok_and(|m| m.kind == FileKind::File && m.mode & 0o111 != 0)
}

fn presence(view: Option<&dyn FileView>, path: &str) -> Presence {
    match view {
        None => Presence::Unknown,
        Some(v) if executable(v, path) => Presence::Found(path.to_string()),
        Some(_) => Presence::Missing(vec![path.to_string()]),
    }
}

/// `name` in each directory of the target's PATH, as `env` (execvp) looks it up.
fn on_path(view: Option<&dyn FileView>, t: &OpenTarget, name: &str) -> Presence {
    let Some(v) = view else {
        return Presence::Unknown;
    };
    if name.contains('/') {
        return presence(view, name);
    }
    let path = t
        .model
        .env
        .get("PATH")
        .map(String::as_str)
        .unwrap_or(DEFAULT_PATH);
    let mut searched = Vec::new();
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = format!("{}/{name}", dir.trim_end_matches('/'));
        if executable(v, &candidate) {
            return Presence::Found(candidate);
        }
        searched.push(candidate);
    }
    Presence::Missing(searched)
}

/// Checks the script at `path` in the target, then the program that really runs it.
pub(crate) fn evaluate_script(
    t: &OpenTarget,
    path: &str,
    view: Option<&dyn FileView>,
    (sb, file): (&Shebang, Option<FileMode>),
    options: &CheckOptions,
) -> Evaluation {
    let interpreter = presence(view, &sb.interpreter);
    let is_env = sb.interpreter.rsplit('/').next() == Some("env");
    let env_lookup = match (&interpreter, &sb.argument) {
        (Presence::Found(_), Some(name)) if is_env => Some((name.clone(), on_path(view, t, name))),
        _ => None,
    };
    // What the kernel (or env) really runs, when it is there: judged as a binary.
    let runs = match (&interpreter, &env_lookup) {
        (Presence::Found(_), Some((_, Presence::Found(p)))) => Some(p.clone()),
        (Presence::Found(p), None) => Some(p.clone()),
        _ => None,
    };
    let subject = ScriptSubject {
        path: path.to_string(),
        target: t.model.name.clone(),
        shebang: sb.clone(),
        interpreter,
        env_lookup,
        file,
        run_as: RunAs::of(options.run_as.as_deref(), &t.model),
        source: t.model.source,
    };
    let mut findings = whyrun_rules::run(Input::Script(&subject));
    if let Some(program) = runs {
        if let Ok(e) = evaluate(t, &Placement::Inside(program), None, options) {
            findings.extend(e.report.findings);
            whyrun_rules::precedence::rank(&mut findings);
        }
    }
    Evaluation {
        report: TargetReport {
            target: t.model.name.clone(),
            kind: t.model.source.label().to_string(),
            path_in_target: path.to_string(),
            verdict: Verdict::of(&findings),
            findings,
            ignored: Vec::new(),
            image: t.image.clone(),
            rebuild: None,
        },
        facts: None,
    }
}
