//! Container launches against real runtimes: each case starts the probe of `units.rs`
//! (`--addr :N` binds, `--read P` reads, `--write P` creates; exit 10 bind EACCES, 11 read
//! EACCES, 12 write EROFS) in a container for real, asks `whyrun check --image` for a
//! verdict on the same image with the same launch, and compares verdict and top cause with
//! what happened. Every case must also produce the outcome it was written for, so each
//! rule is proven both ways.
//!
//! Three kinds of case:
//! - **podman**: `podman run --network none` (or `--network host`) of an image built
//!   from `scratch` with buildah (passwd, group, the probe, a config file `root:appconf
//!   0640`), with `--user`, `--cap-add`, `--read-only`, `--workdir`, `--sysctl`, `-v …:ro`;
//!   whyrun gets `--runtime podman` and the same flags (or an equivalent Compose file).
//! - **runc**: an OCI bundle made from `runc spec` over a copy of the image's root, its
//!   `config.json` given the user, capability sets, sysctls and mounts a named runtime
//!   would generate (Docker, Docker 19.03, CRI-O, podman, plain `runc spec`), run with
//!   `runc run` in its own network namespace (no network).
//! - **Kubernetes**: a manifest written by the test from a case's settings, and the same
//!   settings converted to the runc bundle containerd (2.x or 1.7) or CRI-O would hand to
//!   runc: capabilities in bounding/effective/permitted only (containerd removes ambient,
//!   internal/cri/opts/spec_opts.go WithoutAmbientCaps), `ip_unprivileged_port_start=0`
//!   for containerd 2.x (enable_unprivileged_ports), a ConfigMap as a read-only bind mount
//!   whose file has kubelet's mode and group (`defaultMode`, `fsGroup` → group and 0440,
//!   pkg/volume SetVolumeOwnership), `fsGroup` in the process's groups, `emptyDir` as a
//!   writable directory, `readOnlyRootFilesystem` as a read-only root.
//!
//! Real outcomes are cached under `~/.cache/whyrun/containers-launch/` by a hash of
//! everything that decides them (image recipe, probe, runtime versions, the run's
//! settings); images are cached as archives in the shared store (`containers.rs`), so a
//! warm run builds and runs nothing, while whyrun itself always runs. Needs root, podman,
//! buildah, runc (`scripts/install-deps.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::containers::{self, run, setup, tool, Image};
use crate::units::{probe, PROBE_C};

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
/// Bumped when the way images, bundles or outcomes are made changes.
const RECIPE: &str = "whyrun-containers-launch/2";

const PASSWD: &str = "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000::/home/app:/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/sbin/nologin\n";
const GROUP: &str = "root:x:0:\napp:x:1000:\nappconf:x:1001:\nnogroup:x:65534:\n";

/// The image's config.
#[derive(Clone, Copy)]
struct ImageSpec {
    user: Option<&'static str>,
    workdir: Option<&'static str>,
    /// `ExposedPorts`.
    port: Option<&'static str>,
}

const APP: ImageSpec = ImageSpec {
    user: Some("app"),
    workdir: None,
    port: None,
};
const ROOT: ImageSpec = ImageSpec {
    user: None,
    workdir: None,
    port: None,
};
const GHOST: ImageSpec = ImageSpec {
    user: Some("ghost"),
    workdir: None,
    port: None,
};
const WORKDIR: ImageSpec = ImageSpec {
    user: Some("app"),
    workdir: Some("/srv/made-by-runtime"),
    port: None,
};
const EXPOSED: ImageSpec = ImageSpec {
    user: Some("app"),
    workdir: None,
    port: Some("80"),
};

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is not set");
    PathBuf::from(home).join(".cache/whyrun/containers-launch")
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The image's files in `dir`: /etc/passwd, /etc/group, /app/probe, /etc/app/config
/// (`root:appconf 0640`), /var/lib/app (`root 0755`), /var/lib/app-owned (`app 0755`),
/// /tmp (1777), /data.
fn write_rootfs(dir: &Path, probe: &Path) {
    for (d, mode) in [
        ("etc/app", 0o755),
        ("app", 0o755),
        ("var/lib/app", 0o755),
        ("var/lib/app-owned", 0o755),
        ("var/tmp", 0o1777),
        ("tmp", 0o1777),
        ("data", 0o755),
        ("proc", 0o555),
        ("sys", 0o555),
        ("dev", 0o755),
        ("run", 0o755),
    ] {
        let p = dir.join(d);
        std::fs::create_dir_all(&p).unwrap();
        chmod(&p, mode);
    }
    chown(&dir.join("var/lib/app-owned"), 1000, 1000);
    std::fs::write(dir.join("etc/passwd"), PASSWD).unwrap();
    std::fs::write(dir.join("etc/group"), GROUP).unwrap();
    std::fs::write(dir.join("etc/app/config"), "setting: 1\n").unwrap();
    chown(&dir.join("etc/app/config"), 0, 1001);
    chmod(&dir.join("etc/app/config"), 0o640);
    std::fs::copy(probe, dir.join("app/probe")).unwrap();
    chmod(&dir.join("app/probe"), 0o755);
}

fn versions(dir: &Path) -> String {
    let mut v = String::new();
    for t in ["buildah", "podman", "runc"] {
        v.push_str(&run(dir, t, &["--version"]));
        v.push('\n');
    }
    v
}

