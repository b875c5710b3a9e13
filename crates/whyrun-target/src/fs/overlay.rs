//! A target's file view with one extra file: the local binary about to be deployed, placed
//! at the path it will have in the target, so the loader sees its `$ORIGIN` and the rules
//! its placement exactly as after the copy. Everything else is the target's own view.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{DirEntry, FileBytes, FileKind, FileView, FsError, Metadata};

#[derive(Debug)]
pub struct Overlay {
    inner: Arc<dyn FileView>,
    /// Absolute path inside the target.
    at: PathBuf,
    /// The local file.
    local: PathBuf,
}

impl Overlay {
    pub fn new(inner: Arc<dyn FileView>, at: PathBuf, local: PathBuf) -> Overlay {
        Overlay { inner, at, local }
    }

    fn is_ours(&self, path: &Path) -> bool {
        path == self.at
    }

    fn local_metadata(&self) -> Result<Metadata, FsError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let m = std::fs::metadata(&self.local).map_err(|e| io(&self.at, e))?;
        Ok(Metadata {
            kind: FileKind::File,
            len: m.len(),
            mode: m.permissions().mode() & 0o7777,
            uid: m.uid(),
            gid: m.gid(),
        })
    }
}

fn io(path: &Path, e: std::io::Error) -> FsError {
    if e.kind() == std::io::ErrorKind::NotFound {
        FsError::NotFound(path.to_path_buf())
    } else {
        FsError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

impl FileView for Overlay {
    fn describe(&self) -> String {
        format!(
            "{} with {} at {}",
            self.inner.describe(),
            self.local.display(),
            self.at.display()
        )
    }

    fn canonicalize(&self, path: &Path) -> Result<PathBuf, FsError> {
        if self.is_ours(path) {
            // The parent directories may not exist yet in the target: the copy creates them.
            return Ok(self.at.clone());
        }
        self.inner.canonicalize(path)
    }

    fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        if self.is_ours(path) {
            return self.local_metadata();
        }
        self.inner.metadata(path)
    }

    fn symlink_metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        if self.is_ours(path) {
            return self.local_metadata();
        }
        self.inner.symlink_metadata(path)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, FsError> {
        if self.is_ours(path) {
            return Err(FsError::NotASymlink(path.to_path_buf()));
        }
        self.inner.read_link(path)
    }

    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let mut entries = match self.inner.read_dir(path) {
            Ok(e) => e,
            Err(e) if e.is_not_found() && self.at.parent() == Some(path) => Vec::new(),
            Err(e) => return Err(e),
        };
        if self.at.parent() == Some(path) {
            let name = self
                .at
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            entries.retain(|e| e.name != name);
            entries.push(DirEntry {
                name,
                kind: FileKind::File,
            });
        }
        Ok(entries)
    }

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        if self.is_ours(path) {
            let len = self.local_metadata()?.len;
            if len > limit {
                return Err(FsError::TooLarge {
                    path: path.to_path_buf(),
                    limit,
                });
            }
            return std::fs::read(&self.local).map_err(|e| io(&self.at, e));
        }
        self.inner.read(path, limit)
    }

    fn map(&self, path: &Path) -> Result<FileBytes, FsError> {
        if self.is_ours(path) {
            let file = whyrun_facts::open_nonblocking(&self.local).map_err(|e| io(&self.at, e))?;
            // SAFETY: a read-only private map of a file the user handed us to inspect.
            let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io(&self.at, e))?;
            return Ok(FileBytes::Mapped(map));
        }
        self.inner.map(path)
    }
}
