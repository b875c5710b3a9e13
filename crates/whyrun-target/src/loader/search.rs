//! The search itself: glibc's `_dl_map_object` order (loaded names and SONAMEs, then
//! DT_RPATH up the loader chain unless DT_RUNPATH, LD_LIBRARY_PATH, DT_RUNPATH,
//! ld.so.cache unless NODEFLIB, default directories; each directory with its glibc-hwcaps
//! subdirectories first; files of the wrong class or machine skipped) and musl's
//! `load_library` order (libc's own names, loaded short names, LD_LIBRARY_PATH, RPATH or
//! RUNPATH up the chain, the path file; the first file that opens is taken). Breadth-first
//! over DT_NEEDED like `_dl_map_object_deps`. Reads through the loader's caches only.

use std::cell::RefCell;
use std::path::Path;
use std::sync::{Arc, RwLock};

use super::config::{default_glibc_loader, Libc, SearchConfig};
use super::model::{
    AfterSkip, Hint, Interpreter, LoadTree, LoadedObject, MissingVersion, Need, NeedResult,
    SkipReason, Skipped, Step, Tried,
};
use super::object::{glibc_verify, ObjectInfo, Verdict};
use super::{Entry, FastMap, LoadError, Loader, OpenError};
use crate::fs::{absolute, FileKind};

/// musl resolves these names (`lib<name>.…`) to itself.
const MUSL_RESERVED: &[&str] = &["c", "pthread", "rt", "m", "dl", "util", "xnet"];
/// At most this many symbols are kept per missing version.
const MAX_SYMBOLS_SHOWN: usize = 5;

struct Obj {
    info: Arc<Entry>,
    /// The path it was opened by (glibc's `l_name`).
    path: String,
    canonical: String,
    /// Names it answers to (glibc's `l_libname`).
    names: Vec<String>,
    /// musl's `shortname`: the name a search found it by.
    shortname: Option<String>,
    loader: Option<usize>,
    interpreter: bool,
    is_main: bool,
    needs: Vec<Need>,
}

impl Obj {
    fn info(&self) -> &ObjectInfo {
        match &self.info.info {
            Ok(i) => i,
            Err(_) => unreachable!("only parsed objects are loaded"),
        }
    }

    /// `$ORIGIN`: the directory of the path a library was opened by; for the program, of
    /// its real path (glibc reads `/proc/self/exe`, where every symlink is resolved).
    fn origin(&self) -> &str {
        let p = if self.is_main {
            &self.canonical
        } else {
            &self.path
        };
        match p.rfind('/') {
            Some(i) if i > 0 => &p[..i],
            _ => "/",
        }
    }
}

enum Probe {
    Missing,
    /// Passed over (glibc goes on searching; musl stops).
    Rejected(SkipReason),
    /// The loader gives up on the whole program.
    Fatal(String),
    /// Opening failed with an error other than ENOENT/EACCES (a symlink loop): glibc
    /// abandons the current search list, musl the whole search.
    StopList(SkipReason),
    Found(String),
}

impl Probe {
    /// Why musl's loader gives up on this candidate (it takes the first file that opens).
    fn musl_reason(self) -> Option<SkipReason> {
        match self {
            Probe::Rejected(r) | Probe::StopList(r) => Some(r),
            Probe::Fatal(message) => Some(SkipReason::Unloadable { message }),
            Probe::Missing | Probe::Found(_) => None,
        }
    }
}

/// What a search found: a file to load, or one the loader fails on.
#[derive(Debug, Clone)]
enum Found {
    File {
        /// The path it was opened by.
        path: String,
        canonical: String,
        /// The directory (or cache) that had it.
        dir: String,
        hwcaps: Option<String>,
    },
    Fatal {
        path: String,
        message: String,
    },
}

/// The outcome of glibc's `open_path` over one search list for one name: what was
/// passed over, the directories searched in vain, and the hit if any. It depends on the
/// expanded directories and the name only, so each list is searched once per loader.
#[derive(Debug, Default)]
pub(crate) struct ListSearch {
    hit: Option<Found>,
    tried: Vec<String>,
    skipped: Vec<Skipped>,
}

impl ListSearch {
    /// Replays the search as the `step` of a resolution: its misses and what it passed
    /// over join the resolution's, and the hit (if any) is returned.
    fn replay(
        &self,
        step: &Step,
        tried: &mut Vec<Tried>,
        skipped: &mut Vec<Skipped>,
    ) -> Option<&Found> {
        tried.extend(self.tried.iter().map(|place| Tried {
            step: step.clone(),
            place: place.clone(),
        }));
        skipped.extend(self.skipped.iter().cloned());
        self.hit.as_ref()
    }
}

