//! LIBC003: a musl-linked binary on a glibc system that lacks musl's loader. It takes the
//! place of LIBC001 for this case, so the user sees one cause with musl's own fix.

use crate::context::CheckContext;
use crate::distro::{self, Packaging};
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::libs;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A binary linked against musl (its `PT_INTERP` is `/lib/ld-musl-<arch>.so.1`, as
    /// built on Alpine, with `musl-gcc`, or for Rust's `*-linux-musl` targets without
    /// static linking) on a glibc system (Debian, Ubuntu, RHEL) that has no musl loader.
    /// This is the musl-specific form of LIBC001, which stays silent for it.
    ///
    /// ## Why it breaks
    /// The kernel cannot open the interpreter, so `execve` fails with `ENOENT` about a file
    /// that is there: Docker says `exec /app: no such file or directory`, bash 5.2
    /// `cannot execute: required file not found`, dash `not found` (the last two seen here). glibc's loader cannot
    /// stand in: the binary calls musl's internal entry points. Installing musl's loader is
    /// enough for a binary that needs only libc; other libraries it needs must be musl
    /// builds too, which glibc distributions do not ship.
    ///
    /// ## Example
    /// ```text
    /// LIBC003 blocks start  musl binary: its loader /lib/ld-musl-x86_64.so.1 is not on debian-12 (glibc 2.36)
    ///   · PT_INTERP is /lib/ld-musl-x86_64.so.1 (musl); needs only libc  [/usr/local/bin/hello]
    ///   · the target's libc is glibc 2.36  [/lib64/ld-linux-x86-64.so.2]
    ///   · missing: execve fails with ENOENT (docker: "exec /usr/local/bin/hello: no such file or directory"; bash: "/usr/local/bin/hello: cannot execute: required file not found")  [/lib/ld-musl-x86_64.so.1]
    ///   fix Install the distribution's musl package, which provides /lib/ld-musl-x86_64.so.1; or link it statically against musl (musl-gcc -static, or Rust's +crt-static), so no loader is needed; or run it on alpine
    ///       RUN apt-get update && apt-get install -y --no-install-recommends musl && rm -rf /var/lib/apt/lists/*
    ///       musl-gcc -static …
    ///       FROM alpine:3.21
    /// ```
    ///
    /// ## Fix
    /// On Debian and Ubuntu, `apt-get install musl` provides the loader
    /// (`/lib/ld-musl-x86_64.so.1`, a link to `/lib/x86_64-linux-musl/libc.so`, as
    /// `dpkg -L musl` lists on Debian 12); that suffices for a binary that needs only libc,
    /// though a binary built against a newer musl may still miss symbols (Debian 12 ships
    /// musl 1.2.3, Alpine 3.21 1.2.5). Better, link statically (`musl-gcc -static`,
    /// `-C target-feature=+crt-static` for Rust, `CGO_ENABLED=0` for Go) so no loader is
    /// needed, or run it on Alpine.
    ///
    /// ## References
    /// - execve(2) ENOENT; Debian's `musl` package file list (`dpkg -L musl`).
    /// - musl `ldso/dynlink.c`; FACTS.md program interpreters.
    pub struct MuslBinaryOnGlibc {
        code: "LIBC003",
        name: "musl-binary-on-glibc",
        family: Family::Libc,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Interpreter,
        summary: "A musl binary on a glibc system without musl's loader",
    }
}

impl MuslBinaryOnGlibc {
    /// Whether this rule reports the missing interpreter (LIBC001 then stays silent): a musl
    /// interpreter missing on a target whose libc is glibc.
    pub(crate) fn applies(ctx: &CheckContext<'_>) -> bool {
        ctx.facts()
            .elf
            .interpreter
            .as_deref()
            .is_some_and(|i| fixes::libc_of_interpreter(i) == "musl")
            && ctx.libraries.interpreter_found == Some(false)
            && distro::is_glibc(ctx.target)
    }

    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        // A machine the kernel refuses never gets as far as its interpreter (ARCH001).
        if !Self::applies(ctx)
            || crate::arch::refuses_machine(ctx.target, &ctx.facts().elf.machine.name)
        {
            return Vec::new();
        }
        let facts = ctx.facts();
        let interp = facts.elf.interpreter.clone().unwrap_or_default();
        let Some(libc) = ctx.target.libc.as_ref() else {
            return Vec::new();
        };
        let others: Vec<&str> = facts
            .elf
            .needed
            .iter()
            .map(String::as_str)
            .filter(|n| !is_musl_itself(n))
            .collect();
        let needs = if others.is_empty() {
            "; needs only libc".to_string()
        } else {
            format!("; also needs {}", others.join(", "))
        };
        let f = Self::META
            .finding(format!(
                "musl binary: its loader {interp} is not on {} (glibc {})",
                ctx.target.name, libc.version
            ))
            .evidence(format!("PT_INTERP is {interp} (musl){needs}"), ctx.binary.display_path.clone())
            .evidence(format!("the target's libc is glibc {}", libc.version), libc.loader.clone())
            .evidence(
                format!(
                    "missing: execve fails with ENOENT (docker: \"exec {0}: no such file or directory\"; bash: \"{0}: cannot execute: required file not found\")",
                    ctx.binary.display_path
                ),
                interp.clone(),
            );
        vec![fix(ctx, &interp, &others, f)]
    }
}

