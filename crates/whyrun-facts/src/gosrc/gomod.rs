//! A `go.mod` parser following the syntax of `golang.org/x/mod/modfile` (`read.go`):
//! whitespace-separated tokens, `//` comments, `"quoted"` and `` `raw` `` strings,
//! `verb (` … `)` blocks, `=>` in `replace`. Every directive keeps its line, so findings
//! can point at it. Verbs the parser does not know are kept in order, not refused: which
//! verbs a go command knows depends on its version, and that is for the rules to judge.
//!
//! Structural errors (an unterminated string, a block never closed, a `)` without a block)
//! are one `GoModError` with the line; nothing here panics on any input.

use serde::Serialize;

/// A value and the line (from 1) it was read on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    pub line: usize,
}

/// `require path version` or `exclude path version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub path: String,
    pub version: String,
    /// Marked `// indirect`.
    pub indirect: bool,
    pub line: usize,
}

/// `replace path [version] => new_path [new_version]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    pub path: String,
    pub version: Option<String>,
    pub new_path: String,
    pub new_version: Option<String>,
    pub line: usize,
}

impl Replacement {
    /// A replacement by a directory (`./x`, `../x`, `/abs`), not a module version: as
    /// `modfile.IsDirectoryPath` decides (on Linux).
    pub fn is_directory(&self) -> bool {
        let p = self.new_path.as_str();
        p == "." || p == ".." || p.starts_with("./") || p.starts_with("../") || p.starts_with('/')
    }
}

/// A parsed `go.mod`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoMod {
    pub module: Option<Spanned<String>>,
    /// The `go` line's version as written (`1.22`, `1.22.0`).
    pub go: Option<Spanned<String>>,
    /// The `toolchain` line's name as written (`go1.22.1`).
    pub toolchain: Option<Spanned<String>>,
    pub require: Vec<Requirement>,
    pub exclude: Vec<Requirement>,
    pub replace: Vec<Replacement>,
    /// `use ./dir` (a go.work file, which shares the go.mod syntax), in order.
    pub uses: Vec<Spanned<String>>,
    /// Every directive's verb in order, known or not (`module`, `go`, `toolchain`,
    /// `godebug`, `frobnicate`), with its line: once per line, block entries included.
    pub verbs: Vec<Spanned<String>>,
}

/// A `go.mod` that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct GoModError {
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> GoModError {
    GoModError {
        line,
        message: message.into(),
    }
}

/// One line as tokens, and the text of its trailing `//` comment.
struct Tokens {
    tokens: Vec<String>,
    comment: Option<String>,
}

fn tokenize(line: &str, n: usize) -> Result<Tokens, GoModError> {
    let mut tokens = Vec::new();
    let mut comment = None;
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if line[i..].starts_with("//") {
            comment = Some(line[i + 2..].trim().to_string());
            break;
        }
        match c {
            '"' => {
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, e @ ('"' | '\\'))) => s.push(e),
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            _ => return Err(err(n, "invalid escape in quoted string")),
                        },
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(err(n, "unterminated quoted string"));
                }
                tokens.push(s);
            }
            '`' => {
                chars.next();
                let rest = &line[i + 1..];
                let Some(end) = rest.find('`') else {
                    return Err(err(n, "unterminated raw string"));
                };
                tokens.push(rest[..end].to_string());
                // Skip the string and its closing back quote.
                let stop = i + 1 + end;
                while chars.peek().is_some_and(|&(j, _)| j <= stop) {
                    chars.next();
                }
            }
            '(' | ')' => {
                chars.next();
                tokens.push(c.to_string());
            }
            _ => {
                let mut s = String::new();
                while let Some(&(j, c)) = chars.peek() {
                    if c.is_whitespace()
                        || c == '"'
                        || c == '`'
                        || c == '('
                        || c == ')'
                        || line[j..].starts_with("//")
                    {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                tokens.push(s);
            }
        }
    }
    Ok(Tokens { tokens, comment })
}

/// Parses `text` (the whole go.mod).
pub fn parse(text: &str) -> Result<GoMod, GoModError> {
    let mut m = GoMod::default();
    let mut block: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let Tokens { tokens, comment } = tokenize(line, n)?;
        if tokens.is_empty() {
            continue;
        }
        if let Some((verb, _)) = &block {
            if tokens == [")"] {
                block = None;
                continue;
            }
            if tokens.iter().any(|t| t == "(" || t == ")") {
                return Err(err(n, "unexpected parenthesis inside a block"));
            }
            let verb = verb.clone();
            directive(&mut m, &verb, &tokens, comment.as_deref(), n)?;
            continue;
        }
        if tokens.len() == 2 && tokens[1] == "(" {
            block = Some((tokens[0].clone(), n));
            continue;
        }
        if tokens.iter().any(|t| t == "(" || t == ")") {
            return Err(err(n, "unexpected parenthesis"));
        }
        let verb = tokens[0].clone();
        directive(&mut m, &verb, &tokens[1..], comment.as_deref(), n)?;
    }
    if let Some((verb, line)) = block {
        return Err(err(line, format!("{verb} block is never closed")));
    }
    Ok(m)
}

