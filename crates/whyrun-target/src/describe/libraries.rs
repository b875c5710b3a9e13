//! The library index of a snapshot: every shared library the loader of a system reaches
//! without help — the entries of `/etc/ld.so.cache` and the files of the default
//! directories (the ones compiled into the glibc loader, or musl's path file) — with
//! SONAME, machine and version definitions. Read through the view only, files mapped
//! and parsed in parallel; a file that is not a usable ELF shared object is skipped.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fs::{FileKind, FileView};
use crate::ldconfig::LdCache;
use crate::loader::{glibc_system_dirs, ObjectInfo};
use crate::model::{Libc, LibcFamily, Library};
use crate::musl;

/// Bound on ld.so.cache.
const MAX_CACHE: u64 = 256 << 20;
/// Bound on the files listed from one directory.
const MAX_DIR_ENTRIES: usize = 100_000;
/// Libraries larger than this are not mapped.
const MAX_LIBRARY: usize = 1 << 30;

/// Every library reachable through the cache and the default directories of `libc`'s
/// loader, sorted by SONAME then path.
pub fn library_index(view: &dyn FileView, libc: Option<&Libc>) -> Vec<Library> {
    let Some(libc) = libc else {
        return Vec::new();
    };
    // (path, name looked up) in the loader's order: cache first, then directories.
    let mut candidates: Vec<String> = Vec::new();
    let dirs: Vec<String> = match libc.family {
        LibcFamily::Glibc => {
            if let Ok(bytes) = view.read(Path::new("/etc/ld.so.cache"), MAX_CACHE) {
                if let Ok(cache) = LdCache::parse(&bytes) {
                    candidates.extend(cache.entries.into_iter().map(|e| e.value));
                }
            }
            glibc_system_dirs(view, &libc.loader).unwrap_or_default()
        }
        LibcFamily::Musl => {
            let arch = musl::arch_of_loader(&libc.loader).unwrap_or(&libc.arch);
            musl::search_path(view, &libc.loader, arch).0
        }
    };
    for dir in dirs {
        let dir = dir.trim_end_matches('/');
        let dir = if dir.is_empty() { "/" } else { dir };
        let Ok(entries) = view.read_dir(Path::new(dir)) else {
            continue;
        };
        for e in entries.into_iter().take(MAX_DIR_ENTRIES) {
            let looks_like_lib = e.name.ends_with(".so") || e.name.contains(".so.");
            if looks_like_lib && matches!(e.kind, FileKind::File | FileKind::Symlink) {
                candidates.push(format!("{}/{}", dir.trim_end_matches('/'), e.name));
            }
        }
    }
    let mut seen = HashSet::new();
    candidates.retain(|c| seen.insert(c.clone()));

    let resolved: Vec<(String, PathBuf)> = candidates
        .par_iter()
        .filter_map(|p| Some((p.clone(), view.canonicalize(Path::new(p)).ok()?)))
        .collect();
    // One entry per file: the name a lookup by SONAME would use wins over other aliases.
    let mut by_file: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for (path, canon) in resolved {
        by_file.entry(canon).or_default().push(path);
    }
    let files: Vec<(PathBuf, Vec<String>)> = by_file.into_iter().collect();
    let mut out: Vec<Library> = files
        .par_iter()
        .filter_map(|(canon, paths)| {
            let bytes = view.map(canon).ok()?;
            if bytes.len() > MAX_LIBRARY || !bytes.starts_with(b"\x7fELF") {
                return None;
            }
            let info = ObjectInfo::from_bytes(canon.clone(), &bytes).ok()?;
            if info.file_type != "shared-object" && info.file_type != "pie-executable" {
                return None;
            }
            let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
            let soname = info.soname.clone().unwrap_or_else(|| file_name(&paths[0]));
            let path = paths
                .iter()
                .find(|p| file_name(p) == soname)
                .unwrap_or(&paths[0])
                .clone();
            let versions = info
                .version_definitions
                .iter()
                .filter(|v| **v != soname && Some(*v) != info.soname.as_ref())
                .cloned()
                .collect();
            Some(Library {
                soname,
                path,
                arch: info.machine,
                versions,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.soname, &a.path).cmp(&(&b.soname, &b.path)));
    out
}
