//! Built-in target profiles (`--target NAME`): what well-known base images offer a binary,
//! from the data file `profiles.toml` (embedded), where every fact cites its source. A
//! profile becomes a [`TargetModel`] with `libraries` filled (SONAME, architecture,
//! version definitions derived from the package versions), so rules resolve libraries
//! without a file system. Owns the data and its derivation; reads no file at run time.

mod versions;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{
    Group, ImageConfig, Libc, LibcFamily, Library, OsRelease, RuntimeFiles, SourceKind,
    TargetModel, User, SCHEMA,
};

pub use versions::{compare_names, parse_name, select};

/// The data file, embedded.
pub const DATA: &str = include_str!("../../profiles.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    glibc: GlibcData,
    interpreters: Interpreters,
    versions: Vec<VersionList>,
    profile: Vec<Profile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GlibcData {
    arch_base_source: String,
    arch_base: BTreeMap<String, String>,
    default_libraries: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Interpreters {
    source: String,
    glibc: BTreeMap<String, String>,
    musl: BTreeMap<String, String>,
}

/// Version names a library may define, oldest first, with their source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionList {
    pub id: String,
    pub source: String,
    pub names: Vec<String>,
}

/// One built-in profile, as the data file states it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub os: Option<OsData>,
    pub os_source: Option<String>,
    /// OCI architecture names the image is published for (`amd64`, `arm64`, `armhf`…).
    pub arches: Vec<String>,
    pub arches_source: String,
    pub libc: Option<LibcData>,
    /// Why there is no libc, for profiles without one.
    pub libc_source: Option<String>,
    pub loader_source: Option<String>,
    /// Where the image keeps its libraries; `{triplet}` is Debian's multiarch triplet.
    pub lib_dir: String,
    /// The glibc libraries present (default: `[glibc] default_libraries`).
    pub glibc_libraries: Option<Vec<String>>,
    pub ca: Fact,
    pub zoneinfo: Fact,
    pub passwd: Fact,
    pub tmp: Option<Fact>,
    /// Users beyond root, `name:uid:gid:home:shell`.
    #[serde(default)]
    pub users: Vec<String>,
    pub default_user: UserFact,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub nsswitch_hosts: Option<String>,
    #[serde(default)]
    pub libraries: Vec<LibraryData>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsData {
    pub id: String,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibcData {
    pub family: String,
    pub version: String,
    pub source: String,
}

/// A yes/no fact with its source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fact {
    pub present: bool,
    /// The file, when present (a CA bundle path).
    pub bundle: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFact {
    pub user: String,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryData {
    pub soname: String,
    /// The version list its names come from; none for a library without symbol versions.
    pub list: Option<String>,
    /// Newest node per prefix the package's version defines.
    #[serde(default)]
    pub upto: Vec<String>,
    pub package: String,
    pub source: String,
}

/// Why a profile could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    #[error("no built-in profile named {name:?}; known: {known}")]
    Unknown { name: String, known: String },
    #[error("profile {profile} has no image for architecture {arch:?}; it has: {have}")]
    NoSuchArch {
        profile: String,
        arch: String,
        have: String,
    },
}

fn data() -> &'static Data {
    static DATA_PARSED: OnceLock<Data> = OnceLock::new();
    DATA_PARSED.get_or_init(|| match toml::from_str(DATA) {
        Ok(d) => d,
        // The file is embedded and checked by this crate's tests: a parse error here is
        // a build defect, not an input error.
        Err(e) => panic!("profiles.toml is malformed: {e}"),
    })
}

/// Every built-in profile, in the data file's order.
pub fn all() -> &'static [Profile] {
    &data().profile
}

/// The version lists of the data file.
pub fn version_lists() -> &'static [VersionList] {
    &data().versions
}

/// Profile names, in the data file's order.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|p| p.name.as_str()).collect()
}

/// The profile named `name` or one of its aliases (case-insensitive).
pub fn find(name: &str) -> Option<&'static Profile> {
    let n = name.trim();
    all().iter().find(|p| {
        p.name.eq_ignore_ascii_case(n) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
    })
}

