//! Build inputs against reality: small Go projects made here, each built for real with
//! Debian's Go 1.19, 1.21, 1.22 and 1.24 offline (`GOPROXY=off GOFLAGS=-mod=mod
//! GOTOOLCHAIN=local`, a directory `replace` for a requirement), and judged by `whyrun
//! check DIR --go VERSION` with the same environment. For every project: whyrun's verdict
//! is the real outcome (`wont-build` when `go build` fails, `runs` when it succeeds), the
//! top cause is the rule expected, and the message whyrun quotes (`go build stops with
//! "…"`) is in the real output. The projects where the rule says it cannot tell (BUILD003)
//! are built too, and must be ones the rule cannot decide from the sources: one builds,
//! one does not. Vendoring (BUILD008), go.sum (BUILD009) and major versions (BUILD010)
//! are judged in the go command's own default mode (`GOFLAGS` empty): vendor mode with a
//! vendor directory, `-mod=readonly` without.
//!
//! A missing toolchain fails the test: `scripts/install-deps.sh` installs them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

/// One project: its files, the toolchain and environment it is built with, and what
/// whyrun should say (the real outcome decides the verdict; this names the top cause).
struct Case {
    name: &'static str,
    go: &'static str,
    env: &'static [(&'static str, &'static str)],
    files: &'static [(&'static str, &'static str)],
    /// The top cause's code, or `None` when whyrun finds nothing.
    top: Option<&'static str>,
    /// whyrun says it cannot tell (the rule's own limit), whatever the real outcome.
    cannot_tell: bool,
}

const MAIN: &str = "package main\n\nfunc main() {}\n";
const USE_LIB: &str = "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n";
const LIB: &str = "package lib\n\nfunc F() {}\n";
const VENDOR_GOMOD: &str =
    "module example.com/v\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n\nreplace example.com/lib => ./lib\n";

