//! A bounded, streaming reader of tar archives (v7, ustar, GNU and PAX): it yields one
//! header at a time with the position of the entry's data in the stream, and skips or
//! hands out that data. Every extension record it holds in memory is bounded; a damaged
//! header is an error, never a panic. It only decodes the format: it never decides what an
//! entry means for an image and never touches the file system.

use std::io::{self, Read, Seek, SeekFrom};

const BLOCK: u64 = 512;
/// The largest PAX extended header or GNU long name record held in memory.
const MAX_EXTENSION: u64 = 1 << 20;

/// What kind of object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TarKind {
    File,
    HardLink,
    Symlink,
    Dir,
    /// Character or block device, FIFO.
    Device,
}

/// One entry's header, with the extensions that preceded it applied.
#[derive(Debug, Clone)]
pub(crate) struct TarHeader {
    /// The name as stored (bytes), before any normalisation.
    pub name: Vec<u8>,
    /// Hard link or symlink target as stored.
    pub link: Vec<u8>,
    pub kind: TarKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// The file's size as seen by a reader (for a sparse file, its expanded size).
    pub size: u64,
    /// Bytes of data stored in the archive after the header.
    pub stored: u64,
    /// Offset of the stored data in the (uncompressed) stream.
    pub data_offset: u64,
    /// Stored as a sparse file: `stored` bytes are not the file's contents laid out flat.
    pub sparse: bool,
}

/// Why reading the archive failed.
#[derive(Debug)]
pub(crate) enum TarError {
    /// The stream ended inside a header or an entry's data.
    Truncated { offset: u64 },
    /// A header or extension record that cannot be decoded.
    Corrupt { offset: u64, detail: String },
    /// The underlying stream failed (decompression, I/O, a size bound).
    Io(io::Error),
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> TarError {
        TarError::Io(e)
    }
}

/// A byte stream that can skip forward: by seeking when the storage allows, by reading
/// and discarding otherwise.
pub(crate) trait Stream: Read + Sized {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut self.by_ref().take(n), &mut io::sink())
    }
}

/// A forward-only stream (a decompressor): skipping reads.
pub(crate) struct Forward<R>(pub R);

impl<R: Read> Read for Forward<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Stream for Forward<R> {}

/// A seekable stream of known length (an uncompressed archive on disk): skipping seeks.
pub(crate) struct Seekable<R> {
    inner: R,
    pos: u64,
    len: u64,
}

impl<R: Read + Seek> Seekable<R> {
    pub fn new(inner: R, len: u64) -> Seekable<R> {
        Seekable { inner, pos: 0, len }
    }
}

impl<R: Read + Seek> Read for Seekable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let n = (buf.len() as u64).min(left) as usize;
        let got = self.inner.read(&mut buf[..n])?;
        self.pos += got as u64;
        Ok(got)
    }
}

impl<R: Read + Seek> Stream for Seekable<R> {
    fn skip(&mut self, n: u64) -> io::Result<u64> {
        let step = n.min(self.len.saturating_sub(self.pos));
        if step > 0 {
            self.inner.seek(SeekFrom::Current(step as i64))?;
            self.pos += step;
        }
        Ok(step)
    }
}

/// Reads headers one after the other; the data of the current entry is skipped by the
/// next call to [`TarReader::next`] unless read first with [`TarReader::read_data`].
pub(crate) struct TarReader<S> {
    inner: S,
    /// Bytes consumed from `inner`.
    pos: u64,
    /// Data bytes of the current entry not read yet, then its padding.
    data_left: u64,
    pad_left: u64,
    /// The stream ended cleanly at a header boundary without the zero-block marker.
    pub missing_end: bool,
    finished: bool,
}

/// Extension values carried from PAX and GNU records to the header they precede.
#[derive(Default)]
struct Pending {
    name: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    sparse_name: Option<Vec<u8>>,
    sparse_size: Option<u64>,
    sparse: bool,
}

