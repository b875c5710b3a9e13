//! ARCH005: a Go binary built for ARM floating point (GOARM=6/7) or ARM64 atomics
//! (GOARM64=v8.1 and later, or `,lse`) that the target's CPU lacks.

use whyrun_facts::go::ArchLevel;
use whyrun_target::model::{CpuInfo, TargetModel};

use crate::arch::{self, ArmFloat};
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary whose build info records a CPU level the target's CPU does not reach:
    /// - `GOARM=7` (hard float) needs VFPv3, `GOARM=6` needs VFP (v2); `GOARM=5` and any
    ///   `,softfloat` build use software floating point and need neither.
    /// - `GOARM64=v8.1` and later, or any value with `,lse`, compile the runtime's atomic
    ///   operations to ARMv8.1 LSE instructions (`atomics` in `/proc/cpuinfo`), which
    ///   Cortex-A53, A57, A72 and A73 (Raspberry Pi 3 and 4, many SBCs and older cloud
    ///   instances) lack. In Go up to 1.24, `,crypto` changes no generated code.
    ///
    /// The CPU is read from the target's `/proc/cpuinfo` features; an AArch64 CPU running
    /// 32-bit programs always offers VFPv3. When the target does not say which CPU it runs
    /// on, it cannot be decided and is reported as such.
    ///
    /// ## Why it breaks
    /// The program dies with `SIGILL` (`Illegal instruction`, exit status 132) during the
    /// Go runtime's start-up, before `main`. For GOARM the runtime has a check that would
    /// print `runtime: this CPU has no VFPv3 floating point hardware, so it cannot run a
    /// binary compiled for VFPv3 hard floating point`, but its self-test (`runtime.check`)
    /// runs first and already executes a VFPv3 instruction (`vmov.f32 s0, #1.0`), so on a
    /// real VFPv2 or FPU-less CPU that message does not appear (seen here under
    /// `qemu-arm -cpu arm1176` and `-cpu arm926` with Go 1.24, and reported on Raspberry Pi
    /// Zero boards). GOARM64 has no start-up check at all (golang/go#69124): the first LSE
    /// atomic in the runtime faults (seen here under `qemu-aarch64 -cpu cortex-a72`).
    ///
    /// ## Example
    /// ```text
    /// ARCH005 blocks start  /usr/local/bin/ginapp is built with GOARM=7 (VFPv3 floating point); the CPU (ARMv6-compatible processor rev 7 (v6l)) has only VFPv2: it dies at start with SIGILL
    ///   · build setting GOARM=7  [/usr/local/bin/ginapp]
    ///   · CPU features: half thumb fastmult vfp edsp java tls  [pi-zero]
    ///   fix Rebuild with GOARM=6, which this CPU runs
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 go build -o ginapp example.com/ginapp/cmd/ginapp
    /// ```
    ///
    /// ## Fix
    /// Rebuild for what the CPU has: `GOARM=6` for VFPv2 (Raspberry Pi 1 and Zero),
    /// `GOARM=5` without VFP, `GOARM64=v8.0` without LSE atomics. The rest of the build
    /// line is the binary's own.
    ///
    /// ## References
    /// - Go's `runtime/os_linux_arm.go` (`checkgoarm`, run after `runtime.check` in
    ///   `runtime/asm_arm.s`); `internal/buildcfg` (GOARM, GOARM64 and their options);
    ///   `internal/runtime/atomic/atomic_arm64.s` (`GOARM64_LSE`).
    /// - golang/go#69124 (no start-up check for GOARM64), golang/go#18483 (SIGILL in
    ///   `runtime.check` on a CPU without VFP).
    /// - Linux `arch/arm/kernel/setup.c` (the `vfp`, `vfpv3`, `vfpv4` hwcap names) and
    ///   `arch/arm64/kernel/cpuinfo.c` (`atomics`).
    pub struct GoarmVfpUnsupported {
        code: "ARCH005",
        name: "goarm-vfp-unsupported",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::StartUp,
        summary: "GOARM or GOARM64 asks for floating-point or atomic instructions the target's CPU lacks",
    }
}

/// What a GOARM value needs: `None` for software floating point.
fn goarm_needs(value: &str) -> Option<ArmFloat> {
    let (level, option) = match value.split_once(',') {
        Some((l, o)) => (l, Some(o)),
        None => (value, None),
    };
    let level: u32 = level.parse().ok()?;
    let soft = match option {
        Some("softfloat") => true,
        Some("hardfloat") => false,
        // GOARM=5 defaults to software floating point, 6 and 7 to hardware.
        _ => level <= 5,
    };
    match (soft, level) {
        (true, _) => None,
        (false, 7..) => Some(ArmFloat::Vfpv3),
        (false, _) => Some(ArmFloat::Vfp),
    }
}

/// Whether a GOARM64 value compiles LSE atomics: any version past v8.0, or `,lse`.
fn goarm64_uses_lse(value: &str) -> bool {
    let mut parts = value.split(',');
    let version = parts.next().unwrap_or("");
    parts.any(|p| p == "lse") || (version.starts_with('v') && version != "v8.0")
}

