//! `/etc/ld.so.conf` as ldconfig reads it (glibc `elf/ldconfig.c`, `parse_conf`): one
//! directory per line, `#` starts a comment, `include PATTERN…` with glob patterns
//! relative to the including file's directory, `hwcap` lines ignored, a trailing `=TYPE`
//! (libc5 syntax) dropped. Reads through a file view only; bounded include depth.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::fs::{FileKind, FileView};

/// Include nesting beyond this is reported and not followed (a file including itself).
const MAX_INCLUDE_DEPTH: usize = 16;
/// A configuration file larger than this is refused.
const MAX_CONF_BYTES: u64 = 1 << 20;

/// One directory the configuration lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfDir {
    pub dir: String,
    /// The file and line naming it.
    pub file: String,
    pub line: usize,
}

/// The parsed configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LdSoConf {
    /// In order, duplicates kept (ldconfig ignores later duplicates itself).
    pub dirs: Vec<ConfDir>,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// What could not be followed (unreadable include, nesting too deep).
    pub warnings: Vec<String>,
}

/// Reads `path` (normally `/etc/ld.so.conf`) and its includes from `view`. A missing main
/// file gives an empty configuration.
pub fn read_ld_so_conf(view: &dyn FileView, path: &Path) -> LdSoConf {
    let mut conf = LdSoConf::default();
    parse_file(view, path, 0, &mut conf);
    conf
}

fn parse_file(view: &dyn FileView, path: &Path, depth: usize, conf: &mut LdSoConf) {
    if depth > MAX_INCLUDE_DEPTH {
        conf.warnings.push(format!(
            "{}: includes nested deeper than {MAX_INCLUDE_DEPTH}; not followed",
            path.display()
        ));
        return;
    }
    let data = match view.read(path, MAX_CONF_BYTES) {
        Ok(d) => d,
        Err(e) if e.is_not_found() && depth == 0 => return,
        Err(e) => {
            conf.warnings.push(e.to_string());
            return;
        }
    };
    let file = path.display().to_string();
    conf.files.push(file.clone());
    let text = String::from_utf8_lossy(&data);
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim_start();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = strip_keyword(line, "include") {
            for pattern in rest.split([' ', '\t']).filter(|p| !p.is_empty()) {
                let pattern = if pattern.starts_with('/') {
                    PathBuf::from(pattern)
                } else {
                    path.parent().unwrap_or(Path::new("/")).join(pattern)
                };
                for inc in glob(view, &pattern) {
                    parse_file(view, &inc, depth + 1, conf);
                }
            }
            continue;
        }
        if strip_keyword_ci(line, "hwcap").is_some() {
            continue;
        }
        let dir = line.split('=').next().unwrap_or("").trim_end();
        let mut dir = dir.to_string();
        while dir.len() > 1 && dir.ends_with('/') {
            dir.pop();
        }
        if !dir.is_empty() {
            conf.dirs.push(ConfDir {
                dir,
                file: file.clone(),
                line: n + 1,
            });
        }
    }
}

/// `line` without `kw` and the blank after it, when it starts so.
fn strip_keyword<'a>(line: &'a str, kw: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(kw)?;
    rest.starts_with([' ', '\t']).then(|| &rest[1..])
}

fn strip_keyword_ci<'a>(line: &'a str, kw: &str) -> Option<&'a str> {
    let head = line.get(..kw.len())?;
    let rest = &line[kw.len()..];
    (head.eq_ignore_ascii_case(kw) && rest.starts_with([' ', '\t'])).then(|| &rest[1..])
}

