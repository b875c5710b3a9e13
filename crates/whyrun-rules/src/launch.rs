//! The launch subject: how a program is started on a target (a systemd unit, or the
//! plain `--user`, `--port`, `--reads`, `--writes` flags), read into plain data with the
//! file and line of every setting, plus the two models the LAUNCH rules share: the
//! capabilities a process ends up with after systemd's set-up and `execve`, and the
//! read-only view systemd's file-system sandboxing gives it. Nothing here reads a file.

use crate::access::{FileMode, RunAs};

/// A value and where it was set (`/etc/systemd/system/app.service:7`, `--port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set<T> {
    pub value: T,
    pub at: String,
}

/// A path setting that names something that must exist (`WorkingDirectory=`,
/// `EnvironmentFile=`): `-` makes a missing one fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSetting {
    pub path: String,
    pub optional: bool,
    pub exists: bool,
    pub at: String,
}

/// A user or group named by the unit, and whether the target's passwd/group has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub found: bool,
    pub at: String,
}

/// The program the unit starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// As written in `ExecStart=` (specifiers resolved), or the BINARY argument.
    pub written: String,
    pub at: String,
    /// Where it was found: its path, its mode, and every directory on the way from `/`
    /// with its mode (`None` when the target gives no mode).
    pub found: Option<ExecFile>,
    /// Where it was looked for when not found.
    pub searched: Vec<String>,
    /// `+`, `!` or `!!`: the process keeps full privileges.
    pub privileged: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecFile {
    pub path: String,
    pub file: Option<FileMode>,
    pub dirs: Vec<(String, FileMode)>,
    pub is_regular: bool,
}

/// A port the program listens on, and how that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub port: u16,
    /// `--port`, `ExecStart argument --addr :80`, `Environment= PORT=80`.
    pub how: String,
    pub at: String,
}

/// The capability settings of a unit (systemd.exec(5), "Capabilities" and "Security").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `AmbientCapabilities=` after every assignment (`CAP_NET_BIND_SERVICE`, …).
    pub ambient: Vec<String>,
    pub ambient_at: Option<String>,
    /// `CapabilityBoundingSet=`: `None` when never set (all capabilities).
    pub bounding: Option<Vec<String>>,
    pub bounding_at: Option<String>,
    pub no_new_privileges: Option<Set<bool>>,
}

impl Capabilities {
    fn in_bounding(&self, cap: &str) -> bool {
        self.bounding
            .as_ref()
            .is_none_or(|b| b.iter().any(|c| c == cap))
    }

    /// Whether a process of this unit run as `uid` has `cap` effective after `execve`.
    ///
    /// The kernel (capabilities(7), "Transformation of capabilities during execve()"):
    /// root gets P'(permitted) = P(inheritable) | P(bounding) and effective = permitted
    /// (no file capabilities needed), so root has what the bounding set holds; a non-root
    /// user gets P'(ambient) and, without file capabilities, P'(effective) = P'(ambient).
    /// systemd (src/core/execute.c, exec_child) drops the bounding set first
    /// (capability_bounding_set_drop), then raises the ambient set; an ambient capability
    /// outside the bounding set can no longer be raised and is dropped without an error
    /// (the program starts; its bind fails). `NoNewPrivileges=` does not remove ambient
    /// capabilities (PR_SET_NO_NEW_PRIVS only stops execve from granting new ones through
    /// set-user-ID bits and file capabilities). File capabilities are not modelled here.
    pub fn effective(&self, cap: &str, uid: u32) -> bool {
        if !self.in_bounding(cap) {
            return false;
        }
        uid == 0 || self.ambient.iter().any(|c| c == cap)
    }

    /// Whether `cap` is in the ambient set but the bounding set drops it.
    pub fn ambient_dropped(&self, cap: &str) -> bool {
        self.ambient.iter().any(|c| c == cap) && !self.in_bounding(cap)
    }
}

/// systemd's file-system sandboxing of the unit (systemd.exec(5), "Sandboxing").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sandbox {
    /// `ProtectSystem=`: `yes`, `full`, `strict` (or `no`).
    pub protect_system: Option<Set<String>>,
    /// `ProtectHome=`: `yes`, `read-only`, `tmpfs` (or `no`).
    pub protect_home: Option<Set<String>>,
    pub read_only: Vec<Set<String>>,
    pub read_write: Vec<Set<String>>,
    /// `StateDirectory=`, `CacheDirectory=`, `LogsDirectory=`, `RuntimeDirectory=` as
    /// absolute paths: created by systemd and writable whatever else is set.
    pub managed: Vec<Set<String>>,
}

