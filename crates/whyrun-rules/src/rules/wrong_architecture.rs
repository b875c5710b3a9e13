//! ARCH001: the binary is built for a machine (architecture, word size or byte order) the
//! target's kernel does not run, unless a binfmt_misc emulator takes it.

use whyrun_target::model::{BinfmtHandler, SourceKind};

use crate::arch;
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A binary whose ELF machine, class (32- or 64-bit) or byte order is not one the
    /// target's kernel runs: an arm64 binary on an amd64 server, an amd64 image on a
    /// Raspberry Pi, a 32-bit ARM binary on an arm64 server whose cores lack AArch32.
    /// armhf, armel and ARM binaries without a stated float ABI are one machine to the
    /// kernel; their float ABI is ARCH002's business.
    ///
    /// A 64-bit kernel also runs some 32-bit programs through a compat mode, and then the
    /// finding depends on what the target says of it:
    /// - i386 on x86-64: `CONFIG_IA32_EMULATION`, not turned off with `ia32_emulation=0`.
    /// - x32 (ELFCLASS32 for x86-64) on x86-64: `CONFIG_X86_X32_ABI`, and on Debian's
    ///   kernels also `syscall.x32=y`, since Debian builds it in but off
    ///   (`CONFIG_X86_X32_DISABLED=y`).
    /// - 32-bit ARM on arm64: `CONFIG_COMPAT`, and cores that execute AArch32 at EL0, which
    ///   many recent ones (Neoverse V2, Apple M1) do not. The cores are read from
    ///   `/proc/cpuinfo` ("CPU implementer", "CPU part") and looked up in a table that
    ///   names its source for each core.
    ///
    /// A host or snapshot reads its kernel configuration (`/proc/config.gz`,
    /// `/boot/config-RELEASE`), command line and cores; a target that does not say gets
    /// "cannot tell", naming the fact that would decide it, never "will not start".
    ///
    /// When the target registers an enabled binfmt_misc handler for that machine (qemu-user),
    /// the kernel hands the binary to the emulator and it runs, slowly: the finding is then
    /// info, or a risk when the handler lacks the `F` (fix binary) flag, because the kernel
    /// then opens the emulator by path when the binary starts, and inside a container or
    /// chroot that path does not exist.
    ///
    /// ## Why it breaks
    /// `execve(2)` finds no binary format that accepts the file and fails with `ENOEXEC`.
    /// Docker and Go's `os/exec` print `exec format error`, bash prints
    /// `cannot execute binary file: Exec format error`. Shells and coreutils `chroot`
    /// (through `execvp`) retry such a file as a shell script, so a foreign binary can also
    /// end in a shell syntax error about its first bytes. A compat mode the kernel lacks
    /// fails the same way: its `compat_elf_check_arch()` refuses the file.
    ///
    /// ## Example
    /// ```text
    /// ARCH001 blocks start  /usr/local/bin/hello is built for aarch64 (ELF64, little-endian); debian-12 runs x86_64 binaries: exec format error
    ///   · ELF machine aarch64 (e_machine 183), ELF64, little-endian  [/usr/local/bin/hello]
    ///   · the kernel runs x86_64 natively  [debian-12]
    ///   fix Rebuild for x86_64 with Debian's cross compiler (gcc-x86-64-linux-gnu), using the same sources and flags
    ///       apt-get install -y gcc-x86-64-linux-gnu
    ///       x86_64-linux-gnu-gcc -o hello …
    /// ```
    ///
    /// ## Fix
    /// Rebuild for the target's machine. For Go, `GOARCH` (x86_64 → `amd64`, aarch64 →
    /// `arm64`, armhf/armel → `arm` with `GOARM=7` for armhf and `GOARM=5` for armel,
    /// i386 → `386`; ppc64le, s390x and riscv64 keep their names); a cgo build also needs
    /// the cross C compiler as `CC` (`gcc-aarch64-linux-gnu` on Debian). For C and C++,
    /// Debian's cross compilers (`gcc-aarch64-linux-gnu`, `gcc-arm-linux-gnueabihf`,
    /// `gcc-x86-64-linux-gnu`, …); for Rust, `cargo build --target`. To run it as it is,
    /// register an emulator: `apt-get install qemu-user-static` registers handlers with
    /// the `F` flag, which also work inside containers.
    ///
    /// ## References
    /// - execve(2): ENOEXEC "An executable is not in a recognized format, is for the wrong
    ///   architecture, or has some other format error".
    /// - Linux Documentation/admin-guide/binfmt-misc.rst: the `F` (fix binary) flag opens the
    ///   interpreter when the handler is registered, so it works in other mount namespaces.
    /// - `go tool dist list` for GOARCH names; golang.org/wiki/GoArm for GOARM.
    /// - Linux Documentation/admin-guide/kernel-parameters.txt (`ia32_emulation=`);
    ///   Documentation/arch/arm64/asymmetric-32bit.rst (a core without AArch32 makes
    ///   `execve(2)` of a 32-bit program return `-ENOEXEC`; `allow_mismatched_32bit_el0`,
    ///   `/sys/devices/system/cpu/aarch32_el0`).
    /// - Debian's kernel patch `x86-make-x32-syscall-support-conditional.patch`
    ///   (Bug-Debian #708070) and `debian/config/amd64/config` (`CONFIG_X86_X32_ABI=y`,
    ///   `CONFIG_X86_X32_DISABLED=y`).
    /// - The cores' Technical Reference Manuals, ID_AA64PFR0_EL1 field EL0 (2: AArch64
    ///   or AArch32, 1: AArch64 only); each row of `whyrun-rules/src/aarch32.rs` names its source.
    pub struct WrongArchitecture {
        code: "ARCH001",
        name: "wrong-architecture",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Format,
        summary: "The binary is built for a CPU architecture the target's kernel does not run",
    }
}

