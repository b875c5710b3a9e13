//! AppArmor profiles as a root or a host keeps them in `/etc/apparmor.d`: which profile
//! attaches to a program's path (or is named by systemd's `AppArmorProfile=`), its mode,
//! and the `network` and `capability` rules it grants or denies, with its includes
//! followed and its variables expanded. Files only: no AppArmor kernel is asked, so what
//! is concluded is evidence from the profile. File rules are not read.
//!
//! The syntax followed is apparmor.d(5): a profile is `/attach/glob [flags=(…)] {`,
//! `profile NAME [/attach/glob] [flags=(…)] {` (Debian's parser also reads files that
//! start with `abi <abi/3.0>,` and `include <tunables/global>`); `include <x>`,
//! `#include <x>`, `include "x"` and `include if exists <x>` pull in a file, or every
//! file of a directory, from `/etc/apparmor.d`; `@{VAR}=a b` and `@{VAR}+=c` define
//! variables; globs are `*` (within one path component), `**` (across them), `?`, `{a,b}`
//! and `[…]`. A profile listed in `/etc/apparmor.d/disable/` is not loaded. `tests/it/
//! apparmor.rs` checks the network and capability rules found against
//! `apparmor_parser -p`'s expansion of the same profiles.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fs::FileView;

const DIR: &str = "/etc/apparmor.d";
/// Largest profile or include read.
const MAX_BYTES: u64 = 1 << 20;
/// Includes followed, at most, per profile file (Debian's abstractions nest a few deep).
const MAX_INCLUDES: usize = 512;

/// A `network` rule: `network [family] [type|protocol],`, maybe `deny` or `audit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRule {
    pub deny: bool,
    /// `inet`, `inet6`, `unix`, …; `None` for every family.
    pub family: Option<String>,
    /// `stream`, `dgram`, `tcp`, `udp`, …; `None` for every type.
    pub kind: Option<String>,
    pub at: String,
}

/// A `capability` rule; an empty list is `capability,` (all of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapabilityRule {
    pub deny: bool,
    /// Lower-case names without `cap_` (`net_bind_service`).
    pub caps: Vec<String>,
    pub at: String,
}

/// One profile, with what its body (and its includes) grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// The attachment glob as written (variables not expanded); `None` when the profile
    /// attaches to nothing by path.
    pub attachment: Option<String>,
    /// `enforce`, `complain`, `kill`, `unconfined`, … from `flags=`; `enforce` when none.
    pub mode: String,
    /// `FILE:LINE` of the header.
    pub at: String,
    pub network: Vec<NetworkRule>,
    pub capabilities: Vec<CapabilityRule>,
    /// Includes that could not be read (a profile that needs them is not fully known).
    pub missing_includes: Vec<String>,
}

impl Profile {
    /// Whether a TCP listening socket of `family` may be created.
    fn allows_stream(&self, family: &str) -> bool {
        let covers = |r: &NetworkRule| {
            r.family.as_deref().is_none_or(|f| f == family)
                && r.kind
                    .as_deref()
                    .is_none_or(|k| k == "stream" || k == "tcp")
        };
        self.network.iter().any(|r| !r.deny && covers(r))
            && !self.network.iter().any(|r| r.deny && covers(r))
    }

    /// Whether a TCP server can open its listening socket: IPv4 or IPv6 (Go falls back to
    /// IPv4 when an IPv6 socket is refused).
    pub fn allows_tcp_server(&self) -> bool {
        self.allows_stream("inet") || self.allows_stream("inet6")
    }

    /// Whether `capability` (`net_bind_service`) may be used.
    pub fn allows_capability(&self, capability: &str) -> bool {
        let covers =
            |r: &CapabilityRule| r.caps.is_empty() || r.caps.iter().any(|c| c == capability);
        self.capabilities.iter().any(|r| !r.deny && covers(r))
            && !self.capabilities.iter().any(|r| r.deny && covers(r))
    }
}

/// Statements of one file, its includes expanded in place, comments and line structure
/// kept as `(text, FILE:LINE)`.
struct Reader<'a> {
    view: &'a dyn FileView,
    includes: usize,
    missing: Vec<String>,
    vars: BTreeMap<String, Vec<String>>,
}

