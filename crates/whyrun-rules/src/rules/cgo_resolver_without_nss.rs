//! GO005: a Go binary with the cgo resolver compiled in, and what the target's
//! `/etc/nsswitch.conf` makes Go do with it.

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary with the cgo resolver compiled in (built with cgo and without the
    /// `netgo` tag: libc's `getaddrinfo` is linked) on a target whose `/etc/nsswitch.conf`
    /// is missing, or whose `hosts:` line names sources Go does not handle itself. Nothing
    /// fails in either case; the finding says which resolver answers and how that differs
    /// from the target's C programs.
    ///
    /// ## Why it breaks
    /// Go prefers its own resolver even when the cgo one is there, and decides per lookup
    /// from `/etc/nsswitch.conf`, `/etc/resolv.conf` and the environment:
    /// - No `nsswitch.conf` (or no `hosts:` line): since Go 1.16 Go's resolver reads
    ///   `/etc/hosts`, then asks DNS. glibc without the file uses `dns [!UNAVAIL=return]
    ///   files`: DNS first, and `/etc/hosts` only when DNS is unreachable, so C programs on
    ///   the same system can resolve a name differently. (Go 1.15 and older did as glibc:
    ///   GO009 reports that.)
    /// - A `hosts:` line with a source other than `files` and `dns` (`mymachines`,
    ///   `resolve`, `nis`, `wins`), or `files`/`dns` with non-default actions
    ///   (`dns [NOTFOUND=return]`): every lookup goes to libc, which loads the NSS module
    ///   `libnss_SOURCE.so.2` from the target and skips a module that is missing.
    ///   `myhostname` and `mdns*` send only the machine's own name and `.local` names there.
    /// - `LOCALDOMAIN`, `RES_OPTIONS`, `HOSTALIASES`, `GODEBUG=netdns=cgo`, an unreadable
    ///   `resolv.conf` or an option in it Go does not know also send lookups to libc.
    ///
    /// ## Example
    /// ```text
    /// GO005 info  host names are resolved by libc's getaddrinfo in app-01: its nsswitch.conf names sources Go does not handle
    ///   · the cgo resolver (libc getaddrinfo) is compiled in  [/usr/local/bin/ginapp]
    ///   · hosts: files resolve [!UNAVAIL=return] dns: Go hands every lookup to libc because of resolve; libc loads libnss_resolve.so.2 from the target and skips a module that is missing  [/etc/nsswitch.conf]
    ///   fix Nothing to fix if the target's NSS modules are what you want; to keep libc out of name resolution, build with -tags netgo
    ///       CGO_ENABLED=1 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -tags netgo -o ginapp example.com/ginapp/cmd/ginapp
    /// ```
    ///
    /// ## Fix
    /// For the same answers from Go and C programs, give the target an
    /// `/etc/nsswitch.conf` with `hosts: files dns`. To take libc out of name resolution
    /// altogether, build with `-tags netgo` (or `CGO_ENABLED=0`).
    ///
    /// ## References
    /// - Go `src/net/conf.go` (`initConfVal`, `lookupOrder`), `src/net/nss.go`
    ///   (`standardCriteria`); go.dev/issue/35305 (Go 1.16: files before DNS without
    ///   nsswitch.conf).
    /// - glibc `nss/nss_database.c`: the default for `hosts` is `dns [!UNAVAIL=return] files`.
    /// - Seen here with `GODEBUG=netdns=2`: a cgo Go 1.24 binary in a glibc root without
    ///   nsswitch.conf chose `files,dns` (Go's resolver); with `hosts: files mymachines
    ///   dns` it chose `cgo`.
    pub struct CgoResolverWithoutNss {
        code: "GO005",
        name: "cgo-resolver-without-nss",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::Info,
        stage: Stage::RunTime,
        summary: "The cgo resolver is compiled in: which resolver answers on this target",
    }
}

/// What Go makes of the `hosts:` line when the cgo resolver is available.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HostsOrder {
    /// No file, or no sources: Go's resolver, files then DNS (Go 1.16+).
    Default,
    /// Only `files` and `dns` with the default actions: Go's resolver in that order.
    GoResolver,
    /// Every lookup goes to libc, because of these sources.
    Cgo(Vec<String>),
    /// Only some names go to libc: the machine's own name (`myhostname`), `.local` names
    /// (`mdns*`).
    SomeNames(Vec<String>),
    /// Go cannot parse the line: it lets libc decide.
    Unparsed,
}

/// One source of a `hosts:` line and its `[STATUS=action]` criteria.
struct Source<'a> {
    name: &'a str,
    criteria: Vec<(bool, String, String)>,
}

