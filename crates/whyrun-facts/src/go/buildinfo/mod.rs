//! Go build info: locating the `\xff Go buildinf:` blob, decoding both of its layouts
//! (inline varint strings since Go 1.18, pointers to string headers before) and parsing the
//! module info text the way `debug/buildinfo` and `runtime/debug.ParseBuildInfo` do.
//! It reads the blob only; what the settings mean for a target is for the rules to decide.
//! `modinfo` parses the text, `settings` gives the settings that matter their types.

mod modinfo;
mod settings;

use serde::Serialize;

pub(crate) use modinfo::parse_modinfo;
pub(crate) use settings::typed_settings;

use crate::elf::view::ElfView;

/// The magic that starts the build info header.
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
/// The header is 16-byte aligned.
const ALIGN: u64 = 16;
/// Magic, pointer size, flags and (old layout) two pointers.
const HEADER_SIZE: usize = 32;
/// The search for the magic looks at the data in chunks of this size, as Go does.
const SEARCH_CHUNK: u64 = 1 << 20;
/// Flags bit 1: the version and module info follow the header as varint-prefixed strings.
const FLAG_INLINE: u8 = 0x2;
/// Flags bit 0: pointers in the header are big-endian.
const FLAG_BIG_ENDIAN: u8 = 0x1;

/// How the build info blob stores its strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Layout {
    /// Go 1.18+: varint-prefixed strings right after the header.
    InlineStrings,
    /// Go 1.13–1.17: two pointers to Go string headers.
    Pointers,
}

/// The build info as `go version -m` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BuildInfo {
    pub layout: Layout,
    /// The toolchain version, `go1.24.4`.
    pub go_version: String,
    /// Built in module mode: the module info has a `mod` line. GOPATH-mode builds have none
    /// (and before Go 1.18 no module info at all).
    pub module_mode: bool,
    /// The main package's import path (the `path` line).
    pub path: Option<String>,
    /// The main module (the `mod` line).
    pub main: Option<Module>,
    /// Every `dep` line, in order.
    pub deps: Vec<Module>,
    /// Every `build` line, in order, with quoted keys and values unquoted.
    pub settings: Vec<BuildSetting>,
    /// The settings whose meaning matters, decoded.
    pub typed: TypedSettings,
}

/// One module line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Module {
    pub path: String,
    pub version: String,
    pub sum: Option<String>,
    /// The `=>` line that followed this one.
    pub replace: Option<Box<Module>>,
}

/// One `build key=value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildSetting {
    pub key: String,
    pub value: String,
}

/// Build settings decoded into what they mean.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypedSettings {
    pub cgo_enabled: Option<bool>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub arch_level: Option<ArchLevel>,
    pub buildmode: Option<String>,
    pub tags: Vec<String>,
    pub trimpath: bool,
    pub ldflags: Option<String>,
    /// `-s` or `-w` in the linker flags: the ELF symbol table or DWARF was left out.
    pub stripped_by_ldflags: bool,
    pub vcs: Option<Vcs>,
    pub default_godebug: Option<String>,
    pub experiment: Option<String>,
}

/// The microarchitecture level variable for the target architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchLevel {
    /// `GOAMD64`, `GOARM`, `GOARM64`, `GO386`, ...
    pub variable: String,
    /// `v3`, `7`, `v8.0,lse`, `sse2`, ...
    pub value: String,
}

/// Version control stamping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vcs {
    pub system: Option<String>,
    pub revision: Option<String>,
    pub time: Option<String>,
    pub modified: Option<bool>,
}

/// The two raw strings of the blob, before module info parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawBuildInfo<'data> {
    /// File offset of the header, for messages.
    pub file_offset: u64,
    pub layout: Layout,
    pub version: &'data [u8],
    /// The module info with its sentinels stripped; empty when it had none.
    pub modinfo: &'data [u8],
}

