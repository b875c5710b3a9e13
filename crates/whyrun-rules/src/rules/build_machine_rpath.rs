//! LIB005: a DT_RPATH/DT_RUNPATH entry of the binary that points at the build machine, or
//! an `$ORIGIN`-relative directory that is not shipped beside the binary.

use whyrun_target::loader::Step;

use crate::context::{CheckContext, FoundBy};
use crate::finding::{Finding, Severity};
use crate::libs;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// An entry of the binary's `DT_RUNPATH` (or `DT_RPATH`) that points at the machine it
    /// was built on: an absolute path under a home directory, `/tmp`, a CI workspace
    /// (`/home/runner/work`, `/builds`, `/__w`, `/github/workspace`, `/var/lib/jenkins`) or a
    /// build tree, which nothing in the target provides. Also an entry (such as
    /// `$ORIGIN/../lib`) where the loader looked for a library that is missing: the
    /// directory the binary expects to ship with was not copied along.
    ///
    /// ## Why it breaks
    /// The loader searches these directories first. A build-machine path usually exists
    /// only where the binary was linked, so the program runs there and fails elsewhere with
    /// `cannot open shared object file` when the library is not also in a system directory.
    /// Where another copy is found (a system package), it may be a different build than the
    /// one the binary was tested with.
    ///
    /// ## Example
    /// ```text
    /// LIB005 risk  DT_RUNPATH entry $ORIGIN/lib expects libhello.so in /usr/local/bin/lib/, which the target lacks
    ///   · DT_RUNPATH is $ORIGIN/lib  [/usr/local/bin/hello]
    ///   · libhello.so was looked for here and not found  [/usr/local/bin/lib/]
    ///   fix Ship the libraries with the binary: copy libhello.so into /usr/local/bin/lib/
    ///       COPY libhello.so /usr/local/bin/lib/
    /// ```
    /// When the missing library blocks the start, LIB001 reports that; this rule stays a
    /// risk and explains where the binary expected the library. On a profile target the
    /// directories are not searched (libraries resolve by SONAME only); the evidence says so.
    ///
    /// ## Fix
    /// Link with a run path relative to the binary (`-Wl,-rpath,'$ORIGIN/../lib'`; in CMake
    /// set `CMAKE_INSTALL_RPATH` and install, rather than shipping the build-tree binary) or
    /// without one, or rewrite it after the build (`patchelf --set-rpath '$ORIGIN/../lib'
    /// app`, `patchelf --remove-rpath app`). For an `$ORIGIN` entry, copy the libraries into
    /// that directory next to the binary.
    ///
    /// ## References
    /// - ld.so(8): `DT_RPATH`, `DT_RUNPATH`, `$ORIGIN`; ld(1) `-rpath`, `--enable-new-dtags`.
    /// - patchelf(1); CMake's RPATH handling (`CMAKE_BUILD_WITH_INSTALL_RPATH`).
    pub struct BuildMachineRpath {
        code: "LIB005",
        name: "build-machine-rpath",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Risk,
        stage: Stage::Libraries,
        summary: "RPATH/RUNPATH points at the build machine or at a directory not shipped with the binary",
    }
}

/// Directories that exist only on a build machine or in a CI workspace.
const BUILD_PREFIXES: &[&str] = &[
    "/home/",
    "/tmp/",
    "/build/",
    "/builds/",
    "/__w/",
    "/github/workspace",
    "/var/lib/jenkins/",
    "/workspace/",
    "/root/",
    "/Users/",
    "/opt/hostedtoolcache/",
    "/buildbot/",
    "/usr/src/",
    "/src/",
    "/var/tmp/",
    "/drone/src",
];

/// Directories every system searches anyway: an entry naming one is harmless.
const SYSTEM_DIRS: &[&str] = &["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib"];

