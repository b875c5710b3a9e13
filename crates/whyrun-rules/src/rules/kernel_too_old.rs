//! ARCH006: the target's kernel is older than the binary's Go release supports, or than
//! the minimum its glibc records in `.note.ABI-tag`.

use whyrun_target::model::SourceKind;

use crate::arch;
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A target kernel older than what the binary needs, when the target says which kernel
    /// it runs (the host, or a snapshot or profile that states it; a root or an image runs on
    /// whatever kernel starts it):
    /// - **Go**: Linux 2.6.23 for Go 1.18 and older, 2.6.32 for Go 1.19 to 1.23, 3.2 for Go
    ///   1.24 and later; 32-bit ARM needs 3.1 up to Go 1.23, loong64 5.19, mips64le 4.8.
    /// - **glibc**: the kernel version in the binary's `.note.ABI-tag`, the minimum its C
    ///   library was configured for (`--enable-kernel`; 3.2.0 on x86-64 since glibc 2.26).
    ///
    /// ## Why it breaks
    /// The Go runtime does not check the kernel version: it uses system calls the supported
    /// kernels have and fails where one is missing with `ENOSYS` (38). Below Linux 2.6.27,
    /// which added `epoll_create1` and `eventfd2`, it stops at the first timer, socket or
    /// pollable file with `runtime: epollcreate failed with 38`; between that and Go's
    /// minimum, what fails depends on what the program calls.
    ///
    /// glibc's start-up code compared the running kernel with its configured minimum and
    /// aborted with `FATAL: kernel too old` until glibc 2.36, which removed that check; later
    /// versions start and fail at the first system call the kernel lacks. In a static binary
    /// that code is the binary's own, so its `.note.ABI-tag` is the threshold. In a dynamic
    /// binary the target's own glibc makes the check against its own minimum, so the note
    /// only says the binary was built against a C library that assumed a newer kernel.
    ///
    /// ## Example
    /// ```text
    /// ARCH006 risk  /usr/local/bin/hello is built by Go 1.24, which supports Linux 3.2 and later (amd64); centos-6 runs 2.6.32-754.el6.x86_64: the runtime does not check, and fails with ENOSYS (38) at the first system call the kernel lacks
    ///   · Go release go1.24.4  [/usr/local/bin/hello]
    ///   · kernel 2.6.32-754.el6.x86_64  [centos-6]
    ///   fix Build with Go 1.23, the last release supporting Linux 2.6.32, or upgrade the kernel
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 GOTOOLCHAIN=go1.23.12 go build -trimpath -o hello example.com/hello/cmd/hello
    /// ```
    ///
    /// ## Fix
    /// Upgrade the kernel, or build with a toolchain that supports it: Go 1.23 for 2.6.32,
    /// Go 1.18 for 2.6.23 (`GOTOOLCHAIN` selects releases from 1.21 on; older ones come from
    /// `golang.org/dl`). For C, build against a C library configured for the kernel: an
    /// older distribution, or musl (`musl-gcc -static`), which has no kernel minimum check.
    ///
    /// ## References
    /// - Go wiki MinimumRequirements and "Go on Linux" (kernel table); go.dev/doc/go1.24#linux;
    ///   go.dev/issue/67001.
    /// - Go's `runtime/netpoll_epoll.go` (`epollcreate failed with`).
    /// - glibc 2.36 NEWS: "The Linux kernel version check has been removed along with the
    ///   LD_ASSUME_KERNEL environment variable"; glibc `csu/libc-start.c` before 2.36
    ///   (`FATAL: kernel too old`).
    pub struct KernelTooOld {
        code: "ARCH006",
        name: "kernel-too-old",
        family: Family::Arch,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::StartUp,
        summary: "The target's kernel is older than the Go release or the glibc build supports",
    }
}

/// `2.6.32` → `[2, 6, 32]`, padded to three numbers for comparison.
fn version(text: &str) -> Vec<u32> {
    let mut v: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .take_while(|s| !s.is_empty())
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    v.resize(3, 0);
    v
}

