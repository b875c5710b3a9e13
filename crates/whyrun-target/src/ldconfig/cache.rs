//! `/etc/ld.so.cache`: the old `ld.so-1.7.0` layout, the new `glibc-ld.so.cache1.1`
//! layout, the compat layout (new after old) and the glibc-hwcaps extension, read as
//! glibc's `elf/dl-cache.c` reads them, and looked up the way `search_cache` does (binary
//! search with `_dl_cache_libcmp`, first acceptable entry, glibc-hwcaps entries by
//! priority). Every offset is checked; hostile input gives an error or fewer entries,
//! never a panic. No I/O here.

use serde::Serialize;

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_HEADER: usize = 16; // 11-byte magic, padding, u32 nlibs
const OLD_ENTRY: usize = 12;
const NEW_HEADER: usize = 48;
const NEW_ENTRY: usize = 24;
const EXTENSION_MAGIC: u32 = 0xeaa4_2174;
const EXTENSION_TAG_GLIBC_HWCAPS: u32 = 1;
/// `DL_CACHE_HWCAP_EXTENSION`: the low 32 bits index the glibc-hwcaps names.
const HWCAP_EXTENSION: u64 = 1 << 62;
const HWCAP_ISA_LEVEL_MASK: u64 = (1 << 10) - 1;
/// Bit 63 (`_DL_HWCAP_TLS_MASK`) is always accepted by the loader.
const HWCAP_TLS: u64 = 1 << 63;
/// Bound on extension sections and glibc-hwcaps names read: far above anything real.
const MAX_EXTENSION_SECTIONS: u32 = 1024;
const MAX_HWCAPS_NAMES: usize = 4096;

/// Which layout the file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CacheFormat {
    /// `ld.so-1.7.0` only (libc5, glibc before 2.2).
    Old,
    /// `glibc-ld.so.cache1.1` only (ldconfig's default since glibc 2.32).
    New,
    /// The old table followed by the new one; the loader uses the new one.
    Compat,
}

/// One library entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheEntry {
    /// Bits 0..8 the type (1 ELF, 3 ELF libc6), bits 8..16 the ABI (`0x0300` x86-64, …).
    pub flags: i32,
    /// The name looked up (a SONAME): `libc.so.6`.
    pub key: String,
    /// The path handed to the loader: `/lib/x86_64-linux-gnu/libc.so.6`.
    pub value: String,
    pub osversion: u32,
    pub hwcap: u64,
}

impl CacheEntry {
    /// The glibc-hwcaps subdirectory this entry was found in (`x86-64-v3`), if any.
    pub fn hwcaps_index(&self) -> Option<u32> {
        ((self.hwcap >> 32) & !HWCAP_ISA_LEVEL_MASK == HWCAP_EXTENSION >> 32)
            .then_some(self.hwcap as u32)
    }
}

/// A parsed cache.
#[derive(Debug, Clone, Serialize)]
pub struct LdCache {
    pub format: CacheFormat,
    /// `little` or `big` as the new header states it; `None` when unset (old writers).
    pub endian: Option<&'static str>,
    /// In file order (sorted by key, glibc-hwcaps entries first within a key).
    pub entries: Vec<CacheEntry>,
    /// Names of the glibc-hwcaps subdirectories the entries index (`x86-64-v3`, …).
    pub hwcaps: Vec<String>,
    /// Parts skipped as malformed (bad string offsets, a broken extension).
    pub warnings: Vec<String>,
}

/// Why a cache could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    #[error("not an ld.so.cache (no ld.so-1.7.0 or glibc-ld.so.cache1.1 magic)")]
    BadMagic,
    #[error("truncated: {what} needs {need} bytes at offset {offset}, the file has {len}")]
    Truncated {
        what: &'static str,
        offset: usize,
        need: usize,
        len: usize,
    },
    #[error("the new-format header marks the cache invalid (endianness flag 1)")]
    MarkedInvalid,
}

