//! The debian-12 profile against reality: a model described from the debootstrapped
//! bookworm root (fixtures/roots/build.sh) must agree with the profile fact by fact where
//! they overlap, and the symbol versions the profile claims for each library must be
//! exactly the ones the root's own libraries define.
//!
//! Differences the comparison allows, and why:
//! - the root has more libraries than the `debian:12` image (build.sh adds openssl,
//!   sqlite3, curl, samba client…): the profile's libraries must be a subset;
//! - `/etc/hosts` is absent from a debootstrapped root but present in every container,
//!   bind-mounted by the runtime, which is what the profile states;
//! - CA certificates: neither the image nor the minbase root has the ca-certificates
//!   package (build.sh does not include it), so both say absent; should build.sh ever
//!   add it, the test says so instead of passing silently.

use std::collections::BTreeSet;
use std::path::PathBuf;

use whyrun_target::describe::{describe, library_index, DescribeOptions};
use whyrun_target::model::{LibcFamily, SourceKind};
use whyrun_target::{profiles, RootDirView};

fn bookworm() -> PathBuf {
    let roots = match std::env::var_os("WHYRUN_ROOTS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
            .join(".cache/whyrun/roots"),
    };
    let root = roots.join("bookworm");
    assert!(
        root.join("etc/os-release").is_file(),
        "the debootstrapped bookworm root is missing at {}: build it with `bash fixtures/roots/build.sh` (needs root and network to the Debian archive)",
        root.display()
    );
    root
}

#[test]
fn debian12_profile_matches_the_bookworm_root() {
    let root = bookworm();
    let view = RootDirView::new(&root).expect("root opens");
    let real = describe(
        &view,
        &DescribeOptions::files_only("bookworm", SourceKind::Root),
    );
    let prof = profiles::model("debian-12", Some("amd64")).expect("debian-12 profile");

    // OS.
    let (ro, po) = (real.os.as_ref().unwrap(), prof.os.as_ref().unwrap());
    assert_eq!(ro.id, po.id);
    assert_eq!(ro.version_id, po.version_id);

    // libc family, version, loader.
    let (rl, pl) = (
        real.libc.as_ref().expect("root libc"),
        prof.libc.as_ref().unwrap(),
    );
    assert_eq!(rl.family, LibcFamily::Glibc);
    assert_eq!(rl.family, pl.family);
    assert_eq!(rl.version, pl.version, "glibc version");
    assert_eq!(rl.loader, pl.loader, "loader path");
    assert_eq!(rl.arch, pl.arch);
    assert!(real.interpreters.contains(&pl.loader));

    // Runtime files.
    assert_eq!(
        real.runtime_files.ca_bundle.is_some(),
        prof.runtime_files.ca_bundle.is_some(),
        "CA bundle presence: the image has no ca-certificates; the root has {:?} (did build.sh add ca-certificates?)",
        real.runtime_files.ca_bundle
    );
    assert_eq!(
        real.runtime_files.zoneinfo, prof.runtime_files.zoneinfo,
        "zoneinfo"
    );
    assert_eq!(real.runtime_files.passwd, prof.runtime_files.passwd);
    assert_eq!(real.runtime_files.group, prof.runtime_files.group);
    assert_eq!(real.runtime_files.tmp, prof.runtime_files.tmp);
    assert_eq!(
        real.runtime_files.resolv_conf,
        prof.runtime_files.resolv_conf
    );
    assert!(
        !real.runtime_files.etc_hosts && prof.runtime_files.etc_hosts,
        "the allowed difference: /etc/hosts comes from the container runtime"
    );
    assert!(real.users.iter().any(|u| u.name == "root" && u.uid == 0));
    assert_eq!(real.default_user, prof.default_user);

    // Libraries: every one the profile claims exists in the root with exactly the
    // versions the profile derives.
    let index = library_index(&view, real.libc.as_ref());
    let mut problems = Vec::new();
    for lib in &prof.libraries {
        let found: Vec<_> = index
            .iter()
            .filter(|l| l.soname == lib.soname && l.arch == lib.arch)
            .collect();
        assert!(
            !found.is_empty(),
            "{} is in the profile but not reachable in the root",
            lib.soname
        );
        let want: BTreeSet<&str> = lib.versions.iter().map(String::as_str).collect();
        let have: BTreeSet<&str> = found[0].versions.iter().map(String::as_str).collect();
        let missing: Vec<_> = have.difference(&want).collect();
        let extra: Vec<_> = want.difference(&have).collect();
        if !missing.is_empty() || !extra.is_empty() {
            problems.push(format!(
                "{}: the root defines {missing:?} the profile lacks; the profile claims {extra:?} the root lacks",
                lib.soname
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The allowed difference: the root has more (build.sh's extra packages).
    assert!(index.len() > prof.libraries.len());
    assert!(index.iter().any(|l| l.soname == "libssl.so.3"));
    assert!(!prof.libraries.iter().any(|l| l.soname == "libssl.so.3"));
}
