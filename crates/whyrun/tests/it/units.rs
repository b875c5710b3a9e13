//! systemd units against real systemd: each case writes a unit (and the users, files and
//! a small probe program it needs) into an overlay of the `bookworm-systemd` root
//! (`fixtures/e2e/build-systemd-root.sh`), asks `whyrun check --unit` for a verdict, then
//! boots the overlay with systemd 252 as PID 1 in `systemd-nspawn --private-network` and
//! reads what systemd says of the unit (`systemctl show -p Result,ExecMainStatus`). The
//! verdict and top cause must equal the real outcome, and the real outcome must be the
//! one the case was written to produce (so every rule is proven both ways).
//!
//! The probe is a static C program: `--addr :N` binds TCP port N (and `PORT=N` in its
//! environment), `--read PATH` opens PATH for reading, `--write PATH` creates PATH; its
//! exit status names the first failure (10 bind EACCES, 11 read EACCES, 12 write EROFS,
//! 13 write ENOENT, 14 socket EAFNOSUPPORT, 19 anything else). Cases may also give the
//! probe file capabilities (`setcap`) and add a drop-in to the unit. The real outcome of each case is cached under
//! `~/.cache/whyrun/units/` by a hash of everything that decides it (root stamp, unit,
//! set-up, probe), so a warm run boots nothing. Needs root, the root and systemd-nspawn
//! (`scripts/install-deps.sh`); fails, naming the script, when one is missing.
//!
//! Facts relied on, each checked by a case here: a missing `EnvironmentFile=` ends with
//! `Result=resources` and no exit status (the manager loads it before forking, systemd
//! src/core/execute.c `exec_spawn()`); `User=4242` without a passwd entry fails with
//! 217 like a name; an ambient capability outside `CapabilityBoundingSet=` is dropped
//! silently; `NoNewPrivileges=yes` keeps ambient capabilities (capabilities(7));
//! `StateDirectory=` is writable under `ProtectSystem=strict` (systemd.exec(5)); a failed
//! `ExecStartPre=` leaves `ExecMainStatus=0` and its own `status=203` in the
//! `ExecStartPre=` property, and one with `-` is ignored; a missing `ReadWritePaths=`
//! path is 226/NAMESPACE; a file-capability program is refused at exec (203, `Operation
//! not permitted`) when its capability is outside `CapabilityBoundingSet=`, and starts
//! without the capability under `NoNewPrivileges=yes` or under a setting that implies it
//! for a non-root user (`RestrictAddressFamilies=`); `DynamicUser=yes` implies
//! `ProtectSystem=strict` and runs as a uid in no group.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fixtures::roots_dir;

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
const ROOT: &str = "bookworm-systemd";
const SCRIPT: &str = "fixtures/e2e/build-systemd-root.sh";

pub(crate) const PROBE_C: &str = r#"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_port(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fprintf(stderr, "socket: %s\n", strerror(errno));
        return errno == EAFNOSUPPORT ? 14 : 19;
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
        fprintf(stderr, "listen tcp :%d: bind: %s\n", port, strerror(errno));
        return errno == EACCES ? 10 : 19;
    }
    close(s);
    return 0;
}

int main(int argc, char **argv) {
    const char *env_port = getenv("PORT");
    if (env_port) { int r = bind_port(atoi(env_port)); if (r) return r; }
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *v = argv[i + 1];
        int r = 0;
        if (!strcmp(argv[i], "--addr")) {
            const char *c = strrchr(v, ':');
            r = bind_port(atoi(c ? c + 1 : v));
        } else if (!strcmp(argv[i], "--read")) {
            int fd = open(v, O_RDONLY);
            if (fd < 0) { fprintf(stderr, "open %s: %s\n", v, strerror(errno)); r = errno == EACCES ? 11 : 19; }
            else close(fd);
        } else if (!strcmp(argv[i], "--write")) {
            int fd = open(v, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0) {
                fprintf(stderr, "open %s: %s\n", v, strerror(errno));
                r = errno == EROFS ? 12 : errno == ENOENT ? 13 : 19;
            } else close(fd);
        }
        if (r) return r;
    }
    printf("probe: ok\n");
    return 0;
}
"#;

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/units")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The probe, built once per source.
pub(crate) fn probe() -> PathBuf {
    let dir = cache();
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(format!("probe-{}", &hex(&Sha256::digest(PROBE_C))[..16]));
    if out.is_file() {
        return out;
    }
    // Two tests may build it at once (units, containers_launch): each in files of its own.
    let own =
        format!("{}-{:?}", std::process::id(), std::thread::current().id()).replace(['(', ')'], "");
    let src = dir.join(format!("probe-{own}.c"));
    std::fs::write(&src, PROBE_C).unwrap();
    let tmp = out.with_extension(format!("tmp-{own}"));
    let st = Command::new("gcc")
        .args(["-static", "-O2", "-o"])
        .arg(&tmp)
        .arg(&src)
        .status()
        .expect("gcc is missing: run scripts/install-deps.sh");
    assert!(st.success(), "gcc -static failed for the probe");
    std::fs::rename(&tmp, &out).unwrap();
    let _ = std::fs::remove_file(&src);
    out
}

