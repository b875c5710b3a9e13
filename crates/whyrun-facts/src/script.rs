//! The `#!` line of a script, read as Linux's `binfmt_script` reads it: the first line, at
//! most 256 bytes (`BINPRM_BUF_SIZE`), spaces and tabs after `#!` skipped, the interpreter
//! up to the next space or tab, and the rest (trimmed) as its one argument. A carriage
//! return before the newline is not stripped: it stays in the last word, which is how a
//! script saved with CRLF line endings fails (`/usr/bin/env: 'sh\r': No such file or
//! directory`). Parsing only.

use serde::Serialize;

/// What the kernel reads from the `#!` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shebang {
    /// The interpreter the kernel runs: `/usr/bin/env`, `/bin/sh`.
    pub interpreter: String,
    /// Its one optional argument: `python3`, `-e`.
    pub argument: Option<String>,
    /// The line ends in `\r\n`: the `\r` is part of the last word above.
    pub crlf: bool,
}

/// The kernel reads no more of the line than this (Linux 5.1 and later).
const BINPRM_BUF_SIZE: usize = 256;

/// The `#!` line of `head` (the start of a file), or `None` when it is not a script.
pub fn shebang(head: &[u8]) -> Option<Shebang> {
    let rest = head.strip_prefix(b"#!")?;
    let rest = &rest[..rest.len().min(BINPRM_BUF_SIZE - 2)];
    let line = match memchr::memchr(b'\n', rest) {
        Some(end) => &rest[..end],
        None => rest,
    };
    let crlf = line.ends_with(b"\r");
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = line.iter().position(|b| !is_blank(b))?;
    let line = &line[start..];
    let end = line.iter().position(is_blank).unwrap_or(line.len());
    let interpreter = String::from_utf8_lossy(&line[..end]).into_owned();
    let argument = {
        let a = line[end..].trim_ascii_start();
        let a = match a.iter().rposition(|b| !is_blank(b)) {
            Some(last) => &a[..=last],
            None => &a[..0],
        };
        (!a.is_empty()).then(|| String::from_utf8_lossy(a).into_owned())
    };
    Some(Shebang {
        interpreter,
        argument,
        crlf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_line_as_the_kernel_does() {
        let s = shebang(b"#!/usr/bin/env python3\nprint(1)\n").unwrap();
        assert_eq!(s.interpreter, "/usr/bin/env");
        assert_eq!(s.argument.as_deref(), Some("python3"));
        assert!(!s.crlf);
        let s = shebang(b"#! /bin/sh -e -u \n").unwrap();
        assert_eq!(s.interpreter, "/bin/sh");
        assert_eq!(
            s.argument.as_deref(),
            Some("-e -u"),
            "one argument, as Linux passes it"
        );
        assert_eq!(shebang(b"\x7fELF"), None);
        assert_eq!(shebang(b"#!\n"), None);
    }

    #[test]
    fn a_crlf_line_keeps_its_carriage_return() {
        let s = shebang(b"#!/bin/sh\r\necho hi\r\n").unwrap();
        assert_eq!(s.interpreter, "/bin/sh\r");
        assert!(s.crlf);
        let s = shebang(b"#!/usr/bin/env sh\r\n").unwrap();
        assert_eq!(s.argument.as_deref(), Some("sh\r"));
    }
}
