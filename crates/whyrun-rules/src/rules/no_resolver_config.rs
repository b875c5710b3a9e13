//! GO009: a Go binary resolves host names and the target lacks the resolver configuration
//! Go's resolver reads (`/etc/resolv.conf`; `/etc/nsswitch.conf` for Go 1.15 and older).

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;
use whyrun_target::model::SourceKind;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that links the `net` resolver, on a target:
    /// - without `/etc/resolv.conf`. In a directory used as a root (chroot) this is a
    ///   risk; in a container image it is info, since container runtimes (Docker, Podman,
    ///   Kubernetes) mount a `resolv.conf` into every container they start;
    /// - without `/etc/nsswitch.conf`, when the binary was built by Go 1.15 or older: those
    ///   releases looked names up in DNS before `/etc/hosts` then (a risk).
    ///
    /// ## Why it breaks
    /// Without `resolv.conf`, Go (like glibc and musl) sends DNS queries to `127.0.0.1:53`
    /// and `[::1]:53`; unless a DNS server listens there, every lookup of a name not in
    /// `/etc/hosts` fails: `lookup example.com on [::1]:53: read udp …: connection refused`.
    ///
    /// Without `nsswitch.conf`, Go 1.15 and older followed glibc's default for that case,
    /// `dns [!UNAVAIL=return] files`: DNS first. Names set in `/etc/hosts` (`docker run
    /// --add-host`, Kubernetes `hostAliases`, even `localhost` under a search domain) then
    /// resolve to whatever DNS says. Go 1.16 reads `/etc/hosts` first (go.dev/issue/35305).
    ///
    /// ## Example
    /// ```text
    /// GO009 risk  DNS lookups fail in vm-01: no /etc/resolv.conf, so queries go to 127.0.0.1:53 and [::1]:53
    ///   · the net resolver is linked (Go's own resolver)  [/usr/local/bin/nethello]
    ///   · does not exist  [/etc/resolv.conf]
    ///   fix Create /etc/resolv.conf naming a reachable DNS server
    ///       echo 'nameserver DNS-SERVER-ADDRESS' > /etc/resolv.conf
    /// ```
    ///
    /// ## Fix
    /// Give the root an `/etc/resolv.conf` naming a reachable DNS server (copy the host's,
    /// or bind-mount it as a container runtime does). For an old binary, add
    /// `/etc/nsswitch.conf` with `hosts: files dns`, or rebuild it with a current Go.
    ///
    /// ## References
    /// - Go `src/net/dnsconfig_unix.go` and `dnsconfig.go` (`defaultNS`: `127.0.0.1:53`,
    ///   `[::1]:53`), `src/net/conf.go`; go.dev/issue/35305 and the Go 1.16 change
    ///   "net: prefer /etc/hosts over DNS when no /etc/nsswitch.conf is present".
    /// - resolv.conf(5): with no file, the name server on the local machine is used.
    /// - Seen here: a CGO_ENABLED=0 Go 1.24 binary in an empty root: `lookup example.invalid
    ///   on [::1]:53: read udp [::1]:40835->[::1]:53: read: connection refused`.
    pub struct NoResolverConfig {
        code: "GO009",
        name: "no-resolver-config",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Risk,
        stage: Stage::RunTime,
        summary: "The binary resolves host names and the target lacks the resolver configuration",
    }
}

impl NoResolverConfig {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(net) = go_runtime::needs(facts).and_then(|n| n.net.as_ref()) else {
            return Vec::new();
        };
        let target = ctx.target;
        let binary = ctx.binary.display_path.clone();
        let resolver = if net.cgo_resolver {
            "the net resolver is linked (Go's own, and libc's through cgo)"
        } else {
            "the net resolver is linked (Go's own resolver)"
        };
        let mut findings = Vec::new();

