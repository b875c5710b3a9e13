//! Every `go build` fix line whyrun prints is executed and the rebuilt binary run in the same
//! target: the fix must make it run.
//!
//! `ginsqlite-go124-cgo` (Gin + go-sqlite3 with `-tags libsqlite3`, dynamic: glibc's loader
//! and `libsqlite3.so.0`) cannot start in `scratch`. The first fix command of whyrun's
//! LIBC001 finding is a static cgo rebuild. This test takes that line exactly as the CLI
//! prints it, runs it with Debian's Go 1.24 in the module tree and environment
//! `fixtures/build.sh` built the fixture in (`fixtures/tools/go-env.sh`), and only swaps
//! `go` for that toolchain's path and the `-o` name for a temporary file. The result must be
//! static, must start in the `scratch-ca-tz` root with its sqlite probe working
//! (`fixtures/e2e/run_in_root.py`: chroot(2) and execve(2)), and whyrun must agree that it
//! starts there.
//!
//! Needs root (the runner), the fixtures (`fixtures/build.sh`), the e2e roots
//! (`fixtures/e2e/build-roots.sh`) and the toolchain with the static archives
//! (`scripts/install-deps.sh`). Fails, never skips, when one is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::fixtures;

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
/// `GO124` of `fixtures/build.sh`.
const GO124: &str = "/usr/lib/go-1.24/bin/go";
const FIXTURE: &str = "ginsqlite-go124-cgo";
/// The module tree `fixtures/build.sh` builds the Gin fixtures in, under its cache.
const TREE: &str = "work/ginapp";
const ROOT: &str = "scratch-ca-tz";

fn preconditions(roots: &Path, fixtures_dir: &Path) -> PathBuf {
    assert!(
        fixtures::is_root(),
        "fix_runs: runs the rebuilt binary in a chroot and namespaces and needs root: run it as root (scripts/test.sh)"
    );
    assert!(
        roots.join(ROOT).is_dir() && roots.join(".e2e-stamps").join(ROOT).is_file(),
        "fix_runs: the root {ROOT} is missing in {}: run `bash fixtures/e2e/build-roots.sh` (as root) first",
        roots.display()
    );
    let fixture = fixtures::built()
        .into_iter()
        .find(|f| f.name == FIXTURE)
        .unwrap_or_else(|| {
            panic!("fix_runs: the manifest has no {FIXTURE}: run `bash fixtures/build.sh`")
        });
    assert!(
        fixtures_dir.join(TREE).join("go.mod").is_file(),
        "fix_runs: the module tree {} is missing: run `bash fixtures/build.sh`",
        fixtures_dir.join(TREE).display()
    );
    for tool in [
        GO124,
        "/usr/bin/gcc",
        "/usr/bin/readelf",
        "/usr/bin/python3",
    ] {
        assert!(
            Path::new(tool).is_file(),
            "fix_runs: {tool} is missing: run `bash scripts/install-deps.sh` (as root)"
        );
    }
    // The static archives a static cgo link of go-sqlite3 with -tags libsqlite3 reads. gcc
    // prints the bare name back when it has no such file.
    for (archive, package) in [("libc.a", "libc6-dev"), ("libsqlite3.a", "libsqlite3-dev")] {
        let found = fixtures::run("gcc", &[&format!("-print-file-name={archive}")]);
        assert!(
            Path::new(found.trim()).is_absolute(),
            "fix_runs: gcc finds no {archive} ({package}): run `bash scripts/install-deps.sh` (as root)"
        );
    }
    fixture.path
}

