//! The inputs of the examples: the committed small fixtures, the fixtures and roots the
//! build scripts cache outside git, target snapshots written from built-in profiles, and
//! the few programs built here because no fixture has what their rule looks for. A missing
//! input fails the test and names the script that makes it; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

use whyrun_target::model::{TargetModel, SCHEMA};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root exists")
}

fn cache(var: &str, leaf: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(var) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    Path::new(&home).join(".cache/whyrun").join(leaf)
}

/// The committed fixture `fixtures/small/NAME`.
pub fn small(name: &str) -> PathBuf {
    let p = repo().join("fixtures/small").join(name);
    assert!(p.is_file(), "missing committed fixture {}", p.display());
    p
}

/// The fixture NAME of `fixtures/build.sh`, found through its manifest.
pub fn built(name: &str) -> PathBuf {
    let dir = cache("WHYRUN_FIXTURES", "fixtures");
    let manifest = dir.join("manifest.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): build the fixtures first with `bash fixtures/build.sh` \
             (or run the whole test command, `bash scripts/test.sh`)",
            manifest.display()
        )
    });
    let path = text
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|cols| cols.len() >= 3 && cols[0] == name)
        .map(|cols| dir.join(cols[2]))
        .unwrap_or_else(|| {
            panic!(
                "{} does not list {name}: rebuild the fixtures with `bash fixtures/build.sh`",
                manifest.display()
            )
        });
    assert!(
        path.is_file(),
        "{} is missing: rebuild the fixtures with `bash fixtures/build.sh`",
        path.display()
    );
    path
}

/// The root `NAME` of `fixtures/e2e/build-roots.sh`. Read only: a scenario that needs
/// another file in it works on a copy (`root_copy`).
pub fn root(name: &str) -> PathBuf {
    let dir = cache("WHYRUN_ROOTS", "roots").join(name);
    assert!(
        dir.is_dir(),
        "the root {} is missing: build it with `bash fixtures/e2e/build-roots.sh`",
        dir.display()
    );
    dir
}

/// A copy of the root `name` in `dir`, hard-linked as the root scripts make theirs (`cp
/// -al`): files may be added to it, never written through.
pub fn root_copy(name: &str, dir: &Path) -> PathBuf {
    let copy = dir.join(name);
    run(Command::new("cp").arg("-al").arg(root(name)).arg(&copy));
    copy
}

/// Writes `model` as a snapshot file (`whyrun.target/1`, what `whyrun snapshot` writes)
/// in `dir`, for `--target FILE.json`.
pub fn snapshot(model: &TargetModel, dir: &Path) -> PathBuf {
    let mut model = model.clone();
    model.schema = SCHEMA.into();
    let path = dir.join(format!("{}.json", model.name));
    std::fs::write(&path, whyrun_target::snapshot::to_json(&model)).unwrap();
    path
}

/// A built-in profile's model, to start a snapshot from.
pub fn profile(spec: &str) -> TargetModel {
    whyrun_target::profiles::profile(spec).unwrap_or_else(|| panic!("no profile {spec}"))
}

/// The Go toolchain `fixtures/build.sh` uses for its Go 1.24 fixtures.
const GO124: &str = "/usr/lib/go-1.24/bin/go";

/// A Go main package: its module path and its files.
pub struct GoProgram<'a> {
    pub module: &'a str,
    pub main_go: &'a str,
}

impl GoProgram<'_> {
    /// Writes the module into `dir`.
    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("go.mod"),
            format!("module {}\n\ngo 1.24\n", self.module),
        )
        .unwrap();
        std::fs::write(dir.join("main.go"), self.main_go).unwrap();
    }
}

/// `go build -trimpath -o OUT .` in `dir` with Go 1.24, cgo off and nothing from the
/// network or the user's Go settings, as `fixtures/build.sh` builds.
pub fn go_build(dir: &Path, out: &Path) {
    assert!(
        Path::new(GO124).is_file(),
        "{GO124} is missing: install it with `bash scripts/install-deps.sh`"
    );
    run(Command::new(GO124)
        .current_dir(dir)
        .args(["build", "-trimpath", "-o"])
        .arg(out)
        .arg(".")
        .env("CGO_ENABLED", "0")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOENV", "off")
        .env("GOWORK", "off")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("GOAMD64"));
}

/// `git` in `dir` with a fixed identity and date and no user or system configuration, so
/// that a commit has the same hash on every machine.
pub fn git(dir: &Path, args: &[&str]) {
    let when = "2025-06-02T10:14:03Z";
    run(Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "whyrun")
        .env("GIT_AUTHOR_EMAIL", "whyrun@example.invalid")
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_NAME", "whyrun")
        .env("GIT_COMMITTER_EMAIL", "whyrun@example.invalid")
        .env("GIT_COMMITTER_DATE", when));
}

/// A C cross compiler of `scripts/install-deps.sh`.
pub fn cross_gcc(gcc: &str, args: &[&str]) {
    run(Command::new(gcc).args(args));
}

/// Runs a command, failing the test with its output when it fails.
fn run(cmd: &mut Command) {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("cannot run {shown}: {e} (`bash scripts/install-deps.sh` installs the tools)")
    });
    assert!(
        out.status.success(),
        "{shown} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An OCI image layout in `dir` with one layer holding `files` (path in the image, mode,
/// contents) and the config's `Entrypoint`: what `buildah push oci:DIR` writes, for a
/// check with `--image DIR`.
pub fn oci_image(dir: &Path, files: &[(&str, u32, &[u8])], entrypoint: &[&str]) -> PathBuf {
    oci_image_with(
        dir,
        files,
        &format!(r#""Entrypoint":{}"#, serde_json_array(entrypoint)),
    )
}

/// [`oci_image`] with the config's fields written as JSON members
/// (`"Entrypoint":["/app"],"User":"app"`).
pub fn oci_image_with(dir: &Path, files: &[(&str, u32, &[u8])], config: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let hex: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let mut layer = tar::Builder::new(Vec::new());
    for (path, mode, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        // A path ending in `/` is a directory.
        h.set_entry_type(if path.ends_with('/') {
            tar::EntryType::Directory
        } else {
            tar::EntryType::Regular
        });
        layer.append_data(&mut h, path, *data).unwrap();
    }
    let (layer_digest, layer_size) = put(&layer.into_inner().unwrap());
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{{config}}},"rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}}}}"#
    );
    let (config_digest, config_size) = put(config.as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{config_size}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer_digest}","size":{layer_size}}}]}}"#
    );
    let (manifest_digest, manifest_size) = put(manifest.as_bytes());
    std::fs::write(
        dir.join("index.json"),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest_digest}","size":{manifest_size}}}]}}"#
        ),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    dir.to_path_buf()
}

/// `["a","b"]`, for the few plain strings an image config holds.
fn serde_json_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(","))
}
