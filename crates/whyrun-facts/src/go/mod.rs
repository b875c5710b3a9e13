//! Go facts: the toolchain version, the Go build ID, the build info (`.go.buildinfo`) and
//! what the Go symbol table (pclntab) says about linked packages and their run-time needs.
//! Parsing only: a broken Go structure becomes a warning, never a panic or a failed run.

mod buildinfo;
mod calls;
mod packages;
mod pclntab;
mod symbols;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::elf::notes::RawNote;
use crate::elf::view::ElfView;

pub use buildinfo::{ArchLevel, BuildInfo, BuildSetting, Layout, Module, TypedSettings, Vcs};
pub use calls::{Reach, Reached};
pub use packages::{
    CgoStub, GoSymtab, NetNeeds, OsUserNeeds, RuntimeNeeds, TimezoneNeeds, X509Needs,
};
pub use pclntab::PclnVersion;

/// Note type of `.note.go.buildid` (note name `Go`).
const NT_GO_BUILD_ID: u32 = 4;

/// What the Go toolchain recorded in the binary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GoFacts {
    /// `go1.24.4`: from the build info, else from `runtime.buildVersion` in the ELF symbol
    /// table.
    pub version: Option<String>,
    /// The Go build ID from `.note.go.buildid`.
    pub build_id: Option<String>,
    pub build_info: Option<BuildInfo>,
    pub symtab: Option<GoSymtab>,
}

/// Reads the Go facts; `None` when the binary shows no sign of the Go toolchain.
pub fn inspect(
    view: &ElfView<'_>,
    notes: &[RawNote<'_>],
    read_ahead: crate::ReadAhead<'_>,
    warnings: &mut Vec<String>,
) -> Option<GoFacts> {
    let build_id = notes
        .iter()
        .find(|n| n.name == b"Go" && n.n_type == NT_GO_BUILD_ID)
        .map(|n| {
            let mut d = n.desc;
            while let [rest @ .., 0] = d {
                d = rest;
            }
            String::from_utf8_lossy(d).into_owned()
        });
    let (build_info, broken_build_info) = match buildinfo::read(view, warnings) {
        Ok(b) => (b, false),
        Err(e) => {
            warnings.push(e);
            (None, true)
        }
    };
    // Looking for the symbol table without its section scans the segments, so it is done
    // only for binaries that show another sign of Go.
    let go_sections = [
        ".gopclntab",
        ".data.rel.ro.gopclntab",
        ".gosymtab",
        ".go.buildinfo",
        ".note.go.buildid",
    ];
    let looks_like_go = build_id.is_some()
        || build_info.is_some()
        || broken_build_info
        || go_sections.iter().any(|s| view.section(s).is_some());
    let symtab = if looks_like_go {
        match pclntab::locate(view) {
            Ok(Some(table)) => {
                let main_module = build_info
                    .as_ref()
                    .and_then(|b| b.main.as_ref().map(|m| m.path.as_str()));
                // The call graph does not depend on the names' scan: both run at once.
                let (mut symtab, graph) = rayon::join(
                    || {
                        let mut scan_warnings = Vec::new();
                        let symtab = packages::symtab(&table, read_ahead, &mut scan_warnings);
                        (symtab, scan_warnings)
                    },
                    || calls::CallGraph::build(view, &table, main_module, read_ahead),
                );
                warnings.append(&mut symtab.1);
                if let Some(graph) = graph {
                    add_reach(graph, &mut symtab.0.needs);
                }
                Some(symtab.0)
            }
            Ok(None) => None,
            Err(e) => {
                warnings.push(e);
                None
            }
        }
    } else {
        None
    };
    let version = build_info
        .as_ref()
        .map(|b| b.go_version.clone())
        .or_else(|| {
            looks_like_go
                .then(|| symbols::build_version(view))
                .flatten()
        });
    if build_id.is_none() && build_info.is_none() && symtab.is_none() && version.is_none() {
        return None;
    }
    Some(GoFacts {
        version,
        build_id,
        build_info,
        symtab,
    })
}

/// Who calls each linked run-time need, from the binary's direct calls (see `calls`).
fn add_reach(mut graph: calls::CallGraph<'_>, needs: &mut RuntimeNeeds) {
    if let Some(x509) = needs.x509.as_mut() {
        x509.reach = graph.reach(calls::X509_GATEWAYS);
    }
    if let Some(tz) = needs.timezone.as_mut() {
        tz.reach = graph.reach(calls::TIMEZONE_GATEWAYS);
    }
    if let Some(user) = needs.os_user.as_mut() {
        user.reach = graph.reach(calls::OS_USER_GATEWAYS);
    }
}

/// The direct-call analysis alone, on an ELF image in memory: builds the call graph and
/// places the three needs, as [`inspect`] does after its symbol table scan. Returns the
/// number of call sites found, `None` when there is no Go symbol table or the
/// architecture is not decoded. For benchmarks (`scripts/bench-calls.py`).
pub fn call_graph_sites(data: &[u8]) -> Option<usize> {
    let view = ElfView::parse(data).ok()?;
    let table = pclntab::locate(&view).ok()??;
    let mut graph = calls::CallGraph::build(&view, &table, None, &|_| {})?;
    for gateways in [
        calls::X509_GATEWAYS,
        calls::TIMEZONE_GATEWAYS,
        calls::OS_USER_GATEWAYS,
    ] {
        graph.reach(gateways);
    }
    Some(graph.site_count())
}
