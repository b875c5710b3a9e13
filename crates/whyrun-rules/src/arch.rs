//! Architecture names and what a fix needs of them: the facts crate's machine names
//! (`x86_64`, `aarch64`, `armhf`, …) mapped to the kernel's view of the machine, to
//! GOARCH and its level variable, to Debian's cross compilers and architectures, to OCI
//! platforms and Rust targets; and the x86-64 levels and ARM floating-point features a CPU
//! shows in `/proc/cpuinfo`. Tables and lookups only: no rule lives here.

use whyrun_target::model::{CpuInfo, SourceKind, TargetModel};

/// One architecture and its names elsewhere.
struct Arch {
    /// The facts crate's machine name.
    name: &'static str,
    goarch: Option<&'static str>,
    /// The GNU triplet of Debian's cross toolchain (`aarch64-linux-gnu`); the compiler is
    /// `TRIPLET-gcc`, its package `gcc-TRIPLET` with `_` written `-`.
    triplet: Option<&'static str>,
    /// Debian's architecture name (`dpkg --print-architecture`).
    debian: Option<&'static str>,
    /// OCI platform (`linux/arm64`).
    oci: Option<&'static str>,
    /// Rust target triples for glibc and musl.
    rust_gnu: Option<&'static str>,
    rust_musl: Option<&'static str>,
}

const fn opt(s: &'static str) -> Option<&'static str> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

const fn arch(
    name: &'static str,
    goarch: &'static str,
    triplet: &'static str,
    debian: &'static str,
    oci: &'static str,
    rust_gnu: &'static str,
    rust_musl: &'static str,
) -> Arch {
    Arch {
        name,
        goarch: opt(goarch),
        triplet: opt(triplet),
        debian: opt(debian),
        oci: opt(oci),
        rust_gnu: opt(rust_gnu),
        rust_musl: opt(rust_musl),
    }
}

/// GOARCH from `go tool dist list`; triplets and Debian names from Debian's cross-gcc
/// packages (`gcc-aarch64-linux-gnu`, …); OCI platforms from the image-spec's platform
/// list; Rust targets from `rustc --print target-list`.
static ARCHES: &[Arch] = &[
    arch(
        "x86_64",
        "amd64",
        "x86_64-linux-gnu",
        "amd64",
        "linux/amd64",
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-musl",
    ),
    arch(
        "i386",
        "386",
        "i686-linux-gnu",
        "i386",
        "linux/386",
        "i686-unknown-linux-gnu",
        "i686-unknown-linux-musl",
    ),
    arch(
        "aarch64",
        "arm64",
        "aarch64-linux-gnu",
        "arm64",
        "linux/arm64",
        "aarch64-unknown-linux-gnu",
        "aarch64-unknown-linux-musl",
    ),
    arch(
        "armhf",
        "arm",
        "arm-linux-gnueabihf",
        "armhf",
        "linux/arm/v7",
        "armv7-unknown-linux-gnueabihf",
        "armv7-unknown-linux-musleabihf",
    ),
    arch(
        "armel",
        "arm",
        "arm-linux-gnueabi",
        "armel",
        "linux/arm/v5",
        "armv5te-unknown-linux-gnueabi",
        "armv5te-unknown-linux-musleabi",
    ),
    arch("arm", "arm", "", "", "linux/arm", "", ""),
    arch(
        "ppc64le",
        "ppc64le",
        "powerpc64le-linux-gnu",
        "ppc64el",
        "linux/ppc64le",
        "powerpc64le-unknown-linux-gnu",
        "powerpc64le-unknown-linux-musl",
    ),
    arch(
        "ppc64",
        "ppc64",
        "powerpc64-linux-gnu",
        "ppc64",
        "linux/ppc64",
        "powerpc64-unknown-linux-gnu",
        "",
    ),
    arch(
        "s390x",
        "s390x",
        "s390x-linux-gnu",
        "s390x",
        "linux/s390x",
        "s390x-unknown-linux-gnu",
        "",
    ),
    arch(
        "riscv64",
        "riscv64",
        "riscv64-linux-gnu",
        "riscv64",
        "linux/riscv64",
        "riscv64gc-unknown-linux-gnu",
        "riscv64gc-unknown-linux-musl",
    ),
    arch(
        "mips64el",
        "mips64le",
        "mips64el-linux-gnuabi64",
        "mips64el",
        "linux/mips64le",
        "mips64el-unknown-linux-gnuabi64",
        "",
    ),
    arch(
        "mips64",
        "mips64",
        "mips64-linux-gnuabi64",
        "",
        "linux/mips64",
        "mips64-unknown-linux-gnuabi64",
        "",
    ),
    arch(
        "mipsel",
        "mipsle",
        "mipsel-linux-gnu",
        "mipsel",
        "linux/mipsle",
        "mipsel-unknown-linux-gnu",
        "",
    ),
    arch(
        "mips",
        "mips",
        "mips-linux-gnu",
        "",
        "linux/mips",
        "mips-unknown-linux-gnu",
        "",
    ),
    arch(
        "loongarch64",
        "loong64",
        "loongarch64-linux-gnu",
        "loong64",
        "linux/loong64",
        "loongarch64-unknown-linux-gnu",
        "",
    ),
];

fn find(name: &str) -> Option<&'static Arch> {
    ARCHES.iter().find(|a| a.name == name)
}

