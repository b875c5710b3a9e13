//! ARCH002: a dynamically linked 32-bit ARM binary of one float ABI (armhf, hard-float)
//! on a system whose C library is of the other (armel, soft-float), or the reverse.

use whyrun_facts::elf::Machine;
use whyrun_target::model::TargetModel;

use crate::arch;
use crate::context::CheckContext;
use crate::distro::{self, Packaging};
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A dynamically linked 32-bit ARM binary built for one float ABI on a system whose C
    /// library uses the other: an armhf (hard-float: floating-point arguments in VFP
    /// registers) binary on an armel (soft-float) system, or an armel binary on armhf. The
    /// binary's ABI is read from its ELF header flags (`EF_ARM_ABI_FLOAT_HARD`/`_SOFT`) or,
    /// when they are silent, from its loader's name; the system's from its C library and
    /// loaders. A static binary (a Go binary without cgo) carries its own runtime and is not
    /// affected; a system that has the binary's loader installed too (Debian multiarch) is
    /// not either.
    ///
    /// ## Why it breaks
    /// The kernel runs both alike, but the two ABIs have different loaders: glibc's armhf
    /// loader is `/lib/ld-linux-armhf.so.3`, its armel loader `/lib/ld-linux.so.3` (musl:
    /// `ld-musl-armhf.so.1` and `ld-musl-arm.so.1`). The binary names the loader of its own
    /// ABI, the system has only the other, and `execve` fails with `ENOENT`: the shell says
    /// `no such file or directory` for a file that exists (or `cannot execute binary file`
    /// from some shells). Even with the loader copied over, the system's libraries pass
    /// floating-point values the other way, and glibc's loader skips them as incompatible.
    ///
    /// ## Example
    /// ```text
    /// ARCH002 blocks start  /usr/local/bin/hello is armhf (hard-float) but debian-12@armel runs armel (soft-float) programs: its loader /lib/ld-linux-armhf.so.3 is not there
    ///   · e_flags say hard-float (EF_ARM_ABI_FLOAT_HARD); PT_INTERP is /lib/ld-linux-armhf.so.3  [/usr/local/bin/hello]
    ///   · the C library is glibc 2.36 for armel, whose loader is /lib/ld-linux.so.3  [/lib/ld-linux.so.3]
    ///   fix Rebuild for armel with Debian's cross compiler (gcc-arm-linux-gnueabi), using the same sources and flags; or install the armhf C library beside the system's (Debian multiarch)
    ///       apt-get install -y gcc-arm-linux-gnueabi
    ///       arm-linux-gnueabi-gcc -o hello …
    ///       dpkg --add-architecture armhf && apt-get update && apt-get install -y libc6:armhf
    /// ```
    ///
    /// ## Fix
    /// Rebuild for the system's ABI: `gcc-arm-linux-gnueabi` (armel) or
    /// `gcc-arm-linux-gnueabihf` (armhf); for Go with cgo, `CC=arm-linux-gnueabi-gcc GOARM=5`
    /// (armel) or `CC=arm-linux-gnueabihf-gcc GOARM=7` (armhf), or `CGO_ENABLED=0`, which
    /// needs no C library and runs on both. On Debian the other ABI's C library can be
    /// installed beside the system's: `dpkg --add-architecture armhf && apt-get update &&
    /// apt-get install libc6:armhf` (the CPU must have VFP for armhf).
    ///
    /// ## References
    /// - ARM ELF ABI (AAELF): `EF_ARM_ABI_FLOAT_HARD` 0x400, `EF_ARM_ABI_FLOAT_SOFT` 0x200.
    /// - Debian wiki ArmHardFloatPort and ArmEabiPort; the loader names in FACTS.md (GCC's
    ///   `config/arm/linux-eabi.h`, musl's `arch/arm/reloc.h`).
    /// - glibc `sysdeps/unix/sysv/linux/arm/dl-cache.h`: the ld.so.cache flags that keep
    ///   hard- and soft-float libraries apart.
    pub struct ArmFloatAbiMismatch {
        code: "ARCH002",
        name: "arm-float-abi-mismatch",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Interpreter,
        summary: "An armhf binary on an armel system, or the reverse",
    }
}