/// What a lookup found and why that entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLookup<'a> {
    pub entry: &'a CacheEntry,
    /// The glibc-hwcaps subdirectory name when the entry came from one.
    pub hwcaps: Option<&'a str>,
}

#[derive(Clone, Copy)]
struct Reader<'a> {
    data: &'a [u8],
    big: bool,
}

impl Reader<'_> {
    fn u32(&self, off: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }
    fn u64(&self, off: usize) -> Option<u64> {
        let b: [u8; 8] = self.data.get(off..off.checked_add(8)?)?.try_into().ok()?;
        Some(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
    /// The NUL-terminated string at `base + off`, if it lies inside the data.
    fn str_at(&self, base: usize, off: u32) -> Option<String> {
        let start = base.checked_add(off as usize)?;
        let rest = self.data.get(start..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    }
}

impl LdCache {
    /// Parses a cache file's bytes.
    pub fn parse(data: &[u8]) -> Result<LdCache, CacheError> {
        if data.starts_with(NEW_MAGIC) {
            return parse_new(data, 0, CacheFormat::New);
        }
        if !data.starts_with(OLD_MAGIC) {
            return Err(CacheError::BadMagic);
        }
        if data.len() < OLD_HEADER {
            return Err(CacheError::Truncated {
                what: "the old header",
                offset: 0,
                need: OLD_HEADER,
                len: data.len(),
            });
        }
        // The old format has no endianness mark: take the reading whose count fits.
        let le = Reader { data, big: false };
        let be = Reader { data, big: true };
        let fits = |n: u32| (data.len() - OLD_HEADER) / OLD_ENTRY >= n as usize;
        let r = match (le.u32(12), be.u32(12)) {
            (Some(n), _) if fits(n) => le,
            (_, Some(n)) if fits(n) => be,
            _ => {
                return Err(CacheError::Truncated {
                    what: "the old entry table",
                    offset: OLD_HEADER,
                    need: le.u32(12).unwrap_or(0) as usize * OLD_ENTRY,
                    len: data.len(),
                })
            }
        };
        let nlibs = r.u32(12).unwrap_or(0) as usize;
        let table_end = OLD_HEADER + nlibs * OLD_ENTRY;
        // A new-format cache may follow, 8-byte aligned (ALIGN_CACHE).
        let new_at = (table_end + 7) & !7;
        if data.len() >= new_at + NEW_HEADER && data[new_at..].starts_with(NEW_MAGIC) {
            return parse_new(data, new_at, CacheFormat::Compat);
        }
        let mut warnings = Vec::new();
        let mut entries = Vec::with_capacity(nlibs);
        for i in 0..nlibs {
            let at = OLD_HEADER + i * OLD_ENTRY;
            let (Some(flags), Some(key), Some(value)) = (r.u32(at), r.u32(at + 4), r.u32(at + 8))
            else {
                break;
            };
            // Old-format strings are relative to the end of the entry table.
            match (r.str_at(table_end, key), r.str_at(table_end, value)) {
                (Some(key), Some(value)) => entries.push(CacheEntry {
                    flags: flags as i32,
                    key,
                    value,
                    osversion: 0,
                    hwcap: 0,
                }),
                _ => warnings.push(format!("entry {i}: string offset outside the file")),
            }
        }
        Ok(LdCache {
            format: CacheFormat::Old,
            endian: None,
            entries,
            hwcaps: Vec::new(),
            warnings,
        })
    }

    /// Looks `name` up as glibc's `search_cache` does for a loader of ABI `abi`, on a CPU supporting the glibc-hwcaps subdirectories
    /// `hwcaps_supported` (best first) and the x86 ISA levels in `isa_levels` (bit 0
    /// baseline, bit 1 v2, …; ignored elsewhere).
    pub fn lookup(
        &self,
        name: &str,
        abi: CacheAbi,
        hwcaps_supported: &[&str],
        isa_levels: Option<u32>,
    ) -> Option<CacheLookup<'_>> {
        let e = &self.entries;
        if e.is_empty() {
            return None;
        }
        let (mut left, mut right) = (0isize, e.len() as isize - 1);
        while left <= right {
            let mut middle = (left + right) / 2;
            let cmp = libcmp(name.as_bytes(), e[middle as usize].key.as_bytes());
            if cmp == std::cmp::Ordering::Equal {
                let first_known = middle;
                while middle > 0
                    && libcmp(name.as_bytes(), e[middle as usize - 1].key.as_bytes())
                        == std::cmp::Ordering::Equal
                {
                    middle -= 1;
                }
                return self.pick(
                    name,
                    middle as usize,
                    first_known as usize,
                    right as usize,
                    abi,
                    hwcaps_supported,
                    isa_levels,
                );
            }
            // ldconfig sorts the table in descending libcmp order.
            if cmp == std::cmp::Ordering::Less {
                left = middle + 1;
            } else {
                right = middle - 1;
            }
        }
        None
    }

    #[allow(clippy::too_many_arguments)]
    fn pick(
        &self,
        name: &str,
        from: usize,
        known_equal_up_to: usize,
        right: usize,
        abi: CacheAbi,
        hwcaps_supported: &[&str],
        isa_levels: Option<u32>,
    ) -> Option<CacheLookup<'_>> {
        let new_format = self.format != CacheFormat::Old;
        let mut best: Option<(usize, Option<&str>)> = None;
        let mut best_priority = 0usize;
        for i in from..=right.min(self.entries.len() - 1) {
            let lib = &self.entries[i];
            if i > known_equal_up_to
                && libcmp(name.as_bytes(), lib.key.as_bytes()) != std::cmp::Ordering::Equal
            {
                break;
            }
            if !abi.accepts(lib.flags) {
                continue;
            }
            let mut hwcaps_name = None;
            if new_format {
                let named = lib.hwcaps_index();
                if named.is_some() {
                    if let Some(levels) = isa_levels {
                        let level = (lib.hwcap >> 32) & HWCAP_ISA_LEVEL_MASK;
                        let need = 1u64.checked_shl(level as u32).unwrap_or(0);
                        if need == 0 || u64::from(levels) & need != need {
                            continue;
                        }
                    }
                }
                if named.is_none() && best.is_some() {
                    break;
                }
                if named.is_none() && lib.hwcap & !HWCAP_TLS != 0 {
                    // A legacy hwcap subdirectory entry (tls/, x86_64/, …): not modelled
                    // as usable.
                    continue;
                }
                if let Some(idx) = named {
                    let Some(sub) = self.hwcaps.get(idx as usize) else {
                        continue;
                    };
                    let Some(pos) = hwcaps_supported.iter().position(|s| s == sub) else {
                        continue;
                    };
                    let priority = pos + 1;
                    if best.is_some() && priority >= best_priority {
                        continue;
                    }
                    best_priority = priority;
                    hwcaps_name = Some(sub.as_str());
                }
                best = Some((i, hwcaps_name));
                if named.is_none() && lib.flags == abi.default_id {
                    break;
                }
            } else {
                best = Some((i, None));
                if lib.flags == abi.default_id {
                    break;
                }
            }
        }
        best.map(|(i, hwcaps)| CacheLookup {
            entry: &self.entries[i],
            hwcaps,
        })
    }
}