/// Finds and decodes the build info. `Ok(None)` when there is none (not a Go binary, or a
/// Go binary older than 1.13); `Err` naming the offset when the blob is there but broken.
/// Module info lines that do not parse are skipped, each with a warning.
pub(crate) fn read(
    view: &ElfView<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<BuildInfo>, String> {
    let Some(raw) = read_raw(view)? else {
        return Ok(None);
    };
    let (info, errors) = from_raw(&raw);
    for e in errors {
        warnings.push(format!(
            "Go build info at file offset {:#x}: module info {e} (line skipped)",
            raw.file_offset
        ));
    }
    Ok(Some(info))
}

/// Decodes a raw blob into build info; the second value lists module info lines that did
/// not parse (they are skipped, the other lines stand).
pub(crate) fn from_raw(raw: &RawBuildInfo<'_>) -> (BuildInfo, Vec<String>) {
    let parsed = parse_modinfo(raw.modinfo);
    let typed = typed_settings(&parsed.settings);
    let info = BuildInfo {
        layout: raw.layout,
        go_version: lossy(raw.version),
        module_mode: parsed.main.is_some(),
        path: parsed.path,
        main: parsed.main,
        deps: parsed.deps,
        settings: parsed.settings,
        typed,
    };
    (info, parsed.errors)
}

/// The bytes from `addr` to the end of the first program header (of any type) whose file
/// image holds `addr`, with the file offset of `addr`: `debug/buildinfo`'s `DataReader`.
fn data_at<'data>(view: &ElfView<'data>, addr: u64) -> Option<(&'data [u8], u64)> {
    let seg = view
        .segments
        .iter()
        .find(|s| s.filesz > 0 && addr >= s.vaddr && addr - s.vaddr < s.filesz)?;
    let skip = addr - seg.vaddr;
    let offset = seg.offset.checked_add(skip)?;
    let file_len = view.data.len() as u64;
    if offset >= file_len {
        return None;
    }
    let len = (seg.filesz - skip).min(file_len - offset);
    Some((view.file_range(offset, len)?, offset))
}

/// Up to `len` bytes at `addr`, stopping at the end of the containing segment.
fn read_data<'data>(view: &ElfView<'data>, addr: u64, len: u64) -> Option<&'data [u8]> {
    let (bytes, _) = data_at(view, addr)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX).min(bytes.len());
    Some(&bytes[..len])
}

/// Where `debug/buildinfo` looks: the `.go.buildinfo` section (address, size and file
/// offset), else the first loadable segment that is writable and not executable (its
/// memory size, as Go does).
fn data_start(view: &ElfView<'_>) -> Option<(u64, u64, Option<u64>)> {
    if let Some(s) = view.section(".go.buildinfo") {
        return Some((s.addr, s.size, Some(s.offset)));
    }
    view.segments
        .iter()
        .find(|s| s.is_load() && s.writable() && !s.executable())
        .map(|s| (s.vaddr, s.memsz, None))
}