fn directive(
    m: &mut GoMod,
    verb: &str,
    args: &[String],
    comment: Option<&str>,
    n: usize,
) -> Result<(), GoModError> {
    m.verbs.push(Spanned {
        value: verb.to_string(),
        line: n,
    });
    let one = |what: &str| -> Result<Spanned<String>, GoModError> {
        match args {
            [a] => Ok(Spanned {
                value: a.clone(),
                line: n,
            }),
            _ => Err(err(n, format!("usage: {verb} {what}"))),
        }
    };
    match verb {
        "module" => m.module = Some(one("module/path")?),
        "go" => m.go = Some(one("1.23")?),
        "toolchain" => m.toolchain = Some(one("go1.23.4")?),
        "require" | "exclude" => {
            let [path, version] = args else {
                return Err(err(n, format!("usage: {verb} module/path v1.2.3")));
            };
            let r = Requirement {
                path: path.clone(),
                version: version.clone(),
                indirect: comment.is_some_and(|c| c == "indirect" || c.starts_with("indirect;")),
                line: n,
            };
            if verb == "require" {
                m.require.push(r);
            } else {
                m.exclude.push(r);
            }
        }
        "replace" => {
            let arrow = args.iter().position(|a| a == "=>");
            let (old, new) = match arrow {
                Some(p) => (&args[..p], &args[p + 1..]),
                None => {
                    return Err(err(
                        n,
                        "usage: replace module/path [v1.2.3] => other/module v1.4",
                    ))
                }
            };
            let (path, version) = match old {
                [p] => (p, None),
                [p, v] => (p, Some(v.clone())),
                _ => {
                    return Err(err(
                        n,
                        "usage: replace module/path [v1.2.3] => other/module v1.4",
                    ))
                }
            };
            let (new_path, new_version) = match new {
                [p] => (p, None),
                [p, v] => (p, Some(v.clone())),
                _ => {
                    return Err(err(
                        n,
                        "usage: replace module/path [v1.2.3] => other/module v1.4",
                    ))
                }
            };
            m.replace.push(Replacement {
                path: path.clone(),
                version,
                new_path: new_path.clone(),
                new_version,
                line: n,
            });
        }
        "use" => m.uses.push(one("./module/dir")?),
        // retract, godebug, tool, ignore and verbs no go command knows: kept in `verbs`.
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_directive_with_its_line() {
        let m = parse(
            "// A comment\nmodule \"example.com/app\" // the app\n\ngo 1.22.0 // pinned\ntoolchain go1.22.4\n\nrequire (\n\texample.com/a v1.0.0\n\t// between\n\texample.com/b v0.2.0 // indirect\n)\nexclude example.com/a v0.9.0\nreplace (\n\texample.com/a v1.0.0 => ../a\n\texample.com/c => example.com/d v1.1.0\n)\ngodebug default=go1.21\n",
        )
        .unwrap();
        assert_eq!(m.module.as_ref().unwrap().value, "example.com/app");
        assert_eq!(
            m.go,
            Some(Spanned {
                value: "1.22.0".into(),
                line: 4
            })
        );
        assert_eq!(m.toolchain.as_ref().unwrap().line, 5);
        assert_eq!(m.require.len(), 2);
        assert!(!m.require[0].indirect && m.require[1].indirect);
        assert_eq!(m.require[1].line, 10);
        assert_eq!(m.exclude[0].version, "v0.9.0");
        assert_eq!(m.replace.len(), 2);
        assert!(m.replace[0].is_directory());
        assert_eq!(m.replace[0].version.as_deref(), Some("v1.0.0"));
        assert!(!m.replace[1].is_directory());
        assert_eq!(m.replace[1].new_version.as_deref(), Some("v1.1.0"));
        let verbs: Vec<_> = m.verbs.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(
            verbs,
            [
                "module",
                "go",
                "toolchain",
                "require",
                "require",
                "exclude",
                "replace",
                "replace",
                "godebug"
            ]
        );
    }

    #[test]
    fn structural_errors_name_their_line() {
        for (text, line) in [
            ("module a\nrequire (\n\tb v1\n", 2),
            ("module a\n)\n", 2),
            ("module \"a\n", 1),
            ("module a\ngo\n", 2),
            ("module a\nreplace b ../b\n", 2),
            ("module `a\n", 1),
        ] {
            assert_eq!(parse(text).unwrap_err().line, line, "{text:?}");
        }
    }

    #[test]
    fn hostile_input_gives_an_error_or_a_value() {
        for text in [
            "(",
            ")",
            "\"\\",
            "`",
            "// only",
            "a ( (",
            "\u{0}\u{ffff}",
            "replace => =>",
            "require \"\\x\"",
        ] {
            let _ = parse(text);
        }
    }
}
