//! The shapes an image comes in (legacy and OCI-based `docker save`, OCI layouts as
//! directories and tars, multi-platform indexes), compression recognised by magic, the
//! image config, the entrypoint lookup, and large files read back from their layers.

use std::path::Path;

use serde_json::json;
use whyrun_target::fs::{FileBytes, FileKind};
use whyrun_target::image::{
    ChosenBy, Compression, EntrypointError, ImageOptions, ImageView, Limits, Selector,
};
use whyrun_target::FileView;

use super::support::*;

fn simple_layers() -> Vec<Blob> {
    let l1 = LayerTar::new()
        .dir("usr/", 0o755)
        .dir("usr/bin/", 0o755)
        .file("usr/bin/server", b"\x7fELF server", 0o755)
        .file("usr/bin/notexec", b"data", 0o644)
        .dir("etc/", 0o755)
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644)
        .symlink("bin", "usr/bin")
        .finish();
    let l2 = LayerTar::new()
        .dir("app/", 0o755)
        .file("app/run.sh", b"#!/bin/sh\n", 0o755)
        .file("usr/local/bin/notexec", b"x", 0o644)
        .finish();
    vec![Blob::new(&l1, Comp::Gzip), Blob::new(&l2, Comp::Zstd)]
}

fn open_bytes(files: &Files) -> ImageView {
    ImageView::from_bytes("test.tar", archive(files), &ImageOptions::default()).unwrap()
}

#[test]
fn every_layout_opens() {
    let layers = simple_layers();
    let cfg = config(&layers, json!({"Cmd": ["server"]}));
    let tmp = tempfile::tempdir().unwrap();
    for (name, files) in [
        ("legacy", docker_legacy(&layers, &cfg, "app:1")),
        ("docker25", oci_layout(&layers, &cfg, "app:1", true)),
        ("oci", oci_layout(&layers, &cfg, "app:1", false)),
    ] {
        let t = tmp.path().join(format!("{name}.tar"));
        std::fs::write(&t, archive(&files)).unwrap();
        let d = tmp.path().join(name);
        write_dir(&files, &d);
        for p in [&t, &d] {
            let v = ImageView::open(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                v.read(Path::new("/bin/server"), 100).unwrap(),
                b"\x7fELF server"
            );
            assert_eq!(v.layers().len(), 2);
            assert_eq!(v.layers()[0].compression, Compression::Gzip);
            assert_eq!(v.layers()[1].compression, Compression::Zstd);
            assert_eq!(v.os(), Some("linux"));
            assert!(v.describe().starts_with("image "));
            assert_eq!(v.entrypoint().unwrap().path, Path::new("/usr/bin/server"));
        }
    }
}

#[test]
fn legacy_save_with_a_layer_linked_to_another() {
    // docker save writes an identical layer once and symlinks the second copy to it.
    let l = LayerTar::new().file("a", b"a", 0o644).finish();
    let layers = vec![Blob::new(&l, Comp::None), Blob::new(&l, Comp::None)];
    let cfg = config(&layers, json!({}));
    let files = docker_legacy(&layers, &cfg, "dup:1");
    let mut b = tar::Builder::new(Vec::new());
    let first = files
        .iter()
        .find(|(n, _)| n.ends_with("layer.tar"))
        .unwrap()
        .0
        .clone();
    let mut second = String::new();
    for (n, data) in &files {
        if n.ends_with("layer.tar") && *n != first {
            second = n.clone();
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            let dir = first.split('/').next().unwrap();
            b.append_link(&mut h, n, format!("../{dir}/layer.tar"))
                .unwrap();
            continue;
        }
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, n, &data[..]).unwrap();
    }
    assert!(!second.is_empty());
    let v = ImageView::from_bytes("dup.tar", b.into_inner().unwrap(), &ImageOptions::default())
        .unwrap();
    assert_eq!(v.layers().len(), 2);
    assert_eq!(v.read(Path::new("/a"), 10).unwrap(), b"a");
}

