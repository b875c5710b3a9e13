//! A library file the loader cannot read is passed over with that reason, and the search
//! goes on to the next place that has the name, as glibc's `open` failing with `EACCES`
//! does. Root reads every file, so the view below refuses one path itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use whyrun_target::fs::{DirEntry, FileBytes, FsError, Metadata};
use whyrun_target::loader::{NeedResult, SkipReason};
use whyrun_target::{Cpu, FileView, Loader, RootDirView, Target};

/// A root directory in which one file cannot be read.
#[derive(Debug)]
struct Refusing {
    inner: RootDirView,
    refused: PathBuf,
}

impl Refusing {
    fn check(&self, path: &Path) -> Result<(), FsError> {
        if path == self.refused {
            return Err(FsError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            });
        }
        Ok(())
    }
}

impl FileView for Refusing {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, FsError> {
        self.inner.canonicalize(path)
    }
    fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.inner.metadata(path)
    }
    fn symlink_metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.inner.symlink_metadata(path)
    }
    fn read_link(&self, path: &Path) -> Result<PathBuf, FsError> {
        self.inner.read_link(path)
    }
    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        self.inner.read_dir(path)
    }
    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        self.check(path)?;
        self.inner.read(path, limit)
    }
    fn map(&self, path: &Path) -> Result<FileBytes, FsError> {
        self.check(path)?;
        self.inner.map(path)
    }
}

#[test]
fn an_unreadable_library_is_passed_over_and_the_search_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::small_root::hello_root(
        root,
        &[
            "lib/x86_64-linux-gnu/libc.so.6",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
        ],
    );
    let view = Refusing {
        inner: RootDirView::new(root).unwrap(),
        refused: PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
    };
    let tree = Loader::new(Target::from_view(Arc::new(view), Cpu::detect()))
        .resolve(Path::new("/app/hello"))
        .unwrap();
    let need = &tree.objects[0].needs[0];
    assert_eq!(need.name, "libc.so.6");
    let NeedResult::Loaded {
        object, skipped, ..
    } = &need.result
    else {
        panic!("libc.so.6 not loaded: {:?}", need.result);
    };
    assert_eq!(
        tree.objects[*object].canonical,
        "/usr/lib/x86_64-linux-gnu/libc.so.6"
    );
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].path, "/lib/x86_64-linux-gnu/libc.so.6");
    assert!(
        matches!(&skipped[0].reason, SkipReason::Unreadable { message } if message.contains("denied")),
        "{:?}",
        skipped[0].reason
    );
    assert!(
        skipped[0].why().starts_with("cannot be read: "),
        "{}",
        skipped[0].why()
    );
}
