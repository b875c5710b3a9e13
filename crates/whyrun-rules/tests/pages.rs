//! The rule pages in `docs/rules/` are the rules' own doc comments: each `CODE.md` is
//! `Meta::page()` of its rule, the index lists every rule, and no page is left for a rule
//! that is gone. `WHYRUN_BLESS_DOCS=1` writes them; without it this test fails when they
//! are stale.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

fn expected() -> BTreeMap<String, String> {
    let mut metas: Vec<_> = whyrun_rules::RULES.iter().map(|r| r.meta()).collect();
    metas.sort_by_key(|m| (m.family, m.code));
    let mut pages: BTreeMap<String, String> = metas
        .iter()
        .map(|m| (format!("{}.md", m.code), m.page()))
        .collect();
    let mut index = String::from(
        "<!-- Written by `WHYRUN_BLESS_DOCS=1 cargo test -p whyrun-rules --test pages`. -->\n\n# whyrun's rules\n\nEach page is the rule's own documentation, as `whyrun rule CODE` prints it.\n",
    );
    let mut family = None;
    for m in &metas {
        if family != Some(m.family) {
            index.push_str(&format!(
                "\n## {}\n\n| code | name | severity | what it finds |\n|---|---|---|---|\n",
                m.family.name()
            ));
            family = Some(m.family);
        }
        index.push_str(&format!(
            "| [{c}]({c}.md) | {} | {} | {} |\n",
            m.name,
            m.severity.label(),
            m.summary.replace('|', "\\|"),
            c = m.code
        ));
    }
    pages.insert("README.md".into(), index);
    pages
}

#[test]
fn rule_pages_are_current() {
    let dir = dir();
    let want = expected();
    if std::env::var_os("WHYRUN_BLESS_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !want.contains_key(&name) {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
        for (name, text) in &want {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &want {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !want.contains_key(&name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale ({}): run `WHYRUN_BLESS_DOCS=1 cargo test -p whyrun-rules --test pages`",
        stale.join(", ")
    );
}

/// Every SARIF `helpUri` names the page of its rule, and the page exists.
#[test]
fn help_uris_name_the_pages() {
    for r in whyrun_rules::RULES {
        let m = r.meta();
        let uri = m.help_uri();
        assert!(
            uri.ends_with(&format!("/blob/main/docs/rules/{}.md", m.code)),
            "{uri}"
        );
        // While the pages are being written (the other test, at the same time) they may
        // not exist yet.
        let blessing = std::env::var_os("WHYRUN_BLESS_DOCS").is_some();
        assert!(
            blessing || dir().join(format!("{}.md", m.code)).is_file(),
            "no page for {}: run `WHYRUN_BLESS_DOCS=1 cargo test -p whyrun-rules --test pages`",
            m.code
        );
    }
}
