//! One layer blob: recognising its compression by magic, streaming it once through the
//! digest and the decompressor into an index of its entries (whiteouts, links, modes,
//! owners, where each file's bytes lie in the uncompressed stream, small files' bytes),
//! and later copying one entry back out. It never extracts anything to disk and never
//! applies a layer to another; that is the tree's job. What an entry does is `entry`'s
//! data, the compression `compression`'s.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use sha2::Digest as _;

use super::archive::{Store, StoreError};
use super::compression::{sniff, Compression, Sniffed};
use super::entry::{Content, Op, RawEntry};
use super::error::{Problem, Short};
use super::tar::{Forward, TarError, TarKind, TarReader};
use super::Limits;

/// A digest algorithm whyrun verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Sha256,
    Sha512,
}

/// Splits and checks `sha256:<64 lowercase hex>` (or sha512); anything else is not a
/// digest, so it can never be turned into a path that leaves `blobs/`.
pub(crate) fn parse_digest(s: &str) -> Option<(Alg, &str)> {
    let (alg, hex) = s.split_once(':')?;
    let (alg, len) = match alg {
        "sha256" => (Alg::Sha256, 64),
        "sha512" => (Alg::Sha512, 128),
        _ => return None,
    };
    if hex.len() != len || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some((alg, hex))
}

pub(crate) enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(alg: Alg) -> Hasher {
        match alg {
            Alg::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Alg::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    pub fn update(&mut self, b: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Sha512(h) => h.update(b),
        }
    }

    /// `sha256:<hex>`.
    pub fn finish(self) -> String {
        let (alg, bytes) = match self {
            Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
            Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
        };
        let mut s = String::with_capacity(alg.len() + 1 + bytes.len() * 2);
        s.push_str(alg);
        s.push(':');
        for b in bytes {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

/// The digest of `bytes` with the algorithm of `expected`.
pub(crate) fn digest_like(expected: &str, bytes: &[u8]) -> Option<String> {
    let (alg, _) = parse_digest(expected)?;
    let mut h = Hasher::new(alg);
    h.update(bytes);
    Some(h.finish())
}

/// A layer as the manifest names it.
#[derive(Debug, Clone)]
pub(crate) struct LayerRef {
    /// The archive member holding the blob.
    pub member: String,
    /// The digest of the blob as stored (compressed or not), when the manifest gives it.
    pub digest: Option<String>,
    /// The digest of the uncompressed tar stream (the config's `rootfs.diff_ids`).
    pub diff_id: Option<String>,
    /// The size the manifest declares for the blob.
    pub size: Option<u64>,
    pub media_type: Option<String>,
}

impl LayerRef {
    /// How the layer is named in messages: `layer 2 (sha256:0123456789ab…)`.
    pub fn label(&self, index: usize) -> String {
        let id = self
            .digest
            .as_deref()
            .or(self.diff_id.as_deref())
            .map(|d| Short(d).to_string())
            .unwrap_or_else(|| self.member.clone());
        format!("layer {} ({id})", index + 1)
    }
}

/// A layer read once.
#[derive(Debug)]
pub(crate) struct LayerIndex {
    pub entries: Vec<RawEntry>,
    pub compression: Compression,
    /// Bytes of the blob.
    pub blob_size: u64,
    /// Bytes of the uncompressed tar stream.
    pub tar_size: u64,
}

/// Bounds and counters shared by the layers of one image while they are read.
pub(crate) struct Ctx<'a> {
    pub limits: &'a Limits,
    pub verify: bool,
    pub entries: AtomicUsize,
    pub inline_bytes: AtomicU64,
}

impl Ctx<'_> {
    fn reserve_inline(&self, n: u64) -> bool {
        let before = self.inline_bytes.fetch_add(n, Ordering::Relaxed);
        if before.saturating_add(n) > self.limits.inline_budget {
            self.inline_bytes.fetch_sub(n, Ordering::Relaxed);
            false
        } else {
            true
        }
    }
}

/// The decompressed size bound was reached.
#[derive(Debug)]
struct SizeBound;

impl fmt::Display for SizeBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("decompressed size bound reached")
    }
}

impl std::error::Error for SizeBound {}

/// Counts and hashes the bytes that pass through.
struct Tap<R> {
    inner: R,
    state: Rc<RefCell<TapState>>,
}

