//! The module info text, parsed as `runtime/debug.ParseBuildInfo` does: `path`, `mod`,
//! `dep`, `=>` and `build` lines, with Go's quoting rules for keys and values.

use super::*;

/// The module info lines, parsed.
#[derive(Debug, Default)]
pub(crate) struct ParsedModinfo {
    pub path: Option<String>,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    pub settings: Vec<BuildSetting>,
    /// Lines that did not parse, `line N: why`.
    pub errors: Vec<String>,
}

/// Which module the next `=>` line replaces.
#[derive(Clone, Copy)]
enum Last {
    None,
    Main,
    Dep(usize),
}

/// `runtime/debug.ParseBuildInfo`, except that a bad line is recorded and skipped rather
/// than failing the whole text. A final line without a newline is ignored, as Go does.
pub(crate) fn parse_modinfo(data: &[u8]) -> ParsedModinfo {
    let mut out = ParsedModinfo::default();
    let mut last = Last::None;
    let mut rest = data;
    let mut line_num = 0usize;
    while let Some(nl) = rest.iter().position(|&c| c == b'\n') {
        let line = &rest[..nl];
        rest = &rest[nl + 1..];
        line_num += 1;
        let mut fail = |why: String| out.errors.push(format!("line {line_num}: {why}"));
        if let Some(p) = line.strip_prefix(b"path\t") {
            out.path = Some(lossy(p));
        } else if let Some(m) = line.strip_prefix(b"mod\t") {
            match module_line(m) {
                Ok(m) => {
                    out.main = Some(m);
                    last = Last::Main;
                }
                Err(e) => fail(e),
            }
        } else if let Some(m) = line.strip_prefix(b"dep\t") {
            match module_line(m) {
                Ok(m) => {
                    out.deps.push(m);
                    last = Last::Dep(out.deps.len() - 1);
                }
                Err(e) => fail(e),
            }
        } else if let Some(r) = line.strip_prefix(b"=>\t") {
            let elem: Vec<&[u8]> = r.split(|&c| c == b'\t').collect();
            if elem.len() != 3 {
                fail(format!(
                    "expected 3 columns for replacement; got {}",
                    elem.len()
                ));
                continue;
            }
            let replacement = Box::new(Module {
                path: lossy(elem[0]),
                version: lossy(elem[1]),
                sum: non_empty(elem[2]),
                replace: None,
            });
            match last {
                Last::None => fail("replacement with no module on previous line".into()),
                Last::Main => {
                    if let Some(m) = out.main.as_mut() {
                        m.replace = Some(replacement);
                    }
                }
                Last::Dep(i) => out.deps[i].replace = Some(replacement),
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix(b"build\t") {
            match build_line(kv) {
                Ok(s) => out.settings.push(s),
                Err(e) => fail(e),
            }
        }
    }
    out
}

pub(super) fn module_line(m: &[u8]) -> Result<Module, String> {
    let elem: Vec<&[u8]> = m.split(|&c| c == b'\t').collect();
    if elem.len() != 2 && elem.len() != 3 {
        return Err(format!("expected 2 or 3 columns; got {}", elem.len()));
    }
    Ok(Module {
        path: lossy(elem[0]),
        version: lossy(elem[1]),
        sum: elem.get(2).and_then(|s| non_empty(s)),
        replace: None,
    })
}

pub(super) fn build_line(kv: &[u8]) -> Result<BuildSetting, String> {
    let Some(&first) = kv.first() else {
        return Err("build line missing '='".into());
    };
    let (key, raw_value) = match first {
        b'=' => return Err("build line with missing key".into()),
        b'`' | b'"' => {
            let n = quoted_prefix(kv).ok_or("invalid quoted key in build line")?;
            match kv.get(n) {
                None => return Err("build line missing '=' after quoted key".into()),
                Some(b'=') => {}
                Some(&c) => {
                    return Err(format!(
                        "unexpected character after quoted key: {:?}",
                        c as char
                    ))
                }
            }
            let key = unquote(&kv[..n]).ok_or("invalid quoted key in build line")?;
            (key, &kv[n + 1..])
        }
        _ => {
            let eq = kv
                .iter()
                .position(|&c| c == b'=')
                .ok_or("build line missing '=' after key")?;
            let key = &kv[..eq];
            if needs_quote_key(key) {
                return Err(format!("unquoted key {} must be quoted", quote_short(key)));
            }
            (key.to_vec(), &kv[eq + 1..])
        }
    };
    let value = match raw_value.first() {
        None => Vec::new(),
        Some(b'`' | b'"') => unquote(raw_value).ok_or("invalid quoted value in build line")?,
        Some(_) => {
            if needs_quote_value(raw_value) {
                return Err(format!(
                    "unquoted value {} must be quoted",
                    quote_short(raw_value)
                ));
            }
            raw_value.to_vec()
        }
    };
    Ok(BuildSetting {
        key: lossy(&key),
        value: lossy(&value),
    })
}

pub(super) fn needs_quote_key(k: &[u8]) -> bool {
    k.is_empty() || k.iter().any(|c| b"= \t\r\n\"`".contains(c))
}

pub(super) fn needs_quote_value(v: &[u8]) -> bool {
    v.iter().any(|c| b" \t\r\n\"`".contains(c))
}

/// `strconv.QuotedPrefix`: the length of the quoted string at the start of `s`.
pub(super) fn quoted_prefix(s: &[u8]) -> Option<usize> {
    match *s.first()? {
        b'`' => {
            let end = s[1..].iter().position(|&c| c == b'`')?;
            Some(end + 2)
        }
        b'"' => {
            let mut i = 1;
            while i < s.len() {
                match s[i] {
                    b'"' => {
                        unquote(&s[..=i])?;
                        return Some(i + 1);
                    }
                    b'\n' => return None,
                    b'\\' => i += 2,
                    _ => i += 1,
                }
            }
            None
        }
        _ => None,
    }
}

/// `strconv.Unquote` for double-quoted and back-quoted strings.
pub(super) fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() < 2 {
        return None;
    }
    let (quote, inner) = (s[0], &s[1..s.len() - 1]);
    if s[s.len() - 1] != quote {
        return None;
    }
    match quote {
        b'`' => {
            if inner.contains(&b'`') {
                return None;
            }
            Some(inner.iter().copied().filter(|&c| c != b'\r').collect())
        }
        b'"' => {
            let mut out = Vec::with_capacity(inner.len());
            let mut i = 0;
            while i < inner.len() {
                let c = inner[i];
                match c {
                    b'"' | b'\n' => return None,
                    b'\\' => {
                        let e = *inner.get(i + 1)?;
                        i += 2;
                        match e {
                            b'a' => out.push(7),
                            b'b' => out.push(8),
                            b'f' => out.push(12),
                            b'n' => out.push(b'\n'),
                            b'r' => out.push(b'\r'),
                            b't' => out.push(b'\t'),
                            b'v' => out.push(11),
                            b'\\' => out.push(b'\\'),
                            b'"' => out.push(b'"'),
                            b'x' => {
                                out.push(u8::try_from(hex_digits(inner.get(i..i + 2)?)?).ok()?);
                                i += 2;
                            }
                            b'0'..=b'7' => {
                                let digits = inner.get(i - 1..i + 2)?;
                                let mut v = 0u32;
                                for &d in digits {
                                    if !(b'0'..=b'7').contains(&d) {
                                        return None;
                                    }
                                    v = v * 8 + u32::from(d - b'0');
                                }
                                out.push(u8::try_from(v).ok()?);
                                i += 2;
                            }
                            b'u' | b'U' => {
                                let n = if e == b'u' { 4 } else { 8 };
                                let v = hex_digits(inner.get(i..i + n)?)?;
                                let ch = char::from_u32(v)?;
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                i += n;
                            }
                            _ => return None,
                        }
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            Some(out)
        }
        _ => None,
    }
}

pub(super) fn hex_digits(d: &[u8]) -> Option<u32> {
    d.iter()
        .try_fold(0u32, |v, &c| Some(v * 16 + char::from(c).to_digit(16)?))
}
