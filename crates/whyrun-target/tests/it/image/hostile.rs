//! Hostile and broken images: names that climb out, symlinks that point out or loop,
//! truncated, corrupt, oversized and mismatched blobs, bad JSON, missing blobs. Each must
//! open inside the image or fail with one line naming the image and the problem; none may
//! panic or touch the host.

use std::path::Path;

use serde_json::json;
use whyrun_target::fs::FsError;
use whyrun_target::image::{ImageOptions, ImageView, Limits, Problem};
use whyrun_target::FileView;

use super::support::*;

fn image(layers: &[Blob]) -> Files {
    let cfg = config(layers, json!({}));
    docker_legacy(layers, &cfg, "hostile:1")
}

fn open(files: &Files) -> Result<ImageView, whyrun_target::image::ImageError> {
    open_with(files, ImageOptions::default())
}

fn open_with(
    files: &Files,
    opts: ImageOptions,
) -> Result<ImageView, whyrun_target::image::ImageError> {
    ImageView::from_bytes("app.tar", archive(files), &opts)
}

/// The error's one line, checked to name the image.
fn fails(r: Result<ImageView, whyrun_target::image::ImageError>) -> String {
    let e = r.expect_err("the image should be refused");
    let s = e.to_string();
    assert!(s.starts_with("app.tar: "), "{s}");
    assert!(!s.contains('\n'), "{s}");
    s
}

fn layer_label(b: &Blob) -> String {
    format!("layer 1 (sha256:{}…)", &hex(&b.diff_id)[..12])
}

#[test]
fn dotdot_and_absolute_names_stay_inside() {
    let l = LayerTar::new()
        .raw(
            b"../../../../etc/evil",
            tar::EntryType::Regular,
            b"",
            b"climbed",
        )
        .raw(b"/abs/file", tar::EntryType::Regular, b"", b"absolute")
        .raw(b"./a/../../b", tar::EntryType::Regular, b"", b"b")
        .raw(b"x/../../../", tar::EntryType::Directory, b"", b"")
        .raw(b"hl", tar::EntryType::Link, b"../../../../etc/evil", b"")
        .finish();
    let v = open(&image(&[Blob::new(&l, Comp::Gzip)])).unwrap();
    assert_eq!(v.read(Path::new("/etc/evil"), 100).unwrap(), b"climbed");
    assert_eq!(v.read(Path::new("/abs/file"), 100).unwrap(), b"absolute");
    assert_eq!(v.read(Path::new("/b"), 100).unwrap(), b"b");
    assert_eq!(v.read(Path::new("/hl"), 100).unwrap(), b"climbed");
    let names: Vec<String> = v
        .read_dir(Path::new("/"))
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["abs", "b", "etc", "hl"]);
}

#[test]
fn symlinks_pointing_out_resolve_inside() {
    let l1 = LayerTar::new()
        .file("etc/shadow", b"image shadow", 0o600)
        .symlink("etc/passwd", "../../../../etc/shadow")
        .symlink("abs", "/etc/shadow")
        .symlink("escape", "../../../../../tmp")
        .symlink("root", "/")
        .finish();
    // Entries written through a symlink land inside the image.
    let l2 = LayerTar::new()
        .file("escape/pwned", b"inside", 0o644)
        .file("root/etc/x", b"x", 0o644)
        .finish();
    let v = open(&image(&[
        Blob::new(&l1, Comp::None),
        Blob::new(&l2, Comp::Zstd),
    ]))
    .unwrap();
    assert_eq!(
        v.read(Path::new("/etc/passwd"), 100).unwrap(),
        b"image shadow"
    );
    assert_eq!(
        v.canonicalize(Path::new("/etc/passwd")).unwrap(),
        Path::new("/etc/shadow")
    );
    assert_eq!(v.read(Path::new("/abs"), 100).unwrap(), b"image shadow");
    assert_eq!(v.read(Path::new("/tmp/pwned"), 100).unwrap(), b"inside");
    assert_eq!(v.read(Path::new("/etc/x"), 100).unwrap(), b"x");
    assert_eq!(
        v.read(Path::new("/root/root/root/etc/x"), 100).unwrap(),
        b"x"
    );
    assert!(!Path::new("/tmp/pwned").exists() || std::fs::read("/tmp/pwned").unwrap() != b"inside");
}

