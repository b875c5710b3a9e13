//! LAUNCH009: the program listens on a TCP port but `RestrictAddressFamilies=` refuses
//! both IPv4 and IPv6 sockets.

use crate::finding::{Finding, Severity};
use crate::launch::LaunchSubject;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A port the program listens on (`--port N`, or learned from the unit as LAUNCH005
    /// learns it) while the unit's `RestrictAddressFamilies=` allows neither `AF_INET` nor
    /// `AF_INET6` (an allow-list without both, such as `AF_UNIX`, or a `~` list naming
    /// both). One of the two is enough for a Go server: Go asks for an IPv6 socket for
    /// `:8080` and falls back to IPv4 when IPv6 sockets are refused.
    ///
    /// ## Why it breaks
    /// systemd installs a seccomp filter that makes `socket(2)` fail with `EAFNOSUPPORT`
    /// for every family the setting does not allow. The program starts; its listen fails
    /// with `socket: address family not supported by protocol` and a server exits.
    ///
    /// ## Example
    /// ```text
    /// LAUNCH009 fails at run time  app.service: port 8080 needs an AF_INET or AF_INET6 socket, which RestrictAddressFamilies= refuses (socket: address family not supported by protocol)
    ///   · listens on port 8080: ExecStart argument --addr :8080  [/etc/systemd/system/app.service:6]
    ///   · RestrictAddressFamilies=AF_UNIX  [/etc/systemd/system/app.service:5]
    ///   fix Allow the internet families the server listens on
    ///       RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
    /// ```
    ///
    /// ## Fix
    /// Add `AF_INET AF_INET6` to the allow-list (or remove them from a `~` list).
    ///
    /// ## References
    /// - systemd.exec(5), `RestrictAddressFamilies=`: "socket(2) … fails with
    ///   EAFNOSUPPORT" for families not allowed.
    /// - Go src/net/ipsock_posix.go, `favoriteAddrFamily()` and the IPv6 probe in
    ///   `ipStackCapabilities`: a wildcard listen uses IPv6 when IPv6 sockets work, IPv4
    ///   otherwise.
    pub struct LaunchAddressFamilyRestricted {
        code: "LAUNCH009",
        name: "address-family-restricted",
        family: Family::Launch,
        subject: Subject::Launch,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "A server under RestrictAddressFamilies= without AF_INET or AF_INET6 (address family not supported by protocol)",
    }
}

impl LaunchAddressFamilyRestricted {
    pub fn run(s: &LaunchSubject) -> Vec<Finding> {
        let Some(families) = &s.address_families else {
            return Vec::new();
        };
        if !(families.refuses("AF_INET") && families.refuses("AF_INET6")) {
            return Vec::new();
        }
        if s.exec.as_ref().is_some_and(|e| e.privileged) {
            return Vec::new();
        }
        let Some(p) = s.ports.first() else {
            return Vec::new();
        };
        let written = if families.allow {
            families.families.join(" ")
        } else {
            format!("~{}", families.families.join(" "))
        };
        let fixed = if families.allow {
            let mut f = families.families.clone();
            f.extend(["AF_INET".to_string(), "AF_INET6".to_string()]);
            f.join(" ")
        } else {
            let rest: Vec<&str> = families
                .families
                .iter()
                .map(String::as_str)
                .filter(|f| !matches!(*f, "AF_INET" | "AF_INET6"))
                .collect();
            if rest.is_empty() {
                String::new()
            } else {
                format!("~{}", rest.join(" "))
            }
        };
        vec![Self::META
            .finding(format!(
                "{}: port {} needs an AF_INET or AF_INET6 socket, which RestrictAddressFamilies= refuses (socket: address family not supported by protocol)",
                s.what(),
                p.port
            ))
            .evidence(
                format!("listens on port {}: {}", p.port, p.how),
                p.at.as_str(),
            )
            .evidence(format!("RestrictAddressFamilies={written}"), families.at.as_str())
            .fix(
                "Allow the internet families the server listens on",
                vec![format!("RestrictAddressFamilies={fixed}")],
            )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launch::{sample, AddressFamilies, Port};

    fn subject(allow: bool, families: &[&str]) -> LaunchSubject {
        let mut s = sample();
        s.ports.push(Port {
            port: 8080,
            how: "--port".into(),
            at: "--port".into(),
        });
        s.address_families = Some(AddressFamilies {
            allow,
            families: families.iter().map(|f| f.to_string()).collect(),
            at: "app.service:5".into(),
        });
        s
    }

    #[test]
    fn unix_only_refuses_a_server() {
        let f = LaunchAddressFamilyRestricted::run(&subject(true, &["AF_UNIX"]));
        assert!(f[0].fix.as_ref().unwrap().commands[0].contains("AF_UNIX AF_INET AF_INET6"));
        let f = LaunchAddressFamilyRestricted::run(&subject(false, &["AF_INET", "AF_INET6"]));
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn one_internet_family_or_no_port_is_fine() {
        assert!(
            LaunchAddressFamilyRestricted::run(&subject(true, &["AF_UNIX", "AF_INET"])).is_empty()
        );
        assert!(LaunchAddressFamilyRestricted::run(&subject(false, &["AF_INET6"])).is_empty());
        let mut s = subject(true, &["AF_UNIX"]);
        s.ports.clear();
        assert!(LaunchAddressFamilyRestricted::run(&s).is_empty());
    }
}
