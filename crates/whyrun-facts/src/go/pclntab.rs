//! The Go symbol table (pclntab), which the runtime needs and `-s -w` keeps: locating it
//! (the `.gopclntab` section, else a validated scan of the loadable segments), checking its
//! header for the four layouts (Go 1.2, 1.16, 1.18, 1.20) as `debug/gosym` reads them, and
//! walking the function names. It yields names only; their meaning is decided elsewhere.

use serde::Serialize;

use crate::elf::view::ElfView;

const MAGIC_12: u32 = 0xffff_fffb;
const MAGIC_116: u32 = 0xffff_fffa;
const MAGIC_118: u32 = 0xffff_fff0;
const MAGIC_120: u32 = 0xffff_fff1;

/// Candidates that pass the header checks and get the full (linear) check during a scan.
const MAX_SCAN_CANDIDATES: usize = 16;

/// The pclntab layout, named after the first Go release that wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum PclnVersion {
    /// Go 1.2 to 1.15 (magic 0xfffffffb).
    #[serde(rename = "1.2")]
    V12,
    /// Go 1.16 and 1.17 (magic 0xfffffffa).
    #[serde(rename = "1.16")]
    V116,
    /// Go 1.18 and 1.19 (magic 0xfffffff0).
    #[serde(rename = "1.18")]
    V118,
    /// Go 1.20 and later (magic 0xfffffff1).
    #[serde(rename = "1.20")]
    V120,
}

impl std::fmt::Display for PclnVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PclnVersion {
    /// The name used in JSON: `1.2`, `1.16`, `1.18`, `1.20`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V12 => "1.2",
            Self::V116 => "1.16",
            Self::V118 => "1.18",
            Self::V120 => "1.20",
        }
    }

    fn from_magic(m: u32) -> Option<Self> {
        match m {
            MAGIC_12 => Some(Self::V12),
            MAGIC_116 => Some(Self::V116),
            MAGIC_118 => Some(Self::V118),
            MAGIC_120 => Some(Self::V120),
            _ => None,
        }
    }
}

/// A parsed pclntab header with the tables it points to, borrowing the file.
#[derive(Debug, Clone)]
pub(crate) struct Pclntab<'data> {
    pub version: PclnVersion,
    pub ptr_size: usize,
    /// File offset of the header, for messages.
    pub file_offset: u64,
    big_endian: bool,
    nfunc: usize,
    /// Base of the function name offsets.
    funcnametab: &'data [u8],
    /// Base of the `_func` offsets in the function table.
    funcdata: &'data [u8],
    /// `nfunc * 2 + 1` fields: (entry, funcoff) pairs and the end PC.
    functab: &'data [u8],
    /// Size of one function table field: 4 since Go 1.18, else the pointer size.
    field_size: usize,
    /// The address entry offsets count from since Go 1.18 (`runtime.text`); 0 before,
    /// when the table holds addresses.
    text_start: u64,
}

