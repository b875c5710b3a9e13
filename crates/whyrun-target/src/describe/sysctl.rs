//! The kernel settings launch rules need (`net.ipv4.ip_unprivileged_port_start`): on the
//! running machine from `/proc/sys`, in a root or an image from the sysctl configuration
//! it applies at boot (sysctl.d(5)). Values only; what they mean is the rules' business.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fs::FileView;

use super::read_small;

/// The keys read.
pub const KEYS: &[&str] = &["net.ipv4.ip_unprivileged_port_start"];

/// sysctl.d(5), "Configuration Directories and Precedence": files named `*.conf` in these
/// directories, sorted by file name across all of them; a name in an earlier directory
/// masks the same name in a later one. `/etc/sysctl.conf` is read last (procps's
/// `sysctl --system`; Debian links it as /etc/sysctl.d/99-sysctl.conf).
const DIRS: &[&str] = &[
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// Largest configuration file read.
const MAX_BYTES: u64 = 256 * 1024;

/// The running machine's values, `/proc/sys/net/ipv4/…`; the source of each is its path.
pub fn running(machine: &dyn FileView) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for key in KEYS {
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        if let Ok(Some(v)) = read_small(machine, &path, 64) {
            out.insert(
                key.to_string(),
                (String::from_utf8_lossy(&v).trim().to_string(), path),
            );
        }
    }
    out
}

/// The values the root's sysctl configuration sets at boot; the source of each is
/// `FILE:LINE`. A key set nowhere is absent (the kernel default stands).
pub fn configured(view: &dyn FileView) -> BTreeMap<String, (String, String)> {
    // File name → the directory that wins it.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for dir in DIRS {
        let Ok(entries) = view.read_dir(Path::new(dir)) else {
            continue;
        };
        for e in entries {
            let name = e.name;
            if name.ends_with(".conf") {
                files.entry(name).or_insert_with(|| dir.to_string());
            }
        }
    }
    let mut paths: Vec<String> = files
        .iter()
        .map(|(name, dir)| format!("{dir}/{name}"))
        .collect();
    paths.push("/etc/sysctl.conf".into());
    let mut out = BTreeMap::new();
    for path in paths {
        let Ok(bytes) = view.read(Path::new(&path), MAX_BYTES) else {
            continue;
        };
        for (key, value, line) in parse(&String::from_utf8_lossy(&bytes)) {
            if KEYS.contains(&key.as_str()) {
                out.insert(key, (value, format!("{path}:{line}")));
            }
        }
    }
    out
}

/// `key = value` lines (sysctl.conf(5)): `#` and `;` comments, `/` or `.` separators, a
/// leading `-` (ignore failures) dropped.
fn parse(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let key = k.trim().trim_start_matches('-').replace('/', ".");
        out.push((key, v.trim().to_string(), i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keys_and_comments() {
        let p = parse(
            "# c\n; c\nnet.ipv4.ip_unprivileged_port_start = 0\n-net/ipv4/ping_group_range=0 1\nbad\n",
        );
        assert_eq!(
            p,
            [
                ("net.ipv4.ip_unprivileged_port_start".into(), "0".into(), 3),
                ("net.ipv4.ping_group_range".into(), "0 1".into(), 4)
            ]
        );
    }

    #[test]
    fn etc_masks_usr_lib_and_sysctl_conf_comes_last() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for d in ["etc/sysctl.d", "usr/lib/sysctl.d"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        let key = "net.ipv4.ip_unprivileged_port_start";
        std::fs::write(r.join("usr/lib/sysctl.d/50-a.conf"), format!("{key}=80\n")).unwrap();
        std::fs::write(r.join("etc/sysctl.d/50-a.conf"), "# masked\n").unwrap();
        std::fs::write(r.join("usr/lib/sysctl.d/60-b.conf"), format!("{key}=443\n")).unwrap();
        let view = crate::fs::RootDirView::new(r).unwrap();
        assert_eq!(
            configured(&view)[key],
            (
                "443".to_string(),
                "/usr/lib/sysctl.d/60-b.conf:1".to_string()
            )
        );
        std::fs::write(r.join("etc/sysctl.conf"), format!("\n{key} = 0\n")).unwrap();
        assert_eq!(
            configured(&view)[key],
            ("0".to_string(), "/etc/sysctl.conf:2".to_string())
        );
    }
}
