//! Symbol version requirements (`.gnu.version_r` reached through DT_VERNEED) and the
//! symbols that carry each one (`.gnu.version` through DT_VERSYM over the dynamic symbol
//! table): the `GLIBC_2.34`, `GLIBCXX_3.4.30`, `CXXABI_1.3.13` a binary demands of its
//! libraries. Also the versions a library itself defines (DT_VERDEF).

use std::collections::BTreeMap;

use serde::Serialize;

use super::dynamic::Dynamic;
use super::view::{c_str, lossy, ElfView};

/// Bounds on what is read from version tables: far above anything real.
const MAX_VERNEED_FILES: usize = 4096;
const MAX_VERNAUX_PER_FILE: usize = 4096;
const MAX_SYMBOLS: u64 = 4_000_000;
const VER_FLG_WEAK: u16 = 0x2;

/// The versions one needed library must define.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionNeed {
    /// The library as named in the requirement (`libc.so.6`).
    pub library: String,
    pub versions: Vec<VersionRequirement>,
}

/// One required version and the dynamic symbols bound to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRequirement {
    /// `GLIBC_2.34`.
    pub name: String,
    /// A weak requirement (VER_FLG_WEAK) only warns when missing.
    pub weak: bool,
    /// The dynamic symbols that reference this version, sorted.
    pub symbols: Vec<String>,
}

/// The highest version of one version family (`GLIBC`, `GLIBCXX`, `CXXABI`, `GCC`, …)
/// the binary requires, with the symbols that need exactly that version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaxVersion {
    /// `GLIBC`.
    pub family: String,
    /// `GLIBC_2.34`.
    pub version: String,
    /// The libraries this version is required from (`libc.so.6`).
    pub libraries: Vec<String>,
    /// The symbols needing that exact version, sorted.
    pub symbols: Vec<String>,
}

/// Reads the version requirements and attributes each versioned dynamic symbol to one.
pub fn version_needs(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    warnings: &mut Vec<String>,
) -> Vec<VersionNeed> {
    let (mut needs, by_index, _) = read_needs(view, dynamic, warnings, true);
    attribute_symbols(view, dynamic, &by_index, &mut needs);
    for need in &mut needs {
        for v in &mut need.versions {
            v.symbols.sort();
            v.symbols.dedup();
        }
    }
    needs
}

/// The version requirements alone, every `symbols` list left empty: what a loader checks,
/// without the walk over the dynamic symbol table that [`version_needs`] adds.
pub fn version_requirements(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    warnings: &mut Vec<String>,
) -> Vec<VersionNeed> {
    read_needs(view, dynamic, warnings, false).0
}

/// [`version_requirements`], and whether the walk tried to read past the bytes
/// [`ElfView::bytes_from_vaddr`] gave it: for a view over parts of a file, the sign that
/// a larger part must be read for the result to be the whole file's.
pub(crate) fn version_requirements_checked(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    warnings: &mut Vec<String>,
) -> (Vec<VersionNeed>, bool) {
    let (needs, _, overran) = read_needs(view, dynamic, warnings, false);
    (needs, overran)
}

/// Version index (vna_other) -> (need, requirement) positions.
type ByIndex = BTreeMap<u16, (usize, usize)>;

