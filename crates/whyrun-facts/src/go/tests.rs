//! Go facts read from hand-built ELF images: both build info layouts, the pclntab found by
//! section and by scanning, the `runtime.buildVersion` fallback, and broken or truncated
//! structures that must give warnings, never panics.
//!
//! No Go toolchain older than 1.18 is available here, so the pointer layout images are
//! built byte by byte following `debug/buildinfo/buildinfo.go`: a 32-byte header (magic,
//! pointer size, flags with bit 1 clear) whose two pointers lead to Go string headers
//! `{data, len}` for the version and the module info.

use super::pclntab::tests::build as build_pclntab;
use super::*;
use crate::elf::notes::raw_notes;

/// One loadable segment of a test image.
struct Seg {
    flags: u32,
    vaddr: u64,
    data: Vec<u8>,
}

/// One section: its bytes are either inside a segment or its own.
struct Sect {
    name: &'static str,
    sh_type: u32,
    place: Place,
    link: u32,
}

enum Place {
    /// Segment index, offset in it, size.
    InSeg(usize, u64, u64),
    Own(Vec<u8>),
}

const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
const SHT_PROGBITS: u32 = 1;
const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;

/// Writes integers in one byte order.
#[derive(Clone, Copy)]
struct W {
    be: bool,
}

impl W {
    fn n(&self, v: &mut Vec<u8>, x: u64, size: usize) {
        let b = if self.be {
            x.to_be_bytes()
        } else {
            x.to_le_bytes()
        };
        if self.be {
            v.extend_from_slice(&b[8 - size..]);
        } else {
            v.extend_from_slice(&b[..size]);
        }
    }
}

