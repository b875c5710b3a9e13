//! LIB004: a `GLIBCXX_*`, `CXXABI_*` or `GCC_*` symbol version the binary requires and the
//! target's libstdc++ or libgcc_s does not define.

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
    /// A symbol version of GCC's C++ runtime (`GLIBCXX_3.4.30`, `CXXABI_1.3.13` from
    /// `libstdc++.so.6`) or of its support library (`GCC_12.0.0` from `libgcc_s.so.1`) that
    /// the binary or one of its libraries requires and the target's copy does not define:
    /// it was built with a newer GCC than the target's runtime comes from.
    ///
    /// ## Why it breaks
    /// glibc's loader checks every required version before the program runs and stops at
    /// the first one missing. Each GCC release adds versions (GCC 12: `GLIBCXX_3.4.30`,
    /// GCC 13: `3.4.31`/`3.4.32`, GCC 14: `3.4.33`), and a distribution's `libstdc++6`
    /// comes from its own GCC (Debian 11 has GCC 10's, `GLIBCXX_3.4.28`).
    ///
    /// ## Example
    /// ```text
    /// LIB004 blocks start  /usr/local/bin/hello needs CXXABI_1.3.9 (_ZdlPvm), GLIBCXX_3.4.21 (_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7compareERKS4_, _ZNSt13runtime_errorC1EPKc, _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE10_M_disposeEv, _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE13_S_copy_charsEPcPKcS7_ and 2 more); centos-7's libstdc++.so.6 lacks it (newest CXXABI_TM_1)
    ///   · needs CXXABI_1.3.9 for _ZdlPvm  [/usr/local/bin/hello]
    ///   · needs GLIBCXX_3.4.21 for _ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE7compareERKS4_, _ZNSt13runtime_errorC1EPKc, _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE10_M_disposeEv, _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE13_S_copy_charsEPcPKcS7_ and 2 more  [/usr/local/bin/hello]
    ///   · centos-7 is a profile: its libraries are matched by SONAME against its package list, without a file system to search  [centos-7]
    ///   · the loader stops with "/usr/lib64/libstdc++.so.6: version `CXXABI_1.3.9' not found (required by /usr/local/bin/hello)"  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Link the C++ runtime into the binary: add -static-libstdc++ -static-libgcc to the link; or run it on rockylinux:8, whose libstdc++.so.6 defines CXXABI_1.3.9
    ///       g++ … -static-libstdc++ -static-libgcc
    ///       FROM rockylinux:8
    /// ```
    ///
    /// ## Fix
    /// Link libstdc++ and libgcc statically (`g++ … -static-libstdc++ -static-libgcc`; for Go
    /// with cgo, `CGO_LDFLAGS='-static-libstdc++ -static-libgcc'`), so the binary carries
    /// its own runtime and needs only glibc; or build with the target's GCC; or run on a base
    /// image whose `libstdc++6` is new enough (`debian:12` has `GLIBCXX_3.4.30`, `debian:13`
    /// `3.4.33`).
    ///
    /// ## References
    /// - The libstdc++ manual, "ABI Policy and Guidelines": the version each GCC release adds.
    /// - glibc `elf/dl-version.c` ("version `%s' not found").
    pub struct CxxAbiVersionMissing {
        code: "LIB004",
        name: "cxx-abi-version-missing",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::SymbolVersions,
        summary: "The target's libstdc++/libgcc_s lacks a GLIBCXX/CXXABI/GCC version the binary requires",
    }
}

impl CxxAbiVersionMissing {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        if ctx.libraries.interpreter_found == Some(false) || distro::is_musl(ctx.target) {
            return Vec::new();
        }
        libs::missing_versions(ctx, libs::is_cxx_version)
            .iter()
            .map(|g| finding(ctx, g))
            .collect()
    }
}

/// The newest version of `family` (`GLIBCXX`) the target's copy of `soname` defines, when
/// the target lists it (profiles and snapshots).
fn newest_in_target(ctx: &CheckContext<'_>, soname: &str, family: &str) -> Option<String> {
    let machine = &ctx.facts().elf.machine.name;
    let lib = ctx
        .target
        .libraries
        .iter()
        .find(|l| l.soname == soname && &l.arch == machine)?;
    let prefix = format!("{family}_");
    lib.versions
        .iter()
        .filter(|v| v.starts_with(&prefix))
        .max_by(|a, b| {
            whyrun_target::profiles::compare_names(a, b).unwrap_or(std::cmp::Ordering::Equal)
        })
        .cloned()
}