impl BuildMachineRpath {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let elf = &ctx.facts().elf;
        let (tag, list) = match (&elf.runpath, &elf.rpath) {
            (Some(r), _) => ("DT_RUNPATH", r),
            (None, Some(r)) => ("DT_RPATH", r),
            _ => return Vec::new(),
        };
        // Without the interpreter the loader never searches: LIBC001 is the cause.
        if ctx.libraries.interpreter_found == Some(false) {
            return Vec::new();
        }
        let origin = libs::dir_of(&ctx.binary.path_in_target).to_string();
        let mut out = Vec::new();
        for entry in list.split(':').filter(|e| !e.is_empty()) {
            if let Some(f) = check_entry(ctx, tag, list, entry, &origin) {
                out.push(f);
            }
        }
        out
    }
}

fn expand(entry: &str, origin: &str) -> Option<String> {
    if entry.contains("$LIB")
        || entry.contains("${LIB}")
        || entry.contains("$PLATFORM")
        || entry.contains("${PLATFORM}")
    {
        return None;
    }
    Some(libs::normalize(
        &entry
            .replace("${ORIGIN}", origin)
            .replace("$ORIGIN", origin),
    ))
}

fn is_build_path(entry: &str) -> bool {
    BUILD_PREFIXES
        .iter()
        .any(|p| entry.starts_with(p) || entry == p.trim_end_matches('/'))
}