/// Splits a `hosts:` line's sources as Go's `parseNSSConf` does; `None` where Go fails.
fn parse_sources(line: &str) -> Option<Vec<Source<'_>>> {
    let mut out = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let (name, after) = match rest.find(' ') {
            Some(sp) => (&rest[..sp], rest[sp + 1..].trim_start()),
            None => (rest, ""),
        };
        rest = after;
        let mut criteria = Vec::new();
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            for f in inner[..close].split_whitespace() {
                let (negate, f) = match f.strip_prefix('!') {
                    Some(f) => (true, f),
                    None => (false, f),
                };
                if f.len() < 3 {
                    return None;
                }
                let eq = f.find('=')?;
                let f = f.to_ascii_lowercase();
                criteria.push((negate, f[..eq].to_string(), f[eq + 1..].to_string()));
            }
            rest = inner[close + 1..].trim_start();
        }
        out.push(Source { name, criteria });
    }
    Some(out)
}

/// Whether every criterion is what it would be if left out (`nss.go`'s
/// `standardCriteria`).
fn standard_criteria(criteria: &[(bool, String, String)]) -> bool {
    criteria
        .iter()
        .enumerate()
        .all(|(i, (negate, status, action))| {
            if *negate {
                return false;
            }
            let default = match status.as_str() {
                "success" => "return",
                "notfound" | "unavail" | "tryagain" => "continue",
                _ => return false,
            };
            (i == criteria.len() - 1 && action == "return") || action == default
        })
}

/// The order Go picks for an ordinary host name from the `hosts:` line (`None`: no file),
/// with the cgo resolver available.
pub(crate) fn hosts_order(line: Option<&str>) -> HostsOrder {
    let Some(line) = line else {
        return HostsOrder::Default;
    };
    let Some(sources) = parse_sources(line) else {
        return HostsOrder::Unparsed;
    };
    if sources.is_empty() {
        return HostsOrder::Default;
    }
    let mut some = Vec::new();
    for s in &sources {
        match s.name {
            "files" | "dns" => {
                if !standard_criteria(&s.criteria) {
                    return HostsOrder::Cgo(vec![format!("{} with non-default actions", s.name)]);
                }
            }
            "myhostname" => some.push("myhostname (the machine's own name)".to_string()),
            n if n.starts_with("mdns") => some.push(format!("{n} (.local names)")),
            _ => {
                let others: Vec<String> = sources
                    .iter()
                    .map(|s| s.name)
                    .filter(|n| {
                        !matches!(*n, "files" | "dns" | "myhostname") && !n.starts_with("mdns")
                    })
                    .map(String::from)
                    .collect();
                return HostsOrder::Cgo(others);
            }
        }
    }
    if some.is_empty() {
        HostsOrder::GoResolver
    } else {
        HostsOrder::SomeNames(some)
    }
}

impl CgoResolverWithoutNss {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(net) = go_runtime::needs(facts).and_then(|n| n.net.as_ref()) else {
            return Vec::new();
        };
        if !net.cgo_resolver {
            return Vec::new();
        }
        let target = ctx.target;
        // Info only: a target that does not say has nothing to report.
        if !go_runtime::knows(target, RuntimeFile::NsswitchConf) {
            return Vec::new();
        }
        let line = target.runtime_files.nsswitch_hosts.as_deref();
        let binary = ctx.binary.display_path.clone();
        let finding = match hosts_order(line) {
            HostsOrder::Default => {
                // Before Go 1.16 the order was DNS first: GO009 reports that.
                if go_runtime::release(facts).is_some_and(|r| r < (1, 16)) {
                    return Vec::new();
                }
                let what = if line.is_some() {
                    "has no hosts: line"
                } else {
                    "does not exist"
                };
                let msg = if line.is_some() { "no hosts: line" } else { "no /etc/nsswitch.conf" };
                Self::META
                    .finding(format!(
                        "host names are resolved by Go's own resolver in {} ({msg}): /etc/hosts, then DNS",
                        target.name
                    ))
                    .evidence("the cgo resolver (libc getaddrinfo) is compiled in", binary)
                    .evidence(
                        format!("{what}: Go reads /etc/hosts, then DNS; glibc's default is \"dns [!UNAVAIL=return] files\", so C programs here may resolve names differently"),
                        "/etc/nsswitch.conf",
                    )
                    .fix(
                        "For the same answers from Go and C programs, add an nsswitch.conf with files before dns",
                        vec![go_runtime::write_line(
                            target,
                            "/etc/nsswitch.conf",
                            "hosts: files dns",
                            false,
                        )],
                    )
            }
            HostsOrder::Cgo(sources) => {
                let line = line.unwrap_or_default();
                let modules: Vec<String> = sources
                    .iter()
                    .filter(|s| !s.contains(' '))
                    .map(|s| format!("libnss_{s}.so.2"))
                    .collect();
                let mut evidence = format!("hosts: {line}: Go hands every lookup to libc because of {}", sources.join(", "));
                if !modules.is_empty() {
                    evidence.push_str(&format!(
                        "; libc loads {} from the target and skips a module that is missing",
                        modules.join(", ")
                    ));
                }
                Self::META
                    .finding(format!(
                        "host names are resolved by libc's getaddrinfo in {}: its nsswitch.conf names sources Go does not handle",
                        target.name
                    ))
                    .evidence("the cgo resolver (libc getaddrinfo) is compiled in", binary)
                    .evidence(evidence, "/etc/nsswitch.conf")
                    .fix(
                        "Nothing to fix if the target's NSS modules are what you want; to keep libc out of name resolution, build with -tags netgo",
                        crate::fixes::go_build_command(facts, &[], &["netgo"], &[])
                            .into_iter()
                            .collect(),
                    )
                    .rebuild(crate::fixes::GoChange::of(&[], &["netgo"], &[]))
            }
            HostsOrder::Unparsed => Self::META
                .finding(format!(
                    "host names are resolved by libc's getaddrinfo in {}: Go cannot parse its nsswitch.conf",
                    target.name
                ))
                .evidence("the cgo resolver (libc getaddrinfo) is compiled in", binary)
                .evidence(
                    format!("hosts: {}: not a line Go parses; it lets libc decide", line.unwrap_or_default()),
                    "/etc/nsswitch.conf",
                ),
            HostsOrder::GoResolver | HostsOrder::SomeNames(_) => return Vec::new(),
        };
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use whyrun_facts::go::NetNeeds;
    use whyrun_facts::Facts;
    use whyrun_target::model::{SourceKind, TargetModel};

