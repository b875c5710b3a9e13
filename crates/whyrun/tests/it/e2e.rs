//! Proof against reality: every fixture binary (`fixtures/build.sh`) is run for real in every
//! root (`fixtures/e2e/build-roots.sh`) by `fixtures/e2e/run_in_root.py` (chroot(2) and a
//! plain execve(2) in private namespaces; qemu-user for other CPUs), what happened is
//! classified, and `whyrun check` on the same binary and target must give the same verdict
//! and a top cause (its first decided finding) that explains what happened.
//!
//! The agreement table is printed (`cargo test -p whyrun --test it e2e -- --nocapture`). Needs
//! root, the fixtures and the roots; when one is missing the test fails and says which
//! script makes it. It never skips a cell: a cell or a probe whyrun cannot know about is
//! shown with the reason, and a known wrong prediction stays asserted, with its note,
//! until the rule is fixed.
//!
//! This file owns the cells, the classification of what a run did, and the comparison.
//! How a run is carried out belongs to the runner script; what whyrun predicts, to whyrun.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn cache_dir(var: &str, leaf: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
        Path::new(&home).join(".cache/whyrun").join(leaf)
    })
}

// ---------------------------------------------------------------------------------------
// Roots and cells
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Libc {
    Glibc,
    Musl,
    None,
}

#[derive(Debug)]
pub(crate) struct Root {
    pub(crate) name: &'static str,
    pub(crate) libc: Libc,
}

/// The roots of `fixtures/e2e/build-roots.sh`, in table order.
pub(crate) const ROOTS: &[Root] = &[
    Root::new("bookworm-min", Libc::Glibc),
    Root::new("trixie-min", Libc::Glibc),
    Root::new("bullseye-min", Libc::Glibc),
    Root::new("bookworm-app", Libc::Glibc),
    // bookworm-min with libc6:i386's files: the only root where i386 glibc programs start.
    Root::new("bookworm-i386", Libc::Glibc),
    Root::new("musl-busybox", Libc::Musl),
    Root::new("scratch-empty", Libc::None),
    Root::new("scratch-ca", Libc::None),
    Root::new("scratch-ca-tz", Libc::None),
];

impl Root {
    const fn new(name: &'static str, libc: Libc) -> Root {
        Root { name, libc }
    }
}

fn root(name: &str) -> &'static Root {
    ROOTS
        .iter()
        .find(|r| r.name == name)
        .expect("a root of ROOTS")
}

/// A CPU qemu-user emulates, and how whyrun is told about it: a snapshot of the root
/// (`whyrun.target/1`) taken with this CPU in place of this machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Emulated {
    /// `qemu-x86_64-static -cpu Nehalem`: x86-64-v2, no AVX, AVX2, BMI, FMA, MOVBE.
    Nehalem,
    /// `qemu-aarch64-static`: an arm64 machine.
    Aarch64,
    /// `qemu-arm-static -cpu arm1136`: ARMv6 with VFPv2, no VFPv3.
    Armv6,
    /// `qemu-arm-static -cpu cortex-a7`: ARMv7 with VFPv4 and NEON.
    Armv7,
    /// `qemu-arm-static -cpu max` (ARMv8 in AArch32 state) standing for an arm64 machine
    /// whose cores execute AArch32 at EL0 (Cortex-A72) and whose kernel has CONFIG_COMPAT:
    /// the 32-bit program runs as it would there. whyrun is shown the arm64 machine.
    Arm64Aarch32,
    /// The same run, but whyrun is shown an arm64 machine with AArch64-only cores
    /// (Neoverse V2), which refuses 32-bit programs with ENOEXEC. That cannot be run here:
    /// the cell is evidence only (`MARKS`).
    Arm64Only,
}

impl Emulated {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Emulated::Nehalem => "qemu -cpu Nehalem",
            Emulated::Aarch64 => "qemu-aarch64",
            Emulated::Armv6 => "qemu-arm -cpu arm1136",
            Emulated::Armv7 => "qemu-arm -cpu cortex-a7",
            Emulated::Arm64Aarch32 => "qemu-arm max for arm64 Cortex-A72",
            Emulated::Arm64Only => "qemu-arm max for arm64 Neoverse V2",
        }
    }
}

#[derive(Debug, Clone)]
enum How {
    /// Copied to `/app/NAME` with `mode` for the run; whyrun checks the local file
    /// `--as /app/NAME` (a copy with the same mode).
    Deploy { mode: u32 },
    /// Put in the root itself at `DIR/NAME` with the fixtures' `libhello.so` at
    /// `DIR/lib/libhello.so` (what `$ORIGIN/lib` names); whyrun checks `--inside`.
    WithSidecar,
    /// Copied to `/app/NAME` and run under qemu-user.
    Qemu(Emulated),
    /// On this machine itself, from a `noexec` tmpfs mounted in a private mount namespace;
    /// whyrun runs in that namespace and checks the host.
    HostNoexec,
}

#[derive(Debug, Clone)]
struct Fixture {
    name: String,
    path: PathBuf,
    toolchain: String,
}

impl Fixture {
    /// The libc its interpreter belongs to, from how it was built.
    fn libc(&self) -> Libc {
        if self.toolchain == "musl-gcc" {
            Libc::Musl
        } else {
            Libc::Glibc
        }
    }

    /// Arguments that make it exercise what it reads at run time.
    fn args(&self) -> Vec<String> {
        if self.name.starts_with("gin") {
            vec!["selfcheck".into()]
        } else {
            Vec::new()
        }
    }
}

#[derive(Debug, Clone)]
struct Cell {
    fixture: Fixture,
    /// `None` for the host.
    root: Option<&'static Root>,
    how: How,
}

impl Cell {
    fn id(&self) -> String {
        let at = self.root.map_or("host", |r| r.name);
        let how = match &self.how {
            How::Deploy { mode: 0o755 } => String::new(),
            How::Deploy { mode } => format!(" (mode {mode:04o})"),
            How::WithSidecar => " (+ lib/libhello.so)".into(),
            How::Qemu(e) => format!(" ({})", e.label()),
            How::HostNoexec => " (noexec mount)".into(),
        };
        format!("{} @ {at}{how}", self.fixture.name)
    }
}

/// A note on cells, matched on their id (`*` matches any run of characters).
struct Mark {
    cells: &'static str,
    kind: MarkKind,
}

