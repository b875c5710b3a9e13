//! What a Linux binary needs, read from the binary alone: ELF facts (machine, linkage,
//! libraries, symbol versions, notes) and Go facts (build info, linked packages). Parsing
//! only: no policy, no I/O beyond mapping the one file, nothing executed.
//!
//! The file is mapped, never read whole: only the pages holding the headers and the parts
//! named by them are touched.

pub mod dockerfile;
pub mod elf;
mod error;
pub mod go;
pub mod gosrc;
pub mod link;
pub mod predicted;
pub mod rust;
pub mod script;

use std::fs::File;
use std::path::Path;

use serde::Serialize;

pub use error::FactsError;

/// Everything whyrun knows about one binary.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Facts {
    /// Size of the file in bytes.
    pub file_size: u64,
    pub elf: elf::ElfFacts,
    /// Present when the binary was built by the Go toolchain.
    pub go: Option<go::GoFacts>,
    /// Present when the binary embeds a `cargo auditable` dependency list.
    pub rust: Option<rust::RustFacts>,
    /// Parts of the file that could not be read; the other facts stand.
    pub warnings: Vec<String>,
}

/// Opens `path` for reading without ever blocking: a FIFO (or a device that waits) in an
/// untrusted tree opens at once instead of hanging until a writer comes, and reads
/// then find nothing. Regular files behave as with `File::open`.
pub fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Maps `path` and reads its facts.
pub fn inspect_path(path: &Path) -> Result<Facts, FactsError> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(FactsError::NotAFile("a directory".into()));
    }
    if !meta.is_file() {
        return Err(FactsError::NotAFile(
            "not a regular file (a device, socket or pipe)".into(),
        ));
    }
    if meta.len() == 0 {
        return Err(FactsError::NotElf("the file is empty".into()));
    }
    // SAFETY: the map is read-only and private; a file changed underneath while mapped
    // can fault, the documented risk every mmap-based reader of binaries accepts.
    let map = unsafe { memmap2::Mmap::map(&file)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Random);
    // One call maps every page of a part about to be read whole, instead of a page fault
    // per 64 KiB.
    let populate = |part: &[u8]| {
        #[cfg(target_os = "linux")]
        if let Some(offset) = (part.as_ptr() as usize)
            .checked_sub(map.as_ptr() as usize)
            .filter(|o| {
                o.checked_add(part.len())
                    .is_some_and(|end| end <= map.len())
            })
        {
            let _ = map.advise_range(memmap2::Advice::PopulateRead, offset, part.len());
        }
        #[cfg(not(target_os = "linux"))]
        let _ = part;
    };
    read_facts(&map, &populate)
}

/// Reads only what a dynamic loader needs of an ELF image held in memory (see [`link`]):
/// the cheap entry point for reading many libraries. Fails exactly when
/// [`inspect_bytes`] does.
pub fn inspect_link(data: &[u8]) -> Result<link::LinkFacts, FactsError> {
    let view = elf::view::ElfView::parse_segments_only(data)?;
    Ok(link::LinkFacts::read(&view))
}

/// Reads the facts of an ELF image held in memory.
pub fn inspect_bytes(data: &[u8]) -> Result<Facts, FactsError> {
    read_facts(data, &|_| {})
}

/// Called with a large part of the file just before it is read from start to end.
pub(crate) type ReadAhead<'a> = &'a (dyn Fn(&[u8]) + Sync);

fn read_facts(data: &[u8], read_ahead: ReadAhead<'_>) -> Result<Facts, FactsError> {
    let view = elf::view::ElfView::parse(data)?;
    let mut warnings = Vec::new();
    if let Some(e) = &view.section_headers_error {
        warnings.push(format!(
            "section headers unreadable ({e}); using program headers only"
        ));
    }
    let notes = elf::notes::raw_notes(&view);
    let elf = elf::ElfFacts::read(&view, &notes, &mut warnings);
    let go = go::inspect(&view, &notes, read_ahead, &mut warnings);
    let rust = rust::inspect(&view, &mut warnings);
    Ok(Facts {
        file_size: data.len() as u64,
        elf,
        go,
        rust,
        warnings,
    })
}