impl<'data> Pclntab<'data> {
    /// Parses the header at the start of `data` and checks that the tables it names lie
    /// inside `data`. The error says what is wrong, without the offset.
    pub fn parse(data: &'data [u8], file_offset: u64) -> Result<Self, String> {
        if data.len() < 16 {
            return Err(format!(
                "{} bytes, shorter than a pclntab header",
                data.len()
            ));
        }
        let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
        let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
        let (version, big_endian) = match (PclnVersion::from_magic(le), PclnVersion::from_magic(be))
        {
            (Some(v), _) => (v, false),
            (None, Some(v)) => (v, true),
            (None, None) => return Err(format!("unknown magic {le:#010x}")),
        };
        if data[4] != 0 || data[5] != 0 {
            return Err(format!(
                "header padding is {:#x} {:#x}, not zero",
                data[4], data[5]
            ));
        }
        if !matches!(data[6], 1 | 2 | 4) {
            return Err(format!("PC quantum {} (expected 1, 2 or 4)", data[6]));
        }
        let ptr_size = data[7] as usize;
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("pointer size {ptr_size} (expected 4 or 8)"));
        }
        let word = |i: usize| -> Option<u64> {
            let at = 8 + i * ptr_size;
            let b = data.get(at..at + ptr_size)?;
            let mut v = 0u64;
            for k in 0..ptr_size {
                let byte = if big_endian {
                    b[k]
                } else {
                    b[ptr_size - 1 - k]
                };
                v = (v << 8) | u64::from(byte);
            }
            Some(v)
        };
        let short = || "header cut short".to_string();
        let nfunc = word(0).ok_or_else(short)?;
        let text_start = if matches!(version, PclnVersion::V118 | PclnVersion::V120) {
            word(2).ok_or_else(short)?
        } else {
            0
        };
        let field_size = if matches!(version, PclnVersion::V118 | PclnVersion::V120) {
            4
        } else {
            ptr_size
        };
        // Function table size, checked against the bytes there before anything is read.
        let functab_len = |avail: usize| -> Result<usize, String> {
            let len = nfunc
                .checked_mul(2)
                .and_then(|n| n.checked_add(1))
                .and_then(|n| n.checked_mul(field_size as u64))
                .filter(|&len| len <= avail as u64)
                .ok_or_else(|| {
                    format!("{nfunc} functions do not fit in the {avail} bytes of the table")
                })?;
            Ok(len as usize)
        };
        let at = |off: u64, what: &str| -> Result<&'data [u8], String> {
            usize::try_from(off)
                .ok()
                .and_then(|o| data.get(o..))
                .ok_or_else(|| {
                    format!(
                        "{what} offset {off:#x} is past the table's {} bytes",
                        data.len()
                    )
                })
        };
        let (funcnametab, funcdata, functab) = match version {
            PclnVersion::V12 => {
                let functab = &data[8 + ptr_size..];
                let len = functab_len(functab.len())?;
                let fileoff = read_u32(functab, len, big_endian).ok_or_else(|| {
                    "file table offset missing after the function table".to_string()
                })?;
                at(u64::from(fileoff), "file table")?;
                (data, data, &functab[..len])
            }
            PclnVersion::V116 | PclnVersion::V118 | PclnVersion::V120 => {
                // Word indices of the table offsets: funcname, cu, filetab, pctab, pcln.
                let first = if version == PclnVersion::V116 { 2 } else { 3 };
                let header_len = 8 + (first + 5) * ptr_size;
                let offs: Vec<u64> = (first..first + 5)
                    .map(word)
                    .collect::<Option<_>>()
                    .ok_or_else(short)?;
                if offs[0] < header_len as u64 {
                    return Err(format!(
                        "function name table offset {:#x} lies inside the header",
                        offs[0]
                    ));
                }
                if offs.windows(2).any(|w| w[0] > w[1]) {
                    let list: Vec<String> = offs.iter().map(|o| format!("{o:#x}")).collect();
                    return Err(format!("table offsets out of order: {}", list.join(", ")));
                }
                // The name table runs up to the compilation unit table.
                let funcnametab = at(offs[0], "function name table")?;
                let funcnametab =
                    &funcnametab[..(offs[1] - offs[0]).min(funcnametab.len() as u64) as usize];
                let funcdata = at(offs[4], "function table")?;
                let len = functab_len(funcdata.len())?;
                (funcnametab, funcdata, &funcdata[..len])
            }
        };
        Ok(Pclntab {
            version,
            ptr_size,
            file_offset,
            big_endian,
            nfunc: nfunc as usize,
            funcnametab,
            funcdata,
            functab,
            field_size,
            text_start,
        })
    }

    pub fn function_count(&self) -> usize {
        self.nfunc
    }

    fn field(&self, i: usize) -> u64 {
        let at = i * self.field_size;
        if self.field_size == 4 {
            read_u32(self.functab, at, self.big_endian).map_or(u64::MAX, u64::from)
        } else {
            read_u64(self.functab, at, self.big_endian).unwrap_or(u64::MAX)
        }
    }

    /// Whether the entries are offsets from a text start the header does not give: Go 1.26
    /// and later write 0 there (the runtime takes `runtime.text` from its module data).
    /// The start is then the address of `.text`.
    pub fn lacks_text_start(&self) -> bool {
        self.field_size == 4 && self.text_start == 0
    }

    /// The entry address of function `i`, and for `i == function_count()` the end of the
    /// last function. `None` past that or when the table is cut short.
    pub fn entry(&self, i: usize) -> Option<u64> {
        if i > self.nfunc {
            return None;
        }
        let v = self.field(2 * i);
        (v != u64::MAX).then(|| self.text_start.wrapping_add(v))
    }

    /// The name of function `i`, from its `_func` record.
    pub fn function_name(&self, i: usize) -> Option<&'data [u8]> {
        if i >= self.nfunc {
            return None;
        }
        let off = self.name_offset(i)? as usize;
        let name = self.funcnametab.get(off..)?;
        let end = memchr::memchr(0, name)?;
        Some(&name[..end])
    }

    /// The name table from the start of function `i`'s name to its end: the name, its
    /// NUL, and the names after it. For comparing names without looking for their end.
    pub fn function_name_onwards(&self, i: usize) -> Option<&'data [u8]> {
        if i >= self.nfunc {
            return None;
        }
        self.funcnametab.get(self.name_offset(i)? as usize..)
    }

    /// The checks a scan applies before trusting a candidate: entry PCs in order, every
    /// `_func` offset inside the table, and a readable first function name.
    fn plausible(&self) -> bool {
        if self.nfunc == 0 {
            return false;
        }
        let mut prev = 0u64;
        for i in 0..=self.nfunc {
            let pc = self.field(2 * i);
            if pc < prev {
                return false;
            }
            prev = pc;
            if i < self.nfunc && self.field(2 * i + 1) >= self.funcdata.len() as u64 {
                return false;
            }
        }
        let Some(off) = self.name_offset(0) else {
            return false;
        };
        let Some(name) = self.funcnametab.get(off as usize..) else {
            return false;
        };
        let end = name.iter().take(4096).position(|&c| c == 0);
        end.is_some_and(|e| e > 0 && name[..e].iter().all(|c| c.is_ascii_graphic() || *c >= 0x80))
    }

    /// The name offset of function `i`, from its `_func` record.
    fn name_offset(&self, i: usize) -> Option<u32> {
        let funcoff = usize::try_from(self.field(2 * i + 1)).ok()?;
        // `_func` starts with the entry: a pointer before Go 1.18, a u32 offset since.
        let entry_size = if self.field_size == 4 {
            4
        } else {
            self.ptr_size
        };
        read_u32(
            self.funcdata,
            funcoff.checked_add(entry_size)?,
            self.big_endian,
        )
    }

    /// The name table since Go 1.16: every function name (and the name of every function
    /// inlined into one) once, each ended by a NUL. `None` for the Go 1.2 layout, whose names
    /// are reached through the function records (`for_each_record_name`).
    pub fn name_table(&self) -> Option<&'data [u8]> {
        (self.version != PclnVersion::V12).then_some(self.funcnametab)
    }

    /// The names the function records point at, each looked up once: how the Go 1.2
    /// layout is read. Returns how many records have a `_func` record or name outside the
    /// table (skipped).
    pub fn for_each_record_name(&self, mut f: impl FnMut(&'data [u8])) -> usize {
        let mut bad = 0usize;
        let mut offs: Vec<u32> = Vec::with_capacity(self.nfunc);
        for i in 0..self.nfunc {
            match self.name_offset(i) {
                Some(o) => offs.push(o),
                None => bad += 1,
            }
        }
        offs.sort_unstable();
        offs.dedup();
        // Sorted offsets share the terminator search: each byte is looked at once.
        let names = self.funcnametab;
        let mut nul: Option<usize> = None;
        for (k, &off) in offs.iter().enumerate() {
            let off = off as usize;
            if off >= names.len() {
                bad += offs.len() - k;
                break;
            }
            let end = match nul {
                Some(e) if off <= e => e,
                _ => match memchr::memchr(0, &names[off..]) {
                    Some(p) => off + p,
                    None => {
                        bad += offs.len() - k;
                        break;
                    }
                },
            };
            nul = Some(end);
            if end > off {
                f(&names[off..end]);
            }
        }
        bad
    }
}