#[derive(Default)]
struct TapState {
    hasher: Option<Hasher>,
    count: u64,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.state.borrow_mut();
        s.count += n as u64;
        if let Some(h) = s.hasher.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Fails once more than `limit` bytes have passed.
struct Bounded<R> {
    inner: R,
    count: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io::Error::other(SizeBound));
        }
        Ok(n)
    }
}

/// Reads the first bytes of a stream and gives back a stream that still starts with them.
fn peek(mut r: impl Read) -> io::Result<(Sniffed, impl Read)> {
    let mut head = [0u8; 6];
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let kind = sniff(&head[..n]);
    Ok((kind, io::Cursor::new(head).take(n as u64).chain(r)))
}

fn decoder<'a>(kind: Compression, r: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match kind {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(r)?),
    })
}

fn store_error(e: StoreError) -> io::Error {
    match e {
        StoreError::Missing => io::Error::new(io::ErrorKind::NotFound, "the layer blob is gone"),
        StoreError::Io(e) => e,
    }
}

/// Reads layer `index` once: verifies its digests, bounds its size and lists its entries.
pub(crate) fn index_layer(
    store: &Store,
    index: usize,
    layer: &LayerRef,
    ctx: &Ctx,
) -> Result<LayerIndex, Problem> {
    let what = layer.label(index);
    if let Some(mt) = &layer.media_type {
        if mt.contains("encrypted") {
            return Err(Problem::Unsupported(format!(
                "{what} is encrypted ({mt}), which whyrun does not read"
            )));
        }
    }
    let raw = match store.open_member(&layer.member, 0) {
        Ok(r) => r,
        Err(StoreError::Missing) => return Err(Problem::MissingBlob { what }),
        Err(StoreError::Io(e)) => {
            return Err(Problem::Corrupt {
                what,
                detail: e.to_string(),
            })
        }
    };
    let raw_alg = ctx
        .verify
        .then(|| layer.digest.as_deref().or(layer.diff_id.as_deref()))
        .flatten()
        .and_then(parse_digest)
        .map(|(a, _)| a);
    let raw_state = Rc::new(RefCell::new(TapState {
        hasher: raw_alg.map(Hasher::new),
        count: 0,
    }));
    let tapped = BufReader::with_capacity(
        256 * 1024,
        Tap {
            inner: raw,
            state: raw_state.clone(),
        },
    );
    let (sniffed, body) = peek(tapped).map_err(|e| Problem::Corrupt {
        what: what.clone(),
        detail: e.to_string(),
    })?;
    let compression = match sniffed {
        Sniffed::Plain => Compression::None,
        Sniffed::Gzip => Compression::Gzip,
        Sniffed::Zstd => Compression::Zstd,
        other => {
            return Err(Problem::Unsupported(format!(
                "{what} is {}-compressed, which whyrun does not read",
                other.name().unwrap_or("?")
            )))
        }
    };
    if layer.digest.is_none() && compression != Compression::None {
        // Only the uncompressed stream has a digest to check against.
        raw_state.borrow_mut().hasher = None;
    }
    // The uncompressed stream is hashed only when nothing names the blob itself.
    let tar_alg = (ctx.verify && compression != Compression::None && layer.digest.is_none())
        .then(|| layer.diff_id.as_deref().and_then(parse_digest))
        .flatten()
        .map(|(a, _)| a);
    let tar_state = Rc::new(RefCell::new(TapState {
        hasher: tar_alg.map(Hasher::new),
        count: 0,
    }));
    let decoded = decoder(compression, body).map_err(|e| Problem::Corrupt {
        what: what.clone(),
        detail: e.to_string(),
    })?;
    let stream = BufReader::with_capacity(
        64 * 1024,
        Bounded {
            inner: Tap {
                inner: decoded,
                state: tar_state.clone(),
            },
            count: 0,
            limit: ctx.limits.max_layer_bytes,
        },
    );
    let mut tar = TarReader::new(Forward(stream));
    let classify = |e: TarError, what: &str| -> Problem {
        match e {
            TarError::Truncated { offset } => Problem::Truncated {
                what: what.to_string(),
                detail: format!(" (its tar stream ends inside an entry, at byte {offset})"),
            },
            TarError::Corrupt { offset, detail } => Problem::Corrupt {
                what: what.to_string(),
                detail: format!("{detail}, at byte {offset} of its tar stream"),
            },
            TarError::Io(e) => io_problem(e, what, ctx.limits.max_layer_bytes),
        }
    };
    let mut entries = Vec::new();
    loop {
        let h = match tar.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => return Err(classify(e, &what)),
        };
        let n = ctx.entries.fetch_add(1, Ordering::Relaxed) + 1;
        if n > ctx.limits.max_entries {
            return Err(Problem::Limit {
                what: "the image's entry count".into(),
                limit: ctx.limits.max_entries as u64,
                unit: "entries",
            });
        }
        if h.name.len() > ctx.limits.max_path || h.link.len() > ctx.limits.max_path {
            return Err(Problem::Limit {
                what: format!("{what}: the entry name at byte {}", h.data_offset),
                limit: ctx.limits.max_path as u64,
                unit: "bytes",
            });
        }
        let mut path = normalize_entry(&h.name);
        let mut op = match h.kind {
            TarKind::Dir => Op::Dir,
            TarKind::Symlink => Op::Symlink(PathBuf::from(OsStr::from_bytes(&h.link))),
            TarKind::HardLink => Op::HardLink(normalize_entry(&h.link)),
            TarKind::Device => Op::Device,
            TarKind::File => Op::File(Content::Empty),
        };
        if let Some(name) = path.file_name().map(|n| n.as_bytes().to_vec()) {
            if let Some(hidden) = name.strip_prefix(b".wh.") {
                if hidden == b".wh..opq" {
                    path.pop();
                    op = Op::Opaque;
                } else if hidden.starts_with(b".wh.") || hidden.is_empty() {
                    // aufs bookkeeping (`.wh..wh.plnk`, `.wh..wh.aufs`): not content.
                    continue;
                } else {
                    path.set_file_name(OsStr::from_bytes(hidden));
                    op = Op::Whiteout;
                }
            }
        }
        if let Op::File(_) = op {
            op = Op::File(
                file_content(&mut tar, &h, index, compression, ctx)
                    .map_err(|e| classify(e, &what))?,
            );
        }
        entries.push(RawEntry {
            path,
            op,
            mode: h.mode,
            uid: h.uid,
            gid: h.gid,
            size: h.size,
        });
    }
    let missing_end = tar.missing_end;
    // Whatever follows the end-of-archive blocks still belongs to the blob and its digest.
    if let Err(e) = io::copy(&mut tar.into_inner(), &mut io::sink()) {
        return Err(io_problem(e, &what, ctx.limits.max_layer_bytes));
    }
    let blob_size = raw_state.borrow().count;
    let tar_size = tar_state.borrow().count;
    if let Some(declared) = layer.size {
        if ctx.verify && blob_size < declared {
            return Err(Problem::Truncated {
                what,
                detail: format!(" ({blob_size} of the {declared} bytes its descriptor declares)"),
            });
        }
    }
    let raw_hash = raw_state.borrow_mut().hasher.take().map(Hasher::finish);
    let tar_hash = tar_state.borrow_mut().hasher.take().map(Hasher::finish);
    let mismatch = |actual: String| {
        if missing_end {
            Problem::Truncated {
                what: what.clone(),
                detail: " (its tar stream stops without an end-of-archive marker)".into(),
            }
        } else {
            Problem::DigestMismatch {
                what: what.clone(),
                actual,
            }
        }
    };
    if let Some(actual) = raw_hash {
        // The blob's own digest; for an uncompressed blob its diff_id names it too.
        let expected = match (&layer.digest, compression) {
            (Some(d), _) => Some(d.as_str()),
            (None, Compression::None) => layer.diff_id.as_deref(),
            (None, _) => None,
        };
        if let Some(expected) = expected {
            if actual != expected {
                return Err(mismatch(actual));
            }
        }
    }
    if let (Some(actual), Some(expected)) = (tar_hash, layer.diff_id.as_deref()) {
        if actual != expected {
            return Err(mismatch(actual));
        }
    }
    Ok(LayerIndex {
        entries,
        compression,
        blob_size,
        tar_size,
    })
}

