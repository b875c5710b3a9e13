//! Shell-form entrypoints against real podman: each case builds an image from `scratch`
//! with buildah (`/bin/sh` = Debian's static busybox, `/app/hello` = a committed fixture,
//! a `["/bin/sh","-c",LINE]` entrypoint), runs it with `podman run --network none`, saves
//! it with `podman save --format docker-archive` and asks `whyrun check --image` for a
//! verdict, which must equal what podman did.
//!
//! The store and the tools' configuration are the ones of `containers.rs`. Each
//! archive is cached there under a hash of everything that decides it (busybox, the
//! program, the entrypoint, the buildah and podman versions), so a warm run builds
//! nothing; the container itself runs every time. Needs root, podman, buildah, runc and
//! busybox-static (`scripts/install-deps.sh`); fails, naming the script, when one is
//! missing.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::containers::{self, run, setup, tool, Image, BUSYBOX};
use crate::fixtures;

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
/// Bumped when the way an image is built changes, so cached archives are rebuilt.
const RECIPE: &str = "whyrun-podman/1";

/// What `podman run` did.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// The image with busybox as `/bin/sh`, `hello` as `/app/hello` and `entrypoint`, built
/// unless its archive and its tag are both there already.
fn image(dir: &Path, hello: &Path, entrypoint: &[&str]) -> Image {
    let entrypoint = serde_json::to_string(entrypoint).unwrap();
    let key = containers::cache_key(&[
        RECIPE.as_bytes(),
        &std::fs::read(BUSYBOX).unwrap(),
        &std::fs::read(hello).unwrap(),
        entrypoint.as_bytes(),
        run(dir, "buildah", &["--version"]).as_bytes(),
        run(dir, "podman", &["--version"]).as_bytes(),
    ]);
    let tag = format!("localhost/whyrun-podman-test:{key}");
    let archive = dir.join("images").join(format!("{key}.tar"));
    let stored = tool(dir, "podman")
        .args(["image", "exists", &tag])
        .status()
        .is_ok_and(|s| s.success());
    if archive.is_file() && stored {
        return Image { tag, archive };
    }

    let policy = dir.join("policy.json");
    let policy = policy.to_str().unwrap();
    let name = format!("whyrun-build-{key}");
    // A working container left by a run that was killed half-way.
    let _ = tool(dir, "buildah").args(["rm", &name]).output();
    run(
        dir,
        "buildah",
        &[
            "from",
            "--signature-policy",
            policy,
            "--name",
            &name,
            "scratch",
        ],
    );
    let hello = hello.to_str().unwrap();
    for (from, to) in [(BUSYBOX, "/bin/sh"), (hello, "/app/hello")] {
        run(
            dir,
            "buildah",
            &["copy", "--quiet", "--chmod", "755", &name, from, to],
        );
    }
    run(
        dir,
        "buildah",
        &["config", "--entrypoint", &entrypoint, &name],
    );
    containers::commit_and_save(dir, &name, &tag, &archive);
    Image { tag, archive }
}

/// `podman run --rm --network none TAG`: what really happens.
fn podman_run(dir: &Path, tag: &str) -> Outcome {
    let out = tool(dir, "podman")
        .args(["run", "--rm", "--network", "none", tag])
        .output()
        .unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Builds (or finds) the image, runs it, and asks whyrun about its archive: the real
/// outcome, then whyrun's first target and exit code.
fn case(hello: &str, entrypoint: &[&str]) -> (Outcome, Value, i32) {
    let dir = setup();
    let (image, outcome) = {
        let _store = containers::lock();
        let image = image(&dir, &fixtures::small(hello), entrypoint);
        let outcome = podman_run(&dir, &image.tag);
        (image, outcome)
    };
    eprintln!("podman run {} ({entrypoint:?}): {outcome:?}", image.tag);
    let out = Command::new(WHYRUN)
        .args(["check", "--image"])
        .arg(&image.archive)
        .args(["--format", "json", "--no-config"])
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let target = json["binaries"][0]["targets"][0].clone();
    (outcome, target, out.status.code().unwrap_or(-1))
}

/// `cd /app && exec ./hello` with a static Go program: podman runs it, whyrun follows the
/// shell line to `/app/hello` and says it starts.
#[test]
fn a_shell_form_entrypoint_starting_a_static_program_runs_in_podman() {
    let (real, t, code) = case("go124-hello", &["/bin/sh", "-c", "cd /app && exec ./hello"]);
    assert_eq!(real.code, 0, "podman: {real:?}");
    assert!(real.stdout.contains("hello from go"), "podman: {real:?}");
    assert!(
        t["verdict"] == "runs" || t["verdict"] == "risky",
        "whyrun: {t} (exit {code}); podman: {real:?}"
    );
    assert_ne!(code, 1, "{t}");
    assert_eq!(t["path_in_target"], "/app/hello", "{t}");
}

/// The same line starting a musl program whose loader (`/lib/ld-musl-x86_64.so.1`) the
/// image lacks: the kernel's ENOENT reaches busybox's `exec`, which prints
/// `/bin/sh: exec: line 0: ./hello: not found` and exits 127; whyrun says it will not
/// start, for LIBC001, at `/app/hello`.
#[test]
fn a_shell_form_entrypoint_starting_a_program_without_its_loader_fails_in_podman() {
    let (real, t, code) = case(
        "c-musl-dynamic",
        &["/bin/sh", "-c", "cd /app && exec ./hello"],
    );
    assert_eq!(real.code, 127, "podman: {real:?}");
    assert!(
        real.stderr.contains("./hello: not found"),
        "podman: {real:?}"
    );
    assert_eq!(code, 1, "{t}");
    assert_eq!(t["verdict"], "wont-start", "{t}");
    assert_eq!(t["findings"][0]["code"], "LIBC001", "{t}");
    assert_eq!(t["path_in_target"], "/app/hello", "{t}");
}

/// `./migrate && exec ./hello`: what starts depends on a program whyrun does not judge, so
/// it cannot tell (exit 3). Here podman's shell stops at `./migrate` (absent: 127) and
/// `./hello` never runs.
#[test]
fn a_shell_line_whyrun_cannot_follow_is_cannot_tell() {
    let (real, t, code) = case(
        "go124-hello",
        &["/bin/sh", "-c", "./migrate && exec ./hello"],
    );
    eprintln!(
        "podman's real outcome: exit {}, {:?}",
        real.code, real.stderr
    );
    assert_eq!(code, 3, "{t}");
    assert_eq!(t["verdict"], "cannot-tell", "{t}");
    assert_eq!(t["findings"][0]["code"], "FS004", "{t}");
    assert!(!real.stdout.contains("hello from go"), "podman: {real:?}");
}
