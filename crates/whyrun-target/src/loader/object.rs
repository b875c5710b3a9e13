//! The loader's view of one ELF file: what it takes from the facts crate to search and
//! link (class, machine, SONAME, DT_NEEDED, search paths, NODEFLIB, symbol versions).
//! Read once per file per run, through the target's file view.

use std::path::PathBuf;

use whyrun_facts::elf::versions::VersionNeed;
use whyrun_facts::link::LinkFacts;

use super::model::SkipReason;

/// The ELF identification a loader checks before anything else (glibc `open_verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Bytes in the file.
    pub len: u64,
    /// `\x7fELF` at the start.
    pub magic: bool,
    /// EI_CLASS, EI_DATA, EI_VERSION, EI_OSABI.
    pub class: u8,
    pub data: u8,
    pub version: u8,
    pub osabi: u8,
    pub e_type: u16,
    pub e_machine: u16,
}

impl Header {
    /// Reads the identification from the first bytes of a file (missing bytes are zero).
    pub fn read(data: &[u8]) -> Header {
        let b = |i: usize| data.get(i).copied().unwrap_or(0);
        let big = b(5) == 2;
        let half = |i: usize| {
            let v = [b(i), b(i + 1)];
            if big {
                u16::from_be_bytes(v)
            } else {
                u16::from_le_bytes(v)
            }
        };
        Header {
            len: data.len() as u64,
            magic: data.starts_with(b"\x7fELF"),
            class: b(4),
            data: b(5),
            version: b(6),
            osabi: b(7),
            e_type: half(16),
            e_machine: half(18),
        }
    }
}

/// What glibc's `open_verify` decides about a candidate file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Usable.
    Accept,
    /// Passed over, the search goes on (another class or machine).
    Skip(SkipReason),
    /// The load fails: the program does not start (`invalid ELF header`, …).
    Fatal(String),
}

/// glibc's `open_verify` for a loader of `main`'s class, byte order and machine.
pub fn glibc_verify(h: &Header, main: &ObjectInfo) -> Verdict {
    let ehdr = if main.is_64 { 64 } else { 52 };
    if h.len < ehdr {
        return Verdict::Fatal("file too short".into());
    }
    if !h.magic {
        return Verdict::Fatal("invalid ELF header".into());
    }
    let want_class = if main.is_64 { 2 } else { 1 };
    if h.class != want_class {
        return Verdict::Skip(SkipReason::WrongClass {
            candidate_64: h.class == 2,
            binary_64: main.is_64,
        });
    }
    let want_data = if main.big_endian { 2 } else { 1 };
    if h.data != want_data {
        return Verdict::Fatal(format!(
            "ELF file data encoding not {}",
            if main.big_endian {
                "big-endian"
            } else {
                "little-endian"
            }
        ));
    }
    if h.version != 1 {
        return Verdict::Fatal("ELF file version ident does not match current one".into());
    }
    if h.osabi != 0 && h.osabi != 3 {
        return Verdict::Fatal("ELF file OS ABI invalid".into());
    }
    if h.e_machine != main.e_machine {
        return Verdict::Skip(SkipReason::WrongMachine {
            e_machine: h.e_machine,
            binary: main.machine.clone(),
        });
    }
    if h.e_type != 2 && h.e_type != 3 {
        return Verdict::Fatal("only ET_DYN and ET_EXEC can be loaded".into());
    }
    Verdict::Accept
}

/// The loader-relevant facts of one file.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    /// Canonical path inside the target.
    pub canonical: PathBuf,
    pub is_64: bool,
    pub big_endian: bool,
    pub e_machine: u16,
    /// `x86_64`, `armhf`, …
    pub machine: String,
    pub arm_hard_float: bool,
    /// `executable`, `pie-executable`, `shared-object`, …
    pub file_type: String,
    pub interpreter: Option<String>,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    /// DT_RPATH, dropped when DT_RUNPATH is present (glibc ignores it then).
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    /// The raw DT_RPATH even when DT_RUNPATH hides it (musl's rule differs).
    pub rpath_raw: Option<String>,
    /// DF_1_NODEFLIB: no ld.so.cache, no default directories for this object's needs.
    pub nodeflib: bool,
    /// DT_VERNEED without the symbols of each version (the lists are empty):
    /// [`crate::Loader::version_symbols`] reads them for a version found missing.
    pub version_needs: Vec<VersionNeed>,
    pub version_definitions: Vec<String>,
}

impl ObjectInfo {
    /// Reads the facts of an ELF image (the loader's subset only: see
    /// [`whyrun_facts::link`]).
    pub fn from_bytes(canonical: PathBuf, data: &[u8]) -> Result<ObjectInfo, String> {
        whyrun_facts::inspect_link(data)
            .map(|e| ObjectInfo::from_link(canonical, e))
            .map_err(|e| e.to_string())
    }

    /// The loader's view of facts already read.
    pub fn from_link(canonical: PathBuf, e: LinkFacts) -> ObjectInfo {
        let nodeflib = e.nodeflib();
        let runpath = e.runpath;
        ObjectInfo {
            canonical,
            is_64: e.is_64,
            big_endian: e.big_endian,
            e_machine: e.machine.e_machine,
            arm_hard_float: e.machine.arm_float_abi.as_deref() == Some("hard"),
            machine: e.machine.name,
            file_type: e.file_type,
            interpreter: e.interpreter,
            soname: e.soname,
            needed: e.needed,
            rpath: if runpath.is_some() {
                None
            } else {
                e.rpath.clone()
            },
            rpath_raw: e.rpath,
            runpath,
            nodeflib,
            version_needs: e.version_needs,
            version_definitions: e.version_definitions,
        }
    }

    /// `ELF64 x86_64`.
    pub fn kind(&self) -> String {
        let class = if self.is_64 { "ELF64 " } else { "ELF32 " };
        let mut kind = String::with_capacity(class.len() + self.machine.len());
        kind.push_str(class);
        kind.push_str(&self.machine);
        kind
    }

    /// Whether a loader for `main` accepts this file as a library (glibc's open_verify:
    /// class, byte order and machine).
    pub fn compatible_with(&self, main: &ObjectInfo) -> bool {
        self.is_64 == main.is_64
            && self.big_endian == main.big_endian
            && self.e_machine == main.e_machine
    }
}
