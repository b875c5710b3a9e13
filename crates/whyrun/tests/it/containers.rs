//! The one container store the integration tests share: podman, buildah and runc pointed
//! at configuration files of their own, so nothing on the host is configured.
//! `containers.conf` (runc, cgroupfs, no default ulimits: the hard open-files limit of some
//! CI hosts is below podman's default), `storage.conf` (vfs, graph root and run root beside
//! it), `registries.conf` (no search registries) and `policy.json` live in
//! `~/.cache/whyrun/containers/` (or `$WHYRUN_CONTAINERS`). Tests that build or run images
//! hold [`STORE`] while they do, and key what they cache there with [`cache_key`].

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::fixtures;

/// Debian's static busybox (busybox-static), the shell of the images the tests build.
pub const BUSYBOX: &str = "/bin/busybox";

/// One build or run at a time: buildah and podman share one vfs store.
pub static STORE: Mutex<()> = Mutex::new(());

/// Holds the store until dropped.
pub fn lock() -> std::sync::MutexGuard<'static, ()> {
    STORE.lock().unwrap_or_else(|e| e.into_inner())
}

/// 16 hex digits of the SHA-256 of `parts`, each prefixed with its length.
pub fn cache_key(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn containers_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WHYRUN_CONTAINERS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/containers")
}

/// Checks root and the tools, writes the configuration files, and returns their directory.
pub fn setup() -> PathBuf {
    assert!(
        fixtures::is_root(),
        "containers: building and running images needs root: run it as root (scripts/test.sh)"
    );
    for tool in ["podman", "buildah", "runc"] {
        let found = Command::new(tool).arg("--version").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "containers: {tool} is missing: run `bash scripts/install-deps.sh` (as root)"
        );
    }
    assert!(
        Path::new(BUSYBOX).is_file(),
        "containers: {BUSYBOX} (busybox-static) is missing: run `bash scripts/install-deps.sh` (as root)"
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
pub fn tool(dir: &Path, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("CONTAINERS_CONF", dir.join("containers.conf"))
        .env("CONTAINERS_STORAGE_CONF", dir.join("storage.conf"))
        .env("CONTAINERS_REGISTRIES_CONF", dir.join("registries.conf"));
    cmd
}

/// Runs `program args`, returning its stdout and failing the test with its stderr.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    fixtures::run_command(tool(dir, program), program, args)
        .trim()
        .to_string()
}

/// An image built in the store: its tag, and its docker-archive (`podman save`).
pub struct Image {
    pub tag: String,
    pub archive: PathBuf,
}

/// Commits buildah's working container `name` as `tag`, removes the container, and saves
/// the image as a docker-archive at `archive` (written beside it first, then renamed, so
/// a run killed half-way leaves no archive that looks whole).
pub fn commit_and_save(dir: &Path, name: &str, tag: &str, archive: &Path) {
    let policy = dir.join("policy.json");
    let policy = policy.to_str().unwrap();
    run(
        dir,
        "buildah",
        &["commit", "--quiet", "--signature-policy", policy, name, tag],
    );
    run(dir, "buildah", &["rm", name]);
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
            tag,
        ],
    );
    std::fs::rename(&partial, archive).unwrap();
}
