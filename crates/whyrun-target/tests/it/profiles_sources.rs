//! Every built-in profile cites a source for each fact, in particular its libc version
//! and loader path; names and aliases are unique; every profile produces a model for
//! each of its architectures with the loader FACTS.md's table gives.

use std::collections::BTreeSet;

use whyrun_target::describe::KNOWN_INTERPRETERS;
use whyrun_target::model::SCHEMA;
use whyrun_target::profiles::{self, machine_of};

const REQUIRED: &[&str] = &[
    "alpine-3.15",
    "alpine-3.16",
    "alpine-3.17",
    "alpine-3.18",
    "alpine-3.19",
    "alpine-3.20",
    "alpine-3.21",
    "debian-10",
    "debian-11",
    "debian-12",
    "debian-13",
    "ubuntu-18.04",
    "ubuntu-20.04",
    "ubuntu-22.04",
    "ubuntu-24.04",
    "centos-7",
    "rhel-7",
    "rocky-8",
    "alma-8",
    "rhel-8",
    "rocky-9",
    "alma-9",
    "rhel-9",
    "amazonlinux-2",
    "amazonlinux-2023",
    "distroless-static-debian11",
    "distroless-static-debian12",
    "distroless-base-debian11",
    "distroless-base-debian12",
    "distroless-cc-debian11",
    "distroless-cc-debian12",
    "busybox-glibc",
    "busybox-musl",
    "scratch",
];

fn cited(s: Option<&str>) -> bool {
    s.is_some_and(|s| s.trim().len() >= 8)
}

#[test]
fn every_required_profile_exists() {
    for name in REQUIRED {
        assert!(profiles::find(name).is_some(), "missing profile {name}");
    }
}

#[test]
fn libc_version_and_loader_are_cited() {
    let mut missing = Vec::new();
    for p in profiles::all() {
        if !cited(p.libc_source()) {
            missing.push(format!(
                "{}: no source for its libc version (or for having none)",
                p.name
            ));
        }
        if !cited(p.loader_source.as_deref()) {
            missing.push(format!("{}: no source for its loader path", p.name));
        }
        if !cited(Some(&p.arches_source)) {
            missing.push(format!("{}: no source for its architectures", p.name));
        }
        for (what, src) in [
            ("ca", &p.ca.source),
            ("zoneinfo", &p.zoneinfo.source),
            ("passwd", &p.passwd.source),
            ("default_user", &p.default_user.source),
        ] {
            if !cited(Some(src)) {
                missing.push(format!("{}: no source for {what}", p.name));
            }
        }
        for l in &p.libraries {
            if !cited(Some(&l.source)) {
                missing.push(format!("{}: no source for {}", p.name, l.soname));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn names_are_unique() {
    let mut seen = BTreeSet::new();
    for p in profiles::all() {
        for n in std::iter::once(&p.name).chain(&p.aliases) {
            assert!(
                seen.insert(n.to_ascii_lowercase()),
                "{n} names two profiles"
            );
        }
    }
}

#[test]
fn models_for_every_architecture() {
    for p in profiles::all() {
        for arch in &p.arches {
            let m = p.model(arch).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!(m.schema, SCHEMA);
            assert!(
                m.sources.contains_key("libc"),
                "{}: model lacks the libc source",
                p.name
            );
            assert!(
                m.sources.contains_key("loader"),
                "{}: model lacks the loader source",
                p.name
            );
            let machine = machine_of(arch);
            if let Some(libc) = &m.libc {
                let want = KNOWN_INTERPRETERS
                    .iter()
                    .find(|(a, f, _)| *a == machine && *f == libc.family)
                    .map(|(_, _, p)| *p);
                if let Some(want) = want {
                    assert_eq!(libc.loader, want, "{} {arch}", p.name);
                }
                assert!(!libc.loader.is_empty(), "{} {arch}: no loader", p.name);
                assert!(m.libraries.iter().all(|l| l.arch == machine));
                assert!(
                    m.libraries.iter().any(|l| l.soname.starts_with("libc.")),
                    "{} {arch}",
                    p.name
                );
            } else {
                assert!(m.interpreters.is_empty());
            }
            for l in &m.libraries {
                assert!(
                    !l.soname.is_empty() && l.path.starts_with('/'),
                    "{}: {l:?}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn glibc_versions_follow_the_release() {
    let v = |name: &str| {
        let m = profiles::model(name, None).unwrap();
        m.libraries
            .into_iter()
            .find(|l| l.soname == "libc.so.6")
            .unwrap()
            .versions
    };
    let d11 = v("debian-11");
    assert!(d11.contains(&"GLIBC_2.31".to_string()) && !d11.contains(&"GLIBC_2.34".to_string()));
    let c7 = v("centos-7");
    assert!(c7.contains(&"GLIBC_2.17".to_string()) && !c7.contains(&"GLIBC_2.18".to_string()));
    let d13 = v("debian-13");
    assert!(d13.contains(&"GLIBC_2.38".to_string()) && d13.contains(&"GLIBC_2.41".to_string()));
    // Lookup by alias and @arch.
    assert_eq!(
        profiles::profile("debian:bookworm@arm64")
            .unwrap()
            .libc
            .unwrap()
            .arch,
        "aarch64"
    );
    assert!(profiles::profile("scratch").unwrap().libc.is_none());
    assert!(profiles::profile("no-such").is_none());
    assert!(profiles::list().len() >= REQUIRED.len());
}
