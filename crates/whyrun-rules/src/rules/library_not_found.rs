//! LIB001: a library in DT_NEEDED that the loader does not find in the target (or finds
//! but cannot load at all).

use crate::context::{CheckContext, ResolvedLibrary};
use crate::distro;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::libs;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A shared library the binary (or one of its libraries) names in `DT_NEEDED` that the
    /// loader finds nowhere in the target: not in the `DT_RPATH`/`DT_RUNPATH` directories,
    /// not through `LD_LIBRARY_PATH`, `/etc/ld.so.cache` or the default directories (glibc),
    /// not in musl's path. Also a file found under that name that the loader cannot load at
    /// all (not an ELF file, or cut short).
    ///
    /// ## Why it breaks
    /// The loader maps every needed library before `main` runs. glibc's stops at the first
    /// one missing; musl's reports each, then gives up. The program never starts.
    ///
    /// ## Example
    /// ```text
    /// LIB001 blocks start  libsqlite3.so.0, needed by /usr/local/bin/ginsqlite, is not in debian-12
    ///   · DT_NEEDED libsqlite3.so.0  [/usr/local/bin/ginsqlite]
    ///   · debian-12 is a profile: its libraries are matched by SONAME against its package list, without a file system to search  [debian-12]
    ///   · the loader stops with "error while loading shared libraries: libsqlite3.so.0: cannot open shared object file: No such file or directory"  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Install libsqlite3-0, which provides libsqlite3.so.0; or link libsqlite3.so.0 in statically (its static archive on the build machine: the -dev package); or replace github.com/mattn/go-sqlite3 with modernc.org/sqlite and rebuild without cgo: CGO_ENABLED=0 alone compiles github.com/mattn/go-sqlite3 to a stub that fails at run time
    ///       RUN apt-get update && apt-get install -y --no-install-recommends libsqlite3-0 && rm -rf /var/lib/apt/lists/*
    ///       CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -tags libsqlite3,netgo,osusergo -ldflags='-linkmode external -extldflags "-static -lm"' -o ginsqlite example.com/ginapp/cmd/ginsqlite
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -tags libsqlite3 -o ginsqlite example.com/ginapp/cmd/ginsqlite
    /// ```
    /// musl's loader says `Error loading shared library libsqlite3.so.0: No such file or
    /// directory (needed by /usr/local/bin/ginsqlite)`. For a profile target, libraries are matched by
    /// SONAME against the profile's package list; the evidence says so.
    ///
    /// ## Fix
    /// Install the package that provides the library with the target's package manager
    /// (`libsqlite3-0` on Debian and Ubuntu, `sqlite-libs` on Alpine and RHEL; Alpine's
    /// `apk add so:NAME` and dnf's `NAME()(64bit)` find any other by SONAME). In an image
    /// without a package manager (distroless), use the base image that has it
    /// (`gcr.io/distroless/cc-debian12` for `libstdc++.so.6`) or copy the library from a
    /// build stage. When the binary's `RUNPATH` is `$ORIGIN/…`, ship the library in that
    /// directory beside it. A Go binary that needs a library only through cgo's libc use
    /// can drop it with `CGO_ENABLED=0`; for `github.com/mattn/go-sqlite3` that makes a stub
    /// (see GO rules), so switch to a pure-Go driver such as `modernc.org/sqlite` first.
    ///
    /// ## References
    /// - ld.so(8): the search order, and "error while loading shared libraries".
    /// - glibc `elf/dl-load.c` (`_dl_map_object`); musl `ldso/dynlink.c` (`load_library`).
    pub struct LibraryNotFound {
        code: "LIB001",
        name: "library-not-found",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Libraries,
        summary: "A needed shared library is not found (or cannot be loaded) in the target",
    }
}

/// Evidence lines listing searched places, at most this many (then a count).
const MAX_PLACES: usize = 8;

/// The parts of glibc that musl and cgo-free Go replace.
const LIBC_PARTS: &[&str] = &[
    "libc.so.6",
    "libpthread.so.0",
    "libdl.so.2",
    "libm.so.6",
    "librt.so.1",
    "libresolv.so.2",
];

