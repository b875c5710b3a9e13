//! `whyrun tree` from the command line: the tree and its reasons on this machine, the
//! `whyrun.tree/1` JSON, `--root` with chroot semantics on a small root copied from this
//! machine (absolute symlinks resolved inside it, no ld.so.cache so the default path
//! answers), a missing library with every place tried, and the exit codes.

use std::os::unix::fs::symlink;
use std::path::Path;

use assert_cmd::Command;

const LOADER: &str = "/lib64/ld-linux-x86-64.so.2";

fn whyrun() -> Command {
    let mut c = Command::cargo_bin("whyrun").unwrap();
    c.env("NO_COLOR", "1").env_remove("LD_LIBRARY_PATH");
    c
}

/// This machine's libc, found the way the loader finds it (the test runs on glibc x86-64).
fn host_libc() -> std::path::PathBuf {
    std::fs::canonicalize("/lib/x86_64-linux-gnu/libc.so.6").expect("a Debian x86-64 host")
}

/// A root holding `/usr/bin/prog` (this machine's `true`), the loader behind an absolute
/// symlink, and libc unless `with_libc` is false. No ld.so.cache.
fn small_root(with_libc: bool) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let libdir = r.join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&libdir).unwrap();
    std::fs::create_dir_all(r.join("usr/bin")).unwrap();
    std::fs::create_dir_all(r.join("lib64")).unwrap();
    symlink("usr/lib", r.join("lib")).unwrap();
    std::fs::copy("/usr/bin/true", r.join("usr/bin/prog")).unwrap();
    std::fs::copy(
        std::fs::canonicalize(LOADER).unwrap(),
        libdir.join("ld-linux-x86-64.so.2"),
    )
    .unwrap();
    // Absolute: must resolve inside the root, never to the host's loader.
    symlink(
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        r.join("lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    if with_libc {
        std::fs::copy(host_libc(), libdir.join("libc.so.6")).unwrap();
    }
    d
}

