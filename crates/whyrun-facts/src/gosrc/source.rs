//! The header of one `.go` file as `go/build` reads it: the `//go:build` line, the package
//! clause and the import declarations, each import with its line and column. Reading stops
//! at the first declaration that is not an import. Build constraints are evaluated here
//! for a `BuildContext` (GOOS, GOARCH, cgo, release tags), as are the `_GOOS`/`_GOARCH`
//! file-name suffixes. Never panics; a file that is not Go gives `None`.

/// The settings that select files: `GOOS`, `GOARCH`, cgo, the toolchain's release tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    pub goos: String,
    pub goarch: String,
    pub cgo: bool,
    /// The toolchain's `1.N`: tags `go1.1` … `go1.N` are satisfied. `None` when unknown
    /// (every `go1.N` tag is then taken as satisfied).
    pub go_minor: Option<u32>,
    /// `-tags` from GOFLAGS.
    pub tags: Vec<String>,
}

/// One import declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSpec {
    pub path: String,
    /// Of the string literal, from 1 (as `go build` reports them: `main.go:3:8`).
    pub line: usize,
    pub column: usize,
}

/// What the header of a Go file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// The expression of the `//go:build` line before the package clause.
    pub build: Option<String>,
    pub package: String,
    pub imports: Vec<ImportSpec>,
}

const GOOS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];
const GOARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

impl BuildContext {
    /// Whether a `//go:build` tag is satisfied.
    pub fn tag(&self, tag: &str) -> bool {
        if tag == self.goos || tag == self.goarch || tag == "gc" {
            return true;
        }
        if tag == "unix" {
            return !matches!(self.goos.as_str(), "windows" | "plan9" | "js" | "wasip1");
        }
        if tag == "cgo" {
            return self.cgo;
        }
        if let Some(n) = tag.strip_prefix("go1.") {
            if let Ok(n) = n.parse::<u32>() {
                return self.go_minor.is_none_or(|m| n <= m);
            }
        }
        self.tags.iter().any(|t| t == tag)
    }

    /// Whether a file of this name is built: not `_test.go`, not hidden, and its
    /// `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix (after the first `_`) matches.
    pub fn file_name_matches(&self, name: &str) -> bool {
        let Some(stem) = name.strip_suffix(".go") else {
            return false;
        };
        if stem.ends_with("_test") || name.starts_with('_') || name.starts_with('.') {
            return false;
        }
        let Some(i) = stem.find('_') else {
            return true;
        };
        let parts: Vec<&str> = stem[i..].split('_').collect();
        let n = parts.len();
        let known_os = |s: &str| GOOS.contains(&s);
        let known_arch = |s: &str| GOARCH.contains(&s);
        let os_ok = |s: &str| s == self.goos || (s == "unix" && self.tag("unix"));
        if n >= 2 && known_os(parts[n - 2]) && known_arch(parts[n - 1]) {
            return os_ok(parts[n - 2]) && parts[n - 1] == self.goarch;
        }
        match parts.last() {
            Some(l) if known_os(l) => os_ok(l),
            Some(l) if known_arch(l) => *l == self.goarch,
            _ => true,
        }
    }

    /// Evaluates a `//go:build` expression; a malformed one excludes the file, as the go
    /// command reports it as an error instead of building it.
    pub fn satisfies(&self, expr: &str) -> bool {
        let tokens = constraint_tokens(expr);
        let mut p = ExprParser {
            tokens: &tokens,
            pos: 0,
            ctx: self,
            depth: 0,
        };
        match p.or() {
            Some(v) if p.pos == tokens.len() => v,
            _ => false,
        }
    }
}

fn constraint_tokens(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"&&") || b[i..].starts_with(b"||") {
            out.push(expr[i..i + 2].to_string());
            i += 2;
        } else if matches!(c, b'!' | b'(' | b')') {
            out.push((c as char).to_string());
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(expr[start..i].to_string());
        } else {
            // Not a constraint character: the expression is malformed.
            out.push("?".into());
            i += 1;
        }
    }
    out
}