/// `hard` or `soft`: from the ELF header flags, else from the loader's name.
fn binary_abi(machine: &Machine, interp: &str) -> Option<&'static str> {
    match machine.arm_float_abi.as_deref() {
        Some("hard") => Some("hard"),
        Some("soft") => Some("soft"),
        _ => loader_abi(interp),
    }
}

fn loader_abi(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next().unwrap_or(path);
    match file {
        "ld-linux-armhf.so.3" | "ld-musl-armhf.so.1" => Some("hard"),
        "ld-linux.so.3" | "ld-musl-arm.so.1" => Some("soft"),
        _ => None,
    }
}

fn abi_machine(abi: &str) -> &'static str {
    if abi == "hard" {
        "armhf"
    } else {
        "armel"
    }
}

/// The target's float ABI with what shows it: its C library, its primary architecture, or
/// the ARM loaders it has.
fn target_abi(target: &TargetModel) -> Option<(&'static str, String, String)> {
    let abi_of = |name: &str| match name {
        "armhf" => Some("hard"),
        "armel" => Some("soft"),
        _ => None,
    };
    if let Some(libc) = &target.libc {
        if let Some(abi) = abi_of(&libc.arch) {
            return Some((
                abi,
                format!(
                    "the C library is {} {} for {}, whose loader is {}",
                    libc.family.name(),
                    libc.version,
                    libc.arch,
                    libc.loader
                ),
                libc.loader.clone(),
            ));
        }
    }
    if let Some(abi) = target.native_arches.first().and_then(|a| abi_of(a)) {
        return Some((
            abi,
            format!("the system is {}", abi_machine(abi)),
            target.name.clone(),
        ));
    }
    let abis: Vec<(&'static str, &String)> = target
        .interpreters
        .iter()
        .filter_map(|i| Some((loader_abi(i)?, i)))
        .collect();
    match abis.as_slice() {
        [(abi, path), rest @ ..] if rest.iter().all(|(a, _)| a == abi) => Some((
            *abi,
            format!("its only ARM loader is {path} ({})", abi_machine(abi)),
            (*path).clone(),
        )),
        _ => None,
    }
}

impl ArmFloatAbiMismatch {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let machine = &facts.elf.machine;
        // A machine the kernel refuses never gets as far as its interpreter (ARCH001).
        if arch::kernel_arch(&machine.name) != "arm"
            || arch::refuses_machine(ctx.target, &machine.name)
        {
            return Vec::new();
        }
        let Some(interp) = facts.elf.interpreter.as_deref() else {
            return Vec::new();
        };
        if ctx.libraries.interpreter_found == Some(true)
            || ctx.target.interpreters.iter().any(|i| i == interp)
        {
            return Vec::new();
        }
        let Some(abi) = binary_abi(machine, interp) else {
            return Vec::new();
        };
        let Some((target_abi, what, location)) = target_abi(ctx.target) else {
            return Vec::new();
        };
        if target_abi == abi {
            return Vec::new();
        }
        let (bin_machine, sys_machine) = (abi_machine(abi), abi_machine(target_abi));
        let display = &ctx.binary.display_path;
        let flags = match machine.arm_float_abi.as_deref() {
            Some("hard") => "e_flags say hard-float (EF_ARM_ABI_FLOAT_HARD); ".to_string(),
            Some("soft") => "e_flags say soft-float (EF_ARM_ABI_FLOAT_SOFT); ".to_string(),
            _ => String::new(),
        };
        let finding = Self::META
            .finding(format!(
                "{display} is {bin_machine} ({abi}-float) but {} runs {sys_machine} ({target_abi}-float) programs: its loader {interp} is not there",
                ctx.target.name
            ))
            .evidence(format!("{flags}PT_INTERP is {interp}"), display.clone())
            .evidence(what, location);
        let mut fix = fixes::rebuild_for_arch(facts, display, sys_machine, ctx.target.cpu.as_ref());
        if distro::packaging(ctx.target) == Some(Packaging::Apt) {
            let (summary, commands) =
                fix.get_or_insert_with(|| (format!("Rebuild for {sys_machine}"), Vec::new()));
            summary.push_str(&format!(
                "; or install the {bin_machine} C library beside the system's (Debian multiarch)"
            ));
            commands.push(format!(
                "dpkg --add-architecture {bin_machine} && apt-get update && apt-get install -y libc6:{bin_machine}"
            ));
        }
        let change = fixes::arch_change(facts, sys_machine, ctx.target.cpu.as_ref());
        let finding = match fix {
            Some((summary, commands)) => finding
                .fix(summary, commands)
                .rebuild_if(change.map(|(c, _)| c)),
            None => finding,
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_target::model::{Libc, LibcFamily};

    /// The aarch64 fixture relabelled as a 32-bit ARM binary of `abi` with `interp`.
    fn arm_binary(abi: Option<&str>, interp: &str) -> whyrun_facts::Facts {
        let mut facts = fixture("c-aarch64-dynamic");
        facts.elf.machine.name = abi.map_or("arm", |a| abi_machine(a)).into();
        facts.elf.machine.arm_float_abi = abi.map(String::from);
        facts.elf.class = "ELF32".into();
        facts.elf.interpreter = Some(interp.into());
        facts
    }

    fn armel_debian() -> whyrun_target::model::TargetModel {
        let mut t = with_os(debian12(), "debian", "12");
        t.name = "debian-12-armel".into();
        t.native_arches = vec!["armel".into()];
        t.libc = Some(Libc {
            family: LibcFamily::Glibc,
            version: "2.36".into(),
            loader: "/lib/ld-linux.so.3".into(),
            arch: "armel".into(),
        });
        t.interpreters = vec!["/lib/ld-linux.so.3".into()];
        t
    }

    fn arch002(
        facts: &whyrun_facts::Facts,
        target: &whyrun_target::model::TargetModel,
        found: bool,
    ) -> Vec<Finding> {
        run(facts, target, &resolution(Some(found)))
            .into_iter()
            .filter(|f| f.code == "ARCH002")
            .collect()
    }

    #[test]
    fn fires_for_armhf_on_armel() {
        let facts = arm_binary(Some("hard"), "/lib/ld-linux-armhf.so.3");
        let f = arch002(&facts, &armel_debian(), false);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("armhf (hard-float)"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("armel (soft-float)"));
        let fix = f[0].fix.as_ref().unwrap();
        assert_eq!(fix.commands[0], "apt-get install -y gcc-arm-linux-gnueabi");
        assert!(fix.commands.last().unwrap().contains("libc6:armhf"));
    }

    #[test]
    fn fires_from_the_loader_name_when_e_flags_are_silent() {
        let facts = arm_binary(None, "/lib/ld-linux.so.3");
        let mut target = armel_debian();
        target.native_arches = vec!["armhf".into()];
        target.libc = None;
        target.interpreters = vec!["/lib/ld-linux-armhf.so.3".into()];
        let f = arch002(&facts, &target, false);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("armel (soft-float) but"));
    }

    #[test]
    fn silent_when_the_abis_match_or_the_loader_exists() {
        let facts = arm_binary(Some("soft"), "/lib/ld-linux.so.3");
        assert!(arch002(&facts, &armel_debian(), false).is_empty());
        // Multiarch: the armhf loader is installed beside the armel one.
        let facts = arm_binary(Some("hard"), "/lib/ld-linux-armhf.so.3");
        assert!(arch002(&facts, &armel_debian(), true).is_empty());
    }

    #[test]
    fn silent_for_static_and_non_arm_binaries() {
        let mut facts = fixture("go124-hello");
        facts.elf.machine.name = "arm".into();
        assert!(arch002(&facts, &armel_debian(), false).is_empty());
        assert!(arch002(&fixture("c-glibc-dynamic"), &armel_debian(), false).is_empty());
    }
}
