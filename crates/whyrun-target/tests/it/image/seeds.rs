//! Writes seed inputs for the `image` fuzz target (fuzz/fuzz_targets/image.rs) into
//! fuzz/corpus/image: small archives in every layout (first byte 0), raw layer tars with
//! whiteouts, links and long names (first byte 1), and pairs of layers (first byte 2).
//! Run with `cargo test -p whyrun-target --test image seeds -- --ignored`.

use std::path::Path;

use serde_json::json;

use super::support::*;

fn layer_a() -> Vec<u8> {
    LayerTar::new()
        .dir("usr/", 0o755)
        .dir("usr/bin/", 0o755)
        .file("usr/bin/app", b"\x7fELF app", 0o755)
        .file_owned("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644, 0, 0)
        .symlink("bin", "usr/bin")
        .symlink("etc/abs", "/etc/passwd")
        .symlink("loop", "loop")
        .hardlink("usr/bin/app2", "usr/bin/app")
        .file(&format!("deep/{}/f", "n".repeat(120)), b"long name", 0o644)
        .symlink("longlink", &"x/".repeat(70))
        .finish()
}

fn layer_b() -> Vec<u8> {
    LayerTar::new()
        .whiteout("etc/abs")
        .opaque("usr/bin")
        .file("usr/bin/new", b"new", 0o4755)
        .file("bin/through-link", b"via symlink", 0o644)
        .raw(b"../../escape", tar::EntryType::Regular, b"", b"x")
        .finish()
}

#[test]
#[ignore = "writes the fuzz corpus; run on purpose"]
fn seeds_write_fuzz_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/image");
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    let mut put = |name: &str, mode: u8, body: &[u8]| {
        let mut b = vec![mode];
        b.extend_from_slice(body);
        std::fs::write(dir.join(name), b).unwrap();
        n += 1;
    };
    let (a, b) = (layer_a(), layer_b());
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let layers = vec![Blob::new(&a, comp), Blob::new(&b, comp)];
        let cfg = config(&layers, json!({"Cmd": ["app"], "Env": ["PATH=/bin"]}));
        put(
            &format!("legacy-{comp:?}"),
            0,
            &archive(&docker_legacy(&layers, &cfg, "s:1")),
        );
        put(
            &format!("oci-{comp:?}"),
            0,
            &archive(&oci_layout(&layers, &cfg, "s:1", false)),
        );
        put(
            &format!("docker25-{comp:?}"),
            0,
            &archive(&oci_layout(&layers, &cfg, "s:1", true)),
        );
        put(&format!("layer-a-{comp:?}"), 1, &compress(&a, comp));
    }
    put("layer-b", 1, &b);
    let mut two = (a.len() as u16).to_le_bytes().to_vec();
    two.extend_from_slice(&a);
    two.extend_from_slice(&b);
    put("two-layers", 2, &two);
    eprintln!("wrote {n} seeds to {}", dir.display());
}