#[test]
fn host_tree_explains_the_cache() {
    let out = whyrun().args(["tree", "/usr/bin/true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("/usr/bin/true\n"), "{text}");
    assert!(text.contains(&format!("interpreter {LOADER}")), "{text}");
    assert!(
        text.contains("libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 [ld.so.cache]"),
        "{text}"
    );
}

#[test]
fn json_has_schema_objects_and_reasons() {
    let out = whyrun()
        .args(["tree", "--json", "/usr/bin/true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = crate::json_schema::parse_output(&out);
    assert_eq!(v["schema"], "whyrun.tree/1");
    assert_eq!(v["target"], "host");
    let file = &v["files"][0];
    assert_eq!(file["ok"], true);
    let tree = &file["tree"];
    assert_eq!(tree["search"]["libc"], "glibc");
    assert_eq!(tree["objects"][0]["path"], "/usr/bin/true");
    let need = &tree["objects"][0]["needs"][0];
    assert_eq!(need["name"], "libc.so.6");
    assert_eq!(need["outcome"], "loaded");
    assert_eq!(need["step"]["kind"], "ld_so_cache");
}

#[test]
fn root_resolves_inside_the_root() {
    let root = small_root(true);
    let out = whyrun()
        .args(["tree", "--root"])
        .arg(root.path())
        .arg("/usr/bin/prog")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    // No ld.so.cache in this root: the loader's built-in directories answer.
    assert!(
        text.contains(
            "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 [default path /lib/x86_64-linux-gnu/]"
        ),
        "{text}"
    );
    let json = whyrun()
        .args(["tree", "--json", "--root"])
        .arg(root.path())
        .arg("/usr/bin/prog")
        .output()
        .unwrap();
    let v: serde_json::Value = crate::json_schema::parse_output(&json);
    let tree = &v["files"][0]["tree"];
    assert_eq!(
        tree["interpreter"]["found"],
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    );
    assert!(tree["search"]["cache"]["error"]
        .as_str()
        .unwrap()
        .contains("no such file"));
}

#[test]
fn missing_library_lists_every_place_tried_and_exits_1() {
    let root = small_root(false);
    let out = whyrun()
        .args(["tree", "--root"])
        .arg(root.path())
        .arg("/usr/bin/prog")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("libc.so.6 not found"), "{text}");
    assert!(
        text.contains("tried default path: /lib/x86_64-linux-gnu/"),
        "{text}"
    );
    for dir in ["/usr/lib/x86_64-linux-gnu/", "/lib/", "/usr/lib/"] {
        assert!(text.contains(dir), "{dir} not listed in {text}");
    }
    assert!(text.contains("1 library missing: libc.so.6"), "{text}");
}

#[test]
fn unreadable_inputs_exit_2_and_the_rest_is_shown() {
    let root = small_root(true);
    std::fs::write(root.path().join("usr/bin/script"), "#!/bin/sh\n").unwrap();
    let out = whyrun()
        .args(["tree", "--root"])
        .arg(root.path())
        .args(["/usr/bin/script", "/usr/bin/nope", "/usr/bin/prog"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/usr/bin/script: not an ELF binary"), "{err}");
    assert!(err.contains("/usr/bin/nope: no such file"), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("libc.so.6 =>"), "{text}");

    let missing_root = whyrun()
        .args(["tree", "--root", "/nonexistent/root", "/usr/bin/true"])
        .output()
        .unwrap();
    assert_eq!(missing_root.status.code(), Some(2));
    assert!(Path::new("/usr/bin/true").exists());
}

#[test]
fn library_in_an_ld_so_conf_directory_but_not_cached_gets_a_hint() {
    let root = small_root(false);
    let r = root.path();
    std::fs::create_dir_all(r.join("opt/lib")).unwrap();
    std::fs::create_dir_all(r.join("etc/ld.so.conf.d")).unwrap();
    std::fs::copy(host_libc(), r.join("opt/lib/libc.so.6")).unwrap();
    std::fs::write(r.join("etc/ld.so.conf"), "include ld.so.conf.d/*.conf\n").unwrap();
    std::fs::write(r.join("etc/ld.so.conf.d/opt.conf"), "# local\n/opt/lib\n").unwrap();
    let out = whyrun()
        .args(["tree", "--root"])
        .arg(r)
        .arg("/usr/bin/prog")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "hint: /opt/lib/libc.so.6 exists, in a directory listed by \
             /etc/ld.so.conf.d/opt.conf:2, but ld.so.cache does not list it: run ldconfig"
        ),
        "{text}"
    );
}

/// A relative FILE on this machine is taken from the current directory (it used to be
/// taken from `/`: `whyrun tree ./x` said `/./x: no such file or directory`).
#[test]
fn a_relative_path_is_taken_from_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/true", dir.path().join("prog")).unwrap();
    let out = whyrun()
        .current_dir(dir.path())
        .args(["tree", "./prog"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("libc.so.6 =>"), "{stdout}");
}

/// `--as PATH`: a local program shown as if copied to PATH inside the root. The fixture
/// `c-runpath` finds `libhello.so` through `RUNPATH $ORIGIN/lib`: placed at
/// /opt/app/prog, next to the root's /opt/app/lib/libhello.so, it loads; placed where no
/// such directory is, the library is missing.
#[test]
fn as_places_a_local_file_inside_the_root() {
    let root = small_root(true);
    let lib = root.path().join("opt/app/lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::copy(
        crate::fixtures::small("lib/libhello.so"),
        lib.join("libhello.so"),
    )
    .unwrap();
    let prog = crate::fixtures::small("c-runpath");
    let run = |at: &str| {
        whyrun()
            .args(["tree", "--root"])
            .arg(root.path())
            .args(["--as", at])
            .arg(&prog)
            .output()
            .unwrap()
    };
    let placed = run("/opt/app/prog");
    let text = String::from_utf8_lossy(&placed.stdout);
    assert_eq!(placed.status.code(), Some(0), "{text}");
    assert!(text.contains("c-runpath at /opt/app/prog"), "{text}");
    assert!(
        text.contains("libhello.so => /opt/app/lib/libhello.so"),
        "{text}"
    );
    let elsewhere = run("/usr/bin/prog2");
    assert_eq!(
        elsewhere.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&elsewhere.stdout)
    );
}
