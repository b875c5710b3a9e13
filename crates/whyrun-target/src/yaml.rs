//! A YAML document read into a small tree that keeps, for every node, its line and, for
//! every scalar, its text as written and whether it was plain: what the Kubernetes and
//! Compose readers need to resolve values the way their own tools do and to name the line
//! of a bad value. It owns no meaning of any key.
//!
//! The events come from `saphyr-parser`, chosen after comparing the successors of the
//! archived `serde_yaml` (its repository was archived in March 2024, version 0.9.34):
//! - `serde_yml`: flagged deprecated on crates.io (0.0.13) after unsound releases; out.
//! - `serde_yaml_ng` (0.10) and `serde_norway` (0.9.42): maintained forks of serde_yaml,
//!   over libyaml ported to Rust (`unsafe-libyaml`, `unsafe-libyaml-norway`); they resolve
//!   scalars by the YAML 1.2 core schema when deserializing and only report lines in errors.
//! - `yaml-rust2` (0.13) and `saphyr` / `saphyr-parser` (0.3.4, 2025): pure Rust, passing
//!   the YAML test suite, by the same maintainers (saphyr is yaml-rust2's successor).
//!   `saphyr-parser` gives the raw event stream with a span on every event, the scalar's
//!   text and its style, untouched by any schema.
//!
//! Kubernetes reads manifests with sigs.k8s.io/yaml (go-yaml v2 underneath), which follows
//! YAML 1.1 for integers: `0400` is octal (256) and `0x1F` hexadecimal; a 1.2 schema would
//! read `0400` as 400. The raw text is therefore kept and [`int_yaml11`] resolves it;
//! none of the serde forks keeps it.
//!
//! Aliases are expanded by copy under a node budget (a "billion laughs" document stops
//! with an error, it does not grow memory); nesting is bounded too.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// The most nodes one file may expand to (aliases included).
const MAX_NODES: usize = 200_000;
/// The deepest nesting accepted.
const MAX_DEPTH: usize = 128;
/// The most bytes of scalar text one file may expand to (aliases included).
const MAX_BYTES: usize = 64 << 20;

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line where the node starts.
    pub line: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A scalar as written, and whether it was plain (unquoted, not a block).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A syntax error at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub message: String,
}

impl Node {
    /// The scalar's text, when this is a scalar that is not YAML null.
    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { text, plain } if !(*plain && is_null(text)) => Some(text),
            _ => None,
        }
    }

    /// Whether this is YAML null (`~`, `null`, empty).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { text, plain: true } if is_null(text))
    }

    /// The value of `key` in a mapping (the last one wins, as in go-yaml's map decoding);
    /// merge keys (`<<`) are searched after the mapping's own keys.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let Kind::Map(entries) = &self.kind else {
            return None;
        };
        if let Some((_, v)) = entries
            .iter()
            .rev()
            .find(|(k, _)| k.str() == Some(key) && k.str() != Some("<<"))
        {
            return Some(v);
        }
        for (k, v) in entries {
            if k.str() != Some("<<") {
                continue;
            }
            let found = match &v.kind {
                Kind::Map(_) => v.get(key),
                Kind::Seq(items) => items.iter().find_map(|m| m.get(key)),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The mapping's entries (merged ones after its own), keys as text.
    pub fn entries(&self) -> Vec<(&str, &Node)> {
        let Kind::Map(entries) = &self.kind else {
            return Vec::new();
        };
        let mut out: Vec<(&str, &Node)> = Vec::new();
        for (k, v) in entries {
            match k.str() {
                Some("<<") => {}
                Some(k) => out.push((k, v)),
                None => {}
            }
        }
        for (k, v) in entries {
            if k.str() == Some("<<") {
                let merged = match &v.kind {
                    Kind::Seq(items) => items.iter().flat_map(|m| m.entries()).collect(),
                    _ => v.entries(),
                };
                for (mk, mv) in merged {
                    if !out.iter().any(|(k, _)| *k == mk) {
                        out.push((mk, mv));
                    }
                }
            }
        }
        out
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, Kind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, Kind::Seq(_))
    }

    /// A boolean as YAML 1.1 (go-yaml v2) reads a plain scalar: `true/false`, `yes/no`,
    /// `on/off`, `y/n` in any of their usual cases.
    pub fn bool_yaml11(&self) -> Option<bool> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y"
                | "Y" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
                | "N" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// An integer as YAML 1.1 reads a plain scalar (see [`int_yaml11`]).
    pub fn int_yaml11(&self) -> Option<i64> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => int_yaml11(text),
            _ => None,
        }
    }

    /// A plain scalar as YAML 1.2's core schema reads an integer (Compose's reader):
    /// decimal, `0o` octal, `0x` hexadecimal.
    pub fn int_yaml12(&self) -> Option<i64> {
        match &self.kind {
            Kind::Scalar { text, plain: true } => {
                let t = text.as_str();
                let (neg, t) = match t.strip_prefix('-') {
                    Some(r) => (true, r),
                    None => (false, t.strip_prefix('+').unwrap_or(t)),
                };
                let v = if let Some(o) = t.strip_prefix("0o") {
                    i64::from_str_radix(o, 8).ok()?
                } else if let Some(h) = t.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).ok()?
                } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                    t.parse().ok()?
                } else {
                    return None;
                };
                Some(if neg { -v } else { v })
            }
            _ => None,
        }
    }
}

