//! Rust facts: the dependency list that `cargo auditable` embeds in a binary's `.dep-v0`
//! section (zlib-compressed JSON). Decompression is bounded; a malformed section is a
//! warning, never an error for the whole file.

use serde::{Deserialize, Serialize};

use crate::elf::view::ElfView;

/// Upper bound on the decompressed JSON: real dependency lists are a few hundred KiB.
const MAX_JSON: usize = 16 << 20;

/// What `cargo auditable` recorded.
#[derive(Debug, Clone, Serialize)]
pub struct RustFacts {
    /// Every crate compiled into the binary (and build-time ones, `kind: build`).
    pub packages: Vec<RustPackage>,
}

/// One crate of the embedded dependency list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RustPackage {
    pub name: String,
    pub version: String,
    /// `crates.io`, `local`, `git`, `registry` or another source.
    pub source: String,
    /// `runtime` (the default) or `build`.
    #[serde(default = "runtime")]
    pub kind: String,
    /// The binary's own crate.
    #[serde(default)]
    pub root: bool,
}

fn runtime() -> String {
    "runtime".into()
}

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<RustPackage>,
}

/// Reads `.dep-v0`; `None` when the binary has none.
pub fn inspect(view: &ElfView<'_>, warnings: &mut Vec<String>) -> Option<RustFacts> {
    let section = view.section(".dep-v0")?;
    let Some(compressed) = view.section_data(section) else {
        warnings.push("the .dep-v0 section lies outside the file".into());
        return None;
    };
    let json = match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, MAX_JSON) {
        Ok(json) => json,
        Err(e) => {
            warnings.push(format!(
                "the cargo-auditable data in .dep-v0 (offset {:#x}) does not decompress: {:?}",
                section.offset, e.status
            ));
            return None;
        }
    };
    match serde_json::from_slice::<VersionInfo>(&json) {
        Ok(info) => Some(RustFacts {
            packages: info.packages,
        }),
        Err(e) => {
            warnings.push(format!(
                "the cargo-auditable data in .dep-v0 (offset {:#x}) is not valid JSON: {e}",
                section.offset
            ));
            None
        }
    }
}
