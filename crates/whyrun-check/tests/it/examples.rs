//! Every rule's `## Example` is what whyrun really prints: one scenario per rule code, a
//! real check (`whyrun_check::check`, the pipeline of `whyrun check`) of a real binary on a
//! real target (a built-in profile, a cached root, or a snapshot file written from a
//! profile with the CPU, kernel, mounts or files changed). The finding of that code is
//! rendered as `whyrun check` prints it, pinned with an insta snapshot, and compared with
//! the ```text block under the rule's `## Example`.
//!
//! When a rule's output changes on purpose, bless the examples and review the diff:
//!
//! ```sh
//! WHYRUN_BLESS_EXAMPLES=1 INSTA_UPDATE=always cargo test -p whyrun-check --test it examples
//! cargo test -p whyrun-check --test it examples
//! ```
//!
//! The first run rewrites the blocks in `crates/whyrun-rules/src/rules/*.rs` (and the
//! snapshots); the second, with the documentation rebuilt, confirms them.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::TempDir;
use whyrun_check::{Config, Placement};
use whyrun_report::{human, CheckReport, InputReport};
use whyrun_rules::CheckOptions;
use whyrun_target::model::{CpuInfo, Kernel, Mount, TargetModel};
use whyrun_target::TargetSpec;

use crate::fixtures::{self, built, small};
use crate::rule_docs;

/// A check whose finding of one code is that rule's example.
struct Scenario {
    targets: TargetSpec,
    placement: Placement,
    options: CheckOptions,
    config: Config,
    /// A launch (`--unit`, `--port`, `--reads`, `--writes`): checked by
    /// `whyrun_check::launch::check` instead of the placement.
    launch: Option<whyrun_check::launch::LaunchRequest>,
    /// Files the check reads (a snapshot, a root copy, a built program); removed after it.
    _temp: Option<TempDir>,
    /// Go sources judged before they are built (`whyrun check DIR --go …`), and the
    /// temporary directory they are in, left out of the rendered paths.
    build: Option<(whyrun_check::build::BuildRequest, String)>,
    /// A Dockerfile followed (`whyrun check --dockerfile …`), and the temporary directory
    /// it is in, left out of the rendered paths.
    docker: Option<(whyrun_check::docker::DockerRequest, String)>,
    /// A container launch (`--image` with `--manifest`, `--compose`, `--runtime` …), and
    /// the temporary directory its files are in, left out of the rendered paths.
    container: Option<(whyrun_check::container::ContainerRequest, String)>,
}

impl Scenario {
    /// `file` placed at `at` (a fixed path: the example names it) in the built-in profile
    /// or snapshot file `target`.
    fn on(target: impl AsRef<Path>, file: PathBuf, at: &str) -> Scenario {
        let targets = TargetSpec {
            targets: vec![target.as_ref().display().to_string()],
            ..Default::default()
        };
        Scenario::new(targets, file, at)
    }

    /// `file` placed at `at` in the root directory `root` (`--root DIR --as AT`).
    fn in_root(root: PathBuf, file: PathBuf, at: &str) -> Scenario {
        let targets = TargetSpec {
            roots: vec![root],
            ..Default::default()
        };
        Scenario::new(targets, file, at)
    }

    fn new(targets: TargetSpec, file: PathBuf, at: &str) -> Scenario {
        Scenario {
            targets,
            placement: Placement::Local {
                file,
                at: Some(at.into()),
            },
            options: CheckOptions::default(),
            config: Config::default(),
            launch: None,
            _temp: None,
            build: None,
            docker: None,
            container: None,
        }
    }

    /// The entrypoint of the image at `image` (`--image IMAGE`, no binary named).
    fn entrypoint_of(image: PathBuf) -> Scenario {
        Scenario {
            targets: TargetSpec {
                images: vec![image],
                ..Default::default()
            },
            placement: Placement::Entrypoint,
            options: CheckOptions::default(),
            config: Config::default(),
            launch: None,
            _temp: None,
            build: None,
            docker: None,
            container: None,
        }
    }