/// The machine as the kernel's ELF loader sees it. armhf, armel and an ARM binary whose
/// float ABI is unstated are all `EM_ARM`, 32-bit little-endian: the kernel runs each of
/// them alike, and the float ABI matters only to the C library and loader.
pub fn kernel_arch(name: &str) -> &str {
    match name {
        "armhf" | "armel" | "arm" => "arm",
        other => other,
    }
}

/// Whether the kernel sees the two machines as the same.
pub fn same_kernel_arch(a: &str, b: &str) -> bool {
    kernel_arch(a) == kernel_arch(b)
}

/// GOARCH for a machine: `aarch64` → `arm64`.
pub fn goarch(name: &str) -> Option<&'static str> {
    find(name)?.goarch
}

/// The variable that sets the level of a GOARCH (`GOAMD64` for `amd64`).
pub fn go_level_variable(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "GOAMD64",
        "arm" => "GOARM",
        "arm64" => "GOARM64",
        "386" => "GO386",
        "ppc64" | "ppc64le" => "GOPPC64",
        "riscv64" => "GORISCV64",
        "mips" | "mipsle" => "GOMIPS",
        "mips64" | "mips64le" => "GOMIPS64",
        "wasm" => "GOWASM",
        _ => return None,
    })
}

/// The GNU triplet of the cross toolchain: `aarch64-linux-gnu`.
pub fn gnu_triplet(name: &str) -> Option<&'static str> {
    find(name)?.triplet
}

/// Debian's cross C compiler package for a machine: `gcc-aarch64-linux-gnu`.
pub fn cross_gcc_package(name: &str) -> Option<String> {
    Some(format!("gcc-{}", gnu_triplet(name)?.replace('_', "-")))
}

/// Debian's name of the architecture (`dpkg --add-architecture`): `arm64`, `ppc64el`.
pub fn debian_arch(name: &str) -> Option<&'static str> {
    find(name)?.debian
}

/// The OCI platform: `linux/arm64`, `linux/arm/v7`.
pub fn oci_platform(name: &str) -> Option<&'static str> {
    find(name)?.oci
}

/// The Rust target triple for a machine and C library.
pub fn rust_target(name: &str, musl: bool) -> Option<&'static str> {
    let a = find(name)?;
    if musl {
        a.rust_musl
    } else {
        a.rust_gnu
    }
}

