//! `/etc/os-release` (falling back to `/usr/lib/os-release`, as os-release(5) says): the
//! `ID`, `VERSION_ID` and `PRETTY_NAME` lines, shell-style quoting removed. Parsing is
//! lenient (junk lines are skipped, bytes that are not UTF-8 are replaced); the file is
//! read with a size bound. Never decides what the distribution implies.

use crate::fs::FileView;
use crate::model::OsRelease;

use super::read_small;

/// Larger than any real os-release.
const MAX_OS_RELEASE: u64 = 64 << 10;

pub(super) fn read(view: &dyn FileView, warnings: &mut Vec<String>) -> Option<OsRelease> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match read_small(view, path, MAX_OS_RELEASE) {
            Ok(Some(bytes)) => return parse_os_release(&String::from_utf8_lossy(&bytes)),
            Ok(None) => {}
            Err(e) => warnings.push(e),
        }
    }
    None
}

/// Parses os-release text; `None` when it names no `ID`.
pub fn parse_os_release(text: &str) -> Option<OsRelease> {
    let mut os = OsRelease::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        if value.len() > 256 || value.chars().any(|c| c.is_control()) {
            continue;
        }
        match key.trim() {
            "ID" => os.id = value,
            "VERSION_ID" => os.version_id = Some(value),
            "PRETTY_NAME" => os.pretty_name = Some(value),
            _ => {}
        }
    }
    (!os.id.is_empty()).then_some(os)
}

/// Removes one level of single or double quotes and backslash escapes.
fn unquote(v: &str) -> String {
    let inner = if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let mut out = String::with_capacity(inner.len());
    let mut esc = false;
    for c in inner.chars() {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian() {
        let os = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
             VERSION_ID=\"12\"\nID=debian\n",
        )
        .unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn junk() {
        assert!(parse_os_release("\u{fffd}\u{fffd}=\n=\n\"\nID").is_none());
        assert_eq!(parse_os_release("ID='alpine'\n").unwrap().id, "alpine");
        assert!(parse_os_release("ID=\"a\u{1}b\"\n").is_none());
    }
}
