//! ELF notes: walks PT_NOTE segments (and SHT_NOTE sections when no PT_NOTE holds them) and
//! decodes the ones that say what a binary needs: `.note.ABI-tag` (minimum kernel),
//! `.note.gnu.property` (x86-64 ISA level), `.note.gnu.build-id`.

use object::elf;
use serde::Serialize;

use super::view::ElfView;

/// One note as stored, borrowing the file's bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawNote<'data> {
    /// The name without its trailing NULs (`GNU`, `Go`).
    pub name: &'data [u8],
    pub n_type: u32,
    pub desc: &'data [u8],
}

/// Every note of the file, from PT_NOTE segments, or from SHT_NOTE sections when the file
/// has no PT_NOTE (relocatable objects). Malformed note areas end the walk of that area.
pub fn raw_notes<'data>(view: &ElfView<'data>) -> Vec<RawNote<'data>> {
    let mut out = Vec::new();
    let mut areas: Vec<(&'data [u8], u64)> = view
        .segments
        .iter()
        .filter(|s| s.p_type == elf::PT_NOTE.0)
        .filter_map(|s| Some((view.segment_data(s)?, s.align)))
        .collect();
    if areas.is_empty() {
        areas = view
            .sections
            .iter()
            .filter(|s| s.sh_type == elf::SHT_NOTE.0)
            .filter_map(|s| Some((view.section_data(s)?, s.align)))
            .collect();
    }
    let r = view.reader();
    for (area, align) in areas {
        let align = if align == 8 { 8 } else { 4 };
        let mut at = 0usize;
        while at + 12 <= area.len() {
            let (Some(namesz), Some(descsz), Some(n_type)) =
                (r.u32(area, at), r.u32(area, at + 4), r.u32(area, at + 8))
            else {
                break;
            };
            let name_start = at + 12;
            let Some(name_end) = name_start.checked_add(namesz as usize) else {
                break;
            };
            let desc_start = align_up(name_end, align);
            let Some(desc_end) = desc_start.checked_add(descsz as usize) else {
                break;
            };
            if desc_end > area.len() {
                break;
            }
            let mut name = &area[name_start..name_end];
            while let [rest @ .., 0] = name {
                name = rest;
            }
            out.push(RawNote {
                name,
                n_type,
                desc: &area[desc_start..desc_end],
            });
            let next = align_up(desc_end, align);
            if next <= at {
                break;
            }
            at = next;
        }
    }
    out
}

fn align_up(v: usize, align: usize) -> usize {
    v.checked_add(align - 1)
        .map_or(usize::MAX, |x| x & !(align - 1))
}

/// The minimum kernel glibc was configured for, from `.note.ABI-tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbiTag {
    /// `Linux`, `Hurd`, `Solaris`, `FreeBSD` or the number.
    pub os: String,
    /// The minimum kernel version, `3.2.0`.
    pub kernel: String,
}

pub fn abi_tag(notes: &[RawNote<'_>], view: &ElfView<'_>) -> Option<AbiTag> {
    let r = view.reader();
    let note = notes
        .iter()
        .find(|n| n.name == b"GNU" && n.n_type == elf::NT_GNU_ABI_TAG.0)?;
    let os = r.u32(note.desc, 0)?;
    let (a, b, c) = (
        r.u32(note.desc, 4)?,
        r.u32(note.desc, 8)?,
        r.u32(note.desc, 12)?,
    );
    let os = match os {
        elf::ELF_NOTE_OS_LINUX => "Linux".to_string(),
        elf::ELF_NOTE_OS_GNU => "Hurd".to_string(),
        elf::ELF_NOTE_OS_SOLARIS2 => "Solaris".to_string(),
        elf::ELF_NOTE_OS_FREEBSD => "FreeBSD".to_string(),
        n => n.to_string(),
    };
    Some(AbiTag {
        os,
        kernel: format!("{a}.{b}.{c}"),
    })
}

/// The GNU build-id in lower-case hex.
pub fn build_id(notes: &[RawNote<'_>]) -> Option<String> {
    notes
        .iter()
        .find(|n| n.name == b"GNU" && n.n_type == elf::NT_GNU_BUILD_ID.0)
        .map(|n| hex(n.desc))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// `GNU_PROPERTY_X86_ISA_1_NEEDED` as written by binutils 2.36+ (glibc 2.33 checks it).
const GNU_PROPERTY_X86_ISA_1_NEEDED: u32 = 0xc000_8002;
/// The older property number, written by binutils 2.29 to 2.35.
const GNU_PROPERTY_X86_ISA_1_NEEDED_OLD: u32 = 0xc000_0002;

/// The x86-64 ISA level the binary states it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct X86IsaNeeded {
    /// The highest level needed: `x86-64-baseline`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4`.
    pub level: String,
    /// Every level bit set in the note.
    pub levels: Vec<String>,
    /// The raw bitmask.
    pub bitmask: u32,
}

pub fn x86_isa_needed(notes: &[RawNote<'_>], view: &ElfView<'_>) -> Option<X86IsaNeeded> {
    let r = view.reader();
    let pad = if view.is_64 { 8 } else { 4 };
    for note in notes
        .iter()
        .filter(|n| n.name == b"GNU" && n.n_type == elf::NT_GNU_PROPERTY_TYPE_0.0)
    {
        let d = note.desc;
        let mut at = 0usize;
        while at + 8 <= d.len() {
            let (Some(pr_type), Some(size)) = (r.u32(d, at), r.u32(d, at + 4)) else {
                break;
            };
            let data_at = at + 8;
            if (pr_type == GNU_PROPERTY_X86_ISA_1_NEEDED
                || pr_type == GNU_PROPERTY_X86_ISA_1_NEEDED_OLD)
                && size >= 4
            {
                let mask = r.u32(d, data_at)?;
                let names = ["x86-64-baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4"];
                let levels: Vec<String> = names
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, n)| n.to_string())
                    .collect();
                let level = levels.last()?.clone();
                return Some(X86IsaNeeded {
                    level,
                    levels,
                    bitmask: mask,
                });
            }
            let next = align_up(data_at + size as usize, pad);
            if next <= at {
                break;
            }
            at = next;
        }
    }
    None
}