fn features(cpu: &CpuInfo) -> String {
    format!("CPU features: {}", cpu.flags.join(" "))
}

impl GoarmVfpUnsupported {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(level) = facts
            .go
            .as_ref()
            .and_then(|g| g.build_info.as_ref())
            .and_then(|b| b.typed.arch_level.as_ref())
        else {
            return Vec::new();
        };
        let finding = match level.variable.as_str() {
            "GOARM" if arch::kernel_arch(&facts.elf.machine.name) == "arm" => goarm(ctx, level),
            "GOARM64" if facts.elf.machine.name == "aarch64" => goarm64(ctx, level),
            _ => None,
        };
        finding.into_iter().collect()
    }
}

/// The target's CPU when it says what its features are; `Err(())` when it names another
/// architecture family (ARCH001's business).
fn cpu_of<'t>(target: &'t TargetModel, family: &[&str]) -> Result<Option<&'t CpuInfo>, ()> {
    match &target.cpu {
        Some(c) if !c.arch.is_empty() && !family.contains(&c.arch.as_str()) => Err(()),
        Some(c) if c.arch == "aarch64" || !c.flags.is_empty() => Ok(Some(c)),
        _ => Ok(None),
    }
}

fn goarm(ctx: &CheckContext<'_>, level: &ArchLevel) -> Option<Finding> {
    let need = goarm_needs(&level.value)?;
    let target = ctx.target;
    let cpu = cpu_of(target, &["arm", "armhf", "armel", "aarch64"]).ok()?;
    let display = &ctx.binary.display_path;
    let what = match need {
        ArmFloat::Vfpv3 => "VFPv3 floating point",
        _ => "VFP floating point",
    };
    let Some(cpu) = cpu else {
        return Some(
            GoarmVfpUnsupported::META
                .finding(format!(
                    "{} does not say which CPU it runs on; {display} is built with GOARM={} and needs {what}",
                    target.name, level.value
                ))
                .undecided()
                .evidence(format!("build setting GOARM={}", level.value), display.clone()),
        );
    };
    let has = arch::arm_float(cpu)?;
    let enough = match need {
        ArmFloat::Vfpv3 => has == ArmFloat::Vfpv3,
        _ => has != ArmFloat::None,
    };
    if enough {
        return None;
    }
    let has_text = match has {
        ArmFloat::Vfp => "has only VFPv2",
        _ => "has no VFP",
    };
    let goarm = arch::goarm_for(&ctx.facts().elf.machine.name, Some(cpu));
    let finding = GoarmVfpUnsupported::META
        .finding(format!(
            "{display} is built with GOARM={} ({what}); {} {has_text}: it dies at start with SIGILL",
            level.value,
            arch::cpu_name(cpu, target)
        ))
        .evidence(format!("build setting GOARM={}", level.value), display.clone())
        .evidence(features(cpu), arch::cpu_location(target));
    Some(
        match fixes::go_build_command(ctx.facts(), &[("GOARM", goarm)], &[], &[]) {
            Some(cmd) => finding
                .fix(
                    format!("Rebuild with GOARM={goarm}, which this CPU runs"),
                    vec![cmd],
                )
                .rebuild(fixes::GoChange::of(&[("GOARM", goarm)], &[], &[])),
            None => finding,
        },
    )
}

