//! The dynamic section as the loader reads it: through PT_DYNAMIC and virtual addresses, so
//! it works the same on binaries whose section headers were removed. Owns DT_NEEDED, SONAME,
//! RPATH/RUNPATH, DT_FLAGS/DT_FLAGS_1 and where the symbol and version tables are.

use object::elf;

use super::view::{c_str, lossy, ElfView};

/// Upper bound on dynamic entries read: real files have well under a hundred.
const MAX_DYNAMIC_ENTRIES: usize = 1 << 16;

/// What the dynamic section holds, with string offsets resolved.
#[derive(Debug, Default)]
pub struct Dynamic<'data> {
    pub needed: Vec<String>,
    pub soname: Option<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    pub flags: u64,
    pub flags_1: u64,
    pub strtab: &'data [u8],
    pub strtab_addr: Option<u64>,
    /// DT_STRSZ.
    pub strsz: Option<u64>,
    pub symtab: Option<u64>,
    pub syment: Option<u64>,
    pub hash: Option<u64>,
    pub gnu_hash: Option<u64>,
    pub versym: Option<u64>,
    pub verneed: Option<u64>,
    pub verneed_num: Option<u64>,
    pub verdef: Option<u64>,
    pub verdef_num: Option<u64>,
    pub textrel: bool,
}

impl<'data> Dynamic<'data> {
    /// Reads PT_DYNAMIC; `Ok(None)` when the file has none (a static binary).
    pub fn read(view: &ElfView<'data>, warnings: &mut Vec<String>) -> Option<Self> {
        let raw = Self::entries(view)?;
        let find = |t: elf::DynamicTag| raw.iter().find(|(tag, _)| *tag == t.0).map(|(_, v)| *v);

        let mut dynamic = Dynamic {
            strtab_addr: find(elf::DT_STRTAB),
            strsz: find(elf::DT_STRSZ),
            ..Dynamic::default()
        };
        if let Some(addr) = find(elf::DT_STRTAB) {
            match view.bytes_from_vaddr(addr) {
                Some(bytes) => {
                    let size = find(elf::DT_STRSZ).unwrap_or(bytes.len() as u64);
                    dynamic.strtab =
                        &bytes[..bytes.len().min(usize::try_from(size).unwrap_or(usize::MAX))];
                }
                None => warnings.push(format!(
                    "DT_STRTAB points at {addr:#x}, outside the file's loadable segments"
                )),
            }
        }
        let strtab = dynamic.strtab;
        let string = |val: u64, what: &str, warnings: &mut Vec<String>| -> Option<String> {
            let s = usize::try_from(val).ok().and_then(|at| c_str(strtab, at));
            if s.is_none() {
                warnings.push(format!(
                    "{what} string at offset {val:#x} is outside the string table"
                ));
            }
            s.map(lossy)
        };
        for &(tag, val) in &raw {
            match elf::DynamicTag(tag) {
                elf::DT_NEEDED => {
                    if let Some(s) = string(val, "DT_NEEDED", warnings) {
                        dynamic.needed.push(s);
                    }
                }
                elf::DT_SONAME => dynamic.soname = string(val, "DT_SONAME", warnings),
                elf::DT_RPATH => dynamic.rpath = string(val, "DT_RPATH", warnings),
                elf::DT_RUNPATH => dynamic.runpath = string(val, "DT_RUNPATH", warnings),
                elf::DT_FLAGS => dynamic.flags = val,
                elf::DT_FLAGS_1 => dynamic.flags_1 = val,
                elf::DT_SYMTAB => dynamic.symtab = Some(val),
                elf::DT_SYMENT => dynamic.syment = Some(val),
                elf::DT_HASH => dynamic.hash = Some(val),
                elf::DT_GNU_HASH => dynamic.gnu_hash = Some(val),
                elf::DT_VERSYM => dynamic.versym = Some(val),
                elf::DT_VERNEED => dynamic.verneed = Some(val),
                elf::DT_VERNEEDNUM => dynamic.verneed_num = Some(val),
                elf::DT_VERDEF => dynamic.verdef = Some(val),
                elf::DT_VERDEFNUM => dynamic.verdef_num = Some(val),
                elf::DT_TEXTREL => dynamic.textrel = true,
                _ => {}
            }
        }
        Some(dynamic)
    }

    /// The (tag, value) pairs of PT_DYNAMIC up to DT_NULL, nothing resolved; `None` when
    /// the file has no dynamic section.
    pub fn entries(view: &ElfView<'data>) -> Option<Vec<(i64, u64)>> {
        let seg = view
            .segments
            .iter()
            .find(|s| s.p_type == elf::PT_DYNAMIC.0)?;
        let data = view.segment_data(seg)?;
        let r = view.reader();
        let w = r.word_size();
        let count = (data.len() / (2 * w)).min(MAX_DYNAMIC_ENTRIES);
        // Room for a real dynamic section (a few dozen entries) whatever size the segment
        // claims: a hostile one costs only what is actually read.
        let mut raw: Vec<(i64, u64)> = Vec::with_capacity(count.min(128));
        for i in 0..count {
            let (Some(tag), Some(val)) = (r.word(data, i * 2 * w), r.word(data, i * 2 * w + w))
            else {
                break;
            };
            // d_tag is signed: widen a 32-bit tag with its sign.
            let tag = if view.is_64 {
                tag as i64
            } else {
                tag as u32 as i32 as i64
            };
            if tag == elf::DT_NULL.0 {
                break;
            }
            raw.push((tag, val));
        }
        Some(raw)
    }

