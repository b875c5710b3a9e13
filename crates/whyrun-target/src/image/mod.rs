//! A container image as a file view (`--image PATH`): a `docker save` archive (the legacy
//! layout or the newer one that is itself an OCI layout), an OCI image layout directory,
//! or an OCI layout tarred. Opening reads every layer once, in streaming passes (layers in
//! parallel), verifying digests, and applies them in order into an in-memory index of the
//! final tree; nothing is extracted to disk. Small files (and moderate ELF objects) keep
//! their bytes in memory within a budget; any other file is copied out of its layer again
//! when asked for. Paths resolve with chroot semantics, as for `--root`. This module reads
//! images; it never decides what their files mean.

mod archive;
mod compression;
mod entry;
mod entrypoint;
mod error;
mod layer;
mod manifest;
mod tar;
mod tree;

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

pub use compression::Compression;
pub use entrypoint::{command, entrypoint, env_var, Entrypoint, EntrypointError, DEFAULT_PATH};
pub use error::{ImageError, Problem};
pub use manifest::{ChosenBy, Selector};

use crate::fs::{resolve, DirEntry, FileBytes, FileKind, FileView, FsError, Metadata, RawTree};
use crate::model::ImageConfig;
use archive::Store;
use entry::Content;
use error::Short;
use tree::{Miss, Tree};

/// The bounds an image is read within. The defaults are generous for real images and
/// keep a hostile one from exhausting memory, disk or time.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Tar entries over all layers.
    pub max_entries: usize,
    /// Layers in the image.
    pub max_layers: usize,
    /// Bytes of one entry name or link target.
    pub max_path: usize,
    /// Bytes one layer may decompress to.
    pub max_layer_bytes: u64,
    /// Bytes of a manifest, index or config.
    pub max_json: u64,
    /// Files up to this size keep their bytes in memory.
    pub small_file: u64,
    /// ELF objects up to this size keep their bytes in memory.
    pub elf_inline: u64,
    /// Bytes kept in memory while the layers are read, in total.
    pub inline_budget: u64,
    /// Bytes of larger files kept after they were copied out of their layers.
    pub cache_budget: u64,
    /// The largest file of a compressed layer `map` copies into memory.
    pub max_map: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entries: 1_000_000,
            max_layers: 256,
            max_path: 4096,
            max_layer_bytes: 16 << 30,
            max_json: 8 << 20,
            small_file: 1 << 20,
            elf_inline: 64 << 20,
            inline_budget: 256 << 20,
            cache_budget: 256 << 20,
            max_map: 2 << 30,
        }
    }
}

/// How to open an image.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// Which image, when the archive holds several.
    pub select: Selector,
    /// Check every blob against its digest (and uncompressed layers against the
    /// config's `diff_ids`) while reading. On by default.
    pub verify_digests: bool,
    pub limits: Limits,
}

impl Default for ImageOptions {
    fn default() -> ImageOptions {
        ImageOptions {
            select: Selector::default(),
            verify_digests: true,
            limits: Limits::default(),
        }
    }
}

/// Which image of its archive a view reads, for the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImageSelection {
    /// The image read, as the archive names it: a tag, a platform, both, or a digest.
    pub image: String,
    /// Its platform, from its config: `linux/arm64`, `linux/arm/v7`.
    pub platform: Option<String>,
    pub chosen_by: ChosenBy,
    /// The archive's other images, named the same way.
    pub others: Vec<String>,
}

/// One layer of the opened image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The digest of the blob, when the manifest names one.
    pub digest: Option<String>,
    /// The digest of the uncompressed tar (`rootfs.diff_ids`), when the config lists it.
    pub diff_id: Option<String>,
    pub compression: Compression,
    /// Bytes of the blob as stored.
    pub blob_size: u64,
    /// Bytes of the uncompressed tar stream.
    pub tar_size: u64,
    /// Tar entries, whiteouts included.
    pub entries: usize,
    /// The archive member holding the blob.
    pub member: String,
}

/// Ownership and provenance of one path, beyond what [`Metadata`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    pub metadata: Metadata,
    pub uid: u64,
    pub gid: u64,
    /// The symlink's target, for a symlink.
    pub link: Option<PathBuf>,
    /// The layer (0-based) whose entry put the object there.
    pub layer: usize,
}

/// A file's place: its layer and the offset of its bytes in the layer's tar stream.
type Place = (u32, u64);

