//! The launch subject: how a program is started on a target (a systemd unit, or the
//! plain `--user`, `--port`, `--reads`, `--writes` flags), read into plain data with the
//! file and line of every setting, plus the two models the LAUNCH rules share: the
//! capabilities a process ends up with after systemd's set-up and `execve`, and the
//! read-only view systemd's file-system sandboxing gives it. Nothing here reads a file.

use crate::access::{FileMode, RunAs};
pub use whyrun_target::apparmor::Profile as AppArmorProfile;
pub use whyrun_target::filecaps::FileCaps;

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

/// A path a mount-namespace setting names (`ReadWritePaths=/srv/app`), and whether it
/// exists in the target; `-` makes a missing one fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespacePath {
    /// The setting: `ReadWritePaths`, `BindPaths`, ….
    pub key: String,
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

/// A program the unit starts: its `ExecStart=`, or an `ExecStartPre=` run before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// `ExecStart` or `ExecStartPre`.
    pub key: &'static str,
    /// As written in the setting (specifiers resolved), or the BINARY argument.
    pub written: String,
    pub at: String,
    /// Where it was found: its path, its mode, and every directory on the way from `/`
    /// with its mode (`None` when the target gives no mode).
    pub found: Option<ExecFile>,
    /// Where it was looked for when not found.
    pub searched: Vec<String>,
    /// `+`, `!` or `!!`: the process keeps full privileges.
    pub privileged: bool,
    /// `-`: a failure of this command is recorded and ignored (systemd.service(5),
    /// "Command lines").
    pub ignore_failure: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecFile {
    pub path: String,
    pub file: Option<FileMode>,
    pub dirs: Vec<(String, FileMode)>,
    pub is_regular: bool,
    /// Its file capabilities (`security.capability`); `None` when it has none or the
    /// target cannot tell.
    pub caps: Option<FileCaps>,
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
    /// A setting that implies `NoNewPrivileges=yes` for a non-root user
    /// (`RestrictAddressFamilies=`, `SystemCallFilter=`, `DynamicUser=`, …).
    pub no_new_privileges_implied_by: Option<Set<String>>,
}

impl Capabilities {
    fn in_bounding(&self, cap: &str) -> bool {
        self.bounding
            .as_ref()
            .is_none_or(|b| b.iter().any(|c| c == cap))
    }

    /// The setting that turns on `PR_SET_NO_NEW_PRIVS` for a process run as `uid`, and
    /// where it is: `NoNewPrivileges=yes`, or for a user other than root one of the
    /// settings systemd implements with seccomp, which need it (systemd.exec(5): "If
    /// running … in system mode, but without the CAP_SYS_ADMIN capability (e.g. setting
    /// User=), NoNewPrivileges=yes is implied"; src/core/execute.c,
    /// context_has_no_new_privileges()).
    pub fn no_new_privileges(&self, uid: u32) -> Option<(String, String)> {
        match &self.no_new_privileges {
            Some(Set { value: true, at }) => Some(("NoNewPrivileges=yes".into(), at.clone())),
            _ if uid != 0 => self
                .no_new_privileges_implied_by
                .as_ref()
                .map(|s| (s.value.clone(), s.at.clone())),
            _ => None,
        }
    }

    /// Whether a process of this unit run as `uid` has `cap` effective after `execve` of
    /// a program with the file capabilities `file`.
    ///
    /// The kernel (capabilities(7), "Transformation of capabilities during execve()";
    /// security/commoncap.c, cap_bprm_creds_from_file()): root gets P'(permitted) =
    /// P(inheritable) | P(bounding) and effective = permitted, so root has what the
    /// bounding set holds. Another user without file capabilities gets P'(ambient) and
    /// P'(effective) = P'(ambient). A file with capabilities clears the ambient set and
    /// gives P'(permitted) = (P(bounding) & F(permitted)) | (P(inheritable) &
    /// F(inheritable)), effective only with the file's effective flag; under
    /// `PR_SET_NO_NEW_PRIVS` the new permitted set is cut to what the process had
    /// before (its ambient capabilities, which systemd also makes inheritable and
    /// permitted). systemd (src/core/execute.c, exec_child) drops the bounding set first
    /// (capability_bounding_set_drop), then raises the ambient set; an ambient capability
    /// outside the bounding set can no longer be raised and is dropped without an error
    /// (the program starts; its bind fails). `NoNewPrivileges=` does not remove ambient
    /// capabilities.
    pub fn effective(&self, cap: &str, uid: u32, file: Option<&FileCaps>) -> bool {
        if !self.in_bounding(cap) {
            return false;
        }
        if uid == 0 {
            return true;
        }
        let ambient = self.ambient.iter().any(|c| c == cap);
        let Some(f) = file else {
            return ambient;
        };
        let mut permitted = f.permitted.iter().any(|c| c == cap)
            || (ambient && f.inheritable.iter().any(|c| c == cap));
        if self.no_new_privileges(uid).is_some() {
            permitted &= ambient;
        }
        f.effective && permitted
    }

