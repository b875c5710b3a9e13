//! The release (`scripts/release.sh`): each binary is static and says how it was built, its
//! archive carries what a user installs, it passes its own check on every built-in profile
//! that offers its CPU, it runs for real in every test root (chroot(2) + execve(2) by
//! `fixtures/e2e/run_in_root.py`; arm64 under qemu-aarch64), and a snapshot it takes in a
//! root gives the verdicts a check run in that root gives, on roots laid out as CentOS 7,
//! Amazon Linux 2, Debian 10 and Alpine 3.15 too.
//!
//! The release must have been built from this checkout first (`scripts/test.sh` does it):
//! every test fails, naming the script, when it is missing or built from another commit.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

const TRIPLES: [&str; 2] = ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];

/// `$WHYRUN_DIST`, else `~/.cache/whyrun/release/dist`, as `scripts/release.sh` writes it.
fn dist() -> PathBuf {
    if let Some(dir) = std::env::var_os("WHYRUN_DIST") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/release/dist")
}

/// The staged release directory of `triple`: `whyrun-VERSION-TRIPLE/`.
fn release_dir(triple: &str) -> PathBuf {
    let dir = dist().join(format!("whyrun-{}-{triple}", env!("CARGO_PKG_VERSION")));
    assert!(
        dir.join("whyrun").is_file(),
        "no release for {triple} in {}: run `bash scripts/release.sh`",
        dir.display()
    );
    dir
}

