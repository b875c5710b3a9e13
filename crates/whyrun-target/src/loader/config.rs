//! How one target's loader searches, for one kind of binary (architecture and libc):
//! system directories read from the target's own loader file, the ld.so.cache, the
//! glibc-hwcaps subdirectories the CPU allows, `$LIB` and `$PLATFORM`, or musl's path
//! file. Built from the target's files only.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::fs::FileView;
use crate::ldconfig::cache::CacheAbi;
use crate::ldconfig::LdCache;
use crate::musl;
use crate::Cpu;

/// Which dynamic loader's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Libc {
    Glibc,
    Musl,
}

/// The ld.so.cache as the loader found it.
#[derive(Debug, Clone, Serialize)]
pub struct CacheState {
    pub path: String,
    #[serde(skip)]
    pub cache: Option<Arc<LdCache>>,
    /// Entries in the cache, when it was read.
    pub entries: Option<usize>,
    /// Why it could not be used (missing, malformed).
    pub error: Option<String>,
}

/// Everything that decides where one kind of binary's libraries are searched.
#[derive(Debug, Clone, Serialize)]
pub struct SearchConfig {
    pub libc: Libc,
    /// The loader the search rules were taken from (`/lib64/ld-linux-x86-64.so.2`).
    pub loader: String,
    /// Default directories, in order, with a trailing `/` as glibc stores them.
    pub system_dirs: Vec<String>,
    /// Where `system_dirs` came from.
    pub system_dirs_source: String,
    /// glibc-hwcaps subdirectories tried in every directory, best first.
    pub hwcaps: Vec<String>,
    #[serde(skip)]
    pub isa_levels: Option<u32>,
    #[serde(skip)]
    pub cache_abi: CacheAbi,
    /// `$LIB` and `$PLATFORM` values.
    pub lib: String,
    pub platform: String,
    pub cache: Option<CacheState>,
    pub ld_library_path: Option<String>,
}

/// Bound on a loader file scanned for its built-in directories.
const MAX_LOADER_BYTES: u64 = 64 << 20;
/// Bound on ld.so.cache.
const MAX_CACHE_BYTES: u64 = 256 << 20;

/// The canonical glibc loader path of an architecture (FACTS.md's table), used when the
/// binary names none (a shared library).
pub fn default_glibc_loader(machine: &str, is_64: bool) -> Option<&'static str> {
    Some(match machine {
        "x86_64" if is_64 => "/lib64/ld-linux-x86-64.so.2",
        "x32" => "/libx32/ld-linux-x32.so.2",
        "aarch64" => "/lib/ld-linux-aarch64.so.1",
        "armhf" => "/lib/ld-linux-armhf.so.3",
        "armel" | "arm" => "/lib/ld-linux.so.3",
        "i386" => "/lib/ld-linux.so.2",
        "ppc64le" => "/lib64/ld64.so.2",
        "ppc64" => "/lib64/ld64.so.1",
        "s390x" => "/lib/ld64.so.1",
        "riscv64" => "/lib/ld-linux-riscv64-lp64d.so.1",
        "loongarch64" => "/lib64/ld-linux-loongarch-lp64d.so.1",
        "mips64el" | "mips64" => "/lib64/ld.so.1",
        _ => return None,
    })
}

/// `$PLATFORM` (AT_PLATFORM) for an architecture.
fn platform(machine: &str) -> &str {
    match machine {
        "i386" => "i686",
        "armhf" | "armel" | "arm" => "v7l",
        "ppc64le" => "power8",
        m => m,
    }
}

impl SearchConfig {
    /// The glibc search of a target for binaries like `main`, whose loader is `loader`.
    #[allow(clippy::too_many_arguments)]
    pub fn glibc(
        view: &dyn FileView,
        cpu: &Cpu,
        loader: &str,
        machine: &str,
        e_machine: u16,
        is_64: bool,
        arm_hard_float: bool,
        ld_library_path: Option<String>,
    ) -> SearchConfig {
        let (system_dirs, source) = match glibc_system_dirs(view, loader) {
            Some(dirs) => (dirs, format!("built into {loader}")),
            None => (
                fallback_system_dirs(view, machine, is_64),
                format!("glibc's defaults for {machine} ({loader} unreadable)"),
            ),
        };
        let lib = system_dirs
            .first()
            .map(|d| d.trim_matches('/').to_string())
            .unwrap_or_else(|| "lib".into());
        let cache_path = "/etc/ld.so.cache";
        let cache = match view.read(Path::new(cache_path), MAX_CACHE_BYTES) {
            Ok(bytes) => match LdCache::parse(&bytes) {
                Ok(c) => CacheState {
                    path: cache_path.into(),
                    entries: Some(c.entries.len()),
                    cache: Some(Arc::new(c)),
                    error: None,
                },
                Err(e) => CacheState {
                    path: cache_path.into(),
                    cache: None,
                    entries: None,
                    error: Some(e.to_string()),
                },
            },
            Err(e) => CacheState {
                path: cache_path.into(),
                cache: None,
                entries: None,
                error: Some(e.to_string()),
            },
        };
        SearchConfig {
            libc: Libc::Glibc,
            loader: loader.to_string(),
            system_dirs,
            system_dirs_source: source,
            hwcaps: cpu
                .glibc_hwcaps(machine)
                .into_iter()
                .map(String::from)
                .collect(),
            isa_levels: cpu.x86_isa_levels.filter(|_| machine == "x86_64"),
            cache_abi: CacheAbi::for_machine(e_machine, is_64, arm_hard_float),
            lib,
            platform: platform(machine).to_string(),
            cache: Some(cache),
            ld_library_path,
        }
    }