#[test]
fn symlink_loops_are_bounded() {
    let l1 = LayerTar::new()
        .symlink("a", "b")
        .symlink("b", "a")
        .symlink("self", "self/x")
        .finish();
    let v = open(&image(&[Blob::new(&l1, Comp::None)])).unwrap();
    assert!(matches!(v.metadata(Path::new("/a")), Err(FsError::Loop(_))));
    assert!(matches!(
        v.read(Path::new("/self/y"), 10),
        Err(FsError::Loop(_))
    ));
    assert_eq!(v.read_link(Path::new("/a")).unwrap(), Path::new("b"));
    // A later layer writing through the loop is refused, with the layer named.
    let l2 = LayerTar::new().file("a/x", b"", 0o644).finish();
    let b2 = Blob::new(&l2, Comp::None);
    let s = fails(open(&image(&[Blob::new(&l1, Comp::None), b2.clone()])));
    assert!(
        s.contains("layer 2 (sha256:")
            && s.contains("entry a/x: too many levels of symbolic links"),
        "{s}"
    );
}

fn big_layer() -> Vec<u8> {
    let data: Vec<u8> = (0..400_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
        .collect();
    LayerTar::new()
        .file("a", &data, 0o644)
        .file("b", b"b", 0o644)
        .finish()
}

#[test]
fn truncated_layers_are_named() {
    let tar = big_layer();
    for comp in [Comp::Gzip, Comp::Zstd, Comp::None] {
        let b = Blob::new(&tar, comp);
        let mut files = image(std::slice::from_ref(&b));
        let cut = b.data[..b.data.len() / 2].to_vec();
        replace(&mut files, "layer.tar", cut);
        let s = fails(open(&files));
        assert!(
            s.starts_with(&format!("app.tar: {} is truncated", layer_label(&b))),
            "{comp:?}: {s}"
        );
    }
}

#[test]
fn truncated_archive_is_named() {
    let b = Blob::new(&big_layer(), Comp::None);
    let bytes = archive(&image(&[b]));
    let cut = bytes[..bytes.len() / 2].to_vec();
    let s = fails(ImageView::from_bytes(
        "app.tar",
        cut,
        &ImageOptions::default(),
    ));
    assert!(s.starts_with("app.tar: the archive is truncated"), "{s}");
}

#[test]
fn corrupt_and_mismatched_layers_are_named() {
    let tar = big_layer();
    // A gzip stream with damage in the middle.
    let b = Blob::new(&tar, Comp::Gzip);
    let mut files = image(std::slice::from_ref(&b));
    let mut bad = b.data.clone();
    let mid = bad.len() / 2;
    for x in &mut bad[mid..mid + 64] {
        *x ^= 0xa5;
    }
    replace(&mut files, "layer.tar", bad);
    let s = fails(open(&files));
    assert!(s.contains(&layer_label(&b)), "{s}");
    // An uncompressed layer with one byte changed: a digest mismatch.
    let b = Blob::new(&tar, Comp::None);
    let mut files = image(std::slice::from_ref(&b));
    let mut bad = b.data.clone();
    bad[2000] ^= 1;
    replace(&mut files, "layer.tar", bad);
    let s = fails(open(&files));
    assert!(
        s.starts_with(&format!(
            "app.tar: {} does not match its digest",
            layer_label(&b)
        )),
        "{s}"
    );
    // The same without verification opens (the damage is inside a file's data).
    let mut files2 = image(std::slice::from_ref(&b));
    let mut bad = b.data.clone();
    bad[2000] ^= 1;
    replace(&mut files2, "layer.tar", bad);
    assert!(open_with(
        &files2,
        ImageOptions {
            verify_digests: false,
            ..ImageOptions::default()
        }
    )
    .is_ok());
    // A compressed layer whose uncompressed stream is not the diff_id the config lists.
    let other = Blob::new(
        &LayerTar::new().file("other", b"", 0o644).finish(),
        Comp::Zstd,
    );
    let mut files = image(std::slice::from_ref(&other));
    replace(&mut files, "layer.tar", Blob::new(&tar, Comp::Zstd).data);
    let s = fails(open(&files));
    assert!(s.contains("does not match its digest"), "{s}");
    // A corrupt tar header.
    let mut t = tar.clone();
    t[0] ^= 0x7f;
    let b = Blob::new(&t, Comp::None);
    let s = fails(open(&image(std::slice::from_ref(&b))));
    assert!(s.contains("is corrupt: bad header checksum"), "{s}");
}

#[test]
fn huge_declared_sizes_are_truncation_not_allocation() {
    // An entry declaring a terabyte, followed by a few bytes.
    let t = LayerTar::new()
        .file("ok", b"ok", 0o644)
        .lying("huge", 1 << 40, b"tiny");
    for comp in [Comp::None, Comp::Gzip] {
        let b = Blob::new(&t, comp);
        let s = fails(open(&image(std::slice::from_ref(&b))));
        assert!(s.contains("is truncated"), "{s}");
    }
    // A PAX header declaring a huge extension.
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::XHeader);
    h.set_size(1 << 33);
    h.set_path("pax").unwrap();
    h.set_cksum();
    let mut t = h.as_bytes().to_vec();
    t.extend_from_slice(&[b'9'; 4096]);
    let b = Blob::new(&t, Comp::Gzip);
    let s = fails(open(&image(&[b])));
    assert!(
        s.contains("is corrupt: an extended header of 8589934592 bytes"),
        "{s}"
    );
}

