//! Proof against reality: a stale ld.so.cache. A library is installed in a directory that
//! ld.so.conf lists (`/usr/local/lib`, from `/etc/ld.so.conf.d/libc.conf`) but ldconfig was
//! not run, so the cache does not list it and the real loader does not find it; after
//! `ldconfig -r ROOT` it does. The real `ldd` and the binary itself, run in the root through
//! chroot, must agree with `whyrun check` and `whyrun tree` at both steps.
//!
//! The root is a hard-link copy (`cp -al`) of the e2e root `bookworm-min`
//! (`fixtures/e2e/build-roots.sh`); the binary is the fixture `usehello-norpath`
//! (`fixtures/build.sh`), which needs `libhello.so` and has no RPATH or RUNPATH. ldconfig
//! replaces `ld.so.cache` by a rename, never writing the shared file: the test proves it by
//! checking that the cached root is unchanged afterwards. Needs root (chroot); fails, never
//! skips, when the root or the fixtures are missing.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

const BIN: &str = "/app/usehello-norpath";
const LIB_DIR: &str = "/usr/local/lib";

/// Every file and directory under `root` (but what the e2e test stages there while it
/// runs) with its inode, size and modification time.
fn listing(root: &Path) -> BTreeMap<PathBuf, (u64, u64, i64, i64)> {
    fn walk(dir: &Path, top: bool, out: &mut BTreeMap<PathBuf, (u64, u64, i64, i64)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            if top && e.file_name().to_string_lossy().starts_with("e2e-staged-") {
                continue;
            }
            let p = e.path();
            let Ok(m) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            out.insert(p.clone(), (m.ino(), m.size(), m.mtime(), m.mtime_nsec()));
            if m.is_dir() {
                walk(&p, false, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, true, &mut out);
    out
}

/// Runs `args` inside `root` through chroot(8), with the loader's variables unset;
/// returns stdout and stderr together.
fn in_root(root: &Path, args: &[&str]) -> String {
    let out = Command::new("chroot")
        .arg(root)
        .args(args)
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run chroot: {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `whyrun ARGS`, its JSON output parsed.
fn whyrun_json(args: &[&str]) -> Value {
    let out = assert_cmd::Command::cargo_bin("whyrun")
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    crate::json_schema::parse_output(&out)
}

fn check(root: &str) -> Value {
    let v = whyrun_json(&[
        "check",
        "--root",
        root,
        "--inside",
        BIN,
        "--this-machine",
        "--format",
        "json",
    ]);
    v["binaries"][0]["targets"][0].clone()
}

fn findings(target: &Value, code: &str) -> Vec<Value> {
    target["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["code"] == code).cloned().collect())
        .unwrap_or_default()
}

/// The first decided finding's code.
fn top(target: &Value) -> String {
    target["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["undecided"] != true))
        .and_then(|f| f["code"].as_str())
        .unwrap_or("-")
        .to_string()
}

/// The `libhello.so` entry of the binary's needs in `whyrun tree --json`.
fn tree_need(root: &str) -> Value {
    let v = whyrun_json(&["tree", "--json", "--root", root, BIN]);
    let needs = &v["files"][0]["tree"]["objects"][0]["needs"];
    needs
        .as_array()
        .and_then(|a| a.iter().find(|n| n["name"] == "libhello.so"))
        .cloned()
        .unwrap_or_else(|| panic!("no libhello.so need in whyrun tree's JSON: {v}"))
}

#[test]
fn stale_ld_so_cache_agrees_with_the_real_ldd() {
    assert!(
        fixtures::is_root(),
        "stale_ld_cache: runs ldd and the binary through chroot and needs root: run it as root \
         (scripts/test.sh)"
    );
    let roots = fixtures::roots_dir();
    let cached = roots.join("bookworm-min");
    assert!(
        cached.join("usr/bin").is_dir() && roots.join(".e2e-stamps/bookworm-min").is_file(),
        "{} is missing: build it with `bash fixtures/e2e/build-roots.sh` (as root; the test \
         command does)",
        cached.display()
    );
    let built = fixtures::built();
    let fixture = |name: &str| {
        built
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("fixture {name} is not built: run `bash fixtures/build.sh`"))
            .path
            .clone()
    };
    let (bin, lib) = (fixture("usehello-norpath"), fixture("libhello.so"));

    // The copy sits beside the roots: hard links need the same file system.
    let before = listing(&cached);
    let tmp = tempfile::Builder::new()
        .prefix("stale-ld-cache-")
        .tempdir_in(roots.parent().unwrap())
        .unwrap();
    let root = tmp.path().join("root");
    fixtures::hardlink_copy(&cached, &root);
    let root_s = root.to_str().unwrap();
    let inside = |p: &str| root.join(p.trim_start_matches('/'));
    let conf = std::fs::read_to_string(inside("/etc/ld.so.conf.d/libc.conf")).unwrap();
    assert!(
        conf.lines().any(|l| l.trim() == LIB_DIR),
        "bookworm's libc.conf no longer lists {LIB_DIR}: {conf}"
    );
    let cache_ino = std::fs::metadata(inside("/etc/ld.so.cache")).unwrap().ino();
    assert_eq!(
        cache_ino,
        std::fs::metadata(cached.join("etc/ld.so.cache"))
            .unwrap()
            .ino(),
        "the copy's ld.so.cache is a hard link to the cached root's"
    );
    // New files in the copy's own directories: nothing shared is written.
    std::fs::create_dir_all(inside("/app")).unwrap();
    std::fs::copy(&bin, inside(BIN)).unwrap();
    std::fs::copy(&lib, inside(LIB_DIR).join("libhello.so")).unwrap();

    // Stale: the real loader does not find it.
    let ldd = in_root(&root, &["ldd", BIN]);
    assert!(
        ldd.lines().any(|l| l.trim() == "libhello.so => not found"),
        "the real ldd should not find libhello.so:\n{ldd}"
    );
    let ran = in_root(&root, &[BIN]);
    assert!(
        ran.contains("libhello.so: cannot open shared object file"),
        "the binary should not start:\n{ran}"
    );
    let need = tree_need(root_s);
    assert_eq!(need["outcome"], "not_found", "{need}");
    let hints: Vec<&str> = need["hints"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        hints
            .iter()
            .any(|h| h.contains("ldconfig") && h.contains("/usr/local/lib/libhello.so")),
        "whyrun tree should hint at ldconfig: {need}"
    );
    let t = check(root_s);
    assert_eq!(t["verdict"], "wont-start", "{t:#}");
    assert_eq!(top(&t), "LIB001", "{t:#}");
    let lib001 = findings(&t, "LIB001");
    let hinted = lib001.iter().any(|f| {
        f["evidence"].as_array().is_some_and(|ev| {
            ev.iter()
                .any(|e| e["what"].as_str().is_some_and(|w| w.contains("ldconfig")))
        })
    });
    // Asserted last, so that what follows is proven even while this fails.
    let no_hint = (!hinted).then(|| {
        format!(
            "whyrun check's LIB001 evidence should say to run ldconfig: {:#}",
            Value::Array(lib001)
        )
    });

    // ldconfig run: the cache lists it, the loader finds it.
    let ldconfig = Command::new("ldconfig")
        .arg("-r")
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        ldconfig.status.success(),
        "ldconfig -r failed: {}",
        String::from_utf8_lossy(&ldconfig.stderr)
    );
    assert_ne!(
        std::fs::metadata(inside("/etc/ld.so.cache")).unwrap().ino(),
        cache_ino,
        "ldconfig replaced ld.so.cache by a new file"
    );
    let ldd = in_root(&root, &["ldd", BIN]);
    assert!(
        ldd.lines().any(|l| l
            .trim()
            .starts_with("libhello.so => /usr/local/lib/libhello.so (")),
        "the real ldd should find libhello.so in {LIB_DIR}:\n{ldd}"
    );
    let ran = in_root(&root, &[BIN]);
    assert!(
        !ran.contains("error while loading shared libraries"),
        "the binary should start:\n{ran}"
    );
    let need = tree_need(root_s);
    assert_eq!(need["outcome"], "loaded", "{need}");
    assert_eq!(need["step"]["kind"], "ld_so_cache", "{need}");
    let t = check(root_s);
    assert!(findings(&t, "LIB001").is_empty(), "{t:#}");
    assert_eq!(t["verdict"], "runs", "{t:#}");

    // Nothing of the cached root was written.
    drop(tmp);
    let after = listing(&cached);
    let changed: Vec<_> = before
        .iter()
        .filter(|(p, m)| after.get(*p) != Some(m))
        .map(|(p, _)| p)
        .chain(after.keys().filter(|p| !before.contains_key(*p)))
        .take(10)
        .collect();
    assert!(
        changed.is_empty(),
        "the test changed the cached root {}: {changed:?}",
        cached.display()
    );
    if let Some(why) = no_hint {
        panic!("{why}");
    }
}