    /// The musl search of a target whose loader is `loader`.
    pub fn musl(
        view: &dyn FileView,
        loader: &str,
        machine: &str,
        ld_library_path: Option<String>,
    ) -> SearchConfig {
        let arch = musl::arch_of_loader(loader).unwrap_or(machine).to_string();
        let (dirs, file) = musl::search_path(view, loader, &arch);
        SearchConfig {
            libc: Libc::Musl,
            loader: loader.to_string(),
            system_dirs: dirs,
            system_dirs_source: file.unwrap_or_else(|| {
                format!("musl's default (no {})", musl::path_file_for(loader, &arch))
            }),
            hwcaps: Vec::new(),
            isa_levels: None,
            cache_abi: CacheAbi::for_machine(0, false, false),
            lib: "lib".into(),
            platform: machine.to_string(),
            cache: None,
            ld_library_path,
        }
    }
}

/// The system directories compiled into a glibc loader: the NUL-separated run of absolute
/// directory names ending in `/` (`/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0
/// /lib/\0/usr/lib/\0`) that glibc's `SYSTEM_DIRS` string leaves in `.rodata`.
pub fn glibc_system_dirs(view: &dyn FileView, loader: &str) -> Option<Vec<String>> {
    let bytes = view.map(Path::new(loader)).ok()?;
    if bytes.len() as u64 > MAX_LOADER_BYTES {
        return None;
    }
    system_dirs_in(&bytes)
}

/// Finds the `SYSTEM_DIRS` run in a loader image.
pub fn system_dirs_in(bytes: &[u8]) -> Option<Vec<String>> {
    let mut best: Option<Vec<String>> = None;
    let mut i = 0;
    while let Some(off) = find(&bytes[i..], b"\0/") {
        let start = i + off + 1;
        let mut dirs = Vec::new();
        let mut at = start;
        while let Some(end) = bytes[at..].iter().position(|&b| b == 0) {
            let s = &bytes[at..at + end];
            let plausible = s.len() >= 2
                && s.len() < 256
                && s[0] == b'/'
                && s.ends_with(b"/")
                && s.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || b"/_.-".contains(&c));
            if !plausible {
                break;
            }
            dirs.push(String::from_utf8_lossy(s).into_owned());
            at += end + 1;
        }
        let ok = dirs.len() >= 2
            && dirs.iter().any(|d| d.starts_with("/lib"))
            && dirs.iter().any(|d| d.starts_with("/usr/lib"));
        if ok && best.as_ref().is_none_or(|b| dirs.len() > b.len()) {
            best = Some(dirs);
        }
        i = start.max(at);
        if i >= bytes.len() {
            break;
        }
    }
    best
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// glibc's defaults when the loader cannot be read: Debian-style multiarch directories when
/// the target has them, else `lib64` or `lib`.
fn fallback_system_dirs(view: &dyn FileView, machine: &str, is_64: bool) -> Vec<String> {
    let triplet = match machine {
        "x86_64" => "x86_64-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "armhf" => "arm-linux-gnueabihf",
        "armel" | "arm" => "arm-linux-gnueabi",
        "i386" => "i386-linux-gnu",
        "ppc64le" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        _ => "",
    };
    if !triplet.is_empty() && view.exists(Path::new(&format!("/usr/lib/{triplet}"))) {
        return vec![
            format!("/lib/{triplet}/"),
            format!("/usr/lib/{triplet}/"),
            "/lib/".into(),
            "/usr/lib/".into(),
        ];
    }
    if is_64
        && matches!(
            machine,
            "x86_64" | "ppc64le" | "ppc64" | "s390x" | "loongarch64"
        )
    {
        vec!["/lib64/".into(), "/usr/lib64/".into()]
    } else {
        vec!["/lib/".into(), "/usr/lib/".into()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_system_dirs_in_a_loader_image() {
        let mut img = b"\x7fELF junk\0/etc/ld.so.cache\0".to_vec();
        img.extend_from_slice(
            b"/lib/x86_64-linux-gnu/\0/usr/lib/x86_64-linux-gnu/\0/lib/\0/usr/lib/\0",
        );
        img.extend_from_slice(b"more\0");
        assert_eq!(
            system_dirs_in(&img).unwrap(),
            [
                "/lib/x86_64-linux-gnu/",
                "/usr/lib/x86_64-linux-gnu/",
                "/lib/",
                "/usr/lib/"
            ]
        );
        assert!(system_dirs_in(b"\0/lib/\0").is_none());
    }

    #[test]
    fn host_loader_matches_ld_so_help() {
        // On Debian 12 x86-64 `ld.so --help` lists these as the system search path.
        let host = "/lib64/ld-linux-x86-64.so.2";
        if std::path::Path::new(host).exists() && cfg!(target_arch = "x86_64") {
            let dirs = glibc_system_dirs(&crate::HostView, host).unwrap();
            assert!(dirs.iter().any(|d| d.ends_with("/lib/")), "{dirs:?}");
        }
    }
}
