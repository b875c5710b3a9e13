//! Test helpers for rules: facts read from the committed real fixtures (tweaked where a
//! test needs it), hand-built target models, and a one-call check.

use std::path::Path;

use whyrun_facts::Facts;
use whyrun_target::loader::{AfterSkip, SkipReason, Skipped, Step, Tried};
use whyrun_target::model::{Libc, LibcFamily, RuntimeFiles, SourceKind, TargetModel};

use crate::context::{Binary, CheckContext, CheckOptions, LibraryResolution};

/// The facts of `fixtures/small/NAME`.
pub fn fixture(name: &str) -> Facts {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/small")
        .join(name);
    whyrun_facts::inspect_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An empty `FROM scratch` image.
pub fn scratch() -> TargetModel {
    TargetModel {
        name: "scratch".into(),
        source: SourceKind::Profile,
        native_arches: vec!["x86_64".into()],
        ..Default::default()
    }
}

/// Debian 12 on x86_64 with CA certificates and tzdata.
pub fn debian12() -> TargetModel {
    TargetModel {
        name: "debian-12".into(),
        source: SourceKind::Profile,
        native_arches: vec!["x86_64".into()],
        libc: Some(Libc {
            family: LibcFamily::Glibc,
            version: "2.36".into(),
            loader: "/lib64/ld-linux-x86-64.so.2".into(),
            arch: "x86_64".into(),
        }),
        interpreters: vec!["/lib64/ld-linux-x86-64.so.2".into()],
        runtime_files: RuntimeFiles {
            ca_bundle: Some("/etc/ssl/certs/ca-certificates.crt".into()),
            ca_dirs: vec!["/etc/ssl/certs".into()],
            zoneinfo: Some("/usr/share/zoneinfo".into()),
            passwd: true,
            group: true,
            nsswitch_hosts: Some("files dns".into()),
            nsswitch_passwd: Some("files".into()),
            resolv_conf: true,
            etc_hosts: true,
            tmp: true,
        },
        ..Default::default()
    }
}

/// Alpine 3.19 on x86_64: musl 1.2.4.
pub fn alpine() -> TargetModel {
    TargetModel {
        name: "alpine-3.19".into(),
        libc: Some(Libc {
            family: LibcFamily::Musl,
            version: "1.2.4".into(),
            loader: "/lib/ld-musl-x86_64.so.1".into(),
            arch: "x86_64".into(),
        }),
        interpreters: vec!["/lib/ld-musl-x86_64.so.1".into()],
        ..debian12()
    }
}

pub fn resolution(interpreter_found: Option<bool>) -> LibraryResolution {
    LibraryResolution {
        method: crate::Method::LibraryList,
        interpreter_found,
        libraries: Vec::new(),
        missing_symbols: Vec::new(),
    }
}

/// The codes of every finding for this binary on this target.
pub fn codes(facts: &Facts, target: &TargetModel, libs: &LibraryResolution) -> Vec<&'static str> {
    run(facts, target, libs).iter().map(|f| f.code).collect()
}

pub fn run(facts: &Facts, target: &TargetModel, libs: &LibraryResolution) -> Vec<crate::Finding> {
    let options = CheckOptions::default();
    let ctx = CheckContext {
        binary: Binary {
            display_path: "./app".into(),
            path_in_target: "/app".into(),
            facts,
            mode: Some(0o755),
            uid: Some(0),
            gid: Some(0),
        },
        target,
        libraries: libs,
        options: &options,
    };
    crate::check(&ctx)
}

/// `target` with an `/etc/os-release` ID and VERSION_ID (the package manager and the
/// replacement base images are chosen from them).
pub fn with_os(mut target: TargetModel, id: &str, version_id: &str) -> TargetModel {
    target.os = Some(whyrun_target::model::OsRelease {
        id: id.into(),
        version_id: Some(version_id.into()),
        pretty_name: None,
    });
    target
}

