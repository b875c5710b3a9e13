//! Finding fixtures: the small ones committed under fixtures/small/, and the real ones that
//! `fixtures/build.sh` builds into a cache outside git and lists in its manifest.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The committed fixture `fixtures/small/NAME`.
pub fn small(name: &str) -> PathBuf {
    let p = repo().join("fixtures/small").join(name);
    assert!(p.is_file(), "missing committed fixture {}", p.display());
    p
}

/// Whether the tests run as root (the effective uid in /proc/self/status): running
/// programs in chroots, namespaces and containers needs it.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        == Some("0")
}

/// The cache directory `fixtures/build.sh` builds into.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WHYRUN_FIXTURES") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/fixtures")
}

/// The roots the tests run programs in (`fixtures/roots/build.sh`,
/// `fixtures/e2e/build-roots.sh`): `$WHYRUN_ROOTS`, else `~/.cache/whyrun/roots`.
pub fn roots_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WHYRUN_ROOTS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/roots")
}

/// One line of the manifest.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub kind: String,
    pub path: PathBuf,
    pub toolchain: String,
}

/// Every built fixture. Fails, rather than skipping, when they were not built: the tests
/// that use them are the proof that whyrun agrees with the real tools.
pub fn built() -> Vec<Fixture> {
    let dir = cache_dir();
    let manifest = dir.join("manifest.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): build the fixtures first with `bash fixtures/build.sh` \
             (or run the whole test command, `bash scripts/test.sh`)",
            manifest.display()
        )
    });
    let fixtures: Vec<Fixture> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 4, "bad manifest line: {l:?}");
            Fixture {
                name: cols[0].to_string(),
                kind: cols[1].to_string(),
                path: dir.join(cols[2]),
                toolchain: cols[3].to_string(),
            }
        })
        .collect();
    for f in &fixtures {
        assert!(
            f.path.is_file(),
            "manifest names {} but it is missing",
            f.path.display()
        );
    }
    fixtures
}

pub fn built_of_kind(kind: &str) -> Vec<Fixture> {
    let all: Vec<Fixture> = built().into_iter().filter(|f| f.kind == kind).collect();
    assert!(!all.is_empty(), "the manifest lists no {kind} fixtures");
    all
}

/// `whyrun inspect --json FILES…`, parsed, with the exit code.
pub fn inspect_json(files: &[&Path]) -> (Value, i32) {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .arg("inspect")
        .arg("--json")
        .args(files)
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    (json, out.status.code().unwrap_or(-1))
}

/// A copy of the cached root `root` at `dest` made of hard links (`cp -al`), leaving out
/// what the e2e test stages at its top while it runs (`e2e-staged-PID`, removed again at
/// any moment: copying it could fail half-way).
pub fn hardlink_copy(root: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).unwrap();
    for e in std::fs::read_dir(root).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("e2e-staged-") {
            continue;
        }
        let out = Command::new("cp")
            .arg("-al")
            .arg(e.path())
            .arg(dest)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cp -al {} {}: {}",
            e.path().display(),
            dest.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `whyrun check --unit app.service --root ROOT --this-machine --format json`: the exit
/// code and the first target.
pub fn check_unit_json(root: &Path) -> (i32, Value) {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(["check", "--no-config", "--unit", "app.service", "--root"])
        .arg(root)
        .args(["--this-machine", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    (
        out.status.code().unwrap_or(-1),
        json["binaries"][0]["targets"][0].clone(),
    )
}

/// The facts of one file, asserting it was read.
pub fn facts(file: &Path) -> Value {
    let (json, code) = inspect_json(&[file]);
    assert_eq!(code, 0, "whyrun inspect {} failed: {json}", file.display());
    json["files"][0]["facts"].clone()
}

/// Runs a tool and returns its stdout, failing the test with its stderr otherwise.
pub fn run(program: &str, args: &[&str]) -> String {
    run_command(Command::new(program), program, args)
}

/// [`run`] with a command already set up (its environment, its directory).
pub fn run_command(mut command: Command, program: &str, args: &[&str]) -> String {
    let out = command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (run scripts/install-deps.sh)"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
