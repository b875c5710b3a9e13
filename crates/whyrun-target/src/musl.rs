//! musl's library path file, `/etc/ld-musl-$ARCH.path` (musl `ldso/dynlink.c`): directories
//! separated by `:` or newlines; without the file, musl searches `/lib:/usr/local/lib:/usr/lib`.
//! Parsing only, through a file view.

use std::path::Path;

use crate::fs::FileView;

/// musl's built-in search path when no path file exists.
pub const DEFAULT_PATH: &[&str] = &["/lib", "/usr/local/lib", "/usr/lib"];
/// Bound on the path file's size.
const MAX_PATH_FILE: u64 = 64 << 10;

/// The `$ARCH` of a musl loader path (`/lib/ld-musl-x86_64.so.1` → `x86_64`).
pub fn arch_of_loader(interpreter: &str) -> Option<&str> {
    let base = interpreter.rsplit('/').next()?;
    base.strip_prefix("ld-musl-")?.strip_suffix(".so.1")
}

/// The path file musl reads for a loader installed at `loader`: the prefix is the loader's
/// path up to its second-to-last `/` (`/opt/musl/lib/ld-musl-…` → `/opt/musl`), as musl
/// computes it.
pub fn path_file_for(loader: &str, arch: &str) -> String {
    let slashes: Vec<usize> = loader.match_indices('/').map(|(i, _)| i).collect();
    let prefix = if loader.starts_with('/') && slashes.len() >= 2 {
        &loader[..slashes[slashes.len() - 2]]
    } else {
        ""
    };
    format!("{prefix}/etc/ld-musl-{arch}.path")
}

/// The directories of a path file's text.
pub fn parse_path_file(text: &str) -> Vec<String> {
    text.split([':', '\n'])
        .map(str::trim_end)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The search path of a musl system: from the path file when it exists (and is readable),
/// else the default. Returns the directories and the file they came from.
pub fn search_path(view: &dyn FileView, loader: &str, arch: &str) -> (Vec<String>, Option<String>) {
    let file = path_file_for(loader, arch);
    match view.read(Path::new(&file), MAX_PATH_FILE) {
        Ok(d) => (parse_path_file(&String::from_utf8_lossy(&d)), Some(file)),
        Err(_) => (DEFAULT_PATH.iter().map(|s| s.to_string()).collect(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(arch_of_loader("/lib/ld-musl-x86_64.so.1"), Some("x86_64"));
        assert_eq!(arch_of_loader("/lib/ld-linux.so.2"), None);
        assert_eq!(
            path_file_for("/lib/ld-musl-x86_64.so.1", "x86_64"),
            "/etc/ld-musl-x86_64.path"
        );
        assert_eq!(
            path_file_for("/opt/musl/lib/ld-musl-aarch64.so.1", "aarch64"),
            "/opt/musl/etc/ld-musl-aarch64.path"
        );
    }

    #[test]
    fn parse() {
        assert_eq!(
            parse_path_file("/lib\n/usr/lib:/usr/local/lib\n\n"),
            ["/lib", "/usr/lib", "/usr/local/lib"]
        );
    }
}
