//! SELinux as a root or a host configures it: the mode and policy of `/etc/selinux/config`,
//! and the label its policy gives a path (`file_contexts`, what `matchpathcon` and
//! `restorecon` compute). Reads the files only; no SELinux kernel is asked, so whatever is
//! concluded from them is evidence from the policy, not a denial seen by a live kernel.
//!
//! The lookup follows libselinux (src/label_file.c, label_file.h): the specifications of
//! `file_contexts`, then `file_contexts.homedirs`, then `file_contexts.local`, with those
//! without regular-expression characters moved after the others (`sort_specs()`); a path
//! is first rewritten by the aliases of `file_contexts.subs_dist` and `file_contexts.subs`
//! (`selabel_sub()`: a whole-component prefix), then the specifications are tried from the
//! last to the first and the first whose anchored expression matches the whole path (and
//! whose file type, if any, is the file's) gives the label; `<<none>>` means none. The
//! expressions are PCRE; those in the reference policy use only what the `regex` crate
//! reads the same way, and each is compiled only when its literal prefix (libselinux's
//! "stem" idea) is a prefix of the path. `tests/it/selinux.rs` compares the result with
//! `matchpathcon` for many paths.

use std::path::Path;

use crate::fs::FileView;

/// Largest contexts file read (Debian's `file_contexts` is about 400 KiB).
const MAX_BYTES: u64 = 8 << 20;
/// Largest compiled expression (the `regex` crate's size limit).
const MAX_REGEX_BYTES: usize = 1 << 20;

/// `/etc/selinux/config`: `SELINUX=` and `SELINUXTYPE=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `enforcing`, `permissive` or `disabled`.
    pub mode: String,
    /// The policy's directory name under /etc/selinux (`targeted`, `default`).
    pub policy: String,
    /// Where the mode was set (`/etc/selinux/config:7`).
    pub at: String,
}

/// The config of the target, `None` when it has none (no SELinux).
pub fn config(view: &dyn FileView) -> Option<Config> {
    let bytes = view
        .read(Path::new("/etc/selinux/config"), 64 * 1024)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut mode = None;
    let mut policy = None;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(v) = l.strip_prefix("SELINUX=") {
            mode = Some((v.trim().to_ascii_lowercase(), i + 1));
        } else if let Some(v) = l.strip_prefix("SELINUXTYPE=") {
            policy = Some(v.trim().to_string());
        }
    }
    let (mode, line) = mode?;
    Some(Config {
        mode,
        policy: policy.unwrap_or_else(|| "targeted".into()),
        at: format!("/etc/selinux/config:{line}"),
    })
}

/// The kind of file a specification may be limited to (`--` regular, `-d` directory, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

#[derive(Debug, Clone)]
struct Spec {
    regex: String,
    /// The expression's literal prefix, up to its first special character.
    stem: String,
    has_meta: bool,
    kind: Option<Kind>,
    context: String,
    at: String,
}

/// The file-contexts configuration of one policy.
#[derive(Debug, Clone, Default)]
pub struct FileContexts {
    specs: Vec<Spec>,
    /// `(alias, original)` pairs.
    subs: Vec<(String, String)>,
}

/// The label a path gets, and the specification that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// `system_u:object_r:bin_t:s0`, or `<<none>>`.
    pub context: String,
    /// `FILE:LINE` of the specification.
    pub at: String,
}

impl Label {
    /// The type field (`bin_t`).
    pub fn type_name(&self) -> Option<&str> {
        type_of(&self.context)
    }
}

/// The type field of a context (`system_u:object_r:bin_t:s0` → `bin_t`).
pub fn type_of(context: &str) -> Option<&str> {
    context.trim_end_matches('\0').split(':').nth(2)
}

const META: &[char] = &['.', '^', '$', '?', '*', '+', '|', '[', '(', '{', '\\'];

fn kind_of(flag: &str) -> Option<Option<Kind>> {
    Some(Some(match flag {
        "--" => Kind::File,
        "-d" => Kind::Dir,
        "-l" => Kind::Symlink,
        "-c" | "-b" | "-s" | "-p" => Kind::Other,
        _ => return None,
    }))
}

fn parse_specs(text: &str, file: &str, out: &mut Vec<Spec>) -> Result<(), String> {
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = l.split_whitespace().collect();
        let (regex, kind, context) = match words.as_slice() {
            [r, c] => (*r, None, *c),
            [r, k, c] => (
                *r,
                kind_of(k).ok_or_else(|| format!("{file}:{}: unknown file type {k}", i + 1))?,
                *c,
            ),
            _ => return Err(format!("{file}:{}: not REGEX [TYPE] CONTEXT", i + 1)),
        };
        let mut stem_end = regex.find(META).unwrap_or(regex.len());
        // A quantifier applies to the character before it (`/etc/dhcp3?/`): it is not
        // part of the literal prefix.
        if regex[stem_end..].starts_with(['?', '*', '+', '{']) {
            stem_end = regex[..stem_end]
                .char_indices()
                .last()
                .map_or(0, |(i, _)| i);
        }
        out.push(Spec {
            regex: regex.to_string(),
            stem: regex[..stem_end].to_string(),
            has_meta: stem_end < regex.len(),
            kind,
            context: context.to_string(),
            at: format!("{file}:{}", i + 1),
        });
    }
    Ok(())
}