#[test]
fn compression_is_recognised_by_magic_not_media_type() {
    let l = LayerTar::new().file("f", b"zstd inside", 0o644).finish();
    let blob = Blob::new(&l, Comp::Zstd);
    let cfg = config(std::slice::from_ref(&blob), json!({}));
    // The manifest says gzip; the bytes are zstd.
    let mut files = oci_layout(std::slice::from_ref(&blob), &cfg, "m:1", false);
    let manifest = oci_manifest(std::slice::from_ref(&blob), &cfg);
    let lying = String::from_utf8(manifest.clone())
        .unwrap()
        .replace("tar+zstd", "tar+gzip")
        .into_bytes();
    files.retain(|(n, _)| !n.ends_with(hex(&sha256(&manifest))) && n != "index.json");
    files.push((
        format!("blobs/sha256/{}", hex(&sha256(&lying))),
        lying.clone(),
    ));
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": sha256(&lying), "size": lying.len()}]});
    files.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
    let v = open_bytes(&files);
    assert_eq!(v.layers()[0].compression, Compression::Zstd);
    assert_eq!(v.read(Path::new("/f"), 100).unwrap(), b"zstd inside");
}

#[test]
fn multi_platform_index_selects_a_platform() {
    let mk = |arch: &str| {
        let l = LayerTar::new()
            .file("arch", arch.as_bytes(), 0o644)
            .finish();
        let blob = Blob::new(&l, Comp::Gzip);
        let cfg = serde_json::to_vec(&json!({
            "architecture": arch, "os": "linux",
            "variant": if arch == "arm64" { "v8" } else { "" },
            "rootfs": {"type": "layers", "diff_ids": [blob.diff_id]}}))
        .unwrap();
        (blob, cfg)
    };
    let mut files: Files = Vec::new();
    let mut descs = Vec::new();
    for arch in ["arm64", "amd64"] {
        let (blob, cfg) = mk(arch);
        let m = oci_manifest(std::slice::from_ref(&blob), &cfg);
        files.push((
            format!("blobs/sha256/{}", hex(&blob.digest())),
            blob.data.clone(),
        ));
        files.push((format!("blobs/sha256/{}", hex(&sha256(&cfg))), cfg.clone()));
        files.push((format!("blobs/sha256/{}", hex(&sha256(&m))), m.clone()));
        let variant = if arch == "arm64" {
            json!("v8")
        } else {
            json!(null)
        };
        descs.push(
            json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&m), "size": m.len(),
            "platform": {"architecture": arch, "os": "linux", "variant": variant}}),
        );
    }
    // An attestation manifest, as buildx adds: never chosen.
    descs.push(
        json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{}", "0".repeat(64)), "size": 1,
        "platform": {"architecture": "unknown", "os": "unknown"},
        "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}),
    );
    let nested = serde_json::to_vec(&json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descs}))
    .unwrap();
    files.push((
        format!("blobs/sha256/{}", hex(&sha256(&nested))),
        nested.clone(),
    ));
    files.push((
        "index.json".into(),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha256(&nested), "size": nested.len(),
            "annotations": {"org.opencontainers.image.ref.name": "multi:1"}}]}))
        .unwrap(),
    ));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    let bytes = archive(&files);
    let open = |platform: Option<&str>| {
        let opts = ImageOptions {
            select: Selector {
                platform: platform.map(str::to_string),
                reference: None,
            },
            ..ImageOptions::default()
        };
        ImageView::from_bytes("multi.tar", bytes.clone(), &opts)
    };
    let arm = open(Some("linux/arm64/v8")).unwrap();
    assert_eq!(arm.read(Path::new("/arch"), 10).unwrap(), b"arm64");
    assert_eq!(arm.config().architecture.as_deref(), Some("arm64"));
    assert_eq!(arm.config().variant.as_deref(), Some("v8"));
    assert_eq!(arm.available().len(), 2);
    let amd = open(Some("amd64")).unwrap();
    assert_eq!(amd.read(Path::new("/arch"), 10).unwrap(), b"amd64");
    let err = open(Some("linux/s390x")).unwrap_err().to_string();
    assert!(
        err.starts_with("multi.tar: no image for platform linux/s390x"),
        "{err}"
    );
    // Without a platform, the one whyrun is built for when present.
    let default = open(None).unwrap();
    if cfg!(target_arch = "x86_64") {
        assert_eq!(default.read(Path::new("/arch"), 10).unwrap(), b"amd64");
    }
    // As a target (`--image multi.tar --platform linux/arm64`): named with the image read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("multi.tar");
    std::fs::write(&path, &bytes).unwrap();
    let spec = whyrun_target::TargetSpec {
        images: vec![path.clone()],
        platform: Some("linux/arm64".into()),
        ..Default::default()
    };
    let (opened, failed) = whyrun_target::open_all(&spec);
    assert!(failed.is_empty(), "{failed:?}");
    let model = &opened[0].model;
    assert_eq!(
        model.image.as_ref().unwrap().architecture.as_deref(),
        Some("arm64")
    );
    assert!(
        model.name.starts_with(&format!("{} (", path.display())),
        "{}",
        model.name
    );
    assert!(model.name.contains("arm64"), "{}", model.name);
    let sel = opened[0].image.as_ref().unwrap();
    assert_eq!(sel.chosen_by, ChosenBy::Selector);
    assert_eq!(sel.platform.as_deref(), Some("linux/arm64/v8"));
    assert_eq!(sel.others, ["multi:1 (linux/amd64)"]);

    // Without --platform: every image, each a target of its own, in the archive's order.
    let each = ImageView::open_each(&path, &ImageOptions::default()).unwrap();
    let selections: Vec<_> = each
        .iter()
        .map(|v| v.as_ref().unwrap().selection())
        .collect();
    assert_eq!(
        selections
            .iter()
            .map(|s| (s.image.as_str(), s.platform.as_deref(), s.chosen_by))
            .collect::<Vec<_>>(),
        [
            (
                "multi:1 (linux/arm64/v8)",
                Some("linux/arm64/v8"),
                ChosenBy::Each
            ),
            ("multi:1 (linux/amd64)", Some("linux/amd64"), ChosenBy::Each),
        ]
    );
    assert_eq!(selections[1].others, ["multi:1 (linux/arm64/v8)"]);
    let spec = whyrun_target::TargetSpec {
        images: vec![path.clone()],
        ..Default::default()
    };
    let (opened, failed) = whyrun_target::open_all(&spec);
    assert!(failed.is_empty(), "{failed:?}");
    let arches: Vec<_> = opened
        .iter()
        .map(|t| {
            t.model
                .image
                .as_ref()
                .unwrap()
                .architecture
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(arches, ["arm64", "amd64"]);
    // On this machine (--this-machine), the one a runtime here would pull.
    let spec = whyrun_target::TargetSpec {
        this_machine: true,
        ..spec
    };
    let (opened, _) = whyrun_target::open_all(&spec);
    assert_eq!(opened.len(), 1);
    if cfg!(target_arch = "x86_64") {
        let sel = opened[0].image.as_ref().unwrap();
        assert_eq!(
            (sel.platform.as_deref(), sel.chosen_by),
            (Some("linux/amd64"), ChosenBy::Native)
        );
    }
}

#[test]
fn reference_selects_among_saved_images() {
    let a = vec![Blob::new(
        &LayerTar::new().file("who", b"a", 0o644).finish(),
        Comp::None,
    )];
    let b = vec![Blob::new(
        &LayerTar::new().file("who", b"b", 0o644).finish(),
        Comp::None,
    )];
    let ca = config(&a, json!({}));
    let cb = config(&b, json!({}));
    let mut files = docker_legacy(&a, &ca, "a:1");
    let fb = docker_legacy(&b, &cb, "b:1");
    // One manifest.json listing both images.
    let ma: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|f| f.0 == "manifest.json").unwrap().1).unwrap();
    let mb: serde_json::Value =
        serde_json::from_slice(&fb.iter().find(|f| f.0 == "manifest.json").unwrap().1).unwrap();
    files.retain(|f| f.0 != "manifest.json" && f.0 != "repositories");
    files.extend(
        fb.into_iter()
            .filter(|f| f.0 != "manifest.json" && f.0 != "repositories"),
    );
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&json!([ma[0], mb[0]])).unwrap(),
    ));
    let bytes = archive(&files);
    let open = |r: Option<&str>| {
        let opts = ImageOptions {
            select: Selector {
                reference: r.map(str::to_string),
                platform: None,
            },
            ..ImageOptions::default()
        };
        ImageView::from_bytes("two.tar", bytes.clone(), &opts)
    };
    assert_eq!(
        open(None).unwrap().read(Path::new("/who"), 1).unwrap(),
        b"a"
    );
    assert_eq!(
        open(Some("b:1"))
            .unwrap()
            .read(Path::new("/who"), 1)
            .unwrap(),
        b"b"
    );
    assert_eq!(
        open(Some("docker.io/library/b:1")).unwrap_err().to_string(),
        "two.tar: no image tagged docker.io/library/b:1 (the archive holds a:1, b:1)"
    );
    assert_eq!(open(None).unwrap().available(), ["a:1", "b:1"]);
}

