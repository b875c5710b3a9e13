//! FS002: the binary lies on a filesystem mounted `noexec`.

use crate::access;
use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A binary whose path lies on a mount with the `noexec` option, found by the longest
    /// mount point that holds the path (the later of two mounts on the same point). Only
    /// targets that list their mounts are checked: the host (from
    /// `/proc/self/mountinfo`) and snapshots of one; a root directory or an image is mounted
    /// by whatever runs it. The path is taken as given: a symbolic link into another mount
    /// is not followed.
    ///
    /// ## Why it breaks
    /// The kernel refuses to execute any file on a `noexec` mount: `execve(2)` fails with
    /// `EACCES` and the shell prints `permission denied`, whatever the file's mode. Running
    /// it through its loader (`/lib64/ld-linux-x86-64.so.2 ./app`) fails too, because mapping
    /// it executable is refused. Hardened hosts mount `/tmp`, `/var/tmp`, `/dev/shm` and
    /// sometimes `/home` this way; so do many CI runners and Kubernetes `emptyDir` setups.
    ///
    /// ## Example
    /// ```text
    /// FS002 blocks start  /tmp/build/hello lies on /tmp, which is mounted noexec: the kernel refuses to run it (permission denied)
    ///   · /tmp is tmpfs mounted rw,nosuid,nodev,noexec,relatime  [/proc/self/mountinfo]
    ///   fix Install it on a filesystem that allows execution, or remount /tmp with exec
    ///       install -m 0755 /tmp/build/hello /usr/local/bin/hello
    ///       mount -o remount,exec /tmp
    /// ```
    ///
    /// ## Fix
    /// Put the binary where execution is allowed (`/usr/local/bin`, `/opt`), or remount the
    /// filesystem with `exec` (`mount -o remount,exec /tmp`; drop `noexec` from its
    /// `/etc/fstab` line or systemd mount unit to keep it).
    ///
    /// ## References
    /// - mount(8): `noexec` "Do not permit direct execution of any binaries on the mounted
    ///   filesystem".
    /// - execve(2): EACCES "The file or a script interpreter is on a filesystem that is
    ///   mounted noexec"; mmap(2): EPERM for PROT_EXEC on a noexec mount.
    /// - proc(5): `/proc/[pid]/mountinfo`.
    pub struct NoexecMount {
        code: "FS002",
        name: "noexec-mount",
        family: Family::Fs,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::Access,
        summary: "The binary lies on a filesystem mounted noexec",
    }
}

/// Where a binary can go instead, in order of preference.
const EXEC_DIRS: &[&str] = &["/usr/local/bin", "/opt", "/usr/bin"];

fn noexec(options: &[String]) -> bool {
    options.iter().any(|o| o == "noexec")
}

impl NoexecMount {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let target = ctx.target;
        let path = access::normalize(&ctx.binary.path_in_target);
        let Some(mount) = access::mount_of(target, &path) else {
            return Vec::new();
        };
        if !noexec(&mount.options) {
            return Vec::new();
        }
        let mut finding = Self::META
            .finding(format!(
                "{path} lies on {}, which is mounted noexec: the kernel refuses to run it (permission denied)",
                mount.target
            ))
            .evidence(
                format!(
                    "{} is {} mounted {}",
                    mount.target,
                    mount.fstype,
                    mount.options.join(",")
                ),
                "/proc/self/mountinfo",
            );
        let name = path
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("app");
        let elsewhere = EXEC_DIRS
            .iter()
            .find(|d| access::mount_of(target, d).is_none_or(|m| !noexec(&m.options)));
        let mut commands = Vec::new();
        if let Some(dir) = elsewhere {
            commands.push(format!("install -m 0755 {path} {dir}/{name}"));
        }
        commands.push(format!("mount -o remount,exec {}", mount.target));
        finding = finding.fix(
            format!(
                "Install it on a filesystem that allows execution, or remount {} with exec",
                mount.target
            ),
            commands,
        );
        vec![finding]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Binary, CheckOptions};
    use crate::testing::*;
    use whyrun_target::model::{Mount, TargetModel};

    fn mount(target: &str, options: &str) -> Mount {
        Mount {
            target: target.into(),
            fstype: "tmpfs".into(),
            options: options.split(',').map(String::from).collect(),
        }
    }

    fn host() -> TargetModel {
        let mut t = debian12();
        t.source = whyrun_target::model::SourceKind::Host;
        t.mounts = vec![
            mount("/", "rw,relatime"),
            mount("/tmp", "rw,nosuid,nodev,noexec,relatime"),
            mount("/dev/shm", "rw,nosuid,nodev,noexec"),
        ];
        t
    }

    fn fs002(path: &str, target: &TargetModel) -> Vec<Finding> {
        let facts = fixture("go124-hello");
        let libs = resolution(None);
        let options = CheckOptions::default();
        let ctx = CheckContext {
            binary: Binary {
                display_path: path.into(),
                path_in_target: path.into(),
                facts: &facts,
                mode: Some(0o755),
                uid: Some(0),
                gid: Some(0),
            },
            target,
            libraries: &libs,
            options: &options,
        };
        NoexecMount::run(&ctx)
    }

    #[test]
    fn fires_on_a_noexec_tmp() {
        let f = fs002("/tmp/build/server", &host());
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("lies on /tmp, which is mounted noexec"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].fix.as_ref().unwrap().commands,
            [
                "install -m 0755 /tmp/build/server /usr/local/bin/server",
                "mount -o remount,exec /tmp"
            ]
        );
    }

    #[test]
    fn silent_off_noexec_mounts_and_without_mounts() {
        assert!(fs002("/usr/local/bin/server", &host()).is_empty());
        assert!(fs002("/tmpfoo/server", &host()).is_empty());
        // A later exec mount on the same point hides the noexec one.
        let mut t = host();
        t.mounts.push(mount("/tmp", "rw"));
        assert!(fs002("/tmp/server", &t).is_empty());
        assert!(fs002("/tmp/server", &debian12()).is_empty());
    }
}