/// Finds the blob and reads its two strings.
pub(crate) fn read_raw<'data>(
    view: &ElfView<'data>,
) -> Result<Option<RawBuildInfo<'data>>, String> {
    let Some((start, size, section_offset)) = data_start(view) else {
        return Ok(None);
    };
    if size == 0 {
        return Ok(None);
    }
    let addr = match search_magic(view, start, size) {
        Some(a) => a,
        None => {
            if let Some(off) = section_offset {
                return Err(format!(
                    "Go build info: section .go.buildinfo at file offset {off:#x} holds no aligned \
                     build info magic"
                ));
            }
            // Beyond Go's own search: without section headers, a PIE keeps the blob in the
            // second writable segment (the first is the RELRO one), so look there too.
            match view
                .segments
                .iter()
                .filter(|s| s.is_load() && s.writable() && !s.executable() && s.vaddr != start)
                .find_map(|s| search_magic(view, s.vaddr, s.memsz))
            {
                Some(a) => a,
                None => return Ok(None),
            }
        }
    };
    let at = |a: u64| data_at(view, a).map_or(a, |(_, off)| off);
    let header = read_data(view, addr, HEADER_SIZE as u64).unwrap_or(&[]);
    if header.len() < HEADER_SIZE {
        return Err(format!(
            "Go build info at file offset {:#x}: header cut short ({} of {HEADER_SIZE} bytes)",
            at(addr),
            header.len()
        ));
    }
    let flags = header[15];
    let (layout, version, modinfo) = if flags & FLAG_INLINE != 0 {
        let (version, next) = decode_string(view, addr.saturating_add(HEADER_SIZE as u64))
            .map_err(|e| {
                format!(
                    "Go build info at file offset {:#x}: version string {e}",
                    at(addr)
                )
            })?;
        let (modinfo, _) = decode_string(view, next).map_err(|e| {
            format!(
                "Go build info at file offset {:#x}: module info string {e}",
                at(addr)
            )
        })?;
        (Layout::InlineStrings, version, modinfo)
    } else {
        let ptr_size = header[14];
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!(
                "Go build info at file offset {:#x}: pointer size {ptr_size} (expected 4 or 8)",
                at(addr)
            ));
        }
        let ptrs = PtrReader {
            size: ptr_size as usize,
            big_endian: flags & FLAG_BIG_ENDIAN != 0,
        };
        let vers_ptr = ptrs.read(header, 16).unwrap_or(0);
        let mod_ptr = ptrs.read(header, 16 + ptrs.size).unwrap_or(0);
        let version = read_string(view, ptrs, vers_ptr).unwrap_or(&[]);
        let modinfo = read_string(view, ptrs, mod_ptr).unwrap_or(&[]);
        (Layout::Pointers, version, modinfo)
    };
    if version.is_empty() {
        return Err(format!(
            "Go build info at file offset {:#x}: the Go version string is empty or unreadable",
            at(addr)
        ));
    }
    Ok(Some(RawBuildInfo {
        file_offset: at(addr),
        layout,
        version,
        modinfo: strip_sentinels(modinfo),
    }))
}

/// The first 16-byte aligned magic in `[start, start+size)`, read through the segments.
fn search_magic(view: &ElfView<'_>, start: u64, size: u64) -> Option<u64> {
    let end = start.checked_add(size)?;
    let mut pos = start.checked_add(ALIGN - 1)? & !(ALIGN - 1);
    while pos < end {
        let remaining = end - pos;
        let chunk = SEARCH_CHUNK.min(remaining);
        let (bytes, _) = data_at(view, pos)?;
        let n = usize::try_from(chunk)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        if n == 0 {
            return None;
        }
        let mut i = 0usize;
        while i + MAGIC.len() <= n {
            if &bytes[i..i + MAGIC.len()] == MAGIC {
                if remaining - (i as u64) < HEADER_SIZE as u64 {
                    return None;
                }
                return Some(pos + i as u64);
            }
            i += ALIGN as usize;
        }
        pos = pos.checked_add(chunk)?;
    }
    None
}

/// A varint length and that many bytes at `addr`; returns the string and the address after.
fn decode_string<'data>(view: &ElfView<'data>, addr: u64) -> Result<(&'data [u8], u64), String> {
    let head = read_data(view, addr, 10)
        .ok_or_else(|| format!("at address {addr:#x} is not in the file"))?;
    let (len, n) = uvarint(head).ok_or_else(|| "has a malformed length".to_string())?;
    let data_addr = addr.saturating_add(n as u64);
    let bytes = read_data(view, data_addr, len).unwrap_or(&[]);
    if (bytes.len() as u64) < len && len > 0 {
        return Err(format!(
            "of {len} bytes runs past the end of its segment ({} available)",
            bytes.len()
        ));
    }
    Ok((bytes, data_addr.saturating_add(len)))
}

/// `encoding/binary.Uvarint`: the value and the bytes used, `None` on a short buffer or
/// overflow.
pub(crate) fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    let mut s = 0u32;
    for (i, &c) in b.iter().enumerate().take(10) {
        if c < 0x80 {
            if i == 9 && c > 1 {
                return None;
            }
            return Some((x | (u64::from(c) << s), i + 1));
        }
        x |= u64::from(c & 0x7f) << s;
        s += 7;
    }
    None
}

