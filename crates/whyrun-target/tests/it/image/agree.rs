//! `--root` and `--image` agree: a directory tree is built, changed twice the way build
//! steps change a tree (a deletion, an opaque directory, edits), and each state is packed
//! as a layer (gzip, zstd, plain) of a `docker save` archive. The image must then read
//! exactly like the final directory read through `RootDirView`: every path's metadata,
//! owner, link target, contents and directory listing, the resolution of symlinked and
//! hostile paths, and the target model `describe` builds. With the debootstrapped Debian
//! root of fixtures/roots/build.sh present, the same holds for it, and the loader resolves
//! every ELF file's dependency tree identically in both.

use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use whyrun_target::describe::{describe, library_index, DescribeOptions};
use whyrun_target::fs::FileKind;
use whyrun_target::image::{Compression, ImageView};
use whyrun_target::model::SourceKind;
use whyrun_target::{Cpu, FileView, Loader, RootDirView, Target};

use super::support::*;

fn write(root: &Path, rel: &str, data: &[u8], mode: u32) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(gid)).unwrap();
}

/// The base tree: files, relative and absolute symlinks (into the tree, out of it, in a
/// loop, dangling), a hard link, a setuid file, owned files, a FIFO, a large file.
fn base(root: &Path) {
    write(
        root,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\n",
        0o644,
    );
    write(root, "etc/group", b"root:x:0:\n", 0o644);
    write(root, "etc/shadow", b"root:*:19000:0:99999:7:::\n", 0o640);
    write(root, "etc/hostname", b"base\n", 0o644);
    write(
        root,
        "etc/os-release",
        b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        0o644,
    );
    write(root, "etc/nsswitch.conf", b"hosts: files dns\n", 0o644);
    write(
        root,
        "usr/lib/libz.so.1.2.13",
        b"\x7fELF not really zlib",
        0o644,
    );
    symlink("libz.so.1.2.13", root.join("usr/lib/libz.so.1")).unwrap();
    symlink("usr/lib", root.join("lib")).unwrap();
    write(root, "usr/bin/app", b"#!/bin/sh\necho app\n", 0o755);
    std::fs::hard_link(root.join("usr/bin/app"), root.join("usr/bin/app-link")).unwrap();
    write(root, "usr/bin/su", b"setuid binary", 0o4755);
    write(root, "usr/bin/sg", b"setgid binary", 0o2755);
    write(root, "usr/share/doc/pkg/README", b"readme\n", 0o644);
    write(root, "usr/share/doc/pkg/sub/deep", b"deep\n", 0o644);
    write(root, "usr/share/old/a", b"old a\n", 0o644);
    write(root, "usr/share/old/b/c", b"old c\n", 0o644);
    symlink("/etc/passwd", root.join("abs")).unwrap();
    symlink("../../../../etc/shadow", root.join("usr/climb")).unwrap();
    symlink("loop2", root.join("loop1")).unwrap();
    symlink("loop1", root.join("loop2")).unwrap();
    symlink("/nonexistent/x", root.join("dangling")).unwrap();
    std::fs::create_dir_all(root.join("run/lock")).unwrap();
    std::fs::create_dir_all(root.join("var")).unwrap();
    symlink("/run", root.join("var/run")).unwrap();
    symlink("/", root.join("usr/lib/rootlink")).unwrap();
    write(root, "home/user/secret", b"mine\n", 0o600);
    chown(&root.join("home/user"), 1000, 1000);
    chown(&root.join("home/user/secret"), 1000, 1001);
    std::fs::create_dir_all(root.join("tmp")).unwrap();
    std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::create_dir_all(root.join("private")).unwrap();
    std::fs::set_permissions(root.join("private"), std::fs::Permissions::from_mode(0o700)).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("run/fifo"))
        .status()
        .unwrap();
    assert!(fifo.success());
    // Larger than the in-memory bound: read back from its layer on demand.
    let big: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    write(root, "usr/lib/big.bin", &big, 0o644);
}