    /// Go sources written under `app/` of a temporary directory, judged with Go `go` and
    /// the environment `env` (`whyrun check app --go GO --env K=V …`).
    fn go_sources(files: &[(&str, &str)], go: &str, env: &[(&str, &str)]) -> Scenario {
        let t = temp();
        for (path, text) in files {
            let p = t.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let request = whyrun_check::build::BuildRequest {
            dir: t.path().join("app"),
            go: Some(go.into()),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            binary: None,
        };
        let strip = format!("{}/", t.path().display());
        Scenario {
            build: Some((request, strip)),
            ..Scenario::on("debian-12", small("go124-hello"), "/usr/local/bin/hello")
        }
        .keeping(t)
    }

    /// A build context in `app/` of a temporary directory with `files` and a
    /// `Dockerfile` (`whyrun check --dockerfile app/Dockerfile`).
    fn dockerfile(files: &[(&str, &str)], dockerfile: &str) -> Scenario {
        let t = temp();
        let app = t.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        for (path, text) in files {
            std::fs::write(app.join(path), text).unwrap();
        }
        std::fs::write(app.join("Dockerfile"), dockerfile).unwrap();
        let request = whyrun_check::docker::DockerRequest {
            dockerfile: app.join("Dockerfile"),
            ..Default::default()
        };
        let strip = format!("{}/", t.path().display());
        Scenario {
            docker: Some((request, strip)),
            ..Scenario::on("debian-12", small("go124-hello"), "/usr/local/bin/hello")
        }
        .keeping(t)
    }

    fn keeping(mut self, temp: TempDir) -> Scenario {
        self._temp = Some(temp);
        self
    }
}

fn temp() -> TempDir {
    tempfile::tempdir().unwrap()
}

/// An x86-64-v2 server CPU (Sandy Bridge: AVX, no AVX2, BMI, FMA or MOVBE), as `whyrun
/// snapshot` reads it from /proc/cpuinfo.
fn sandy_bridge() -> CpuInfo {
    CpuInfo {
        arch: "x86_64".into(),
        x86_isa_levels: Some(0b11),
        flags: [
            "fpu",
            "cx8",
            "cmov",
            "mmx",
            "fxsr",
            "sse",
            "sse2",
            "syscall",
            "lm",
            "pni",
            "pclmulqdq",
            "ssse3",
            "cx16",
            "sse4_1",
            "sse4_2",
            "x2apic",
            "popcnt",
            "aes",
            "xsave",
            "avx",
            "lahf_lm",
        ]
        .map(String::from)
        .to_vec(),
        model: Some("Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz".into()),
        cores: Vec::new(),
    }
}

/// Debian 12 on a machine with `cpu`, named `name`.
fn debian12_on(name: &str, cpu: CpuInfo) -> TargetModel {
    let mut m = fixtures::profile("debian-12");
    m.name = name.into();
    m.cpu = Some(cpu);
    m
}

// ---------------------------------------------------------------------------------------
// The scenarios, one per rule code
// ---------------------------------------------------------------------------------------

/// An aarch64 program on an x86_64 Debian.
fn arch001() -> Scenario {
    Scenario::on(
        "debian-12",
        small("c-aarch64-dynamic"),
        "/usr/local/bin/hello",
    )
}

/// An armhf program on Debian 12 for armel (the profile's armel variant).
fn arch002() -> Scenario {
    Scenario::on(
        "debian-12@armel",
        built("hello-armhf"),
        "/usr/local/bin/hello",
    )
}

/// A GOAMD64=v3 Gin app on a Sandy Bridge Xeon (x86-64-v2).
fn arch003() -> Scenario {
    let t = temp();
    let target = fixtures::snapshot(&debian12_on("web-01", sandy_bridge()), t.path());
    Scenario::on(target, built("gin-go124-amd64v3"), "/usr/local/bin/ginapp").keeping(t)
}

/// A C program built with `-march=x86-64-v3` on the same Xeon.
fn arch004() -> Scenario {
    let t = temp();
    let target = fixtures::snapshot(&debian12_on("web-01", sandy_bridge()), t.path());
    Scenario::on(target, small("c-x86-64-v3"), "/usr/local/bin/hello").keeping(t)
}

/// A GOARM=7 Gin app on an ARMv6 board (VFPv2 only) running Debian 12 armhf.
fn arch005() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("debian-12@armhf");
    m.name = "pi-zero".into();
    m.cpu = Some(CpuInfo {
        arch: "armhf".into(),
        x86_isa_levels: None,
        flags: ["half", "thumb", "fastmult", "vfp", "edsp", "java", "tls"]
            .map(String::from)
            .to_vec(),
        model: Some("ARMv6-compatible processor rev 7 (v6l)".into()),
        cores: Vec::new(),
    });
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, built("gin-go124-armv7"), "/usr/local/bin/ginapp").keeping(t)
}

/// A Go 1.24 program on CentOS 6 (Linux 2.6.32; Go 1.24 needs 3.2).
fn arch006() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("centos-7");
    m.name = "centos-6".into();
    if let Some(os) = &mut m.os {
        os.version_id = Some("6".into());
        os.pretty_name = Some("CentOS release 6.10 (Final)".into());
    }
    if let Some(libc) = &mut m.libc {
        libc.version = "2.12".into();
    }
    m.kernel = Some(Kernel {
        release: "2.6.32-754.el6.x86_64".into(),
        ..Kernel::default()
    });
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, small("go124-hello"), "/usr/local/bin/hello").keeping(t)
}

/// A cgo Gin app (glibc's interpreter) on Alpine.
fn libc001() -> Scenario {
    Scenario::on(
        "alpine-3.19",
        built("gin-go124-cgo"),
        "/usr/local/bin/ginapp",
    )
}

/// A glibc program calling arc4random on Alpine with gcompat, whose loader stub sits at
/// glibc's interpreter path.
fn libc002() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("alpine-3.19");
    m.name = "alpine-3.19-gcompat".into();
    m.interpreters.push("/lib64/ld-linux-x86-64.so.2".into());
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, built("newsym-glibc"), "/usr/local/bin/newsym").keeping(t)
}

/// A musl program on Debian.
fn libc003() -> Scenario {
    Scenario::on("debian-12", small("c-musl-dynamic"), "/usr/local/bin/hello")
}

