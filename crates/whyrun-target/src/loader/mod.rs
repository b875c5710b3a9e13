//! Loader emulation: resolves a binary's whole dependency tree in a target exactly as
//! the target's dynamic loader would (glibc's `elf/dl-load.c` order, or musl's
//! `ldso/dynlink.c`), recording for every library where it was found and why, or every
//! place tried when it was not, and checks each required symbol version against the
//! providing library's definitions. Reads only through the target's file view; never
//! runs anything. Files are parsed once per loader (cached by canonical path), so one
//! [`Loader`] shared across threads resolves many binaries cheaply.

mod config;
mod model;
mod object;
mod search;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use config::{default_glibc_loader, glibc_system_dirs, system_dirs_in, Libc, SearchConfig};
pub use model::{LoadTree, LoadedObject, MissingVersion, Need, NeedResult, Skipped, Step, Tried};
pub use object::{glibc_verify, Header, ObjectInfo, Verdict};

use crate::fs::{FileKind, FsError};
use crate::ldconfig::{read_ld_so_conf, LdSoConf};
use crate::Target;

/// Why a binary's tree could not be resolved at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("{path}: {message}")]
    NotElf { path: String, message: String },
}

/// Why opening a path would fail, in the terms the loaders' searches distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// ENOENT (also a dangling symlink): the search goes on.
    NotFound,
    /// ELOOP: glibc abandons the rest of this search list, musl the whole search.
    Loop,
    /// A directory opens, but reading it fails (EISDIR).
    IsADirectory,
}

/// One file as the loader read it: its identification and, when it parses, its facts.
#[derive(Debug)]
pub struct Entry {
    /// `None` when the file could not be read at all.
    pub header: Option<Header>,
    pub info: Result<ObjectInfo, String>,
}

/// Loader path, e_machine, 64-bit, musl: what selects a search configuration.
type ConfigKey = (String, u16, bool, bool);

/// Resolves dependency trees in one target, caching every file and directory it reads.
#[derive(Debug)]
pub struct Loader {
    target: Target,
    objects: RwLock<HashMap<PathBuf, Arc<Entry>>>,
    dirs: RwLock<HashMap<String, Option<Arc<HashSet<String>>>>>,
    canon: RwLock<HashMap<String, Result<PathBuf, OpenError>>>,
    configs: Mutex<HashMap<ConfigKey, Arc<SearchConfig>>>,
    conf: OnceLock<LdSoConf>,
}

impl Loader {
    pub fn new(target: Target) -> Loader {
        Loader {
            target,
            objects: RwLock::default(),
            dirs: RwLock::default(),
            canon: RwLock::default(),
            configs: Mutex::default(),
            conf: OnceLock::new(),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The dependency tree of the binary at `path` (inside the target).
    pub fn resolve(&self, path: &Path) -> Result<LoadTree, LoadError> {
        search::resolve(self, path)
    }

    /// The loader-relevant facts of the file at canonical `path`, read once.
    pub fn object(&self, canonical: &Path) -> Arc<Entry> {
        if let Some(o) = self.objects.read().unwrap().get(canonical) {
            return o.clone();
        }
        let info = match self.target.view().map(canonical) {
            Ok(bytes) => Entry {
                header: Some(Header::read(&bytes[..bytes.len().min(64)])),
                info: ObjectInfo::from_bytes(canonical.to_path_buf(), &bytes),
            },
            Err(e) => Entry {
                header: None,
                info: Err(e.to_string()),
            },
        };
        let info = Arc::new(info);
        self.objects
            .write()
            .unwrap()
            .entry(canonical.to_path_buf())
            .or_insert(info)
            .clone()
    }

    /// The names in directory `dir` (as the loader spells it), or `None` when it is not
    /// a readable directory.
    pub(crate) fn dir_names(&self, dir: &str) -> Option<Arc<HashSet<String>>> {
        if let Some(d) = self.dirs.read().unwrap().get(dir) {
            return d.clone();
        }
        let names = self
            .target
            .view()
            .read_dir(Path::new(if dir.is_empty() { "/" } else { dir }))
            .ok()
            .map(|entries| Arc::new(entries.into_iter().map(|e| e.name).collect()));
        self.dirs
            .write()
            .unwrap()
            .entry(dir.to_string())
            .or_insert(names)
            .clone()
    }

    /// The canonical path of `path`, or why opening it would fail.
    pub(crate) fn canonical_file(&self, path: &str) -> Result<PathBuf, OpenError> {
        if let Some(c) = self.canon.read().unwrap().get(path) {
            return c.clone();
        }
        let view = self.target.view();
        let c = match view.canonicalize(Path::new(path)) {
            Ok(c) => match view.metadata(&c) {
                Ok(m) if m.kind == FileKind::Dir => Err(OpenError::IsADirectory),
                Ok(_) => Ok(c),
                Err(_) => Err(OpenError::NotFound),
            },
            Err(FsError::Loop(_)) => Err(OpenError::Loop),
            Err(_) => Err(OpenError::NotFound),
        };
        self.canon
            .write()
            .unwrap()
            .entry(path.to_string())
            .or_insert(c)
            .clone()
    }

    /// The target's `/etc/ld.so.conf` with its includes, read once.
    pub fn ld_so_conf(&self) -> &LdSoConf {
        self.conf
            .get_or_init(|| read_ld_so_conf(self.target.view(), Path::new("/etc/ld.so.conf")))
    }

    /// The search configuration for binaries like `main` using `loader`.
    pub(crate) fn config(&self, libc: Libc, loader: &str, main: &ObjectInfo) -> Arc<SearchConfig> {
        let key = (
            loader.to_string(),
            main.e_machine,
            main.is_64,
            libc == Libc::Musl,
        );
        if let Some(c) = self.configs.lock().unwrap().get(&key) {
            return c.clone();
        }
        let view = self.target.view();
        let lp = self.target.ld_library_path.clone();
        let cfg = Arc::new(match libc {
            Libc::Musl => SearchConfig::musl(view, loader, &main.machine, lp),
            Libc::Glibc => SearchConfig::glibc(
                view,
                &self.target.cpu,
                loader,
                &main.machine,
                main.e_machine,
                main.is_64,
                main.arm_hard_float,
                lp,
            ),
        });
        self.configs.lock().unwrap().insert(key, cfg.clone());
        cfg
    }
}
