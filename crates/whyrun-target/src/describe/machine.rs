//! The running machine, read from its `/proc` through a view: kernel release
//! (`/proc/sys/kernel/osrelease`, what `uname -r` prints), CPU (architecture, x86-64
//! level from cpuid via `crate::cpu`, flags and model from `/proc/cpuinfo`), the
//! architectures its kernel runs natively, binfmt_misc handlers
//! (`/proc/sys/fs/binfmt_misc/*`), mounts (`/proc/self/mountinfo`) and the effective
//! user. Only used when the binary will run on this machine; never for a root or an image.
//!
//! Native architectures are the CPU's own. Whether the kernel also runs the 32-bit
//! programs of its architecture is read from its configuration (`/proc/config.gz`, else
//! `/boot/config-RELEASE`) and command line (`/proc/cmdline`): on x86-64,
//! `CONFIG_IA32_EMULATION`, `CONFIG_IA32_EMULATION_DEFAULT_DISABLED` (Linux 6.7+) and the
//! `ia32_emulation=` boot option (Documentation/admin-guide/kernel-parameters.txt); on
//! arm64, `CONFIG_COMPAT`, which is not enough by itself: the CPU must also execute
//! AArch32 at EL0, which `/proc/cpuinfo` does not say outright. It names each core
//! ("CPU implementer", "CPU part"), which whyrun-rules looks up; on a system whose cores
//! differ and whose kernel allows it, `/sys/devices/system/cpu/aarch32_el0` lists the CPUs
//! that do. x32 (ELFCLASS32 programs for x86-64) needs `CONFIG_X86_X32_ABI` and, on
//! Debian's kernels, `syscall.x32=y` over `CONFIG_X86_X32_DISABLED`.

use std::path::Path;

use crate::cpu::Cpu;
use crate::fs::{FileKind, FileView};
use crate::model::{BinfmtHandler, Compat32, CpuCore, CpuInfo, Kernel, Mount, User};

use super::read_small;

/// Environment variables that change how a binary runs (FACTS.md: loader, crypto/x509,
/// time, os/user; GODEBUG).
pub const ENV_KEYS: &[&str] = &[
    "LD_LIBRARY_PATH",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "ZONEINFO",
    "TZ",
    "USER",
    "HOME",
    "PATH",
    "GODEBUG",
];

const MAX_CPUINFO: u64 = 16 << 20;
const MAX_MOUNTINFO: u64 = 16 << 20;
const MAX_BINFMT_ENTRY: u64 = 16 << 10;
const MAX_BINFMT_ENTRIES: usize = 256;

pub(super) fn kernel(view: &dyn FileView) -> Option<Kernel> {
    let b = read_small(view, "/proc/sys/kernel/osrelease", 4096).ok()??;
    let release = String::from_utf8_lossy(&b).trim().to_string();
    let aarch32_el0 = read_small(view, "/sys/devices/system/cpu/aarch32_el0", 4096)
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).trim().to_string());
    (!release.is_empty()).then_some(Kernel {
        release,
        compat32: None,
        x32: None,
        aarch32_el0,
    })
}

/// The largest kernel configuration read (Debian's is about 270 kB, 60 kB compressed).
const MAX_KERNEL_CONFIG: u64 = 4 << 20;

/// The kernel's configuration as text: `/proc/config.gz` (CONFIG_IKCONFIG_PROC), else
/// `/boot/config-RELEASE`; with where it was read.
fn kernel_config(view: &dyn FileView, release: &str) -> Option<(String, String)> {
    use std::io::Read;
    if let Ok(Some(gz)) = read_small(view, "/proc/config.gz", MAX_KERNEL_CONFIG) {
        let mut text = String::new();
        let read = flate2::read::GzDecoder::new(&gz[..])
            .take(MAX_KERNEL_CONFIG)
            .read_to_string(&mut text);
        if read.is_ok() {
            return Some((text, "/proc/config.gz".into()));
        }
    }
    let boot = format!("/boot/config-{release}");
    let b = read_small(view, &boot, MAX_KERNEL_CONFIG).ok()??;
    Some((String::from_utf8_lossy(&b).into_owned(), boot))
}

