//! Proof against reality on binaries nobody on the project built: Debian's packages of Go,
//! Rust and C programs (bookworm and trixie) and static or manylinux programs shipped
//! inside PyPI and npm packages, amd64 and arm64, fetched by `fixtures/third-party/fetch.sh`.
//! Each is run for real in every root of `fixtures/e2e/build-roots.sh`, doing its main job
//! on small files copied into the run (arm64 ones under qemu-aarch64), and `whyrun check`
//! on the same program and root must say what happened:
//!
//! - it did not start: verdict "wont-start", and a top cause that explains the failure
//!   (the codes e2e.rs accepts for it);
//! - it did its job and exited 0: neither "wont-start" nor "fails-at-runtime";
//! - it started and then failed: "fails-at-runtime".
//!
//! The agreement table is printed (`cargo test -p whyrun --test it third_party --
//! --nocapture`). Needs root, the roots and the programs; when one is missing the test
//! fails and names the script that makes it. There are no exceptions: a cell where whyrun
//! is wrong fails the test until whyrun is fixed.
//!
//! This file owns the programs, their jobs and the verdict classes; how a run is carried
//! out, why a program did not start and what whyrun said are read with e2e.rs's code.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::e2e::{
    self, accepted, judge_no_start, start_failure, Emulated, Libc, NoStart, Prediction, Root, Run,
    ROOTS,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Go,
    Rust,
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arch {
    Amd64,
    /// Run under qemu-aarch64 in every root; whyrun is given a snapshot of the root as an
    /// arm64 machine describes it.
    Arm64,
}

/// One program and its job.
struct Program {
    /// Unique in the table: where it comes from and what it is.
    name: &'static str,
    /// Under the fetch directory.
    path: &'static str,
    lang: Lang,
    arch: Arch,
    /// The libc its interpreter belongs to (`Libc::None` for a static program).
    libc: Libc,
    /// What it is run with: its main job, on the files of `JOB_FILES` under `/job`.
    args: &'static [&'static str],
    /// Printed (on stdout or stderr) when it did its job.
    done: &'static str,
}

const fn p(
    name: &'static str,
    path: &'static str,
    lang: Lang,
    arch: Arch,
    libc: Libc,
    args: &'static [&'static str],
    done: &'static str,
) -> Program {
    Program {
        name,
        path,
        lang,
        arch,
        libc,
        args,
        done,
    }
}

/// The public key of age's README: encrypting needs no secret.
const AGE_RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

use Arch::{Amd64, Arm64};
use Lang::{Go, Rust, C};

const RESTIC_INIT: &[&str] = &[
    "init",
    "--repo",
    "/job/repo",
    "--password-file",
    "/job/password.txt",
];
const AGE_ENCRYPT: &[&str] = &["-a", "-r", AGE_RECIPIENT, "/job/input.txt"];
const RG: &[&str] = &["-n", "hello", "/job/input.txt"];
const JQ: &[&str] = &[".name", "/job/input.json"];
const CURL: &[&str] = &["-sS", "file:///job/input.txt"];
const ZSTD: &[&str] = &["-dc", "/job/input.txt.zst"];
const TREE: &[&str] = &["/job"];
const RUFF: &[&str] = &["check", "--no-cache", "/job/input.py"];
/// A Python version asked for and not pinned: uv needs no interpreter to write the project.
const UV_INIT: &[&str] = &[
    "init",
    "--offline",
    "--python",
    "3.11",
    "--bare",
    "--no-workspace",
    "--vcs",
    "none",
    "--no-pin-python",
    "/job/proj",
];
const ESBUILD: &[&str] = &["--bundle", "/job/input.js"];
const BIOME: &[&str] = &["lint", "/job/input.js"];

