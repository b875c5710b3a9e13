//! How long opening an image takes: about 100 MB of this machine's own programs and
//! libraries packed as a two-layer image, plain, gzip and zstd, opened (best of three),
//! then every file read back. Run with
//! `cargo test --release -p whyrun-target --test image perf -- --ignored --nocapture`.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use whyrun_target::fs::FileKind;
use whyrun_target::image::ImageView;
use whyrun_target::FileView;

use super::support::*;

/// Regular files under `dirs` of the host, up to `budget` bytes, as one layer.
fn host_layer(dirs: &[&str], budget: u64) -> (Vec<u8>, usize) {
    let mut b = tar::Builder::new(Vec::new());
    let mut used = 0u64;
    let mut n = 0;
    for d in dirs {
        let mut stack = vec![Path::new(d).to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                let Ok(m) = std::fs::symlink_metadata(&p) else {
                    continue;
                };
                let rel = p.strip_prefix("/").unwrap();
                if m.is_dir() {
                    stack.push(p.clone());
                } else if m.is_file() && used + m.len() <= budget {
                    let Ok(data) = std::fs::read(&p) else {
                        continue;
                    };
                    let mut h = tar::Header::new_gnu();
                    h.set_size(data.len() as u64);
                    h.set_mode(0o755);
                    b.append_data(&mut h, rel, &data[..]).unwrap();
                    used += data.len() as u64;
                    n += 1;
                } else if m.file_type().is_symlink() {
                    let t = std::fs::read_link(&p).unwrap();
                    let mut h = tar::Header::new_gnu();
                    h.set_entry_type(tar::EntryType::Symlink);
                    h.set_size(0);
                    b.append_link(&mut h, rel, t).unwrap();
                    n += 1;
                }
            }
        }
    }
    (b.into_inner().unwrap(), n)
}

fn best_of_three(path: &Path) -> (Duration, ImageView) {
    let mut best = Duration::MAX;
    let mut view = None;
    for _ in 0..3 {
        let t = Instant::now();
        let v = ImageView::open(path).unwrap();
        best = best.min(t.elapsed());
        view = Some(v);
    }
    (best, view.unwrap())
}

#[test]
#[ignore = "a timing, not a check: run in release with --ignored --nocapture"]
fn perf_open_100mb_image() {
    let (l1, n1) = host_layer(&["/usr/lib/x86_64-linux-gnu", "/usr/lib"], 70 << 20);
    let (l2, n2) = host_layer(&["/usr/bin", "/usr/share"], 30 << 20);
    eprintln!(
        "layers: {} + {} entries, {:.1} MB of tar",
        n1,
        n2,
        (l1.len() + l2.len()) as f64 / 1e6
    );
    let tmp = tempfile::tempdir().unwrap();
    for comp in [Comp::None, Comp::Gzip, Comp::Zstd] {
        let layers = vec![Blob::new(&l1, comp), Blob::new(&l2, comp)];
        let cfg = config(&layers, json!({}));
        let path = tmp.path().join(format!("{comp:?}.tar"));
        std::fs::write(&path, archive(&docker_legacy(&layers, &cfg, "perf:1"))).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        let (open, v) = best_of_three(&path);
        // Every file read back whole, small ones from memory, large ones from layers.
        let t = Instant::now();
        let mut bytes = 0usize;
        let mut stack = vec![std::path::PathBuf::from("/")];
        while let Some(d) = stack.pop() {
            for e in v.read_dir(&d).unwrap() {
                let p = d.join(&e.name);
                match e.kind {
                    FileKind::Dir => stack.push(p),
                    FileKind::File => bytes += v.map(&p).unwrap().len(),
                    _ => {}
                }
            }
        }
        let read = t.elapsed();
        eprintln!(
            "{comp:?}: archive {:.1} MB opened in {:.0} ms ({:.0} MB/s of archive); all {:.1} MB of files read back in {:.0} ms",
            size as f64 / 1e6,
            open.as_secs_f64() * 1e3,
            size as f64 / 1e6 / open.as_secs_f64(),
            bytes as f64 / 1e6,
            read.as_secs_f64() * 1e3
        );
    }
}