fn dotted(v: &[u32]) -> String {
    let mut v = v.to_vec();
    while v.len() > 2 && v.last() == Some(&0) {
        v.pop();
    }
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// The oldest kernel Go 1.`minor` supports on `goarch` (Go wiki, "Go on Linux").
pub(crate) fn go_minimum_kernel(minor: u32, goarch: &str) -> Vec<u32> {
    let base = match minor {
        0..=18 => vec![2, 6, 23],
        19..=23 => vec![2, 6, 32],
        _ => vec![3, 2, 0],
    };
    let specific = match goarch {
        "arm" if minor <= 23 => vec![3, 1, 0],
        "loong64" => vec![5, 19, 0],
        "mips64le" => vec![4, 8, 0],
        _ => vec![0, 0, 0],
    };
    base.max(specific)
}

/// The newest Go releases and their last patch, for choosing a toolchain that still
/// supports an old kernel.
const GO_FALLBACKS: &[(u32, &str)] = &[(23, "go1.23.12"), (18, "go1.18.10")];

/// `epoll_create1` and `eventfd2` arrived in Linux 2.6.27.
const EPOLL_CREATE1: [u32; 3] = [2, 6, 27];

impl KernelTooOld {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let Some(kernel) = ctx.target.kernel.as_ref().filter(|k| !k.release.is_empty()) else {
            return Vec::new();
        };
        let running = version(&kernel.release);
        if running == [0, 0, 0] {
            return Vec::new();
        }
        let kernel_evidence = (
            format!("kernel {}", kernel.release),
            match ctx.target.source {
                SourceKind::Host => "/proc/sys/kernel/osrelease".to_string(),
                _ => ctx.target.name.clone(),
            },
        );
        let mut out = Vec::new();
        out.extend(go_finding(ctx, &running, &kernel_evidence));
        out.extend(glibc_finding(ctx, &running, &kernel_evidence));
        out
    }
}

fn go_finding(
    ctx: &CheckContext<'_>,
    running: &[u32],
    kernel: &(String, String),
) -> Option<Finding> {
    let facts = ctx.facts();
    let go_version = facts.go.as_ref()?.version.clone()?;
    let (_, minor) = go_runtime::release(facts)?;
    let goarch = facts
        .go
        .as_ref()
        .and_then(|g| g.build_info.as_ref())
        .and_then(|b| b.typed.goarch.clone())
        .or_else(|| arch::goarch(&facts.elf.machine.name).map(String::from))?;
    let needed = go_minimum_kernel(minor, &goarch);
    if running >= needed.as_slice() {
        return None;
    }
    let display = &ctx.binary.display_path;
    let severity = if running < EPOLL_CREATE1.as_slice() {
        Severity::FailsAtRuntime
    } else {
        Severity::Risk
    };
    let consequence = if severity == Severity::FailsAtRuntime {
        "it stops at its first timer, socket or pollable file with `runtime: epollcreate failed with 38` (epoll_create1 needs Linux 2.6.27)"
    } else {
        "the runtime does not check, and fails with ENOSYS (38) at the first system call the kernel lacks"
    };
    let finding = KernelTooOld::META
        .finding(format!(
            "{display} is built by Go 1.{minor}, which supports Linux {} and later ({goarch}); {} runs {}: {consequence}",
            dotted(&needed),
            ctx.target.name,
            ctx.target.kernel.as_ref().map_or("", |k| k.release.as_str())
        ))
        .severity(severity)
        .evidence(format!("Go release {go_version}"), display.clone())
        .evidence(kernel.0.clone(), kernel.1.clone());
    let fallback = GO_FALLBACKS
        .iter()
        .find(|(m, _)| *m < minor && running >= go_minimum_kernel(*m, &goarch).as_slice());
    Some(match fallback {
        Some((m, toolchain)) => {
            let summary = format!(
                "Build with Go 1.{m}, the last release supporting Linux {}, or upgrade the kernel",
                dotted(&go_minimum_kernel(*m, &goarch))
            );
            finding
                .fix(summary, fixes::go_build_with_release(facts, toolchain))
                .rebuild_if(fixes::toolchain_change(facts, toolchain))
        }
        None => finding.fix(
            "Upgrade the kernel: no Go release supports this one on this architecture",
            Vec::new(),
        ),
    })
}

