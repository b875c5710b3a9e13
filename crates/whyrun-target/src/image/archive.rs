//! The container of an image's blobs: an uncompressed tar archive (`docker save`, an OCI
//! layout tarred), a directory (an OCI layout, a `docker save` unpacked), or an archive held
//! in memory. It maps member names (`manifest.json`, `blobs/sha256/…`) to byte ranges and
//! opens them; a name that would leave the archive or the directory names nothing. It
//! knows nothing about manifests or layers.

use std::collections::HashMap;
use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::Problem;
use super::tar::{Seekable, TarError, TarKind, TarReader};
use crate::fs::FileBytes;

/// Members an archive may hold before it is refused.
const MAX_MEMBERS: usize = 100_000;
/// Symlinks and hard links followed to reach one member.
const MAX_MEMBER_HOPS: usize = 16;

/// Where the archive's bytes live.
#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Bytes(Arc<[u8]>),
}

#[derive(Debug, Clone)]
enum Member {
    Data { offset: u64, size: u64 },
    Symlink(String),
    HardLink(String),
}

#[derive(Debug)]
enum Layout {
    /// A directory; `root` is canonical.
    Dir { root: PathBuf },
    Tar {
        source: Source,
        members: HashMap<String, Member>,
    },
}

/// Why a member could not be opened.
#[derive(Debug)]
pub(crate) enum StoreError {
    Missing,
    Io(io::Error),
}

impl From<io::Error> for StoreError {
    fn from(e: io::Error) -> StoreError {
        if e.kind() == io::ErrorKind::NotFound {
            StoreError::Missing
        } else {
            StoreError::Io(e)
        }
    }
}

/// A readable member stream.
pub(crate) type MemberReader = Box<dyn Read + Send>;

/// An image's blobs, by member name.
#[derive(Debug)]
pub(crate) struct Store {
    layout: Layout,
}

impl Store {
    /// Opens a directory or an uncompressed tar archive.
    pub fn open(path: &Path) -> Result<Store, Problem> {
        let meta = std::fs::metadata(path).map_err(Problem::Io)?;
        if meta.is_dir() {
            let root = std::fs::canonicalize(path).map_err(Problem::Io)?;
            return Ok(Store {
                layout: Layout::Dir { root },
            });
        }
        let mut f = whyrun_facts::open_nonblocking(path).map_err(Problem::Io)?;
        let len = meta.len();
        let mut head = [0u8; 6];
        let n = read_head(&mut f, &mut head).map_err(Problem::Io)?;
        check_not_compressed(&head[..n])?;
        f.seek(SeekFrom::Start(0)).map_err(Problem::Io)?;
        let members = scan(Seekable::new(BufReader::with_capacity(64 * 1024, f), len))?;
        Ok(Store {
            layout: Layout::Tar {
                source: Source::File(path.to_path_buf()),
                members,
            },
        })
    }

    /// An uncompressed tar archive held in memory.
    pub fn from_bytes(bytes: Arc<[u8]>) -> Result<Store, Problem> {
        let n = bytes.len().min(6);
        check_not_compressed(&bytes[..n])?;
        let len = bytes.len() as u64;
        let members = scan(Seekable::new(Cursor::new(bytes.clone()), len))?;
        Ok(Store {
            layout: Layout::Tar {
                source: Source::Bytes(bytes),
                members,
            },
        })
    }

    /// The member's location: `(offset in the archive, size)` for a tar, the file for a
    /// directory.
    fn locate(&self, name: &str) -> Result<Located, StoreError> {
        let name = normalize_member(name).ok_or(StoreError::Missing)?;
        match &self.layout {
            Layout::Dir { root } => {
                let path = root.join(&name);
                let real = std::fs::canonicalize(&path)?;
                if !real.starts_with(root) {
                    return Err(StoreError::Missing);
                }
                let meta = std::fs::metadata(&real)?;
                if !meta.is_file() {
                    return Err(StoreError::Missing);
                }
                Ok(Located::File {
                    path: real,
                    offset: 0,
                    size: meta.len(),
                })
            }
            Layout::Tar { source, members } => {
                let mut cur = name;
                for _ in 0..MAX_MEMBER_HOPS {
                    match members.get(&cur) {
                        None => return Err(StoreError::Missing),
                        Some(Member::Data { offset, size }) => {
                            return Ok(match source {
                                Source::File(p) => Located::File {
                                    path: p.clone(),
                                    offset: *offset,
                                    size: *size,
                                },
                                Source::Bytes(b) => Located::Bytes {
                                    bytes: b.clone(),
                                    offset: *offset,
                                    size: *size,
                                },
                            });
                        }
                        Some(Member::Symlink(target)) => {
                            let base = match cur.rfind('/') {
                                Some(i) if !target.starts_with('/') => &cur[..i + 1],
                                _ => "",
                            };
                            cur = normalize_member(&format!("{base}{target}"))
                                .ok_or(StoreError::Missing)?;
                        }
                        Some(Member::HardLink(target)) => {
                            cur = normalize_member(target).ok_or(StoreError::Missing)?;
                        }
                    }
                }
                Err(StoreError::Missing)
            }
        }
    }

    /// The member exists.
    pub fn contains(&self, name: &str) -> bool {
        self.locate(name).is_ok()
    }

    /// The size of a member in bytes.
    pub fn size(&self, name: &str) -> Result<u64, StoreError> {
        Ok(self.locate(name)?.size())
    }

