//! Fixes computed from the binary's own recorded build: the `go build` line with one knob
//! changed, the base image that has what the binary needs, the package to install.

use serde::Serialize;
use whyrun_facts::Facts;

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};

/// A change to a Go binary's recorded `go build`: what one fix asks of a rebuild. The
/// changes of one target's findings are made in one line by [`combined_rebuild`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GoChange {
    /// Variables set, replacing a recorded value (`CGO_ENABLED=0`).
    pub env: Vec<(String, String)>,
    /// Build tags added.
    pub tags: Vec<String>,
    /// Recorded variables or flags left out (`GOAMD64`, `-buildmode`).
    pub drop: Vec<String>,
    /// Added after the recorded `-ldflags`.
    pub ldflags: Option<String>,
}

impl GoChange {
    pub fn new() -> GoChange {
        GoChange::default()
    }

    /// The change of `env` overrides, extra `tags`, and `drop`ped settings.
    pub fn of(env: &[(&str, &str)], tags: &[&str], drop: &[&str]) -> GoChange {
        GoChange {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            drop: drop.iter().map(|d| d.to_string()).collect(),
            ldflags: None,
        }
    }
}

/// The `go build` line that makes `change` to this binary's recorded build.
pub fn go_rebuild(facts: &Facts, change: &GoChange) -> Option<String> {
    let env: Vec<(&str, &str)> = change
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let tags: Vec<&str> = change.tags.iter().map(String::as_str).collect();
    let drop: Vec<&str> = change.drop.iter().map(String::as_str).collect();
    go_build(facts, &env, &tags, &drop, change.ldflags.as_deref())
}

/// One target's rebuild: every change its findings ask of the `go build`, in one line,
/// each labelled by the findings it fixes, and the fixes of other kinds grouped by kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CombinedRebuild {
    /// The one `go build` line; `None` when no finding asks for a rebuild.
    pub command: Option<String>,
    /// Each part of the change and the codes of the findings that ask for it.
    pub changes: Vec<Labelled>,
    /// Parts left out because a finding ranked higher asks for another value.
    pub conflicts: Vec<String>,
    /// The other fixes: `base image`, `install`, `copy`, `environment`, `source`,
    /// `toolchain`, `other`, each line with the codes that ask for it.
    pub other: Vec<FixGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Labelled {
    pub line: String,
    pub codes: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixGroup {
    pub kind: &'static str,
    pub lines: Vec<Labelled>,
}

/// What kind of fix a line of a fix is, from the lines the rules write: a rebuild
/// (`None`), or the group it is shown in.
fn fix_kind(line: &str) -> Option<&'static str> {
    let l = line.trim_start();
    if l.contains("go build ") || l.split_whitespace().any(|w| w == "build") && l.contains(" -o ") {
        return None;
    }
    Some(if l.starts_with("FROM ") {
        "base image"
    } else if [
        "apt-get install",
        "apk add",
        "dnf install",
        "yum install",
        "microdnf install",
    ]
    .iter()
    .any(|p| l.contains(p))
    {
        "install"
    } else if l.starts_with("COPY ") || l.starts_with("cp ") || l.contains("&& cp ") {
        "copy"
    } else if l.starts_with("ENV ") || l.starts_with("export ") {
        "environment"
    } else if l.starts_with("import ") {
        "source"
    } else if l.starts_with("go install golang.org/dl/") {
        "toolchain"
    } else {
        "other"
    })
}

fn add_labelled(list: &mut Vec<Labelled>, line: String, code: &'static str) {
    match list.iter_mut().find(|l| l.line == line) {
        Some(l) if !l.codes.contains(&code) => l.codes.push(code),
        Some(_) => {}
        None => list.push(Labelled {
            line,
            codes: vec![code],
        }),
    }
}

/// Whether the binary's build info records `setting` (a variable or `-buildmode` other
/// than `exe`): leaving out what is not there changes nothing worth a label.
fn recorded(facts: &Facts, setting: &str) -> bool {
    let Some(typed) = facts
        .go
        .as_ref()
        .and_then(|g| g.build_info.as_ref())
        .map(|b| &b.typed)
    else {
        return false;
    };
    match setting {
        "-buildmode" => typed.buildmode.as_deref().is_some_and(|m| m != "exe"),
        var => typed.arch_level.as_ref().is_some_and(|l| l.variable == var),
    }
}

