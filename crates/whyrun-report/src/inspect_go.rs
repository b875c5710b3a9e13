//! The Go part of `whyrun inspect`'s text output: toolchain, build settings, modules and
//! the run-time files the linked packages read.

use whyrun_facts::go::GoFacts;

use crate::style::{ACCENT, BAD, WARN};

pub fn print_go(go: Option<&GoFacts>, verbose: bool, row: &mut dyn FnMut(&str, String)) {
    let Some(go) = go else { return };
    let version = go.version.as_deref().unwrap_or("unknown version");
    match &go.build_info {
        Some(bi) if bi.module_mode => {
            let main = bi
                .main
                .as_ref()
                .map(|m| format!(", module {} {}", m.path, m.version))
                .unwrap_or_default();
            row("go", format!("{ACCENT}{version}{ACCENT:#}{main}"));
            if let Some(p) = &bi.path {
                row("package", p.clone());
            }
        }
        Some(_) => row(
            "go",
            format!("{ACCENT}{version}{ACCENT:#}, GOPATH mode (no module information)"),
        ),
        None => row("go", format!("{ACCENT}{version}{ACCENT:#}, no build info")),
    }
    if let Some(bi) = &go.build_info {
        let t = &bi.typed;
        let mut parts = Vec::new();
        if let Some(c) = t.cgo_enabled {
            parts.push(format!("CGO_ENABLED={}", u8::from(c)));
        }
        if let Some(os) = &t.goos {
            parts.push(format!("GOOS={os}"));
        }
        if let Some(arch) = &t.goarch {
            parts.push(format!("GOARCH={arch}"));
        }
        if let Some(level) = &t.arch_level {
            parts.push(format!("{}={}", level.variable, level.value));
        }
        if let Some(mode) = &t.buildmode {
            parts.push(format!("-buildmode={mode}"));
        }
        if !t.tags.is_empty() {
            parts.push(format!("-tags={}", t.tags.join(",")));
        }
        if t.trimpath {
            parts.push("-trimpath".into());
        }
        if let Some(ld) = &t.ldflags {
            parts.push(format!("-ldflags={ld:?}"));
        }
        if !parts.is_empty() {
            row("build", parts.join(" "));
        }
        if let Some(vcs) = &t.vcs {
            let dirty = if vcs.modified == Some(true) {
                format!(" {WARN}(modified){WARN:#}")
            } else {
                String::new()
            };
            row(
                "vcs",
                format!(
                    "{} {} {}{dirty}",
                    vcs.system.as_deref().unwrap_or(""),
                    vcs.revision.as_deref().unwrap_or(""),
                    vcs.time.as_deref().unwrap_or("")
                )
                .trim()
                .to_string(),
            );
        }
        if bi.module_mode {
            let replaced = bi.deps.iter().filter(|d| d.replace.is_some()).count();
            let mut deps = format!("{} dependencies", bi.deps.len());
            if replaced > 0 {
                deps.push_str(&format!(", {replaced} replaced"));
            }
            row("modules", deps);
        }
        if verbose {
            for d in &bi.deps {
                let replace = d
                    .replace
                    .as_ref()
                    .map(|r| format!(" => {} {}", r.path, r.version))
                    .unwrap_or_default();
                row("dep", format!("{} {}{replace}", d.path, d.version));
            }
            for s in &bi.settings {
                row("setting", format!("{}={}", s.key, s.value));
            }
        }
    }
    if let Some(sym) = &go.symtab {
        let n = &sym.needs;
        let mut reads = Vec::new();
        if let Some(x) = &n.x509 {
            if x.system_roots && !x.fallback_roots_embedded {
                reads.push("CA certificates (crypto/x509)".to_string());
            } else if x.fallback_roots_embedded {
                reads.push("CA certificates, with embedded fallback roots".to_string());
            }
        }
        if let Some(tz) = &n.timezone {
            reads.push(if tz.tzdata_embedded {
                "zoneinfo, with embedded tzdata".to_string()
            } else {
                "zoneinfo (time.LoadLocation)".to_string()
            });
        }
        if let Some(u) = &n.os_user {
            reads.push(if u.cgo {
                "users through libc NSS (os/user, cgo)".to_string()
            } else {
                "/etc/passwd and /etc/group (os/user)".to_string()
            });
        }
        if let Some(net) = &n.net {
            reads.push(if net.cgo_resolver {
                "resolv.conf, nsswitch.conf; cgo resolver compiled in".to_string()
            } else {
                "resolv.conf, hosts (pure-Go resolver)".to_string()
            });
        }
        if !reads.is_empty() {
            row("reads", reads.join("; "));
        }
        let mut linked = Vec::new();
        if n.cgo {
            linked.push("runtime/cgo");
        }
        if n.plugin {
            linked.push("plugin");
        }
        row(
            "symtab",
            format!(
                "pclntab {}, {} functions, {} packages{}",
                sym.pclntab_version.as_str(),
                sym.function_count,
                sym.packages.len(),
                if linked.is_empty() {
                    String::new()
                } else {
                    format!(" (links {})", linked.join(", "))
                }
            ),
        );
        for stub in &n.cgo_stubs {
            row(
                "cgo stub",
                format!("{BAD}{}{BAD:#}: {}", stub.package, stub.message),
            );
        }
        if verbose {
            row("packages", sym.packages.join(" "));
        }
    }
    if verbose {
        if let Some(id) = &go.build_id {
            row("go build-id", id.clone());
        }
    }
}
