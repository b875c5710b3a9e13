//! LIB002: a file with a needed library's name, of the wrong class (32/64-bit) or machine,
//! on the loader's search path.

use crate::context::{CheckContext, ResolvedLibrary};
use crate::distro;
use crate::finding::{Finding, Severity};
use whyrun_target::loader::{Skipped, WrongKind};

use crate::libs;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A directory the loader searches holds a file with the needed library's name that is
    /// of the other class (a 32-bit `libfoo.so.1` for a 64-bit program, or the reverse) or
    /// built for another machine (an arm64 copy on an x86-64 system). Reported as blocking
    /// when no usable copy is found, and as information when the loader passes it over and
    /// finds a good one later.
    ///
    /// ## Why it breaks
    /// glibc's loader skips such a file and keeps searching; when nothing else has the name
    /// it stops with `wrong ELF class: ELFCLASS32` (for the class) or `cannot open shared
    /// object file: No such file or directory` (for the machine). musl's loader does not
    /// skip: it takes the first file it can open and fails with `Exec format error`, even
    /// when the right copy sits in a later directory.
    ///
    /// ## Example
    /// ```text
    /// LIB002 blocks start  the only libhello.so the loader finds is 32-bit (ELFCLASS32): /opt/app/bin/lib/libhello.so
    ///   · DT_NEEDED libhello.so  [/opt/app/bin/app]
    ///   · 32-bit (ELFCLASS32); the binary is ELF64 x86_64  [/opt/app/bin/lib/libhello.so]
    ///   · the loader stops with "error while loading shared libraries: libhello.so: wrong ELF class: ELFCLASS32"  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Install libhello.so built for ELF64 x86_64, or remove the wrong copy from /opt/app/bin/lib
    /// ```
    ///
    /// ## Fix
    /// Install the library built for the binary's class and machine (on Debian and Ubuntu
    /// the package of the native architecture, `apt-get install libfoo1`, not
    /// `libfoo1:i386`), or remove the wrong copy from the directory searched (an `RPATH`,
    /// `LD_LIBRARY_PATH` or a vendor directory). On musl, the wrong copy must go, or the
    /// right one must come first in the search order.
    ///
    /// ## References
    /// - glibc `elf/dl-load.c` (`open_verify`: "wrong ELF class", a machine mismatch is
    ///   skipped silently); musl `ldso/dynlink.c` (`load_library` opens the first match).
    pub struct WrongClassLibrary {
        code: "LIB002",
        name: "wrong-class-library",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Libraries,
        summary: "A library of the wrong class or machine is found where the loader searches",
    }
}

impl WrongClassLibrary {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        // Without its interpreter the loader never runs (LIBC001, LIBC003); a glibc binary
        // run by musl's loader through gcompat searches as musl does (LIBC002).
        if ctx.libraries.interpreter_found == Some(false) || libs::glibc_through_musl(ctx) {
            return Vec::new();
        }
        let mut out: Vec<Finding> = Vec::new();
        let mut seen: Vec<(&str, bool)> = Vec::new();
        for lib in &ctx.libraries.libraries {
            let wrong = lib.wrong_kind_candidates();
            let found = lib.found().is_some();
            if wrong.is_empty() || seen.contains(&(lib.name.as_str(), found)) {
                continue;
            }
            seen.push((&lib.name, found));
            out.push(finding(ctx, lib, &wrong));
        }
        out
    }
}

