//! Which binary a container started from an image runs first: `Entrypoint` followed by
//! `Cmd`, its first word looked up the way a container runtime does (a name with a `/` is
//! taken from the working directory, a bare name is searched in the image's `PATH`, and
//! the first executable regular file wins). It reads through a file view only; it never
//! runs anything and never looks at the host.

use std::path::{Path, PathBuf};

use crate::fs::{FileKind, FileView};
use crate::model::ImageConfig;

/// The `PATH` Docker gives a container whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The binary a container runs first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entrypoint {
    /// The whole command line: `Entrypoint` then `Cmd`.
    pub argv: Vec<String>,
    /// The file run, as found (before symlinks are resolved): `/usr/bin/python3`.
    pub path: PathBuf,
    /// Where it was looked for, in order, ending with `path`.
    pub searched: Vec<PathBuf>,
}

/// Why no entrypoint binary could be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntrypointError {
    #[error("the image sets neither Entrypoint nor Cmd")]
    NoCommand,
    #[error("the image's command {name:?} is not an executable file in the image (looked for {})", list(.searched))]
    NotFound {
        name: String,
        searched: Vec<PathBuf>,
    },
}

fn list(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The command line a container started with no arguments runs.
pub fn command(config: &ImageConfig) -> Vec<String> {
    config
        .entrypoint
        .iter()
        .chain(config.cmd.iter())
        .cloned()
        .collect()
}

/// The value of `NAME` in the image's environment.
pub fn env_var<'a>(config: &'a ImageConfig, name: &str) -> Option<&'a str> {
    config.env.iter().rev().find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Names the binary a container of this image runs first, looked up in `view`.
pub fn entrypoint(
    view: &dyn FileView,
    config: &ImageConfig,
) -> Result<Entrypoint, EntrypointError> {
    let argv = command(config);
    let Some(first) = argv.first().filter(|s| !s.is_empty()) else {
        return Err(EntrypointError::NoCommand);
    };
    let cwd = config
        .working_dir
        .as_deref()
        .filter(|w| w.starts_with('/'))
        .unwrap_or("/");
    let in_cwd = |p: &str| -> PathBuf {
        if p.starts_with('/') {
            PathBuf::from(p)
        } else {
            Path::new(cwd).join(p)
        }
    };
    let candidates: Vec<PathBuf> = if first.contains('/') {
        vec![in_cwd(first)]
    } else {
        env_var(config, "PATH")
            .unwrap_or(DEFAULT_PATH)
            .split(':')
            .map(|dir| in_cwd(if dir.is_empty() { "." } else { dir }).join(first))
            .collect()
    };
    let mut searched = Vec::new();
    for c in candidates {
        searched.push(c.clone());
        if is_executable(view, &c) {
            return Ok(Entrypoint {
                argv: argv.clone(),
                path: c,
                searched,
            });
        }
    }
    Err(EntrypointError::NotFound {
        name: first.clone(),
        searched,
    })
}

fn is_executable(view: &dyn FileView, p: &Path) -> bool {
    view.metadata(p)
        .is_ok_and(|m| m.kind == FileKind::File && m.mode & 0o111 != 0)
}
