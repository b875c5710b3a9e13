//! Fuzz target: any bytes as an image. The first byte picks what the rest is: an image
//! archive (`docker save` or OCI layout tarred), or one or two layer blobs wrapped in a
//! minimal `docker save` archive so the layer reader and the layer merge see the bytes
//! directly. Digests are not verified, so damaged layers are read rather than refused.
//! Opening and then walking, stat'ing, resolving and reading every path must never panic,
//! loop or allocate beyond the bounds.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use whyrun_target::fs::FileKind;
use whyrun_target::image::{ImageOptions, ImageView, Limits};
use whyrun_target::FileView;

/// One ustar member: header, data, padding.
fn member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// A `docker save` archive holding these layer blobs.
fn wrap(layers: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("\"l{i}/layer.tar\""))
        .collect();
    let manifest = format!(
        "[{{\"Config\":\"c.json\",\"Layers\":[{}]}}]",
        names.join(",")
    );
    member(&mut out, "manifest.json", manifest.as_bytes());
    member(
        &mut out,
        "c.json",
        br#"{"config":{"Cmd":["app"],"Env":["PATH=/bin:/usr/bin"]}}"#,
    );
    for (i, l) in layers.iter().enumerate() {
        member(&mut out, &format!("l{i}/layer.tar"), l);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn exercise(v: &ImageView) {
    let _ = v.entrypoint();
    let mut stack = vec![PathBuf::from("/")];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        let Ok(entries) = v.read_dir(&d) else {
            continue;
        };
        for e in entries {
            seen += 1;
            if seen > 2000 {
                return;
            }
            let p = d.join(&e.name);
            let _ = v.symlink_metadata(&p);
            let _ = v.metadata(&p);
            let _ = v.canonicalize(&p);
            let _ = v.read_link(&p);
            let _ = v.entry(&p);
            match e.kind {
                FileKind::Dir => stack.push(p),
                FileKind::File => {
                    let _ = v.read(&p, 1 << 20);
                    let _ = v.map(&p);
                }
                _ => {
                    let _ = v.read(&p.join("x/../y"), 16);
                }
            }
        }
    }
    let _ = v.read(Path::new("/../../etc/passwd"), 4096);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let opts = ImageOptions {
        verify_digests: false,
        limits: Limits {
            max_entries: 20_000,
            max_layer_bytes: 64 << 20,
            inline_budget: 16 << 20,
            cache_budget: 16 << 20,
            ..Limits::default()
        },
        ..ImageOptions::default()
    };
    let archive = match mode % 3 {
        0 => rest.to_vec(),
        1 => wrap(&[rest]),
        _ => {
            // Two layers split where the next two bytes say.
            if rest.len() < 2 {
                return;
            }
            let at = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
            let body = &rest[2..];
            let at = at.min(body.len());
            wrap(&[&body[..at], &body[at..]])
        }
    };
    if let Ok(v) = ImageView::from_bytes("fuzz.tar", archive, &opts) {
        exercise(&v);
    }
});