    /// The file capabilities the kernel refuses to execute the program with: with the
    /// effective flag set, every capability of the file's permitted set must end up
    /// permitted, and one outside the bounding set (and not inheritable) does not, so
    /// `execve` fails with `EPERM` (security/commoncap.c, bprm_caps_from_vfs_caps():
    /// "insufficient to execute correctly"; capabilities(7), "Safety checking for
    /// capability-dumb binaries"). This holds for root too.
    pub fn refused_file_caps(&self, file: &FileCaps) -> Vec<String> {
        if !file.effective {
            return Vec::new();
        }
        file.permitted
            .iter()
            .filter(|c| {
                let inherited = self.ambient.contains(c) && file.inheritable.contains(c);
                !(self.in_bounding(c) || inherited)
            })
            .cloned()
            .collect()
    }

    /// Whether `cap` is in the ambient set but the bounding set drops it.
    pub fn ambient_dropped(&self, cap: &str) -> bool {
        self.ambient.iter().any(|c| c == cap) && !self.in_bounding(cap)
    }
}

/// `RestrictAddressFamilies=` after every assignment (systemd.exec(5)): an allow-list,
/// or (with `~`) a deny-list; the process's `socket(2)` of another family fails with
/// `EAFNOSUPPORT` (a seccomp filter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressFamilies {
    pub allow: bool,
    pub families: Vec<String>,
    pub at: String,
}

impl AddressFamilies {
    /// Whether `socket(family, …)` is refused.
    pub fn refuses(&self, family: &str) -> bool {
        self.families.iter().any(|f| f == family) != self.allow
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
    /// `TemporaryFileSystem=`: an empty tmpfs over each path.
    pub temporary: Vec<Set<String>>,
    /// `NoExecPaths=` and `ExecPaths=`: mounted `noexec`, and exempt from it.
    pub no_exec: Vec<Set<String>>,
    pub exec: Vec<Set<String>>,
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

/// The directories `ProtectHome=` covers.
const HOME_DIRS: [&str; 3] = ["/home", "/root", "/run/user"];

/// The outcome of the deepest rule whose directory holds a path: systemd orders the mounts
/// of a unit's namespace by path depth (src/core/namespace.c, mount_path_compare), so
/// the most specific one is what the process sees; of two at the same depth the later
/// one wins.
struct Deepest<'a> {
    path: &'a str,
    best: Option<(usize, Option<Blocked>)>,
}

impl<'a> Deepest<'a> {
    fn new(path: &'a str) -> Self {
        Deepest { path, best: None }
    }

    /// A rule: `dir` makes the path `outcome` (`None`: usable).
    fn consider(&mut self, dir: &str, outcome: Option<Blocked>) {
        if !under(self.path, dir) {
            return;
        }
        let depth = dir.trim_end_matches('/').len();
        if self.best.as_ref().is_none_or(|(d, _)| depth >= *d) {
            self.best = Some((depth, outcome));
        }
    }

    /// A rule that blocks: `by` (set at `at`) makes paths under `dir` fail with `errno`.
    fn block(&mut self, dir: &str, by: String, at: &str, errno: &'static str) {
        self.consider(
            dir,
            Some(Blocked {
                by,
                at: at.to_string(),
                errno,
            }),
        );
    }