/// Debian's static ldconfig (static glibc, with NSS code for users) in a scratch image.
fn libc004() -> Scenario {
    Scenario::on(
        "scratch",
        fixtures::root("bookworm-min").join("usr/sbin/ldconfig"),
        "/sbin/ldconfig",
    )
}

/// A cgo Gin app with go-sqlite3 linked against the system's libsqlite3, on Debian.
fn lib001() -> Scenario {
    Scenario::on(
        "debian-12",
        built("ginsqlite-go124-cgo"),
        "/usr/local/bin/ginsqlite",
    )
}

/// A program whose `$ORIGIN/lib` holds a 32-bit ARM build of the library it needs: the
/// bookworm root with that library added (built here from the fixtures' libhello.c).
fn lib002() -> Scenario {
    let t = temp();
    let root = fixtures::root_copy("bookworm-min", t.path());
    let lib = root.join("opt/app/bin/lib/libhello.so");
    std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
    let source = fixtures::repo().join("fixtures/src/c/libhello.c");
    fixtures::cross_gcc(
        "arm-linux-gnueabihf-gcc",
        &[
            "-O2",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libhello.so",
            "-o",
            lib.to_str().unwrap(),
            source.to_str().unwrap(),
        ],
    );
    Scenario::in_root(root, small("c-runpath"), "/opt/app/bin/app").keeping(t)
}

/// A program built against a newer `libx.so.1` (fixtures/src/c/symver), beside the older
/// one whose version LIBX_1 lacks `f2`, in a Debian root.
fn lib006() -> Scenario {
    let t = temp();
    let root = fixtures::root_copy("bookworm-min", t.path());
    let src = fixtures::repo().join("fixtures/src/c/symver");
    let build = t.path().join("build");
    std::fs::create_dir_all(&build).unwrap();
    let gcc = |args: &[&str]| {
        let status = std::process::Command::new("gcc")
            .current_dir(&src)
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "gcc {args:?}");
    };
    let out = |p: &Path| p.display().to_string();
    let bin = root.join("usr/local/bin");
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        &out(&bin.join("libx.so.1")),
        "-Wl,-soname,libx.so.1",
        "-Wl,--version-script=v1.map",
        "x1.c",
    ]);
    gcc(&[
        "-shared",
        "-fPIC",
        "-o",
        &out(&build.join("libx.so.1")),
        "-Wl,-soname,libx.so.1",
        "-Wl,--version-script=v2.map",
        "x2.c",
    ]);
    let app = build.join("app");
    gcc(&[
        "-o",
        &out(&app),
        "main.c",
        &format!("-L{}", out(&build)),
        "-l:libx.so.1",
        "-Wl,-rpath,$ORIGIN",
    ]);
    Scenario::in_root(root, app, "/usr/local/bin/app").keeping(t)
}

/// A C program that needs GLIBC_2.34 on Debian 11 (glibc 2.31).
fn lib003() -> Scenario {
    Scenario::on(
        "debian-11",
        small("c-glibc-dynamic"),
        "/usr/local/bin/hello",
    )
}

/// A C++ program built with GCC 12 on CentOS 7 (GCC 4.8's libstdc++).
fn lib004() -> Scenario {
    Scenario::on("centos-7", small("c-cxx-dynamic"), "/usr/local/bin/hello")
}

/// A program whose DT_RUNPATH `$ORIGIN/lib` was not shipped along, in the bookworm root.
fn lib005() -> Scenario {
    Scenario::in_root(
        fixtures::root("bookworm-min"),
        small("c-runpath"),
        "/usr/local/bin/hello",
    )
}

/// A CGO_ENABLED=0 build of a go-sqlite3 app.
fn go001() -> Scenario {
    Scenario::on(
        "distroless-static-debian12",
        built("ginsqlite-go124-nocgo"),
        "/usr/local/bin/ginsqlite",
    )
}

/// A static Gin app (an HTTPS client too) in a scratch image.
fn go002() -> Scenario {
    Scenario::on("scratch", built("gin-go124"), "/usr/local/bin/ginapp")
}

/// A Go program that loads time zones, in a scratch image.
fn go003() -> Scenario {
    Scenario::on(
        "scratch",
        small("go124-nethello"),
        "/usr/local/bin/nethello",
    )
}

/// A static Gin app that looks up users, in a scratch image.
fn go004() -> Scenario {
    Scenario::on("scratch", built("gin-go124"), "/usr/local/bin/ginapp")
}

/// A cgo Gin app on a Debian host with systemd-resolved's NSS module (libnss-resolve puts
/// `resolve` before `dns` in nsswitch.conf).
fn go005() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("debian-12");
    m.name = "app-01".into();
    m.runtime_files.nsswitch_hosts = Some("files resolve [!UNAVAIL=return] dns".into());
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, built("gin-go124-cgo"), "/usr/local/bin/ginapp").keeping(t)
}

/// A program built with Go 1.19.
fn go006() -> Scenario {
    Scenario::on("debian-12", small("go119-hello"), "/usr/local/bin/hello")
}