/// The programs (`fixtures/third-party/fetch.sh` fetches them).
const PROGRAMS: &[Program] = &[
    // Debian bookworm, amd64.
    p(
        "bookworm restic",
        "bookworm/restic/usr/bin/restic",
        Go,
        Amd64,
        Libc::Glibc,
        RESTIC_INIT,
        "created restic repository",
    ),
    p(
        "bookworm caddy",
        "bookworm/caddy/usr/bin/caddy",
        Go,
        Amd64,
        Libc::Glibc,
        &["adapt", "--config", "/job/Caddyfile"],
        "\"static_response\"",
    ),
    p(
        "bookworm age",
        "bookworm/age/usr/bin/age",
        Go,
        Amd64,
        Libc::Glibc,
        AGE_ENCRYPT,
        "-----BEGIN AGE ENCRYPTED FILE-----",
    ),
    p(
        "bookworm rg",
        "bookworm/ripgrep/usr/bin/rg",
        Rust,
        Amd64,
        Libc::Glibc,
        RG,
        "1:hello world",
    ),
    p(
        "bookworm fdfind",
        "bookworm/fd-find/usr/bin/fdfind",
        Rust,
        Amd64,
        Libc::Glibc,
        &["-t", "f", "input", "/job"],
        "/job/input.txt",
    ),
    p(
        "bookworm batcat",
        "bookworm/bat/usr/bin/batcat",
        Rust,
        Amd64,
        Libc::Glibc,
        &[
            "--paging=never",
            "--color=never",
            "--style=plain",
            "/job/input.txt",
        ],
        "second line",
    ),
    p(
        "bookworm jq",
        "bookworm/jq/usr/bin/jq",
        C,
        Amd64,
        Libc::Glibc,
        JQ,
        "\"whyrun\"",
    ),
    p(
        "bookworm curl",
        "bookworm/curl/usr/bin/curl",
        C,
        Amd64,
        Libc::Glibc,
        CURL,
        "second line",
    ),
    p(
        "bookworm zstd",
        "bookworm/zstd/usr/bin/zstd",
        C,
        Amd64,
        Libc::Glibc,
        ZSTD,
        "second line",
    ),
    p(
        "bookworm tree",
        "bookworm/tree/usr/bin/tree",
        C,
        Amd64,
        Libc::Glibc,
        TREE,
        "input.json",
    ),
    // Debian trixie, amd64.
    p(
        "trixie restic",
        "trixie/restic/usr/bin/restic",
        Go,
        Amd64,
        Libc::Glibc,
        RESTIC_INIT,
        "created restic repository",
    ),
    p(
        "trixie age-keygen",
        "trixie/age/usr/bin/age-keygen",
        Go,
        Amd64,
        Libc::Glibc,
        &[],
        "AGE-SECRET-KEY-1",
    ),
    p(
        "trixie hugo",
        "trixie/hugo/usr/bin/hugo",
        Go,
        Amd64,
        Libc::Glibc,
        &["new", "site", "/job/site"],
        "Congratulations",
    ),
    p(
        "trixie rg",
        "trixie/ripgrep/usr/bin/rg",
        Rust,
        Amd64,
        Libc::Glibc,
        RG,
        "1:hello world",
    ),
    p(
        "trixie dust",
        "trixie/du-dust/usr/bin/dust",
        Rust,
        Amd64,
        Libc::Glibc,
        &["-n", "5", "/job"],
        "input.txt",
    ),
    p(
        "trixie jq",
        "trixie/jq/usr/bin/jq",
        C,
        Amd64,
        Libc::Glibc,
        JQ,
        "\"whyrun\"",
    ),
    p(
        "trixie curl",
        "trixie/curl/usr/bin/curl",
        C,
        Amd64,
        Libc::Glibc,
        CURL,
        "second line",
    ),
    p(
        "trixie sqlite3",
        "trixie/sqlite3/usr/bin/sqlite3",
        C,
        Amd64,
        Libc::Glibc,
        &[":memory:", "select 'sum=' || (1 + 1)"],
        "sum=2",
    ),
    p(
        "trixie zstd",
        "trixie/zstd/usr/bin/zstd",
        C,
        Amd64,
        Libc::Glibc,
        ZSTD,
        "second line",
    ),
    p(
        "trixie tree",
        "trixie/tree/usr/bin/tree",
        C,
        Amd64,
        Libc::Glibc,
        TREE,
        "input.json",
    ),
    // PyPI wheels.
    p(
        "pypi ruff x86_64",
        "pypi/ruff-manylinux2014_x86_64/ruff",
        Rust,
        Amd64,
        Libc::Glibc,
        RUFF,
        "All checks passed!",
    ),
    p(
        "pypi ruff aarch64",
        "pypi/ruff-manylinux2014_aarch64/ruff",
        Rust,
        Arm64,
        Libc::Glibc,
        RUFF,
        "All checks passed!",
    ),
    p(
        "pypi ruff aarch64-musl",
        "pypi/ruff-musllinux_1_2_aarch64/ruff",
        Rust,
        Arm64,
        Libc::None,
        RUFF,
        "All checks passed!",
    ),
    p(
        "pypi uv x86_64",
        "pypi/uv-manylinux2014_x86_64/uv",
        Rust,
        Amd64,
        Libc::Glibc,
        UV_INIT,
        "Initialized project `proj`",
    ),
    p(
        "pypi uv x86_64-musl",
        "pypi/uv-musllinux_1_1_x86_64/uv",
        Rust,
        Amd64,
        Libc::None,
        UV_INIT,
        "Initialized project `proj`",
    ),
    // npm packages.
    p(
        "npm esbuild x64",
        "npm/esbuild-linux-x64/esbuild",
        Go,
        Amd64,
        Libc::None,
        ESBUILD,
        "console.log(x)",
    ),
    p(
        "npm esbuild arm64",
        "npm/esbuild-linux-arm64/esbuild",
        Go,
        Arm64,
        Libc::None,
        ESBUILD,
        "console.log(x)",
    ),
    p(
        "npm biome x64",
        "npm/biomejs-cli-linux-x64/biome",
        Rust,
        Amd64,
        Libc::Glibc,
        BIOME,
        "Checked 1 file",
    ),
    p(
        "npm biome x64-musl",
        "npm/biomejs-cli-linux-x64-musl/biome",
        Rust,
        Amd64,
        Libc::None,
        BIOME,
        "Checked 1 file",
    ),
    p(
        "npm buf x64",
        "npm/bufbuild-buf-linux-x64/buf",
        Go,
        Amd64,
        Libc::None,
        &["build", "/job", "-o", "-#format=json"],
        "\"ping.proto\"",
    ),
    // lefthook's jobs all need a git repository, and the roots have no git.
    p(
        "npm lefthook x64",
        "npm/lefthook-linux-x64/lefthook",
        Go,
        Amd64,
        Libc::None,
        &["version"],
        "2.2.4",
    ),
    p(
        "npm lefthook arm64",
        "npm/lefthook-linux-arm64/lefthook",
        Go,
        Arm64,
        Libc::None,
        &["version"],
        "2.2.4",
    ),
];