#[test]
fn decompression_bombs_hit_the_bound() {
    let zeros = vec![0u8; 64 << 20];
    let t = LayerTar::new().file("zeros", &zeros, 0o644).finish();
    let b = Blob::new(&t, Comp::Zstd);
    assert!(b.data.len() < 100_000);
    let opts = ImageOptions {
        limits: Limits {
            max_layer_bytes: 8 << 20,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    let s = fails(open_with(&image(std::slice::from_ref(&b)), opts));
    assert_eq!(
        s,
        format!(
            "app.tar: {} decompressed exceeds the bound of 8388608 bytes",
            layer_label(&b)
        )
    );
}

#[test]
fn bad_json_is_named() {
    let b = Blob::new(&LayerTar::new().file("a", b"a", 0o644).finish(), Comp::None);
    let mut files = image(std::slice::from_ref(&b));
    replace(&mut files, "manifest.json", b"[{\"Config\": ".to_vec());
    let s = fails(open(&files));
    assert!(
        s.starts_with("app.tar: manifest.json: invalid JSON: EOF while parsing"),
        "{s}"
    );

    let mut files = image(std::slice::from_ref(&b));
    replace(&mut files, "manifest.json", br#"{"Config": 1}"#.to_vec());
    assert!(fails(open(&files)).starts_with("app.tar: manifest.json: invalid JSON: invalid type"));

    // A config that does not parse (its name is its digest, so verification is off).
    let mut files = image(std::slice::from_ref(&b));
    let cfg_name = files
        .iter()
        .find(|(n, _)| n.ends_with(".json") && n != "manifest.json")
        .unwrap()
        .0
        .clone();
    replace(
        &mut files,
        &cfg_name,
        b"{\"config\": {\"Env\": 7}}".to_vec(),
    );
    let s = fails(open_with(
        &files,
        ImageOptions {
            verify_digests: false,
            ..ImageOptions::default()
        },
    ));
    assert!(
        s.starts_with("app.tar: config sha256:") && s.contains("invalid JSON: invalid type"),
        "{s}"
    );

    // The same config with verification on: its digest no longer matches.
    let s = fails(open(&files));
    assert!(s.contains("does not match its digest"), "{s}");

    // An index that is not JSON.
    let cfg = config(std::slice::from_ref(&b), json!({}));
    let mut files = oci_layout(std::slice::from_ref(&b), &cfg, "x:1", false);
    replace(&mut files, "index.json", b"\x00\x01".to_vec());
    assert!(fails(open(&files)).starts_with("app.tar: index.json: invalid JSON"));

    // JSON over the bound.
    let mut files = image(std::slice::from_ref(&b));
    replace(&mut files, "manifest.json", vec![b' '; 2 << 20]);
    let opts = ImageOptions {
        limits: Limits {
            max_json: 1 << 20,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    assert_eq!(
        fails(open_with(&files, opts)),
        "app.tar: manifest.json exceeds the bound of 1048576 bytes"
    );
}

#[test]
fn missing_and_escaping_blobs_are_named() {
    let b = Blob::new(&LayerTar::new().file("a", b"a", 0o644).finish(), Comp::Gzip);
    let b2 = Blob::new(&LayerTar::new().file("b", b"b", 0o644).finish(), Comp::Zstd);
    let cfg = config(&[b.clone(), b2.clone()], json!({}));
    let mut files = oci_layout(&[b.clone(), b2.clone()], &cfg, "x:1", false);
    files.retain(|(n, _)| !n.ends_with(hex(&b2.digest())));
    let s = fails(open(&files));
    assert_eq!(
        s,
        format!(
            "app.tar: layer 2 (sha256:{}…) is missing from the image",
            &hex(&b2.digest())[..12]
        )
    );

    let mut files = image(std::slice::from_ref(&b));
    let m: serde_json::Value = json!([{"Config": "../../../etc/passwd", "Layers": []}]);
    replace(&mut files, "manifest.json", serde_json::to_vec(&m).unwrap());
    assert!(fails(open(&files)).contains("names a config outside the archive"));

    let mut files = image(std::slice::from_ref(&b));
    let cfg_name = files
        .iter()
        .find(|(n, _)| n.ends_with(".json") && n != "manifest.json")
        .unwrap()
        .0
        .clone();
    let m: serde_json::Value = json!([{"Config": cfg_name, "Layers": ["../../x/layer.tar"]}]);
    replace(&mut files, "manifest.json", serde_json::to_vec(&m).unwrap());
    assert!(fails(open(&files)).contains("names a layer outside the archive"));

    // A digest that would be a path.
    let mut files = oci_layout(std::slice::from_ref(&b), &cfg, "x:1", false);
    let index = json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:../../../etc/passwd", "size": 1}]});
    replace(
        &mut files,
        "index.json",
        serde_json::to_vec(&index).unwrap(),
    );
    assert!(fails(open(&files)).contains("has an invalid digest"));

    // The config listing more layers than the manifest.
    let cfg2 = config(&[b.clone(), b2.clone()], json!({}));
    let files = docker_legacy(std::slice::from_ref(&b), &cfg2, "x:1");
    assert!(fails(open(&files))
        .contains("the config lists 2 layers (rootfs.diff_ids) but the manifest lists 1"));
}

#[test]
fn not_an_image() {
    let s = fails(ImageView::from_bytes(
        "app.tar",
        b"hello".repeat(200),
        &ImageOptions::default(),
    ));
    assert!(
        s.contains("not a docker save archive or an OCI image layout"),
        "{s}"
    );
    let s = fails(ImageView::from_bytes(
        "app.tar",
        Vec::new(),
        &ImageOptions::default(),
    ));
    assert!(s.contains("no manifest.json or index.json"), "{s}");
    let b = Blob::new(&LayerTar::new().file("a", b"a", 0o644).finish(), Comp::None);
    let gz = compress(&archive(&image(&[b])), Comp::Gzip);
    let s = fails(ImageView::from_bytes(
        "app.tar",
        gz,
        &ImageOptions::default(),
    ));
    assert_eq!(s, "app.tar: the archive is gzip-compressed; decompress it first (docker save writes a plain tar)");
    let err = ImageView::open(Path::new("/nonexistent/app.tar"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("/nonexistent/app.tar: No such file"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = ImageView::open(dir.path()).unwrap_err().to_string();
    assert!(err.ends_with("no manifest.json or index.json)"), "{err}");
}

#[test]
fn counts_and_lengths_are_bounded() {
    let mut l = LayerTar::new();
    for i in 0..50 {
        l = l.file(&format!("f{i}"), b"", 0o644);
    }
    let b = Blob::new(&l.finish(), Comp::None);
    let files = image(std::slice::from_ref(&b));
    let opts = ImageOptions {
        limits: Limits {
            max_entries: 20,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    assert_eq!(
        fails(open_with(&files, opts)),
        "app.tar: the image's entry count exceeds the bound of 20 entries"
    );
    let opts = ImageOptions {
        limits: Limits {
            max_layers: 0,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    assert!(fails(open_with(&files, opts)).contains("layer count exceeds the bound of 0 layers"));
    let long = "d/".repeat(3000) + "f";
    let b = Blob::new(
        &LayerTar::new().file(&long, b"", 0o644).finish(),
        Comp::Gzip,
    );
    let s = fails(open(&image(std::slice::from_ref(&b))));
    assert!(
        s.contains("the entry name at byte") && s.contains("exceeds the bound of 4096 bytes"),
        "{s}"
    );
}

#[test]
fn hard_links_to_nothing_are_named() {
    let l = LayerTar::new().hardlink("bin/x", "bin/missing").finish();
    let b = Blob::new(&l, Comp::None);
    let s = fails(open(&image(std::slice::from_ref(&b))));
    assert_eq!(
        s,
        format!(
            "app.tar: {}: hard link bin/x to bin/missing, which no earlier entry created",
            layer_label(&b)
        )
    );
    let l = LayerTar::new().dir("d/", 0o755).hardlink("x", "d").finish();
    let s = fails(open(&image(&[Blob::new(&l, Comp::None)])));
    assert!(s.ends_with("hard link x to the directory d"), "{s}");
}

#[test]
fn unsupported_compression_is_named() {
    let b = Blob::new(&LayerTar::new().file("a", b"a", 0o644).finish(), Comp::None);
    let mut files = image(std::slice::from_ref(&b));
    replace(&mut files, "layer.tar", b"\xfd7zXZ\x00rest".to_vec());
    let s = fails(open_with(
        &files,
        ImageOptions {
            verify_digests: false,
            ..ImageOptions::default()
        },
    ));
    assert!(
        s.ends_with("is xz-compressed, which whyrun does not read"),
        "{s}"
    );
    let _ = Problem::Format(String::new());
}
