//! The files a program reads at run time without saying so, as Go's standard library
//! looks for them (FACTS.md, "What a static Go binary reads at run time"): the CA bundle
//! and directories of `crypto/x509` (`root_linux.go`, in its order), the zoneinfo
//! directories of `time` (`zoneinfo_unix.go`, in its order), `/etc/passwd` and
//! `/etc/group` parsed into users and groups (`os/user`), `nsswitch.conf`'s `hosts:` line,
//! `resolv.conf`, `/etc/hosts` and `/tmp`. Every read is bounded; a huge or broken file is
//! reported, never trusted.

use std::path::Path;

use crate::fs::{FileKind, FileView};
use crate::model::{Group, RuntimeFiles, User};

use super::read_small;

/// `crypto/x509` `certFiles`, in the order Go tries them.
pub const CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];
/// `crypto/x509` `certDirectories`.
pub const CA_DIRS: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];
/// `time` `platformZoneSources` (after `$ZONEINFO`), in Go's order.
pub const ZONEINFO_DIRS: &[&str] = &[
    "/usr/share/zoneinfo/",
    "/usr/share/lib/zoneinfo/",
    "/usr/lib/locale/TZ/",
    "/etc/zoneinfo",
];

/// Bound on passwd and group: far above a real system's, far below a hostile one's.
const MAX_ACCOUNTS_FILE: u64 = 4 << 20;
/// Bound on nsswitch.conf.
const MAX_NSSWITCH: u64 = 64 << 10;
/// At most this many users or groups are kept.
const MAX_ENTRIES: usize = 100_000;

pub(super) struct Runtime {
    pub files: RuntimeFiles,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

fn kind(view: &dyn FileView, path: &str) -> Option<FileKind> {
    view.metadata(Path::new(path)).ok().map(|m| m.kind)
}

pub(super) fn read(view: &dyn FileView, warnings: &mut Vec<String>) -> Runtime {
    let mut f = RuntimeFiles {
        ca_bundle: CA_BUNDLES
            .iter()
            .find(|p| kind(view, p) == Some(FileKind::File))
            .map(|p| p.to_string()),
        ca_dirs: CA_DIRS
            .iter()
            .filter(|d| {
                kind(view, d) == Some(FileKind::Dir)
                    && view
                        .read_dir(Path::new(d))
                        .is_ok_and(|entries| !entries.is_empty())
            })
            .map(|d| d.to_string())
            .collect(),
        zoneinfo: ZONEINFO_DIRS
            .iter()
            .find(|d| {
                let base = d.trim_end_matches('/');
                kind(view, &format!("{base}/UTC")) == Some(FileKind::File)
                    || kind(view, &format!("{base}/Etc/UTC")) == Some(FileKind::File)
            })
            .map(|d| d.to_string()),
        resolv_conf: kind(view, "/etc/resolv.conf") == Some(FileKind::File),
        etc_hosts: kind(view, "/etc/hosts") == Some(FileKind::File),
        tmp: kind(view, "/tmp") == Some(FileKind::Dir),
        ..RuntimeFiles::default()
    };

    let mut users = Vec::new();
    f.passwd = kind(view, "/etc/passwd") == Some(FileKind::File);
    if f.passwd {
        match read_small(view, "/etc/passwd", MAX_ACCOUNTS_FILE) {
            Ok(Some(b)) => users = parse_passwd(&String::from_utf8_lossy(&b)),
            Ok(None) => {}
            Err(e) => warnings.push(e),
        }
    }
    let mut groups = Vec::new();
    f.group = kind(view, "/etc/group") == Some(FileKind::File);
    if f.group {
        match read_small(view, "/etc/group", MAX_ACCOUNTS_FILE) {
            Ok(Some(b)) => groups = parse_group(&String::from_utf8_lossy(&b)),
            Ok(None) => {}
            Err(e) => warnings.push(e),
        }
    }
    match read_small(view, "/etc/nsswitch.conf", MAX_NSSWITCH) {
        Ok(Some(b)) => {
            let text = String::from_utf8_lossy(&b);
            let line = |database: &str| {
                text.lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim())
                    .find_map(|l| l.strip_prefix(database))
                    .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default()
            };
            f.nsswitch_hosts = Some(line("hosts:"));
            f.nsswitch_passwd = Some(line("passwd:"));
        }
        Ok(None) => {}
        Err(e) => warnings.push(e),
    }
    Runtime {
        files: f,
        users,
        groups,
    }
}

/// `name:password:uid:gid:gecos:home:shell` lines; malformed lines are skipped.
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with(['#', '+', '-']) {
                return None;
            }
            Some(User {
                name: f[0].to_string(),
                uid: f[2].trim().parse().ok()?,
                gid: f[3].trim().parse().ok()?,
                home: f[5].to_string(),
                shell: f[6].to_string(),
            })
        })
        .take(MAX_ENTRIES)
        .collect()
}

/// `name:password:gid:member,member` lines; malformed lines are skipped.
pub fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 || f[0].is_empty() || f[0].starts_with(['#', '+', '-']) {
                return None;
            }
            Some(Group {
                name: f[0].to_string(),
                gid: f[2].trim().parse().ok()?,
                members: f[3]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect(),
            })
        })
        .take(MAX_ENTRIES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd() {
        let u = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\nbad line\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nx:x:notanumber:0:::\n",
        );
        assert_eq!(u.len(), 2);
        assert_eq!(u[1].uid, 65534);
        assert_eq!(u[0].shell, "/bin/bash");
    }

    #[test]
    fn group() {
        let g = parse_group("root:x:0:\nsudo:x:27:alice, bob\n:::\n");
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].members, ["alice", "bob"]);
    }
}
