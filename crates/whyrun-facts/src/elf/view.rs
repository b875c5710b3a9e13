//! A class- and endian-neutral, zero-copy view of an ELF file's headers: the file header,
//! program headers and (when present) section headers, with helpers to read the bytes behind
//! a virtual address. It only locates bytes; what they mean is decided by the other modules.

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::Endianness;

use crate::FactsError;

/// One program header, widened to 64 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub p_type: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

impl Segment {
    pub fn is_load(&self) -> bool {
        self.p_type == elf::PT_LOAD.0
    }
    pub fn writable(&self) -> bool {
        self.flags & elf::PF_W.0 != 0
    }
    pub fn executable(&self) -> bool {
        self.flags & elf::PF_X.0 != 0
    }
}

/// One section header, widened to 64 bits, with its name resolved.
#[derive(Debug, Clone, Copy)]
pub struct Section<'data> {
    pub name: &'data [u8],
    pub sh_type: u32,
    pub flags: u64,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
    pub align: u64,
}

/// Bytes of a file read at an offset: one piece of a view over a file that is not held
/// in memory whole (see [`ElfView::parse_parts`]).
#[derive(Debug, Clone, Copy)]
pub struct Part<'data> {
    pub offset: u64,
    pub bytes: &'data [u8],
}

/// The parsed headers of an ELF file, borrowing the file's bytes.
#[derive(Debug)]
pub struct ElfView<'data> {
    /// The file; for a view over parts of it ([`ElfView::parse_parts`]), its first bytes.
    pub data: &'data [u8],
    pub is_64: bool,
    pub big_endian: bool,
    pub e_type: u16,
    pub e_machine: u16,
    pub e_flags: u32,
    pub os_abi: u8,
    pub abi_version: u8,
    pub entry: u64,
    pub segments: Vec<Segment>,
    /// Empty when the file has no section headers (or they could not be read; see
    /// `section_headers_error`).
    pub sections: Vec<Section<'data>>,
    pub section_headers_error: Option<String>,
    /// The file's length: `data.len()` unless the view holds parts of it.
    file_len: u64,
    /// The other parts held, for a view over parts of a file.
    parts: Vec<Part<'data>>,
}

const ELF_MAGIC: &[u8; 4] = b"\x7fELF";
/// Upper bound on program headers considered: real files have a few dozen.
const MAX_SEGMENTS: usize = 4096;

impl<'data> ElfView<'data> {
    /// Parses the headers. Fails for anything that is not a well-formed ELF file whose
    /// loadable segments lie inside the file.
    pub fn parse(data: &'data [u8]) -> Result<Self, FactsError> {
        Self::parse_with(data, true)
    }

    /// [`ElfView::parse`] without reading the section headers (`sections` stays empty):
    /// for readers that need only what the loader sees, which never touches them. Fails
    /// exactly when `parse` does.
    pub fn parse_segments_only(data: &'data [u8]) -> Result<Self, FactsError> {
        Self::parse_with(data, false)
    }

    /// A view over parts of a file of `file_len` bytes: `head` from offset 0, which must
    /// hold the file and program headers, and `parts` elsewhere. No section headers are
    /// read. The checks are those of [`ElfView::parse`] against the whole file's length;
    /// a read outside every part finds nothing, and [`ElfView::bytes_from_vaddr`] returns
    /// what one part holds (the caller makes sure it holds what will be read).
    pub fn parse_parts(
        head: &'data [u8],
        file_len: u64,
        parts: Vec<Part<'data>>,
    ) -> Result<Self, FactsError> {
        Self::parse_inner(head, false, file_len, parts)
    }

    fn parse_with(data: &'data [u8], sections: bool) -> Result<Self, FactsError> {
        Self::parse_inner(data, sections, data.len() as u64, Vec::new())
    }

    fn parse_inner(
        data: &'data [u8],
        sections: bool,
        file_len: u64,
        parts: Vec<Part<'data>>,
    ) -> Result<Self, FactsError> {
        if data.len() < 4 || &data[..4] != ELF_MAGIC {
            return Err(FactsError::NotElf(describe_magic(data)));
        }
        if data.len() < 16 {
            return Err(FactsError::Malformed(format!(
                "truncated: {} bytes, shorter than the ELF identification",
                data.len()
            )));
        }
        let mut view = match elf::FileClass(data[4]) {
            elf::ELFCLASS32 => Self::parse_as::<elf::FileHeader32<Endianness>>(data, sections)?,
            elf::ELFCLASS64 => Self::parse_as::<elf::FileHeader64<Endianness>>(data, sections)?,
            other => {
                return Err(FactsError::Malformed(format!(
                    "unknown ELF class {} in byte 4 (expected 1 for 32-bit or 2 for 64-bit)",
                    other.0
                )))
            }
        };
        view.file_len = file_len;
        view.parts = parts;
        view.check_segments()?;
        Ok(view)
    }

