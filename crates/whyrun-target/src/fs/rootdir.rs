//! A directory used as the root of another system (`--root DIR`), with chroot semantics:
//! every path is resolved component by component inside the directory (see
//! [`super::resolve`]), so absolute symlinks land inside it and `..` cannot climb out.
//! The real file opened is always one whose path was resolved here, never a host path.

use std::path::{Path, PathBuf};

use super::resolve::{resolve, RawTree};
use super::{
    absolute, map_real, metadata_of, read_dir_real, read_dir_unsorted_real, read_real, DirEntry,
    FileBytes, FileView, FsError, Metadata,
};

/// A root file system stored in a host directory.
#[derive(Debug, Clone)]
pub struct RootDirView {
    root: PathBuf,
}

impl RootDirView {
    /// A view of `root`, which must be a directory.
    pub fn new(root: impl Into<PathBuf>) -> Result<RootDirView, FsError> {
        let root = root.into();
        let meta = std::fs::metadata(&root).map_err(|e| FsError::io(&root, e))?;
        if !meta.is_dir() {
            return Err(FsError::NotADirectory(root));
        }
        let root = std::fs::canonicalize(&root).map_err(|e| FsError::io(&root, e))?;
        Ok(RootDirView { root })
    }

    /// The host directory holding the root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The host path of an already resolved path inside the root.
    fn real(&self, resolved: &Path) -> PathBuf {
        let rel = resolved.strip_prefix("/").unwrap_or(resolved);
        if rel.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Resolves `path` fully and returns (path inside, host path).
    fn locate(&self, path: &Path) -> Result<(PathBuf, PathBuf), FsError> {
        let inside = resolve(self, path, true)?;
        let real = self.real(&inside);
        Ok((inside, real))
    }
}

impl RawTree for RootDirView {
    fn lstat(&self, resolved: &Path) -> Result<Metadata, FsError> {
        std::fs::symlink_metadata(self.real(resolved))
            .map(|m| metadata_of(&m))
            .map_err(|e| FsError::io(resolved, e))
    }

    fn readlink(&self, resolved: &Path) -> Result<PathBuf, FsError> {
        std::fs::read_link(self.real(resolved)).map_err(|e| FsError::io(resolved, e))
    }
}

impl FileView for RootDirView {
    fn describe(&self) -> String {
        format!("root {}", self.root.display())
    }

    fn canonicalize(&self, path: &Path) -> Result<PathBuf, FsError> {
        resolve(self, path, true)
    }

    fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        let inside = resolve(self, path, true)?;
        self.lstat(&inside)
    }

    fn symlink_metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        let inside = resolve(self, path, false)?;
        self.lstat(&inside)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, FsError> {
        let inside = resolve(self, path, false)?;
        match self.lstat(&inside)?.kind {
            super::FileKind::Symlink => self.readlink(&inside),
            _ => Err(FsError::NotASymlink(path.to_path_buf())),
        }
    }

    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let (inside, real) = self.locate(path)?;
        read_dir_real(&real, &inside)
    }

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        let (inside, real) = self.locate(path)?;
        read_real(&real, &inside, limit)
    }

    fn map(&self, path: &Path) -> Result<FileBytes, FsError> {
        let (inside, real) = self.locate(path)?;
        map_real(&real, &inside)
    }

    fn symlink_metadata_resolved(&self, path: &Path) -> Result<Metadata, FsError> {
        match plain(path) {
            Some(inside) => self.lstat(&inside),
            None => self.symlink_metadata(path),
        }
    }

    fn read_link_resolved(&self, path: &Path) -> Result<PathBuf, FsError> {
        let Some(inside) = plain(path) else {
            return self.read_link(path);
        };
        match self.lstat(&inside)?.kind {
            super::FileKind::Symlink => self.readlink(&inside),
            _ => Err(FsError::NotASymlink(inside)),
        }
    }

    fn map_resolved(&self, path: &Path) -> Result<FileBytes, FsError> {
        match plain(path) {
            Some(inside) => map_real(&self.real(&inside), &inside),
            None => self.map(path),
        }
    }

    fn open_resolved(&self, path: &Path) -> Option<Result<std::fs::File, FsError>> {
        let inside = plain(path)?;
        Some(
            whyrun_facts::open_nonblocking(&self.real(&inside))
                .map_err(|e| FsError::io(&inside, e)),
        )
    }

    fn read_dir_unsorted(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let (inside, real) = self.locate(path)?;
        read_dir_unsorted_real(&real, &inside)
    }
}