fn parse_new(data: &[u8], base: usize, format: CacheFormat) -> Result<LdCache, CacheError> {
    if data.len() < base + NEW_HEADER {
        return Err(CacheError::Truncated {
            what: "the new header",
            offset: base,
            need: NEW_HEADER,
            len: data.len(),
        });
    }
    let flags = data[base + 28];
    let (big, endian) = match flags & 3 {
        0 => (cfg!(target_endian = "big"), None),
        1 => return Err(CacheError::MarkedInvalid),
        2 => (false, Some("little")),
        _ => (true, Some("big")),
    };
    let r = Reader { data, big };
    let nlibs = r.u32(base + 20).unwrap_or(0) as usize;
    if (data.len() - base - NEW_HEADER) / NEW_ENTRY < nlibs {
        return Err(CacheError::Truncated {
            what: "the new entry table",
            offset: base + NEW_HEADER,
            need: nlibs.saturating_mul(NEW_ENTRY),
            len: data.len(),
        });
    }
    let mut warnings = Vec::new();
    let mut entries = Vec::with_capacity(nlibs);
    for i in 0..nlibs {
        let at = base + NEW_HEADER + i * NEW_ENTRY;
        let (Some(fl), Some(key), Some(value), Some(osv), Some(hwcap)) = (
            r.u32(at),
            r.u32(at + 4),
            r.u32(at + 8),
            r.u32(at + 12),
            r.u64(at + 16),
        ) else {
            break;
        };
        // New-format strings are relative to the new header.
        match (r.str_at(base, key), r.str_at(base, value)) {
            (Some(key), Some(value)) => entries.push(CacheEntry {
                flags: fl as i32,
                key,
                value,
                osversion: osv,
                hwcap,
            }),
            _ => warnings.push(format!("entry {i}: string offset outside the file")),
        }
    }
    let ext_off = r.u32(base + 32).unwrap_or(0);
    let hwcaps = match read_hwcaps(r, base, ext_off) {
        Ok(h) => h,
        Err(w) => {
            warnings.push(w);
            Vec::new()
        }
    };
    Ok(LdCache {
        format,
        endian,
        entries,
        hwcaps,
        warnings,
    })
}