/// The outcome of the end of one glibc search (ld.so.cache, default directories, hints):
/// what was passed over, and the hit or the places tried.
#[derive(Debug)]
pub(crate) struct SystemSearch {
    /// The step that found it (ld.so.cache or a default directory), and what it found.
    hit: Option<(Step, Found)>,
    tried: Vec<Tried>,
    skipped: Vec<Skipped>,
    hints: Vec<Hint>,
}

impl SystemSearch {
    fn hit(step: Step, found: Found, skipped: Vec<Skipped>) -> SystemSearch {
        SystemSearch {
            hit: Some((step, found)),
            tried: Vec::new(),
            skipped,
            hints: Vec::new(),
        }
    }
}

/// Search outcomes for one search configuration and one kind of binary, which depend on
/// nothing else, so every tree a loader resolves shares them: [`SystemSearch`]es by name
/// (and NODEFLIB), and [`ListSearch`]es by search list (as written, with the `$ORIGIN`
/// it expands to) and name.
#[derive(Debug, Default)]
pub(crate) struct SystemMemo {
    by_name: [RwLock<FastMap<String, Arc<SystemSearch>>>; 2],
    lists: RwLock<FastMap<String, Arc<ListSearch>>>,
}

impl SystemMemo {
    fn get(
        &self,
        name: &str,
        nodeflib: bool,
        search: impl FnOnce() -> SystemSearch,
    ) -> Arc<SystemSearch> {
        let map = &self.by_name[usize::from(nodeflib)];
        if let Some(s) = map.read().unwrap().get(name) {
            return s.clone();
        }
        let s = Arc::new(search());
        map.write()
            .unwrap()
            .entry(name.to_string())
            .or_insert(s)
            .clone()
    }

    /// The search of `name` in the list `list` (split at `seps`) whose `$ORIGIN` is
    /// `origin`, searched by `search` from the expanded directories the first time.
    fn list(
        &self,
        list: &str,
        seps: &str,
        origin: &str,
        name: &str,
        search: impl FnOnce() -> ListSearch,
    ) -> Arc<ListSearch> {
        thread_local! {
            /// The key being looked up, reused from lookup to lookup.
            static KEY: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let key = KEY.with_borrow_mut(|key| {
            key.clear();
            // NUL cannot occur in any of the parts: they come from C strings and paths.
            for part in [
                seps,
                list,
                if list.contains('$') { origin } else { "" },
                name,
            ] {
                key.push_str(part);
                key.push('\0');
            }
            // The search, when known; else the key to file it under.
            match self.lists.read().unwrap().get(key.as_str()) {
                Some(s) => Ok(s.clone()),
                None => Err(key.clone()),
            }
        });
        match key {
            Ok(known) => known,
            Err(key) => {
                let s = Arc::new(search());
                self.lists.write().unwrap().entry(key).or_insert(s).clone()
            }
        }
    }
}

struct Resolver<'a> {
    ld: &'a Loader,
    cfg: Arc<SearchConfig>,
    system: Arc<SystemMemo>,
    main: Arc<Entry>,
    objects: Vec<Obj>,
    /// The error that stopped the load (glibc), as `path: message`.
    fatal: Option<String>,
    missing_order: Vec<String>,
}

/// Room for the link map of most programs (a desktop program maps a few dozen objects).
const OBJECTS_GUESS: usize = 16;