/// Large files already copied out of their layers, most recent last.
#[derive(Default)]
struct Cache {
    entries: VecDeque<(Place, Arc<[u8]>)>,
    bytes: u64,
}

/// A container image, read into an index of its final file tree.
pub struct ImageView {
    name: String,
    store: Arc<Store>,
    layers: Vec<LayerInfo>,
    tree: Tree,
    config: ImageConfig,
    os: Option<String>,
    image_name: Option<String>,
    available: Vec<String>,
    index: usize,
    chosen_by: ChosenBy,
    cache: Mutex<Cache>,
    cache_budget: u64,
    max_map: u64,
}

impl fmt::Debug for ImageView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageView")
            .field("name", &self.name)
            .field("image", &self.image_name)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

impl ImageView {
    /// Opens the image at `path` (an archive or a layout directory) with default options.
    pub fn open(path: &Path) -> Result<ImageView, ImageError> {
        ImageView::open_with(path, &ImageOptions::default())
    }

    pub fn open_with(path: &Path, opts: &ImageOptions) -> Result<ImageView, ImageError> {
        let name = path.display().to_string();
        let store = Store::open(path).map_err(|p| ImageError::new(&name, p))?;
        ImageView::build(name, store, opts)
    }

    /// Every image of the archive at `path` when `opts` names none (a multi-platform index,
    /// a `docker save` of several images), else the one it names: one view each, read
    /// from one scan of the archive. An image that cannot be read is an error of its own.
    pub fn open_each(
        path: &Path,
        opts: &ImageOptions,
    ) -> Result<Vec<Result<ImageView, ImageError>>, ImageError> {
        let name = path.display().to_string();
        let err = |p| ImageError::new(&name, p);
        let store = Arc::new(Store::open(path).map_err(err)?);
        let chosen = manifest::choose_each(&store, &opts.select, &opts.limits, opts.verify_digests)
            .map_err(err)?;
        Ok(chosen
            .into_iter()
            .map(|c| ImageView::build_chosen(name.clone(), store.clone(), c.map_err(err)?, opts))
            .collect())
    }

    /// An image whose archive is held in memory (`name` is how errors call it).
    pub fn from_bytes(
        name: &str,
        bytes: Vec<u8>,
        opts: &ImageOptions,
    ) -> Result<ImageView, ImageError> {
        let store = Store::from_bytes(bytes.into()).map_err(|p| ImageError::new(name, p))?;
        ImageView::build(name.to_string(), store, opts)
    }

    fn build(name: String, store: Store, opts: &ImageOptions) -> Result<ImageView, ImageError> {
        let chosen = manifest::choose(&store, &opts.select, &opts.limits, opts.verify_digests)
            .map_err(|p| ImageError::new(&name, p))?;
        ImageView::build_chosen(name, Arc::new(store), chosen, opts)
    }

    fn build_chosen(
        name: String,
        store: Arc<Store>,
        mut chosen: manifest::Chosen,
        opts: &ImageOptions,
    ) -> Result<ImageView, ImageError> {
        let err = |p| ImageError::new(&name, p);
        let limits = &opts.limits;
        let verify = opts.verify_digests;
        let facts = manifest::read_config(&store, &chosen, limits, verify).map_err(err)?;
        if !facts.diff_ids.is_empty() {
            if facts.diff_ids.len() != chosen.layers.len() {
                return Err(err(Problem::Format(format!(
                    "the config lists {} layers (rootfs.diff_ids) but the manifest lists {}",
                    facts.diff_ids.len(),
                    chosen.layers.len()
                ))));
            }
            for (l, d) in chosen.layers.iter_mut().zip(&facts.diff_ids) {
                l.diff_id = Some(d.clone());
            }
        }
        let ctx = layer::Ctx {
            limits,
            verify,
            entries: AtomicUsize::new(0),
            inline_bytes: AtomicU64::new(0),
        };
        let indexed: Vec<Result<layer::LayerIndex, Problem>> = chosen
            .layers
            .par_iter()
            .enumerate()
            .map(|(i, l)| layer::index_layer(&store, i, l, &ctx))
            .collect();
        let mut tree = Tree::new(limits.max_entries.saturating_mul(2).max(16));
        let mut layers = Vec::with_capacity(indexed.len());
        for (i, r) in indexed.into_iter().enumerate() {
            let idx = r.map_err(err)?;
            let l = &chosen.layers[i];
            layers.push(LayerInfo {
                digest: l.digest.clone(),
                diff_id: l.diff_id.clone(),
                compression: idx.compression,
                blob_size: idx.blob_size,
                tar_size: idx.tar_size,
                entries: idx.entries.len(),
                member: l.member.clone(),
            });
            tree.apply(i as u32, idx.entries).map_err(|detail| {
                err(Problem::Apply {
                    what: l.label(i),
                    detail,
                })
            })?;
        }
        Ok(ImageView {
            name,
            store,
            layers,
            tree,
            config: facts.config,
            os: facts.os,
            image_name: chosen.name,
            available: chosen.available,
            index: chosen.index,
            chosen_by: chosen.chosen_by,
            cache: Mutex::new(Cache::default()),
            cache_budget: limits.cache_budget,
            max_map: limits.max_map,
        })
    }