fn cmdline(view: &dyn FileView) -> String {
    read_small(view, "/proc/cmdline", 64 << 10)
        .ok()
        .flatten()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Whether the kernel runs the 32-bit programs of `arch` (see the module comment);
/// `None` when its configuration cannot be read.
pub(super) fn compat32(view: &dyn FileView, release: &str, arch: &str) -> Option<Compat32> {
    let option = match arch {
        "x86_64" => "CONFIG_IA32_EMULATION",
        "aarch64" => "CONFIG_COMPAT",
        _ => return None,
    };
    let (config, from) = kernel_config(view, release)?;
    Some(decide_compat32(&config, &from, &cmdline(view), option))
}

/// Whether an x86-64 kernel runs x32 programs; `None` elsewhere or when its configuration
/// cannot be read.
pub(super) fn x32(view: &dyn FileView, release: &str, arch: &str) -> Option<Compat32> {
    if arch != "x86_64" {
        return None;
    }
    let (config, from) = kernel_config(view, release)?;
    Some(decide_x32(&config, &from, &cmdline(view)))
}

/// The last `NAME=` boolean on the kernel command line (kstrtobool: 1/0, y/n, on/off);
/// arguments after `--` go to init, not to the kernel.
fn boot_bool(cmdline: &str, name: &str) -> Option<bool> {
    let prefix = format!("{name}=");
    cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .filter_map(|w| w.strip_prefix(prefix.as_str()))
        .last()
        .and_then(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "y" | "yes" | "on" | "true" => Some(true),
            "0" | "n" | "no" | "off" | "false" => Some(false),
            _ => None,
        })
}

fn config_set(config: &str, name: &str) -> bool {
    let want = format!("{name}=y");
    config.lines().any(|l| l.trim() == want)
}

/// [`x32`] from the configuration's text (read from `from`) and the command line.
///
/// - `CONFIG_X86_X32_ABI` (Linux 5.18+; `CONFIG_X86_X32` before) builds the x32 ABI in;
///   without it `compat_elf_check_arch` (arch/x86/include/asm/elf.h) refuses an
///   ELFCLASS32 EM_X86_64 file and execve fails with ENOEXEC.
/// - Debian's kernels build it in disabled: `CONFIG_X86_X32_ABI=y` with
///   `CONFIG_X86_X32_DISABLED=y` (debian/config/amd64/config). Debian's patch
///   `features/x86/x86-make-x32-syscall-support-conditional.patch` (Bug-Debian #708070)
///   adds that option and the boot parameter `syscall.x32=` (kstrtobool), and makes
///   `compat_elf_check_arch` also require `x32_enabled`: disabled, execve fails with
///   ENOEXEC as well.
pub fn decide_x32(config: &str, from: &str, cmdline: &str) -> Compat32 {
    let abi = ["CONFIG_X86_X32_ABI", "CONFIG_X86_X32"]
        .into_iter()
        .find(|o| config_set(config, o));
    let Some(abi) = abi else {
        return Compat32 {
            enabled: false,
            evidence: format!("CONFIG_X86_X32_ABI is not set in {from}"),
        };
    };
    let default_off = config_set(config, "CONFIG_X86_X32_DISABLED");
    let boot = boot_bool(cmdline, "syscall.x32");
    let enabled = boot.unwrap_or(!default_off);
    let why = match (boot, default_off) {
        (Some(b), _) => format!(
            "syscall.x32={} on the kernel command line",
            if b { 'y' } else { 'n' }
        ),
        (None, true) => "CONFIG_X86_X32_DISABLED=y and no syscall.x32=y on the command line".into(),
        (None, false) => "not disabled on the command line".into(),
    };
    Compat32 {
        enabled,
        evidence: format!("{abi}=y in {from}, {why}"),
    }
}

/// [`compat32`] from the configuration's text (read from `from`) and the command line.
pub fn decide_compat32(config: &str, from: &str, cmdline: &str, option: &str) -> Compat32 {
    let set = |name: &str| config_set(config, name);
    if !set(option) {
        return Compat32 {
            enabled: false,
            evidence: format!("{option} is not set in {from}"),
        };
    }
    if option != "CONFIG_IA32_EMULATION" {
        return Compat32 {
            enabled: true,
            evidence: format!("{option}=y in {from}"),
        };
    }
    let boot = boot_bool(cmdline, "ia32_emulation");
    let default_off = set("CONFIG_IA32_EMULATION_DEFAULT_DISABLED");
    let enabled = boot.unwrap_or(!default_off);
    let why = match (boot, default_off) {
        (Some(b), _) => format!("ia32_emulation={} on the kernel command line", u8::from(b)),
        (None, true) => {
            "CONFIG_IA32_EMULATION_DEFAULT_DISABLED=y and no ia32_emulation=1 on the command line"
                .into()
        }
        (None, false) => "not disabled on the command line".into(),
    };
    Compat32 {
        enabled,
        evidence: format!("{option}=y in {from}, {why}"),
    }
}