const CASES: &[Case] = &[
    // BUILD001: the go line against Go 1.21+ with GOTOOLCHAIN=local.
    Case {
        name: "go-line-newer-1.22",
        go: "1.22",
        env: &[],
        files: &[("go.mod", "module example.com/a\n\ngo 1.23.0\n"), ("main.go", MAIN)],
        top: Some("BUILD001"),
        cannot_tell: false,
    },
    Case {
        name: "go-line-two-part-newer-1.21",
        go: "1.21",
        env: &[],
        files: &[("go.mod", "module example.com/a\n\ngo 1.22\n"), ("main.go", MAIN)],
        top: Some("BUILD001"),
        cannot_tell: false,
    },
    Case {
        name: "go-line-newer-auto-offline-1.21",
        go: "1.21",
        env: &[("GOTOOLCHAIN", "auto")],
        files: &[("go.mod", "module example.com/a\n\ngo 1.23\n"), ("main.go", MAIN)],
        top: Some("BUILD001"),
        cannot_tell: false,
    },
    Case {
        name: "go-line-older-1.24",
        go: "1.24",
        env: &[],
        files: &[("go.mod", "module example.com/a\n\ngo 1.23.0\n"), ("main.go", MAIN)],
        top: None,
        cannot_tell: false,
    },
    // BUILD002: what the parser of the toolchain refuses.
    Case {
        name: "three-part-go-line-1.19",
        go: "1.19",
        env: &[],
        files: &[("go.mod", "module example.com/b\n\ngo 1.21.0\n"), ("main.go", MAIN)],
        top: Some("BUILD002"),
        cannot_tell: false,
    },
    Case {
        name: "toolchain-directive-1.19",
        go: "1.19",
        env: &[],
        files: &[
            ("go.mod", "module example.com/b\n\ngo 1.19\n\ntoolchain go1.21.0\n"),
            ("main.go", MAIN),
        ],
        top: Some("BUILD002"),
        cannot_tell: false,
    },
    Case {
        name: "godebug-directive-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", "module example.com/b\n\ngo 1.22\n\ngodebug default=go1.21\n"),
            ("main.go", MAIN),
        ],
        top: Some("BUILD002"),
        cannot_tell: false,
    },
    Case {
        name: "toolchain-directive-1.21",
        go: "1.21",
        env: &[],
        files: &[
            ("go.mod", "module example.com/b\n\ngo 1.21.0\n\ntoolchain go1.21.0\n"),
            ("main.go", MAIN),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD003: a two-part newer go line on Go 1.20 or older: the code decides.
    Case {
        name: "old-toolchain-plain-code-1.19",
        go: "1.19",
        env: &[],
        files: &[("go.mod", "module example.com/c\n\ngo 1.22\n"), ("main.go", MAIN)],
        top: Some("BUILD003"),
        cannot_tell: true,
    },
    Case {
        name: "old-toolchain-new-builtin-1.19",
        go: "1.19",
        env: &[],
        files: &[
            ("go.mod", "module example.com/c\n\ngo 1.21\n"),
            ("main.go", "package main\n\nfunc main() { println(min(1, 2)) }\n"),
        ],
        top: Some("BUILD003"),
        cannot_tell: true,
    },
    // BUILD004: standard-library packages newer than the toolchain.
    Case {
        name: "slices-1.19",
        go: "1.19",
        env: &[],
        files: &[
            ("go.mod", "module example.com/d\n\ngo 1.22\n"),
            (
                "main.go",
                "package main\n\nimport \"slices\"\n\nfunc main() { println(slices.Contains([]int{1}, 1)) }\n",
            ),
        ],
        top: Some("BUILD004"),
        cannot_tell: false,
    },
    Case {
        name: "weak-in-own-package-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", "module example.com/d\n\ngo 1.21\n"),
            (
                "main.go",
                "package main\n\nimport \"example.com/d/internal/cache\"\n\nfunc main() { cache.Use() }\n",
            ),
            (
                "internal/cache/cache.go",
                "package cache\n\nimport \"weak\"\n\nvar p weak.Pointer[int]\n\nfunc Use() { _ = p }\n",
            ),
        ],
        top: Some("BUILD004"),
        cannot_tell: false,
    },
    Case {
        name: "iter-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", "module example.com/d\n\ngo 1.22\n"),
            ("main.go", "package main\n\nimport \"iter\"\n\nvar _ iter.Seq[int]\n\nfunc main() {}\n"),
        ],
        top: Some("BUILD004"),
        cannot_tell: false,
    },
    Case {
        name: "iter-1.23",
        go: "1.23",
        env: &[],
        files: &[
            ("go.mod", "module example.com/d\n\ngo 1.23.0\n"),
            ("main.go", "package main\n\nimport \"iter\"\n\nvar _ iter.Seq[int]\n\nfunc main() {}\n"),
        ],
        top: None,
        cannot_tell: false,
    },
    Case {
        name: "slices-only-where-not-built-1.19",
        go: "1.19",
        env: &[],
        files: &[
            ("go.mod", "module example.com/d\n\ngo 1.19\n"),
            ("main.go", MAIN),
            ("main_test.go", "package main\n\nimport \"slices\"\n\nvar _ = slices.Contains[[]int]\n"),
            ("win_windows.go", "package main\n\nimport \"slices\"\n\nvar _ = slices.Contains[[]int]\n"),
            ("new_arm64.go", "package main\n\nimport \"maps\"\n\nvar _ = maps.Clone[map[int]int]\n"),
            (
                "tagged.go",
                "//go:build go1.21\n\npackage main\n\nimport \"slices\"\n\nvar _ = slices.Contains[[]int]\n",
            ),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD005: no go.mod in module mode; GOPATH mode builds it.
    Case {
        name: "no-gomod-1.22",
        go: "1.22",
        env: &[],
        files: &[("main.go", MAIN)],
        top: Some("BUILD005"),
        cannot_tell: false,
    },
    Case {
        name: "no-gomod-gopath-mode-1.22",
        go: "1.22",
        env: &[("GO111MODULE", "off"), ("GOFLAGS", "")],
        files: &[("main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println() }\n")],
        top: None,
        cannot_tell: false,
    },
    // BUILD006: GOPATH mode and a module's own packages.
    Case {
        name: "module-built-in-gopath-mode-1.22",
        go: "1.22",
        env: &[("GO111MODULE", "off"), ("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/e\n\ngo 1.19\n"),
            ("main.go", "package main\n\nimport \"example.com/e/lib\"\n\nfunc main() { lib.F() }\n"),
            ("lib/lib.go", "package lib\n\nfunc F() {}\n"),
        ],
        top: Some("BUILD006"),
        cannot_tell: false,
    },
    Case {
        name: "slices-in-gopath-mode-1.19",
        go: "1.19",
        env: &[("GO111MODULE", "off"), ("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/e\n\ngo 1.19\n"),
            (
                "main.go",
                "package main\n\nimport \"slices\"\n\nfunc main() { println(slices.Contains([]int{1}, 1)) }\n",
            ),
        ],
        top: Some("BUILD006"),
        cannot_tell: false,
    },
    Case {
        name: "std-only-module-in-gopath-mode-1.19",
        go: "1.19",
        env: &[("GO111MODULE", "off"), ("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/e\n\ngo 1.19\n"),
            ("main.go", "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n"),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD007: a directory replacement, missing and present.
    Case {
        name: "replace-missing-1.24",
        go: "1.24",
        env: &[],
        files: &[
            (
                "app/go.mod",
                "module example.com/f\n\ngo 1.19\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
            ),
            ("app/main.go", "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n"),
        ],
        top: Some("BUILD007"),
        cannot_tell: false,
    },
    Case {
        name: "replace-present-1.24",
        go: "1.24",
        env: &[],
        files: &[
            (
                "app/go.mod",
                "module example.com/f\n\ngo 1.19\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
            ),
            ("app/main.go", "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n"),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.19\n"),
            ("lib/lib.go", "package lib\n\nfunc F() {}\n"),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD008: vendor/modules.txt against go.mod, in vendor mode (by default with a
    // vendor directory and go 1.14+; -mod=mod leaves vendor/ alone).
    Case {
        name: "vendor-inconsistent-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", VENDOR_GOMOD),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
            ("vendor/modules.txt", "# example.com/lib v0.9.0 => ./lib\n## explicit; go 1.21\nexample.com/lib\n# example.com/lib => ./lib\n"),
            ("vendor/example.com/lib/lib.go", LIB),
        ],
        top: Some("BUILD008"),
        cannot_tell: false,
    },
    Case {
        name: "vendor-without-modules-txt-1.24",
        go: "1.24",
        env: &[("GOFLAGS", "-mod=vendor")],
        files: &[
            ("go.mod", VENDOR_GOMOD),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
        ],
        top: Some("BUILD008"),
        cannot_tell: false,
    },
    Case {
        name: "vendor-consistent-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", VENDOR_GOMOD),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
            // As `go mod vendor` (Go 1.22) writes it.
            ("vendor/modules.txt", "# example.com/lib v1.0.0 => ./lib\n## explicit; go 1.21\nexample.com/lib\n# example.com/lib => ./lib\n"),
            ("vendor/example.com/lib/lib.go", LIB),
        ],
        top: None,
        cannot_tell: false,
    },
    Case {
        name: "vendor-stale-with-mod-mod-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", VENDOR_GOMOD),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
            ("vendor/modules.txt", "# example.com/lib v0.9.0\n## explicit; go 1.21\nexample.com/lib\n"),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD009: go.sum, in the default -mod=readonly mode.
    Case {
        name: "go-sum-missing-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/s\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n"),
            ("main.go", USE_LIB),
        ],
        top: Some("BUILD009"),
        cannot_tell: false,
    },
    Case {
        name: "go-sum-missing-in-a-subpackage-1.24",
        go: "1.24",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/s\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n"),
            ("go.sum", "example.com/other v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
            ("main.go", "package main\n\nimport \"example.com/s/internal/x\"\n\nfunc main() { x.F() }\n"),
            ("internal/x/x.go", "package x\n\nimport \"example.com/lib\"\n\nfunc F() { lib.F() }\n"),
        ],
        top: Some("BUILD009"),
        cannot_tell: false,
    },
    // BUILD010: a v2+ requirement needs a /vN module path.
    Case {
        name: "major-version-without-suffix-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", "module example.com/m\n\ngo 1.21\n\nrequire example.com/lib v2.0.0\n\nreplace example.com/lib => ./lib\n"),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
        ],
        top: Some("BUILD010"),
        cannot_tell: false,
    },
    Case {
        name: "major-version-without-suffix-1.19",
        go: "1.19",
        env: &[],
        files: &[
            ("go.mod", "module example.com/m\n\ngo 1.19\n\nrequire example.com/lib v2.0.0\n\nreplace example.com/lib => ./lib\n"),
            ("main.go", USE_LIB),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.19\n"),
            ("lib/lib.go", LIB),
        ],
        top: Some("BUILD010"),
        cannot_tell: false,
    },
    Case {
        name: "major-version-suffix-1.22",
        go: "1.22",
        env: &[],
        files: &[
            ("go.mod", "module example.com/m\n\ngo 1.21\n\nrequire example.com/lib/v2 v2.0.0\n\nreplace example.com/lib/v2 => ./lib\n"),
            ("main.go", "package main\n\nimport \"example.com/lib/v2\"\n\nfunc main() { lib.F() }\n"),
            ("lib/go.mod", "module example.com/lib/v2\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD011: a go.work use without a go.mod; GOWORK=off leaves the workspace out.
    Case {
        name: "go-work-module-missing-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("app/main.go", MAIN),
            ("app/go.work", "go 1.21\n\nuse (\n\t.\n\t../lib\n)\n"),
        ],
        top: Some("BUILD011"),
        cannot_tell: false,
    },
    Case {
        name: "go-work-module-missing-1.19",
        go: "1.19",
        env: &[("GOFLAGS", "")],
        files: &[
            ("app/go.mod", "module example.com/app\n\ngo 1.19\n"),
            ("app/main.go", MAIN),
            ("app/go.work", "go 1.19\n\nuse (\n\t.\n\t../lib\n)\n"),
        ],
        top: Some("BUILD011"),
        cannot_tell: false,
    },
    Case {
        name: "go-work-module-present-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("app/main.go", USE_LIB),
            ("app/go.work", "go 1.21\n\nuse (\n\t.\n\t../lib\n)\n"),
            ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
            ("lib/lib.go", LIB),
        ],
        top: None,
        cannot_tell: false,
    },
    Case {
        name: "go-work-off-1.24",
        go: "1.24",
        env: &[("GOFLAGS", ""), ("GOWORK", "off")],
        files: &[
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("app/main.go", MAIN),
            ("app/go.work", "go 1.21\n\nuse (\n\t.\n\t../lib\n)\n"),
        ],
        top: None,
        cannot_tell: false,
    },
    // BUILD012: an import no requirement provides, in each mode that does not add one.
    Case {
        name: "own-package-under-another-path-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("main.go", "package main\n\nimport \"github.com/me/app/internal/x\"\n\nfunc main() { x.F() }\n"),
            ("internal/x/x.go", "package x\n\nfunc F() {}\n"),
        ],
        top: Some("BUILD012"),
        cannot_tell: false,
    },
    Case {
        name: "import-not-required-offline-1.24",
        go: "1.24",
        env: &[],
        files: &[
            ("go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("main.go", "package main\n\nimport \"example.com/other\"\n\nfunc main() { other.F() }\n"),
        ],
        top: Some("BUILD012"),
        cannot_tell: false,
    },
    Case {
        name: "import-not-required-vendor-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "-mod=vendor")],
        files: &[
            ("go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("main.go", "package main\n\nimport \"example.com/other\"\n\nfunc main() { other.F() }\n"),
            ("vendor/modules.txt", ""),
        ],
        top: Some("BUILD012"),
        cannot_tell: false,
    },
    // BUILD013: a required version that the go.mod excludes.
    Case {
        name: "required-version-excluded-1.22",
        go: "1.22",
        env: &[("GOFLAGS", "")],
        files: &[
            ("go.mod", "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n\nexclude example.com/lib v1.0.0\n"),
            ("main.go", MAIN),
        ],
        top: Some("BUILD013"),
        cannot_tell: false,
    },
];