/// The machine an OCI architecture and variant stand for: `arm64` → `aarch64`, `arm`
/// `v7` → `armhf` (`v6` too: Alpine's and Raspberry Pi OS's armhf are ARMv6 hard-float),
/// `arm` `v5` → `armel`.
pub fn from_oci(architecture: &str, variant: Option<&str>) -> Option<&'static str> {
    Some(match (architecture, variant) {
        ("amd64", _) => "x86_64",
        ("386", _) => "i386",
        ("arm64", _) => "aarch64",
        ("arm", Some("v5")) => "armel",
        ("arm", Some("v6" | "v7" | "v8")) => "armhf",
        ("arm", _) => "arm",
        ("ppc64le", _) => "ppc64le",
        ("ppc64", _) => "ppc64",
        ("s390x", _) => "s390x",
        ("riscv64", _) => "riscv64",
        ("mips64le", _) => "mips64el",
        ("mips64", _) => "mips64",
        ("mipsle", _) => "mipsel",
        ("mips", _) => "mips",
        ("loong64", _) => "loongarch64",
        _ => return None,
    })
}

/// How the target's machine is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetArches {
    /// Machines the target runs natively, primary first.
    pub arches: Vec<String>,
    /// Where that was read: `native_arches`, `image config`, `CPU`, `C library`.
    pub source: &'static str,
}

/// The machines a target runs natively: its `native_arches`, else the image
/// configuration's platform, the CPU's architecture or its C library's machine. `None`
/// when the target says nothing of it.
pub fn target_arches(target: &TargetModel) -> Option<TargetArches> {
    if !target.native_arches.is_empty() {
        return Some(TargetArches {
            arches: target.native_arches.clone(),
            source: "native_arches",
        });
    }
    let one = |a: &str, source| {
        Some(TargetArches {
            arches: vec![a.to_string()],
            source,
        })
    };
    if let Some(img) = &target.image {
        if let Some(a) = img
            .architecture
            .as_deref()
            .and_then(|a| from_oci(a, img.variant.as_deref()))
        {
            return one(a, "image config");
        }
    }
    if let Some(cpu) = target.cpu.as_ref().filter(|c| !c.arch.is_empty()) {
        return one(&cpu.arch, "CPU");
    }
    if let Some(libc) = target.libc.as_ref().filter(|l| !l.arch.is_empty()) {
        return one(&libc.arch, "C library");
    }
    None
}

/// The 32-bit architecture a kernel of `native` can also run (its compat mode): i386 on
/// x86_64 (IA32 emulation), 32-bit ARM on aarch64 (AArch32 at EL0, where the CPU has it).
pub fn compat32_of(native: &str) -> Option<&'static str> {
    match native {
        "x86_64" => Some("i386"),
        "aarch64" => Some("arm"),
        _ => None,
    }
}

/// Whether `machine` is the 32-bit compat architecture of one of the target's machines.
pub fn is_compat32(arches: &TargetArches, machine: &str) -> bool {
    arches
        .arches
        .iter()
        .filter_map(|a| compat32_of(a))
        .any(|c| same_kernel_arch(c, machine))
}

/// How a kernel runs programs of a machine other than its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatMode {
    /// i386 on x86-64: `CONFIG_IA32_EMULATION`, `ia32_emulation=`.
    Ia32,
    /// x32 (ELFCLASS32, EM_X86_64) on x86-64: `CONFIG_X86_X32_ABI`, `syscall.x32=`.
    X32,
    /// 32-bit ARM on arm64: `CONFIG_COMPAT` and cores that execute AArch32 at EL0.
    Aarch32,
}

/// The compat mode in which one of the target's machines would run `machine`, if any.
pub fn compat_mode(arches: &TargetArches, machine: &str) -> Option<CompatMode> {
    let has = |a: &str| arches.arches.iter().any(|x| x == a);
    if machine == "x32" && has("x86_64") {
        return Some(CompatMode::X32);
    }
    if !is_compat32(arches, machine) {
        return None;
    }
    Some(if kernel_arch(machine) == "arm" {
        CompatMode::Aarch32
    } else {
        CompatMode::Ia32
    })
}

/// Whether a compat mode runs a program, with what was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompatDecision {
    /// The kernel runs it: (what, where) evidence.
    Runs(Vec<(String, String)>),
    /// The kernel refuses it: execve fails with ENOEXEC.
    Refused(Vec<(String, String)>),
    /// The target does not say: `decides` names the fact that would decide it.
    Unknown {
        decides: String,
        evidence: Vec<(String, String)>,
    },
}

