//! Which arm64 cores execute 32-bit ARM programs (AArch32 at EL0), keyed by the MIDR_EL1
//! implementer and part number `/proc/cpuinfo` shows ("CPU implementer : 0x41", "CPU part
//! : 0xd0b"). A table and a lookup only: whether a target runs a 32-bit ARM program is
//! `arch::compat_decision`'s, and what to say about it ARCH001's.
//!
//! Why the core matters: an arm64 kernel built with `CONFIG_COMPAT` runs AArch32 programs
//! only when every CPU implements AArch32 at EL0 (the EL0 field of ID_AA64PFR0_EL1 is 2;
//! 1 means AArch64 only). Linux sanitises that field system-wide to its lowest value
//! (arch/arm64/kernel/cpufeature.c, `system_supports_32bit_el0()`), and
//! `compat_elf_check_arch()` (arch/arm64/include/asm/elf.h) refuses an EM_ARM ELF file
//! otherwise: execve fails with ENOEXEC, "exec format error". On a system where only some
//! cores have it, the kernel refuses too, unless booted with `allow_mismatched_32bit_el0`,
//! which then lists the capable CPUs in `/sys/devices/system/cpu/aarch32_el0`
//! (Documentation/arch/arm64/asymmetric-32bit.rst).
//!
//! Every row names where its answer comes from. The ID_AA64PFR0_EL1 values are those of
//! each core's Technical Reference Manual as QEMU models the core
//! (qemu/qemu target/arm/tcg/cpu64.c, whose comments cite the TRM sections); "read on"
//! marks a value read from real hardware. A core that is not here is unknown: whyrun then
//! cannot tell, and says which core it did not know.

use whyrun_target::model::CpuCore;

/// One core and whether it executes AArch32 at EL0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aarch32Core {
    pub implementer: u32,
    /// `None`: every part of this implementer.
    pub part: Option<u32>,
    pub name: &'static str,
    /// Whether 32-bit ARM programs run on it (AArch32 at EL0).
    pub aarch32_el0: bool,
    /// Where that is written.
    pub source: &'static str,
}

const fn core(
    implementer: u32,
    part: u32,
    name: &'static str,
    aarch32_el0: bool,
    source: &'static str,
) -> Aarch32Core {
    Aarch32Core {
        implementer,
        part: Some(part),
        name,
        aarch32_el0,
        source,
    }
}

/// MIDR_EL1.Implementer of Arm Limited.
const ARM: u32 = 0x41;