fn check_entry(
    ctx: &CheckContext<'_>,
    tag: &str,
    list: &str,
    entry: &str,
    origin: &str,
) -> Option<Finding> {
    let relative = entry.contains("$ORIGIN") || entry.contains("${ORIGIN}");
    let dir = expand(entry, origin)?;
    if SYSTEM_DIRS
        .iter()
        .any(|s| dir == *s || dir.starts_with(&format!("{s}/")))
        && !relative
    {
        return None;
    }
    let build = !relative && is_build_path(entry);
    let loader = ctx.libraries.method == crate::context::Method::Loader;

    // Libraries found in that directory, and libraries looked for there and not found.
    let found_here: Vec<&str> = ctx
        .libraries
        .libraries
        .iter()
        .filter(|l| match l.found_by() {
            Some(FoundBy::Loader {
                step: Step::Runpath { .. } | Step::Rpath { .. },
                dir: d,
                ..
            }) => libs::normalize(d) == dir,
            _ => false,
        })
        .map(|l| l.name.as_str())
        .collect();
    let missing_here: Vec<&str> = ctx
        .libraries
        .libraries
        .iter()
        .filter(|l| {
            l.tried().iter().any(|t| {
                matches!(t.step, Step::Rpath { .. } | Step::Runpath { .. })
                    && libs::normalize(&t.place) == dir
            })
        })
        .map(|l| l.name.as_str())
        .collect();

    let binary = ctx.binary.path_in_target.clone();
    let declared = format!("{tag} is {list}");
    let fix_line = || {
        let file = binary.rsplit('/').next().unwrap_or("app").to_string();
        vec![
            "cc … -Wl,-rpath,'$ORIGIN/../lib'".to_string(),
            format!("patchelf --set-rpath '$ORIGIN/../lib' {file}"),
            format!("patchelf --remove-rpath {file}"),
        ]
    };

    if build {
        let mut f = BuildMachineRpath::META
            .finding(format!("{tag} entry {entry} points at the build machine"));
        f = f.evidence(declared, binary.clone());
        if !found_here.is_empty() {
            // It resolves here: the binary runs where its build tree is, and only there.
            f = f.severity(Severity::Info).evidence(
                format!(
                    "{} found only through it: it runs where this build tree exists",
                    found_here.join(", ")
                ),
                format!("{dir}/"),
            );
        } else if !missing_here.is_empty() {
            f = f.evidence(
                format!(
                    "{} was looked for here and not found",
                    missing_here.join(", ")
                ),
                format!("{dir}/"),
            );
        } else if loader {
            f = f.evidence("no needed library comes from it", format!("{dir}/"));
        }
        if let Some(note) = libs::index_note(ctx) {
            f = f.evidence(
                format!("{note}; run paths are not searched"),
                ctx.target.name.clone(),
            );
        }
        return Some(f.fix(
            "Relink with a run path relative to the binary, or none, or rewrite the one it has",
            fix_line(),
        ));
    }

    // An $ORIGIN entry (or another non-system directory) that lacks a needed library.
    if !loader || missing_here.is_empty() || !found_here.is_empty() {
        return None;
    }
    let f = BuildMachineRpath::META
        .finding(format!(
            "{tag} entry {entry} expects {} in {dir}/, which the target lacks",
            missing_here.join(", ")
        ))
        .evidence(declared, binary)
        .evidence(
            format!(
                "{} was looked for here and not found",
                missing_here.join(", ")
            ),
            format!("{dir}/"),
        );
    let copies: Vec<String> = missing_here
        .iter()
        .map(|n| format!("COPY {n} {dir}/"))
        .collect();
    Some(f.fix(
        if relative {
            format!(
                "Ship the libraries with the binary: copy {} into {dir}/",
                missing_here.join(", ")
            )
        } else {
            format!(
                "Install {} into {dir}/, or relink with a run path the target has",
                missing_here.join(", ")
            )
        },
        copies,
    ))
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testing::*;

    #[test]
    fn fires_for_a_ci_workspace_path() {
        let mut facts = fixture("c-runpath");
        facts.elf.runpath = Some("/home/runner/work/app/build/lib:$ORIGIN/lib".into());
        let libs = loader_resolution(vec![missing_lib(
            "libhello.so",
            // The binary is /app, so $ORIGIN/lib is /lib.
            &[
                "/home/runner/work/app/build/lib/ (runpath)",
                "/lib/ (runpath)",
                "/etc/ld.so.cache (ld.so.cache)",
            ],
        )]);
        let findings = run(&facts, &debian12(), &libs);
        let lib005: Vec<_> = findings.iter().filter(|f| f.code == "LIB005").collect();
        assert_eq!(lib005.len(), 2, "{lib005:#?}");
        assert_eq!(
            lib005[0].message,
            "DT_RUNPATH entry /home/runner/work/app/build/lib points at the build machine"
        );
        assert_eq!(lib005[0].severity, Severity::Risk);
        assert_eq!(
            lib005[1].message,
            "DT_RUNPATH entry $ORIGIN/lib expects libhello.so in /lib/, which the target lacks"
        );
        // LIB001 carries the block.
        assert!(findings
            .iter()
            .any(|f| f.code == "LIB001" && f.severity == Severity::BlocksStart));
    }

    #[test]
    fn info_when_it_resolves_through_the_build_tree() {
        let mut facts = fixture("c-runpath");
        facts.elf.runpath = Some("/home/me/proj/build".into());
        let lib = found_by_runpath(
            "libhello.so",
            "/home/me/proj/build/libhello.so",
            "/home/me/proj/build/",
        );
        let f = run(&facts, &debian12(), &loader_resolution(vec![lib]))
            .into_iter()
            .find(|f| f.code == "LIB005")
            .unwrap();
        assert_eq!(f.severity, Severity::Info);
    }

    #[test]
    fn silent_when_origin_libraries_are_shipped() {
        // c-runpath's DT_RUNPATH is $ORIGIN/lib, and lib/libhello.so is beside it.
        let facts = fixture("c-runpath");
        let lib = found_by_runpath("libhello.so", "/lib/libhello.so", "/lib/");
        assert!(!codes(&facts, &debian12(), &loader_resolution(vec![lib])).contains(&"LIB005"));
        // A binary without a run path.
        let facts = fixture("c-glibc-dynamic");
        assert!(!codes(&facts, &debian12(), &loader_resolution(vec![])).contains(&"LIB005"));
    }
}