impl WrongArchitecture {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let elf = &facts.elf;
        let machine = &elf.machine.name;
        let target = ctx.target;
        let built_for = format!("{machine} ({}, {}-endian)", elf.class, elf.endian);
        let binary_evidence = format!(
            "ELF machine {machine} (e_machine {}), {}, {}-endian",
            elf.machine.e_machine, elf.class, elf.endian
        );
        let display = &ctx.binary.display_path;

        let Some(arches) = arch::target_arches(target) else {
            return vec![Self::META
                .finding(format!(
                    "{} does not say which CPU architecture it runs; {display} is built for {built_for}",
                    target.name
                ))
                .undecided()
                .evidence(binary_evidence, display.clone())
                .fix(
                    "Say where it will run: --this-machine for a root or image that runs on this machine, a snapshot of that machine (whyrun snapshot), or a profile with its architecture (-t debian-12@arm64)",
                    Vec::new(),
                )];
        };
        if arches
            .arches
            .iter()
            .any(|a| arch::same_kernel_arch(a, machine))
        {
            return Vec::new();
        }

        let list = arches.arches.join(", ");
        let (what, location) = match arches.source {
            "image config" => (
                format!("the image is built for {list}"),
                "image config".to_string(),
            ),
            "CPU" => (format!("the CPU is {list}"), arch::cpu_location(target)),
            "C library" => (
                format!("the C library is built for {list}"),
                target
                    .libc
                    .as_ref()
                    .map(|l| l.loader.clone())
                    .unwrap_or_else(|| "/".into()),
            ),
            _ => (
                format!("the kernel runs {list} natively"),
                match target.source {
                    SourceKind::Host => "uname -m".to_string(),
                    _ => target.name.clone(),
                },
            ),
        };
        let handlers: Vec<&BinfmtHandler> = target
            .binfmt
            .iter()
            .filter(|h| {
                h.arch
                    .as_deref()
                    .is_some_and(|a| arch::same_kernel_arch(a, machine))
            })
            .collect();
        let primary = arches.arches[0].clone();
        let rebuild = fixes::rebuild_for_arch(facts, display, &primary, target.cpu.as_ref());
        let change = fixes::arch_change(facts, &primary, target.cpu.as_ref()).map(|(c, _)| c);