/// The image of `spec`, built with buildah from scratch unless its archive and tag exist.
fn image(dir: &Path, probe: &Path, spec: ImageSpec) -> Image {
    let key = containers::cache_key(&[
        RECIPE.as_bytes(),
        PASSWD.as_bytes(),
        GROUP.as_bytes(),
        &std::fs::read(probe).unwrap(),
        spec.user.unwrap_or("").as_bytes(),
        spec.workdir.unwrap_or("").as_bytes(),
        spec.port.unwrap_or("").as_bytes(),
        versions(dir).as_bytes(),
    ]);
    let tag = format!("localhost/whyrun-launch-test:{key}");
    let archive = dir.join("images").join(format!("launch-{key}.tar"));
    let stored = tool(dir, "podman")
        .args(["image", "exists", &tag])
        .status()
        .is_ok_and(|s| s.success());
    if archive.is_file() && stored {
        return Image { tag, archive };
    }
    let policy = dir.join("policy.json");
    let policy = policy.to_str().unwrap();
    let name = format!("whyrun-launch-build-{key}");
    let _ = tool(dir, "buildah").args(["rm", &name]).output();
    run(
        dir,
        "buildah",
        &[
            "from",
            "--signature-policy",
            policy,
            "--name",
            &name,
            "scratch",
        ],
    );
    let mnt = PathBuf::from(run(dir, "buildah", &["mount", &name]));
    write_rootfs(&mnt, probe);
    run(dir, "buildah", &["umount", &name]);
    let mut config = vec!["config", "--entrypoint", "[\"/app/probe\"]"];
    if let Some(u) = spec.user {
        config.extend(["--user", u]);
    }
    if let Some(w) = spec.workdir {
        config.extend(["--workingdir", w]);
    }
    if let Some(p) = spec.port {
        config.extend(["--port", p]);
    }
    config.push(&name);
    run(dir, "buildah", &config);
    containers::commit_and_save(dir, &name, &tag, &archive);
    Image { tag, archive }
}

/// The capability sets of a runc bundle.
#[derive(Clone, Default)]
struct Caps {
    bounding: Vec<&'static str>,
    effective: Vec<&'static str>,
    permitted: Vec<&'static str>,
    inheritable: Vec<&'static str>,
    ambient: Vec<&'static str>,
}

/// containerd's default set (pkg/oci/spec.go, defaultUnixCaps), also Docker's.
const DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

impl Caps {
    /// What Docker, containerd and CRI-O give: bounding = effective = permitted, nothing
    /// inheritable or ambient.
    fn three(add: &[&'static str], drop_all: bool) -> Caps {
        let mut set: Vec<&'static str> = if drop_all {
            Vec::new()
        } else {
            DEFAULT_CAPS.to_vec()
        };
        for a in add {
            if !set.contains(a) {
                set.push(a);
            }
        }
        Caps {
            bounding: set.clone(),
            effective: set.clone(),
            permitted: set,
            ..Default::default()
        }
    }

    /// What podman gives a non-root user for `--cap-add`: the added ones in all five sets.
    fn podman_user(add: &[&'static str]) -> Caps {
        let mut c = Caps::three(add, false);
        c.effective = add.to_vec();
        c.permitted = add.to_vec();
        c.inheritable = add.to_vec();
        c.ambient = add.to_vec();
        c
    }

    /// `runc spec`'s own sets: bounding, effective, permitted and ambient, no inheritable.
    fn runc_spec() -> Caps {
        let s = vec!["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        Caps {
            bounding: s.clone(),
            effective: s.clone(),
            permitted: s.clone(),
            ambient: s,
            ..Default::default()
        }
    }
}

/// A mount of a bundle.
#[derive(Clone)]
enum BMount {
    /// A read-only bind of a directory holding `file` with `mode`, owned `0:gid`.
    RoFile {
        target: &'static str,
        file: &'static str,
        mode: u32,
        gid: u32,
    },
    /// A writable directory (`emptyDir`: mode 0777).
    RwDir(&'static str),
}

/// A runc bundle's settings.
#[derive(Clone)]
struct Bundle {
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    caps: Caps,
    readonly: bool,
    port_start: Option<u16>,
    mounts: Vec<BMount>,
    cwd: &'static str,
    /// No network namespace of its own: the host's (`--network host`, `hostNetwork`).
    host_net: bool,
}

impl Bundle {
    fn user(uid: u32, gid: u32, caps: Caps) -> Bundle {
        Bundle {
            uid,
            gid,
            groups: Vec::new(),
            caps,
            readonly: false,
            port_start: None,
            mounts: Vec::new(),
            cwd: "/",
            host_net: false,
        }
    }