pub(super) fn resolve(ld: &Loader, path: &Path) -> Result<LoadTree, LoadError> {
    let view = ld.target().view();
    let shown = absolute(path).to_string_lossy().into_owned();
    // The loader's cached resolution when the file opens; the view's own, for its
    // precise error, when it does not.
    let (canonical, len, regular) = match ld.locate_file(&shown) {
        Ok(l) => (l.path, l.len, l.regular),
        Err(_) => {
            let canonical = view.canonicalize(path)?;
            if view.metadata(&canonical)?.kind == FileKind::Dir {
                return Err(LoadError::NotElf {
                    path: shown,
                    message: "is a directory".into(),
                });
            }
            (canonical, None, false)
        }
    };
    let main_arc = ld.object_once(&canonical, len, regular);
    let main = match &main_arc.info {
        Ok(m) => m,
        Err(e) => {
            return Err(LoadError::NotElf {
                path: shown,
                message: e.clone(),
            })
        }
    };
    let (libc, loader_path) = pick_loader(ld, main);
    let cfg = ld.config(libc, &loader_path, main);
    let mut r = Resolver {
        ld,
        system: ld.system_memo(&cfg, main),
        cfg: cfg.clone(),
        main: main_arc.clone(),
        objects: Vec::with_capacity(OBJECTS_GUESS),
        missing_order: Vec::new(),
        fatal: None,
    };
    r.objects.push(Obj {
        info: main_arc.clone(),
        path: shown.clone(),
        canonical: path_string(canonical.clone()),
        names: vec![shown.clone()],
        shortname: None,
        loader: None,
        interpreter: false,
        is_main: true,
        needs: Vec::new(),
    });
    let mut warnings = Vec::new();

    // The interpreter is mapped before any library (glibc's rtld map, musl's ldso).
    let interpreter = if main.interpreter.is_some() || !main.needed.is_empty() {
        let found = ld.locate_file(&loader_path).ok();
        if let Some(c) = &found {
            let info = ld.object_at(&c.path, c.len, c.regular);
            match &info.info {
                Ok(i) if i.compatible_with(main) => {
                    let mut names = vec![loader_path.clone()];
                    names.extend(i.soname.clone());
                    r.objects.push(Obj {
                        info: info.clone(),
                        path: loader_path.clone(),
                        canonical: c.path.to_string_lossy().into_owned(),
                        names,
                        shortname: None,
                        loader: None,
                        interpreter: true,
                        is_main: false,
                        needs: Vec::new(),
                    });
                }
                Ok(i) => warnings.push(format!(
                    "{loader_path} is {}, the binary is {}",
                    i.kind(),
                    main.kind()
                )),
                Err(e) => warnings.push(format!("{loader_path}: {e}")),
            }
        }
        Some(Interpreter {
            path: loader_path.clone(),
            found: found.map(|c| c.path.to_string_lossy().into_owned()),
        })
    } else {
        None
    };

    // Breadth first, like _dl_map_object_deps and musl's load_deps.
    let mut i = 0;
    'bfs: while i < r.objects.len() {
        let count = r.objects[i].info().needed.len();
        r.objects[i].needs.reserve_exact(count);
        for k in 0..count {
            let name = r.objects[i].info().needed[k].clone();
            let result = match libc {
                Libc::Glibc => r.map_glibc(i, &name),
                Libc::Musl => r.map_musl(i, &name),
            };
            r.objects[i].needs.push(Need { name, result });
            if r.fatal.is_some() {
                break 'bfs;
            }
        }
        i += 1;
    }

    let missing_versions = if libc == Libc::Glibc && r.fatal.is_none() {
        r.check_versions(&mut warnings)
    } else {
        Vec::new()
    };
    let objects = r
        .objects
        .into_iter()
        .map(|o| LoadedObject {
            kind: o.info().kind(),
            soname: o.info().soname.clone(),
            path: o.path,
            canonical: o.canonical,
            loaded_by: o.loader,
            interpreter: o.interpreter,
            needs: o.needs,
        })
        .collect();
    Ok(LoadTree {
        file: shown,
        search: cfg,
        interpreter,
        objects,
        missing: r.missing_order,
        missing_versions,
        fatal: r.fatal,
        warnings,
    })
}

/// The libc rules and loader for `main`: its PT_INTERP, or for a library the target's
/// glibc loader for its architecture (musl's when only that exists).
fn pick_loader(ld: &Loader, main: &ObjectInfo) -> (Libc, String) {
    if let Some(i) = &main.interpreter {
        let libc = if i.contains("ld-musl-") {
            Libc::Musl
        } else {
            Libc::Glibc
        };
        return (libc, i.clone());
    }
    // Whether a path names something, through the loader's caches (asked once per
    // library given: the answer is the same each time).
    let exists = |p: &str| matches!(ld.locate_file(p), Ok(_) | Err(OpenError::IsADirectory));
    let glibc = default_glibc_loader(&main.machine, main.is_64);
    if let Some(g) = glibc {
        if exists(g) {
            return (Libc::Glibc, g.to_string());
        }
    }
    let musl_arch = match main.machine.as_str() {
        "armel" => "arm",
        "ppc64le" => "powerpc64le",
        "ppc64" => "powerpc64",
        m => m,
    };
    let musl = format!("/lib/ld-musl-{musl_arch}.so.1");
    if exists(&musl) {
        return (Libc::Musl, musl);
    }
    (
        Libc::Glibc,
        glibc.unwrap_or("/lib/ld-linux.so.2").to_string(),
    )
}

