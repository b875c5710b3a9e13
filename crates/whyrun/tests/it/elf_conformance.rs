//! Every built fixture (C and Go) and a few of this machine's own binaries: needed
//! libraries, interpreter, SONAME, RPATH/RUNPATH, required symbol versions and the symbols
//! bound to each, as `whyrun inspect --json` reports them against `readelf`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::fixtures::{self, run};

#[derive(Debug, Default, PartialEq, Eq)]
struct DynamicFacts {
    class: String,
    endian: String,
    interpreter: Option<String>,
    needed: Vec<String>,
    soname: Option<String>,
    rpath: Option<String>,
    runpath: Option<String>,
    /// library -> [(version, weak)]
    version_needs: BTreeMap<String, BTreeSet<(String, bool)>>,
    /// version -> symbols bound to it
    symbols: BTreeMap<String, BTreeSet<String>>,
}

fn bracketed(line: &str) -> String {
    let start = line.find('[').unwrap() + 1;
    let end = line.rfind(']').unwrap();
    line[start..end].to_string()
}

/// The same facts, from readelf's own output.
fn readelf(file: &Path) -> DynamicFacts {
    let f = file.to_str().unwrap();
    let mut out = DynamicFacts::default();
    let header = run("readelf", &["-hW", f]);
    for line in header.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("Class:") {
            out.class = v.trim().to_string();
        }
        if let Some(v) = line.strip_prefix("Data:") {
            out.endian = if v.contains("little") {
                "little"
            } else {
                "big"
            }
            .into();
        }
    }
    for line in run("readelf", &["-lW", f]).lines() {
        if line.contains("Requesting program interpreter") {
            out.interpreter = Some(
                line.trim()
                    .trim_start_matches("[Requesting program interpreter: ")
                    .trim_end_matches(']')
                    .to_string(),
            );
        }
    }
    for line in run("readelf", &["-dW", f]).lines() {
        if line.contains("(NEEDED)") {
            out.needed.push(bracketed(line));
        } else if line.contains("(SONAME)") {
            out.soname = Some(bracketed(line));
        } else if line.contains("(RPATH)") {
            out.rpath = Some(bracketed(line));
        } else if line.contains("(RUNPATH)") {
            out.runpath = Some(bracketed(line));
        }
    }
    let versions = run("readelf", &["-VW", f]);
    let mut in_needs = false;
    let mut library = String::new();
    for line in versions.lines() {
        if line.starts_with("Version needs section") {
            in_needs = true;
            continue;
        }
        if line.starts_with("Version ") {
            in_needs = false;
        }
        if !in_needs {
            continue;
        }
        if let Some(rest) = line.split("File: ").nth(1) {
            library = rest.split_whitespace().next().unwrap().to_string();
            out.version_needs.entry(library.clone()).or_default();
        } else if let Some(rest) = line.split("Name: ").nth(1) {
            let name = rest.split_whitespace().next().unwrap().to_string();
            let weak = line
                .split("Flags: ")
                .nth(1)
                .is_some_and(|f| f.starts_with("WEAK"));
            out.version_needs
                .get_mut(&library)
                .unwrap()
                .insert((name, weak));
        }
    }
    // `name@VERSION (N)` marks a symbol bound to a required version.
    for line in run("readelf", &["-W", "--dyn-syms", f]).lines() {
        let Some(last) = line
            .split_whitespace()
            .collect::<Vec<_>>()
            .get(7..)
            .map(|v| v.join(" "))
        else {
            continue;
        };
        if !last.ends_with(')') || !last.contains(" (") {
            continue;
        }
        let sym = last.split(" (").next().unwrap();
        if let Some((name, version)) = sym.split_once('@') {
            if !version.starts_with('@') {
                out.symbols
                    .entry(version.to_string())
                    .or_default()
                    .insert(name.to_string());
            }
        }
    }
    out
}

fn opt(v: &Value) -> Option<String> {
    v.as_str().map(String::from)
}