/// The CPU whyrun runs on: cpuid for the x86-64 level, `/proc/cpuinfo` for flags and name.
pub(super) fn cpu(view: &dyn FileView) -> CpuInfo {
    let detected = Cpu::detect();
    let arch = match detected.arch.as_str() {
        "x86" => "i386".to_string(),
        "arm" => "armhf".to_string(),
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le".to_string(),
        other => other.to_string(),
    };
    let mut info = CpuInfo {
        arch,
        x86_isa_levels: detected.x86_isa_levels,
        ..CpuInfo::default()
    };
    if let Ok(Some(b)) = read_small(view, "/proc/cpuinfo", MAX_CPUINFO) {
        parse_cpuinfo(&String::from_utf8_lossy(&b), &mut info);
    }
    info
}

/// `/proc/cpuinfo`: flags and model name from the first processor (the flags are the
/// same on every core of a system the kernel accepts), and on arm64 every distinct core
/// ("CPU implementer" and "CPU part", hexadecimal), which big.LITTLE systems mix.
pub fn parse_cpuinfo(text: &str, info: &mut CpuInfo) {
    let hex = |v: &str| u32::from_str_radix(v.trim().trim_start_matches("0x"), 16).ok();
    let mut first = true;
    let mut implementer = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            first = first && info.flags.is_empty();
            implementer = None;
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k.trim() {
            "flags" | "Features" if first && info.flags.is_empty() => {
                info.flags = v.split_whitespace().map(String::from).collect();
            }
            "model name" | "Model" | "cpu model" if info.model.is_none() => {
                info.model = Some(v.trim().to_string());
            }
            "CPU implementer" => implementer = hex(v),
            "CPU part" => {
                if let (Some(implementer), Some(part)) = (implementer, hex(v)) {
                    let core = CpuCore { implementer, part };
                    if !info.cores.contains(&core) {
                        info.cores.push(core);
                    }
                }
            }
            _ => {}
        }
    }
    info.cores.sort();
}

/// The architectures a kernel on `arch` runs natively: the CPU's own; 32-bit compat is
/// [`compat32`]'s.
pub(super) fn native_arches(arch: &str) -> Vec<String> {
    vec![arch.to_string()]
}

