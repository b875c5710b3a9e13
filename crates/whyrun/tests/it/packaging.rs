//! The release's packages and CI gates, installed and run as a user would: the wheel with
//! pip into a fresh venv, the npm packages with npm into a fresh directory, the release
//! archive with ci/install-whyrun.sh, the gate ci/run-whyrun.sh with each `--fail-on`, the
//! GitHub Action and the GitLab template (their YAML parsed, the steps run as the runner
//! would run them), and the pre-commit hook committing into a sample repository.
//!
//! The packages come from `$WHYRUN_DIST` (default `~/.cache/whyrun/release/dist`), where
//! `scripts/release.sh` builds the binaries and `scripts/package.sh` the packages; a test
//! fails, naming the missing file, when they are not there. The Python tools (auditwheel,
//! pre-commit, PyYAML) come from `scripts/tools-venv.sh`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{fixtures, json_schema};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The release's platform names for this machine: Rust triple, npm `cpu`, wheel arch.
fn this_platform() -> (&'static str, &'static str, &'static str) {
    if cfg!(target_arch = "aarch64") {
        ("aarch64-unknown-linux-gnu", "arm64", "aarch64")
    } else {
        ("x86_64-unknown-linux-gnu", "x64", "x86_64")
    }
}

fn dist() -> PathBuf {
    if let Some(d) = std::env::var_os("WHYRUN_DIST") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/release/dist")
}

/// `path`, failing the test when the release lacks it.
fn need(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: build the release with `bash scripts/release.sh` (it builds the \
         binaries into $WHYRUN_DIST, default ~/.cache/whyrun/release/dist, and calls \
         `bash scripts/package.sh DIST` for the wheels and npm packages)",
        path.display()
    );
    path
}

/// The one file in `dir` whose name starts with `prefix` and ends with `suffix`.
fn one_file(dir: &Path, prefix: &str, suffix: &str) -> PathBuf {
    let dir = need(dir.to_path_buf());
    let found: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {prefix}…{suffix} in {} (scripts/package.sh makes it), found {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn release_binary() -> PathBuf {
    let (triple, _, _) = this_platform();
    need(dist().join(format!("whyrun-{VERSION}-{triple}/whyrun")))
}

fn sha256(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    format!("{:x}", Sha256::digest(bytes))
}

/// The venv of scripts/tools-venv.sh (made once per pinned requirements file).
fn tools_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        let out = fixtures::run(
            "bash",
            &[fixtures::repo()
                .join("scripts/tools-venv.sh")
                .to_str()
                .unwrap()],
        );
        PathBuf::from(out.trim())
    })
}

fn tool(name: &str) -> Command {
    Command::new(tools_venv().join("bin").join(name))
}

