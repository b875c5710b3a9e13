//! The error a file's inspection ends with: short, in the user's terms, without the path
//! (the caller names the file).

/// Why a file's facts could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactsError {
    #[error("{}", io_message(.0))]
    Io(#[from] std::io::Error),
    #[error("not a file: {0}")]
    NotAFile(String),
    #[error("not an ELF binary: {0}")]
    NotElf(String),
    #[error("malformed ELF: {0}")]
    Malformed(String),
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied (cannot read it)".into(),
        _ => format!("cannot read: {e}"),
    }
}