/// Reads the file contexts of `policy` (`/etc/selinux/POLICY/contexts/files/`); `Ok(None)`
/// when the policy has no `file_contexts`.
pub fn file_contexts(view: &dyn FileView, policy: &str) -> Result<Option<FileContexts>, String> {
    let dir = format!("/etc/selinux/{policy}/contexts/files");
    let read = |name: &str| -> Result<Option<(String, String)>, String> {
        let path = format!("{dir}/{name}");
        match view.read(Path::new(&path), MAX_BYTES) {
            Ok(b) => Ok(Some((String::from_utf8_lossy(&b).into_owned(), path))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    };
    let Some((main, main_path)) = read("file_contexts")? else {
        return Ok(None);
    };
    let mut specs = Vec::new();
    parse_specs(&main, &main_path, &mut specs)?;
    for extra in ["file_contexts.homedirs", "file_contexts.local"] {
        if let Some((text, path)) = read(extra)? {
            parse_specs(&text, &path, &mut specs)?;
        }
    }
    // libselinux's sort_specs(): exact paths after the expressions, order kept.
    let (exprs, exact): (Vec<Spec>, Vec<Spec>) = specs.into_iter().partition(|s| s.has_meta);
    let specs = exprs.into_iter().chain(exact).collect();
    let mut subs = Vec::new();
    for name in ["file_contexts.subs_dist", "file_contexts.subs"] {
        if let Some((text, _)) = read(name)? {
            for line in text.lines() {
                let l = line.trim();
                if l.is_empty() || l.starts_with('#') {
                    continue;
                }
                if let [alias, original] = l.split_whitespace().collect::<Vec<_>>().as_slice() {
                    subs.push((alias.to_string(), original.to_string()));
                }
            }
        }
    }
    Ok(Some(FileContexts { specs, subs }))
}

impl FileContexts {
    /// The path after the first alias whose source is a whole-component prefix of it.
    fn substitute(&self, path: &str) -> String {
        for (alias, original) in &self.subs {
            if let Some(rest) = path.strip_prefix(alias.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    return format!("{original}{rest}");
                }
            }
        }
        path.to_string()
    }

    /// The label the policy gives `path` as a file of `kind`; `None` when no
    /// specification matches (or an expression cannot be read).
    pub fn lookup(&self, path: &str, kind: Kind) -> Option<Label> {
        let path = self.substitute(path);
        for s in self.specs.iter().rev() {
            if !path.starts_with(&s.stem) || s.kind.is_some_and(|k| k != kind) {
                continue;
            }
            let matched = if s.has_meta {
                regex::RegexBuilder::new(&format!("^(?:{})$", s.regex))
                    .size_limit(MAX_REGEX_BYTES)
                    .build()
                    .is_ok_and(|re| re.is_match(&path))
            } else {
                s.regex == path
            };
            if matched {
                return Some(Label {
                    context: s.context.clone(),
                    at: s.at.clone(),
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contexts(main: &str, homedirs: &str, subs: &str) -> FileContexts {
        let mut specs = Vec::new();
        parse_specs(main, "fc", &mut specs).unwrap();
        parse_specs(homedirs, "fc.homedirs", &mut specs).unwrap();
        let (a, b): (Vec<Spec>, Vec<Spec>) = specs.into_iter().partition(|s| s.has_meta);
        FileContexts {
            specs: a.into_iter().chain(b).collect(),
            subs: subs
                .lines()
                .filter_map(|l| l.split_once(' '))
                .map(|(a, b)| (a.into(), b.into()))
                .collect(),
        }
    }

    #[test]
    fn the_last_match_wins_and_exact_paths_come_last() {
        let fc = contexts(
            "/usr/bin/app\tsystem_u:object_r:special_t:s0\n/opt/.*\tsystem_u:object_r:usr_t:s0\n/opt/(.*/)?bin(/.*)?\tsystem_u:object_r:bin_t:s0\n/usr/bin(/.*)?\tsystem_u:object_r:bin_t:s0\n/tmp/.*\t<<none>>\n",
            "/home/[^/]+/.+\tunconfined_u:object_r:user_home_t:s0\n",
            "/bin /usr/bin\n",
        );
        let t = |p: &str| fc.lookup(p, Kind::File).map(|l| l.context);
        assert_eq!(t("/opt/app/server").unwrap(), "system_u:object_r:usr_t:s0");
        assert_eq!(
            t("/opt/app/bin/server").unwrap(),
            "system_u:object_r:bin_t:s0"
        );
        assert_eq!(t("/usr/bin/app").unwrap(), "system_u:object_r:special_t:s0");
        assert_eq!(t("/bin/app").unwrap(), "system_u:object_r:special_t:s0");
        assert_eq!(
            t("/home/app/server").unwrap(),
            "unconfined_u:object_r:user_home_t:s0"
        );
        assert_eq!(t("/tmp/x").unwrap(), "<<none>>");
        assert!(t("/srv/x").is_none());
        let fc = contexts(
            "/etc/dhcp3?/dhclient.*\tsystem_u:object_r:dhcp_etc_t:s0\n",
            "",
            "",
        );
        assert!(fc
            .lookup("/etc/dhcp/dhclient-exit-hooks/x", Kind::File)
            .is_some());
        assert_eq!(type_of("system_u:object_r:bin_t:s0"), Some("bin_t"));
    }

    #[test]
    fn a_bad_line_names_its_place() {
        let mut specs = Vec::new();
        let e = parse_specs("/a x_t\n/b -q x_t\n", "fc", &mut specs).unwrap_err();
        assert_eq!(e, "fc:2: unknown file type -q");
        let e = parse_specs("/a\n", "fc", &mut specs).unwrap_err();
        assert_eq!(e, "fc:1: not REGEX [TYPE] CONTEXT");
    }
}