/// An ELF executable with these segments (each at a file offset of 0x1000 * (index + 1))
/// and, when `sects` is not empty, section headers.
fn elf(is64: bool, be: bool, segs: &[Seg], sects: &[Sect]) -> Vec<u8> {
    let w = W { be };
    let word = if is64 { 8 } else { 4 };
    let (ehsize, phentsize, shentsize) = if is64 { (64, 56, 64) } else { (52, 32, 40) };
    let seg_off = |i: usize| 0x1000 * (i as u64 + 1);
    let mut out = Vec::new();
    out.extend_from_slice(b"\x7fELF");
    out.extend_from_slice(&[if is64 { 2 } else { 1 }, if be { 2 } else { 1 }, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    w.n(&mut out, 2, 2);
    w.n(&mut out, if is64 { 62 } else { 8 }, 2);
    w.n(&mut out, 1, 4);
    w.n(&mut out, segs.first().map_or(0, |s| s.vaddr), word);
    w.n(&mut out, ehsize, word);
    let shoff_at = out.len();
    w.n(&mut out, 0, word);
    w.n(&mut out, 0, 4);
    w.n(&mut out, ehsize, 2);
    w.n(&mut out, phentsize, 2);
    w.n(&mut out, segs.len() as u64, 2);
    w.n(&mut out, shentsize, 2);
    let nsect = if sects.is_empty() {
        0
    } else {
        sects.len() as u64 + 2
    };
    w.n(&mut out, nsect, 2);
    w.n(&mut out, nsect.saturating_sub(1), 2);
    for (i, s) in segs.iter().enumerate() {
        let len = s.data.len() as u64;
        w.n(&mut out, 1, 4);
        if is64 {
            w.n(&mut out, u64::from(s.flags), 4);
        }
        w.n(&mut out, seg_off(i), word);
        w.n(&mut out, s.vaddr, word);
        w.n(&mut out, s.vaddr, word);
        w.n(&mut out, len, word);
        w.n(&mut out, len, word);
        if !is64 {
            w.n(&mut out, u64::from(s.flags), 4);
        }
        w.n(&mut out, 0x1000, word);
    }
    for (i, s) in segs.iter().enumerate() {
        out.resize(seg_off(i) as usize, 0);
        out.extend_from_slice(&s.data);
    }
    if sects.is_empty() {
        return out;
    }
    // Own section data, then the section name table, then the headers.
    let mut shstrtab = vec![0u8];
    let mut rows = Vec::new();
    for s in sects {
        let name = shstrtab.len() as u64;
        shstrtab.extend_from_slice(s.name.as_bytes());
        shstrtab.push(0);
        let (addr, offset, size) = match &s.place {
            Place::InSeg(i, off, size) => (segs[*i].vaddr + off, seg_off(*i) + off, *size),
            Place::Own(data) => {
                let at = out.len() as u64;
                out.extend_from_slice(data);
                (0, at, data.len() as u64)
            }
        };
        rows.push((name, s.sh_type, addr, offset, size, s.link));
    }
    let shstr_name = shstrtab.len() as u64;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let shstr_off = out.len() as u64;
    out.extend_from_slice(&shstrtab);
    rows.push((
        shstr_name,
        SHT_STRTAB,
        0,
        shstr_off,
        shstrtab.len() as u64,
        0,
    ));
    while out.len() % 8 != 0 {
        out.push(0);
    }
    let shoff = out.len() as u64;
    let mut patch = Vec::new();
    w.n(&mut patch, shoff, word);
    out[shoff_at..shoff_at + word].copy_from_slice(&patch);
    out.extend_from_slice(&vec![0u8; shentsize as usize]);
    for (name, ty, addr, offset, size, link) in rows {
        w.n(&mut out, name, 4);
        w.n(&mut out, u64::from(ty), 4);
        w.n(&mut out, 0, word);
        w.n(&mut out, addr, word);
        w.n(&mut out, offset, word);
        w.n(&mut out, size, word);
        w.n(&mut out, u64::from(link), 4);
        w.n(&mut out, 0, 4);
        w.n(&mut out, 1, word);
        w.n(
            &mut out,
            if ty == SHT_SYMTAB {
                if is64 {
                    24
                } else {
                    16
                }
            } else {
                0
            },
            word,
        );
    }
    out
}

/// Module info framed by 16-byte sentinels, as cmd/go writes it.
fn framed(body: &str) -> Vec<u8> {
    let mut v = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6".to_vec();
    v.extend_from_slice(body.as_bytes());
    v.extend_from_slice(b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2");
    v
}

/// A data segment at `vaddr` holding a pre-1.18 build info header (16-byte aligned, after
/// some leading data), the two string headers it points to, and the string bytes.
fn pointer_layout(vaddr: u64, ptr: usize, be: bool, version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let w = W { be };
    let mut d = vec![0x11u8; 0x20];
    let header_at = d.len() as u64;
    d.extend_from_slice(b"\xff Go buildinf:");
    d.push(ptr as u8);
    d.push(u8::from(be));
    // Header 32 bytes for either pointer size; the string headers follow at +32.
    let hdrs_at = header_at + 32;
    let strings_at = hdrs_at + 4 * ptr as u64;
    w.n(&mut d, vaddr + hdrs_at, ptr);
    w.n(&mut d, vaddr + hdrs_at + 2 * ptr as u64, ptr);
    d.resize(hdrs_at as usize, 0);
    w.n(&mut d, vaddr + strings_at, ptr);
    w.n(&mut d, version.len() as u64, ptr);
    w.n(&mut d, vaddr + strings_at + version.len() as u64, ptr);
    w.n(&mut d, modinfo.len() as u64, ptr);
    d.extend_from_slice(version);
    d.extend_from_slice(modinfo);
    d.resize(d.len() + 64, 0);
    d
}

/// A Go 1.18+ header with inline varint strings.
fn inline_layout(version: &[u8], modinfo: &[u8]) -> Vec<u8> {
    let mut d = b"\xff Go buildinf:\x08\x02".to_vec();
    d.resize(32, 0);
    for s in [version, modinfo] {
        let mut n = s.len();
        while n >= 0x80 {
            d.push((n as u8) | 0x80);
            n >>= 7;
        }
        d.push(n as u8);
        d.extend_from_slice(s);
    }
    d
}

fn go_facts(image: &[u8]) -> (Option<GoFacts>, Vec<String>) {
    let view = ElfView::parse(image).expect("test image parses");
    let notes = raw_notes(&view);
    let mut warnings = Vec::new();
    let facts = inspect(&view, &notes, &|_| {}, &mut warnings);
    (facts, warnings)
}

const MODINFO: &str = "path\texample.com/app\n\
                       mod\texample.com/app\t(devel)\t\n\
                       dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n";

#[test]
fn pointer_layout_without_section_headers() {
    // A text segment, then the first writable non-executable segment, which Go searches.
    let data = pointer_layout(0x50_0000, 8, false, b"go1.16.15", &framed(MODINFO));
    let image = elf(
        true,
        false,
        &[
            Seg {
                flags: PF_R | PF_X,
                vaddr: 0x40_0000,
                data: vec![0x90; 64],
            },
            Seg {
                flags: PF_R | PF_W,
                vaddr: 0x50_0000,
                data,
            },
        ],
        &[],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(warnings.is_empty(), "{warnings:?}");
    let facts = facts.unwrap();
    assert_eq!(facts.version.as_deref(), Some("go1.16.15"));
    let bi = facts.build_info.unwrap();
    assert_eq!(bi.layout, Layout::Pointers);
    assert!(bi.module_mode);
    assert_eq!(bi.path.as_deref(), Some("example.com/app"));
    assert_eq!(bi.main.unwrap().version, "(devel)");
    assert_eq!(bi.deps.len(), 1);
    assert_eq!(bi.deps[0].sum.as_deref(), Some("h1:abc="));
    assert!(bi.settings.is_empty());
    assert!(facts.symtab.is_none());
}

#[test]
fn pointer_layout_big_endian_32_bit_in_section() {
    let data = pointer_layout(0x1_0000, 4, true, b"go1.13", &framed(MODINFO));
    let size = data.len() as u64;
    let image = elf(
        false,
        true,
        &[Seg {
            flags: PF_R | PF_W,
            vaddr: 0x1_0000,
            data,
        }],
        &[Sect {
            name: ".go.buildinfo",
            sh_type: SHT_PROGBITS,
            place: Place::InSeg(0, 0, size),
            link: 0,
        }],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(warnings.is_empty(), "{warnings:?}");
    let bi = facts.unwrap().build_info.unwrap();
    assert_eq!(
        (bi.layout, bi.go_version.as_str()),
        (Layout::Pointers, "go1.13")
    );
    assert_eq!(bi.deps[0].path, "golang.org/x/sys");
}

#[test]
fn gopath_mode_has_a_version_and_no_module_info() {
    let data = pointer_layout(0x50_0000, 8, false, b"go1.15.2", b"");
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R | PF_W,
            vaddr: 0x50_0000,
            data,
        }],
        &[],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(warnings.is_empty(), "{warnings:?}");
    let bi = facts.unwrap().build_info.unwrap();
    assert!(!bi.module_mode);
    assert_eq!(bi.path, None);
    assert_eq!(bi.main, None);
    // Module info without its sentinels is dropped, as Go does.
    let data = pointer_layout(0x50_0000, 8, false, b"go1.15.2", MODINFO.as_bytes());
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R | PF_W,
            vaddr: 0x50_0000,
            data,
        }],
        &[],
    );
    let bi = go_facts(&image).0.unwrap().build_info.unwrap();
    assert!(!bi.module_mode && bi.deps.is_empty());
}