/// The requirements, their version indexes (when `index`), and whether a read went past
/// the area.
fn read_needs(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    warnings: &mut Vec<String>,
    index: bool,
) -> (Vec<VersionNeed>, ByIndex, bool) {
    let mut by_index = ByIndex::new();
    let Some(addr) = dynamic.verneed else {
        return (Vec::new(), by_index, false);
    };
    let Some(area) = view.bytes_from_vaddr(addr) else {
        warnings.push(format!(
            "DT_VERNEED points at {addr:#x}, outside the loadable segments"
        ));
        return (Vec::new(), by_index, false);
    };
    // The end of the furthest read tried.
    let mut reach = 0usize;
    let r = view.reader();
    let strtab = dynamic.strtab;
    let name_at =
        |off: u32| -> String { c_str(strtab, off as usize).map(lossy).unwrap_or_default() };
    let limit = dynamic
        .verneed_num
        .map_or(MAX_VERNEED_FILES, |n| (n as usize).min(MAX_VERNEED_FILES));

    // Sized from the counts the file states, within bounds a hostile count cannot raise.
    let mut needs = Vec::with_capacity(limit.min(64));
    let mut at = 0usize;
    for _ in 0..limit {
        reach = reach.max(at.saturating_add(16));
        let (Some(cnt), Some(file), Some(aux), Some(next)) = (
            r.u16(area, at + 2),
            r.u32(area, at + 4),
            r.u32(area, at + 8),
            r.u32(area, at + 12),
        ) else {
            warnings.push(format!(
                "version requirement at {:#x} runs past its segment",
                addr + at as u64
            ));
            break;
        };
        let mut need = VersionNeed {
            library: name_at(file),
            versions: Vec::with_capacity(usize::from(cnt).min(64)),
        };
        let mut aux_at = at.saturating_add(aux as usize);
        for _ in 0..(cnt as usize).min(MAX_VERNAUX_PER_FILE) {
            reach = reach.max(aux_at.saturating_add(16));
            let (Some(flags), Some(other), Some(name), Some(aux_next)) = (
                r.u16(area, aux_at + 4),
                r.u16(area, aux_at + 6),
                r.u32(area, aux_at + 8),
                r.u32(area, aux_at + 12),
            ) else {
                warnings.push(format!(
                    "version requirement entry at {:#x} runs past its segment",
                    addr + aux_at as u64
                ));
                break;
            };
            if index {
                by_index.insert(other & 0x7fff, (needs.len(), need.versions.len()));
            }
            need.versions.push(VersionRequirement {
                name: name_at(name),
                weak: flags & VER_FLG_WEAK != 0,
                symbols: Vec::new(),
            });
            if aux_next == 0 {
                break;
            }
            aux_at = aux_at.saturating_add(aux_next as usize);
        }
        needs.push(need);
        if next == 0 {
            break;
        }
        at = at.saturating_add(next as usize);
    }
    (needs, by_index, reach > area.len())
}

fn attribute_symbols(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    by_index: &ByIndex,
    needs: &mut [VersionNeed],
) {
    let (Some(symtab), Some(versym)) = (dynamic.symtab, dynamic.versym) else {
        return;
    };
    let (Some(syms), Some(vers)) = (view.bytes_from_vaddr(symtab), view.bytes_from_vaddr(versym))
    else {
        return;
    };
    let r = view.reader();
    let entsize = if view.is_64 { 24 } else { 16 };
    let count = dynamic
        .symbol_count(view)
        .unwrap_or(0)
        .min(MAX_SYMBOLS)
        .min((syms.len() / entsize) as u64)
        .min((vers.len() / 2) as u64) as usize;
    for i in 1..count {
        let Some(index) = r.u16(vers, i * 2) else {
            break;
        };
        let Some(&(n, v)) = by_index.get(&(index & 0x7fff)) else {
            continue;
        };
        let Some(name_off) = r.u32(syms, i * entsize) else {
            break;
        };
        if let Some(name) = c_str(dynamic.strtab, name_off as usize) {
            needs[n].versions[v].symbols.push(lossy(name));
        }
    }
}

/// A symbol an object imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    pub name: String,
    /// The version it requires; `None` for an unversioned reference.
    pub version: Option<String>,
    /// A weak reference may stay undefined.
    pub weak: bool,
    /// A function, which the loader binds lazily (unless the object asks for BIND_NOW);
    /// anything else is bound when the object is loaded.
    pub function: bool,
}

/// A symbol an object defines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    pub name: String,
    /// The version it is defined at; `None`: unversioned (or the base version).
    pub version: Option<String>,
    /// Not the default version (`sym@VER`, not `sym@@VER`): only a reference to exactly
    /// this version binds to it.
    pub hidden: bool,
}

/// An object's dynamic symbols: those it defines and those it imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicSymbols {
    pub defined: Vec<Definition>,
    pub imports: Vec<Import>,
    /// DF_BIND_NOW, DF_1_NOW: every symbol is bound at load, functions too.
    pub bind_now: bool,
}

