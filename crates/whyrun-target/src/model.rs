//! The target model: everything a system offers a binary, as plain serializable data. It is
//! what rules read and what `whyrun snapshot` writes (schema `whyrun.target/1`). Built from
//! a file view (host, root, image) by `describe`, or loaded from a built-in profile or a
//! snapshot. This module holds the data only; it reads nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The snapshot schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "whyrun.target/1";

/// Everything a system offers a binary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetModel {
    /// `whyrun.target/1`.
    pub schema: String,
    /// How the user named it: `host`, `alpine-3.19`, the root directory, the image file.
    pub name: String,
    pub source: SourceKind,
    /// From `/etc/os-release`.
    pub os: Option<OsRelease>,
    /// The kernel binaries will run on; unknown for a root or an image (they run on
    /// whatever kernel starts them) unless given.
    pub kernel: Option<Kernel>,
    /// The CPU binaries will run on; unknown for a profile unless given.
    pub cpu: Option<CpuInfo>,
    /// ELF machines (the facts crate's names: `x86_64`, `i386`, `aarch64`, `armhf`, …) the
    /// kernel runs natively, the primary one first (an x86_64 kernel also runs `i386`).
    pub native_arches: Vec<String>,
    /// binfmt_misc handlers: foreign binaries the kernel hands to an emulator.
    pub binfmt: Vec<BinfmtHandler>,
    /// The C library of the system, read from its own files.
    pub libc: Option<Libc>,
    /// Program interpreters present, as absolute paths inside the target
    /// (`/lib64/ld-linux-x86-64.so.2`, `/lib/ld-musl-x86_64.so.1`).
    pub interpreters: Vec<String>,
    /// Shared libraries the loader reaches without help (cache and default paths). Filled
    /// for profiles and snapshots, where no file view exists to search; a root, an image and
    /// the host are searched through the loader instead.
    pub libraries: Vec<Library>,
    pub runtime_files: RuntimeFiles,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// The environment the binary starts with, as far as it matters: `LD_LIBRARY_PATH`,
    /// `SSL_CERT_FILE`, `SSL_CERT_DIR`, `ZONEINFO`, `TZ`, `USER`, `HOME`, `PATH`, `GODEBUG`.
    pub env: BTreeMap<String, String>,
    /// The user the binary runs as when nothing else says (an image's `User`, a
    /// profile's default user); `None` means root.
    pub default_user: Option<String>,
    /// A container image's configuration.
    pub image: Option<ImageConfig>,
    /// Mounts, for the host (`noexec`, `nosuid`).
    pub mounts: Vec<Mount>,
    /// Kernel settings launch rules need (`net.ipv4.ip_unprivileged_port_start`), each with
    /// where it was read: the running machine's `/proc/sys`, or the sysctl configuration
    /// (`FILE:LINE`) of a root or image. A key not set keeps the kernel's default.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, Reading>,
    /// The security modules' state: `selinux` (`enforcing`, `permissive`, `disabled`),
    /// `selinux-policy` (`targeted`), `apparmor` (`enabled`, `disabled`), each with where
    /// it was read (the running kernel's `/sys`, else the target's configuration).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub security: BTreeMap<String, Reading>,
    /// Installed versions of the packages that start programs (`systemd`, `podman`,
    /// `docker.io`, `containerd`, `runc`, `cri-o`, …), from the package database.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub packages: BTreeMap<String, Reading>,
    /// Where each fact of a built-in profile comes from: field name to source.
    pub sources: BTreeMap<String, String>,
    /// What could not be read while describing (a file too large, unreadable, malformed);
    /// the other facts stand.
    pub warnings: Vec<String>,
}

/// A value read from the target, and where it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    pub value: String,
    pub from: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    #[default]
    Host,
    Root,
    Image,
    Profile,
    Snapshot,
}

impl SourceKind {
    /// `host`, `root`, `image`, `profile`, `snapshot`: as in JSON.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Host => "host",
            SourceKind::Root => "root",
            SourceKind::Image => "image",
            SourceKind::Profile => "profile",
            SourceKind::Snapshot => "snapshot",
        }
    }
}

/// `/etc/os-release`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OsRelease {
    pub id: String,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Kernel {
    /// `uname -r`: `6.1.0-18-amd64`.
    pub release: String,
    /// Whether the kernel runs its architecture's 32-bit programs (i386 on x86-64,
    /// 32-bit ARM on arm64), as far as its configuration and command line say; `None`
    /// when they could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compat32: Option<Compat32>,
    /// Whether an x86-64 kernel runs x32 programs (ELFCLASS32, EM_X86_64):
    /// `CONFIG_X86_X32_ABI`, and on Debian's kernels `syscall.x32=` over
    /// `CONFIG_X86_X32_DISABLED`; `None` when the configuration could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x32: Option<Compat32>,
    /// `/sys/devices/system/cpu/aarch32_el0`, the CPUs that run 32-bit ARM programs, as
    /// the kernel lists them (`0-3`): present only on an arm64 system whose cores differ in
    /// AArch32 support and whose kernel was booted with `allow_mismatched_32bit_el0`
    /// (Documentation/arch/arm64/asymmetric-32bit.rst).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aarch32_el0: Option<String>,
}

