//! What one tar entry of a layer does to the tree below it, and where a regular file's
//! bytes are: the data a layer's index hands the merged tree. Data only.

use std::path::PathBuf;
use std::sync::Arc;

/// Where a regular file's bytes are.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    Empty,
    /// Kept in memory while the layer was read.
    Inline(Arc<[u8]>),
    /// At `offset` of layer `layer`'s uncompressed stream; re-read when asked for.
    Stored {
        layer: u32,
        offset: u64,
    },
    /// Stored in a way whyrun does not reassemble (a sparse file).
    Unavailable,
}

/// What one tar entry of a layer does to the tree below it.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Dir,
    File(Content),
    Symlink(PathBuf),
    /// A hard link to an earlier path (normalised, relative to the root).
    HardLink(PathBuf),
    Device,
    /// `.wh.NAME`: `path` (the NAME) is deleted from the layers below.
    Whiteout,
    /// `.wh..wh..opq`: the directory at `path` hides everything below it.
    Opaque,
}

/// One entry of a layer, its path normalised inside the root (no `..`, no leading `/`;
/// empty for the root itself).
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub path: PathBuf,
    pub op: Op,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
}