    fn describe(&self) -> String {
        let mounts: Vec<String> = self
            .mounts
            .iter()
            .map(|m| match m {
                BMount::RoFile {
                    target,
                    file,
                    mode,
                    gid,
                } => format!("ro {target}/{file} {mode:o} {gid}"),
                BMount::RwDir(t) => format!("rw {t}"),
            })
            .collect();
        format!(
            "{}:{} {:?} b{:?} e{:?} p{:?} i{:?} a{:?} ro={} port={:?} {mounts:?} cwd={} hostnet={}",
            self.uid,
            self.gid,
            self.groups,
            self.caps.bounding,
            self.caps.effective,
            self.caps.permitted,
            self.caps.inheritable,
            self.caps.ambient,
            self.readonly,
            self.port_start,
            self.cwd,
            self.host_net
        )
    }
}

/// The settings of a Kubernetes case; the test writes the manifest and the runc bundle
/// from them.
#[derive(Clone, Default)]
struct K8s {
    run_as_user: Option<u32>,
    fs_group: Option<u32>,
    read_only_root: bool,
    cap_add: Vec<&'static str>,
    drop_all: bool,
    /// A ConfigMap mounted at /etc/cm with `config` of this defaultMode (octal in YAML).
    config_map_mode: Option<&'static str>,
    empty_dir: Option<&'static str>,
    port: Option<u16>,
    supplemental_groups: Vec<u32>,
    host_network: bool,
    /// `--runtime` given to whyrun, and the runtime the bundle imitates.
    runtime: Option<&'static str>,
}

impl K8s {
    fn manifest(&self, args: &[&str]) -> String {
        let mut pod_sc = Vec::new();
        if let Some(u) = self.run_as_user {
            pod_sc.push(format!("        runAsUser: {u}"));
        }
        if let Some(g) = self.fs_group {
            pod_sc.push(format!("        fsGroup: {g}"));
        }
        if !self.supplemental_groups.is_empty() {
            let g: Vec<String> = self
                .supplemental_groups
                .iter()
                .map(|g| g.to_string())
                .collect();
            pod_sc.push(format!("        supplementalGroups: [{}]", g.join(", ")));
        }
        let mut c_sc = vec![format!(
            "            readOnlyRootFilesystem: {}",
            self.read_only_root
        )];
        if !self.cap_add.is_empty() || self.drop_all {
            c_sc.push("            capabilities:".into());
            if !self.cap_add.is_empty() {
                let add: Vec<String> = self
                    .cap_add
                    .iter()
                    .map(|c| c.trim_start_matches("CAP_").to_string())
                    .collect();
                c_sc.push(format!("              add: [{}]", add.join(", ")));
            }
            if self.drop_all {
                c_sc.push("              drop: [ALL]".into());
            }
        }
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        if let Some(m) = self.config_map_mode {
            volumes.push(format!(
                "        - name: cfg\n          configMap:\n            name: app-config\n            defaultMode: {m}"
            ));
            mounts.push("            - name: cfg\n              mountPath: /etc/cm".to_string());
        }
        if let Some(d) = self.empty_dir {
            volumes.push("        - name: scratch\n          emptyDir: {}".to_string());
            mounts.push(format!(
                "            - name: scratch\n              mountPath: {d}"
            ));
        }
        let args: Vec<String> = args.iter().map(|a| format!("\"{a}\"")).collect();
        let mut text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-config}}\ndata: {{config: \"setting: 1\"}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: {}\n      securityContext:\n{}\n      containers:\n        - name: app\n          image: registry.example/app:1\n          args: [{}]\n          securityContext:\n{}\n",
            self.host_network,
            if pod_sc.is_empty() { "        {}".to_string() } else { pod_sc.join("\n") },
            args.join(", "),
            c_sc.join("\n")
        );
        if let Some(p) = self.port {
            text.push_str(&format!(
                "          ports:\n            - containerPort: {p}\n"
            ));
        }
        if !mounts.is_empty() {
            text.push_str(&format!("          volumeMounts:\n{}\n", mounts.join("\n")));
            text.push_str(&format!("      volumes:\n{}\n", volumes.join("\n")));
        }
        text
    }

    /// The bundle the runtime hands to runc for this pod (see the module's documentation).
    fn bundle(&self, image_user: (u32, u32)) -> Bundle {
        let (uid, gid) = match self.run_as_user {
            // containerd takes the group of the uid's passwd entry, else 0.
            Some(u) => (u, if u == 1000 { 1000 } else { 0 }),
            None => image_user,
        };
        let mut b = Bundle::user(uid, gid, Caps::three(&self.cap_add, self.drop_all));
        if let Some(g) = self.fs_group {
            b.groups.push(g);
        }
        b.groups.extend(&self.supplemental_groups);
        b.readonly = self.read_only_root;
        b.host_net = self.host_network;
        let runtime = self.runtime.unwrap_or("containerd");
        // containerd sets it only for a pod with its own network namespace.
        if (runtime == "containerd" || runtime.starts_with("containerd@2")) && !self.host_network {
            b.port_start = Some(0);
        }
        if let Some(m) = self.config_map_mode {
            let mut mode = u32::from_str_radix(m.trim_start_matches('0'), 8).unwrap();
            let gid = match self.fs_group {
                Some(g) => {
                    mode |= 0o440;
                    g
                }
                None => 0,
            };
            b.mounts.push(BMount::RoFile {
                target: "/etc/cm",
                file: "config",
                mode,
                gid,
            });
        }
        if let Some(d) = self.empty_dir {
            b.mounts.push(BMount::RwDir(d));
        }
        b
    }
}

/// How the container is started for real.
#[derive(Clone)]
enum How {
    /// `podman run` with these flags.
    Podman(&'static [&'static str]),
    /// `podman run` with these flags, and whyrun given this Compose file.
    Compose(&'static [&'static str], &'static str),
    /// `runc run` of this bundle.
    Runc(Bundle),
    /// A manifest for whyrun, its bundle for runc.
    Kube(K8s),
}

struct Case {
    name: &'static str,
    image: ImageSpec,
    /// The probe's arguments.
    args: &'static [&'static str],
    how: How,
    /// whyrun's flags besides `check --image ARCHIVE --format json --no-config`.
    flags: &'static [&'static str],
    expect: &'static str,
}

