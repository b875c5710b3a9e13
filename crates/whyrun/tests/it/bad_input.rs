//! Bad input: each bad file gets exactly one line on stderr naming it and the problem, the
//! exit code is 2, and the good files in the same run are still inspected.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn whyrun_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_whyrun"))
}

/// Runs `whyrun inspect --json GOOD BAD` and checks the contract for BAD.
fn assert_rejected(bad: &Path, expected: &str) {
    let good = whyrun_binary();
    let out = Command::cargo_bin("whyrun")
        .unwrap()
        .args(["inspect", "--json"])
        .arg(&good)
        .arg(bad)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit code for {}",
        bad.display()
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line on stderr, got {stderr:?}"
    );
    assert!(
        lines[0].starts_with(&format!("whyrun: {}: ", bad.display())),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(expected),
        "{:?} does not say {expected:?}",
        lines[0]
    );
    let json: serde_json::Value = crate::json_schema::parse(&out.stdout);
    assert_eq!(json["schema"], "whyrun.inspect/1");
    assert!(
        json["files"][0]["facts"]["elf"].is_object(),
        "the good file was not inspected"
    );
    assert!(json["files"][1]["error"]
        .as_str()
        .unwrap()
        .contains(expected));
}

fn temp_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("input");
    std::fs::write(&p, bytes).unwrap();
    (dir, p)
}

#[test]
fn text_file_is_not_elf() {
    let (_d, p) = temp_with(b"#!/bin/sh\necho hi\n");
    assert_rejected(&p, "not an ELF binary: it is a script");
}

#[test]
fn empty_file() {
    let (_d, p) = temp_with(b"");
    assert_rejected(&p, "the file is empty");
}

#[test]
fn directory() {
    let d = tempfile::tempdir().unwrap();
    assert_rejected(d.path(), "a directory");
}

#[test]
fn missing_file() {
    let d = tempfile::tempdir().unwrap();
    assert_rejected(&d.path().join("nope"), "no such file");
}

#[test]
fn device_is_not_a_regular_file() {
    assert_rejected(Path::new("/dev/null"), "not a regular file");
}

#[test]
fn truncated_binaries() {
    let bytes = std::fs::read(whyrun_binary()).unwrap();
    for len in [10, 40, 64, 200, 4096, 100_000] {
        let (_d, p) = temp_with(&bytes[..len]);
        let expected = if len < 16 {
            "truncated"
        } else {
            "malformed ELF"
        };
        assert_rejected(&p, expected);
    }
}

#[test]
fn corrupt_program_header_offset() {
    let mut bytes = std::fs::read(whyrun_binary()).unwrap();
    // e_phoff of an ELF64 file: bytes 32..40.
    bytes[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    let (_d, p) = temp_with(&bytes);
    assert_rejected(&p, "program headers");
}

#[test]
fn unknown_class() {
    let mut bytes = std::fs::read(whyrun_binary()).unwrap();
    bytes[4] = 7;
    let (_d, p) = temp_with(&bytes);
    assert_rejected(&p, "unknown ELF class 7");
}

/// Cut after the last loadable segment: the kernel would still load it, so the facts are
/// read and the lost section headers are a warning, not an error.
#[test]
fn truncated_section_header_table_is_a_warning() {
    let bytes = std::fs::read(whyrun_binary()).unwrap();
    let (_d, p) = temp_with(&bytes[..bytes.len() - 8]);
    let (json, code) = crate::fixtures::inspect_json(&[&p]);
    assert_eq!(code, 0, "{json}");
    let warnings = json["files"][0]["facts"]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("section headers unreadable")),
        "{warnings:?}"
    );
}

/// Regression: a FIFO where the loader looks for a library, or named as the binary or the
/// image, made whyrun wait forever for a writer. Every command returns at once.
#[test]
fn a_fifo_in_an_untrusted_tree_does_not_hang() {
    use std::process::Command as Std;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for d in ["app", "lib64", "usr/lib/x86_64-linux-gnu"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
    std::fs::copy(small.join("c-glibc-dynamic"), root.join("app/hello")).unwrap();
    let mkfifo = |p: &Path| {
        let status = Std::new("mkfifo").arg(p).status().unwrap();
        assert!(status.success(), "mkfifo {}", p.display());
    };
    mkfifo(&root.join("lib64/ld-linux-x86-64.so.2"));
    mkfifo(&root.join("usr/lib/x86_64-linux-gnu/libc.so.6"));
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let root_s = root.to_str().unwrap();
    let fifo_s = fifo.to_str().unwrap();
    let runs: [&[&str]; 5] = [
        &["tree", "--root", root_s, "/app/hello"],
        &[
            "check",
            "--no-config",
            "--root",
            root_s,
            "--inside",
            "/app/hello",
        ],
        &["inspect", fifo_s],
        &["check", "--no-config", fifo_s, "-t", "debian-12"],
        &["check", "--no-config", "--image", fifo_s],
    ];
    for args in runs {
        let mut child = Std::new(whyrun_binary())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let status = status.unwrap_or_else(|| panic!("whyrun {args:?} hung on a FIFO"));
        // A finding (1) or an input error (2), never a crash.
        assert!(
            matches!(status.code(), Some(1) | Some(2)),
            "whyrun {args:?}: {status}"
        );
    }
}