fn read_u32(b: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    })
}

fn read_u64(b: &[u8], at: usize, big_endian: bool) -> Option<u64> {
    let a: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(if big_endian {
        u64::from_be_bytes(a)
    } else {
        u64::from_le_bytes(a)
    })
}

/// Finds the pclntab: the `.gopclntab` (or `.data.rel.ro.gopclntab`) section, else the first plausible header in the
/// loadable segments (non-executable ones first: external linkers move the table into
/// `.data.rel.ro` and drop the section name). `Ok(None)` when there is none.
pub(crate) fn locate<'data>(view: &ElfView<'data>) -> Result<Option<Pclntab<'data>>, String> {
    // Internally linked PIE binaries name the section `.data.rel.ro.gopclntab`.
    let section = view
        .section(".gopclntab")
        .or_else(|| view.section(".data.rel.ro.gopclntab"));
    if let Some(s) = section {
        let data = view.section_data(s).ok_or_else(|| {
            format!(
                "Go pclntab: section {} (offset {:#x}, {} bytes) has no bytes in the file",
                String::from_utf8_lossy(s.name),
                s.offset,
                s.size
            )
        })?;
        return Pclntab::parse(data, s.offset)
            .map(Some)
            .map_err(|e| format!("Go pclntab at file offset {:#x}: {e}", s.offset));
    }
    let loads = view.segments.iter().filter(|s| s.is_load());
    let ordered = loads
        .clone()
        .filter(|s| !s.executable())
        .chain(loads.filter(|s| s.executable()));
    let mut tried = 0usize;
    for seg in ordered {
        let Some(bytes) = view.segment_data(seg) else {
            continue;
        };
        let mut i = 0usize;
        while i + 16 <= bytes.len() {
            // Both byte orders of every magic share bytes 1..3 = ff ff ff and bytes 4..6 = 0 0.
            let Some(p) = find_candidate(&bytes[i..], view.big_endian) else {
                break;
            };
            let start = i + p;
            i = start + 1;
            let Ok(t) = Pclntab::parse(&bytes[start..], seg.offset + start as u64) else {
                continue;
            };
            if t.ptr_size != view.ptr_size() || t.big_endian != view.big_endian {
                continue;
            }
            tried += 1;
            if t.plausible() {
                return Ok(Some(t));
            }
            if tried >= MAX_SCAN_CANDIDATES {
                return Ok(None);
            }
        }
    }
    Ok(None)
}