/// A Go program built from a git work tree with an uncommitted change (built here: no
/// fixture is built from git).
fn go007() -> Scenario {
    let t = temp();
    let src = t.path().join("hello");
    fixtures::GoProgram {
        module: "example.com/hello",
        main_go: r#"// hello prints a greeting.
package main

import "fmt"

func main() {
    fmt.Println("hello")
}
"#,
    }
    .write(&src);
    fixtures::git(&src, &["init", "-q", "-b", "main"]);
    fixtures::git(&src, &["add", "-A"]);
    fixtures::git(&src, &["commit", "-q", "-m", "hello"]);
    let main_go = src.join("main.go");
    let changed = std::fs::read_to_string(&main_go)
        .unwrap()
        .replace("\"hello\"", "\"hello, world\"");
    std::fs::write(&main_go, changed).unwrap();
    let out = t.path().join("hello-bin");
    fixtures::go_build(&src, &out);
    Scenario::on("debian-12", out, "/usr/local/bin/hello").keeping(t)
}

/// A CGO_ENABLED=0 Go program that loads plugins (built here: no fixture links plugin).
fn go008() -> Scenario {
    let t = temp();
    let src = t.path().join("pluginhost");
    fixtures::GoProgram {
        module: "example.com/pluginhost",
        main_go: r#"// pluginhost loads the plugins named on its command line.
package main

import (
    "fmt"
    "os"
    "plugin"
)

func main() {
    for _, path := range os.Args[1:] {
        if _, err := plugin.Open(path); err != nil {
            fmt.Fprintln(os.Stderr, err)
            os.Exit(1)
        }
    }
}
"#,
    }
    .write(&src);
    let out = t.path().join("pluginhost-bin");
    fixtures::go_build(&src, &out);
    Scenario::on("debian-12", out, "/usr/local/bin/pluginhost").keeping(t)
}

/// A Go program that resolves host names, on a machine without /etc/resolv.conf.
fn go009() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("debian-12");
    m.name = "vm-01".into();
    m.runtime_files.resolv_conf = false;
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, small("go124-nethello"), "/usr/local/bin/nethello").keeping(t)
}

/// A program copied without its execute bit (mode 0644) into the bookworm root.
fn fs001() -> Scenario {
    let t = temp();
    let copy = t.path().join("hello");
    std::fs::copy(small("c-glibc-dynamic"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
    Scenario::in_root(fixtures::root("bookworm-min"), copy, "/usr/local/bin/hello").keeping(t)
}

/// A program started as `--user app` on a Debian machine (a snapshot) that has no such
/// user.
fn launch016() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("debian-12");
    m.name = "app-01".into();
    let target = fixtures::snapshot(&m, t.path());
    let mut s = Scenario::on(target, small("go124-hello"), "/usr/local/bin/server").keeping(t);
    s.options.run_as = Some("app".into());
    s
}

/// A start script saved with Windows line endings, in a Debian root.
fn fs005() -> Scenario {
    let t = temp();
    let script = t.path().join("start.sh");
    std::fs::write(&script, "#!/bin/sh\r\nexec /usr/local/bin/server\r\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    Scenario::in_root(
        fixtures::root("bookworm-min"),
        script,
        "/usr/local/bin/start.sh",
    )
    .keeping(t)
}

/// A program in /tmp on a CI runner whose /tmp is mounted noexec.
fn fs002() -> Scenario {
    let t = temp();
    let mut m = fixtures::profile("debian-12");
    m.name = "ci-runner-01".into();
    let mount = |target: &str, fstype: &str, options: &str| Mount {
        target: target.into(),
        fstype: fstype.into(),
        options: options.split(',').map(String::from).collect(),
    };
    m.mounts = vec![
        mount("/", "ext4", "rw,relatime"),
        mount("/tmp", "tmpfs", "rw,nosuid,nodev,noexec,relatime"),
    ];
    let target = fixtures::snapshot(&m, t.path());
    Scenario::on(target, small("c-glibc-dynamic"), "/tmp/build/hello").keeping(t)
}

/// An image whose ENTRYPOINT names /app/server, while its layer put the program at
/// /app/hello.
fn fs003() -> Scenario {
    let t = temp();
    let hello = std::fs::read(small("go124-hello")).unwrap();
    let image = fixtures::oci_image(t.path(), &[("app/hello", 0o755, &hello)], &["/app/server"]);
    Scenario::entrypoint_of(image).keeping(t)
}

/// An image whose command is `/bin/sh -c` with a script of several commands.
fn fs004() -> Scenario {
    let t = temp();
    let hello = std::fs::read(small("go124-hello")).unwrap();
    let image = fixtures::oci_image(
        t.path(),
        &[("bin/sh", 0o755, &hello), ("app", 0o755, &hello)],
        &["/bin/sh", "-c", "./migrate && exec ./app --port $PORT"],
    );
    Scenario::entrypoint_of(image).keeping(t)
}

/// A whyrun.toml that ignores `GO06`, a typo of GO006.
fn conf001() -> Scenario {
    let text = "# Go 1.19 is pinned by the vendor SDK.\nignore = [\"GO06\"]\n";
    let config = Config::parse(Path::new("whyrun.toml"), text).expect("the configuration parses");
    Scenario {
        config,
        ..Scenario::on("debian-12", small("go119-hello"), "/usr/local/bin/hello")
    }
}

const MAIN: &str = "package main\n\nfunc main() {}\n";

/// A module whose go line asks for Go 1.23.0, built by Go 1.22.1 with GOTOOLCHAIN=local.
fn build001() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.23.0\n"),
            ("app/main.go", MAIN),
        ],
        "1.22.1",
        &[("GOTOOLCHAIN", "local")],
    )
}

