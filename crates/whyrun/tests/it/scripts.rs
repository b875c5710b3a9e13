//! Scripts against reality: each script is run for real in the debootstrapped
//! `bookworm-min` root (`fixtures/e2e/run_in_root.py`: chroot(2) and execve(2)), and
//! `whyrun check` on the same script and root must say what happened: a CRLF `#!` line
//! (`execve` fails with ENOENT), `#!/usr/bin/env python3` in a root without Python (env
//! exits 127), a script without its execute bit (`execve` fails with EACCES, for root and,
//! owner-only, for another user), and a plain `#!/bin/sh` script that runs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

fn root() -> PathBuf {
    let root = fixtures::roots_dir().join("bookworm-min");
    assert!(
        root.join("bin/sh").exists(),
        "{} is missing: build it with `bash fixtures/e2e/build-roots.sh` (the test command does)",
        root.display()
    );
    root
}

/// What really happens: the runner's JSON for `script` copied to /app/script.
fn run_for_real(root: &Path, script: &Path) -> Value {
    let mode = std::fs::metadata(script).unwrap().permissions().mode() & 0o7777;
    run_in_root(
        root,
        &[
            "--copy".into(),
            format!("{}:/app/script:{mode:o}", script.display()),
        ],
    )
}

/// The runner's JSON for `/app/script` in `root`, with `args` before the command.
fn run_in_root(root: &Path, args: &[String]) -> Value {
    let out = Command::new("python3")
        .arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "20"])
        .args(args)
        .args(["--", "/app/script"])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the runner failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the runner prints JSON")
}

/// What whyrun predicts for the same script in the same root.
fn predict(root: &Path, script: &Path) -> (Value, i32) {
    let script = script.to_str().unwrap();
    whyrun_check(root, &[script, "--as", "/app/script"])
}

/// `whyrun check ARGS --root ROOT --this-machine`: the first target's JSON, and the exit code.
fn whyrun_check(root: &Path, args: &[&str]) -> (Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_whyrun"))
        .arg("check")
        .args(args)
        .arg("--root")
        .arg(root)
        .args(["--this-machine", "--no-config", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    (
        json["binaries"][0]["targets"][0].clone(),
        out.status.code().unwrap(),
    )
}

fn script(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    script_with_mode(dir, name, text, 0o755)
}

fn script_with_mode(dir: &Path, name: &str, text: &[u8], mode: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

#[test]
fn scripts_agree_with_reality() {
    let root = root();
    let dir = tempfile::tempdir().unwrap();

    // CRLF: the kernel looks for "/bin/sh\r".
    let crlf = script(dir.path(), "crlf", b"#!/bin/sh\r\necho hello\r\n");
    let real = run_for_real(&root, &crlf);
    assert_eq!(real["started"], false, "{real}");
    assert_eq!(real["errno"], "ENOENT", "{real}");
    let (t, code) = predict(&root, &crlf);
    assert_eq!(
        (t["verdict"].as_str(), code),
        (Some("wont-start"), 1),
        "{t}"
    );
    assert_eq!(t["findings"][0]["code"], "FS005", "{t}");

    // env finds no python3: it starts, env fails with 127 before the script runs.
    let py = script(
        dir.path(),
        "py",
        b"#!/usr/bin/env python3\nprint('hello')\n",
    );
    let real = run_for_real(&root, &py);
    assert_eq!(real["exit_code"], 127, "{real}");
    assert!(
        real["stderr"].as_str().unwrap_or("").contains("python3"),
        "{real}"
    );
    let (t, code) = predict(&root, &py);
    assert_eq!(
        (t["verdict"].as_str(), code),
        (Some("wont-start"), 1),
        "{t}"
    );
    assert_eq!(t["findings"][0]["code"], "FS005", "{t}");

    // A plain shell script runs.
    let ok = script(dir.path(), "ok", b"#!/bin/sh\necho hello\n");
    let real = run_for_real(&root, &ok);
    assert_eq!(real["exit_code"], 0, "{real}");
    assert_eq!(real["stdout"], "hello\n", "{real}");
    let (t, code) = predict(&root, &ok);
    assert_eq!((t["verdict"].as_str(), code), (Some("runs"), 0), "{t}");
}

/// A script without its execute bit: the kernel checks the script's own mode before it
/// reads the `#!` line, so `execve` fails with EACCES although /bin/sh is there.
#[test]
fn a_script_without_its_execute_bit_will_not_start() {
    let root = root();
    let dir = tempfile::tempdir().unwrap();
    let text = b"#!/bin/sh\necho hello\n";

    // Mode 0644: no execute bit for anyone, root included.
    let plain = script_with_mode(dir.path(), "plain", text, 0o644);
    let real = run_for_real(&root, &plain);
    assert_eq!(real["started"], false, "{real}");
    assert_eq!(real["errno"], "EACCES", "{real}");
    assert_eq!(real["error"], "Permission denied", "{real}");
    let (t, code) = predict(&root, &plain);
    assert_eq!(
        (t["verdict"].as_str(), code),
        (Some("wont-start"), 1),
        "{t}"
    );
    assert_eq!(t["findings"][0]["code"], "FS001", "{t}");
    assert_eq!(t["findings"][0]["undecided"], false, "{t}");
    let said = t["findings"][0]["evidence"][2]["what"].as_str().unwrap();
    assert!(
        said.contains("EACCES (Permission denied)")
            && said.contains(r#"exec: "/app/script": permission denied"#),
        "{said}"
    );
}

/// Owner-only (0700, root's) in a root where the script already is: root runs it, nobody
/// (uid 65534) gets EACCES, and `--user` tells whyrun which of the two it is.
#[test]
fn an_owner_only_script_runs_for_its_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for d in ["bin", "etc", "app"] {
        std::fs::create_dir(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("busybox-static is installed");
    std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").unwrap();
    let s = script_with_mode(
        &root.join("app"),
        "script",
        b"#!/bin/sh\necho hello\n",
        0o700,
    );
    std::os::unix::fs::chown(&s, Some(0), Some(0)).unwrap();

    let as_nobody = run_in_root(root, &["--user".into(), "65534:65534".into()]);
    assert_eq!(as_nobody["errno"], "EACCES", "{as_nobody}");
    let (t, code) = whyrun_check(root, &["--inside", "/app/script", "--user", "nobody"]);
    assert_eq!(
        (t["verdict"].as_str(), code),
        (Some("wont-start"), 1),
        "{t}"
    );
    assert_eq!(t["findings"][0]["code"], "FS001", "{t}");
    assert!(
        t["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("lets only its owner execute it"),
        "{t}"
    );

    let as_root = run_in_root(root, &[]);
    assert_eq!(
        (&as_root["exit_code"], &as_root["stdout"]),
        (&Value::from(0), &Value::from("hello\n")),
        "{as_root}"
    );
    // It starts (Debian's busybox is static glibc: a risk about NSS may remain).
    let (t, code) = whyrun_check(root, &["--inside", "/app/script", "--user", "root"]);
    assert_eq!(code, 0, "{t}");
    assert!(
        ["runs", "risky"].contains(&t["verdict"].as_str().unwrap()),
        "{t}"
    );
    let codes: Vec<&str> = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"FS001"), "{t}");
}
