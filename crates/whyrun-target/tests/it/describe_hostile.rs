//! Hostile roots: describing a root full of odd files (binary junk in os-release, a
//! 10 GB sparse passwd, symlink loops, absolute symlinks pointing out of the root, a
//! directory where a file belongs, a truncated libc) gives a model with warnings, never a
//! panic, and never reads outside the root.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use whyrun_target::describe::{describe, library_index, DescribeOptions};
use whyrun_target::model::SourceKind;
use whyrun_target::RootDirView;

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

#[test]
fn odd_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    // Binary junk where text belongs.
    write(
        r,
        "etc/os-release",
        b"\xff\xfe\x00ID=\x01\x02\nVERSION_ID=\"\xc3\x28\"\n=\n\"\n",
    );
    write(r, "etc/group", b"\x00\x00:::::\nwheel:x:notanumber:\n");
    write(r, "etc/nsswitch.conf", b"\xffhosts:\x00 files\n");
    // A 10 GB passwd (sparse): refused by the size bound.
    let f = fs::File::create(r.join("etc/passwd")).unwrap();
    f.set_len(10 << 30).unwrap();
    // Symlink loops and escapes.
    symlink("/etc/resolv.conf", r.join("etc/resolv.conf")).unwrap();
    symlink("hosts", r.join("etc/hosts")).unwrap();
    fs::create_dir_all(r.join("lib64")).unwrap();
    symlink(
        "/lib64/ld-linux-x86-64.so.2",
        r.join("lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    fs::create_dir_all(r.join("lib")).unwrap();
    symlink(
        "/../../../../lib/ld-musl-x86_64.so.1",
        r.join("lib/ld-musl-x86_64.so.1"),
    )
    .unwrap();
    symlink("/etc/shadow", r.join("lib/ld-linux-aarch64.so.1")).unwrap();
    // A directory where the CA bundle belongs; a file where /tmp belongs.
    fs::create_dir_all(r.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    write(r, "tmp", b"not a dir");
    // A truncated "libc" behind a loader that is junk too.
    write(r, "lib/ld-linux-armhf.so.3", b"\x7fELF\x01\x01\x01");
    write(
        r,
        "lib/libc.so.6",
        b"\x7fELF\x02\x01\x01\x00GNU C Library version \xff",
    );
    write(
        r,
        "etc/ld.so.cache",
        b"glibc-ld.so.cache1.1\xff\xff\xff\xff",
    );
    // /proc of a "machine" full of junk.
    write(r, "proc/sys/kernel/osrelease", b"\xff\x00\n");
    write(r, "proc/cpuinfo", b"flags\t: \xff\xfe\nmodel name:\n\n");
    write(r, "proc/sys/fs/binfmt_misc/status", b"enabled\n");
    write(
        r,
        "proc/sys/fs/binfmt_misc/junk",
        b"magic 7f454c46\nmask zz\noffset 99999999999999999999\n",
    );
    symlink("junk2", r.join("proc/sys/fs/binfmt_misc/junk2")).unwrap();
    write(r, "proc/self/mountinfo", b"1 2 3\n- - -\n\xff \xff - x\n");

    let view = RootDirView::new(r).unwrap();
    let opts = DescribeOptions {
        name: "hostile".into(),
        source: SourceKind::Root,
        machine: Some(&view),
        mounts: true,
        env: None,
        kernel: None,
        cpu: None,
    };
    let m = describe(&view, &opts);
    assert!(m.os.is_none() || m.os.as_ref().is_some_and(|o| !o.id.contains('\u{1}')));
    assert!(m.runtime_files.passwd, "passwd exists");
    assert!(m.users.is_empty(), "a 10 GB passwd is not parsed");
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("/etc/passwd") && w.contains("larger")),
        "{:?}",
        m.warnings
    );
    assert_eq!(m.runtime_files.ca_bundle, None);
    assert!(!m.runtime_files.tmp);
    assert!(!m.runtime_files.resolv_conf && !m.runtime_files.etc_hosts);
    assert_eq!(m.libc, None, "no usable libc in junk");
    assert!(
        m.interpreters
            .iter()
            .all(|i| i == "/lib/ld-linux-armhf.so.3"),
        "{:?}",
        m.interpreters
    );
    assert!(library_index(&view, m.libc.as_ref()).is_empty());
    assert!(m.binfmt.iter().all(|b| b.arch.is_none()));
}

#[test]
fn empty_root_is_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let view = RootDirView::new(dir.path()).unwrap();
    let m = describe(
        &view,
        &DescribeOptions::files_only("empty", SourceKind::Root),
    );
    assert!(m.os.is_none() && m.libc.is_none() && m.interpreters.is_empty());
    assert!(!m.runtime_files.passwd && !m.runtime_files.tmp);
    assert!(m.kernel.is_none() && m.cpu.is_none() && m.env.is_empty());
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}