/// The zstd frame of `input.txt` (`zstd -c`).
const INPUT_ZST: &[u8] = &[
    0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0xc1, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x77,
    0x6f, 0x72, 0x6c, 0x64, 0x0a, 0x73, 0x65, 0x63, 0x6f, 0x6e, 0x64, 0x20, 0x6c, 0x69, 0x6e, 0x65,
    0x0a, 0x4a, 0xda, 0xd7, 0xdb,
];

/// The files the jobs work on, copied to `/job` for every run.
const JOB_FILES: &[(&str, &[u8])] = &[
    ("input.txt", b"hello world\nsecond line\n"),
    ("input.txt.zst", INPUT_ZST),
    ("input.json", b"{\"name\":\"whyrun\",\"ok\":true}\n"),
    ("input.py", b"import os\n\nprint(os.sep)\n"),
    ("input.js", b"export const x = 1;\nconsole.log(x);\n"),
    ("Caddyfile", b":8080 {\n\trespond \"hello\"\n}\n"),
    (
        "ping.proto",
        b"syntax = \"proto3\";\npackage demo;\nmessage Ping { string id = 1; }\n",
    ),
    ("password.txt", b"correct horse battery staple\n"),
];

// ---------------------------------------------------------------------------------------
// Cells, reality and the judgement
// ---------------------------------------------------------------------------------------

struct Cell {
    program: &'static Program,
    root: &'static Root,
}

impl Cell {
    fn id(&self) -> String {
        let qemu = if self.program.arch == Arm64 {
            " (qemu-aarch64)"
        } else {
            ""
        };
        format!("{} @ {}{qemu}", self.program.name, self.root.name)
    }
}

enum Reality {
    WontStart(NoStart, String),
    /// Exit 0, and it printed what its job prints.
    DidItsJob,
    /// It started and exited non-zero: the first line of its error.
    Failed(String),
    /// Not understood (a timeout, a signal, exit 0 without the job's output): the table
    /// or the classification needs fixing.
    Unclassified(String),
}

impl Reality {
    fn show(&self) -> String {
        match self {
            Reality::WontStart(_, detail) => format!("won't start: {detail}"),
            Reality::DidItsJob => "did its job".into(),
            Reality::Failed(e) => format!("fails: {e}"),
            Reality::Unclassified(e) => format!("?? {e}"),
        }
    }
}

