//! File views: the one way the target model reads a system's files. A view is "a
//! directory tree" seen from inside: every path is absolute within the view, and how it
//! maps onto real storage (the running host, a directory used as a root, an image's layers)
//! is the view's business. Nothing outside this module opens a path of a described
//! system directly; this module never decides what a file means.

mod host;
mod overlay;
mod resolve;
mod rootdir;

use std::fmt;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use host::HostView;
pub use overlay::Overlay;
pub use resolve::{resolve, RawTree, MAX_SYMLINK_HOPS};
pub use rootdir::RootDirView;

/// What kind of object a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    /// A device, socket or pipe.
    Other,
}

/// What a stat of one path says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub kind: FileKind,
    pub len: u64,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner and group, as numbers inside the target.
    pub uid: u32,
    pub gid: u32,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    /// The kind of the entry itself (a symlink is `Symlink`, not what it points at).
    pub kind: FileKind,
}

/// The bytes of a file: mapped when the view sits on a real file system, shared when it
/// is held in memory (an image layer).
pub enum FileBytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(v) => v,
            FileBytes::Shared(a) => a,
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileBytes({} bytes)", self.len())
    }
}

/// Why a lookup in a view failed. Paths are the ones asked for, inside the view.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error("{0}: a component of the path is not a directory")]
    NotADirectory(PathBuf),
    #[error("{0}: too many levels of symbolic links (more than {MAX_SYMLINK_HOPS})")]
    Loop(PathBuf),
    #[error("{0}: not a symbolic link")]
    NotASymlink(PathBuf),
    #[error("{0}: is a directory")]
    IsADirectory(PathBuf),
    #[error("{path}: larger than the {limit}-byte bound for this kind of file")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl FsError {
    /// True when the path simply does not exist (as opposed to a broken or unreadable one).
    pub fn is_not_found(&self) -> bool {
        matches!(self, FsError::NotFound(_) | FsError::NotADirectory(_))
    }

    pub(crate) fn io(path: &Path, e: std::io::Error) -> FsError {
        match e.kind() {
            std::io::ErrorKind::NotFound => FsError::NotFound(path.to_path_buf()),
            _ if e.raw_os_error() == Some(20) => FsError::NotADirectory(path.to_path_buf()),
            _ if e.raw_os_error() == Some(40) => FsError::Loop(path.to_path_buf()),
            _ => FsError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        }
    }
}

/// A directory tree seen from inside. Implementations: [`HostView`] (the running system),
/// [`RootDirView`] (a directory with chroot semantics); an image index implements
/// [`RawTree`] and gets the same path resolution through [`resolve`].
pub trait FileView: Send + Sync + fmt::Debug {
    /// How the view is named to a user: `host` or `root /srv/rootfs`.
    fn describe(&self) -> String;
    /// The path with every symlink resolved, inside the view.
    fn canonicalize(&self, path: &Path) -> Result<PathBuf, FsError>;
    /// Stat, following symlinks.
    fn metadata(&self, path: &Path) -> Result<Metadata, FsError>;
    /// Stat without following the last component.
    fn symlink_metadata(&self, path: &Path) -> Result<Metadata, FsError>;
    fn read_link(&self, path: &Path) -> Result<PathBuf, FsError>;
    /// Entries sorted by name, without `.` and `..`.
    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError>;
    /// The whole file, refused when longer than `limit` bytes.
    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError>;
    /// The whole file without copying it where the storage allows (mmap).
    fn map(&self, path: &Path) -> Result<FileBytes, FsError>;
    /// The path names something (following symlinks).
    fn exists(&self, path: &Path) -> bool {
        self.metadata(path).is_ok()
    }
    /// [`FileView::symlink_metadata`] of a path whose directory part is already resolved
    /// (no symlink, `.` or `..` in it, as [`FileView::canonicalize`] returns it): a view
    /// that resolves paths itself skips the walk.
    fn symlink_metadata_resolved(&self, path: &Path) -> Result<Metadata, FsError> {
        self.symlink_metadata(path)
    }
    /// [`FileView::read_link`] of a symlink whose directory part is already resolved.
    fn read_link_resolved(&self, path: &Path) -> Result<PathBuf, FsError> {
        self.read_link(path)
    }
    /// [`FileView::map`] of a path already resolved whole (by [`FileView::canonicalize`]).
    fn map_resolved(&self, path: &Path) -> Result<FileBytes, FsError> {
        self.map(path)
    }
    /// [`FileView::read_dir`] in no particular order, for callers that only look names
    /// up.
    fn read_dir_unsorted(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        self.read_dir(path)
    }
    /// The real file behind a path already resolved whole, opened for positional reads
    /// when the view sits on a real file system; `None` when it does not (read through
    /// [`FileView::map`] then).
    fn open_resolved(&self, path: &Path) -> Option<Result<std::fs::File, FsError>> {
        let _ = path;
        None
    }
    /// The extended attribute `name` of the file at `path` (symlinks followed): `Ok(None)`
    /// when the file has no such attribute, `None` when the view cannot tell (it does not
    /// sit on a real file system).
    fn xattr(&self, path: &Path, name: &str) -> Option<Result<Option<Vec<u8>>, FsError>> {
        let resolved = match self.canonicalize(path) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let file = match self.open_resolved(&resolved)? {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        Some(fxattr(&file, name).map_err(|e| FsError::io(&resolved, e)))
    }
}

/// Longest extended attribute read (the kernel's own limit, XATTR_SIZE_MAX, is 64 KiB).
const MAX_XATTR_BYTES: usize = 64 * 1024;

/// `fgetxattr(2)` of an open file: `Ok(None)` for ENODATA (no such attribute) and
/// ENOTSUP (the file system keeps none).
fn fxattr(file: &std::fs::File, name: &str) -> std::io::Result<Option<Vec<u8>>> {
    use std::os::fd::AsRawFd;
    let name = std::ffi::CString::new(name)
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let mut buf = vec![0u8; MAX_XATTR_BYTES];
    // SAFETY: the descriptor is open for the call, `name` is NUL-terminated and `buf` is
    // writable for its whole length.
    let n = unsafe {
        libc::fgetxattr(
            file.as_raw_fd(),
            name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => Ok(None),
            _ => Err(e),
        };
    }
    buf.truncate(n as usize);
    Ok(Some(buf))
}

/// `path` as an absolute path inside a view: relative paths are taken from `/`.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        Path::new("/").join(path)
    }
}

