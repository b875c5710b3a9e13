//! `--user` for a program started on its own (LAUNCH016), against the real thing: the
//! program started as that user in a Debian 12 root by util-linux's `runuser` (and, for a
//! number, `setpriv`), inside `fixtures/e2e/run_in_root.py` (chroot(2) + execve(2)).
//! whyrun's verdict and top cause must match what happened, and every case must produce the
//! outcome it was written for.

use std::path::Path;

use serde_json::Value;

use crate::{fixtures, json_schema};

struct Case {
    name: &'static str,
    /// `--user` as whyrun is given it.
    user: &'static str,
    /// The launcher inside the root, with its arguments up to the program.
    launcher: &'static [&'static str],
    /// Whether the program is meant to run (the case proves the rule both ways).
    runs: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "user-missing",
        user: "app",
        launcher: &["/usr/sbin/runuser", "-u", "app", "--"],
        runs: false,
    },
    Case {
        name: "group-missing",
        user: "daemon:nogrp",
        launcher: &["/usr/sbin/runuser", "-u", "daemon", "-g", "nogrp", "--"],
        runs: false,
    },
    Case {
        name: "user-present",
        user: "daemon",
        launcher: &["/usr/sbin/runuser", "-u", "daemon", "--"],
        runs: true,
    },
    Case {
        name: "user-and-group-present",
        user: "daemon:daemon",
        launcher: &["/usr/sbin/runuser", "-u", "daemon", "-g", "daemon", "--"],
        runs: true,
    },
    Case {
        name: "numeric-without-entry",
        user: "4242",
        launcher: &[
            "/usr/bin/setpriv",
            "--reuid",
            "4242",
            "--regid",
            "4242",
            "--clear-groups",
        ],
        runs: true,
    },
];

/// `launcher… /app/hello` run in `root` with go124-hello copied to /app/hello: the
/// runner's JSON.
fn launch_in(root: &Path, launcher: &[&str]) -> Value {
    let run = std::process::Command::new("python3")
        .arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "30", "--copy"])
        .arg(format!(
            "{}:/app/hello:755",
            fixtures::small("go124-hello").display()
        ))
        .arg("--")
        .args(launcher)
        .arg("/app/hello")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "the runner failed in {}",
        root.display()
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

/// `whyrun check --user USER` of go124-hello at /app/hello in `root` on this machine: the
/// target's report.
fn check_as(root: &Path, user: &str) -> Value {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(["check", "--no-config", "--format", "json", "--this-machine"])
        .args(["--as", "/app/hello", "--user", user, "--root"])
        .arg(root)
        .arg(fixtures::small("go124-hello"))
        .output()
        .unwrap();
    json_schema::parse_output(&out)["binaries"][0]["targets"][0].clone()
}

#[test]
fn a_plain_user_is_judged_as_runuser_starts_the_program() {
    assert!(
        fixtures::is_root(),
        "this test runs programs in a chroot: run it as root"
    );
    let root = fixtures::roots_dir().join("bookworm-min");
    assert!(
        root.join("usr/sbin/runuser").is_file(),
        "no bookworm-min root: run `bash fixtures/e2e/build-roots.sh`"
    );
    let mut rows = Vec::new();
    for case in CASES {
        let run = launch_in(&root, case.launcher);
        let ran =
            run["exit_code"] == 0 && run["stdout"].as_str().unwrap_or("").starts_with("hello");
        assert_eq!(
            ran, case.runs,
            "{}: the case is not what it was written for: {run}",
            case.name
        );

        let target = check_as(&root, case.user);
        let top = target["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["severity"] != "info")
            .map(|f| f["code"].as_str().unwrap().to_string());
        let predicted = target["verdict"].as_str().unwrap().to_string();
        rows.push(format!(
            "{:<24} {:<8} {:<40} {predicted} {}",
            case.name,
            if ran { "runs" } else { "refused" },
            run["stderr"].as_str().unwrap_or("").trim(),
            top.clone().unwrap_or_default()
        ));
        if ran {
            assert_eq!(predicted, "runs", "{}: it ran; whyrun: {target}", case.name);
        } else {
            assert_eq!(
                predicted, "wont-start",
                "{}: {run}; whyrun: {target}",
                case.name
            );
            assert_eq!(top.as_deref(), Some("LAUNCH016"), "{}: {target}", case.name);
        }
    }
    eprintln!(
        "case                     real     launcher says                            whyrun\n{}",
        rows.join("\n")
    );
}

/// A root whose nsswitch.conf also asks sssd for users: runuser still refuses `app` here
/// (no sssd answers in the root), but on the machine a directory may have it, so whyrun
/// cannot tell, and says which source decides.
#[test]
fn a_user_directory_in_nsswitch_is_cannot_tell() {
    assert!(
        fixtures::is_root(),
        "this test runs programs in a chroot: run it as root"
    );
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fixtures::hardlink_copy(&fixtures::roots_dir().join("bookworm-min"), &root);
    let conf = root.join("etc/nsswitch.conf");
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("passwd:         files", "passwd:         files sss");
    assert!(text.contains("files sss"), "{text}");
    std::fs::remove_file(&conf).unwrap();
    std::fs::write(&conf, text).unwrap();
    let run = launch_in(&root, &["/usr/sbin/runuser", "-u", "app", "--"]);
    assert_eq!(run["exit_code"], 1, "{run}");
    let target = check_as(&root, "app");
    assert_eq!(target["verdict"], "cannot-tell", "{target}");
    let finding = &target["findings"][0];
    assert_eq!(finding["code"], "LAUNCH016", "{target}");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("also asks sss"),
        "{finding}"
    );
}