    /// The image as the user named it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The image's run configuration, architecture and variant.
    pub fn config(&self) -> &ImageConfig {
        &self.config
    }

    /// The config's `os` (`linux`).
    pub fn os(&self) -> Option<&str> {
        self.os.as_deref()
    }

    /// How the image read is named: its first tag, its platform, or its digest.
    pub fn image_name(&self) -> Option<&str> {
        self.image_name.as_deref()
    }

    /// Every image the archive holds (tags or platforms), the one read among them.
    pub fn available(&self) -> &[String] {
        &self.available
    }

    /// Which image of the archive this is, its platform, how it was chosen and the
    /// archive's other images.
    pub fn selection(&self) -> ImageSelection {
        let platform = self.config.architecture.as_ref().map(|arch| {
            let os = self.os.as_deref().unwrap_or("linux");
            match &self.config.variant {
                Some(v) => format!("{os}/{arch}/{v}"),
                None => format!("{os}/{arch}"),
            }
        });
        ImageSelection {
            image: self.image_name.clone().unwrap_or_else(|| self.name.clone()),
            platform,
            chosen_by: self.chosen_by,
            others: self
                .available
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != self.index)
                .map(|(_, n)| n.clone())
                .collect(),
        }
    }

    pub fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }

    /// The binary a container of this image runs first.
    pub fn entrypoint(&self) -> Result<Entrypoint, EntrypointError> {
        entrypoint::entrypoint(self, &self.config)
    }

    /// Ownership, link target and layer of the object at `path` (the last component not
    /// followed).
    pub fn entry(&self, path: &Path) -> Result<EntryInfo, FsError> {
        let inside = resolve(self, path, false)?;
        let id = self.node_at(&inside)?;
        let n = self.tree.node(id);
        Ok(EntryInfo {
            metadata: metadata_of(n),
            uid: n.uid,
            gid: n.gid,
            link: n.link.clone(),
            layer: n.layer as usize,
        })
    }

    fn node_at(&self, resolved: &Path) -> Result<tree::NodeId, FsError> {
        self.tree.lookup(resolved).map_err(|m| match m {
            Miss::NotFound => FsError::NotFound(resolved.to_path_buf()),
            Miss::NotADirectory => FsError::NotADirectory(resolved.to_path_buf()),
        })
    }

    /// The node of a regular file at `path`, symlinks followed.
    fn file_at(&self, path: &Path) -> Result<(PathBuf, &tree::Node), FsError> {
        let inside = resolve(self, path, true)?;
        let n = self.tree.node(self.node_at(&inside)?);
        if n.kind == FileKind::Dir {
            return Err(FsError::IsADirectory(inside));
        }
        Ok((inside, n))
    }

    fn layer_error(&self, inside: &Path, layer: u32, e: std::io::Error) -> FsError {
        let what = self
            .layers
            .get(layer as usize)
            .map(|l| {
                let id = l
                    .digest
                    .as_deref()
                    .or(l.diff_id.as_deref())
                    .unwrap_or(&l.member);
                format!("{}: layer {} ({})", self.name, layer + 1, Short(id))
            })
            .unwrap_or_default();
        FsError::Io {
            path: inside.to_path_buf(),
            source: std::io::Error::new(e.kind(), format!("{what}: {e}")),
        }
    }

    /// The bytes of a file kept in its layer, from the cache or copied out again.
    fn stored(
        &self,
        inside: &Path,
        layer: u32,
        offset: u64,
        size: u64,
    ) -> Result<Arc<[u8]>, FsError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((_, b)) = c.entries.iter().find(|(k, _)| *k == (layer, offset)) {
                return Ok(b.clone());
            }
        }
        let info = &self.layers[layer as usize];
        let bytes: Arc<[u8]> =
            layer::read_stored(&self.store, &info.member, info.compression, offset, size)
                .map_err(|e| self.layer_error(inside, layer, e))?
                .into();
        if size <= self.cache_budget {
            if let Ok(mut c) = self.cache.lock() {
                while c.bytes + size > self.cache_budget {
                    match c.entries.pop_front() {
                        Some((_, old)) => c.bytes -= old.len() as u64,
                        None => break,
                    }
                }
                c.bytes += size;
                c.entries.push_back(((layer, offset), bytes.clone()));
            }
        }
        Ok(bytes)
    }
}

