//! LIB003: a `GLIBC_x.y` symbol version the binary (or one of its libraries) requires and
//! the target's glibc does not define.

use std::cmp::Ordering;

use crate::context::CheckContext;
use crate::distro;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::libs::{self, MissingGroup};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A symbol version of glibc (`GLIBC_2.34`, `GLIBC_2.38`, …) that the binary or one of
    /// its libraries requires (`DT_VERNEED`) and that the target's `libc.so.6` (or
    /// `libm.so.6`, `libpthread.so.0`, …) does not define: the binary was linked against a
    /// newer glibc than the target has. Names the version, the symbols bound to it, and the
    /// target's glibc. The same check for any other versioned library (`OPENSSL_3.2.0`
    /// from `libssl.so.3`, `ZLIB_1.2.13` from `libz.so.1`, a vendor's own versions); GCC's
    /// C++ runtime versions are LIB004's.
    ///
    /// ## Why it breaks
    /// Before running anything, glibc's loader checks that every version required from a
    /// library is defined by it, and stops at the first one missing. A program linked on
    /// glibc 2.34 or later needs `GLIBC_2.34` just for `__libc_start_main`, so even a
    /// hello world built on Debian 12 fails on Debian 11.
    ///
    /// ## Example
    /// ```text
    /// LIB003 blocks start  /usr/local/bin/hello needs GLIBC_2.34 (__libc_start_main); debian-11 has glibc 2.31
    ///   · needs GLIBC_2.34 for __libc_start_main  [/usr/local/bin/hello]
    ///   · glibc 2.31 defines versions up to GLIBC_2.31  [/lib/x86_64-linux-gnu/libc.so.6]
    ///   · debian-11 is a profile: its libraries are matched by SONAME against its package list, without a file system to search  [debian-11]
    ///   · the loader stops with "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /usr/local/bin/hello)"  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Build against glibc 2.31 or older (in debian:11 itself); or run it on debian:12 (glibc 2.36)
    ///       FROM debian:11 AS build
    ///       FROM debian:12
    /// ```
    /// For a profile target the library's versions come from the profile's package list,
    /// and the evidence says so. Weak version requirements are left out: glibc only warns.
    ///
    /// ## Fix
    /// Build on (or for) the oldest glibc you deploy to: in a container of that release
    /// (`debian:11` for glibc 2.31); for Go with cgo, in `golang:1.N-bullseye` for Debian
    /// 11, or with `CGO_ENABLED=0` when cgo was only there for libc (no libc at all then).
    /// Or run on a base image whose glibc is at least the version required (`debian:12`
    /// has 2.36, `ubuntu:22.04` 2.35, `ubi9` 2.34). A library in the image built for a
    /// newer glibc must be rebuilt for the target's.
    ///
    /// ## References
    /// - glibc `elf/dl-version.c` (`_dl_check_map_versions`: "version `%s' not found").
    /// - FACTS.md, glibc versions per distribution (from the distributions' archives).
    pub struct SymbolVersionMissing {
        code: "LIB003",
        name: "symbol-version-missing",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::SymbolVersions,
        summary: "A library in the target (glibc, or another) lacks a symbol version the binary requires",
    }
}

impl SymbolVersionMissing {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        // No loader runs without the interpreter; musl has no symbol versioning (LIBC002).
        if ctx.libraries.interpreter_found == Some(false) || distro::is_musl(ctx.target) {
            return Vec::new();
        }
        libs::missing_versions(ctx, |v| !libs::is_cxx_version(v))
            .iter()
            .map(|g| {
                if g.versions.iter().all(|v| v.version.starts_with("GLIBC_")) {
                    finding(ctx, g)
                } else {
                    other_library(ctx, g)
                }
            })
            .collect()
    }
}

fn finding(ctx: &CheckContext<'_>, g: &MissingGroup<'_>) -> Finding {
    let target = ctx.target;
    let glibc = target
        .libc
        .as_ref()
        .filter(|_| distro::is_glibc(target))
        .map(|l| l.version.clone());
    let has = match &glibc {
        Some(v) => format!("{} has glibc {v}", target.name),
        None => format!("{}'s {} lacks it", target.name, g.library.name),
    };
    let mut f = SymbolVersionMissing::META.finding(format!(
        "{} needs {}; {has}",
        g.required_by,
        g.describe()
    ));
    f = g.version_evidence(f);
    let lib_at = g.found_at();
    if let Some(v) = &glibc {
        f = f.evidence(
            format!("glibc {v} defines versions up to GLIBC_{v}"),
            lib_at.clone(),
        );
    }
    if let Some(note) = libs::index_note(ctx) {
        f = f.evidence(note, target.name.clone());
    }
    f = g.loader_message(ctx, f);
    fix(ctx, g, glibc.as_deref(), f)
}