fn strip_comment(line: &str) -> &str {
    // `#include` is a statement, any other `#` starts a comment.
    let t = line.trim_start();
    if t.starts_with("#include") {
        return line;
    }
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

impl Reader<'_> {
    /// The path an include names, and whether a missing one is fine.
    fn include_target(stmt: &str) -> Option<(String, bool)> {
        let s = stmt.trim().trim_end_matches(',');
        let rest = s
            .strip_prefix("#include")
            .or_else(|| s.strip_prefix("include"))?
            .trim();
        let (optional, rest) = match rest.strip_prefix("if exists") {
            Some(r) => (true, r.trim()),
            None => (false, rest),
        };
        let name = if let Some(n) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            format!("{DIR}/{n}")
        } else if let Some(n) = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            if n.starts_with('/') {
                n.to_string()
            } else {
                format!("{DIR}/{n}")
            }
        } else {
            return None;
        };
        Some((name, optional))
    }

    fn lines(&mut self, path: &str, out: &mut Vec<(String, String)>, depth: usize) {
        if depth > 16 || self.includes >= MAX_INCLUDES {
            self.missing.push(format!("{path} (too deep)"));
            return;
        }
        self.includes += 1;
        let p = Path::new(path);
        if let Ok(entries) = self.view.read_dir(p) {
            for e in entries {
                if !e.name.starts_with('.') {
                    self.lines(&format!("{path}/{}", e.name), out, depth + 1);
                }
            }
            return;
        }
        let Ok(bytes) = self.view.read(p, MAX_BYTES) else {
            self.missing.push(path.to_string());
            return;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        for (i, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if let Some((target, optional)) = Self::include_target(line) {
                let before = self.missing.len();
                self.lines(&target, out, depth + 1);
                if optional {
                    self.missing.truncate(before);
                }
                continue;
            }
            out.push((line.to_string(), format!("{path}:{}", i + 1)));
        }
    }

    /// `@{VAR}=a b` / `@{VAR}+=c` at the top level.
    fn define(&mut self, stmt: &str) -> bool {
        let Some(rest) = stmt.strip_prefix("@{") else {
            return false;
        };
        let Some((name, value)) = rest.split_once('}') else {
            return false;
        };
        let value = value.trim();
        let (append, value) = match value.strip_prefix("+=") {
            Some(v) => (true, v),
            None => match value.strip_prefix('=') {
                Some(v) => (false, v),
                None => return false,
            },
        };
        let words: Vec<String> = value.split_whitespace().map(str::to_string).collect();
        let entry = self.vars.entry(name.to_string()).or_default();
        if !append {
            entry.clear();
        }
        entry.extend(words);
        true
    }
}

/// Expands `@{VAR}` in a glob into every alternative (bounded).
fn expand(glob: &str, vars: &BTreeMap<String, Vec<String>>, depth: usize) -> Vec<String> {
    let Some(start) = glob.find("@{") else {
        return vec![glob.to_string()];
    };
    let Some(len) = glob[start..].find('}') else {
        return vec![glob.to_string()];
    };
    let name = &glob[start + 2..start + len];
    let rest = &glob[start + len + 1..];
    let Some(values) = vars.get(name).filter(|_| depth < 8) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in values {
        for tail in expand(&format!("{}{v}{rest}", &glob[..start]), vars, depth + 1) {
            if out.len() < 256 {
                out.push(tail);
            }
        }
    }
    out
}

/// An AppArmor glob as an anchored regular expression.
fn glob_regex(glob: &str) -> String {
    let mut re = String::from("^");
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    let mut braces = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                re.push_str(".*");
                i += 1;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '{' => {
                braces += 1;
                re.push_str("(?:");
            }
            '}' if braces > 0 => {
                braces -= 1;
                re.push(')');
            }
            ',' if braces > 0 => re.push('|'),
            '[' => {
                let end = chars[i..].iter().position(|&c| c == ']').map(|e| i + e);
                match end {
                    Some(e) => {
                        let class: String = chars[i + 1..e].iter().collect();
                        let class = class
                            .strip_prefix('^')
                            .map_or(class.clone(), |c| format!("^{c}"));
                        re.push('[');
                        re.push_str(&class.replace('\\', "\\\\"));
                        re.push(']');
                        i = e;
                    }
                    None => re.push_str("\\["),
                }
            }
            _ => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    re.push('$');
    re
}