/// Reads the dynamic symbol table with each symbol's version (DT_VERSYM over DT_VERDEF and
/// DT_VERNEED), bounded like the version tables.
pub fn dynamic_symbols(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
    warnings: &mut Vec<String>,
) -> DynamicSymbols {
    const DF_BIND_NOW: u64 = 0x8;
    const DF_1_NOW: u64 = 0x1;
    let mut out = DynamicSymbols {
        bind_now: dynamic.flags & DF_BIND_NOW != 0 || dynamic.flags_1 & DF_1_NOW != 0,
        ..Default::default()
    };
    let Some(syms) = dynamic.symtab.and_then(|a| view.bytes_from_vaddr(a)) else {
        return out;
    };
    let vers = dynamic.versym.and_then(|a| view.bytes_from_vaddr(a));
    let (needs, by_index, _) = read_needs(view, dynamic, warnings, true);
    let defined_names = verdef_names(view, dynamic);
    let r = view.reader();
    let entsize = if view.is_64 { 24 } else { 16 };
    let (info_at, shndx_at) = if view.is_64 { (4, 6) } else { (12, 14) };
    let count = dynamic
        .symbol_count(view)
        .unwrap_or(0)
        .min(MAX_SYMBOLS)
        .min((syms.len() / entsize) as u64) as usize;
    for i in 1..count {
        let base = i * entsize;
        let (Some(name_off), Some(info), Some(shndx)) = (
            r.u32(syms, base),
            syms.get(base + info_at).copied(),
            r.u16(syms, base + shndx_at),
        ) else {
            break;
        };
        let Some(name) = c_str(dynamic.strtab, name_off as usize) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        const STB_LOCAL: u8 = 0;
        const STB_WEAK: u8 = 2;
        const STT_FUNC: u8 = 2;
        const STT_GNU_IFUNC: u8 = 10;
        let (bind, kind) = (info >> 4, info & 0xf);
        if bind == STB_LOCAL {
            continue;
        }
        let index = vers.and_then(|v| r.u16(v, i * 2)).unwrap_or(1);
        // Bit 15 marks a hidden definition, reachable only by its exact version.
        let (hidden, index) = (index & 0x8000 != 0, index & 0x7fff);
        if shndx == 0 {
            let version = by_index
                .get(&index)
                .map(|&(n, v)| needs[n].versions[v].name.clone());
            out.imports.push(Import {
                name: lossy(name),
                version,
                weak: bind == STB_WEAK,
                function: kind == STT_FUNC || kind == STT_GNU_IFUNC,
            });
        } else {
            out.defined.push(Definition {
                name: lossy(name),
                version: defined_names.get(&index).cloned(),
                hidden,
            });
        }
    }
    out
}

/// DT_VERDEF's version names by index (the base entry, index 1, names the file).
fn verdef_names(view: &ElfView<'_>, dynamic: &Dynamic<'_>) -> BTreeMap<u16, String> {
    walk_verdef(view, dynamic).0.into_iter().collect()
}

/// The version names a shared library defines (DT_VERDEF), excluding the base entry that
/// names the file itself.
pub fn version_definitions(view: &ElfView<'_>, dynamic: &Dynamic<'_>) -> Vec<String> {
    version_definitions_checked(view, dynamic).0
}

/// [`version_definitions`], and whether the walk tried to read past the bytes it was given
/// (see [`version_requirements_checked`]).
pub(crate) fn version_definitions_checked(
    view: &ElfView<'_>,
    dynamic: &Dynamic<'_>,
) -> (Vec<String>, bool) {
    let (defs, past) = walk_verdef(view, dynamic);
    (defs.into_iter().map(|(_, name)| name).collect(), past)
}

