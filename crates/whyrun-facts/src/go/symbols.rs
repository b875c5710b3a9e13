//! The one ELF symbol table lookup Go facts need: the toolchain version in
//! `runtime.buildVersion`, for binaries without build info (before Go 1.13) that still
//! have their symbols. It reads `.symtab` only and gives up quietly when anything is off.

use object::elf;

use crate::elf::view::{c_str, ElfView};

/// Longest version string accepted (`devel go1.25-abcdef0123 Mon Jan 1 ...` fits).
const MAX_VERSION_LEN: u64 = 256;

/// The string `runtime.buildVersion` points at, if the symbol table has it.
pub(crate) fn build_version(view: &ElfView<'_>) -> Option<String> {
    let symtab = view
        .sections
        .iter()
        .find(|s| s.sh_type == elf::SHT_SYMTAB.0)?;
    let strtab = view.sections.get(symtab.link as usize)?;
    let syms = view.section_data(symtab)?;
    let strs = view.section_data(strtab)?;
    let r = view.reader();
    let entsize = if view.is_64 { 24 } else { 16 };
    let value = syms.chunks_exact(entsize).find_map(|sym| {
        let name = r.u32(sym, 0)? as usize;
        if c_str(strs, name)? != b"runtime.buildVersion" {
            return None;
        }
        if view.is_64 {
            r.u64(sym, 8)
        } else {
            r.u32(sym, 4).map(u64::from)
        }
    })?;
    let ptr = r.word_size();
    let header = view.bytes_at_vaddr(value, 2 * ptr as u64)?;
    let data = r.word(header, 0)?;
    let len = r.word(header, ptr)?;
    if len == 0 || len > MAX_VERSION_LEN {
        return None;
    }
    let bytes = view.bytes_at_vaddr(data, len)?;
    let s = std::str::from_utf8(bytes).ok()?;
    (s.starts_with("go") || s.starts_with("devel")).then(|| s.to_string())
}