impl<S: Stream> TarReader<S> {
    pub fn new(inner: S) -> TarReader<S> {
        TarReader {
            inner,
            pos: 0,
            data_left: 0,
            pad_left: 0,
            missing_end: false,
            finished: false,
        }
    }

    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The next entry, or `None` at the end of the archive.
    pub fn next(&mut self) -> Result<Option<TarHeader>, TarError> {
        if self.finished {
            return Ok(None);
        }
        self.skip_rest()?;
        let mut pending = Pending::default();
        loop {
            let start = self.pos;
            let mut block = [0u8; BLOCK as usize];
            if !self.read_block(&mut block)? {
                self.finished = true;
                self.missing_end = true;
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                self.finished = true;
                return Ok(None);
            }
            verify_checksum(&block, start)?;
            let typeflag = block[156];
            let field = |r: std::ops::Range<usize>| number(&block[r.clone()], start, r.start);
            let size = field(124..136)?;
            match typeflag {
                b'x' | b'g' => {
                    let data = self.read_extension(size, start)?;
                    if typeflag == b'x' {
                        apply_pax(&data, &mut pending, start)?;
                    }
                    continue;
                }
                b'L' | b'K' => {
                    let mut data = self.read_extension(size, start)?;
                    if let Some(nul) = data.iter().position(|&b| b == 0) {
                        data.truncate(nul);
                    }
                    if typeflag == b'L' {
                        pending.name = Some(data);
                    } else {
                        pending.link = Some(data);
                    }
                    continue;
                }
                b'V' => {
                    // A volume label: not an entry.
                    self.data_left = size;
                    self.pad_left = padding(size);
                    self.skip_rest()?;
                    continue;
                }
                _ => {}
            }
            let ustar = &block[257..263] == b"ustar\0";
            let gnu = &block[257..263] == b"ustar ";
            let mut name = cstr(&block[0..100]).to_vec();
            if ustar {
                let prefix = cstr(&block[345..500]);
                if !prefix.is_empty() {
                    let mut full = prefix.to_vec();
                    full.push(b'/');
                    full.extend_from_slice(&name);
                    name = full;
                }
            }
            let mut link = cstr(&block[157..257]).to_vec();
            let mode = (field(100..108)? & 0o7777) as u32;
            let mut uid = field(108..116)?;
            let mut gid = field(116..124)?;
            let mut stored = size;
            let mut real = size;
            let mut sparse = false;
            if typeflag == b'S' && gnu {
                // Old GNU sparse: the expanded size is in the header, and extension
                // blocks of sparse maps may follow before the data.
                sparse = true;
                real = number(&block[483..495], start, 483)?;
                let mut extended = block[482] != 0;
                while extended {
                    let mut ext = [0u8; BLOCK as usize];
                    if !self.read_block(&mut ext)? {
                        return Err(TarError::Truncated { offset: self.pos });
                    }
                    extended = ext[504] != 0;
                }
            }
            if let Some(n) = pending.name.take() {
                name = n;
            }
            if let Some(l) = pending.link.take() {
                link = l;
            }
            if let Some(s) = pending.size {
                stored = s;
                real = s;
            }
            if let Some(u) = pending.uid {
                uid = u;
            }
            if let Some(g) = pending.gid {
                gid = g;
            }
            if pending.sparse {
                sparse = true;
                if let Some(n) = pending.sparse_name.take() {
                    name = n;
                }
                if let Some(s) = pending.sparse_size {
                    real = s;
                }
            }
            let kind = match typeflag {
                b'1' => TarKind::HardLink,
                b'2' => TarKind::Symlink,
                b'3' | b'4' | b'6' => TarKind::Device,
                b'5' | b'D' => TarKind::Dir,
                // Regular, contiguous, sparse, and (as POSIX asks) any unknown type.
                _ => {
                    if name.last() == Some(&b'/') && typeflag == 0 {
                        TarKind::Dir
                    } else {
                        TarKind::File
                    }
                }
            };
            let data_offset = self.pos;
            if kind == TarKind::File {
                self.data_left = stored;
                self.pad_left = padding(stored);
            } else {
                // Links, directories and devices carry no data whatever the size field
                // says (GNU tar and Go agree), except a GNU dumpdir, whose listing is
                // skipped here.
                if typeflag == b'D' {
                    self.data_left = stored;
                    self.pad_left = padding(stored);
                    self.skip_rest()?;
                }
                stored = 0;
                real = 0;
            }
            return Ok(Some(TarHeader {
                name,
                link,
                kind,
                mode,
                uid,
                gid,
                size: real,
                stored,
                data_offset,
                sparse,
            }));
        }
    }