    /// The number of entries in the dynamic symbol table: the `.dynsym` section's size when
    /// section headers exist; else DT_HASH's chain count; else the GNU hash table's, raised to
    /// the distance from DT_SYMTAB to DT_STRTAB (ld places `.dynstr` right after `.dynsym`),
    /// because a GNU hash table does not cover symbols that are only referenced (all of
    /// them, in a small executable).
    pub fn symbol_count(&self, view: &ElfView<'data>) -> Option<u64> {
        let entsize: u64 = if view.is_64 { 24 } else { 16 };
        if let Some(dynsym) = view
            .sections
            .iter()
            .find(|s| s.sh_type == elf::SHT_DYNSYM.0)
        {
            return Some(dynsym.size / entsize);
        }
        let r = view.reader();
        if let Some(bytes) = self.hash.and_then(|a| view.bytes_from_vaddr(a)) {
            if let Some(nchain) = r.u32(bytes, 4) {
                return Some(nchain.into());
            }
        }
        let gnu = self
            .gnu_hash
            .and_then(|a| view.bytes_from_vaddr(a))
            .and_then(|bytes| gnu_hash_symbol_count(bytes, r));
        let until_strtab = match (self.symtab, self.strtab_addr) {
            (Some(sym), Some(str_)) if str_ > sym => Some((str_ - sym) / entsize),
            _ => None,
        };
        match (gnu, until_strtab) {
            (Some(g), Some(u)) => Some(g.max(u)),
            (g, u) => g.or(u),
        }
    }
}

/// Walks a GNU hash table to the end of its last chain: the symbol count.
fn gnu_hash_symbol_count(b: &[u8], r: super::view::Reader) -> Option<u64> {
    let nbuckets = r.u32(b, 0)? as usize;
    let symoffset = r.u32(b, 4)?;
    let bloom_size = r.u32(b, 8)? as usize;
    let buckets_at = 16usize.checked_add(bloom_size.checked_mul(r.word_size())?)?;
    let chains_at = buckets_at.checked_add(nbuckets.checked_mul(4)?)?;
    if chains_at > b.len() {
        return None;
    }
    let mut last = 0u32;
    for i in 0..nbuckets {
        last = last.max(r.u32(b, buckets_at + i * 4)?);
    }
    if last < symoffset {
        return Some(symoffset.into());
    }
    let mut index = last;
    loop {
        let at = chains_at.checked_add(((index - symoffset) as usize).checked_mul(4)?)?;
        let hash = r.u32(b, at)?;
        if hash & 1 != 0 {
            return Some(u64::from(index) + 1);
        }
        index = index.checked_add(1)?;
    }
}

/// Names of the bits set in DT_FLAGS.
pub fn dt_flags_names(flags: u64) -> Vec<String> {
    const NAMES: &[(u64, &str)] = &[
        (0x1, "ORIGIN"),
        (0x2, "SYMBOLIC"),
        (0x4, "TEXTREL"),
        (0x8, "BIND_NOW"),
        (0x10, "STATIC_TLS"),
    ];
    bit_names(flags, NAMES)
}

/// Names of the bits set in DT_FLAGS_1.
pub fn dt_flags_1_names(flags: u64) -> Vec<String> {
    const NAMES: &[(u64, &str)] = &[
        (0x1, "NOW"),
        (0x2, "GLOBAL"),
        (0x4, "GROUP"),
        (0x8, "NODELETE"),
        (0x10, "LOADFLTR"),
        (0x20, "INITFIRST"),
        (0x40, "NOOPEN"),
        (0x80, "ORIGIN"),
        (0x100, "DIRECT"),
        (0x200, "TRANS"),
        (0x400, "INTERPOSE"),
        (0x800, "NODEFLIB"),
        (0x1000, "NODUMP"),
        (0x2000, "CONFALT"),
        (0x4000, "ENDFILTEE"),
        (0x8000, "DISPRELDNE"),
        (0x10000, "DISPRELPND"),
        (0x20000, "NODIRECT"),
        (0x40000, "IGNMULDEF"),
        (0x80000, "NOKSYMS"),
        (0x100000, "NOHDR"),
        (0x200000, "EDITED"),
        (0x400000, "NORELOC"),
        (0x800000, "SYMINTPOSE"),
        (0x1000000, "GLOBAUDIT"),
        (0x2000000, "SINGLETON"),
        (0x4000000, "STUB"),
        (0x8000000, "PIE"),
    ];
    bit_names(flags, NAMES)
}

fn bit_names(flags: u64, names: &[(u64, &str)]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let known: u64 = names.iter().map(|(b, _)| b).fold(0, |a, b| a | b);
    if flags & !known != 0 {
        out.push(format!("{:#x}", flags & !known));
    }
    out
}
