//! systemd unit files as systemd reads them: the unit and its drop-ins found in a
//! target's unit paths (or one file on disk), parsed into assignments that keep their
//! file and line, `ExecStart=` split into a program and its arguments, and `%`-specifiers
//! resolved. It decides nothing about whether the unit can start (the LAUNCH rules do).
//!
//! No maintained crate fits: `systemd-parser` (nom 2, last release 2017) keeps no line
//! numbers and does not split command lines; the others parse plain INI. The syntax
//! followed here is systemd.syntax(7) and systemd.service(5) ("Command lines"); each fact
//! is cited where it is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::fs::{FileKind, FileView};

/// Larger unit files are refused (systemd's own line limit, LONG_LINE_MAX, is 1 MiB).
pub const MAX_UNIT_BYTES: u64 = 1 << 20;
/// Drop-ins read per unit, at most.
const MAX_DROP_INS: usize = 256;

/// The system unit search path, highest priority first (systemd.unit(5), "Unit File Load
/// Path", table "Load path when running in system mode"; the `.control`, `.attached`,
/// `transient` and generator directories are empty in a root at rest).
pub const SYSTEM_UNIT_PATH: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// One `Key=Value` line, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub section: String,
    pub key: String,
    pub value: String,
    pub file: String,
    pub line: usize,
}

impl Assignment {
    /// `FILE:LINE`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// A unit: its name, the files read (the unit first, then its drop-ins in the order
/// applied), and every assignment in that order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    pub name: String,
    pub files: Vec<String>,
    pub assignments: Vec<Assignment>,
}

/// A unit that could not be read: the file and line, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct UnitError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl UnitError {
    fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> UnitError {
        UnitError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

impl Unit {
    /// Every assignment of `section`/`key`, in the order systemd applies them.
    pub fn all<'a>(
        &'a self,
        section: &'a str,
        key: &'a str,
    ) -> impl Iterator<Item = &'a Assignment> + 'a {
        self.assignments
            .iter()
            .filter(move |a| a.section == section && a.key == key)
    }

    /// The last assignment of a single-valued setting (later ones override).
    pub fn last<'a>(&'a self, section: &'a str, key: &'a str) -> Option<&'a Assignment> {
        self.all(section, key).last()
    }

    /// The assignments of a list setting: an empty assignment resets the list
    /// (systemd.syntax(7): "assigning the empty string … resets the list").
    pub fn list<'a>(&'a self, section: &'a str, key: &'a str) -> Vec<&'a Assignment> {
        let mut out = Vec::new();
        for a in self.all(section, key) {
            if a.value.trim().is_empty() {
                out.clear();
            } else {
                out.push(a);
            }
        }
        out
    }
}

/// Parses the text of one unit file (or drop-in) named `file`, appending to `unit`.
///
/// systemd.syntax(7): lines starting with `#` or `;` are comments; a line ending in a
/// backslash continues on the next line, the backslash replaced by a space, and comment
/// lines inside a continuation are skipped; `[Section]` headers; `Key=Value` with
/// whitespace around the `=` and at both ends of the value removed.
pub fn parse_into(unit: &mut Unit, file: &str, text: &str) -> Result<(), UnitError> {
    let mut section: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_start();
        if pending.is_some() && (line.starts_with('#') || line.starts_with(';')) {
            continue;
        }
        let (start, mut joined) = match pending.take() {
            Some((start, acc)) => (start, acc + " " + line),
            None => (n, line.to_string()),
        };
        if let Some(stripped) = joined.strip_suffix('\\') {
            // An escaped backslash (`\\`) at the end does not continue the line.
            if !stripped.ends_with('\\') {
                joined = stripped.to_string();
                pending = Some((start, joined));
                continue;
            }
        }
        let line = joined.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(UnitError::new(
                    file,
                    Some(start),
                    format!("unterminated section header: {line}"),
                ));
            };
            section = Some(name.to_string());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(UnitError::new(
                file,
                Some(start),
                format!("not a Key=Value assignment: {line}"),
            ));
        };
        let Some(section) = &section else {
            return Err(UnitError::new(
                file,
                Some(start),
                "assignment outside of a section",
            ));
        };
        unit.assignments.push(Assignment {
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            file: file.to_string(),
            line: start,
        });
    }
    if let Some((start, _)) = pending {
        return Err(UnitError::new(
            file,
            Some(start),
            "the file ends inside a line continuation",
        ));
    }
    Ok(())
}