/// `/usr/lib/go-V/bin/go`, or a failure naming the script that installs it.
fn go_binary(v: &str) -> PathBuf {
    let go = PathBuf::from(format!("/usr/lib/go-{v}/bin/go"));
    assert!(
        go.is_file(),
        "{} is missing: run `bash scripts/install-deps.sh` (as root) to install Debian's Go {v}",
        go.display()
    );
    go
}

/// The real `go version` number: `1.22.12`.
fn go_version(go: &Path) -> String {
    let out = Command::new(go)
        .arg("env")
        .arg("GOVERSION")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("go")
        .to_string()
}

/// The environment of both the real build and whyrun's judgement.
fn build_env(case: &Case, gopath: &Path) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("GOPROXY", "off"),
        ("GOFLAGS", "-mod=mod"),
        ("GOTOOLCHAIN", "local"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.push(("GOPATH".into(), gopath.display().to_string()));
    for (k, v) in case.env {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    env
}

struct Outcome {
    name: &'static str,
    real_ok: bool,
    real_output: String,
    verdict: String,
    top: Option<String>,
    quoted: Option<String>,
}

fn run_case(case: &Case, work: &Path, gocache: &Path) -> Outcome {
    let dir = work.join(case.name);
    for (path, text) in case.files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let build_dir = if case.files.iter().any(|(p, _)| p.starts_with("app/")) {
        dir.join("app")
    } else {
        dir.clone()
    };
    let gopath = work.join(format!("{}-gopath", case.name));
    let env = build_env(case, &gopath);
    let go = go_binary(case.go);
    let version = go_version(&go);

    let mut cmd = Command::new(&go);
    cmd.args(["build", "-o", "/dev/null", "."])
        .current_dir(&build_dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", work)
        .env("GOCACHE", gocache);
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let real = cmd.output().unwrap();
    let real_output = format!(
        "{}{}",
        String::from_utf8_lossy(&real.stdout),
        String::from_utf8_lossy(&real.stderr)
    );

    let mut w = assert_cmd::Command::cargo_bin("whyrun").unwrap();
    w.args(["check", "--no-config", "--format", "json", "--go", &version])
        .arg(&build_dir)
        .env("HOME", work);
    for (k, v) in &env {
        w.arg("--env").arg(format!("{k}={v}"));
    }
    let out = w.output().unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let target = &json["binaries"][0]["targets"][0];
    let top = &target["findings"][0];
    let quoted = top["evidence"].as_array().and_then(|ev| {
        ev.iter().find_map(|e| {
            let what = e["what"].as_str()?;
            let q = what.strip_prefix("go build stops with \"")?;
            Some(q.strip_suffix('"')?.to_string())
        })
    });
    Outcome {
        name: case.name,
        real_ok: real.status.success(),
        real_output,
        verdict: target["verdict"].as_str().unwrap_or("").to_string(),
        top: top["code"].as_str().map(str::to_string),
        quoted,
    }
}

#[test]
fn build_inputs_agree_with_real_go_builds() {
    let started = Instant::now();
    // Every toolchain first: a missing one fails here, before anything is built.
    for v in ["1.19", "1.21", "1.22", "1.23", "1.24"] {
        go_binary(v);
    }
    let work = tempfile::tempdir().unwrap();
    // The build cache outlives the test: the standard library is compiled once per Go.
    let gocache = crate::e2e::cache_dir("WHYRUN_GOCACHE", "gocache");
    std::fs::create_dir_all(&gocache).unwrap();

    // Two at a time: the machine has two cores.
    let mut outcomes = Vec::new();
    std::thread::scope(|s| {
        let (a, b): (Vec<_>, Vec<_>) = CASES.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let run = |half: Vec<(usize, &'static Case)>| {
            let (work, gocache) = (work.path(), gocache.as_path());
            move || {
                half.into_iter()
                    .map(|(_, c)| (c, run_case(c, work, gocache)))
                    .collect::<Vec<_>>()
            }
        };
        let h1 = s.spawn(run(a));
        let h2 = s.spawn(run(b));
        outcomes.extend(h1.join().unwrap());
        outcomes.extend(h2.join().unwrap());
    });

    let mut failures = Vec::new();
    for (case, o) in &outcomes {
        let real = if o.real_ok { "builds" } else { "fails" };
        eprintln!(
            "{:<40} go {:<5} real: {real:<7} whyrun: {:<12} {}",
            o.name,
            case.go,
            o.verdict,
            o.top.as_deref().unwrap_or("-")
        );
        let mut wrong =
            |what: String| failures.push(format!("{}: {what}\n{}", o.name, o.real_output));
        if case.cannot_tell {
            if o.verdict != "cannot-tell" {
                wrong(format!("expected cannot-tell, whyrun said {}", o.verdict));
            }
        } else {
            let expected = if o.real_ok { "runs" } else { "wont-build" };
            if o.verdict != expected {
                wrong(format!("go build {real}, whyrun said {}", o.verdict));
            }
        }
        if o.top.as_deref() != case.top && !(o.real_ok && case.top.is_none()) {
            wrong(format!("top cause {:?}, expected {:?}", o.top, case.top));
        }
        if !o.real_ok && !case.cannot_tell {
            match &o.quoted {
                Some(q) if o.real_output.contains(q.as_str()) => {}
                Some(q) => wrong(format!(
                    "whyrun quotes {q:?}, which the real build did not print"
                )),
                None => wrong("whyrun quotes no message".into()),
            }
        }
        // Each case is set up to go one way: a case meant to build must build.
        if case.top.is_none() && !o.real_ok {
            wrong("the project was meant to build".into());
        }
    }
    // Both ways for the cannot-tell rule: one of its projects builds, one does not.
    let ct: Vec<_> = outcomes.iter().filter(|(c, _)| c.cannot_tell).collect();
    assert!(
        ct.iter().any(|(_, o)| o.real_ok) && ct.iter().any(|(_, o)| !o.real_ok),
        "the cannot-tell projects should build once and fail once"
    );
    eprintln!("{} projects in {:?}", outcomes.len(), started.elapsed());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The exit codes of `whyrun check DIR`: 4 will not build, 3 cannot tell (no `--go`), 0
/// builds; 2 for `--go` with a binary, a version that is not one, or an unknown `--env`.
#[test]
fn build_inputs_exit_codes() {
    let t = tempfile::tempdir().unwrap();
    let app = t.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("go.mod"), "module example.com/app\n\ngo 1.23.0\n").unwrap();
    std::fs::write(app.join("main.go"), MAIN).unwrap();
    let code = |args: &[&str]| {
        let mut c = assert_cmd::Command::cargo_bin("whyrun").unwrap();
        c.args(["check", "--no-config"]).arg(&app).args(args);
        c.output().unwrap().status.code()
    };
    assert_eq!(
        code(&["--go", "1.22.1", "--env", "GOTOOLCHAIN=local"]),
        Some(4)
    );
    assert_eq!(code(&[]), Some(3));
    assert_eq!(
        code(&["--go", "1.24.0", "--env", "GOTOOLCHAIN=local"]),
        Some(0)
    );
    assert_eq!(code(&["--go", "one.two"]), Some(2));
    assert_eq!(code(&["--go", "1.22.1", "--env", "PATH=/bin"]), Some(2));
    assert_eq!(code(&["--go", "1.22.1", "--target", "debian-12"]), Some(2));
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(["check", "--no-config", "--go", "1.22.1"])
        .arg(app.join("main.go"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--go and --env judge a directory"));
}

/// `git ARGS` in `dir`, failing the test with git's words.
fn git(dir: &Path, args: &[&str]) -> String {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "whyrun")
        .env("GIT_AUTHOR_EMAIL", "whyrun@example.com")
        .env("GIT_COMMITTER_NAME", "whyrun")
        .env("GIT_COMMITTER_EMAIL", "whyrun@example.com");
    crate::fixtures::run_command(c, "git", args)
        .trim()
        .to_string()
}

/// `whyrun check BINARY --source DIR`: the codes of its findings and its JSON target.
fn check_source(binary: &Path, dir: &Path) -> (Vec<String>, Value) {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(["check", "--no-config", "--format", "json"])
        .arg(binary)
        .arg("--source")
        .arg(dir)
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let target = json["binaries"][0]["targets"][0].clone();
    let codes = target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect();
    (codes, target)
}

/// A binary built for real by Go 1.22 from a git repository, checked with `--source`
/// against that repository as it changes. What whyrun says the binary was built from is
/// what `go version -m` prints of it, and what it says the repository is at is what
/// `git rev-parse HEAD` prints.
#[test]
fn a_binary_against_the_source_it_came_from() {
    let go = go_binary("1.22");
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    let files = [
        ("go.mod", VENDOR_GOMOD),
        ("main.go", USE_LIB),
        ("lib/go.mod", "module example.com/lib\n\ngo 1.21\n"),
        ("lib/lib.go", LIB),
    ];
    for (p, text) in files {
        let p = src.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(&src, &["init", "-q"]);
    git(&src, &["add", "."]);
    git(&src, &["commit", "-q", "-m", "first"]);
    let bin = t.path().join("app");
    let gocache = crate::e2e::cache_dir("WHYRUN_GOCACHE", "gocache");
    let mut build = Command::new(&go);
    build
        .current_dir(&src)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", t.path())
        .env("GOCACHE", &gocache)
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "");
    crate::fixtures::run_command(build, "go", &["build", "-o", bin.to_str().unwrap(), "."]);
    let m = crate::fixtures::run(
        go.to_str().unwrap(),
        &["version", "-m", bin.to_str().unwrap()],
    );
    let revision = m
        .lines()
        .find_map(|l| l.trim().strip_prefix("build\tvcs.revision="))
        .expect("go version -m shows vcs.revision")
        .to_string();
    assert!(m.contains("dep\texample.com/lib\tv1.0.0"), "{m}");

    // The tree it was built from: nothing to say.
    let (codes, target) = check_source(&bin, &src);
    assert!(!codes.contains(&"BUILD014".to_string()), "{target}");

    // A new commit.
    std::fs::write(src.join("main.go"), format!("{USE_LIB}\n// changed\n")).unwrap();
    git(&src, &["commit", "-q", "-am", "second"]);
    let head = git(&src, &["rev-parse", "HEAD"]);
    let (codes, target) = check_source(&bin, &src);
    assert_eq!(
        codes.first().map(String::as_str),
        Some("BUILD014"),
        "{target}"
    );
    let message = target["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "built from commit {}, the repository is at {}",
            &revision[..12],
            &head[..12]
        )),
        "{message}"
    );

    // A dependency bumped, and the module renamed, in the working tree.
    std::fs::write(
        src.join("go.mod"),
        VENDOR_GOMOD
            .replace("v1.0.0", "v1.1.0")
            .replace("example.com/v\n", "example.com/renamed\n"),
    )
    .unwrap();
    let (_, target) = check_source(&bin, &src);
    let evidence = target["findings"][0]["evidence"].to_string();
    for said in [
        "mod example.com/v",
        "module example.com/renamed",
        "dep example.com/lib v1.0.0",
        "require example.com/lib v1.1.0",
    ] {
        assert!(evidence.contains(said), "{said}: {evidence}");
    }
}
