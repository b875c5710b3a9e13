//! Who the binary runs as in the target, and what the kernel lets that user do with a
//! file: the identity (`--user`, else the target's default user, else root) resolved
//! against the target's users and groups the way container runtimes resolve `USER`; the
//! mode-bit check of `execve(2)`/`open(2)` (the kernel's `generic_permission`: owner bits,
//! else group bits, else other bits; root passes except that executing needs at least one
//! `x` bit); and the mount a path lies on. The FS rules share these; nothing here reads a
//! file or decides what a finding says.

use whyrun_target::model::{Mount, TargetModel};

use crate::context::CheckContext;

/// The user a binary runs as, as far as the target says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// As written (`nonroot`, `1000:1000`), or `root` when nothing names a user.
    pub spec: String,
    /// Where it came from: `--user`, `the target's default user`, `the default (root)`.
    pub source: &'static str,
    pub name: Option<String>,
    /// `None` when the name is not in the target's `/etc/passwd`.
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Supplementary groups: those of `/etc/group` that list the user.
    pub groups: Vec<u32>,
}

impl RunAs {
    /// The user the binary of `ctx` runs as.
    pub fn of_context(ctx: &CheckContext<'_>) -> RunAs {
        RunAs::of(ctx.options.run_as.as_deref(), ctx.target)
    }

    /// The user a program runs as in `target`: `run_as` (`--user`), else the target's
    /// default user, else root.
    pub fn of(run_as: Option<&str>, target: &TargetModel) -> RunAs {
        match (run_as, &target.default_user) {
            (Some(u), _) => RunAs::resolve(u, "--user", target),
            (None, Some(u)) => RunAs::resolve(u, "the target's default user", target),
            (None, None) => RunAs {
                spec: "root".into(),
                source: "the default (root)",
                name: Some("root".into()),
                uid: Some(0),
                gid: Some(0),
                groups: Vec::new(),
            },
        }
    }

    /// Resolves `user[:group]` (names or numbers) against the target's users and groups,
    /// as runc does for an image's `User`: a user found in `/etc/passwd` brings its primary
    /// group and the groups listing it; a bare number not found there runs with group 0.
    pub fn resolve(spec: &str, source: &'static str, target: &TargetModel) -> RunAs {
        let (user, group) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let numeric = user.parse::<u32>().ok();
        let entry = target
            .users
            .iter()
            .find(|u| numeric.map_or(u.name == user, |n| u.uid == n));
        let name = entry
            .map(|e| e.name.clone())
            .or_else(|| numeric.is_none().then(|| user.to_string()));
        let uid = entry.map(|e| e.uid).or(numeric);
        let mut gid = match entry {
            Some(e) => Some(e.gid),
            None if numeric.is_some() => Some(0),
            None => None,
        };
        if let Some(g) = group {
            gid = g
                .parse::<u32>()
                .ok()
                .or_else(|| target.groups.iter().find(|x| x.name == g).map(|x| x.gid));
        }
        let groups = match (&name, entry) {
            (Some(n), Some(_)) => target
                .groups
                .iter()
                .filter(|g| g.members.iter().any(|m| m == n))
                .map(|g| g.gid)
                .collect(),
            _ => Vec::new(),
        };
        RunAs {
            spec: spec.to_string(),
            source,
            name,
            uid,
            gid,
            groups,
        }
    }

    pub fn is_root(&self) -> bool {
        self.uid == Some(0)
    }

    /// `nonroot (uid 65532, gid 65532)`, `1000 (uid 1000, gid 0)`, `app (not in /etc/passwd)`.
    pub fn describe(&self) -> String {
        let name = self.name.clone().unwrap_or_else(|| self.spec.clone());
        match (self.uid, self.gid) {
            (Some(u), Some(g)) => format!("{name} (uid {u}, gid {g})"),
            (Some(u), None) => format!("{name} (uid {u})"),
            _ => format!("{name} (not in the target's /etc/passwd)"),
        }
    }
}

/// An access the kernel checks against mode bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    Read,
    Write,
    /// Execute for a file, search for a directory.
    Exec,
}

impl Perm {
    fn bit(self) -> u32 {
        match self {
            Perm::Read => 4,
            Perm::Write => 2,
            Perm::Exec => 1,
        }
    }
}