/// Whether the target's kernel (and, for AArch32, its CPU) runs programs in `mode`.
pub fn compat_decision(target: &TargetModel, mode: CompatMode) -> CompatDecision {
    let kernel = target.kernel.as_ref();
    let kernel_fact = |c: &whyrun_target::model::Compat32, on: &str| {
        let what = if c.enabled {
            format!("the kernel has {on}: {}", c.evidence)
        } else {
            format!("the kernel's {on} is off: {}", c.evidence)
        };
        (what, "kernel".to_string())
    };
    match mode {
        CompatMode::Ia32 => match kernel.and_then(|k| k.compat32.as_ref()) {
            Some(c) if c.enabled => CompatDecision::Runs(vec![kernel_fact(c, "32-bit compat")]),
            Some(c) => CompatDecision::Refused(vec![kernel_fact(c, "32-bit compat mode")]),
            None => CompatDecision::Unknown {
                decides: "CONFIG_IA32_EMULATION, not turned off with ia32_emulation=0; the kernels of Debian, Ubuntu, RHEL and Alpine have it".into(),
                evidence: Vec::new(),
            },
        },
        CompatMode::X32 => match kernel.and_then(|k| k.x32.as_ref()) {
            Some(c) if c.enabled => CompatDecision::Runs(vec![kernel_fact(c, "the x32 ABI")]),
            Some(c) => CompatDecision::Refused(vec![kernel_fact(c, "x32 ABI")]),
            None => CompatDecision::Unknown {
                decides: "CONFIG_X86_X32_ABI, and on Debian's kernels syscall.x32=y on the command line, since Debian builds x32 in but off with CONFIG_X86_X32_DISABLED=y".into(),
                evidence: Vec::new(),
            },
        },
        CompatMode::Aarch32 => aarch32_decision(target),
    }
}

