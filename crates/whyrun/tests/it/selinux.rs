//! SELinux, checked against the tools of a real policy (Debian's `selinux-policy-default`;
//! no SELinux kernel runs here, so what whyrun concludes is evidence from the policy, as
//! its output says): the label whyrun computes for a path from `file_contexts` must be
//! what `matchpathcon` prints for hundreds of paths, and LAUNCH011's premise (systemd's
//! `init_t` may not execute a program labelled `user_home_t`) is asked of the policy with
//! `sesearch`: Debian's policy allows it, so whyrun says nothing there; on a `targeted`
//! policy it reports the label. Needs root (to set `security.selinux`), selinux-utils,
//! selinux-policy-default and setools (`scripts/install-deps.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixtures;

const FILES: &str = "/etc/selinux/default/contexts/files";

fn policy_files() -> PathBuf {
    let dir = PathBuf::from(FILES);
    assert!(
        dir.join("file_contexts").is_file(),
        "{FILES}/file_contexts is missing: run `bash scripts/install-deps.sh` (selinux-policy-default)"
    );
    dir
}

/// A root holding the host policy's file contexts as policy `name`, with this mode.
fn root_with_policy(root: &Path, name: &str, mode: &str) {
    let dst = root.join(format!("etc/selinux/{name}/contexts/files"));
    std::fs::create_dir_all(&dst).unwrap();
    for f in [
        "file_contexts",
        "file_contexts.homedirs",
        "file_contexts.subs_dist",
        "file_contexts.local",
    ] {
        let src = policy_files().join(f);
        if src.is_file() {
            std::fs::copy(&src, dst.join(f)).unwrap();
        }
    }
    std::fs::write(
        root.join("etc/selinux/config"),
        format!("SELINUX={mode}\nSELINUXTYPE={name}\n"),
    )
    .unwrap();
}

