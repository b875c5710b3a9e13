//! What rules know about Linux distributions, in one place: the package manager of a
//! target and the line that installs a package with it, the package that provides a common shared library on each packaging family,
//! and the nearest built-in profile (a base image) that offers what a binary needs. Data
//! and lookups only; the release facts (glibc, libstdc++ per release) come from the
//! target crate's profiles, never from a second table here.

use std::cmp::Ordering;

use whyrun_target::model::{LibcFamily, TargetModel};
use whyrun_target::profiles;

/// How a target installs packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    /// Debian, Ubuntu and their derivatives: `apt-get`.
    Apt,
    /// Alpine: `apk`.
    Apk,
    /// RHEL, CentOS, Rocky, Alma, Fedora, Amazon Linux: `dnf` (`yum` on the older ones).
    Dnf,
}

/// The Dockerfile line that installs `package` with the target's package manager
/// ([`packaging`]: `apk` on Alpine, `apt-get` on Debian and Ubuntu, `dnf` on
/// RHEL-likes, `yum` on CentOS/RHEL 7 and Amazon Linux 2). `None` when the target has no
/// package manager (scratch, distroless) or its distribution is not known. The package
/// names used by the GO rules (`ca-certificates`, `tzdata`) are the same on all of them.
pub fn install_package(target: &TargetModel, package: &str) -> Option<String> {
    let packaging = packaging(target)?;
    let os = target.os.as_ref()?;
    let version = os.version_id.as_deref().unwrap_or("");
    let line = match packaging {
        Packaging::Apk => format!("RUN apk add --no-cache {package}"),
        Packaging::Apt => format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {package} && rm -rf /var/lib/apt/lists/*"
        ),
        Packaging::Dnf => {
            let old = match os.id.as_str() {
                "centos" | "rhel" | "ol" => version.starts_with('7'),
                "amzn" => version == "2",
                _ => false,
            };
            if old {
                format!("RUN yum install -y {package}")
            } else {
                format!("RUN dnf install -y {package}")
            }
        }
    };
    Some(line)
}

/// The packaging family of the target, from `/etc/os-release`; `None` for an image without
/// a package manager (scratch, distroless) or an unknown distribution. The install
/// command itself is [`install_package`].
pub fn packaging(target: &TargetModel) -> Option<Packaging> {
    let os = target.os.as_ref()?;
    if is_distroless(target) {
        return None;
    }
    match os.id.as_str() {
        "debian" | "ubuntu" | "linuxmint" | "raspbian" | "pop" | "kali" | "devuan" => {
            Some(Packaging::Apt)
        }
        "alpine" | "postmarketos" => Some(Packaging::Apk),
        "rhel" | "centos" | "rocky" | "almalinux" | "fedora" | "amzn" | "ol" => {
            Some(Packaging::Dnf)
        }
        _ => None,
    }
}

/// A distroless image: Debian's files without a package manager or shell.
pub fn is_distroless(target: &TargetModel) -> bool {
    target
        .os
        .as_ref()
        .and_then(|o| o.pretty_name.as_deref())
        .is_some_and(|p| p.to_ascii_lowercase().contains("distroless"))
}

/// Packages providing common shared libraries, by SONAME: (Debian/Ubuntu, Alpine, RHEL
/// family). Debian names are bookworm's, checked with `apt-file search` against its
/// Contents index (trixie's `t64` renames, such as `libssl3t64`, provide the old names, so
/// `apt-get` selects them); Alpine names from aports (`sqlite-libs`, `libssl3`/`libcrypto3`,
/// gcc's `libstdc++`/`libgcc`/`libgomp`/`libatomic`); RHEL names from its base packages.
/// `None` where the family has no such package or it was not checked.
const PACKAGES: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "libsqlite3.so.0",
        "libsqlite3-0",
        Some("sqlite-libs"),
        Some("sqlite-libs"),
    ),
    (
        "libssl.so.3",
        "libssl3",
        Some("libssl3"),
        Some("openssl-libs"),
    ),
    (
        "libcrypto.so.3",
        "libssl3",
        Some("libcrypto3"),
        Some("openssl-libs"),
    ),
    (
        "libstdc++.so.6",
        "libstdc++6",
        Some("libstdc++"),
        Some("libstdc++"),
    ),
    ("libgcc_s.so.1", "libgcc-s1", Some("libgcc"), Some("libgcc")),
    ("libgomp.so.1", "libgomp1", Some("libgomp"), Some("libgomp")),
    (
        "libatomic.so.1",
        "libatomic1",
        Some("libatomic"),
        Some("libatomic"),
    ),
    ("libz.so.1", "zlib1g", Some("zlib"), Some("zlib")),
    ("libpq.so.5", "libpq5", Some("libpq"), Some("libpq")),
    ("libcurl.so.4", "libcurl4", Some("libcurl"), Some("libcurl")),
    ("libffi.so.8", "libffi8", Some("libffi"), Some("libffi")),
    (
        "libbz2.so.1.0",
        "libbz2-1.0",
        Some("libbz2"),
        Some("bzip2-libs"),
    ),
    ("liblzma.so.5", "liblzma5", Some("xz-libs"), Some("xz-libs")),
    (
        "libzstd.so.1",
        "libzstd1",
        Some("zstd-libs"),
        Some("libzstd"),
    ),
    ("libexpat.so.1", "libexpat1", None, Some("expat")),
    ("libxml2.so.2", "libxml2", Some("libxml2"), Some("libxml2")),
    ("libuuid.so.1", "libuuid1", None, Some("libuuid")),
    ("libpcre2-8.so.0", "libpcre2-8-0", None, Some("pcre2")),
    ("libcap.so.2", "libcap2", None, Some("libcap")),
    ("libseccomp.so.2", "libseccomp2", None, Some("libseccomp")),
    ("libsystemd.so.0", "libsystemd0", None, Some("systemd-libs")),
    ("libmariadb.so.3", "libmariadb3", None, None),
    ("libcrypt.so.1", "libcrypt1", None, Some("libxcrypt")),
    ("libreadline.so.8", "libreadline8", None, None),
    ("libtinfo.so.6", "libtinfo6", None, None),
    ("libncursesw.so.6", "libncursesw6", None, None),
    ("libyaml-0.so.2", "libyaml-0-2", None, None),
    ("libpng16.so.16", "libpng16-16", None, None),
    ("libgmp.so.10", "libgmp10", None, None),
    ("libuv.so.1", "libuv1", None, None),
    ("libsodium.so.23", "libsodium23", None, None),
    ("libkrb5.so.3", "libkrb5-3", None, Some("krb5-libs")),
    (
        "libgssapi_krb5.so.2",
        "libgssapi-krb5-2",
        None,
        Some("krb5-libs"),
    ),
    ("libidn2.so.0", "libidn2-0", None, None),
    ("libc.so.6", "libc6", None, Some("glibc")),
    ("libm.so.6", "libc6", None, Some("glibc")),
    ("libpthread.so.0", "libc6", None, Some("glibc")),
    ("libdl.so.2", "libc6", None, Some("glibc")),
    ("librt.so.1", "libc6", None, Some("glibc")),
    ("libresolv.so.2", "libc6", None, Some("glibc")),
];

/// The package that provides `soname` on this packaging family, if known.
pub fn package_for(soname: &str, packaging: Packaging) -> Option<&'static str> {
    let (_, deb, apk, rpm) = PACKAGES.iter().find(|(s, ..)| *s == soname)?;
    match packaging {
        Packaging::Apt => Some(deb),
        Packaging::Apk => *apk,
        Packaging::Dnf => *rpm,
    }
}

/// How to get `soname` onto `target`: the install command with the package that provides
/// it, or (without a table entry) the package manager's own query by SONAME: Alpine's
/// `so:` provides and RPM's automatic `SONAME()(64bit)` provides install directly;
/// Debian needs `apt-file` to find the package first. `None` without a package manager.
pub fn install_library(
    target: &TargetModel,
    soname: &str,
    is_64: bool,
) -> Option<(String, Vec<String>)> {
    let p = packaging(target)?;
    if let Some(pkg) = package_for(soname, p) {
        return Some((
            format!("Install {pkg}, which provides {soname}"),
            vec![install_package(target, pkg)?],
        ));
    }
    Some(match p {
        Packaging::Apk => (
            format!("Install the package that provides {soname} (apk resolves it by SONAME)"),
            vec![install_package(target, &format!("so:{soname}"))?],
        ),
        Packaging::Dnf => {
            let provide = if is_64 { format!("'{soname}()(64bit)'") } else { format!("'{soname}'") };
            (
                format!("Install the package that provides {soname} (dnf resolves it by SONAME)"),
                vec![install_package(target, &provide)?],
            )
        }
        Packaging::Apt => (
            format!("Find the package that provides {soname} and install it"),
            vec![format!(
                "apt-get update && apt-get install -y apt-file && apt-file update && apt-file search --regexp '/{}$'",
                soname.replace('.', "\\.").replace('+', "\\+")
            )],
        ),
    })
}

/// A base image (a built-in profile) that offers what a binary needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseImage {
    /// The profile name: `debian-12`.
    pub profile: String,
    /// What to write after `FROM`: `debian:12`, `registry.access.redhat.com/ubi9`.
    pub image: String,
    /// Its C library version: `2.36`.
    pub libc_version: String,
}

/// The distribution family an OS id belongs to, for choosing a replacement base image.
fn family(os_id: &str) -> &str {
    match os_id {
        "rhel" | "centos" | "rocky" | "almalinux" | "ol" => "rhel",
        other => other,
    }
}

/// The built-in profile of the target's distribution family (else Debian's), for the
/// binary's machine, whose model satisfies `fits`: the oldest whose C library is not older
/// than the target's, and among equals the one whose name is closest to the target's
/// (`distroless-base-debian11` → `distroless-base-debian12`).
pub fn nearest_base_image(
    target: &TargetModel,
    machine: &str,
    fits: impl Fn(&TargetModel) -> bool,
) -> Option<BaseImage> {
    let own = target
        .os
        .as_ref()
        .map(|o| family(&o.id).to_string())
        .unwrap_or_default();
    let pick = |fam: &str| -> Option<BaseImage> {
        let mut hits: Vec<(TargetModel, usize, String)> = profiles::all()
            .iter()
            .filter(|p| p.os.as_ref().is_some_and(|o| family(&o.id) == fam))
            .filter_map(|p| {
                let m = p.model(machine).ok()?;
                if !fits(&m) || m.libc.is_none() {
                    return None;
                }
                let shared = p
                    .name
                    .bytes()
                    .zip(target.name.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let image = p
                    .aliases
                    .iter()
                    .find(|a| a.contains(':') || a.contains('/'))
                    .cloned()
                    .unwrap_or_else(|| p.name.clone());
                Some((m, shared, image))
            })
            .collect();
        let own_libc = target.libc.as_ref().map(|l| l.version.as_str());
        let key = |m: &TargetModel| {
            let v = m
                .libc
                .as_ref()
                .map(|l| l.version.clone())
                .unwrap_or_default();
            let older = own_libc.is_some_and(|o| compare_dotted(&v, o) == Ordering::Less);
            (older, v)
        };
        hits.sort_by(|a, b| {
            let (oa, va) = key(&a.0);
            let (ob, vb) = key(&b.0);
            oa.cmp(&ob)
                .then(compare_dotted(&va, &vb))
                .then(b.1.cmp(&a.1))
        });
        hits.into_iter().next().map(|(m, _, image)| BaseImage {
            profile: m.name.clone(),
            image,
            libc_version: m.libc.map(|l| l.version).unwrap_or_default(),
        })
    };
    pick(&own).or_else(|| {
        if own == "debian" {
            None
        } else {
            pick("debian")
        }
    })
}

/// A Debian release to build in so the result runs on a glibc no newer than a target's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildBase {
    /// `debian:11`.
    pub image: String,
    /// `bullseye`: the suffix of the matching `golang:1.N-…` image.
    pub codename: String,
    pub glibc: String,
}

/// The newest Debian release (a built-in profile) whose glibc is not newer than `max`:
/// building there links against symbol versions `max` has.
pub fn debian_build_base(max: &str, machine: &str) -> Option<BuildBase> {
    profiles::all()
        .iter()
        .filter(|p| p.name.starts_with("debian-"))
        .filter_map(|p| {
            let m = p.model(machine).ok()?;
            let glibc = m.libc.as_ref()?.version.clone();
            if compare_dotted(&glibc, max) == Ordering::Greater {
                return None;
            }
            let pretty = p.os.as_ref()?.pretty_name.as_deref()?;
            let codename = pretty.split_once('(')?.1.trim_end_matches(')').to_string();
            let image = p.aliases.iter().find(|a| a.contains(':'))?.clone();
            Some(BuildBase {
                image,
                codename,
                glibc,
            })
        })
        .max_by(|a, b| compare_dotted(&a.glibc, &b.glibc))
}

/// The image a profile target stands for (`centos:7`), if the target is one.
pub fn profile_image(target: &TargetModel) -> Option<String> {
    let name = target.name.split('@').next().unwrap_or_default();
    let p = profiles::find(name)?;
    p.aliases
        .iter()
        .find(|a| a.contains(':') || a.contains('/'))
        .cloned()
}

/// `1.24` for a Go binary built by `go1.24.4`.
pub fn go_minor(facts: &whyrun_facts::Facts) -> Option<String> {
    let v = facts.go.as_ref()?.version.as_deref()?.strip_prefix("go")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

/// Orders dotted version numbers (`2.34` < `2.36`, `1.2.10` > `1.2.9`).
pub fn compare_dotted(a: &str, b: &str) -> Ordering {
    let nums = |s: &str| -> Vec<u32> { s.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    nums(a).cmp(&nums(b))
}

/// The glibc release a `GLIBC_x.y` version name stands for: `2.34`.
pub fn glibc_release(version: &str) -> Option<&str> {
    version
        .strip_prefix("GLIBC_")
        .filter(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// Whether the target's C library is glibc.
pub fn is_glibc(target: &TargetModel) -> bool {
    target
        .libc
        .as_ref()
        .is_some_and(|l| l.family == LibcFamily::Glibc)
}

/// Whether the target's C library is musl.
pub fn is_musl(target: &TargetModel) -> bool {
    target
        .libc
        .as_ref()
        .is_some_and(|l| l.family == LibcFamily::Musl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn packages_by_distribution() {
        let debian = with_os(debian12(), "debian", "12");
        let alpine = with_os(alpine(), "alpine", "3.19");
        let (why, cmds) = install_library(&debian, "libsqlite3.so.0", true).unwrap();
        assert!(why.contains("libsqlite3-0"), "{why}");
        assert!(
            cmds[0].contains("apt-get install -y --no-install-recommends libsqlite3-0"),
            "{cmds:?}"
        );
        let (_, cmds) = install_library(&alpine, "libsqlite3.so.0", true).unwrap();
        assert_eq!(cmds, ["RUN apk add --no-cache sqlite-libs"]);
        let (_, cmds) = install_library(&alpine, "libfoo.so.7", true).unwrap();
        assert_eq!(cmds, ["RUN apk add --no-cache so:libfoo.so.7"]);
        assert_eq!(install_library(&scratch(), "libsqlite3.so.0", true), None);
    }

    #[test]
    fn nearest_image_with_a_newer_glibc() {
        let needs_2_34 = |m: &TargetModel| {
            m.libc
                .as_ref()
                .is_some_and(|l| compare_dotted(&l.version, "2.34") != Ordering::Less)
        };
        let mut target = debian11();
        let img = nearest_base_image(&target, "x86_64", needs_2_34).unwrap();
        assert_eq!(
            (img.image.as_str(), img.libc_version.as_str()),
            ("debian:12", "2.36")
        );
        target.name = "distroless-base-debian11".into();
        let img = nearest_base_image(&target, "x86_64", needs_2_34).unwrap();
        assert_eq!(img.image, "gcr.io/distroless/base-debian12");
        assert_eq!(
            debian_build_base("2.35", "x86_64").unwrap().codename,
            "bullseye"
        );
        // No libc at all: Debian's family is the fallback.
        let img = nearest_base_image(&scratch(), "x86_64", needs_2_34).unwrap();
        assert_eq!(img.image, "debian:12");
    }
}