#[test]
fn pointer_into_nowhere_is_a_warning() {
    let mut data = pointer_layout(0x50_0000, 8, false, b"go1.16", b"");
    // The version pointer now points outside every segment.
    data[0x20 + 16..0x20 + 24].copy_from_slice(&0xdead_0000u64.to_le_bytes());
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R | PF_W,
            vaddr: 0x50_0000,
            data,
        }],
        &[],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(facts.is_none());
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with("Go build info at file offset 0x1020:"),
        "{warnings:?}"
    );
}

#[test]
fn inline_layout_and_its_truncations() {
    let mut data = vec![0u8; 16];
    data.extend_from_slice(&inline_layout(b"go1.24.4", &framed(MODINFO)));
    let size = data.len() as u64;
    let build = |data: Vec<u8>, size: u64| {
        elf(
            true,
            false,
            &[Seg {
                flags: PF_R | PF_W,
                vaddr: 0x60_0000,
                data,
            }],
            &[Sect {
                name: ".go.buildinfo",
                sh_type: SHT_PROGBITS,
                place: Place::InSeg(0, 0, size),
                link: 0,
            }],
        )
    };
    let (facts, warnings) = go_facts(&build(data.clone(), size));
    assert!(warnings.is_empty(), "{warnings:?}");
    let bi = facts.unwrap().build_info.unwrap();
    assert_eq!(
        (bi.layout, bi.go_version.as_str()),
        (Layout::InlineStrings, "go1.24.4")
    );
    assert!(bi.module_mode);

    // The module info cut off by the end of the segment.
    let (facts, warnings) = go_facts(&build(data[..data.len() - 20].to_vec(), size - 20));
    assert!(facts.and_then(|f| f.build_info).is_none());
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains("module info string of"),
        "{warnings:?}"
    );

    // An impossible length.
    let mut huge = data.clone();
    huge[16 + 32 + 9..16 + 32 + 9 + 10].copy_from_slice(&[0xff; 10]);
    let (_, warnings) = go_facts(&build(huge, size));
    assert!(warnings[0].contains("malformed length"), "{warnings:?}");

    // The section without the magic.
    let mut nomagic = data.clone();
    nomagic[16] = 0;
    let (_, warnings) = go_facts(&build(nomagic, size));
    assert!(
        warnings[0].contains("holds no aligned build info magic"),
        "{warnings:?}"
    );

    // Every truncation and every single-byte corruption: no panic.
    for cut in 0..data.len() {
        let _ = go_facts(&build(data[..cut].to_vec(), cut as u64));
    }
    for i in 16..data.len() {
        for b in [0u8, 0x7f, 0x80, 0xff] {
            let mut d = data.clone();
            d[i] = b;
            let _ = go_facts(&build(d, size));
        }
    }
}

