//! `whyrun check`, `rules`, `rule` and `explain` from the command line: placement on the
//! command line, exit codes, formats, and one-line errors for bad input.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

use crate::fixtures;

fn whyrun() -> Command {
    Command::cargo_bin("whyrun").unwrap()
}

/// The debootstrapped bookworm root (fixtures/roots/build.sh).
fn bookworm() -> PathBuf {
    let root = fixtures::roots_dir().join("bookworm");
    assert!(
        root.join("usr/bin").is_dir(),
        "{} missing: build it with `bash fixtures/roots/build.sh` (the test command does)",
        root.display()
    );
    root
}

fn check_json(args: &[&str]) -> (Value, i32) {
    let out = whyrun()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json = crate::json_schema::parse_output(&out);
    (json, out.status.code().unwrap())
}

fn target(json: &Value, i: usize) -> &Value {
    &json["binaries"][0]["targets"][i]
}

#[test]
fn a_musl_binary_will_not_start_in_a_glibc_root() {
    let musl = fixtures::small("c-musl-dynamic");
    let root = bookworm();
    let (json, code) = check_json(&[musl.to_str().unwrap(), "--root", root.to_str().unwrap()]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["schema"], "whyrun.check/2");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "wont-start");
    assert_eq!(t["path_in_target"], "/usr/local/bin/c-musl-dynamic");
    // LIBC003 carries the musl-specific cause and fix; LIBC001 then stays silent.
    assert_eq!(t["findings"][0]["code"], "LIBC003", "{t}");
    assert!(
        t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "LIBC001"),
        "{t}"
    );
}

#[test]
fn a_glibc_binary_runs_in_a_glibc_root() {
    let glibc = fixtures::small("c-glibc-dynamic");
    let root = bookworm();
    let (json, code) = check_json(&[
        glibc.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--as",
        "/app/hello",
    ]);
    assert_eq!(code, 0, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "runs", "{t}");
    assert_eq!(t["path_in_target"], "/app/hello");
}