        if let Some(h) = handlers.iter().find(|h| h.enabled) {
            let fixed = h.flags.contains('F');
            let mut finding = Self::META
                .finding(if fixed {
                    format!(
                        "{display} is built for {built_for}; {} runs it under emulation through {} (binfmt_misc {})",
                        target.name, h.interpreter, h.name
                    )
                } else {
                    format!(
                        "{display} is built for {built_for}; {} runs it under emulation through {} (binfmt_misc {}), but not inside a container or chroot: the handler lacks the F flag",
                        target.name, h.interpreter, h.name
                    )
                })
                .severity(if fixed { Severity::Info } else { Severity::Risk })
                .evidence(binary_evidence, display.clone())
                .evidence(what, location)
                .evidence(
                    format!("handler {} is enabled: interpreter {}, flags {:?}", h.name, h.interpreter, h.flags),
                    format!("/proc/sys/fs/binfmt_misc/{}", h.name),
                );
            finding = if fixed {
                match rebuild {
                    Some((summary, commands)) => finding.fix(
                        format!("{summary}, to run it natively instead of emulated"),
                        commands,
                    ),
                    None => finding,
                }
            } else {
                let mut commands = vec!["apt-get install -y qemu-user-static".to_string()];
                if let Some((_, c)) = rebuild {
                    commands.extend(c);
                }
                finding.fix(
                    format!(
                        "Register the emulator with the F flag (Debian's qemu-user-static does), so containers and chroots can use it; or rebuild for {primary}"
                    ),
                    commands,
                )
            };
            return vec![finding];
        }

        // 32-bit programs of the target's architecture (and x32 on x86-64): the kernel's
        // compat mode decides, and for 32-bit ARM also the CPU's cores.
        let mode = arch::compat_mode(&arches, machine);
        let mut refused = Vec::new();
        match mode.map(|m| (m, arch::compat_decision(target, m))) {
            None => {}
            Some((_, arch::CompatDecision::Runs(_))) => return Vec::new(),
            Some((_, arch::CompatDecision::Refused(evidence))) => refused = evidence,
            Some((m, arch::CompatDecision::Unknown { decides, evidence })) => {
                let how = match m {
                    arch::CompatMode::Aarch32 => "runs it only through the kernel's 32-bit compat mode on cores that execute AArch32 (many recent Arm cores do not)",
                    arch::CompatMode::X32 => "runs it only if the kernel's x32 ABI is built in and enabled",
                    arch::CompatMode::Ia32 => "runs it through the kernel's 32-bit compat mode if the kernel has it",
                };
                let mut finding = Self::META
                    .finding(format!(
                        "{display} is built for {built_for}; {} {how}: whyrun cannot tell ({decides})",
                        target.name
                    ))
                    .undecided()
                    .evidence(binary_evidence, display.clone())
                    .evidence(what, location);
                for (w, at) in evidence {
                    finding = finding.evidence(w, at);
                }
                return vec![finding.fix(
                    format!("Say which machine it will run on: --this-machine for a root or image that runs here, or a snapshot of that machine (whyrun snapshot reads its /proc/config.gz, /proc/cmdline and /proc/cpuinfo); or rebuild for {primary} to be sure"),
                    rebuild.map(|(_, c)| c).unwrap_or_default(),
                )];
            }
        }

