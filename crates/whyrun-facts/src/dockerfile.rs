//! A Dockerfile read into plain data: the global `ARG`s, then each stage with its `FROM`
//! (image, `--platform`, name) and the instructions whyrun follows (`ARG`, `ENV`,
//! `WORKDIR`, `COPY`/`ADD` with `--from`, `RUN` with its heredocs, `USER`, `ENTRYPOINT`,
//! `CMD`), each with its line. Also the pieces BuildKit applies on top: `${VAR}`
//! expansion, the words of a `RUN` line's simple commands, and `.dockerignore` matching.
//! Parsing only: what a stage builds is decided by the pipeline (`whyrun_check::docker`).
//!
//! The syntax itself is read by the `parse-dockerfile` crate (taiki-e/parse-dockerfile,
//! 0.1.9 of 2026-11, MIT/Apache-2.0, `no_std`, `forbid(unsafe_code)`, memory bounded for
//! large input since 0.1.7, fuzzed upstream), chosen over the others on crates.io:
//!
//! | crate | last release | heredocs | `--mount` and other flags | `# escape=` | continuations | positions |
//! |---|---|---|---|---|---|---|
//! | `parse-dockerfile` 0.1.9 | 2026-11 | yes, several per line, `<<-`, quoted delimiters | every flag, by name | yes | yes, with comments between | byte spans; errors with line and column |
//! | `dockerfile-parser` 0.9 (HPE, pest grammar) | 2024 | no | `COPY` flags only, `RUN --mount` is an error | no | yes | byte spans |
//! | `dockerfile-parser-rs` 3.3 | 2025 | only the literal `<<EOF` delimiter | as part of the text | no | joined, comments dropped | none |
//!
//! The input is capped at [`MAX_SIZE`] by the caller; a malformed file gives one
//! [`DockerfileError`] with its line.

use std::borrow::Cow;

/// The largest Dockerfile read (1 MiB): real ones are a few kilobytes.
pub const MAX_SIZE: u64 = 1 << 20;

/// A malformed Dockerfile: the line (from 1) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for DockerfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A Dockerfile as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `ARG`s before the first `FROM`: name, default, line.
    pub global_args: Vec<Arg>,
    pub stages: Vec<Stage>,
    /// The escape character (`\`, or `` ` `` with `# escape=`).
    pub escape: char,
}

/// `ARG NAME[=DEFAULT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: String,
    pub default: Option<String>,
    pub line: usize,
}

/// One `FROM` and the instructions up to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stage {
    /// The image as written (`golang:${GO}-alpine`, `builder`, `scratch`).
    pub image: String,
    /// `--platform=…` as written.
    pub platform: Option<String>,
    /// `AS NAME`, lower-cased as BuildKit compares stage names.
    pub name: Option<String>,
    pub line: usize,
    pub steps: Vec<Step>,
}

/// One instruction of a stage, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub line: usize,
    pub kind: StepKind,
}

/// The instructions whyrun follows; the others are [`StepKind::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepKind {
    Arg(Arg),
    /// `ENV` pairs, values as written (quotes removed, variables not yet expanded).
    Env(Vec<(String, String)>),
    Workdir(String),
    /// `COPY` (or `ADD`, `add` true): `--from`, the sources (a heredoc source is given as
    /// `None`), the destination.
    Copy {
        add: bool,
        from: Option<String>,
        sources: Vec<Option<String>>,
        dest: String,
    },
    /// `RUN`: the shell text (continuations joined) or the exec form's words, and the
    /// bodies of its heredocs.
    Run {
        command: Command,
        heredocs: Vec<String>,
        /// `--mount` flags as written.
        mounts: Vec<String>,
    },
    User(String),
    Entrypoint(Command),
    Cmd(Command),
    /// Another instruction, by keyword.
    Other(String),
}

/// A command in shell form or exec (JSON) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Shell(String),
    Exec(Vec<String>),
}

/// Reads a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile, DockerfileError> {
    let parsed = parse_dockerfile::parse(text).map_err(|e| DockerfileError {
        line: e.line(),
        // The crate's message ends with its own position; the line is given apart.
        message: strip_position(&e.to_string()),
    })?;
    let escape = parsed
        .parser_directives
        .escape
        .as_ref()
        .map(|d| d.value.value)
        .unwrap_or('\\');
    let line_of = |offset: usize| line_at(text, offset);
    let mut out = Dockerfile {
        escape,
        ..Default::default()
    };
    for a in parsed.global_args() {
        out.global_args
            .push(arg(&a.arguments.value, line_of(a.arg.span.start)));
    }
    for stage in parsed.stages() {
        let from = stage.from;
        let mut s = Stage {
            image: from.image.value.to_string(),
            platform: from
                .options
                .iter()
                .find(|f| f.name.value == "platform")
                .and_then(|f| f.value.as_ref())
                .map(|v| v.value.to_string()),
            name: from.as_.as_ref().map(|(_, n)| n.value.to_lowercase()),
            line: line_of(from.from.span.start),
            steps: Vec::new(),
        };
        for ins in stage.instructions {
            s.steps.push(step(ins, escape, &line_of));
        }
        out.stages.push(s);
    }
    Ok(out)
}

