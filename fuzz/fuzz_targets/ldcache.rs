//! Fuzz target: any bytes as /etc/ld.so.cache. Parsing and lookups must never panic,
//! loop or read out of bounds, whatever the offsets and counts say.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whyrun_target::ldconfig::cache::CacheAbi;
use whyrun_target::ldconfig::LdCache;

fuzz_target!(|data: &[u8]| {
    if let Ok(cache) = LdCache::parse(data) {
        let hwcaps = ["x86-64-v4", "x86-64-v3", "x86-64-v2"];
        for abi in [
            CacheAbi::for_machine(62, true, false),
            CacheAbi::for_machine(3, false, false),
        ] {
            for e in cache.entries.iter().take(32) {
                let _ = cache.lookup(&e.key, abi, &hwcaps, Some(0xf));
            }
            let _ = cache.lookup("libc.so.6", abi, &[], None);
        }
    }
});