/// Names musl's loader resolves to itself (musl `ldso/dynlink.c`: c, pthread, rt, m, dl,
/// util, xnet).
fn is_musl_itself(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("lib") else {
        return false;
    };
    let stem = rest.split('.').next().unwrap_or("");
    rest.contains('.') && matches!(stem, "c" | "pthread" | "rt" | "m" | "dl" | "util" | "xnet")
}

fn fix(ctx: &CheckContext<'_>, interp: &str, others: &[&str], f: Finding) -> Finding {
    let facts = ctx.facts();
    let mut summary: Vec<String> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    let mut change = None;
    if facts.go.is_some() {
        let c = fixes::GoChange::of(&[("CGO_ENABLED", "0")], &[], &["-buildmode"]);
        if let Some(cmd) = fixes::go_rebuild(facts, &c) {
            change = Some(c);
            summary
                .push("Rebuild as a static executable without cgo: it then needs no loader".into());
            commands.push(cmd);
        }
    }
    let apt = distro::packaging(ctx.target) == Some(Packaging::Apt);
    if apt && others.is_empty() {
        if let Some(line) = distro::install_package(ctx.target, "musl") {
            summary.push(format!(
                "Install the distribution's musl package, which provides {interp}"
            ));
            commands.push(line);
        }
    }
    if facts.go.is_none() {
        summary.push(if others.is_empty() {
            "link it statically against musl (musl-gcc -static, or Rust's +crt-static), so no loader is needed".into()
        } else {
            format!(
                "link it statically against musl (musl-gcc -static, or Rust's +crt-static): {} must be musl builds, which this distribution does not ship",
                others.join(", ")
            )
        });
        commands.push("musl-gcc -static …".into());
    }
    summary.push("run it on alpine".into());
    commands.push("FROM alpine:3.21".into());
    f.fix(libs::alternatives(&summary), commands)
        .rebuild_if(change)
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn fires_instead_of_libc001_with_the_musl_package() {
        let facts = fixture("c-musl-dynamic");
        let findings = run(
            &facts,
            &with_os(debian12(), "debian", "12"),
            &resolution(Some(false)),
        );
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert!(
            codes.contains(&"LIBC003") && !codes.contains(&"LIBC001"),
            "{codes:?}"
        );
        let f = findings.iter().find(|f| f.code == "LIBC003").unwrap();
        assert_eq!(
            f.message,
            "musl binary: its loader /lib/ld-musl-x86_64.so.1 is not on debian-12 (glibc 2.36)"
        );
        let fix = f.fix.as_ref().unwrap();
        assert!(
            fix.commands
                .iter()
                .any(|c| c.contains("apt-get install") && c.contains(" musl")),
            "{:?}",
            fix.commands
        );
    }

    #[test]
    fn a_musl_binary_with_more_libraries_is_told_to_link_statically() {
        let mut facts = fixture("c-musl-dynamic");
        facts.elf.needed.push("libstdc++.so.6".into());
        let f = run(
            &facts,
            &with_os(debian12(), "debian", "12"),
            &resolution(Some(false)),
        )
        .into_iter()
        .find(|f| f.code == "LIBC003")
        .unwrap();
        let fix = f.fix.unwrap();
        assert!(
            !fix.commands.iter().any(|c| c.contains("apt-get")),
            "{:?}",
            fix.commands
        );
        assert!(
            fix.summary.contains("libstdc++.so.6 must be musl builds"),
            "{}",
            fix.summary
        );
    }

    #[test]
    fn silent_when_the_loader_exists_or_the_target_is_not_glibc() {
        let facts = fixture("c-musl-dynamic");
        assert!(!codes(&facts, &debian12(), &resolution(Some(true))).contains(&"LIBC003"));
        // In scratch there is no glibc to contrast with: LIBC001 reports it.
        let c = codes(&facts, &scratch(), &resolution(Some(false)));
        assert!(c.contains(&"LIBC001") && !c.contains(&"LIBC003"), "{c:?}");
        let glibc = fixture("c-glibc-dynamic");
        assert!(!codes(&glibc, &debian12(), &resolution(Some(false))).contains(&"LIBC003"));
    }
}