struct ExprParser<'a> {
    tokens: &'a [String],
    pos: usize,
    ctx: &'a BuildContext,
    depth: usize,
}

impl ExprParser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }
    fn or(&mut self) -> Option<bool> {
        let mut v = self.and()?;
        while self.peek() == Some("||") {
            self.pos += 1;
            v |= self.and()?;
        }
        Some(v)
    }
    fn and(&mut self) -> Option<bool> {
        let mut v = self.not()?;
        while self.peek() == Some("&&") {
            self.pos += 1;
            v &= self.not()?;
        }
        Some(v)
    }
    fn not(&mut self) -> Option<bool> {
        self.depth += 1;
        if self.depth > 100 {
            return None;
        }
        let t = self.peek()?.to_string();
        let r = match t.as_str() {
            "!" => {
                self.pos += 1;
                self.not().map(|v| !v)
            }
            "(" => {
                self.pos += 1;
                let v = self.or()?;
                (self.peek() == Some(")")).then(|| {
                    self.pos += 1;
                    v
                })
            }
            t if t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') =>
            {
                self.pos += 1;
                Some(self.ctx.tag(t))
            }
            _ => None,
        };
        self.depth -= 1;
        r
    }
}

/// A small lexer over Go source: enough for the package clause and imports.
struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    line_start: usize,
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String, usize, usize),
    Punct(char),
    /// A newline or `;` ends a statement.
    End,
    Eof,
}

impl Lexer<'_> {
    /// The next token; line comments before the package clause are offered to `on_comment`.
    fn next(&mut self, on_comment: &mut dyn FnMut(&str)) -> Tok {
        let b = self.src.as_bytes();
        loop {
            let Some(&c) = b.get(self.pos) else {
                return Tok::Eof;
            };
            match c {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                    return Tok::End;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'/' if b.get(self.pos + 1) == Some(&b'/') => {
                    let end = self.src[self.pos..]
                        .find('\n')
                        .map_or(b.len(), |e| self.pos + e);
                    on_comment(&self.src[self.pos..end]);
                    self.pos = end;
                }
                b'/' if b.get(self.pos + 1) == Some(&b'*') => {
                    let rest = &self.src[self.pos + 2..];
                    let end = rest.find("*/").map_or(b.len(), |e| self.pos + 2 + e + 2);
                    for (i, ch) in self.src[self.pos..end].bytes().enumerate() {
                        if ch == b'\n' {
                            self.line += 1;
                            self.line_start = self.pos + i + 1;
                        }
                    }
                    self.pos = end;
                }
                b'"' | b'`' => {
                    let (line, column) = (self.line, self.pos - self.line_start + 1);
                    let start = self.pos + 1;
                    let mut i = start;
                    let mut s = String::new();
                    while let Some(&ch) = b.get(i) {
                        if ch == c {
                            break;
                        }
                        if ch == b'\n' {
                            if c == b'"' {
                                break;
                            }
                            self.line += 1;
                            self.line_start = i + 1;
                        }
                        if ch == b'\\' && c == b'"' {
                            i += 1;
                        }
                        i += 1;
                    }
                    if let Some(raw) = self.src.get(start..i.min(b.len())) {
                        s.push_str(raw);
                    }
                    self.pos = (i + 1).min(b.len());
                    return Tok::Str(s, line, column);
                }
                b';' => {
                    self.pos += 1;
                    return Tok::End;
                }
                c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                    let start = self.pos;
                    while b
                        .get(self.pos)
                        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
                    {
                        self.pos += 1;
                    }
                    return Tok::Ident(self.src.get(start..self.pos).unwrap_or("").to_string());
                }
                _ => {
                    self.pos += 1;
                    return Tok::Punct(c as char);
                }
            }
        }
    }
}