/// The kernel's 32-bit compatibility mode, and what says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Compat32 {
    pub enabled: bool,
    /// What was read, in the user's terms: `CONFIG_IA32_EMULATION=y in /proc/config.gz`.
    pub evidence: String,
}

impl Kernel {
    /// The leading `major.minor.patch` numbers of the release.
    pub fn version(&self) -> Vec<u32> {
        self.release
            .split(|c: char| !c.is_ascii_digit())
            .take_while(|s| !s.is_empty())
            .take(3)
            .filter_map(|s| s.parse().ok())
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CpuInfo {
    /// The facts crate's machine name: `x86_64`, `aarch64`, `armhf`.
    pub arch: String,
    /// x86-64 levels reached, as GNU_PROPERTY_X86_ISA_1 bits: 1 baseline, 2 v2, 4 v3, 8 v4.
    pub x86_isa_levels: Option<u32>,
    /// CPU feature flags as `/proc/cpuinfo` names them (`avx2`, `bmi2`; `vfpv3`, `neon`).
    pub flags: Vec<String>,
    /// The model name, for the report.
    pub model: Option<String>,
    /// The distinct cores of an arm64 machine as `/proc/cpuinfo` identifies them (its
    /// MIDR_EL1 fields "CPU implementer" and "CPU part"); empty elsewhere or when unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cores: Vec<CpuCore>,
}

/// One kind of core: MIDR_EL1's implementer (`0x41` Arm, `0x61` Apple) and part number
/// (`0xd0b` Cortex-A76).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CpuCore {
    pub implementer: u32,
    pub part: u32,
}

impl CpuInfo {
    /// The highest x86-64 level reached (1 to 4), if known.
    pub fn x86_level(&self) -> Option<u32> {
        let l = self.x86_isa_levels?;
        (1..=4).rev().find(|i| l & (1 << (i - 1)) != 0)
    }
}

/// One `/proc/sys/fs/binfmt_misc` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BinfmtHandler {
    /// `qemu-aarch64`.
    pub name: String,
    pub enabled: bool,
    /// The emulator: `/usr/libexec/qemu-binfmt/aarch64-binfmt-P`.
    pub interpreter: String,
    /// The ELF machine it matches, decoded from its magic: `aarch64`.
    pub arch: Option<String>,
    /// `F` (fix binary: works in containers and chroots), `P`, `O`, `C`.
    pub flags: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LibcFamily {
    Glibc,
    Musl,
}

impl LibcFamily {
    pub fn name(self) -> &'static str {
        match self {
            LibcFamily::Glibc => "glibc",
            LibcFamily::Musl => "musl",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libc {
    pub family: LibcFamily,
    /// `2.36`, `1.2.4`.
    pub version: String,
    /// The loader's path: `/lib64/ld-linux-x86-64.so.2`.
    pub loader: String,
    /// The machine the libc is built for.
    pub arch: String,
}

/// A shared library the target offers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Library {
    pub soname: String,
    pub path: String,
    /// The facts crate's machine name.
    pub arch: String,
    /// Version names it defines (`GLIBC_2.34`); for a profile, every glibc version up to
    /// the distribution's.
    pub versions: Vec<String>,
}

/// The files a program reads at run time without saying so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuntimeFiles {
    /// The first CA bundle Go's crypto/x509 would find (after SSL_CERT_FILE).
    pub ca_bundle: Option<String>,
    /// CA directories holding certificates (`/etc/ssl/certs`).
    pub ca_dirs: Vec<String>,
    /// The zoneinfo directory Go's time package would use.
    pub zoneinfo: Option<String>,
    pub passwd: bool,
    pub group: bool,
    /// The `hosts:` line of `/etc/nsswitch.conf`, `None` when the file is absent.
    pub nsswitch_hosts: Option<String>,
    /// The `passwd:` line of `/etc/nsswitch.conf` (`files sss`), `None` when the file is
    /// absent or not read: where users come from besides `/etc/passwd`.
    pub nsswitch_passwd: Option<String>,
    pub resolv_conf: bool,
    pub etc_hosts: bool,
    /// `/tmp` exists and is a directory.
    pub tmp: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// An OCI/Docker image configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub exposed_ports: Vec<String>,
    /// OCI architecture: `amd64`, `arm64`, `arm`.
    pub architecture: Option<String>,
    /// `v7`, `v8`.
    pub variant: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mount {
    pub target: String,
    pub fstype: String,
    pub options: Vec<String>,
}
