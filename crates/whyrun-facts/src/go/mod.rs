//! Go facts: build info (`.go.buildinfo`) and the packages linked in (pclntab).

use serde::Serialize;

use crate::elf::notes::RawNote;
use crate::elf::view::ElfView;

/// What the Go toolchain recorded in the binary.
#[derive(Debug, Clone, Serialize)]
pub struct GoFacts {}

/// Reads the Go facts; `None` when the binary was not built by Go.
pub fn inspect(
    _view: &ElfView<'_>,
    _notes: &[RawNote<'_>],
    _warnings: &mut Vec<String>,
) -> Option<GoFacts> {
    None
}
