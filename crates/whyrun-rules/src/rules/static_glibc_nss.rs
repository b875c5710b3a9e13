//! LIBC004: a statically linked glibc binary that uses NSS (host, user or group lookups),
//! which at run time depends on the target's `/etc/nsswitch.conf`, its files and modules.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A binary statically linked with glibc (no `PT_INTERP`, a glibc `.note.ABI-tag`) that
    /// contains glibc's name-service switch: it calls `getaddrinfo`, `gethostbyname`,
    /// `getpwnam`, `getpwuid`, `getgrnam`, `getgrgid` or their kin. The evidence is read
    /// from the binary's read-only data (static binaries have no dynamic symbols, and GNU ld
    /// does not keep the `.gnu.warning.getaddrinfo` section that produced the link-time
    /// warning): `/etc/nsswitch.conf`, `libnss_%s.so%s`, and glibc's `__nss_<db>_lookup2`
    /// names, which say which databases (hosts, services, passwd, group) are used.
    ///
    /// ## Why it breaks
    /// GNU ld warns: "Using 'getaddrinfo' in statically linked applications requires at
    /// runtime the shared libraries from the glibc version used for linking". NSS reads
    /// `/etc/nsswitch.conf` and loads each service it names as `libnss_<service>.so.2` with
    /// `dlopen`, which pulls in the target's shared glibc next to the one linked in: a
    /// different glibc version there can crash or fail the lookup. Since glibc 2.34 the
    /// `files` and `dns` services are built into libc and need no module, so lookups work
    /// when the target only has `files`/`dns` and the files they read; older static
    /// binaries load `libnss_files.so.2` even for `/etc/hosts`. In an image with neither
    /// modules nor files (scratch), lookups fail: seen here, a `gcc -static` program
    /// calling `getaddrinfo("localhost")` (glibc 2.36) got "Temporary failure in name
    /// resolution" in an empty root, and resolved once `/etc/hosts` existed.
    ///
    /// ## Example
    /// ```text
    /// LIBC004 risk  static glibc binary looks up users through NSS: scratch has no /etc/passwd or /etc/group
    ///   · statically linked with glibc; NSS code for the passwd database (/etc/nsswitch.conf, _nss_%s_%s, libnss_%s.so%s, libnss_files.so.2)  [/sbin/ldconfig]
    ///   · services built in: dns, files (glibc 2.34 or later); others are loaded with dlopen  [/sbin/ldconfig]
    ///   · missing: user and group lookups find nothing  [/etc/passwd]
    ///   fix Link dynamically and run on a glibc base image (it has glibc's NSS and /etc/nsswitch.conf), or link statically against musl; otherwise give the image /etc/nsswitch.conf with only files and dns, and the files it reads
    ///       FROM gcr.io/distroless/base-debian12
    ///       musl-gcc -static …
    /// ```
    /// Built-in container profiles count `/etc/hosts` and `/etc/resolv.conf` as present:
    /// container runtimes bind-mount them.
    ///
    /// ## Fix
    /// Go: build with Go's own resolver and user lookups (`-tags netgo,osusergo`, or
    /// `CGO_ENABLED=0`). Rust: build for `x86_64-unknown-linux-musl`, whose static resolver
    /// reads `/etc/hosts` and `/etc/resolv.conf` itself. C: link dynamically and run on a
    /// glibc base (`gcr.io/distroless/base-debian12`), or link statically with musl
    /// (`musl-gcc -static`). Otherwise give the image an `/etc/nsswitch.conf` naming only
    /// `files` and `dns`, and the files they read (`/etc/hosts`, `/etc/resolv.conf`,
    /// `/etc/passwd`, `/etc/group`).
    ///
    /// ## References
    /// - glibc `nss/nss_module.c` (`libnss_%s.so%s`), `nss/nss_database.c`; glibc 2.34 NEWS
    ///   (nss_files and nss_dns merged into libc).
    /// - GNU ld: `.gnu.warning.SYMBOL` sections (the link-time warning only).
    pub struct StaticGlibcNss {
        code: "LIBC004",
        name: "static-glibc-nss",
        family: Family::Libc,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Risk,
        stage: Stage::RunTime,
        summary: "A static glibc binary uses NSS, which needs the target's configuration, files and matching modules",
    }
}

/// What a database is, in the user's terms.
fn describe_db(db: &str) -> String {
    match db {
        "hosts" => "host names".into(),
        "services" => "service names".into(),
        "passwd" => "users".into(),
        "group" => "groups".into(),
        "initgroups" => "group memberships".into(),
        "protocols" => "protocols".into(),
        "networks" => "networks".into(),
        other => format!("{other} entries"),
    }
}

