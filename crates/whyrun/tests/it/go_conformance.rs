//! Every Go fixture: `whyrun inspect --json` against the real `go version -m`, field by
//! field (Go version, path, mod, every dep and `=>`, every build line).

use std::path::Path;

use serde_json::Value;

use crate::fixtures::{self, run};

/// The newest Go toolchain the fixture script installs; it reads every older layout.
const GO: &str = "/usr/lib/go-1.24/bin/go";

#[derive(Debug, Default, PartialEq, Eq)]
struct GoVersionM {
    go_version: String,
    path: Option<String>,
    /// (word, path, version, sum) for `mod`, `dep` and `=>` lines, in order.
    modules: Vec<(String, String, String, String)>,
    /// (key, value) of `build` lines, unquoted.
    settings: Vec<(String, String)>,
}

/// Parses `go version -m FILE` the way runtime/debug.BuildInfo.String writes it.
fn go_version_m(file: &Path) -> GoVersionM {
    let text = run(GO, &["version", "-m", file.to_str().unwrap()]);
    let mut lines = text.lines();
    let first = lines.next().expect("go version -m printed nothing");
    let mut out = GoVersionM {
        go_version: first.rsplit(": ").next().unwrap().trim().to_string(),
        ..Default::default()
    };
    for line in lines {
        let line = line
            .strip_prefix('\t')
            .expect("go version -m line without tab");
        // BuildInfo.String ends a replaced module's `=>` line with an extra newline.
        if line.is_empty() {
            continue;
        }
        let (word, rest) = line.split_once('\t').unwrap_or((line, ""));
        match word {
            "path" => out.path = Some(rest.to_string()),
            "mod" | "dep" | "=>" => {
                let f: Vec<&str> = rest.split('\t').collect();
                let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
                out.modules.push((word.to_string(), get(0), get(1), get(2)));
            }
            "build" => out.settings.push(split_setting(rest)),
            other => panic!("unexpected go version -m line {other:?}"),
        }
    }
    out
}

/// Splits `key=value` as written by BuildInfo.String: key and value are Go-quoted when they
/// contain special characters.
fn split_setting(s: &str) -> (String, String) {
    let (key, rest) = if s.starts_with('"') {
        let (k, used) = go_unquote(s);
        (k, &s[used..])
    } else {
        let eq = s.find('=').expect("build line without =");
        (s[..eq].to_string(), &s[eq..])
    };
    let rest = rest.strip_prefix('=').expect("build line without =");
    let value = if rest.starts_with('"') {
        go_unquote(rest).0
    } else {
        rest.to_string()
    };
    (key, value)
}