/// The glibc-hwcaps names of the extension directory, checked like
/// `cache_extension_load`: a broken directory disables the extension, not the cache.
fn read_hwcaps(r: Reader<'_>, base: usize, ext_off: u32) -> Result<Vec<String>, String> {
    if ext_off == 0 {
        return Ok(Vec::new());
    }
    if ext_off % 4 != 0 {
        return Err(format!("extension offset {ext_off:#x} is misaligned"));
    }
    let at = ext_off as usize;
    let (Some(magic), Some(count)) = (r.u32(at), r.u32(at + 4)) else {
        return Err(format!(
            "extension directory at {ext_off:#x} is past the end"
        ));
    };
    if magic != EXTENSION_MAGIC {
        return Err(format!("extension directory magic {magic:#x} is wrong"));
    }
    if count > MAX_EXTENSION_SECTIONS || at + 8 + count as usize * 16 > r.data.len() {
        return Err(format!(
            "extension directory of {count} sections overruns the file"
        ));
    }
    let mut names = Vec::new();
    for i in 0..count as usize {
        let s = at + 8 + i * 16;
        let (Some(tag), Some(off), Some(size)) = (r.u32(s), r.u32(s + 8), r.u32(s + 12)) else {
            break;
        };
        if (off as u64 + size as u64) > r.data.len() as u64 {
            return Err(format!("extension section {i} overruns the file"));
        }
        if tag != EXTENSION_TAG_GLIBC_HWCAPS {
            continue;
        }
        if size == 0 || off % 4 != 0 || size % 4 != 0 {
            return Err("glibc-hwcaps section is empty or misaligned".into());
        }
        names.clear();
        for j in 0..(size as usize / 4).min(MAX_HWCAPS_NAMES) {
            let idx = r.u32(off as usize + j * 4).unwrap_or(u32::MAX);
            // Indices are string-table offsets like the entries' (from the new header).
            names.push(r.str_at(base, idx).unwrap_or_default());
        }
    }
    Ok(names)
}