    /// Reads up to `buf.len()` bytes of the current entry's data.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        let n = (buf.len() as u64).min(self.data_left) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.inner.read(&mut buf[..n])?;
        if got == 0 {
            return Err(TarError::Truncated { offset: self.pos });
        }
        self.pos += got as u64;
        self.data_left -= got as u64;
        Ok(got)
    }

    /// Reads the rest of the current entry's data into a vector.
    pub fn read_all_data(&mut self) -> Result<Vec<u8>, TarError> {
        let mut out = Vec::with_capacity(self.data_left.min(1 << 20) as usize);
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = self.read_data(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// Skips what is left of the current entry's data and padding.
    fn skip_rest(&mut self) -> Result<(), TarError> {
        let want = self.data_left + self.pad_left;
        if want > 0 {
            let got = self.inner.skip(want)?;
            self.pos += got;
            if got < want {
                return Err(TarError::Truncated { offset: self.pos });
            }
        }
        self.data_left = 0;
        self.pad_left = 0;
        Ok(())
    }

    /// Reads one block; `false` at a clean end of stream, an error when it ends inside.
    fn read_block(&mut self, block: &mut [u8; BLOCK as usize]) -> Result<bool, TarError> {
        let mut filled = 0;
        while filled < block.len() {
            let n = match self.inner.read(&mut block[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                break;
            }
            filled += n;
        }
        self.pos += filled as u64;
        match filled {
            0 => Ok(false),
            512 => Ok(true),
            _ => Err(TarError::Truncated { offset: self.pos }),
        }
    }

    /// Reads an extension record's data (bounded) and skips its padding.
    fn read_extension(&mut self, size: u64, header: u64) -> Result<Vec<u8>, TarError> {
        if size > MAX_EXTENSION {
            return Err(TarError::Corrupt {
                offset: header,
                detail: format!(
                    "an extended header of {size} bytes (more than the {MAX_EXTENSION}-byte bound)"
                ),
            });
        }
        self.data_left = size;
        self.pad_left = padding(size);
        let data = self.read_all_data()?;
        self.skip_rest()?;
        Ok(data)
    }
}

fn padding(n: u64) -> u64 {
    (BLOCK - n % BLOCK) % BLOCK
}

/// The bytes before the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

fn verify_checksum(block: &[u8; BLOCK as usize], offset: u64) -> Result<(), TarError> {
    let stored = number(&block[148..156], offset, 148)?;
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if stored == unsigned || stored as i64 == signed {
        Ok(())
    } else {
        Err(TarError::Corrupt {
            offset,
            detail: "bad header checksum (not a tar header)".into(),
        })
    }
}

/// A numeric header field: octal text (space or NUL padded) or GNU base-256.
fn number(field: &[u8], header: u64, at: usize) -> Result<u64, TarError> {
    let bad = |what: &str| TarError::Corrupt {
        offset: header,
        detail: format!("{what} in the header field at byte {at}"),
    };
    if let Some(&first) = field.first() {
        if first & 0x80 != 0 {
            if first == 0xff {
                return Err(bad("a negative number"));
            }
            let mut v: u64 = u64::from(first & 0x7f);
            for &b in &field[1..] {
                v = v
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(u64::from(b)))
                    .ok_or_else(|| bad("a number too large"))?;
            }
            return Ok(v);
        }
    }
    let text = cstr(field);
    let text = trim(text);
    let mut v: u64 = 0;
    for &b in text {
        if !(b'0'..=b'7').contains(&b) {
            return Err(bad("a non-octal digit"));
        }
        v = v
            .checked_mul(8)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| bad("a number too large"))?;
    }
    Ok(v)
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | 0, rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | 0] = b {
        b = rest;
    }
    b
}