/// `whyrun check … --format json`, parsed; exit codes 0 and 1 are verdicts, anything else
/// is a failure of the run.
fn check_json(args: &[&str]) -> Value {
    let out = Command::new(WHYRUN)
        .arg("check")
        .args(args)
        .args(["--no-config", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("whyrun runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "whyrun check {args:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    crate::json_schema::parse_output(&out)
}

/// The findings of the only target of the only binary.
fn findings(json: &Value) -> &Vec<Value> {
    json["binaries"][0]["targets"][0]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {json}"))
}

/// Splits a command line into words as a POSIX shell does, for the quoting whyrun prints:
/// blanks separate words, `'…'` is literal, `"…"` is literal but for backslash before
/// `$ \` " \`, and a backslash outside quotes takes the next character literally. Whatever
/// the shell would expand, glob, redirect or run otherwise (unquoted `$ \` ; & | < > ( ) * ?
/// [ ~ #`, `$` or a backquote inside double quotes) is refused: the test would no longer
/// run what a user pasting the line runs.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => panic!("unterminated ' in {line:?}"),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('$' | '`' | '"' | '\\')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => panic!("unterminated \" in {line:?}"),
                        },
                        Some(c @ ('$' | '`')) => {
                            panic!("{c} inside double quotes would be expanded: {line:?}")
                        }
                        Some(c) => w.push(c),
                        None => panic!("unterminated \" in {line:?}"),
                    }
                }
            }
            '\\' => {
                let c = chars
                    .next()
                    .unwrap_or_else(|| panic!("trailing \\ in {line:?}"));
                word.get_or_insert_with(String::new).push(c);
            }
            '$' | '`' | ';' | '&' | '|' | '<' | '>' | '(' | ')' | '*' | '?' | '[' | '~' | '#'
            | '\n' => panic!("unquoted {c:?} is special to the shell: {line:?}"),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A `go build` line split into its leading `NAME=value` assignments and the arguments
/// after `go`.
fn parse_go_build(line: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut words = shell_words(line).into_iter().peekable();
    let mut assignments = Vec::new();
    while let Some(w) = words.peek() {
        let Some((name, value)) = w.split_once('=') else {
            break;
        };
        let is_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            break;
        }
        assignments.push((name.to_string(), value.to_string()));
        words.next();
    }
    assert_eq!(
        words.next().as_deref(),
        Some("go"),
        "not a go command after the assignments: {line:?}"
    );
    let args: Vec<String> = words.collect();
    assert_eq!(
        args.first().map(String::as_str),
        Some("build"),
        "not go build: {line:?}"
    );
    (assignments, args)
}