fn goarm64(ctx: &CheckContext<'_>, level: &ArchLevel) -> Option<Finding> {
    if !goarm64_uses_lse(&level.value) {
        return None;
    }
    let target = ctx.target;
    let cpu = cpu_of(target, &["aarch64"]).ok()?;
    let display = &ctx.binary.display_path;
    let fix = fixes::go_build_command(ctx.facts(), &[("GOARM64", "v8.0")], &[], &[]);
    let with_fix = |f: Finding| {
        match &fix {
        Some(cmd) => f.fix(
            "Rebuild with GOARM64=v8.0, which every ARM64 CPU runs (the runtime then picks LSE atomics at run time where the CPU has them)",
            vec![cmd.clone()],
        ).rebuild(fixes::GoChange::of(&[("GOARM64", "v8.0")], &[], &[])),
        None => f,
    }
    };
    let cpu = match cpu {
        Some(c) if !c.flags.is_empty() => c,
        _ => {
            return Some(with_fix(
                GoarmVfpUnsupported::META
                    .finding(format!(
                        "{} does not say which CPU it runs on; {display} is built with GOARM64={} and needs ARMv8.1 LSE atomics (with no start-up check: SIGILL if they are missing)",
                        target.name, level.value
                    ))
                    .undecided()
                    .evidence(format!("build setting GOARM64={}", level.value), display.clone()),
            ));
        }
    };
    if cpu.flags.iter().any(|f| f == "atomics") {
        return None;
    }
    Some(with_fix(
        GoarmVfpUnsupported::META
            .finding(format!(
                "{display} is built with GOARM64={} (ARMv8.1 LSE atomics); {} lacks them: it dies at start with SIGILL, as Go has no start-up check for GOARM64",
                level.value,
                arch::cpu_name(cpu, target)
            ))
            .evidence(format!("build setting GOARM64={}", level.value), display.clone())
            .evidence(
                format!("{}; no `atomics`", features(cpu)),
                arch::cpu_location(target),
            ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_facts::Facts;

    /// The Go fixture relabelled as built for `goarch` with `variable=value`.
    fn go_for(machine: &str, goarch: &str, variable: &str, value: &str) -> Facts {
        let mut facts = fixture("go124-hello");
        facts.elf.machine.name = machine.into();
        let typed = &mut facts
            .go
            .as_mut()
            .unwrap()
            .build_info
            .as_mut()
            .unwrap()
            .typed;
        typed.goarch = Some(goarch.into());
        let level = typed.arch_level.as_mut().unwrap();
        level.variable = variable.into();
        level.value = value.into();
        facts
    }

    fn target_with(arch: &str, flags: &str) -> TargetModel {
        let mut t = scratch();
        t.native_arches = vec![arch.into()];
        t.cpu = Some(CpuInfo {
            arch: arch.into(),
            flags: flags.split_whitespace().map(String::from).collect(),
            model: Some("ARMv6-compatible processor rev 7 (v6l)".into()),
            ..Default::default()
        });
        t
    }

    fn arch005(facts: &Facts, target: &TargetModel) -> Vec<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .filter(|f| f.code == "ARCH005")
            .collect()
    }

    const PI_ZERO: &str = "half thumb fastmult vfp edsp java tls";

    #[test]
    fn fires_for_goarm7_on_a_vfpv2_cpu() {
        let facts = go_for("arm", "arm", "GOARM", "7");
        let f = arch005(&facts, &target_with("armhf", PI_ZERO));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(f[0].message.contains("has only VFPv2"), "{}", f[0].message);
        assert!(f[0].message.contains("SIGILL"));
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 go build -trimpath -o hello example.com/hello/cmd/hello"]
        );
        // GOARM=6 on a CPU without VFP: GOARM=5.
        let facts = go_for("arm", "arm", "GOARM", "6");
        let f = arch005(
            &facts,
            &target_with("armel", "swp half thumb fastmult edsp java"),
        );
        assert!(f[0].message.contains("has no VFP"));
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("GOARM=5"));
    }

    #[test]
    fn fires_for_lse_atomics_on_a_cortex_a72() {
        let facts = go_for("aarch64", "arm64", "GOARM64", "v8.1");
        let a72 = "fp asimd evtstrm crc32 cpuid";
        let f = arch005(&facts, &target_with("aarch64", a72));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("no start-up check"),
            "{}",
            f[0].message
        );
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("GOARM64=v8.0"));
        let facts = go_for("aarch64", "arm64", "GOARM64", "v8.0,lse");
        assert_eq!(arch005(&facts, &target_with("aarch64", a72)).len(), 1);
    }

    #[test]
    fn undecided_without_cpu_features() {
        let facts = go_for("arm", "arm", "GOARM", "7");
        let mut t = target_with("armhf", "");
        t.cpu = None;
        let f = arch005(&facts, &t);
        assert!(f[0].undecided);
        let facts = go_for("aarch64", "arm64", "GOARM64", "v9.0");
        let mut t = target_with("aarch64", "");
        t.cpu = None;
        assert!(arch005(&facts, &t)[0].undecided);
    }

    #[test]
    fn silent_when_the_cpu_has_it_or_nothing_is_needed() {
        let v7 = "half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt";
        assert!(arch005(
            &go_for("arm", "arm", "GOARM", "7"),
            &target_with("armhf", v7)
        )
        .is_empty());
        assert!(arch005(
            &go_for("arm", "arm", "GOARM", "6"),
            &target_with("armhf", PI_ZERO)
        )
        .is_empty());
        assert!(arch005(
            &go_for("arm", "arm", "GOARM", "5"),
            &target_with("armel", "swp half")
        )
        .is_empty());
        assert!(arch005(
            &go_for("arm", "arm", "GOARM", "7,softfloat"),
            &target_with("armel", "swp")
        )
        .is_empty());
        // A 32-bit program on an AArch64 CPU has VFPv3.
        assert!(arch005(
            &go_for("arm", "arm", "GOARM", "7"),
            &target_with("aarch64", "fp asimd")
        )
        .is_empty());
        let a76 = "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp";
        assert!(arch005(
            &go_for("aarch64", "arm64", "GOARM64", "v8.2"),
            &target_with("aarch64", a76)
        )
        .is_empty());
        assert!(arch005(
            &go_for("aarch64", "arm64", "GOARM64", "v8.0,crypto"),
            &target_with("aarch64", "fp")
        )
        .is_empty());
        assert!(arch005(&fixture("go124-hello"), &debian12()).is_empty());
    }
}
