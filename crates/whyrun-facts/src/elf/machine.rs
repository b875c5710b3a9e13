//! Names for what the ELF header says about the CPU and ABI: machine (with ARM's float ABI
//! from e_flags), OS/ABI and the file type. Naming only.

use object::elf;
use serde::Serialize;

use super::view::ElfView;

/// The CPU a binary is built for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Machine {
    /// The Debian/Go-style architecture name: `x86_64`, `aarch64`, `armhf`, `armel`, `arm`
    /// (float ABI not stated), `i386`, `ppc64le`, `ppc64`, `s390x`, `riscv64`, `mips64el`,
    /// `loongarch64`, … or `e_machine=N` for an unknown number.
    pub name: String,
    /// The raw `e_machine`.
    pub e_machine: u16,
    /// ARM only: `hard` or `soft` from `EF_ARM_ABI_FLOAT_HARD`/`_SOFT`, `None` when unstated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm_float_abi: Option<String>,
    /// ARM only: the EABI version from the top byte of e_flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arm_eabi: Option<u8>,
}

pub fn machine(view: &ElfView<'_>) -> Machine {
    let m = view.e_machine;
    let le = !view.big_endian;
    let mut arm_float_abi = None;
    let mut arm_eabi = None;
    let name = match elf::Machine(m) {
        elf::EM_X86_64 if view.is_64 => "x86_64".to_string(),
        elf::EM_X86_64 => "x32".to_string(),
        elf::EM_386 => "i386".to_string(),
        elf::EM_AARCH64 if le => "aarch64".to_string(),
        elf::EM_AARCH64 => "aarch64_be".to_string(),
        elf::EM_ARM => {
            arm_eabi = Some((view.e_flags >> 24) as u8);
            if view.e_flags & elf::EF_ARM_ABI_FLOAT_HARD != 0 {
                arm_float_abi = Some("hard".to_string());
                "armhf".to_string()
            } else if view.e_flags & elf::EF_ARM_ABI_FLOAT_SOFT != 0 {
                arm_float_abi = Some("soft".to_string());
                "armel".to_string()
            } else {
                "arm".to_string()
            }
        }
        elf::EM_PPC64 if le => "ppc64le".to_string(),
        elf::EM_PPC64 => "ppc64".to_string(),
        elf::EM_PPC => "powerpc".to_string(),
        elf::EM_S390 if view.is_64 => "s390x".to_string(),
        elf::EM_S390 => "s390".to_string(),
        elf::EM_RISCV if view.is_64 => "riscv64".to_string(),
        elf::EM_RISCV => "riscv32".to_string(),
        elf::EM_MIPS => match (view.is_64, le) {
            (true, true) => "mips64el",
            (true, false) => "mips64",
            (false, true) => "mipsel",
            (false, false) => "mips",
        }
        .to_string(),
        elf::EM_LOONGARCH if view.is_64 => "loongarch64".to_string(),
        elf::EM_LOONGARCH => "loongarch32".to_string(),
        elf::EM_SPARCV9 => "sparc64".to_string(),
        elf::EM_SPARC => "sparc".to_string(),
        elf::EM_IA_64 => "ia64".to_string(),
        elf::EM_ALPHA => "alpha".to_string(),
        elf::EM_PARISC => "hppa".to_string(),
        elf::EM_68K => "m68k".to_string(),
        elf::EM_SH => "sh4".to_string(),
        elf::EM_BPF => "bpf".to_string(),
        other => format!("e_machine={other}"),
    };
    Machine {
        name,
        e_machine: m,
        arm_float_abi,
        arm_eabi,
    }
}

/// The OS/ABI byte by name (`SYSV` is what Linux binaries normally carry; `GNU` marks
/// GNU extensions such as IFUNC or unique symbols).
pub fn os_abi_name(os_abi: u8) -> String {
    match elf::OsAbi(os_abi) {
        elf::ELFOSABI_SYSV => "SYSV".into(),
        elf::ELFOSABI_HPUX => "HP-UX".into(),
        elf::ELFOSABI_NETBSD => "NetBSD".into(),
        elf::ELFOSABI_GNU => "GNU".into(),
        elf::ELFOSABI_SOLARIS => "Solaris".into(),
        elf::ELFOSABI_AIX => "AIX".into(),
        elf::ELFOSABI_IRIX => "IRIX".into(),
        elf::ELFOSABI_FREEBSD => "FreeBSD".into(),
        elf::ELFOSABI_TRU64 => "TRU64".into(),
        elf::ELFOSABI_MODESTO => "Modesto".into(),
        elf::ELFOSABI_OPENBSD => "OpenBSD".into(),
        elf::ELFOSABI_ARM_AEABI => "ARM EABI".into(),
        elf::ELFOSABI_ARM => "ARM".into(),
        elf::ELFOSABI_STANDALONE => "standalone".into(),
        n => format!("OS/ABI {n}"),
    }
}
