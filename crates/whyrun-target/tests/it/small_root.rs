//! A root the size of one program: the small `c-glibc-dynamic` fixture at `/app/hello`,
//! this machine's glibc loader, and its `libc.so.6` copied to the paths a test names.

use std::path::Path;

/// Fills `root` and returns nothing to clean: `root` is the test's temporary directory.
/// `libc_at` are paths inside the root (`usr/lib/x86_64-linux-gnu/libc.so.7`).
pub fn hello_root(root: &Path, libc_at: &[&str]) {
    let small = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
    let put = |from: &Path, to: &str| {
        let to = root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, &to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    };
    put(&small.join("c-glibc-dynamic"), "app/hello");
    put(
        Path::new("/lib64/ld-linux-x86-64.so.2"),
        "lib64/ld-linux-x86-64.so.2",
    );
    let libc = std::fs::canonicalize("/lib/x86_64-linux-gnu/libc.so.6").unwrap();
    for at in libc_at {
        put(&libc, at);
    }
}
