//! Terminal styles for human output. Colour is decided by `anstream`: only on a terminal,
//! never with `NO_COLOR` set, always with `CLICOLOR_FORCE`.

use anstyle::{AnsiColor, Style};

pub const PATH: Style = Style::new().bold();
pub const LABEL: Style = Style::new().dimmed();
pub const GOOD: Style = AnsiColor::Green.on_default();
pub const WARN: Style = AnsiColor::Yellow.on_default();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const ACCENT: Style = AnsiColor::Cyan.on_default();

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
