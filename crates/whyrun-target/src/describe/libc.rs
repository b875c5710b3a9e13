//! Which C library a system has, read from its own files: the program interpreters present
//! (each known path of FACTS.md's table), glibc's version from the banner inside its
//! `libc.so.6` (`GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version
//! 2.36`) or else the highest `GLIBC_x.y` it defines, musl's version from the version
//! string its loader carries (musl prints it as `musl libc (ARCH)\nVersion %s`). Never
//! looks at the host's files when the view is another system's.

use std::path::Path;

use memchr::memmem;

use crate::fs::{FileKind, FileView};
use crate::loader::glibc_system_dirs;
use crate::model::{Libc, LibcFamily};

/// Program interpreters by architecture (the facts crate's names) and libc (FACTS.md,
/// "Program interpreters": GCC configs and Go's cmd/link).
pub const KNOWN_INTERPRETERS: &[(&str, LibcFamily, &str)] = &[
    ("x86_64", LibcFamily::Glibc, "/lib64/ld-linux-x86-64.so.2"),
    ("aarch64", LibcFamily::Glibc, "/lib/ld-linux-aarch64.so.1"),
    ("armhf", LibcFamily::Glibc, "/lib/ld-linux-armhf.so.3"),
    ("armel", LibcFamily::Glibc, "/lib/ld-linux.so.3"),
    ("i386", LibcFamily::Glibc, "/lib/ld-linux.so.2"),
    ("ppc64le", LibcFamily::Glibc, "/lib64/ld64.so.2"),
    ("s390x", LibcFamily::Glibc, "/lib/ld64.so.1"),
    (
        "riscv64",
        LibcFamily::Glibc,
        "/lib/ld-linux-riscv64-lp64d.so.1",
    ),
    ("x86_64", LibcFamily::Musl, "/lib/ld-musl-x86_64.so.1"),
    ("aarch64", LibcFamily::Musl, "/lib/ld-musl-aarch64.so.1"),
    ("armhf", LibcFamily::Musl, "/lib/ld-musl-armhf.so.1"),
    ("armel", LibcFamily::Musl, "/lib/ld-musl-arm.so.1"),
    ("i386", LibcFamily::Musl, "/lib/ld-musl-i386.so.1"),
    ("ppc64le", LibcFamily::Musl, "/lib/ld-musl-powerpc64le.so.1"),
    ("s390x", LibcFamily::Musl, "/lib/ld-musl-s390x.so.1"),
    ("riscv64", LibcFamily::Musl, "/lib/ld-musl-riscv64.so.1"),
];

/// A libc.so.6 or musl loader larger than this is not scanned.
const MAX_LIBC_BYTES: usize = 64 << 20;

pub(super) struct Found {
    pub interpreters: Vec<String>,
    pub libc: Option<Libc>,
}

/// Finds the interpreters and the libc of `view`. `prefer_arch` (the CPU's architecture,
/// when known) picks among several (a multiarch system); otherwise FACTS.md's order.
pub(super) fn detect(
    view: &dyn FileView,
    prefer_arch: Option<&str>,
    warnings: &mut Vec<String>,
) -> Found {
    let present: Vec<&(&str, LibcFamily, &str)> = KNOWN_INTERPRETERS
        .iter()
        .filter(|(_, _, p)| is_file(view, p))
        .collect();
    let interpreters = present.iter().map(|(_, _, p)| p.to_string()).collect();

    // glibc before musl (a Debian system with the musl package is still a glibc system),
    // the preferred architecture first.
    let mut order: Vec<&(&str, LibcFamily, &str)> = present.clone();
    order.sort_by_key(|(arch, fam, _)| {
        (
            *fam != LibcFamily::Glibc,
            prefer_arch.is_some_and(|p| p != *arch),
        )
    });
    let mut libc = None;
    for (arch, fam, loader) in order {
        let found = match fam {
            LibcFamily::Glibc => glibc(view, arch, loader, warnings),
            LibcFamily::Musl => musl(view, arch, loader, warnings),
        };
        if found.is_some() {
            libc = found;
            break;
        }
    }
    Found { interpreters, libc }
}

fn is_file(view: &dyn FileView, path: &str) -> bool {
    view.metadata(Path::new(path))
        .is_ok_and(|m| m.kind == FileKind::File)
}