/// A version of a library other than glibc (`OPENSSL_3.2.0`, `ZLIB_1.2.13`): the target's
/// copy is older than the one the binary was linked against.
fn other_library(ctx: &CheckContext<'_>, g: &MissingGroup<'_>) -> Finding {
    let name = &g.library.name;
    let at = g.library.found().unwrap_or(name).to_string();
    let mut f = SymbolVersionMissing::META.finding(format!(
        "{} needs {}; the {name} in {} does not define it",
        g.required_by,
        g.describe(),
        ctx.target.name
    ));
    for v in &g.versions {
        let what = match v.symbols.is_empty() {
            true => format!("needs {} from {name}", v.version),
            false => format!("needs {} for {}", v.version, libs::symbols(&v.symbols)),
        };
        f = f.evidence(what, g.required_by);
    }
    f = f.evidence(
        "found here, without that version: an older build",
        at.clone(),
    );
    if let Some(note) = libs::index_note(ctx) {
        f = f.evidence(note, ctx.target.name.clone());
    }
    let loader = libs::loader(ctx);
    f = f.evidence(
        format!(
            "the loader stops with \"{at}: version `{}' not found (required by {})\"",
            g.versions[0].version, g.required_by
        ),
        loader,
    );
    let summary = format!(
        "Install a build of {name} that defines {} (a newer release of its package), or build against the one the target has",
        g.highest().version
    );
    let package = distro::packaging(ctx.target).and_then(|p| distro::package_for(name, p));
    let commands = package
        .and_then(|p| distro::install_package(ctx.target, p))
        .into_iter()
        .collect();
    f.fix(summary, commands)
}

fn fix(ctx: &CheckContext<'_>, g: &MissingGroup<'_>, glibc: Option<&str>, f: Finding) -> Finding {
    let facts = ctx.facts();
    let machine = &facts.elf.machine.name;
    let needed = distro::glibc_release(&g.highest().version).map(str::to_string);
    let mut summary: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut change = None;

    let by_binary = libs::is_binary(ctx, g.required_by);
    let build = glibc.and_then(|v| distro::debian_build_base(v, machine));
    if !by_binary {
        summary.push(format!(
            "{} was built for a newer glibc: use a build of it made for glibc {}",
            g.required_by,
            glibc.unwrap_or("of the target")
        ));
    } else if facts.go.is_some() {
        let c = fixes::GoChange::of(&[("CGO_ENABLED", "0")], &[], &["-buildmode"]);
        if let Some(cmd) = fixes::go_rebuild(facts, &c) {
            change = Some(c);
            summary.push("rebuild without cgo, if cgo was only there for libc (the binary then needs no glibc at all)".into());
            commands.push(cmd);
        }
        if let (Some(b), Some(minor)) = (&build, distro::go_minor(facts)) {
            summary.push(format!("keep cgo and build in golang:{minor}-{}, whose glibc {} is not newer than the target's", b.codename, b.glibc));
            commands.push(format!("FROM golang:{minor}-{} AS build", b.codename));
        }
    } else {
        // The target's own image builds for exactly its glibc; else a Debian release.
        let own = distro::profile_image(ctx.target).filter(|i| !i.contains("distroless"));
        match (own, &build, glibc) {
            (Some(own), _, Some(v)) => {
                summary.push(format!(
                    "build against glibc {v} or older (in {own} itself)"
                ));
                commands.push(format!("FROM {own} AS build"));
            }
            (None, Some(b), Some(v)) => {
                summary.push(format!(
                    "build against glibc {v} or older (in {}, glibc {})",
                    b.image, b.glibc
                ));
                commands.push(format!("FROM {} AS build", b.image));
            }
            _ => summary.push("build against the target's glibc, or an older one".into()),
        }
    }
    if let Some(needed) = &needed {
        let fits = |m: &whyrun_target::model::TargetModel| {
            m.libc.as_ref().is_some_and(|l| {
                distro::compare_dotted(&l.version, needed) != Ordering::Less && distro::is_glibc(m)
            })
        };
        if let Some(img) = distro::nearest_base_image(ctx.target, machine, fits) {
            summary.push(format!(
                "run it on {} (glibc {})",
                img.image, img.libc_version
            ));
            commands.push(format!("FROM {}", img.image));
        }
    }
    f.fix(libs::alternatives(&summary), commands)
        .rebuild_if(change)
}