/// DT_VERDEF's entries other than the base one, as (version index, name) in file order,
/// and whether the walk tried to read past the bytes it was given.
fn walk_verdef(view: &ElfView<'_>, dynamic: &Dynamic<'_>) -> (Vec<(u16, String)>, bool) {
    let Some(area) = dynamic.verdef.and_then(|a| view.bytes_from_vaddr(a)) else {
        return (Vec::new(), false);
    };
    // The end of the furthest read tried.
    let mut reach = 0usize;
    let r = view.reader();
    let limit = dynamic
        .verdef_num
        .map_or(MAX_VERNEED_FILES, |n| (n as usize).min(MAX_VERNEED_FILES));
    let mut out = Vec::new();
    let mut at = 0usize;
    for _ in 0..limit {
        reach = reach.max(at.saturating_add(20));
        let (Some(flags), Some(ndx), Some(aux), Some(next)) = (
            r.u16(area, at + 2),
            r.u16(area, at + 4),
            r.u32(area, at + 12),
            r.u32(area, at + 16),
        ) else {
            break;
        };
        const VER_FLG_BASE: u16 = 0x1;
        if flags & VER_FLG_BASE == 0 {
            reach = reach.max(at.saturating_add(aux as usize).saturating_add(4));
            if let Some(name) = r
                .u32(area, at.saturating_add(aux as usize))
                .and_then(|off| c_str(dynamic.strtab, off as usize))
            {
                out.push((ndx, lossy(name)));
            }
        }
        if next == 0 {
            break;
        }
        at = at.saturating_add(next as usize);
    }
    (out, reach > area.len())
}

/// Splits `GLIBC_2.2.5` into (`GLIBC`, [2, 2, 5]); `None` for names without a numeric part
/// such as `GLIBC_PRIVATE`.
pub fn split_version(name: &str) -> Option<(&str, Vec<u32>)> {
    let bytes = name.as_bytes();
    let cut = (1..bytes.len()).find(|&i| bytes[i - 1] == b'_' && bytes[i].is_ascii_digit())?;
    let family = &name[..cut - 1];
    let parts: Option<Vec<u32>> = name[cut..].split('.').map(|p| p.parse().ok()).collect();
    Some((family, parts?))
}

/// For each version family, the highest version required and the symbols needing it.
pub fn max_versions(needs: &[VersionNeed]) -> Vec<MaxVersion> {
    let mut best: BTreeMap<&str, (Vec<u32>, &str)> = BTreeMap::new();
    for v in needs.iter().flat_map(|n| &n.versions) {
        if let Some((family, nums)) = split_version(&v.name) {
            let entry = best.entry(family).or_insert((nums.clone(), &v.name));
            if nums > entry.0 {
                *entry = (nums, &v.name);
            }
        }
    }
    best.into_iter()
        .map(|(family, (_, version))| {
            let mut libraries = Vec::new();
            let mut symbols = Vec::new();
            for n in needs {
                for v in n.versions.iter().filter(|v| v.name == version) {
                    libraries.push(n.library.clone());
                    symbols.extend(v.symbols.iter().cloned());
                }
            }
            libraries.sort();
            libraries.dedup();
            symbols.sort();
            symbols.dedup();
            MaxVersion {
                family: family.to_string(),
                version: version.to_string(),
                libraries,
                symbols,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_version_names() {
        assert_eq!(split_version("GLIBC_2.2.5"), Some(("GLIBC", vec![2, 2, 5])));
        assert_eq!(
            split_version("GLIBCXX_3.4.30"),
            Some(("GLIBCXX", vec![3, 4, 30]))
        );
        assert_eq!(split_version("CXXABI_TM_1"), Some(("CXXABI_TM", vec![1])));
        assert_eq!(split_version("GLIBC_PRIVATE"), None);
        assert_eq!(split_version("GLIBC_ABI_DT_RELR"), None);
        assert_eq!(split_version("libc.so.6"), None);
    }

    #[test]
    fn max_version_compares_numerically() {
        let req = |name: &str, syms: &[&str]| VersionRequirement {
            name: name.into(),
            weak: false,
            symbols: syms.iter().map(|s| s.to_string()).collect(),
        };
        let needs = vec![VersionNeed {
            library: "libc.so.6".into(),
            versions: vec![
                req("GLIBC_2.9", &["pipe2"]),
                req("GLIBC_2.34", &["__libc_start_main"]),
                req("GLIBC_2.2.5", &["puts"]),
                req("GLIBC_PRIVATE", &["x"]),
            ],
        }];
        let max = max_versions(&needs);
        assert_eq!(max.len(), 1);
        assert_eq!(max[0].version, "GLIBC_2.34");
        assert_eq!(max[0].symbols, vec!["__libc_start_main"]);
    }
}