/// Reads target pointers of the size and byte order the blob states.
#[derive(Debug, Clone, Copy)]
struct PtrReader {
    size: usize,
    big_endian: bool,
}

impl PtrReader {
    fn read(&self, b: &[u8], at: usize) -> Option<u64> {
        let bytes = b.get(at..at.checked_add(self.size)?)?;
        let mut v = 0u64;
        if self.big_endian {
            for &c in bytes {
                v = (v << 8) | u64::from(c);
            }
        } else {
            for &c in bytes.iter().rev() {
                v = (v << 8) | u64::from(c);
            }
        }
        Some(v)
    }
}

/// The bytes of the Go string whose header `{data, len}` is at `addr`.
fn read_string<'data>(view: &ElfView<'data>, ptrs: PtrReader, addr: u64) -> Option<&'data [u8]> {
    let hdr = read_data(view, addr, 2 * ptrs.size as u64)?;
    let data = ptrs.read(hdr, 0)?;
    let len = ptrs.read(hdr, ptrs.size)?;
    let bytes = read_data(view, data, len)?;
    (bytes.len() as u64 == len).then_some(bytes)
}

/// Strips the 16-byte sentinels that frame the module info; empty when they are missing.
pub(crate) fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() >= 33 && m[m.len() - 17] == b'\n' {
        &m[16..m.len() - 16]
    } else {
        &[]
    }
}

/// `b` quoted for a one-line message, cut to 60 bytes.
pub(super) fn quote_short(b: &[u8]) -> String {
    let cut = &b[..b.len().min(60)];
    let more = if cut.len() < b.len() { "..." } else { "" };
    format!("{:?}{more}", lossy(cut))
}

pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub(super) fn non_empty(b: &[u8]) -> Option<String> {
    (!b.is_empty()).then(|| lossy(b))
}