/// Which of a file's permission classes applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Root: CAP_DAC_OVERRIDE passes every check but executing a file with no `x` bit.
    Root,
    Owner,
    Group,
    Other,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Class::Root => "root",
            Class::Owner => "owner",
            Class::Group => "group",
            Class::Other => "others",
        }
    }
}

/// A file as the permission check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMode {
    /// Mode bits (the file type bits, if present, are ignored).
    pub mode: u32,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub is_dir: bool,
}

/// The result of a permission check: `allowed` is `None` when the target does not say
/// enough (the user's uid, the file's owner) to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: Option<bool>,
    /// The class whose bits decided, when known.
    pub class: Option<Class>,
}

/// Whether `who` may `perm` the file, as `generic_permission` decides: the owner's bits
/// if the user owns it (even when group or others have more), else the group's bits if
/// the user is in its group, else the others' bits. Root passes, except that executing a
/// regular file needs an `x` bit in some class.
pub fn decide(file: &FileMode, who: &RunAs, perm: Perm) -> Decision {
    let m = file.mode & 0o777;
    let bit = perm.bit();
    let owner = (m >> 6) & bit != 0;
    let group = (m >> 3) & bit != 0;
    let other = m & bit != 0;
    let root_allowed = perm != Perm::Exec || file.is_dir || m & 0o111 != 0;
    let decided = |allowed: bool, class: Class| Decision {
        allowed: Some(allowed),
        class: Some(class),
    };
    if who.is_root() {
        return decided(root_allowed, Class::Root);
    }
    let is_owner = match (who.uid, file.uid) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    let in_group = match (file.gid, who.gid) {
        (Some(g), _) if who.gid == Some(g) || who.groups.contains(&g) => Some(true),
        (Some(_), Some(_)) => Some(false),
        _ => None,
    };
    match (is_owner, in_group) {
        (Some(true), _) => decided(owner, Class::Owner),
        (Some(false), Some(true)) => decided(group, Class::Group),
        (Some(false), Some(false)) => decided(other, Class::Other),
        (Some(false), None) => Decision {
            allowed: (group == other).then_some(other),
            class: None,
        },
        // The owner is unknown: the owner's bits may apply, or the group's or the others'
        // (as far as membership is unknown), and root's when the uid is unknown too.
        (None, _) => {
            let mut outcomes = vec![owner];
            if in_group != Some(false) {
                outcomes.push(group);
            }
            if in_group != Some(true) {
                outcomes.push(other);
            }
            if who.uid.is_none() {
                outcomes.push(root_allowed);
            }
            let first = outcomes[0];
            Decision {
                allowed: outcomes.iter().all(|o| *o == first).then_some(first),
                class: None,
            }
        }
    }
}

/// `0644 (rw-r--r--)`.
pub fn mode_text(mode: u32) -> String {
    let m = mode & 0o7777;
    let sym: String = (0..9)
        .map(|i| {
            let on = m & (0o400 >> i) != 0;
            match (on, i % 3) {
                (false, _) => '-',
                (true, 0) => 'r',
                (true, 1) => 'w',
                (true, _) => 'x',
            }
        })
        .collect();
    format!("{m:04o} ({sym})")
}

