//! Fuzzes the whole facts parser (ELF headers, dynamic section, versions, notes, Go build
//! info and pclntab), the dynamic symbol tables the loader reads, and a script's `#!`
//! line with arbitrary bytes: each must return facts or an error, never panic, loop
//! forever or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(symbols) = whyrun_facts::link::dynamic_symbols(data) {
        let _ = format!("{symbols:?}");
    }
    let _ = whyrun_facts::script::shebang(data);
    if let Ok(facts) = whyrun_facts::inspect_bytes(data) {
        // Serializing walks every field, as `whyrun inspect --json` does.
        let _ = format!("{facts:?}");
    }
});