fn read_text(view: &dyn FileView, path: &Path, shown: &str) -> Result<String, UnitError> {
    let meta = view
        .metadata(path)
        .map_err(|e| UnitError::new(shown, None, e.to_string()))?;
    if meta.len > MAX_UNIT_BYTES {
        return Err(UnitError::new(
            shown,
            None,
            format!(
                "{} bytes, more than a unit file may hold ({MAX_UNIT_BYTES})",
                meta.len
            ),
        ));
    }
    let bytes = view
        .read(path, MAX_UNIT_BYTES)
        .map_err(|e| UnitError::new(shown, None, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| UnitError::new(shown, None, "not UTF-8 text"))
}

/// Reads one unit file from this machine (`--unit PATH`), and the drop-ins in
/// `PATH.d/*.conf` beside it.
pub fn load_file(path: &Path) -> Result<Unit, UnitError> {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| UnitError::new(&shown, None, "not a file name"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let view = crate::fs::RootDirView::new(dir)
        .map_err(|e| UnitError::new(&shown, None, e.to_string()))?;
    let mut unit = Unit {
        name: name.clone(),
        ..Default::default()
    };
    let text = read_text(&view, &Path::new("/").join(&name), &shown)?;
    parse_into(&mut unit, &shown, &text)?;
    unit.files.push(shown);
    let drop_dir = format!("/{name}.d");
    for (file, _) in drop_ins_in(&view, &drop_dir) {
        let p = Path::new(&drop_dir).join(&file);
        let shown = dir
            .join(format!("{name}.d"))
            .join(&file)
            .display()
            .to_string();
        let text = read_text(&view, &p, &shown)?;
        parse_into(&mut unit, &shown, &text)?;
        unit.files.push(shown);
    }
    Ok(unit)
}

/// `*.conf` files of a drop-in directory, by name.
fn drop_ins_in(view: &dyn FileView, dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = view
        .read_dir(Path::new(dir))
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.name.ends_with(".conf") && e.kind != FileKind::Dir)
        .map(|e| (e.name.clone(), format!("{dir}/{}", e.name)))
        .collect();
    out.sort();
    out.truncate(MAX_DROP_INS);
    out
}

/// For `foo@bar.service`, the template `foo@.service`.
fn template_of(name: &str) -> Option<String> {
    let (prefix, rest) = name.split_once('@')?;
    let (_, suffix) = rest.rsplit_once('.')?;
    Some(format!("{prefix}@.{suffix}"))
}

/// Finds and reads unit `name` in a target as systemd's system manager would: the first
/// unit path holding `name` (for an instance without its own file, the template), then
/// every `*.conf` drop-in of `NAME.d/` (and the template's `.d/`) in every unit path,
/// applied in file-name order; a drop-in in a directory of higher priority hides one of
/// the same name below (systemd.unit(5), "Description": "drop-in files … sorted by file
/// name, regardless of which directory they reside in … files in /etc/ take precedence
/// over those in /run/, which in turn take precedence over those in /usr/lib/").
///
/// A unit linked to /dev/null is masked: it is an error, as `systemctl start` says.
pub fn load(view: &dyn FileView, name: &str) -> Result<Unit, UnitError> {
    let template = template_of(name);
    let mut candidates = vec![name.to_string()];
    candidates.extend(template.clone());
    let mut found: Option<String> = None;
    'search: for cand in &candidates {
        for dir in SYSTEM_UNIT_PATH {
            let p = format!("{dir}/{cand}");
            if let Ok(link) = view.read_link(Path::new(&p)) {
                if link == Path::new("/dev/null") {
                    return Err(UnitError::new(
                        &p,
                        None,
                        "the unit is masked (linked to /dev/null)",
                    ));
                }
            }
            if view
                .metadata(Path::new(&p))
                .is_ok_and(|m| m.kind == FileKind::File)
            {
                found = Some(p);
                break 'search;
            }
        }
    }
    let Some(main) = found else {
        return Err(UnitError::new(
            name,
            None,
            format!(
                "no such unit in the target's unit paths ({})",
                SYSTEM_UNIT_PATH.join(", ")
            ),
        ));
    };
    let mut unit = Unit {
        name: name.to_string(),
        ..Default::default()
    };
    let text = read_text(view, Path::new(&main), &main)?;
    parse_into(&mut unit, &main, &text)?;
    unit.files.push(main);
    // Template drop-ins first, then the instance's: the more specific name wins.
    let mut names: Vec<String> = template.into_iter().collect();
    names.push(name.to_string());
    for n in names {
        let mut by_name: BTreeMap<String, String> = BTreeMap::new();
        for dir in SYSTEM_UNIT_PATH {
            for (file, path) in drop_ins_in(view, &format!("{dir}/{n}.d")) {
                by_name.entry(file).or_insert(path);
            }
        }
        for path in by_name.into_values() {
            let text = read_text(view, Path::new(&path), &path)?;
            parse_into(&mut unit, &path, &text)?;
            unit.files.push(path);
        }
    }
    Ok(unit)
}

