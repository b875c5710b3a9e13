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

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use config::{default_glibc_loader, glibc_system_dirs, system_dirs_in, Libc, SearchConfig};
pub use model::{
    AfterSkip, Hint, LoadTree, LoadedObject, MissingSymbol, MissingVersion, Need, NeedResult,
    SkipReason, Skipped, Step, Tried, WrongKind,
};
pub use object::{glibc_verify, Header, ObjectInfo, Verdict};

use crate::fs::{FileKind, FsError, MAX_SYMLINK_HOPS};
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

/// Where a path leads: the canonical path, whether it is a regular file, and its length
/// when a stat gave it.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub path: PathBuf,
    pub len: Option<u64>,
    pub regular: bool,
}

/// One file as the loader read it: its identification and, when it parses, its facts.
#[derive(Debug)]
pub struct Entry {
    /// `None` when the file could not be read at all.
    pub header: Option<Header>,
    pub info: Result<ObjectInfo, String>,
}

/// Bytes read first from a file read by parts: the headers, and in a small program the
/// dynamic string and version tables too.
const HEAD_BYTES: u64 = 8 << 10;

/// Reads a regular file's loader facts with a few positional reads instead of mapping it
/// whole (see [`whyrun_facts::link::inspect_parts`]); `None` when that does not fit and
/// the file is to be mapped. `len` is the file's length when a stat just gave it,
/// `regular` whether the file is known to be a regular one.
fn read_by_parts(
    canonical: &Path,
    file: &std::fs::File,
    len: Option<u64>,
    regular: bool,
) -> Option<Entry> {
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;
    thread_local! {
        /// The head buffer, reused from file to file.
        static HEAD: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let len = match len {
        Some(len) => len,
        // The end of a regular file is its length: cheaper to ask than a stat.
        None if regular => (&*file).seek(SeekFrom::End(0)).ok()?,
        None => file.metadata().ok().filter(|m| m.is_file())?.len(),
    };
    HEAD.with_borrow_mut(|buf| {
        if buf.is_empty() {
            buf.resize(HEAD_BYTES as usize, 0);
        }
        let head = &mut buf[..usize::try_from(len.min(HEAD_BYTES)).ok()?];
        file.read_exact_at(head, 0).ok()?;
        let facts = whyrun_facts::link::inspect_parts(head, len, &mut |at, buf| {
            file.read_exact_at(buf, at)
        })?;
        Some(Entry {
            header: Some(Header::read(&head[..head.len().min(64)])),
            info: facts
                .map(|f| ObjectInfo::from_link(canonical.to_path_buf(), f))
                .map_err(|e| e.to_string()),
        })
    })
}

/// The loader's hash maps: keyed by paths and names, looked up a few times per library
/// of every tree, so hashed with foldhash (seeded per process) rather than SipHash.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A directory's entries and their kinds as the directory records them.
pub(crate) type Listing = Arc<FastMap<String, FileKind>>;

/// How many lookups in a directory are made one by one (a stat or an open each) before
/// the directory is listed whole. Listing a large directory (`/usr/bin`,
/// `/usr/lib/x86_64-linux-gnu`: a thousand entries) costs about what a few hundred
/// stats do, so one binary's tree does without it and a batch lists each directory it
/// keeps coming back to.
const LIST_AFTER: usize = 128;

/// A real directory: how often it was asked about, and its listing once read.
#[derive(Debug, Default)]
struct DirListing {
    asked: AtomicUsize,
    listing: OnceLock<Option<Listing>>,
}

/// Shared search outcomes and what they are for: a configuration, a byte order (big
/// endian) and a machine name.
type MemoFor = (Arc<SearchConfig>, bool, String, Arc<search::SystemMemo>);

/// A version requirement and the library that answers it: the address of the requiring
/// object's entry, the requirement's index in its list, the address of the providing
/// object's entry (both kept alive by `Loader::objects`, so an address stays theirs).
type VersionPair = (usize, usize, usize);

/// Loader path, e_machine, 64-bit, musl: what selects a search configuration.
type ConfigKey = (String, u16, bool, bool);

/// Resolves dependency trees in one target, caching every file and directory it reads.
#[derive(Debug)]
pub struct Loader {
    target: Target,
    /// By canonical path (as bytes: hashing a `Path` walks its components).
    objects: RwLock<FastMap<OsString, Arc<Entry>>>,
    /// The listing of each directory as a search spells it, once read.
    dirs: RwLock<FastMap<String, Option<Listing>>>,
    /// The entries of each real directory read, by resolved path (read by one thread
    /// while the others wait: the directories are large and wanted by all at once).
    listings: RwLock<FastMap<OsString, Arc<DirListing>>>,
    canon: RwLock<FastMap<String, Result<Located, OpenError>>>,
    canon_dirs: RwLock<FastMap<String, Result<PathBuf, OpenError>>>,
    configs: Mutex<FastMap<ConfigKey, Arc<SearchConfig>>>,
    /// Shared search outcomes per configuration and kind of binary (byte order and
    /// machine name, which glibc's checks of a candidate file depend on beyond the
    /// configuration).
    system: Mutex<Vec<MemoFor>>,
    /// The versions a library lacks of one version requirement of another.
    versions: RwLock<FastMap<VersionPair, Arc<[usize]>>>,
    conf: OnceLock<LdSoConf>,
}

impl Loader {
    pub fn new(target: Target) -> Loader {
        Loader {
            target,
            objects: RwLock::default(),
            dirs: RwLock::default(),
            listings: RwLock::default(),
            canon: RwLock::default(),
            canon_dirs: RwLock::default(),
            configs: Mutex::default(),
            system: Mutex::default(),
            versions: RwLock::default(),
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

    /// The symbols the objects of `tree` import and no object of its link map defines, as
    /// glibc's lookup searches the global scope (the link map in load order): a versioned
    /// reference binds to that version only (or to an object without version information),
    /// an unversioned one to a default definition. Weak references may stay undefined;
    /// a version the library lacks altogether is `missing_versions`' and not repeated.
    /// Reads each object's dynamic symbol table, so it is asked for only where needed
    /// (`whyrun check`, one tree).
    pub fn missing_symbols(&self, tree: &LoadTree) -> Vec<MissingSymbol> {
        use std::collections::HashMap;
        let tables: Vec<Option<whyrun_facts::elf::versions::DynamicSymbols>> = tree
            .objects
            .iter()
            .map(|o| {
                let bytes = self.target.view().map(Path::new(&o.canonical)).ok()?;
                whyrun_facts::link::dynamic_symbols(&bytes).ok()
            })
            .collect();
        // Every definition by name, in load order.
        let mut by_name: HashMap<&str, Vec<(usize, &whyrun_facts::elf::versions::Definition)>> =
            HashMap::new();
        for (i, t) in tables.iter().enumerate() {
            for d in t.iter().flat_map(|t| &t.defined) {
                by_name.entry(d.name.as_str()).or_default().push((i, d));
            }
        }
        let unversioned: Vec<bool> = tables
            .iter()
            .map(|t| {
                t.as_ref()
                    .is_none_or(|t| t.defined.iter().all(|d| d.version.is_none()))
            })
            .collect();
        let mut out = Vec::new();
        for (k, t) in tables.iter().enumerate() {
            let Some(t) = t else { continue };
            for import in t.imports.iter().filter(|i| !i.weak) {
                let version_missing = import.version.as_ref().is_some_and(|v| {
                    tree.missing_versions
                        .iter()
                        .any(|m| m.required_by == k && &m.version == v)
                });
                if version_missing {
                    continue;
                }
                let found = by_name.get(import.name.as_str()).is_some_and(|defs| {
                    defs.iter().any(|(j, d)| match &import.version {
                        Some(v) => d.version.as_ref() == Some(v) || unversioned[*j],
                        None => !d.hidden,
                    })
                });
                if !found {
                    out.push(MissingSymbol {
                        required_by: k,
                        name: import.name.clone(),
                        version: import.version.clone(),
                        lazy: import.function && !t.bind_now,
                    });
                }
            }
        }
        out
    }

    /// The loader-relevant facts of the file at canonical `path`, read once.
    pub fn object(&self, canonical: &Path) -> Arc<Entry> {
        self.object_at(canonical, None, false)
    }

    /// [`Loader::object`], with the length of the regular file when already known.
    pub(crate) fn object_at(
        &self,
        canonical: &Path,
        len: Option<u64>,
        regular: bool,
    ) -> Arc<Entry> {
        if let Some(o) = self.cached_object(canonical) {
            return o;
        }
        let info = Arc::new(self.read_object(canonical, len, regular));
        self.objects
            .write()
            .unwrap()
            .entry(canonical.as_os_str().to_os_string())
            .or_insert(info)
            .clone()
    }

    /// The dynamic symbols of the file at canonical `path` bound to `version` required from
    /// `library`, sorted; empty when the file cannot be read again. Read on demand: only a
    /// missing version is shown with its symbols.
    pub fn version_symbols(&self, canonical: &Path, library: &str, version: &str) -> Vec<String> {
        let Ok(bytes) = self.target.view().map(canonical) else {
            return Vec::new();
        };
        let Ok(needs) = whyrun_facts::link::version_needs(&bytes) else {
            return Vec::new();
        };
        needs
            .into_iter()
            .filter(|n| n.library == library)
            .flat_map(|n| n.versions)
            .find(|v| v.name == version)
            .map(|v| v.symbols)
            .unwrap_or_default()
    }

    /// The versions of requirement `need` of `requirer` (indices into its list) that
    /// `provider` does not define. The answer is the same in every tree where the two
    /// meet, so it is kept when both entries are the loader's own ([`Loader::object_at`]),
    /// whose addresses no other entry can take.
    pub(crate) fn versions_missing(
        &self,
        requirer: &Arc<Entry>,
        need: usize,
        provider: &Arc<Entry>,
        kept: bool,
    ) -> Arc<[usize]> {
        let key = (
            Arc::as_ptr(requirer) as usize,
            need,
            Arc::as_ptr(provider) as usize,
        );
        if kept {
            if let Some(m) = self.versions.read().unwrap().get(&key) {
                return m.clone();
            }
        }
        let missing: Arc<[usize]> = match (&requirer.info, &provider.info) {
            (Ok(r), Ok(p)) => r.version_needs.get(need).map_or(Arc::from([]), |vn| {
                vn.versions
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !p.version_definitions.contains(&v.name))
                    .map(|(i, _)| i)
                    .collect()
            }),
            _ => Arc::from([]),
        };
        if kept {
            self.versions.write().unwrap().insert(key, missing.clone());
        }
        missing
    }

    /// The names in directory `dir` (as the loader spells it): `Some(None)` when it is
    /// not a readable directory, `None` while it is not worth listing yet (see
    /// [`LIST_AFTER`]).
    pub(crate) fn dir_names(&self, dir: &str) -> Option<Option<Listing>> {
        if let Some(d) = self.dirs.read().unwrap().get(dir) {
            return Some(d.clone());
        }
        // Read once per real directory, however many spellings lead to it.
        let names = match self.canonical_dir(if dir.is_empty() { "/" } else { dir }) {
            Ok(real) => self.listing(&real)?,
            Err(_) => None,
        };
        Some(
            self.dirs
                .write()
                .unwrap()
                .entry(dir.to_string())
                .or_insert(names)
                .clone(),
        )
    }

    /// [`Loader::object_at`] for a binary whose tree is asked for: taken from the cache
    /// when there, but not kept (another tree rarely loads a program).
    pub(crate) fn object_once(
        &self,
        canonical: &Path,
        len: Option<u64>,
        regular: bool,
    ) -> Arc<Entry> {
        self.cached_object(canonical)
            .unwrap_or_else(|| Arc::new(self.read_object(canonical, len, regular)))
    }

    /// The file at canonical `path` when already read and kept.
    fn cached_object(&self, canonical: &Path) -> Option<Arc<Entry>> {
        self.objects
            .read()
            .unwrap()
            .get(canonical.as_os_str())
            .cloned()
    }

    fn read_object(&self, canonical: &Path, len: Option<u64>, regular: bool) -> Entry {
        let view = self.target.view();
        let by_parts = match view.open_resolved(canonical) {
            Some(Ok(file)) => read_by_parts(canonical, &file, len, regular),
            _ => None,
        };
        by_parts.unwrap_or_else(|| match view.map_resolved(canonical) {
            Ok(bytes) => Entry {
                header: Some(Header::read(&bytes[..bytes.len().min(64)])),
                info: ObjectInfo::from_bytes(canonical.to_path_buf(), &bytes),
            },
            Err(e) => Entry {
                header: None,
                info: Err(e.to_string()),
            },
        })
    }

    /// The canonical path of `path` and, for a regular file, its length; or why opening
    /// it would fail.
    pub(crate) fn locate_file(&self, path: &str) -> Result<Located, OpenError> {
        if let Some(c) = self.canon.read().unwrap().get(path) {
            return c.clone();
        }
        let c = self.resolve_file(path, 0);
        self.canon
            .write()
            .unwrap()
            .entry(path.to_string())
            .or_insert(c)
            .clone()
    }

    /// The entries of the real directory `real` (a resolved path), read once it has been
    /// asked about [`LIST_AFTER`] times: `None` before, `Some(None)` when it is not a
    /// readable directory. A few lookups are cheaper one by one; many are cheaper from
    /// one listing, which one thread reads while the others wait.
    fn listing(&self, real: &Path) -> Option<Option<Listing>> {
        let known = self.listings.read().unwrap().get(real.as_os_str()).cloned();
        let dir = known.unwrap_or_else(|| {
            let mut listings = self.listings.write().unwrap();
            listings
                .entry(real.as_os_str().to_os_string())
                .or_default()
                .clone()
        });
        if let Some(listed) = dir.listing.get() {
            return Some(listed.clone());
        }
        if dir.asked.fetch_add(1, Ordering::Relaxed) < LIST_AFTER {
            return None;
        }
        Some(
            dir.listing
                .get_or_init(|| {
                    self.target
                        .view()
                        .read_dir_unsorted(real)
                        .ok()
                        .map(|entries| {
                            Arc::new(entries.into_iter().map(|e| (e.name, e.kind)).collect())
                        })
                })
                .clone(),
        )
    }

    /// Resolves a file path the way the kernel does, with the directory part taken from
    /// the cache of resolved directories (searches probe the same few directories for
    /// every library): one lstat for the last component, and for a symlink its target
    /// resolved in turn, at most [`MAX_SYMLINK_HOPS`] times.
    fn resolve_file(&self, path: &str, hops: usize) -> Result<Located, OpenError> {
        let (dir, name) = match path.rfind('/') {
            Some(i) => (&path[..=i], &path[i + 1..]),
            None => ("/", path),
        };
        if matches!(name, "" | "." | "..") {
            return self.resolve_file_whole(path);
        }
        let real_dir = self.canonical_dir(dir)?;
        let view = self.target.view();
        // The kind the directory records spares a stat; anything less certain is stat'ed.
        let listed = self
            .listing(&real_dir)
            .flatten()
            .and_then(|l| l.get(name).copied())
            .filter(|k| matches!(k, FileKind::File | FileKind::Dir | FileKind::Symlink));
        let file = real_dir.join(name);
        let (kind, len) = match listed {
            Some(kind) => (kind, None),
            None => {
                let meta = view
                    .symlink_metadata_resolved(&file)
                    .map_err(|_| OpenError::NotFound)?;
                (meta.kind, Some(meta.len))
            }
        };
        match kind {
            FileKind::Dir => Err(OpenError::IsADirectory),
            FileKind::Symlink => {
                if hops >= MAX_SYMLINK_HOPS {
                    return Err(OpenError::Loop);
                }
                let target = view
                    .read_link_resolved(&file)
                    .map_err(|_| OpenError::NotFound)?;
                let Some(target) = target.to_str() else {
                    return self.resolve_file_whole(path);
                };
                if target.is_empty() {
                    return Err(OpenError::NotFound);
                }
                let next = if target.starts_with('/') {
                    target.to_string()
                } else {
                    // The directory holding the link, resolved: `..` in the target is
                    // then the real parent, as for the kernel.
                    let parent = file.parent().unwrap_or(Path::new("/"));
                    format!(
                        "{}/{target}",
                        parent.to_string_lossy().trim_end_matches('/')
                    )
                };
                self.resolve_file(&next, hops + 1)
            }
            kind => Ok(Located {
                path: file,
                len: len.filter(|_| kind == FileKind::File),
                regular: kind == FileKind::File,
            }),
        }
    }

    /// The general case: the view resolves the whole path.
    fn resolve_file_whole(&self, path: &str) -> Result<Located, OpenError> {
        let view = self.target.view();
        match view.canonicalize(Path::new(path)) {
            Ok(c) => match view.metadata(&c) {
                Ok(m) if m.kind == FileKind::Dir => Err(OpenError::IsADirectory),
                Ok(m) => Ok(Located {
                    path: c,
                    len: (m.kind == FileKind::File).then_some(m.len),
                    regular: m.kind == FileKind::File,
                }),
                Err(_) => Err(OpenError::NotFound),
            },
            Err(FsError::Loop(_)) => Err(OpenError::Loop),
            Err(_) => Err(OpenError::NotFound),
        }
    }

    /// The resolved path of directory `dir` (as a search spells it), cached.
    fn canonical_dir(&self, dir: &str) -> Result<PathBuf, OpenError> {
        if let Some(c) = self.canon_dirs.read().unwrap().get(dir) {
            return c.clone();
        }
        let c = match self.target.view().canonicalize(Path::new(dir)) {
            Ok(c) => Ok(c),
            Err(FsError::Loop(_)) => Err(OpenError::Loop),
            Err(_) => Err(OpenError::NotFound),
        };
        self.canon_dirs
            .write()
            .unwrap()
            .entry(dir.to_string())
            .or_insert(c)
            .clone()
    }

    /// The shared search outcomes for binaries like `main` searching with `cfg`.
    pub(crate) fn system_memo(
        &self,
        cfg: &Arc<SearchConfig>,
        main: &ObjectInfo,
    ) -> Arc<search::SystemMemo> {
        let mut memos = self.system.lock().unwrap();
        if let Some((.., m)) = memos.iter().find(|(c, big_endian, machine, _)| {
            Arc::ptr_eq(c, cfg) && *big_endian == main.big_endian && *machine == main.machine
        }) {
            return m.clone();
        }
        let m = Arc::new(search::SystemMemo::default());
        memos.push((
            cfg.clone(),
            main.big_endian,
            main.machine.clone(),
            m.clone(),
        ));
        m
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
