//! The ```text block under a rule's `## Example`: read from the documentation `whyrun rule
//! CODE` prints, and rewritten in the rule's source file (`crates/whyrun-rules/src/rules/`)
//! when the examples are blessed. Only the lines of that block are touched.

use std::path::PathBuf;

use crate::fixtures::repo;

const FENCE: &str = "```text";

/// The ```text block of the `## Example` section of `code`'s documentation, without its
/// fences; `None` when the section has none.
pub fn example(code: &str) -> Option<String> {
    let docs = whyrun_rules::rule(code)
        .unwrap_or_else(|| panic!("no rule {code}"))
        .meta()
        .docs_markdown();
    let section = docs.split("\n## ").find(|s| s.starts_with("Example"))?;
    let mut lines = section.lines().skip_while(|l| l.trim() != FENCE).skip(1);
    let mut block = Vec::new();
    for line in lines.by_ref() {
        if line.trim() == "```" {
            return Some(block.join("\n"));
        }
        block.push(line);
    }
    None
}

/// The source file of the rule whose code is `code`.
fn source_of(code: &str) -> PathBuf {
    let dir = repo().join("crates/whyrun-rules/src/rules");
    let marker = format!("code: \"{code}\",");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs")
            && std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .any(|l| l.trim() == marker)
        {
            found.push(path);
        }
    }
    assert_eq!(
        found.len(),
        1,
        "{code}: expected one file in {} with `{marker}`, found {found:?}",
        dir.display()
    );
    found.remove(0)
}

/// Replaces the ```text block under `## Example` in `code`'s source file with `text`,
/// keeping the prose around it.
pub fn rewrite_example(code: &str, text: &str) {
    let path = source_of(code);
    let source = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    fn doc(l: &str) -> Option<&str> {
        l.trim_start().strip_prefix("///").map(str::trim)
    }
    let heading = lines
        .iter()
        .position(|l| doc(l) == Some("## Example"))
        .unwrap_or_else(|| panic!("{}: no `/// ## Example`", path.display()));
    let open = heading
        + lines[heading..]
            .iter()
            .position(|l| doc(l) == Some(FENCE))
            .unwrap_or_else(|| panic!("{}: no ```text under ## Example", path.display()));
    let close = open
        + 1
        + lines[open + 1..]
            .iter()
            .position(|l| doc(l) == Some("```"))
            .unwrap_or_else(|| panic!("{}: the ```text block is not closed", path.display()));
    let indent = &lines[open][..lines[open].len() - lines[open].trim_start().len()];
    let mut out: Vec<String> = lines[..=open].iter().map(|l| l.to_string()).collect();
    for line in text.trim_end().lines() {
        out.push(match line.is_empty() {
            true => format!("{indent}///"),
            false => format!("{indent}/// {line}"),
        });
    }
    out.extend(lines[close..].iter().map(|l| l.to_string()));
    let mut new = out.join("\n");
    if source.ends_with('\n') {
        new.push('\n');
    }
    if new != source {
        std::fs::write(&path, new).unwrap();
    }
}