    use super::*;
    use crate::testing::*;

    fn cgo_resolver() -> Facts {
        let mut facts = fixture("go124-nethello");
        let needs = &mut facts.go.as_mut().unwrap().symtab.as_mut().unwrap().needs;
        needs.net = Some(NetNeeds { cgo_resolver: true });
        needs.cgo = true;
        facts
    }

    fn go005(facts: &Facts, target: &TargetModel) -> Option<Finding> {
        run(facts, target, &resolution(Some(true)))
            .into_iter()
            .find(|f| f.code == "GO005")
    }

    #[test]
    fn orders_as_go_picks_them() {
        assert_eq!(hosts_order(None), HostsOrder::Default);
        assert_eq!(hosts_order(Some("")), HostsOrder::Default);
        assert_eq!(hosts_order(Some("files dns")), HostsOrder::GoResolver);
        assert_eq!(
            hosts_order(Some("dns [!UNAVAIL=return] files")),
            HostsOrder::Cgo(vec!["dns with non-default actions".into()])
        );
        assert_eq!(
            hosts_order(Some("files [NOTFOUND=return]")),
            HostsOrder::GoResolver
        );
        assert_eq!(
            hosts_order(Some(
                "files mymachines resolve [!UNAVAIL=return] dns myhostname"
            )),
            HostsOrder::Cgo(vec!["mymachines".into(), "resolve".into()])
        );
        assert!(matches!(
            hosts_order(Some("files mdns4_minimal [NOTFOUND=return] dns myhostname")),
            HostsOrder::SomeNames(v) if v.len() == 2
        ));
        assert_eq!(
            hosts_order(Some("files [NOTFOUND=return dns")),
            HostsOrder::Unparsed
        );
    }

    #[test]
    fn info_without_nsswitch_conf() {
        let mut target = debian12();
        target.source = SourceKind::Root;
        target.runtime_files.nsswitch_hosts = None;
        let f = go005(&cgo_resolver(), &target).expect("GO005");
        assert_eq!(f.severity, Severity::Info);
        assert!(!f.undecided);
        assert!(f.message.contains("Go's own resolver"));
    }

    #[test]
    fn info_when_libc_answers() {
        let mut target = debian12();
        target.runtime_files.nsswitch_hosts = Some("files mymachines dns".into());
        let f = go005(&cgo_resolver(), &target).expect("GO005");
        assert!(f.message.contains("getaddrinfo"));
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("libnss_mymachines.so.2")));
        assert!(f.fix.unwrap().commands[0].contains("-tags netgo"));
    }

    #[test]
    fn silent_for_go_resolver_binaries_and_plain_configs() {
        let mut target = debian12();
        target.runtime_files.nsswitch_hosts = None;
        target.source = SourceKind::Root;
        assert!(go005(&fixture("go124-nethello"), &target).is_none());
        assert!(go005(&cgo_resolver(), &debian12()).is_none());
        // A profile that does not say: nothing (info only).
        let mut target = debian12();
        target.runtime_files.nsswitch_hosts = None;
        assert!(go005(&cgo_resolver(), &target).is_none());
    }
}