/// glibc's `_dl_cache_libcmp`: digits compare as numbers, so `libfoo.so.10` sorts after
/// `libfoo.so.9`. Returns the order of `p1` relative to `p2`.
pub fn libcmp(p1: &[u8], p2: &[u8]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut i, mut j) = (0, 0);
    let at = |s: &[u8], k: usize| s.get(k).copied().unwrap_or(0);
    while at(p1, i) != 0 {
        let (c1, c2) = (at(p1, i), at(p2, j));
        if c1.is_ascii_digit() {
            if !c2.is_ascii_digit() {
                return Ordering::Greater;
            }
            let (mut v1, mut v2) = (0u64, 0u64);
            while at(p1, i).is_ascii_digit() {
                v1 = v1
                    .saturating_mul(10)
                    .saturating_add(u64::from(at(p1, i) - b'0'));
                i += 1;
            }
            while at(p2, j).is_ascii_digit() {
                v2 = v2
                    .saturating_mul(10)
                    .saturating_add(u64::from(at(p2, j) - b'0'));
                j += 1;
            }
            if v1 != v2 {
                return v1.cmp(&v2);
            }
        } else if c2.is_ascii_digit() {
            return Ordering::Less;
        } else if c1 != c2 {
            return c1.cmp(&c2);
        } else {
            i += 1;
            j += 1;
        }
    }
    0u8.cmp(&at(p2, j))
}

/// The cache entry flags a glibc loader accepts, from glibc's per-architecture
/// `_DL_CACHE_DEFAULT_ID` and `_dl_cache_check_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheAbi {
    /// The flags of this loader's own ABI; an entry with them ends the search.
    pub default_id: i32,
    /// Also accepted, but a later entry with `default_id` is preferred.
    pub also: [i32; 2],
}

impl CacheAbi {
    /// For a loader of `e_machine` (64-bit or not; ARM hard or soft float).
    pub fn for_machine(e_machine: u16, is_64: bool, arm_hard_float: bool) -> CacheAbi {
        const ELF: i32 = 0x0001;
        const LIBC6: i32 = 0x0003;
        let exact = |id| CacheAbi {
            default_id: id,
            also: [id, id],
        };
        match (e_machine, is_64) {
            (62, true) => exact(0x0303),  // x86-64
            (62, false) => exact(0x0803), // x32
            (183, true) => exact(0x0a03), // aarch64
            (40, _) if arm_hard_float => CacheAbi {
                default_id: 0x0903,
                also: [ELF, LIBC6],
            },
            (40, _) => CacheAbi {
                default_id: 0x0b03,
                also: [ELF, LIBC6],
            },
            (21, true) => exact(0x0503),  // ppc64
            (22, true) => exact(0x0403),  // s390x
            (243, true) => exact(0x1003), // riscv64 lp64d
            (258, true) => exact(0x1203), // loongarch64 lp64d
            (50, true) => exact(0x0203),  // ia64
            (43, true) => exact(0x0103),  // sparc64
            _ => CacheAbi {
                default_id: LIBC6,
                also: [ELF, LIBC6],
            },
        }
    }