#[test]
fn pclntab_found_by_scanning_without_sections() {
    let names = [
        "runtime.main",
        "main.main",
        "crypto/x509.loadSystemRoots",
        "os/user._Cfunc_mygetpwuid_r",
        "gopkg.in/yaml%2ev3.Marshal",
        "crosscall2",
    ];
    for (version, is64, be) in [
        (PclnVersion::V12, true, false),
        (PclnVersion::V116, false, true),
        (PclnVersion::V118, true, true),
        (PclnVersion::V120, false, false),
    ] {
        let ptr = if is64 { 8 } else { 4 };
        // Leading bytes that look like the start of a header but are not one.
        let mut rodata = vec![0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8, 0xff, 0xff, 0xff, 0xff];
        if be {
            rodata = vec![0xff, 0xff, 0xff, 0xf1, 0, 0, 1, 8, 0xff, 0xff, 0xff, 0xff];
        }
        rodata.resize(0x40, 0);
        rodata.extend_from_slice(&build_pclntab(version, ptr, be, &names));
        let mut data = vec![0u8; 16];
        data.extend_from_slice(&inline_layout(b"go1.99", &framed("path\tx\n")));
        let image = elf(
            is64,
            be,
            &[
                Seg {
                    flags: PF_R,
                    vaddr: 0x1_0000,
                    data: rodata,
                },
                Seg {
                    flags: PF_R | PF_W,
                    vaddr: 0x2_0000,
                    data,
                },
            ],
            &[],
        );
        let (facts, warnings) = go_facts(&image);
        assert!(warnings.is_empty(), "{version:?}: {warnings:?}");
        let st = facts
            .unwrap()
            .symtab
            .unwrap_or_else(|| panic!("{version:?}: no symtab"));
        assert_eq!(st.pclntab_version, version);
        assert_eq!(st.function_count, names.len());
        assert_eq!(
            st.packages,
            vec![
                "crypto/x509",
                "gopkg.in/yaml.v3",
                "main",
                "os/user",
                "runtime"
            ],
            "{version:?}"
        );
        assert!(st.needs.cgo);
        assert_eq!(
            st.needs.os_user,
            Some(OsUserNeeds {
                cgo: true,
                reach: None
            })
        );
        assert!(st.needs.x509.unwrap().system_roots);
    }
}