/// The environment `fixtures/build.sh` gives its Go builds: this process's, with
/// `go_env CACHE` of `fixtures/tools/go-env.sh` applied.
fn build_env(fixtures_dir: &Path) -> Vec<(String, String)> {
    let helper = fixtures::repo().join("fixtures/tools/go-env.sh");
    let out = Command::new("bash")
        .args([
            "-c",
            r#"set -eu; . "$1"; go_env "$2"; exec env -0"#,
            "go-env",
        ])
        .arg(&helper)
        .arg(fixtures_dir)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{} failed: {}",
        helper.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = String::from_utf8_lossy(e);
            let (k, v) = e.split_once('=').expect("NAME=VALUE");
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn the_static_cgo_rebuild_whyrun_prints_for_scratch_runs_there() {
    let roots = fixtures::roots_dir();
    let fixtures_dir = fixtures::cache_dir();
    let fixture = preconditions(&roots, &fixtures_dir);
    let root = roots.join(ROOT);
    let root_s = root.display().to_string();

    // 1. The fix as whyrun prints it.
    let fixture_s = fixture.display().to_string();
    let before = check_json(&[&fixture_s, "--target", "scratch"]);
    let libc001 = findings(&before)
        .iter()
        .find(|f| f["code"] == "LIBC001")
        .unwrap_or_else(|| panic!("whyrun reports no LIBC001 for {FIXTURE} in scratch: {before}"));
    let line = libc001["fix"]["commands"][0]
        .as_str()
        .unwrap_or_else(|| panic!("LIBC001 has no fix command: {libc001}"))
        .to_string();
    println!("fix_runs: LIBC001's first fix for {FIXTURE} in scratch:\n  {line}");

    // 2. Run it: the same toolchain, module tree and environment as fixtures/build.sh.
    let tmp = tempfile::tempdir().unwrap();
    let out_path = build_fix_line(&fixtures_dir, &line, &tmp.path().join("ginsqlite"));

    // 3. Static: no interpreter.
    let headers = fixtures::run("readelf", &["-lW", &out_path.display().to_string()]);
    assert!(
        headers.contains("Program Headers:") && headers.contains("LOAD"),
        "readelf -l shows no program headers: {headers}"
    );
    assert!(
        !headers.contains("INTERP"),
        "the rebuilt binary still has PT_INTERP:\n{headers}"
    );

    // 4. It runs in the target, and go-sqlite3 works in it (not the CGO_ENABLED=0 stub).
    let t0 = Instant::now();
    let run = run_in_root(&root, &out_path, "/app/ginsqlite", &["selfcheck"]);
    let stdout = run["stdout"].as_str().unwrap_or_default();
    println!(
        "fix_runs: /app/ginsqlite selfcheck in {ROOT} ({:.1}s): started={} exit_code={} signal={}\n{stdout}{}",
        t0.elapsed().as_secs_f64(),
        run["started"],
        run["exit_code"],
        run["signal"],
        run["stderr"].as_str().unwrap_or_default()
    );
    assert_eq!(
        run["started"], true,
        "the rebuilt binary did not start in {ROOT}: {run}"
    );
    assert!(
        run["signal"].is_null() && run["timed_out"] == false && run["exit_code"].is_i64(),
        "the rebuilt binary did not exit by itself in {ROOT}: {run}"
    );
    let sqlite = stdout
        .lines()
        .find(|l| l.starts_with("sqlite\t"))
        .unwrap_or_else(|| panic!("selfcheck printed no sqlite probe in {ROOT}: {run}"));
    assert!(
        sqlite.starts_with("sqlite\tok\t")
            && !sqlite.contains("requires cgo")
            && !sqlite.contains("stub"),
        "go-sqlite3 does not work in the rebuilt binary in {ROOT}: {sqlite:?}"
    );

    // 5. whyrun agrees: nothing about the C library or shared libraries any more.
    let rebuilt_s = out_path.display().to_string();
    let after = check_json(&[
        &rebuilt_s,
        "--root",
        &root_s,
        "--as",
        "/app/x",
        "--this-machine",
    ]);
    let codes: Vec<&str> = findings(&after)
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    println!("fix_runs: whyrun check of the rebuilt binary in {ROOT}: {codes:?}");
    for code in ["LIBC001", "LIB001"] {
        assert!(
            !codes.contains(&code),
            "whyrun still reports {code} for the rebuilt binary in {ROOT}: {after}"
        );
    }
    assert_ne!(
        after["binaries"][0]["targets"][0]["verdict"], "wont-start",
        "whyrun says the rebuilt binary will not start in {ROOT}, and it did: {after}"
    );
}

/// Runs a `go build` fix line exactly as whyrun prints it, with Debian's Go 1.24 in the
/// module tree and environment `fixtures/build.sh` built the fixtures in (whose go_fixture
/// runs `env CGO_ENABLED=0 VAR=VALUE... go build ...`), only `-o` changed to `out`.
fn build_fix_line(fixtures_dir: &Path, line: &str, out: &Path) -> PathBuf {
    let (assignments, mut args) = parse_go_build(line);
    let outs: Vec<usize> = (0..args.len()).filter(|&i| args[i] == "-o").collect();
    assert!(
        outs.len() == 1 && outs[0] + 1 < args.len(),
        "the fix line must name its output once, as -o NAME: {line:?}"
    );
    args[outs[0] + 1] = out.display().to_string();
    let tree = fixtures_dir.join(TREE);
    let t0 = Instant::now();
    let build = Command::new(GO124)
        .args(&args)
        .current_dir(&tree)
        .env_clear()
        .envs(build_env(fixtures_dir))
        .env("CGO_ENABLED", "0")
        .envs(assignments.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("go runs");
    let shown = format!(
        "(cd {} && {} {GO124} {})",
        tree.display(),
        assignments
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        args.iter()
            .map(|a| format!("{a:?}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "fix_runs: {shown}: {} in {:.1}s",
        build.status,
        t0.elapsed().as_secs_f64()
    );
    assert!(
        build.status.success() && out.is_file(),
        "the fix whyrun prints does not build: {shown} exited with {}:\n{}",
        build.status,
        String::from_utf8_lossy(&build.stderr)
    );
    out.to_path_buf()
}

/// Runs `binary` copied to `at` in `root` (`fixtures/e2e/run_in_root.py`): the runner's JSON.
fn run_in_root(root: &Path, binary: &Path, at: &str, args: &[&str]) -> Value {
    let run = Command::new("python3")
        .arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "30", "--copy"])
        .arg(format!("{}:{at}:755", binary.display()))
        .arg("--")
        .arg(at)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        run.status.success(),
        "fix_runs: the runner failed for {}: {}",
        root.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).expect("the runner prints JSON")
}

#[test]
fn one_rebuild_for_every_finding_makes_one_binary_that_fixes_them() {
    // gin-go124-cgo in scratch-ca (CA certificates only): LIBC001 asks for CGO_ENABLED=0,
    // GO003 for -tags timetzdata; the combined line must do both at once.
    const ROOT_CA: &str = "scratch-ca";
    let roots = fixtures::roots_dir();
    let fixtures_dir = fixtures::cache_dir();
    preconditions(&roots, &fixtures_dir);
    let root = roots.join(ROOT_CA);
    let root_s = root.display().to_string();
    let gin = fixtures::built()
        .into_iter()
        .find(|f| f.name == "gin-go124-cgo")
        .expect("gin-go124-cgo in the manifest: run `bash fixtures/build.sh`")
        .path;
    let gin_s = gin.display().to_string();
    let check = |file: &str| {
        check_json(&[
            file,
            "--root",
            &root_s,
            "--as",
            "/app/ginapp",
            "--this-machine",
        ])
    };
    let before = check(&gin_s);
    let target = &before["binaries"][0]["targets"][0];
    let rebuild = &target["rebuild"];
    let line = rebuild["command"]
        .as_str()
        .unwrap_or_else(|| panic!("no combined rebuild for gin-go124-cgo in {ROOT_CA}: {target}"))
        .to_string();
    println!("fix_runs: the combined rebuild for gin-go124-cgo in {ROOT_CA}:\n  {line}");
    let labelled =
        |part: &str, code: &str| {
            rebuild["changes"].as_array().unwrap().iter().any(|c| {
                c["line"] == part && c["codes"].as_array().unwrap().iter().any(|x| x == code)
            })
        };
    assert!(labelled("CGO_ENABLED=0", "LIBC001"), "{rebuild}");
    assert!(labelled("-tags timetzdata", "GO003"), "{rebuild}");
    assert!(
        line.contains("CGO_ENABLED=0") && line.contains("-tags timetzdata"),
        "{line}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let out = build_fix_line(&fixtures_dir, &line, &tmp.path().join("ginapp"));
    let run = run_in_root(&root, &out, "/app/ginapp", &["selfcheck"]);
    let stdout = run["stdout"].as_str().unwrap_or_default();
    println!("fix_runs: /app/ginapp selfcheck in {ROOT_CA}: {run}");
    assert_eq!(
        run["started"], true,
        "the rebuilt binary did not start: {run}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("tz\tok\t")),
        "time zones still fail in the rebuilt binary: {stdout}"
    );
    let after = check(&out.display().to_string());
    let codes: Vec<&str> = findings(&after)
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    println!("fix_runs: whyrun check of the rebuilt binary in {ROOT_CA}: {codes:?}");
    for code in ["LIBC001", "GO003"] {
        assert!(!codes.contains(&code), "{code} is still reported: {after}");
    }
}

#[test]
fn shell_words_split_as_sh_does() {
    assert_eq!(
        shell_words(r#"A=1 go build -ldflags='-linkmode external -extldflags "-static -lm"' -o x"#),
        [
            "A=1",
            "go",
            "build",
            "-ldflags=-linkmode external -extldflags \"-static -lm\"",
            "-o",
            "x"
        ]
    );
    assert_eq!(
        shell_words(r#"a\ b "c\"d\x"  e''"#),
        ["a b", "c\"d\\x", "e"]
    );
    let (env, args) = parse_go_build(
        "CGO_ENABLED=1 GOAMD64=v1 go build -tags a,b -ldflags='-s -w' -o n example.com/m/cmd/n",
    );
    assert_eq!(
        env,
        [("CGO_ENABLED", "1"), ("GOAMD64", "v1")].map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        args,
        [
            "build",
            "-tags",
            "a,b",
            "-ldflags=-s -w",
            "-o",
            "n",
            "example.com/m/cmd/n"
        ]
    );
}