impl LibraryNotFound {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        // Without its interpreter the loader never runs (LIBC001, LIBC003); a glibc binary
        // run by musl's loader through gcompat searches as musl does (LIBC002).
        if ctx.libraries.interpreter_found == Some(false) || libs::glibc_through_musl(ctx) {
            return Vec::new();
        }
        let mut names: Vec<&str> = Vec::new();
        for lib in &ctx.libraries.libraries {
            // A library whose only candidates have the wrong class or machine is LIB002's.
            if lib.found().is_none()
                && lib.wrong_kind_candidates().is_empty()
                && !names.contains(&lib.name.as_str())
            {
                names.push(&lib.name);
            }
        }
        names
            .into_iter()
            .map(|name| {
                let entries: Vec<&ResolvedLibrary> = ctx
                    .libraries
                    .libraries
                    .iter()
                    .filter(|l| l.name == name && l.found().is_none())
                    .collect();
                finding(ctx, name, &entries)
            })
            .collect()
    }
}

fn finding(ctx: &CheckContext<'_>, name: &str, entries: &[&ResolvedLibrary]) -> Finding {
    let first = entries[0];
    let musl = ctx
        .facts()
        .elf
        .interpreter
        .as_deref()
        .is_some_and(|i| fixes::libc_of_interpreter(i) == "musl");
    let who: Vec<&str> = entries.iter().map(|l| l.needed_by.as_str()).collect();
    let loader = libs::loader(ctx);

    if let Some((path, message)) = first.unloadable() {
        let f = LibraryNotFound::META
            .finding(format!("{name}, needed by {}, is {path}, which cannot be loaded: {message}", who.join(", ")))
            .evidence(format!("DT_NEEDED {name}"), who[0])
            .evidence(format!("{path}: {message}"), path)
            .evidence(
                format!("the loader stops with \"error while loading shared libraries: {path}: {message}\""),
                loader,
            );
        return f.fix(
            format!("Replace {path} with a working {} library: reinstall the package that provides {name}, or remove the broken file", ctx.facts().elf.machine.name),
            install(ctx, name).map(|(_, c)| c).unwrap_or_default(),
        );
    }

    let mut f = LibraryNotFound::META.finding(format!(
        "{name}, needed by {}, is not in {}",
        who.join(", "),
        ctx.target.name
    ));
    for w in &who {
        f = f.evidence(format!("DT_NEEDED {name}"), *w);
    }
    // A profile has no places to search: the note below says how it was matched.
    let places = first.tried();
    for t in places.iter().take(MAX_PLACES) {
        f = f.evidence(format!("not there ({})", t.step.label()), &t.place);
    }
    if places.len() > MAX_PLACES {
        f = f.evidence(
            format!("and {} more places searched", places.len() - MAX_PLACES),
            ctx.target.name.clone(),
        );
    }
    for s in &first.skipped {
        f = f.evidence(format!("passed over: {}", s.why()), &s.path);
    }
    // Where the library does exist, and what would make the loader find it there.
    for h in first.hints() {
        f = f.evidence(h.to_string(), h.path());
    }
    if let Some(note) = libs::index_note(ctx) {
        f = f.evidence(note, ctx.target.name.clone());
    }
    let said = if musl {
        format!(
            "Error loading shared library {name}: No such file or directory (needed by {})",
            who[0]
        )
    } else {
        format!("error while loading shared libraries: {name}: cannot open shared object file: No such file or directory")
    };
    f = f.evidence(format!("the loader stops with \"{said}\""), loader);
    fix(ctx, name, f)
}

/// The install line for `name` on this target, if it has a package manager.
fn install(ctx: &CheckContext<'_>, name: &str) -> Option<(String, Vec<String>)> {
    distro::install_library(ctx.target, name, ctx.facts().elf.class == "ELF64")
}

