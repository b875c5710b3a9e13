//! The running system as a view: paths are used as they are and the kernel resolves them.
//! Only for describing the machine whyrun runs on; never used to describe another root.

use std::path::{Path, PathBuf};

use super::{
    absolute, map_real, metadata_of, read_dir_real, read_dir_unsorted_real, read_real, DirEntry,
    FileBytes, FileView, FsError, Metadata,
};

/// The host's own file system, rooted at `/`.
#[derive(Debug, Default, Clone, Copy)]
pub struct HostView;

impl FileView for HostView {
    fn describe(&self) -> String {
        "host".into()
    }

    fn canonicalize(&self, path: &Path) -> Result<PathBuf, FsError> {
        let p = absolute(path);
        std::fs::canonicalize(&p).map_err(|e| FsError::io(&p, e))
    }

    fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        let p = absolute(path);
        std::fs::metadata(&p)
            .map(|m| metadata_of(&m))
            .map_err(|e| FsError::io(&p, e))
    }

    fn symlink_metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        let p = absolute(path);
        std::fs::symlink_metadata(&p)
            .map(|m| metadata_of(&m))
            .map_err(|e| FsError::io(&p, e))
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, FsError> {
        let p = absolute(path);
        std::fs::read_link(&p).map_err(|e| {
            if e.raw_os_error() == Some(22) {
                FsError::NotASymlink(p.clone())
            } else {
                FsError::io(&p, e)
            }
        })
    }

    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let p = absolute(path);
        read_dir_real(&p, &p)
    }

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        let p = absolute(path);
        read_real(&p, &p, limit)
    }

    fn map(&self, path: &Path) -> Result<FileBytes, FsError> {
        let p = absolute(path);
        map_real(&p, &p)
    }

    fn open_resolved(&self, path: &Path) -> Option<Result<std::fs::File, FsError>> {
        let p = absolute(path);
        Some(whyrun_facts::open_nonblocking(&p).map_err(|e| FsError::io(&p, e)))
    }

    fn read_dir_unsorted(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let p = absolute(path);
        read_dir_unsorted_real(&p, &p)
    }
}