/// 32-bit ARM on arm64: the kernel's `CONFIG_COMPAT`, then the cores (see
/// [`crate::aarch32`]).
fn aarch32_decision(target: &TargetModel) -> CompatDecision {
    let kernel = target.kernel.as_ref();
    let compat = kernel.and_then(|k| k.compat32.as_ref());
    let mut evidence = Vec::new();
    if let Some(c) = compat {
        if !c.enabled {
            evidence.push((
                format!("the kernel's 32-bit compat mode is off: {}", c.evidence),
                "kernel".to_string(),
            ));
            return CompatDecision::Refused(evidence);
        }
        evidence.push((
            format!("the kernel has 32-bit compat: {}", c.evidence),
            "kernel".to_string(),
        ));
    }
    if let Some(cpus) = kernel
        .and_then(|k| k.aarch32_el0.as_deref())
        .filter(|s| !s.is_empty())
    {
        evidence.push((
            format!("the kernel runs 32-bit programs on CPUs {cpus} (allow_mismatched_32bit_el0)"),
            "/sys/devices/system/cpu/aarch32_el0".to_string(),
        ));
        return CompatDecision::Runs(evidence);
    }
    let cores = target
        .cpu
        .as_ref()
        .map(|c| c.cores.as_slice())
        .unwrap_or(&[]);
    let location = cpu_location(target);
    let (mut with, mut without, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    for &c in cores {
        match crate::aarch32::lookup(c) {
            Some(k) if k.aarch32_el0 => with.push((c, k)),
            Some(k) => without.push((c, k)),
            None => unknown.push(c),
        }
    }
    for (c, k) in with.iter().chain(&without) {
        let has = if k.aarch32_el0 {
            "executes"
        } else {
            "does not execute"
        };
        evidence.push((
            format!(
                "{} {has} AArch32 at EL0: {}",
                crate::aarch32::describe(*c),
                k.source
            ),
            location.clone(),
        ));
    }
    if !without.is_empty() {
        if !with.is_empty() {
            evidence.push((
                "its cores differ in AArch32 support: the kernel refuses 32-bit programs unless booted with allow_mismatched_32bit_el0 (Documentation/arch/arm64/asymmetric-32bit.rst), and /sys/devices/system/cpu/aarch32_el0 is absent".to_string(),
                "kernel".to_string(),
            ));
        }
        return CompatDecision::Refused(evidence);
    }
    if cores.is_empty() || !unknown.is_empty() {
        let which = if cores.is_empty() {
            "whether its CPU executes AArch32 at EL0, which its cores tell (/proc/cpuinfo: CPU implementer, CPU part)".to_string()
        } else {
            format!(
                "whether {} executes AArch32 at EL0: whyrun's table of cores does not know it",
                unknown
                    .iter()
                    .map(|c| crate::aarch32::describe(*c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let decides = match compat {
            Some(_) => which,
            None => format!("CONFIG_COMPAT in the kernel, and {which}"),
        };
        return CompatDecision::Unknown { decides, evidence };
    }
    match compat {
        Some(_) => CompatDecision::Runs(evidence),
        None => CompatDecision::Unknown {
            decides: "CONFIG_COMPAT in the kernel's configuration (/proc/config.gz, /boot/config-RELEASE)".into(),
            evidence,
        },
    }
}

/// Whether the target's kernel refuses the binary's machine outright (ARCH001 blocks
/// start): the target's machines are known, none of them runs `machine` (natively, or in
/// a compat mode not known to refuse it), and no enabled binfmt_misc handler does. What
/// would follow from running it (its interpreter, its C library) is then beside the point.
pub fn refuses_machine(target: &TargetModel, machine: &str) -> bool {
    let Some(arches) = target_arches(target) else {
        return false;
    };
    if let Some(mode) = compat_mode(&arches, machine) {
        if !matches!(compat_decision(target, mode), CompatDecision::Refused(_)) {
            return false;
        }
    }
    let emulated = target.binfmt.iter().any(|h| {
        h.enabled
            && h.arch
                .as_deref()
                .is_some_and(|a| same_kernel_arch(a, machine))
    });
    !emulated && !arches.arches.iter().any(|a| same_kernel_arch(a, machine))
}

/// x86-64 micro-architecture levels as `/proc/cpuinfo` names the features each adds
/// (x86-64 psABI; Go's runtime/asm_amd64.s checks the same set). SSE3 is `pni`, LZCNT is
/// `abm`, and LAHF/SAHF in 64-bit mode is `lahf_lm`.
const X86_LEVEL_FLAGS: [&[&str]; 3] = [
    &[
        "cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2",
    ],
    &[
        "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
    ],
    &["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"],
];

/// The highest x86-64 level (1 to 4) a set of `/proc/cpuinfo` flags reaches; `None`
/// without flags.
pub fn x86_level_from_flags(flags: &[String]) -> Option<u32> {
    if flags.is_empty() {
        return None;
    }
    let has = |f: &str| flags.iter().any(|x| x == f);
    let mut level = 1;
    for required in X86_LEVEL_FLAGS {
        if !required.iter().all(|f| has(f)) {
            break;
        }
        level += 1;
    }
    Some(level)
}

/// The x86-64 level a CPU reaches: from its recorded levels, else from its flags.
pub fn x86_level(cpu: &CpuInfo) -> Option<u32> {
    cpu.x86_level().or_else(|| x86_level_from_flags(&cpu.flags))
}

/// The x86-64 CPU an x86-64 binary would run on in a target.
#[derive(Debug, Clone, Copy)]
pub enum X86Cpu<'a> {
    /// The target's CPU is another architecture: ARCH001 reports that.
    OtherArch,
    /// The target does not say which CPU it runs on, or not its level.
    Unknown,
    /// The CPU and the x86-64 level it reaches.
    Known { cpu: &'a CpuInfo, reached: u32 },
}

/// The target's x86-64 CPU and the level it reaches.
pub fn x86_cpu(target: &TargetModel) -> X86Cpu<'_> {
    match &target.cpu {
        Some(c) if !c.arch.is_empty() && c.arch != "x86_64" => X86Cpu::OtherArch,
        Some(c) => match x86_level(c) {
            Some(reached) => X86Cpu::Known { cpu: c, reached },
            None => X86Cpu::Unknown,
        },
        None => X86Cpu::Unknown,
    }
}

/// The evidence line saying what level the CPU reaches and which of `needed`'s flags it
/// lacks: `the CPU reaches x86-64-v2; it lacks avx2, bmi2`.
pub fn reached_evidence(cpu: &CpuInfo, reached: u32, needed: u32) -> String {
    let missing = missing_x86_flags(needed, &cpu.flags);
    if missing.is_empty() {
        format!("the CPU reaches x86-64-v{reached}")
    } else {
        format!(
            "the CPU reaches x86-64-v{reached}; it lacks {}",
            missing.join(", ")
        )
    }
}

/// The `/proc/cpuinfo` flags of levels 2 to `level` that the CPU lacks (empty when its
/// flags are not known).
pub fn missing_x86_flags(level: u32, flags: &[String]) -> Vec<&'static str> {
    if flags.is_empty() {
        return Vec::new();
    }
    X86_LEVEL_FLAGS
        .iter()
        .take(level.saturating_sub(1) as usize)
        .flat_map(|fs| fs.iter().copied())
        .filter(|f| !flags.iter().any(|x| x == f))
        .collect()
}

/// What an ARM CPU offers a 32-bit ARM program's floating point, as the kernel reports it
/// in `AT_HWCAP` (`/proc/cpuinfo` "Features"). An AArch64 CPU running 32-bit programs
/// always reports VFP and VFPv3 to them (the arm64 kernel's compat hwcaps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmFloat {
    /// No VFP at all: only GOARM=5 (software floating point) runs.
    None,
    /// VFP before VFPv3 (ARMv6, such as the ARM1176 of the Raspberry Pi 1 and Zero):
    /// GOARM=6 runs.
    Vfp,
    /// VFPv3 or later (every ARMv7-A with an FPU, every ARMv8): GOARM=7 runs.
    Vfpv3,
}

/// The ARM floating point a CPU offers, `None` when its flags are not known.
pub fn arm_float(cpu: &CpuInfo) -> Option<ArmFloat> {
    if cpu.arch == "aarch64" {
        return Some(ArmFloat::Vfpv3);
    }
    if cpu.flags.is_empty() {
        return None;
    }
    let has = |f: &str| cpu.flags.iter().any(|x| x == f);
    Some(if has("vfpv3") || has("vfpv3d16") || has("vfpv4") {
        ArmFloat::Vfpv3
    } else if has("vfp") {
        ArmFloat::Vfp
    } else {
        ArmFloat::None
    })
}

/// The GOARM that runs on a 32-bit ARM target: from its CPU when known, else Debian's
/// baseline for the port (armhf: ARMv7 with VFPv3-D16, GOARM=7; armel: ARMv5TE, GOARM=5).
pub fn goarm_for(machine: &str, cpu: Option<&CpuInfo>) -> &'static str {
    match cpu.and_then(arm_float) {
        Some(ArmFloat::Vfpv3) => "7",
        Some(ArmFloat::Vfp) => "6",
        Some(ArmFloat::None) => "5",
        None if machine == "armhf" => "7",
        None => "5",
    }
}

/// The `go build` settings that retarget a binary to another machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoArchEnv {
    /// GOARCH, and GOARM for 32-bit ARM.
    pub env: Vec<(&'static str, &'static str)>,
    /// The old level variable when GOARCH changes (for `go_build_command`'s `drop`).
    pub drop: Vec<&'static str>,
}