/// Whether `glob` (variables expanded) matches `path`.
fn glob_matches(glob: &str, vars: &BTreeMap<String, Vec<String>>, path: &str) -> bool {
    expand(glob, vars, 0).iter().any(|g| {
        regex::RegexBuilder::new(&glob_regex(g))
            .size_limit(1 << 20)
            .build()
            .is_ok_and(|re| re.is_match(path))
    })
}

/// A profile header: `(name, attachment, flags)`.
fn header(stmt: &str) -> Option<(String, Option<String>, String)> {
    let s = stmt.strip_suffix('{')?.trim();
    let (s, flags) = match s.find("flags=") {
        Some(i) => (
            s[..i].trim(),
            s[i + 6..].trim().trim_matches(['(', ')']).to_string(),
        ),
        None => (s, String::new()),
    };
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        ["profile", name] => Some((name.trim_matches('"').to_string(), None, flags)),
        ["profile", name, attach] => Some((
            name.trim_matches('"').to_string(),
            Some(attach.trim_matches('"').to_string()),
            flags,
        )),
        [attach] if attach.starts_with('/') || attach.starts_with("@{") => {
            Some((attach.to_string(), Some(attach.to_string()), flags))
        }
        _ => None,
    }
}

/// A rule's words after its qualifiers (`audit`, `allow`, `deny`, `quiet`), and whether
/// one of them was `deny`.
fn qualified(stmt: &str) -> (bool, Vec<&str>) {
    let words: Vec<&str> = stmt.trim_end_matches(',').split_whitespace().collect();
    let n = words
        .iter()
        .take_while(|w| matches!(**w, "deny" | "audit" | "allow" | "quiet"))
        .count();
    (words[..n].contains(&"deny"), words[n..].to_vec())
}

fn network_rule(stmt: &str, at: &str) -> Option<NetworkRule> {
    let (deny, words) = qualified(stmt);
    if words.first() != Some(&"network") {
        return None;
    }
    Some(NetworkRule {
        deny,
        family: words.get(1).map(|s| s.to_string()),
        kind: words.get(2).map(|s| s.to_string()),
        at: at.to_string(),
    })
}

fn capability_rule(stmt: &str, at: &str) -> Option<CapabilityRule> {
    let (deny, words) = qualified(stmt);
    if words.first() != Some(&"capability") {
        return None;
    }
    Some(CapabilityRule {
        deny,
        caps: words[1..].iter().map(|c| c.to_ascii_lowercase()).collect(),
        at: at.to_string(),
    })
}

/// The profiles of one file of `/etc/apparmor.d` (top-level profiles only; hats and
/// child profiles are skipped with their bodies), and the variables it defines.
fn read_file(view: &dyn FileView, path: &str) -> Vec<(Profile, BTreeMap<String, Vec<String>>)> {
    let mut r = Reader {
        view,
        includes: 0,
        missing: Vec::new(),
        vars: BTreeMap::new(),
    };
    let mut stmts = Vec::new();
    r.lines(path, &mut stmts, 0);
    let mut out = Vec::new();
    let mut current: Option<Profile> = None;
    let mut depth = 0usize;
    for (stmt, at) in stmts {
        if depth == 0 {
            if r.define(&stmt) {
                continue;
            }
            if let Some((name, attachment, flags)) = header(&stmt) {
                let mode = ["complain", "kill", "unconfined", "prompt"]
                    .iter()
                    .find(|m| flags.split([',', ' ']).any(|f| f.trim() == **m))
                    .map_or("enforce", |m| m)
                    .to_string();
                current = Some(Profile {
                    name,
                    attachment,
                    mode,
                    at,
                    network: Vec::new(),
                    capabilities: Vec::new(),
                    missing_includes: r.missing.clone(),
                });
                depth = 1;
            }
            continue;
        }
        if stmt.ends_with('{') {
            depth += 1;
            continue;
        }
        if stmt == "}" || stmt.starts_with('}') {
            depth -= 1;
            if depth == 0 {
                if let Some(mut p) = current.take() {
                    p.missing_includes = r.missing.clone();
                    out.push((p, r.vars.clone()));
                }
            }
            continue;
        }
        if depth == 1 {
            if let Some(p) = current.as_mut() {
                p.network.extend(network_rule(&stmt, &at));
                p.capabilities.extend(capability_rule(&stmt, &at));
            }
        }
    }
    out
}

