//! LIBC002: a glibc-linked binary on a musl system whose glibc interpreter path exists
//! (gcompat), so it starts through musl's loader without glibc.

use crate::context::CheckContext;
use crate::distro;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A binary linked against glibc (its `PT_INTERP` is `ld-linux-*`) on a musl system
    /// (Alpine) where that interpreter path nevertheless exists: Alpine's `gcompat` package
    /// (which replaced `libc6-compat`) installs a loader stub there. When the path is
    /// missing, LIBC001 reports it instead.
    ///
    /// ## Why it breaks
    /// gcompat is not glibc. Its stub runs musl's loader with `libgcompat.so.0` preloaded,
    /// and it links `libc.so.6`, `libm.so.6`, `libpthread.so.0`, `librt.so.1`,
    /// `libresolv.so.2`, `libcrypt.so.1` and `libutil.so.1` to that library; musl itself
    /// answers for `libc`, `libpthread`, `libm`, `libdl`, `librt`. musl has no symbol
    /// versioning, so `GLIBC_2.34` requirements are not checked; instead every symbol
    /// must exist in musl or libgcompat. One that does not (glibc-only functions and
    /// internals) stops the start with `Error relocating ./app: SYMBOL: symbol not found`.
    /// What does start behaves like musl, not glibc: no NSS modules (`/etc/nsswitch.conf`
    /// is ignored), musl's DNS resolver, locales, `dlopen` of other glibc libraries. A plain
    /// C program runs this way; a program using `arc4random` (glibc 2.36, absent from musl
    /// 1.2.3) does not — both seen on musl's loader here. Hence a risk, not a certainty.
    ///
    /// ## Example
    /// ```text
    /// LIBC002 risk  glibc binary on alpine-3.19-gcompat (musl 1.2.4) through /lib64/ld-linux-x86-64.so.2, a compatibility stub, not glibc
    ///   · PT_INTERP is /lib64/ld-linux-x86-64.so.2 (glibc); needs up to GLIBC_2.36  [/usr/local/bin/newsym]
    ///   · the target's libc is musl 1.2.4  [/lib/ld-musl-x86_64.so.1]
    ///   · exists in a musl system: gcompat's loader stub (musl's loader with libgcompat.so.0 preloaded), a link to musl's loader (libc6-compat), or a glibc installed beside musl  [/lib64/ld-linux-x86-64.so.2]
    ///   · imports arc4random, which musl (1.2.3 to 1.2.5) does not define: unless gcompat supplies it, the start stops with "Error relocating /usr/local/bin/newsym: arc4random: symbol not found"  [/usr/local/bin/newsym]
    ///   fix Run it on a base image with glibc (gcr.io/distroless/base-debian12 (or debian:12-slim)), or link it statically
    ///       FROM gcr.io/distroless/base-debian12
    ///       cc -static … (or musl-gcc -static …)
    /// ```
    ///
    /// ## Fix
    /// For Go: rebuild with `CGO_ENABLED=0` (the exact `go build` line is given) so the
    /// binary needs no libc. Otherwise run it on a glibc base image
    /// (`gcr.io/distroless/base-debian12`, `debian:12-slim`), or build it for musl (in
    /// `golang:alpine`, with `musl-gcc`, or Rust's `x86_64-unknown-linux-musl`).
    ///
    /// ## References
    /// - gcompat (Adélie Linux): `loader/loader.c`, and Alpine's `main/gcompat/APKBUILD`
    ///   (the loader name per architecture and the `libc.so.6`… links).
    /// - musl `ldso/dynlink.c`: reserved library names, "Error relocating".
    pub struct GlibcBinaryOnMusl {
        code: "LIBC002",
        name: "glibc-binary-on-musl",
        family: Family::Libc,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Risk,
        stage: Stage::Libraries,
        summary: "A glibc binary on a musl system runs through a compatibility stub, not glibc",
    }
}

