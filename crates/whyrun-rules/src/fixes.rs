//! Fixes computed from the binary's own recorded build: the `go build` line with one knob
//! changed, the base image that has what the binary needs, the package to install.

use whyrun_facts::Facts;

use crate::context::CheckContext;
use crate::finding::Finding;

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
    if switches {
        return go_build_command(facts, &[("GOTOOLCHAIN", toolchain)], &[], &[])
            .into_iter()
            .collect();
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
        if let Some(cmd) = go_build_command(facts, &[("CGO_ENABLED", "0")], &[], &["-buildmode"]) {
            let why = if uses_cgo {
                "Rebuild without cgo so the binary needs no libc (check first that no cgo-only package, such as go-sqlite3, is linked)"
            } else {
                "Rebuild as a static executable: without cgo and with the default build mode, a Go binary needs no interpreter"
            };
            return finding.fix(why, vec![cmd]);
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
}

/// The `go build` line that keeps cgo and links the C libraries in statically: no
/// interpreter, no shared libraries; `netgo` and `osusergo` keep glibc's NSS (which a
/// static glibc cannot load reliably) out of it.
pub fn static_cgo_command(facts: &Facts) -> Option<String> {
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
    go_build(
        facts,
        &[("CGO_ENABLED", "1")],
        &["netgo", "osusergo"],
        &["-buildmode"],
        Some(&format!("-linkmode external -extldflags {extld}")),
    )
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
    if let Some(go) = &facts.go {
        let typed = go.build_info.as_ref().map(|b| &b.typed);
        let current = typed.and_then(|t| t.goarch.as_deref());
        let arch::GoArchEnv { mut env, drop } = arch::go_arch_env(current, machine, cpu)?;
        let knobs: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let links_libc =
            facts.elf.interpreter.is_some() && typed.and_then(|t| t.cgo_enabled) == Some(true);
        let mut commands = Vec::new();
        let mut cc = String::new();
        if links_libc {
            if let (Some(triplet), Some(pkg)) =
                (arch::gnu_triplet(machine), arch::cross_gcc_package(machine))
            {
                commands.push(format!("apt-get install -y {pkg}"));
                cc = format!("{triplet}-gcc");
                env.push(("CC", cc.as_str()));
            }
        }
        let summary = format!(
            "Rebuild for {machine} ({}){}, keeping the binary's other recorded build settings",
            knobs.join(" "),
            if cc.is_empty() {
                String::new()
            } else {
                format!(" with the cross C compiler {cc} for cgo")
            }
        );
        let line = go_build_command(facts, &env, &[], &drop).unwrap_or_else(|| {
            let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
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