fn classify(program: &Program, run: &Run) -> Reality {
    match start_failure(run, program.arch == Arm64, false) {
        Some(Ok((why, detail))) => return Reality::WontStart(why, detail),
        Some(Err(e)) => return Reality::Unclassified(e),
        None => {}
    }
    if run.timed_out {
        return Reality::Unclassified("timed out".into());
    }
    if let Some(sig) = &run.signal {
        return Reality::Unclassified(format!("killed by {sig}"));
    }
    let first = |s: &str| e2e::short(s.lines().find(|l| !l.trim().is_empty()).unwrap_or(""));
    match run.exit_code {
        Some(0) if run.stdout.contains(program.done) || run.stderr.contains(program.done) => {
            Reality::DidItsJob
        }
        Some(0) => Reality::Unclassified(format!(
            "exit 0 without {:?}: the job's arguments or files are wrong",
            program.done
        )),
        Some(n) => {
            let err = if run.stderr.trim().is_empty() {
                &run.stdout
            } else {
                &run.stderr
            };
            Reality::Failed(format!("exit {n}: {}", first(err)))
        }
        None => Reality::Unclassified("no exit status".into()),
    }
}

fn judge(cell: &Cell, reality: &Reality, p: &Prediction) -> Result<(), String> {
    if let Some(e) = &p.error {
        return Err(e.clone());
    }
    let top = p.top().unwrap_or("-");
    match reality {
        Reality::Unclassified(s) => Err(format!("reality not classified: {s}")),
        Reality::WontStart(why, _) => {
            judge_no_start(p, &accepted(why, Some(cell.root.libc), cell.program.libc))
        }
        Reality::DidItsJob => match p.verdict.as_str() {
            "wont-start" | "fails-at-runtime" => {
                Err(format!("verdict {} ({top}) but it did its job", p.verdict))
            }
            _ => Ok(()),
        },
        Reality::Failed(_) if p.verdict != "fails-at-runtime" => Err(format!(
            "verdict {} ({top}) but it started and failed",
            p.verdict
        )),
        Reality::Failed(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Carrying out a cell
// ---------------------------------------------------------------------------------------

struct Env {
    roots: PathBuf,
    programs: PathBuf,
    runner: PathBuf,
    /// `--copy` options for the job files.
    job_copies: Vec<String>,
    /// Snapshots of the roots as an arm64 machine describes them, by root name.
    arm64_snapshots: Vec<(&'static str, PathBuf)>,
}

struct Outcome {
    run: Run,
    reality: Reality,
    prediction: Prediction,
    verdict: Result<(), String>,
    run_time: Duration,
    check_time: Duration,
}

fn execute(env: &Env, cell: &Cell) -> Outcome {
    let program = cell.program;
    let local = env.programs.join(program.path);
    let base = local.file_name().unwrap().to_string_lossy().into_owned();
    let app = format!("/app/{base}");
    let root = env.roots.join(cell.root.name);
    let mut extra = env.job_copies.clone();
    extra.extend(["--copy".into(), format!("{}:{app}", local.display())]);
    if program.arch == Arm64 {
        extra.extend(["--qemu".into(), "/usr/bin/qemu-aarch64-static".into()]);
    }
    let mut command = vec![app.clone()];
    command.extend(program.args.iter().map(|a| a.to_string()));
    let (run, run_time) = e2e::runner(&env.runner, &root, &extra, &command);
    let local_s = local.display().to_string();
    let (prediction, check_time) = match program.arch {
        Amd64 => {
            let root_s = root.display().to_string();
            e2e::whyrun_check(&[&local_s, "--root", &root_s, "--as", &app, "--this-machine"])
        }
        Arm64 => {
            let snap = &env
                .arm64_snapshots
                .iter()
                .find(|(n, _)| *n == cell.root.name)
                .expect("a snapshot of every root")
                .1;
            let snap_s = snap.display().to_string();
            e2e::whyrun_check(&[&local_s, "--target", &snap_s, "--as", &app])
        }
    };
    let reality = classify(program, &run);
    let verdict = judge(cell, &reality, &prediction);
    Outcome {
        run,
        reality,
        prediction,
        verdict,
        run_time,
        check_time,
    }
}

fn programs_dir() -> PathBuf {
    let dir = e2e::cache_dir("WHYRUN_THIRD_PARTY", "third-party");
    let missing: Vec<&str> = PROGRAMS
        .iter()
        .filter(|p| !dir.join(p.path).is_file())
        .map(|p| p.path)
        .collect();
    assert!(
        missing.is_empty(),
        "third-party: programs are missing in {}: fetch them with \
         `bash fixtures/third-party/fetch.sh`. Missing: {missing:?}",
        dir.display()
    );
    dir
}

#[test]
fn third_party_programs_in_every_root_agree_with_reality() {
    let t_start = Instant::now();
    let roots = e2e::cache_dir("WHYRUN_ROOTS", "roots");
    e2e::preconditions(&roots);
    let programs = programs_dir();
    let tmp = tempfile::tempdir().unwrap();
    let mut job_copies = Vec::new();
    for (name, bytes) in JOB_FILES {
        let file = tmp.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        job_copies.extend([
            "--copy".into(),
            format!("{}:/job/{name}:644", file.display()),
        ]);
    }
    let arm64_snapshots = ROOTS
        .iter()
        .map(|r| {
            let snap = e2e::snapshot(&roots, r.name, Emulated::Aarch64, tmp.path());
            (r.name, snap)
        })
        .collect();
    let env = Env {
        roots,
        programs,
        runner: e2e::repo().join("fixtures/e2e/run_in_root.py"),
        job_copies,
        arm64_snapshots,
    };
    let cells: Vec<Cell> = PROGRAMS
        .iter()
        .flat_map(|program| ROOTS.iter().map(move |root| Cell { program, root }))
        .collect();

    let outcomes = e2e::in_parallel(&cells, |_, cell| execute(&env, cell));
    let wall = t_start.elapsed();

    let mut table = String::new();
    let _ = writeln!(table, "programs:");
    for p in PROGRAMS {
        let _ = writeln!(
            table,
            "  {:24} {:?} {:?} {:?}  {}",
            p.name,
            p.lang,
            p.arch,
            p.libc,
            p.args.join(" ")
        );
    }
    let ids: Vec<String> = cells.iter().map(Cell::id).collect();
    let w_cell = ids.iter().map(String::len).max().unwrap_or(10);
    let w_real = outcomes
        .iter()
        .map(|o| o.reality.show().chars().take(70).count())
        .max()
        .unwrap_or(10);
    let w_pred = outcomes
        .iter()
        .map(|o| o.prediction.show().chars().take(40).count())
        .max()
        .unwrap_or(10);
    let _ = writeln!(
        table,
        "\n{:w_cell$}  {:w_real$}  {:w_pred$}  agree",
        "cell", "reality", "whyrun (verdict top)"
    );
    let _ = writeln!(table, "{}", "-".repeat(w_cell + w_real + w_pred + 11));
    let mut disagreements = Vec::new();
    for (id, o) in ids.iter().zip(&outcomes) {
        let agree = match &o.verdict {
            Ok(()) => "yes".to_string(),
            Err(why) => {
                let messages: Vec<&str> =
                    o.prediction.findings.iter().map(|f| f.2.as_str()).collect();
                disagreements.push(format!(
                    "{id}: {why}\n    reality: {}\n    run: {:?}\n    whyrun: {} {messages:?}",
                    o.reality.show(),
                    o.run,
                    o.prediction.verdict,
                ));
                format!("NO: {why}")
            }
        };
        let real: String = o.reality.show().chars().take(70).collect();
        let pred: String = o.prediction.show().chars().take(40).collect();
        let _ = writeln!(
            table,
            "{id:w_cell$}  {real:w_real$}  {pred:w_pred$}  {agree}"
        );
    }
    let run_total: Duration = outcomes.iter().map(|o| o.run_time).sum();
    let check_total: Duration = outcomes.iter().map(|o| o.check_time).sum();
    let _ = writeln!(
        table,
        "\n{} programs, {} cells: {} agree, {} disagree. Wall {:.1}s with {} workers \
         (runs {:.1}s and whyrun checks {:.1}s summed over cells).",
        PROGRAMS.len(),
        outcomes.len(),
        outcomes.len() - disagreements.len(),
        disagreements.len(),
        wall.as_secs_f64(),
        e2e::workers(),
        run_total.as_secs_f64(),
        check_total.as_secs_f64(),
    );
    println!("{table}");
    assert!(
        disagreements.is_empty(),
        "whyrun disagrees with reality in {} cells:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