fn fix(ctx: &CheckContext<'_>, name: &str, f: Finding) -> Finding {
    let facts = ctx.facts();
    let mut summary: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();

    // A run path relative to the binary means it expects to ship the library there.
    let origin_dir = origin_dirs(ctx).into_iter().next();
    if let Some(dir) = &origin_dir {
        summary.push(format!(
            "ship {name} beside the binary in {dir}/, where its $ORIGIN run path looks"
        ));
        commands.push(format!("COPY {name} {dir}/"));
    }

    let known = distro::packaging(ctx.target).and_then(|p| distro::package_for(name, p));
    match install(ctx, name) {
        // Without a known package, a library the binary ships itself is not worth a search.
        Some(_) if origin_dir.is_some() && known.is_none() => {}
        Some((why, cmds)) => {
            summary.push(why);
            commands.extend(cmds);
        }
        None => {
            let machine = facts.elf.machine.name.clone();
            let has = |m: &whyrun_target::model::TargetModel| {
                m.libraries.iter().any(|l| l.soname == name)
            };
            match distro::nearest_base_image(ctx.target, &machine, has) {
                Some(img) => {
                    summary.push(format!(
                        "use a base image that has {name} ({})",
                        img.profile
                    ));
                    commands.push(format!("FROM {}", img.image));
                }
                None if origin_dir.is_none() => {
                    summary.push(format!(
                        "copy {name} (and what it needs) into the image from a build stage with the same libc"
                    ));
                    commands.push(format!("COPY --from=build /usr/lib/*/{name}* /usr/lib/"));
                }
                None => {}
            }
        }
    }

    let mut change = None;
    if let Some((why, lines, c)) = go_alternative(ctx, name) {
        summary.push(why);
        commands.extend(lines);
        change = c;
    }
    f.fix(libs::alternatives(&summary), commands)
        .rebuild_if(change)
}

/// The binary's `$ORIGIN`-relative run path directories, expanded where it sits.
fn origin_dirs(ctx: &CheckContext<'_>) -> Vec<String> {
    let e = &ctx.facts().elf;
    let Some(list) = e.runpath.as_deref().or(e.rpath.as_deref()) else {
        return Vec::new();
    };
    let origin = libs::dir_of(&ctx.binary.path_in_target);
    list.split(':')
        .filter(|d| d.contains("$ORIGIN") || d.contains("${ORIGIN}"))
        .map(|d| libs::normalize(&d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)))
        .collect()
}

