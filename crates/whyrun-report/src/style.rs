//! Terminal styles of the `tree` and `inspect` text. Whether colour is used is the
//! caller's to decide (only on a terminal, never with `NO_COLOR`); these are written as
//! ANSI and stripped by the caller when it is off.

use anstyle::{AnsiColor, Style};

pub const PATH: Style = Style::new().bold();
pub const LABEL: Style = Style::new().dimmed();
pub const GOOD: Style = AnsiColor::Green.on_default();
pub const WARN: Style = AnsiColor::Yellow.on_default();
pub const BAD: Style = AnsiColor::Red.on_default().bold();
pub const ACCENT: Style = AnsiColor::Cyan.on_default();
