//! LIBC001: the program interpreter named in PT_INTERP does not exist in the target.

use crate::context::CheckContext;
use crate::distro;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A dynamically linked binary whose program interpreter (the path in its `PT_INTERP`
    /// header, such as `/lib64/ld-linux-x86-64.so.2` for glibc or
    /// `/lib/ld-musl-x86_64.so.1` for musl) does not exist in the target.
    ///
    /// ## Why it breaks
    /// The kernel opens the interpreter before anything of the program runs. When that path
    /// is missing, `execve` fails with `ENOENT` for a binary that plainly exists: Docker
    /// reports `exec /app: no such file or directory`, bash 5.2 `cannot execute: required
    /// file not found`, dash `not found`. This is what happens to
    /// a glibc binary in an Alpine (musl) or `FROM scratch` image, to a musl binary in
    /// scratch, and to a Go binary built with cgo or `-buildmode=pie` in a scratch image.
    /// A musl binary on a glibc system (Debian) is reported by LIBC003 instead, with
    /// musl's own fix.
    ///
    /// ## Example
    /// ```text
    /// LIBC001 blocks start  the interpreter /lib64/ld-linux-x86-64.so.2 does not exist in alpine-3.19
    ///   · PT_INTERP is /lib64/ld-linux-x86-64.so.2 (glibc)  [/usr/local/bin/ginapp]
    ///   · the target's libc is musl 1.2.4, whose loader is /lib/ld-musl-x86_64.so.1  [/lib/ld-musl-x86_64.so.1]
    ///   fix Rebuild without cgo so the binary needs no libc (check first that no cgo-only package, such as go-sqlite3, is linked)
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -o ginapp example.com/ginapp/cmd/ginapp
    /// ```
    ///
    /// ## Fix
    /// Build the binary without a libc dependency (for Go: `CGO_ENABLED=0`, and no
    /// `-buildmode=pie`), or run it on a base image with the libc it was linked against
    /// (for a glibc binary: `gcr.io/distroless/base-debian12` or `debian:12-slim`), or build
    /// it against the target's libc (for Alpine: build in `golang:alpine` or with `musl-gcc`).
    ///
    /// ## References
    /// - execve(2): ENOENT "The file pathname or a script or ELF interpreter does not exist."
    /// - ld.so(8), and the interpreter paths in FACTS.md (GCC configs, Go's cmd/link).
    pub struct MissingInterpreter {
        code: "LIBC001",
        name: "missing-interpreter",
        family: Family::Libc,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Interpreter,
        summary: "The program interpreter (PT_INTERP) does not exist in the target",
    }
}

impl MissingInterpreter {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(interp) = &facts.elf.interpreter else {
            return Vec::new();
        };
        if ctx.libraries.interpreter_found != Some(false) {
            return Vec::new();
        }
        // A machine the kernel refuses never gets as far as its interpreter (ARCH001).
        if crate::arch::refuses_machine(ctx.target, &facts.elf.machine.name) {
            return Vec::new();
        }
        // A musl binary on a glibc system: LIBC003 reports it with musl's own fix.
        if super::MuslBinaryOnGlibc::applies(ctx) {
            return Vec::new();
        }
        let target = ctx.target;
        let mut finding = Self::META
            .finding(format!(
                "the interpreter {interp} does not exist in {}",
                target.name
            ))
            .evidence(
                format!(
                    "PT_INTERP is {interp} ({})",
                    fixes::libc_of_interpreter(interp)
                ),
                ctx.binary.display_path.clone(),
            );
        finding = match &target.libc {
            Some(libc) => finding.evidence(
                format!(
                    "the target's libc is {} {}, whose loader is {}",
                    libc.family.name(),
                    libc.version,
                    libc.loader
                ),
                libc.loader.clone(),
            ),
            None => finding.evidence("the target has no C library at all", "/"),
        };
        if let Some(f) = multiarch_fix(ctx, &finding) {
            return vec![f];
        }
        vec![fixes::no_libc_fix(ctx, finding)]
    }
}