/// Why a write to a path fails under the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The setting that makes the path read-only or hidden, where it was set.
    pub by: String,
    pub at: String,
    /// `read-only file system` (EROFS) or `no such file or directory` (ENOENT).
    pub errno: &'static str,
}

fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

impl Sandbox {
    /// What a write to `path` meets. The most specific (longest) matching path wins, as
    /// systemd orders its mounts by path depth (src/core/namespace.c, mount_path_compare);
    /// `ReadWritePaths=` and the managed directories make a path under a read-only tree
    /// writable again.
    ///
    /// `ProtectSystem=yes` makes /usr, /boot and /efi read-only, `full` also /etc, `strict`
    /// "the entire file system hierarchy … except for the API file system subtrees
    /// /dev/, /proc/ and /sys/"; `ProtectHome=yes` makes /home, /root and /run/user
    /// "inaccessible and empty", `read-only` read-only, `tmpfs` a writable empty tmpfs
    /// (systemd.exec(5)).
    pub fn write_blocked(&self, path: &str) -> Option<Blocked> {
        // (depth of the rule's path, blocked or not)
        let mut best: Option<(usize, Option<Blocked>)> = None;
        let mut consider = |dir: &str, outcome: Option<Blocked>| {
            if !under(path, dir) {
                return;
            }
            let depth = dir.trim_end_matches('/').len();
            if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
                best = Some((depth, outcome));
            }
        };
        if let Some(ps) = &self.protect_system {
            let ro: &[&str] = match ps.value.as_str() {
                "yes" | "true" | "on" | "1" => &["/usr", "/boot", "/efi"],
                "full" => &["/usr", "/boot", "/efi", "/etc"],
                "strict" => &["/"],
                _ => &[],
            };
            for d in ro {
                consider(
                    d,
                    Some(Blocked {
                        by: format!("ProtectSystem={}", ps.value),
                        at: ps.at.clone(),
                        errno: "read-only file system",
                    }),
                );
            }
            if ps.value == "strict" {
                for d in ["/dev", "/proc", "/sys"] {
                    consider(d, None);
                }
            }
        }
        if let Some(ph) = &self.protect_home {
            let errno = match ph.value.as_str() {
                "yes" | "true" | "on" | "1" => Some("no such file or directory"),
                "read-only" => Some("read-only file system"),
                "tmpfs" => None,
                _ => Some(""),
            };
            if errno != Some("") {
                for d in ["/home", "/root", "/run/user"] {
                    consider(
                        d,
                        errno.map(|errno| Blocked {
                            by: format!("ProtectHome={}", ph.value),
                            at: ph.at.clone(),
                            errno,
                        }),
                    );
                }
            }
        }
        for ro in &self.read_only {
            consider(
                &ro.value,
                Some(Blocked {
                    by: format!("ReadOnlyPaths={}", ro.value),
                    at: ro.at.clone(),
                    errno: "read-only file system",
                }),
            );
        }
        for rw in self.read_write.iter().chain(&self.managed) {
            consider(&rw.value, None);
        }
        best.and_then(|(_, b)| b)
    }
}

/// A file the program reads, with what the permission check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPath {
    pub path: String,
    /// The file's mode and owner; `None` when it does not exist in the target.
    pub file: Option<FileMode>,
    /// Every directory from `/` down to the file's parent, with its mode.
    pub dirs: Vec<(String, FileMode)>,
    /// The name of the file's group in the target's /etc/group.
    pub group_name: Option<String>,
}

/// How a program is launched on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchSubject {
    pub target: String,
    /// The unit (`app.service`) and the files read for it; `None` for plain flags.
    pub unit: Option<(String, Vec<String>)>,
    pub user: Option<Account>,
    pub group: Option<Account>,
    pub supplementary: Vec<Account>,
    /// `DynamicUser=yes`: systemd allocates the user, so `User=` need not exist.
    pub dynamic_user: bool,
    /// Who the program runs as: resolved uid, gid and groups (with `SupplementaryGroups=`).
    pub run_as: RunAs,
    pub exec: Option<Exec>,
    pub working_directory: Option<PathSetting>,
    pub environment_files: Vec<PathSetting>,
    pub ports: Vec<Port>,
    pub caps: Capabilities,
    pub sandbox: Sandbox,
    pub writes: Vec<Set<String>>,
    pub reads: Vec<Set<ReadPath>>,
    /// `net.ipv4.ip_unprivileged_port_start` of the network namespace, and where it comes
    /// from.
    pub unprivileged_port_start: Set<u16>,
    /// A container's launch (image config, `--runtime`, a manifest or Compose file): the
    /// LAUNCH rules judge it with what its runtime really gives it.
    pub container: Option<crate::container::Container>,
}

