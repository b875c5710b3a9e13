//! Scripts against reality: each script is run for real in the debootstrapped
//! `bookworm-min` root (`fixtures/e2e/run_in_root.py`: chroot(2) and execve(2)), and
//! `whyrun check` on the same script and root must say what happened: a CRLF `#!` line
//! (`execve` fails with ENOENT), `#!/usr/bin/env python3` in a root without Python (env
//! exits 127), and a plain `#!/bin/sh` script that runs.

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
    let out = Command::new("python3")
        .arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "20", "--copy"])
        .arg(format!("{}:/app/script:755", script.display()))
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
    let out = Command::new(env!("CARGO_BIN_EXE_whyrun"))
        .arg("check")
        .arg(script)
        .arg("--root")
        .arg(root)
        .args([
            "--as",
            "/app/script",
            "--this-machine",
            "--no-config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        json["binaries"][0]["targets"][0].clone(),
        out.status.code().unwrap(),
    )
}

fn script(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
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