fn glibc_finding(
    ctx: &CheckContext<'_>,
    running: &[u32],
    kernel: &(String, String),
) -> Option<Finding> {
    let facts = ctx.facts();
    let tag = facts.elf.abi_tag.as_ref().filter(|t| t.os == "Linux")?;
    let needed = version(&tag.kernel);
    if running >= needed.as_slice() {
        return None;
    }
    if let Some(interp) = facts.elf.interpreter.as_deref() {
        if fixes::libc_of_interpreter(interp) != "glibc" {
            return None;
        }
    }
    let display = &ctx.binary.display_path;
    let is_static = facts.elf.interpreter.is_none();
    let release = ctx
        .target
        .kernel
        .as_ref()
        .map_or("", |k| k.release.as_str());
    let (severity, message) = if is_static {
        (
            Severity::BlocksStart,
            format!(
                "{display} carries a glibc built for Linux {} or later; {} runs {release}: glibc before 2.36 aborts at start with `FATAL: kernel too old`, later ones fail at the first system call the kernel lacks",
                tag.kernel, ctx.target.name
            ),
        )
    } else {
        (
            Severity::Risk,
            format!(
                "{display} was built against a glibc configured for Linux {} or later; {} runs {release}: the target's glibc decides (before 2.36 it aborts with `FATAL: kernel too old` below its own minimum)",
                tag.kernel, ctx.target.name
            ),
        )
    };
    let mut finding = KernelTooOld::META
        .finding(message)
        .severity(severity)
        .evidence(
            format!(".note.ABI-tag: Linux {}", tag.kernel),
            display.clone(),
        )
        .evidence(kernel.0.clone(), kernel.1.clone());
    if let Some(libc) = &ctx.target.libc {
        if !is_static {
            finding = finding.evidence(
                format!(
                    "the target's C library is {} {}",
                    libc.family.name(),
                    libc.version
                ),
                libc.loader.clone(),
            );
        }
    }
    let name = display
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("app");
    Some(finding.fix(
        "Upgrade the kernel, or build against a C library that supports it: an older distribution's glibc, or musl (no kernel minimum check)",
        vec!["apt-get install -y musl-tools".into(), format!("musl-gcc -static -o {name} …")],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use whyrun_facts::Facts;
    use whyrun_target::model::{Kernel, TargetModel};

    fn on_kernel(release: &str) -> TargetModel {
        let mut t = debian12();
        t.kernel = Some(Kernel {
            release: release.into(),
            ..Kernel::default()
        });
        t
    }

    fn arch006(facts: &Facts, target: &TargetModel) -> Vec<Finding> {
        run(facts, target, &resolution(Some(true)))
            .into_iter()
            .filter(|f| f.code == "ARCH006")
            .collect()
    }

    #[test]
    fn minimums() {
        assert_eq!(go_minimum_kernel(18, "amd64"), [2, 6, 23]);
        assert_eq!(go_minimum_kernel(19, "amd64"), [2, 6, 32]);
        assert_eq!(go_minimum_kernel(23, "arm"), [3, 1, 0]);
        assert_eq!(go_minimum_kernel(24, "amd64"), [3, 2, 0]);
        assert_eq!(go_minimum_kernel(24, "loong64"), [5, 19, 0]);
        assert_eq!(version("2.6.32-754.el6.x86_64"), [2, 6, 32]);
        assert_eq!(version("6.1"), [6, 1, 0]);
    }

    #[test]
    fn fires_for_go_1_24_on_centos_6() {
        let f = arch006(&fixture("go124-hello"), &on_kernel("2.6.32-754.el6.x86_64"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Risk);
        assert!(
            f[0].message.contains("Go 1.24, which supports Linux 3.2"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            ["CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 GOTOOLCHAIN=go1.23.12 go build -trimpath -o hello example.com/hello/cmd/hello"]
        );
    }

    #[test]
    fn fails_at_run_time_below_2_6_27() {
        let f = arch006(&fixture("go119-hello"), &on_kernel("2.6.18-398.el5"));
        assert_eq!(f[0].severity, Severity::FailsAtRuntime);
        assert!(f[0].message.contains("epollcreate failed with 38"));
        // No Go release supports 2.6.18.
        assert!(f[0]
            .fix
            .as_ref()
            .unwrap()
            .summary
            .starts_with("Upgrade the kernel"));
    }

    #[test]
    fn glibc_abi_tag_static_blocks_and_dynamic_is_a_risk() {
        let mut facts = fixture("c-glibc-dynamic");
        let f = arch006(&facts, &on_kernel("3.0.101-108.35-default"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Risk);
        assert!(f[0].evidence[0].what.contains("Linux 3.2.0"));
        facts.elf.interpreter = None;
        let f = arch006(&facts, &on_kernel("3.0.101-108.35-default"));
        assert_eq!(f[0].severity, Severity::BlocksStart);
        assert!(f[0].message.contains("FATAL: kernel too old"));
    }

    #[test]
    fn silent_on_a_new_kernel_or_an_unknown_one() {
        assert!(arch006(&fixture("go124-hello"), &on_kernel("6.1.0-18-amd64")).is_empty());
        assert!(arch006(&fixture("c-glibc-dynamic"), &on_kernel("3.2.0")).is_empty());
        assert!(arch006(&fixture("go124-hello"), &debian12()).is_empty());
        assert!(arch006(&fixture("c-musl-dynamic"), &on_kernel("2.6.32")).is_empty());
    }
}
