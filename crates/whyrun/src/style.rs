//! Colour on stdout, as `anstream` decides it: only on a terminal, never with `NO_COLOR`
//! set, always with `CLICOLOR_FORCE`. The styles themselves are `whyrun_report::style`.

pub use whyrun_report::style::{ACCENT, BAD, LABEL, PATH};

/// Whether stdout takes colour.
pub fn colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// Writes rendered human output to stdout in one call, without its styles when stdout
/// takes no colour. (`anstream::stdout()` would write each piece between two styles to
/// the line-buffered stdout: a system call per line when the output is not a terminal.)
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if anstream::AutoStream::choice(&stdout) == anstream::ColorChoice::Never {
        let plain = anstream::adapter::strip_str(text).to_string();
        out.write_all(plain.as_bytes())?;
    } else {
        out.write_all(text.as_bytes())?;
    }
    out.flush()
}