enum MarkKind {
    /// whyrun cannot know what decides this cell (the network, an environment it is not
    /// shown): shown with the reason, not asserted. No cell needs it today: name
    /// resolution, the one thing of that kind the fixtures do, is a probe, and an unjudged
    /// probe is shown as a note under its cell.
    #[allow(dead_code)]
    CannotKnow(&'static str),
    /// whyrun is known to be wrong here: still asserted (the test fails until the rule is
    /// fixed); the note says what is wrong. None today.
    #[allow(dead_code)]
    Issue(&'static str),
    /// The machine whyrun is shown cannot be run here (an arm64 kernel and CPU): the run
    /// shows only what the emulator does, so reality is not compared. What whyrun predicts
    /// is asserted instead (`predicts`: verdict and top cause, as the table shows them),
    /// with the source that says it is so.
    EvidenceOnly {
        why: &'static str,
        predicts: &'static str,
    },
}

/// Known disagreements and cells whyrun cannot decide.
const MARKS: &[Mark] = &[Mark {
    cells: "* (qemu-arm max for arm64 Neoverse V2)",
    kind: MarkKind::EvidenceOnly {
        why: "Neoverse V2 has no AArch32 at EL0, so an arm64 kernel refuses 32-bit programs with ENOEXEC (Documentation/arch/arm64/asymmetric-32bit.rst); qemu-arm runs them anyway",
        predicts: "wont-start ARCH001",
    },
}];

fn mark(id: &str) -> Option<&'static MarkKind> {
    MARKS.iter().find(|m| glob(m.cells, id)).map(|m| &m.kind)
}

/// `pattern` with `*` matching any run of characters, against the whole of `text`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(text) = text.strip_prefix(head) else {
                return false;
            };
            (0..=text.len()).any(|i| text.is_char_boundary(i) && glob(rest, &text[i..]))
        }
    }
}

/// Cells with two problems at once: the top cause must be the failure that really happens
/// first, whatever whyrun finds second. Each is an ordinary cell (judged like every other);
/// this list names them, says what they prove, and the test fails when a cell is gone or no
/// longer fails the way it is listed here (then it proves something else).
///
/// 1. Not executable + wrong machine: `hello-aarch64 @ bookworm-min (mode 0644)`. execve
///    checks the execute bit before it reads the ELF header: EACCES (FS001), not ARCH001.
/// 2. Wrong machine + missing interpreter: `hello-aarch64 @ bookworm-min` (the matrix).
///    The kernel's ELF loader rejects e_machine before it opens PT_INTERP
///    (`/lib/ld-linux-aarch64.so.1`, absent): ENOEXEC (ARCH001), not LIBC001.
/// 3. Missing interpreter + missing library: `usehello-norpath @ musl-busybox` (the matrix).
///    There is no glibc loader to look for `libhello.so`: ENOENT (LIBC001 or LIBC002), not
///    LIB001.
/// 4. Missing library + missing GLIBC version: `usehello-norpath @ bullseye-min` (the
///    matrix). `libhello.so` is absent and `__libc_start_main@GLIBC_2.34` is newer than
///    glibc 2.31; ld.so maps every library before it checks symbol versions: `cannot open
///    shared object file` (LIB001), not LIB003.
/// 5. GOAMD64 above the CPU + no CA bundle: `gin-go124-amd64v3 @ scratch-empty (qemu -cpu
///    Nehalem)`. The Go runtime checks the CPU before main runs: `This program can only be
///    run on AMD64 processors with v3 microarchitecture support` (ARCH003), not GO002.
struct Precedence {
    /// The two problems, the one that happens first first.
    case: &'static str,
    /// The cell's id.
    cell: &'static str,
    /// What really happens.
    first: NoStart,
}

const PRECEDENCE: &[Precedence] = &[
    Precedence {
        case: "not executable + wrong machine",
        cell: "hello-aarch64 @ bookworm-min (mode 0644)",
        first: NoStart::NotExecutable,
    },
    Precedence {
        case: "wrong machine + no interpreter",
        cell: "hello-aarch64 @ bookworm-min",
        first: NoStart::ForeignArch,
    },
    Precedence {
        case: "no interpreter + missing library",
        cell: "usehello-norpath @ musl-busybox",
        first: NoStart::NoInterpreter,
    },
    Precedence {
        case: "missing library + GLIBC version",
        cell: "usehello-norpath @ bullseye-min",
        first: NoStart::LibraryNotFound,
    },
    Precedence {
        case: "GOAMD64 + no CA bundle",
        cell: "gin-go124-amd64v3 @ scratch-empty (qemu -cpu Nehalem)",
        first: NoStart::GoAmd64,
    },
];

fn read_manifest(fixtures: &Path) -> Vec<Fixture> {
    let manifest = fixtures.join("manifest.tsv");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "e2e: cannot read {} ({e}): build the fixtures first with `bash fixtures/build.sh`",
            manifest.display()
        )
    });
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 4, "e2e: malformed manifest line {line:?}");
        let path = fixtures.join(cols[2]);
        assert!(
            path.is_file(),
            "e2e: fixture {} is missing: run `bash fixtures/build.sh`",
            path.display()
        );
        // A shared library is not a program; it is the sidecar of the usehello-* cells.
        if cols[0].ends_with(".so") {
            continue;
        }
        out.push(Fixture {
            name: cols[0].into(),
            path,
            toolchain: cols[3].into(),
        });
    }
    out
}

/// `fixtures/small/c-x32-static`, committed (built by `fixtures/small/build.sh`): an x32
/// program, which this machine's kernel runs only with its x32 ABI on.
fn x32_fixture() -> Fixture {
    Fixture {
        name: "c-x32-static".into(),
        path: repo().join("fixtures/small/c-x32-static"),
        toolchain: "gcc".into(),
    }
}

