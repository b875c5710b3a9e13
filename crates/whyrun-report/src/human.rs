//! Human output: per binary, a matrix of verdicts when there are several targets, then each
//! target with its verdict first and every finding's evidence and fix below it. Styles are
//! written as ANSI; the caller's stream strips them when colour is off (not a terminal,
//! `NO_COLOR`).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use whyrun_rules::fixes::CombinedRebuild;
use whyrun_rules::{Finding, Level, Severity, Verdict};
use whyrun_target::image::{ChosenBy, ImageSelection};

use crate::{BinaryReport, CheckReport, TargetReport};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();

fn verdict_style(v: Verdict) -> (Style, &'static str) {
    match v {
        Verdict::WontBuild => (RED, "✗"),
        Verdict::WontStart => (RED, "✗"),
        Verdict::FailsAtRuntime => (RED, "✗"),
        Verdict::Risky => (YELLOW, "!"),
        Verdict::CannotTell => (DIM, "?"),
        _ => (GREEN, "✓"),
    }
}

fn severity_style(f: &Finding) -> Style {
    if f.undecided {
        return DIM;
    }
    match f.severity {
        Severity::BlocksBuild | Severity::BlocksStart | Severity::FailsAtRuntime => RED,
        Severity::Risk => YELLOW,
        _ => CYAN,
    }
}

/// Writes the report; findings the configuration ignores are counted under their target,
/// and listed with `show_ignored`.
pub fn write(out: &mut dyn Write, report: &CheckReport, show_ignored: bool) -> std::io::Result<()> {
    for input in &report.inputs {
        for f in &input.findings {
            let at = f
                .evidence
                .iter()
                .find_map(|e| e.location.file_line())
                .map(|(p, l, c)| format!("{p}:{l}:{c}"))
                .unwrap_or_else(|| input.path.clone());
            let s = severity_style(f);
            writeln!(out, "{BOLD}{at}{BOLD:#}: {s}{}{s:#} {}", f.code, f.message)?;
        }
    }
    if !report.inputs.iter().all(|i| i.findings.is_empty()) && !report.binaries.is_empty() {
        writeln!(out)?;
    }
    for (i, binary) in report.binaries.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_binary(out, binary, show_ignored)?;
    }
    Ok(())
}

fn write_binary(out: &mut dyn Write, b: &BinaryReport, show_ignored: bool) -> std::io::Result<()> {
    writeln!(out, "{BOLD}{}{BOLD:#}  {DIM}{}{DIM:#}", b.path, b.summary)?;
    if b.targets.len() > 1 {
        write_matrix(out, &b.targets)?;
    }
    for t in &b.targets {
        writeln!(out)?;
        write_target(out, t, show_ignored)?;
    }
    Ok(())
}