/// How to run a program of `triple` on this machine: directly, or under qemu-aarch64.
fn runner(triple: &str, bin: &Path) -> Command {
    if triple.starts_with("aarch64") {
        let mut c = Command::new("qemu-aarch64-static");
        c.arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn json_of(out: &std::process::Output, what: &str) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what} printed invalid JSON ({e}); stdout: {}; stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The commit of this checkout, read by git.
fn head() -> String {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(fixtures::repo())
        .output()
        .expect("git runs");
    assert!(out.status.success(), "the repository is a git checkout");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn each_release_binary_is_static_and_says_how_it_was_built() {
    let head = head();
    let rule_pages = std::fs::read_dir(fixtures::repo().join("docs/rules"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "README.md")
        .count();
    for triple in TRIPLES {
        let bin = release_dir(triple).join("whyrun");
        let out = runner(triple, &bin)
            .args(["version", "--verbose", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{triple}: version --verbose failed");
        let v = json_of(&out, "whyrun version --json");
        assert_eq!(v["target"], triple);
        assert_eq!(v["linkage"], "static", "{triple}: {v}");
        assert_eq!(v["libc"], "gnu", "{triple}: {v}");
        assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(v["profile"], "release");
        assert_eq!(
            v["commit"].as_str().unwrap().trim_end_matches("-dirty"),
            head,
            "{triple}: the release was built from another commit: run `bash scripts/release.sh`"
        );
        assert_eq!(
            v["rules"], rule_pages,
            "{triple}: one rule per docs/rules page"
        );
        assert!(
            v["rustc"].as_str().unwrap().starts_with("rustc 1."),
            "{triple}: {v}"
        );
        let human = runner(triple, &bin)
            .args(["version", "--verbose"])
            .output()
            .unwrap();
        let human = String::from_utf8_lossy(&human.stdout);
        assert!(
            human.contains(&format!("target:  {triple}")) && human.contains("linkage: static"),
            "{triple}: {human}"
        );

        // What the ELF file itself says, read by the development build: no interpreter,
        // no shared library, the right machine, no symbol table.
        let facts = fixtures::facts(&bin);
        let elf = &facts["elf"];
        assert_eq!(elf["linkage"], "static", "{triple}: {elf}");
        assert!(elf["interpreter"].is_null(), "{triple}: {elf}");
        assert_eq!(elf["needed"].as_array().unwrap().len(), 0, "{triple}");
        let machine = if triple.starts_with("aarch64") {
            "aarch64"
        } else {
            "x86_64"
        };
        assert_eq!(elf["machine"]["name"], machine);
        assert_eq!(
            elf["stripped"], true,
            "{triple}: the release binary is stripped"
        );
    }
}

#[test]
fn each_release_archive_holds_the_binary_man_pages_completions_and_licences() {
    let dist = dist();
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS"))
        .expect("SHA256SUMS in the release: run `bash scripts/release.sh`");
    for triple in TRIPLES {
        let name = format!("whyrun-{}-{triple}", env!("CARGO_PKG_VERSION"));
        let archive = dist.join(format!("{name}.tar.gz"));
        let bytes = std::fs::read(&archive).expect("the archive exists");
        let digest = sha256_hex(&bytes);
        assert!(
            sums.lines()
                .any(|l| l == format!("{digest}  {name}.tar.gz")),
            "SHA256SUMS has no line for {name}.tar.gz with {digest}:\n{sums}"
        );
        let listing = fixtures::run("tar", &["-tzvf", archive.to_str().unwrap()]);
        let entries: Vec<&str> = listing
            .lines()
            .map(|l| l.split_whitespace().last().unwrap())
            .collect();
        let commands = [
            "check",
            "explain",
            "rules",
            "rule",
            "inspect",
            "tree",
            "snapshot",
            "completions",
            "man",
            "version",
        ];
        let mut wanted: Vec<String> = [
            "whyrun",
            "README.md",
            "LICENSE-MIT",
            "LICENSE-APACHE",
            "THIRD-PARTY-LICENSES.md",
            "man/whyrun.1",
            "completions/whyrun.bash",
            "completions/_whyrun",
            "completions/whyrun.fish",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        wanted.extend(commands.iter().map(|c| format!("man/whyrun-{c}.1")));
        for w in &wanted {
            assert!(
                entries.contains(&format!("{name}/{w}").as_str()),
                "{name}.tar.gz lacks {w}: {entries:?}"
            );
        }
        // Owned by uid and gid 0, the binary executable by all.
        let bin_line = listing
            .lines()
            .find(|l| l.ends_with(&format!("{name}/whyrun")))
            .unwrap();
        assert!(bin_line.starts_with("-rwxr-xr-x 0/0 "), "{bin_line}");
        let dir = release_dir(triple);
        // Every crate the binary links is named with its licence's text.
        let licences = std::fs::read_to_string(dir.join("THIRD-PARTY-LICENSES.md")).unwrap();
        for krate in ["clap", "serde_json", "object", "rayon", "memmap2"] {
            assert!(
                licences.contains(&format!("[{krate} ")),
                "THIRD-PARTY-LICENSES.md does not name {krate}"
            );
        }
        assert!(licences.contains("Permission is hereby granted"));
        assert!(licences.contains("Apache License"));
        // The man page is roff for whyrun-check(1), the completions name the commands.
        let man = std::fs::read_to_string(dir.join("man/whyrun-check.1")).unwrap();
        assert!(
            man.starts_with(".ie") || man.contains(".TH whyrun-check"),
            "{}",
            &man[..200.min(man.len())]
        );
        let bash = std::fs::read_to_string(dir.join("completions/whyrun.bash")).unwrap();
        assert!(bash.contains("snapshot") && bash.contains("--fail-on"));
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The built-in profiles that offer `arch` (`amd64`, `arm64`), from `--list-targets`.
fn profiles_offering(arch: &str) -> Vec<String> {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(["--color", "never", "check", "--list-targets"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| {
            l.split(';')
                .nth(1)
                .is_some_and(|archs| archs.split_whitespace().any(|a| a == arch))
        })
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn each_release_binary_passes_its_own_check_on_every_profile_offering_its_cpu() {
    let checker = release_dir(TRIPLES[0]).join("whyrun");
    for (triple, arch) in [(TRIPLES[0], "amd64"), (TRIPLES[1], "arm64")] {
        let profiles = profiles_offering(arch);
        assert!(profiles.len() >= 30, "{arch}: {profiles:?}");
        for must in [
            "centos-7",
            "amazonlinux-2",
            "debian-10",
            "alpine-3.15",
            "scratch",
        ] {
            assert!(profiles.iter().any(|p| p == must), "{arch}: no {must}");
        }
        let bin = release_dir(triple).join("whyrun");
        let mut cmd = Command::new(&checker);
        cmd.args([
            "check",
            "--no-config",
            "--format",
            "json",
            "--as",
            "/usr/local/bin/whyrun",
        ])
        .arg(&bin);
        for p in &profiles {
            cmd.arg("-t").arg(format!("{p}@{arch}"));
        }
        let out = cmd.output().unwrap();
        let report = json_of(&out, "whyrun check");
        let targets = report["binaries"][0]["targets"].as_array().unwrap();
        assert_eq!(targets.len(), profiles.len());
        for t in targets {
            assert_eq!(
                t["verdict"], "runs",
                "{triple} on {}: {}",
                t["target"], t["findings"]
            );
        }
        assert_eq!(out.status.code(), Some(0), "{triple}: {report}");
    }
}

/// Runs `bin` copied to /app/whyrun in `root` with `args` (arm64 under qemu-aarch64), with
/// `extra` files copied in (`SRC:DEST[:MODE]`): the runner's JSON.
fn run_in_root(root: &Path, triple: &str, bin: &Path, args: &[&str], extra: &[String]) -> Value {
    let mut cmd = Command::new("python3");
    cmd.arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "60", "--copy"])
        .arg(format!("{}:/app/whyrun:755", bin.display()));
    for e in extra {
        cmd.args(["--copy", e]);
    }
    if triple.starts_with("aarch64") {
        cmd.args(["--qemu", "/usr/bin/qemu-aarch64-static"]);
    }
    let out = cmd
        .arg("--")
        .arg("/app/whyrun")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the runner failed in {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the runner prints JSON")
}

fn preconditions() -> PathBuf {
    assert!(
        fixtures::is_root(),
        "these tests run programs in chroots: run them as root"
    );
    let roots = fixtures::roots_dir();
    assert!(
        roots.join(".e2e-stamps/scratch-empty").is_file(),
        "the e2e roots are missing: run `bash fixtures/e2e/build-roots.sh`"
    );
    roots
}

#[test]
fn the_release_binary_runs_in_every_test_root_and_under_qemu_aarch64() {
    let roots = preconditions();
    let tmp = tempfile::tempdir().unwrap();
    for triple in TRIPLES {
        let bin = release_dir(triple).join("whyrun");
        for name in [
            "bullseye-min",
            "bookworm-min",
            "trixie-min",
            "musl-busybox",
            "scratch-empty",
        ] {
            let root = roots.join(name);
            // What whyrun predicts for its own binary there, checked from outside: the
            // root on this machine, or, under qemu-aarch64, a snapshot of the root on an
            // arm64 machine.
            let mut predicted = assert_cmd::Command::cargo_bin("whyrun").unwrap();
            predicted.args([
                "check",
                "--no-config",
                "--format",
                "json",
                "--as",
                "/app/whyrun",
            ]);
            if triple.starts_with("aarch64") {
                predicted.arg("-t").arg(crate::e2e::snapshot(
                    &roots,
                    name,
                    crate::e2e::Emulated::Aarch64,
                    tmp.path(),
                ));
            } else {
                predicted.arg("--root").arg(&root).arg("--this-machine");
            }
            let predicted = predicted.arg(&bin).output().unwrap();
            let predicted = json_of(&predicted, "whyrun check --root");
            let verdict = &predicted["binaries"][0]["targets"][0]["verdict"];

            let run = run_in_root(&root, triple, &bin, &["version", "--verbose"], &[]);
            let ran = run["exit_code"] == 0;
            assert!(ran, "{triple} in {}: {run}", root.display());
            assert!(
                run["stdout"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("target:  {triple}")),
                "{run}"
            );
            assert_eq!(
                verdict,
                "runs",
                "{triple} in {}: it ran, whyrun said {predicted}",
                root.display()
            );

            let snapshot = run_in_root(&root, triple, &bin, &["snapshot"], &[]);
            assert_eq!(
                snapshot["exit_code"],
                0,
                "{triple} snapshot in {}: {snapshot}",
                root.display()
            );
            let doc: Value = serde_json::from_str(snapshot["stdout"].as_str().unwrap())
                .expect("the snapshot is JSON");
            assert_eq!(doc["schema"], "whyrun.target/1");
        }
    }
}

/// Roots laid out as the old systems `whyrun snapshot` must run on. No such system is in
/// the archives these tests reach (Debian 10 left deb.debian.org, and the others are not
/// Debian), so each is a test root with that system's identifying files over it:
/// `fixtures/e2e/old-systems/NAME/` holds them (os-release and the release file, as those
/// systems ship them). The glibc ones stand on bullseye-min (glibc 2.31, the oldest
/// reachable), Alpine on musl-busybox (musl). The static release binary reads none of the
/// C library; what matters is that it runs there and that its snapshot says what a check
/// made there says.
const OLD_SYSTEMS: [(&str, &str, &str); 4] = [
    ("centos-7", "bullseye-min", "centos"),
    ("amazonlinux-2", "bullseye-min", "amzn"),
    ("debian-10", "bullseye-min", "debian"),
    ("alpine-3.15", "musl-busybox", "alpine"),
];

#[test]
fn a_snapshot_taken_in_a_root_gives_the_verdicts_a_check_made_there_gives() {
    let roots = preconditions();
    let bin = release_dir(TRIPLES[0]).join("whyrun");
    let probes = [
        "c-glibc-dynamic",
        "c-musl-dynamic",
        "c-cxx-dynamic",
        "c-x86-64-v3",
        "go124-nethello",
        "c-aarch64-dynamic",
    ];
    let mut cases: Vec<(String, PathBuf, Vec<String>, Option<&str>)> = [
        "bullseye-min",
        "bookworm-app",
        "trixie-min",
        "musl-busybox",
        "scratch-ca-tz",
    ]
    .iter()
    .map(|r| (r.to_string(), roots.join(r), Vec::new(), None))
    .collect();
    for (name, base, id) in OLD_SYSTEMS {
        let files = fixtures::repo().join("fixtures/e2e/old-systems").join(name);
        let mut extra = Vec::new();
        for e in walk(&files) {
            let rel = e.strip_prefix(&files).unwrap();
            extra.push(format!("{}:/{}:644", e.display(), rel.display()));
        }
        assert!(!extra.is_empty(), "no files in {}", files.display());
        cases.push((name.to_string(), roots.join(base), extra, Some(id)));
    }
    let mut copies = Vec::new();
    for p in probes {
        copies.push(format!("{}:/app/{p}:755", fixtures::small(p).display()));
    }
    let tmp = tempfile::tempdir().unwrap();
    for (name, root, extra, id) in &cases {
        let mut files = extra.clone();
        files.extend(copies.iter().cloned());
        let snap = run_in_root(root, TRIPLES[0], &bin, &["snapshot"], &files);
        assert_eq!(snap["exit_code"], 0, "snapshot in {name}: {snap}");
        let snap_text = snap["stdout"].as_str().unwrap();
        let doc: Value = serde_json::from_str(snap_text).unwrap();
        if let Some(id) = id {
            assert_eq!(
                doc["os"]["id"], *id,
                "{name}: the snapshot reads the system's os-release"
            );
        }
        let snap_file = tmp.path().join(format!("{name}.json"));
        std::fs::write(&snap_file, snap_text).unwrap();

        let mut args: Vec<String> = ["check", "--no-config", "--format", "json"]
            .map(String::from)
            .to_vec();
        args.extend(probes.iter().map(|p| format!("/app/{p}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let there = run_in_root(root, TRIPLES[0], &bin, &args, &files);
        let there: Value = serde_json::from_str(there["stdout"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("check in {name}: {e}: {there}"));
        let there_bins = there["binaries"].as_array().unwrap();
        assert_eq!(there_bins.len(), probes.len(), "{name}: {there}");

        for (i, p) in probes.iter().enumerate() {
            let here = Command::new(&bin)
                .args(["check", "--no-config", "--format", "json", "--as"])
                .arg(format!("/app/{p}"))
                .arg("-t")
                .arg(&snap_file)
                .arg(fixtures::small(p))
                .output()
                .unwrap();
            let here = json_of(&here, "whyrun check -t SNAPSHOT");
            let a = &there_bins[i]["targets"][0];
            let b = &here["binaries"][0]["targets"][0];
            assert_eq!(
                (a["verdict"].clone(), codes(a)),
                (b["verdict"].clone(), codes(b)),
                "{name}, {p}: a check made there and one from its snapshot differ"
            );
        }
    }
}

/// The codes of a target's findings, in order.
fn codes(target: &Value) -> Vec<String> {
    target["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
