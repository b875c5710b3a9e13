//! Who calls a Go binary's run-time needs, against the Go toolchain's own disassembler.
//! For each fixture whose source says where it calls `x509.SystemCertPool`,
//! `time.LoadLocation` and `os/user`, `whyrun inspect` must place each need as the source
//! does (at start-up, in a feature of the main module, or linked only), and every call of
//! every chain it shows must be a `CALL` that `go tool objdump` prints in the caller. The
//! arm64 build of the same program must be placed the same way, and a binary built by Go
//! 1.26 or later (whose pclntab no longer records the text start) is placed too.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fixtures;

/// `GO124` of `fixtures/build.sh`.
const GO124: &str = "/usr/lib/go-1.24/bin/go";

/// The `reach` of each need (`x509`, `timezone`, `os_user`): `None` for a need that is not
/// linked, `Some(Value::Null)` for one whose calls were not placed.
fn reaches(file: &Path) -> Vec<(&'static str, Option<Value>)> {
    let facts = fixtures::facts(file);
    let needs = &facts["go"]["symtab"]["needs"];
    ["x509", "timezone", "os_user"]
        .into_iter()
        .map(|k| {
            (
                k,
                needs
                    .get(k)
                    .filter(|v| !v.is_null())
                    .map(|v| v["reach"].clone()),
            )
        })
        .collect()
}

fn reach_of(file: &Path, need: &str) -> (String, Vec<String>) {
    let (_, reach) = reaches(file).into_iter().find(|(k, _)| *k == need).unwrap();
    let reach = reach.unwrap_or_else(|| panic!("{need} is not linked in {}", file.display()));
    let how = reach["how"]
        .as_str()
        .unwrap_or_else(|| panic!("{need} was not placed in {}: {reach}", file.display()))
        .to_string();
    let chain = reach["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    (how, chain)
}

/// Every call of `chain` is a `CALL callee(SB)` in the caller's disassembly.
fn objdump_agrees(file: &Path, chain: &[String]) {
    for pair in chain.windows(2) {
        let (caller, callee) = (&pair[0], &pair[1]);
        if caller == "…" || callee == "…" {
            continue;
        }
        let pattern = format!("^{}$", regex_quote(caller));
        let out = Command::new(GO124)
            .args(["tool", "objdump", "-s", &pattern])
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {GO124}: {e} (run scripts/install-deps.sh)"));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("CALL {callee}(SB)")),
            "{}: go tool objdump shows no call of {callee} in {caller}",
            file.display()
        );
    }
}

fn regex_quote(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

fn built(name: &str) -> std::path::PathBuf {
    fixtures::built()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("fixture {name} missing: run `bash fixtures/build.sh`"))
        .path
}

#[test]
fn main_main_reaching_the_cert_pool_is_start_up() {
    let file = built("certpool-go124");
    let (how, chain) = reach_of(&file, "x509");
    assert_eq!(how, "start-up");
    assert_eq!(
        chain,
        ["main.main", "main.loadRoots", "crypto/x509.SystemCertPool"]
    );
    objdump_agrees(&file, &chain);
    // The committed nethello calls both from main.main. It is stripped (`-s`), so
    // objdump cannot read it; whyrun reads the pclntab, which stripping keeps.
    let nethello = fixtures::small("go124-nethello");
    for (need, gateway) in [
        ("x509", "crypto/x509.SystemCertPool"),
        ("timezone", "time.LoadLocation"),
    ] {
        let (how, chain) = reach_of(&nethello, need);
        assert_eq!(how, "start-up", "{need}");
        assert_eq!(chain, ["main.main", gateway]);
    }
}

#[test]
fn handlers_and_probes_of_the_main_module_are_features() {
    for name in ["gin-go124", "gin-go124-cgo", "gin-go124-arm64"] {
        let file = built(name);
        for need in ["x509", "timezone", "os_user"] {
            let (how, chain) = reach_of(&file, need);
            assert_eq!(how, "feature", "{name} {need}: {chain:?}");
            assert!(
                chain[0].starts_with("example.com/ginapp/") || chain[0].starts_with("main."),
                "{name} {need}: {chain:?}"
            );
            objdump_agrees(&file, &chain);
        }
    }
}

#[test]
fn needs_only_dependencies_call_are_linked_only() {
    // ginserve's own code calls none of them; Gin's binding links time.LoadLocation and
    // net/http the root loader; os/user is not linked at all.
    let file = built("ginserve-go124");
    let placed = reaches(&file);
    assert_eq!(placed[2], ("os_user", None));
    for need in ["x509", "timezone"] {
        let (how, chain) = reach_of(&file, need);
        assert_eq!(how, "linked-only", "{need}: {chain:?}");
        assert!(
            !chain[0].starts_with("example.com/") && !chain[0].starts_with("main."),
            "{chain:?}"
        );
        objdump_agrees(&file, &chain);
    }
}

#[test]
fn a_go_1_26_pclntab_without_a_text_start_is_placed() {
    // buf (npm @bufbuild/buf-linux-x64, fixtures/third-party/fetch.sh) is built by Go 1.27.
    let file = crate::e2e::cache_dir("WHYRUN_THIRD_PARTY", "third-party")
        .join("npm/bufbuild-buf-linux-x64/buf");
    assert!(
        file.is_file(),
        "{} is missing: run `bash fixtures/third-party/fetch.sh`",
        file.display()
    );
    let facts = fixtures::facts(&file);
    let version = facts["go"]["version"].as_str().unwrap();
    let minor: u32 = version
        .strip_prefix("go1.")
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap();
    assert!(minor >= 26, "{version}");
    let (how, chain) = reach_of(&file, "x509");
    assert_eq!(how, "feature", "{chain:?}");
    assert!(
        chain[0].starts_with("github.com/bufbuild/buf/"),
        "{chain:?}"
    );
}