fn write_matrix(out: &mut dyn Write, targets: &[TargetReport]) -> std::io::Result<()> {
    let width = targets
        .iter()
        .map(|t| t.target.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(out)?;
    for t in targets {
        let (style, mark) = verdict_style(t.verdict);
        let cause = if t.verdict == Verdict::Runs {
            match t.findings.len() {
                0 => String::new(),
                1 => format!("  {DIM}1 note{DIM:#}"),
                n => format!("  {DIM}{n} notes{DIM:#}"),
            }
        } else {
            t.findings
                .first()
                .map(|f| format!("  {DIM}{} {}{DIM:#}", f.code, f.message))
                .unwrap_or_default()
        };
        // The verdict is padded only when a cause follows it: no trailing spaces.
        let verdict = match cause.is_empty() {
            true => t.verdict.label().to_string(),
            false => format!("{:<30}", t.verdict.label()),
        };
        writeln!(
            out,
            "  {:<width$}  {style}{mark} {verdict}{style:#}{cause}",
            t.target,
        )?;
    }
    Ok(())
}

fn write_target(out: &mut dyn Write, t: &TargetReport, show_ignored: bool) -> std::io::Result<()> {
    let (style, mark) = verdict_style(t.verdict);
    writeln!(
        out,
        "  {BOLD}{}{BOLD:#} {DIM}({}, as {}){DIM:#}  {style}{mark} {}{style:#}",
        t.target,
        t.kind,
        t.path_in_target,
        t.verdict.label()
    )?;
    if let Some(line) = t.image.as_ref().and_then(image_line) {
        writeln!(out, "    {DIM}{line}{DIM:#}")?;
    }
    for f in &t.findings {
        write_finding(out, f, "")?;
    }
    if let Some(r) = &t.rebuild {
        write_rebuild(out, r)?;
    }
    match (t.ignored.len(), show_ignored) {
        (0, _) => {}
        (_, true) => {
            for f in &t.ignored {
                write_finding(out, f, "ignored ")?;
            }
        }
        (1, false) => writeln!(out, "    {DIM}1 finding ignored (--show-ignored){DIM:#}")?,
        (n, false) => writeln!(out, "    {DIM}{n} findings ignored (--show-ignored){DIM:#}")?,
    }
    Ok(())
}

/// The target's fixes together: one `go build` line with every change labelled by the
/// findings that ask for it, then the other fixes by kind.
fn write_rebuild(out: &mut dyn Write, r: &CombinedRebuild) -> std::io::Result<()> {
    let codes = |c: &[&str]| c.join(", ");
    writeln!(out, "    {GREEN}all fixes together{GREEN:#}")?;
    if let Some(cmd) = &r.command {
        writeln!(out, "      rebuild once  {CYAN}{cmd}{CYAN:#}")?;
        for c in &r.changes {
            writeln!(
                out,
                "        {DIM}·{DIM:#} {}  {DIM}[{}]{DIM:#}",
                c.line,
                codes(&c.codes)
            )?;
        }
        for c in &r.conflicts {
            writeln!(out, "        {DIM}· left out:{DIM:#} {c}")?;
        }
    }
    for g in &r.other {
        for (i, l) in g.lines.iter().enumerate() {
            let kind = if i == 0 { g.kind } else { "" };
            writeln!(
                out,
                "      {kind:<12}  {CYAN}{}{CYAN:#}  {DIM}[{}]{DIM:#}",
                l.line,
                codes(&l.codes)
            )?;
        }
    }
    Ok(())
}

/// Which image of a multi-image archive was judged, and how to judge another: nothing
/// for an archive of one image.
fn image_line(i: &ImageSelection) -> Option<String> {
    if i.others.is_empty() {
        return None;
    }
    let platform = i
        .platform
        .as_deref()
        .filter(|p| !i.image.contains(p))
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    let head = format!(
        "image {}{platform} of {} in the archive",
        i.image,
        i.others.len() + 1
    );
    let others = i.others.join(", ");
    Some(match (i.chosen_by, &i.platform) {
        (ChosenBy::Selector, _) => format!("{head}, as --platform asked; also {others}"),
        (ChosenBy::Each, Some(p)) => format!(
            "{head}, each checked for its own platform; also {others}; check only this one with --platform {p}"
        ),
        (ChosenBy::Native, _) => format!(
            "{head}, the one for this machine's platform; also {others}; check another with --platform os/arch[/variant]"
        ),
        (ChosenBy::Each, None) => format!("{head}, each checked; also {others}"),
        _ => format!(
            "{head}, the first; also {others}; check another with --platform os/arch[/variant]"
        ),
    })
}

/// One finding as `write` renders it under a target, without the target's indent: its
/// line, its evidence and its fix. What a rule's `## Example` shows. Styles are written
/// as ANSI, as by `write`; the caller strips them when colour is off.
pub fn finding_text(f: &Finding) -> String {
    let mut out = Vec::new();
    write_finding(&mut out, f, "").expect("writing to memory does not fail");
    let text = String::from_utf8(out).expect("findings are UTF-8");
    let mut unindented = String::with_capacity(text.len());
    for line in text.lines() {
        unindented.push_str(line.strip_prefix("    ").unwrap_or(line));
        unindented.push('\n');
    }
    unindented
}

fn write_finding(out: &mut dyn Write, f: &Finding, prefix: &str) -> std::io::Result<()> {
    {
        let s = if prefix.is_empty() {
            severity_style(f)
        } else {
            DIM
        };
        let severity = if f.undecided {
            "cannot tell"
        } else {
            f.severity.label()
        };
        // A level the configuration changed is said, since it changes the exit code.
        let level = match f.level == Level::of(f.severity, f.undecided) {
            true => String::new(),
            false => format!(" {DIM}(reported as {}){DIM:#}", f.level.name()),
        };
        writeln!(
            out,
            "    {s}{prefix}{} {severity}{s:#}{level}  {}",
            f.code, f.message
        )?;
        for e in &f.evidence {
            writeln!(
                out,
                "      {DIM}·{DIM:#} {}  {DIM}[{}]{DIM:#}",
                e.what, e.location
            )?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "      {GREEN}fix{GREEN:#} {}", fix.summary)?;
            for c in &fix.commands {
                writeln!(out, "          {CYAN}{c}{CYAN:#}")?;
            }
        }
    }
    Ok(())
}
