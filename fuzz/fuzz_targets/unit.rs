//! Fuzz target: any bytes as a systemd unit file. Parsing, command-line splitting,
//! specifiers and environment expansion must never panic, whatever the quoting, escapes
//! and continuations say.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whyrun_target::unit::{self, Specifiers, Unit};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut u = Unit::default();
    if unit::parse_into(&mut u, "fuzz.service", text).is_err() {
        return;
    }
    let spec = Specifiers {
        name: "fuzz@a-b\\x2f.service".into(),
    };
    let env = Default::default();
    for a in u.assignments.iter().take(64) {
        if let Ok(v) = spec.resolve(&a.value) {
            if let Ok(cmd) = unit::split_exec(&v) {
                for w in &cmd.args {
                    let _ = unit::expand_env(w, &env);
                }
            }
            let _ = unit::parse_environment(&v);
        }
        let _ = unit::unescape(&a.value);
    }
});