/// The loaded profile that confines a program started at `path`, or the one named
/// `name` (systemd's `AppArmorProfile=`). Profiles disabled through
/// `/etc/apparmor.d/disable/` are left out.
pub fn profile_for(view: &dyn FileView, path: &str, name: Option<&str>) -> Option<Profile> {
    let entries = view.read_dir(Path::new(DIR)).ok()?;
    let disabled: Vec<String> = view
        .read_dir(Path::new(&format!("{DIR}/disable")))
        .map(|d| d.into_iter().map(|e| e.name).collect())
        .unwrap_or_default();
    for e in entries {
        if e.name.starts_with('.') || disabled.contains(&e.name) {
            continue;
        }
        let file = format!("{DIR}/{}", e.name);
        if view.read_dir(Path::new(&file)).is_ok() {
            continue;
        }
        for (p, vars) in read_file(view, &file) {
            let hit = match name {
                Some(n) => p.name == n,
                None => p
                    .attachment
                    .as_deref()
                    .is_some_and(|a| glob_matches(a, &vars, path)),
            };
            if hit {
                return Some(p);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, Vec<String>> {
        let mut v = BTreeMap::new();
        v.insert("bin".to_string(), vec!["/usr/bin".into(), "/bin".into()]);
        v
    }

    #[test]
    fn globs_as_apparmor_reads_them() {
        let v = vars();
        assert!(glob_matches("/usr/local/bin/app", &v, "/usr/local/bin/app"));
        assert!(glob_matches("/opt/*/server", &v, "/opt/app/server"));
        assert!(!glob_matches("/opt/*/server", &v, "/opt/a/b/server"));
        assert!(glob_matches("/opt/**", &v, "/opt/a/b/server"));
        assert!(glob_matches("@{bin}/app{,d}", &v, "/bin/appd"));
        assert!(glob_matches(
            "/usr/bin/python3.[0-9]",
            &v,
            "/usr/bin/python3.9"
        ));
        assert!(!glob_matches("@{nope}/app", &v, "/app"));
    }

    #[test]
    fn headers_and_rules() {
        assert_eq!(
            header("profile app /usr/local/bin/app flags=(complain) {"),
            Some((
                "app".into(),
                Some("/usr/local/bin/app".into()),
                "complain".into()
            ))
        );
        assert_eq!(
            header("/usr/sbin/nginx {"),
            Some((
                "/usr/sbin/nginx".into(),
                Some("/usr/sbin/nginx".into()),
                String::new()
            ))
        );
        let n = network_rule("deny network inet6 stream,", "f:1").unwrap();
        assert!(n.deny);
        assert_eq!(n.family.as_deref(), Some("inet6"));
        assert!(network_rule("network,", "f:1").unwrap().family.is_none());
        let c = capability_rule("capability net_bind_service setuid,", "f:2").unwrap();
        assert_eq!(c.caps, ["net_bind_service", "setuid"]);
    }

    #[test]
    fn a_profile_with_includes_and_denies() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("etc/apparmor.d");
        std::fs::create_dir_all(d.join("abstractions")).unwrap();
        std::fs::create_dir_all(d.join("tunables")).unwrap();
        std::fs::write(d.join("tunables/global"), "@{apps}=/opt/app\n").unwrap();
        std::fs::write(
            d.join("abstractions/nameservice"),
            "  network inet stream,\n",
        )
        .unwrap();
        std::fs::write(
            d.join("app"),
            "include <tunables/global>\n@{apps}/server {\n  include <abstractions/nameservice>\n  deny network inet,\n  ^hat {\n    network,\n  }\n}\n",
        )
        .unwrap();
        let view = crate::fs::RootDirView::new(t.path()).unwrap();
        let p = profile_for(&view, "/opt/app/server", None).unwrap();
        assert_eq!(p.mode, "enforce");
        assert_eq!(p.network.len(), 2, "{:?}", p.network);
        assert!(!p.allows_tcp_server());
        assert!(!p.allows_capability("net_bind_service"));
        assert!(profile_for(&view, "/opt/other/server", None).is_none());
        std::fs::create_dir_all(d.join("disable")).unwrap();
        std::fs::write(d.join("disable/app"), "").unwrap();
        assert!(profile_for(&view, "/opt/app/server", None).is_none());
    }
}