/// Paths to ask about: every exact path of the policy, a path under the literal start of
/// every expression (one in three), and the places programs are put.
fn sample_paths() -> Vec<String> {
    let text = std::fs::read_to_string(policy_files().join("file_contexts")).unwrap();
    let mut out: Vec<String> = [
        "/usr/local/bin/app",
        "/usr/bin/app",
        "/bin/app",
        "/sbin/app",
        "/opt/app/server",
        "/opt/app/bin/server",
        "/srv/app/server",
        "/home/app/server",
        "/home/app/bin/server",
        "/root/server",
        "/tmp/server",
        "/var/lib/app/server",
        "/usr/lib/systemd/systemd",
        "/lib/systemd/systemd",
        "/usr/local/lib64/x.so",
        "/var/run/app.pid",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let meta = ['.', '^', '$', '?', '*', '+', '|', '[', '(', '{', '\\'];
    for (i, line) in text.lines().enumerate() {
        let Some(re) = line.split_whitespace().next() else {
            continue;
        };
        if !re.starts_with('/') {
            continue;
        }
        match re.find(meta) {
            None => out.push(re.to_string()),
            Some(end) if i % 3 == 0 => {
                let stem = &re[..end];
                out.push(if stem.ends_with('/') {
                    format!("{stem}app")
                } else {
                    format!("{stem}/app")
                });
            }
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn file_contexts_agree_with_matchpathcon() {
    let t = tempfile::tempdir().unwrap();
    root_with_policy(t.path(), "default", "enforcing");
    let view = whyrun_target::fs::RootDirView::new(t.path()).unwrap();
    let fc = whyrun_target::selinux::file_contexts(&view, "default")
        .unwrap()
        .unwrap();
    let paths = sample_paths();
    assert!(paths.len() > 500, "{}", paths.len());
    let out = Command::new("matchpathcon")
        .args(["-m", "file"])
        .args(&paths)
        .output()
        .expect("matchpathcon is missing: run `bash scripts/install-deps.sh` (selinux-utils)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut real = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        if let Some((p, c)) = line.split_once('\t') {
            real.insert(p.to_string(), c.trim().to_string());
        }
    }
    let mut disagree = Vec::new();
    for p in &paths {
        let ours = fc
            .lookup(p, whyrun_target::selinux::Kind::File)
            .map(|l| l.context);
        let theirs = real.get(p).cloned();
        if ours != theirs {
            disagree.push(format!("{p}: whyrun {ours:?}, matchpathcon {theirs:?}"));
        }
    }
    println!("{} paths compared with matchpathcon", paths.len());
    assert!(
        disagree.is_empty(),
        "{} of {} differ:\n{}",
        disagree.len(),
        paths.len(),
        disagree.join("\n")
    );
}

fn set_label(path: &Path, context: &str) {
    let st = Command::new("python3")
        .args([
            "-c",
            "import os, sys; os.setxattr(sys.argv[1], 'security.selinux', sys.argv[2].encode() + b'\\0')",
        ])
        .arg(path)
        .arg(context)
        .status()
        .unwrap();
    assert!(st.success(), "setting security.selinux needs root");
}

/// A unit whose program was moved from a home directory, on an enforcing policy.
fn moved_program(policy: &str) -> tempfile::TempDir {
    assert!(
        fixtures::is_root(),
        "selinux: setting security.selinux needs root: run it as root (scripts/test.sh)"
    );
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    for d in ["etc/systemd/system", "usr/local/bin"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(r.join("etc/group"), "root:x:0:\n").unwrap();
    std::fs::copy(fixtures::small("go124-hello"), r.join("usr/local/bin/app")).unwrap();
    std::fs::write(
        r.join("etc/systemd/system/app.service"),
        "[Service]\nExecStart=/usr/local/bin/app\n",
    )
    .unwrap();
    root_with_policy(r, policy, "enforcing");
    set_label(
        &r.join("usr/local/bin/app"),
        "unconfined_u:object_r:user_home_t:s0",
    );
    t
}

/// On a `targeted` policy the program's `user_home_t` label is LAUNCH011, marked as
/// evidence from the policy, and the label whyrun says the path should have is the one
/// `matchpathcon` gives; relabelled as that, the unit starts.
#[test]
fn a_program_moved_from_home_is_reported_on_a_targeted_policy() {
    let t = moved_program("targeted");
    let (code, target) = fixtures::check_unit_json(t.path());
    assert_eq!(code, 1, "{target}");
    let top = &target["findings"][0];
    assert_eq!(top["code"], "LAUNCH011", "{target}");
    let evidence = top["evidence"].to_string();
    assert!(
        evidence.contains("not confirmed by a live SELinux kernel"),
        "{evidence}"
    );
    let real = Command::new("matchpathcon")
        .args(["-n", "-m", "file", "/usr/local/bin/app"])
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!expected.is_empty());
    assert!(
        evidence.contains(&format!("the policy gives /usr/local/bin/app {expected}")),
        "matchpathcon: {expected}; {evidence}"
    );
    set_label(&t.path().join("usr/local/bin/app"), &expected);
    let (code, target) = fixtures::check_unit_json(t.path());
    assert_eq!(code, 0, "{target}");
}

/// Debian's policy lets `init_t` execute `user_home_t` files (sesearch finds the rule),
/// so whyrun reports nothing there.
#[test]
fn debians_policy_lets_systemd_execute_a_home_label() {
    let policy = std::fs::read_dir("/etc/selinux/default/policy")
        .expect("no /etc/selinux/default/policy: run `bash scripts/install-deps.sh`")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("policy."))
        })
        .expect("no compiled policy");
    let out = Command::new("sesearch")
        .args([
            "-A",
            "-s",
            "init_t",
            "-t",
            "user_home_t",
            "-c",
            "file",
            "-p",
            "execute",
        ])
        .arg(&policy)
        .output()
        .expect("sesearch is missing: run `bash scripts/install-deps.sh` (setools)");
    let rules = String::from_utf8_lossy(&out.stdout);
    assert!(rules.contains("execute"), "sesearch: {rules}");
    let t = moved_program("default");
    let (code, target) = fixtures::check_unit_json(t.path());
    assert_eq!(code, 0, "{target}");
    assert!(
        !target["findings"].to_string().contains("LAUNCH011"),
        "{target}"
    );
}