impl StaticGlibcNss {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(nss) = &facts.elf.static_nss else {
            return Vec::new();
        };
        if facts.elf.interpreter.is_some() {
            return Vec::new();
        }
        let target = ctx.target;
        let rt = &target.runtime_files;
        let uses = |db: &str| nss.databases.iter().any(|d| d == db);
        let builtin = |s: &str| nss.builtin_services.iter().any(|b| b == s);
        let hosts = uses("hosts") || nss.databases.is_empty();
        let users = uses("passwd") || uses("group") || uses("initgroups");

        // (short reason for the message, evidence line, where)
        let mut problems: Vec<(String, String, String)> = Vec::new();
        if !builtin("files") {
            problems.push((
                format!("it loads libnss_files.so.2 and libnss_dns.so.2 from {} at run time", target.name),
                "no built-in services (glibc before 2.34): every lookup loads libnss_<service>.so.2, which must come from the glibc version it was linked with".into(),
                target.libc.as_ref().map(|l| l.loader.clone()).unwrap_or_else(|| "/".into()),
            ));
            if target.libc.is_none() {
                problems.push((
                    format!("{} has no glibc to load them from", target.name),
                    "the target has no C library: NSS modules cannot be loaded, and lookups fail"
                        .into(),
                    "/".into(),
                ));
            }
        }
        if hosts {
            if let Some(line) = &rt.nsswitch_hosts {
                let extra = loaded_services(line);
                if !extra.is_empty() {
                    let how = if target.libc.is_some() {
                        "loaded with dlopen from the target: they must match the glibc this binary was linked with"
                    } else {
                        "the target has no glibc to load them from: these services are skipped"
                    };
                    problems.push((
                        format!("{}'s nsswitch.conf names {}", target.name, extra.join(", ")),
                        format!("hosts: {line} — {} {how}", extra.join(", ")),
                        "/etc/nsswitch.conf".into(),
                    ));
                }
            }
            if !rt.etc_hosts {
                problems.push((
                    format!("{} has no /etc/hosts", target.name),
                    "missing: \"localhost\" and the names it would list do not resolve".into(),
                    "/etc/hosts".into(),
                ));
            }
            if !rt.resolv_conf && builtin("dns") {
                problems.push((
                    format!("{} has no /etc/resolv.conf", target.name),
                    "missing: DNS queries go to 127.0.0.1:53".into(),
                    "/etc/resolv.conf".into(),
                ));
            }
        }
        if users && !(rt.passwd && rt.group) {
            let missing: Vec<&str> = [("/etc/passwd", rt.passwd), ("/etc/group", rt.group)]
                .iter()
                .filter(|(_, present)| !present)
                .map(|(p, _)| *p)
                .collect();
            problems.push((
                format!("{} has no {}", target.name, missing.join(" or ")),
                "missing: user and group lookups find nothing".into(),
                missing[0].to_string(),
            ));
        }
        if problems.is_empty() {
            return Vec::new();
        }

        let dbs: Vec<String> = nss.databases.iter().map(|d| describe_db(d)).collect();
        let what = if dbs.is_empty() {
            "names".to_string()
        } else {
            dbs.join(", ")
        };
        let mut f = Self::META
            .finding(format!(
                "static glibc binary looks up {what} through NSS: {}",
                problems[0].0
            ))
            .evidence(
                format!(
                    "statically linked with glibc; NSS code for the {} database{} ({})",
                    if nss.databases.is_empty() {
                        "name-service".to_string()
                    } else {
                        nss.databases.join(", ")
                    },
                    if nss.databases.len() == 1 { "" } else { "s" },
                    nss.markers.join(", ")
                ),
                ctx.binary.display_path.clone(),
            );
        if !nss.builtin_services.is_empty() {
            f = f.evidence(
                format!(
                    "services built in: {} (glibc 2.34 or later); others are loaded with dlopen",
                    nss.builtin_services.join(", ")
                ),
                ctx.binary.display_path.clone(),
            );
        }
        for (_, what, location) in &problems {
            f = f.evidence(what.clone(), location.clone());
        }
        vec![fix(ctx, f)]
    }
}

/// The services of an nsswitch line that glibc would load as modules (not `files`/`dns`,
/// not `[ACTION]` items).
fn loaded_services(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_action = false;
    for tok in line.split_whitespace() {
        if tok.starts_with('[') {
            in_action = !tok.ends_with(']');
            continue;
        }
        if in_action {
            in_action = !tok.ends_with(']');
            continue;
        }
        if tok != "files" && tok != "dns" && !out.iter().any(|s| s == tok) {
            out.push(tok.to_string());
        }
    }
    out
}

