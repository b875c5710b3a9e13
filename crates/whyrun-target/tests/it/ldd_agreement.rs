//! Proof against reality: for every ELF file under /usr/bin, /usr/sbin and /usr/lib of a
//! debootstrapped Debian root (built by fixtures/roots/build.sh), and under this machine's
//! /usr/bin, the libraries whyrun's loader emulation resolves must be the ones the real
//! loader maps, as `ldd` reports them (inside the root through `chroot`). Paths are
//! compared canonicalized inside the target; missing libraries and missing symbol versions
//! are compared too. Files ldd cannot trace are classified, never silently skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;
use whyrun_target::loader::{LoadError, NeedResult};

/// The kind of binary the roots and this machine run natively.
const NATIVE: &str = "ELF64 x86_64";
use whyrun_target::{FileView, Loader, Target};

/// What ldd said about one file.
#[derive(Debug, Default)]
struct LddReport {
    /// Canonical paths of the objects it lists (the interpreter included).
    found: BTreeSet<String>,
    /// Names reported `not found`.
    missing: BTreeSet<String>,
    /// `version X not found (required by Y)` as (version, canonical Y).
    versions: BTreeSet<(String, String)>,
    /// `not a dynamic executable`.
    not_dynamic: bool,
    /// `statically linked`.
    statically_linked: bool,
    /// `error while loading shared libraries: PATH: MESSAGE`, as `PATH: MESSAGE`.
    fatal: Option<String>,
    /// Lines not understood.
    other: Vec<String>,
}

fn roots_dir() -> PathBuf {
    match std::env::var_os("WHYRUN_ROOTS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
            .join(".cache/whyrun/roots"),
    }
}