#[test]
fn config_fills_the_model() {
    let layers = simple_layers();
    let cfg = config(
        &layers,
        json!({
            "Entrypoint": ["/app/run.sh", "--serve"],
            "Cmd": ["--port", "80"],
            "User": "1000:1000",
            "Env": ["PATH=/usr/local/bin:/usr/bin", "TZ=UTC"],
            "WorkingDir": "/app",
            "ExposedPorts": {"80/tcp": {}, "53/udp": {}}
        }),
    );
    let v = open_bytes(&docker_legacy(&layers, &cfg, "app:1"));
    let c = v.config();
    assert_eq!(c.entrypoint, ["/app/run.sh", "--serve"]);
    assert_eq!(c.cmd, ["--port", "80"]);
    assert_eq!(c.user.as_deref(), Some("1000:1000"));
    assert_eq!(c.env, ["PATH=/usr/local/bin:/usr/bin", "TZ=UTC"]);
    assert_eq!(c.working_dir.as_deref(), Some("/app"));
    assert_eq!(c.exposed_ports, ["53/udp", "80/tcp"]);
    assert_eq!(c.architecture.as_deref(), Some("amd64"));
    assert_eq!(c.variant, None);
    assert_eq!(v.image_name(), Some("app:1"));
    let e = v.entrypoint().unwrap();
    assert_eq!(e.path, Path::new("/app/run.sh"));
    assert_eq!(e.argv, ["/app/run.sh", "--serve", "--port", "80"]);
}