fn step(
    ins: &parse_dockerfile::Instruction<'_>,
    escape: char,
    line_of: &dyn Fn(usize) -> usize,
) -> Step {
    use parse_dockerfile::Instruction as I;
    let (line, kind) = match ins {
        I::Arg(a) => {
            let line = line_of(a.arg.span.start);
            (line, StepKind::Arg(arg(&a.arguments.value, line)))
        }
        I::Env(e) => (
            line_of(e.env.span.start),
            StepKind::Env(env_pairs(&e.arguments.value)),
        ),
        I::Workdir(w) => (
            line_of(w.workdir.span.start),
            StepKind::Workdir(unquote(&w.arguments.value)),
        ),
        I::Copy(c) => (
            line_of(c.copy.span.start),
            copy(false, &c.options, &c.src, &c.dest.value),
        ),
        I::Add(c) => (
            line_of(c.add.span.start),
            copy(true, &c.options, &c.src, &c.dest.value),
        ),
        I::Run(r) => (
            line_of(r.run.span.start),
            StepKind::Run {
                command: command(&r.arguments, escape),
                heredocs: r.here_docs.iter().map(|h| h.value.to_string()).collect(),
                mounts: r
                    .options
                    .iter()
                    .filter(|f| f.name.value == "mount")
                    .filter_map(|f| f.value.as_ref().map(|v| v.value.to_string()))
                    .collect(),
            },
        ),
        I::User(u) => (
            line_of(u.user.span.start),
            StepKind::User(u.arguments.value.trim().to_string()),
        ),
        I::Entrypoint(e) => (
            line_of(e.entrypoint.span.start),
            StepKind::Entrypoint(command(&e.arguments, escape)),
        ),
        I::Cmd(c) => (
            line_of(c.cmd.span.start),
            StepKind::Cmd(command(&c.arguments, escape)),
        ),
        other => (0, StepKind::Other(keyword(other).into())),
    };
    Step { line, kind }
}