#[cfg(test)]
mod tests {
    use crate::context::MissingVersion;
    use crate::testing::*;

    fn libc_missing(versions: &[(&str, &[&str])]) -> crate::LibraryResolution {
        let mut lib = found_lib("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");
        lib.missing_versions = versions
            .iter()
            .map(|(v, syms)| MissingVersion {
                weak: false,
                version: v.to_string(),
                required_by: "/app".into(),
                symbols: syms.iter().map(|s| s.to_string()).collect(),
            })
            .collect();
        loader_resolution(vec![lib])
    }

    #[test]
    fn names_the_version_the_symbols_and_the_target_glibc() {
        let facts = fixture("c-glibc-dynamic");
        let libs = libc_missing(&[("GLIBC_2.34", &["__libc_start_main"])]);
        let findings = run(&facts, &debian11(), &libs);
        let f = findings
            .iter()
            .find(|f| f.code == "LIB003")
            .expect("LIB003");
        assert_eq!(
            f.message,
            "/app needs GLIBC_2.34 (__libc_start_main); debian-11 has glibc 2.31"
        );
        assert!(f.evidence.iter().any(|e| e
            .what
            .contains("version `GLIBC_2.34' not found (required by /app)")));
        let fix = f.fix.as_ref().unwrap();
        assert!(fix.summary.contains("debian:11"), "{}", fix.summary);
        assert!(
            fix.commands.contains(&"FROM debian:12".to_string()),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn go_binaries_get_the_cgo_free_build_and_the_golang_image() {
        let facts = fixture("go124-hello");
        let libs = libc_missing(&[
            ("GLIBC_2.34", &["pthread_create"]),
            ("GLIBC_2.32", &["pthread_sigmask"]),
        ]);
        let f = run(&facts, &debian11(), &libs)
            .into_iter()
            .find(|f| f.code == "LIB003")
            .unwrap();
        assert!(
            f.message
                .contains("GLIBC_2.34 (pthread_create), GLIBC_2.32 (pthread_sigmask)"),
            "{}",
            f.message
        );
        let fix = f.fix.unwrap();
        assert!(
            fix.commands.iter().any(|c| c.starts_with("CGO_ENABLED=0")),
            "{:?}",
            fix.commands
        );
        assert!(
            fix.commands
                .iter()
                .any(|c| c == "FROM golang:1.24-bullseye AS build"),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn silent_when_versions_are_defined_or_on_musl() {
        let facts = fixture("c-glibc-dynamic");
        assert!(!codes(&facts, &debian12(), &libc_missing(&[])).contains(&"LIB003"));
        let libs = libc_missing(&[("GLIBC_2.34", &["__libc_start_main"])]);
        assert!(!codes(&facts, &alpine(), &libs).contains(&"LIB003"));
        // A C++ version is LIB004's.
        let libs = libc_missing(&[("GLIBCXX_3.4.30", &["_ZSt4cout"])]);
        assert!(!codes(&facts, &debian11(), &libs).contains(&"LIB003"));
    }

    #[test]
    fn other_libraries_versions_too() {
        let facts = fixture("c-glibc-dynamic");
        let mut lib = found_lib("libsc_v.so.1", "/opt/sc/ver/libsc_v.so.1");
        lib.missing_versions = vec![MissingVersion {
            weak: false,
            version: "VERS_2".into(),
            required_by: "/app".into(),
            symbols: vec!["sc_v2".into()],
        }];
        let f = run(&facts, &debian12(), &loader_resolution(vec![lib]))
            .into_iter()
            .find(|f| f.code == "LIB003")
            .expect("LIB003");
        assert_eq!(
            f.message,
            "/app needs VERS_2 (sc_v2); the libsc_v.so.1 in debian-12 does not define it"
        );
        assert!(f.evidence.iter().any(|e| e
            .what
            .contains("/opt/sc/ver/libsc_v.so.1: version `VERS_2' not found")));
    }
}