fn entry_of(run: serde_json::Value) -> Result<whyrun_target::image::Entrypoint, EntrypointError> {
    let layers = simple_layers();
    let cfg = config(&layers, run);
    open_bytes(&docker_legacy(&layers, &cfg, "app:1")).entrypoint()
}

#[test]
fn entrypoint_is_looked_up_like_a_runtime_does() {
    // A bare name in the image's PATH; a non-executable match is passed over.
    let e = entry_of(json!({"Cmd": ["notexec"], "Env": ["PATH=/usr/local/bin:/bin"]}));
    assert!(matches!(e, Err(EntrypointError::NotFound { .. })), "{e:?}");
    let e = entry_of(json!({"Cmd": ["server"], "Env": ["PATH=/usr/local/bin:/bin"]})).unwrap();
    assert_eq!(e.path, Path::new("/bin/server"));
    assert_eq!(
        e.searched,
        [Path::new("/usr/local/bin/server"), Path::new("/bin/server")]
    );
    // No PATH: Docker's default.
    let e = entry_of(json!({"Cmd": ["server"]})).unwrap();
    assert_eq!(e.path, Path::new("/usr/bin/server"));
    // Entrypoint wins over Cmd; a relative path is taken from the working directory.
    let e = entry_of(json!({"Entrypoint": ["./run.sh"], "Cmd": ["server"], "WorkingDir": "/app"}))
        .unwrap();
    assert_eq!(e.path, Path::new("/app/./run.sh"));
    assert_eq!(e.argv, ["./run.sh", "server"]);
    assert_eq!(entry_of(json!({})).unwrap_err(), EntrypointError::NoCommand);
    let err = entry_of(json!({"Cmd": ["nope"], "Env": ["PATH=/x"]})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the image's command \"nope\" is not an executable file in the image (looked for /x/nope)"
    );
}