/// The combined fix of one target's findings (ranked, the top cause first): `None` when
/// fewer than two decided findings above info carry a fix, since each finding already
/// shows its own.
pub fn combined_rebuild(facts: &Facts, findings: &[Finding]) -> Option<CombinedRebuild> {
    let fixing: Vec<&Finding> = findings
        .iter()
        .filter(|f| !f.undecided && f.severity != Severity::Info && f.fix.is_some())
        .collect();
    if fixing.len() < 2 {
        return None;
    }
    let mut change = GoChange::new();
    let mut changes: Vec<Labelled> = Vec::new();
    let mut conflicts = Vec::new();
    let mut other: Vec<FixGroup> = Vec::new();
    for f in &fixing {
        let fix = f.fix.as_ref().expect("filtered on fix");
        if let Some(c) = &fix.rebuild {
            for (k, v) in &c.env {
                match change.env.iter().find(|(ck, _)| ck == k) {
                    Some((_, cv)) if cv != v => conflicts.push(format!(
                        "{} asks for {k}={v}; the line keeps {k}={cv}, which a finding ranked higher needs",
                        f.code
                    )),
                    Some(_) => add_labelled(&mut changes, format!("{k}={v}"), f.code),
                    None if change.drop.contains(k) => conflicts.push(format!(
                        "{} asks for {k}={v}; the line leaves {k} out, as a finding ranked higher needs",
                        f.code
                    )),
                    None => {
                        change.env.push((k.clone(), v.clone()));
                        add_labelled(&mut changes, format!("{k}={v}"), f.code);
                    }
                }
            }
            for t in &c.tags {
                if !change.tags.contains(t) {
                    change.tags.push(t.clone());
                }
                add_labelled(&mut changes, format!("-tags {t}"), f.code);
            }
            for d in &c.drop {
                if change.env.iter().any(|(k, _)| k == d) {
                    conflicts.push(format!(
                        "{} asks to leave {d} out; the line sets it, as a finding ranked higher needs",
                        f.code
                    ));
                    continue;
                }
                if !change.drop.contains(d) {
                    change.drop.push(d.clone());
                }
                if recorded(facts, d) {
                    add_labelled(&mut changes, format!("without {d}"), f.code);
                }
            }
            if let Some(l) = &c.ldflags {
                change.ldflags = Some(match change.ldflags.take() {
                    Some(prev) if prev.contains(l.as_str()) => prev,
                    Some(prev) => format!("{prev} {l}"),
                    None => l.clone(),
                });
                add_labelled(&mut changes, format!("-ldflags {}", shell_quote(l)), f.code);
            }
        }
        for line in &fix.commands {
            let Some(kind) = fix_kind(line) else {
                continue;
            };
            let group = match other.iter_mut().position(|g| g.kind == kind) {
                Some(i) => &mut other[i],
                None => {
                    other.push(FixGroup {
                        kind,
                        lines: Vec::new(),
                    });
                    other.last_mut().expect("just pushed")
                }
            };
            add_labelled(&mut group.lines, line.clone(), f.code);
        }
    }
    let asked = fixing
        .iter()
        .any(|f| f.fix.as_ref().is_some_and(|x| x.rebuild.is_some()));
    let command = asked.then(|| go_rebuild(facts, &change)).flatten();
    Some(CombinedRebuild {
        command,
        changes,
        conflicts,
        other,
    })
}

/// The libc family an interpreter path belongs to.
pub fn libc_of_interpreter(interp: &str) -> &'static str {
    if interp.contains("ld-musl") {
        "musl"
    } else if interp.contains("ld-linux") || interp.contains("ld64.so") || interp.contains("ld.so")
    {
        "glibc"
    } else {
        "an unknown libc"
    }
}