/// Regular files (not symlinks) starting with the ELF magic, under `dirs` of `base`.
fn elf_files(base: &Path, dirs: &[&str]) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if ft.is_dir() {
                walk(base, &p, out);
            } else if ft.is_file() {
                let mut magic = [0u8; 4];
                let ok = std::fs::File::open(&p)
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                    .is_ok();
                if ok && &magic == b"\x7fELF" {
                    let inside = Path::new("/").join(p.strip_prefix(base).unwrap());
                    out.push(inside.to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(base, &base.join(d.trim_start_matches('/')), &mut out);
    }
    out.sort();
    out
}

/// Runs `ldd` over `files` in batches (two in parallel), inside `chroot` when given, and
/// returns each file's raw output. `lister` is the command that lists one file's
/// libraries (`ldd`, or musl's loader with `--list`); `env` is added to its environment.
fn run_ldd(
    chroot: Option<&Path>,
    files: &[String],
    lister: &str,
    env: &[(&str, &str)],
) -> BTreeMap<String, String> {
    if files.is_empty() {
        return BTreeMap::new();
    }
    let script =
        format!(r#"while IFS= read -r f; do printf '@@@ %s\n' "$f"; {lister} "$f" 2>&1; done"#);
    let script = script.as_str();
    let chunks: Vec<&[String]> = files.chunks(files.len().div_ceil(2).max(1)).collect();
    let outputs: Vec<String> = chunks
        .par_iter()
        .map(|chunk| {
            let mut cmd = match chroot {
                Some(root) => {
                    let mut c = Command::new("chroot");
                    c.arg(root).args(["/bin/sh", "-c", script]);
                    c
                }
                None => {
                    let mut c = Command::new("/bin/sh");
                    c.args(["-c", script]);
                    c
                }
            };
            cmd.env_remove("LD_LIBRARY_PATH").env_remove("LD_PRELOAD");
            for (k, v) in env {
                cmd.env(k, v);
            }
            cmd.env("LC_ALL", "C")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = cmd.spawn().expect("spawn ldd batch");
            let mut stdin = child.stdin.take().unwrap();
            let list = chunk.join("\n") + "\n";
            let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
            let out = child.wait_with_output().expect("ldd batch");
            writer.join().unwrap().unwrap();
            assert!(
                out.status.success(),
                "ldd batch failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    let mut map = BTreeMap::new();
    for out in outputs {
        let mut current: Option<String> = None;
        let mut buf = String::new();
        for line in out.lines() {
            if let Some(f) = line.strip_prefix("@@@ ") {
                if let Some(c) = current.take() {
                    map.insert(c, std::mem::take(&mut buf));
                }
                current = Some(f.to_string());
            } else {
                buf.push_str(line);
                buf.push('\n');
            }
        }
        if let Some(c) = current {
            map.insert(c, buf);
        }
    }
    map
}

fn parse_ldd(text: &str, view: &dyn FileView) -> LddReport {
    let canon = |p: &str| {
        view.canonicalize(Path::new(p))
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("{p} (unresolvable)"))
    };
    let mut r = LddReport::default();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("ldd: warning: you do not have execution permission") {
            continue;
        }
        if let Some((_, rest)) = t.split_once(": error while loading shared libraries: ") {
            r.fatal = Some(rest.to_string());
        } else if t == "not a dynamic executable" {
            r.not_dynamic = true;
        } else if t == "statically linked" {
            r.statically_linked = true;
        } else if let Some((name, rest)) = t.split_once(" => ") {
            if rest == "not found" {
                r.missing.insert(name.to_string());
            } else if let Some(path) = rest.rsplit_once(" (0x").map(|(p, _)| p) {
                r.found.insert(canon(path));
            } else {
                r.other.push(line.to_string());
            }
        } else if let Some((path, _)) = t.rsplit_once(" (0x") {
            if path.starts_with('/') {
                r.found.insert(canon(path));
            }
            // `linux-vdso.so.1 (0x…)`: the kernel's, not a file.
        } else if let Some(rest) = t.strip_prefix("Error loading shared library ") {
            // musl: `Error loading shared library NAME: REASON (needed by X)`.
            let name = rest.split(':').next().unwrap_or("").to_string();
            r.missing.insert(name);
        } else if let Some(i) = t.find(": version `") {
            let rest = &t[i + 11..];
            let version = rest.split('\'').next().unwrap_or("").to_string();
            let by = rest
                .split("(required by ")
                .nth(1)
                .map(|s| s.trim_end_matches(')'))
                .unwrap_or("");
            r.versions.insert((version, canon(by)));
        } else if t.contains("no version information available") {
            // A warning whyrun records too; not part of the comparison.
        } else {
            r.other.push(line.to_string());
        }
    }
    r
}

#[derive(Default, Debug)]
struct Tally {
    files: usize,
    agreed_dynamic: usize,
    agreed_static: usize,
    agreed_not_dynamic: usize,
    agreed_fatal: usize,
    agreed_foreign: usize,
    mismatches: Vec<String>,
}

/// Compares whyrun's resolution with ldd's for every file.
fn compare(target: Target, files: &[String], ldd: &BTreeMap<String, String>) -> Tally {
    let loader = Loader::new(target);
    let results: Vec<(String, Result<String, String>)> = files
        .par_iter()
        .map(|f| {
            let view = loader.target().view();
            let Some(text) = ldd.get(f) else {
                return (f.clone(), Err("ldd printed nothing for it".into()));
            };
            let real = parse_ldd(text, view);
            let ours = loader.resolve(Path::new(f));
            (f.clone(), judge(&real, ours, text))
        })
        .collect();
    let mut t = Tally {
        files: files.len(),
        ..Tally::default()
    };
    for (f, r) in results {
        match r {
            Ok(kind) if kind == "dynamic" => t.agreed_dynamic += 1,
            Ok(kind) if kind == "static" => t.agreed_static += 1,
            Ok(kind) if kind == "fatal" => t.agreed_fatal += 1,
            Ok(kind) if kind.starts_with("foreign") => t.agreed_foreign += 1,
            Ok(_) => t.agreed_not_dynamic += 1,
            Err(why) => t.mismatches.push(format!("{f}: {why}")),
        }
    }
    t
}

/// `Ok(kind)` when whyrun and ldd agree, `Err(difference)` otherwise.
fn judge(
    real: &LddReport,
    ours: Result<whyrun_target::LoadTree, LoadError>,
    raw: &str,
) -> Result<String, String> {
    if !real.other.is_empty() {
        return Err(format!("ldd output not understood: {:?}", real.other));
    }
    let tree = match ours {
        Ok(t) => t,
        Err(e) if real.not_dynamic => return Ok(format!("not-dynamic ({e})")),
        Err(e) => return Err(format!("whyrun failed ({e}) but ldd traced it:\n{raw}")),
    };
    if real.fatal.is_some() || tree.fatal.is_some() {
        return if real.fatal == tree.fatal {
            Ok("fatal".into())
        } else {
            Err(format!(
                "load error: ldd {:?}, whyrun {:?}\n--- ldd said:\n{raw}",
                real.fatal, tree.fatal
            ))
        };
    }
    let main = &tree.objects[0];
    if real.not_dynamic && main.kind != NATIVE {
        // The target's loader refuses a file of another machine: whyrun reads it as one.
        return Ok(format!("foreign ({})", main.kind));
    }
    let is_static = tree.interpreter.is_none() && main.needs.is_empty();
    if real.statically_linked || real.not_dynamic {
        // The loader refuses to trace it: static binaries (and the loader itself), or a
        // file it cannot run; whyrun must see no dependencies.
        return if is_static {
            Ok("static".into())
        } else {
            Err(format!(
                "ldd says {} but whyrun resolved {} objects",
                if real.statically_linked {
                    "statically linked"
                } else {
                    "not a dynamic executable"
                },
                tree.objects.len() - 1
            ))
        };
    }
    // ldd lists the interpreter only when some object names it in DT_NEEDED (rtld
    // unlinks its own map from the list otherwise).
    let referenced: BTreeSet<usize> = tree
        .objects
        .iter()
        .flat_map(|o| &o.needs)
        .filter_map(|n| match n.result {
            NeedResult::Loaded { object, .. } | NeedResult::Reused { object, .. } => Some(object),
            _ => None,
        })
        .collect();
    let ours_found: BTreeSet<String> = tree
        .objects
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, o)| !o.interpreter || referenced.contains(i))
        .map(|(_, o)| o.canonical.clone())
        .collect();
    let ours_missing: BTreeSet<String> = tree.missing.iter().cloned().collect();
    let ours_versions: BTreeSet<(String, String)> = tree
        .missing_versions
        .iter()
        .filter(|m| !m.weak)
        .map(|m| {
            (
                m.version.clone(),
                tree.objects[m.required_by].canonical.clone(),
            )
        })
        .collect();
    let mut diffs = Vec::new();
    for p in real.found.difference(&ours_found) {
        diffs.push(format!("ldd loads {p}, whyrun does not"));
    }
    for p in ours_found.difference(&real.found) {
        diffs.push(format!("whyrun loads {p}, ldd does not"));
    }
    if real.missing != ours_missing {
        diffs.push(format!(
            "missing: ldd {:?}, whyrun {:?}",
            real.missing, ours_missing
        ));
    }
    if real.versions != ours_versions {
        diffs.push(format!(
            "missing versions: ldd {:?}, whyrun {:?}",
            real.versions, ours_versions
        ));
    }
    if diffs.is_empty() {
        Ok("dynamic".into())
    } else {
        Err(format!("{}\n--- ldd said:\n{raw}", diffs.join("\n")))
    }
}

fn report(label: &str, t: &Tally, secs_ldd: f64, secs_whyrun: f64) {
    eprintln!(
        "{label}: {} ELF files; agreed {} (dynamic {}, static {}, not dynamic {}, load error {}, foreign machine {}); {} disagree; ldd {secs_ldd:.1}s, whyrun {secs_whyrun:.2}s",
        t.files,
        t.agreed_dynamic + t.agreed_static + t.agreed_not_dynamic + t.agreed_fatal + t.agreed_foreign,
        t.agreed_dynamic,
        t.agreed_static,
        t.agreed_not_dynamic,
        t.agreed_fatal,
        t.agreed_foreign,
        t.mismatches.len()
    );
    for m in &t.mismatches {
        eprintln!("MISMATCH {m}");
    }
}

#[test]
fn debian_bookworm_root_matches_chroot_ldd() {
    let root = roots_dir().join("bookworm");
    assert!(
        root.join(".whyrun-stamp").is_file(),
        "the Debian root {} is missing: build it with `bash fixtures/roots/build.sh` (as root; \
         scripts/test.sh does it)",
        root.display()
    );
    assert!(
        unsafe_is_root(),
        "comparing with `chroot ROOT ldd` needs root (chroot(2)); run the tests as root"
    );
    let files = elf_files(&root, &["/usr/bin", "/usr/sbin", "/usr/lib"]);
    assert!(
        files.len() > 300,
        "only {} ELF files in {}",
        files.len(),
        root.display()
    );
    let t0 = Instant::now();
    let ldd = run_ldd(Some(&root), &files, "ldd", &[]);
    let secs_ldd = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let tally = compare(Target::root(&root).unwrap(), &files, &ldd);
    let secs = t1.elapsed().as_secs_f64();
    report("bookworm root", &tally, secs_ldd, secs);
    assert!(
        tally.mismatches.is_empty(),
        "{} of {} files disagree with chroot ldd (see MISMATCH lines)",
        tally.mismatches.len(),
        tally.files
    );
    assert!(tally.agreed_dynamic > 300);
}

#[test]
fn host_usr_bin_matches_ldd() {
    let files = elf_files(Path::new("/"), &["/usr/bin"]);
    assert!(!files.is_empty());
    let t0 = Instant::now();
    let ldd = run_ldd(None, &files, "ldd", &[]);
    let secs_ldd = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut target = Target::host();
    target.ld_library_path = None;
    let tally = compare(target, &files, &ldd);
    let secs = t1.elapsed().as_secs_f64();
    report("host /usr/bin", &tally, secs_ldd, secs);
    assert!(
        tally.mismatches.is_empty(),
        "{} of {} files disagree with ldd (see MISMATCH lines)",
        tally.mismatches.len(),
        tally.files
    );
}

/// Whether this process runs as root (chroot needs it).
fn unsafe_is_root() -> bool {
    // /proc/self/status names the effective uid; no libc binding needed.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn scenarios_root() -> PathBuf {
    let root = roots_dir().join("bookworm-scenarios");
    assert!(
        root.join(".whyrun-stamp").is_file(),
        "the scenarios root {} is missing: build it with `bash fixtures/roots/build.sh` (as \
         root; scripts/test.sh does it)",
        root.display()
    );
    assert!(unsafe_is_root(), "chroot needs root; run the tests as root");
    root
}

/// The scenario programs (fixtures/roots/scenarios.sh): each search rule against the
/// real glibc and musl loaders inside the root.
#[test]
fn scenarios_match_the_real_loaders() {
    let root = scenarios_root();
    let files = elf_files(&root, &["/opt/sc", "/usr/local/lib"]);
    let is_musl = |f: &String| {
        std::fs::read(root.join(f.trim_start_matches('/')))
            .map(|b| b.windows(13).any(|w| w == b"/lib/ld-musl-"))
            .unwrap_or(false)
    };
    let (musl, glibc): (Vec<String>, Vec<String>) = files.iter().cloned().partition(is_musl);
    assert!(!musl.is_empty() && glibc.len() > 20, "{musl:?} {glibc:?}");
    let t0 = Instant::now();
    let mut ldd = run_ldd(Some(&root), &glibc, "ldd", &[]);
    ldd.extend(run_ldd(
        Some(&root),
        &musl,
        "/lib/ld-musl-x86_64.so.1 --list",
        &[],
    ));
    let secs_ldd = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let tally = compare(Target::root(&root).unwrap(), &files, &ldd);
    report("scenarios", &tally, secs_ldd, t1.elapsed().as_secs_f64());
    assert!(
        tally.mismatches.is_empty(),
        "{} disagree",
        tally.mismatches.len()
    );
    assert!(
        tally.agreed_fatal >= 2,
        "the two bad-ELF scenarios must fail to load"
    );
}

/// LD_LIBRARY_PATH given to both: libsc_b.so, missing for app-runpath without it, is found.
#[test]
fn scenarios_with_ld_library_path_match_ldd() {
    let root = scenarios_root();
    let llp = "/opt/sc/nonexistent:/opt/sc/origin/lib";
    let files: Vec<String> = ["/opt/sc/origin/bin/app-runpath", "/opt/sc/bin/app-dangling"]
        .map(String::from)
        .to_vec();
    let ldd = run_ldd(Some(&root), &files, "ldd", &[("LD_LIBRARY_PATH", llp)]);
    let mut target = Target::root(&root).unwrap();
    target.ld_library_path = Some(llp.to_string());
    let tally = compare(target.clone(), &files, &ldd);
    report("scenarios with LD_LIBRARY_PATH", &tally, 0.0, 0.0);
    assert!(tally.mismatches.is_empty());
    let tree = Loader::new(target)
        .resolve(Path::new("/opt/sc/origin/bin/app-runpath"))
        .unwrap();
    assert!(tree.missing.is_empty(), "{:?}", tree.missing);
}

/// The explanations, not only the paths: each scenario is found by the step it exists for.
#[test]
fn scenarios_are_explained_by_the_right_step() {
    use whyrun_target::loader::{NeedResult, Step};
    let root = scenarios_root();
    let loader = Loader::new(Target::root(&root).unwrap());
    let step_of = |file: &str, lib: &str| -> String {
        let t = loader.resolve(Path::new(file)).unwrap();
        for o in &t.objects {
            for n in &o.needs {
                if n.name == lib {
                    return match &n.result {
                        NeedResult::Loaded {
                            step,
                            hwcaps,
                            skipped,
                            ..
                        } => format!(
                            "{}{}{}",
                            step.label(),
                            hwcaps.as_ref().map(|h| format!(" {h}")).unwrap_or_default(),
                            if skipped.is_empty() {
                                ""
                            } else {
                                " after skipping"
                            }
                        ),
                        NeedResult::NotFound { .. } => "not found".into(),
                        NeedResult::Failed { message, .. } => format!("failed: {message}"),
                        NeedResult::Reused { matched, .. } => format!("reused by {matched}"),
                        _ => "other".into(),
                    };
                }
            }
        }
        panic!("{file} does not need {lib}")
    };
    assert_eq!(
        step_of("/opt/sc/origin/bin/app-rpath", "libsc_b.so"),
        "rpath"
    );
    assert_eq!(
        step_of("/opt/sc/origin/bin/app-runpath", "libsc_a.so"),
        "runpath"
    );
    assert_eq!(
        step_of("/opt/sc/origin/bin/app-runpath", "libsc_b.so"),
        "not found"
    );
    // The same `$ORIGIN/../lib`, searched from another directory by the same loader.
    for app in ["app-rpath", "app-runpath"] {
        assert_eq!(
            step_of(&format!("/opt/sc/elsewhere/bin/{app}"), "libsc_a.so"),
            "not found",
            "{app}"
        );
    }
    assert_eq!(
        step_of("/opt/sc/bin/app-skip", "libm.so.6"),
        "ld.so.cache after skipping"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-badelf", "libz.so.1"),
        "failed: invalid ELF header"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-mixed", "libz.so.1"),
        "failed: file too short"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-cache", "libsc_c.so"),
        "ld.so.cache"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-nodeflib", "libsc_c.so"),
        "ld.so.cache"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-nodeflib", "libc.so.6"),
        "not found"
    );
    assert_eq!(step_of("/opt/sc/bin/app-dst", "libsc_l.so"), "rpath");
    assert_eq!(
        step_of("/opt/sc/bin/app-abs", "/opt/sc/abs/libsc_abs.so"),
        "path"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-links", "libz.so.1"),
        "reused by soname"
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-loop", "libsc_loop.so"),
        "not found"
    );
    assert_eq!(
        step_of("/opt/sc/musl/bin/app-musl", "libsc_m.so"),
        "runpath"
    );
    assert_eq!(
        step_of("/opt/sc/musl/bin/app-musl", "libc.so"),
        "reused by libc itself"
    );
    let cpu = whyrun_target::Cpu::detect();
    let hw = cpu.glibc_hwcaps("x86_64");
    let expect = |sub: &str, step: &str| {
        if hw.contains(&sub) {
            format!("{step} {sub}")
        } else {
            step.to_string()
        }
    };
    assert_eq!(
        step_of("/opt/sc/bin/app-hwcache", "libsc_h.so.1"),
        expect("x86-64-v2", "ld.so.cache")
    );
    assert_eq!(
        step_of("/opt/sc/bin/app-hwrpath", "libsc_h.so.1"),
        expect("x86-64-v3", "rpath")
    );
    let t = loader
        .resolve(Path::new("/opt/sc/bin/app-version"))
        .unwrap();
    assert_eq!(t.missing_versions.len(), 1);
    assert_eq!(t.missing_versions[0].version, "VERS_2");
    assert_eq!(t.missing_versions[0].symbols, ["sc_v2"]);
    let _ = Step::LdSoCache;
}
