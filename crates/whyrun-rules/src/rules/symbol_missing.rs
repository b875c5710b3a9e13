//! LIB006: a symbol the binary (or one of its libraries) imports that no library of its
//! link map defines, although every library and version is there.

use crate::context::{CheckContext, UndefinedSymbol};
use crate::finding::{Finding, Severity};
use crate::libs;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A dynamic symbol a loaded object imports that no object of the link map defines,
    /// looked up as glibc does (the global scope in load order; a versioned reference binds
    /// only to that version). The version node can exist and the symbol still be missing:
    /// a library adds functions to an existing version (libcurl's `CURL_OPENSSL_4`,
    /// SQLite), so a binary built against a newer release of it fails on an older one that
    /// has the version but not the function.
    ///
    /// ## Why it breaks
    /// The loader binds symbols when it relocates each object. Data, and every symbol of an
    /// object linked with `-z now` (BIND_NOW), are bound before the program runs: it never
    /// starts (`symbol lookup error: ./app: undefined symbol: NAME, version VERSION`, exit
    /// 127). A function is bound lazily, at its first call: the program starts and dies
    /// with the same message, exit 127, when it reaches that call.
    ///
    /// ## Example
    /// ```text
    /// LIB006 fails at run time  /usr/local/bin/app calls f2 (version LIBX_1), which no loaded library defines: it starts, then stops at the first call
    ///   · imports f2@LIBX_1, bound at its first call  [/usr/local/bin/app]
    ///   · the loader stops with "symbol lookup error: /usr/local/bin/app: undefined symbol: f2, version LIBX_1"  [/lib64/ld-linux-x86-64.so.2]
    ///   fix Install the release of the library the binary was built against (it defines f2), or build the binary against the target's
    /// ```
    ///
    /// ## Fix
    /// Give the target the library release the binary was built against, or build the
    /// binary on (or for) the target's release, whose headers do not offer the function.
    ///
    /// ## References
    /// - glibc `elf/dl-lookup.c` (`_dl_lookup_symbol_x`, `check_match`).
    /// - ld.so(8): `LD_BIND_NOW`; ld(1): `-z now`.
    pub struct SymbolMissing {
        code: "LIB006",
        name: "symbol-missing",
        family: Family::Lib,
        subject: Subject::BinaryOnTarget,
        severity: Severity::BlocksStart,
        stage: Stage::SymbolVersions,
        summary: "An imported symbol is defined by no library of the link map",
    }
}

/// The symbols shown per finding.
const MAX_SYMBOLS: usize = 4;

impl SymbolMissing {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let missing = &ctx.libraries.missing_symbols;
        if missing.is_empty() {
            return Vec::new();
        }
        // One finding per importing object: the first symbol the loader stops at leads.
        let mut by_object: Vec<(&str, Vec<&UndefinedSymbol>)> = Vec::new();
        for m in missing {
            match by_object.iter_mut().find(|(o, _)| *o == m.required_by) {
                Some((_, list)) => list.push(m),
                None => by_object.push((&m.required_by, vec![m])),
            }
        }
        let loader = libs::loader(ctx);
        by_object
            .into_iter()
            .map(|(object, symbols)| {
                // Anything bound at load stops the program before it runs.
                let at_load: Vec<&&UndefinedSymbol> = symbols.iter().filter(|s| !s.lazy).collect();
                let first = at_load.first().copied().unwrap_or(&symbols[0]);
                let named = |s: &UndefinedSymbol| match &s.version {
                    Some(v) => format!("{} (version {v})", s.name),
                    None => s.name.clone(),
                };
                let (severity, what) = match at_load.is_empty() {
                    true => (
                        Severity::FailsAtRuntime,
                        format!("{object} calls {}, which no loaded library defines: it starts, then stops at the first call", named(first)),
                    ),
                    false => (
                        Severity::BlocksStart,
                        format!("{object} needs {}, which no loaded library defines: the loader stops before it runs", named(first)),
                    ),
                };
                let mut f = Self::META.finding(what).severity(severity);
                for s in symbols.iter().take(MAX_SYMBOLS) {
                    let imported = match &s.version {
                        Some(v) => format!("{}@{v}", s.name),
                        None => s.name.clone(),
                    };
                    let when = match s.lazy {
                        true => "bound at its first call",
                        false => "bound at load",
                    };
                    f = f.evidence(format!("imports {imported}, {when}"), object);
                }
                if symbols.len() > MAX_SYMBOLS {
                    f = f.evidence(
                        format!("and {} more symbols", symbols.len() - MAX_SYMBOLS),
                        object,
                    );
                }
                let said = match &first.version {
                    Some(v) => format!("symbol lookup error: {object}: undefined symbol: {}, version {v}", first.name),
                    None => format!("symbol lookup error: {object}: undefined symbol: {}", first.name),
                };
                f.evidence(format!("the loader stops with \"{said}\""), loader.clone())
                    .fix(
                        format!("Install the release of the library the binary was built against (it defines {}), or build the binary against the target's", first.name),
                        Vec::new(),
                    )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testing::*;

    fn with_missing(lazy: bool) -> Vec<crate::Finding> {
        let facts = fixture("c-glibc-dynamic");
        let mut libs = loader_resolution(vec![found_lib(
            "libc.so.6",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
        )]);
        libs.missing_symbols.push(crate::context::UndefinedSymbol {
            name: "f2".into(),
            version: Some("LIBX_1".into()),
            required_by: "/app".into(),
            lazy,
        });
        run(&facts, &debian12(), &libs)
            .into_iter()
            .filter(|f| f.code == "LIB006")
            .collect()
    }

    #[test]
    fn a_lazy_function_fails_at_run_time_and_anything_else_blocks_start() {
        let lazy = with_missing(true);
        assert_eq!(lazy.len(), 1);
        assert_eq!(lazy[0].severity, Severity::FailsAtRuntime);
        assert!(lazy[0]
            .evidence
            .iter()
            .any(|e| e.what.contains("undefined symbol: f2, version LIBX_1")));
        assert_eq!(with_missing(false)[0].severity, Severity::BlocksStart);
    }

    #[test]
    fn silent_when_every_symbol_is_defined() {
        let facts = fixture("c-glibc-dynamic");
        let libs = loader_resolution(vec![]);
        assert!(!codes(&facts, &debian12(), &libs).contains(&"LIB006"));
    }
}