fn keyword(ins: &parse_dockerfile::Instruction<'_>) -> &'static str {
    use parse_dockerfile::Instruction as I;
    match ins {
        I::Expose(_) => "EXPOSE",
        I::Healthcheck(_) => "HEALTHCHECK",
        I::Label(_) => "LABEL",
        I::Maintainer(_) => "MAINTAINER",
        I::Onbuild(_) => "ONBUILD",
        I::Shell(_) => "SHELL",
        I::Stopsignal(_) => "STOPSIGNAL",
        I::Volume(_) => "VOLUME",
        _ => "?",
    }
}

fn copy(
    add: bool,
    options: &[parse_dockerfile::Flag<'_>],
    src: &[parse_dockerfile::Source<'_>],
    dest: &str,
) -> StepKind {
    StepKind::Copy {
        add,
        from: options
            .iter()
            .find(|f| f.name.value == "from")
            .and_then(|f| f.value.as_ref())
            .map(|v| v.value.to_string()),
        sources: src
            .iter()
            .map(|s| match s {
                parse_dockerfile::Source::Path(p) => Some(p.value.to_string()),
                _ => None,
            })
            .collect(),
        dest: dest.to_string(),
    }
}

fn command(c: &parse_dockerfile::Command<'_>, escape: char) -> Command {
    match c {
        parse_dockerfile::Command::Exec(words) => {
            Command::Exec(words.value.iter().map(|w| w.value.to_string()).collect())
        }
        parse_dockerfile::Command::Shell(text) => Command::Shell(join_lines(text.value, escape)),
        _ => Command::Shell(String::new()),
    }
}

/// Shell text with its line continuations (the escape character before a newline) and
/// the comment lines between them removed, as BuildKit hands it to the shell.
fn join_lines(text: &str, escape: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if out.ends_with('\n') && line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix(escape) {
            Some(head) if lines.peek().is_some() => {
                out.push_str(head);
                out.push('\n');
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    // The newlines that joined continued lines are spaces to the shell.
    out.trim_end().replace('\n', " ")
}

/// The line (from 1) of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// `… at line 3 column 5` removed from a message.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn arg(text: &str, line: usize) -> Arg {
    let text = text.trim();
    match text.split_once('=') {
        Some((n, d)) => Arg {
            name: n.trim().to_string(),
            default: Some(unquote(d.trim())),
            line,
        },
        None => Arg {
            name: text.to_string(),
            default: None,
            line,
        },
    }
}

/// `ENV K=V K2="v 2"` or the legacy `ENV K the rest`.
fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (k, v) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        return vec![(k.to_string(), v.trim().to_string())];
    }
    words(text)
        .into_iter()
        .filter_map(|w| {
            let (k, v) = w.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// A value with one level of quotes removed.
fn unquote(s: &str) -> String {
    words(s).join(" ")
}

/// Shell-like words: whitespace separates, quotes group and are removed, a backslash
/// escapes the next character (outside single quotes).
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}` replaced as BuildKit does in
/// `FROM`, `ENV`, `ARG`, `WORKDIR`, `COPY` and `USER`; an unset name is empty. `None`
/// when a name is used that `lookup` cannot give and the value therefore is unknown
/// (`lookup` returns `Err` for those).
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Result<Option<String>, ()>) -> Option<String> {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] == b'$' {
            out.push('$');
            i += 2;
            continue;
        }
        if b[i] != b'$' {
            let ch = s[i..].chars().next()?;
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if i + 1 < b.len() && b[i + 1] == b'{' {
            let end = s[i..].find('}')? + i;
            let inner = &s[i + 2..end];
            let (name, op) = match inner.find(':') {
                Some(p) => (&inner[..p], Some(&inner[p..])),
                None => (inner, None),
            };
            let value = lookup(name).ok()?;
            match op {
                Some(o) if o.starts_with(":-") => match value.filter(|v| !v.is_empty()) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&expand(&o[2..], lookup)?),
                },
                Some(o) if o.starts_with(":+") => {
                    if value.is_some_and(|v| !v.is_empty()) {
                        out.push_str(&expand(&o[2..], lookup)?);
                    }
                }
                Some(_) => return None,
                None => out.push_str(&value.unwrap_or_default()),
            }
            i = end + 1;
            continue;
        }
        let name: String = s[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            out.push('$');
            i += 1;
            continue;
        }
        out.push_str(&lookup(&name).ok()?.unwrap_or_default());
        i += 1 + name.len();
    }
    Some(out)
}

/// The simple commands of a shell script, as words, split at `&&`, `||`, `;`, `|` and
/// newlines. `None` when the script uses what whyrun does not follow (command
/// substitution, subshells, `if`/`for`/`while`, functions, redirections into files are
/// kept as words).
pub fn simple_commands(script: &str) -> Option<Vec<Vec<String>>> {
    if script.contains("$(") || script.contains('`') || script.contains('(') {
        return None;
    }
    let mut commands = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    let flush = |cur: &mut String, commands: &mut Vec<Vec<String>>| {
        let w = words(cur);
        if !w.is_empty() {
            commands.push(w);
        }
        cur.clear();
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '\\') => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, ';' | '\n') => flush(&mut cur, &mut commands),
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                flush(&mut cur, &mut commands);
            }
            (None, '|') => {
                if chars.peek() == Some(&'|') {
                    chars.next();
                }
                flush(&mut cur, &mut commands);
            }
            (None, c) => cur.push(c),
        }
    }
    flush(&mut cur, &mut commands);
    let control = [
        "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
        "{", "}",
    ];
    if commands
        .iter()
        .any(|c| control.contains(&c[0].as_str()) || c[0].ends_with("()"))
    {
        return None;
    }
    Some(commands)
}

/// The patterns of a `.dockerignore`, in order; `!` marks an exception.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    patterns: Vec<(bool, Vec<String>)>,
}

impl DockerIgnore {
    /// Reads `.dockerignore` text: one pattern a line, `#` comments, leading `/` and `./`
    /// dropped, paths cleaned as BuildKit's `filepath.Clean` does.
    pub fn parse(text: &str) -> DockerIgnore {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (exception, p) = match l.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, l),
                };
                let parts = p
                    .split('/')
                    .filter(|s| !s.is_empty() && *s != ".")
                    .map(str::to_string)
                    .collect();
                (exception, parts)
            })
            .filter(|(_, parts): &(bool, Vec<String>)| !parts.is_empty())
            .collect();
        DockerIgnore { patterns }
    }

    /// Whether `rel` (a path relative to the context, `/`-separated) is left out of the
    /// context: the last pattern matching it or one of its parents decides.
    pub fn excludes(&self, rel: &str) -> bool {
        let parts: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        let mut excluded = false;
        for (exception, pattern) in &self.patterns {
            let hit = (1..=parts.len()).any(|n| glob_parts(pattern, &parts[..n]));
            if hit {
                excluded = !exception;
            }
        }
        excluded
    }
}