/// The first build step: a deletion, a deleted directory, an opaque directory with new
/// content, an edited file, a changed mode and owner, a symlink retargeted, new files.
fn step1(root: &Path) {
    std::fs::remove_file(root.join("etc/hostname")).unwrap();
    std::fs::remove_dir_all(root.join("usr/share/old")).unwrap();
    std::fs::remove_dir_all(root.join("usr/share/doc/pkg")).unwrap();
    write(root, "usr/share/doc/pkg/NEWS", b"news\n", 0o644);
    write(
        root,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/user:/bin/sh\n",
        0o644,
    );
    std::fs::set_permissions(
        root.join("usr/bin/sg"),
        std::fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    chown(&root.join("usr/bin/sg"), 0, 50);
    write(root, "usr/lib/libz.so.1.3", b"\x7fELF newer zlib", 0o644);
    std::fs::remove_file(root.join("usr/lib/libz.so.1")).unwrap();
    symlink("libz.so.1.3", root.join("usr/lib/libz.so.1")).unwrap();
    write(root, "usr/local/bin/tool", b"tool\n", 0o755);
    std::fs::hard_link(
        root.join("usr/local/bin/tool"),
        root.join("usr/local/bin/tool2"),
    )
    .unwrap();
}

/// The second build step: a file replaced by a directory, a directory by a file, a
/// deletion of a hard link's first name, an entry in a directory reached through an
/// absolute symlink (`var/run` is `/run`).
fn step2(root: &Path) {
    std::fs::remove_file(root.join("usr/bin/app")).unwrap();
    std::fs::remove_dir_all(root.join("private")).unwrap();
    write(root, "private", b"now a file\n", 0o600);
    std::fs::remove_file(root.join("etc/nsswitch.conf")).unwrap();
    write(
        root,
        "etc/nsswitch.conf/README",
        b"now a directory\n",
        0o644,
    );
    write(root, "run/lock/step2.pid", b"2\n", 0o644);
    write(root, "etc/motd", b"hello\n", 0o644);
}

/// Builds the three-layer image of `base`, `step1`, `step2`; returns the final tree's
/// directory and the archive's bytes.
fn build() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    base(root);
    let l1 = pack(root);
    let s1 = scan(root);
    step1(root);
    let l2 = diff(&s1, root, &["usr/share/doc/pkg"]);
    let s2 = scan(root);
    step2(root);
    let l3 = diff(&s2, root, &[]);
    let layers = vec![
        Blob::new(&l1, Comp::Gzip),
        Blob::new(&l2, Comp::Zstd),
        Blob::new(&l3, Comp::None),
    ];
    let cfg = config(
        &layers,
        json!({"Entrypoint": ["app-link"], "Env": ["PATH=/usr/bin"]}),
    );
    let tarball = archive(&docker_legacy(&layers, &cfg, "agree:1"));
    (dir, tarball)
}

/// Every path of a view, found by listing directories from the root.
fn walk(v: &dyn FileView) -> BTreeMap<PathBuf, FileKind> {
    let mut out = BTreeMap::new();
    let mut stack = vec![PathBuf::from("/")];
    while let Some(d) = stack.pop() {
        for e in v.read_dir(&d).unwrap() {
            let p = d.join(&e.name);
            if e.kind == FileKind::Dir {
                stack.push(p.clone());
            }
            out.insert(p, e.kind);
        }
    }
    out
}

/// An outcome as text, so `Ok` values and errors compare alike.
fn show<T: std::fmt::Debug, E: std::fmt::Display>(r: Result<T, E>) -> String {
    match r {
        Ok(v) => format!("{v:?}"),
        Err(e) => format!("error: {e}"),
    }
}

