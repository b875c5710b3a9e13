//! ARCH003: a Go binary built with GOAMD64=v2, v3 or v4 for a CPU below that level.

use crate::arch;
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary whose build info records `GOAMD64=v2`, `v3` or `v4`, checked against the
    /// x86-64 level of the target's CPU (from its cpuid levels or its `/proc/cpuinfo` flags).
    /// v2 needs SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT, CMPXCHG16B and LAHF/SAHF; v3 adds AVX,
    /// AVX2, BMI1, BMI2, F16C, FMA, LZCNT, MOVBE and OS support for AVX state; v4 adds
    /// AVX-512 F, BW, CD, DQ and VL. When the target does not say which CPU it runs on (an
    /// image, a root, most profiles), a level above v1 cannot be decided and is reported as
    /// such.
    ///
    /// ## Why it breaks
    /// The Go runtime checks the CPU before anything else runs (`runtime/asm_amd64.s`), prints
    /// `This program can only be run on AMD64 processors with v3 microarchitecture support.`
    /// and exits with status 1. Older servers, many virtual machines whose CPU model hides
    /// AVX, and emulators (qemu's default `qemu64` model is v1) hit it.
    ///
    /// ## Example
    /// ```text
    /// ARCH003 blocks start  /usr/local/bin/ginapp needs an x86-64-v3 CPU (GOAMD64=v3); the CPU (Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz) reaches x86-64-v2
    ///   · build setting GOAMD64=v3  [/usr/local/bin/ginapp]
    ///   · the CPU reaches x86-64-v2; it lacks avx2, bmi1, bmi2, f16c, fma, abm, movbe  [web-01]
    ///   fix Rebuild with GOAMD64=v2, the level this CPU reaches (v1 runs on every x86-64 CPU)
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v2 go build -o ginapp example.com/ginapp/cmd/ginapp
    /// ```
    ///
    /// ## Fix
    /// Rebuild with `GOAMD64=v1` (the default, which runs on every x86-64 CPU) or the level
    /// the target's CPU reaches. The rest of the build line is the binary's own.
    ///
    /// ## References
    /// - Go's `runtime/asm_amd64.s` (the start-up check and its message) and
    ///   `cmd/go` help environment (GOAMD64).
    /// - x86-64 psABI, "Micro-architecture levels".
    pub struct Goamd64LevelAboveCpu {
        code: "ARCH003",
        name: "goamd64-level-above-cpu",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::StartUp,
        summary: "GOAMD64 is above the x86-64 level of the target's CPU",
    }
}

/// The level of a `GOAMD64` value: `v3` is 3.
pub(crate) fn goamd64_level(value: &str) -> Option<u32> {
    value
        .strip_prefix('v')?
        .parse()
        .ok()
        .filter(|l| (1..=4).contains(l))
}

impl Goamd64LevelAboveCpu {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(level) = facts
            .go
            .as_ref()
            .and_then(|g| g.build_info.as_ref())
            .and_then(|b| b.typed.arch_level.as_ref())
            .filter(|l| l.variable == "GOAMD64")
        else {
            return Vec::new();
        };
        let Some(needed) = goamd64_level(&level.value).filter(|n| *n > 1) else {
            return Vec::new();
        };
        if facts.elf.machine.name != "x86_64" {
            return Vec::new();
        }
        let target = ctx.target;
        let display = &ctx.binary.display_path;
        let binary_evidence = (
            format!("build setting GOAMD64={}", level.value),
            display.clone(),
        );
        match arch::x86_cpu(target) {
            arch::X86Cpu::OtherArch => Vec::new(),
            arch::X86Cpu::Known { reached, .. } if reached >= needed => Vec::new(),
            arch::X86Cpu::Known { cpu, reached } => {
                let finding = Self::META
                    .finding(format!(
                        "{display} needs an x86-64-v{needed} CPU (GOAMD64={}); {} reaches x86-64-v{reached}",
                        level.value,
                        arch::cpu_name(cpu, target)
                    ))
                    .evidence(binary_evidence.0, binary_evidence.1)
                    .evidence(
                        arch::reached_evidence(cpu, reached, needed),
                        arch::cpu_location(target),
                    );
                vec![with_fix(ctx, finding, reached)]
            }
            arch::X86Cpu::Unknown => {
                let finding = Self::META
                    .finding(format!(
                        "{} does not say which CPU it runs on; {display} needs x86-64-v{needed} (GOAMD64={})",
                        target.name, level.value
                    ))
                    .undecided()
                    .evidence(binary_evidence.0, binary_evidence.1);
                vec![with_fix(ctx, finding, 1)]
            }
        }
    }
}

fn with_fix(ctx: &CheckContext<'_>, finding: Finding, level: u32) -> Finding {
    let value = format!("v{level}");
    let change = fixes::GoChange::of(&[("GOAMD64", &value)], &[], &[]);
    let Some(cmd) = fixes::go_rebuild(ctx.facts(), &change) else {
        return finding;
    };
    let summary = if level == 1 {
        "Rebuild with GOAMD64=v1, which runs on every x86-64 CPU".to_string()
    } else {
        format!("Rebuild with GOAMD64={value}, the level this CPU reaches (v1 runs on every x86-64 CPU)")
    };
    finding.fix(summary, vec![cmd]).rebuild(change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_facts::Facts;
    use whyrun_target::model::{CpuInfo, TargetModel};

    fn with_goamd64(value: &str) -> Facts {
        let mut facts = fixture("go124-hello");
        let bi = facts.go.as_mut().unwrap().build_info.as_mut().unwrap();
        bi.typed.arch_level.as_mut().unwrap().value = value.into();
        facts
    }

    fn on_cpu(level: u32, flags: &str) -> TargetModel {
        let mut t = debian12();
        t.cpu = Some(CpuInfo {
            arch: "x86_64".into(),
            x86_isa_levels: (level > 0).then(|| (1u32 << level) - 1),
            flags: flags.split_whitespace().map(String::from).collect(),
            model: Some("Intel Xeon E5-2680".into()),
            ..Default::default()
        });
        t
    }

    fn arch003(facts: &Facts, target: &TargetModel) -> Vec<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .filter(|f| f.code == "ARCH003")
            .collect()
    }

    #[test]
    fn fires_for_v3_on_a_v2_cpu() {
        let facts = with_goamd64("v3");
        let f = arch003(&facts, &on_cpu(2, ""));
        assert_eq!(f.len(), 1);
        assert!(!f[0].undecided);
        assert!(
            f[0].message.contains("needs an x86-64-v3 CPU (GOAMD64=v3)"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("Intel Xeon E5-2680"));
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v2 go build -trimpath -o hello example.com/hello/cmd/hello"]
        );
    }

    #[test]
    fn reads_the_level_from_cpuinfo_flags() {
        let facts = with_goamd64("v3");
        let nehalem = "fpu sse sse2 pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm";
        let f = arch003(&facts, &on_cpu(0, nehalem));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].evidence[1].what.contains("lacks avx, avx2"),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn undecided_without_a_cpu() {
        let facts = with_goamd64("v3");
        let f = arch003(&facts, &debian12());
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert!(f[0].message.contains("does not say which CPU"));
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("GOAMD64=v1"));
    }

    #[test]
    fn silent_for_v1_and_for_a_capable_cpu() {
        assert!(arch003(&fixture("go124-hello"), &debian12()).is_empty());
        assert!(arch003(&with_goamd64("v3"), &on_cpu(3, "")).is_empty());
        assert!(arch003(&with_goamd64("v3"), &on_cpu(4, "")).is_empty());
    }
}