impl Resolver<'_> {
    fn main(&self) -> &ObjectInfo {
        match &self.main.info {
            Ok(m) => m,
            Err(_) => unreachable!("resolution starts from a parsed binary"),
        }
    }

    /// Looks for an object already answering to `name` (glibc `_dl_name_match_p`, then
    /// the SONAME).
    fn already_loaded(&mut self, name: &str) -> Option<NeedResult> {
        for (j, o) in self.objects.iter_mut().enumerate() {
            if o.names.iter().any(|n| n == name) {
                return Some(NeedResult::Reused {
                    object: j,
                    matched: "name",
                });
            }
            if o.info().soname.as_deref() == Some(name) {
                o.names.push(name.to_string());
                return Some(NeedResult::Reused {
                    object: j,
                    matched: "soname",
                });
            }
        }
        None
    }

    fn map_glibc(&mut self, loader: usize, name: &str) -> NeedResult {
        if let Some(hit) = self.already_loaded(name) {
            return hit;
        }
        // A name not found before is searched again: glibc's placeholder for it is
        // `l_faked` and never matches (a later requester may find it elsewhere).
        let result = self.search_glibc(loader, name);
        self.note_missing(name, &result);
        result
    }

    fn note_missing(&mut self, name: &str, result: &NeedResult) {
        if matches!(result, NeedResult::NotFound { .. })
            && !self.missing_order.iter().any(|m| m == name)
        {
            self.missing_order.push(name.to_string());
        }
    }

    fn search_glibc(&mut self, loader: usize, name: &str) -> NeedResult {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        if name.contains('/') {
            let Some(p) = expand_dst(name, self.objects[loader].origin(), &self.cfg) else {
                return NeedResult::NotFound {
                    tried: vec![Tried {
                        step: Step::Path,
                        place: name.to_string(),
                    }],
                    skipped,
                    hints: Vec::new(),
                };
            };
            return match self.probe(&p) {
                Probe::Found(c) => {
                    self.add(loader, name, &p, &c, Step::Path, dir_of(&p), None, skipped)
                }
                Probe::Fatal(message) => self.fail(p, message),
                Probe::Rejected(reason) | Probe::StopList(reason) => {
                    skipped.push(Skipped {
                        path: p.clone(),
                        reason,
                        then: AfterSkip::SearchOn,
                    });
                    NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::Path,
                            place: p,
                        }],
                        skipped,
                        hints: Vec::new(),
                    }
                }
                Probe::Missing => NeedResult::NotFound {
                    tried: vec![Tried {
                        step: Step::Path,
                        place: p,
                    }],
                    skipped,
                    hints: Vec::new(),
                },
            };
        }

        // DT_RPATH of the needing object and its loaders, unless it has DT_RUNPATH.
        if self.objects[loader].info().runpath.is_none() {
            let mut l = Some(loader);
            while let Some(k) = l {
                if let Some(rpath) = &self.objects[k].info().rpath {
                    let step = Step::Rpath {
                        of: self.objects[k].path.clone(),
                    };
                    let list = self.search_list(rpath, ":", k, name);
                    if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                        return self.take(loader, name, step, found, skipped);
                    }
                }
                l = self.objects[k].loader;
            }
        }
        if let Some(llp) = &self.cfg.ld_library_path {
            let step = Step::LdLibraryPath;
            let list = self.search_list(llp, ":;", 0, name);
            if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                return self.take(loader, name, step, found, skipped);
            }
        }
        if let Some(runpath) = &self.objects[loader].info().runpath {
            let step = Step::Runpath {
                of: self.objects[loader].path.clone(),
            };
            let list = self.search_list(runpath, ":", loader, name);
            if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                return self.take(loader, name, step, found, skipped);
            }
        }
        // The rest depends on the name and the object's NODEFLIB only: searched once per
        // loader and configuration, then replayed.
        let nodeflib = self.objects[loader].info().nodeflib;
        let system = self
            .system
            .get(name, nodeflib, || self.search_system(name, nodeflib));
        skipped.extend(system.skipped.iter().cloned());
        match &system.hit {
            Some((step, found)) => self.take(loader, name, step.clone(), found, skipped),
            None => {
                tried.extend(system.tried.iter().cloned());
                NeedResult::NotFound {
                    tried,
                    skipped,
                    hints: system.hints.clone(),
                }
            }
        }
    }

    /// The end of glibc's search: ld.so.cache unless NODEFLIB, then the default
    /// directories unless NODEFLIB, and when nothing is found, the hints.
    fn search_system(&self, name: &str, nodeflib: bool) -> SystemSearch {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        let cache_path = || {
            self.cfg
                .cache
                .as_ref()
                .map(|c| c.path.clone())
                .unwrap_or_default()
        };
        if let Some(cache) = self.cfg.cache.as_ref().and_then(|c| c.cache.clone()) {
            let hw: Vec<&str> = self.cfg.hwcaps.iter().map(String::as_str).collect();
            let hit = cache
                .lookup(name, self.cfg.cache_abi, &hw, self.cfg.isa_levels)
                .map(|h| (h.entry.value.clone(), h.hwcaps.map(str::to_string)));
            if let Some((p, hwcaps)) = hit {
                // NODEFLIB also refuses cache entries in the default directories.
                let in_system_dir = self
                    .cfg
                    .system_dirs
                    .iter()
                    .any(|d| p.starts_with(d.as_str()));
                match if nodeflib && in_system_dir {
                    Probe::Rejected(SkipReason::RefusedByNodeflib)
                } else {
                    self.probe(&p)
                } {
                    Probe::Fatal(message) => {
                        let found = Found::Fatal { path: p, message };
                        return SystemSearch::hit(Step::LdSoCache, found, skipped);
                    }
                    Probe::Found(c) => {
                        let found = Found::File {
                            path: p,
                            canonical: c,
                            dir: cache_path(),
                            hwcaps,
                        };
                        return SystemSearch::hit(Step::LdSoCache, found, skipped);
                    }
                    Probe::Rejected(reason) | Probe::StopList(reason) => skipped.push(Skipped {
                        path: p,
                        reason,
                        then: AfterSkip::SearchOn,
                    }),
                    Probe::Missing => skipped.push(Skipped {
                        path: p,
                        reason: SkipReason::StaleCacheEntry,
                        then: AfterSkip::SearchOn,
                    }),
                }
            }
            tried.push(Tried {
                step: Step::LdSoCache,
                place: cache_path(),
            });
        }
        if !nodeflib {
            let mut list = self.try_dirs(name, &self.cfg.system_dirs);
            let step = Step::DefaultPath;
            list.replay(&step, &mut tried, &mut skipped);
            if let Some(found) = list.hit.take() {
                return SystemSearch::hit(step, found, skipped);
            }
        }
        SystemSearch {
            hit: None,
            tried,
            skipped,
            hints: self.conf_hints(name),
        }
    }

    /// Loads (or fails on) what `step` found, with what it passed over on the way.
    fn take(
        &mut self,
        loader: usize,
        name: &str,
        step: Step,
        found: &Found,
        skipped: Vec<Skipped>,
    ) -> NeedResult {
        match found {
            Found::File {
                path,
                canonical,
                dir,
                hwcaps,
            } => self.add(
                loader,
                name,
                path,
                canonical,
                step,
                dir,
                hwcaps.as_deref(),
                skipped,
            ),
            Found::Fatal { path, message } => self.fail(path.clone(), message.clone()),
        }
    }

    /// Directories of ld.so.conf that hold `name` although the search did not reach it:
    /// the cache is older than the library (ldconfig was not run).
    fn conf_hints(&self, name: &str) -> Vec<Hint> {
        let conf = self.ld.ld_so_conf();
        let mut out = Vec::new();
        for d in &conf.dirs {
            let dir = format!("{}/", d.dir.trim_end_matches('/'));
            let path = format!("{dir}{name}");
            if let Probe::Found(_) = self.probe(&path) {
                out.push(Hint::RunLdconfig {
                    path,
                    conf_file: d.file.clone(),
                    conf_line: d.line,
                });
            }
        }
        out
    }

    /// glibc's `open_path` over the search list `list` (split at `seps`) of object
    /// `of` (whose `$ORIGIN` it expands), searched once per loader.
    fn search_list(&self, list: &str, seps: &str, of: usize, name: &str) -> Arc<ListSearch> {
        let origin = self.objects[of].origin();
        self.system.list(list, seps, origin, name, || {
            self.try_dirs(name, &split_dirs(list, seps, origin, &self.cfg))
        })
    }

    /// glibc's `open_path` over one list of directories: each directory's glibc-hwcaps
    /// subdirectories, best first, then the directory itself.
    fn try_dirs(&self, name: &str, dirs: &[String]) -> ListSearch {
        let mut out = ListSearch::default();
        let mut p = String::new();
        for dir in dirs {
            let subs = self
                .cfg
                .hwcaps
                .iter()
                .map(Some)
                .chain(std::iter::once(None));
            for sub in subs {
                p.clear();
                p.push_str(dir);
                if let Some(s) = sub {
                    p.push_str("glibc-hwcaps/");
                    p.push_str(s);
                    p.push('/');
                }
                p.push_str(name);
                match self.probe(&p) {
                    Probe::Found(c) => {
                        out.hit = Some(Found::File {
                            path: p,
                            canonical: c,
                            dir: dir.clone(),
                            hwcaps: sub.cloned(),
                        });
                        return out;
                    }
                    Probe::Rejected(reason) => out.skipped.push(Skipped {
                        path: p.clone(),
                        reason,
                        then: AfterSkip::SearchOn,
                    }),
                    Probe::Fatal(message) => {
                        out.hit = Some(Found::Fatal { path: p, message });
                        return out;
                    }
                    Probe::StopList(reason) => {
                        out.skipped.push(Skipped {
                            path: p,
                            reason,
                            then: AfterSkip::ListEnds,
                        });
                        out.tried.push(dir.clone());
                        return out;
                    }
                    Probe::Missing => {}
                }
            }
            out.tried.push(dir.clone());
        }
        out
    }

    /// Whether `path` names a file the loader would take for this binary.
    fn probe(&self, path: &str) -> Probe {
        let (dir, file) = match path.rfind('/') {
            Some(i) => (&path[..=i], &path[i + 1..]),
            None => ("/", path),
        };
        // A directory not listed yet leaves the question to the lookup below.
        match self.ld.dir_names(dir) {
            Some(Some(names)) if !names.contains_key(file) => return Probe::Missing,
            Some(None) => return Probe::Missing,
            _ => {}
        }
        let (canonical, len, regular) = match self.ld.locate_file(path) {
            Ok(l) => (l.path, l.len, l.regular),
            Err(OpenError::NotFound) => return Probe::Missing,
            Err(OpenError::Loop) => return Probe::StopList(SkipReason::SymlinkLoop),
            Err(OpenError::IsADirectory) => {
                return Probe::Fatal("cannot read file data: Is a directory".into())
            }
        };
        let entry = self.ld.object_at(&canonical, len, regular);
        let Some(header) = &entry.header else {
            // Unreadable: glibc's open fails and the search goes on.
            return Probe::Missing;
        };
        match glibc_verify(header, self.main()) {
            Verdict::Skip(why) => Probe::Rejected(why),
            Verdict::Fatal(message) => Probe::Fatal(message),
            Verdict::Accept => match &entry.info {
                Err(e) => Probe::Fatal(e.clone()),
                Ok(_) => Probe::Found(path_string(canonical)),
            },
        }
    }

    /// glibc gives up on the program: `error while loading shared libraries: PATH: MSG`.
    fn fail(&mut self, path: String, message: String) -> NeedResult {
        self.fatal = Some(format!("{path}: {message}"));
        NeedResult::Failed { path, message }
    }

    /// Records a found file: the same file already loaded under another name is reused
    /// (glibc compares device and inode), otherwise it joins the link map. The strings are
    /// copied only then.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        loader: usize,
        name: &str,
        opened: &str,
        canonical: &str,
        step: Step,
        dir: &str,
        hwcaps: Option<&str>,
        skipped: Vec<Skipped>,
    ) -> NeedResult {
        if let Some(j) = self.objects.iter().position(|o| o.canonical == canonical) {
            let o = &mut self.objects[j];
            o.names.push(name.to_string());
            if o.shortname.is_none() && !name.contains('/') {
                o.shortname = Some(name.to_string());
            }
            return NeedResult::Reused {
                object: j,
                matched: "same file",
            };
        }
        let info = self.ld.object(Path::new(canonical));
        self.objects.push(Obj {
            info,
            names: vec![name.to_string(), opened.to_string()],
            shortname: (!name.contains('/')).then(|| name.to_string()),
            path: opened.to_string(),
            canonical: canonical.to_string(),
            loader: Some(loader),
            interpreter: false,
            is_main: false,
            needs: Vec::new(),
        });
        NeedResult::Loaded {
            object: self.objects.len() - 1,
            step,
            dir: dir.to_string(),
            hwcaps: hwcaps.map(str::to_string),
            skipped,
        }
    }

    fn map_musl(&mut self, loader: usize, name: &str) -> NeedResult {
        if let Some(rest) = name.strip_prefix("lib") {
            let stem = rest.split('.').next().unwrap_or("");
            if rest.contains('.') && MUSL_RESERVED.contains(&stem) {
                return match self.objects.iter().position(|o| o.interpreter) {
                    Some(j) => NeedResult::Reused {
                        object: j,
                        matched: "libc itself",
                    },
                    None => NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::LibcItself,
                            place: self.cfg.loader.clone(),
                        }],
                        skipped: Vec::new(),
                        hints: Vec::new(),
                    },
                };
            }
        }
        let result = self.search_musl(loader, name);
        self.note_missing(name, &result);
        result
    }

    fn search_musl(&mut self, loader: usize, name: &str) -> NeedResult {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        if name.contains('/') {
            return match self.probe(name) {
                Probe::Found(c) => self.add(
                    loader,
                    name,
                    name,
                    &c,
                    Step::Path,
                    dir_of(name),
                    None,
                    skipped,
                ),
                other => {
                    if let Some(reason) = other.musl_reason() {
                        skipped.push(Skipped {
                            path: name.into(),
                            reason,
                            then: AfterSkip::SearchOn,
                        });
                    }
                    NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::Path,
                            place: name.into(),
                        }],
                        skipped,
                        hints: Vec::new(),
                    }
                }
            };
        }
        if let Some(j) = self
            .objects
            .iter()
            .position(|o| o.shortname.as_deref() == Some(name))
        {
            return NeedResult::Reused {
                object: j,
                matched: "name",
            };
        }
        let mut lists: Vec<(Step, Vec<String>)> = Vec::new();
        if let Some(llp) = &self.cfg.ld_library_path {
            lists.push((Step::LdLibraryPath, musl_dirs(llp)));
        }
        let mut l = Some(loader);
        while let Some(k) = l {
            let o = &self.objects[k];
            let info = o.info();
            let (rp, is_runpath) = match (&info.runpath, &info.rpath_raw) {
                (Some(r), _) => (Some(r.clone()), true),
                (None, Some(r)) => (Some(r.clone()), false),
                _ => (None, false),
            };
            if let Some(rp) = rp {
                let origin = o.origin();
                if let Some(expanded) = musl_expand_origin(&rp, origin) {
                    let step = if is_runpath {
                        Step::Runpath { of: o.path.clone() }
                    } else {
                        Step::Rpath { of: o.path.clone() }
                    };
                    lists.push((step, musl_dirs(&expanded)));
                }
            }
            l = o.loader;
        }
        lists.push((Step::DefaultPath, self.cfg.system_dirs.clone()));
        for (step, dirs) in lists {
            for dir in dirs {
                let p = format!("{dir}/{name}");
                match self.probe(&p) {
                    Probe::Found(c) => {
                        return self.add(loader, name, &p, &c, step, &dir, None, skipped);
                    }
                    other @ (Probe::Rejected(_) | Probe::Fatal(_) | Probe::StopList(_)) => {
                        // musl takes the first file that opens and fails on it, and
                        // abandons the search on an open error other than ENOENT.
                        skipped.push(Skipped {
                            path: p,
                            reason: other.musl_reason().unwrap_or(SkipReason::SymlinkLoop),
                            then: AfterSkip::MuslStops,
                        });
                        tried.push(Tried { step, place: dir });
                        return NeedResult::NotFound {
                            tried,
                            skipped,
                            hints: Vec::new(),
                        };
                    }
                    Probe::Missing => tried.push(Tried {
                        step: step.clone(),
                        place: dir,
                    }),
                }
            }
        }
        NeedResult::NotFound {
            tried,
            skipped,
            hints: Vec::new(),
        }
    }

    /// glibc's `_dl_check_all_versions`: every version an object requires from a library
    /// must be in that library's DT_VERDEF.
    fn check_versions(&self, warnings: &mut Vec<String>) -> Vec<MissingVersion> {
        let mut out = Vec::new();
        for (k, o) in self.objects.iter().enumerate() {
            for (n, vn) in o.info().version_needs.iter().enumerate() {
                let Some((j, p)) = self.objects.iter().enumerate().find(|(_, p)| {
                    p.names.contains(&vn.library)
                        || p.info().soname.as_deref() == Some(vn.library.as_str())
                }) else {
                    continue;
                };
                let defs = &p.info().version_definitions;
                if defs.is_empty() {
                    warnings.push(format!(
                        "{}: no version information available (required by {})",
                        p.path, o.path
                    ));
                    continue;
                }
                // The binary's own entry is not kept by the loader (see `object_once`).
                let kept = k != 0 && j != 0;
                for &m in self.ld.versions_missing(&o.info, n, &p.info, kept).iter() {
                    let v = &vn.versions[m];
                    let mut symbols =
                        self.ld
                            .version_symbols(&o.info().canonical, &vn.library, &v.name);
                    symbols.truncate(MAX_SYMBOLS_SHOWN);
                    out.push(MissingVersion {
                        required_by: k,
                        library: vn.library.clone(),
                        version: v.name.clone(),
                        weak: v.weak,
                        symbols,
                    });
                }
            }
        }
        out
    }
}