/// What the `%`-specifiers resolve to for a unit of the system manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specifiers {
    /// `%n`: the full unit name.
    pub name: String,
}

impl Specifiers {
    fn prefix_and_instance(&self) -> (String, Option<String>, String) {
        let (stem, _suffix) = self.name.rsplit_once('.').unwrap_or((&self.name, ""));
        match stem.split_once('@') {
            Some((p, i)) => (p.to_string(), Some(i.to_string()), stem.to_string()),
            None => (stem.to_string(), None, stem.to_string()),
        }
    }

    /// Resolves the specifiers in `s` (systemd.unit(5), "Specifiers"): `%n` the full unit
    /// name, `%N` the name without the type suffix, `%p` the prefix (before `@`), `%P`
    /// the prefix unescaped, `%i` the instance, `%I` the instance unescaped, `%h` the
    /// home directory "of the user running the service manager instance. In case of the
    /// system manager this resolves to /root", `%u` likewise `root`, `%S` /var/lib, `%t`
    /// /run, `%C` /var/cache, `%L` /var/log, `%E` /etc, `%T` /tmp, `%V` /var/tmp, `%%` a
    /// `%`. Another specifier is an error, as systemd refuses the line.
    pub fn resolve(&self, s: &str) -> Result<String, String> {
        let (prefix, instance, stem) = self.prefix_and_instance();
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let v = match chars.next() {
                Some('%') => "%".to_string(),
                Some('n') => self.name.clone(),
                Some('N') => stem.clone(),
                Some('p') => prefix.clone(),
                Some('P') => unescape(&prefix),
                Some('i') => instance.clone().unwrap_or_default(),
                Some('I') => unescape(instance.as_deref().unwrap_or("")),
                Some('h') => "/root".into(),
                Some('u') => "root".into(),
                Some('S') => "/var/lib".into(),
                Some('t') => "/run".into(),
                Some('C') => "/var/cache".into(),
                Some('L') => "/var/log".into(),
                Some('E') => "/etc".into(),
                Some('T') => "/tmp".into(),
                Some('V') => "/var/tmp".into(),
                Some(o) => return Err(format!("the specifier %{o} is not resolved by whyrun")),
                None => return Err("a lone % at the end".into()),
            };
            out.push_str(&v);
        }
        Ok(out)
    }
}