    fn outcome(self) -> Option<Blocked> {
        self.best.and_then(|(_, b)| b)
    }
}

impl Sandbox {
    /// What a write to `path` meets. The most specific (longest) matching path wins;
    /// `ReadWritePaths=` and the managed directories make a path under a read-only tree
    /// writable again.
    ///
    /// `ProtectSystem=yes` makes /usr, /boot and /efi read-only, `full` also /etc, `strict`
    /// "the entire file system hierarchy … except for the API file system subtrees
    /// /dev/, /proc/ and /sys/"; `ProtectHome=yes` makes /home, /root and /run/user
    /// "inaccessible and empty", `read-only` read-only, `tmpfs` a writable empty tmpfs
    /// (systemd.exec(5)).
    pub fn write_blocked(&self, path: &str) -> Option<Blocked> {
        let mut d = Deepest::new(path);
        if let Some(ps) = &self.protect_system {
            let ro: &[&str] = match ps.value.as_str() {
                "yes" | "true" | "on" | "1" => &["/usr", "/boot", "/efi"],
                "full" => &["/usr", "/boot", "/efi", "/etc"],
                "strict" => &["/"],
                _ => &[],
            };
            for dir in ro {
                let by = format!("ProtectSystem={}", ps.value);
                d.block(dir, by, &ps.at, "read-only file system");
            }
            if ps.value == "strict" {
                for dir in ["/dev", "/proc", "/sys"] {
                    d.consider(dir, None);
                }
            }
        }
        if let Some(ph) = &self.protect_home {
            let errno = match ph.value.as_str() {
                "yes" | "true" | "on" | "1" => Some(Some("no such file or directory")),
                "read-only" => Some(Some("read-only file system")),
                "tmpfs" => Some(None),
                _ => None,
            };
            if let Some(errno) = errno {
                for dir in HOME_DIRS {
                    match errno {
                        Some(e) => d.block(dir, format!("ProtectHome={}", ph.value), &ph.at, e),
                        None => d.consider(dir, None),
                    }
                }
            }
        }
        for ro in &self.read_only {
            let by = format!("ReadOnlyPaths={}", ro.value);
            d.block(&ro.value, by, &ro.at, "read-only file system");
        }
        for rw in self.read_write.iter().chain(&self.managed) {
            d.consider(&rw.value, None);
        }
        d.outcome()
    }