/// Applies the records of a PAX extended header (`LEN KEY=VALUE\n`).
fn apply_pax(mut data: &[u8], p: &mut Pending, header: u64) -> Result<(), TarError> {
    let bad = |detail: &str| TarError::Corrupt {
        offset: header,
        detail: format!("PAX extended header: {detail}"),
    };
    while !data.is_empty() {
        if data.iter().all(|&b| b == 0) {
            break;
        }
        let sp = data
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| bad("a record without a length"))?;
        let len: usize = std::str::from_utf8(&data[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("a record length that is not a number"))?;
        if len <= sp + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err(bad("a record length that does not match the record"));
        }
        let record = &data[sp + 1..len - 1];
        data = &data[len..];
        let eq = record
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| bad("a record without '='"))?;
        let (key, value) = (&record[..eq], &record[eq + 1..]);
        let num = || -> Result<u64, TarError> {
            std::str::from_utf8(value)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("a numeric record that is not a number"))
        };
        match key {
            b"path" => p.name = Some(value.to_vec()),
            b"linkpath" => p.link = Some(value.to_vec()),
            b"size" => p.size = Some(num()?),
            b"uid" => p.uid = Some(num()?),
            b"gid" => p.gid = Some(num()?),
            b"GNU.sparse.name" => {
                p.sparse = true;
                p.sparse_name = Some(value.to_vec());
            }
            b"GNU.sparse.realsize" | b"GNU.sparse.size" => {
                p.sparse = true;
                p.sparse_size = Some(num()?);
            }
            b"GNU.sparse.major" | b"GNU.sparse.map" | b"GNU.sparse.offset" => p.sparse = true,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, typeflag: u8, size: u64) -> [u8; 512] {
        let mut b = [0u8; 512];
        b[..name.len()].copy_from_slice(name.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[108..115].copy_from_slice(b"0000000");
        b[116..115 + 8].copy_from_slice(b"0000000");
        let s = format!("{size:011o}");
        b[124..135].copy_from_slice(s.as_bytes());
        b[156] = typeflag;
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
        let c = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(c.as_bytes());
        b
    }

    fn archive(parts: &[(&str, u8, &[u8])], end: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, t, data) in parts {
            out.extend_from_slice(&header(name, *t, data.len() as u64));
            out.extend_from_slice(data);
            out.resize(out.len() + padding(data.len() as u64) as usize, 0);
        }
        if end {
            out.resize(out.len() + 1024, 0);
        }
        out
    }

    fn all(data: &[u8]) -> Result<Vec<TarHeader>, TarError> {
        let mut r = TarReader::new(Forward(data));
        let mut out = Vec::new();
        while let Some(h) = r.next()? {
            out.push(h);
        }
        Ok(out)
    }

    #[test]
    fn reads_entries_and_positions() {
        let a = archive(&[("a.txt", b'0', b"hello"), ("d/", b'5', b"")], true);
        let h = all(&a).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].name, b"a.txt");
        assert_eq!(h[0].size, 5);
        assert_eq!(h[0].data_offset, 512);
        assert_eq!(&a[512..517], b"hello");
        assert_eq!(h[1].kind, TarKind::Dir);
        assert_eq!(h[0].mode, 0o644);
    }

    #[test]
    fn pax_path_and_gnu_long_name() {
        let long = "x/".repeat(80) + "file";
        let pax = format!("{} path={long}\n", long.len() + 7 + 3);
        assert_eq!(pax.len(), long.len() + 10);
        let a = archive(
            &[
                ("PaxHeader", b'x', pax.as_bytes()),
                ("short", b'0', b"1"),
                ("././@LongLink", b'L', format!("{long}2\0").as_bytes()),
                ("short2", b'0', b"2"),
            ],
            true,
        );
        let h = all(&a).unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].name, long.as_bytes());
        assert_eq!(h[1].name, format!("{long}2").as_bytes());
    }

    #[test]
    fn truncation_and_corruption_are_errors() {
        let a = archive(&[("a", b'0', &[7u8; 2000])], true);
        assert!(matches!(all(&a[..1200]), Err(TarError::Truncated { .. })));
        assert!(matches!(all(&a[..100]), Err(TarError::Truncated { .. })));
        let mut bad = a.clone();
        bad[10] ^= 0x55;
        assert!(matches!(all(&bad), Err(TarError::Corrupt { .. })));
        // A clean cut at a header boundary reads as an archive without its end marker.
        let mut r = TarReader::new(Forward(&a[..512 + 2048]));
        assert!(r.next().unwrap().is_some());
        assert!(r.next().unwrap().is_none());
        assert!(r.missing_end);
    }

    #[test]
    fn huge_extension_is_refused() {
        let mut a = header("PaxHeader", b'x', 1 << 32).to_vec();
        a.resize(4096, b'1');
        assert!(matches!(all(&a), Err(TarError::Corrupt { .. })));
    }

    #[test]
    fn base256_numbers() {
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 5;
        assert_eq!(number(&f, 0, 0).unwrap(), 5);
        f[0] = 0xff;
        assert!(number(&f, 0, 0).is_err());
        assert_eq!(number(b" 0000755\0", 0, 0).unwrap(), 0o755);
        assert!(number(b"12a", 0, 0).is_err());
    }
}