fn cases() -> Vec<Case> {
    let nbs = "CAP_NET_BIND_SERVICE";
    let app = |caps: Caps| Bundle::user(1000, 1000, caps);
    vec![
        // podman 4.3 (rootful, --network none unless said).
        Case {
            name: "podman-user-port-80",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman", "--port", "80"],
            expect: "LAUNCH005",
        },
        Case {
            name: "podman-user-port-80-cap-add",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Podman(&["--cap-add", "NET_BIND_SERVICE"]),
            flags: &[
                "--runtime",
                "podman",
                "--port",
                "80",
                "--cap",
                "NET_BIND_SERVICE",
            ],
            expect: "runs",
        },
        Case {
            name: "podman-root-port-80",
            image: ROOT,
            args: &["--addr", ":80"],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman", "--port", "80"],
            expect: "runs",
        },
        Case {
            name: "podman-user-port-80-sysctl",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Podman(&["--sysctl", "net.ipv4.ip_unprivileged_port_start=0"]),
            flags: &[
                "--runtime",
                "podman",
                "--port",
                "80",
                "--sysctl",
                "net.ipv4.ip_unprivileged_port_start=0",
            ],
            expect: "runs",
        },
        Case {
            name: "podman-user-port-80-host-network",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Podman(&["--network", "host"]),
            flags: &["--runtime", "podman", "--port", "80", "--host-network"],
            expect: "LAUNCH005",
        },
        Case {
            name: "podman-nobody-port-8080",
            image: APP,
            args: &["--addr", ":8080"],
            how: How::Podman(&["--user", "nobody"]),
            flags: &["--runtime", "podman", "--port", "8080", "--user", "nobody"],
            expect: "runs",
        },
        Case {
            name: "podman-read-only-write",
            image: APP,
            args: &["--write", "/var/lib/app/state"],
            how: How::Podman(&["--user", "0", "--read-only"]),
            flags: &[
                "--runtime",
                "podman",
                "--user",
                "0",
                "--read-only",
                "--writes",
                "/var/lib/app/state",
            ],
            expect: "LAUNCH006",
        },
        Case {
            name: "podman-read-only-write-tmp",
            image: APP,
            args: &["--write", "/tmp/state"],
            how: How::Podman(&["--read-only"]),
            flags: &[
                "--runtime",
                "podman",
                "--read-only",
                "--writes",
                "/tmp/state",
            ],
            expect: "runs",
        },
        Case {
            name: "podman-user-missing",
            image: APP,
            args: &[],
            how: How::Podman(&["--user", "ghost"]),
            flags: &["--runtime", "podman", "--user", "ghost"],
            expect: "LAUNCH002",
        },
        Case {
            name: "podman-image-user-missing",
            image: GHOST,
            args: &[],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman"],
            expect: "LAUNCH002",
        },
        // The image config alone (no launch flags): whyrun's plain check of the image.
        Case {
            name: "podman-image-user-missing-plain-check",
            image: GHOST,
            args: &[],
            how: How::Podman(&[]),
            flags: &[],
            expect: "LAUNCH002",
        },
        Case {
            name: "podman-image-exposed-80-user",
            image: EXPOSED,
            args: &["--addr", ":80"],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman"],
            expect: "LAUNCH005",
        },
        Case {
            name: "podman-numeric-user-without-entry",
            image: APP,
            args: &["--write", "/tmp/x"],
            how: How::Podman(&["--user", "4242"]),
            flags: &[
                "--runtime",
                "podman",
                "--user",
                "4242",
                "--writes",
                "/tmp/x",
            ],
            expect: "runs",
        },
        Case {
            name: "podman-workdir-missing",
            image: APP,
            args: &[],
            how: How::Podman(&["--workdir", "/srv/absent"]),
            flags: &["--runtime", "podman", "--workdir", "/srv/absent"],
            expect: "LAUNCH003",
        },
        Case {
            name: "podman-image-workdir-missing",
            image: WORKDIR,
            args: &[],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman"],
            expect: "runs",
        },
        Case {
            name: "podman-user-write-root-dir",
            image: APP,
            args: &["--write", "/var/lib/app/state"],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman", "--writes", "/var/lib/app/state"],
            expect: "LAUNCH015",
        },
        Case {
            name: "podman-user-write-owned-dir",
            image: APP,
            args: &["--write", "/var/lib/app-owned/state"],
            how: How::Podman(&[]),
            flags: &[
                "--runtime",
                "podman",
                "--writes",
                "/var/lib/app-owned/state",
            ],
            expect: "runs",
        },
        Case {
            name: "podman-read-group-only",
            image: APP,
            args: &["--read", "/etc/app/config"],
            how: How::Podman(&[]),
            flags: &["--runtime", "podman", "--reads", "/etc/app/config"],
            expect: "LAUNCH007",
        },
        Case {
            name: "podman-read-as-group",
            image: APP,
            args: &["--read", "/etc/app/config"],
            how: How::Podman(&["--user", "app:appconf"]),
            flags: &[
                "--runtime",
                "podman",
                "--user",
                "app:appconf",
                "--reads",
                "/etc/app/config",
            ],
            expect: "runs",
        },
        Case {
            name: "compose-volume-read-only",
            image: ROOT,
            args: &["--write", "/data/x"],
            how: How::Compose(
                &["-v", "HOSTDIR:/data:ro"],
                "services:\n  app:\n    image: app\n    volumes:\n      - ./data:/data:ro\n",
            ),
            flags: &["--runtime", "podman", "--writes", "/data/x"],
            expect: "LAUNCH006",
        },
        Case {
            name: "compose-read-only-tmpfs",
            image: ROOT,
            args: &["--write", "/var/lib/app/x"],
            how: How::Compose(
                &["--read-only", "--tmpfs", "/var/lib/app"],
                "services:\n  app:\n    image: app\n    read_only: true\n    tmpfs: /var/lib/app\n",
            ),
            flags: &["--runtime", "podman", "--writes", "/var/lib/app/x"],
            expect: "runs",
        },
        // runc, with the sets each runtime generates.
        Case {
            name: "runc-spec-user-port-80",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(app(Caps::runc_spec())),
            flags: &["--runtime", "runc", "--port", "80"],
            expect: "LAUNCH005",
        },
        Case {
            name: "runc-docker-user-port-80",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(Bundle {
                port_start: Some(0),
                ..app(Caps::three(&[], false))
            }),
            flags: &["--runtime", "docker", "--port", "80"],
            expect: "runs",
        },
        Case {
            name: "runc-docker-19-user-port-80-cap-add",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(app(Caps::three(&[nbs], false))),
            flags: &[
                "--runtime",
                "docker@19.03",
                "--port",
                "80",
                "--cap",
                "NET_BIND_SERVICE",
            ],
            expect: "LAUNCH005",
        },
        Case {
            name: "runc-crio-user-port-80-cap-add",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(app(Caps::three(&[nbs], false))),
            flags: &[
                "--runtime",
                "cri-o",
                "--port",
                "80",
                "--cap",
                "NET_BIND_SERVICE",
            ],
            expect: "LAUNCH005",
        },
        Case {
            name: "runc-podman-user-port-80-cap-add",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(app(Caps::podman_user(&[nbs]))),
            flags: &[
                "--runtime",
                "podman",
                "--port",
                "80",
                "--cap",
                "NET_BIND_SERVICE",
            ],
            expect: "runs",
        },
        Case {
            name: "compose-root-drop-all-port-80-podman",
            image: ROOT,
            args: &["--addr", ":80"],
            how: How::Compose(
                &["--user", "0", "--cap-drop", "ALL"],
                "services:\n  app:\n    image: app\n    user: \"0\"\n    cap_drop: [ALL]\n",
            ),
            flags: &["--runtime", "podman", "--port", "80"],
            expect: "LAUNCH005",
        },
        Case {
            name: "runc-docker-compose-root-drop-all-port-80",
            image: ROOT,
            args: &["--addr", ":80"],
            how: How::Runc(Bundle {
                port_start: Some(0),
                ..Bundle::user(0, 0, Caps::three(&[], true))
            }),
            flags: &["--compose", "DROPALL", "--port", "80"],
            expect: "runs",
        },
        Case {
            name: "runc-read-only-root-write",
            image: ROOT,
            args: &["--write", "/var/lib/app/x"],
            how: How::Runc(Bundle {
                readonly: true,
                ..Bundle::user(0, 0, Caps::three(&[], false))
            }),
            flags: &[
                "--runtime",
                "runc",
                "--read-only",
                "--writes",
                "/var/lib/app/x",
            ],
            expect: "LAUNCH006",
        },
        Case {
            name: "runc-read-only-root-write-dev-shm",
            image: ROOT,
            args: &["--write", "/dev/shm/x"],
            how: How::Runc(Bundle {
                readonly: true,
                ..Bundle::user(0, 0, Caps::three(&[], false))
            }),
            flags: &["--runtime", "runc", "--read-only", "--writes", "/dev/shm/x"],
            expect: "runs",
        },
        Case {
            name: "runc-docker-user-write-root-dir",
            image: APP,
            args: &["--write", "/var/lib/app/x"],
            how: How::Runc(Bundle {
                port_start: Some(0),
                ..app(Caps::three(&[], false))
            }),
            flags: &["--runtime", "docker", "--writes", "/var/lib/app/x"],
            expect: "LAUNCH015",
        },
        Case {
            name: "runc-cwd-missing",
            image: APP,
            args: &[],
            how: How::Runc(Bundle {
                cwd: "/srv/absent",
                ..app(Caps::three(&[], false))
            }),
            flags: &["--runtime", "runc", "--workdir", "/srv/absent"],
            expect: "runs",
        },
        Case {
            name: "runc-docker-host-network-user-port-80",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Runc(Bundle {
                host_net: true,
                ..app(Caps::three(&[], false))
            }),
            flags: &["--runtime", "docker", "--host-network", "--port", "80"],
            expect: "LAUNCH005",
        },
        Case {
            name: "compose-group-add-read",
            image: APP,
            args: &["--read", "/etc/app/config"],
            how: How::Compose(
                &["--group-add", "appconf"],
                "services:\n  app:\n    image: app\n    group_add: [appconf]\n",
            ),
            flags: &["--runtime", "podman", "--reads", "/etc/app/config"],
            expect: "runs",
        },
        // Kubernetes manifests, run as the runc bundle their runtime would make.
        Case {
            name: "k8s-host-network-user-port-80-containerd",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                port: Some(80),
                host_network: true,
                ..Default::default()
            }),
            flags: &[],
            expect: "LAUNCH005",
        },
        Case {
            name: "k8s-read-group-only",
            image: APP,
            args: &["--read", "/etc/app/config"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                ..Default::default()
            }),
            flags: &["--reads", "/etc/app/config"],
            expect: "LAUNCH007",
        },
        Case {
            name: "k8s-read-supplemental-group",
            image: APP,
            args: &["--read", "/etc/app/config"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                supplemental_groups: vec![1001],
                ..Default::default()
            }),
            flags: &["--reads", "/etc/app/config"],
            expect: "runs",
        },
        Case {
            name: "k8s-user-port-80-containerd",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                port: Some(80),
                ..Default::default()
            }),
            flags: &[],
            expect: "runs",
        },
        Case {
            name: "k8s-user-port-80-containerd-1.7",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                port: Some(80),
                runtime: Some("containerd@1.7"),
                ..Default::default()
            }),
            flags: &[],
            expect: "LAUNCH005",
        },
        Case {
            name: "k8s-user-port-80-cap-add-cri-o",
            image: APP,
            args: &["--addr", ":80"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                port: Some(80),
                cap_add: vec![nbs],
                runtime: Some("cri-o"),
                ..Default::default()
            }),
            flags: &[],
            expect: "LAUNCH005",
        },
        Case {
            name: "k8s-root-drop-all-port-80-cri-o",
            image: ROOT,
            args: &["--addr", ":80"],
            how: How::Kube(K8s {
                run_as_user: Some(0),
                port: Some(80),
                drop_all: true,
                runtime: Some("cri-o"),
                ..Default::default()
            }),
            flags: &[],
            expect: "LAUNCH005",
        },
        Case {
            name: "k8s-read-only-root-write",
            image: APP,
            args: &["--write", "/var/lib/app/x"],
            how: How::Kube(K8s {
                run_as_user: Some(0),
                read_only_root: true,
                ..Default::default()
            }),
            flags: &["--writes", "/var/lib/app/x"],
            expect: "LAUNCH006",
        },
        Case {
            name: "k8s-user-write-root-dir",
            image: APP,
            args: &["--write", "/var/lib/app/x"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                ..Default::default()
            }),
            flags: &["--writes", "/var/lib/app/x"],
            expect: "LAUNCH015",
        },
        Case {
            name: "k8s-read-only-root-empty-dir",
            image: APP,
            args: &["--write", "/var/lib/app/x"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                read_only_root: true,
                empty_dir: Some("/var/lib/app"),
                ..Default::default()
            }),
            flags: &["--writes", "/var/lib/app/x"],
            expect: "runs",
        },
        Case {
            name: "k8s-config-map-0400-user",
            image: APP,
            args: &["--read", "/etc/cm/config"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                config_map_mode: Some("0400"),
                ..Default::default()
            }),
            flags: &["--reads", "/etc/cm/config"],
            expect: "LAUNCH007",
        },
        Case {
            name: "k8s-config-map-0400-fs-group",
            image: APP,
            args: &["--read", "/etc/cm/config"],
            how: How::Kube(K8s {
                run_as_user: Some(1000),
                fs_group: Some(2000),
                config_map_mode: Some("0400"),
                ..Default::default()
            }),
            flags: &["--reads", "/etc/cm/config"],
            expect: "runs",
        },
    ]
}