/// Compares two views path by path; `owner` gives the real owner of a path of the root.
fn compare(root: &RootDirView, image: &ImageView, probes: &[&str]) -> usize {
    let a = walk(root);
    let b = walk(image);
    let only_root: Vec<_> = a.keys().filter(|p| !b.contains_key(*p)).collect();
    let only_image: Vec<_> = b.keys().filter(|p| !a.contains_key(*p)).collect();
    assert!(
        only_root.is_empty() && only_image.is_empty(),
        "paths only in the root: {only_root:?}\npaths only in the image: {only_image:?}"
    );
    assert_eq!(a, b, "kinds differ");
    let mut paths: Vec<PathBuf> = a.keys().cloned().collect();
    paths.push(PathBuf::from("/"));
    paths.extend(probes.iter().map(PathBuf::from));
    for p in &paths {
        let ra = root.symlink_metadata(p);
        let rb = image.symlink_metadata(p);
        match (&ra, &rb) {
            (Ok(x), Ok(y)) if x.kind == FileKind::Dir => {
                assert_eq!((x.kind, x.mode), (y.kind, y.mode), "{}: lstat", p.display());
            }
            _ => assert_eq!(show(ra), show(rb), "{}: lstat", p.display()),
        }
        if a.contains_key(p) {
            let real = root.root().join(p.strip_prefix("/").unwrap());
            let m = std::fs::symlink_metadata(&real).unwrap();
            let e = image.entry(p).unwrap();
            assert_eq!(
                (u64::from(m.uid()), u64::from(m.gid())),
                (e.uid, e.gid),
                "{}: owner",
                p.display()
            );
        }
        let fa = root.metadata(p);
        let fb = image.metadata(p);
        match (&fa, &fb) {
            (Ok(x), Ok(y)) if x.kind == FileKind::Dir => assert_eq!(x.mode, y.mode),
            _ => assert_eq!(show(fa), show(fb), "{}: stat", p.display()),
        }
        assert_eq!(
            show(root.canonicalize(p)),
            show(image.canonicalize(p)),
            "{}: canonicalize",
            p.display()
        );
        assert_eq!(
            show(root.read_link(p)),
            show(image.read_link(p)),
            "{}: readlink",
            p.display()
        );
        let kind = image.metadata(p).map(|m| m.kind).ok();
        match kind {
            Some(FileKind::File) => {
                let x = root.read(p, 1 << 40).unwrap();
                let y = image.read(p, 1 << 40).unwrap();
                assert!(x == y, "{}: contents differ", p.display());
                assert!(
                    *image.map(p).unwrap() == *x,
                    "{}: mapped contents",
                    p.display()
                );
                if !x.is_empty() {
                    assert_eq!(
                        show(root.read(p, x.len() as u64 - 1)),
                        show(image.read(p, x.len() as u64 - 1)),
                        "{}: bounded read",
                        p.display()
                    );
                }
            }
            Some(FileKind::Dir) => {
                assert_eq!(
                    root.read_dir(p).unwrap(),
                    image.read_dir(p).unwrap(),
                    "{}: listing",
                    p.display()
                );
            }
            _ => {}
        }
    }
    paths.len()
}

#[test]
fn root_and_image_agree_path_by_path() {
    let (dir, tarball) = build();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("agree.tar");
    std::fs::write(&file, &tarball).unwrap();
    let image = ImageView::open(&file).unwrap();
    let kinds: Vec<Compression> = image.layers().iter().map(|l| l.compression).collect();
    assert_eq!(
        kinds,
        [Compression::Gzip, Compression::Zstd, Compression::None]
    );
    let root = RootDirView::new(dir.path()).unwrap();
    let probes = [
        "/lib/libz.so.1",
        "/abs",
        "/usr/climb",
        "/loop1",
        "/loop2/x",
        "/dangling",
        "/var/run/lock/step2.pid",
        "/var/run/fifo",
        "/../../etc/passwd",
        "/usr/lib/../../etc/shadow",
        "/lib/../etc",
        "/lib/rootlink/lib/rootlink/etc/motd",
        "/etc/passwd/x",
        "/etc/hostname",
        "/usr/share/old/a",
        "/usr/share/doc/pkg/README",
        "/usr/bin/app",
        "/nonexistent",
        "relative/etc/passwd",
        "etc/../etc/./passwd",
    ];
    let n = compare(&root, &image, &probes);
    assert!(n > 40, "only {n} paths compared");
    // The deletions, the opaque directory and the retargeted link really happened.
    assert!(!image.exists(Path::new("/etc/hostname")));
    assert!(!image.exists(Path::new("/usr/share/doc/pkg/sub/deep")));
    assert_eq!(
        image.canonicalize(Path::new("/lib/libz.so.1")).unwrap(),
        Path::new("/usr/lib/libz.so.1.3")
    );
    assert_eq!(
        image.metadata(Path::new("/usr/bin/su")).unwrap().mode,
        0o4755
    );

    // The target models built from both are the same, but for how they are named.
    let opts = DescribeOptions::files_only("t", SourceKind::Root);
    assert_eq!(describe(&root, &opts), describe(&image, &opts));
}

#[test]
fn image_layouts_of_the_same_tree_agree() {
    // The same layers in every layout read the same.
    let (dir, _) = build();
    let root = RootDirView::new(dir.path()).unwrap();
    let tree = walk(&root);
    let base = tempfile::tempdir().unwrap();
    base_layers_roundtrip(base.path(), &root, &tree);
}

