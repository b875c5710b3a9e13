//! Go facts of the small Go fixtures (fixtures/small, built by its build.sh) against what
//! the fixture was built to have (its run-time needs, its symbol table). The comparison
//! with `go version -m` is in the integration tests (crates/whyrun/tests/it), which the
//! test script runs with Debian's Go installed.

use std::path::{Path, PathBuf};

use whyrun_facts::go::{GoFacts, NetNeeds, PclnVersion, Reach, Reached, TimezoneNeeds};

/// A committed fixture; its absence is a broken checkout, not a reason to skip.
fn fixture(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/small")
        .join(name);
    assert!(
        p.is_file(),
        "{} is missing (rebuild with fixtures/small/build.sh)",
        p.display()
    );
    Some(p)
}

fn go_facts(path: &Path) -> GoFacts {
    let facts = whyrun_facts::inspect_path(path).expect("fixture parses");
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    facts.go.expect("a Go binary")
}

/// `go version -m` output rebuilt from our facts, in Go's own format.
#[test]
fn stripped_hello_still_has_its_symbol_table() {
    for (name, version, pcln) in [
        ("go119-hello", "go1.19", PclnVersion::V118),
        ("go124-hello", "go1.24", PclnVersion::V120),
    ] {
        let Some(path) = fixture(name) else { continue };
        let go = go_facts(&path);
        assert!(
            go.version.as_deref().unwrap().starts_with(version),
            "{name}"
        );
        assert!(go.build_id.is_some(), "{name}");
        let bi = go.build_info.unwrap();
        assert!(bi.module_mode, "{name}");
        assert_eq!(bi.typed.cgo_enabled, Some(false), "{name}");
        let st = go.symtab.expect("pclntab survives -s -w");
        assert_eq!(st.pclntab_version, pcln, "{name}");
        assert!(st.function_count > 500, "{name}");
        for p in ["main", "runtime", "os"] {
            assert!(st.packages.iter().any(|x| x == p), "{name}: {p}");
        }
        assert_eq!(st.needs.net, None, "{name}");
        assert!(!st.needs.cgo, "{name}");
    }
}

#[test]
fn nethello_needs_roots_resolver_and_zoneinfo() {
    let Some(path) = fixture("go124-nethello") else {
        return;
    };
    let needs = go_facts(&path).symtab.unwrap().needs;
    let x509 = needs.x509.expect("crypto/x509 linked");
    assert!(x509.system_roots && !x509.fallback_roots_embedded);
    // It calls x509.SystemCertPool, and links net/http without its client.
    assert_eq!(x509.entry_points, ["crypto/x509.SystemCertPool"]);
    assert_eq!(
        needs.net,
        Some(NetNeeds {
            cgo_resolver: false
        })
    );
    assert_eq!(
        needs.timezone,
        Some(TimezoneNeeds {
            tzdata_embedded: false,
            // main.main calls time.LoadLocation itself (fixtures/src/gohello/cmd/nethello).
            reach: Some(Reach {
                how: Reached::StartUp,
                chain: vec!["main.main".into(), "time.LoadLocation".into()],
            })
        })
    );
    assert_eq!(
        x509.reach,
        Some(Reach {
            how: Reached::StartUp,
            chain: vec!["main.main".into(), "crypto/x509.SystemCertPool".into()],
        })
    );
    assert!(!needs.cgo && !needs.plugin && needs.cgo_stubs.is_empty());
}