static CORES: &[Aarch32Core] = &[
    // AArch32 at every exception level (ID_AA64PFR0_EL1 = 0x2222 in its low fields).
    core(
        ARM,
        0xd03,
        "Cortex-A53",
        true,
        "Cortex-A53 TRM (DDI 0500D) Table 4-45 ID_AA64PFR0_EL1: EL0 handling 0x2, \"can be executed at EL0 in AArch64 or AArch32 state\"",
    ),
    core(
        ARM,
        0xd04,
        "Cortex-A35",
        true,
        "Cortex-A35 TRM (100236) B2.54 ID_AA64PFR0_EL1: EL0 handling 0x2, AArch64 or AArch32",
    ),
    core(
        ARM,
        0xd05,
        "Cortex-A55",
        true,
        "Cortex-A55 TRM B2.4: ID_AA64PFR0_EL1 0x10112222, EL0 = 2 (QEMU aarch64_a55_initfn)",
    ),
    core(
        ARM,
        0xd07,
        "Cortex-A57",
        true,
        "Cortex-A57: ID_AA64PFR0_EL1 0x2222, EL0 = 2 (QEMU aarch64_a57_initfn)",
    ),
    core(
        ARM,
        0xd08,
        "Cortex-A72",
        true,
        "Cortex-A72: ID_AA64PFR0_EL1 0x2222, EL0 = 2 (QEMU aarch64_a72_initfn); FEAT_AArch32 read on a Cortex-A72 (lelegard/arm-cpusysregs collect/FEATURES.md)",
    ),
    // "AArch32 at EL0 only": EL0 = 2, EL1 to EL3 = 1. 32-bit programs run; 32-bit kernels
    // do not.
    core(
        ARM,
        0xd0b,
        "Cortex-A76",
        true,
        "Cortex-A76 TRM B2.4: ID_AA64PFR0_EL1 0x1100000010111112, EL0 = 2, EL1-EL3 = 1 (QEMU aarch64_a76_initfn)",
    ),
    core(
        ARM,
        0xd0c,
        "Neoverse N1",
        true,
        "Neoverse N1 TRM B2.4: ID_AA64PFR0_EL1 0x1100000010111112, EL0 = 2 (QEMU aarch64_neoverse_n1_initfn); lscpu \"CPU op-mode(s): 32-bit, 64-bit\" on Neoverse-N1 (llvm/llvm-zorg#354). Ampere Altra and AWS Graviton2 report this core",
    ),
    core(
        ARM,
        0xd40,
        "Neoverse V1",
        true,
        "Neoverse V1 TRM 3.2.4: ID_AA64PFR0_EL1 0x1101110120111112, EL0 = 2 (QEMU aarch64_neoverse_v1_initfn); FEAT_AArch32 read on Graviton3 (lelegard/arm-cpusysregs)",
    ),
    core(
        ARM,
        0xd42,
        "Cortex-A78AE",
        true,
        "Cortex-A78AE TRM 3.2.4: ID_AA64PFR0_EL1 0x1100000010111112, EL0 = 2 (QEMU aarch64_a78ae_initfn)",
    ),
    core(
        ARM,
        0xd47,
        "Cortex-A710",
        true,
        "Cortex-A710 TRM B.4: ID_AA64PFR0_EL1 0x1201111120111112, EL0 = 2, EL1-EL3 = 1 (QEMU aarch64_a710_initfn)",
    ),
    core(
        ARM,
        0xd49,
        "Neoverse N2",
        true,
        "Neoverse N2 TRM B.5: ID_AA64PFR0_EL1 0x1201111120111112, EL0 = 2 (QEMU aarch64_neoverse_n2_initfn); FEAT_AA32EL0 read on Azure Cobalt 100 (lelegard/arm-cpusysregs)",
    ),
    // AArch64 only.
    core(
        ARM,
        0xd4f,
        "Neoverse V2",
        false,
        "Neoverse V2 (AWS Graviton4, NVIDIA Grace, Google Axion) has no AArch32: \"Graviton 4 ... drops the AArch32 mode\" (Arm's David Spickett, llvm/llvm-zorg#354)",
    ),
    core(
        0x46,
        0x001,
        "Fujitsu A64FX",
        false,
        "A64FX: ID_AA64PFR0_EL1 0x0000000101111111, EL0 = 1, AArch64 only (QEMU aarch64_a64fx_initfn)",
    ),
    core(
        0x43,
        0x0a1,
        "Cavium ThunderX 88xx",
        false,
        "armhf programs end in \"exec format error\" on Cavium ThunderX servers (scaleway/image-debian#86)",
    ),
    // Apple M1 family (Icestorm and Firestorm), as Asahi Linux reports them.
    core(
        0x61,
        0x022,
        "Apple M1 Icestorm",
        false,
        "Apple M1: FEAT_AArch32 and FEAT_AA32EL0 read as absent (lelegard/arm-cpusysregs collect/FEATURES.md)",
    ),
    core(
        0x61,
        0x023,
        "Apple M1 Firestorm",
        false,
        "Apple M1: FEAT_AArch32 and FEAT_AA32EL0 read as absent (lelegard/arm-cpusysregs collect/FEATURES.md)",
    ),
    core(
        0x61,
        0x024,
        "Apple M1 Pro Icestorm",
        false,
        "the M1's Icestorm core: no AArch32 (lelegard/arm-cpusysregs)",
    ),
    core(
        0x61,
        0x025,
        "Apple M1 Pro Firestorm",
        false,
        "the M1's Firestorm core: no AArch32 (lelegard/arm-cpusysregs)",
    ),
    core(
        0x61,
        0x028,
        "Apple M1 Max Icestorm",
        false,
        "the M1's Icestorm core: no AArch32 (lelegard/arm-cpusysregs)",
    ),
    core(
        0x61,
        0x029,
        "Apple M1 Max Firestorm",
        false,
        "the M1's Firestorm core: no AArch32 (lelegard/arm-cpusysregs)",
    ),
];

/// The table row for a core, `None` when whyrun does not know it.
pub fn lookup(c: CpuCore) -> Option<&'static Aarch32Core> {
    CORES
        .iter()
        .find(|k| k.implementer == c.implementer && k.part.is_none_or(|p| p == c.part))
}

/// A core in the user's terms: `Cortex-A76 (0x41/0xd0b)`, or just the numbers.
pub fn describe(c: CpuCore) -> String {
    match lookup(c) {
        Some(k) => format!("{} ({:#x}/{:#05x})", k.name, c.implementer, c.part),
        None => format!("implementer {:#x} part {:#05x}", c.implementer, c.part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(implementer: u32, part: u32) -> CpuCore {
        CpuCore { implementer, part }
    }

    #[test]
    fn known_cores_both_ways_and_unknown_ones() {
        assert!(lookup(c(0x41, 0xd0b)).unwrap().aarch32_el0, "Cortex-A76");
        assert!(lookup(c(0x41, 0xd0c)).unwrap().aarch32_el0, "Neoverse N1");
        assert!(!lookup(c(0x41, 0xd4f)).unwrap().aarch32_el0, "Neoverse V2");
        assert!(!lookup(c(0x61, 0x023)).unwrap().aarch32_el0, "Apple M1");
        assert!(lookup(c(0x41, 0xfff)).is_none());
        assert!(lookup(c(0xc0, 0xac3)).is_none(), "AmpereOne is not known");
        assert_eq!(describe(c(0x41, 0xd0b)), "Cortex-A76 (0x41/0xd0b)");
        assert_eq!(describe(c(0xc0, 0xac3)), "implementer 0xc0 part 0xac3");
    }

    #[test]
    fn one_row_per_core_each_with_a_source() {
        for (i, a) in CORES.iter().enumerate() {
            assert!(!a.source.is_empty(), "{}", a.name);
            assert!(
                !CORES[..i]
                    .iter()
                    .any(|b| b.implementer == a.implementer && b.part == a.part),
                "{} twice",
                a.name
            );
        }
    }
}