#[test]
fn large_files_are_read_back_from_their_layers() {
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    let mut elf = b"\x7fELF".to_vec();
    elf.extend((0..2_000_000u32).map(|i| (i % 13) as u8));
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let l = LayerTar::new()
            .file("small", b"small", 0o644)
            .file("big.bin", &big, 0o644)
            .file("lib.so", &elf, 0o755)
            .file("after", b"after", 0o644)
            .finish();
        let layers = vec![Blob::new(&l, comp)];
        let cfg = config(&layers, json!({}));
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("big.tar");
        std::fs::write(&path, archive(&docker_legacy(&layers, &cfg, "big:1"))).unwrap();
        // A tiny budget: nothing but the small files stays in memory.
        let opts = ImageOptions {
            limits: Limits {
                small_file: 16,
                elf_inline: 16,
                inline_budget: 1024,
                cache_budget: 8 << 20,
                ..Limits::default()
            },
            ..ImageOptions::default()
        };
        let v = ImageView::open_with(&path, &opts).unwrap();
        for _ in 0..2 {
            assert!(v.read(Path::new("/big.bin"), 1 << 40).unwrap() == big);
            let m = v.map(Path::new("/lib.so")).unwrap();
            assert!(*m == elf[..], "{comp:?}");
            if comp == Comp::None {
                assert!(
                    matches!(m, FileBytes::Mapped(_)),
                    "uncompressed layers are mapped"
                );
            }
        }
        assert!(matches!(
            v.read(Path::new("/big.bin"), 10),
            Err(whyrun_target::FsError::TooLarge { .. })
        ));
        assert_eq!(v.read(Path::new("/after"), 10).unwrap(), b"after");
        // With the default bounds an ELF object of a compressed layer is kept in memory;
        // one of an uncompressed layer is mapped from the archive in place.
        let v = ImageView::open(&path).unwrap();
        let m = v.map(Path::new("/lib.so")).unwrap();
        match comp {
            Comp::None => assert!(matches!(m, FileBytes::Mapped(_))),
            _ => assert!(matches!(m, FileBytes::Shared(_))),
        }
    }
}

#[test]
fn entry_reports_owner_and_layer() {
    let l1 = LayerTar::new()
        .file_owned("home/u/f", b"1", 0o600, 1000, 100)
        .finish();
    let l2 = LayerTar::new().symlink("link", "/home/u/f").finish();
    let layers = vec![Blob::new(&l1, Comp::None), Blob::new(&l2, Comp::None)];
    let cfg = config(&layers, json!({}));
    let v = open_bytes(&docker_legacy(&layers, &cfg, "o:1"));
    let e = v.entry(Path::new("/home/u/f")).unwrap();
    assert_eq!(
        (e.uid, e.gid, e.layer, e.metadata.mode),
        (1000, 100, 0, 0o600)
    );
    let l = v.entry(Path::new("/link")).unwrap();
    assert_eq!(l.metadata.kind, FileKind::Symlink);
    assert_eq!(l.link.as_deref(), Some(Path::new("/home/u/f")));
    assert_eq!(l.layer, 1);
    // Implicit parents exist as directories.
    assert_eq!(
        v.metadata(Path::new("/home/u")).unwrap().kind,
        FileKind::Dir
    );
}