/// A go.mod tidied by Go 1.22 (`go 1.22.0`), built by Go 1.19.
fn build002() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.22.0\n"),
            ("app/main.go", MAIN),
        ],
        "1.19",
        &[],
    )
}

/// `go 1.22` (two parts) built by Go 1.19, with nothing in the imports to decide it.
fn build003() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.22\n"),
            ("app/main.go", MAIN),
        ],
        "1.19",
        &[],
    )
}

/// A program importing `slices`, built by Go 1.19.
fn build004() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.19\n"),
            (
                "app/main.go",
                "package main\n\nimport (\n\t\"slices\"\n)\n\nfunc main() { println(slices.Contains([]int{1}, 1)) }\n",
            ),
        ],
        "1.19",
        &[],
    )
}

/// A GOPATH-era program without a go.mod, built by Go 1.22.
fn build005() -> Scenario {
    Scenario::go_sources(&[("app/main.go", MAIN)], "1.22.1", &[])
}

/// A module built with GO111MODULE=off: its own package is not under GOPATH.
fn build006() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.19\n"),
            (
                "app/main.go",
                "package main\n\nimport \"example.com/app/lib\"\n\nfunc main() { lib.F() }\n",
            ),
            ("app/lib/lib.go", "package lib\n\nfunc F() {}\n"),
        ],
        "1.22.1",
        &[("GO111MODULE", "off"), ("GOPATH", "/root/go")],
    )
}

/// `replace example.com/lib => ../lib` where no ../lib was checked out.
fn build007() -> Scenario {
    Scenario::go_sources(
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
            ),
            (
                "app/main.go",
                "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n",
            ),
        ],
        "1.22.1",
        &[],
    )
}

/// A `require` added to go.mod after the last `go mod vendor`.
fn build008() -> Scenario {
    Scenario::go_sources(
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.1.0\n",
            ),
            (
                "app/main.go",
                "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n",
            ),
            (
                "app/vendor/modules.txt",
                "# example.com/lib v1.0.0\n## explicit; go 1.21\nexample.com/lib\n",
            ),
        ],
        "1.22.1",
        &[],
    )
}

/// A module required at a version, and no go.sum copied beside the go.mod.
fn build009() -> Scenario {
    Scenario::go_sources(
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n",
            ),
            (
                "app/main.go",
                "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n",
            ),
        ],
        "1.22.1",
        &[],
    )
}

/// `require example.com/lib v2.0.0` without the /v2 path.
fn build010() -> Scenario {
    Scenario::go_sources(
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v2.0.0\n",
            ),
            (
                "app/main.go",
                "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.F() }\n",
            ),
        ],
        "1.22.1",
        &[],
    )
}

/// A go.work that uses a sibling module the checkout does not have.
fn build011() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            ("app/main.go", "package main\n\nfunc main() {}\n"),
            ("app/go.work", "go 1.21\n\nuse (\n\t.\n\t../lib\n)\n"),
        ],
        "1.22.1",
        &[],
    )
}

/// Code that imports the module's own package by the path the repository had before.
fn build012() -> Scenario {
    Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/app\n\ngo 1.21\n"),
            (
                "app/main.go",
                "package main\n\nimport \"github.com/me/app/internal/x\"\n\nfunc main() { x.F() }\n",
            ),
            ("app/internal/x/x.go", "package x\n\nfunc F() {}\n"),
        ],
        "1.22.1",
        &[],
    )
}

/// A version required and excluded in the same go.mod.
fn build013() -> Scenario {
    Scenario::go_sources(
        &[
            (
                "app/go.mod",
                "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n\nexclude example.com/lib v1.0.0\n",
            ),
            ("app/main.go", "package main\n\nfunc main() {}\n"),
        ],
        "1.22.1",
        &[],
    )
}

/// The hello program checked against a tree whose go.mod names another module.
fn build014() -> Scenario {
    let mut s = Scenario::go_sources(
        &[
            ("app/go.mod", "module example.com/greeter\n\ngo 1.21\n"),
            ("app/main.go", "package main\n\nfunc main() {}\n"),
        ],
        "1.22.1",
        &[],
    );
    let server = s._temp.as_ref().unwrap().path().join("server");
    std::fs::copy(small("go124-hello"), &server).unwrap();
    if let Some((request, _)) = s.build.as_mut() {
        request.go = None;
        request.binary = Some(server);
    }
    s
}