pub(super) fn binfmt(view: &dyn FileView, warnings: &mut Vec<String>) -> Vec<BinfmtHandler> {
    let dir = "/proc/sys/fs/binfmt_misc";
    let Ok(entries) = view.read_dir(Path::new(dir)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.iter().take(MAX_BINFMT_ENTRIES) {
        if e.name == "register" || e.name == "status" || e.kind == FileKind::Dir {
            continue;
        }
        match read_small(view, &format!("{dir}/{}", e.name), MAX_BINFMT_ENTRY) {
            Ok(Some(b)) => out.push(parse_binfmt_entry(&e.name, &String::from_utf8_lossy(&b))),
            Ok(None) => {}
            Err(err) => warnings.push(err),
        }
    }
    out
}

/// One binfmt_misc entry's text (`enabled`, `interpreter …`, `flags: …`, `offset N`,
/// `magic HEX`, `mask HEX`).
pub fn parse_binfmt_entry(name: &str, text: &str) -> BinfmtHandler {
    let mut h = BinfmtHandler {
        name: name.to_string(),
        ..BinfmtHandler::default()
    };
    let (mut magic, mut mask, mut offset) = (None, None, 0usize);
    for line in text.lines() {
        let line = line.trim();
        if line == "enabled" {
            h.enabled = true;
        } else if let Some(v) = line.strip_prefix("interpreter ") {
            h.interpreter = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("flags:") {
            h.flags = v.trim().to_string();
        } else if let Some(v) = line.strip_prefix("offset ") {
            offset = v.trim().parse().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("magic ") {
            magic = hex(v.trim());
        } else if let Some(v) = line.strip_prefix("mask ") {
            mask = hex(v.trim());
        }
    }
    if let Some(magic) = magic {
        if offset == 0 {
            h.arch = binfmt_arch(&magic, mask.as_deref());
        }
    }
    h
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The ELF machine an ELF-matching binfmt magic selects, as the facts crate names it.
/// `EM_ARM` gives `arm`: the handler takes armhf and armel alike (the float ABI lives in
/// `e_flags`, which binfmt masks do not look at).
pub fn binfmt_arch(magic: &[u8], mask: Option<&[u8]>) -> Option<String> {
    let byte = |i: usize| -> Option<u8> {
        let b = *magic.get(i)?;
        let m = mask.map_or(Some(0xff), |m| m.get(i).copied())?;
        Some(b & m)
    };
    if magic.get(..4)? != b"\x7fELF" {
        return None;
    }
    let class = byte(4)?;
    let big = byte(5)? == 2;
    let (lo, hi) = (byte(18)?, byte(19)?);
    let em = if big {
        u16::from_be_bytes([lo, hi])
    } else {
        u16::from_le_bytes([lo, hi])
    };
    let is64 = class == 2;
    Some(
        match (em, is64, big) {
            (3, _, _) => "i386",
            (62, true, _) => "x86_64",
            (62, false, _) => "x32",
            (183, _, false) => "aarch64",
            (183, _, true) => "aarch64_be",
            (40, _, _) => "arm",
            (21, _, false) => "ppc64le",
            (21, _, true) => "ppc64",
            (20, _, _) => "powerpc",
            (22, true, _) => "s390x",
            (22, false, _) => "s390",
            (243, true, _) => "riscv64",
            (243, false, _) => "riscv32",
            (8, true, false) => "mips64el",
            (8, true, true) => "mips64",
            (8, false, false) => "mipsel",
            (8, false, true) => "mips",
            (258, true, _) => "loongarch64",
            (43, _, _) => "sparc64",
            (2, _, _) => "sparc",
            (15, _, _) => "hppa",
            (4, _, _) => "m68k",
            (42, _, _) => "sh4",
            (9926, _, _) => "alpha",
            (other, _, _) => return Some(format!("e_machine={other}")),
        }
        .to_string(),
    )
}

pub(super) fn mounts(view: &dyn FileView, warnings: &mut Vec<String>) -> Vec<Mount> {
    match read_small(view, "/proc/self/mountinfo", MAX_MOUNTINFO) {
        Ok(Some(b)) => parse_mountinfo(&String::from_utf8_lossy(&b)),
        Ok(None) => Vec::new(),
        Err(e) => {
            warnings.push(e);
            Vec::new()
        }
    }
}

/// `/proc/self/mountinfo`: `id parent maj:min root mountpoint options [optional…] -
/// fstype source superoptions`; octal escapes (`\040`) in the mount point decoded.
pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let sep = fields.iter().position(|f| *f == "-")?;
            if sep < 6 {
                return None;
            }
            Some(Mount {
                target: unescape(fields[4]),
                fstype: fields.get(sep + 1)?.to_string(),
                options: fields[5].split(',').map(String::from).collect(),
            })
        })
        .collect()
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The effective user of this process by name, `None` for root.
pub(super) fn current_user(view: &dyn FileView, users: &[User]) -> Option<String> {
    let b = read_small(view, "/proc/self/status", 64 << 10).ok()??;
    let text = String::from_utf8_lossy(&b);
    let uid: u32 = text
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    if uid == 0 {
        return None;
    }
    Some(
        users
            .iter()
            .find(|u| u.uid == uid)
            .map_or_else(|| uid.to_string(), |u| u.name.clone()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_aarch64() {
        let h = parse_binfmt_entry(
            "qemu-aarch64",
            "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\n\
             magic 7f454c460201010000000000000000000200b700\n\
             mask ffffffffffffff00fffffffffffffffffeffffff\n",
        );
        assert!(h.enabled);
        assert_eq!(h.flags, "POCF");
        assert_eq!(h.arch.as_deref(), Some("aarch64"));
        assert_eq!(h.interpreter, "/usr/libexec/qemu-binfmt/aarch64-binfmt-P");
    }

    #[test]
    fn qemu_arm_and_junk() {
        let h = parse_binfmt_entry(
            "qemu-arm",
            "disabled\ninterpreter /usr/bin/qemu-arm-static\nflags: F\noffset 0\n\
             magic 7f454c4601010100000000000000000002002800\n\
             mask ffffffffffffff00fffffffffffffffffeffffff\n",
        );
        assert!(!h.enabled);
        assert_eq!(h.arch.as_deref(), Some("arm"));
        let j = parse_binfmt_entry("x", "magic zz\nmask 0\noffset q\n\u{0}\u{1}");
        assert_eq!(j.arch, None);
        let mz = parse_binfmt_entry(
            "DOSWin",
            "enabled\ninterpreter /usr/bin/wine\nflags: \noffset 0\nmagic 4d5a\n",
        );
        assert_eq!(mz.arch, None);
    }

    #[test]
    fn ia32_emulation_from_the_config_and_the_command_line() {
        let on = "CONFIG_IA32_EMULATION=y\n# CONFIG_IA32_EMULATION_DEFAULT_DISABLED is not set\n";
        let off_by_default = "CONFIG_IA32_EMULATION=y\nCONFIG_IA32_EMULATION_DEFAULT_DISABLED=y\n";
        let opt = "CONFIG_IA32_EMULATION";
        let d = |config, cmdline| decide_compat32(config, "/proc/config.gz", cmdline, opt);
        assert!(d(on, "quiet").enabled);
        assert!(!d(on, "quiet ia32_emulation=0").enabled);
        assert!(
            d(on, "ia32_emulation=0 ia32_emulation=1").enabled,
            "the last one wins"
        );
        assert!(!d(off_by_default, "").enabled);
        assert!(d(off_by_default, "ia32_emulation=on").enabled);
        // Arguments after `--` go to init, not to the kernel.
        assert!(d(on, "quiet -- ia32_emulation=0").enabled);
        let none = d("# CONFIG_IA32_EMULATION is not set\n", "");
        assert!(!none.enabled);
        assert_eq!(
            none.evidence,
            "CONFIG_IA32_EMULATION is not set in /proc/config.gz"
        );
        assert_eq!(
            d(on, "").evidence,
            "CONFIG_IA32_EMULATION=y in /proc/config.gz, not disabled on the command line"
        );
        let arm = decide_compat32(
            "CONFIG_COMPAT=y\n",
            "/boot/config-6.1.0-18-arm64",
            "",
            "CONFIG_COMPAT",
        );
        assert!(arm.enabled);
    }

    #[test]
    fn x32_from_the_config_and_the_command_line() {
        let debian = "CONFIG_X86_X32_ABI=y\nCONFIG_X86_X32_DISABLED=y\n";
        let from = "/boot/config-6.1.0-18-amd64";
        let off = decide_x32(debian, from, "quiet");
        assert!(!off.enabled);
        assert_eq!(
            off.evidence,
            "CONFIG_X86_X32_ABI=y in /boot/config-6.1.0-18-amd64, CONFIG_X86_X32_DISABLED=y and no syscall.x32=y on the command line"
        );
        assert!(decide_x32(debian, from, "quiet syscall.x32=y").enabled);
        assert!(
            decide_x32(debian, from, "syscall.x32=y -- syscall.x32=n").enabled,
            "what follows -- is init's"
        );
        assert!(decide_x32("CONFIG_X86_X32_ABI=y\n", from, "").enabled);
        assert!(!decide_x32("CONFIG_X86_X32_ABI=y\n", from, "syscall.x32=0").enabled);
        // Before Linux 5.18 the option was CONFIG_X86_X32.
        assert!(decide_x32("CONFIG_X86_X32=y\n", from, "").enabled);
        let none = decide_x32("# CONFIG_X86_X32_ABI is not set\n", "/proc/config.gz", "");
        assert!(!none.enabled);
        assert_eq!(
            none.evidence,
            "CONFIG_X86_X32_ABI is not set in /proc/config.gz"
        );
    }

    #[test]
    fn arm64_cores_from_cpuinfo() {
        // A big.LITTLE system: four Cortex-A55 and four Cortex-A76 (RK3588-like).
        let mut text = String::new();
        for (n, part) in [0xd05, 0xd05, 0xd05, 0xd05, 0xd0b, 0xd0b, 0xd0b, 0xd0b]
            .into_iter()
            .enumerate()
        {
            text.push_str(&format!(
                "processor\t: {n}\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes\n\
                 CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x2\n\
                 CPU part\t: {part:#x}\nCPU revision\t: 0\n\n"
            ));
        }
        let mut info = CpuInfo::default();
        parse_cpuinfo(&text, &mut info);
        assert_eq!(
            info.cores,
            [
                CpuCore {
                    implementer: 0x41,
                    part: 0xd05
                },
                CpuCore {
                    implementer: 0x41,
                    part: 0xd0b
                }
            ]
        );
        assert_eq!(info.flags, ["fp", "asimd", "evtstrm", "aes"]);
        // x86: no cores.
        let mut x86 = CpuInfo::default();
        parse_cpuinfo("processor\t: 0\nmodel name\t: Intel\nflags\t: fpu sse\n\nprocessor\t: 1\nflags\t: other\n", &mut x86);
        assert!(x86.cores.is_empty());
        assert_eq!(x86.flags, ["fpu", "sse"]);
        assert_eq!(x86.model.as_deref(), Some("Intel"));
    }

    #[test]
    fn mountinfo() {
        let m = parse_mountinfo(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
             30 22 0:25 / /tmp\\040dir rw,nosuid,nodev,noexec - tmpfs tmpfs rw\nbroken\n",
        );
        assert_eq!(m.len(), 2);
        assert_eq!(m[1].target, "/tmp dir");
        assert!(m[1].options.iter().any(|o| o == "noexec"));
        assert_eq!(m[0].fstype, "ext4");
    }
}