/// The commands that rebuild this binary with Go release `toolchain` (`go1.23.12`). The
/// go command switches toolchains with `GOTOOLCHAIN` since Go 1.21, and only to Go 1.21
/// or later; a binary built before that was built by a go command that ignores it, and an
/// older release is not a toolchain module. Those get the release's own go command from
/// `golang.org/dl`, which any go command since 1.16 installs.
pub fn go_build_with_release(facts: &Facts, toolchain: &str) -> Vec<String> {
    if let Some(change) = toolchain_change(facts, toolchain) {
        return go_rebuild(facts, &change).into_iter().collect();
    }
    let mut c = vec![format!(
        "go install golang.org/dl/{toolchain}@latest && {toolchain} download"
    )];
    c.extend(
        go_build_command(facts, &[], &[], &[])
            .map(|cmd| cmd.replacen("go build", &format!("{toolchain} build"), 1)),
    );
    c
}

/// The change that rebuilds with Go release `toolchain` through `GOTOOLCHAIN`, where the
/// go command that built the binary switches toolchains (Go 1.21 and later, to 1.21 or
/// later); `None` otherwise (see [`go_build_with_release`]).
pub fn toolchain_change(facts: &Facts, toolchain: &str) -> Option<GoChange> {
    let minor = |v: &str| -> Option<u32> {
        v.strip_prefix("go1.")?
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let built = facts
        .go
        .as_ref()
        .and_then(|g| g.version.as_deref())
        .and_then(minor);
    let switches = built.is_some_and(|b| b >= 21) && minor(toolchain).is_some_and(|t| t >= 21);
    switches.then(|| GoChange::of(&[("GOTOOLCHAIN", toolchain)], &[], &[]))
}

/// The `go build` command that rebuilds this binary with `env` overrides (`("CGO_ENABLED",
/// "0")`), extra tags and without the flags or variables named in `drop` (`-buildmode`,
/// `GOAMD64`), from the settings recorded in its build info. `None` for a binary without Go
/// build settings.
pub fn go_build_command(
    facts: &Facts,
    env: &[(&str, &str)],
    add_tags: &[&str],
    drop: &[&str],
) -> Option<String> {
    go_build(facts, env, add_tags, drop, None)
}

/// [`go_build_command`] with `extra_ldflags` after the recorded `-ldflags`.
fn go_build(
    facts: &Facts,
    env: &[(&str, &str)],
    add_tags: &[&str],
    drop: &[&str],
    extra_ldflags: Option<&str>,
) -> Option<String> {
    let bi = facts.go.as_ref()?.build_info.as_ref()?;
    let typed = &bi.typed;
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            vars.push((k.to_string(), v));
        }
    };
    set(
        "CGO_ENABLED",
        typed
            .cgo_enabled
            .map(|c| if c { "1" } else { "0" }.to_string()),
    );
    set("GOOS", typed.goos.clone());
    set("GOARCH", typed.goarch.clone());
    if let Some(level) = &typed.arch_level {
        set(&level.variable, Some(level.value.clone()));
    }
    for (k, v) in env {
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => vars.push((k.to_string(), v.to_string())),
        }
    }
    vars.retain(|(k, _)| !drop.contains(&k.as_str()));
    let mut cmd: Vec<String> = vars.iter().map(|(k, v)| format!("{k}={v}")).collect();
    cmd.push("go build".into());
    let mut tags = typed.tags.clone();
    for t in add_tags {
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    if !tags.is_empty() {
        cmd.push(format!("-tags {}", tags.join(",")));
    }
    if typed.trimpath {
        cmd.push("-trimpath".into());
    }
    let ldflags = match (typed.ldflags.as_deref(), extra_ldflags) {
        (Some(ld), Some(extra)) => Some(format!("{ld} {extra}")),
        (ld, extra) => ld.or(extra).map(str::to_string),
    };
    if let Some(ld) = ldflags {
        cmd.push(format!("-ldflags={}", shell_quote(&ld)));
    }
    if let Some(mode) = &typed.buildmode {
        if mode != "exe" && !drop.contains(&"-buildmode") {
            cmd.push(format!("-buildmode={mode}"));
        }
    }
    let package = bi.path.clone().unwrap_or_else(|| ".".into());
    cmd.push(format!("-o {}", output_name(facts, &package)));
    cmd.push(if package == "command-line-arguments" {
        ".".into()
    } else {
        package
    });
    Some(cmd.join(" "))
}

fn output_name(_facts: &Facts, package: &str) -> String {
    package
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && *s != "command-line-arguments")
        .unwrap_or("app")
        .to_string()
}

