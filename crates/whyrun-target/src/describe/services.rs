//! What starts programs on a target and what confines them: the installed versions of
//! the service manager and the container runtimes (from the package database: dpkg's
//! `/var/lib/dpkg/status`, apk's `/lib/apk/db/installed`; RPM's database is not read),
//! and the state of SELinux and AppArmor (the running kernel's `/sys` when the target is
//! this machine, else `/etc/selinux/config`). Values only; the launch rules judge them.

use std::collections::BTreeMap;

use crate::fs::FileView;
use crate::model::Reading;

use super::read_small;

/// The packages whose versions launch rules and users need.
const PACKAGES: &[&str] = &[
    "systemd",
    "podman",
    "docker.io",
    "docker-ce",
    "containerd",
    "containerd.io",
    "runc",
    "crun",
    "cri-o",
    "kubelet",
];

/// Largest package database read (Debian's status file is a few MB).
const MAX_DB_BYTES: u64 = 64 << 20;

/// Versions of [`PACKAGES`] installed in the target.
pub(super) fn packages(
    view: &dyn FileView,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, Reading> {
    let mut out = BTreeMap::new();
    let dpkg = "/var/lib/dpkg/status";
    match read_small(view, dpkg, MAX_DB_BYTES) {
        Ok(Some(bytes)) => {
            for (name, version) in dpkg_installed(&String::from_utf8_lossy(&bytes)) {
                out.insert(
                    name,
                    Reading {
                        value: version,
                        from: dpkg.into(),
                    },
                );
            }
        }
        Ok(None) => {}
        Err(e) => warnings.push(e),
    }
    let apk = "/lib/apk/db/installed";
    match read_small(view, apk, MAX_DB_BYTES) {
        Ok(Some(bytes)) => {
            for (name, version) in apk_installed(&String::from_utf8_lossy(&bytes)) {
                out.insert(
                    name,
                    Reading {
                        value: version,
                        from: apk.into(),
                    },
                );
            }
        }
        Ok(None) => {}
        Err(e) => warnings.push(e),
    }
    out
}

/// dpkg's status file: paragraphs of `Package:`, `Status:`, `Version:`; only packages
/// whose status is `install ok installed` count.
fn dpkg_installed(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let field = |k: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_string()))
        };
        let (Some(name), Some(status), Some(version)) =
            (field("Package:"), field("Status:"), field("Version:"))
        else {
            continue;
        };
        if status.ends_with(" installed") && PACKAGES.contains(&name.as_str()) {
            out.push((name, version));
        }
    }
    out
}

/// apk's installed database: paragraphs of `P:name` and `V:version`.
fn apk_installed(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for para in text.split("\n\n") {
        let field = |k: &str| {
            para.lines()
                .find_map(|l| l.strip_prefix(k).map(str::to_string))
        };
        if let (Some(name), Some(version)) = (field("P:"), field("V:")) {
            if PACKAGES.contains(&name.as_str()) {
                out.push((name, version));
            }
        }
    }
    out
}

/// SELinux and AppArmor as the running kernel has them (`machine`), else as the target
/// configures SELinux.
pub(super) fn security(
    view: &dyn FileView,
    machine: Option<&dyn FileView>,
) -> BTreeMap<String, Reading> {
    let mut out = BTreeMap::new();
    let mut put = |k: &str, value: String, from: &str| {
        out.insert(
            k.to_string(),
            Reading {
                value,
                from: from.to_string(),
            },
        );
    };
    if let Some(m) = machine {
        let enforce = "/sys/fs/selinux/enforce";
        match read_small(m, enforce, 16) {
            Ok(Some(b)) => {
                let mode = if String::from_utf8_lossy(&b).trim() == "1" {
                    "enforcing"
                } else {
                    "permissive"
                };
                put("selinux", mode.into(), enforce);
            }
            _ => put("selinux", "disabled".into(), "/sys/fs/selinux (absent)"),
        }
        let aa = "/sys/module/apparmor/parameters/enabled";
        match read_small(m, aa, 16) {
            Ok(Some(b)) => {
                let on = String::from_utf8_lossy(&b).trim() == "Y";
                put(
                    "apparmor",
                    if on { "enabled" } else { "disabled" }.into(),
                    aa,
                );
            }
            _ => put(
                "apparmor",
                "disabled".into(),
                "/sys/module/apparmor (absent)",
            ),
        }
    }
    if let Some(c) = crate::selinux::config(view) {
        if machine.is_none() {
            put("selinux", c.mode.clone(), &c.at);
        }
        put("selinux-policy", c.policy, "/etc/selinux/config");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_packages_of_dpkg_and_apk() {
        let dpkg = "Package: systemd\nStatus: install ok installed\nVersion: 252.39-1~deb12u2\n\nPackage: podman\nStatus: deinstall ok config-files\nVersion: 4.3.1\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2\n";
        assert_eq!(
            dpkg_installed(dpkg),
            [("systemd".to_string(), "252.39-1~deb12u2".to_string())]
        );
        let apk = "C:Q1abc\nP:containerd\nV:1.7.13-r0\n\nP:busybox\nV:1.36\n";
        assert_eq!(
            apk_installed(apk),
            [("containerd".to_string(), "1.7.13-r0".to_string())]
        );
    }
}