/// Runs `command`, returning its output; fails when it cannot start.
fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// stdout and stderr, for assertions and failure messages.
fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn ok(command: &mut Command) -> String {
    let out = output(command);
    assert!(
        out.status.success(),
        "{command:?} failed ({}): {}",
        code(&out),
        text(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A YAML file as JSON, read by PyYAML (the parser pre-commit itself uses).
/// A SARIF file whyrun wrote, validated against the SARIF 2.1.0 schema.
fn sarif(path: &Path) -> Value {
    let v: Value = serde_json::from_slice(&fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let errors: Vec<String> = crate::sarif_schema::sarif_validator()
        .iter_errors(&v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} is not SARIF 2.1.0: {errors:?}",
        path.display()
    );
    v
}

fn yaml(path: &Path) -> Value {
    let out = ok(tool("python")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path));
    serde_json::from_str(&out).unwrap()
}

/// Runs `binary --version` inside a copy of the cached root `name` (chroot), returning
/// its output: the proof that the static binary needs nothing of that system.
fn run_in_root(name: &str, binary: &Path, args: &[&str]) -> Output {
    assert!(
        fixtures::is_root(),
        "running in the {name} root needs root (chroot); run the tests as root"
    );
    let root = fixtures::roots_dir().join(name);
    need(root.clone());
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("root");
    fixtures::hardlink_copy(&root, &copy);
    fs::copy(binary, copy.join("probe")).unwrap();
    output(Command::new("chroot").arg(&copy).arg("/probe").args(args))
}

/// An installed `whyrun` checks a musl binary against debian-12: exit code 1, LIBC003.
fn assert_judges_a_musl_binary_on_debian(whyrun: &Path) {
    let out = output(
        Command::new(whyrun)
            .arg("check")
            .arg(fixtures::small("c-musl-dynamic"))
            .args(["--target", "debian-12"]),
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("LIBC003"), "{}", text(&out));
}

#[test]
fn pip_installs_the_wheel_into_a_fresh_venv() {
    let (_, _, arch) = this_platform();
    let wheel = one_file(
        &dist().join("python"),
        &format!("whyrun-{VERSION}-py3-none-"),
        &format!("_{arch}.whl"),
    );
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    // A fully static binary: manylinux2014 (manylinux_2_17) as maturin tags it, and
    // musllinux_1_1, since it needs no libc of the system.
    for tag in [
        format!("manylinux2014_{arch}"),
        format!("manylinux_2_17_{arch}"),
        format!("musllinux_1_1_{arch}"),
    ] {
        assert!(name.contains(&tag), "{name} lacks the platform tag {tag}");
    }
    let shown = ok(tool("auditwheel").arg("show").arg(&wheel));
    assert!(
        shown.contains("requires no external shared libraries")
            && shown.contains(&format!("\"manylinux_2_5_{arch}\"")),
        "auditwheel show {name}: {shown}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    ok(Command::new(venv.join("bin/pip"))
        .args(["install", "--no-index", "--disable-pip-version-check"])
        .arg(&wheel));
    let whyrun = venv.join("bin/whyrun");
    assert_eq!(
        ok(Command::new(&whyrun).arg("--version")),
        format!("whyrun {VERSION}\n")
    );
    assert_eq!(
        sha256(&whyrun),
        sha256(&release_binary()),
        "the wheel's whyrun is not the release binary"
    );
    assert_judges_a_musl_binary_on_debian(&whyrun);

    // pip on a musl system takes the wheel: a musl 1.2 system's pip accepts musllinux_1_2
    // and the lower musllinux_1_1 (PEP 656), given here as --platform since pip does not
    // expand an explicit musllinux platform. The binary runs there: a musl root with no
    // glibc at all.
    ok(Command::new(venv.join("bin/pip"))
        .args(["install", "--no-index", "--no-deps", "--only-binary=:all:"])
        .args(["--platform", &format!("musllinux_1_2_{arch}")])
        .args(["--platform", &format!("musllinux_1_1_{arch}")])
        .arg("--target")
        .arg(tmp.path().join("musl"))
        .arg(&wheel));
    let out = run_in_root("musl-busybox", &whyrun, &["--version"]);
    assert_eq!(
        (
            code(&out),
            String::from_utf8_lossy(&out.stdout).into_owned()
        ),
        (0, format!("whyrun {VERSION}\n")),
        "the wheel's whyrun in a musl root: {}",
        text(&out)
    );
    // whyrun agrees about itself.
    let out = output(
        Command::new(&whyrun)
            .arg("check")
            .arg(&whyrun)
            .arg("--root")
            .arg(fixtures::roots_dir().join("musl-busybox"))
            .args(["--format", "json"]),
    );
    let report = json_schema::parse_output(&out);
    assert_eq!(
        (code(&out), &report["binaries"][0]["targets"][0]["verdict"]),
        (0, &Value::from("runs")),
        "{}",
        text(&out)
    );
}

/// `npm install --offline` of tarballs into a fresh project with its own cache: nothing
/// comes from a registry.
fn npm_install(dir: &Path, tarballs: &[&Path], extra: &[&str]) -> Output {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("package.json"), "{\"private\": true}\n").unwrap();
    output(
        Command::new("npm")
            .current_dir(dir)
            .args(["install", "--offline", "--no-audit", "--no-fund", "--cache"])
            .arg(dir.join(".npm-cache"))
            .args(extra)
            .args(tarballs),
    )
}

#[test]
fn npm_installs_the_binary_of_this_platform() {
    let (_, cpu, _) = this_platform();
    let npm = dist().join("npm");
    let main = need(npm.join(format!("whyrun-{VERSION}.tgz")));
    let platform = need(npm.join(format!("whyrun-linux-{cpu}-{VERSION}.tgz")));
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    let out = npm_install(&project, &[&main, &platform], &[]);
    assert!(out.status.success(), "npm install: {}", text(&out));

    let whyrun = project.join("node_modules/.bin/whyrun");
    assert_eq!(
        ok(Command::new(&whyrun).arg("--version")),
        format!("whyrun {VERSION}\n")
    );
    let installed = project.join(format!("node_modules/@whyrun/linux-{cpu}/bin/whyrun"));
    assert_eq!(sha256(&installed), sha256(&release_binary()));
    // The launcher passes the arguments, output and exit code through.
    assert_judges_a_musl_binary_on_debian(&whyrun);
    let out = output(Command::new(&whyrun).args(["check", "--format", "nonsense"]));
    assert_eq!(code(&out), 2, "{}", text(&out));
}

/// A stand-in for another platform's package: its `bin/whyrun` prints its arguments and
/// exits 7.
fn fake_platform_package(dir: &Path, cpu: &str) -> PathBuf {
    let pkg = dir.join(format!("fake-{cpu}"));
    fs::create_dir_all(pkg.join("bin")).unwrap();
    fs::write(
        pkg.join("package.json"),
        format!(
            "{{\"name\": \"@whyrun/linux-{cpu}\", \"version\": \"{VERSION}\", \"os\": [\"linux\"], \
             \"cpu\": [\"{cpu}\"], \"files\": [\"bin/whyrun\"]}}\n"
        ),
    )
    .unwrap();
    let bin = pkg.join("bin/whyrun");
    fs::write(
        &bin,
        format!("#!/bin/sh\necho \"fake {cpu} whyrun: $*\"\nexit 7\n"),
    )
    .unwrap();
    ok(Command::new("chmod").arg("755").arg(&bin));
    ok(Command::new("npm")
        .current_dir(&pkg)
        .args(["pack", "--silent", "--pack-destination"])
        .arg(dir));
    need(dir.join(format!("whyrun-linux-{cpu}-{VERSION}.tgz")))
}

#[test]
fn npm_launcher_runs_the_package_of_process_arch() {
    let (_, cpu, _) = this_platform();
    let other = if cpu == "x64" { "arm64" } else { "x64" };
    let main = need(dist().join(format!("npm/whyrun-{VERSION}.tgz")));
    let tmp = tempfile::tempdir().unwrap();
    let fake = fake_platform_package(tmp.path(), other);

    // npm refuses the other platform's package (its `cpu`) unless forced.
    let refused = npm_install(&tmp.path().join("refused"), &[&fake], &[]);
    assert!(
        !refused.status.success(),
        "npm installed a {other} package here"
    );
    assert!(
        text(&refused).contains("EBADPLATFORM"),
        "{}",
        text(&refused)
    );

    // The layout npm makes on the other platform: the launcher and that package only.
    let project = tmp.path().join("project");
    let out = npm_install(&project, &[&main, &fake], &["--force"]);
    assert!(out.status.success(), "npm install --force: {}", text(&out));
    assert!(!project
        .join(format!("node_modules/@whyrun/linux-{cpu}"))
        .exists());
    let launcher = project.join("node_modules/whyrun/bin/whyrun.js");
    let pretend = tmp.path().join("arch.js");
    fs::write(
        &pretend,
        format!("Object.defineProperty(process, \"arch\", {{ value: \"{other}\" }});\n"),
    )
    .unwrap();
    let out = output(
        Command::new("node")
            .arg("--require")
            .arg(&pretend)
            .arg(&launcher)
            .args(["check", "a b"]),
    );
    assert_eq!(
        (
            code(&out),
            String::from_utf8_lossy(&out.stdout).into_owned()
        ),
        (7, format!("fake {other} whyrun: check a b\n")),
        "{}",
        text(&out)
    );
    // On this platform the same layout lacks this platform's package: one line saying
    // which package to install, exit 2.
    let out = output(Command::new("node").arg(&launcher).arg("--version"));
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains(&format!("@whyrun/linux-{cpu} is not installed")),
        "{}",
        text(&out)
    );
    // A platform without a package.
    let riscv = tmp.path().join("riscv.js");
    fs::write(
        &riscv,
        "Object.defineProperty(process, \"arch\", { value: \"riscv64\" });\n",
    )
    .unwrap();
    let out = output(
        Command::new("node")
            .arg("--require")
            .arg(&riscv)
            .arg(&launcher),
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    assert!(
        text(&out).contains("no binary for linux-riscv64"),
        "{}",
        text(&out)
    );
}

/// ci/install-whyrun.sh with the release served from `release` (a file:// URL).
fn install_script(release: &Path, dir: &Path, env: &[(&str, &str)]) -> Output {
    output(
        Command::new("bash")
            .arg(fixtures::repo().join("ci/install-whyrun.sh"))
            .env("WHYRUN_VERSION", format!("v{VERSION}"))
            .env(
                "WHYRUN_RELEASE_URL",
                format!("file://{}", release.display()),
            )
            .env("WHYRUN_INSTALL_DIR", dir)
            .env_remove("WHYRUN_SHA256")
            .env_remove("GITHUB_PATH")
            .envs(env.iter().copied()),
    )
}

#[test]
fn install_script_checks_the_release_sha256() {
    let (triple, _, _) = this_platform();
    let archive_name = format!("whyrun-{VERSION}-{triple}.tar.gz");
    let archive = need(dist().join(&archive_name));
    need(dist().join("SHA256SUMS"));
    let tmp = tempfile::tempdir().unwrap();
    let github_path = tmp.path().join("github_path");
    let dir = tmp.path().join("bin");
    let out = install_script(
        &dist(),
        &dir,
        &[("GITHUB_PATH", github_path.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n", dir.join("whyrun").display())
    );
    assert_eq!(sha256(&dir.join("whyrun")), sha256(&release_binary()));
    assert_eq!(
        fs::read_to_string(&github_path).unwrap(),
        format!("{}\n", dir.display())
    );

    // Pinned to the archive's real hash: installs; to another: refuses.
    let real = sha256(&archive);
    let out = install_script(
        &dist(),
        &tmp.path().join("pinned"),
        &[("WHYRUN_SHA256", &real)],
    );
    assert!(out.status.success(), "{}", text(&out));
    let wrong = "0".repeat(64);
    let out = install_script(
        &dist(),
        &tmp.path().join("wrong"),
        &[("WHYRUN_SHA256", &wrong)],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("WHYRUN_SHA256 says"), "{}", text(&out));
    assert!(!tmp.path().join("wrong/whyrun").exists());

    // A release whose archive is not what its SHA256SUMS says (one byte appended).
    let bad = tmp.path().join("bad-release");
    fs::create_dir_all(&bad).unwrap();
    let mut bytes = fs::read(&archive).unwrap();
    bytes.push(0);
    fs::write(bad.join(&archive_name), bytes).unwrap();
    fs::copy(dist().join("SHA256SUMS"), bad.join("SHA256SUMS")).unwrap();
    let out = install_script(&bad, &tmp.path().join("bad"), &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("but SHA256SUMS says"), "{}", text(&out));
    assert!(!tmp.path().join("bad/whyrun").exists());

    // No archive for the architecture; no such release.
    let out = install_script(
        &dist(),
        &tmp.path().join("riscv"),
        &[("WHYRUN_ARCH", "riscv64")],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    let out = install_script(&tmp.path().join("nowhere"), &tmp.path().join("x"), &[]);
    assert_eq!(code(&out), 1, "{}", text(&out));
    assert!(text(&out).contains("cannot download"), "{}", text(&out));
}

/// ci/run-whyrun.sh in `dir` with the release binary.
fn run_script(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("bash");
    c.arg(fixtures::repo().join("ci/run-whyrun.sh"))
        .current_dir(dir)
        .env("WHYRUN_BIN", release_binary());
    for v in [
        "WHYRUN_PATHS",
        "WHYRUN_TARGETS",
        "WHYRUN_FAIL_ON",
        "WHYRUN_FORMAT",
        "WHYRUN_REPORT",
        "WHYRUN_SARIF",
        "WHYRUN_ARGS",
        "GITHUB_OUTPUT",
    ] {
        c.env_remove(v);
    }
    output(c.envs(env.iter().copied()))
}

/// The built Gin fixture whose verdict on debian-12 is "risky" (no CA certificates).
fn risky_binary() -> PathBuf {
    fixtures::built()
        .into_iter()
        .find(|f| f.name == "gin-go124")
        .expect("the fixtures manifest lists no gin-go124")
        .path
}

#[test]
fn run_script_gates_by_fail_on() {
    let small = |n: &str| fixtures::small(n).to_str().unwrap().to_owned();
    // (binary, its verdict on debian-12, the exit code for each --fail-on: never,
    // will-not-start, fails-at-run-time, cannot-tell, risk).
    let cases: [(String, &str, [i32; 5]); 5] = [
        (small("go124-hello"), "runs", [0, 0, 0, 0, 0]),
        (
            risky_binary().to_str().unwrap().to_owned(),
            "risky",
            [0, 0, 0, 0, 1],
        ),
        (small("go124-nethello"), "fails-at-runtime", [0, 0, 1, 1, 1]),
        (small("c-x86-64-v3"), "cannot-tell", [0, 0, 0, 3, 3]),
        (small("c-musl-dynamic"), "wont-start", [0, 1, 1, 1, 1]),
    ];
    let thresholds = [
        "never",
        "will-not-start",
        "fails-at-run-time",
        "cannot-tell",
        "risk",
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for (binary, verdict, codes) in &cases {
        for (threshold, want) in thresholds.iter().zip(codes) {
            let out = run_script(
                tmp.path(),
                &[
                    ("WHYRUN_PATHS", binary),
                    ("WHYRUN_TARGETS", "debian-12"),
                    ("WHYRUN_FAIL_ON", threshold),
                    ("WHYRUN_FORMAT", "json"),
                ],
            );
            let report =
                json_schema::try_parse(&fs::read(tmp.path().join("whyrun-report.json")).unwrap())
                    .unwrap_or_else(|e| panic!("{binary}: the JSON report: {e}; {}", text(&out)));
            assert_eq!(
                report["binaries"][0]["targets"][0]["verdict"],
                *verdict,
                "{binary}: {}",
                text(&out)
            );
            // The log shows the human report too.
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("debian-12 (profile"),
                "{}",
                text(&out)
            );
            if code(&out) != *want {
                wrong.push(format!(
                    "{binary} --fail-on {threshold}: exit {}, want {want}",
                    code(&out)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // Several paths and targets, a human report, SARIF beside it, outputs for GitHub.
    let outputs = tmp.path().join("github_output");
    let paths = format!("{}\n{}", small("go124-hello"), small("c-musl-dynamic"));
    let out = run_script(
        tmp.path(),
        &[
            ("WHYRUN_PATHS", &paths),
            ("WHYRUN_TARGETS", "debian-12, alpine-3.19"),
            ("WHYRUN_FAIL_ON", "will-not-start"),
            ("WHYRUN_SARIF", "out.sarif"),
            ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
        ],
    );
    assert_eq!(code(&out), 1, "{}", text(&out));
    let human = fs::read_to_string(tmp.path().join("whyrun-report.txt")).unwrap();
    for needle in [
        "alpine-3.19 (profile",
        "debian-12 (profile",
        "LIBC003",
        "go124-hello",
    ] {
        assert!(human.contains(needle), "no {needle:?} in {human}");
    }
    let sarif = sarif(&tmp.path().join("out.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(rules.contains(&"LIBC003"), "{rules:?}");
    assert_eq!(
        fs::read_to_string(&outputs).unwrap(),
        "exit-code=1\nreport=whyrun-report.txt\nsarif=out.sarif\n"
    );

    // Bad inputs: exit 2 with one line.
    for (env, needle) in [
        (
            vec![("WHYRUN_PATHS", "x"), ("WHYRUN_FAIL_ON", "sometimes")],
            "fail-on must be",
        ),
        (
            vec![("WHYRUN_PATHS", "x"), ("WHYRUN_FORMAT", "xml")],
            "format must be",
        ),
        (vec![("WHYRUN_PATHS", " \n ")], "WHYRUN_PATHS is empty"),
    ] {
        let out = run_script(tmp.path(), &env);
        assert_eq!(code(&out), 2, "{env:?}: {}", text(&out));
        assert!(text(&out).contains(needle), "{env:?}: {}", text(&out));
    }
}

/// A GitHub Actions expression as the forms action.yml uses: `a || b`, `a && b`,
/// `a == 'lit'`, `inputs.x`, `github.x`, `'lit'`. Values are strings; false is "".
fn gh_eval(expr: &str, ctx: &BTreeMap<String, String>) -> String {
    if let Some(ors) = Some(expr.split("||").collect::<Vec<_>>()).filter(|v| v.len() > 1) {
        return ors
            .iter()
            .map(|e| gh_eval(e, ctx))
            .find(|v| !v.is_empty())
            .unwrap_or_default();
    }
    if expr.contains("&&") {
        let mut last = String::new();
        for e in expr.split("&&") {
            last = gh_eval(e, ctx);
            if last.is_empty() {
                return last;
            }
        }
        return last;
    }
    if let Some((a, b)) = expr.split_once("==") {
        return if gh_eval(a, ctx) == gh_eval(b, ctx) {
            "true".into()
        } else {
            String::new()
        };
    }
    let e = expr.trim();
    if let Some(lit) = e.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return lit.to_string();
    }
    ctx.get(e)
        .unwrap_or_else(|| panic!("action.yml uses {e}, which the test does not provide"))
        .clone()
}

/// A string with each `${{ … }}` evaluated.
fn gh_expand(s: &str, ctx: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("unclosed ${{") + start;
        out.push_str(&gh_eval(&rest[start + 3..end], ctx));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The WHYRUN_* variables a script reads (or documents).
fn script_vars(script: &str) -> BTreeSet<String> {
    let text = fs::read_to_string(fixtures::repo().join(script)).unwrap();
    text.match_indices("WHYRUN_")
        .map(|(i, _)| {
            text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn action_yml_runs_its_scripts_with_its_inputs() {
    let action = yaml(&fixtures::repo().join("action.yml"));
    let declared: Vec<String> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for want in [
        "paths",
        "targets",
        "fail-on",
        "format",
        "upload-sarif",
        "version",
        "sha256",
    ] {
        assert!(
            declared.iter().any(|d| d == want),
            "action.yml has no input {want}"
        );
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let whole = serde_json::to_string(steps).unwrap();
    for input in &declared {
        assert!(
            whole.contains(&format!("inputs.{input} "))
                || whole.contains(&format!("inputs.{input}}}")),
            "action.yml declares the input {input} but no step uses it"
        );
    }
    // Each variable a step gives its script is one the script reads.
    for (step, script) in [(0, "ci/install-whyrun.sh"), (1, "ci/run-whyrun.sh")] {
        let reads = script_vars(script);
        for var in steps[step]["env"].as_object().unwrap().keys() {
            assert!(
                !var.starts_with("WHYRUN_")
                    || reads.contains(var)
                    || var == "WHYRUN_ACTION_REPOSITORY",
                "action.yml step {step} sets {var}, which {script} does not read"
            );
        }
        assert!(steps[step]["run"]
            .as_str()
            .unwrap()
            .contains(&format!("$GITHUB_ACTION_PATH/{script}")));
    }
    let upload = &steps[2];
    assert!(upload["uses"]
        .as_str()
        .unwrap()
        .starts_with("github/codeql-action/upload-sarif@"));
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.check.outputs.sarif }}"
    );
    assert!(upload["if"].as_str().unwrap().contains("always()"));

    // The two run steps, as the runner runs them: `bash -e {0}` with the step's env, the
    // action's directory in GITHUB_ACTION_PATH, PATH extended by GITHUB_PATH.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("workspace");
    fs::create_dir_all(&work).unwrap();
    let github_path = tmp.path().join("github_path");
    let github_output = tmp.path().join("github_output");
    let paths = format!(
        "{} {}",
        fixtures::small("go124-hello").display(),
        fixtures::small("c-musl-dynamic").display()
    );
    for (fail_on, want) in [("will-not-start", 1), ("never", 0)] {
        let _ = fs::remove_file(&github_output);
        let mut ctx: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in action["inputs"].as_object().unwrap() {
            ctx.insert(
                format!("inputs.{k}"),
                v["default"].as_str().unwrap_or("").to_string(),
            );
        }
        for (k, v) in [
            ("inputs.paths", paths.as_str()),
            ("inputs.targets", "debian-12"),
            ("inputs.fail-on", fail_on),
            ("inputs.format", "json"),
            ("inputs.upload-sarif", "true"),
            (
                "inputs.release-url",
                &format!("file://{}", dist().display()),
            ),
            ("github.action_ref", &format!("v{VERSION}")),
            ("github.action_repository", "example/whyrun"),
        ] {
            ctx.insert(k.to_string(), v.to_string());
        }
        let mut codes = Vec::new();
        for step in &steps[..2] {
            let mut c = Command::new("bash");
            c.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
                .arg(step["run"].as_str().unwrap())
                .current_dir(&work)
                .env("GITHUB_ACTION_PATH", fixtures::repo())
                .env("GITHUB_PATH", &github_path)
                .env("GITHUB_OUTPUT", &github_output)
                .env("RUNNER_TEMP", tmp.path());
            for (k, v) in step["env"].as_object().unwrap() {
                c.env(k, gh_expand(v.as_str().unwrap(), &ctx));
            }
            let added = fs::read_to_string(&github_path).unwrap_or_default();
            let path = added
                .lines()
                .chain([std::env::var("PATH").unwrap().as_str()])
                .collect::<Vec<_>>()
                .join(":");
            let out = output(c.env("PATH", path));
            codes.push((code(&out), text(&out)));
        }
        assert_eq!(codes[0].0, 0, "install step: {}", codes[0].1);
        assert_eq!(
            codes[1].0, want,
            "check step, fail-on {fail_on}: {}",
            codes[1].1
        );
        assert_eq!(
            fs::read_to_string(&github_output).unwrap(),
            format!("exit-code={want}\nreport=whyrun-report.json\nsarif=whyrun.sarif\n")
        );
        let sarif = sarif(&work.join("whyrun.sarif"));
        assert_eq!(sarif["version"], "2.1.0");
        let report = json_schema::parse(&fs::read(work.join("whyrun-report.json")).unwrap());
        assert_eq!(report["binaries"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn gitlab_template_runs_its_script() {
    let template = yaml(&fixtures::repo().join("ci/whyrun.gitlab-ci.yml"));
    let job = &template[".whyrun"];
    assert_eq!(job["artifacts"]["when"], "always");
    let variables = job["variables"].as_object().unwrap();
    let mut reads = script_vars("ci/install-whyrun.sh");
    reads.extend(script_vars("ci/run-whyrun.sh"));
    for var in variables.keys() {
        assert!(
            reads.contains(var) || var == "WHYRUN_SCRIPTS_URL",
            "the template sets {var}, which no script reads"
        );
    }
    let script: Vec<&str> = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();

    // The job as a runner runs it, with a user's variables over the template's: each line
    // in one shell, stopping at the first that fails.
    // (WHYRUN_FAIL_ON, the release's URL, the job's exit code): a failed install fails the
    // job with the install script's message and code.
    let nowhere = "file:///nonexistent/release";
    for (fail_on, release, want) in [
        ("will-not-start", None, 1),
        ("never", None, 0),
        ("never", Some(nowhere), 1),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let mut env: BTreeMap<String, String> = variables
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        for (k, v) in [
            ("WHYRUN_VERSION", VERSION.to_string()),
            (
                "WHYRUN_RELEASE_URL",
                release.map_or_else(|| format!("file://{}", dist().display()), str::to_string),
            ),
            (
                "WHYRUN_SCRIPTS_URL",
                format!("file://{}/ci", fixtures::repo().display()),
            ),
            (
                "WHYRUN_PATHS",
                fixtures::small("c-musl-dynamic").display().to_string(),
            ),
            ("WHYRUN_TARGETS", "debian-12".to_string()),
            ("WHYRUN_FAIL_ON", fail_on.to_string()),
            ("CI_PROJECT_DIR", tmp.path().display().to_string()),
        ] {
            env.insert(k.to_string(), v);
        }
        let out = output(
            Command::new("bash")
                .args(["-e", "-c"])
                .arg(script.join("\n"))
                .current_dir(tmp.path())
                .env_remove("WHYRUN_BIN")
                .env_remove("GITHUB_OUTPUT")
                .envs(&env),
        );
        assert_eq!(code(&out), want, "fail-on {fail_on}: {}", text(&out));
        if release.is_some() {
            assert!(
                text(&out).contains("install-whyrun: cannot download"),
                "{}",
                text(&out)
            );
            continue;
        }
        for artifact in job["artifacts"]["paths"].as_array().unwrap() {
            let name = artifact.as_str().unwrap();
            let name = env
                .get(name.trim_start_matches('$'))
                .unwrap_or_else(|| panic!("artifact {name} names no variable"));
            let path = tmp.path().join(name);
            let v =
                if path.extension().is_some_and(|e| e == "sarif") {
                    sarif(&path)
                } else {
                    json_schema::parse(&fs::read(&path).unwrap_or_else(|e| {
                        panic!("artifact {}: {e}; {}", path.display(), text(&out))
                    }))
                };
            assert!(v.is_object(), "{}", path.display());
        }
    }
}

/// A git repository holding what `pip install .` needs to build the wheel, with fixed commit
/// metadata, at `base/hook-repo-COMMIT`: the same sources give the same commit at the same
/// path, and pre-commit reuses the hook environment it installed for it. Made aside and
/// renamed into place, so a concurrent run never sees it half-made.
fn hook_repository(base: &Path) -> (PathBuf, String) {
    fs::create_dir_all(base).unwrap();
    let staging = tempfile::tempdir_in(base).unwrap();
    let repo = staging.path().join("repo");
    fs::create_dir_all(&repo).unwrap();
    let src = fixtures::repo();
    for f in [
        ".pre-commit-hooks.yaml",
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        fs::copy(src.join(f), repo.join(f)).unwrap();
    }
    // The crates' sources, without their tests (not part of the build).
    let files = ok(Command::new("git").current_dir(&src).args([
        "ls-files",
        "--cached",
        "--others",
        "--exclude-standard",
        "crates",
    ]));
    for f in files
        .lines()
        .filter(|f| !f.contains("/tests/") && !f.contains("/benches/"))
    {
        let from = src.join(f);
        if !from.is_file() {
            continue;
        }
        let to = repo.join(f);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&from, &to).unwrap();
    }
    let git = |args: &[&str]| {
        ok(Command::new("git")
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "whyrun tests")
            .env("GIT_AUTHOR_EMAIL", "tests@example.invalid")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_NAME", "whyrun tests")
            .env("GIT_COMMITTER_EMAIL", "tests@example.invalid")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .args(args))
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["-c", "commit.gpgsign=false", "commit", "-q", "-m", "hook"]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_string();
    let kept = base.join(format!("hook-repo-{rev}"));
    if !kept.exists() {
        // Repositories of older sources go; their pre-commit environments stay in the
        // store until `pre-commit gc`.
        for e in fs::read_dir(base).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with("hook-repo-") {
                let _ = fs::remove_dir_all(e.path());
            }
        }
        let _ = fs::rename(&repo, &kept);
    }
    assert!(
        kept.join(".git").is_dir(),
        "{} was not made",
        kept.display()
    );
    (kept, rev)
}

#[test]
fn pre_commit_hook_blocks_a_commit_of_a_binary_that_will_not_start() {
    // pre-commit's store and cargo's target directory persist, so a second run with the
    // same sources installs nothing; the hook's wheel is built with the dev profile (the
    // release profile's fat LTO would take minutes).
    let cache = fixtures::cache_dir().parent().unwrap().join("pre-commit");
    let (hook_repo, rev) = hook_repository(&cache);
    let tmp = tempfile::tempdir().unwrap();
    let sample = tmp.path().join("sample");
    fs::create_dir_all(&sample).unwrap();
    let git = |args: &[&str]| {
        output(
            Command::new("git")
                .current_dir(&sample)
                .env("PRE_COMMIT_HOME", cache.join("home"))
                .env("CARGO_TARGET_DIR", cache.join("target"))
                .env("MATURIN_PEP517_ARGS", "--profile dev")
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
                .args(["-c", "commit.gpgsign=false"])
                .args(args),
        )
    };
    assert!(git(&["init", "-q", "-b", "main"]).status.success());
    fs::write(
        sample.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: whyrun\n        \
             args: [--target, debian-12, --fail-on, will-not-start]\n",
            hook_repo.display()
        ),
    )
    .unwrap();
    let install = output(
        tool("pre-commit")
            .current_dir(&sample)
            .env("PRE_COMMIT_HOME", cache.join("home"))
            .args(["install"]),
    );
    assert!(
        install.status.success(),
        "pre-commit install: {}",
        text(&install)
    );
    let commits = || {
        let out = git(&["rev-list", "--count", "HEAD"]);
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .unwrap_or(0)
    };

    // A binary that runs on debian-12: committed.
    fs::copy(fixtures::small("go124-hello"), sample.join("hello")).unwrap();
    assert!(git(&["add", "hello", ".pre-commit-config.yaml"])
        .status
        .success());
    let out = git(&["commit", "-q", "-m", "hello"]);
    assert!(
        out.status.success(),
        "the commit of a binary that runs failed: {}",
        text(&out)
    );
    assert_eq!(commits(), 1);
    assert!(
        text(&out).contains("whyrun check"),
        "the hook did not run: {}",
        text(&out)
    );

    // A musl binary, whose loader debian-12 lacks: the hook fails the commit.
    fs::copy(fixtures::small("c-musl-dynamic"), sample.join("app")).unwrap();
    assert!(git(&["add", "app"]).status.success());
    let out = git(&["commit", "-q", "-m", "app"]);
    assert!(
        !out.status.success(),
        "the commit went through: {}",
        text(&out)
    );
    assert!(text(&out).contains("LIBC003"), "{}", text(&out));
    assert_eq!(commits(), 1);

    // Environments of older sources leave pre-commit's store (this sample's is in use).
    let gc = output(
        tool("pre-commit")
            .current_dir(&sample)
            .env("PRE_COMMIT_HOME", cache.join("home"))
            .arg("gc"),
    );
    assert!(gc.status.success(), "pre-commit gc: {}", text(&gc));

    // Reality agrees: in a Debian 12 root the first starts, the second does not.
    let out = run_in_root("bookworm-min", &fixtures::small("go124-hello"), &[]);
    assert_eq!(code(&out), 0, "go124-hello in bookworm: {}", text(&out));
    let out = run_in_root("bookworm-min", &fixtures::small("c-musl-dynamic"), &[]);
    assert!(
        code(&out) == 127 && text(&out).contains("No such file or directory"),
        "c-musl-dynamic in bookworm: exit {}: {}",
        code(&out),
        text(&out)
    );
}

#[test]
fn arm64_packages_hold_the_arm64_binary() {
    // The release's aarch64 binary, its wheel and its npm package, checked from an x86_64
    // machine: the binaries run under qemu-aarch64-static (user-mode emulation; a static
    // binary needs no aarch64 root).
    let binary = need(dist().join(format!("whyrun-{VERSION}-aarch64-unknown-linux-gnu/whyrun")));
    let qemu = |bin: &Path| {
        let out = output(
            Command::new("qemu-aarch64-static")
                .arg(bin)
                .arg("--version"),
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("whyrun {VERSION}\n"),
            "{} under qemu-aarch64-static: {}",
            bin.display(),
            text(&out)
        );
    };
    qemu(&binary);

    let wheel = one_file(
        &dist().join("python"),
        &format!("whyrun-{VERSION}-py3-none-"),
        "_aarch64.whl",
    );
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    for tag in [
        "manylinux2014_aarch64",
        "manylinux_2_17_aarch64",
        "musllinux_1_1_aarch64",
    ] {
        assert!(name.contains(tag), "{name} lacks the platform tag {tag}");
    }
    let shown = ok(tool("auditwheel").arg("show").arg(&wheel));
    assert!(
        shown.contains("requires no external shared libraries"),
        "auditwheel show {name}: {shown}"
    );
    // pip, as on an aarch64 machine, installs it; its whyrun is the release binary.
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("site");
    ok(tool("pip")
        .args(["install", "--no-index", "--no-deps", "--only-binary=:all:"])
        .args(["--platform", "manylinux2014_aarch64", "--target"])
        .arg(&target)
        .arg(&wheel));
    assert_eq!(sha256(&target.join("bin/whyrun")), sha256(&binary));

    // npm: the package declares linux/arm64, holds the binary, and the launcher runs it
    // when process.arch is arm64 (here the kernel cannot exec it: no binfmt_misc handler,
    // so the launcher's error names the arm64 binary it chose).
    let main = need(dist().join(format!("npm/whyrun-{VERSION}.tgz")));
    let arm = need(dist().join(format!("npm/whyrun-linux-arm64-{VERSION}.tgz")));
    let project = tmp.path().join("project");
    let out = npm_install(&project, &[&main, &arm], &["--force"]);
    assert!(out.status.success(), "npm install --force: {}", text(&out));
    let pkg = project.join("node_modules/@whyrun/linux-arm64");
    let manifest: Value =
        serde_json::from_slice(&fs::read(pkg.join("package.json")).unwrap()).unwrap();
    assert_eq!(
        (&manifest["os"], &manifest["cpu"]),
        (&serde_json::json!(["linux"]), &serde_json::json!(["arm64"]))
    );
    let main_manifest: Value = serde_json::from_slice(
        &fs::read(project.join("node_modules/whyrun/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        main_manifest["optionalDependencies"]["@whyrun/linux-arm64"],
        VERSION
    );
    let installed = pkg.join("bin/whyrun");
    assert_eq!(sha256(&installed), sha256(&binary));
    qemu(&installed);
    let pretend = tmp.path().join("arch.js");
    fs::write(
        &pretend,
        "Object.defineProperty(process, \"arch\", { value: \"arm64\" });\n",
    )
    .unwrap();
    let out = output(
        Command::new("node")
            .arg("--require")
            .arg(&pretend)
            .arg(project.join("node_modules/whyrun/bin/whyrun.js"))
            .arg("--version"),
    );
    let chosen = installed.canonicalize().unwrap();
    if out.status.success() {
        // A machine whose binfmt_misc runs aarch64 binaries.
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("whyrun {VERSION}\n")
        );
    } else {
        assert!(
            code(&out) == 2 && text(&out).contains(&chosen.display().to_string()),
            "the launcher did not run {}: {}",
            chosen.display(),
            text(&out)
        );
    }
}

#[test]
fn package_script_puts_the_release_binary_in_the_wheel() {
    // A release whose binary was processed after cargo built it (a section added by
    // objcopy): maturin's binary differs, and the wheel and the npm package get the
    // release's.
    let (triple, cpu, arch) = this_platform();
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let dir = dist.join(format!("whyrun-{VERSION}-{triple}"));
    fs::create_dir_all(&dir).unwrap();
    let binary = dir.join("whyrun");
    let note = tmp.path().join("note");
    fs::write(&note, "processed after cargo\n").unwrap();
    ok(Command::new("objcopy")
        .arg(format!("--add-section=.whyrun-test={}", note.display()))
        .arg(release_binary())
        .arg(&binary));
    assert_ne!(sha256(&binary), sha256(&release_binary()));
    assert_eq!(
        ok(Command::new(&binary).arg("--version")),
        format!("whyrun {VERSION}\n")
    );
    // maturin's cargo build, in a target directory of its own with the release profile
    // made cheap (no LTO, no optimisation): its binary is replaced either way.
    let target = fixtures::cache_dir()
        .parent()
        .unwrap()
        .join("package-test/target");
    let package = || {
        output(
            Command::new("bash")
                .arg(fixtures::repo().join("scripts/package.sh"))
                .arg(&dist)
                .env("CARGO_TARGET_DIR", &target)
                .env("CARGO_PROFILE_RELEASE_LTO", "off")
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
                .env("CARGO_PROFILE_RELEASE_STRIP", "none"),
        )
    };
    let out = package();
    assert!(out.status.success(), "package.sh: {}", text(&out));
    assert!(text(&out).contains("the wheel gets"), "{}", text(&out));
    let wheel = one_file(&dist.join("python"), "whyrun-", &format!("_{arch}.whl"));
    let site = tmp.path().join("site");
    ok(tool("pip")
        .args(["install", "--no-index", "--no-deps", "--target"])
        .arg(&site)
        .arg(&wheel));
    assert_eq!(sha256(&site.join("bin/whyrun")), sha256(&binary));
    let unpacked = tmp.path().join("npm");
    fs::create_dir_all(&unpacked).unwrap();
    ok(Command::new("tar")
        .arg("-xzf")
        .arg(dist.join(format!("npm/whyrun-linux-{cpu}-{VERSION}.tgz")))
        .arg("-C")
        .arg(&unpacked));
    assert_eq!(
        sha256(&unpacked.join("package/bin/whyrun")),
        sha256(&binary)
    );
    // Nothing changed: a second run makes nothing.
    let before = fs::metadata(&wheel).unwrap().modified().unwrap();
    let out = package();
    assert!(out.status.success(), "package.sh: {}", text(&out));
    assert!(text(&out).contains("up to date"), "{}", text(&out));
    assert_eq!(fs::metadata(&wheel).unwrap().modified().unwrap(), before);
}