/// Quotes a value for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The fix for a binary that needs a libc the target lacks: for Go, rebuild without cgo
/// (keeping every other recorded setting); for anything else, a base image with the libc
/// it was linked against, or a static build.
pub fn no_libc_fix(ctx: &CheckContext<'_>, finding: Finding) -> Finding {
    let facts = ctx.facts();
    let interp = facts.elf.interpreter.as_deref().unwrap_or("");
    let libc = libc_of_interpreter(interp);
    if let Some(pkg) = cgo_only_package(facts) {
        return cgo_only_fix(facts, libc, pkg, finding);
    }
    let uses_cgo = facts
        .go
        .as_ref()
        .and_then(|g| g.symtab.as_ref())
        .is_some_and(|s| s.needs.cgo);
    if facts.go.is_some() {
        let change = GoChange::of(&[("CGO_ENABLED", "0")], &[], &["-buildmode"]);
        if let Some(cmd) = go_rebuild(facts, &change) {
            let why = if uses_cgo {
                "Rebuild without cgo so the binary needs no libc (check first that no cgo-only package, such as go-sqlite3, is linked)"
            } else {
                "Rebuild as a static executable: without cgo and with the default build mode, a Go binary needs no interpreter"
            };
            return finding.fix(why, vec![cmd]).rebuild(change);
        }
    }
    let image = match libc {
        "musl" => "alpine:3.21",
        _ => "gcr.io/distroless/base-debian12 (or debian:12-slim)",
    };
    finding.fix(
        format!("Run it on a base image with {libc} ({image}), or link it statically"),
        vec![
            format!("FROM {}", image.split(' ').next().unwrap_or(image)),
            "cc -static … (or musl-gcc -static …)".into(),
        ],
    )
}

/// Go packages that work only with cgo, with their pure-Go replacement: built without cgo
/// they compile to a stub that fails when used (go-sqlite3: "Binary was compiled with
/// 'CGO_ENABLED=0', go-sqlite3 requires cgo to work").
const CGO_ONLY_PACKAGES: &[(&str, &str)] = &[("github.com/mattn/go-sqlite3", "modernc.org/sqlite")];

/// What a static link of a system C library needs after it, which its shared library
/// brings along by itself: `-tags libsqlite3` links Debian's libsqlite3.a, whose math
/// functions come from libm (a static link without it fails with "undefined reference to
/// `log'").
const STATIC_LINK_EXTRAS: &[(&str, &str)] = &[("libsqlite3", "-lm")];

/// The cgo-only package this Go binary links (with cgo on), and its pure-Go replacement.
pub fn cgo_only_package(facts: &Facts) -> Option<(&'static str, &'static str)> {
    let symtab = facts.go.as_ref()?.symtab.as_ref()?;
    CGO_ONLY_PACKAGES.iter().copied().find(|(pkg, _)| {
        symtab
            .packages
            .iter()
            .any(|p| p == pkg || p.ends_with(&format!("/vendor/{pkg}")))
    })
}

/// The fix for a binary that needs its C library but cannot drop cgo, least change first:
/// a static cgo build (the C library linked in; `netgo` and `osusergo` keep glibc's NSS
/// out of the static binary), a base image with the C library, or the package's pure-Go
/// replacement and a build without cgo.
fn cgo_only_fix(facts: &Facts, libc: &str, (pkg, pure): (&str, &str), finding: Finding) -> Finding {
    let image = match libc {
        "musl" => "alpine:3.21",
        _ => "gcr.io/distroless/base-debian12",
    };
    let change = static_cgo_change(facts);
    let mut commands: Vec<String> = static_cgo_command(facts).into_iter().collect();
    commands.push(format!("FROM {image}"));
    commands.extend(go_build_command(
        facts,
        &[("CGO_ENABLED", "0")],
        &[],
        &["-buildmode"],
    ));
    finding.fix(
        format!(
            "{pkg} needs cgo (without it, it is a stub that fails when used): link the C library in statically (the build machine needs its static archive: libc6-dev has libc.a; with -tags libsqlite3 also libsqlite3-dev); or run it on a base image with {libc} ({image}); or replace {pkg} with {pure} and build without cgo"
        ),
        commands,
    )
    .rebuild_if(change)
}