/// The profiles a mistyped or partial name most likely meant, best first, at most three:
/// every profile of a family when the name is the family (`alpine` → the newest
/// `alpine-3.*`), else those within a small edit distance (`debain-12` → `debian-12`). An
/// `@ARCH` suffix is kept.
pub fn suggest(spec: &str) -> Vec<String> {
    let (name, arch) = match spec.rsplit_once('@') {
        Some((n, a)) => (n, Some(a)),
        None => (spec, None),
    };
    let name = name.trim().to_ascii_lowercase().replace(':', "-");
    let mut out: Vec<&str> = names()
        .into_iter()
        .filter(|n| n.starts_with(&format!("{name}-")))
        .collect();
    out.reverse();
    if out.is_empty() {
        let name = name.as_str();
        let limit = 2.max(name.len() / 4);
        let mut scored: Vec<(usize, &str)> = all()
            .iter()
            .flat_map(|p| {
                std::iter::once(p.name.as_str())
                    .chain(p.aliases.iter().map(String::as_str))
                    .map(move |candidate| (strsim::levenshtein(name, candidate), p.name.as_str()))
            })
            .filter(|(d, _)| *d <= limit)
            .collect();
        scored.sort();
        // Only the nearest: `ubunto-22.04` means 22.04, not 20.04.
        let best = scored.first().map(|(d, _)| *d);
        for (_, n) in scored.into_iter().filter(|(d, _)| Some(*d) == best) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out.truncate(3);
    out.into_iter()
        .map(|n| match arch {
            Some(a) => format!("{n}@{a}"),
            None => n.to_string(),
        })
        .collect()
}

/// The model of a profile named `NAME` or `NAME@ARCH` (`debian-12`, `alpine:3.19@arm64`);
/// `None` when no profile or no such architecture exists.
pub fn profile(spec: &str) -> Option<TargetModel> {
    let (name, arch) = match spec.rsplit_once('@') {
        Some((n, a)) if find(n).is_some() => (n, Some(a)),
        _ => (spec, None),
    };
    let mut m = model(name, arch).ok()?;
    // `debian-12@arm64` is named so wherever the target is shown.
    if arch.is_some() {
        m.name = spec.to_string();
    }
    Some(m)
}

/// Every profile's name with a one-line summary (libc, architectures, runtime files).
pub fn list() -> Vec<(&'static str, String)> {
    all()
        .iter()
        .map(|p| {
            let libc = match &p.libc {
                Some(l) => format!("{} {}", l.family, l.version),
                None => "no libc".into(),
            };
            let yes = |b: bool| if b { "yes" } else { "no" };
            (
                p.name.as_str(),
                format!(
                    "{libc}; {}; CA certs {}, tzdata {}",
                    p.arches.join(" "),
                    yes(p.ca.present),
                    yes(p.zoneinfo.present)
                ),
            )
        })
        .collect()
}

/// The model of profile `name` for `arch` (OCI or facts-crate name; default amd64).
pub fn model(name: &str, arch: Option<&str>) -> Result<TargetModel, ProfileError> {
    let p = find(name).ok_or_else(|| ProfileError::Unknown {
        name: name.into(),
        known: names().join(", "),
    })?;
    p.model(arch.unwrap_or("amd64"))
}

/// An OCI architecture name (`amd64`, `arm64`, `arm/v7`) as the facts crate names the
/// ELF machine (`x86_64`, `aarch64`, `armhf`). Facts-crate names pass through.
pub fn machine_of(oci: &str) -> &str {
    match oci {
        "amd64" => "x86_64",
        "arm64" | "arm64/v8" => "aarch64",
        "arm" | "arm/v7" | "arm/v6" | "armhf" => "armhf",
        "arm/v5" | "armel" => "armel",
        "386" | "i386" | "i686" => "i386",
        "mips64le" => "mips64el",
        other => other,
    }
}

/// Debian's multiarch triplet of a machine.
fn triplet(machine: &str) -> &str {
    match machine {
        "x86_64" => "x86_64-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "armhf" => "arm-linux-gnueabihf",
        "armel" => "arm-linux-gnueabi",
        "i386" => "i386-linux-gnu",
        "ppc64le" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        "mips64el" => "mips64el-linux-gnuabi64",
        other => other,
    }
}

fn version_list(id: &str) -> Option<&'static VersionList> {
    version_lists().iter().find(|l| l.id == id)
}