fn io_problem(e: io::Error, what: &str, bound: u64) -> Problem {
    if e.get_ref().is_some_and(|x| x.is::<SizeBound>()) {
        return Problem::Limit {
            what: format!("{what} decompressed"),
            limit: bound,
            unit: "bytes",
        };
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return Problem::Truncated {
            what: what.to_string(),
            detail: String::new(),
        };
    }
    Problem::Corrupt {
        what: what.to_string(),
        detail: e.to_string(),
    }
}

/// Decides where a regular file's bytes will be found: located in the stream for an
/// uncompressed layer (they are mapped or read in place later); for a compressed one,
/// kept in memory when small (or an ELF object of moderate size) and the budget allows,
/// else located in the stream.
fn file_content<S: super::tar::Stream>(
    tar: &mut TarReader<S>,
    h: &super::tar::TarHeader,
    layer: usize,
    compression: Compression,
    ctx: &Ctx,
) -> Result<Content, TarError> {
    if h.size == 0 && !h.sparse {
        return Ok(Content::Empty);
    }
    if h.sparse {
        return Ok(Content::Unavailable);
    }
    let stored = Content::Stored {
        layer: layer as u32,
        offset: h.data_offset,
    };
    let l = ctx.limits;
    if compression == Compression::None || h.size > l.small_file.max(l.elf_inline) {
        return Ok(stored);
    }
    let keep = if h.size <= l.small_file {
        true
    } else {
        let mut head = [0u8; 4];
        let mut n = 0;
        while n < 4 {
            let k = tar.read_data(&mut head[n..])?;
            if k == 0 {
                break;
            }
            n += k;
        }
        if head[..n] != *b"\x7fELF" {
            return Ok(stored);
        }
        if !ctx.reserve_inline(h.size) {
            return Ok(stored);
        }
        let mut bytes = head[..n].to_vec();
        bytes.reserve(h.size as usize - n);
        bytes.extend_from_slice(&tar.read_all_data()?);
        return Ok(Content::Inline(bytes.into()));
    };
    if keep && ctx.reserve_inline(h.size) {
        let bytes = tar.read_all_data()?;
        Ok(Content::Inline(bytes.into()))
    } else {
        Ok(stored)
    }
}