/// The `go build` line that keeps cgo and links the C libraries in statically: no
/// interpreter, no shared libraries; `netgo` and `osusergo` keep glibc's NSS (which a
/// static glibc cannot load reliably) out of it.
pub fn static_cgo_command(facts: &Facts) -> Option<String> {
    go_rebuild(facts, &static_cgo_change(facts)?)
}

/// The change of [`static_cgo_command`].
pub fn static_cgo_change(facts: &Facts) -> Option<GoChange> {
    let tags = &facts.go.as_ref()?.build_info.as_ref()?.typed.tags;
    let mut extld = vec!["-static"];
    for (tag, libs) in STATIC_LINK_EXTRAS {
        if tags.iter().any(|t| t == tag) {
            extld.push(libs);
        }
    }
    let extld = match extld.as_slice() {
        [one] => one.to_string(),
        many => format!("\"{}\"", many.join(" ")),
    };
    let mut change = GoChange::of(
        &[("CGO_ENABLED", "1")],
        &["netgo", "osusergo"],
        &["-buildmode"],
    );
    change.ldflags = Some(format!("-linkmode external -extldflags {extld}"));
    Some(change)
}

/// The change that rebuilds a Go binary for `machine` (GOARCH, GOARM, the old level
/// variable dropped, and `CC` with Debian's cross C compiler when cgo links libc), and
/// that compiler's package.
pub fn arch_change(
    facts: &Facts,
    machine: &str,
    cpu: Option<&whyrun_target::model::CpuInfo>,
) -> Option<(GoChange, Option<String>)> {
    use crate::arch;
    arch::goarch(machine)?;
    let typed = facts.go.as_ref()?.build_info.as_ref().map(|b| &b.typed);
    let current = typed.and_then(|t| t.goarch.as_deref());
    let arch::GoArchEnv { env, drop } = arch::go_arch_env(current, machine, cpu)?;
    let mut change = GoChange::of(&env, &[], &drop);
    let links_libc =
        facts.elf.interpreter.is_some() && typed.and_then(|t| t.cgo_enabled) == Some(true);
    let mut cross_gcc = None;
    if links_libc {
        if let (Some(triplet), Some(pkg)) =
            (arch::gnu_triplet(machine), arch::cross_gcc_package(machine))
        {
            change.env.push(("CC".into(), format!("{triplet}-gcc")));
            cross_gcc = Some(pkg);
        }
    }
    Some((change, cross_gcc))
}