fn parse_user(spec: &str) -> Option<User> {
    let f: Vec<&str> = spec.split(':').collect();
    Some(User {
        name: f.first()?.to_string(),
        uid: f.get(1)?.parse().ok()?,
        gid: f.get(2)?.parse().ok()?,
        home: f.get(3).unwrap_or(&"").to_string(),
        shell: f.get(4).unwrap_or(&"").to_string(),
    })
}

impl Profile {
    pub fn libc_family(&self) -> Option<LibcFamily> {
        match self.libc.as_ref()?.family.as_str() {
            "glibc" => Some(LibcFamily::Glibc),
            "musl" => Some(LibcFamily::Musl),
            _ => None,
        }
    }

    /// The program interpreter of this profile's libc on `machine`.
    pub fn loader(&self, machine: &str) -> Option<String> {
        let interp = &data().interpreters;
        let table = match self.libc_family()? {
            LibcFamily::Glibc => &interp.glibc,
            LibcFamily::Musl => &interp.musl,
        };
        table.get(machine).cloned()
    }

    /// Where the libc version of this profile comes from (or why it has none).
    pub fn libc_source(&self) -> Option<&str> {
        self.libc
            .as_ref()
            .map(|l| l.source.as_str())
            .or(self.libc_source.as_deref())
    }

    /// The glibc version names `soname` defines on `machine` for this profile's glibc.
    pub fn glibc_versions(&self, soname: &str, machine: &str) -> Vec<String> {
        let Some(libc) = self.libc.as_ref().filter(|l| l.family == "glibc") else {
            return Vec::new();
        };
        let id = if soname.starts_with("ld-") || soname.starts_with("ld64") {
            "ld.so"
        } else {
            soname
        };
        let Some(l) = version_list(id) else {
            return Vec::new();
        };
        let base = data().glibc.arch_base.get(machine).map(String::as_str);
        versions::select_glibc(&l.names, &libc.version, base)
    }

