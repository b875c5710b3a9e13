//! What a dynamic loader reads of an ELF file, and nothing more: identification, machine,
//! PT_INTERP, the dynamic section (DT_NEEDED, SONAME, RPATH/RUNPATH, flags) and the symbol
//! version tables. The cheap subset of [`crate::elf::ElfFacts`] for callers that read
//! hundreds of libraries per run (the loader emulation); no notes, no section lookups by
//! name, no Go or Rust detection, and the symbols behind each required version are read
//! only on request ([`version_needs`]). Values are the same as the full facts' fields of
//! the same name.

use object::elf;
use serde::Serialize;

use crate::elf::dynamic::Dynamic;
use crate::elf::machine::{self, Machine};
use crate::elf::versions::{self, VersionNeed};
use crate::elf::view::{c_str, lossy, ElfView, Part};
use crate::FactsError;

const DF_1_PIE: u64 = 0x0800_0000;

/// The loader-relevant facts of one ELF file.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LinkFacts {
    pub is_64: bool,
    pub big_endian: bool,
    pub machine: Machine,
    /// As [`crate::elf::ElfFacts::file_type`]: `executable`, `pie-executable`, `static-pie`,
    /// `shared-object`, `relocatable`, `core`, `unknown`.
    pub file_type: String,
    /// PT_INTERP.
    pub interpreter: Option<String>,
    /// DT_NEEDED in order.
    pub needed: Vec<String>,
    pub soname: Option<String>,
    /// DT_RPATH as written.
    pub rpath: Option<String>,
    /// DT_RUNPATH as written.
    pub runpath: Option<String>,
    /// DT_FLAGS_1, raw.
    pub flags_1: u64,
    /// DT_VERNEED, every `symbols` list empty: [`version_needs`] reads those.
    pub version_needs: Vec<VersionNeed>,
    /// DT_VERDEF without the base entry.
    pub version_definitions: Vec<String>,
}

impl LinkFacts {
    /// DF_1_NODEFLIB: the object's needs skip ld.so.cache and the default directories.
    pub fn nodeflib(&self) -> bool {
        self.flags_1 & 0x800 != 0
    }

    /// Reads the loader-relevant facts from parsed headers.
    pub fn read(view: &ElfView<'_>) -> LinkFacts {
        // Warnings about damaged tables are the full facts' business; here a damaged table
        // reads as absent, exactly as it does there.
        let dynamic = Dynamic::read(view, &mut Vec::new()).unwrap_or_default();
        Self::with_dynamic(view, dynamic).0
    }

    /// The facts, and whether the version walks read past what the view held for them
    /// (DT_VERNEED, DT_VERDEF).
    fn with_dynamic(view: &ElfView<'_>, dynamic: Dynamic<'_>) -> (LinkFacts, [bool; 2]) {
        let mut warnings = Vec::new();
        let interpreter = view
            .segments
            .iter()
            .find(|s| s.p_type == elf::PT_INTERP.0)
            .and_then(|s| view.segment_data(s))
            .map(|b| lossy(c_str(b, 0).unwrap_or(b)));
        let (version_needs, needs_overran) =
            versions::version_requirements_checked(view, &dynamic, &mut warnings);
        let (version_definitions, defs_overran) =
            versions::version_definitions_checked(view, &dynamic);
        let file_type = file_type(
            view.e_type,
            dynamic.flags_1 & DF_1_PIE != 0,
            interpreter.is_some(),
            dynamic.soname.is_some(),
        );
        let facts = LinkFacts {
            is_64: view.is_64,
            big_endian: view.big_endian,
            machine: machine::machine(view),
            file_type: file_type.to_string(),
            interpreter,
            soname: dynamic.soname,
            rpath: dynamic.rpath,
            runpath: dynamic.runpath,
            flags_1: dynamic.flags_1,
            needed: dynamic.needed,
            version_needs,
            version_definitions,
        };
        (facts, [needs_overran, defs_overran])
    }
}

/// Bytes read beyond the head, at most, before [`inspect_parts`] gives up (a huge string
/// table: the caller maps the file instead).
const PARTS_BUDGET: u64 = 256 << 10;
/// The first read of a version table: they are a few hundred bytes.
const VERSION_TABLE_GUESS: u64 = 4096;
/// Parts closer than this are read as one.
const MERGE_GAP: u64 = 4096;
/// Rounds of reading before giving up (each round reads what the previous one showed).
const MAX_ROUNDS: usize = 8;

/// The loader-relevant facts of a file of `file_len` bytes read by parts instead of whole:
/// `head` is the file's first bytes (they must hold the file and program headers), and
/// `read_at(offset, buf)` fills `buf` from the file at `offset` (a `pread`). Reads the
/// program interpreter, the dynamic section, the dynamic string table and the version
/// tables, each only as far as the full reading would look, so the result is exactly
/// [`crate::inspect_link`]'s over the whole file. `None` when reading by parts does not
/// fit (headers beyond the head, a malformed file, a failed read, more than a bounded
/// amount to read): read the whole file then.
pub fn inspect_parts(
    head: &[u8],
    file_len: u64,
    read_at: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
) -> Option<Result<LinkFacts, FactsError>> {
    if head.len() as u64 >= file_len {
        let whole = head.get(..usize::try_from(file_len).ok()?)?;
        return Some(crate::inspect_link(whole));
    }
    thread_local! {
        /// Where the parts are read, reused from file to file.
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|scratch| {
        let mut r = Parts {
            head,
            file_len,
            scratch,
            used: 0,
            parts: Vec::new(),
            want: Vec::new(),
            spent: 0,
        };
        r.read(read_at)
    })
}