    fn parse_as<Elf: FileHeader<Endian = Endianness>>(
        data: &'data [u8],
        sections: bool,
    ) -> Result<Self, FactsError> {
        let header =
            Elf::parse(data).map_err(|e| FactsError::Malformed(format!("ELF header: {e}")))?;
        let endian = header
            .endian()
            .map_err(|e| FactsError::Malformed(format!("ELF header: {e}")))?;
        let phdrs = header
            .program_headers(endian, data)
            .map_err(|e| FactsError::Malformed(format!("program headers: {e}")))?;
        if phdrs.len() > MAX_SEGMENTS {
            return Err(FactsError::Malformed(format!(
                "{} program headers",
                phdrs.len()
            )));
        }
        let segments = phdrs
            .iter()
            .map(|p| Segment {
                p_type: p.p_type(endian).0,
                flags: p.p_flags(endian).0,
                offset: p.p_offset(endian).into(),
                vaddr: p.p_vaddr(endian).into(),
                filesz: p.p_filesz(endian).into(),
                memsz: p.p_memsz(endian).into(),
                align: p.p_align(endian).into(),
            })
            .collect();
        let (sections, section_headers_error) = if !sections {
            (Vec::new(), None)
        } else {
            match Self::read_sections::<Elf>(header, endian, data) {
                Ok(s) => (s, None),
                Err(e) => (Vec::new(), Some(e)),
            }
        };
        let ident = header.e_ident();
        Ok(ElfView {
            data,
            is_64: header.is_class_64(),
            big_endian: header.is_big_endian(),
            e_type: header.e_type(endian).0,
            e_machine: header.e_machine(endian).0,
            e_flags: header.e_flags(endian).0,
            os_abi: ident.os_abi.0,
            abi_version: ident.abi_version,
            entry: header.e_entry(endian).into(),
            segments,
            sections,
            section_headers_error,
            file_len: data.len() as u64,
            parts: Vec::new(),
        })
    }

    fn read_sections<Elf: FileHeader<Endian = Endianness>>(
        header: &Elf,
        endian: Endianness,
        data: &'data [u8],
    ) -> Result<Vec<Section<'data>>, String> {
        let table = header.sections(endian, data).map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(table.len());
        for sh in table.iter() {
            let name = table.section_name(endian, sh).unwrap_or(b"");
            out.push(Section {
                name,
                sh_type: sh.sh_type(endian).0,
                flags: sh.sh_flags(endian).0,
                addr: sh.sh_addr(endian).into(),
                offset: sh.sh_offset(endian).into(),
                size: sh.sh_size(endian).into(),
                link: sh.sh_link(endian),
                align: sh.sh_addralign(endian).into(),
            });
        }
        Ok(out)
    }

    /// A loadable segment whose file bytes lie past the end of the file means the file was
    /// cut short (a partial copy or download): the kernel would refuse it.
    fn check_segments(&self) -> Result<(), FactsError> {
        let len = self.file_len;
        for (i, s) in self.segments.iter().enumerate() {
            if !(s.is_load() || s.p_type == elf::PT_INTERP.0 || s.p_type == elf::PT_DYNAMIC.0) {
                continue;
            }
            let end = s.offset.checked_add(s.filesz);
            if end.is_none_or(|end| end > len) {
                return Err(FactsError::Malformed(format!(
                    "truncated: segment {i} ({}) needs bytes {:#x}..{:#x}, the file has {len}",
                    segment_type_name(s.p_type),
                    s.offset,
                    s.offset.saturating_add(s.filesz)
                )));
            }
        }
        Ok(())
    }

    /// Pointer size in bytes: 8 for ELF64, 4 for ELF32.
    pub fn ptr_size(&self) -> usize {
        if self.is_64 {
            8
        } else {
            4
        }
    }

    pub fn section(&self, name: &str) -> Option<&Section<'data>> {
        self.sections.iter().find(|s| s.name == name.as_bytes())
    }

    /// The file bytes of a section; `None` for `SHT_NOBITS` or a range outside the file.
    pub fn section_data(&self, s: &Section<'data>) -> Option<&'data [u8]> {
        if s.sh_type == elf::SHT_NOBITS.0 {
            return None;
        }
        self.file_range(s.offset, s.size)
    }

    pub fn segment_data(&self, s: &Segment) -> Option<&'data [u8]> {
        self.file_range(s.offset, s.filesz)
    }

    /// `len` bytes at file offset `offset`, if they lie inside the file (for a view over
    /// parts, inside one part).
    pub fn file_range(&self, offset: u64, len: u64) -> Option<&'data [u8]> {
        let start = usize::try_from(offset).ok()?;
        let len = usize::try_from(len).ok()?;
        if let Some(b) = self.data.get(start..start.checked_add(len)?) {
            return Some(b);
        }
        self.parts.iter().find_map(|p| {
            let at = usize::try_from(offset.checked_sub(p.offset)?).ok()?;
            p.bytes.get(at..at.checked_add(len)?)
        })
    }

    /// The file bytes from virtual address `vaddr` to the end of the PT_LOAD segment's file
    /// image that contains it. For a view over parts: as many of those as one part holds.
    pub fn bytes_from_vaddr(&self, vaddr: u64) -> Option<&'data [u8]> {
        let (offset, len) = self.file_extent_of_vaddr(vaddr)?;
        if self.parts.is_empty() && self.file_len == self.data.len() as u64 {
            return self.file_range(offset, len);
        }
        let start = usize::try_from(offset).ok()?;
        let len = usize::try_from(len).ok()?;
        std::iter::once(Part {
            offset: 0,
            bytes: self.data,
        })
        .chain(self.parts.iter().copied())
        .filter_map(|p| {
            let at = start.checked_sub(usize::try_from(p.offset).ok()?)?;
            let held = p.bytes.get(at..)?;
            (!held.is_empty()).then(|| &held[..held.len().min(len)])
        })
        .max_by_key(|b| b.len())
    }

    /// The file offset of virtual address `vaddr` and the number of file bytes from there
    /// to the end of the PT_LOAD segment holding it.
    pub fn file_extent_of_vaddr(&self, vaddr: u64) -> Option<(u64, u64)> {
        let seg = self
            .segments
            .iter()
            .find(|s| s.is_load() && vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz)?;
        let skip = vaddr - seg.vaddr;
        Some((seg.offset + skip, seg.filesz - skip))
    }

    /// Exactly `len` file bytes at virtual address `vaddr`.
    pub fn bytes_at_vaddr(&self, vaddr: u64, len: u64) -> Option<&'data [u8]> {
        let bytes = self.bytes_from_vaddr(vaddr)?;
        bytes.get(..usize::try_from(len).ok()?)
    }

    pub fn reader(&self) -> Reader {
        Reader {
            big_endian: self.big_endian,
            is_64: self.is_64,
        }
    }
}

