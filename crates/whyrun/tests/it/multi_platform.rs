//! Multi-platform images against reality. The test writes an OCI image layout, tarred, the
//! way `buildah manifest push --all oci-archive:…` or `docker buildx … --output
//! type=oci` do: one index listing a `linux/amd64` and a `linux/arm64` image. The arm64
//! image holds the amd64 program, the mistake of copying a prebuilt binary into every
//! platform. Each image's files are run for real on the machine of its platform (natively
//! for amd64, under qemu-aarch64 for arm64), and `whyrun check --image` must give one
//! verdict per platform that agrees, say which image each verdict is about, and offer
//! `--platform`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fixtures;

fn sha256(b: &[u8]) -> String {
    let hex: String = Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// A layer tar holding `files` (path, mode, contents).
fn layer(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, mode, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(*mode);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// One image of the index: its platform (`arm64`, `v8`) and its one layer.
struct Platform<'a> {
    arch: &'a str,
    variant: Option<&'a str>,
    layer: Vec<u8>,
    entrypoint: &'a [&'a str],
}

/// An OCI image layout in a tar at `dir/NAME`: blobs, an `index.json` listing one manifest
/// per platform (named `multi:1`), and `oci-layout`.
fn oci_archive(dir: &Path, name: &str, platforms: &[Platform<'_>]) -> PathBuf {
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifests = Vec::new();
    for p in platforms {
        let layer_digest = sha256(&p.layer);
        let config = serde_json::to_vec(&json!({
            "architecture": p.arch, "os": "linux", "variant": p.variant,
            "config": {"Entrypoint": p.entrypoint},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        }))
        .unwrap();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": sha256(&config), "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": layer_digest, "size": p.layer.len()}],
        }))
        .unwrap();
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&manifest), "size": manifest.len(),
            "platform": {"architecture": p.arch, "os": "linux", "variant": p.variant},
            "annotations": {"org.opencontainers.image.ref.name": "multi:1"},
        }));
        for b in [p.layer.clone(), config, manifest] {
            blobs.push((format!("blobs/{}", sha256(&b).replace(':', "/")), b));
        }
    }
    let index = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    blobs.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
    blobs.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    let path = dir.join(name);
    let mut out = tar::Builder::new(std::fs::File::create(&path).unwrap());
    for (name, data) in &blobs {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        out.append_data(&mut h, name, &data[..]).unwrap();
    }
    out.finish().unwrap();
    path
}

/// Runs `/app/hello` in a root holding `program` there, on this machine or under `qemu`.
fn run_for_real(program: &Path, qemu: Option<&str>) -> Value {
    let root = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(fixtures::repo().join("fixtures/e2e/run_in_root.py"))
        .arg("--root")
        .arg(root.path())
        .arg("--copy")
        .arg(format!("{}:/app/hello:755", program.display()));
    if let Some(q) = qemu {
        cmd.args(["--qemu", q]);
    }
    let out = cmd.args(["--", "/app/hello"]).output().unwrap();
    assert!(
        out.status.success(),
        "the runner failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the runner prints JSON")
}

fn whyrun(args: &[&str]) -> (String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_whyrun"))
        .args(args)
        .args(["--no-config"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap(),
    )
}

#[test]
fn each_platform_of_an_index_gets_its_own_verdict() {
    let hello = fixtures::small("go124-hello");
    let bytes = std::fs::read(&hello).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, u32, &[u8])] = &[("app/hello", 0o755, &bytes)];
    let image = oci_archive(
        dir.path(),
        "multi.tar",
        &[
            Platform {
                arch: "amd64",
                variant: None,
                layer: layer(files),
                entrypoint: &["/app/hello"],
            },
            Platform {
                arch: "arm64",
                variant: Some("v8"),
                layer: layer(files),
                entrypoint: &["/app/hello"],
            },
        ],
    );
    let image = image.to_str().unwrap();

    // Reality: the amd64 image runs on an amd64 machine; the arm64 one, on an arm64
    // machine (qemu-aarch64 here), cannot run its amd64 program.
    let amd64 = run_for_real(&hello, None);
    assert_eq!(amd64["exit_code"], 0, "{amd64}");
    let arm64 = run_for_real(&hello, Some("/usr/bin/qemu-aarch64-static"));
    assert_ne!(arm64["exit_code"], 0, "{arm64}");
    assert!(
        arm64["stderr"]
            .as_str()
            .unwrap()
            .contains("Invalid ELF image for this architecture"),
        "{arm64}"
    );

    // whyrun: one target per platform, each judged for its own machine.
    let (out, code) = whyrun(&["check", "--image", image, "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let json: Value = crate::json_schema::parse(out.as_bytes());
    let targets = json["binaries"][0]["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2, "{out}");
    let (a, b) = (&targets[0], &targets[1]);
    assert_eq!(a["image"]["platform"], "linux/amd64", "{a}");
    assert_eq!(a["image"]["chosen_by"], "each", "{a}");
    assert_eq!(
        a["image"]["others"],
        json!(["multi:1 (linux/arm64/v8)"]),
        "{a}"
    );
    assert!(
        a["target"]
            .as_str()
            .unwrap()
            .ends_with("(multi:1 (linux/amd64))"),
        "{a}"
    );
    assert_eq!(a["verdict"], "runs", "{a}");
    assert_eq!(b["image"]["platform"], "linux/arm64/v8", "{b}");
    assert_eq!(b["verdict"], "wont-start", "{b}");
    let f = &b["findings"][0];
    assert_eq!(f["code"], "ARCH001", "{b}");
    assert!(
        f["message"].as_str().unwrap().contains("exec format error"),
        "{f}"
    );

    // The human output says which image each verdict is about, and how to pick one.
    let (human, _) = whyrun(&["check", "--image", image]);
    assert!(
        human.contains(
            "image multi:1 (linux/arm64/v8) of 2 in the archive, each checked for its own platform; also multi:1 (linux/amd64); check only this one with --platform linux/arm64/v8"
        ),
        "{human}"
    );

    // --platform: that one only, and it says so.
    let (out, code) = whyrun(&[
        "check",
        "--image",
        image,
        "--platform",
        "linux/amd64",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let json: Value = crate::json_schema::parse(out.as_bytes());
    let targets = json["binaries"][0]["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{out}");
    assert_eq!(targets[0]["image"]["chosen_by"], "selector");
    assert_eq!(targets[0]["image"]["platform"], "linux/amd64");
    let (human, _) = whyrun(&["check", "--image", image, "--platform", "linux/arm64"]);
    assert!(
        human.contains("of 2 in the archive, as --platform asked; also multi:1 (linux/amd64)"),
        "{human}"
    );

    // On this machine (--this-machine): the image a runtime here pulls, named as such.
    if cfg!(target_arch = "x86_64") {
        let (out, code) = whyrun(&[
            "check",
            "--image",
            image,
            "--this-machine",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{out}");
        let json: Value = crate::json_schema::parse(out.as_bytes());
        let t = &json["binaries"][0]["targets"][0];
        assert_eq!(
            (&t["image"]["chosen_by"], &t["image"]["platform"]),
            (&json!("native"), &json!("linux/amd64")),
            "{t}"
        );
        assert_eq!(json["binaries"][0]["targets"].as_array().unwrap().len(), 1);
    }
}