fn finding(ctx: &CheckContext<'_>, g: &MissingGroup<'_>) -> Finding {
    let highest = g.highest();
    let family = highest.version.split('_').next().unwrap_or("");
    let lacks = match newest_in_target(ctx, &g.library.name, family) {
        Some(newest) => format!(
            "{}'s {} lacks it (newest {newest})",
            ctx.target.name, g.library.name
        ),
        None => format!("{}'s {} lacks it", ctx.target.name, g.library.name),
    };
    let mut f = CxxAbiVersionMissing::META.finding(format!(
        "{} needs {}; {lacks}",
        g.required_by,
        g.describe()
    ));
    f = g.version_evidence(f);
    if let Some(note) = libs::index_note(ctx) {
        f = f.evidence(note, ctx.target.name.clone());
    }
    f = g.loader_message(ctx, f);

    let facts = ctx.facts();
    let mut summary: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut change = None;
    if !libs::is_binary(ctx, g.required_by) {
        summary.push(format!("{} was built with a newer GCC: rebuild it with the target's, or link its C++ runtime statically", g.required_by));
    } else if facts.go.is_some() {
        summary.push("link the C++ runtime into the binary through cgo's linker flags".into());
        let c = fixes::GoChange::of(
            &[("CGO_LDFLAGS", "'-static-libstdc++ -static-libgcc'")],
            &[],
            &[],
        );
        commands.extend(fixes::go_rebuild(facts, &c));
        change = Some(c);
    } else {
        summary.push("link the C++ runtime into the binary: add -static-libstdc++ -static-libgcc to the link".into());
        commands.push("g++ … -static-libstdc++ -static-libgcc".into());
    }
    let wanted: Vec<&str> = g.versions.iter().map(|v| v.version.as_str()).collect();
    let soname = g.library.name.clone();
    let fits = |m: &whyrun_target::model::TargetModel| {
        m.libraries
            .iter()
            .any(|l| l.soname == soname && wanted.iter().all(|w| l.versions.iter().any(|v| v == w)))
    };
    if let Some(img) = distro::nearest_base_image(ctx.target, &facts.elf.machine.name, fits) {
        summary.push(format!(
            "run it on {}, whose {soname} defines {}",
            img.image, highest.version
        ));
        commands.push(format!("FROM {}", img.image));
    }
    f.fix(libs::alternatives(&summary), commands)
        .rebuild_if(change)
}

#[cfg(test)]
mod tests {
    use crate::context::MissingVersion;
    use crate::testing::*;

    fn stdcxx_missing(version: &str) -> crate::LibraryResolution {
        let mut lib = found_lib("libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
        lib.missing_versions = vec![MissingVersion {
            weak: false,
            version: version.into(),
            required_by: "/app".into(),
            symbols: vec!["_ZSt21ios_base_library_initv".into()],
        }];
        loader_resolution(vec![
            found_lib("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
            lib,
        ])
    }

    #[test]
    fn fires_with_the_static_runtime_fix_and_a_newer_base() {
        let facts = fixture("c-cxx-dynamic");
        let f = run(&facts, &debian11(), &stdcxx_missing("GLIBCXX_3.4.30"))
            .into_iter()
            .find(|f| f.code == "LIB004")
            .expect("LIB004");
        assert_eq!(
            f.message,
            "/app needs GLIBCXX_3.4.30 (_ZSt21ios_base_library_initv); debian-11's libstdc++.so.6 lacks it"
        );
        let fix = f.fix.unwrap();
        assert!(
            fix.summary.contains("-static-libstdc++ -static-libgcc"),
            "{}",
            fix.summary
        );
        assert!(
            fix.commands.contains(&"FROM debian:12".to_string()),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn silent_for_glibc_versions_and_on_musl() {
        let facts = fixture("c-cxx-dynamic");
        assert!(!codes(&facts, &debian11(), &stdcxx_missing("GLIBC_2.34")).contains(&"LIB004"));
        assert!(!codes(&facts, &alpine(), &stdcxx_missing("GLIBCXX_3.4.30")).contains(&"LIB004"));
        let all_there = loader_resolution(vec![found_lib(
            "libstdc++.so.6",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        )]);
        assert!(!codes(&facts, &debian12(), &all_there).contains(&"LIB004"));
    }
}