pub(crate) fn kind_of(ft: std::fs::FileType) -> FileKind {
    if ft.is_symlink() {
        FileKind::Symlink
    } else if ft.is_dir() {
        FileKind::Dir
    } else if ft.is_file() {
        FileKind::File
    } else {
        FileKind::Other
    }
}

pub(crate) fn metadata_of(m: &std::fs::Metadata) -> Metadata {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    Metadata {
        kind: kind_of(m.file_type()),
        len: m.len(),
        mode: m.permissions().mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
    }
}

/// Reads a real file whole, bounded: the shared body of the directory-backed views.
pub(crate) fn read_real(real: &Path, shown: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
    use std::io::Read;
    let f = whyrun_facts::open_nonblocking(real).map_err(|e| FsError::io(shown, e))?;
    let meta = f.metadata().map_err(|e| FsError::io(shown, e))?;
    if meta.is_dir() {
        return Err(FsError::IsADirectory(shown.to_path_buf()));
    }
    if meta.len() > limit {
        return Err(FsError::TooLarge {
            path: shown.to_path_buf(),
            limit,
        });
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| FsError::io(shown, e))?;
    if buf.len() as u64 > limit {
        return Err(FsError::TooLarge {
            path: shown.to_path_buf(),
            limit,
        });
    }
    Ok(buf)
}

/// Maps a real file: the shared body of the directory-backed views.
pub(crate) fn map_real(real: &Path, shown: &Path) -> Result<FileBytes, FsError> {
    let f = whyrun_facts::open_nonblocking(real).map_err(|e| FsError::io(shown, e))?;
    let meta = f.metadata().map_err(|e| FsError::io(shown, e))?;
    if meta.is_dir() {
        return Err(FsError::IsADirectory(shown.to_path_buf()));
    }
    if !meta.is_file() || meta.len() == 0 {
        // Devices, pipes and empty files cannot be mapped; read what is there instead.
        return read_real(real, shown, 1 << 20).map(FileBytes::Owned);
    }
    // SAFETY: a read-only private map; a file truncated underneath while mapped can fault,
    // the documented risk every mmap-based reader of binaries accepts.
    // The length is the one just read: `Mmap::map` would stat the file again.
    let map = unsafe { memmap2::MmapOptions::new().len(meta.len() as usize).map(&f) }
        .map_err(|e| FsError::io(shown, e))?;
    Ok(FileBytes::Mapped(map))
}

pub(crate) fn read_dir_real(real: &Path, shown: &Path) -> Result<Vec<DirEntry>, FsError> {
    let mut out = read_dir_unsorted_real(real, shown)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The entries of a real directory, unsorted, each with the kind the directory itself
/// records (no stat where the file system says): the shared body of the directory-backed
/// views.
pub(crate) fn read_dir_unsorted_real(real: &Path, shown: &Path) -> Result<Vec<DirEntry>, FsError> {
    let rd = std::fs::read_dir(real).map_err(|e| FsError::io(shown, e))?;
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|e| FsError::io(shown, e))?;
        let kind = e
            .file_type()
            .map(kind_of)
            .map_err(|e| FsError::io(shown, e))?;
        out.push(DirEntry {
            name: e.file_name().to_string_lossy().into_owned(),
            kind,
        });
    }
    Ok(out)
}