        let mut finding = Self::META
            .finding(format!(
                "{display} is built for {built_for}; {} runs {} binaries: exec format error",
                target.name,
                arches.arches.join(" and ")
            ))
            .evidence(binary_evidence, display.clone())
            .evidence(what, location);
        for (w, at) in refused {
            finding = finding.evidence(w, at);
        }
        for h in &handlers {
            finding = finding.evidence(
                format!(
                    "handler {} for {machine} is registered but disabled",
                    h.name
                ),
                format!("/proc/sys/fs/binfmt_misc/{}", h.name),
            );
        }
        if handlers.is_empty() && target.source == SourceKind::Host {
            finding = finding.evidence(
                format!("no binfmt_misc handler for {machine}"),
                "/proc/sys/fs/binfmt_misc",
            );
        }
        // Debian's kernels have x32 built in but off: one boot option turns it on.
        let x32_off_by_default = mode == Some(arch::CompatMode::X32)
            && finding
                .evidence
                .iter()
                .any(|e| e.what.contains("CONFIG_X86_X32_DISABLED=y"));
        let finding = match rebuild {
            Some((summary, commands)) if x32_off_by_default => finding
                .fix(
                    format!("{summary}; or boot the kernel with syscall.x32=y, which turns on the x32 ABI it has built in"),
                    commands,
                )
                .rebuild_if(change),
            Some((summary, commands)) => finding.fix(summary, commands).rebuild_if(change),
            None => finding.fix(
                format!("Rebuild it for {primary}, or run it on a {machine} machine"),
                Vec::new(),
            ),
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_target::model::{BinfmtHandler, CpuInfo, TargetModel};

    fn arch001(
        facts: &whyrun_facts::Facts,
        target: &whyrun_target::model::TargetModel,
    ) -> Vec<Finding> {
        run(facts, target, &resolution(Some(true)))
            .into_iter()
            .filter(|f| f.code == "ARCH001")
            .collect()
    }

    #[test]
    fn fires_for_an_aarch64_binary_on_x86_64() {
        let facts = fixture("c-aarch64-dynamic");
        let f = arch001(&facts, &debian12());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(!f[0].undecided);
        assert!(
            f[0].message.contains("aarch64 (ELF64, little-endian)"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("exec format error"));
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.commands[0], "apt-get install -y gcc-x86-64-linux-gnu");
        assert!(
            fix.commands[1].starts_with("x86_64-linux-gnu-gcc -o app"),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn go_fix_changes_goarch_and_drops_goamd64() {
        let facts = fixture("go124-hello");
        let mut target = debian12();
        target.native_arches = vec!["armhf".into()];
        target.cpu = Some(CpuInfo {
            arch: "armhf".into(),
            flags: vec!["half".into(), "thumb".into(), "vfp".into()],
            ..Default::default()
        });
        let f = arch001(&facts, &target);
        let fix = f[0].fix.as_ref().unwrap();
        // An ARMv6 CPU with VFPv2: GOARM=6.
        assert_eq!(
            fix.commands,
            ["CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 go build -trimpath -o hello example.com/hello/cmd/hello"]
        );
    }

    #[test]
    fn emulation_through_binfmt_is_info_with_f_and_a_risk_without() {
        let facts = fixture("c-aarch64-dynamic");
        let mut target = debian12();
        target.binfmt = vec![BinfmtHandler {
            name: "qemu-aarch64".into(),
            enabled: true,
            interpreter: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P".into(),
            arch: Some("aarch64".into()),
            flags: "POCF".into(),
        }];
        let f = arch001(&facts, &target);
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].message.contains("under emulation"));
        target.binfmt[0].flags = "P".into();
        let f = arch001(&facts, &target);
        assert_eq!(f[0].severity, Severity::Risk);
        assert!(f[0].message.contains("F flag"));
        target.binfmt[0].enabled = false;
        let f = arch001(&facts, &target);
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(f[0].evidence.iter().any(|e| e.what.contains("disabled")));
    }

    #[test]
    fn undecided_when_the_target_names_no_architecture() {
        let facts = fixture("go124-hello");
        let mut target = scratch();
        target.native_arches.clear();
        let f = arch001(&facts, &target);
        assert_eq!(f.len(), 1);
        assert!(f[0].undecided);
    }

    #[test]
    fn silent_for_a_native_binary_and_for_either_arm_float_abi() {
        assert!(arch001(&fixture("go124-hello"), &debian12()).is_empty());
        assert!(arch001(&fixture("c-glibc-dynamic"), &alpine()).is_empty());
        let mut facts = fixture("c-aarch64-dynamic");
        facts.elf.machine.name = "armhf".into();
        let mut target = debian12();
        target.native_arches = vec!["armel".into()];
        assert!(arch001(&facts, &target).is_empty());
    }

    fn i386(mut facts: whyrun_facts::Facts) -> whyrun_facts::Facts {
        facts.elf.machine.name = "i386".into();
        facts.elf.machine.e_machine = 3;
        facts.elf.class = "ELF32".into();
        facts
    }

    fn with_compat(mut t: TargetModel, enabled: bool) -> TargetModel {
        t.kernel = Some(whyrun_target::model::Kernel {
            release: "6.1.0-18-amd64".into(),
            compat32: Some(whyrun_target::model::Compat32 {
                enabled,
                evidence: "CONFIG_IA32_EMULATION=y in /proc/config.gz".into(),
            }),
            ..Default::default()
        });
        t
    }

    /// A static i386 program runs on an x86-64 kernel with IA32 emulation, does not
    /// without it, and on a profile that cannot say, whyrun cannot tell.
    #[test]
    fn i386_on_x86_64_follows_the_kernels_compat_mode() {
        let facts = i386(fixture("go124-hello"));
        let libs = resolution(None);
        let arch001 = |t: &TargetModel| {
            run(&facts, t, &libs)
                .into_iter()
                .find(|f| f.code == "ARCH001")
        };
        assert!(arch001(&with_compat(debian12(), true)).is_none());
        let off = arch001(&with_compat(debian12(), false)).unwrap();
        assert_eq!(off.severity, Severity::BlocksStart);
        assert!(!off.undecided);
        assert!(off
            .evidence
            .iter()
            .any(|e| e.what.contains("compat mode is off")));
        let unknown = arch001(&debian12()).unwrap();
        assert!(unknown.undecided, "{unknown:?}");
        assert!(unknown.message.contains("CONFIG_IA32_EMULATION"));
    }

    fn armhf() -> whyrun_facts::Facts {
        let mut facts = fixture("c-aarch64-dynamic");
        facts.elf.machine.name = "armhf".into();
        facts.elf.machine.e_machine = 40;
        facts.elf.class = "ELF32".into();
        facts
    }

    fn core(implementer: u32, part: u32) -> whyrun_target::model::CpuCore {
        whyrun_target::model::CpuCore { implementer, part }
    }

    /// An arm64 machine with these cores and, when `compat` is given, a kernel whose
    /// CONFIG_COMPAT is that.
    fn arm64(cores: &[whyrun_target::model::CpuCore], compat: Option<bool>) -> TargetModel {
        let mut t = debian12();
        t.name = "arm64-server".into();
        t.native_arches = vec!["aarch64".into()];
        t.cpu = Some(CpuInfo {
            arch: "aarch64".into(),
            cores: cores.to_vec(),
            ..Default::default()
        });
        t.kernel = Some(whyrun_target::model::Kernel {
            release: "6.1.0-18-arm64".into(),
            compat32: compat.map(|enabled| whyrun_target::model::Compat32 {
                enabled,
                evidence: format!(
                    "CONFIG_COMPAT {} in /boot/config-6.1.0-18-arm64",
                    if enabled { "=y" } else { "is not set" }
                ),
            }),
            ..Default::default()
        });
        t
    }

    fn only(facts: &whyrun_facts::Facts, t: &TargetModel) -> Finding {
        let mut f = arch001(facts, t);
        assert_eq!(f.len(), 1, "{f:?}");
        f.remove(0)
    }

    /// 32-bit ARM on arm64 runs where CONFIG_COMPAT is on and every core executes AArch32
    /// at EL0 (Cortex-A72, a big.LITTLE A55 + A76), or where the kernel lists the capable
    /// CPUs in /sys/devices/system/cpu/aarch32_el0.
    #[test]
    fn arm_on_arm64_runs_with_compat_and_aarch32_cores() {
        let facts = armhf();
        assert!(arch001(&facts, &arm64(&[core(0x41, 0xd08)], Some(true))).is_empty());
        let big_little = [core(0x41, 0xd05), core(0x41, 0xd0b)];
        assert!(arch001(&facts, &arm64(&big_little, Some(true))).is_empty());
        let mut mixed = arm64(&[core(0x41, 0xd05), core(0x41, 0xd4f)], Some(true));
        mixed.kernel.as_mut().unwrap().aarch32_el0 = Some("0-3".into());
        assert!(arch001(&facts, &mixed).is_empty());
    }

    /// An AArch64-only core (Neoverse V2, Apple M1) refuses it whatever the kernel says,
    /// with the kernel's own message; so does a kernel without CONFIG_COMPAT, and a mix of
    /// cores without allow_mismatched_32bit_el0.
    #[test]
    fn arm_on_arm64_will_not_start_on_aarch64_only_cores_or_without_compat() {
        let facts = armhf();
        for t in [
            arm64(&[core(0x41, 0xd4f)], Some(true)),
            arm64(&[core(0x41, 0xd4f)], None),
            arm64(&[core(0x61, 0x022), core(0x61, 0x023)], None),
        ] {
            let f = only(&facts, &t);
            assert_eq!(f.severity, Severity::BlocksStart);
            assert!(!f.undecided, "{f:?}");
            assert!(f.message.ends_with("exec format error"), "{}", f.message);
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.what.contains("does not execute AArch32 at EL0")),
                "{:?}",
                f.evidence
            );
        }
        let off = only(&facts, &arm64(&[core(0x41, 0xd08)], Some(false)));
        assert!(!off.undecided);
        assert!(off.evidence.iter().any(|e| e
            .what
            .contains("compat mode is off: CONFIG_COMPAT is not set")));
        let mixed = only(
            &facts,
            &arm64(&[core(0x41, 0xd05), core(0x41, 0xd4f)], Some(true)),
        );
        assert!(!mixed.undecided);
        assert!(mixed
            .evidence
            .iter()
            .any(|e| e.what.contains("allow_mismatched_32bit_el0")));
    }

    /// What the target does not say is "cannot tell", naming the fact: the cores, an
    /// unknown core, or CONFIG_COMPAT. Never "will not start".
    #[test]
    fn arm_on_arm64_cannot_tell_names_what_decides() {
        let facts = armhf();
        let no_cores = only(&facts, &arm64(&[], None));
        assert!(no_cores.undecided);
        assert!(
            no_cores.message.contains("CONFIG_COMPAT")
                && no_cores.message.contains("CPU implementer, CPU part"),
            "{}",
            no_cores.message
        );
        let unknown = only(&facts, &arm64(&[core(0xc0, 0xac3)], Some(true)));
        assert!(unknown.undecided);
        assert!(
            unknown.message.contains("implementer 0xc0 part 0xac3"),
            "{}",
            unknown.message
        );
        let no_config = only(&facts, &arm64(&[core(0x41, 0xd0c)], None));
        assert!(no_config.undecided);
        assert!(no_config
            .message
            .contains("CONFIG_COMPAT in the kernel's configuration"));
        assert!(no_config.evidence.iter().any(|e| e
            .what
            .contains("Neoverse N1 (0x41/0xd0c) executes AArch32 at EL0")));
        // A profile (no kernel, no CPU cores) is the same.
        let mut profile = arm64(&[], None);
        profile.kernel = None;
        profile.cpu = None;
        assert!(only(&facts, &profile).undecided);
    }

    fn x32_kernel(x32: Option<bool>) -> TargetModel {
        let mut t = debian12();
        t.kernel = Some(whyrun_target::model::Kernel {
            release: "6.1.0-18-amd64".into(),
            x32: x32.map(|enabled| whyrun_target::model::Compat32 {
                enabled,
                evidence: if enabled {
                    "CONFIG_X86_X32_ABI=y in /boot/config-6.1.0-18-amd64, syscall.x32=y on the kernel command line".into()
                } else {
                    "CONFIG_X86_X32_ABI=y in /boot/config-6.1.0-18-amd64, CONFIG_X86_X32_DISABLED=y and no syscall.x32=y on the command line".into()
                },
            }),
            ..Default::default()
        });
        t
    }

    /// x32 (ELFCLASS32, EM_X86_64) on x86-64: runs with the x32 ABI on, does not start on
    /// Debian's default kernel (built in, off), and cannot be told without the kernel.
    #[test]
    fn x32_follows_the_kernels_x32_abi() {
        let facts = fixture("c-x32-static");
        assert_eq!(facts.elf.machine.name, "x32");
        assert!(arch001(&facts, &x32_kernel(Some(true))).is_empty());
        let off = only(&facts, &x32_kernel(Some(false)));
        assert_eq!(off.severity, Severity::BlocksStart);
        assert!(!off.undecided);
        assert!(off.message.ends_with("exec format error"));
        assert!(off
            .evidence
            .iter()
            .any(|e| e.what.contains("x32 ABI is off") && e.what.contains("syscall.x32=y")));
        assert!(
            off.fix
                .as_ref()
                .unwrap()
                .summary
                .contains("boot the kernel with syscall.x32=y"),
            "{:?}",
            off.fix
        );
        let unknown = only(&facts, &debian12());
        assert!(unknown.undecided);
        assert!(unknown.message.contains("CONFIG_X86_X32_ABI"));
        assert!(unknown.message.contains("syscall.x32=y"));
        // Not an x86-64 machine: refused like any foreign binary.
        let mut arm = arm64(&[core(0x41, 0xd08)], Some(true));
        arm.name = "arm64".into();
        assert!(!only(&facts, &arm).undecided);
    }
}