/// A 32-bit program of the target's own architecture (i386 on x86-64) on a glibc
/// distribution: its 32-bit C library installs beside the 64-bit one (Debian and
/// Ubuntu's multiarch `libc6:i386`, RHEL's `glibc.i686`).
fn multiarch_fix(ctx: &CheckContext<'_>, finding: &Finding) -> Option<Finding> {
    let target = ctx.target;
    let machine = &ctx.facts().elf.machine.name;
    let arches = crate::arch::target_arches(target)?;
    let glibc = target
        .libc
        .as_ref()
        .is_some_and(|l| l.family == whyrun_target::model::LibcFamily::Glibc);
    if machine != "i386" || !crate::arch::is_compat32(&arches, machine) || !glibc {
        return None;
    }
    let (package, command) = match distro::packaging(target)? {
        distro::Packaging::Apt => (
            "libc6:i386",
            "RUN dpkg --add-architecture i386 && apt-get update && apt-get install -y --no-install-recommends libc6:i386 && rm -rf /var/lib/apt/lists/*".to_string(),
        ),
        distro::Packaging::Dnf => ("glibc.i686", distro::install_package(target, "glibc.i686")?),
        distro::Packaging::Apk => return None,
    };
    Some(finding.clone().fix(
        format!(
            "Install the 32-bit C library ({package}) beside the 64-bit one; or rebuild for x86_64"
        ),
        vec![command],
    ))
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn fires_for_a_glibc_binary_in_scratch() {
        let facts = fixture("c-glibc-dynamic");
        let target = scratch();
        let libs = resolution(Some(false));
        assert_eq!(codes(&facts, &target, &libs), ["LIBC001"]);
    }

    #[test]
    fn silent_when_the_interpreter_exists() {
        let facts = fixture("c-glibc-dynamic");
        let target = debian12();
        let libs = resolution(Some(true));
        assert!(!codes(&facts, &target, &libs).contains(&"LIBC001"));
    }

    #[test]
    fn silent_for_a_static_binary() {
        let facts = fixture("go124-hello");
        let target = scratch();
        let libs = resolution(None);
        assert!(!codes(&facts, &target, &libs).contains(&"LIBC001"));
    }

    /// A foreign binary gets one finding, its machine: the missing interpreter follows
    /// from it (`exec format error` comes first), unless an emulator would run it.
    #[test]
    fn silent_for_a_machine_the_kernel_refuses() {
        let facts = fixture("c-aarch64-dynamic");
        let libs = resolution(Some(false));
        assert_eq!(codes(&facts, &debian12(), &libs), ["ARCH001"]);
        let mut emulated = debian12();
        emulated.binfmt.push(whyrun_target::model::BinfmtHandler {
            name: "qemu-aarch64".into(),
            enabled: true,
            interpreter: "/usr/libexec/qemu-binfmt/aarch64-binfmt-P".into(),
            flags: "F".into(),
            arch: Some("aarch64".into()),
        });
        assert!(codes(&facts, &emulated, &libs).contains(&"LIBC001"));
    }

    /// An i386 program on Debian x86-64 needs Debian's 32-bit C library, not another
    /// base image.
    #[test]
    fn an_i386_program_on_debian_gets_the_multiarch_libc() {
        let mut facts = fixture("c-glibc-dynamic");
        facts.elf.machine.name = "i386".into();
        facts.elf.machine.e_machine = 3;
        facts.elf.class = "ELF32".into();
        facts.elf.interpreter = Some("/lib/ld-linux.so.2".into());
        let target = with_os(debian12(), "debian", "12");
        let f = run(&facts, &target, &resolution(Some(false)))
            .into_iter()
            .find(|f| f.code == "LIBC001")
            .unwrap();
        let fix = f.fix.unwrap();
        assert!(fix.summary.contains("libc6:i386"), "{}", fix.summary);
        assert!(fix.commands[0].contains("dpkg --add-architecture i386"));
    }

    /// A go-sqlite3 binary is not told to drop cgo, which builds the package's stub: the
    /// fixes are a static cgo build, a base image with glibc, then the pure-Go driver.
    #[test]
    fn a_cgo_only_package_is_not_told_to_drop_cgo() {
        let mut facts = fixture("go124-nethello");
        let go = facts.go.as_mut().unwrap();
        go.build_info.as_mut().unwrap().typed.cgo_enabled = Some(true);
        go.symtab
            .as_mut()
            .unwrap()
            .packages
            .push("github.com/mattn/go-sqlite3".into());
        facts.elf.interpreter = Some("/lib64/ld-linux-x86-64.so.2".into());
        let f = run(&facts, &scratch(), &resolution(Some(false)))
            .into_iter()
            .find(|f| f.code == "LIBC001")
            .unwrap();
        let fix = f.fix.unwrap();
        assert!(
            fix.summary
                .starts_with("github.com/mattn/go-sqlite3 needs cgo"),
            "{}",
            fix.summary
        );
        assert!(
            fix.commands[0].starts_with("CGO_ENABLED=1 "),
            "{}",
            fix.commands[0]
        );
        assert!(fix.commands[0].contains("-linkmode external -extldflags -static"));
        assert!(
            fix.commands[0].contains("netgo,osusergo"),
            "{}",
            fix.commands[0]
        );
        assert_eq!(fix.commands[1], "FROM gcr.io/distroless/base-debian12");
        assert!(fix.commands[2].starts_with("CGO_ENABLED=0 "));
    }
}
