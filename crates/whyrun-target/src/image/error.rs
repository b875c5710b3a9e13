//! The errors of opening an image: one line naming the image and the problem (`app.tar:
//! layer 2 (sha256:abcd12345678…) is truncated`). This module only words problems; it
//! never decides whether something is one.

use std::fmt;

/// Opening or reading an image failed. Displays as `IMAGE: PROBLEM` on one line.
#[derive(Debug, thiserror::Error)]
#[error("{image}: {problem}")]
pub struct ImageError {
    /// The image as the user named it.
    pub image: String,
    pub problem: Problem,
}

/// What is wrong with an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The image file or directory cannot be read.
    #[error("{0}")]
    Io(std::io::Error),
    /// Neither a `docker save` archive nor an OCI image layout, or one that is malformed.
    #[error("{0}")]
    Format(String),
    /// A JSON document (manifest, index, config) does not parse or has the wrong shape.
    #[error("{file}: invalid JSON: {detail}")]
    Json { file: String, detail: String },
    /// A blob the manifest names is not in the archive.
    #[error("{what} is missing from the image")]
    MissingBlob { what: String },
    /// A blob whose bytes do not hash to the digest that names it.
    #[error("{what} does not match its digest (content hashes to {actual})")]
    DigestMismatch { what: String, actual: String },
    /// A blob or the archive ends early.
    #[error("{what} is truncated{detail}")]
    Truncated { what: String, detail: String },
    /// A layer that is not a readable (possibly compressed) tar stream.
    #[error("{what} is corrupt: {detail}")]
    Corrupt { what: String, detail: String },
    /// A size bound was reached.
    #[error("{what} exceeds the bound of {limit} {unit}")]
    Limit {
        what: String,
        limit: u64,
        unit: &'static str,
    },
    /// Applying a layer failed (a hard link to nothing, a path through a file).
    #[error("{what}: {detail}")]
    Apply { what: String, detail: String },
    /// Something valid that whyrun does not read (xz layers, encrypted layers).
    #[error("{0}")]
    Unsupported(String),
    /// The archive holds several images or platforms and none matches the selection.
    #[error("{0}")]
    Select(String),
}

impl ImageError {
    pub(crate) fn new(image: &str, problem: Problem) -> ImageError {
        ImageError {
            image: image.to_string(),
            problem,
        }
    }
}

/// A digest shortened for messages: `sha256:0123456789ab…`.
pub(crate) struct Short<'a>(pub &'a str);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once(':') {
            Some((alg, hex)) if hex.len() > 12 => write!(f, "{alg}:{}…", &hex[..12]),
            _ => f.write_str(self.0),
        }
    }
}