fn cells(fixtures: &[Fixture]) -> Vec<Cell> {
    let fx = |name: &str| {
        fixtures
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| {
                panic!("e2e: fixture {name} is not in the manifest: run `bash fixtures/build.sh`")
            })
            .clone()
    };
    let mut out = Vec::new();
    for r in ROOTS {
        for f in fixtures {
            out.push(Cell {
                fixture: f.clone(),
                root: Some(r),
                how: How::Deploy { mode: 0o755 },
            });
        }
    }
    let mut extra = |f: &str, r: Option<&str>, how: How| {
        out.push(Cell {
            fixture: fx(f),
            root: r.map(root),
            how,
        })
    };
    // $ORIGIN/lib with the library beside the binary, as deployed.
    for r in ["bookworm-min", "trixie-min"] {
        for f in ["usehello-runpath", "usehello-rpath", "usehello-norpath"] {
            extra(f, Some(r), How::WithSidecar);
        }
    }
    // Deployed without the execute bit.
    extra(
        "hello-glibc",
        Some("bookworm-min"),
        How::Deploy { mode: 0o644 },
    );
    extra("gin-go124", Some("scratch-ca"), How::Deploy { mode: 0o644 });
    // Precedence case 1: without the execute bit and for another machine.
    extra(
        "hello-aarch64",
        Some("bookworm-min"),
        How::Deploy { mode: 0o644 },
    );
    // A CPU without x86-64-v3, and controls that must not change.
    for (f, r) in [
        ("gin-go124-amd64v3", "scratch-ca"),
        ("gin-go124-amd64v3", "bookworm-min"),
        ("hello-x86-64-v3", "bookworm-min"),
        ("hello-x86-64-v3", "trixie-min"),
        ("gin-go124", "scratch-ca"),
        ("hello-glibc", "bookworm-min"),
        // Precedence case 5: GOAMD64 above the CPU, and no CA bundle.
        ("gin-go124-amd64v3", "scratch-empty"),
    ] {
        extra(f, Some(r), How::Qemu(Emulated::Nehalem));
    }
    // An arm64 machine.
    for (f, r) in [
        ("gin-go124-arm64", "scratch-ca"),
        ("gin-go124-arm64", "bookworm-min"),
        ("hello-aarch64", "bookworm-min"),
    ] {
        extra(f, Some(r), How::Qemu(Emulated::Aarch64));
    }
    // 32-bit ARM machines: without VFPv3 (GOARM=7 needs it), and with it.
    extra(
        "gin-go124-armv7",
        Some("scratch-ca"),
        How::Qemu(Emulated::Armv6),
    );
    extra(
        "gin-go124-armv7",
        Some("scratch-ca"),
        How::Qemu(Emulated::Armv7),
    );
    // 32-bit ARM on arm64: qemu-arm in AArch32 state for an arm64 machine whose cores
    // have AArch32 at EL0 (runs; a dynamic one still needs its loader), and the same
    // program shown an AArch64-only machine (evidence only).
    extra(
        "gin-go124-armv7",
        Some("scratch-ca"),
        How::Qemu(Emulated::Arm64Aarch32),
    );
    extra(
        "hello-armel",
        Some("bookworm-min"),
        How::Qemu(Emulated::Arm64Aarch32),
    );
    extra(
        "gin-go124-armv7",
        Some("scratch-ca"),
        How::Qemu(Emulated::Arm64Only),
    );
    // A noexec mount on this machine.
    extra("hello-glibc", None, How::HostNoexec);
    // x32 on this machine's kernel, run for real.
    for r in ["bookworm-min", "scratch-empty"] {
        out.push(Cell {
            fixture: x32_fixture(),
            root: Some(root(r)),
            how: How::Deploy { mode: 0o755 },
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reality
// ---------------------------------------------------------------------------------------

/// Why a program did not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoStart {
    /// execve: ENOEXEC, no handler for this machine.
    ForeignArch,
    /// execve: ENOENT for a file that exists, or qemu: the interpreter cannot be opened.
    NoInterpreter,
    /// execve: EACCES, no execute permission.
    NotExecutable,
    /// execve: EACCES from a noexec mount.
    NoexecMount,
    /// The loader: a needed library cannot be opened.
    LibraryNotFound,
    /// The loader: a library of the wrong class.
    WrongClass,
    /// The loader: a `GLIBC_x.y` version is missing.
    GlibcVersion,
    /// The loader: a `GLIBCXX_`/`CXXABI_` version is missing.
    CxxVersion,
    /// The loader: `CPU ISA level is lower than required`.
    IsaLevel,
    /// The Go runtime's start-up CPUID check (GOAMD64).
    GoAmd64,
    /// SIGILL before the program printed anything: an instruction the CPU lacks.
    IllegalInstruction,
}

#[derive(Debug, Clone)]
enum Reality {
    WontStart {
        why: NoStart,
        detail: String,
    },
    /// It started and ran to its end. `hard`: the rule codes that explain probes that got
    /// an error (it fails at run time); `soft`: those that explain probes that found the
    /// piece missing without an error (an empty CA pool: a failure for a program that
    /// then verifies a certificate, nothing for one that does not).
    Started {
        hard: BTreeSet<&'static str>,
        soft: BTreeSet<&'static str>,
        failed: Vec<String>,
        empty: Vec<String>,
    },
    /// Not understood: the classification needs extending (a test failure).
    Unclassified(String),
}

/// One run as the runner reports it.
#[derive(Debug, Default)]
pub(crate) struct Run {
    pub(crate) started: bool,
    pub(crate) errno: Option<String>,
    pub(crate) exit_code: Option<i64>,
    pub(crate) signal: Option<String>,
    pub(crate) timed_out: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn from_json(v: &Value) -> Run {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
        Run {
            started: v.get("started").and_then(Value::as_bool).unwrap_or(false),
            errno: s("errno"),
            exit_code: v.get("exit_code").and_then(Value::as_i64),
            signal: s("signal"),
            timed_out: v.get("timed_out").and_then(Value::as_bool).unwrap_or(false),
            stdout: s("stdout").unwrap_or_default(),
            stderr: s("stderr").unwrap_or_default(),
        }
    }
}

/// What a failed selfcheck probe (fixtures/src/ginapp/internal/selfcheck) observed.
enum Probe {
    /// The library returned an error: the program fails here.
    Error(&'static str),
    /// The library returned without an error but with nothing in it.
    Empty(&'static str),
    /// No rule can predict it, and why.
    Unjudged(&'static str),
}

fn probe(name: &str, detail: &str) -> Probe {
    match name {
        "tz" => Probe::Error("GO003"),
        // x509.SystemCertPool() returned an empty pool, without an error.
        "certs" if detail.contains("pool is empty") => Probe::Empty("GO002"),
        "certs" => Probe::Error("GO002"),
        "user" | "group" => Probe::Error("GO004"),
        "sqlite" if detail.contains("CGO_ENABLED=0") => Probe::Error("GO001"),
        "sqlite" => Probe::Unjudged("an SQLite error other than the cgo stub"),
        "hosts" => Probe::Unjudged(
            "name resolution needs /etc/hosts (the runtime provides it) or DNS (the network)",
        ),
        _ => Probe::Unjudged("an unknown probe"),
    }
}

/// Probe failures no rule can predict, with the reason; shown in the table.
type Unjudged = Vec<String>;

/// A loader or runtime message without the program's path and the "required by" tail:
/// `libc.so.6: version `GLIBC_2.34' not found`, `libsqlite3.so.0: cannot open shared
/// object file: No such file or directory`.
pub(crate) fn short(line: &str) -> String {
    let mut s = line;
    if s.starts_with('/') {
        if let Some(i) = s.find(": ") {
            s = &s[i + 2..];
        }
    }
    s = s
        .strip_prefix("error while loading shared libraries: ")
        .unwrap_or(s);
    if let Some(i) = s.find(" (required by") {
        s = &s[..i];
    }
    match s.find(": version `") {
        Some(i) if s.starts_with('/') => {
            let lib = s[..i].rsplit('/').next().unwrap_or("");
            format!("{lib}{}", &s[i..])
        }
        _ => s.to_string(),
    }
}

/// Why a run never reached the program's own code, from the execve error or what the
/// loader, the emulator or the runtime printed: `Some(Ok((why, detail)))`; `Some(Err(_))`
/// for an execve error no case covers; `None` when the program started. `qemu`: it ran
/// under qemu-user; `noexec`: from a `noexec` mount.
pub(crate) fn start_failure(
    run: &Run,
    qemu: bool,
    noexec: bool,
) -> Option<Result<(NoStart, String), String>> {
    let won = |why: NoStart, detail: String| Some(Ok((why, detail)));
    let first_line = |s: &str| short(s.lines().next().unwrap_or("").trim());
    if !run.started {
        let errno = run.errno.clone().unwrap_or_default();
        return match errno.as_str() {
            "ENOEXEC" => won(NoStart::ForeignArch, "execve: ENOEXEC".into()),
            "ENOENT" => won(
                NoStart::NoInterpreter,
                "execve: ENOENT (no interpreter)".into(),
            ),
            "EACCES" if noexec => won(NoStart::NoexecMount, "execve: EACCES".into()),
            "EACCES" => won(NoStart::NotExecutable, "execve: EACCES".into()),
            _ => Some(Err(format!("execve failed: {errno}"))),
        };
    }
    let err = &run.stderr;
    if qemu && err.contains("Could not open '") {
        return won(NoStart::NoInterpreter, first_line(err));
    }
    if err.contains("CPU ISA level is lower than required") {
        return won(NoStart::IsaLevel, first_line(err));
    }
    if err.contains("can only be run on AMD64 processors with v") {
        return won(NoStart::GoAmd64, first_line(err));
    }
    // glibc: "error while loading shared libraries: X: cannot open shared object file",
    // "X: version `GLIBC_2.34' not found (required by Y)"; musl: "Error loading shared
    // library X".
    let version_missing = err.contains("version `") && err.contains("' not found");
    if err.contains("error while loading shared libraries")
        || err.contains("Error loading shared library")
        || version_missing
    {
        let why = if err.contains("wrong ELF class") {
            NoStart::WrongClass
        } else if err.contains("version `GLIBCXX_") || err.contains("version `CXXABI_") {
            NoStart::CxxVersion
        } else if err.contains("version `") {
            NoStart::GlibcVersion
        } else {
            NoStart::LibraryNotFound
        };
        return won(why, first_line(err));
    }
    if run.signal.as_deref() == Some("SIGILL") && run.stdout.is_empty() && !run.timed_out {
        return won(NoStart::IllegalInstruction, "SIGILL at start".into());
    }
    None
}

fn classify(cell: &Cell, run: &Run) -> (Reality, Unjudged) {
    let first_line = |s: &str| short(s.lines().next().unwrap_or("").trim());
    let qemu = matches!(cell.how, How::Qemu(_));
    match start_failure(run, qemu, matches!(cell.how, How::HostNoexec)) {
        Some(Ok((why, detail))) => return (Reality::WontStart { why, detail }, Vec::new()),
        Some(Err(e)) => return (Reality::Unclassified(e), Vec::new()),
        None => {}
    }
    let err = &run.stderr;
    if run.timed_out {
        return (Reality::Unclassified("timed out".into()), Vec::new());
    }
    if let Some(sig) = &run.signal {
        return (
            Reality::Unclassified(format!("killed by {sig}")),
            Vec::new(),
        );
    }
    let (mut hard, mut soft) = (BTreeSet::new(), BTreeSet::new());
    let (mut failed, mut empty, mut unjudged) = (Vec::new(), Vec::new(), Vec::new());
    for line in run.stdout.lines() {
        let mut cols = line.splitn(3, '\t');
        let (Some(name), Some("FAIL"), detail) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        match probe(name, detail.unwrap_or("")) {
            Probe::Error(code) => {
                failed.push(name.to_string());
                hard.insert(code);
            }
            Probe::Empty(code) => {
                empty.push(name.to_string());
                soft.insert(code);
            }
            Probe::Unjudged(why) => unjudged.push(format!("{name} failed, not judged: {why}")),
        }
    }
    // Exit 1 is selfcheck's "a probe failed"; anything else unexplained is not understood.
    let explained = run.exit_code == Some(0)
        || (run.exit_code == Some(1)
            && !(failed.is_empty() && empty.is_empty() && unjudged.is_empty()));
    if !explained {
        let why = format!("exit {:?}: {}", run.exit_code, first_line(err));
        return (Reality::Unclassified(why), unjudged);
    }
    (
        Reality::Started {
            hard,
            soft,
            failed,
            empty,
        },
        unjudged,
    )
}

impl Reality {
    fn show(&self) -> String {
        match self {
            Reality::WontStart { detail, .. } => format!("won't start: {detail}"),
            Reality::Started {
                hard,
                soft,
                failed,
                empty,
            } => {
                let codes = |c: &BTreeSet<&str>| c.iter().copied().collect::<Vec<_>>().join(",");
                let mut s = if hard.is_empty() && soft.is_empty() {
                    "runs".to_string()
                } else if hard.is_empty() {
                    "starts".to_string()
                } else {
                    format!("fails: {} ({})", failed.join(","), codes(hard))
                };
                if !soft.is_empty() {
                    let _ = write!(s, "; {}: empty pool ({})", empty.join(","), codes(soft));
                }
                s
            }
            Reality::Unclassified(s) => format!("?? {s}"),
        }
    }
}

/// The codes that explain a start failure; more than one when rules of different
/// precision both tell the truth (a glibc binary on a musl root has no interpreter, and is
/// a glibc binary on a musl root).
/// `root`: the root's libc (`None` for the host); `binary`: the libc the binary was built
/// for.
pub(crate) fn accepted(why: &NoStart, root: Option<Libc>, binary: Libc) -> Vec<&'static str> {
    match why {
        NoStart::ForeignArch => vec!["ARCH001"],
        NoStart::NoInterpreter => {
            let mut v = vec!["LIBC001"];
            match (root, binary) {
                (Some(Libc::Musl), Libc::Glibc) => v.push("LIBC002"),
                (Some(Libc::Glibc), Libc::Musl) => v.push("LIBC003"),
                _ => {}
            }
            v
        }
        NoStart::NotExecutable => vec!["FS001"],
        NoStart::NoexecMount => vec!["FS002"],
        NoStart::LibraryNotFound => vec!["LIB001"],
        NoStart::WrongClass => vec!["LIB002"],
        NoStart::GlibcVersion => vec!["LIB003"],
        NoStart::CxxVersion => vec!["LIB004"],
        NoStart::IsaLevel => vec!["ARCH004"],
        NoStart::GoAmd64 => vec!["ARCH003"],
        NoStart::IllegalInstruction => vec!["ARCH005", "ARCH003", "ARCH004"],
    }
}

// ---------------------------------------------------------------------------------------
// whyrun's prediction
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default)]
pub(crate) struct Prediction {
    pub(crate) verdict: String,
    /// Decided findings, in whyrun's order: (code, severity, message).
    pub(crate) findings: Vec<(String, String, String)>,
    /// whyrun itself failed (exit 2, unreadable output).
    pub(crate) error: Option<String>,
}

impl Prediction {
    pub(crate) fn from_output(out: &std::process::Output) -> Prediction {
        let fail = |e: String| Prediction {
            error: Some(e),
            ..Prediction::default()
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(2) || !matches!(out.status.code(), Some(0 | 1)) {
            return fail(format!(
                "whyrun exited {:?}: {}",
                out.status.code(),
                stderr.trim()
            ));
        }
        let v: Value = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => return fail(format!("whyrun printed no JSON ({e}): {}", stderr.trim())),
        };
        let schema_errors = crate::json_schema::errors(&v);
        if !schema_errors.is_empty() {
            return fail(format!(
                "whyrun's JSON does not match its schema: {}",
                schema_errors.join("; ")
            ));
        }
        let Some(t) = v.pointer("/binaries/0/targets/0") else {
            return fail("no binaries[0].targets[0] in whyrun's JSON".into());
        };
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let findings = t
            .get("findings")
            .and_then(Value::as_array)
            .map(|a| a.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter(|f| !f.get("undecided").and_then(Value::as_bool).unwrap_or(false))
            .map(|f| (s(f, "code"), s(f, "severity"), s(f, "message")))
            .collect();
        Prediction {
            verdict: s(t, "verdict"),
            findings,
            error: None,
        }
    }

    pub(crate) fn top(&self) -> Option<&str> {
        self.findings.first().map(|f| f.0.as_str())
    }

    fn runtime_codes(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .filter(|f| f.1 == "fails-at-runtime")
            .map(|f| f.0.as_str())
            .collect()
    }

    pub(crate) fn show(&self) -> String {
        if let Some(e) = &self.error {
            return format!("error: {}", e.lines().next().unwrap_or(""));
        }
        let mut s = self.verdict.clone();
        if let Some(top) = self.top() {
            let _ = write!(s, " {top}");
        }
        let rt = self.runtime_codes();
        if self.verdict == "fails-at-runtime" && rt.len() > 1 {
            let _ = write!(s, " [{}]", rt.into_iter().collect::<Vec<_>>().join(","));
        }
        s
    }
}

fn list(codes: &BTreeSet<&str>) -> String {
    codes.iter().copied().collect::<Vec<_>>().join(",")
}

/// For a program that did not start: the verdict must be "wont-start" and the top cause
/// one of the `accepted` codes.
pub(crate) fn judge_no_start(p: &Prediction, accepted: &[&str]) -> Result<(), String> {
    let top = p.top().unwrap_or("-");
    if p.verdict != "wont-start" {
        Err(format!(
            "verdict {} but it does not start (expected {})",
            p.verdict,
            accepted.join("|")
        ))
    } else if !accepted.contains(&top) {
        Err(format!("top cause {top}, expected {}", accepted.join("|")))
    } else {
        Ok(())
    }
}

/// Whether the prediction matches reality; `Err` says how it does not.
fn judge(reality: &Reality, p: &Prediction, cell: &Cell) -> Result<(), String> {
    if let Some(e) = &p.error {
        return Err(e.clone());
    }
    let top = p.top().unwrap_or("-");
    match reality {
        Reality::Unclassified(s) => Err(format!("reality not classified ({s}): extend classify()")),
        Reality::WontStart { why, .. } => judge_no_start(
            p,
            &accepted(why, cell.root.map(|r| r.libc), cell.fixture.libc()),
        ),
        Reality::Started { hard, soft, .. } => {
            let want: BTreeSet<&str> = hard.union(soft).copied().collect();
            // Every failed probe must be predicted, as a failure or as a risk (whyrun cannot
            // know whether the program reaches the code that fails); every predicted
            // failure must have happened.
            let predicted: BTreeSet<&str> = p
                .findings
                .iter()
                .filter(|f| f.1 == "fails-at-runtime" || f.1 == "risk")
                .map(|f| f.0.as_str())
                .collect();
            let missed: Vec<&str> = want.difference(&predicted).copied().collect();
            let extra: Vec<&str> = p.runtime_codes().difference(&want).copied().collect();
            let fails = !hard.is_empty();
            // Run with arguments, a program takes a path whyrun is not shown: a failure there
            // may be predicted as a risk, a feature of the program's own code that fails when
            // it is used (every failure must still be predicted, below).
            let by_arguments = !cell.fixture.args().is_empty() && p.verdict == "risky";
            if fails && p.verdict != "fails-at-runtime" && !by_arguments {
                Err(format!(
                    "verdict {} but it fails at run time ({})",
                    p.verdict,
                    list(hard)
                ))
            } else if !fails
                && !soft.is_empty()
                && !matches!(p.verdict.as_str(), "fails-at-runtime" | "risky")
            {
                Err(format!(
                    "verdict {} but {} is missing (empty)",
                    p.verdict,
                    list(soft)
                ))
            } else if want.is_empty() && !matches!(p.verdict.as_str(), "runs" | "risky") {
                // A risk is conditional by definition (a DNS lookup, a feature of the
                // program's own code): a run that does not use it does not contradict it.
                Err(format!("verdict {} ({top}) but it runs", p.verdict))
            } else if !want.is_empty() && !want.contains(top) {
                Err(format!("top cause {top} explains nothing that failed"))
            } else if !missed.is_empty() || !extra.is_empty() {
                Err(format!(
                    "run-time causes differ: not predicted [{}], predicted as failures but not observed [{}]",
                    missed.join(","),
                    extra.join(",")
                ))
            } else {
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Carrying out a cell
// ---------------------------------------------------------------------------------------

struct Env {
    roots: PathBuf,
    fixtures: PathBuf,
    runner: PathBuf,
    /// Snapshots of the roots as seen by an emulated CPU: (root, cpu, file).
    snapshots: Vec<(&'static str, Emulated, PathBuf)>,
    /// Per-run scratch space (local copies with another mode, noexec mounts).
    tmp: tempfile::TempDir,
    /// A directory name unique to this test process, for what it puts inside roots.
    staged: String,
}

struct Outcome {
    cell: Cell,
    run: Run,
    reality: Reality,
    unjudged: Unjudged,
    prediction: Prediction,
    verdict: Result<(), String>,
    run_time: Duration,
    check_time: Duration,
}

pub(crate) fn whyrun_check(args: &[&str]) -> (Prediction, Duration) {
    let t0 = Instant::now();
    let out = Command::new(WHYRUN)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("whyrun runs");
    (Prediction::from_output(&out), t0.elapsed())
}

/// `fixtures/e2e/run_in_root.py` (`script`) runs `command` in `root`, with `extra` options.
pub(crate) fn runner(
    script: &Path,
    root: &Path,
    extra: &[String],
    command: &[String],
) -> (Run, Duration) {
    let t0 = Instant::now();
    let out = Command::new("python3")
        .arg(script)
        .arg("--root")
        .arg(root)
        .args(["--timeout", "30"])
        .args(extra)
        .arg("--")
        .args(command)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "e2e: the runner failed for {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("the runner prints JSON");
    (Run::from_json(&v), t0.elapsed())
}

fn execute(env: &Env, cell: &Cell, n: usize) -> Outcome {
    let f = &cell.fixture;
    let app = format!("/app/{}", f.name);
    let mut command = vec![app.clone()];
    command.extend(f.args());
    let ((run, run_time), (prediction, check_time)) = match (&cell.how, cell.root) {
        (How::Deploy { mode }, Some(r)) => {
            let root = env.roots.join(r.name);
            // whyrun reads the mode of the local file it is told to deploy.
            let local = if *mode == 0o755 {
                f.path.clone()
            } else {
                let p = env.tmp.path().join(format!("{n}-{}", f.name));
                std::fs::copy(&f.path, &p).unwrap();
                set_mode(&p, *mode);
                p
            };
            let copy = format!("{}:{app}:{mode:o}", f.path.display());
            let run = runner(&env.runner, &root, &["--copy".into(), copy], &command);
            let root_s = root.display().to_string();
            let local_s = local.display().to_string();
            let pred = whyrun_check(&[&local_s, "--root", &root_s, "--as", &app, "--this-machine"]);
            (run, pred)
        }
        (How::WithSidecar, Some(r)) => {
            let root = env.roots.join(r.name);
            let dir = format!("/{}/{}", env.staged, f.name);
            let host_dir = root.join(dir.trim_start_matches('/'));
            std::fs::create_dir_all(host_dir.join("lib")).unwrap();
            let bin = format!("{dir}/{}", f.name);
            std::fs::copy(&f.path, host_dir.join(&f.name)).unwrap();
            set_mode(&host_dir.join(&f.name), 0o755);
            std::fs::copy(
                env.fixtures.join("c/lib/libhello.so"),
                host_dir.join("lib/libhello.so"),
            )
            .unwrap();
            let mut command = vec![bin.clone()];
            command.extend(f.args());
            let run = runner(&env.runner, &root, &[], &command);
            let root_s = root.display().to_string();
            let pred = whyrun_check(&["--root", &root_s, "--inside", &bin, "--this-machine"]);
            (run, pred)
        }
        (How::Qemu(cpu), Some(r)) => {
            let root = env.roots.join(r.name);
            let (emulator, model) = match cpu {
                Emulated::Nehalem => ("/usr/bin/qemu-x86_64-static", Some("Nehalem")),
                Emulated::Aarch64 => ("/usr/bin/qemu-aarch64-static", None),
                Emulated::Armv6 => ("/usr/bin/qemu-arm-static", Some("arm1136")),
                Emulated::Armv7 => ("/usr/bin/qemu-arm-static", Some("cortex-a7")),
                Emulated::Arm64Aarch32 | Emulated::Arm64Only => {
                    ("/usr/bin/qemu-arm-static", Some("max"))
                }
            };
            let mut extra = vec![
                "--copy".to_string(),
                format!("{}:{app}", f.path.display()),
                "--qemu".into(),
                emulator.into(),
            ];
            if let Some(m) = model {
                extra.extend(["--cpu".into(), m.into()]);
            }
            let run = runner(&env.runner, &root, &extra, &command);
            let snap = &env
                .snapshots
                .iter()
                .find(|(n, c, _)| *n == r.name && c == cpu)
                .expect("a snapshot for every qemu cell")
                .2;
            let local_s = f.path.display().to_string();
            let snap_s = snap.display().to_string();
            let pred = whyrun_check(&[&local_s, "--target", &snap_s, "--as", &app]);
            (run, pred)
        }
        (How::HostNoexec, None) => host_noexec(env, cell, n),
        _ => unreachable!("cell {} has no way to run", cell.id()),
    };
    let (reality, unjudged) = classify(cell, &run);
    let verdict = match mark(&cell.id()) {
        Some(MarkKind::CannotKnow(_)) => Ok(()),
        Some(MarkKind::EvidenceOnly { predicts, .. }) => {
            let shown = prediction.show();
            if shown.starts_with(predicts) {
                Ok(())
            } else {
                Err(format!(
                    "evidence-only cell: whyrun says {shown}, expected {predicts}"
                ))
            }
        }
        _ => judge(&reality, &prediction, cell),
    };
    Outcome {
        cell: cell.clone(),
        run,
        reality,
        unjudged,
        prediction,
        verdict,
        run_time,
        check_time,
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Mounts a noexec tmpfs in a private mount namespace, copies the binary there, and runs
/// both `whyrun check` (host target) and the binary in that namespace.
const HOST_NOEXEC: &str = r#"
set -eu
mnt=$1 bin=$2 whyrun=$3 out=$4
mount -t tmpfs -o noexec,mode=0755 tmpfs "$mnt"
cp "$bin" "$mnt/app"
chmod 0755 "$mnt/app"
start=$(date +%s%N)
"$whyrun" check "$mnt/app" --format json >"$out/whyrun.json" 2>"$out/whyrun.err" || echo $? >"$out/whyrun.status"
echo $(( $(date +%s%N) - start )) >"$out/whyrun.ns"
python3 - "$mnt/app" >"$out/run.json" <<'PY'
import errno, json, os, subprocess, sys
r = {"started": False, "errno": None, "exit_code": None, "signal": None, "timed_out": False,
     "stdout": "", "stderr": ""}
try:
    p = subprocess.run([sys.argv[1]], capture_output=True, timeout=30)
    r.update(started=True, exit_code=p.returncode, stdout=p.stdout.decode("utf-8", "replace"),
             stderr=p.stderr.decode("utf-8", "replace"))
except OSError as e:
    r.update(errno=errno.errorcode.get(e.errno, str(e.errno)))
print(json.dumps(r))
PY
"#;

fn host_noexec(env: &Env, cell: &Cell, n: usize) -> ((Run, Duration), (Prediction, Duration)) {
    let dir = env.tmp.path().join(format!("noexec-{n}"));
    let mnt = dir.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let t0 = Instant::now();
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "bash",
            "-c",
            HOST_NOEXEC,
            "host-noexec",
        ])
        .arg(&mnt)
        .arg(&cell.fixture.path)
        .arg(WHYRUN)
        .arg(&dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare runs");
    let elapsed = t0.elapsed();
    assert!(
        out.status.success(),
        "e2e: the noexec run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_default();
    let run = Run::from_json(&serde_json::from_slice(&read("run.json")).expect("run.json"));
    let status: i32 = String::from_utf8_lossy(&read("whyrun.status"))
        .trim()
        .parse()
        .unwrap_or(0);
    let fake = std::process::Output {
        status: exit_status(status),
        stdout: read("whyrun.json"),
        stderr: read("whyrun.err"),
    };
    let ns: u64 = String::from_utf8_lossy(&read("whyrun.ns"))
        .trim()
        .parse()
        .unwrap_or(0);
    let check_time = Duration::from_nanos(ns);
    (
        (run, elapsed.saturating_sub(check_time)),
        (Prediction::from_output(&fake), check_time),
    )
}

fn exit_status(code: i32) -> std::process::ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    std::process::ExitStatus::from_raw(code << 8)
}

/// Snapshots of `root` as a machine with `cpu` would describe it: this machine's kernel,
/// the emulated CPU (and with it the native architectures).
pub(crate) fn snapshot(roots: &Path, root: &str, cpu: Emulated, dir: &Path) -> PathBuf {
    use whyrun_target::describe::DescribeOptions;
    use whyrun_target::model::{CpuInfo, SourceKind};
    let view = whyrun_target::RootDirView::new(roots.join(root)).expect("the root opens");
    let info = match cpu {
        Emulated::Nehalem => CpuInfo {
            arch: "x86_64".into(),
            // baseline and v2
            x86_isa_levels: Some(0b11),
            flags: [
                "sse", "sse2", "pni", "ssse3", "cx16", "sse4_1", "sse4_2", "popcnt", "lahf_lm",
            ]
            .map(String::from)
            .to_vec(),
            model: Some("qemu Nehalem".into()),
            cores: Vec::new(),
        },
        Emulated::Aarch64 => CpuInfo {
            arch: "aarch64".into(),
            x86_isa_levels: None,
            flags: ["fp", "asimd"].map(String::from).to_vec(),
            model: Some("qemu-aarch64".into()),
            cores: Vec::new(),
        },
        // The "Features" line of /proc/cpuinfo on these cores.
        Emulated::Armv6 => CpuInfo {
            arch: "arm".into(),
            x86_isa_levels: None,
            flags: ["half", "thumb", "fastmult", "vfp", "edsp", "java", "tls"]
                .map(String::from)
                .to_vec(),
            model: Some("qemu-arm arm1136".into()),
            cores: Vec::new(),
        },
        Emulated::Armv7 => CpuInfo {
            arch: "arm".into(),
            x86_isa_levels: None,
            flags: [
                "half", "thumb", "fastmult", "vfp", "edsp", "neon", "vfpv3", "tls", "vfpv4",
                "idiva", "idivt", "vfpd32", "lpae", "evtstrm",
            ]
            .map(String::from)
            .to_vec(),
            model: Some("qemu-arm cortex-a7".into()),
            cores: Vec::new(),
        },
        // The "Features" of an arm64 /proc/cpuinfo and its cores ("CPU implementer",
        // "CPU part"): Cortex-A72, and Neoverse V2.
        Emulated::Arm64Aarch32 | Emulated::Arm64Only => {
            let (part, name) = match cpu {
                Emulated::Arm64Aarch32 => (0xd08, "Cortex-A72"),
                _ => (0xd4f, "Neoverse V2"),
            };
            CpuInfo {
                arch: "aarch64".into(),
                x86_isa_levels: None,
                flags: ["fp", "asimd", "evtstrm", "crc32", "cpuid"]
                    .map(String::from)
                    .to_vec(),
                model: Some(format!("arm64 {name}")),
                cores: vec![whyrun_target::model::CpuCore {
                    implementer: 0x41,
                    part,
                }],
            }
        }
    };
    let mut opts =
        DescribeOptions::files_only(format!("{root} ({})", cpu.label()), SourceKind::Root);
    opts.machine = Some(&whyrun_target::HostView);
    opts.cpu = Some(info);
    let model = whyrun_target::snapshot::take(&view, &opts);
    let path = dir.join(format!("{root}-{cpu:?}.json"));
    let json = whyrun_target::snapshot::to_json(&model);
    crate::json_schema::validate(&serde_json::from_str(&json).unwrap());
    std::fs::write(&path, json).unwrap();
    path
}

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

pub(crate) fn preconditions(roots: &Path) {
    assert!(
        crate::fixtures::is_root(),
        "e2e: runs binaries in chroots and namespaces and needs root: run it as root (scripts/test.sh)"
    );
    let missing: Vec<&str> = ROOTS
        .iter()
        .map(|r| r.name)
        .filter(|n| !roots.join(n).is_dir() || !roots.join(".e2e-stamps").join(n).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "e2e: roots {missing:?} are missing in {}: run `bash fixtures/e2e/build-roots.sh` (as root) first",
        roots.display()
    );
    for tool in [
        "python3",
        "unshare",
        "/usr/bin/qemu-x86_64-static",
        "/usr/bin/qemu-aarch64-static",
        "/usr/bin/qemu-arm-static",
    ] {
        let found = if tool.starts_with('/') {
            Path::new(tool).is_file()
        } else {
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        assert!(
            found,
            "e2e: {tool} is missing: run `bash scripts/install-deps.sh` (as root)"
        );
    }
}

/// Removes what an earlier, killed run of this test left inside the roots.
fn remove_stale_staging(roots: &Path) {
    for r in ROOTS {
        let Ok(entries) = std::fs::read_dir(roots.join(r.name)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(pid) = name.strip_prefix("e2e-staged-") else {
                continue;
            };
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Removes this process's staging directories from the roots, even when the test panics.
struct Unstage<'a>(&'a Path, &'a str);

impl Drop for Unstage<'_> {
    fn drop(&mut self) {
        for r in ROOTS {
            let _ = std::fs::remove_dir_all(self.0.join(r.name).join(self.1));
        }
    }
}

#[test]
fn every_fixture_in_every_root_agrees_with_reality() {
    let t_start = Instant::now();
    let roots = cache_dir("WHYRUN_ROOTS", "roots");
    let fixtures_dir = cache_dir("WHYRUN_FIXTURES", "fixtures");
    preconditions(&roots);
    let fixtures = read_manifest(&fixtures_dir);
    remove_stale_staging(&roots);
    let staged = format!("e2e-staged-{}", std::process::id());
    let _unstage = Unstage(&roots, &staged);

    let cells = cells(&fixtures);
    let tmp = tempfile::tempdir().unwrap();
    let mut snapshots = Vec::new();
    for c in &cells {
        if let (How::Qemu(cpu), Some(r)) = (&c.how, c.root) {
            if !snapshots.iter().any(|(n, k, _)| *n == r.name && k == cpu) {
                snapshots.push((r.name, *cpu, snapshot(&roots, r.name, *cpu, tmp.path())));
            }
        }
    }
    let env = Env {
        roots: roots.clone(),
        fixtures: fixtures_dir,
        runner: repo().join("fixtures/e2e/run_in_root.py"),
        snapshots,
        tmp,
        staged: staged.clone(),
    };

    let outcomes = in_parallel(&cells, |i, cell| execute(&env, cell, i));
    let wall = t_start.elapsed();

    // The table.
    let w_cell = outcomes
        .iter()
        .map(|o| o.cell.id().len())
        .max()
        .unwrap_or(10);
    let w_real = outcomes
        .iter()
        .map(|o| o.reality.show().len().min(72))
        .max()
        .unwrap_or(10);
    let w_pred = outcomes
        .iter()
        .map(|o| o.prediction.show().len().min(50))
        .max()
        .unwrap_or(10);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:w_cell$}  {:w_real$}  {:w_pred$}  agree",
        "cell", "reality", "whyrun (verdict top [run-time causes])"
    );
    let _ = writeln!(table, "{}", "-".repeat(w_cell + w_real + w_pred + 11));
    let mut disagreements = Vec::new();
    let mut known: Vec<&str> = Vec::new();
    let mut counts = [0usize; 3];
    for o in &outcomes {
        let id = o.cell.id();
        let agree = match (mark(&id), &o.verdict) {
            (Some(MarkKind::CannotKnow(why)), _) => {
                counts[2] += 1;
                format!("n/a: {why}")
            }
            (Some(MarkKind::EvidenceOnly { why, .. }), Ok(())) => {
                counts[2] += 1;
                format!("evidence only: {why}")
            }
            (_, Ok(())) => {
                counts[0] += 1;
                "yes".into()
            }
            (m, Err(why)) => {
                counts[1] += 1;
                let note = match m {
                    Some(MarkKind::Issue(n)) => {
                        if !known.contains(n) {
                            known.push(n);
                        }
                        let k = known.iter().position(|k| k == n).unwrap_or(0) + 1;
                        format!(" [known issue {k}]")
                    }
                    _ => String::new(),
                };
                disagreements.push(format!(
                    "{id}: {why}{note}\n    reality: {}\n    run: {:?}\n    whyrun: {:?}",
                    o.reality.show(),
                    o.run,
                    o.prediction
                ));
                format!("NO: {why}{note}")
            }
        };
        let real: String = o.reality.show().chars().take(72).collect();
        let pred: String = o.prediction.show().chars().take(50).collect();
        let case = match PRECEDENCE.iter().position(|p| p.cell == id) {
            Some(k) => format!("  (precedence {})", k + 1),
            None => String::new(),
        };
        let _ = writeln!(
            table,
            "{id:w_cell$}  {real:w_real$}  {pred:w_pred$}  {agree}{case}"
        );
        for u in &o.unjudged {
            let _ = writeln!(table, "{:w_cell$}    note: {u}", "");
        }
    }
    let run_total: Duration = outcomes.iter().map(|o| o.run_time).sum();
    let check_total: Duration = outcomes.iter().map(|o| o.check_time).sum();
    let _ = writeln!(
        table,
        "\n{} cells: {} agree, {} disagree, {} whyrun cannot know or evidence only. Wall {:.1}s with {} workers \
         (runs {:.1}s and whyrun checks {:.1}s summed over cells).",
        outcomes.len(),
        counts[0],
        counts[1],
        counts[2],
        wall.as_secs_f64(),
        workers(),
        run_total.as_secs_f64(),
        check_total.as_secs_f64(),
    );
    for (k, n) in known.iter().enumerate() {
        let _ = writeln!(table, "known issue {}: {n}", k + 1);
    }
    precedence_table(&outcomes, &mut table, &mut disagreements);
    println!("{table}");
    assert!(
        disagreements.is_empty(),
        "whyrun disagrees with reality in {} cells:\n{}\n{}",
        disagreements.len(),
        disagreements.join("\n"),
        known
            .iter()
            .enumerate()
            .map(|(k, n)| format!("known issue {}: {n}", k + 1))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The precedence cells (`PRECEDENCE`) again, each with its case, what happened and every
/// decided finding of whyrun in its order; a listed cell that is gone, or that fails
/// otherwise than listed, is a disagreement.
fn precedence_table(outcomes: &[Outcome], table: &mut String, disagreements: &mut Vec<String>) {
    let _ = writeln!(
        table,
        "\nprecedence: two problems at once; the first to happen must be the top cause"
    );
    let found: Vec<Option<&Outcome>> = PRECEDENCE
        .iter()
        .map(|p| outcomes.iter().find(|o| o.cell.id() == p.cell))
        .collect();
    let w_case = PRECEDENCE.iter().map(|p| p.case.len()).max().unwrap_or(10);
    let w_cell = PRECEDENCE.iter().map(|p| p.cell.len()).max().unwrap_or(10);
    let w_real = found
        .iter()
        .flatten()
        .map(|o| o.reality.show().chars().take(60).count())
        .max()
        .unwrap_or(10);
    for (k, (p, o)) in PRECEDENCE.iter().zip(&found).enumerate() {
        let n = k + 1;
        let Some(o) = o else {
            disagreements.push(format!("precedence {n} ({}): no cell {}", p.case, p.cell));
            let _ = writeln!(
                table,
                "{n}. {:w_case$}  {}  NO: no such cell",
                p.case, p.cell
            );
            continue;
        };
        let listed = matches!(&o.reality, Reality::WontStart { why, .. } if *why == p.first);
        if !listed {
            disagreements.push(format!(
                "precedence {n} ({}): {} is listed as {:?}, but: {}",
                p.case,
                p.cell,
                p.first,
                o.reality.show()
            ));
        }
        let agree = match (&o.verdict, listed) {
            (Err(why), _) => format!("NO: {why}"),
            (Ok(()), false) => format!("NO: not {:?}", p.first),
            (Ok(()), true) => "yes".into(),
        };
        let real: String = o.reality.show().chars().take(60).collect();
        let codes: Vec<&str> = o.prediction.findings.iter().map(|f| f.0.as_str()).collect();
        let _ = writeln!(
            table,
            "{n}. {:w_case$}  {:w_cell$}  {real:w_real$}  {} [{}]  {agree}",
            p.case,
            p.cell,
            o.prediction.verdict,
            codes.join(",")
        );
    }
}

/// How many cells run at once: twice as many as cores.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// `run` over every cell, on twice as many threads as cores (each cell is a few short
/// processes, so more workers than cores keeps them busy), results in the cells' order.
pub(crate) fn in_parallel<C: Sync, O: Send>(
    cells: &[C],
    run: impl Fn(usize, &C) -> O + Sync,
) -> Vec<O> {
    let workers = workers();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<O>>> = Mutex::new((0..cells.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(cell) = cells.get(i) else { break };
                let o = run(i, cell);
                results.lock().unwrap()[i] = Some(o);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every cell ran"))
        .collect()
}