/// Paths in `view` matching `pattern` (`*`, `?`, `[…]` in any component), sorted as
/// glob(3) sorts them. A pattern without wildcards yields itself when it exists.
pub fn glob(view: &dyn FileView, pattern: &Path) -> Vec<PathBuf> {
    let comps: Vec<String> = pattern
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    let mut current = vec![PathBuf::from("/")];
    for (i, comp) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let mut next = Vec::new();
        for base in &current {
            if !has_wildcard(comp) {
                let p = base.join(comp);
                if view.exists(&p) {
                    next.push(p);
                }
                continue;
            }
            let Ok(entries) = view.read_dir(base) else {
                continue;
            };
            for e in entries {
                if e.name.starts_with('.') && !comp.starts_with('.') {
                    continue;
                }
                if !fnmatch(comp.as_bytes(), e.name.as_bytes()) {
                    continue;
                }
                let p = base.join(&e.name);
                if !last {
                    let dir = match e.kind {
                        FileKind::Dir => true,
                        FileKind::Symlink => {
                            view.metadata(&p).is_ok_and(|m| m.kind == FileKind::Dir)
                        }
                        _ => false,
                    };
                    if !dir {
                        continue;
                    }
                }
                next.push(p);
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current.sort();
    current
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Shell pattern match of one path component (no `/` inside).
pub fn fnmatch(pat: &[u8], s: &[u8]) -> bool {
    // Iterative matcher with backtracking to the last `*`.
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, i));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = class_match(&pat[p..], s[i]) {
                        if matched {
                            p += next;
                            i += 1;
                            continue;
                        }
                    } else if s[i] == b'[' {
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() && pat[p + 1] == s[i] => {
                    p += 2;
                    i += 1;
                    continue;
                }
                c if c == s[i] => {
                    p += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, si)) => {
                p = sp + 1;
                i = si + 1;
                star = Some((sp, si + 1));
            }
            None => return false,
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the bracket expression at the start of `pat`; returns whether it
/// matched and the expression's length, or `None` when the bracket is not closed.
fn class_match(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut j = 1;
    let negate = matches!(pat.get(j), Some(b'!') | Some(b'^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    while j < pat.len() {
        if pat[j] == b']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        if j + 2 < pat.len() && pat[j + 1] == b'-' && pat[j + 2] != b']' {
            if pat[j] <= c && c <= pat[j + 2] {
                matched = true;
            }
            j += 3;
        } else {
            if pat[j] == c {
                matched = true;
            }
            j += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::RootDirView;

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch(b"*.conf", b"libc.conf"));
        assert!(!fnmatch(b"*.conf", b"libc.conf.bak"));
        assert!(fnmatch(b"x86_64-*.conf", b"x86_64-linux-gnu.conf"));
        assert!(fnmatch(b"a?c", b"abc"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"*", b""));
    }

    #[test]
    fn includes_comments_hwcap_and_relative_globs() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("etc/ld.so.conf.d")).unwrap();
        std::fs::write(
            r.join("etc/ld.so.conf"),
            "# comment\ninclude ld.so.conf.d/*.conf\n/opt/lib/ # trailing\nhwcap 1 nosegneg\n/old/libc5=libc5\n",
        )
        .unwrap();
        std::fs::write(r.join("etc/ld.so.conf.d/b.conf"), "/usr/local/b\n").unwrap();
        std::fs::write(r.join("etc/ld.so.conf.d/a.conf"), "/usr/local/a\n\n").unwrap();
        std::fs::write(r.join("etc/ld.so.conf.d/c.txt"), "/not/included\n").unwrap();
        // A file that includes itself stops at the depth bound.
        std::fs::write(r.join("etc/ld.so.conf.d/self.conf"), "include self.conf\n").unwrap();
        let v = RootDirView::new(r).unwrap();
        let c = read_ld_so_conf(&v, Path::new("/etc/ld.so.conf"));
        let dirs: Vec<&str> = c.dirs.iter().map(|d| d.dir.as_str()).collect();
        assert_eq!(
            dirs,
            ["/usr/local/a", "/usr/local/b", "/opt/lib", "/old/libc5"]
        );
        assert_eq!(c.dirs[2].line, 3);
        assert!(c.warnings.iter().any(|w| w.contains("nested")));
    }

    #[test]
    fn missing_conf_is_empty() {
        let d = tempfile::tempdir().unwrap();
        let v = RootDirView::new(d.path()).unwrap();
        let c = read_ld_so_conf(&v, Path::new("/etc/ld.so.conf"));
        assert!(c.dirs.is_empty() && c.warnings.is_empty());
    }
}