fn fix(ctx: &CheckContext<'_>, f: Finding) -> Finding {
    let facts = ctx.facts();
    if facts.go.is_some() {
        let change = fixes::GoChange::of(&[], &["netgo", "osusergo"], &[]);
        if let Some(cmd) = fixes::go_rebuild(facts, &change) {
            return f
                .fix(
                    "Use Go's own resolver and user lookups, which read /etc/hosts, /etc/resolv.conf and /etc/passwd without NSS (or build with CGO_ENABLED=0)",
                    vec![cmd],
                )
                .rebuild(change);
        }
    }
    if facts.rust.is_some() {
        let target = match facts.elf.machine.name.as_str() {
            "x86_64" => "x86_64-unknown-linux-musl",
            "aarch64" => "aarch64-unknown-linux-musl",
            "armhf" => "armv7-unknown-linux-musleabihf",
            "i386" => "i686-unknown-linux-musl",
            _ => "<arch>-unknown-linux-musl",
        };
        return f.fix(
            "Build for the musl target, whose static resolver reads /etc/hosts and /etc/resolv.conf itself (or link dynamically and run on a glibc base)",
            vec![format!("cargo build --release --target {target}")],
        );
    }
    f.fix(
        "Link dynamically and run on a glibc base image (it has glibc's NSS and /etc/nsswitch.conf), or link statically against musl; \
         otherwise give the image /etc/nsswitch.conf with only files and dns, and the files it reads",
        vec!["FROM gcr.io/distroless/base-debian12".into(), "musl-gcc -static …".into()],
    )
}

#[cfg(test)]
mod tests {
    use whyrun_facts::elf::static_nss::StaticNss;
    use whyrun_facts::Facts;

    use super::loaded_services;
    use crate::testing::*;

    /// The facts of a `gcc -static` program that calls getaddrinfo (glibc 2.36), built from
    /// the committed dynamic C fixture: no interpreter, no libraries, the NSS traces such a
    /// binary carries.
    fn static_getaddrinfo(builtin: bool) -> Facts {
        let mut facts = fixture("c-glibc-dynamic");
        facts.elf.interpreter = None;
        facts.elf.needed.clear();
        facts.elf.linkage = "static".into();
        facts.elf.static_nss = Some(StaticNss {
            databases: vec!["hosts".into(), "services".into()],
            builtin_services: if builtin {
                vec!["dns".into(), "files".into()]
            } else {
                vec![]
            },
            markers: vec!["/etc/nsswitch.conf".into(), "libnss_%s.so%s".into()],
        });
        facts
    }

    #[test]
    fn fires_in_scratch_without_hosts_or_resolv_conf() {
        let facts = static_getaddrinfo(true);
        let findings = run(&facts, &scratch(), &resolution(None));
        let f = findings
            .iter()
            .find(|f| f.code == "LIBC004")
            .expect("LIBC004");
        assert_eq!(f.message, "static glibc binary looks up host names, service names through NSS: scratch has no /etc/hosts");
        assert!(f
            .evidence
            .iter()
            .any(|e| e.location.to_string() == "/etc/resolv.conf"));
        assert!(!findings.iter().any(|f| f.code == "LIBC001"));
    }

    #[test]
    fn fires_for_modules_named_in_nsswitch() {
        let facts = static_getaddrinfo(true);
        let mut target = debian12();
        target.runtime_files.nsswitch_hosts =
            Some("files mdns4_minimal [NOTFOUND=return] dns myhostname".into());
        let f = run(&facts, &target, &resolution(None))
            .into_iter()
            .find(|f| f.code == "LIBC004")
            .unwrap();
        assert!(
            f.message
                .ends_with("debian-12's nsswitch.conf names mdns4_minimal, myhostname"),
            "{}",
            f.message
        );
    }

    #[test]
    fn old_glibc_always_loads_modules() {
        let facts = static_getaddrinfo(false);
        assert!(codes(&facts, &debian12(), &resolution(None)).contains(&"LIBC004"));
    }

    #[test]
    fn silent_when_files_and_dns_suffice_or_without_nss() {
        // debian12(): hosts "files dns", /etc/hosts, resolv.conf, passwd and group present.
        assert!(
            !codes(&static_getaddrinfo(true), &debian12(), &resolution(None)).contains(&"LIBC004")
        );
        assert!(
            !codes(&fixture("go124-hello"), &scratch(), &resolution(None)).contains(&"LIBC004")
        );
        assert!(!codes(
            &fixture("c-glibc-dynamic"),
            &debian12(),
            &resolution(Some(true))
        )
        .contains(&"LIBC004"));
    }

    #[test]
    fn nsswitch_actions_are_not_services() {
        assert_eq!(
            loaded_services("files [NOTFOUND=return] dns"),
            Vec::<String>::new()
        );
        assert_eq!(loaded_services("files [ NOTFOUND=return ] sss"), ["sss"]);
    }
}