fn metadata_of(n: &tree::Node) -> Metadata {
    Metadata {
        kind: n.kind,
        len: match n.kind {
            FileKind::File | FileKind::Symlink => n.size,
            _ => 0,
        },
        mode: n.mode,
        // uid_t is 32 bits; a larger tar id cannot be a real owner.
        uid: u32::try_from(n.uid).unwrap_or(u32::MAX),
        gid: u32::try_from(n.gid).unwrap_or(u32::MAX),
    }
}

impl RawTree for ImageView {
    fn lstat(&self, resolved: &Path) -> Result<Metadata, FsError> {
        Ok(metadata_of(self.tree.node(self.node_at(resolved)?)))
    }

    fn readlink(&self, resolved: &Path) -> Result<PathBuf, FsError> {
        let n = self.tree.node(self.node_at(resolved)?);
        n.link
            .clone()
            .ok_or_else(|| FsError::NotASymlink(resolved.to_path_buf()))
    }
}

impl FileView for ImageView {
    fn describe(&self) -> String {
        format!("image {}", self.name)
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
        let n = self.tree.node(self.node_at(&inside)?);
        match (&n.kind, &n.link) {
            (FileKind::Symlink, Some(l)) => Ok(l.clone()),
            _ => Err(FsError::NotASymlink(path.to_path_buf())),
        }
    }

    fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        let inside = resolve(self, path, true)?;
        let id = self.node_at(&inside)?;
        if self.tree.node(id).kind != FileKind::Dir {
            return Err(FsError::NotADirectory(inside));
        }
        Ok(self
            .tree
            .children(id)
            .map(|(name, n)| DirEntry {
                name: name.to_string_lossy().into_owned(),
                kind: n.kind,
            })
            .collect())
    }

    fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, FsError> {
        let (inside, n) = self.file_at(path)?;
        if n.kind != FileKind::File {
            return Ok(Vec::new());
        }
        if n.size > limit {
            return Err(FsError::TooLarge {
                path: inside,
                limit,
            });
        }
        match &n.content {
            Content::Empty => Ok(Vec::new()),
            Content::Inline(b) => Ok(b.to_vec()),
            Content::Stored { layer, offset } => {
                Ok(self.stored(&inside, *layer, *offset, n.size)?.to_vec())
            }
            Content::Unavailable => Err(unavailable(&inside)),
        }
    }

    fn map(&self, path: &Path) -> Result<FileBytes, FsError> {
        let (inside, n) = self.file_at(path)?;
        if n.kind != FileKind::File {
            return Ok(FileBytes::Owned(Vec::new()));
        }
        match &n.content {
            Content::Empty => Ok(FileBytes::Owned(Vec::new())),
            Content::Inline(b) => Ok(FileBytes::Shared(b.clone())),
            Content::Stored { layer, offset } => {
                let info = &self.layers[*layer as usize];
                if info.compression == Compression::None {
                    return self
                        .store
                        .map_range(&info.member, *offset, n.size)
                        .map_err(|e| {
                            let e = match e {
                                archive::StoreError::Io(e) => e,
                                archive::StoreError::Missing => std::io::Error::new(
                                    std::io::ErrorKind::NotFound,
                                    "the layer blob is gone",
                                ),
                            };
                            self.layer_error(&inside, *layer, e)
                        });
                }
                if n.size > self.max_map {
                    return Err(FsError::TooLarge {
                        path: inside,
                        limit: self.max_map,
                    });
                }
                Ok(FileBytes::Shared(
                    self.stored(&inside, *layer, *offset, n.size)?,
                ))
            }
            Content::Unavailable => Err(unavailable(&inside)),
        }
    }
}

fn unavailable(inside: &Path) -> FsError {
    FsError::Io {
        path: inside.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "a sparse file in an image layer, which whyrun does not reassemble",
        ),
    }
}