    /// The model of this profile's image for `arch` (OCI or facts-crate name).
    pub fn model(&self, arch: &str) -> Result<TargetModel, ProfileError> {
        let machine = machine_of(arch).to_string();
        if !self.arches.iter().any(|a| machine_of(a) == machine) {
            return Err(ProfileError::NoSuchArch {
                profile: self.name.clone(),
                arch: arch.into(),
                have: self.arches.join(", "),
            });
        }
        let oci = self
            .arches
            .iter()
            .find(|a| machine_of(a) == machine)
            .cloned()
            .unwrap_or_else(|| arch.to_string());
        let lib_dir = self.lib_dir.replace("{triplet}", triplet(&machine));
        let mut sources = BTreeMap::new();
        let mut m = TargetModel {
            schema: SCHEMA.into(),
            name: self.name.clone(),
            source: SourceKind::Profile,
            os: self.os.as_ref().map(|o| OsRelease {
                id: o.id.clone(),
                version_id: o.version_id.clone(),
                pretty_name: o.pretty_name.clone(),
            }),
            native_arches: vec![machine.clone()],
            env: self.env.clone(),
            ..TargetModel::default()
        };
        sources.insert("arches".into(), self.arches_source.clone());
        if let Some(s) = &self.os_source {
            sources.insert("os".into(), s.clone());
        }

        if let (Some(libc), Some(family)) = (&self.libc, self.libc_family()) {
            let loader = self.loader(&machine).unwrap_or_default();
            m.libc = Some(Libc {
                family,
                version: libc.version.clone(),
                loader: loader.clone(),
                arch: machine.clone(),
            });
            if !loader.is_empty() {
                m.interpreters.push(loader.clone());
            }
            m.libraries
                .extend(self.libc_libraries(family, &machine, &lib_dir, &loader));
            if family == LibcFamily::Glibc {
                let lists: Vec<String> = m
                    .libraries
                    .iter()
                    .filter_map(|l| {
                        version_list(&l.soname).map(|v| format!("{}: {}", v.id, v.source))
                    })
                    .collect();
                sources.insert(
                    "glibc_versions".into(),
                    format!(
                        "names up to GLIBC_{} from the version lists ({}); {}",
                        libc.version,
                        lists.join("; "),
                        data().glibc.arch_base_source
                    ),
                );
            }
        }
        if let Some(s) = self.libc_source() {
            sources.insert("libc".into(), s.to_string());
        }
        if let Some(s) = &self.loader_source {
            sources.insert(
                "loader".into(),
                format!("{s}; {}", data().interpreters.source),
            );
        }
        for lib in &self.libraries {
            let versions = match &lib.list {
                Some(id) => version_list(id).map_or_else(Vec::new, |l| select(&l.names, &lib.upto)),
                None => Vec::new(),
            };
            m.libraries.push(Library {
                soname: lib.soname.clone(),
                path: format!("{lib_dir}/{}", lib.soname),
                arch: machine.clone(),
                versions,
            });
            sources.insert(
                format!("libraries.{}", lib.soname),
                format!("{} ({})", lib.source, lib.package),
            );
        }

        let tmp = !matches!(&self.tmp, Some(t) if !t.present);
        m.runtime_files = RuntimeFiles {
            ca_bundle: self.ca.present.then(|| {
                self.ca
                    .bundle
                    .clone()
                    .unwrap_or_else(|| "/etc/ssl/certs/ca-certificates.crt".into())
            }),
            ca_dirs: if self.ca.present {
                vec!["/etc/ssl/certs".into()]
            } else {
                Vec::new()
            },
            zoneinfo: self
                .zoneinfo
                .present
                .then(|| "/usr/share/zoneinfo/".to_string()),
            passwd: self.passwd.present,
            group: self.passwd.present,
            nsswitch_hosts: self.nsswitch_hosts.clone(),
            nsswitch_passwd: None,
            // Container runtimes bind-mount these into every container.
            resolv_conf: true,
            etc_hosts: true,
            tmp,
        };
        sources.insert("ca_bundle".into(), self.ca.source.clone());
        sources.insert("zoneinfo".into(), self.zoneinfo.source.clone());
        sources.insert("passwd".into(), self.passwd.source.clone());
        sources.insert(
            "resolv_conf".into(),
            "provided at run time by the container runtime (Docker and Kubernetes bind-mount /etc/resolv.conf and /etc/hosts)".into(),
        );
        if let Some(t) = &self.tmp {
            sources.insert("tmp".into(), t.source.clone());
        }
        if self.passwd.present {
            m.users.push(User {
                name: "root".into(),
                uid: 0,
                gid: 0,
                home: "/root".into(),
                shell: "/bin/sh".into(),
            });
            for u in self.users.iter().filter_map(|s| parse_user(s)) {
                if let Some(existing) = m.users.iter_mut().find(|e| e.name == u.name) {
                    *existing = u;
                } else {
                    m.users.push(u);
                }
            }
            m.groups = m
                .users
                .iter()
                .map(|u| Group {
                    name: u.name.clone(),
                    gid: u.gid,
                    members: Vec::new(),
                })
                .collect();
        }
        m.default_user = (self.default_user.user != "root").then(|| self.default_user.user.clone());
        sources.insert("default_user".into(), self.default_user.source.clone());
        m.image = Some(ImageConfig {
            architecture: Some(oci_arch(&oci).0.to_string()),
            variant: oci_arch(&oci).1.map(String::from),
            user: m.default_user.clone(),
            env: self.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            ..ImageConfig::default()
        });
        m.sources = sources;
        Ok(m)
    }

