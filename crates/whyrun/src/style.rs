//! Terminal styles for human output. Colour is decided by `anstream`: only on a terminal,
//! never with `NO_COLOR` set, always with `CLICOLOR_FORCE`.

use anstyle::{AnsiColor, Style};

pub const PATH: Style = Style::new().bold();
pub const LABEL: Style = Style::new().dimmed();
pub const GOOD: Style = AnsiColor::Green.on_default();
pub const WARN: Style = AnsiColor::Yellow.on_default();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const ACCENT: Style = AnsiColor::Cyan.on_default();