/// Debian 11 on x86_64: glibc 2.31, with its os-release.
pub fn debian11() -> TargetModel {
    let mut t = with_os(debian12(), "debian", "11");
    t.name = "debian-11".into();
    if let Some(libc) = &mut t.libc {
        libc.version = "2.31".into();
    }
    t
}

/// A library the loader found through ld.so.cache.
pub fn found_lib(name: &str, path: &str) -> crate::ResolvedLibrary {
    let mut lib = crate::ResolvedLibrary::not_found(name, "/app");
    lib.outcome = crate::Outcome::Found {
        path: path.into(),
        by: crate::FoundBy::Loader {
            step: Step::LdSoCache,
            dir: "/etc/ld.so.cache".into(),
            hwcaps: None,
        },
    };
    lib
}

/// A library `/app`'s run path found in `dir`.
pub fn found_by_runpath(name: &str, path: &str, dir: &str) -> crate::ResolvedLibrary {
    let mut lib = crate::ResolvedLibrary::not_found(name, "/app");
    lib.outcome = crate::Outcome::Found {
        path: path.into(),
        by: crate::FoundBy::Loader {
            step: Step::Runpath { of: "/app".into() },
            dir: dir.into(),
            hwcaps: None,
        },
    };
    lib
}

/// A library the loader did not find, with the places searched, each written `PLACE
/// (STEP)` with the step's label (`"/usr/lib/ (default path)"`, `"/opt/l32/ (rpath)"`);
/// a place without a step was searched in a library list.
pub fn missing_lib(name: &str, tried: &[&str]) -> crate::ResolvedLibrary {
    let mut lib = crate::ResolvedLibrary::not_found(name, "/app");
    let tried = tried
        .iter()
        .filter_map(|t| {
            let (place, label) = t.strip_suffix(')')?.rsplit_once(" (")?;
            let step = match label {
                "rpath" => Step::Rpath { of: "/app".into() },
                "runpath" => Step::Runpath { of: "/app".into() },
                "LD_LIBRARY_PATH" => Step::LdLibraryPath,
                "ld.so.cache" => Step::LdSoCache,
                "default path" => Step::DefaultPath,
                other => panic!("no search step is labelled {other:?}"),
            };
            Some(Tried {
                step,
                place: place.into(),
            })
        })
        .collect();
    lib.outcome = crate::Outcome::NotFound {
        tried,
        hints: Vec::new(),
    };
    lib
}

/// A library found at `path`, which cannot be loaded (`invalid ELF header`).
pub fn unloadable_lib(name: &str, path: &str, message: &str) -> crate::ResolvedLibrary {
    let mut lib = crate::ResolvedLibrary::not_found(name, "/app");
    lib.outcome = crate::Outcome::Unloadable {
        path: path.into(),
        message: message.into(),
    };
    lib
}

/// A candidate glibc passed over: 32-bit, for a 64-bit binary.
pub fn skipped_32_bit(path: &str) -> Skipped {
    Skipped {
        path: path.into(),
        reason: SkipReason::WrongClass {
            candidate_64: false,
            binary_64: true,
        },
        then: AfterSkip::SearchOn,
    }
}

/// A candidate glibc passed over: built for another machine (`e_machine`), for x86_64.
pub fn skipped_machine(path: &str, e_machine: u16) -> Skipped {
    Skipped {
        path: path.into(),
        reason: SkipReason::WrongMachine {
            e_machine,
            binary: "x86_64".into(),
        },
        then: AfterSkip::SearchOn,
    }
}

/// A resolution done by the loader's emulation (files searched), interpreter present.
pub fn loader_resolution(libraries: Vec<crate::ResolvedLibrary>) -> LibraryResolution {
    LibraryResolution {
        method: crate::Method::Loader,
        interpreter_found: Some(true),
        libraries,
        missing_symbols: Vec::new(),
    }
}
