//! A library not found whose other version is there (`libc.so.7` for `libc.so.6`) is
//! named in a hint, as the likely reason: the binary was linked against a version the
//! target does not have.

use std::path::Path;

use whyrun_target::loader::{Hint, NeedResult};
use whyrun_target::{Loader, Target};

#[test]
fn another_version_of_a_missing_library_is_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    crate::small_root::hello_root(root, &["usr/lib/x86_64-linux-gnu/libc.so.7"]);
    // Not a version of libc.so: no hint for it.
    std::fs::write(root.join("usr/lib/x86_64-linux-gnu/libcrypt.so.1"), b"").unwrap();

    let tree = Loader::new(Target::root(root).unwrap())
        .resolve(Path::new("/app/hello"))
        .unwrap();
    let need = &tree.objects[0].needs[0];
    let NeedResult::NotFound { hints, .. } = &need.result else {
        panic!("libc.so.6 should not be found: {:?}", need.result);
    };
    assert_eq!(
        hints,
        &[Hint::OtherVersion {
            path: "/usr/lib/x86_64-linux-gnu/libc.so.7".into(),
            soname: "libc.so.7".into(),
            wanted: "libc.so.6".into(),
        }]
    );
    assert_eq!(
        hints[0].to_string(),
        "/usr/lib/x86_64-linux-gnu/libc.so.7 is another version (libc.so.7): the binary was \
         linked against libc.so.6, which is not there"
    );
}
