//! Path resolution inside a tree, the way the kernel does it under `chroot`: component by
//! component, absolute symlinks restart at the tree's root, `..` stops at the root, and at
//! most [`MAX_SYMLINK_HOPS`] symlinks are followed. Shared by every view that is not the
//! running host; it never touches storage itself, only through [`RawTree`].

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use super::{FileKind, FsError, Metadata};

/// The kernel's bound on symlinks followed in one lookup (`MAXSYMLINKS`).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// The two primitives resolution needs, on paths whose parent components are already
/// resolved (no symlink in them).
pub trait RawTree: Send + Sync {
    /// Stat the object itself (not following a final symlink).
    fn lstat(&self, resolved: &Path) -> Result<Metadata, FsError>;
    /// The target of the symlink at `resolved`, as stored.
    fn readlink(&self, resolved: &Path) -> Result<PathBuf, FsError>;
}

/// Resolves `path` (absolute inside the tree; a relative one is taken from `/`) to the
/// path of the object it names, with no symlink left in it (`follow_last`) or none but the
/// last component (`!follow_last`). A missing final component is an error.
pub fn resolve(raw: &dyn RawTree, path: &Path, follow_last: bool) -> Result<PathBuf, FsError> {
    // Components still to walk, in reverse order (the next one is at the end).
    let mut pending: Vec<OsString> = Vec::new();
    push_components(&mut pending, path);
    let mut done: Vec<OsString> = Vec::new();
    let mut hops = 0usize;
    while let Some(name) = pending.pop() {
        if name == ".." {
            done.pop();
            continue;
        }
        let mut candidate = PathBuf::from("/");
        candidate.extend(&done);
        candidate.push(&name);
        let meta = raw.lstat(&candidate)?;
        let is_last = pending.is_empty();
        match meta.kind {
            FileKind::Symlink if follow_last || !is_last => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(FsError::Loop(path.to_path_buf()));
                }
                let target = raw.readlink(&candidate)?;
                if target.as_os_str().is_empty() {
                    return Err(FsError::NotFound(path.to_path_buf()));
                }
                if target.is_absolute() {
                    done.clear();
                }
                push_components(&mut pending, &target);
            }
            FileKind::Dir | FileKind::Symlink => done.push(name),
            _ if is_last => done.push(name),
            _ => return Err(FsError::NotADirectory(path.to_path_buf())),
        }
    }
    let mut out = PathBuf::from("/");
    out.extend(&done);
    Ok(out)
}

/// Pushes the components of `p` so that the first one is popped first; `.` and the root
/// are dropped (a root restarts the walk, which the caller handles), `..` kept.
fn push_components(pending: &mut Vec<OsString>, p: &Path) {
    let comps: Vec<OsString> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    pending.extend(comps.into_iter().rev());
}