/// The offset of the next possible header start: a magic in the file's byte order followed
/// by two zero bytes. The fixed bytes are searched with `memmem` (SIMD); only its hits are
/// looked at one by one.
fn find_candidate(b: &[u8], big_endian: bool) -> Option<usize> {
    // Little-endian: [fX ff ff ff 00 00], found by its last five bytes; big-endian:
    // [ff ff ff fX 00 00], found by its first three.
    let (needle, back): (&[u8], usize) = if big_endian {
        (&[0xff, 0xff, 0xff], 0)
    } else {
        (&[0xff, 0xff, 0xff, 0, 0], 1)
    };
    let finder = memchr::memmem::Finder::new(needle);
    let mut from = 0;
    // Overlapping hits count: a run of 0xff bytes can hide the real magic.
    while let Some(rel) = b.get(from..).and_then(|rest| finder.find(rest)) {
        let at = from + rel;
        from = at + 1;
        let Some(s) = at.checked_sub(back) else {
            continue;
        };
        let h = b.get(s..s + 6)?;
        let m = if big_endian {
            u32::from_be_bytes([h[0], h[1], h[2], h[3]])
        } else {
            u32::from_le_bytes([h[0], h[1], h[2], h[3]])
        };
        if PclnVersion::from_magic(m).is_some() && h[4] == 0 && h[5] == 0 {
            return Some(s);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a pclntab in the given layout holding functions with these names.
    pub(crate) fn build(
        version: PclnVersion,
        ptr_size: usize,
        big_endian: bool,
        names: &[&str],
    ) -> Vec<u8> {
        let n = names.len();
        let put = |v: &mut Vec<u8>, x: u64, size: usize| {
            let bytes = if big_endian {
                x.to_be_bytes()
            } else {
                x.to_le_bytes()
            };
            if big_endian {
                v.extend_from_slice(&bytes[8 - size..]);
            } else {
                v.extend_from_slice(&bytes[..size]);
            }
        };
        let magic = match version {
            PclnVersion::V12 => MAGIC_12,
            PclnVersion::V116 => MAGIC_116,
            PclnVersion::V118 => MAGIC_118,
            PclnVersion::V120 => MAGIC_120,
        };
        let mut out = Vec::new();
        put(&mut out, u64::from(magic), 4);
        out.extend_from_slice(&[0, 0, 1, ptr_size as u8]);
        let mut nametab = Vec::new();
        let mut name_offs = Vec::new();
        for name in names {
            name_offs.push(nametab.len() as u64);
            nametab.extend_from_slice(name.as_bytes());
            nametab.push(0);
        }
        let new = matches!(version, PclnVersion::V118 | PclnVersion::V120);
        let field = if new { 4 } else { ptr_size };
        let entry = if new { 4 } else { ptr_size };
        let func_size = entry + 4 * 9;
        // Function table then `_func` records, as one block.
        let build_pcln = |funcs_base: u64, name_base: u64| {
            let mut t = Vec::new();
            let functab_len = (2 * n + 1) * field;
            for i in 0..n {
                put(&mut t, 0x1000 + 0x10 * i as u64, field);
                put(
                    &mut t,
                    funcs_base + (functab_len + i * func_size) as u64,
                    field,
                );
            }
            put(&mut t, 0x1000 + 0x10 * n as u64, field);
            for (i, off) in name_offs.iter().enumerate() {
                put(&mut t, 0x1000 + 0x10 * i as u64, entry);
                put(&mut t, name_base + off, 4);
                t.extend_from_slice(&[0; 32]);
            }
            t
        };
        match version {
            PclnVersion::V12 => {
                put(&mut out, n as u64, ptr_size);
                // The functab starts at 8+ptr; `_func` offsets and name offsets are from the
                // start of the table.
                let functab_start = 8 + ptr_size;
                let functab_len = (2 * n + 1) * field;
                let funcs_start = functab_start + functab_len + 4;
                let names_start = funcs_start + n * func_size;
                let file_start = names_start + nametab.len();
                for i in 0..n {
                    put(&mut out, 0x1000 + 0x10 * i as u64, field);
                    put(&mut out, (funcs_start + i * func_size) as u64, field);
                }
                put(&mut out, 0x1000 + 0x10 * n as u64, field);
                put(&mut out, file_start as u64, 4);
                for off in &name_offs {
                    put(&mut out, 0x1000, ptr_size);
                    put(&mut out, names_start as u64 + off, 4);
                    out.extend_from_slice(&[0; 32]);
                }
                out.extend_from_slice(&nametab);
                put(&mut out, 0, 4);
            }
            _ => {
                let words = if new { 8 } else { 7 };
                let header_len = 8 + words * ptr_size;
                put(&mut out, n as u64, ptr_size);
                put(&mut out, 0, ptr_size);
                if new {
                    put(&mut out, 0x1000, ptr_size);
                }
                let name_off = header_len as u64;
                let cu_off = name_off + nametab.len() as u64;
                // cutab, filetab and pctab are empty.
                let pcln_off = cu_off;
                for o in [name_off, cu_off, cu_off, cu_off, pcln_off] {
                    put(&mut out, o, ptr_size);
                }
                assert_eq!(out.len(), header_len);
                out.extend_from_slice(&nametab);
                out.extend_from_slice(&build_pcln(0, 0));
            }
        }
        out
    }

    /// Every name of the table, through whichever path the layout has.
    pub(crate) fn for_each_name<'data>(
        t: &Pclntab<'data>,
        mut f: impl FnMut(&'data [u8]),
    ) -> usize {
        match t.name_table() {
            Some(names) => {
                names
                    .split(|&c| c == 0)
                    .filter(|n| !n.is_empty())
                    .for_each(f);
                0
            }
            None => t.for_each_record_name(&mut f),
        }
    }

    fn names_of(t: &Pclntab<'_>) -> Vec<String> {
        let mut v = Vec::new();
        let bad = for_each_name(t, |n| v.push(String::from_utf8_lossy(n).into_owned()));
        assert_eq!(bad, 0);
        v
    }

    #[test]
    fn every_layout_parses() {
        let names = ["runtime.main", "main.main", "net._C2func_getaddrinfo"];
        for v in [
            PclnVersion::V12,
            PclnVersion::V116,
            PclnVersion::V118,
            PclnVersion::V120,
        ] {
            for (ps, be) in [(8, false), (4, false), (8, true), (4, true)] {
                let data = build(v, ps, be, &names);
                let t = Pclntab::parse(&data, 0).unwrap_or_else(|e| panic!("{v:?} {ps} {be}: {e}"));
                assert_eq!(t.version, v);
                assert_eq!(t.function_count(), 3);
                assert!(t.plausible(), "{v:?} {ps} {be}");
                let mut got = names_of(&t);
                got.sort();
                let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
                want.sort();
                assert_eq!(got, want, "{v:?} {ps} {be}");
            }
        }
    }

    #[test]
    fn header_checks() {
        let good = build(PclnVersion::V120, 8, false, &["main.main"]);
        let mut bad_pad = good.clone();
        bad_pad[4] = 1;
        assert!(Pclntab::parse(&bad_pad, 0).unwrap_err().contains("padding"));
        let mut bad_quantum = good.clone();
        bad_quantum[6] = 3;
        assert!(Pclntab::parse(&bad_quantum, 0)
            .unwrap_err()
            .contains("quantum"));
        let mut bad_ptr = good.clone();
        bad_ptr[7] = 2;
        assert!(Pclntab::parse(&bad_ptr, 0)
            .unwrap_err()
            .contains("pointer size"));
        let mut bad_magic = good.clone();
        bad_magic[0] = 0xf2;
        assert!(Pclntab::parse(&bad_magic, 0).unwrap_err().contains("magic"));
        assert!(Pclntab::parse(&good[..10], 0)
            .unwrap_err()
            .contains("shorter"));
        // A function count that cannot fit.
        let mut huge = good.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Pclntab::parse(&huge, 0).unwrap_err().contains("do not fit"));
        let mut many = good.clone();
        many[8..16].copy_from_slice(&1_000_000u64.to_le_bytes());
        assert!(Pclntab::parse(&many, 0).unwrap_err().contains("do not fit"));
        // A table offset past the end.
        let mut far = good.clone();
        far[8 + 7 * 8..8 + 8 * 8].copy_from_slice(&0xffff_ffffu64.to_le_bytes());
        assert!(Pclntab::parse(&far, 0)
            .unwrap_err()
            .contains("past the table"));
        // Offsets out of order.
        let mut order = good.clone();
        order[8 + 3 * 8..8 + 4 * 8].copy_from_slice(&0x1000u64.to_le_bytes());
        assert!(Pclntab::parse(&order, 0).is_err());
        // Truncated anywhere: an error or a table whose names stay in bounds, never a panic.
        for cut in 0..good.len() {
            if let Ok(t) = Pclntab::parse(&good[..cut], 0) {
                for_each_name(&t, |_| {});
                t.plausible();
            }
        }
        for v in [PclnVersion::V12, PclnVersion::V116, PclnVersion::V118] {
            let d = build(v, 4, true, &["a.b", "c.d"]);
            for cut in 0..d.len() {
                if let Ok(t) = Pclntab::parse(&d[..cut], 0) {
                    for_each_name(&t, |_| {});
                    t.plausible();
                }
            }
        }
    }

    #[test]
    fn bad_name_offsets_are_counted() {
        // Go 1.2 layout: names come from the records; the bad one is skipped.
        let mut data = build(PclnVersion::V12, 8, false, &["a.b", "c.d"]);
        let t = Pclntab::parse(&data, 0).unwrap();
        let funcoff = t.field(3) as usize;
        data[funcoff + 8..funcoff + 12].copy_from_slice(&0xffffu32.to_le_bytes());
        let t = Pclntab::parse(&data, 0).unwrap();
        let mut seen = Vec::new();
        assert_eq!(t.for_each_record_name(|n| seen.push(n.to_vec())), 1);
        assert_eq!(seen, vec![b"a.b".to_vec()]);
    }

    #[test]
    fn shared_name_bytes_are_read_once() {
        // Go 1.2 layout, 20000 records whose names all start inside one 200 KB run without
        // a terminator: reading each name separately would take billions of steps.
        let n = 20_000usize;
        let run = 200_000usize;
        let functab_len = (2 * n + 1) * 8;
        let funcs_at = 16 + functab_len + 4;
        let names_at = funcs_at + n * 12;
        let mut d = Vec::new();
        d.extend_from_slice(&MAGIC_12.to_le_bytes());
        d.extend_from_slice(&[0, 0, 1, 8]);
        d.extend_from_slice(&(n as u64).to_le_bytes());
        for i in 0..n {
            d.extend_from_slice(&(i as u64).to_le_bytes());
            d.extend_from_slice(&((funcs_at + i * 12) as u64).to_le_bytes());
        }
        d.extend_from_slice(&(n as u64).to_le_bytes());
        d.extend_from_slice(&0u32.to_le_bytes());
        for i in 0..n {
            d.extend_from_slice(&0u64.to_le_bytes());
            d.extend_from_slice(&((names_at + i * 7) as u32).to_le_bytes());
        }
        d.resize(names_at + run, b'a');
        d.push(0);
        let t = Pclntab::parse(&d, 0).unwrap();
        let mut count = 0;
        assert_eq!(t.for_each_record_name(|_| count += 1), 0);
        assert_eq!(count, n);
        // Without the terminator every name is counted as bad, still in one pass.
        d.pop();
        let t = Pclntab::parse(&d, 0).unwrap();
        assert_eq!(t.for_each_record_name(|_| {}), n);
    }

    #[test]
    fn candidates_are_found_in_either_byte_order() {
        let mut le = vec![0xffu8; 7];
        le.extend_from_slice(&[0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8]);
        assert_eq!(find_candidate(&le, false), Some(7));
        let mut be = vec![0u8, 0xff, 0xff];
        be.extend_from_slice(&[0xff, 0xff, 0xff, 0xf0, 0, 0, 4, 8]);
        assert_eq!(find_candidate(&be, true), Some(3));
        assert_eq!(find_candidate(&[0xff; 64], false), None);
    }
}
