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
    /// end in a shell syntax error about its first bytes.
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

        // 32-bit programs of the target's architecture: the kernel's compat mode decides.
        let compat = target.kernel.as_ref().and_then(|k| k.compat32.as_ref());
        if arch::is_compat32(&arches, machine) {
            let arm = arch::kernel_arch(machine) == "arm";
            match compat {
                Some(c) if c.enabled && !arm => return Vec::new(),
                Some(c) if c.enabled => {
                    return vec![Self::META
                        .finding(format!(
                            "{display} is built for {built_for}; {} runs it only if its CPU executes 32-bit ARM (AArch32) programs, which many recent Arm cores do not: whyrun cannot tell",
                            target.name
                        ))
                        .undecided()
                        .evidence(binary_evidence, display.clone())
                        .evidence(format!("the kernel has 32-bit compat: {}", c.evidence), "kernel")
                        .fix(
                            format!("Run it once on the machine to know, or rebuild for {} to be sure", arches.arches[0]),
                            rebuild.map(|(_, c)| c).unwrap_or_default(),
                        )];
                }
                Some(_) => {}
                None => {
                    let option = if arm {
                        "CONFIG_COMPAT, and a CPU that executes AArch32"
                    } else {
                        "CONFIG_IA32_EMULATION, not turned off with ia32_emulation=0; the kernels of Debian, Ubuntu, RHEL and Alpine have it"
                    };
                    return vec![Self::META
                        .finding(format!(
                            "{display} is built for {built_for}; {} runs it through the kernel's 32-bit compat mode if the kernel has it ({option}): whyrun cannot tell",
                            target.name
                        ))
                        .undecided()
                        .evidence(binary_evidence, display.clone())
                        .evidence(what, location)
                        .fix(
                            "Say which kernel it will run on: --this-machine for a root or image that runs here, or a snapshot of that machine (whyrun snapshot reads its /proc/config.gz)",
                            Vec::new(),
                        )];
                }
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
        if let Some(c) = compat.filter(|_| arch::is_compat32(&arches, machine)) {
            finding = finding.evidence(
                format!("the kernel's 32-bit compat mode is off: {}", c.evidence),
                "kernel",
            );
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
        let finding = match rebuild {
            Some((summary, commands)) => finding.fix(summary, commands),
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
}