/// How to rebuild this binary for `machine` (a facts-crate machine name; `cpu` picks GOARM
/// for 32-bit ARM): for Go, the recorded `go build` line with GOARCH (and GOARM) changed
/// and the old level variable dropped, plus Debian's cross C compiler and `CC` when cgo
/// links a C library; for a Rust binary, `cargo build --target`; for anything else,
/// Debian's cross compiler. `None` for a machine without a known toolchain.
pub fn rebuild_for_arch(
    facts: &Facts,
    display_path: &str,
    machine: &str,
    cpu: Option<&whyrun_target::model::CpuInfo>,
) -> Option<(String, Vec<String>)> {
    use crate::arch;
    arch::goarch(machine)?;
    if facts.go.is_some() {
        let (change, cross_gcc) = arch_change(facts, machine, cpu)?;
        let knobs: Vec<String> = change
            .env
            .iter()
            .filter(|(k, _)| k != "CC")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cc = change
            .env
            .iter()
            .find(|(k, _)| k == "CC")
            .map(|(_, v)| v.clone());
        let mut commands: Vec<String> = cross_gcc
            .map(|pkg| format!("apt-get install -y {pkg}"))
            .into_iter()
            .collect();
        let summary = format!(
            "Rebuild for {machine} ({}){}, keeping the binary's other recorded build settings",
            knobs.join(" "),
            match &cc {
                None => String::new(),
                Some(cc) => format!(" with the cross C compiler {cc} for cgo"),
            }
        );
        let line = go_rebuild(facts, &change).unwrap_or_else(|| {
            let vars: Vec<String> = change.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("GOOS=linux {} go build .", vars.join(" "))
        });
        commands.push(line);
        return Some((summary, commands));
    }
    let name = display_path
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("app");
    if facts.rust.is_some() {
        let musl = match &facts.elf.interpreter {
            Some(i) => i.contains("ld-musl"),
            None => facts.elf.linkage == "static",
        };
        let target = arch::rust_target(machine, musl)?;
        return Some((
            format!("Rebuild for {machine} with Rust's {target} target"),
            vec![
                format!("rustup target add {target}"),
                format!("cargo build --release --target {target}"),
            ],
        ));
    }
    let triplet = arch::gnu_triplet(machine)?;
    let cxx = facts.elf.needed.iter().any(|n| n.starts_with("libstdc++"));
    let (pkg, compiler) = if cxx {
        (
            format!("g++-{}", triplet.replace('_', "-")),
            format!("{triplet}-g++"),
        )
    } else {
        (arch::cross_gcc_package(machine)?, format!("{triplet}-gcc"))
    };
    Some((
        format!("Rebuild for {machine} with Debian's cross compiler ({pkg}), using the same sources and flags"),
        vec![format!("apt-get install -y {pkg}"), format!("{compiler} -o {name} …")],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{CgoStubLinked, MissingInterpreter, NoCaCertificates, NoZoneinfo};
    use crate::testing::fixture;

    fn with(meta: &'static crate::rule::RuleMeta, change: GoChange, commands: &[&str]) -> Finding {
        meta.finding("m")
            .fix("s", commands.iter().map(|c| c.to_string()).collect())
            .rebuild(change)
    }

    #[test]
    fn changes_are_merged_into_one_line_each_labelled() {
        let facts = fixture("go124-nethello");
        let findings = [
            with(
                &MissingInterpreter::META,
                GoChange::of(&[("CGO_ENABLED", "0")], &[], &["-buildmode"]),
                &[],
            ),
            with(
                &NoZoneinfo::META,
                GoChange::of(&[], &["timetzdata"], &[]),
                &["COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo"],
            ),
            with(
                &NoCaCertificates::META,
                GoChange::new(),
                &[
                    "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
                    "FROM gcr.io/distroless/static-debian12",
                ],
            ),
        ];
        let r = combined_rebuild(&facts, &findings).expect("three fixes");
        let cmd = r.command.unwrap();
        assert!(cmd.starts_with("CGO_ENABLED=0 "), "{cmd}");
        assert!(cmd.contains("-tags timetzdata"), "{cmd}");
        let label = |line: &str| {
            r.changes
                .iter()
                .find(|c| c.line == line)
                .map(|c| c.codes.clone())
        };
        assert_eq!(label("CGO_ENABLED=0"), Some(vec!["LIBC001"]));
        assert_eq!(label("-tags timetzdata"), Some(vec!["GO003"]));
        // Not recorded in nethello's build info: nothing to label.
        assert_eq!(label("without -buildmode"), None);
        assert!(r.conflicts.is_empty());
        let kinds: Vec<&str> = r.other.iter().map(|g| g.kind).collect();
        assert_eq!(kinds, ["copy", "base image"]);
        assert_eq!(r.other[0].lines.len(), 2);
    }

    #[test]
    fn a_lower_ranked_conflicting_value_is_left_out_and_said() {
        let facts = fixture("go124-nethello");
        let findings = [
            with(
                &CgoStubLinked::META,
                GoChange::of(&[("CGO_ENABLED", "1")], &[], &[]),
                &[],
            ),
            with(
                &MissingInterpreter::META,
                GoChange::of(&[("CGO_ENABLED", "0")], &[], &[]),
                &[],
            ),
        ];
        let r = combined_rebuild(&facts, &findings).unwrap();
        assert!(r.command.unwrap().starts_with("CGO_ENABLED=1 "));
        assert_eq!(r.conflicts.len(), 1);
        assert!(
            r.conflicts[0].starts_with("LIBC001 asks for CGO_ENABLED=0"),
            "{:?}",
            r.conflicts
        );
    }

    #[test]
    fn one_fix_alone_needs_no_combination() {
        let facts = fixture("go124-nethello");
        let one = [with(
            &NoZoneinfo::META,
            GoChange::of(&[], &["timetzdata"], &[]),
            &[],
        )];
        assert!(combined_rebuild(&facts, &one).is_none());
    }
}