/// A tar entry name made relative and lexical inside the root: `../../etc/x` and
/// `/etc/x` both name `etc/x`; `..` stops at the root.
pub(crate) fn normalize_entry(name: &[u8]) -> PathBuf {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut p = PathBuf::new();
    for c in parts {
        p.push(OsStr::from_bytes(c));
    }
    p
}

/// Copies `size` bytes at `offset` of a layer's uncompressed stream out again, by
/// seeking in an uncompressed blob or decompressing up to them.
pub(crate) fn read_stored(
    store: &Store,
    member: &str,
    compression: Compression,
    offset: u64,
    size: u64,
) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(size.min(1 << 30) as usize);
    if compression == Compression::None {
        let r = store.open_member(member, offset).map_err(store_error)?;
        r.take(size).read_to_end(&mut out)?;
    } else {
        let raw = store.open_member(member, 0).map_err(store_error)?;
        let mut dec = decoder(compression, BufReader::with_capacity(256 * 1024, raw))?;
        let skipped = io::copy(&mut dec.by_ref().take(offset), &mut io::sink())?;
        if skipped == offset {
            dec.take(size).read_to_end(&mut out)?;
        }
    }
    if out.len() as u64 != size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the layer ends before the entry does (was the image changed on disk?)",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_validated() {
        let ok = format!("sha256:{}", "a".repeat(64));
        assert!(parse_digest(&ok).is_some());
        assert!(parse_digest("sha256:../../etc/passwd").is_none());
        assert!(parse_digest(&format!("sha256:{}", "A".repeat(64))).is_none());
        assert!(parse_digest(&format!("md5:{}", "a".repeat(32))).is_none());
        assert_eq!(
            digest_like(&ok, b"").unwrap(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn entry_names_are_clamped_inside_the_root() {
        assert_eq!(
            normalize_entry(b"../../etc/passwd"),
            PathBuf::from("etc/passwd")
        );
        assert_eq!(
            normalize_entry(b"/usr/./bin//x"),
            PathBuf::from("usr/bin/x")
        );
        assert_eq!(normalize_entry(b"./"), PathBuf::new());
        assert_eq!(normalize_entry(b"a/../../../b"), PathBuf::from("b"));
    }

    #[test]
    fn magic_is_sniffed() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Sniffed::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Sniffed::Zstd);
        assert_eq!(sniff(b"BZh9"), Sniffed::Bzip2);
        assert_eq!(sniff(b"usr/"), Sniffed::Plain);
        assert_eq!(sniff(b""), Sniffed::Plain);
    }
}