/// `path` as an absolute path when it has no `.` or `..` component, the only shape the
/// `*_resolved` shortcuts join onto the root directory (`..` there could climb out of it);
/// anything else goes through the full resolution.
fn plain(path: &Path) -> Option<PathBuf> {
    use std::path::Component;
    path.components()
        .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        .then(|| absolute(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, RootDirView) {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("usr/lib")).unwrap();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::write(r.join("usr/lib/libz.so.1.2.13"), b"zlib").unwrap();
        std::fs::write(r.join("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        symlink("usr/lib", r.join("lib")).unwrap();
        symlink("libz.so.1.2.13", r.join("usr/lib/libz.so.1")).unwrap();
        symlink("/etc/passwd", r.join("usr/lib/abs")).unwrap();
        symlink("../../../../../../etc/passwd", r.join("usr/lib/climb")).unwrap();
        symlink("loop2", r.join("loop1")).unwrap();
        symlink("loop1", r.join("loop2")).unwrap();
        symlink("/", r.join("usr/lib/rootlink")).unwrap();
        let v = RootDirView::new(r).unwrap();
        (dir, v)
    }

    #[test]
    fn relative_symlinks_resolve_inside() {
        let (_d, v) = tree();
        assert_eq!(
            v.canonicalize(Path::new("/lib/libz.so.1")).unwrap(),
            Path::new("/usr/lib/libz.so.1.2.13")
        );
        assert_eq!(v.read(Path::new("/lib/libz.so.1"), 100).unwrap(), b"zlib");
        assert_eq!(&*v.map(Path::new("lib/libz.so.1")).unwrap(), b"zlib");
    }

    #[test]
    fn absolute_symlinks_stay_in_the_root() {
        let (_d, v) = tree();
        assert_eq!(
            v.canonicalize(Path::new("/usr/lib/abs")).unwrap(),
            Path::new("/etc/passwd")
        );
        // The root's passwd, not the host's.
        assert_eq!(
            v.read(Path::new("/usr/lib/abs"), 100).unwrap(),
            b"root:x:0:0::/root:/bin/sh\n"
        );
        assert_eq!(
            v.canonicalize(Path::new("/usr/lib/rootlink/usr/lib/rootlink/etc"))
                .unwrap(),
            Path::new("/etc")
        );
    }

    #[test]
    fn dotdot_cannot_climb_out() {
        let (_d, v) = tree();
        assert_eq!(
            v.canonicalize(Path::new("/usr/lib/climb")).unwrap(),
            Path::new("/etc/passwd")
        );
        assert_eq!(
            v.canonicalize(Path::new("/../../../etc/passwd")).unwrap(),
            Path::new("/etc/passwd")
        );
        assert!(v.read(Path::new("/../../../etc/shadow"), 10).is_err());
    }

    #[test]
    fn loops_are_bounded() {
        let (_d, v) = tree();
        assert!(matches!(
            v.metadata(Path::new("/loop1")),
            Err(FsError::Loop(_))
        ));
        // lstat of the link itself works.
        assert_eq!(
            v.symlink_metadata(Path::new("/loop1")).unwrap().kind,
            crate::fs::FileKind::Symlink
        );
        assert_eq!(
            v.read_link(Path::new("/loop1")).unwrap(),
            Path::new("loop2")
        );
    }

    #[test]
    fn missing_and_not_a_directory() {
        let (_d, v) = tree();
        assert!(v.metadata(Path::new("/nope")).unwrap_err().is_not_found());
        assert!(v
            .metadata(Path::new("/etc/passwd/x"))
            .unwrap_err()
            .is_not_found());
        assert!(!v.exists(Path::new("/usr/lib/libc.so.6")));
    }

    #[test]
    fn read_is_bounded() {
        let (_d, v) = tree();
        assert!(matches!(
            v.read(Path::new("/etc/passwd"), 4),
            Err(FsError::TooLarge { .. })
        ));
    }

    #[test]
    fn read_dir_lists_sorted() {
        let (_d, v) = tree();
        let names: Vec<String> = v
            .read_dir(Path::new("/lib"))
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            ["abs", "climb", "libz.so.1", "libz.so.1.2.13", "rootlink"]
        );
    }
}
