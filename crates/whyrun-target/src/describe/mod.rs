//! `describe`: builds a [`TargetModel`] from what a system offers a binary, reading the
//! system's files only through its [`FileView`] (never the host's files when describing a
//! root or an image). Facts about the running machine (kernel, CPU, binfmt_misc, mounts,
//! environment) are taken only when the caller says the binary will run on this machine.
//! Reads small files with size bounds; never runs anything and never panics on odd
//! files: what cannot be read is left out and noted in `warnings`.

mod libc;
mod libraries;
mod machine;
mod os_release;
mod runtime;
mod services;
mod sysctl;

use std::collections::BTreeMap;
use std::path::Path;

use crate::fs::{FileView, FsError, HostView};
use crate::model::{CpuInfo, Kernel, SourceKind, TargetModel, SCHEMA};

pub use libc::{glibc_version_in, musl_version_in, KNOWN_INTERPRETERS};
pub use libraries::library_index;
pub use machine::{
    binfmt_arch, decide_compat32, decide_x32, parse_binfmt_entry, parse_cpuinfo, parse_mountinfo,
    ENV_KEYS,
};
pub use os_release::parse_os_release;
pub use runtime::{parse_group, parse_passwd, CA_BUNDLES, CA_DIRS, ZONEINFO_DIRS};

/// How to describe a view.
#[derive(Debug, Clone)]
pub struct DescribeOptions<'a> {
    /// How the user named the target (`host`, the root directory, the image file).
    pub name: String,
    pub source: SourceKind,
    /// The running machine, when the binary will run on it: kernel release, CPU, native
    /// architectures and binfmt_misc handlers are read from its `/proc`. `None` for a root
    /// or an image described for some other machine.
    pub machine: Option<&'a dyn FileView>,
    /// Also read the machine's mount table (`/proc/self/mountinfo`): only meaningful when
    /// the view *is* the machine's file system.
    pub mounts: bool,
    /// The environment the binary will start with (only the keys in [`ENV_KEYS`] are kept).
    pub env: Option<BTreeMap<String, String>>,
    /// A kernel or CPU the caller knows better (an image described for a given machine).
    pub kernel: Option<Kernel>,
    pub cpu: Option<CpuInfo>,
}

impl DescribeOptions<'_> {
    /// The machine whyrun runs on, with this process's environment.
    pub fn host() -> DescribeOptions<'static> {
        DescribeOptions {
            name: "host".into(),
            source: SourceKind::Host,
            machine: Some(&HostView),
            mounts: true,
            env: Some(std::env::vars().collect()),
            kernel: None,
            cpu: None,
        }
    }

    /// A root directory or image: its files only, no kernel, CPU or environment.
    pub fn files_only(name: impl Into<String>, source: SourceKind) -> DescribeOptions<'static> {
        DescribeOptions {
            name: name.into(),
            source,
            machine: None,
            mounts: false,
            env: None,
            kernel: None,
            cpu: None,
        }
    }
}

/// Everything `view` offers a binary, as plain data. Libraries are not listed here (a
/// view is searched through the loader); [`library_index`] lists them for a snapshot.
pub fn describe(view: &dyn FileView, opts: &DescribeOptions<'_>) -> TargetModel {
    let mut warnings = Vec::new();
    let mut m = TargetModel {
        schema: SCHEMA.into(),
        name: opts.name.clone(),
        source: opts.source,
        ..TargetModel::default()
    };
    m.os = os_release::read(view, &mut warnings);

    if let Some(machine) = opts.machine {
        m.kernel = machine::kernel(machine);
        m.cpu = Some(machine::cpu(machine));
        m.binfmt = machine::binfmt(machine, &mut warnings);
    }
    if opts.kernel.is_some() {
        m.kernel = opts.kernel.clone();
    }
    if opts.cpu.is_some() {
        m.cpu = opts.cpu.clone();
    }
    if let Some(cpu) = &m.cpu {
        m.native_arches = machine::native_arches(&cpu.arch);
        if let (Some(machine), Some(kernel)) = (opts.machine, m.kernel.as_mut()) {
            if kernel.compat32.is_none() {
                kernel.compat32 = machine::compat32(machine, &kernel.release, &cpu.arch);
            }
            if kernel.x32.is_none() {
                kernel.x32 = machine::x32(machine, &kernel.release, &cpu.arch);
            }
        }
    }

    let found = libc::detect(view, m.cpu.as_ref().map(|c| c.arch.as_str()), &mut warnings);
    m.interpreters = found.interpreters;
    m.libc = found.libc;

    let rt = runtime::read(view, &mut warnings);
    m.runtime_files = rt.files;
    m.users = rt.users;
    m.groups = rt.groups;

    if let Some(env) = &opts.env {
        m.env = env
            .iter()
            .filter(|(k, _)| ENV_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    }
    let sysctls = match opts.machine {
        Some(machine) if opts.mounts => sysctl::running(machine),
        _ => sysctl::configured(view),
    };
    m.sysctls = sysctls
        .into_iter()
        .map(|(k, (value, from))| (k, crate::model::Reading { value, from }))
        .collect();
    m.security = services::security(view, opts.machine.filter(|_| opts.mounts));
    m.packages = services::packages(view, &mut warnings);
    if opts.mounts {
        if let Some(machine) = opts.machine {
            m.mounts = machine::mounts(machine, &mut warnings);
            m.default_user = machine::current_user(machine, &m.users);
        }
    }
    m.warnings = warnings;
    m
}

/// `describe` of the machine whyrun runs on.
pub fn describe_host() -> TargetModel {
    describe(&HostView, &DescribeOptions::host())
}

/// Reads a small file whole: `Ok(None)` when it does not exist, `Err` with a message
/// when it exists but cannot be read within `limit` bytes.
pub(crate) fn read_small(
    view: &dyn FileView,
    path: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, String> {
    match view.read(Path::new(path), limit) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(FsError::IsADirectory(_)) => Err(format!("{path}: is a directory")),
        Err(e) => Err(e.to_string()),
    }
}
