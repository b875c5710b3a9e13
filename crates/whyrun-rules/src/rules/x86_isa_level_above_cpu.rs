//! ARCH004: the binary's `.note.gnu.property` says it needs an x86-64 level above the
//! target's CPU.

use std::cmp::Ordering;

use whyrun_target::model::LibcFamily;

use crate::arch;
use crate::context::CheckContext;
use crate::distro;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// An x86-64 binary whose `.note.gnu.property` note sets
    /// `GNU_PROPERTY_X86_ISA_1_NEEDED` to x86-64-v2, v3 or v4 (written by GCC or Clang with
    /// `-march=x86-64-v3 -mneeded`, by the linker with `-z x86-64-v3`, or inherited from a
    /// C library's start files built that way), checked against the x86-64 level of the
    /// target's CPU. When the target does not say which CPU it runs on, it cannot be decided
    /// and is reported as such.
    ///
    /// ## Why it breaks
    /// glibc's loader from 2.33 on reads the note of the program and of every library it
    /// loads, and refuses before the program runs: `./app: CPU ISA level is lower than
    /// required` (exit status 127). Older glibc loaders, musl's, and statically linked
    /// programs (glibc's static start-up code does not check the note) start the program;
    /// it then dies with `SIGILL` (`Illegal instruction`) at the first instruction the CPU
    /// lacks, if the code really uses one.
    ///
    /// ## Example
    /// ```text
    /// ARCH004 blocks start  /usr/local/bin/hello needs x86-64-v3 (its .note.gnu.property); the CPU (Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz) reaches x86-64-v2
    ///   · GNU_PROPERTY_X86_ISA_1_NEEDED: x86-64-baseline, x86-64-v3  [/usr/local/bin/hello]
    ///   · the CPU reaches x86-64-v2; it lacks avx2, bmi1, bmi2, f16c, fma, abm, movbe  [web-01]
    ///   · glibc 2.36 refuses it at load time (CPU ISA level is lower than required)  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Rebuild for x86-64-v2: -march=x86-64-v2, without -march=native, -mneeded or -Wl,-z,x86-64-vN (if the note comes from the toolchain's start files, build on a distribution with a baseline toolchain)
    ///       gcc -march=x86-64-v2 -o hello …
    /// ```
    ///
    /// ## Fix
    /// Rebuild for the CPU's level (`-march=x86-64-v2`, or `-march=x86-64` for any x86-64
    /// CPU) and drop `-march=native`, `-mneeded` and `-Wl,-z,x86-64-vN`; for Rust,
    /// `RUSTFLAGS="-C target-cpu=x86-64-v2"`. When the note comes from the toolchain's own
    /// start files (some distributions build their C library for v3 or v4), build on a
    /// distribution with a baseline toolchain.
    ///
    /// ## References
    /// - glibc `sysdeps/x86/dl-prop.h` (`dl_isa_level_check`) and
    ///   `sysdeps/x86/get-isa-level.h`; glibc 2.33 NEWS (x86-64 ISA levels).
    /// - x86-64 psABI, "Micro-architecture levels"; binutils `ld -z x86-64-v{2,3,4}`.
    /// - Checked here: a Debian 12 (glibc 2.36) dynamic binary linked with `-z x86-64-v3`
    ///   under `qemu-x86_64 -cpu Nehalem` prints the message and exits 127; the same
    ///   program linked `-static` or `-static-pie` runs.
    pub struct X86IsaLevelAboveCpu {
        code: "ARCH004",
        name: "x86-isa-level-above-cpu",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::StartUp,
        summary: "The binary's x86-64 ISA level note is above the target's CPU",
    }
}

/// Who stops the binary, and how: `(severity, evidence, where)`.
fn enforcement(ctx: &CheckContext<'_>) -> (Severity, String, String) {
    let facts = ctx.facts();
    let Some(interp) = facts.elf.interpreter.as_deref() else {
        return (
            Severity::Risk,
            "a static binary: no loader checks the note; it dies with SIGILL only if it runs an instruction the CPU lacks".into(),
            ctx.binary.display_path.clone(),
        );
    };
    match ctx.target.libc.as_ref() {
        Some(libc)
            if libc.family == LibcFamily::Glibc
                && fixes::libc_of_interpreter(interp) == "glibc"
                && distro::compare_dotted(&libc.version, "2.33") != Ordering::Less =>
        {
            (
                Severity::BlocksStart,
                format!(
                    "glibc {} refuses it at load time (CPU ISA level is lower than required)",
                    libc.version
                ),
                libc.loader.clone(),
            )
        }
        Some(libc) => (
            Severity::Risk,
            format!(
                "{} {}'s loader does not check the note (glibc checks from 2.33 on); it dies with SIGILL only if it runs an instruction the CPU lacks",
                libc.family.name(),
                libc.version
            ),
            libc.loader.clone(),
        ),
        None => (
            Severity::Risk,
            "the target's C library is unknown: glibc 2.33 and later refuse the binary at load time, other loaders do not check".into(),
            interp.to_string(),
        ),
    }
}

