//! The CPU a target runs binaries on, as far as the loader cares: the architecture and,
//! on x86-64, the micro-architecture levels (v2, v3, v4) that choose glibc-hwcaps
//! subdirectories. Detection asks the CPU (cpuid), never a file.

use serde::Serialize;

/// What the loader knows of the CPU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cpu {
    /// `x86_64`, `aarch64`, … (Rust's `target_arch` names for the host).
    pub arch: String,
    /// x86-64 ISA levels supported, as GNU_PROPERTY_X86_ISA_1 bits: 1 baseline, 2 v2, 4 v3,
    /// 8 v4. `None` off x86-64.
    pub x86_isa_levels: Option<u32>,
}

impl Cpu {
    /// The CPU whyrun runs on.
    pub fn detect() -> Cpu {
        Cpu {
            arch: std::env::consts::ARCH.to_string(),
            x86_isa_levels: x86_levels(),
        }
    }

    /// An x86-64 CPU reaching `level` (1 to 4).
    pub fn x86_64_level(level: u32) -> Cpu {
        Cpu {
            arch: "x86_64".into(),
            x86_isa_levels: Some((1u32 << level.clamp(1, 4)) - 1),
        }
    }

    /// The glibc-hwcaps subdirectory names this CPU supports, best first, for a loader of
    /// `machine` (the facts crate's architecture name).
    pub fn glibc_hwcaps(&self, machine: &str) -> Vec<&'static str> {
        match (machine, self.x86_isa_levels) {
            ("x86_64", Some(l)) => [(8, "x86-64-v4"), (4, "x86-64-v3"), (2, "x86-64-v2")]
                .into_iter()
                .filter(|(bit, _)| l & bit != 0)
                .map(|(_, n)| n)
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn x86_levels() -> Option<u32> {
    use std::arch::is_x86_feature_detected as has;
    let v2 = has!("cmpxchg16b")
        && has!("popcnt")
        && has!("sse3")
        && has!("ssse3")
        && has!("sse4.1")
        && has!("sse4.2");
    let v3 = v2
        && has!("avx")
        && has!("avx2")
        && has!("bmi1")
        && has!("bmi2")
        && has!("f16c")
        && has!("fma")
        && has!("lzcnt")
        && has!("movbe")
        && has!("xsave");
    let v4 = v3
        && has!("avx512f")
        && has!("avx512bw")
        && has!("avx512cd")
        && has!("avx512dq")
        && has!("avx512vl");
    Some(1 | u32::from(v2) << 1 | u32::from(v3) << 2 | u32::from(v4) << 3)
}

#[cfg(not(target_arch = "x86_64"))]
fn x86_levels() -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hwcaps_by_level() {
        assert_eq!(
            Cpu::x86_64_level(3).glibc_hwcaps("x86_64"),
            ["x86-64-v3", "x86-64-v2"]
        );
        assert!(Cpu::x86_64_level(1).glibc_hwcaps("x86_64").is_empty());
        assert!(Cpu::x86_64_level(4).glibc_hwcaps("aarch64").is_empty());
    }
}