#[test]
fn a_binary_inside_the_root_is_read_there() {
    let root = bookworm();
    let (json, code) = check_json(&["--root", root.to_str().unwrap(), "--inside", "/usr/bin/ls"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(target(&json, 0)["path_in_target"], "/usr/bin/ls");
    assert!(json["binaries"][0]["summary"]
        .as_str()
        .unwrap()
        .contains("x86_64"));
}

#[test]
fn placement_must_be_unambiguous() {
    let out = whyrun().args(["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--inside"));
    let glibc = fixtures::small("c-glibc-dynamic");
    let out = whyrun()
        .args(["check", glibc.to_str().unwrap(), "--inside", "/usr/bin/ls"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_target_is_one_line_and_the_others_are_still_checked() {
    let glibc = fixtures::small("c-glibc-dynamic");
    let root = bookworm();
    let out = whyrun()
        .args([
            "check",
            glibc.to_str().unwrap(),
            "--root",
            "/nonexistent-root",
            "--root",
            root.to_str().unwrap(),
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("whyrun: /nonexistent-root: "),
        "{stderr}"
    );
    let json: Value = crate::json_schema::parse(&out.stdout);
    assert_eq!(json["binaries"][0]["targets"].as_array().unwrap().len(), 1);
}

#[test]
fn a_binary_that_is_not_elf_is_an_input_error() {
    // Neither ELF nor a script (a script is judged by its #! line: scripts.rs).
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("run.sh");
    std::fs::write(&script, "echo hello\n").unwrap();
    let out = whyrun()
        .args(["check", script.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("run.sh") && stderr.contains("not an ELF binary"),
        "{stderr}"
    );
}

/// Human output is styled only when asked for (a terminal, or `CLICOLOR_FORCE`), never
/// with `NO_COLOR`, and reads the same either way once the styles are taken out.
#[test]
fn human_output_is_styled_only_when_colour_is_on() {
    let binary = fixtures::small("go124-hello");
    let root = bookworm();
    let runs: [Vec<&str>; 2] = [
        vec!["inspect", binary.to_str().unwrap()],
        vec![
            "check",
            binary.to_str().unwrap(),
            "--root",
            root.to_str().unwrap(),
        ],
    ];
    for args in runs {
        let run = |env: &[(&str, &str)]| {
            let mut cmd = whyrun();
            cmd.args(&args)
                .env_remove("NO_COLOR")
                .env_remove("CLICOLOR_FORCE");
            for (k, v) in env {
                cmd.env(k, v);
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.code().is_some_and(|c| c < 2),
                "{args:?}: {out:?}"
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let piped = run(&[]);
        let forced = run(&[("CLICOLOR_FORCE", "1")]);
        let refused = run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        assert!(
            !piped.contains('\x1b'),
            "{args:?}: styled into a pipe:\n{piped}"
        );
        assert!(!refused.contains('\x1b'), "{args:?}: styled under NO_COLOR");
        assert!(
            forced.contains("\x1b["),
            "{args:?}: CLICOLOR_FORCE gave no styles"
        );
        assert_eq!(
            anstream::adapter::strip_str(&forced).to_string(),
            piped,
            "{args:?}"
        );
        assert!(piped.lines().count() > 3, "{args:?}: {piped}");
    }
}

#[test]
fn rules_lists_every_rule_and_rule_prints_its_docs() {
    let out = whyrun().arg("rules").output().unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    for rule in whyrun_rules::RULES {
        assert!(
            list.contains(rule.meta().code),
            "{} missing from `whyrun rules`",
            rule.meta().code
        );
    }
    let out = whyrun().args(["rule", "libc001"]).output().unwrap();
    assert!(out.status.success());
    let doc = String::from_utf8(out.stdout).unwrap();
    for section in [
        "## What it finds",
        "## Why it breaks",
        "## Example",
        "## Fix",
        "## References",
    ] {
        assert!(doc.contains(section), "{section} missing: {doc}");
    }
    let out = whyrun().args(["rule", "NOPE999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_names_the_cause_that_applies() {
    let musl = fixtures::small("c-musl-dynamic");
    let root = bookworm();
    let out = whyrun()
        .args(["explain", "exec ./app: no such file or directory"])
        .arg(&musl)
        .args(["--root", root.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: Value = crate::json_schema::parse_output(&out);
    let causes = json["matches"][0]["causes"].as_array().unwrap();
    let libc003 = causes.iter().find(|c| c["rule"] == "LIBC003").unwrap();
    assert_eq!(libc003["applies_on"][0], root.to_str().unwrap());
    // The fix `check` gives that finding, beside it.
    let check = whyrun()
        .args(["check", "--no-config", "--format", "json"])
        .arg(&musl)
        .args(["--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    let check: Value = crate::json_schema::parse_output(&check);
    let from_check = check["binaries"][0]["targets"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "LIBC003")
        .unwrap()["fix"]
        .clone();
    assert!(from_check.is_object(), "{from_check}");
    assert_eq!(libc003["fixes"][0], from_check);
    let libc001 = causes.iter().find(|c| c["rule"] == "LIBC001").unwrap();
    assert!(libc001["applies_on"].as_array().unwrap().is_empty());
    let out = whyrun()
        .args(["explain", "something nobody prints"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// `--user` is taken where it decides something, by `check` and by `explain` with a
/// binary, and means the same in both; every other command refuses it as a usage error.
#[test]
fn user_is_taken_where_it_means_something_and_refused_elsewhere() {
    use std::os::unix::fs::PermissionsExt;
    // Owner-only execute, in place on this machine (owned by whoever runs the tests).
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("hello");
    std::fs::copy(fixtures::small("go124-hello"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o744)).unwrap();
    let uid = std::fs::metadata(&bin)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    let other = if uid == 0 { "65534" } else { "0" };
    let bin_s = bin.to_str().unwrap();

    // check: the owner runs it, another user gets FS001.
    let fs001_for = |user: &str| {
        let (json, code) = check_json(&[bin_s, "--no-config", "--user", user]);
        let fired = target(&json, 0)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "FS001");
        (fired, code)
    };
    assert!(!fs001_for(&uid.to_string()).0);
    assert_eq!(fs001_for(other), (true, 1));

    // explain with the same binary: the same user decides whether FS001 applies.
    let explain_applies = |user: &str| {
        let out = whyrun()
            .args([
                "explain",
                "sh: ./hello: Permission denied",
                bin_s,
                "--json",
                "--user",
                user,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: Value = crate::json_schema::parse_output(&out);
        let causes = json["matches"][0]["causes"].as_array().unwrap().clone();
        let fs001 = causes
            .iter()
            .find(|c| c["rule"] == "FS001")
            .unwrap()
            .clone();
        !fs001["applies_on"].as_array().unwrap().is_empty()
    };
    assert!(!explain_applies(&uid.to_string()));
    assert!(explain_applies(other));
    // Without a binary there is nothing to run as anyone.
    let out = whyrun()
        .args(["explain", "Permission denied", "--user", "nobody"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // The commands where no user changes the answer refuse it.
    let root = bookworm();
    let root = root.to_str().unwrap();
    for args in [
        vec!["tree", bin_s],
        vec!["tree", "--root", root, "/bin/true"],
        vec!["inspect", bin_s],
        vec!["snapshot"],
        vec!["rules"],
        vec!["rule", "FS001"],
        vec!["completions", "bash"],
        vec!["man"],
    ] {
        let out = whyrun()
            .args(&args)
            .args(["--user", "nobody"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("unexpected argument '--user'"),
            "{args:?}: {err}"
        );
    }

    // Both say what it does in --help.
    for cmd in ["check", "explain"] {
        let help = whyrun().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        assert!(
            help.contains("--user <USER[:GROUP]>") && help.contains("(FS001)"),
            "{cmd}: {help}"
        );
    }
}

#[test]
fn help_completions_and_man_page() {
    let help = whyrun().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("Examples:") && help.contains("Exit codes:"),
        "{help}"
    );
    let bash = whyrun().args(["completions", "bash"]).output().unwrap();
    assert!(String::from_utf8(bash.stdout).unwrap().contains("whyrun"));
    let man = whyrun().arg("man").output().unwrap();
    let man = String::from_utf8(man.stdout).unwrap();
    assert!(
        man.starts_with(".ie") || man.contains(".TH"),
        "{}",
        &man[..100.min(man.len())]
    );
}

/// A `docker save` tarball: the layers (each a list of (path, mode, contents); a `None`
/// content with a `.wh.` name is a whiteout), a config with `Entrypoint` and `User`.
/// A layer: (path, mode, contents) per file.
type Layer<'a> = Vec<(&'a str, u32, Option<Vec<u8>>)>;

fn docker_save(dir: &std::path::Path, layers: &[Layer<'_>], entrypoint: &[&str]) -> PathBuf {
    use sha2::{Digest, Sha256};
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let mut blobs = Vec::new();
    for files in layers {
        let mut b = tar::Builder::new(Vec::new());
        for (path, mode, data) in files {
            let data = data.clone().unwrap_or_default();
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, &data[..]).unwrap();
        }
        blobs.push(b.into_inner().unwrap());
    }
    let digests: Vec<String> = blobs.iter().map(|b| hex(b)).collect();
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": { "Entrypoint": entrypoint, "User": "65532" },
        "rootfs": { "type": "layers", "diff_ids": digests.iter().map(|d| format!("sha256:{d}")).collect::<Vec<_>>() },
    })
    .to_string()
    .into_bytes();
    let config_name = format!("{}.json", hex(&config));
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["app:latest"],
        "Layers": digests.iter().map(|d| format!("{d}/layer.tar")).collect::<Vec<_>>(),
    }])
    .to_string()
    .into_bytes();
    let path = dir.join("app.tar");
    let mut out = tar::Builder::new(std::fs::File::create(&path).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        out.append_data(&mut h, name, data).unwrap();
    };
    for (d, b) in digests.iter().zip(&blobs) {
        add(&format!("{d}/layer.tar"), b);
    }
    add(&config_name, &config);
    add("manifest.json", &manifest);
    out.finish().unwrap();
    path
}

#[test]
fn an_image_entrypoint_is_checked_in_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let musl = std::fs::read(fixtures::small("c-musl-dynamic")).unwrap();
    let glibc = std::fs::read(fixtures::small("c-glibc-dynamic")).unwrap();
    // Layer 1 ships a musl loader stand-in; layer 2 deletes it with a whiteout, so the
    // musl entrypoint has no interpreter in the final image.
    let image = docker_save(
        dir.path(),
        &[
            vec![
                ("lib/ld-musl-x86_64.so.1", 0o755, Some(glibc.clone())),
                ("app/hello", 0o755, Some(musl)),
            ],
            vec![("lib/.wh.ld-musl-x86_64.so.1", 0o644, None)],
        ],
        &["/app/hello"],
    );
    let (json, code) = check_json(&["--image", image.to_str().unwrap()]);
    assert_eq!(code, 1, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["kind"], "image");
    assert_eq!(t["path_in_target"], "/app/hello");
    assert_eq!(t["verdict"], "wont-start", "{t}");
    assert_eq!(t["findings"][0]["code"], "LIBC001", "{t}");
    // A local binary placed in the same image: static, so it starts.
    let go = fixtures::small("go124-hello");
    let (json, _) = check_json(&[
        go.to_str().unwrap(),
        "--image",
        image.to_str().unwrap(),
        "--as",
        "/app/server",
    ]);
    let t = target(&json, 0);
    assert_eq!(t["path_in_target"], "/app/server");
    assert_ne!(t["verdict"], "wont-start", "{t}");
}

#[test]
fn a_corrupt_image_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tar");
    std::fs::write(&bad, b"not a tarball at all").unwrap();
    let glibc = fixtures::small("c-glibc-dynamic");
    let out = whyrun()
        .args([
            "check",
            glibc.to_str().unwrap(),
            "--image",
            bad.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("bad.tar"), "{stderr}");
}

/// In a root the binary's owner is read from the file: a root-owned 0700 binary cannot be
/// executed by `nobody`, and can by root.
#[test]
fn ownership_in_a_root_decides_execute_permission() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").unwrap();
    let app = root.join("app/hello");
    std::fs::copy(fixtures::small("go124-hello"), &app).unwrap();
    std::fs::set_permissions(&app, std::fs::Permissions::from_mode(0o700)).unwrap();
    let owner = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&app).unwrap());
    let r = root.to_str().unwrap();
    let (json, _) = check_json(&["--root", r, "--inside", "/app/hello", "--user", "nobody"]);
    let t = target(&json, 0);
    let fs001 = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "FS001");
    if owner == 65534 {
        assert!(fs001.is_none(), "{t}");
    } else {
        let f = fs001.unwrap_or_else(|| panic!("FS001 should fire: {t}"));
        assert_eq!(f["undecided"], false, "{f}");
        assert_eq!(t["verdict"], "wont-start", "{t}");
    }
    let (json, _) = check_json(&["--root", r, "--inside", "/app/hello", "--user", "root"]);
    let t = target(&json, 0);
    assert!(
        t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] != "FS001"),
        "{t}"
    );
}

/// Regression: a local binary without its execute bit was judged by its mode only where
/// the target had files; against a profile it "ran". The copy keeps the mode everywhere.
#[test]
fn a_binary_without_its_execute_bit_will_not_start_on_a_profile_either() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("hello");
    std::fs::copy(fixtures::small("c-glibc-dynamic"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (json, code) = check_json(&[copy.to_str().unwrap(), "-t", "debian-12", "--no-config"]);
    assert_eq!(code, 1, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "wont-start");
    assert_eq!(t["findings"][0]["code"], "FS001", "{t}");
}

/// A root that does not show which machine it runs: whyrun cannot tell, says what would
/// decide it, and exits 3 (not 0, which a CI gate would take for a pass).
#[test]
fn cannot_tell_has_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let hello = fixtures::small("go124-hello");
    let (json, code) = check_json(&[
        hello.to_str().unwrap(),
        "--root",
        dir.path().to_str().unwrap(),
        "--no-config",
    ]);
    assert_eq!(code, 3, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "cannot-tell");
    let top = &t["findings"][0];
    assert_eq!(top["code"], "ARCH001");
    assert_eq!(top["undecided"], true);
    assert!(
        top["fix"]["summary"]
            .as_str()
            .unwrap()
            .contains("--this-machine"),
        "{top}"
    );
    // Told where it runs, it runs.
    let (json, code) = check_json(&[
        hello.to_str().unwrap(),
        "--root",
        dir.path().to_str().unwrap(),
        "--this-machine",
        "--no-config",
    ]);
    assert_eq!(code, 0, "{json}");
}

/// An image whose command names no file in it will not start: a verdict with the
/// runtime's message (FS003), not an input error.
#[test]
fn an_image_whose_entrypoint_is_missing_will_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let go = std::fs::read(fixtures::small("go124-hello")).unwrap();
    let image = docker_save(
        dir.path(),
        &[vec![("app/hello", 0o755, Some(go))]],
        &["/app/server"],
    );
    let (json, code) = check_json(&["--image", image.to_str().unwrap(), "--no-config"]);
    assert_eq!(code, 1, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "wont-start", "{t}");
    assert_eq!(t["path_in_target"], "/app/server");
    let f = &t["findings"][0];
    assert_eq!(f["code"], "FS003", "{t}");
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| e["what"]
        .as_str()
        .unwrap()
        .contains("stat /app/server: no such file or directory")));
}

/// A shell-form command is judged by the program it starts, not by the shell: a musl
/// program without its loader, started by `/bin/sh -c "cd /app && exec ./hello"`, will not
/// start; a script whyrun cannot follow is "cannot tell" (exit 3), not "runs".
#[test]
fn a_shell_form_entrypoint_is_judged_by_the_program_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let sh = std::fs::read(fixtures::small("go124-hello")).unwrap();
    let musl = std::fs::read(fixtures::small("c-musl-dynamic")).unwrap();
    let layers = [vec![
        ("bin/sh", 0o755, Some(sh)),
        ("app/hello", 0o755, Some(musl)),
    ]];
    let image = docker_save(
        dir.path(),
        &layers,
        &["/bin/sh", "-c", "cd /app && exec ./hello"],
    );
    let (json, code) = check_json(&["--image", image.to_str().unwrap(), "--no-config"]);
    assert_eq!(code, 1, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["path_in_target"], "/app/hello", "{t}");
    assert_eq!(t["verdict"], "wont-start", "{t}");
    assert_eq!(t["findings"][0]["code"], "LIBC001", "{t}");

    let other = tempfile::tempdir().unwrap();
    let image = docker_save(
        other.path(),
        &layers,
        &["/bin/sh", "-c", "./migrate && exec ./hello --port $PORT"],
    );
    let (json, code) = check_json(&["--image", image.to_str().unwrap(), "--no-config"]);
    assert_eq!(code, 3, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["verdict"], "cannot-tell", "{t}");
    assert_eq!(t["findings"][0]["code"], "FS004", "{t}");
}

/// An image whose entrypoint is a script without its execute bit will not start: runc
/// finds the file (a path is not searched) and fails with `exec: "/app/run.sh":
/// permission denied`, before any `#!` line is read (FS001, not FS003).
#[test]
fn an_image_whose_entrypoint_script_is_not_executable_will_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let sh = std::fs::read(fixtures::small("go124-hello")).unwrap();
    let layers = [vec![
        ("bin/sh", 0o755, Some(sh)),
        (
            "app/run.sh",
            0o644,
            Some(b"#!/bin/sh\nexec /bin/sh\n".to_vec()),
        ),
    ]];
    let image = docker_save(dir.path(), &layers, &["/app/run.sh"]);
    let (json, code) = check_json(&["--image", image.to_str().unwrap(), "--no-config"]);
    assert_eq!(code, 1, "{json}");
    let t = target(&json, 0);
    assert_eq!(t["path_in_target"], "/app/run.sh", "{t}");
    assert_eq!(t["verdict"], "wont-start", "{t}");
    let f = &t["findings"][0];
    assert_eq!(f["code"], "FS001", "{t}");
    assert!(f["message"]
        .as_str()
        .unwrap()
        .starts_with("the script /app/run.sh is not executable by 65532"));
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| e["what"]
        .as_str()
        .unwrap()
        .contains(r#"exec: "/app/run.sh": permission denied"#)));
}

/// Every fact a profile cannot know gives "cannot tell" and exit 3, never a confident
/// verdict: the CPU's x86-64 level (GOAMD64, the ELF ISA note), a 32-bit ARM CPU's VFP,
/// the kernel's 32-bit compat mode (i386 on x86-64, 32-bit ARM on arm64, which also needs
/// cores with AArch32), its x32 ABI, and the machine of a root that shows none.
#[test]
fn each_unknown_profile_fact_is_cannot_tell_with_exit_3() {
    let built = |p: &str| fixtures::cache_dir().join(p).display().to_string();
    let empty = tempfile::tempdir().unwrap();
    let small = |n: &str| fixtures::small(n).display().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                built("go/gin-go124-amd64v3"),
                "-t".into(),
                "distroless-static-debian12".into(),
            ],
            "ARCH003",
        ),
        (
            vec![small("c-x86-64-v3"), "-t".into(), "debian-12".into()],
            "ARCH004",
        ),
        (
            vec![
                built("go/gin-go124-armv7"),
                "-t".into(),
                "distroless-static-debian12@arm/v7".into(),
            ],
            "ARCH005",
        ),
        (
            vec![
                built("go/gin-go124-386"),
                "-t".into(),
                "distroless-static-debian12".into(),
            ],
            "ARCH001",
        ),
        (
            vec![
                small("go124-hello"),
                "--root".into(),
                empty.path().display().to_string(),
            ],
            "ARCH001",
        ),
        (
            vec![
                built("go/gin-go124-armv7"),
                "-t".into(),
                "distroless-static-debian12@arm64".into(),
            ],
            "ARCH001",
        ),
        (
            vec![small("c-x32-static"), "-t".into(), "debian-12".into()],
            "ARCH001",
        ),
    ];
    for (args, code_expected) in cases {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.push("--no-config");
        let (json, code) = check_json(&args);
        let t = target(&json, 0);
        assert_eq!(code, 3, "{args:?}: {t}");
        assert_eq!(t["verdict"], "cannot-tell", "{args:?}: {t}");
        assert_eq!(t["findings"][0]["code"], code_expected, "{args:?}: {t}");
        assert_eq!(t["findings"][0]["undecided"], true, "{args:?}: {t}");
    }
}

/// A snapshot keeps the running machine's `net.ipv4.ip_unprivileged_port_start` (what the
/// launch rules compare ports with), as `/proc/sys` says it, the versions of the service
/// manager and container runtimes, and the security modules' state.
#[test]
fn a_snapshot_records_the_unprivileged_port_start() {
    let out = whyrun().arg("snapshot").output().unwrap();
    assert!(out.status.success());
    let json: Value = crate::json_schema::parse_output(&out);
    let proc = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start").unwrap();
    let s = &json["sysctls"]["net.ipv4.ip_unprivileged_port_start"];
    assert_eq!(s["value"], proc.trim(), "{s}");
    assert_eq!(s["from"], "/proc/sys/net/ipv4/ip_unprivileged_port_start");
    // The service manager's version, as dpkg has it.
    let dpkg = fixtures::run("dpkg-query", &["-W", "-f=${Version}", "systemd"]);
    assert_eq!(json["packages"]["systemd"]["value"], dpkg.trim());
    // No SELinux in this kernel: the live state, not the installed policy's config.
    let enforcing = std::path::Path::new("/sys/fs/selinux/enforce").exists();
    if !enforcing {
        assert_eq!(json["security"]["selinux"]["value"], "disabled");
    }
}

/// Every command that prints, into a pipe whose reader has gone (`whyrun … | head -1`):
/// no panic, nothing on stderr, exit 0, as ripgrep does. `completions` used to panic
/// there (clap_complete's writer expects success).
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let bin = env!("CARGO_BIN_EXE_whyrun");
    let hello = fixtures::small("go124-hello");
    let hello = hello.to_str().unwrap();
    let commands: &[&[&str]] = &[
        &["completions", "bash"],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["man"],
        &["rules"],
        &["rule", "LIB001"],
        &["check", "--list-targets"],
        &[
            "check",
            hello,
            "-t",
            "debian-12",
            "-t",
            "alpine-3.19",
            "--no-config",
        ],
        &["inspect", hello],
        &["tree", hello],
        &["snapshot"],
        &["explain", "exec format error"],
    ];
    for args in commands {
        for _ in 0..5 {
            let mut child = std::process::Command::new(bin)
                .args(*args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            // The reader closes its end before anything is read.
            drop(child.stdout.take());
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
            assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
}

/// A mistyped profile name gets the nearest profile as a suggestion, on its one line.
#[test]
fn an_unknown_target_suggests_the_nearest_profile() {
    let out = whyrun()
        .args(["check", "--no-config", "-t", "debain-12"])
        .arg(fixtures::small("go124-hello"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean debian-12?"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// A launch message explained with a binary alone: the LAUNCH causes are not "not there",
/// they need the launch, and the output says which command judges them.
#[test]
fn explain_of_a_launch_message_points_at_the_launch() {
    let out = whyrun()
        .args(["explain", "listen tcp :80: bind: permission denied"])
        .arg(fixtures::small("go124-hello"))
        .args(["-t", "debian-12"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("LAUNCH005"), "{stdout}");
    assert!(
        stdout.contains("whyrun check --unit NAME --root DIR"),
        "{stdout}"
    );
}

/// The exit code of `check BINARY -t TARGET --fail-on VERDICT`.
fn exit_with(binary: &std::path::Path, target: &str, fail_on: Option<&str>) -> i32 {
    let mut c = whyrun();
    c.arg("check")
        .arg(binary)
        .args(["-t", target, "--no-config"]);
    if let Some(f) = fail_on {
        c.args(["--fail-on", f]);
    }
    c.output().unwrap().status.code().unwrap_or(-1)
}

/// `--fail-on` decides which verdicts fail the run: each threshold against a binary that
/// will not start (a musl program on Debian), one that fails at run time (a resolver
/// with no resolv.conf), one whyrun cannot tell about (x32 on a profile that does not
/// say), and one that runs with a risk (Gin's CA pool in scratch).
#[test]
fn fail_on_sets_the_least_failing_verdict() {
    let wont_start = fixtures::small("c-musl-dynamic");
    let fails = fixtures::small("go124-nethello");
    let cannot_tell = fixtures::small("c-x32-static");
    let gin = fixtures::built()
        .into_iter()
        .find(|f| f.name == "gin-go124")
        .expect("the gin-go124 fixture")
        .path;
    let cases: &[(&std::path::Path, &str, [i32; 6])] = &[
        // default, never, will-not-start, fails-at-run-time, cannot-tell, risk
        (&wont_start, "debian-12", [1, 0, 1, 1, 1, 1]),
        (&fails, "scratch", [1, 0, 0, 1, 1, 1]),
        (&cannot_tell, "debian-12", [3, 0, 0, 0, 3, 3]),
        (&gin, "scratch", [0, 0, 0, 0, 0, 1]),
    ];
    for (binary, target, expected) in cases {
        let got = [
            exit_with(binary, target, None),
            exit_with(binary, target, Some("never")),
            exit_with(binary, target, Some("will-not-start")),
            exit_with(binary, target, Some("fails-at-run-time")),
            exit_with(binary, target, Some("cannot-tell")),
            exit_with(binary, target, Some("risk")),
        ];
        assert_eq!(got, *expected, "{} on {target}", binary.display());
    }
}

/// `-t all` checks every built-in profile; `--quiet` prints only the targets that do not
/// run, and nothing at all when every target runs.
#[test]
fn target_all_and_quiet() {
    let out = whyrun()
        .args(["check", "--no-config", "-t", "all", "--format", "json"])
        .arg(fixtures::small("c-musl-dynamic"))
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let targets = json["binaries"][0]["targets"].as_array().unwrap().len();
    let profiles = whyrun()
        .args(["check", "--list-targets"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(
        targets,
        String::from_utf8_lossy(&profiles).lines().count(),
        "one target per profile"
    );
    let quiet = whyrun()
        .args([
            "check",
            "--no-config",
            "-q",
            "-t",
            "alpine-3.19",
            "-t",
            "debian-12",
        ])
        .arg(fixtures::small("c-musl-dynamic"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&quiet.stdout);
    assert_eq!(quiet.status.code(), Some(1), "{text}");
    assert!(
        text.contains("debian-12") && !text.contains("alpine-3.19"),
        "{text}"
    );
    let silent = whyrun()
        .args(["check", "--no-config", "-q", "-t", "alpine-3.19"])
        .arg(fixtures::small("c-musl-dynamic"))
        .output()
        .unwrap();
    assert_eq!(silent.status.code(), Some(0));
    assert!(
        silent.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&silent.stdout)
    );
}

/// Every command has its own help with examples and its own man page, whyrun-COMMAND(1).
#[test]
fn every_command_has_examples_and_a_man_page() {
    let top = whyrun().arg("--help").output().unwrap();
    let top = String::from_utf8_lossy(&top.stdout).into_owned();
    let commands: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 9, "{top}");
    for c in commands {
        let help = whyrun().args([c, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(
            help.contains("Example"),
            "{c} --help has no example:\n{help}"
        );
        let man = whyrun().args(["man", c]).output().unwrap();
        assert_eq!(man.status.code(), Some(0), "man {c}");
        let page = String::from_utf8_lossy(&man.stdout);
        assert!(
            page.contains(&format!(".TH whyrun-{c} 1")),
            "man {c}: {}",
            page.lines().take(3).collect::<Vec<_>>().join("\n")
        );
    }
    let nope = whyrun().args(["man", "nope"]).output().unwrap();
    assert_eq!(nope.status.code(), Some(2));
}

/// The same flag means the same everywhere: `--format json` (or `--json`) for every
/// command that prints a report, and a global `--color auto|always|never`.
#[test]
fn format_and_color_are_the_same_everywhere() {
    let hello = fixtures::small("go124-hello");
    let hello = hello.to_str().unwrap();
    for args in [
        vec!["inspect", hello],
        vec!["tree", hello],
        vec!["explain", "exec format error", hello, "-t", "debian-12"],
        vec!["check", hello, "-t", "debian-12", "--no-config"],
    ] {
        let out = whyrun()
            .args(&args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: Result<Value, _> = crate::json_schema::try_parse(&out.stdout);
        assert!(
            json.is_ok(),
            "{args:?} --format json: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let color = |when: &str| {
        let out = whyrun()
            .env_remove("NO_COLOR")
            .args([
                "--color",
                when,
                "check",
                hello,
                "-t",
                "debian-12",
                "--no-config",
            ])
            .output()
            .unwrap();
        out.stdout.contains(&0x1b)
    };
    assert!(color("always"), "--color always into a pipe");
    assert!(!color("never"));
    assert!(!color("auto"), "a pipe is not a terminal");
}

/// The program's own arguments after `--`: the port and the config file it names are
/// judged for the user it runs as, as a unit's ExecStart= arguments are.
#[test]
fn arguments_after_double_dash_are_learned_from() {
    let root = bookworm();
    let out = whyrun()
        .args(["check", "--no-config", "--format", "json", "--this-machine"])
        .arg(fixtures::small("go124-hello"))
        .args(["--root", root.to_str().unwrap(), "--user", "nobody"])
        .args(["--", "--addr", ":80", "--config", "/etc/shadow"])
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let t = target(&json, 0);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let codes: Vec<&str> = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"LAUNCH005"), "{t}");
    assert!(codes.contains(&"LAUNCH007"), "/etc/shadow is root's: {t}");
    assert!(t.to_string().contains("the arguments after --"), "{t}");
}

/// Several binaries in one check, a glob among them: one report entry each, the worst
/// exit code, and one summary line at the end of the human output.
#[test]
fn several_binaries_and_globs_in_one_check() {
    let small = fixtures::small("c-musl-dynamic");
    let dir = small.parent().unwrap();
    let json = whyrun()
        .current_dir(dir)
        .args([
            "check",
            "c-*-dynamic",
            "go124-hello",
            "-t",
            "debian-12",
            "--no-config",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let v: Value = crate::json_schema::parse_output(&json);
    let paths: Vec<&str> = v["binaries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "c-aarch64-dynamic",
            "c-cxx-dynamic",
            "c-glibc-dynamic",
            "c-musl-dynamic",
            "go124-hello"
        ]
    );
    let human = whyrun()
        .current_dir(dir)
        .args([
            "check",
            "c-*-dynamic",
            "go124-hello",
            "-t",
            "debian-12",
            "--no-config",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.trim_end().ends_with(
            "5 binaries: 3 run on every target, 2 will not start on some, 0 fail at run time on some, 0 cannot tell"
        ),
        "{text}"
    );
    let nothing = whyrun()
        .current_dir(dir)
        .args([
            "check",
            "nope-*",
            "go124-hello",
            "-t",
            "debian-12",
            "--no-config",
        ])
        .output()
        .unwrap();
    assert_eq!(nothing.status.code(), Some(2));
    let with_unit = whyrun()
        .current_dir(dir)
        .args([
            "check",
            "go124-hello",
            "c-musl-dynamic",
            "--unit",
            "x.service",
            "--no-config",
        ])
        .output()
        .unwrap();
    assert_eq!(with_unit.status.code(), Some(2));
}