fn base_layers_roundtrip(tmp: &Path, root: &RootDirView, tree: &BTreeMap<PathBuf, FileKind>) {
    let l = pack(root.root());
    let layers = vec![Blob::new(&l, Comp::Zstd)];
    let cfg = config(&layers, json!({}));
    let layouts: Vec<(&str, Files)> = vec![
        ("legacy", docker_legacy(&layers, &cfg, "x:1")),
        ("docker25", oci_layout(&layers, &cfg, "x:1", true)),
        ("oci", oci_layout(&layers, &cfg, "x:1", false)),
    ];
    for (name, files) in layouts {
        let t = tmp.join(format!("{name}.tar"));
        std::fs::write(&t, archive(&files)).unwrap();
        let d = tmp.join(name);
        write_dir(&files, &d);
        for path in [t, d] {
            let image = ImageView::open(&path).unwrap();
            assert_eq!(&walk(&image), tree, "{name}: {}", path.display());
            compare(root, &image, &[]);
        }
    }
}

/// The debootstrapped Debian root, when fixtures/roots/build.sh has built it.
/// The debootstrapped root; the test command builds it, so its absence is a failure.
fn debian_root() -> PathBuf {
    let roots = std::env::var_os("WHYRUN_ROOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cache/whyrun/roots")
        });
    let p = roots.join("bookworm");
    assert!(
        p.join("etc/debian_version").exists(),
        "{} missing: build it with `bash fixtures/roots/build.sh` (the test command does)",
        p.display()
    );
    p
}

#[test]
fn debian_root_and_its_image_agree() {
    let src = debian_root();
    let dir = tempfile::tempdir().unwrap();
    let root_dir = dir.path().join("root");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&src)
        .arg(&root_dir)
        .status()
        .unwrap();
    assert!(status.success());
    let t = Instant::now();
    let l1 = pack(&root_dir);
    let s1 = scan(&root_dir);
    // A build step: a library link deleted, apt's configuration made opaque, a file added.
    let libs = root_dir.join("usr/lib/x86_64-linux-gnu");
    let victim = std::fs::read_dir(&libs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("libzstd.so"))
        .find(|p| p.is_symlink());
    if let Some(v) = &victim {
        std::fs::remove_file(v).unwrap();
    }
    std::fs::remove_dir_all(root_dir.join("etc/apt")).unwrap();
    write(
        &root_dir,
        "etc/apt/README",
        b"apt configuration removed\n",
        0o644,
    );
    write(&root_dir, "etc/motd", b"built\n", 0o644);
    let l2 = diff(&s1, &root_dir, &["etc/apt"]);
    let layers = vec![Blob::new(&l1, Comp::Zstd), Blob::new(&l2, Comp::Gzip)];
    let cfg = config(&layers, json!({"Cmd": ["bash"]}));
    let file = dir.path().join("debian.tar");
    std::fs::write(&file, archive(&docker_legacy(&layers, &cfg, "debian:12"))).unwrap();
    eprintln!("packed in {:?}", t.elapsed());

    let t = Instant::now();
    let image = ImageView::open(&file).unwrap();
    eprintln!("opened in {:?}", t.elapsed());
    let root = RootDirView::new(&root_dir).unwrap();
    let n = compare(
        &root,
        &image,
        &["/lib64/ld-linux-x86-64.so.2", "/bin/sh", "/usr/bin/awk"],
    );
    eprintln!("{n} paths agree");

    let opts = DescribeOptions::files_only("debian", SourceKind::Root);
    let ma = describe(&root, &opts);
    let mb = describe(&image, &opts);
    assert_eq!(ma, mb);
    assert!(ma.libc.is_some(), "the Debian root has a libc");
    assert_eq!(
        library_index(&root, ma.libc.as_ref()),
        library_index(&image, mb.libc.as_ref())
    );
    assert_eq!(image.entrypoint().unwrap().path, Path::new("/usr/bin/bash"));

    // The loader resolves every ELF program and library the same way in both.
    let cpu = Cpu::detect();
    let la = Loader::new(Target::from_view(Arc::new(root.clone()), cpu.clone()));
    let image = Arc::new(image);
    let lb = Loader::new(Target::from_view(image.clone(), cpu));
    let mut checked = 0;
    for dir in ["/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu"] {
        for e in root.read_dir(Path::new(dir)).unwrap() {
            let p = Path::new(dir).join(&e.name);
            if e.kind != FileKind::File {
                continue;
            }
            let Ok(head) = root.read(&p, 1 << 40) else {
                continue;
            };
            if !head.starts_with(b"\x7fELF") {
                continue;
            }
            let ta = la.resolve(&p).map(|t| serde_json::to_value(&t).unwrap());
            let tb = lb.resolve(&p).map(|t| serde_json::to_value(&t).unwrap());
            assert_eq!(
                show(ta),
                show(tb),
                "{}: dependency trees differ",
                p.display()
            );
            checked += 1;
        }
    }
    eprintln!("{checked} ELF files resolve alike");
    assert!(checked > 100);
}
