//! ELF facts: what the headers, dynamic section, version tables and notes say a binary
//! needs from the system that runs it. Reading only; what a fact means for a given target
//! is decided elsewhere.

pub mod dynamic;
pub mod machine;
pub mod notes;
pub mod static_nss;
pub mod versions;
pub mod view;

use object::elf;
use serde::Serialize;

use dynamic::Dynamic;
use notes::{AbiTag, RawNote, X86IsaNeeded};
use versions::{MaxVersion, VersionNeed};
use view::{c_str, ElfView};

pub use machine::Machine;

/// What the ELF structures of a binary state.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ElfFacts {
    /// `ELF32` or `ELF64`.
    pub class: String,
    /// `little` or `big`.
    pub endian: String,
    pub machine: Machine,
    /// The OS/ABI byte by name (`SYSV`, `GNU`, `FreeBSD`, …).
    pub os_abi: String,
    /// `executable`, `pie-executable`, `static-pie`, `shared-object`, `relocatable`, `core`.
    pub file_type: String,
    /// `static` (no interpreter, no needed libraries) or `dynamic`.
    pub linkage: String,
    /// The program interpreter (PT_INTERP), `/lib64/ld-linux-x86-64.so.2`.
    pub interpreter: Option<String>,
    /// DT_NEEDED in order.
    pub needed: Vec<String>,
    pub soname: Option<String>,
    /// DT_RPATH as written (colon-separated, `$ORIGIN` unexpanded).
    pub rpath: Option<String>,
    /// DT_RUNPATH as written.
    pub runpath: Option<String>,
    /// Bits of DT_FLAGS by name (`BIND_NOW`, `ORIGIN`, …).
    pub dt_flags: Vec<String>,
    /// Bits of DT_FLAGS_1 by name (`NOW`, `PIE`, `NODEFLIB`, …).
    pub dt_flags_1: Vec<String>,
    /// Symbol versions required from each library (DT_VERNEED), with their symbols.
    pub version_needs: Vec<VersionNeed>,
    /// The highest required version of each family (`GLIBC`, `GLIBCXX`, `CXXABI`, `GCC`).
    pub max_versions: Vec<MaxVersion>,
    /// Versions this object defines for others (DT_VERDEF), for shared libraries.
    pub version_definitions: Vec<String>,
    /// Minimum kernel from `.note.ABI-tag`.
    pub abi_tag: Option<AbiTag>,
    /// x86-64 ISA level required by `.note.gnu.property`.
    pub x86_isa_needed: Option<X86IsaNeeded>,
    /// For a static glibc executable (no interpreter, no DT_NEEDED, a `.note.ABI-tag`): the
    /// traces of glibc's NSS, which loads modules with `dlopen` at run time.
    pub static_nss: Option<static_nss::StaticNss>,
    /// GNU build-id, hex.
    pub build_id: Option<String>,
    /// Whether section headers are present (a loader never needs them).
    pub section_headers: bool,
    /// No `.symtab`: the static symbol table was stripped.
    pub stripped: bool,
    /// `.debug_info` (or `.zdebug_info`) present.
    pub debug_info: bool,
    pub hardening: Hardening,
}

/// Exploit-mitigation facts, secondary to whether the binary runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hardening {
    pub pie: bool,
    /// `none`, `partial` (PT_GNU_RELRO) or `full` (RELRO and BIND_NOW).
    pub relro: String,
    /// PT_GNU_STACK present and not executable.
    pub nx_stack: bool,
    pub bind_now: bool,
}

const DF_BIND_NOW: u64 = 0x8;
const DF_1_NOW: u64 = 0x1;
const DF_1_PIE: u64 = 0x0800_0000;

impl ElfFacts {
    pub fn read(view: &ElfView<'_>, notes: &[RawNote<'_>], warnings: &mut Vec<String>) -> Self {
        let interpreter = view
            .segments
            .iter()
            .find(|s| s.p_type == elf::PT_INTERP.0)
            .and_then(|s| view.segment_data(s))
            .map(|b| String::from_utf8_lossy(c_str(b, 0).unwrap_or(b)).into_owned());
        let dynamic = Dynamic::read(view, warnings).unwrap_or_default();
        let version_needs = versions::version_needs(view, &dynamic, warnings);
        let max_versions = versions::max_versions(&version_needs);
        let version_definitions = versions::version_definitions(view, &dynamic);

        let bind_now = dynamic.flags & DF_BIND_NOW != 0 || dynamic.flags_1 & DF_1_NOW != 0;
        let pie_flag = dynamic.flags_1 & DF_1_PIE != 0;
        let file_type = match elf::FileType(view.e_type) {
            elf::ET_EXEC => "executable",
            elf::ET_DYN if pie_flag && interpreter.is_some() => "pie-executable",
            elf::ET_DYN if pie_flag => "static-pie",
            elf::ET_DYN if interpreter.is_some() && dynamic.soname.is_none() => "pie-executable",
            elf::ET_DYN => "shared-object",
            elf::ET_REL => "relocatable",
            elf::ET_CORE => "core",
            _ => "unknown",
        }
        .to_string();
        let linkage = if interpreter.is_some() || !dynamic.needed.is_empty() {
            "dynamic"
        } else {
            "static"
        }
        .to_string();
        let relro = if !view
            .segments
            .iter()
            .any(|s| s.p_type == elf::PT_GNU_RELRO.0)
        {
            "none"
        } else if bind_now {
            "full"
        } else {
            "partial"
        }
        .to_string();
        let nx_stack = view
            .segments
            .iter()
            .find(|s| s.p_type == elf::PT_GNU_STACK.0)
            .is_some_and(|s| !s.executable());
        let has_section = |name: &str| view.section(name).is_some();
        let abi_tag = notes::abi_tag(notes, view);
        let static_nss = (linkage == "static"
            && abi_tag.is_some()
            && matches!(file_type.as_str(), "executable" | "static-pie"))
        .then(|| static_nss::read(view))
        .flatten();

        ElfFacts {
            class: if view.is_64 { "ELF64" } else { "ELF32" }.into(),
            endian: if view.big_endian { "big" } else { "little" }.into(),
            machine: machine::machine(view),
            os_abi: machine::os_abi_name(view.os_abi),
            hardening: Hardening {
                pie: matches!(file_type.as_str(), "pie-executable" | "static-pie"),
                relro,
                nx_stack,
                bind_now,
            },
            file_type,
            linkage,
            interpreter,
            soname: dynamic.soname.clone(),
            rpath: dynamic.rpath.clone(),
            runpath: dynamic.runpath.clone(),
            dt_flags: dynamic::dt_flags_names(dynamic.flags),
            dt_flags_1: dynamic::dt_flags_1_names(dynamic.flags_1),
            needed: dynamic.needed,
            version_needs,
            max_versions,
            version_definitions,
            abi_tag,
            x86_isa_needed: notes::x86_isa_needed(notes, view),
            static_nss,
            build_id: notes::build_id(notes),
            section_headers: !view.sections.is_empty(),
            stripped: !has_section(".symtab"),
            debug_info: has_section(".debug_info") || has_section(".zdebug_info"),
        }
    }
}