    /// What an `execve` of `path` meets: hidden by `ProtectHome=yes|tmpfs` or
    /// `TemporaryFileSystem=` (`ENOENT`), or under a `NoExecPaths=` not undone by a
    /// deeper `ExecPaths=` (`EACCES`). The deepest matching path wins, as for writes.
    pub fn exec_blocked(&self, path: &str) -> Option<Blocked> {
        let mut d = Deepest::new(path);
        if let Some(ph) = &self.protect_home {
            if matches!(ph.value.as_str(), "yes" | "true" | "on" | "1" | "tmpfs") {
                for dir in HOME_DIRS {
                    let by = format!("ProtectHome={}", ph.value);
                    d.block(dir, by, &ph.at, "no such file or directory");
                }
            }
        }
        for t in &self.temporary {
            let dir = t.value.split(':').next().unwrap_or_default();
            let by = format!("TemporaryFileSystem={}", t.value);
            d.block(dir, by, &t.at, "no such file or directory");
        }
        for n in &self.no_exec {
            let by = format!("NoExecPaths={}", n.value);
            d.block(&n.value, by, &n.at, "permission denied");
        }
        for e in &self.exec {
            d.consider(&e.value, None);
        }
        d.outcome()
    }
}

/// SELinux on the target, and the program's label against what the policy gives its
/// path. Read from the target's files (`/etc/selinux/config`, `file_contexts`, the
/// `security.selinux` attribute): evidence from the policy, never a denial a live kernel
/// reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelinuxLabel {
    /// `enforcing`, `permissive` or `disabled`, and where it was set.
    pub mode: String,
    pub mode_at: String,
    /// `SELINUXTYPE=`: `targeted` (Fedora, RHEL and their rebuilds), `default` (Debian), ….
    pub policy: String,
    /// The program's path.
    pub path: String,
    /// Its own label (`system_u:object_r:user_home_t:s0`); `None` when it has none or
    /// the target cannot tell.
    pub label: Option<String>,
    /// The label the policy's file contexts give the path, and the specification's
    /// `FILE:LINE`.
    pub expected: Option<(String, String)>,
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
    /// `ExecStart=`.
    pub exec: Option<Exec>,
    /// `ExecStartPre=` commands, in order: each must succeed (unless `-`) before
    /// `ExecStart=` runs.
    pub exec_pre: Vec<Exec>,
    pub working_directory: Option<PathSetting>,
    pub environment_files: Vec<PathSetting>,
    pub ports: Vec<Port>,
    pub caps: Capabilities,
    pub sandbox: Sandbox,
    /// Paths the unit's mount namespace is built from (`ReadWritePaths=`,
    /// `ReadOnlyPaths=`, `InaccessiblePaths=`, `ExecPaths=`, `NoExecPaths=`, the sources of
    /// `BindPaths=` and `BindReadOnlyPaths=`): a missing one without `-` stops the start.
    pub namespace_paths: Vec<NamespacePath>,
    /// `RestrictAddressFamilies=`; `None` when not set.
    pub address_families: Option<AddressFamilies>,
    /// The target's SELinux and the program's label; `None` without SELinux.
    pub selinux: Option<SelinuxLabel>,
    /// The AppArmor profile that confines the program (attached to its path, or named by
    /// `AppArmorProfile=`), read from the target's `/etc/apparmor.d`.
    pub apparmor: Option<AppArmorProfile>,
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
        exec_pre: Vec::new(),
        working_directory: None,
        environment_files: Vec::new(),
        ports: Vec::new(),
        caps: Capabilities::default(),
        sandbox: Sandbox::default(),
        namespace_paths: Vec::new(),
        address_families: None,
        selinux: None,
        apparmor: None,
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
        assert!(c.effective("CAP_NET_BIND_SERVICE", 1000, None));
        c.bounding = Some(vec!["CAP_CHOWN".into()]);
        assert!(!c.effective("CAP_NET_BIND_SERVICE", 1000, None));
        assert!(!c.effective("CAP_NET_BIND_SERVICE", 0, None));
        assert!(c.ambient_dropped("CAP_NET_BIND_SERVICE"));
        let none = Capabilities::default();
        assert!(none.effective("CAP_NET_BIND_SERVICE", 0, None));
        assert!(!none.effective("CAP_NET_BIND_SERVICE", 1000, None));
    }

    fn bind_ep() -> FileCaps {
        FileCaps {
            permitted: vec!["CAP_NET_BIND_SERVICE".into()],
            inheritable: Vec::new(),
            effective: true,
            root_uid: None,
        }
    }

    #[test]
    fn file_capabilities_grant_unless_no_new_privileges_or_the_bounding_set_refuse() {
        let cap = "CAP_NET_BIND_SERVICE";
        let mut c = Capabilities::default();
        assert!(c.effective(cap, 1000, Some(&bind_ep())));
        assert!(c.refused_file_caps(&bind_ep()).is_empty());
        c.no_new_privileges_implied_by = Some(set("RestrictAddressFamilies=AF_INET"));
        assert!(!c.effective(cap, 1000, Some(&bind_ep())));
        assert!(c.effective(cap, 0, Some(&bind_ep())));
        c.no_new_privileges_implied_by = None;
        c.bounding = Some(vec!["CAP_CHOWN".into()]);
        assert_eq!(c.refused_file_caps(&bind_ep()), [cap]);
        let not_effective = FileCaps {
            effective: false,
            ..bind_ep()
        };
        assert!(c.refused_file_caps(&not_effective).is_empty());
        assert!(!Capabilities::default().effective(cap, 1000, Some(&not_effective)));
    }

    #[test]
    fn exec_under_hidden_or_noexec_paths() {
        let s = Sandbox {
            protect_home: Some(set("yes")),
            no_exec: vec![set("/opt")],
            exec: vec![set("/opt/app/bin")],
            temporary: vec![set("/srv:ro")],
            ..Default::default()
        };
        assert_eq!(
            s.exec_blocked("/home/app/server").unwrap().errno,
            "no such file or directory"
        );
        assert_eq!(
            s.exec_blocked("/opt/app/server").unwrap().errno,
            "permission denied"
        );
        assert!(s.exec_blocked("/opt/app/bin/server").is_none());
        assert!(s.exec_blocked("/srv/x").is_some());
        assert!(s.exec_blocked("/usr/bin/x").is_none());
        let ro = Sandbox {
            protect_home: Some(set("read-only")),
            ..Default::default()
        };
        assert!(ro.exec_blocked("/home/app/server").is_none());
    }

    #[test]
    fn address_family_lists() {
        let allow = AddressFamilies {
            allow: true,
            families: vec!["AF_UNIX".into()],
            at: "u:1".into(),
        };
        assert!(allow.refuses("AF_INET"));
        assert!(!allow.refuses("AF_UNIX"));
        let deny = AddressFamilies {
            allow: false,
            families: vec!["AF_INET6".into()],
            at: "u:1".into(),
        };
        assert!(deny.refuses("AF_INET6"));
        assert!(!deny.refuses("AF_INET"));
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