    fn libc_libraries(
        &self,
        family: LibcFamily,
        machine: &str,
        lib_dir: &str,
        loader: &str,
    ) -> Vec<Library> {
        let mut out = Vec::new();
        match family {
            LibcFamily::Glibc => {
                let names = self
                    .glibc_libraries
                    .clone()
                    .unwrap_or_else(|| data().glibc.default_libraries.clone());
                for soname in names {
                    out.push(Library {
                        versions: self.glibc_versions(&soname, machine),
                        path: format!("{lib_dir}/{soname}"),
                        soname,
                        arch: machine.to_string(),
                    });
                }
                if let Some(base) = loader.rsplit('/').next().filter(|b| !b.is_empty()) {
                    out.push(Library {
                        soname: base.to_string(),
                        path: loader.to_string(),
                        arch: machine.to_string(),
                        versions: self.glibc_versions(base, machine),
                    });
                }
            }
            LibcFamily::Musl => {
                // musl is one file: the loader is libc, and the names musl reserves for
                // itself (ldso/dynlink.c) resolve to it whatever the path search finds.
                let arch = crate::musl::arch_of_loader(loader).unwrap_or(machine);
                let mut names = vec![format!("libc.musl-{arch}.so.1")];
                names.extend(
                    [
                        "libc.so",
                        "libdl.so.2",
                        "libm.so.6",
                        "libpthread.so.0",
                        "librt.so.1",
                        "libutil.so.1",
                        "libxnet.so",
                    ]
                    .iter()
                    .map(|s| s.to_string()),
                );
                for soname in names {
                    out.push(Library {
                        path: loader.to_string(),
                        soname,
                        arch: machine.to_string(),
                        versions: Vec::new(),
                    });
                }
            }
        }
        out
    }
}

/// OCI `architecture` and `variant` of a profile's architecture name.
fn oci_arch(a: &str) -> (&str, Option<&str>) {
    match a {
        "armhf" => ("arm", Some("v7")),
        "armel" => ("arm", Some("v5")),
        "i386" => ("386", None),
        "arm64" => ("arm64", Some("v8")),
        other => (other, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_lists_resolve() {
        assert!(all().len() >= 30);
        for p in all() {
            for l in &p.libraries {
                if let Some(id) = &l.list {
                    assert!(version_list(id).is_some(), "{}: unknown list {id}", p.name);
                }
            }
        }
    }

    #[test]
    fn debian12_amd64() {
        let m = model("debian:12", None).unwrap();
        let libc = m.libc.unwrap();
        assert_eq!(libc.version, "2.36");
        assert_eq!(libc.loader, "/lib64/ld-linux-x86-64.so.2");
        let c = m
            .libraries
            .iter()
            .find(|l| l.soname == "libc.so.6")
            .unwrap();
        assert!(c.versions.iter().any(|v| v == "GLIBC_2.34"));
        assert!(c.versions.iter().any(|v| v == "GLIBC_ABI_DT_RELR"));
        assert!(!c.versions.iter().any(|v| v == "GLIBC_2.38"));
        assert!(!c.versions.iter().any(|v| v == "GLIBC_2.0"));
        assert_eq!(c.path, "/lib/x86_64-linux-gnu/libc.so.6");
    }

    #[test]
    fn aarch64_base() {
        let m = model("ubuntu-22.04", Some("arm64")).unwrap();
        let c = m
            .libraries
            .iter()
            .find(|l| l.soname == "libc.so.6")
            .unwrap();
        assert_eq!(c.versions.first().map(String::as_str), Some("GLIBC_2.17"));
        assert_eq!(m.libc.unwrap().loader, "/lib/ld-linux-aarch64.so.1");
        assert!(model("ubuntu-22.04", Some("mips64le")).is_err());
        assert!(model("nope", None).is_err());
    }

    /// A profile taken for another architecture says so in its name, which every report
    /// shows.
    #[test]
    fn an_architecture_suffix_stays_in_the_name() {
        assert_eq!(profile("debian-12@arm64").unwrap().name, "debian-12@arm64");
        assert_eq!(profile("debian-12").unwrap().name, "debian-12");
    }

    #[test]
    fn near_names_are_suggested() {
        assert_eq!(suggest("debain-12"), ["debian-12"]);
        assert_eq!(suggest("ubunto-22.04@arm64"), ["ubuntu-22.04@arm64"]);
        assert_eq!(
            suggest("alpine"),
            ["alpine-3.21", "alpine-3.20", "alpine-3.19"]
        );
        assert!(suggest("windows-11").is_empty());
    }
}
