//! Hostile input: 1,000 mutated copies of the committed real fixtures (C and Go) go through
//! the whole facts parser. Every one must come back as facts or an error, never a panic.
//! The mutations aim at the structures the parser trusts most: the ELF and program
//! headers, the dynamic section, the version tables, the Go build info and the pclntab.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use crate::common::Rng;

fn fixtures() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter_map(|p| {
            let b = std::fs::read(&p).unwrap();
            b.starts_with(b"\x7fELF").then_some((p, b))
        })
        .collect();
    out.sort();
    out
}

/// Offsets worth aiming at: where the parser follows pointers and counts.
fn hot_spots(b: &[u8]) -> Vec<usize> {
    let mut spots = vec![0, 16, 24, 32, 40, 48, 56, 64];
    let find_all = |needle: &[u8]| -> Vec<usize> {
        b.windows(needle.len())
            .enumerate()
            .filter(|(_, w)| *w == needle)
            .map(|(i, _)| i)
            .take(4)
            .collect()
    };
    spots.extend(find_all(b"\xff Go buildinf:"));
    // pclntab magics (little-endian) for Go 1.16, 1.18 and 1.20+.
    for magic in [0xffff_fffau32, 0xffff_fff0, 0xffff_fff1] {
        spots.extend(find_all(&magic.to_le_bytes()));
    }
    spots.extend(find_all(b"GLIBC_2."));
    spots.extend(find_all(
        b"\x04\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00\x00GNU\x00",
    ));
    spots.retain(|&s| s < b.len());
    spots
}

fn mutate(rng: &mut Rng, original: &[u8], spots: &[usize]) -> Vec<u8> {
    let mut b = original.to_vec();
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        let at = if rng.below(3) == 0 {
            rng.below(b.len())
        } else {
            let base = spots[rng.below(spots.len())];
            (base + rng.below(64)).min(b.len().saturating_sub(1))
        };
        match rng.below(6) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => {
                // Plant an extreme word: max, zero or a sign flip.
                let v: u64 = [u64::MAX, 0, 1 << 63, 0xffff_fff0, 0x7fff_ffff][rng.below(5)];
                let end = (at + 8).min(b.len());
                b[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
            }
            3 => {
                let end = (at + 1 + rng.below(256)).min(b.len());
                b[at..end].fill(0xff);
            }
            4 => b.truncate(at.max(1)),
            _ => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                b[at..end].fill(0);
            }
        }
        if b.is_empty() {
            break;
        }
    }
    b
}

#[test]
fn a_thousand_mutated_fixtures_never_panic() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 4,
        "expected the committed fixtures in fixtures/small"
    );
    let go = fixtures
        .iter()
        .filter(|(_, b)| b.windows(14).any(|w| w == b"\xff Go buildinf:"))
        .count();
    assert!(
        go >= 1,
        "expected at least one Go fixture among {}",
        fixtures.len()
    );

    let spots: Vec<Vec<usize>> = fixtures.iter().map(|(_, b)| hot_spots(b)).collect();
    let mut outcomes = [0usize; 2];
    for seed in 1..=1000u64 {
        let which = seed as usize % fixtures.len();
        let (path, original) = &fixtures[which];
        let spots = &spots[which];
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let input = mutate(&mut rng, original, spots);
        let result = catch_unwind(AssertUnwindSafe(|| {
            // The symbol tables the loader reads for LIB006, and the #! line of a script,
            // from the same hostile bytes.
            let _ = whyrun_facts::link::dynamic_symbols(&input).map(|s| format!("{s:?}").len());
            let _ = whyrun_facts::script::shebang(&input);
            whyrun_facts::inspect_bytes(&input).map(|f| format!("{f:?}").len())
        }));
        match result {
            Ok(Ok(_)) => outcomes[0] += 1,
            Ok(Err(_)) => outcomes[1] += 1,
            Err(_) => panic!("seed {seed} on {} panicked", path.display()),
        }
    }
    // Both paths must be exercised, or the mutations are not reaching the parser.
    assert!(
        outcomes[0] > 100 && outcomes[1] > 50,
        "facts/errors: {outcomes:?}"
    );
}
