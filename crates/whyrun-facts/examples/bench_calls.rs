//! Times the direct-call analysis of a Go binary against the floors it is measured by: a
//! plain sequential read of the binary's `.text` into memory (`read(2)` from the page
//! cache) and one pass over those bytes already in memory. Prints milliseconds (best of
//! the runs) and the ratios. Used by `scripts/bench-calls.py`.
//!
//! usage: cargo run --release -p whyrun-facts --example bench_calls -- BINARY [RUNS]

use std::io::{Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

use whyrun_facts::elf::view::ElfView;

fn best(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bench_calls BINARY [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(50);
    let data = std::fs::read(&path).expect("read the binary");
    let view = ElfView::parse(&data).expect("an ELF file");
    let text = view.section(".text").expect("a .text section");
    let (offset, size) = (text.offset, text.size as usize);

    let mut file = std::fs::File::open(&path).unwrap();
    let mut buf = vec![0u8; size];
    let read = best(runs, || {
        file.seek(SeekFrom::Start(offset)).unwrap();
        file.read_exact(&mut buf).unwrap();
        std::hint::black_box(&buf);
    });
    let bytes = &data[offset as usize..offset as usize + size];
    let pass = best(runs, || {
        let sum = bytes.chunks_exact(8).fold(0u64, |s, w| {
            s.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()))
        });
        std::hint::black_box(sum);
    });
    let mut sites = 0;
    let analysis = best(runs, || {
        sites = whyrun_facts::go::call_graph_sites(&data).expect("a Go binary on x86-64 or arm64");
    });
    println!("binary            {path}");
    println!(".text             {size} bytes, {sites} direct calls between functions");
    println!("read(2) of .text  {:8.3} ms", ms(read));
    println!("one pass in memory{:8.3} ms", ms(pass));
    println!("call analysis     {:8.3} ms", ms(analysis));
    println!(
        "ratio             {:.1}x the read, {:.1}x the in-memory pass",
        analysis.as_secs_f64() / read.as_secs_f64(),
        analysis.as_secs_f64() / pass.as_secs_f64()
    );
}