/// A path as text (lossy, as `to_string_lossy`), without copying a valid UTF-8 one.
fn path_string(p: std::path::PathBuf) -> String {
    p.into_os_string()
        .into_string()
        .unwrap_or_else(|p| p.to_string_lossy().into_owned())
}

/// The directory part of a path, with its trailing `/`.
fn dir_of(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    }
}

/// Splits a glibc search list (`fillin_rpath`): empty elements mean the current directory,
/// dynamic string tokens are expanded (an element whose `$ORIGIN` cannot be known is
/// dropped), trailing slashes are normalised to one, duplicates dropped.
fn split_dirs(list: &str, seps: &str, origin: &str, cfg: &SearchConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for elem in list.split(|c| seps.contains(c)) {
        let mut d = if elem.is_empty() {
            String::new()
        } else {
            match expand_dst(elem, origin, cfg) {
                Some(d) if !d.is_empty() => d,
                _ => continue,
            }
        };
        if !d.is_empty() {
            while d.len() > 1 && d.ends_with('/') {
                d.pop();
            }
            if !d.ends_with('/') {
                d.push('/');
            }
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// glibc's dynamic string tokens: `$ORIGIN`, `$LIB`, `$PLATFORM`, braced or not; an
/// unknown `$` is kept literally.
fn expand_dst(s: &str, origin: &str, cfg: &SearchConfig) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len() + 32);
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut matched = false;
        for (token, value) in [
            ("ORIGIN", origin),
            ("PLATFORM", cfg.platform.as_str()),
            ("LIB", cfg.lib.as_str()),
        ] {
            if let Some(len) = dst_len(after, token) {
                out.push_str(value);
                rest = &after[len..];
                matched = true;
                break;
            }
        }
        if !matched {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// glibc's `is_dst`: the length of `token` (or `{token}`) at the start of `s`, when not
/// followed by an identifier character.
fn dst_len(s: &str, token: &str) -> Option<usize> {
    if let Some(inner) = s.strip_prefix('{') {
        let rest = inner.strip_prefix(token)?;
        rest.starts_with('}').then_some(token.len() + 2)
    } else {
        let rest = s.strip_prefix(token)?;
        let next = rest.bytes().next();
        (!next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')).then_some(token.len())
    }
}

/// musl's search lists: `:` or newline separated, empty elements skipped.
fn musl_dirs(list: &str) -> Vec<String> {
    list.split([':', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// musl's `fixup_rpath`: only `$ORIGIN` / `${ORIGIN}` are known; any other `$` makes musl
/// ignore the whole path.
fn musl_expand_origin(rp: &str, origin: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = rp;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("${ORIGIN}") {
            out.push_str(origin);
            rest = r;
        } else if let Some(r) = after.strip_prefix("$ORIGIN") {
            out.push_str(origin);
            rest = r;
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SearchConfig {
        let view = crate::fs::HostView;
        let mut c = SearchConfig::musl(&view, "/lib/ld-musl-x86_64.so.1", "x86_64", None);
        c.lib = "lib/x86_64-linux-gnu".into();
        c.platform = "x86_64".into();
        c
    }

    #[test]
    fn dst_expansion() {
        let c = cfg();
        assert_eq!(
            expand_dst("$ORIGIN/../lib", "/opt/app/bin", &c).unwrap(),
            "/opt/app/bin/../lib"
        );
        assert_eq!(
            expand_dst("${ORIGIN}/x:/usr/$LIB/$PLATFORM", "/o", &c).unwrap(),
            "/o/x:/usr/lib/x86_64-linux-gnu/x86_64"
        );
        assert_eq!(expand_dst("$ORIGINAL", "/o", &c).unwrap(), "$ORIGINAL");
        assert_eq!(expand_dst("$FOO/x", "/o", &c).unwrap(), "$FOO/x");
    }

    #[test]
    fn search_lists() {
        let c = cfg();
        assert_eq!(
            split_dirs("/a//:$ORIGIN:/a:", ":", "/bin", &c),
            ["/a/", "/bin/", ""]
        );
        assert_eq!(split_dirs("/x;/y", ":;", "/", &c), ["/x/", "/y/"]);
        assert_eq!(musl_dirs("/a:/b\n/c::"), ["/a", "/b", "/c"]);
        assert_eq!(
            musl_expand_origin("$ORIGIN/../lib:${ORIGIN}", "/o").unwrap(),
            "/o/../lib:/o"
        );
        assert!(musl_expand_origin("$LIB", "/o").is_none());
    }
}