/// One file being read by parts.
struct Parts<'a> {
    head: &'a [u8],
    file_len: u64,
    /// The bytes of every part, one after the other.
    scratch: &'a mut Vec<u8>,
    used: usize,
    /// (file offset, where in `scratch`, length).
    parts: Vec<(u64, usize, usize)>,
    /// (file offset, length) still to read.
    want: Vec<(u64, u64)>,
    spent: u64,
}

impl Parts<'_> {
    fn view(&self) -> Option<ElfView<'_>> {
        let held = self
            .parts
            .iter()
            .map(|&(offset, at, len)| Part {
                offset,
                bytes: &self.scratch[at..at + len],
            })
            .collect();
        ElfView::parse_parts(self.head, self.file_len, held).ok()
    }

    fn read(
        &mut self,
        read_at: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
    ) -> Option<Result<LinkFacts, FactsError>> {
        let mut first = Vec::new();
        {
            let view = self.view()?;
            for ty in [elf::PT_INTERP.0, elf::PT_DYNAMIC.0] {
                if let Some(s) = view.segments.iter().find(|s| s.p_type == ty) {
                    first.push((s.offset, s.filesz));
                }
            }
        }
        self.want = first;
        self.read_missing(read_at)?;
        // Where the tables are, from the raw dynamic entries: read with the first round
        // below, which then checks that they were enough.
        let mut guess = Vec::new();
        {
            let view = self.view()?;
            let entries = Dynamic::entries(&view).unwrap_or_default();
            let first = |t: elf::DynamicTag| entries.iter().find(|e| e.0 == t.0).map(|e| e.1);
            let last = |t: elf::DynamicTag| entries.iter().rev().find(|e| e.0 == t.0).map(|e| e.1);
            if let Some((offset, rest)) =
                first(elf::DT_STRTAB).and_then(|a| view.file_extent_of_vaddr(a))
            {
                guess.push((offset, first(elf::DT_STRSZ).map_or(rest, |n| n.min(rest))));
            }
            for addr in [last(elf::DT_VERNEED), last(elf::DT_VERDEF)]
                .into_iter()
                .flatten()
            {
                if let Some((offset, rest)) = view.file_extent_of_vaddr(addr) {
                    guess.push((offset, rest.min(VERSION_TABLE_GUESS)));
                }
            }
        }
        self.want = guess;
        for _ in 0..MAX_ROUNDS {
            self.read_missing(read_at)?;
            let view = self.view()?;
            let mut want = Vec::new();
            let dynamic = Dynamic::read(&view, &mut Vec::new()).unwrap_or_default();
            // The string table, as far as DT_STRSZ (or its segment) reaches.
            if let Some((offset, rest)) = dynamic
                .strtab_addr
                .and_then(|a| view.file_extent_of_vaddr(a))
            {
                let len = dynamic.strsz.map_or(rest, |n| n.min(rest));
                if (dynamic.strtab.len() as u64) < len {
                    want.push((offset, len));
                }
            }
            // The version tables: a first piece, then as far as their walks go.
            let tables = [dynamic.verneed, dynamic.verdef];
            for addr in tables.iter().flatten() {
                if let Some((offset, rest)) = view.file_extent_of_vaddr(*addr) {
                    if view.bytes_from_vaddr(*addr).is_none() {
                        want.push((offset, rest.min(VERSION_TABLE_GUESS)));
                    }
                }
            }
            if want.is_empty() {
                let (facts, overran) = LinkFacts::with_dynamic(&view, dynamic);
                for (addr, overran) in tables.iter().zip(overran) {
                    let (Some(addr), true) = (addr, overran) else {
                        continue;
                    };
                    let (offset, rest) = view.file_extent_of_vaddr(*addr)?;
                    let held = view.bytes_from_vaddr(*addr).map_or(0, |b| b.len() as u64);
                    if held < rest {
                        let more = held.saturating_mul(4).max(VERSION_TABLE_GUESS);
                        want.push((offset, rest.min(more)));
                    }
                }
                if want.is_empty() {
                    return Some(Ok(facts));
                }
            }
            drop(view);
            self.want = want;
        }
        None
    }

    /// Whether the head or a part holds `len` bytes at `offset`.
    fn holds(&self, offset: u64, len: u64) -> bool {
        let end = offset.saturating_add(len);
        end <= self.head.len() as u64
            || self
                .parts
                .iter()
                .any(|&(o, _, n)| o <= offset && end <= o.saturating_add(n as u64))
    }

    /// Reads the wanted ranges not held yet, neighbours as one read.
    fn read_missing(
        &mut self,
        read_at: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<()>,
    ) -> Option<()> {
        let mut todo: Vec<(u64, u64)> = std::mem::take(&mut self.want)
            .into_iter()
            .filter(|&(offset, len)| len > 0 && !self.holds(offset, len))
            .map(|(offset, len)| (offset, offset.saturating_add(len)))
            .collect();
        todo.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (start, end) in todo {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(MERGE_GAP) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        for (start, end) in merged {
            let len = end - start;
            self.spent = self.spent.saturating_add(len);
            if self.spent > PARTS_BUDGET {
                return None;
            }
            let len = usize::try_from(len).ok()?;
            let at = self.used;
            if self.scratch.len() < at + len {
                self.scratch.resize(at + len, 0);
            }
            read_at(start, &mut self.scratch[at..at + len]).ok()?;
            self.parts.push((start, at, len));
            self.used += len;
        }
        Some(())
    }
}