impl LaunchSubject {
    /// The unit's name, or `the program` for plain flags.
    pub fn what(&self) -> String {
        match (&self.unit, &self.container) {
            (Some((name, _)), _) => name.clone(),
            (None, Some(c)) => format!("the container ({})", c.origin),
            (None, None) => "the program".into(),
        }
    }

    /// The location of the unit's main file, or the target.
    pub fn unit_file(&self) -> String {
        match &self.unit {
            Some((_, files)) => files.first().cloned().unwrap_or_default(),
            None => self.target.clone(),
        }
    }
}

/// `/a/b/c` → `["/", "/a", "/a/b"]`: the directories a lookup of the path searches.
pub fn parents(path: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut cur = String::new();
    for p in parts.iter().take(parts.len().saturating_sub(1)) {
        cur.push('/');
        cur.push_str(p);
        out.push(cur.clone());
    }
    out
}

/// A unit run as root with nothing set, for the rules' tests.
#[cfg(test)]
pub(crate) fn sample() -> LaunchSubject {
    LaunchSubject {
        target: "root".into(),
        unit: Some((
            "app.service".into(),
            vec!["/etc/systemd/system/app.service".into()],
        )),
        user: None,
        group: None,
        supplementary: Vec::new(),
        dynamic_user: false,
        run_as: RunAs {
            spec: "root".into(),
            source: "User=",
            name: Some("root".into()),
            uid: Some(0),
            gid: Some(0),
            groups: Vec::new(),
        },
        exec: None,
        working_directory: None,
        environment_files: Vec::new(),
        ports: Vec::new(),
        caps: Capabilities::default(),
        sandbox: Sandbox::default(),
        writes: Vec::new(),
        reads: Vec::new(),
        unprivileged_port_start: Set {
            value: 1024,
            at: "kernel default".into(),
        },
        container: None,
    }
}

/// `app (uid 1000, gid 1000)`, for the rules' tests.
#[cfg(test)]
pub(crate) fn app_user() -> RunAs {
    RunAs {
        spec: "app".into(),
        source: "User=",
        name: Some("app".into()),
        uid: Some(1000),
        gid: Some(1000),
        groups: Vec::new(),
    }
}

/// A setting read at line 1 of unit `u`.
#[cfg(test)]
pub(crate) fn set(v: &str) -> Set<String> {
    Set {
        value: v.into(),
        at: "u:1".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambient_outside_the_bounding_set_is_dropped() {
        let mut c = Capabilities {
            ambient: vec!["CAP_NET_BIND_SERVICE".into()],
            ..Default::default()
        };
        assert!(c.effective("CAP_NET_BIND_SERVICE", 1000));
        c.bounding = Some(vec!["CAP_CHOWN".into()]);
        assert!(!c.effective("CAP_NET_BIND_SERVICE", 1000));
        assert!(!c.effective("CAP_NET_BIND_SERVICE", 0));
        assert!(c.ambient_dropped("CAP_NET_BIND_SERVICE"));
        let none = Capabilities::default();
        assert!(none.effective("CAP_NET_BIND_SERVICE", 0));
        assert!(!none.effective("CAP_NET_BIND_SERVICE", 1000));
    }

    #[test]
    fn the_most_specific_sandbox_path_wins() {
        let s = Sandbox {
            protect_system: Some(set("strict")),
            read_write: vec![set("/var/lib/app")],
            managed: vec![set("/var/log/app")],
            ..Default::default()
        };
        assert_eq!(
            s.write_blocked("/var/lib/other/x").unwrap().errno,
            "read-only file system"
        );
        assert!(s.write_blocked("/var/lib/app/db").is_none());
        assert!(s.write_blocked("/var/log/app/a.log").is_none());
        assert!(s.write_blocked("/dev/null").is_none());
        let full = Sandbox {
            protect_system: Some(set("full")),
            read_only: vec![set("/srv/data")],
            protect_home: Some(set("yes")),
            ..Default::default()
        };
        assert!(full.write_blocked("/etc/app.conf").is_some());
        assert!(full.write_blocked("/var/lib/x").is_none());
        assert!(full.write_blocked("/srv/data/x").is_some());
        assert_eq!(
            full.write_blocked("/home/a/x").unwrap().errno,
            "no such file or directory"
        );
    }

    #[test]
    fn parents_of_a_path() {
        assert_eq!(parents("/a/b/c"), ["/", "/a", "/a/b"]);
        assert_eq!(parents("/c"), ["/"]);
    }
}