fn finding(
    ctx: &CheckContext<'_>,
    lib: &ResolvedLibrary,
    wrong: &[(&Skipped, WrongKind)],
) -> Finding {
    let facts = ctx.facts();
    let name = &lib.name;
    let own = format!("{} {}", facts.elf.class, facts.elf.machine.name);
    let (first, kind) = &wrong[0];
    let musl = wrong.iter().any(|(s, _)| libs::musl_stopped(s));
    let loader = libs::loader(ctx);

    let mut f = match (lib.found(), musl) {
        (Some(found), _) => WrongClassLibrary::META
            .finding(format!(
                "the loader passes over {} ({}) before it finds {name} at {found}",
                first.path,
                kind.describe()
            ))
            .severity(Severity::Info),
        (None, true) => WrongClassLibrary::META.finding(format!(
            "musl's loader takes {} first for {name}, and it is {}",
            first.path,
            kind.describe()
        )),
        (None, false) => WrongClassLibrary::META.finding(format!(
            "the only {name} the loader finds is {}: {}",
            kind.describe(),
            first.path
        )),
    };
    f = f.evidence(format!("DT_NEEDED {name}"), lib.needed_by.clone());
    for (s, k) in wrong {
        f = f.evidence(format!("{}; the binary is {own}", k.describe()), &s.path);
    }
    if let (Some(found), Some(by)) = (lib.found(), lib.found_by()) {
        f = f.evidence(format!("the right copy, found through {by}"), found);
    }
    if let Some(note) = libs::index_note(ctx) {
        f = f.evidence(note, ctx.target.name.clone());
    }
    if lib.found().is_none() {
        let said = match (musl, kind) {
            (true, _) => format!(
                "Error loading shared library {name}: Exec format error (needed by {})",
                lib.needed_by
            ),
            (false, WrongKind::Class { is_64 }) => {
                let c = if *is_64 { "ELFCLASS64" } else { "ELFCLASS32" };
                format!("error while loading shared libraries: {name}: wrong ELF class: {c}")
            }
            (false, WrongKind::Machine { .. }) => {
                format!("error while loading shared libraries: {name}: cannot open shared object file: No such file or directory")
            }
        };
        f = f.evidence(format!("the loader stops with \"{said}\""), loader);
    }

    let dir = libs::dir_of(&first.path);
    let mut summary = if musl {
        format!("Remove {} (musl's loader stops at the first file with the name) or put the {own} copy in an earlier directory", first.path)
    } else if lib.found().is_some() {
        format!("Nothing blocks; to avoid surprises, remove {} from {dir}, which the loader searches first", first.path)
    } else {
        format!("Install {name} built for {own}, or remove the wrong copy from {dir}")
    };
    let mut commands = Vec::new();
    let package = distro::packaging(ctx.target).and_then(|p| distro::package_for(name, p));
    if let (None, Some(pkg)) = (lib.found(), package) {
        if let Some(line) = distro::install_package(ctx.target, pkg) {
            summary = format!("{summary} ({pkg} provides it)");
            commands.push(line);
        }
    }
    f.fix(summary, commands)
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testing::*;

    fn debian() -> whyrun_target::model::TargetModel {
        with_os(debian12(), "debian", "12")
    }

    #[test]
    fn blocks_when_only_a_32_bit_copy_is_found() {
        let facts = fixture("c-glibc-dynamic");
        let mut lib = missing_lib(
            "libfoo.so.1",
            &["/opt/l32/ (rpath)", "/etc/ld.so.cache (ld.so.cache)"],
        );
        lib.skipped = vec![skipped_32_bit("/opt/l32/libfoo.so.1")];
        let findings = run(&facts, &debian(), &loader_resolution(vec![lib]));
        let f = findings
            .iter()
            .find(|f| f.code == "LIB002")
            .expect("LIB002");
        assert_eq!(f.severity, Severity::BlocksStart);
        assert_eq!(
            f.message,
            "the only libfoo.so.1 the loader finds is 32-bit (ELFCLASS32): /opt/l32/libfoo.so.1"
        );
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("wrong ELF class: ELFCLASS32")));
        // LIB001 steps aside: one cause, one finding.
        assert!(!findings.iter().any(|f| f.code == "LIB001"));
    }

    #[test]
    fn info_when_the_right_copy_is_found_later() {
        let facts = fixture("c-glibc-dynamic");
        let mut lib = found_lib("libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6");
        lib.skipped = vec![skipped_machine("/opt/sc/mixed2/libm.so.6", 183)];
        let f = run(&facts, &debian(), &loader_resolution(vec![lib]))
            .into_iter()
            .find(|f| f.code == "LIB002")
            .unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("built for aarch64"), "{}", f.message);
    }

    #[test]
    fn musl_stops_at_the_first_file() {
        let facts = fixture("c-musl-dynamic");
        let mut lib = missing_lib("libfoo.so.1", &["/opt/l32 (rpath)"]);
        let mut first = skipped_32_bit("/opt/l32/libfoo.so.1");
        first.then = whyrun_target::loader::AfterSkip::MuslStops;
        lib.skipped = vec![first];
        let f = run(&facts, &alpine(), &loader_resolution(vec![lib]))
            .into_iter()
            .find(|f| f.code == "LIB002")
            .unwrap();
        assert!(
            f.message
                .starts_with("musl's loader takes /opt/l32/libfoo.so.1 first"),
            "{}",
            f.message
        );
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("Exec format error")));
    }

    #[test]
    fn silent_for_other_reasons_to_pass_a_file_over() {
        let facts = fixture("c-glibc-dynamic");
        let mut lib = found_lib("libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6");
        lib.skipped = vec![whyrun_target::loader::Skipped {
            path: "/usr/lib/libc.so.6".into(),
            reason: whyrun_target::loader::SkipReason::StaleCacheEntry,
            then: whyrun_target::loader::AfterSkip::SearchOn,
        }];
        assert!(!codes(&facts, &debian(), &loader_resolution(vec![lib])).contains(&"LIB002"));
    }
}
