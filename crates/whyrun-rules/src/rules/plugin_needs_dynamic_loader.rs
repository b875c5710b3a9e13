//! GO008: a Go binary that loads plugins: the plugin package needs cgo and the dynamic
//! loader, and plugins built exactly like the binary.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that links the `plugin` package. Built without cgo, the package is a
    /// stub and every `plugin.Open` fails, on any target. Built with cgo, it works through
    /// the dynamic loader (`dlopen`), and only with plugins built to match (info).
    ///
    /// ## Why it breaks
    /// `plugin.Open` calls `dlopen` through cgo. Without cgo (`CGO_ENABLED=0`) Go compiles
    /// `plugin_stubs.go` instead, whose `Open` returns `plugin: not implemented`: the program
    /// starts and fails when it loads its first plugin. With cgo, a plugin loads only if it
    /// was built by the same Go release with the same versions of every package the two
    /// share (and the same build flags); otherwise `plugin.Open` fails with `plugin was
    /// built with a different version of package …`.
    ///
    /// ## Example
    /// ```text
    /// GO008 fails at run time  plugin.Open fails everywhere: the plugin package is its CGO_ENABLED=0 stub
    ///   · package plugin is linked; runtime/cgo is not: plugin.Open returns "plugin: not implemented"  [/usr/local/bin/pluginhost]
    ///   fix Rebuild with cgo (the binary then needs libc and its loader in the target), and build the plugins with go1.24.4
    ///       CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -trimpath -o pluginhost example.com/pluginhost
    /// ```
    ///
    /// ## Fix
    /// Rebuild with `CGO_ENABLED=1` (the binary then links libc and needs its loader in the
    /// target), and build every plugin with the same Go release (the binary's is recorded
    /// in its build info) and the same module versions, `-trimpath` and tags.
    ///
    /// ## References
    /// - Go `src/plugin/plugin_dlopen.go` (build constraint `linux && cgo`),
    ///   `plugin_stubs.go` (`plugin: not implemented`), and the package documentation's
    ///   "Warnings" section.
    /// - Seen here: a CGO_ENABLED=0 Go 1.24 binary calling `plugin.Open`: `plugin: not
    ///   implemented`.
    pub struct PluginNeedsDynamicLoader {
        code: "GO008",
        name: "plugin-needs-dynamic-loader",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "The binary loads Go plugins: it needs cgo, the loader and plugins built to match",
    }
}

impl PluginNeedsDynamicLoader {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(needs) = go_runtime::needs(facts) else {
            return Vec::new();
        };
        if !needs.plugin {
            return Vec::new();
        }
        let binary = ctx.binary.display_path.clone();
        let version = facts
            .go
            .as_ref()
            .and_then(|g| g.version.clone())
            .unwrap_or_else(|| "the same Go release".into());
        let finding = if !needs.cgo {
            let mut commands = Vec::new();
            let change = fixes::GoChange::of(&[("CGO_ENABLED", "1")], &[], &[]);
            if let Some(cmd) = fixes::go_rebuild(facts, &change) {
                commands.push(cmd);
            }
            Self::META
                .finding("plugin.Open fails everywhere: the plugin package is its CGO_ENABLED=0 stub")
                .evidence(
                    "package plugin is linked; runtime/cgo is not: plugin.Open returns \"plugin: not implemented\"",
                    binary,
                )
                .fix(
                    format!("Rebuild with cgo (the binary then needs libc and its loader in the target), and build the plugins with {version}"),
                    commands,
                )
                .rebuild(change)
        } else {
            Self::META
                .finding(format!(
                    "plugins load only if built with {version} and the same versions of every package they share with the binary"
                ))
                .severity(Severity::Info)
                .evidence(
                    format!("package plugin is linked with cgo: plugin.Open uses dlopen; built with {version}"),
                    binary,
                )
                .fix(
                    format!("Build every plugin with {version}, the same module versions and the same flags (-trimpath, tags) as the binary"),
                    Vec::new(),
                )
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testing::*;

    fn with_plugin(cgo: bool) -> whyrun_facts::Facts {
        let mut facts = fixture("go124-hello");
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.packages.push("plugin".into());
        symtab.needs.plugin = true;
        symtab.needs.cgo = cgo;
        facts
    }

    #[test]
    fn fires_for_the_stub() {
        let found = run(&with_plugin(false), &debian12(), &resolution(None));
        let f = found.iter().find(|f| f.code == "GO008").expect("GO008");
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(f.evidence[0].what.contains("plugin: not implemented"));
        assert!(f.fix.as_ref().unwrap().commands[0].starts_with("CGO_ENABLED=1 "));
    }

    #[test]
    fn info_with_cgo() {
        let found = run(&with_plugin(true), &debian12(), &resolution(Some(true)));
        let f = found.iter().find(|f| f.code == "GO008").expect("GO008");
        assert_eq!(f.severity, Severity::Info);
        assert!(f.message.contains("go1.24.4"), "{}", f.message);
    }

    #[test]
    fn silent_without_plugin() {
        assert!(
            !codes(&fixture("go124-nethello"), &scratch(), &resolution(None)).contains(&"GO008")
        );
    }
}