/// DT_VERNEED with the dynamic symbols bound to each version, as in the full facts: the
/// expensive part, for the few files whose requirements are not met.
pub fn version_needs(data: &[u8]) -> Result<Vec<VersionNeed>, FactsError> {
    let view = ElfView::parse(data)?;
    let mut warnings = Vec::new();
    let dynamic = Dynamic::read(&view, &mut warnings).unwrap_or_default();
    Ok(versions::version_needs(&view, &dynamic, &mut warnings))
}

/// The dynamic symbols an object defines and imports, with their versions: read only for
/// the objects of a link map whose symbols are looked up.
pub fn dynamic_symbols(data: &[u8]) -> Result<versions::DynamicSymbols, FactsError> {
    let view = ElfView::parse(data)?;
    let mut warnings = Vec::new();
    let dynamic = Dynamic::read(&view, &mut warnings).unwrap_or_default();
    Ok(versions::dynamic_symbols(&view, &dynamic, &mut warnings))
}

/// The file type as [`crate::elf::ElfFacts::read`] names it.
fn file_type(e_type: u16, pie_flag: bool, interpreter: bool, soname: bool) -> &'static str {
    match elf::FileType(e_type) {
        elf::ET_EXEC => "executable",
        elf::ET_DYN if pie_flag && interpreter => "pie-executable",
        elf::ET_DYN if pie_flag => "static-pie",
        elf::ET_DYN if interpreter && !soname => "pie-executable",
        elf::ET_DYN => "shared-object",
        elf::ET_REL => "relocatable",
        elf::ET_CORE => "core",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field agrees with the full facts on the real binaries of this machine.
    #[test]
    fn agrees_with_the_full_facts() {
        let mut seen = 0;
        for dir in [
            "/usr/bin",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
        ] {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut paths: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            paths.sort();
            for p in paths.iter().filter(|p| p.is_file()).take(150) {
                let Ok(data) = std::fs::read(p) else { continue };
                let full = crate::inspect_bytes(&data);
                let link = crate::inspect_link(&data);
                let (full, link) = match (full, link) {
                    (Ok(f), Ok(l)) => (f.elf, l),
                    (Err(a), Err(b)) => {
                        assert_eq!(a.to_string(), b.to_string(), "{}", p.display());
                        continue;
                    }
                    (f, l) => panic!("{}: {f:?} vs {l:?}", p.display()),
                };
                let what = p.display();
                assert_eq!(full.class == "ELF64", link.is_64, "{what}");
                assert_eq!(full.endian == "big", link.big_endian, "{what}");
                assert_eq!(full.machine, link.machine, "{what}");
                assert_eq!(full.file_type, link.file_type, "{what}");
                assert_eq!(full.interpreter, link.interpreter, "{what}");
                assert_eq!(full.needed, link.needed, "{what}");
                assert_eq!(full.soname, link.soname, "{what}");
                assert_eq!(full.rpath, link.rpath, "{what}");
                assert_eq!(full.runpath, link.runpath, "{what}");
                assert_eq!(
                    full.dt_flags_1.iter().any(|f| f == "NODEFLIB"),
                    link.nodeflib(),
                    "{what}"
                );
                assert_eq!(full.version_needs, version_needs(&data).unwrap(), "{what}");
                let unattributed: Vec<_> = full
                    .version_needs
                    .iter()
                    .map(|n| {
                        (
                            n.library.as_str(),
                            n.versions.iter().map(|v| (&v.name, v.weak)),
                        )
                    })
                    .map(|(l, v)| (l, v.collect::<Vec<_>>()))
                    .collect();
                let read: Vec<_> = link
                    .version_needs
                    .iter()
                    .map(|n| {
                        (
                            n.library.as_str(),
                            n.versions.iter().map(|v| (&v.name, v.weak)),
                        )
                    })
                    .map(|(l, v)| (l, v.collect::<Vec<_>>()))
                    .collect();
                assert_eq!(unattributed, read, "{what}");
                assert!(link
                    .version_needs
                    .iter()
                    .all(|n| n.versions.iter().all(|v| v.symbols.is_empty())));
                assert_eq!(full.version_definitions, link.version_definitions, "{what}");
                seen += 1;
            }
        }
        assert!(seen > 50, "only {seen} ELF files compared");
    }
}
