//! Build metadata for `whyrun version --verbose`: the commit, the target triple, the
//! compiler and the profile, passed to the program as compile-time environment variables.
//!
//! The commit comes from `WHYRUN_COMMIT` (set by `scripts/release.sh`), else from `git`
//! when the sources are a git checkout, else it is `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=WHYRUN_COMMIT");
    println!("cargo:rerun-if-env-changed=WHYRUN_COMMIT_DATE");
    let commit = std::env::var("WHYRUN_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let date = std::env::var("WHYRUN_COMMIT_DATE")
        .ok()
        .filter(|d| !d.is_empty())
        .or_else(|| git(&["show", "-s", "--format=%cs", "HEAD"]))
        .unwrap_or_default();
    // Rebuild when HEAD moves, so a development build names the commit it was built from.
    if let Some(head) = git(&["rev-parse", "--path-format=absolute", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(path) = git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                &reference,
            ]) {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let set = |key: &str, value: &str| println!("cargo:rustc-env={key}={value}");
    set("WHYRUN_BUILD_COMMIT", &commit);
    set("WHYRUN_BUILD_COMMIT_DATE", &date);
    set(
        "WHYRUN_BUILD_TARGET",
        &std::env::var("TARGET").unwrap_or_default(),
    );
    set(
        "WHYRUN_BUILD_PROFILE",
        &std::env::var("PROFILE").unwrap_or_default(),
    );
    set("WHYRUN_BUILD_RUSTC", &rustc_version);
}

/// One line of `git`'s output, run in this crate's directory; `None` when git is absent or
/// this is not a checkout.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let line = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !line.is_empty()).then_some(line)
}
