//! Fuzz target: any bytes as the security files whyrun reads from a target: a file's
//! `security.capability` attribute, an SELinux `file_contexts`, and an AppArmor profile
//! (in a root that has Debian-like includes missing). Each must give a value or an error,
//! never panic or loop, and the lookups over them must end.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use whyrun_target::fs::RootDirView;
use whyrun_target::{apparmor, filecaps, selinux};

/// One root for the whole run; each input is written into it.
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("whyrun-fuzz-security-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("etc/selinux/fuzz/contexts/files")).unwrap();
        std::fs::create_dir_all(dir.join("etc/apparmor.d")).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = filecaps::decode(data);
    let r = root();
    std::fs::write(r.join("etc/selinux/fuzz/contexts/files/file_contexts"), data).unwrap();
    std::fs::write(r.join("etc/apparmor.d/app"), data).unwrap();
    let view = RootDirView::new(r).unwrap();
    if let Ok(Some(fc)) = selinux::file_contexts(&view, "fuzz") {
        for p in ["/usr/bin/app", "/home/a/b", "/", "/etc/dhcp/x"] {
            let _ = fc.lookup(p, selinux::Kind::File);
        }
    }
    let _ = apparmor::profile_for(&view, "/usr/local/bin/app", None);
    let _ = apparmor::profile_for(&view, "/x", Some("app"));
});