#[cfg(test)]
mod tests {
    use super::modinfo::*;
    use super::settings::*;
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        let mut v = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
        v.extend_from_slice(body.as_bytes());
        v.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
        v
    }

    #[test]
    fn sentinels_are_stripped_only_when_framed() {
        let framed = frame("path\tx\n");
        assert_eq!(strip_sentinels(&framed), b"path\tx\n");
        // No newline before the trailing sentinel: not module info.
        assert_eq!(strip_sentinels(&frame("path\tx")), b"");
        assert_eq!(strip_sentinels(b"short"), b"");
        assert_eq!(strip_sentinels(b""), b"");
    }

    #[test]
    fn modinfo_lines() {
        let text = "path\texample.com/cmd/app\n\
                    mod\texample.com\t(devel)\t\n\
                    dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n\
                    dep\tgithub.com/a/b\tv1.2.3\n\
                    =>\t../b\t\t\n\
                    dep\tgithub.com/c/d\tv1.0.0\th1:x=\n\
                    =>\tgithub.com/e/d\tv1.0.1\th1:y=\n\
                    build\t-buildmode=exe\n\
                    build\t-ldflags=\"-s -w -X main.v=1\"\n\
                    build\t\"we=ird\"=`raw value`\n\
                    build\tCGO_ENABLED=0\n\
                    build\tGOARCH=arm64\n\
                    build\tGOARM64=v8.0\n\
                    build\tGOAMD64=v3\n\
                    build\t-tags=netgo,osusergo\n\
                    build\tvcs=git\n\
                    build\tvcs.modified=true\n\
                    build\tunterminated=1";
        let p = parse_modinfo(text.as_bytes());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.path.as_deref(), Some("example.com/cmd/app"));
        let main = p.main.unwrap();
        assert_eq!(
            (main.path.as_str(), main.version.as_str(), main.sum),
            ("example.com", "(devel)", None)
        );
        assert_eq!(p.deps.len(), 3);
        assert_eq!(p.deps[0].sum.as_deref(), Some("h1:abc="));
        assert_eq!(p.deps[1].sum, None);
        let r = p.deps[1].replace.as_deref().unwrap();
        assert_eq!(
            (r.path.as_str(), r.version.as_str(), &r.sum),
            ("../b", "", &None)
        );
        assert_eq!(p.deps[2].replace.as_deref().unwrap().version, "v1.0.1");
        let kv: Vec<(&str, &str)> = p
            .settings
            .iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(kv[1], ("-ldflags", "-s -w -X main.v=1"));
        assert_eq!(kv[2], ("we=ird", "raw value"));
        // The last line has no newline and is ignored, as Go does.
        assert!(!kv.iter().any(|(k, _)| *k == "unterminated"));
        let t = typed_settings(&p.settings);
        assert_eq!(t.cgo_enabled, Some(false));
        assert!(t.stripped_by_ldflags);
        assert_eq!(t.ldflags.as_deref(), Some("-s -w -X main.v=1"));
        // The level variable that goes with GOARCH wins.
        assert_eq!(
            t.arch_level,
            Some(ArchLevel {
                variable: "GOARM64".into(),
                value: "v8.0".into()
            })
        );
        assert_eq!(t.tags, vec!["netgo", "osusergo"]);
        let vcs = t.vcs.unwrap();
        assert_eq!(
            (vcs.system.as_deref(), vcs.modified, vcs.revision),
            (Some("git"), Some(true), None)
        );
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let text = "mod\tonly-one-column\n\
                    =>\ta\tb\tc\n\
                    dep\ta\tv1\n\
                    =>\tb\tv2\t\n\
                    build\tnoequals\n\
                    build\t=v\n\
                    build\tk=has space\n\
                    build\t\"k\"x\n\
                    build\tk=\"bad\\q\"\n\
                    build\tgood=1\n";
        let p = parse_modinfo(text.as_bytes());
        assert_eq!(p.errors.len(), 7, "{:?}", p.errors);
        assert!(p.errors[0].starts_with("line 1: expected 2 or 3 columns"));
        assert!(p.errors[1].starts_with("line 2: replacement with no module"));
        assert!(p.main.is_none());
        assert_eq!(p.deps[0].replace.as_deref().unwrap().path, "b");
        assert_eq!(p.settings.len(), 1);
        assert_eq!(p.settings[0].key, "good");
    }

    #[test]
    fn unquoting_follows_strconv() {
        assert_eq!(
            unquote(br#""a\tb\x41\101\u00e9\"""#).unwrap(),
            "a\tbAAé\"".as_bytes()
        );
        assert_eq!(unquote(b"`a\\tb`").unwrap(), b"a\\tb");
        assert!(unquote(br#""\'""#).is_none());
        assert!(unquote(br#""\400""#).is_none());
        assert!(unquote(br#""\ud800""#).is_none());
        assert!(unquote(b"\"abc").is_none());
        assert_eq!(quoted_prefix(br#""a\"b"=c"#), Some(6));
        assert_eq!(quoted_prefix(b"`k`=v"), Some(3));
        assert_eq!(quoted_prefix(b"\"open"), None);
    }

    #[test]
    fn ldflags_strip_detection() {
        assert!(ldflags_strip("-s"));
        assert!(ldflags_strip("-w -X main.version=1"));
        assert!(ldflags_strip("--s=true"));
        assert!(ldflags_strip("'-extldflags=-static' -s"));
        assert!(!ldflags_strip("-s=false"));
        assert!(!ldflags_strip("-X main.s -X=-w"));
        assert!(!ldflags_strip("-X main.v=-s"));
        assert!(!ldflags_strip("-extldflags \"-s -w\""));
        assert!(!ldflags_strip(""));
    }

    #[test]
    fn uvarint_matches_go() {
        assert_eq!(uvarint(&[0x08]), Some((8, 1)));
        assert_eq!(uvarint(&[0x80, 0x01]), Some((128, 2)));
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[]), None);
        assert_eq!(uvarint(&[0xff; 10]), None);
    }
}