impl GlibcBinaryOnMusl {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(interp) = &facts.elf.interpreter else {
            return Vec::new();
        };
        // A missing interpreter is LIBC001's; this is the case where the path exists.
        if fixes::libc_of_interpreter(interp) != "glibc"
            || ctx.libraries.interpreter_found != Some(true)
        {
            return Vec::new();
        }
        let Some(libc) = ctx
            .target
            .libc
            .as_ref()
            .filter(|_| distro::is_musl(ctx.target))
        else {
            return Vec::new();
        };
        let mut f = Self::META
            .finding(format!(
                "glibc binary on {} (musl {}) through {interp}, a compatibility stub, not glibc",
                ctx.target.name, libc.version
            ))
            .evidence(format!("PT_INTERP is {interp} (glibc){}", glibc_needs(facts)), ctx.binary.display_path.clone())
            .evidence(format!("the target's libc is musl {}", libc.version), libc.loader.clone())
            .evidence(
                "exists in a musl system: gcompat's loader stub (musl's loader with libgcompat.so.0 preloaded), \
                 a link to musl's loader (libc6-compat), or a glibc installed beside musl",
                interp.clone(),
            );
        let absent = absent_from_musl(facts);
        if !absent.is_empty() {
            f = f.evidence(
                format!(
                    "imports {}, which musl (1.2.3 to 1.2.5) does not define: unless gcompat supplies {}, the start stops with \"Error relocating {}: {}: symbol not found\"",
                    absent.join(", "),
                    if absent.len() == 1 { "it" } else { "them" },
                    ctx.binary.display_path,
                    absent[0]
                ),
                ctx.binary.display_path.clone(),
            );
        }
        let gcompat = ctx
            .target
            .libraries
            .iter()
            .find(|l| l.soname == "libgcompat.so.0");
        if let Some(l) = gcompat {
            f = f.evidence("gcompat's library is installed", l.path.clone());
        }
        let others: Vec<&str> = facts
            .elf
            .needed
            .iter()
            .map(String::as_str)
            .filter(|n| !is_libc_part(n))
            .collect();
        if !others.is_empty() {
            f = f.evidence(
                format!(
                    "also needs {}: musl's loader takes whatever builds of them the target has",
                    others.join(", ")
                ),
                ctx.binary.display_path.clone(),
            );
        }
        vec![fixes::no_libc_fix(ctx, f)]
    }
}

/// Names musl or gcompat answer for themselves.
fn is_libc_part(name: &str) -> bool {
    let stem = name
        .strip_prefix("lib")
        .and_then(|r| r.split('.').next())
        .unwrap_or("");
    name.starts_with("ld-linux")
        || matches!(
            stem,
            "c" | "pthread" | "rt" | "m" | "dl" | "util" | "xnet" | "resolv" | "crypt"
        )
}

/// glibc functions the binary imports that musl lacks, checked against the exports of
/// musl 1.2.3 (Debian 12) and 1.2.5 (Debian 13): `arc4random*` (glibc 2.36) and the C23
/// `__isoc23_*` conversions (glibc 2.38).
fn absent_from_musl(facts: &whyrun_facts::Facts) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for need in &facts.elf.version_needs {
        for v in &need.versions {
            for sym in &v.symbols {
                if (sym.starts_with("arc4random") || sym.starts_with("__isoc23_"))
                    && !out.contains(sym)
                {
                    out.push(sym.clone());
                }
            }
        }
    }
    out.sort();
    out
}

/// `; needs up to GLIBC_2.34` from the binary's highest glibc version requirement.
fn glibc_needs(facts: &whyrun_facts::Facts) -> String {
    facts
        .elf
        .max_versions
        .iter()
        .find(|m| m.family == "GLIBC")
        .map(|m| format!("; needs up to {}", m.version))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testing::*;

    fn alpine_with_gcompat() -> whyrun_target::model::TargetModel {
        let mut t = alpine();
        t.interpreters.push("/lib64/ld-linux-x86-64.so.2".into());
        t
    }

    #[test]
    fn fires_when_gcompat_provides_the_interpreter() {
        let facts = fixture("c-glibc-dynamic");
        let findings = run(&facts, &alpine_with_gcompat(), &resolution(Some(true)));
        let f = findings
            .iter()
            .find(|f| f.code == "LIBC002")
            .expect("LIBC002");
        assert_eq!(f.severity, Severity::Risk);
        assert!(
            f.message.contains("alpine-3.19 (musl 1.2.4)"),
            "{}",
            f.message
        );
        assert!(
            f.evidence[0].what.contains("needs up to GLIBC_2.34"),
            "{:?}",
            f.evidence[0]
        );
        assert!(!findings.iter().any(|f| f.code == "LIBC001"));
    }

    #[test]
    fn go_binaries_get_the_cgo_free_build() {
        // A Go binary that needs glibc: a cgo build (the fixture's PT_INTERP is set by hand).
        let mut facts = fixture("go124-hello");
        facts.elf.interpreter = Some("/lib64/ld-linux-x86-64.so.2".into());
        facts.elf.needed = vec!["libc.so.6".into()];
        let f = run(&facts, &alpine_with_gcompat(), &resolution(Some(true)))
            .into_iter()
            .find(|f| f.code == "LIBC002")
            .unwrap();
        assert!(f.fix.unwrap().commands[0].starts_with("CGO_ENABLED=0"));
    }

    #[test]
    fn silent_without_the_interpreter_on_glibc_and_for_musl_binaries() {
        let glibc = fixture("c-glibc-dynamic");
        // The interpreter missing: LIBC001 reports it.
        let codes_missing = codes(&glibc, &alpine(), &resolution(Some(false)));
        assert!(codes_missing.contains(&"LIBC001") && !codes_missing.contains(&"LIBC002"));
        assert!(!codes(&glibc, &debian12(), &resolution(Some(true))).contains(&"LIBC002"));
        let musl = fixture("c-musl-dynamic");
        assert!(!codes(&musl, &alpine(), &resolution(Some(true))).contains(&"LIBC002"));
    }
}
