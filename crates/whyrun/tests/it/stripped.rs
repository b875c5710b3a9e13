//! Stripped Go binaries: `-s -w`, and copies with their section headers removed, still
//! yield the Go version, the build info and the set of linked packages.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures;

/// Writes a copy of an ELF64/ELF32 little-endian file with e_shoff, e_shnum and e_shstrndx
/// zeroed, as `strip --strip-section-headers` or sstrip leave it.
fn without_section_headers(src: &Path, dir: &Path) -> PathBuf {
    let mut b = std::fs::read(src).unwrap();
    assert_eq!(&b[..4], b"\x7fELF");
    assert_eq!(b[5], 1, "the fixtures are little-endian");
    if b[4] == 2 {
        b[40..48].fill(0); // e_shoff
        b[60..64].fill(0); // e_shnum, e_shstrndx
    } else {
        b[32..36].fill(0);
        b[48..52].fill(0);
    }
    let out = dir.join(src.file_name().unwrap());
    std::fs::write(&out, b).unwrap();
    out
}

fn go_core(facts: &Value) -> (Value, Value, Value) {
    let go = &facts["go"];
    (
        go["version"].clone(),
        go["build_info"].clone(),
        go["symtab"]["packages"].clone(),
    )
}

#[test]
fn every_go_fixture_survives_losing_its_section_headers() {
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures::built_of_kind("go") {
        let original = fixtures::facts(&f.path);
        let copy = without_section_headers(&f.path, dir.path());
        let bare = fixtures::facts(&copy);
        assert_eq!(bare["elf"]["section_headers"], false);
        let (v, bi, pkgs) = go_core(&original);
        assert!(
            pkgs.as_array().is_some_and(|p| p.len() > 10),
            "{}: packages {pkgs}",
            f.name
        );
        assert_eq!(
            go_core(&bare),
            (v, bi, pkgs),
            "{}: facts changed without section headers",
            f.name
        );
    }
}

#[test]
fn ldflags_s_w_keeps_build_info_and_packages() {
    let go = fixtures::built_of_kind("go");
    let stripped = go
        .iter()
        .find(|f| {
            (f.name.contains("-sw") || f.name.contains("stripped")) && !f.name.contains("noshdr")
        })
        .expect("a -s -w Go fixture");
    let facts = fixtures::facts(&stripped.path);
    assert_eq!(facts["elf"]["stripped"], true);
    assert_eq!(facts["elf"]["debug_info"], false);
    let bi = &facts["go"]["build_info"];
    // Under -trimpath the toolchain does not record -ldflags, so `-s -w` shows only in the
    // ELF: no .symtab, no DWARF.
    assert_eq!(bi["typed"]["trimpath"], true, "{bi}");
    assert!(bi["typed"]["ldflags"].is_null(), "{bi}");
    let packages = facts["go"]["symtab"]["packages"].as_array().unwrap();
    for p in ["github.com/gin-gonic/gin", "net/http", "runtime"] {
        assert!(
            packages.iter().any(|x| x == p),
            "{p} missing from {}",
            stripped.name
        );
    }
}