/// For a Go binary built with cgo: how to do without the library, and the rebuild's
/// change.
fn go_alternative(
    ctx: &CheckContext<'_>,
    name: &str,
) -> Option<(String, Vec<String>, Option<fixes::GoChange>)> {
    let facts = ctx.facts();
    let go = facts.go.as_ref()?;
    let cgo = go.symtab.as_ref().is_some_and(|s| s.needs.cgo)
        || go.build_info.as_ref().and_then(|b| b.typed.cgo_enabled) == Some(true);
    if !cgo {
        return None;
    }
    let no_cgo = fixes::GoChange::of(&[("CGO_ENABLED", "0")], &[], &["-buildmode"]);
    let rebuild = fixes::go_rebuild(facts, &no_cgo);
    if let Some((pkg, pure)) = fixes::cgo_only_package(facts) {
        // Dropping cgo alone would build the package's stub: link it statically, or
        // replace the package first.
        let mut commands: Vec<String> = fixes::static_cgo_command(facts).into_iter().collect();
        commands.extend(rebuild);
        return Some((
            format!("link {name} in statically (its static archive on the build machine: the -dev package); or replace {pkg} with {pure} and rebuild without cgo: CGO_ENABLED=0 alone compiles {pkg} to a stub that fails at run time"),
            commands,
            fixes::static_cgo_change(facts),
        ));
    }
    if LIBC_PARTS.contains(&name) {
        return Some((
            format!("rebuild without cgo, so the binary needs no {name} (check that no cgo-only package is linked)"),
            rebuild.into_iter().collect(),
            Some(no_cgo),
        ));
    }
    Some((
        format!("{name} comes from a cgo package: CGO_ENABLED=0 removes it only if that package has a pure-Go fallback"),
        Vec::new(),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    fn debian() -> whyrun_target::model::TargetModel {
        with_os(debian12(), "debian", "12")
    }

    #[test]
    fn fires_with_where_it_looked_and_the_package() {
        let facts = fixture("c-glibc-dynamic");
        let libs = loader_resolution(vec![
            found_lib("libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            missing_lib(
                "libsqlite3.so.0",
                &[
                    "/etc/ld.so.cache (ld.so.cache)",
                    "/lib/x86_64-linux-gnu/ (default path)",
                    "/usr/lib/x86_64-linux-gnu/ (default path)",
                ],
            ),
        ]);
        let findings = run(&facts, &debian(), &libs);
        let f = findings
            .iter()
            .find(|f| f.code == "LIB001")
            .expect("LIB001");
        assert_eq!(
            f.message,
            "libsqlite3.so.0, needed by /app, is not in debian-12"
        );
        assert!(f
            .evidence
            .iter()
            .any(|e| e.location.to_string() == "/usr/lib/x86_64-linux-gnu/"
                && e.what.contains("default path")));
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("cannot open shared object file")));
        let fix = f.fix.as_ref().unwrap();
        assert!(fix.summary.contains("libsqlite3-0"), "{}", fix.summary);
        assert!(
            fix.commands[0].contains("apt-get install"),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn one_finding_per_name_and_alpine_package() {
        let facts = fixture("c-musl-dynamic");
        let mut by_lib = missing_lib("libsqlite3.so.0", &["/lib (default path)"]);
        by_lib.needed_by = "/usr/lib/libfoo.so.1".into();
        let libs = loader_resolution(vec![
            missing_lib("libsqlite3.so.0", &["/lib (default path)"]),
            by_lib,
        ]);
        let findings = run(&facts, &with_os(alpine(), "alpine", "3.19"), &libs);
        let lib001: Vec<_> = findings.iter().filter(|f| f.code == "LIB001").collect();
        assert_eq!(lib001.len(), 1);
        assert!(lib001[0].message.contains("/app, /usr/lib/libfoo.so.1"));
        assert!(lib001[0].evidence.iter().any(|e| e
            .what
            .contains("Error loading shared library libsqlite3.so.0")));
        assert_eq!(
            lib001[0].fix.as_ref().unwrap().commands,
            ["RUN apk add --no-cache sqlite-libs"]
        );
    }

    #[test]
    fn profile_targets_say_they_match_by_soname() {
        let facts = fixture("c-cxx-dynamic");
        let mut target = with_os(debian12(), "debian", "12");
        target.os.as_mut().unwrap().pretty_name = Some("Distroless".into());
        target.name = "distroless-base-debian12".into();
        let mut libs = resolution(Some(true));
        libs.libraries = vec![missing_lib(
            "libstdc++.so.6",
            &["the library list of distroless-base-debian12"],
        )];
        let f = run(&facts, &target, &libs)
            .into_iter()
            .find(|f| f.code == "LIB001")
            .unwrap();
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("matched by SONAME")));
        // No package manager in distroless: the base image that has libstdc++.
        assert_eq!(
            f.fix.unwrap().commands,
            ["FROM gcr.io/distroless/cc-debian12"]
        );
    }

    #[test]
    fn a_broken_file_is_named() {
        let facts = fixture("c-glibc-dynamic");
        let libs = loader_resolution(vec![unloadable_lib(
            "libz.so.1",
            "/opt/sc/mixed/libz.so.1",
            "invalid ELF header",
        )]);
        let f = run(&facts, &debian(), &libs)
            .into_iter()
            .find(|f| f.code == "LIB001")
            .unwrap();
        assert!(
            f.message
                .contains("/opt/sc/mixed/libz.so.1, which cannot be loaded: invalid ELF header"),
            "{}",
            f.message
        );
    }

    #[test]
    fn silent_when_everything_is_found_or_the_interpreter_is_missing() {
        let facts = fixture("c-glibc-dynamic");
        let libs = loader_resolution(vec![found_lib(
            "libc.so.6",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
        )]);
        assert!(!codes(&facts, &debian(), &libs).contains(&"LIB001"));
        let mut libs = loader_resolution(vec![missing_lib("libc.so.6", &["/lib (default path)"])]);
        libs.interpreter_found = Some(false);
        assert!(!codes(&facts, &scratch(), &libs).contains(&"LIB001"));
    }

    #[test]
    fn silent_when_only_a_wrong_class_copy_exists() {
        let facts = fixture("c-glibc-dynamic");
        let mut lib = missing_lib("libfoo.so.1", &["/opt/l32/ (rpath)"]);
        lib.skipped = vec![skipped_32_bit("/opt/l32/libfoo.so.1")];
        assert!(!codes(&facts, &debian(), &loader_resolution(vec![lib])).contains(&"LIB001"));
    }
}
