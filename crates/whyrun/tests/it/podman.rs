//! Shell-form entrypoints against real podman: each case builds an image from `scratch`
//! with buildah (`/bin/sh` = Debian's static busybox, `/app/hello` = a committed fixture,
//! a `["/bin/sh","-c",LINE]` entrypoint), runs it with `podman run --network none`, saves
//! it with `podman save --format docker-archive` and asks `whyrun check --image` for a
//! verdict, which must equal what podman did.
//!
//! Nothing on the host is configured: `containers.conf` (runc, cgroupfs, no default
//! ulimits: the hard open-files limit of some CI hosts is below podman's default),
//! `storage.conf` (vfs, graph root and run root beside it), `registries.conf` (no search
//! registries) and `policy.json` live in `~/.cache/whyrun/containers/` (or
//! `$WHYRUN_CONTAINERS`) and the tools are pointed at them through the environment. Each
//! archive is cached there under a hash of everything that decides it (busybox, the
//! program, the entrypoint, the buildah and podman versions), so a warm run builds
//! nothing; the container itself runs every time. Needs root, podman, buildah, runc and
//! busybox-static (`scripts/install-deps.sh`); fails, naming the script, when one is
//! missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fixtures;

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
const BUSYBOX: &str = "/bin/busybox";
/// Bumped when the way an image is built changes, so cached archives are rebuilt.
const RECIPE: &str = "whyrun-podman/1";

/// One build or run at a time: buildah and podman share one vfs store.
static STORE: Mutex<()> = Mutex::new(());

/// What `podman run` did.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A built image: its tag in the store and its docker-archive.
struct Image {
    tag: String,
    archive: PathBuf,
}

fn containers_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WHYRUN_CONTAINERS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/containers")
}

/// Checks root and the tools, writes the configuration files, and returns their directory.
fn setup() -> PathBuf {
    assert!(
        fixtures::is_root(),
        "podman: builds and runs containers and needs root: run it as root (scripts/test.sh)"
    );
    for tool in ["podman", "buildah", "runc"] {
        let found = Command::new(tool).arg("--version").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "podman: {tool} is missing: run `bash scripts/install-deps.sh` (as root)"
        );
    }
    assert!(
        Path::new(BUSYBOX).is_file(),
        "podman: {BUSYBOX} (busybox-static) is missing: run `bash scripts/install-deps.sh` (as root)"
    );
    let dir = containers_dir();
    std::fs::create_dir_all(dir.join("images")).unwrap();
    let d = dir.display();
    let files = [
        (
            "containers.conf",
            "[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = \"runc\"\n\
             cgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n"
                .to_string(),
        ),
        (
            "storage.conf",
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{d}/storage\"\nrunroot = \"{d}/run\"\n"
            ),
        ),
        (
            "registries.conf",
            "unqualified-search-registries = []\n".to_string(),
        ),
        (
            "policy.json",
            "{\"default\": [{\"type\": \"insecureAcceptAnything\"}]}\n".to_string(),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).unwrap();
        }
    }
    dir
}

/// `program` with the environment that points it at the files in `dir`.
fn tool(dir: &Path, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("CONTAINERS_CONF", dir.join("containers.conf"))
        .env("CONTAINERS_STORAGE_CONF", dir.join("storage.conf"))
        .env("CONTAINERS_REGISTRIES_CONF", dir.join("registries.conf"));
    cmd
}

/// Runs `program args`, returning its stdout and failing the test with its stderr.
fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    fixtures::run_command(tool(dir, program), program, args)
        .trim()
        .to_string()
}

/// The image with busybox as `/bin/sh`, `hello` as `/app/hello` and `entrypoint`, built
/// unless its archive and its tag are both there already.
fn image(dir: &Path, hello: &Path, entrypoint: &[&str]) -> Image {
    let entrypoint = serde_json::to_string(entrypoint).unwrap();
    let mut h = Sha256::new();
    for part in [
        RECIPE.as_bytes(),
        &std::fs::read(BUSYBOX).unwrap(),
        &std::fs::read(hello).unwrap(),
        entrypoint.as_bytes(),
        run(dir, "buildah", &["--version"]).as_bytes(),
        run(dir, "podman", &["--version"]).as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    let key: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
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
    run(
        dir,
        "buildah",
        &[
            "commit",
            "--quiet",
            "--signature-policy",
            policy,
            &name,
            &tag,
        ],
    );
    run(dir, "buildah", &["rm", &name]);
    let partial = archive.with_extension("tar.partial");
    let _ = std::fs::remove_file(&partial);
    run(
        dir,
        "podman",
        &[
            "save",
            "--quiet",
            "--format",
            "docker-archive",
            "-o",
            partial.to_str().unwrap(),
            &tag,
        ],
    );
    std::fs::rename(&partial, &archive).unwrap();
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
        let _store = STORE.lock().unwrap_or_else(|e| e.into_inner());
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
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
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