/// Unquotes a Go double-quoted string at the start of `s`; returns it and the bytes used.
fn go_unquote(s: &str) -> (String, usize) {
    let b = s.as_bytes();
    assert_eq!(b[0], b'"');
    let mut out = Vec::new();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => return (String::from_utf8(out).unwrap(), i + 1),
            b'\\' => {
                i += 1;
                match b[i] {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'\\' => out.push(b'\\'),
                    b'"' => out.push(b'"'),
                    b'x' => {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                        i += 2;
                    }
                    b'u' => {
                        let c = char::from_u32(u32::from_str_radix(&s[i + 1..i + 5], 16).unwrap())
                            .unwrap();
                        out.extend(c.to_string().as_bytes());
                        i += 4;
                    }
                    other => panic!("unhandled escape \\{}", other as char),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    panic!("unterminated quoted string in {s:?}");
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// The same shape, built from whyrun's JSON.
fn from_whyrun(facts: &Value) -> GoVersionM {
    let go = &facts["go"];
    let bi = &go["build_info"];
    assert!(bi.is_object(), "whyrun found no Go build info: {go}");
    let mut out = GoVersionM {
        go_version: s(&bi["go_version"]),
        path: bi["path"].as_str().map(String::from),
        ..Default::default()
    };
    let mut push = |word: &str, m: &Value| {
        out.modules.push((
            word.to_string(),
            s(&m["path"]),
            s(&m["version"]),
            s(&m["sum"]),
        ));
        if m["replace"].is_object() {
            let r = &m["replace"];
            out.modules.push((
                "=>".to_string(),
                s(&r["path"]),
                s(&r["version"]),
                s(&r["sum"]),
            ));
        }
    };
    if bi["main"].is_object() {
        push("mod", &bi["main"]);
    }
    for d in bi["deps"].as_array().unwrap() {
        push("dep", d);
    }
    for kv in bi["settings"].as_array().unwrap() {
        out.settings.push((s(&kv["key"]), s(&kv["value"])));
    }
    assert_eq!(
        s(&go["version"]),
        out.go_version,
        "go.version and build_info.go_version differ"
    );
    out
}

#[test]
fn every_go_fixture_matches_go_version_m() {
    let mut fixtures = fixtures::built_of_kind("go");
    // The committed Go fixtures too: small, -trimpath builds by two Go releases.
    for name in ["go119-hello", "go124-hello", "go124-nethello"] {
        fixtures.push(fixtures::Fixture {
            name: name.into(),
            kind: "go".into(),
            path: fixtures::small(name),
            toolchain: String::new(),
        });
    }
    let paths: Vec<&Path> = fixtures.iter().map(|f| f.path.as_path()).collect();
    let (json, code) = fixtures::inspect_json(&paths);
    assert_eq!(code, 0, "{json}");
    let mut compared = 0;
    for (i, f) in fixtures.iter().enumerate() {
        let facts = &json["files"][i]["facts"];
        let real = go_version_m(&f.path);
        let ours = from_whyrun(facts);
        assert_eq!(ours, real, "{}: whyrun and go version -m disagree", f.name);
        // The toolchain the fixture script used (`go1.19`) is the release recorded.
        if f.toolchain.starts_with("go1.") {
            assert!(
                ours.go_version.starts_with(&format!("{}.", f.toolchain)),
                "{}: built by {} but records {}",
                f.name,
                f.toolchain,
                ours.go_version
            );
        }
        // Module mode is the presence of a main module (`mod` line): a GOPATH-mode build by
        // Go 1.18+ still records `path` and `build` lines.
        let module_mode = facts["go"]["build_info"]["module_mode"].as_bool().unwrap();
        let has_mod = real.modules.first().is_some_and(|m| m.0 == "mod");
        assert_eq!(module_mode, has_mod, "{}: module_mode", f.name);
        compared += 1;
    }
    // Every fixture except the GOPATH-mode one records modules; check the suite is real.
    assert!(compared >= 10, "only {compared} Go fixtures");
    let with_deps = fixtures
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            json["files"][*i]["facts"]["go"]["build_info"]["deps"]
                .as_array()
                .is_some_and(|d| !d.is_empty())
        })
        .count();
    assert!(
        with_deps >= 8,
        "only {with_deps} Go fixtures record dependencies"
    );
}

#[test]
fn replaced_module_is_recorded() {
    let f = fixtures::built()
        .into_iter()
        .find(|f| f.kind == "go" && f.name.contains("replace"))
        .expect("a Go fixture with a replaced module");
    let facts = fixtures::facts(&f.path);
    let deps = facts["go"]["build_info"]["deps"].as_array().unwrap();
    let replaced: Vec<&Value> = deps.iter().filter(|d| d["replace"].is_object()).collect();
    assert!(!replaced.is_empty(), "no replaced dependency in {}", f.name);
    assert!(
        replaced
            .iter()
            .any(|d| s(&d["replace"]["path"]).starts_with("./")),
        "the replacement is not the local path: {replaced:?}"
    );
}

#[test]
fn gopath_mode_binary_has_no_module_info() {
    let f = fixtures::built()
        .into_iter()
        .find(|f| f.kind == "go" && f.name.contains("gopath"))
        .expect("a GOPATH-mode Go fixture");
    let facts = fixtures::facts(&f.path);
    let bi = &facts["go"]["build_info"];
    assert_eq!(bi["module_mode"], false);
    assert!(bi["main"].is_null(), "{bi}");
    assert_eq!(bi["deps"].as_array().map(Vec::len), Some(0));
    assert!(s(&facts["go"]["version"]).starts_with("go1."));
}

#[test]
fn typed_settings_follow_the_build_lines() {
    for f in fixtures::built_of_kind("go") {
        let facts = fixtures::facts(&f.path);
        let bi = &facts["go"]["build_info"];
        if !bi["module_mode"].as_bool().unwrap() {
            continue;
        }
        let setting = |k: &str| {
            bi["settings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|kv| kv["key"] == k)
                .map(|kv| s(&kv["value"]))
        };
        let typed = &bi["typed"];
        assert_eq!(
            typed["goarch"].as_str().map(String::from),
            setting("GOARCH"),
            "{}",
            f.name
        );
        assert_eq!(
            typed["goos"].as_str().map(String::from),
            setting("GOOS"),
            "{}",
            f.name
        );
        assert_eq!(
            typed["cgo_enabled"].as_bool(),
            setting("CGO_ENABLED").map(|v| v == "1"),
            "{}",
            f.name
        );
        for var in ["GOAMD64", "GOARM", "GOARM64", "GO386"] {
            if let Some(v) = setting(var) {
                assert_eq!(typed["arch_level"]["variable"], var, "{}", f.name);
                assert_eq!(s(&typed["arch_level"]["value"]), v, "{}", f.name);
            }
        }
    }
}
