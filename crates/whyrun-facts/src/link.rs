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
use crate::elf::view::{c_str, ElfView};
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
        let mut warnings = Vec::new();
        let interpreter = view
            .segments
            .iter()
            .find(|s| s.p_type == elf::PT_INTERP.0)
            .and_then(|s| view.segment_data(s))
            .map(|b| String::from_utf8_lossy(c_str(b, 0).unwrap_or(b)).into_owned());
        let dynamic = Dynamic::read(view, &mut warnings).unwrap_or_default();
        let version_needs = versions::version_requirements(view, &dynamic, &mut warnings);
        let version_definitions = versions::version_definitions(view, &dynamic);
        let file_type = file_type(
            view.e_type,
            dynamic.flags_1 & DF_1_PIE != 0,
            interpreter.is_some(),
            dynamic.soname.is_some(),
        );
        LinkFacts {
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
        }
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
        for dir in ["/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"] {
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
                    .map(|n| (n.library.as_str(), n.versions.iter().map(|v| (&v.name, v.weak))))
                    .map(|(l, v)| (l, v.collect::<Vec<_>>()))
                    .collect();
                let read: Vec<_> = link
                    .version_needs
                    .iter()
                    .map(|n| (n.library.as_str(), n.versions.iter().map(|v| (&v.name, v.weak))))
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
