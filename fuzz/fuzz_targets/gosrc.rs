//! Fuzzes the readers of Go sources with arbitrary text: the go.mod parser, the header of a
//! `.go` file (build line, package clause, imports), a `//go:build` expression, the
//! version parser, and the `vendor/modules.txt` and `go.sum` readers. Each must return a value or an error, never panic or loop.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whyrun_facts::gosrc::{gomod, modfiles, source, BuildContext, GoVersion};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = format!("{:?}", gomod::parse(&text));
    let _ = format!("{:?}", source::parse_header(&text));
    let ctx = BuildContext {
        goos: "linux".into(),
        goarch: "amd64".into(),
        cgo: true,
        go_minor: Some(22),
        tags: vec![],
    };
    let _ = ctx.satisfies(&text);
    let _ = ctx.file_name_matches(&text);
    let _ = GoVersion::parse(&text);
    let _ = format!("{:?}", modfiles::parse_vendor_modules(&text));
    let _ = format!("{:?}", modfiles::parse_go_sum(&text));
});