    /// A stream of the member's bytes from `skip` on.
    pub fn open_member(&self, name: &str, skip: u64) -> Result<MemberReader, StoreError> {
        let loc = self.locate(name)?;
        let skip = skip.min(loc.size());
        Ok(match loc {
            Located::File { path, offset, size } => {
                let mut f = whyrun_facts::open_nonblocking(&path)?;
                f.seek(SeekFrom::Start(offset + skip))?;
                Box::new(f.take(size - skip))
            }
            Located::Bytes {
                bytes,
                offset,
                size,
            } => {
                let mut c = Cursor::new(bytes);
                c.set_position(offset + skip);
                Box::new(c.take(size - skip))
            }
        })
    }

    /// The whole member, refused when larger than `limit`.
    pub fn read_member(&self, name: &str, limit: u64) -> Result<Result<Vec<u8>, u64>, StoreError> {
        let size = self.size(name)?;
        if size > limit {
            return Ok(Err(size));
        }
        let mut out = Vec::with_capacity(size as usize);
        self.open_member(name, 0)?.read_to_end(&mut out)?;
        Ok(Ok(out))
    }

    /// `len` bytes of a member from `offset`, mapped rather than copied when the archive
    /// is a file.
    pub fn map_range(&self, name: &str, offset: u64, len: u64) -> Result<FileBytes, StoreError> {
        let loc = self.locate(name)?;
        let inside = matches!(offset.checked_add(len), Some(end) if end <= loc.size());
        if !inside {
            return Err(StoreError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the entry lies past the end of its layer (was the image changed on disk?)",
            )));
        }
        match loc {
            Located::File {
                path, offset: base, ..
            } => {
                if len == 0 {
                    return Ok(FileBytes::Owned(Vec::new()));
                }
                let f = whyrun_facts::open_nonblocking(&path)?;
                // SAFETY: a read-only private map of a range checked to lie inside the
                // member; a file truncated underneath while mapped can fault, the risk
                // every mmap-based reader of binaries accepts.
                let map = unsafe {
                    memmap2::MmapOptions::new()
                        .offset(base + offset)
                        .len(len as usize)
                        .map(&f)
                }?;
                Ok(FileBytes::Mapped(map))
            }
            Located::Bytes {
                bytes,
                offset: base,
                ..
            } => {
                let start = (base + offset) as usize;
                Ok(FileBytes::Owned(
                    bytes[start..start + len as usize].to_vec(),
                ))
            }
        }
    }
}

enum Located {
    File {
        path: PathBuf,
        offset: u64,
        size: u64,
    },
    Bytes {
        bytes: Arc<[u8]>,
        offset: u64,
        size: u64,
    },
}

impl Located {
    fn size(&self) -> u64 {
        match self {
            Located::File { size, .. } | Located::Bytes { size, .. } => *size,
        }
    }
}

fn read_head(r: &mut impl Read, head: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Compressed archives cannot be read member by member without decompressing them whole.
fn check_not_compressed(head: &[u8]) -> Result<(), Problem> {
    if let Some(c) = super::compression::sniff(head).name() {
        return Err(Problem::Unsupported(format!(
            "the archive is {c}-compressed; decompress it first (docker save writes a plain tar)"
        )));
    }
    Ok(())
}

/// Lists the members of an archive, skipping their data.
fn scan<R: Read + Seek>(stream: Seekable<R>) -> Result<HashMap<String, Member>, Problem> {
    let mut tar = TarReader::new(stream);
    let mut members = HashMap::new();
    let mut count = 0usize;
    loop {
        let h = match tar.next() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(TarError::Truncated { offset }) => {
                return Err(Problem::Truncated {
                    what: "the archive".into(),
                    detail: format!(" (it ends inside a member, at byte {offset})"),
                })
            }
            Err(TarError::Corrupt { offset, detail }) => {
                return Err(if count == 0 {
                    Problem::Format(
                        "not a docker save archive or an OCI image layout (not a tar archive)"
                            .into(),
                    )
                } else {
                    Problem::Corrupt {
                        what: "the archive".into(),
                        detail: format!("{detail} at byte {offset}"),
                    }
                })
            }
            Err(TarError::Io(e)) => return Err(Problem::Io(e)),
        };
        count += 1;
        if count > MAX_MEMBERS {
            return Err(Problem::Limit {
                what: "the archive's member count".into(),
                limit: MAX_MEMBERS as u64,
                unit: "members",
            });
        }
        let Some(name) = normalize_member(&String::from_utf8_lossy(&h.name)) else {
            continue;
        };
        let link = String::from_utf8_lossy(&h.link).into_owned();
        let m = match h.kind {
            TarKind::File if !h.sparse => Member::Data {
                offset: h.data_offset,
                size: h.stored,
            },
            TarKind::Symlink => Member::Symlink(link),
            TarKind::HardLink => Member::HardLink(link),
            _ => continue,
        };
        members.insert(name, m);
    }
    Ok(members)
}

/// A member name made relative and lexical: `./a//b/../c` is `a/c`; a name that climbs
/// above the archive's root names nothing.
pub(crate) fn normalize_member(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_stay_inside() {
        assert_eq!(normalize_member("./a//b/../c").as_deref(), Some("a/c"));
        assert_eq!(
            normalize_member("/manifest.json").as_deref(),
            Some("manifest.json")
        );
        assert_eq!(normalize_member("../etc/passwd"), None);
        assert_eq!(normalize_member("a/../../b"), None);
        assert_eq!(normalize_member("."), None);
    }
}