/// A small root with `root` and `app` (uid 1000) users, the Go hello program at
/// /opt/app/server, `/etc/systemd/system/app.service` with these `[Service]` lines, and
/// the changes of `setup`; the unit checked with these plain flags.
fn unit_scenario(
    service: &str,
    setup: impl FnOnce(&Path),
    ports: &[u16],
    reads: &[&str],
    writes: &[&str],
) -> Scenario {
    let t = temp();
    let root = t.path().join("root");
    for d in ["etc/systemd/system", "opt/app", "var/lib", "srv"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/usr/sbin/nologin\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\napp:x:1000:\n").unwrap();
    std::fs::copy(small("go124-hello"), root.join("opt/app/server")).unwrap();
    std::fs::set_permissions(
        root.join("opt/app/server"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(
        root.join("etc/systemd/system/app.service"),
        format!("[Unit]\nDescription=app\n\n[Service]\n{service}\n"),
    )
    .unwrap();
    setup(&root);
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    Scenario {
        launch: Some(whyrun_check::launch::LaunchRequest {
            unit: Some("app.service".into()),
            ports: ports.to_vec(),
            reads: strings(reads),
            writes: strings(writes),
            ..Default::default()
        }),
        ..Scenario::in_root(root, small("go124-hello"), "/opt/app/server")
    }
    .keeping(t)
}

/// The environment file the unit names was never installed.
fn launch001() -> Scenario {
    unit_scenario(
        "EnvironmentFile=/etc/default/app\nExecStart=/opt/app/server",
        |_| {},
        &[],
        &[],
        &[],
    )
}

/// The unit's user was never created.
fn launch002() -> Scenario {
    unit_scenario("User=svc\nExecStart=/opt/app/server", |_| {}, &[], &[], &[])
}

/// The working directory was never created.
fn launch003() -> Scenario {
    unit_scenario(
        "WorkingDirectory=/srv/app\nExecStart=/opt/app/server",
        |_| {},
        &[],
        &[],
        &[],
    )
}

/// The program's directory is root's only (0700); the service runs as app.
fn launch004() -> Scenario {
    unit_scenario(
        "User=app\nExecStart=/opt/app/server",
        |r| {
            std::fs::set_permissions(r.join("opt/app"), std::fs::Permissions::from_mode(0o700))
                .unwrap()
        },
        &[],
        &[],
        &[],
    )
}

/// A server on :80 as app, with no ambient capability.
fn launch005() -> Scenario {
    unit_scenario(
        "User=app\nExecStart=/opt/app/server --addr :80",
        |_| {},
        &[],
        &[],
        &[],
    )
}

/// State written under ProtectSystem=strict without ReadWritePaths= or StateDirectory=.
fn launch006() -> Scenario {
    unit_scenario(
        "ProtectSystem=strict\nExecStart=/opt/app/server",
        |_| {},
        &[],
        &[],
        &["/var/lib/app/state"],
    )
}

/// A root:root 0640 config read by app.
fn launch007() -> Scenario {
    unit_scenario(
        "User=app\nExecStart=/opt/app/server",
        |r| {
            std::fs::create_dir_all(r.join("etc/app")).unwrap();
            std::fs::write(r.join("etc/app/config.yaml"), "port: 8080\n").unwrap();
            std::fs::set_permissions(
                r.join("etc/app/config.yaml"),
                std::fs::Permissions::from_mode(0o640),
            )
            .unwrap();
        },
        &[],
        &["/etc/app/config.yaml"],
        &[],
    )
}

/// A state directory bound writable that nobody created.
fn launch008() -> Scenario {
    unit_scenario(
        "ReadWritePaths=/srv/app\nExecStart=/opt/app/server",
        |r| {
            let _ = std::fs::remove_dir(r.join("srv"));
        },
        &[],
        &[],
        &[],
    )
}

/// A server on :8080 in a unit that allows only AF_UNIX sockets.
fn launch009() -> Scenario {
    unit_scenario(
        "RestrictAddressFamilies=AF_UNIX\nExecStart=/opt/app/server --addr :8080",
        |_| {},
        &[],
        &[],
        &[],
    )
}

/// `setcap cap_net_bind_service+ep` on the program, and a bounding set without it.
fn launch010() -> Scenario {
    unit_scenario(
        "User=app\nCapabilityBoundingSet=CAP_CHOWN\nExecStart=/opt/app/server --addr :80",
        |r| {
            let st = std::process::Command::new("setcap")
                .arg("cap_net_bind_service+ep")
                .arg(r.join("opt/app/server"))
                .status()
                .expect("setcap is missing: run scripts/install-deps.sh (libcap2-bin)");
            assert!(st.success(), "setcap failed (it needs root)");
        },
        &[],
        &[],
        &[],
    )
}

/// A program moved (not copied) from a home directory into /usr/local/bin on an enforcing
/// targeted policy: it keeps `user_home_t`.
fn launch011() -> Scenario {
    unit_scenario(
        "ExecStart=/usr/local/bin/app",
        |r| {
            let files = r.join("etc/selinux/targeted/contexts/files");
            std::fs::create_dir_all(&files).unwrap();
            std::fs::write(
                files.join("file_contexts"),
                "/usr/local/(.*/)?bin(/.*)?\tsystem_u:object_r:bin_t:s0\n",
            )
            .unwrap();
            std::fs::write(
                r.join("etc/selinux/config"),
                "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
            )
            .unwrap();
            std::fs::create_dir_all(r.join("usr/local/bin")).unwrap();
            std::fs::copy(small("go124-hello"), r.join("usr/local/bin/app")).unwrap();
            let st = std::process::Command::new("python3")
            .args([
                "-c",
                "import os, sys; os.setxattr(sys.argv[1], 'security.selinux', b'system_u:object_r:user_home_t:s0\\0')",
            ])
            .arg(r.join("usr/local/bin/app"))
            .status()
            .unwrap();
            assert!(st.success(), "setting security.selinux needs root");
        },
        &[],
        &[],
        &[],
    )
}

/// An AppArmor profile for the program that lists its files but no network rule.
fn launch012() -> Scenario {
    unit_scenario(
        "ExecStart=/usr/local/bin/app --addr :8080",
        |r| {
            std::fs::create_dir_all(r.join("etc/apparmor.d")).unwrap();
            std::fs::write(
                r.join("etc/apparmor.d/app"),
                "abi <abi/3.0>,\n\nprofile app /usr/local/bin/app {\n  /usr/local/bin/app mr,\n}\n",
            )
            .unwrap();
            std::fs::create_dir_all(r.join("usr/local/bin")).unwrap();
            std::fs::copy(small("go124-hello"), r.join("usr/local/bin/app")).unwrap();
        },
        &[],
        &[],
        &[],
    )
}

const GOMOD: &str = "module example.com/app\n\ngo 1.22\n";
const NET_MAIN: &str =
    "package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.DefaultServeMux }\n";

fn build015() -> Scenario {
    Scenario::dockerfile(
        &[("go.mod", GOMOD), ("main.go", NET_MAIN)],
        "FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /out/app .\n",
    )
}

fn build016() -> Scenario {
    Scenario::dockerfile(
        &[("go.mod", GOMOD), ("main.go", NET_MAIN)],
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n",
    )
}

fn build017() -> Scenario {
    Scenario::dockerfile(
        &[("go.mod", GOMOD), ("main.go", NET_MAIN)],
        "FROM corp/go-builder:3 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n",
    )
}

fn launch013() -> Scenario {
    Scenario::dockerfile(
        &[("go.mod", GOMOD), ("main.go", NET_MAIN)],
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nUSER appuser\nENTRYPOINT [\"/app\"]\n",
    )
}

/// A Deployment with `runAsNonRoot: true` on an image whose `User` is a name.
fn launch014() -> Scenario {
    let t = temp();
    let hello = std::fs::read(small("go124-hello")).unwrap();
    let passwd = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n";
    let image = fixtures::oci_image_with(
        &t.path().join("image"),
        &[("etc/passwd", 0o644, passwd), ("app/server", 0o755, &hello)],
        r#""Entrypoint":["/app/server"],"User":"app""#,
    );
    let manifest = t.path().join("k8s.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n      containers:\n        - name: app\n          image: registry.example/app:1\n",
    )
    .unwrap();
    let strip = format!("{}/", t.path().display());
    Scenario {
        container: Some((
            whyrun_check::container::ContainerRequest {
                manifest: Some(manifest),
                ..Default::default()
            },
            strip,
        )),
        ..Scenario::entrypoint_of(image)
    }
    .keeping(t)
}

/// An image run as `app` whose data directory was created by root (`0755`).
fn launch015() -> Scenario {
    let t = temp();
    let hello = std::fs::read(small("go124-hello")).unwrap();
    let passwd = b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/sbin/nologin\n";
    let image = fixtures::oci_image_with(
        &t.path().join("image"),
        &[
            ("etc/passwd", 0o644, passwd),
            ("app/server", 0o755, &hello),
            ("var/", 0o755, b""),
            ("var/lib/", 0o755, b""),
            ("var/lib/app/", 0o755, b""),
        ],
        r#""Entrypoint":["/app/server"],"User":"app""#,
    );
    let strip = format!("{}/", t.path().display());
    Scenario {
        container: Some((
            whyrun_check::container::ContainerRequest {
                runtime: Some("docker".into()),
                writes: vec!["/var/lib/app/state".into()],
                ..Default::default()
            },
            strip,
        )),
        ..Scenario::entrypoint_of(image)
    }
    .keeping(t)
}

/// One test per scenario, named after it, and the list of the codes they cover.
macro_rules! examples {
    ($($scenario:ident: $code:literal),* $(,)?) => {
        const CODES: &[&str] = &[$($code),*];
        mod example {
            $(
                #[test]
                fn $scenario() {
                    super::example($code, super::$scenario);
                }
            )*
        }
    };
}

examples! {
    arch001: "ARCH001",
    arch002: "ARCH002",
    arch003: "ARCH003",
    arch004: "ARCH004",
    arch005: "ARCH005",
    arch006: "ARCH006",
    libc001: "LIBC001",
    libc002: "LIBC002",
    libc003: "LIBC003",
    libc004: "LIBC004",
    lib001: "LIB001",
    lib002: "LIB002",
    lib003: "LIB003",
    lib004: "LIB004",
    lib005: "LIB005",
    lib006: "LIB006",
    go001: "GO001",
    go002: "GO002",
    go003: "GO003",
    go004: "GO004",
    go005: "GO005",
    go006: "GO006",
    go007: "GO007",
    go008: "GO008",
    go009: "GO009",
    fs001: "FS001",
    fs002: "FS002",
    fs003: "FS003",
    fs004: "FS004",
    fs005: "FS005",
    conf001: "CONF001",
    launch001: "LAUNCH001",
    launch002: "LAUNCH002",
    launch003: "LAUNCH003",
    launch004: "LAUNCH004",
    launch005: "LAUNCH005",
    launch006: "LAUNCH006",
    launch007: "LAUNCH007",
    launch008: "LAUNCH008",
    launch009: "LAUNCH009",
    launch010: "LAUNCH010",
    launch011: "LAUNCH011",
    launch012: "LAUNCH012",
    launch014: "LAUNCH014",
    launch015: "LAUNCH015",
    build001: "BUILD001",
    build002: "BUILD002",
    build003: "BUILD003",
    build004: "BUILD004",
    build005: "BUILD005",
    build006: "BUILD006",
    build007: "BUILD007",
    build008: "BUILD008",
    build009: "BUILD009",
    build010: "BUILD010",
    build011: "BUILD011",
    build012: "BUILD012",
    build013: "BUILD013",
    build014: "BUILD014",
    build015: "BUILD015",
    build016: "BUILD016",
    build017: "BUILD017",
    launch013: "LAUNCH013",
    launch016: "LAUNCH016",
}

/// A new rule gets its example from a scenario here, or this fails.
#[test]
fn every_rule_has_a_scenario() {
    let missing: Vec<&str> = whyrun_rules::RULES
        .iter()
        .map(|r| r.meta().code)
        .filter(|c| !CODES.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "no example scenario for {missing:?}: add one to {}",
        file!()
    );
    for code in CODES {
        assert!(whyrun_rules::rule(code).is_some(), "{code} is not a rule");
    }
}

/// Runs the scenario of `code`, renders its finding, and compares it with the rule's
/// documentation (or rewrites the documentation with it, under WHYRUN_BLESS_EXAMPLES).
fn example(code: &str, scenario: fn() -> Scenario) {
    let s = scenario();
    let outcome = match (&s.build, &s.launch) {
        _ if s.docker.is_some() => {
            whyrun_check::docker::check(&s.docker.as_ref().unwrap().0, &s.config)
        }
        _ if s.container.is_some() => {
            let (req, _) = s.container.as_ref().unwrap();
            whyrun_check::container::check(&s.targets, req, &s.config)
        }
        (Some((request, _)), _) => whyrun_check::build::check(request, &s.config),
        (None, Some(req)) => whyrun_check::launch::check(&s.targets, req, &s.config),
        (None, None) => whyrun_check::check(&s.targets, &s.placement, &s.options, &s.config),
    };
    assert!(
        outcome.errors.is_empty(),
        "{code}: the scenario's inputs could not be read: {:?}",
        outcome.errors
    );
    let mut text = render(code, &outcome.report);
    if let Some((_, strip)) = &s.build {
        text = text.replace(strip.as_str(), "");
    }
    if let Some((_, strip)) = &s.docker {
        text = text.replace(strip.as_str(), "");
    }
    if let Some((_, strip)) = &s.container {
        text = text.replace(strip.as_str(), "");
    }

    if std::env::var_os("WHYRUN_BLESS_EXAMPLES").is_some() {
        rule_docs::rewrite_example(code, &text);
    } else {
        let documented = rule_docs::example(code);
        assert!(
            documented.as_deref() == Some(text.trim_end()),
            "{code}: the ## Example of its documentation is not what whyrun prints.\n\
             documented:\n{}\n\nprinted:\n{text}\n\
             Bless it with `WHYRUN_BLESS_EXAMPLES=1 INSTA_UPDATE=always cargo test -p \
             whyrun-check --test it examples`, then review the diff.",
            documented.as_deref().unwrap_or("(no ```text block)")
        );
    }
    insta::assert_snapshot!(format!("example_{code}"), text);
}

/// The finding of `code` as `whyrun check` prints it, without colour: under its target,
/// or, for a configuration finding, on its own line before the binaries.
fn render(code: &str, report: &CheckReport) -> String {
    for input in &report.inputs {
        if let Some(f) = input.findings.iter().find(|f| f.code == code) {
            let only = CheckReport {
                binaries: Vec::new(),
                inputs: vec![InputReport {
                    subject: input.subject,
                    path: input.path.clone(),
                    findings: vec![f.clone()],
                }],
            };
            let mut out = Vec::new();
            human::write(&mut out, &only, false).unwrap();
            return plain(&String::from_utf8(out).unwrap());
        }
    }
    let targets = report.binaries.iter().flat_map(|b| &b.targets);
    for t in targets {
        if let Some(f) = t.findings.iter().find(|f| f.code == code) {
            return plain(&human::finding_text(f));
        }
    }
    let mut out = Vec::new();
    human::write(&mut out, report, true).unwrap();
    panic!(
        "{code}: the scenario does not fire; whyrun printed:\n{}",
        plain(&String::from_utf8(out).unwrap())
    );
}

fn plain(styled: &str) -> String {
    anstream::adapter::strip_str(styled).to_string()
}