#[test]
fn no_scan_without_a_sign_of_go() {
    let rodata = build_pclntab(PclnVersion::V120, 8, false, &["main.main"]);
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R,
            vaddr: 0x1_0000,
            data: rodata,
        }],
        &[],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(facts.is_none() && warnings.is_empty());
}

#[test]
fn broken_pclntab_section_is_a_warning() {
    let mut table = build_pclntab(PclnVersion::V118, 8, false, &["main.main"]);
    table[6] = 3;
    let size = table.len() as u64;
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R,
            vaddr: 0x1_0000,
            data: table,
        }],
        &[Sect {
            name: ".gopclntab",
            sh_type: SHT_PROGBITS,
            place: Place::InSeg(0, 0, size),
            link: 0,
        }],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(facts.is_none());
    assert_eq!(
        warnings,
        vec!["Go pclntab at file offset 0x1000: PC quantum 3 (expected 1, 2 or 4)"]
    );
}

#[test]
fn version_from_runtime_build_version_symbol() {
    // No build info (before Go 1.13): the version comes from the symbol table.
    let w = W { be: false };
    let mut data = Vec::new();
    w.n(&mut data, 0x3_0010, 8);
    w.n(&mut data, 8, 8);
    data.extend_from_slice(b"go1.12.9");
    let mut strtab = b"\0runtime.buildVersion\0".to_vec();
    strtab.push(0);
    let mut symtab = vec![0u8; 24];
    w.n(&mut symtab, 1, 4);
    symtab.extend_from_slice(&[1, 0]);
    w.n(&mut symtab, 1, 2);
    w.n(&mut symtab, 0x3_0000, 8);
    w.n(&mut symtab, 16, 8);
    let table = build_pclntab(PclnVersion::V12, 8, false, &["runtime.main", "main.main"]);
    let table_len = table.len() as u64;
    let image = elf(
        true,
        false,
        &[
            Seg {
                flags: PF_R,
                vaddr: 0x1_0000,
                data: table,
            },
            Seg {
                flags: PF_R | PF_W,
                vaddr: 0x3_0000,
                data,
            },
        ],
        &[
            Sect {
                name: ".gopclntab",
                sh_type: SHT_PROGBITS,
                place: Place::InSeg(0, 0, table_len),
                link: 0,
            },
            Sect {
                name: ".symtab",
                sh_type: SHT_SYMTAB,
                place: Place::Own(symtab),
                // Section 0 is the null one, so `.strtab` is index 3.
                link: 3,
            },
            Sect {
                name: ".strtab",
                sh_type: SHT_STRTAB,
                place: Place::Own(strtab),
                link: 0,
            },
        ],
    );
    let (facts, warnings) = go_facts(&image);
    assert!(warnings.is_empty(), "{warnings:?}");
    let facts = facts.unwrap();
    assert_eq!(facts.version.as_deref(), Some("go1.12.9"));
    assert!(facts.build_info.is_none());
    let st = facts.symtab.unwrap();
    assert_eq!(st.pclntab_version, PclnVersion::V12);
    assert_eq!(st.packages, vec!["main", "runtime"]);
}

#[test]
fn json_shape() {
    let data = pointer_layout(0x50_0000, 8, false, b"go1.16.15", &framed(MODINFO));
    let image = elf(
        true,
        false,
        &[Seg {
            flags: PF_R | PF_W,
            vaddr: 0x50_0000,
            data,
        }],
        &[],
    );
    let facts = go_facts(&image).0.unwrap();
    let v = serde_json::to_value(&facts).unwrap();
    assert_eq!(v["version"], "go1.16.15");
    assert_eq!(v["build_info"]["layout"], "pointers");
    assert_eq!(v["build_info"]["module_mode"], true);
    assert_eq!(
        v["build_info"]["deps"][0]["replace"],
        serde_json::Value::Null
    );
    assert_eq!(v["build_info"]["typed"]["trimpath"], false);
    assert_eq!(v["symtab"], serde_json::Value::Null);
    for v in [
        PclnVersion::V12,
        PclnVersion::V116,
        PclnVersion::V118,
        PclnVersion::V120,
    ] {
        assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        assert_eq!(v.to_string(), v.as_str());
    }
}