fn is_null(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

/// An integer as YAML 1.1 (and go-yaml v2, which sigs.k8s.io/yaml uses) resolves a plain
/// scalar: `0b1010` binary, `0x1F` hexadecimal, a leading `0` octal (`0400` = 256), `_`
/// separators ignored, else decimal. A leading `0` that is not octal (`08`) is read as
/// decimal, as go-yaml's float fallback does (kubernetes/kubernetes#33475: "8 or 08 is a
/// decimal number, and it's read like that"). `None` for anything else.
pub fn int_yaml11(text: &str) -> Option<i64> {
    let t: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
    };
    if t.is_empty() {
        return None;
    }
    let v = if let Some(b) = t.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = t.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = t.strip_prefix("0o") {
        // Go's strconv.ParseInt with base 0, which go-yaml tries first, takes `0o`.
        i64::from_str_radix(o, 8).ok()?
    } else if t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit()) {
        i64::from_str_radix(&t[1..], 8)
            .ok()
            .or_else(|| t.parse().ok())?
    } else if t.bytes().all(|b| b.is_ascii_digit()) {
        t.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

enum Open {
    Seq(usize, usize, Vec<Node>),
    /// anchor, line, entries, a key waiting for its value
    Map(usize, usize, Vec<(Node, Node)>, Option<Node>),
}

/// Every document of `text`, in order. A syntax error ends the stream: the documents
/// read before it are not returned, the error names its line.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut count = 0usize;
    let mut bytes = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| YamlError {
            line: e.marker().line(),
            message: e.info().to_string(),
        })?;
        let line = span.start.line();
        let done: Option<(usize, Node)> = match ev {
            Event::Scalar(v, style, anchor, _tag) => {
                count += 1;
                bytes += v.len();
                Some((
                    anchor,
                    Node {
                        line,
                        kind: Kind::Scalar {
                            text: v.into_owned(),
                            plain: style == ScalarStyle::Plain,
                        },
                    },
                ))
            }
            Event::Alias(id) => {
                let n = anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    line,
                    message: "an alias names an unknown anchor".into(),
                })?;
                let (nodes, text) = size(&n);
                count += nodes;
                bytes += text;
                if bytes > MAX_BYTES {
                    return Err(YamlError {
                        line,
                        message: format!("aliases expand to more than {MAX_BYTES} bytes of text"),
                    });
                }
                Some((0, n))
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Open::Seq(anchor, line, Vec::new()));
                None
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Open::Map(anchor, line, Vec::new(), None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(a, l, items)) => Some((
                    a,
                    Node {
                        line: l,
                        kind: Kind::Seq(items),
                    },
                )),
                Some(Open::Map(a, l, entries, _)) => Some((
                    a,
                    Node {
                        line: l,
                        kind: Kind::Map(entries),
                    },
                )),
                None => None,
            },
            _ => None,
        };
        if count > MAX_NODES {
            return Err(YamlError {
                line,
                message: format!("more than {MAX_NODES} nodes (aliases expanded)"),
            });
        }
        if stack.len() > MAX_DEPTH {
            return Err(YamlError {
                line,
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
        }
        let Some((anchor, node)) = done else {
            continue;
        };
        if anchor > 0 {
            anchors.insert(anchor, node.clone());
        }
        match stack.last_mut() {
            None => docs.push(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
    Ok(docs)
}

/// A node's count of nodes and bytes of scalar text.
fn size(n: &Node) -> (usize, usize) {
    let add = |a: (usize, usize), b: (usize, usize)| (a.0 + b.0, a.1 + b.1);
    match &n.kind {
        Kind::Scalar { text, .. } => (1, text.len()),
        Kind::Seq(items) => items.iter().map(size).fold((1, 0), add),
        Kind::Map(e) => e
            .iter()
            .map(|(k, v)| add(size(k), size(v)))
            .fold((1, 0), add),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_yaml_1_1() {
        assert_eq!(int_yaml11("0400"), Some(256));
        assert_eq!(int_yaml11("0644"), Some(420));
        assert_eq!(int_yaml11("420"), Some(420));
        assert_eq!(int_yaml11("0x1F"), Some(31));
        assert_eq!(int_yaml11("0b101"), Some(5));
        assert_eq!(int_yaml11("1_000"), Some(1000));
        assert_eq!(int_yaml11("08"), Some(8));
        assert_eq!(int_yaml11("0_400"), Some(256));
        assert_eq!(int_yaml11("0o400"), Some(256));
        assert_eq!(int_yaml11("0"), Some(0));
        assert_eq!(int_yaml11("abc"), None);
    }

    #[test]
    fn a_document_keeps_lines_text_and_style() {
        let docs = parse("a: 0400\nb: '0400'\n---\nc: [1, 2]\n").unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        assert_eq!(a.line, 1);
        assert_eq!(a.int_yaml11(), Some(256));
        let b = docs[0].get("b").unwrap();
        assert_eq!(b.line, 2);
        assert_eq!(b.int_yaml11(), None);
        assert_eq!(b.str(), Some("0400"));
        assert_eq!(docs[1].get("c").unwrap().items().len(), 2);
        assert_eq!(docs[1].line, 4);
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs =
            parse("x: &c\n  user: app\n  read_only: true\ns:\n  <<: *c\n  user: web\n").unwrap();
        let s = docs[0].get("s").unwrap();
        assert_eq!(s.get("user").unwrap().str(), Some("web"));
        assert_eq!(s.get("read_only").unwrap().bool_yaml11(), Some(true));
        assert_eq!(s.entries().len(), 2);
    }

    #[test]
    fn errors_name_their_line_and_laughs_stop() {
        let e = parse("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let mut t = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            t.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        assert!(parse(&t).unwrap_err().message.contains("nodes"));
        // Few nodes, many bytes: a long scalar aliased many times.
        let mut t = format!("a: &a {}\nb: [", "x".repeat(1 << 20));
        for _ in 0..100 {
            t.push_str("*a, ");
        }
        t.push_str("*a]\n");
        assert!(parse(&t).unwrap_err().message.contains("bytes"));
    }
}