    pub fn accepts(&self, flags: i32) -> bool {
        flags == self.default_id || self.also.contains(&flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a new-format cache; `hwcaps` names go in an extension section.
    pub(crate) fn build_new(entries: &[(i32, &str, &str, u64)], hwcaps: &[&str]) -> Vec<u8> {
        let n = entries.len();
        let strings_at = NEW_HEADER + n * NEW_ENTRY;
        let mut strings = Vec::new();
        let mut offs = Vec::new();
        for (_, k, v, _) in entries {
            let ko = strings_at + strings.len();
            strings.extend_from_slice(k.as_bytes());
            strings.push(0);
            let vo = strings_at + strings.len();
            strings.extend_from_slice(v.as_bytes());
            strings.push(0);
            offs.push((ko as u32, vo as u32));
        }
        let mut hw_offs = Vec::new();
        for h in hwcaps {
            hw_offs.push((strings_at + strings.len()) as u32);
            strings.extend_from_slice(h.as_bytes());
            strings.push(0);
        }
        while (strings_at + strings.len()) % 4 != 0 {
            strings.push(0);
        }
        let mut out = Vec::new();
        out.extend_from_slice(NEW_MAGIC);
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.push(2);
        out.extend_from_slice(&[0; 3]);
        let ext_at = strings_at + strings.len();
        out.extend_from_slice(&(if hwcaps.is_empty() { 0 } else { ext_at as u32 }).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        for ((fl, _, _, hw), (ko, vo)) in entries.iter().zip(&offs) {
            out.extend_from_slice(&fl.to_le_bytes());
            out.extend_from_slice(&ko.to_le_bytes());
            out.extend_from_slice(&vo.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&hw.to_le_bytes());
        }
        out.extend_from_slice(&strings);
        if !hwcaps.is_empty() {
            let data_at = ext_at + 8 + 16;
            out.extend_from_slice(&EXTENSION_MAGIC.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&EXTENSION_TAG_GLIBC_HWCAPS.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&(data_at as u32).to_le_bytes());
            out.extend_from_slice(&((hwcaps.len() * 4) as u32).to_le_bytes());
            for o in hw_offs {
                out.extend_from_slice(&o.to_le_bytes());
            }
        }
        out
    }

    fn x86() -> CacheAbi {
        CacheAbi::for_machine(62, true, false)
    }

    #[test]
    fn new_format_lookup() {
        let data = build_new(
            &[
                (0x0303, "libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1", 0),
                (0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0),
                (0x0003, "libc.so.6", "/lib/i386-linux-gnu/libc.so.6", 0),
            ],
            &[],
        );
        let c = LdCache::parse(&data).unwrap();
        assert_eq!(c.format, CacheFormat::New);
        assert_eq!(c.entries.len(), 3);
        let hit = c.lookup("libz.so.1", x86(), &[], None).unwrap();
        assert_eq!(hit.entry.value, "/lib/x86_64-linux-gnu/libz.so.1");
        let hit = c.lookup("libc.so.6", x86(), &[], None).unwrap();
        assert_eq!(hit.entry.value, "/lib/x86_64-linux-gnu/libc.so.6");
        let i386 = CacheAbi::for_machine(3, false, false);
        let hit = c.lookup("libc.so.6", i386, &[], None).unwrap();
        assert_eq!(hit.entry.value, "/lib/i386-linux-gnu/libc.so.6");
        assert!(c.lookup("libnope.so", x86(), &[], None).is_none());
    }

    #[test]
    fn hwcaps_entries_by_priority() {
        let ext = |i: u64| HWCAP_EXTENSION | i;
        let data = build_new(
            &[
                (
                    0x0303,
                    "libfoo.so.1",
                    "/usr/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1",
                    ext(0),
                ),
                (
                    0x0303,
                    "libfoo.so.1",
                    "/usr/lib/glibc-hwcaps/x86-64-v3/libfoo.so.1",
                    ext(1),
                ),
                (0x0303, "libfoo.so.1", "/usr/lib/libfoo.so.1", 0),
            ],
            &["x86-64-v2", "x86-64-v3"],
        );
        let c = LdCache::parse(&data).unwrap();
        assert_eq!(c.hwcaps, ["x86-64-v2", "x86-64-v3"]);
        let all = ["x86-64-v4", "x86-64-v3", "x86-64-v2"];
        let hit = c.lookup("libfoo.so.1", x86(), &all, None).unwrap();
        assert_eq!(hit.hwcaps, Some("x86-64-v3"));
        let hit = c
            .lookup("libfoo.so.1", x86(), &["x86-64-v2"], None)
            .unwrap();
        assert_eq!(hit.hwcaps, Some("x86-64-v2"));
        let hit = c.lookup("libfoo.so.1", x86(), &[], None).unwrap();
        assert_eq!(hit.entry.value, "/usr/lib/libfoo.so.1");
    }

    #[test]
    fn old_and_compat_formats() {
        // Old only: strings follow the entry table.
        let mut old = Vec::new();
        old.extend_from_slice(OLD_MAGIC);
        old.push(0);
        old.extend_from_slice(&[0; 0]);
        while old.len() < 12 {
            old.push(0);
        }
        old.extend_from_slice(&1u32.to_le_bytes());
        old.extend_from_slice(&3i32.to_le_bytes());
        old.extend_from_slice(&0u32.to_le_bytes());
        old.extend_from_slice(&10u32.to_le_bytes());
        old.extend_from_slice(b"libm.so.6\0/lib/libm.so.6\0");
        let c = LdCache::parse(&old).unwrap();
        assert_eq!(c.format, CacheFormat::Old);
        assert_eq!(c.entries[0].key, "libm.so.6");
        assert_eq!(c.entries[0].value, "/lib/libm.so.6");
        let generic = CacheAbi::for_machine(3, false, false);
        assert!(c.lookup("libm.so.6", generic, &[], None).is_some());

        // Compat: an old table of zero entries, then the new header 8-byte aligned.
        let mut compat = Vec::new();
        compat.extend_from_slice(OLD_MAGIC);
        while compat.len() < 12 {
            compat.push(0);
        }
        compat.extend_from_slice(&0u32.to_le_bytes());
        let new = build_new(&[(0x0303, "libz.so.1", "/lib/libz.so.1", 0)], &[]);
        compat.extend_from_slice(&new);
        let c = LdCache::parse(&compat).unwrap();
        assert_eq!(c.format, CacheFormat::Compat);
        assert_eq!(c.entries[0].value, "/lib/libz.so.1");
    }

    #[test]
    fn libcmp_orders_numbers_numerically() {
        use std::cmp::Ordering::*;
        assert_eq!(libcmp(b"libfoo.so.10", b"libfoo.so.9"), Greater);
        assert_eq!(libcmp(b"libfoo.so.1", b"libfoo.so.01"), Equal);
        assert_eq!(libcmp(b"libc.so.6", b"libc.so.6"), Equal);
        assert_eq!(libcmp(b"liba", b"libb"), Less);
    }

    #[test]
    fn hostile_input_never_panics() {
        assert_eq!(LdCache::parse(b"").unwrap_err(), CacheError::BadMagic);
        assert!(LdCache::parse(b"glibc-ld.so.cache1.1").is_err());
        let mut huge = build_new(&[(0x0303, "a", "b", 0)], &[]);
        huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            LdCache::parse(&huge),
            Err(CacheError::Truncated { .. })
        ));
        let mut bad_str = build_new(&[(0x0303, "a", "b", 0)], &[]);
        bad_str[52..56].copy_from_slice(&u32::MAX.to_le_bytes());
        let c = LdCache::parse(&bad_str).unwrap();
        assert!(c.entries.is_empty());
        assert_eq!(c.warnings.len(), 1);
        let mut bad_ext = build_new(&[(0x0303, "a", "b", HWCAP_EXTENSION)], &["x86-64-v3"]);
        bad_ext[32..36].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let c = LdCache::parse(&bad_ext).unwrap();
        assert!(c.hwcaps.is_empty());
        assert!(c.lookup("a", x86(), &["x86-64-v3"], None).is_none());
        // Every truncation of a valid file parses or errs, without a panic.
        let full = build_new(
            &[(0x0303, "libfoo.so.1", "/x/libfoo.so.1", HWCAP_EXTENSION)],
            &["x86-64-v3"],
        );
        for n in 0..full.len() {
            if let Ok(c) = LdCache::parse(&full[..n]) {
                let _ = c.lookup("libfoo.so.1", x86(), &["x86-64-v3"], Some(0xf));
            }
        }
    }

    #[test]
    fn reads_this_machines_cache_when_present() {
        if let Ok(data) = std::fs::read("/etc/ld.so.cache") {
            let c = LdCache::parse(&data).unwrap();
            let abi = CacheAbi::for_machine(62, true, false);
            // Every key this loader's ABI accepts is found by the binary search.
            for e in c.entries.iter().filter(|e| abi.accepts(e.flags)) {
                assert!(c.lookup(&e.key, abi, &[], None).is_some(), "{}", e.key);
            }
        }
    }
}