/// The glibc whose loader is `loader`: its libc.so.6 in the loader's own system
/// directories, its version from the banner or the version definitions.
fn glibc(
    view: &dyn FileView,
    arch: &str,
    loader: &str,
    warnings: &mut Vec<String>,
) -> Option<Libc> {
    let dirs = glibc_system_dirs(view, loader).unwrap_or_else(|| {
        ["/lib64/", "/usr/lib64/", "/lib/", "/usr/lib/"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    });
    for dir in dirs {
        let path = format!("{}/libc.so.6", dir.trim_end_matches('/'));
        if !is_file(view, &path) {
            continue;
        }
        let bytes = match view.map(Path::new(&path)) {
            Ok(b) => b,
            Err(e) => {
                warnings.push(e.to_string());
                continue;
            }
        };
        if bytes.len() > MAX_LIBC_BYTES {
            warnings.push(format!(
                "{path}: larger than {MAX_LIBC_BYTES} bytes; not read"
            ));
            continue;
        }
        // The right machine: a multiarch system has several libc.so.6.
        let facts = whyrun_facts::inspect_bytes(&bytes).ok();
        if let Some(f) = &facts {
            if f.elf.machine.name != arch
                && !(arch.starts_with("arm") && f.elf.machine.name.starts_with("arm"))
            {
                continue;
            }
        }
        let version = glibc_version_in(&bytes).or_else(|| {
            facts
                .as_ref()
                .and_then(|f| highest_glibc(&f.elf.version_definitions))
        });
        match version {
            Some(version) => {
                return Some(Libc {
                    family: LibcFamily::Glibc,
                    version,
                    loader: loader.to_string(),
                    arch: arch.to_string(),
                })
            }
            None => warnings.push(format!(
                "{path}: no glibc version banner and no GLIBC_ version definitions"
            )),
        }
    }
    None
}

/// The version in glibc's banner (`... release version 2.36.` / `... version 2.17, by
/// Roland McGrath` in old releases).
pub fn glibc_version_in(bytes: &[u8]) -> Option<String> {
    let at = memmem::find(bytes, b"GNU C Library")?;
    let window = &bytes[at..bytes.len().min(at + 512)];
    let end = window.iter().position(|&b| b == 0).unwrap_or(window.len());
    let text = String::from_utf8_lossy(&window[..end]);
    let rest = &text[text.find("version ")? + "version ".len()..];
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.').to_string();
    (v.split('.').count() >= 2 && v.split('.').all(|p| !p.is_empty())).then_some(v)
}

/// The highest `GLIBC_x.y[.z]` among version definitions.
fn highest_glibc(defs: &[String]) -> Option<String> {
    defs.iter()
        .filter_map(|d| d.strip_prefix("GLIBC_"))
        .filter_map(|v| {
            let nums: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
            nums.map(|n| (n, v.to_string()))
        })
        .max()
        .map(|(_, v)| v)
}

/// The musl whose loader is `loader` (on Alpine the loader is libc itself; on Debian's
/// `musl` package a symlink to `/usr/lib/x86_64-linux-musl/libc.so`).
fn musl(view: &dyn FileView, arch: &str, loader: &str, warnings: &mut Vec<String>) -> Option<Libc> {
    let version = match view.map(Path::new(loader)) {
        Ok(bytes) if bytes.len() <= MAX_LIBC_BYTES => musl_version_in(&bytes),
        Ok(_) => {
            warnings.push(format!(
                "{loader}: larger than {MAX_LIBC_BYTES} bytes; not read"
            ));
            None
        }
        Err(e) => {
            warnings.push(e.to_string());
            None
        }
    };
    let version = version.or_else(|| apk_musl_version(view))?;
    Some(Libc {
        family: LibcFamily::Musl,
        version,
        loader: loader.to_string(),
        arch: arch.to_string(),
    })
}

/// musl keeps its version (`VERSION` of `version.h`, `__libc_version`) as a plain string
/// in `.rodata`: the first NUL-delimited string shaped `N.N.N` (a `-suffix` allowed) in
/// a file carrying musl's `musl libc (` banner.
pub fn musl_version_in(bytes: &[u8]) -> Option<String> {
    memmem::find(bytes, b"musl libc (")?;
    let mut found = None;
    for s in bytes.split(|&b| b == 0) {
        if s.len() < 5 || s.len() > 24 || !s[0].is_ascii_digit() {
            continue;
        }
        let Ok(text) = std::str::from_utf8(s) else {
            continue;
        };
        let core = text.split(['-', '_', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_+".contains(&b))
        {
            found = Some(text.to_string());
            break;
        }
    }
    found
}

/// Alpine's package database names musl's version (`P:musl` then `V:1.2.4-r2`).
fn apk_musl_version(view: &dyn FileView) -> Option<String> {
    let bytes = view
        .read(Path::new("/lib/apk/db/installed"), 16 << 20)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut in_musl = false;
    for line in text.lines() {
        if let Some(p) = line.strip_prefix("P:") {
            in_musl = p == "musl";
        } else if in_musl {
            if let Some(v) = line.strip_prefix("V:") {
                return Some(v.split("-r").next().unwrap_or(v).to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners() {
        let b = b"xx\0GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36.\nCopyright";
        assert_eq!(glibc_version_in(b).as_deref(), Some("2.36"));
        let old =
            b"GNU C Library (GNU libc) stable release version 2.17, by Roland McGrath et al.\n";
        assert_eq!(glibc_version_in(old).as_deref(), Some("2.17"));
        assert_eq!(glibc_version_in(b"GNU C Library version"), None);
        assert_eq!(glibc_version_in(b"nothing"), None);
    }

    #[test]
    fn musl_strings() {
        let b = b"\x00musl libc (x86_64)\nVersion %s\n\x00versionsort\x001.2.3\x00";
        assert_eq!(musl_version_in(b).as_deref(), Some("1.2.3"));
        assert_eq!(musl_version_in(b"\x001.2.3\x00"), None);
        assert_eq!(musl_version_in(b"musl libc (\x001.2\x00"), None);
    }

    #[test]
    fn highest() {
        let d: Vec<String> = [
            "libc.so.6",
            "GLIBC_2.2.5",
            "GLIBC_2.36",
            "GLIBC_2.4",
            "GLIBC_PRIVATE",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(highest_glibc(&d).as_deref(), Some("2.36"));
    }
}