/// systemd's unit-name unescaping (systemd-escape(1)): `-` is `/`, `\xNN` a byte.
pub fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'-' {
            out.push(b'/');
        } else if b[i] == b'\\' && i + 3 < b.len() && b.get(i + 1) == Some(&b'x') {
            match u8::from_str_radix(std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("zz"), 16) {
                Ok(v) => {
                    out.push(v);
                    i += 4;
                    continue;
                }
                Err(_) => out.push(b[i]),
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One command line of `ExecStart=` (and the other `Exec*=` settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCommand {
    /// `-`: a failure exit status is recorded but ignored.
    pub ignore_failure: bool,
    /// `@`: the second word is passed as `argv[0]`.
    pub argv0_given: bool,
    /// `:`: no environment variable substitution.
    pub no_env_expansion: bool,
    /// `+`: full privileges (no `User=`, no sandboxing); `!`/`!!` the elevated modes.
    pub privileged: Option<&'static str>,
    /// The program as written (after specifiers).
    pub program: String,
    /// The arguments (`argv[1..]`).
    pub args: Vec<String>,
}

/// Splits a command line of `ExecStart=` (systemd.service(5), "Command lines"): the
/// prefixes `@`, `-`, `:`, and one of `+`, `!`, `!!`, in any order; then words separated
/// by whitespace, with double and single quotes and C-style backslash escapes (`\n`,
/// `\t`, `\\`, `\"`, `\'`, `\xNN`, a backslash before whitespace); `$VAR`/`${VAR}` left
/// as written (they are expanded from `env` by the caller when not `:`-prefixed). A lone
/// `;` word separates commands (only the first is returned).
pub fn split_exec(value: &str) -> Result<ExecCommand, String> {
    let mut rest = value.trim_start();
    let mut cmd = ExecCommand {
        ignore_failure: false,
        argv0_given: false,
        no_env_expansion: false,
        privileged: None,
        program: String::new(),
        args: Vec::new(),
    };
    loop {
        if let Some(r) = rest.strip_prefix("!!") {
            cmd.privileged = Some("!!");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('!') {
            cmd.privileged = Some("!");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('+') {
            cmd.privileged = Some("+");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('-') {
            cmd.ignore_failure = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('@') {
            cmd.argv0_given = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix(':') {
            cmd.no_env_expansion = true;
            rest = r;
        } else {
            break;
        }
    }
    let mut words = split_words(rest)?;
    if let Some(i) = words.iter().position(|w| w == ";") {
        words.truncate(i);
    }
    if words.is_empty() {
        return Err("the command line names no program".into());
    }
    cmd.program = words.remove(0);
    if cmd.argv0_given && !words.is_empty() {
        words.remove(0);
    }
    cmd.args = words;
    Ok(cmd)
}

fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == first {
                    closed = true;
                    break;
                }
                if c == '\\' {
                    word.push(unescape_char(&mut chars)?);
                } else {
                    word.push(c);
                }
            }
            if !closed {
                return Err(format!("unterminated {first} quote"));
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err("a quoted word must end at whitespace".into());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    word.push(unescape_char(&mut chars)?);
                } else {
                    word.push(c);
                }
            }
        }
        words.push(word);
    }
    Ok(words)
}

fn unescape_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    Ok(match chars.next() {
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('a') => '\x07',
        Some('b') => '\x08',
        Some('f') => '\x0c',
        Some('v') => '\x0b',
        Some('s') => ' ',
        Some('x') => {
            let h: String = [chars.next(), chars.next()].iter().flatten().collect();
            u8::from_str_radix(&h, 16)
                .map(char::from)
                .map_err(|_| format!("bad escape \\x{h}"))?
        }
        Some(c) => c,
        None => return Err("a backslash at the end".into()),
    })
}

/// The directories a relative `ExecStart=` program is looked up in, in order: systemd
/// 239 and later search "a fixed search path determined at compilation time … /usr/local/bin/,
/// /usr/bin/, /bin/ on systems using split /usr/bin/ and /bin/ directories, and their
/// sbin/ counterparts" (systemd.service(5), "Command lines"; DEFAULT_PATH in
/// src/basic/path-util.h: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin, plus
/// :/sbin:/bin when built with split-usr, as Debian 12's systemd 252 is).
pub const EXEC_SEARCH_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Expands `$VAR` and `${VAR}` in one word from `env` (systemd.service(5): "${FOO}" is
/// replaced by the value, "$FOO" as a word of its own is split at whitespace — here both
/// keep the value whole; an unset variable expands to nothing).
pub fn expand_env(word: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            if let Some(end) = inner.find('}') {
                out.push_str(env.get(&inner[..end]).map(String::as_str).unwrap_or(""));
                rest = &inner[end + 1..];
                continue;
            }
        }
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(env.get(&after[..len]).map(String::as_str).unwrap_or(""));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Parses `Environment=` values: space-separated `VAR=value` words, quoted as in command
/// lines (systemd.exec(5), "Environment=").
pub fn parse_environment(value: &str) -> Result<Vec<(String, String)>, String> {
    Ok(split_words(value)?
        .into_iter()
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect())
}

/// Where a unit named on the command line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitSource {
    /// A unit name, looked up in each root's unit paths.
    Name(String),
    /// A file on this machine.
    File(PathBuf),
}

impl UnitSource {
    /// A bare name (`app.service`, no `/`) is looked up in the target; anything else is a
    /// file.
    pub fn of(arg: &str) -> UnitSource {
        if arg.contains('/') {
            UnitSource::File(PathBuf::from(arg))
        } else {
            UnitSource::Name(arg.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Unit, UnitError> {
        let mut u = Unit::default();
        parse_into(&mut u, "a.service", text).map(|_| u)
    }

    #[test]
    fn continuations_comments_and_locations() {
        let u = parse(
            "# c\n[Service]\nExecStart=/bin/a \\\n# inside\n  --b \\\n  c\n; x\nUser = app\n",
        )
        .unwrap();
        let e = u.last("Service", "ExecStart").unwrap();
        // The backslash becomes a space; the next line is stripped first (conf-parser.c).
        assert_eq!(e.value, "/bin/a  --b  c");
        assert_eq!(e.line, 3);
        assert_eq!(u.last("Service", "User").unwrap().location(), "a.service:8");
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("[Service]\nExecStart\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.service:2: not a Key=Value assignment: ExecStart"
        );
        assert!(parse("User=x\n")
            .unwrap_err()
            .to_string()
            .contains(":1: assignment outside"));
        assert!(parse("[Service\n").is_err());
        assert!(parse("[Service]\nA=b \\").is_err());
    }

    #[test]
    fn empty_assignment_resets_a_list() {
        let u = parse("[Service]\nExecStart=/a\nExecStart=\nExecStart=/b\n").unwrap();
        let l = u.list("Service", "ExecStart");
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].value, "/b");
    }

    #[test]
    fn exec_prefixes_and_quoting() {
        let c = split_exec("-@/bin/app app-name --x \"a b\" 'c\\td' e\\ f").unwrap();
        assert!(c.ignore_failure && c.argv0_given);
        assert_eq!(c.program, "/bin/app");
        assert_eq!(c.args, ["--x", "a b", "c\td", "e f"]);
        let c = split_exec("!!:app ; /bin/other").unwrap();
        assert_eq!(c.privileged, Some("!!"));
        assert!(c.no_env_expansion);
        assert_eq!(c.program, "app");
        assert!(c.args.is_empty());
        assert!(split_exec("\"/bin/a").is_err());
        assert!(split_exec("-").is_err());
    }

    #[test]
    fn specifiers() {
        let s = Specifiers {
            name: "web@a-b.service".into(),
        };
        assert_eq!(
            s.resolve("%n %N %p %i %I %h %S %t %%").unwrap(),
            "web@a-b.service web@a-b web a-b a/b /root /var/lib /run %"
        );
        assert!(s.resolve("%z").is_err());
    }

    /// What the fuzz target (fuzz/fuzz_targets/unit.rs) checks, over a few hostile inputs:
    /// no panic, an error with a line where one is due.
    #[test]
    fn hostile_input_never_panics() {
        for text in [
            "[Service]\nExecStart=\"\\",
            "[Service]\nExecStart=\\x",
            "[Service]\nExecStart='a'b",
            "[Service]\nExecStart=@",
            "[Service]\nExecStart=!!!!+-@:",
            "[]\n=\n",
            "[Service]\nA=%",
            "\\",
            "[Service]\nA=\\\\\n",
            "[Service]\nA=é\\xé1\n",
        ] {
            let mut u = Unit::default();
            if parse_into(&mut u, "f", text).is_ok() {
                for a in &u.assignments {
                    let _ = split_exec(&a.value);
                    let _ = unescape(&a.value);
                    let _ = Specifiers {
                        name: "a@b.service".into(),
                    }
                    .resolve(&a.value);
                    let _ = parse_environment(&a.value);
                }
            }
        }
    }

    /// The unit from the first unit path that has it; drop-ins from every path in name
    /// order, /etc hiding a same-named one in /usr/lib; a template for an instance; an
    /// empty ExecStart= resetting the list; a masked unit refused.
    #[test]
    fn units_and_drop_ins_are_found_as_systemd_finds_them() {
        let t = tempfile::tempdir().unwrap();
        let w = |p: &str, text: &str| {
            let f = t.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, text).unwrap();
        };
        w(
            "usr/lib/systemd/system/app.service",
            "[Service]\nExecStart=/usr/bin/app\nUser=a\n",
        );
        w(
            "usr/lib/systemd/system/app.service.d/10-user.conf",
            "[Service]\nUser=b\n",
        );
        w(
            "etc/systemd/system/app.service.d/10-user.conf",
            "[Service]\nUser=c\n",
        );
        w(
            "run/systemd/system/app.service.d/20-exec.conf",
            "[Service]\nExecStart=\nExecStart=/opt/app %i\n",
        );
        w(
            "lib/systemd/system/web@.service",
            "[Service]\nExecStart=/srv/web %i\n",
        );
        let v = crate::fs::RootDirView::new(t.path()).unwrap();
        let u = load(&v, "app.service").unwrap();
        assert_eq!(u.last("Service", "User").unwrap().value, "c");
        assert_eq!(
            u.files,
            [
                "/usr/lib/systemd/system/app.service",
                "/etc/systemd/system/app.service.d/10-user.conf",
                "/run/systemd/system/app.service.d/20-exec.conf"
            ]
        );
        let exec = u.list("Service", "ExecStart");
        assert_eq!(exec.len(), 1);
        assert_eq!(
            exec[0].location(),
            "/run/systemd/system/app.service.d/20-exec.conf:3"
        );
        let web = load(&v, "web@one.service").unwrap();
        assert_eq!(web.files, ["/lib/systemd/system/web@.service"]);
        assert!(load(&v, "absent.service").is_err());
        std::os::unix::fs::symlink(
            "/dev/null",
            t.path().join("etc/systemd/system/masked.service"),
        )
        .unwrap();
        assert!(load(&v, "masked.service")
            .unwrap_err()
            .to_string()
            .contains("masked"));
    }

    #[test]
    fn environment_expansion() {
        let env: BTreeMap<String, String> = [("PORT".to_string(), "80".to_string())].into();
        assert_eq!(expand_env("--addr=:${PORT}", &env), "--addr=:80");
        assert_eq!(expand_env("$PORT", &env), "80");
        assert_eq!(expand_env("$", &env), "$");
        assert_eq!(
            parse_environment("A=1 \"B=two words\"").unwrap(),
            [("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
    }
}