/// One case: a unit, what to prepare in the root, the flags whyrun is given, and the
/// outcome it was written to produce (`runs`, or the LAUNCH code of the failure).
struct Case {
    name: &'static str,
    /// `[Service]` lines; `PROBE` is the probe's path.
    service: &'static str,
    setup: &'static [Step],
    flags: &'static [&'static str],
    expect: &'static str,
}

/// A change to the root before the case runs.
enum Step {
    /// The user `app` (uid 1000, group `app` 1000).
    AppUser,
    /// A group, with these members.
    Group(&'static str, u32, &'static str),
    /// A directory: path, mode, uid, gid.
    Dir(&'static str, u32, u32, u32),
    /// A file: path, mode, uid, gid.
    File(&'static str, u32, u32, u32),
    /// The probe at this path with this mode (its directories created 0755).
    Probe(&'static str, u32),
    /// `setcap CAPS PATH`.
    FileCaps(&'static str, &'static str),
    /// A drop-in `10-case.conf` for the case's unit, with this text.
    DropIn(&'static str),
    /// A file with this text (mode 0644, root's).
    Text(&'static str, &'static str),
}

impl Step {
    fn describe(&self) -> String {
        match self {
            Step::AppUser => "app-user".into(),
            Step::Group(n, g, m) => format!("group {n} {g} {m}"),
            Step::Dir(p, m, u, g) => format!("dir {p} {m:o} {u} {g}"),
            Step::File(p, m, u, g) => format!("file {p} {m:o} {u} {g}"),
            Step::Probe(p, m) => format!("probe {p} {m:o}"),
            Step::FileCaps(p, c) => format!("setcap {c} {p}"),
            Step::DropIn(t) => format!("drop-in {t}"),
            Step::Text(p, t) => format!("text {p} {t}"),
        }
    }
}

const P: &str = "/opt/app/probe";

fn cases() -> Vec<Case> {
    use Step::*;
    // Steps are 'static slices.
    macro_rules! steps { ($($s:expr),* $(,)?) => { &[$($s),*] } }
    vec![
        Case { name: "user-missing", service: "User=ghost\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH002" },
        Case { name: "user-numeric-missing", service: "User=4242\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH002" },
        Case { name: "group-missing", service: "User=app\nGroup=ghostgrp\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "LAUNCH002" },
        Case { name: "user-present", service: "User=app\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "exec-missing", service: "ExecStart=/opt/app/absent", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH004" },
        Case { name: "exec-dir-not-searchable", service: "User=app\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o755), Dir("/opt/app", 0o700, 0, 0)], flags: &[], expect: "LAUNCH004" },
        Case { name: "exec-mode-owner-only", service: "User=app\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o744)], flags: &[], expect: "LAUNCH004" },
        Case { name: "exec-relative-in-search-path", service: "User=app\nExecStart=whyrun-probe", setup: steps![AppUser, Probe("/usr/local/bin/whyrun-probe", 0o755)], flags: &[], expect: "runs" },
        Case { name: "workdir-missing", service: "WorkingDirectory=/srv/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH003" },
        Case { name: "workdir-missing-dash", service: "WorkingDirectory=-/srv/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "envfile-missing", service: "EnvironmentFile=/etc/default/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH001" },
        Case { name: "envfile-missing-dash", service: "EnvironmentFile=-/etc/default/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "port-80-user", service: "User=app\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "LAUNCH005" },
        Case { name: "port-80-ambient", service: "User=app\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "port-80-ambient-outside-bounding", service: "User=app\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_CHOWN\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "LAUNCH005" },
        Case { name: "port-80-ambient-no-new-privileges", service: "User=app\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nNoNewPrivileges=yes\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "port-80-from-environment", service: "User=app\nEnvironment=PORT=80\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "LAUNCH005" },
        Case { name: "port-80-root-without-bounding", service: "CapabilityBoundingSet=~CAP_NET_BIND_SERVICE\nExecStart=PROBE --addr :80", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH005" },
        Case { name: "port-8080-user", service: "User=app\nExecStart=PROBE --addr :8080", setup: steps![AppUser, Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "write-strict", service: "ProtectSystem=strict\nExecStart=PROBE --write /var/lib/app/state", setup: steps![Probe(P, 0o755), Dir("/var/lib/app", 0o755, 0, 0)], flags: &["--writes", "/var/lib/app/state"], expect: "LAUNCH006" },
        Case { name: "write-strict-read-write-paths", service: "ProtectSystem=strict\nReadWritePaths=/var/lib/app\nExecStart=PROBE --write /var/lib/app/state", setup: steps![Probe(P, 0o755), Dir("/var/lib/app", 0o755, 0, 0)], flags: &["--writes", "/var/lib/app/state"], expect: "runs" },
        Case { name: "write-strict-state-directory", service: "ProtectSystem=strict\nStateDirectory=app\nExecStart=PROBE --write /var/lib/app/state", setup: steps![Probe(P, 0o755)], flags: &["--writes", "/var/lib/app/state"], expect: "runs" },
        Case { name: "write-full-etc", service: "ProtectSystem=full\nExecStart=PROBE --write /etc/app/state", setup: steps![Probe(P, 0o755), Dir("/etc/app", 0o755, 0, 0)], flags: &["--writes", "/etc/app/state"], expect: "LAUNCH006" },
        Case { name: "write-read-only-paths", service: "ReadOnlyPaths=/srv/data\nExecStart=PROBE --write /srv/data/x", setup: steps![Probe(P, 0o755), Dir("/srv/data", 0o755, 0, 0)], flags: &["--writes", "/srv/data/x"], expect: "LAUNCH006" },
        Case { name: "read-group-only-not-member", service: "User=app\nExecStart=PROBE --read /etc/app/config", setup: steps![AppUser, Group("appconf", 1001, ""), Probe(P, 0o755), Dir("/etc/app", 0o755, 0, 0), File("/etc/app/config", 0o640, 0, 1001)], flags: &["--reads", "/etc/app/config"], expect: "LAUNCH007" },
        Case { name: "read-supplementary-groups", service: "User=app\nSupplementaryGroups=appconf\nExecStart=PROBE --read /etc/app/config", setup: steps![AppUser, Group("appconf", 1001, ""), Probe(P, 0o755), Dir("/etc/app", 0o755, 0, 0), File("/etc/app/config", 0o640, 0, 1001)], flags: &["--reads", "/etc/app/config"], expect: "runs" },
        Case { name: "exec-start-pre-missing", service: "ExecStartPre=/opt/app/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH004" },
        Case { name: "exec-start-pre-missing-dash", service: "ExecStartPre=-/opt/app/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "read-write-paths-missing", service: "ReadWritePaths=/srv/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH008" },
        Case { name: "read-write-paths-missing-dash", service: "ReadWritePaths=-/srv/absent\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "protect-home-hides-exec", service: "ProtectHome=yes\nExecStart=/home/app/bin/probe", setup: steps![Probe("/home/app/bin/probe", 0o755)], flags: &[], expect: "LAUNCH004" },
        Case { name: "protect-home-read-only-exec", service: "ProtectHome=read-only\nExecStart=/home/app/bin/probe", setup: steps![Probe("/home/app/bin/probe", 0o755)], flags: &[], expect: "runs" },
        Case { name: "no-exec-paths", service: "NoExecPaths=/opt\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH004" },
        Case { name: "no-exec-paths-exec-paths", service: "NoExecPaths=/opt\nExecPaths=/opt/app\nExecStart=PROBE", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "restrict-families-unix", service: "RestrictAddressFamilies=AF_UNIX\nExecStart=PROBE --addr :8080", setup: steps![Probe(P, 0o755)], flags: &[], expect: "LAUNCH009" },
        Case { name: "restrict-families-inet", service: "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nExecStart=PROBE --addr :8080", setup: steps![Probe(P, 0o755)], flags: &[], expect: "runs" },
        Case { name: "file-caps-port-80", service: "User=app\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755), FileCaps(P, "cap_net_bind_service+ep")], flags: &[], expect: "runs" },
        Case { name: "file-caps-no-new-privileges", service: "User=app\nNoNewPrivileges=yes\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755), FileCaps(P, "cap_net_bind_service+ep")], flags: &[], expect: "LAUNCH005" },
        Case { name: "file-caps-implied-no-new-privileges", service: "User=app\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755), FileCaps(P, "cap_net_bind_service+ep")], flags: &[], expect: "LAUNCH005" },
        Case { name: "file-caps-outside-bounding", service: "User=app\nCapabilityBoundingSet=CAP_CHOWN\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755), FileCaps(P, "cap_net_bind_service+ep")], flags: &[], expect: "LAUNCH010" },
        Case { name: "dynamic-user-write", service: "DynamicUser=yes\nExecStart=PROBE --write /var/lib/app/state", setup: steps![Probe(P, 0o755), Dir("/var/lib/app", 0o777, 0, 0)], flags: &["--writes", "/var/lib/app/state"], expect: "LAUNCH006" },
        Case { name: "dynamic-user-state-directory", service: "DynamicUser=yes\nStateDirectory=app\nExecStart=PROBE --write /var/lib/app/state", setup: steps![Probe(P, 0o755)], flags: &["--writes", "/var/lib/app/state"], expect: "runs" },
        Case { name: "dynamic-user-read-owner-only", service: "DynamicUser=yes\nExecStart=PROBE --read /etc/app/config", setup: steps![Probe(P, 0o755), Dir("/etc/app", 0o755, 0, 0), File("/etc/app/config", 0o640, 0, 0)], flags: &["--reads", "/etc/app/config"], expect: "LAUNCH007" },
        Case { name: "drop-in-user", service: "User=app\nExecStart=PROBE", setup: steps![AppUser, Probe(P, 0o755), DropIn("[Service]\nUser=ghost\n")], flags: &[], expect: "LAUNCH002" },
        Case { name: "port-80-sysctl-d", service: "User=app\nExecStart=PROBE --addr :80", setup: steps![AppUser, Probe(P, 0o755), Text("/etc/sysctl.d/50-ports.conf", "net.ipv4.ip_unprivileged_port_start = 0\n")], flags: &[], expect: "runs" },
        Case { name: "read-etc-group-member", service: "User=app\nExecStart=PROBE --read /etc/app/config", setup: steps![AppUser, Group("appconf", 1001, "app"), Probe(P, 0o755), Dir("/etc/app", 0o755, 0, 0), File("/etc/app/config", 0o640, 0, 1001)], flags: &["--reads", "/etc/app/config"], expect: "runs" },
    ]
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn append(path: &Path, line: &str) {
    let mut text = std::fs::read_to_string(path).unwrap();
    text.push_str(line);
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// The unit file of a case.
fn unit_text(c: &Case, probe_at: &str) -> String {
    format!(
        "[Unit]\nDescription=whyrun case {}\n\n[Service]\n{}\n",
        c.name,
        c.service.replace("PROBE", probe_at)
    )
}

/// Applies the case's steps to the merged root.
fn prepare(c: &Case, m: &Path, probe: &Path) {
    for s in c.setup {
        match s {
            Step::AppUser => {
                append(
                    &m.join("etc/passwd"),
                    "app:x:1000:1000::/home/app:/usr/sbin/nologin",
                );
                append(&m.join("etc/group"), "app:x:1000:");
            }
            Step::Group(n, g, members) => {
                append(&m.join("etc/group"), &format!("{n}:x:{g}:{members}"))
            }
            Step::Dir(p, mode, u, g) => {
                let d = m.join(&p[1..]);
                std::fs::create_dir_all(&d).unwrap();
                chmod(&d, *mode);
                chown(&d, *u, *g);
            }
            Step::File(p, mode, u, g) => {
                let f = m.join(&p[1..]);
                std::fs::write(&f, "setting: 1\n").unwrap();
                chmod(&f, *mode);
                chown(&f, *u, *g);
            }
            Step::Probe(p, mode) => {
                let f = m.join(&p[1..]);
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::copy(probe, &f).unwrap();
                chmod(&f, *mode);
                chown(&f, 0, 0);
            }
            Step::FileCaps(p, caps) => {
                let st = Command::new("setcap")
                    .arg(caps)
                    .arg(m.join(&p[1..]))
                    .status()
                    .expect("setcap is missing: run scripts/install-deps.sh (libcap2-bin)");
                assert!(st.success(), "setcap {caps} {p} failed");
            }
            Step::Text(p, text) => {
                let f = m.join(&p[1..]);
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::write(&f, text).unwrap();
            }
            Step::DropIn(text) => {
                let d = m.join(format!(
                    "etc/systemd/system/whyrun-case-{}.service.d",
                    c.name
                ));
                std::fs::create_dir_all(&d).unwrap();
                std::fs::write(d.join("10-case.conf"), text).unwrap();
            }
        }
    }
}

/// An overlay of the root with a tmpfs-free upper layer in a temporary directory,
/// unmounted on drop.
struct Overlay {
    dir: tempfile::TempDir,
}

impl Overlay {
    fn new(lower: &Path) -> Overlay {
        let dir = tempfile::Builder::new()
            .prefix("whyrun-unit-")
            .tempdir()
            .unwrap();
        for d in ["upper", "work", "merged"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        let opts = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            dir.path().join("upper").display(),
            dir.path().join("work").display()
        );
        let st = Command::new("mount")
            .args(["-t", "overlay", "overlay", "-o", &opts])
            .arg(dir.path().join("merged"))
            .status()
            .unwrap();
        assert!(
            st.success(),
            "mount -t overlay failed (the test needs root)"
        );
        Overlay { dir }
    }
    fn merged(&self) -> PathBuf {
        self.dir.path().join("merged")
    }
    fn upper(&self) -> PathBuf {
        self.dir.path().join("upper")
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.merged()).status();
    }
}

/// What systemd says of the case's unit: `Result=… ExecMainStatus=…`, booted for real.
fn boot(c: &Case, ov: &Overlay) -> String {
    let m = ov.merged();
    let unit = format!("whyrun-case-{}.service", c.name);
    // Only for the run: the report unit is pulled in whichever way the case ends, writes
    // what systemd knows of it into the root and powers the machine off.
    let dropin = m.join(format!("etc/systemd/system/{unit}.d"));
    std::fs::create_dir_all(&dropin).unwrap();
    std::fs::write(
        dropin.join("zz-whyrun-report.conf"),
        "[Unit]\nOnSuccess=whyrun-report.service\nOnFailure=whyrun-report.service\n",
    )
    .unwrap();
    std::fs::write(
        m.join("etc/systemd/system/whyrun-report.service"),
        format!(
            "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'systemctl show -p Result,ExecMainCode,ExecMainStatus,ExecStartPre {unit} > /whyrun-outcome; journalctl -o cat -u {unit} > /whyrun-journal'\nExecStartPost=/bin/systemctl poweroff --no-block\n"
        ),
    )
    .unwrap();
    // A boot that has not powered off after 60 s is stopped (SIGTERM, which nspawn turns
    // into a clean shutdown, then SIGKILL); its outcome counts if the report unit wrote
    // it, otherwise the case boots again, three times at most.
    let outcome = ov.upper().join("whyrun-outcome");
    let console = ov.dir.path().join("console.log");
    for attempt in 1..=3 {
        let _ = std::fs::remove_file(&outcome);
        let log = std::fs::File::create(&console).unwrap();
        let started = Instant::now();
        let mut child = Command::new("systemd-nspawn")
            // A machine name of its own: nspawn keeps per-machine state under
            // /run/systemd/nspawn/propagate/NAME, and the default name (the directory's,
            // `merged`) would be shared by two cases running at once.
            .arg(format!("--machine=whyrun-{}", c.name))
            .args(["--register=no", "--keep-unit", "--private-network", "-D"])
            .arg(&m)
            .args([
                "-b",
                "--",
                &format!("systemd.unit={unit}"),
                "systemd.firstboot=off",
            ])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("systemd-nspawn is missing: run scripts/install-deps.sh (systemd-container)");
        let mut stopped: Option<Instant> = None;
        let mut written: Option<Instant> = None;
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            // Now and then the container's shutdown stalls after the report was written:
            // ten seconds after it, the outcome is in and the container is stopped.
            if written.is_none() && outcome.is_file() {
                written = Some(Instant::now());
            }
            let late = written.is_some_and(|w| w.elapsed() > Duration::from_secs(10));
            let waited = started.elapsed();
            if (late || waited > Duration::from_secs(60)) && stopped.is_none() {
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status();
                stopped = Some(Instant::now());
            }
            if stopped.is_some_and(|t| t.elapsed() > Duration::from_secs(10)) {
                // The container's init is nspawn's child in its own PID namespace: it
                // outlives a killed nspawn, so it goes first.
                let pid = child.id();
                let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                    .unwrap_or_default();
                for c in children.split_whitespace() {
                    let _ = Command::new("kill").args(["-KILL", c]).status();
                }
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if outcome.is_file() {
            break;
        }
        let text = std::fs::read_to_string(&console).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        eprintln!("{}: boot {attempt} wrote no outcome; console ends:", c.name);
        for l in tail.iter().rev() {
            eprintln!("    {l}");
        }
    }
    let out = std::fs::read_to_string(ov.upper().join("whyrun-outcome"))
        .unwrap_or_else(|e| panic!("{}: no outcome written by the report unit: {e}", c.name));
    let journal = std::fs::read_to_string(ov.upper().join("whyrun-journal")).unwrap_or_default();
    let mut line: Vec<String> = out.lines().map(str::to_string).collect();
    line.sort();
    // The line that says what happened: systemd's own, or the probe's.
    let said = journal
        .lines()
        .find(|l| {
            [
                "Failed to",
                "Failed at",
                "bind:",
                "socket:",
                "open ",
                "probe: ok",
                "status=",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .unwrap_or("");
    format!("{} | {said}", line.join(" "))
}

/// The real outcome as whyrun's terms: `runs`, or the LAUNCH code whose failure it is.
fn classify(outcome: &str) -> &'static str {
    let field = |k: &str| {
        outcome
            .split([' ', '|'])
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .unwrap_or("")
            .to_string()
    };
    // A failed ExecStartPre= leaves ExecMainStatus=0; its own status is in
    // `ExecStartPre={ path=… ; code=exited ; status=203/EXEC }`.
    let pre = outcome
        .split("ExecStartPre=")
        .nth(1)
        .and_then(|p| p.split("status=").nth(1))
        .and_then(|p| p.split(['/', ' ', '}']).next())
        .unwrap_or("");
    let status = match (field("Result").as_str(), field("ExecMainStatus").as_str()) {
        ("exit-code", "0") => pre.to_string(),
        (_, s) => s.to_string(),
    };
    match (field("Result").as_str(), status.as_str()) {
        ("resources", _) => "LAUNCH001",
        ("success", "0") => "runs",
        (_, "216" | "217") => "LAUNCH002",
        (_, "200") => "LAUNCH003",
        (_, "203") if outcome.contains("Operation not permitted") => "LAUNCH010",
        (_, "203") => "LAUNCH004",
        (_, "226") => "LAUNCH008",
        (_, "10") => "LAUNCH005",
        (_, "12" | "13") => "LAUNCH006",
        (_, "11") => "LAUNCH007",
        (_, "14") => "LAUNCH009",
        _ => "unexpected",
    }
}

fn root() -> PathBuf {
    let root = roots_dir().join(ROOT);
    let stamp = roots_dir().join(".e2e-stamps").join(ROOT);
    assert!(
        root.join("lib/systemd/systemd").exists() && stamp.is_file(),
        "no systemd root at {}: build it with `bash {SCRIPT}` (as root)",
        root.display()
    );
    assert!(
        Command::new("systemd-nspawn")
            .arg("--version")
            .output()
            .is_ok(),
        "systemd-nspawn is missing: run scripts/install-deps.sh (it installs systemd-container)"
    );
    root
}

/// whyrun's verdict and top cause for the prepared root.
fn predict(c: &Case, merged: &Path) -> (String, String, String) {
    let unit = format!("whyrun-case-{}.service", c.name);
    let out = Command::new(WHYRUN)
        .args(["check", "--unit", &unit, "--root"])
        .arg(merged)
        .args(["--this-machine", "--format", "json", "--no-config"])
        .args(c.flags)
        .output()
        .unwrap();
    let v: Value = crate::json_schema::parse_output(&out);
    let t = &v["binaries"][0]["targets"][0];
    let verdict = t["verdict"].as_str().unwrap_or("").to_string();
    let top = t["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["level"] == "error"))
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .unwrap_or_default();
    (verdict, top.0, top.1)
}

/// One case's result: its name, the real outcome, and whyrun's verdict, top code and message.
type Row = (String, String, String, String, String);

#[test]
fn units_agree_with_systemd() {
    let root = root();
    let probe = probe();
    let stamp = std::fs::read_to_string(roots_dir().join(".e2e-stamps").join(ROOT)).unwrap();
    let outcomes = cache().join("outcomes");
    std::fs::create_dir_all(&outcomes).unwrap();
    let cases = cases();
    assert!(cases.len() >= 12);
    let rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    let next = Mutex::new(0usize);
    let t0 = Instant::now();
    // At most two cases at once: each boots a whole systemd.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(c) = cases.get(i) else { break };
                let probe_at = c
                    .setup
                    .iter()
                    .find_map(|s| match s {
                        Step::Probe(p, _) => Some(*p),
                        _ => None,
                    })
                    .unwrap_or(P);
                let unit = unit_text(c, probe_at);
                let mut key = Sha256::new();
                for part in [stamp.as_str(), &unit, &hex(&Sha256::digest(PROBE_C))] {
                    key.update(part.as_bytes());
                    key.update([0]);
                }
                for s in c.setup {
                    key.update(s.describe().as_bytes());
                    key.update([0]);
                }
                let cached = outcomes.join(format!("{}-{}", c.name, &hex(&key.finalize())[..16]));
                let ov = Overlay::new(&root);
                let m = ov.merged();
                prepare(c, &m, &probe);
                std::fs::write(
                    m.join(format!("etc/systemd/system/whyrun-case-{}.service", c.name)),
                    &unit,
                )
                .unwrap();
                let (verdict, top, message) = predict(c, &m);
                let real = match std::fs::read_to_string(&cached) {
                    Ok(r) => r,
                    Err(_) => {
                        let r = boot(c, &ov);
                        std::fs::write(&cached, &r).unwrap();
                        r
                    }
                };
                drop(ov);
                rows.lock()
                    .unwrap()
                    .push((c.name.to_string(), real, verdict, top, message));
            });
        }
    });
    let mut rows = rows.into_inner().unwrap();
    rows.sort();
    let mut failures = Vec::new();
    for (name, real, verdict, top, message) in &rows {
        let case = cases.iter().find(|c| c.name == name).unwrap();
        let class = classify(real);
        let expected_verdict = match class {
            "runs" => "runs",
            "LAUNCH005" | "LAUNCH006" | "LAUNCH007" | "LAUNCH009" => "fails-at-runtime",
            _ => "wont-start",
        };
        let whyrun_class = if top.is_empty() { "runs" } else { top.as_str() };
        let ok = class == case.expect && whyrun_class == class && verdict == expected_verdict;
        println!(
            "{} {name:38} real: {class:9} ({real})\n{:42} whyrun: {verdict} {top} {message}",
            if ok { "ok  " } else { "FAIL" },
            ""
        );
        if !ok {
            failures.push(name.clone());
        }
    }
    println!(
        "{} cases in {:.1} s",
        rows.len(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "whyrun and systemd disagree on: {failures:?}"
    );
}

/// A unit that cannot be parsed is an input error naming its file and line (exit 2); no
/// root is needed.
#[test]
fn a_malformed_unit_is_named_with_its_line() {
    let t = tempfile::tempdir().unwrap();
    let unit = t.path().join("bad.service");
    std::fs::write(&unit, "[Service]\nUser=app\nExecStart\n").unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--unit"])
        .arg(&unit)
        .args(["--root"])
        .arg(t.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "whyrun: {}:3: not a Key=Value assignment: ExecStart",
            unit.display()
        )
    );
}
