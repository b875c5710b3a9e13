//! The dependency list `cargo auditable` embeds, read from a real auditable binary
//! (fixtures/small/rust-auditable, rebuilt by fixtures/small/rust-src/build.sh from a
//! Cargo.toml that pins itoa 1.0.11).

use std::path::Path;

#[test]
fn reads_the_embedded_dependency_list() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small/rust-auditable");
    let facts = whyrun_facts::inspect_path(&path).unwrap();
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    assert!(facts.go.is_none());
    let rust = facts.rust.expect("no cargo-auditable data");
    let find = |name: &str| rust.packages.iter().find(|p| p.name == name);
    let root = find("auditable-hello").expect("the root crate");
    assert!(root.root);
    assert_eq!(root.version, "0.1.0");
    assert_eq!(root.source, "local");
    let itoa = find("itoa").expect("itoa");
    assert_eq!(
        (itoa.version.as_str(), itoa.source.as_str()),
        ("1.0.11", "crates.io")
    );
    assert_eq!(itoa.kind, "runtime");
    assert!(!itoa.root);
}

#[test]
fn binaries_without_the_section_have_no_rust_facts() {
    let facts = whyrun_facts::inspect_path(Path::new("/bin/sh")).unwrap();
    assert!(facts.rust.is_none());
}
