//! Fuzz target: any text as a Kubernetes manifest (several documents, anchors and aliases,
//! YAML 1.1 integers). Reading must never panic nor grow without bound, and every error
//! names a line inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whyrun_target::container::k8s;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (specs, errors) = k8s::read("fuzz.yaml", text);
    // YAML's line breaks: LF, CRLF and a lone CR (YAML 1.2, b-break).
    let lines = text.matches('\n').count() + text.matches('\r').count() + 2;
    for e in &errors {
        if let Some(l) = e.line {
            assert!(l <= lines, "error line {l} beyond the text's {lines} lines");
        }
        let _ = e.to_string();
    }
    for s in &specs {
        let _ = s.describe();
    }
});
