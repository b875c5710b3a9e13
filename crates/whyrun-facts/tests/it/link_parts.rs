//! Reading by parts (`link::inspect_parts`, a few positional reads) must give exactly what
//! reading the whole file gives (`inspect_link`): on the committed fixtures, on this
//! machine's binaries and libraries, on truncated copies and on mutated copies whose
//! dynamic sections and version tables point anywhere. Whenever reading by parts answers,
//! the answers are the same; it may only decline (and the caller reads the whole file).

use std::path::{Path, PathBuf};

use whyrun_facts::link::inspect_parts;

use crate::common::Rng;

/// Head sizes as small as the ELF header, and as large as a loader reads.
const HEADS: &[usize] = &[64, 700, 4096, 8192];

fn elf_files(dir: &Path, limit: usize) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| !p.is_symlink() && p.is_file())
        .filter_map(|p| {
            let b = std::fs::read(&p).ok()?;
            (b.starts_with(b"\x7fELF") && b.len() < 64 << 20).then_some((p, b))
        })
        .take(limit)
        .collect()
}

/// Reads `data` by parts with a head of `head` bytes; `None` when that declines.
fn by_parts(data: &[u8], head: usize) -> Option<String> {
    let head = &data[..head.min(data.len())];
    let mut read_at = |at: u64, buf: &mut [u8]| -> std::io::Result<()> {
        let at = usize::try_from(at).map_err(std::io::Error::other)?;
        let src = data
            .get(at..at.saturating_add(buf.len()))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    };
    inspect_parts(head, data.len() as u64, &mut read_at).map(|r| format!("{r:?}"))
}

fn whole(data: &[u8]) -> String {
    format!("{:?}", whyrun_facts::inspect_link(data))
}

/// Checks one image at every head size; returns how many answered by parts.
fn check(what: &str, data: &[u8]) -> usize {
    let expected = whole(data);
    let mut answered = 0;
    for &head in HEADS {
        if let Some(got) = by_parts(data, head) {
            assert_eq!(got, expected, "{what}, head {head}");
            answered += 1;
        }
    }
    answered
}

fn fixtures() -> Vec<(PathBuf, Vec<u8>)> {
    elf_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small"),
        usize::MAX,
    )
}

#[test]
fn real_files_read_by_parts_as_whole() {
    let mut files = fixtures();
    for dir in [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        files.extend(elf_files(Path::new(dir), 200));
    }
    let mut answered = 0;
    for (p, data) in &files {
        answered += check(&p.display().to_string(), data);
    }
    assert!(files.len() >= 5, "only {} ELF files found", files.len());
    // Reading by parts must actually be used, not declined everywhere.
    assert!(
        answered * 2 > files.len() * HEADS.len(),
        "{answered} answers"
    );
}

#[test]
fn truncated_files_read_by_parts_as_whole() {
    for (p, data) in fixtures() {
        let len = data.len();
        let cuts = [
            0,
            3,
            15,
            63,
            64,
            200,
            len / 4,
            len / 2,
            len - len / 8,
            len - 1,
        ];
        for cut in cuts.into_iter().filter(|&c| c <= len) {
            check(&format!("{} cut at {cut}", p.display()), &data[..cut]);
        }
    }
}

#[test]
fn mutated_files_read_by_parts_as_whole() {
    let files = fixtures();
    assert!(!files.is_empty(), "no fixtures");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut answered = 0;
    for seed in 0..1500 {
        let (p, original) = &files[seed % files.len()];
        let mut b = original.clone();
        // Aim at the headers, the program headers and what the dynamic section names.
        for _ in 0..1 + rng.below(6) {
            let at = match rng.below(3) {
                0 => rng.below(64),
                1 => rng.below(4096),
                _ => rng.below(b.len()),
            }
            .min(b.len() - 1);
            match rng.below(4) {
                0 => b[at] ^= 1 << rng.below(8),
                1 => b[at] = rng.next() as u8,
                2 => {
                    let v: u64 = [u64::MAX, 0, 1 << 63, 0x7fff_ffff, 0x1000][rng.below(5)];
                    let end = (at + 8).min(b.len());
                    b[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
                }
                _ => {
                    let cut = rng.below(b.len()).max(1);
                    b.truncate(cut);
                }
            }
            if b.is_empty() {
                break;
            }
        }
        answered += check(&format!("{} mutation {seed}", p.display()), &b);
    }
    eprintln!(
        "{answered} of {} readings answered by parts",
        1500 * HEADS.len()
    );
    assert!(
        answered > 1500,
        "only {answered} readings answered by parts"
    );
}
