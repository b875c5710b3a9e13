//! A stream's compression, recognised from its first bytes (magic numbers).

/// How a layer blob is compressed, recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Plain,
    Gzip,
    Zstd,
    Xz,
    Bzip2,
}

impl Sniffed {
    /// The compression's name, `None` for an uncompressed stream.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Sniffed::Plain => None,
            Sniffed::Gzip => Some("gzip"),
            Sniffed::Zstd => Some("zstd"),
            Sniffed::Xz => Some("xz"),
            Sniffed::Bzip2 => Some("bzip2"),
        }
    }
}

pub(crate) fn sniff(head: &[u8]) -> Sniffed {
    match head {
        [0x1f, 0x8b, ..] => Sniffed::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Sniffed::Zstd,
        // A zstd skippable frame (0x184D2A50..5F, little-endian), as zstd:chunked starts.
        [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..] => Sniffed::Zstd,
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Sniffed::Xz,
        [b'B', b'Z', b'h', ..] => Sniffed::Bzip2,
        _ => Sniffed::Plain,
    }
}