/// The `go build` settings for building this binary (now `current_goarch`) for `machine`.
pub fn go_arch_env(
    current_goarch: Option<&str>,
    machine: &str,
    cpu: Option<&CpuInfo>,
) -> Option<GoArchEnv> {
    let goarch = goarch(machine)?;
    let mut env = vec![("GOARCH", goarch)];
    if goarch == "arm" {
        env.push(("GOARM", goarm_for(machine, cpu)));
    }
    let mut drop = Vec::new();
    if let Some(old) = current_goarch
        .filter(|g| *g != goarch)
        .and_then(go_level_variable)
    {
        if !env.iter().any(|(k, _)| *k == old) {
            drop.push(old);
        }
    }
    Some(GoArchEnv { env, drop })
}

/// Where a target's CPU facts were read, for evidence: `/proc/cpuinfo` on the host,
/// else the target itself (a profile or snapshot that states its CPU).
pub fn cpu_location(target: &TargetModel) -> String {
    match target.source {
        SourceKind::Host => "/proc/cpuinfo".into(),
        _ => target.name.clone(),
    }
}

/// The CPU in the user's terms: `the CPU (Intel Core i5-2500)`, else `the CPU of NAME`.
pub fn cpu_name(cpu: &CpuInfo, target: &TargetModel) -> String {
    match cpu.model.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => format!("the CPU ({m})"),
        None => format!("the CPU of {}", target.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn names() {
        assert_eq!(goarch("aarch64"), Some("arm64"));
        assert_eq!(goarch("armel"), Some("arm"));
        assert_eq!(
            cross_gcc_package("x86_64").as_deref(),
            Some("gcc-x86-64-linux-gnu")
        );
        assert_eq!(
            cross_gcc_package("armhf").as_deref(),
            Some("gcc-arm-linux-gnueabihf")
        );
        assert_eq!(cross_gcc_package("arm"), None);
        assert_eq!(debian_arch("ppc64le"), Some("ppc64el"));
        assert_eq!(oci_platform("armhf"), Some("linux/arm/v7"));
        assert_eq!(from_oci("arm", Some("v7")), Some("armhf"));
        assert_eq!(
            rust_target("aarch64", true),
            Some("aarch64-unknown-linux-musl")
        );
        assert!(same_kernel_arch("armhf", "armel"));
        assert!(!same_kernel_arch("x86_64", "i386"));
    }

    #[test]
    fn x86_levels_from_cpuinfo() {
        // A Nehalem: v2, no AVX.
        let nehalem = flags("fpu sse sse2 pni ssse3 cx16 sse4_1 sse4_2 popcnt lahf_lm");
        assert_eq!(x86_level_from_flags(&nehalem), Some(2));
        assert_eq!(missing_x86_flags(3, &nehalem)[..2], ["avx", "avx2"]);
        assert_eq!(x86_level_from_flags(&flags("fpu sse sse2")), Some(1));
        assert_eq!(x86_level_from_flags(&[]), None);
    }

    #[test]
    fn goarm_by_cpu() {
        let cpu = |arch: &str, f: &str| CpuInfo {
            arch: arch.into(),
            flags: flags(f),
            ..Default::default()
        };
        assert_eq!(
            goarm_for(
                "armhf",
                Some(&cpu("armhf", "half thumb fastmult vfp edsp java tls"))
            ),
            "6"
        );
        assert_eq!(
            goarm_for("armhf", Some(&cpu("armhf", "half thumb vfp vfpv3 neon"))),
            "7"
        );
        assert_eq!(
            goarm_for(
                "armel",
                Some(&cpu("armel", "swp half thumb fastmult edsp java"))
            ),
            "5"
        );
        assert_eq!(goarm_for("armhf", Some(&cpu("aarch64", "fp asimd"))), "7");
        assert_eq!(goarm_for("armhf", None), "7");
        assert_eq!(goarm_for("armel", None), "5");
    }

    #[test]
    fn go_env_drops_the_old_level() {
        let e = go_arch_env(Some("amd64"), "armhf", None).unwrap();
        assert_eq!(e.env, [("GOARCH", "arm"), ("GOARM", "7")]);
        assert_eq!(e.drop, ["GOAMD64"]);
        let e = go_arch_env(Some("arm"), "aarch64", None).unwrap();
        assert_eq!(e.env, [("GOARCH", "arm64")]);
        assert_eq!(e.drop, ["GOARM"]);
    }
}
