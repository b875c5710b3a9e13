//! Snapshots: `take` of this machine round-trips through JSON unchanged, a snapshot of
//! another schema or of junk is refused with a clear error, and describing the host is
//! fast enough to run before every check.

use std::time::Instant;

use whyrun_target::describe::{describe_host, DescribeOptions};
use whyrun_target::model::{SourceKind, SCHEMA};
use whyrun_target::snapshot::{self, load_snapshot, SnapshotError};
use whyrun_target::HostView;

#[test]
fn host_snapshot_round_trips() {
    let model = snapshot::take(&HostView, &DescribeOptions::host());
    assert_eq!(model.schema, SCHEMA);
    assert!(model.kernel.is_some() && model.cpu.is_some());
    assert!(!model.libraries.is_empty(), "the host has libraries");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.json");
    std::fs::write(&path, snapshot::to_json(&model)).unwrap();
    let back = load_snapshot(&path).unwrap();
    assert_eq!(back.source, SourceKind::Snapshot);
    let mut expected = model.clone();
    expected.source = SourceKind::Snapshot;
    assert_eq!(back, expected);
}

#[test]
fn unknown_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let e = load_snapshot(&write(
        "v2.json",
        r#"{"schema":"whyrun.target/2","name":"x"}"#,
    ))
    .unwrap_err();
    assert!(matches!(e, SnapshotError::UnknownSchema { .. }));
    assert!(e.to_string().contains("whyrun.target/2") && e.to_string().contains(SCHEMA));
    let e = load_snapshot(&write("none.json", r#"{"name":"x"}"#)).unwrap_err();
    assert!(matches!(e, SnapshotError::NoSchema { .. }), "{e}");
    let e = load_snapshot(&write("junk.json", "\u{0}\u{1}not json")).unwrap_err();
    assert!(matches!(e, SnapshotError::Malformed { .. }), "{e}");
    let e = load_snapshot(&write("arr.json", "[1,2]")).unwrap_err();
    assert!(matches!(e, SnapshotError::Malformed { .. }), "{e}");
    let e = load_snapshot(&write("num.json", r#"{"schema":7}"#)).unwrap_err();
    assert!(matches!(e, SnapshotError::UnknownSchema { .. }), "{e}");
    let e = load_snapshot(&write(
        "bad.json",
        r#"{"schema":"whyrun.target/1","users":"nope"}"#,
    ))
    .unwrap_err();
    assert!(matches!(e, SnapshotError::Malformed { .. }), "{e}");
    assert!(load_snapshot(&dir.path().join("missing.json")).is_err());
    // A minimal valid snapshot loads, named after the file when it has no name.
    let m = load_snapshot(&write("min.json", r#"{"schema":"whyrun.target/1"}"#)).unwrap();
    assert!(m.name.ends_with("min.json"));
}

#[test]
fn describing_the_host_is_fast() {
    describe_host();
    let start = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        let m = describe_host();
        assert!(m.libc.is_some());
    }
    let each = start.elapsed() / runs;
    eprintln!("describe(host): {each:?} per run");
    assert!(each.as_millis() < 100, "describe(host) took {each:?}");
}