/// `path` with `.`, `..` and repeated slashes resolved lexically (symbolic links are not
/// followed: the target model holds no file tree).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` is `dir` or lies below it.
pub fn is_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// The mount `path` lies on: the longest mount point that holds it, the later of two
/// mounts on the same point (it hides the earlier one, as in `/proc/self/mountinfo`).
pub fn mount_of<'t>(target: &'t TargetModel, path: &str) -> Option<&'t Mount> {
    let path = normalize(path);
    target
        .mounts
        .iter()
        .filter(|m| is_under(&path, &normalize(&m.target)))
        .fold(None, |best: Option<&Mount>, m| match best {
            Some(b) if normalize(&b.target).len() > normalize(&m.target).len() => Some(b),
            _ => Some(m),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use whyrun_target::model::{Group, User};

    fn target() -> TargetModel {
        TargetModel {
            users: vec![
                User {
                    name: "root".into(),
                    uid: 0,
                    gid: 0,
                    ..Default::default()
                },
                User {
                    name: "nonroot".into(),
                    uid: 65532,
                    gid: 65532,
                    ..Default::default()
                },
            ],
            groups: vec![Group {
                name: "staff".into(),
                gid: 50,
                members: vec!["nonroot".into()],
            }],
            ..Default::default()
        }
    }

    fn file(mode: u32, uid: u32, gid: u32) -> FileMode {
        FileMode {
            mode,
            uid: Some(uid),
            gid: Some(gid),
            is_dir: false,
        }
    }

    #[test]
    fn resolves_users_like_runc() {
        let t = target();
        let u = RunAs::resolve("nonroot", "--user", &t);
        assert_eq!(
            (u.uid, u.gid, u.groups.clone()),
            (Some(65532), Some(65532), vec![50])
        );
        let u = RunAs::resolve("1234", "--user", &t);
        assert_eq!((u.uid, u.gid), (Some(1234), Some(0)));
        let u = RunAs::resolve("nonroot:staff", "--user", &t);
        assert_eq!(u.gid, Some(50));
        let u = RunAs::resolve("ghost", "--user", &t);
        assert_eq!(u.uid, None);
        assert!(u.describe().contains("not in"));
    }

    #[test]
    fn owner_bits_win_over_others() {
        let t = target();
        let nonroot = RunAs::resolve("nonroot", "--user", &t);
        let root = RunAs::resolve("root", "--user", &t);
        // 0705 owned by nonroot: others may, the owner may too.
        assert_eq!(
            decide(&file(0o705, 65532, 0), &nonroot, Perm::Exec).allowed,
            Some(true)
        );
        // 0075 owned by nonroot: the owner may not, although everyone else may.
        let d = decide(&file(0o075, 65532, 0), &nonroot, Perm::Exec);
        assert_eq!((d.allowed, d.class), (Some(false), Some(Class::Owner)));
        // Group through a supplementary group.
        assert_eq!(
            decide(&file(0o010, 0, 50), &nonroot, Perm::Exec).allowed,
            Some(true)
        );
        assert_eq!(
            decide(&file(0o744, 0, 0), &nonroot, Perm::Exec).allowed,
            Some(false)
        );
        // Root needs one x bit to execute, none to read.
        assert_eq!(
            decide(&file(0o100, 7, 7), &root, Perm::Exec).allowed,
            Some(true)
        );
        assert_eq!(
            decide(&file(0o644, 7, 7), &root, Perm::Exec).allowed,
            Some(false)
        );
        assert_eq!(
            decide(&file(0o000, 7, 7), &root, Perm::Read).allowed,
            Some(true)
        );
    }

    #[test]
    fn unknown_owner_or_user() {
        let t = target();
        let nonroot = RunAs::resolve("nonroot", "--user", &t);
        let ghost = RunAs::resolve("ghost", "--user", &t);
        let unknown_owner = FileMode {
            mode: 0o744,
            uid: None,
            gid: None,
            is_dir: false,
        };
        assert_eq!(decide(&unknown_owner, &nonroot, Perm::Exec).allowed, None);
        assert_eq!(
            decide(&file(0o755, 0, 0), &ghost, Perm::Exec).allowed,
            Some(true)
        );
        assert_eq!(
            decide(&file(0o644, 0, 0), &ghost, Perm::Exec).allowed,
            Some(false)
        );
        assert_eq!(decide(&file(0o700, 0, 0), &ghost, Perm::Exec).allowed, None);
    }

    #[test]
    fn paths_and_mounts() {
        assert_eq!(mode_text(0o100755), "0755 (rwxr-xr-x)");
        assert_eq!(normalize("//tmp/./a/../app"), "/tmp/app");
        assert!(is_under("/tmp/app", "/tmp"));
        assert!(!is_under("/tmpfoo/app", "/tmp"));
        assert!(is_under("/app", "/"));
        let mount = |t: &str, o: &str| Mount {
            target: t.into(),
            fstype: "tmpfs".into(),
            options: o.split(',').map(String::from).collect(),
        };
        let t = TargetModel {
            mounts: vec![
                mount("/", "rw"),
                mount("/tmp", "rw,noexec"),
                mount("/tmp", "rw"),
            ],
            ..Default::default()
        };
        assert_eq!(mount_of(&t, "/tmp/x/app").unwrap().options, ["rw"]);
        assert_eq!(mount_of(&t, "/usr/bin/app").unwrap().target, "/");
    }
}