/// What really happened.
struct Real {
    code: i32,
    stderr: String,
}

impl Real {
    fn text(&self) -> String {
        let line = self
            .stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        format!("exit {} | {line}", self.code)
    }
}

/// The real outcome in whyrun's terms.
fn classify(text: &str) -> &'static str {
    let code = text
        .strip_prefix("exit ")
        .and_then(|t| t.split(' ').next())
        .unwrap_or("");
    match code {
        "0" => "runs",
        "10" => "LAUNCH005",
        "11" => "LAUNCH007",
        "12" => "LAUNCH006",
        _ if text.contains("unable to find user") || text.contains("unable to find group") => {
            "LAUNCH002"
        }
        _ if text.contains("workdir") && text.contains("does not exist") => "LAUNCH003",
        // The probe's write failing with EACCES (its exit 19, "anything else").
        "19" if text.contains("open ") && text.contains("Permission denied") => "LAUNCH015",
        _ => "unexpected",
    }
}

fn podman_run(dir: &Path, tag: &str, flags: &[&str], args: &[&str], hostdir: &Path) -> Real {
    let mut cmd = tool(dir, "podman");
    cmd.args(["run", "--rm"]);
    if !flags.contains(&"--network") {
        cmd.args(["--network", "none"]);
    }
    for f in flags {
        cmd.arg(f.replace("HOSTDIR", hostdir.to_str().unwrap()));
    }
    let out = cmd.arg(tag).args(args).output().unwrap();
    Real {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `runc run` of the bundle over a copy of the image's root.
fn runc_run(b: &Bundle, probe: &Path, args: &[&str], name: &str) -> Real {
    let t = tempfile::Builder::new()
        .prefix("whyrun-runc-")
        .tempdir()
        .unwrap();
    let rootfs = t.path().join("rootfs");
    std::fs::create_dir(&rootfs).unwrap();
    write_rootfs(&rootfs, probe);
    let st = Command::new("runc")
        .args(["spec", "--bundle"])
        .arg(t.path())
        .status()
        .unwrap();
    assert!(st.success(), "runc spec failed");
    let path = t.path().join("config.json");
    let mut c: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut argv = vec!["/app/probe".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    c["process"]["terminal"] = json!(false);
    c["process"]["args"] = json!(argv);
    c["process"]["cwd"] = json!(b.cwd);
    c["process"]["user"] = json!({"uid": b.uid, "gid": b.gid, "additionalGids": b.groups});
    c["process"]["capabilities"] = json!({
        "bounding": b.caps.bounding,
        "effective": b.caps.effective,
        "permitted": b.caps.permitted,
        "inheritable": b.caps.inheritable,
        "ambient": b.caps.ambient,
    });
    c["root"]["readonly"] = json!(b.readonly);
    if b.host_net {
        let ns = c["linux"]["namespaces"].as_array_mut().unwrap();
        ns.retain(|n| n["type"] != "network");
    }
    if let Some(p) = b.port_start {
        c["linux"]["sysctl"] = json!({"net.ipv4.ip_unprivileged_port_start": p.to_string()});
    }
    let mounts = c["mounts"].as_array_mut().unwrap();
    for m in &b.mounts {
        match m {
            BMount::RwDir(target) => {
                let d = t.path().join(format!("vol{}", mounts.len()));
                std::fs::create_dir(&d).unwrap();
                chmod(&d, 0o777);
                mounts.push(json!({
                    "destination": target, "type": "bind", "source": d,
                    "options": ["rbind", "rw"]
                }));
            }
            BMount::RoFile {
                target,
                file,
                mode,
                gid,
            } => {
                let d = t.path().join(format!("vol{}", mounts.len()));
                std::fs::create_dir(&d).unwrap();
                chmod(&d, 0o755);
                let f = d.join(file);
                std::fs::write(&f, "setting: 1\n").unwrap();
                chown(&f, 0, *gid);
                chmod(&f, *mode);
                mounts.push(json!({
                    "destination": target, "type": "bind", "source": d,
                    "options": ["rbind", "ro"]
                }));
            }
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&c).unwrap()).unwrap();
    let id = format!("whyrun-{name}");
    let _ = Command::new("runc")
        .args(["delete", "--force", &id])
        .output();
    let out = Command::new("runc")
        .args(["run", "--bundle"])
        .arg(t.path())
        .arg(&id)
        .output()
        .unwrap();
    let _ = Command::new("runc")
        .args(["delete", "--force", &id])
        .output();
    Real {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// whyrun's verdict, top code and message.
fn predict(archive: &Path, flags: &[String]) -> (String, String, String, String) {
    let out = Command::new(WHYRUN)
        .args(["check", "--image"])
        .arg(archive)
        .args(["--format", "json", "--no-config"])
        .args(flags)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value = crate::json_schema::parse_output(&out);
    let t = &v["binaries"][0]["targets"][0];
    let verdict = t["verdict"].as_str().unwrap_or("").to_string();
    let top = t["findings"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|f| f["level"] == "error" || f["undecided"] == true)
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .unwrap_or_default();
    (verdict, top.0, top.1, stderr)
}

#[test]
fn container_launches_agree_with_runc_and_podman() {
    let dir = setup();
    let probe = probe();
    let cases = cases();
    assert!(cases.len() >= 15);
    let outcomes = cache().join("outcomes");
    std::fs::create_dir_all(&outcomes).unwrap();
    let work = tempfile::tempdir().unwrap();
    let hostdir = work.path().join("data");
    std::fs::create_dir(&hostdir).unwrap();
    let drop_all = work.path().join("drop-all.yaml");
    std::fs::write(
        &drop_all,
        "services:\n  app:\n    image: app\n    user: \"0\"\n    cap_drop: [ALL]\n",
    )
    .unwrap();
    let vers = versions(&dir);
    let mut failures = Vec::new();
    for c in &cases {
        let img = {
            let _store = containers::lock();
            image(&dir, &probe, c.image)
        };
        let mut flags: Vec<String> = c
            .flags
            .iter()
            .map(|f| {
                if *f == "DROPALL" {
                    drop_all.display().to_string()
                } else {
                    f.to_string()
                }
            })
            .collect();
        let (settings, manifest) = match &c.how {
            How::Podman(f) => (format!("podman {f:?}"), None),
            How::Compose(f, compose) => (
                format!("podman {f:?} compose {compose}"),
                Some(("--compose", compose.to_string())),
            ),
            How::Runc(b) => (format!("runc {}", b.describe()), None),
            How::Kube(k) => {
                let image_user = if c.image.user == Some("app") {
                    (1000, 1000)
                } else {
                    (0, 0)
                };
                (
                    format!(
                        "kube {} {}",
                        k.bundle(image_user).describe(),
                        k.runtime.unwrap_or("")
                    ),
                    Some(("--manifest", k.manifest(c.args))),
                )
            }
        };
        if let Some((flag, text)) = &manifest {
            let file = work.path().join(format!("{}.yaml", c.name));
            std::fs::write(&file, text).unwrap();
            flags.push(flag.to_string());
            flags.push(file.display().to_string());
            if let How::Kube(K8s {
                runtime: Some(r), ..
            }) = &c.how
            {
                flags.push("--runtime".into());
                flags.push(r.to_string());
            }
        }
        let key = containers::cache_key(&[
            RECIPE.as_bytes(),
            PROBE_C.as_bytes(),
            vers.as_bytes(),
            c.image.user.unwrap_or("").as_bytes(),
            c.image.workdir.unwrap_or("").as_bytes(),
            c.image.port.unwrap_or("").as_bytes(),
            c.args.join(" ").as_bytes(),
            settings.as_bytes(),
        ]);
        let cached = outcomes.join(format!("{}-{key}", c.name));
        let real = match std::fs::read_to_string(&cached) {
            Ok(r) => r,
            Err(_) => {
                let r = match &c.how {
                    How::Podman(f) | How::Compose(f, _) => {
                        let _store = containers::lock();
                        podman_run(&dir, &img.tag, f, c.args, &hostdir)
                    }
                    How::Runc(b) => runc_run(b, &probe, c.args, c.name),
                    How::Kube(k) => {
                        let image_user = if c.image.user == Some("app") {
                            (1000, 1000)
                        } else {
                            (0, 0)
                        };
                        runc_run(&k.bundle(image_user), &probe, c.args, c.name)
                    }
                }
                .text();
                std::fs::write(&cached, &r).unwrap();
                r
            }
        };
        let (verdict, top, message, stderr) = predict(&img.archive, &flags);
        let class = classify(&real);
        let expected_verdict = match class {
            "runs" => "runs",
            "LAUNCH005" | "LAUNCH006" | "LAUNCH007" | "LAUNCH015" => "fails-at-runtime",
            _ => "wont-start",
        };
        let whyrun_class = if top.is_empty() { "runs" } else { top.as_str() };
        let ok = class == c.expect && whyrun_class == class && verdict == expected_verdict;
        println!(
            "{} {:38} real: {class:9} ({real})\n{:43} whyrun: {verdict} {top} {message} {}",
            if ok { "ok  " } else { "FAIL" },
            c.name,
            "",
            stderr.trim()
        );
        if !ok {
            failures.push(c.name);
        }
    }
    assert!(
        failures.is_empty(),
        "whyrun and the runtimes disagree on: {failures:?}"
    );
}

/// With no runtime named, a non-root user on port 80 is "cannot tell" (exit 3), and the
/// finding names `--runtime`; a manifest says it assumed containerd.
#[test]
fn an_unnamed_runtime_is_cannot_tell_and_a_manifest_means_containerd() {
    let dir = setup();
    let probe = probe();
    let img = {
        let _store = containers::lock();
        image(&dir, &probe, APP)
    };
    let out = Command::new(WHYRUN)
        .args(["check", "--image"])
        .arg(&img.archive)
        .args(["--no-config", "--port", "80", "--cap", "NET_BIND_SERVICE"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("--runtime"), "{stdout}");
    // The image config alone: USER app, EXPOSE 80.
    let exposed = {
        let _store = containers::lock();
        image(&dir, &probe, EXPOSED)
    };
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--image"])
        .arg(&exposed.archive)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("LAUNCH005") && stdout.contains("ExposedPorts 80"),
        "{stdout}"
    );
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("k8s.yaml");
    std::fs::write(
        &m,
        K8s {
            run_as_user: Some(1000),
            port: Some(80),
            ..Default::default()
        }
        .manifest(&[]),
    )
    .unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--image"])
        .arg(&img.archive)
        .args(["--no-config", "--format", "json", "--manifest"])
        .arg(&m)
        .output()
        .unwrap();
    let v: Value = crate::json_schema::parse_output(&out);
    let summary = v["binaries"][0]["summary"].as_str().unwrap_or("");
    assert!(
        summary.contains("containerd") && summary.contains("without --runtime"),
        "{summary}"
    );
}

/// A manifest with a bad document: one line naming file and line on stderr (exit 2), and
/// the good document is still checked.
#[test]
fn a_bad_manifest_document_is_one_line_and_the_rest_is_checked() {
    let dir = setup();
    let probe = probe();
    let img = {
        let _store = containers::lock();
        image(&dir, &probe, APP)
    };
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("k8s.yaml");
    std::fs::write(
        &m,
        "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n    - name: a\n      ports:\n        - containerPort: http\n---\nkind: Pod\nmetadata: {name: good}\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n    - name: b\n",
    )
    .unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--image"])
        .arg(&img.archive)
        .args(["--no-config", "--format", "json", "--manifest"])
        .arg(&m)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "whyrun: {}:7: containerPort: expected an integer",
            m.display()
        )
    );
    let v: Value = crate::json_schema::parse_output(&out);
    let t = &v["binaries"][0]["targets"][0];
    // The good Pod: runAsNonRoot with the image's named user, refused by kubelet.
    assert_eq!(t["findings"][0]["code"], "LAUNCH014", "{t}");
}

/// The README's Kubernetes session, word for word: `whyrun check --image app.tar
/// --manifest …` on the test image (`USER app`, the probe as its entrypoint), against
/// `fixtures/kubernetes/readme-session.txt`, which README.md shows. Regenerate with
/// `WHYRUN_BLESS_README=1` (and copy it into README.md).
#[test]
fn the_readme_manifest_session_is_what_whyrun_prints() {
    const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      containers:
        - name: app
          image: registry.example.com/web:1.4
          args: [\"--addr\", \":80\"]
          ports:
            - containerPort: 80
          securityContext:
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: config
              mountPath: /etc/web
              readOnly: true
      volumes:
        - name: config
          configMap:
            name: web-config
            defaultMode: 0400
";
    let fixed = MANIFEST
        .replace(
            "        runAsUser: 1000\n",
            "        runAsUser: 1000\n        fsGroup: 1000\n",
        )
        .replace(
            "              readOnly: true\n",
            "              readOnly: true\n            - name: cache\n              mountPath: /var/cache/web\n",
        )
        .replace(
            "      volumes:\n",
            "      volumes:\n        - name: cache\n          emptyDir: {}\n",
        );
    let dir = setup();
    let probe = probe();
    let img = {
        let _store = containers::lock();
        image(&dir, &probe, APP)
    };
    let t = tempfile::tempdir().unwrap();
    std::fs::copy(&img.archive, t.path().join("app.tar")).unwrap();
    std::fs::write(t.path().join("k8s.yaml"), MANIFEST).unwrap();
    std::fs::write(t.path().join("k8s-fixed.yaml"), &fixed).unwrap();
    let mut session = String::from("$ cat k8s.yaml\n");
    session.push_str(MANIFEST);
    let paths = "--reads /etc/web/config.yaml --writes /var/cache/web/index";
    for (shown, code) in [
        (format!("--manifest k8s.yaml {paths}"), 1),
        (format!("--manifest k8s-fixed.yaml {paths}"), 0),
        (
            format!("--manifest k8s-fixed.yaml {paths} --runtime cri-o"),
            1,
        ),
    ] {
        let line = format!("whyrun check --image app.tar {shown}");
        let out = Command::new(WHYRUN)
            .args(line.split_whitespace().skip(1))
            .args(["--no-config"])
            .current_dir(t.path())
            .output()
            .unwrap();
        session.push_str(&format!(
            "$ {line}\n{}$ echo $?\n{}\n",
            String::from_utf8_lossy(&out.stdout),
            out.status.code().unwrap_or(-1)
        ));
        assert_eq!(out.status.code(), Some(code), "{line}:\n{session}");
    }
    let file = crate::fixtures::repo().join("fixtures/kubernetes/readme-session.txt");
    if std::env::var_os("WHYRUN_BLESS_README").is_some() {
        std::fs::write(&file, &session).unwrap();
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    assert_eq!(
        session,
        want,
        "{} differs (WHYRUN_BLESS_README=1 to rewrite)",
        file.display()
    );
    let readme = std::fs::read_to_string(crate::fixtures::repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```console\n{want}```")),
        "README.md does not show {} as it is",
        file.display()
    );
}
