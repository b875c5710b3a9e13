//! The search itself: glibc's `_dl_map_object` order (loaded names and SONAMEs, then
//! DT_RPATH up the loader chain unless DT_RUNPATH, LD_LIBRARY_PATH, DT_RUNPATH,
//! ld.so.cache unless NODEFLIB, default directories; each directory with its glibc-hwcaps
//! subdirectories first; files of the wrong class or machine skipped) and musl's
//! `load_library` order (libc's own names, loaded short names, LD_LIBRARY_PATH, RPATH or
//! RUNPATH up the chain, the path file; the first file that opens is taken). Breadth-first
//! over DT_NEEDED like `_dl_map_object_deps`. Reads through the loader's caches only. `glibc` and `musl` hold each loader's order,
//! `memo` the searches shared by every tree of a loader.

mod glibc;
mod memo;
mod musl;

pub(crate) use memo::{ListSearch, SystemMemo, SystemSearch};

use std::path::Path;
use std::sync::Arc;

use super::config::{default_glibc_loader, Libc, SearchConfig};
use super::model::{
    AfterSkip, Hint, Interpreter, LoadTree, LoadedObject, MissingVersion, Need, NeedResult,
    SkipReason, Skipped, Step, Tried,
};
use super::object::{glibc_verify, ObjectInfo, Verdict};
use super::{Entry, LoadError, Loader, OpenError};
use crate::fs::{absolute, FileKind};

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
    /// Opening fails as for EACCES (the file cannot be read): glibc and musl both pass it
    /// over and search on.
    Unopenable(SkipReason),
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
            Probe::Rejected(r) | Probe::StopList(r) | Probe::Unopenable(r) => Some(r),
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

    fn note_missing(&mut self, name: &str, result: &NeedResult) {
        if matches!(result, NeedResult::NotFound { .. })
            && !self.missing_order.iter().any(|m| m == name)
        {
            self.missing_order.push(name.to_string());
        }
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
            // Unreadable: the loader's open fails and the search goes on.
            let message = entry.info.as_ref().err().cloned().unwrap_or_default();
            return Probe::Unopenable(SkipReason::Unreadable { message });
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