fn from_whyrun(facts: &Value) -> DynamicFacts {
    let e = &facts["elf"];
    let mut out = DynamicFacts {
        class: e["class"].as_str().unwrap().to_string(),
        endian: e["endian"].as_str().unwrap().to_string(),
        interpreter: opt(&e["interpreter"]),
        needed: e["needed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        soname: opt(&e["soname"]),
        rpath: opt(&e["rpath"]),
        runpath: opt(&e["runpath"]),
        ..Default::default()
    };
    for need in e["version_needs"].as_array().unwrap() {
        let lib = need["library"].as_str().unwrap().to_string();
        let set = out.version_needs.entry(lib).or_default();
        for v in need["versions"].as_array().unwrap() {
            let name = v["name"].as_str().unwrap().to_string();
            set.insert((name.clone(), v["weak"].as_bool().unwrap()));
            for s in v["symbols"].as_array().unwrap() {
                out.symbols
                    .entry(name.clone())
                    .or_default()
                    .insert(s.as_str().unwrap().to_string());
            }
        }
    }
    out
}

fn compare(files: &[PathBuf]) -> usize {
    let paths: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let (json, code) = fixtures::inspect_json(&paths);
    assert_eq!(code, 0, "{json}");
    let mut with_versions = 0;
    for (i, file) in files.iter().enumerate() {
        let facts = &json["files"][i]["facts"];
        let ours = from_whyrun(facts);
        let real = readelf(file);
        assert_eq!(
            ours,
            real,
            "{}: whyrun and readelf disagree",
            file.display()
        );
        if !real.version_needs.is_empty() {
            with_versions += 1;
        }
    }
    with_versions
}

#[test]
fn every_fixture_matches_readelf() {
    let files: Vec<PathBuf> = fixtures::built()
        .into_iter()
        .filter(|f| !f.name.ends_with("noshdr"))
        .map(|f| f.path)
        .collect();
    let with_versions = compare(&files);
    assert!(
        with_versions >= 5,
        "only {with_versions} fixtures need symbol versions"
    );
}

#[test]
fn c_fixtures_cover_what_the_loader_reads() {
    let c = fixtures::built_of_kind("c");
    let facts: Vec<Value> = c.iter().map(|f| fixtures::facts(&f.path)).collect();
    let any = |pred: &dyn Fn(&Value) -> bool| facts.iter().any(pred);
    assert!(
        any(&|f| f["elf"]["runpath"].as_str() == Some("$ORIGIN/lib")),
        "a RUNPATH $ORIGIN/lib fixture"
    );
    assert!(any(&|f| f["elf"]["rpath"].is_string()), "an RPATH fixture");
    assert!(
        any(&|f| f["elf"]["interpreter"].as_str() == Some("/lib/ld-musl-x86_64.so.1")),
        "a musl fixture"
    );
    assert!(
        any(&|f| f["elf"]["machine"]["name"] == "aarch64"),
        "an aarch64 fixture"
    );
    assert!(
        any(&|f| f["elf"]["linkage"] == "static"),
        "a static fixture"
    );
    assert!(
        any(&|f| f["elf"]["file_type"] == "static-pie"),
        "a static-pie fixture"
    );
    assert!(
        any(&|f| f["elf"]["x86_isa_needed"]["level"] == "x86-64-v3"),
        "an x86-64-v3 fixture"
    );
    assert!(
        any(&|f| f["elf"]["max_versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["family"] == "GLIBCXX")),
        "a C++ fixture needing GLIBCXX"
    );
}

/// The machine's own binaries: a different compiler, options and age than the fixtures.
#[test]
fn system_binaries_match_readelf() {
    let candidates = [
        "/usr/bin/ls",
        "/usr/bin/bash",
        "/usr/bin/readelf",
        "/usr/bin/python3",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
    ];
    let files: Vec<PathBuf> = candidates
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap())
        .collect();
    let with_versions = compare(&files);
    assert_eq!(with_versions, files.len());
}

/// The ISA-level note, minimum kernel and build-id against `readelf -n`.
#[test]
fn notes_match_readelf() {
    for f in fixtures::built_of_kind("c") {
        let facts = fixtures::facts(&f.path);
        let notes = run("readelf", &["-nW", f.path.to_str().unwrap()]);
        let build_id = notes
            .lines()
            .find_map(|l| l.split("Build ID: ").nth(1))
            .map(|s| s.trim().to_string());
        assert_eq!(
            opt(&facts["elf"]["build_id"]),
            build_id,
            "{} build-id",
            f.name
        );
        let kernel = notes
            .lines()
            .find_map(|l| l.split("OS: Linux, ABI: ").nth(1))
            .map(|s| s.trim().to_string());
        assert_eq!(
            opt(&facts["elf"]["abi_tag"]["kernel"]),
            kernel,
            "{} ABI tag",
            f.name
        );
        // readelf lists every level bit set: `x86 ISA needed: x86-64-baseline, x86-64-v3`.
        let levels: Vec<String> = notes
            .lines()
            .find_map(|l| l.split("x86 ISA needed: ").nth(1))
            .map(|s| s.split(", ").map(|x| x.trim().to_string()).collect())
            .unwrap_or_default();
        let ours: Vec<String> = facts["elf"]["x86_isa_needed"]["levels"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!(ours, levels, "{} ISA levels", f.name);
    }
}