/// Whether path components match pattern components (`**` any number of them).
fn glob_parts(pattern: &[String], path: &[&str]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(p), _) if p == "**" => {
            (0..=path.len()).any(|skip| glob_parts(&pattern[1..], &path[skip..]))
        }
        (Some(p), Some(s)) => glob(p, s) && glob_parts(&pattern[1..], &path[1..]),
        _ => false,
    }
}

/// `*`, `?` and `[…]`-free globbing of one path component.
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Text read from a file that may not be UTF-8: invalid bytes replaced.
pub fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stages_args_and_steps_with_lines() {
        let d = parse(
            "ARG GO=1.22\nFROM --platform=$BUILDPLATFORM golang:${GO} AS Build\n\
             WORKDIR /src\nCOPY go.mod go.sum ./\nRUN --mount=type=cache,target=/root/.cache \\\n  \
             CGO_ENABLED=0 go build \\\n  -o /out/app .\n\
             FROM alpine:3.19\nCOPY --from=build /out/app /app\nUSER nobody\nENTRYPOINT [\"/app\"]\n",
        )
        .unwrap();
        assert_eq!(d.global_args[0].name, "GO");
        assert_eq!(d.global_args[0].default.as_deref(), Some("1.22"));
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        assert_eq!(d.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(d.stages[0].line, 2);
        let run = &d.stages[0].steps[2];
        assert_eq!(run.line, 5);
        match &run.kind {
            StepKind::Run {
                command: Command::Shell(s),
                mounts,
                ..
            } => {
                assert_eq!(
                    s.split_whitespace().collect::<Vec<_>>().join(" "),
                    "CGO_ENABLED=0 go build -o /out/app ."
                );
                assert_eq!(mounts, &["type=cache,target=/root/.cache"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.stages[1].line, 8);
        assert!(matches!(&d.stages[1].steps[0].kind,
            StepKind::Copy { from: Some(f), .. } if f == "build"));
        assert_eq!(
            d.stages[1].steps[2].kind,
            StepKind::Entrypoint(Command::Exec(vec!["/app".into()]))
        );
    }

    #[test]
    fn heredocs_and_the_escape_directive() {
        let d = parse("# escape=`\nFROM debian:12\nRUN <<EOF\necho hi\nEOF\nRUN echo a `\n  b\n")
            .unwrap();
        assert_eq!(d.escape, '`');
        match &d.stages[0].steps[0].kind {
            StepKind::Run { heredocs, .. } => assert_eq!(heredocs[0], "echo hi\n"),
            other => panic!("{other:?}"),
        }
        match &d.stages[0].steps[1].kind {
            StepKind::Run {
                command: Command::Shell(s),
                ..
            } => assert_eq!(s.split_whitespace().collect::<Vec<_>>(), ["echo", "a", "b"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_malformed_file_gives_its_line() {
        let e = parse("FROM debian:12\nRUN echo\nBOGUS x\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("RUN echo\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
    }

    #[test]
    fn env_forms_and_expansion() {
        assert_eq!(
            env_pairs("A=1 B=\"two words\""),
            [("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
        assert_eq!(
            env_pairs("PATH /go/bin:$PATH"),
            [("PATH".into(), "/go/bin:$PATH".into())]
        );
        let look = |n: &str| match n {
            "A" => Ok(Some("x".to_string())),
            "U" => Err(()),
            _ => Ok(None),
        };
        assert_eq!(
            expand("$A-${A}-${B:-d}-${A:+y}", &look).as_deref(),
            Some("x-x-d-y")
        );
        assert_eq!(expand("${U}", &look), None);
    }

    #[test]
    fn simple_commands_split_at_operators() {
        let c =
            simple_commands("go mod download && CGO_ENABLED=0 go build -o /app . ; echo 'a && b'")
                .unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1], ["CGO_ENABLED=0", "go", "build", "-o", "/app", "."]);
        assert_eq!(c[2], ["echo", "a && b"]);
        assert!(simple_commands("if true; then go build; fi").is_none());
        assert!(simple_commands("go build -ldflags \"-X main.v=$(git describe)\"").is_none());
    }

    #[test]
    fn dockerignore_last_match_wins() {
        let i = DockerIgnore::parse("# c\n*.md\n/vendor\n!README.md\n**/*.tmp\n");
        assert!(i.excludes("NOTES.md"));
        assert!(!i.excludes("README.md"));
        assert!(i.excludes("vendor/x/y.go"));
        assert!(i.excludes("a/b/c.tmp"));
        assert!(!i.excludes("main.go"));
    }
}