/// Reads integers in a file's byte order; every read is bounds-checked.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub big_endian: bool,
    pub is_64: bool,
}

impl Reader {
    pub fn u16(&self, b: &[u8], at: usize) -> Option<u16> {
        let a: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        })
    }
    pub fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    }
    pub fn u64(&self, b: &[u8], at: usize) -> Option<u64> {
        let a: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if self.big_endian {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        })
    }
    /// A pointer-sized (class-sized) word.
    pub fn word(&self, b: &[u8], at: usize) -> Option<u64> {
        if self.is_64 {
            self.u64(b, at)
        } else {
            self.u32(b, at).map(u64::from)
        }
    }
    pub fn word_size(&self) -> usize {
        if self.is_64 {
            8
        } else {
            4
        }
    }
}

/// `b` as a `String`, invalid UTF-8 replaced (`String::from_utf8_lossy`), without the
/// slower lossy scan for the valid text that ELF strings nearly always are.
pub fn lossy(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A NUL-terminated string starting at `at`, or `None` if out of range or not terminated.
pub fn c_str(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let end = rest.iter().position(|&c| c == 0)?;
    Some(&rest[..end])
}

pub fn segment_type_name(p_type: u32) -> String {
    match elf::ProgramType(p_type) {
        elf::PT_NULL => "NULL".into(),
        elf::PT_LOAD => "LOAD".into(),
        elf::PT_DYNAMIC => "DYNAMIC".into(),
        elf::PT_INTERP => "INTERP".into(),
        elf::PT_NOTE => "NOTE".into(),
        elf::PT_PHDR => "PHDR".into(),
        elf::PT_TLS => "TLS".into(),
        elf::PT_GNU_STACK => "GNU_STACK".into(),
        elf::PT_GNU_RELRO => "GNU_RELRO".into(),
        elf::PT_GNU_EH_FRAME => "GNU_EH_FRAME".into(),
        elf::PT_GNU_PROPERTY => "GNU_PROPERTY".into(),
        other => format!("{other:#x}"),
    }
}

fn describe_magic(data: &[u8]) -> String {
    if data.is_empty() {
        return "the file is empty".into();
    }
    let head = &data[..data.len().min(4)];
    if head.starts_with(b"#!") {
        return "it is a script (starts with #!)".into();
    }
    if head == b"MZ\x90\x00" || head.starts_with(b"MZ") {
        return "it is a Windows PE/COFF file (starts with MZ)".into();
    }
    if matches!(
        head,
        [0xcf, 0xfa, 0xed, 0xfe] | [0xce, 0xfa, 0xed, 0xfe] | [0xca, 0xfe, 0xba, 0xbe]
    ) {
        return "it is a Mach-O (macOS) file".into();
    }
    if head.starts_with(b"\x1f\x8b") {
        return "it is gzip-compressed".into();
    }
    if head.starts_with(b"PK\x03\x04") {
        return "it is a zip archive".into();
    }
    if head.starts_with(b"!<ar") {
        return "it is an ar archive (a static library)".into();
    }
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    format!("it starts with bytes {}, not 7f 45 4c 46", hex.join(" "))
}
