//! Snapshots: a [`TargetModel`] written as JSON (schema `whyrun.target/1`) on one machine
//! and read back anywhere, so a fleet can be checked from one place. Writing is `describe`
//! plus the library index; reading checks the schema and refuses anything else with a
//! clear error. Owns the file format only; never describes anything by itself beyond
//! calling `describe`.

use std::path::Path;

use crate::describe::{describe, library_index, DescribeOptions};
use crate::fs::FileView;
use crate::model::{SourceKind, TargetModel, SCHEMA};

/// A snapshot larger than this is refused (a real one is a few MB).
const MAX_SNAPSHOT: u64 = 512 << 20;

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: larger than {MAX_SNAPSHOT} bytes; not a whyrun snapshot")]
    TooLarge { path: String },
    #[error("{path}: not a whyrun snapshot: {message}")]
    Malformed { path: String, message: String },
    #[error("{path}: has no \"schema\" field; not a whyrun snapshot (expected \"{SCHEMA}\")")]
    NoSchema { path: String },
    #[error(
        "{path}: snapshot schema \"{found}\" is not supported by this whyrun, which reads \
         \"{SCHEMA}\"; take the snapshot again with this version of whyrun"
    )]
    UnknownSchema { path: String, found: String },
}

/// `describe` of `view` with its library index: what `whyrun snapshot` writes.
pub fn take(view: &dyn FileView, opts: &DescribeOptions<'_>) -> TargetModel {
    let mut m = describe(view, opts);
    m.libraries = library_index(view, m.libc.as_ref());
    m
}

/// The snapshot as pretty JSON.
pub fn to_json(model: &TargetModel) -> String {
    serde_json::to_string_pretty(model).expect("a TargetModel always serializes")
}

/// Reads a snapshot from JSON text; `path` names it in errors.
pub fn from_json(text: &str, path: &str) -> Result<TargetModel, SnapshotError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SnapshotError::Malformed {
            path: path.into(),
            message: e.to_string(),
        })?;
    let Some(obj) = value.as_object() else {
        return Err(SnapshotError::Malformed {
            path: path.into(),
            message: "the top level is not a JSON object".into(),
        });
    };
    match obj.get("schema") {
        None => return Err(SnapshotError::NoSchema { path: path.into() }),
        Some(serde_json::Value::String(s)) if s == SCHEMA => {}
        Some(other) => {
            return Err(SnapshotError::UnknownSchema {
                path: path.into(),
                found: other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string),
            })
        }
    }
    let mut model: TargetModel =
        serde_json::from_value(value).map_err(|e| SnapshotError::Malformed {
            path: path.into(),
            message: e.to_string(),
        })?;
    if model.name.is_empty() {
        model.name = path.into();
    }
    model.source = SourceKind::Snapshot;
    Ok(model)
}

/// Loads a snapshot file written by `whyrun snapshot` (`--target host.json`).
pub fn load_snapshot(path: &Path) -> Result<TargetModel, SnapshotError> {
    let shown = path.display().to_string();
    let io = |source| SnapshotError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_SNAPSHOT {
        return Err(SnapshotError::TooLarge { path: shown });
    }
    let text = std::fs::read(path).map_err(io)?;
    from_json(&String::from_utf8_lossy(&text), &shown)
}