        if !RuntimeFile::ResolvConf.present(target) {
            let container = go_runtime::is_container_image(target);
            let known = go_runtime::knows(target, RuntimeFile::ResolvConf);
            // Info for an image: nothing to decide when the profile does not say.
            if known || !container {
                let mut f = if container {
                    Self::META
                        .finding(format!(
                            "{} has no /etc/resolv.conf: container runtimes mount one; run any other way, DNS queries go to 127.0.0.1:53",
                            target.name
                        ))
                        .severity(Severity::Info)
                } else {
                    Self::META.finding(format!(
                        "DNS lookups fail in {}: no /etc/resolv.conf, so queries go to 127.0.0.1:53 and [::1]:53",
                        target.name
                    ))
                };
                f = f.evidence(resolver, binary.clone());
                f = if known {
                    f.evidence("does not exist", "/etc/resolv.conf")
                } else {
                    f.evidence(
                        format!(
                            "the profile {} does not say whether it has one",
                            target.name
                        ),
                        "/etc/resolv.conf",
                    )
                    .undecided()
                };
                f = match target.source {
                    SourceKind::Root => {
                        let root = target.name.trim_end_matches('/');
                        f.fix(
                            "Give the root an /etc/resolv.conf naming a reachable DNS server: copy the host's, or bind-mount it as container runtimes do",
                            vec![
                                format!("cp /etc/resolv.conf {root}/etc/resolv.conf"),
                                format!("mount --bind /etc/resolv.conf {root}/etc/resolv.conf"),
                            ],
                        )
                    }
                    SourceKind::Image | SourceKind::Profile => f.fix(
                        "Nothing to do when it runs in a container; run any other way, give it an /etc/resolv.conf",
                        Vec::new(),
                    ),
                    _ => f.fix(
                        "Create /etc/resolv.conf naming a reachable DNS server",
                        vec!["echo 'nameserver DNS-SERVER-ADDRESS' > /etc/resolv.conf".into()],
                    ),
                };
                findings.push(f);
            }
        }

        let old = go_runtime::release(facts).is_some_and(|r| r < (1, 16));
        if old && !RuntimeFile::NsswitchConf.present(target) {
            let known = go_runtime::knows(target, RuntimeFile::NsswitchConf);
            let version = facts
                .go
                .as_ref()
                .and_then(|g| g.version.clone())
                .unwrap_or_default();
            let mut f = Self::META
                .finding(format!(
                    "names in /etc/hosts may resolve through DNS first in {}: no /etc/nsswitch.conf, and {version} then asks DNS before /etc/hosts",
                    target.name
                ))
                .evidence(
                    format!("{resolver}; built with {version} (Go 1.16 changed the order to /etc/hosts first)"),
                    binary.clone(),
                );
            f = if known {
                f.evidence(
                    "does not exist: Go 1.15 and older then use glibc's default, \"dns [!UNAVAIL=return] files\"",
                    "/etc/nsswitch.conf",
                )
            } else {
                f.evidence(
                    format!(
                        "the profile {} does not say whether it has one",
                        target.name
                    ),
                    "/etc/nsswitch.conf",
                )
                .undecided()
            };
            let mut commands = vec![go_runtime::write_line(
                target,
                "/etc/nsswitch.conf",
                "hosts: files dns",
                false,
            )];
            commands.extend(crate::fixes::go_build_with_release(facts, "go1.27.0"));
            findings.push(
                f.fix(
                    "Add /etc/nsswitch.conf with \"hosts: files dns\", or rebuild with a current Go",
                    commands,
                )
                .rebuild_if(crate::fixes::toolchain_change(facts, "go1.27.0")),
            );
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use whyrun_facts::Facts;
    use whyrun_target::model::{SourceKind, TargetModel};

    use crate::finding::Severity;
    use crate::testing::*;
    use crate::Finding;

    fn go009(facts: &Facts, target: &TargetModel) -> Vec<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .filter(|f| f.code == "GO009")
            .collect()
    }

    fn root(mut t: TargetModel, name: &str) -> TargetModel {
        t.source = SourceKind::Root;
        t.name = name.into();
        t
    }

    #[test]
    fn risk_in_a_root_without_resolv_conf() {
        let found = go009(&fixture("go124-nethello"), &root(scratch(), "/srv/root"));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Risk);
        assert!(!f.undecided);
        assert!(f.message.contains("127.0.0.1:53"));
        assert_eq!(
            f.fix.as_ref().unwrap().commands[0],
            "cp /etc/resolv.conf /srv/root/etc/resolv.conf"
        );
    }

    #[test]
    fn info_in_an_image() {
        let found = go009(&fixture("go124-nethello"), &scratch());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        // A profile that does not say: nothing.
        let mut target = debian12();
        target.runtime_files.resolv_conf = false;
        assert!(go009(&fixture("go124-nethello"), &target).is_empty());
    }

    #[test]
    fn old_go_without_nsswitch_conf() {
        let mut facts = fixture("go124-nethello");
        let go = facts.go.as_mut().unwrap();
        go.version = Some("go1.15.15".into());
        let mut target = root(debian12(), "/srv/bullseye");
        target.runtime_files.nsswitch_hosts = None;
        let found = go009(&facts, &target);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Risk);
        assert!(
            found[0].message.contains("DNS first"),
            "{}",
            found[0].message
        );
        // Go 1.16 and later read /etc/hosts first.
        assert!(go009(&fixture("go124-nethello"), &target).is_empty());
    }

    #[test]
    fn silent_with_resolver_config_or_without_net() {
        assert!(go009(&fixture("go124-nethello"), &debian12()).is_empty());
        assert!(go009(&fixture("go124-hello"), &root(scratch(), "/srv/root")).is_empty());
    }
}
