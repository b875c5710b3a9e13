//! A symbol missing from a library that has its version node, against reality: the small
//! library `libx.so.1` of `fixtures/src/c/symver`, whose version `LIBX_1` gained `f2` in a
//! newer build; a program
//! built against the newer one is run for real with the older one beside it, in the
//! debootstrapped `bookworm-min` root (`fixtures/e2e/run_in_root.py`), linked lazily and
//! with `-z now`. Reality: lazily, it prints "start" and dies at the call with `symbol
//! lookup error … undefined symbol: f2, version LIBX_1` (exit 127); with BIND_NOW it dies
//! before printing anything. whyrun must say "fails at run time" and "will not start".

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

fn run_ok(cmd: &mut Command) {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("{shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The two libraries and the two programs of `fixtures/src/c/symver`, built with gcc in
/// `dir` (its README has the commands).
fn build(dir: &Path) {
    let src = fixtures::repo().join("fixtures/src/c/symver");
    for v in ["1", "2"] {
        std::fs::create_dir_all(dir.join(format!("v{v}"))).unwrap();
        run_ok(Command::new("gcc").current_dir(&src).args([
            "-shared",
            "-fPIC",
            "-o",
            &format!("{}/v{v}/libx.so.1", dir.display()),
            "-Wl,-soname,libx.so.1",
            &format!("-Wl,--version-script=v{v}.map"),
            &format!("x{v}.c"),
        ]));
    }
    for (out, extra) in [("lazy", None), ("now", Some("-Wl,-z,now"))] {
        let mut cmd = Command::new("gcc");
        cmd.current_dir(&src).arg("-o").arg(dir.join(out)).args([
            "main.c",
            &format!("-L{}/v2", dir.display()),
            "-l:libx.so.1",
            "-Wl,-rpath,$ORIGIN",
        ]);
        cmd.args(extra);
        run_ok(&mut cmd);
    }
}

/// What really happens: `command` run in `root` with each (file, `DEST:MODE`) copied in,
/// as the runner reports it.
fn run_in_root(root: &Path, copies: &[(PathBuf, String)], command: &[&str]) -> Value {
    let mut cmd = Command::new("python3");
    cmd.arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root)
        .args(["--timeout", "20"]);
    for (file, dest) in copies {
        cmd.arg("--copy").arg(format!("{}:{dest}", file.display()));
    }
    let out = cmd.arg("--").args(command).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the runner prints JSON")
}

fn bookworm_min() -> PathBuf {
    let root = fixtures::roots_dir().join("bookworm-min");
    assert!(
        root.join("usr/bin").is_dir(),
        "{} is missing: build it with `bash fixtures/e2e/build-roots.sh`",
        root.display()
    );
    root
}

#[test]
fn a_symbol_missing_from_an_existing_version_agrees_with_reality() {
    let dir = tempfile::tempdir().unwrap();
    build(dir.path());
    let root = bookworm_min();
    for (program, expected_verdict, starts) in [
        ("lazy", "fails-at-runtime", true),
        ("now", "wont-start", false),
    ] {
        // Reality: the program and the older library side by side in /app.
        let real = run_in_root(
            &root,
            &[
                (dir.path().join(program), format!("/app/{program}:755")),
                (dir.path().join("v1/libx.so.1"), "/app/libx.so.1:644".into()),
            ],
            &[&format!("/app/{program}")],
        );
        assert_eq!(real["exit_code"], 127, "{real}");
        assert!(
            real["stderr"]
                .as_str()
                .unwrap_or("")
                .contains("undefined symbol: f2, version LIBX_1"),
            "{real}"
        );
        assert_eq!(real["stdout"] == "start\n", starts, "{real}");

        // whyrun, on a copy of the root holding the same two files.
        let copy = tempfile::tempdir_in(root.parent().unwrap()).unwrap();
        let r = copy.path().join("root");
        crate::fixtures::hardlink_copy(&root, &r);
        std::fs::create_dir_all(r.join("app")).unwrap();
        std::fs::copy(dir.path().join(program), r.join("app").join(program)).unwrap();
        std::fs::copy(dir.path().join("v1/libx.so.1"), r.join("app/libx.so.1")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_whyrun"))
            .args([
                "check",
                "--no-config",
                "--this-machine",
                "--format",
                "json",
                "--root",
            ])
            .arg(&r)
            .args(["--inside", &format!("/app/{program}")])
            .output()
            .unwrap();
        let json: Value = crate::json_schema::parse_output(&out);
        let t = &json["binaries"][0]["targets"][0];
        assert_eq!(t["verdict"], expected_verdict, "{program}: {t}");
        assert_eq!(t["findings"][0]["code"], "LIB006", "{program}: {t}");
    }
}

/// The real case: Debian trixie's sqlite3 CLI (fixtures/third-party/fetch.sh) in the
/// bookworm root of fixtures/roots/build.sh, whose libsqlite3 is 3.40: the loader stops at
/// `sqlite3_stmt_explain` (3.43) before main, since Debian links with `-z now`.
#[test]
fn trixie_sqlite3_on_bookworm_agrees_with_reality() {
    let third = std::env::var_os("WHYRUN_THIRD_PARTY").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap()).join(".cache/whyrun/third-party"),
        PathBuf::from,
    );
    let sqlite3 = third.join("trixie/sqlite3/usr/bin/sqlite3");
    assert!(
        sqlite3.is_file(),
        "{} is missing: fetch it with `bash fixtures/third-party/fetch.sh`",
        sqlite3.display()
    );
    let root = bookworm_min().parent().unwrap().join("bookworm");
    assert!(
        root.join("usr/bin/sqlite3").is_file(),
        "{} is missing: build it with `bash fixtures/roots/build.sh`",
        root.display()
    );
    let real = run_in_root(
        &root,
        &[(sqlite3.clone(), "/usr/local/bin/sqlite3:755".into())],
        &["/usr/local/bin/sqlite3", "-version"],
    );
    assert_eq!(real["exit_code"], 127, "{real}");
    assert_eq!(real["stdout"], "", "it never reached main: {real}");
    assert!(
        real["stderr"]
            .as_str()
            .unwrap_or("")
            .contains("undefined symbol: sqlite3_stmt_explain"),
        "{real}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_whyrun"))
        .args(["check", "--no-config", "--this-machine", "--format", "json"])
        .arg(&sqlite3)
        .arg("--root")
        .arg(&root)
        .args(["--as", "/usr/local/bin/sqlite3"])
        .output()
        .unwrap();
    let json: Value = crate::json_schema::parse_output(&out);
    let t = &json["binaries"][0]["targets"][0];
    assert_eq!(t["verdict"], "wont-start", "{t}");
    assert_eq!(t["findings"][0]["code"], "LIB006", "{t}");
    assert!(
        t["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("sqlite3_stmt_explain"),
        "{t}"
    );
}