impl X86IsaLevelAboveCpu {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(isa) = &facts.elf.x86_isa_needed else {
            return Vec::new();
        };
        let needed = (1..=4u32)
            .rev()
            .find(|i| isa.bitmask & (1 << (i - 1)) != 0)
            .unwrap_or(1);
        if needed <= 1 || facts.elf.machine.name != "x86_64" {
            return Vec::new();
        }
        let target = ctx.target;
        let display = &ctx.binary.display_path;
        let note = format!("GNU_PROPERTY_X86_ISA_1_NEEDED: {}", isa.levels.join(", "));
        let (severity, who, where_) = enforcement(ctx);
        let finding = match arch::x86_cpu(target) {
            arch::X86Cpu::OtherArch => return Vec::new(),
            arch::X86Cpu::Known { reached, .. } if reached >= needed => return Vec::new(),
            arch::X86Cpu::Known { cpu, reached } => {
                Self::META
                    .finding(format!(
                        "{display} needs x86-64-v{needed} (its .note.gnu.property); {} reaches x86-64-v{reached}",
                        arch::cpu_name(cpu, target)
                    ))
                    .severity(severity)
                    .evidence(note, display.clone())
                    .evidence(arch::reached_evidence(cpu, reached, needed), arch::cpu_location(target))
                    .evidence(who, where_)
                    .fix(fix_summary(ctx, reached), fix_commands(ctx, reached))
                    .rebuild_if(go_change(ctx, reached))
            }
            arch::X86Cpu::Unknown => Self::META
                .finding(format!(
                    "{} does not say which CPU it runs on; {display} needs x86-64-v{needed} (its .note.gnu.property)",
                    target.name
                ))
                .severity(severity)
                .undecided()
                .evidence(note, display.clone())
                .evidence(who, where_)
                .fix(fix_summary(ctx, 1), fix_commands(ctx, 1))
                .rebuild_if(go_change(ctx, 1)),
        };
        vec![finding]
    }
}

fn march(level: u32) -> String {
    if level <= 1 {
        "x86-64".into()
    } else {
        format!("x86-64-v{level}")
    }
}

fn fix_summary(ctx: &CheckContext<'_>, level: u32) -> String {
    let m = march(level);
    if ctx.facts().rust.is_some() {
        format!("Rebuild with RUSTFLAGS=\"-C target-cpu={m}\", without target-cpu=native")
    } else {
        format!(
            "Rebuild for {m}: -march={m}, without -march=native, -mneeded or -Wl,-z,x86-64-vN (if the note comes from the toolchain's start files, build on a distribution with a baseline toolchain)"
        )
    }
}

/// The `go build` change of [`fix_commands`] for a Go binary.
fn go_change(ctx: &CheckContext<'_>, level: u32) -> Option<fixes::GoChange> {
    ctx.facts().go.as_ref()?;
    let flags = format!("-march={}", march(level));
    Some(fixes::GoChange::of(&[("CGO_CFLAGS", &flags)], &[], &[]))
}

fn fix_commands(ctx: &CheckContext<'_>, level: u32) -> Vec<String> {
    let facts = ctx.facts();
    let m = march(level);
    if let Some(change) = go_change(ctx, level) {
        return fixes::go_rebuild(facts, &change).into_iter().collect();
    }
    if facts.rust.is_some() {
        return vec![format!(
            "RUSTFLAGS=\"-C target-cpu={m}\" cargo build --release"
        )];
    }
    let name = ctx
        .binary
        .display_path
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("app");
    let cc = if facts.elf.needed.iter().any(|n| n.starts_with("libstdc++")) {
        "g++"
    } else {
        "gcc"
    };
    vec![format!("{cc} -march={m} -o {name} …")]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_facts::Facts;
    use whyrun_target::model::{CpuInfo, TargetModel};

    fn on_cpu(mut t: TargetModel, level: u32) -> TargetModel {
        t.cpu = Some(CpuInfo {
            arch: "x86_64".into(),
            x86_isa_levels: Some((1u32 << level) - 1),
            ..Default::default()
        });
        t
    }

    fn arch004(facts: &Facts, target: &TargetModel) -> Vec<Finding> {
        run(facts, target, &resolution(Some(true)))
            .into_iter()
            .filter(|f| f.code == "ARCH004")
            .collect()
    }

    #[test]
    fn fires_as_blocking_on_glibc_2_33_and_later() {
        let facts = fixture("c-x86-64-v3");
        let f = arch004(&facts, &on_cpu(debian12(), 2));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(f[0].message.contains("needs x86-64-v3"), "{}", f[0].message);
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("CPU ISA level is lower than required")));
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["gcc -march=x86-64-v2 -o app …"]
        );
    }

    #[test]
    fn a_risk_on_an_older_glibc_and_for_static_binaries() {
        let facts = fixture("c-x86-64-v3");
        let mut old = on_cpu(debian11(), 2);
        if let Some(l) = &mut old.libc {
            l.version = "2.31".into();
        }
        let f = arch004(&facts, &old);
        assert_eq!(f[0].severity, Severity::Risk);
        assert!(f[0].evidence[2].what.contains("SIGILL"));
        let mut facts = fixture("c-x86-64-v3");
        facts.elf.interpreter = None;
        let f = arch004(&facts, &on_cpu(debian12(), 1));
        assert_eq!(f[0].severity, Severity::Risk);
        assert!(f[0].evidence[2].what.contains("static"));
    }

    #[test]
    fn undecided_without_a_cpu() {
        let f = arch004(&fixture("c-x86-64-v3"), &debian12());
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("-march=x86-64 "));
    }

    #[test]
    fn silent_for_baseline_binaries_and_capable_cpus() {
        assert!(arch004(&fixture("c-glibc-dynamic"), &on_cpu(debian12(), 1)).is_empty());
        assert!(arch004(&fixture("c-x86-64-v3"), &on_cpu(debian12(), 3)).is_empty());
    }
}