/// Reads the header of a Go file. `None` when it has no package clause.
pub fn parse_header(src: &str) -> Option<FileHeader> {
    let mut lx = Lexer {
        src,
        pos: 0,
        line: 1,
        line_start: 0,
    };
    let mut build = None;
    // Only the comments before the package clause can hold the build line.
    let mut tok = loop {
        let t = lx.next(&mut |c: &str| {
            if let Some(expr) = c.strip_prefix("//go:build") {
                if expr.starts_with([' ', '\t']) && build.is_none() {
                    build = Some(expr.trim().to_string());
                }
            }
        });
        if t != Tok::End {
            break t;
        }
    };
    if tok != Tok::Ident("package".into()) {
        return None;
    }
    let skip = |lx: &mut Lexer<'_>| loop {
        let t = lx.next(&mut |_| {});
        if t != Tok::End {
            return t;
        }
    };
    let Tok::Ident(package) = skip(&mut lx) else {
        return None;
    };
    let mut imports = Vec::new();
    tok = skip(&mut lx);
    while tok == Tok::Ident("import".into()) {
        match skip(&mut lx) {
            Tok::Punct('(') => loop {
                match skip(&mut lx) {
                    Tok::Punct(')') | Tok::Eof => break,
                    Tok::Str(path, line, column) => imports.push(ImportSpec { path, line, column }),
                    // An alias (`name`, `_`, `.`) before the path.
                    Tok::Ident(_) | Tok::Punct('.') => {}
                    _ => break,
                }
            },
            Tok::Str(path, line, column) => imports.push(ImportSpec { path, line, column }),
            Tok::Ident(_) | Tok::Punct('.') => {
                if let Tok::Str(path, line, column) = skip(&mut lx) {
                    imports.push(ImportSpec { path, line, column });
                }
            }
            _ => break,
        }
        tok = skip(&mut lx);
    }
    Some(FileHeader {
        build,
        package,
        imports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::gosrc::tests::ctx;

    #[test]
    fn reads_imports_with_positions_and_the_build_line() {
        let h = parse_header(
            "// Copyright\n\n//go:build linux && !cgo\n\n/* doc */\npackage main\n\nimport \"fmt\"\nimport (\n\t_ \"embed\"\n\tsl \"slices\" // tools\n\t. `math/rand/v2`\n)\nimport x \"iter\"\n\nfunc main() { _ = \"net/http\" }\n",
        )
        .unwrap();
        assert_eq!(h.build.as_deref(), Some("linux && !cgo"));
        assert_eq!(h.package, "main");
        let got: Vec<_> = h
            .imports
            .iter()
            .map(|i| (i.path.as_str(), i.line, i.column))
            .collect();
        assert_eq!(
            got,
            [
                ("fmt", 8, 8),
                ("embed", 10, 4),
                ("slices", 11, 5),
                ("math/rand/v2", 12, 4),
                ("iter", 14, 10)
            ]
        );
    }

    #[test]
    fn a_build_line_after_the_package_clause_does_not_count() {
        let h = parse_header("package p\n//go:build ignore\nimport \"a\"\n").unwrap();
        assert_eq!(h.build, None);
        assert_eq!(parse_header("not go at all"), None);
        for s in [
            "package",
            "package p\nimport (",
            "package p\nimport \"unterminated",
            "\u{80}package",
        ] {
            let _ = parse_header(s);
        }
    }

    #[test]
    fn evaluates_constraints_for_linux_amd64() {
        let c = ctx();
        for (expr, want) in [
            ("linux", true),
            ("!linux", false),
            ("unix && amd64", true),
            ("windows || (linux && arm64)", false),
            ("go1.21 && !go1.23", true),
            ("cgo", false),
            ("ignore", false),
            ("linux &&", false),
            ("((linux)", false),
        ] {
            assert_eq!(c.satisfies(expr), want, "{expr}");
        }
        assert!(!c.satisfies(&"(".repeat(10_000)));
    }

    #[test]
    fn file_names_select_goos_and_goarch() {
        let c = ctx();
        for (name, want) in [
            ("main.go", true),
            ("linux.go", true),
            ("x_linux.go", true),
            ("x_windows.go", false),
            ("x_arm64.go", false),
            ("x_linux_amd64.go", true),
            ("x_linux_arm64.go", false),
            ("x_test.go", false),
            ("_x.go", false),
            ("x_unix.go", true),
            ("x.s", false),
        ] {
            assert_eq!(c.file_name_matches(name), want, "{name}");
        }
    }
}
