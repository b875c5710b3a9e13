//! Facts of a Go binary that does not exist yet: the one a Dockerfile's `go build` will
//! write, predicted from the build's inputs by `whyrun_check::docker` (architecture,
//! cgo, linkage, the standard-library packages it links and what they read at run time).
//! Filled in the shape the ELF and Go readers give, so the binary rules judge it like a
//! real file; whatever cannot be predicted (symbol versions, build IDs, the call graph)
//! is left empty, which the rules read as "not known".

use crate::elf::{ElfFacts, Hardening, Machine};
use crate::go::{
    BuildInfo, BuildSetting, GoFacts, GoSymtab, Layout, NetNeeds, OsUserNeeds, PclnVersion,
    RuntimeNeeds, TimezoneNeeds, TypedSettings, X509Needs,
};
use crate::Facts;

/// What the build decides about the binary.
#[derive(Debug, Clone, Default)]
pub struct GoBinary {
    /// The facts crate's machine name: `x86_64`, `aarch64`, `armhf`, `i386`, …
    pub machine: String,
    /// `go1.22.12`.
    pub go_version: String,
    pub goos: String,
    pub goarch: String,
    pub cgo: bool,
    /// The program interpreter when it is dynamically linked.
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    /// The packages it links (the module's imports; the standard library's are what
    /// decide the run-time needs).
    pub packages: Vec<String>,
    /// The program dials TLS itself (an HTTP client, `tls.Dial`, `SystemCertPool`): the
    /// entry points through which it verifies certificates against the system roots.
    pub tls_entry_points: Vec<String>,
    /// How the program's own code reaches certificate verification, when it does.
    pub tls_reach: Option<crate::go::Reach>,
    /// The main module's path.
    pub module: Option<String>,
}

/// The e_machine number of a machine name (ELF gABI).
fn e_machine(machine: &str) -> u16 {
    match machine {
        "x86_64" => 62,
        "aarch64" => 183,
        "armhf" | "armel" | "arm" => 40,
        "i386" => 3,
        "ppc64le" | "ppc64" => 21,
        "s390x" => 22,
        "riscv64" => 243,
        _ => 0,
    }
}

fn links(packages: &[String], p: &str) -> bool {
    packages.iter().any(|q| q == p)
}

/// The facts of the binary `b` describes.
pub fn go_binary(b: &GoBinary) -> Facts {
    let bits64 = !matches!(b.machine.as_str(), "armhf" | "armel" | "arm" | "i386");
    let dynamic = b.interpreter.is_some();
    let elf = ElfFacts {
        class: if bits64 { "ELF64" } else { "ELF32" }.into(),
        endian: if b.machine == "s390x" {
            "big"
        } else {
            "little"
        }
        .into(),
        machine: Machine {
            name: b.machine.clone(),
            e_machine: e_machine(&b.machine),
            arm_float_abi: (b.machine == "armhf").then(|| "hard".to_string()),
            arm_eabi: b.machine.starts_with("arm").then_some(5),
        },
        os_abi: "SYSV".into(),
        file_type: "executable".into(),
        linkage: if dynamic { "dynamic" } else { "static" }.into(),
        interpreter: b.interpreter.clone(),
        needed: b.needed.clone(),
        soname: None,
        rpath: None,
        runpath: None,
        dt_flags: Vec::new(),
        dt_flags_1: Vec::new(),
        version_needs: Vec::new(),
        max_versions: Vec::new(),
        version_definitions: Vec::new(),
        abi_tag: None,
        x86_isa_needed: None,
        static_nss: None,
        build_id: None,
        section_headers: true,
        stripped: false,
        debug_info: true,
        hardening: Hardening {
            pie: false,
            relro: "none".into(),
            nx_stack: true,
            bind_now: false,
        },
    };
    let p = &b.packages;
    let x509 = links(p, "crypto/x509") || links(p, "crypto/tls") || links(p, "net/http");
    let needs = RuntimeNeeds {
        x509: x509.then(|| X509Needs {
            system_roots: true,
            fallback_roots_embedded: links(p, "golang.org/x/crypto/x509roots/fallback"),
            reach: b.tls_reach.clone(),
            entry_points: b.tls_entry_points.clone(),
        }),
        net: (links(p, "net") || links(p, "net/http")).then_some(NetNeeds {
            cgo_resolver: b.cgo,
        }),
        timezone: links(p, "time/tzdata").then_some(TimezoneNeeds {
            tzdata_embedded: true,
            reach: None,
        }),
        os_user: links(p, "os/user").then_some(OsUserNeeds {
            cgo: b.cgo,
            reach: None,
        }),
        plugin: links(p, "plugin"),
        cgo: dynamic,
        cgo_stubs: Vec::new(),
    };
    let setting = |k: &str, v: &str| BuildSetting {
        key: k.into(),
        value: v.into(),
    };
    let build_info = BuildInfo {
        layout: Layout::InlineStrings,
        go_version: b.go_version.clone(),
        module_mode: b.module.is_some(),
        path: b.module.clone(),
        main: None,
        deps: Vec::new(),
        settings: vec![
            setting("CGO_ENABLED", if b.cgo { "1" } else { "0" }),
            setting("GOARCH", &b.goarch),
            setting("GOOS", &b.goos),
        ],
        typed: TypedSettings {
            cgo_enabled: Some(b.cgo),
            goos: Some(b.goos.clone()),
            goarch: Some(b.goarch.clone()),
            ..Default::default()
        },
    };
    Facts {
        file_size: 0,
        elf,
        go: Some(GoFacts {
            version: Some(b.go_version.clone()),
            build_id: None,
            build_info: Some(build_info),
            symtab: Some(GoSymtab {
                pclntab_version: PclnVersion::V120,
                function_count: 0,
                packages: p.clone(),
                needs,
            }),
        }),
        rust: None,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cgo_binary_is_dynamic_with_its_interpreter() {
        let f = go_binary(&GoBinary {
            machine: "x86_64".into(),
            go_version: "go1.22.12".into(),
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo: true,
            interpreter: Some("/lib64/ld-linux-x86-64.so.2".into()),
            needed: vec!["libc.so.6".into()],
            packages: vec!["net/http".into()],
            ..Default::default()
        });
        assert_eq!(f.elf.linkage, "dynamic");
        assert_eq!(f.elf.machine.e_machine, 62);
        let needs = &f.go.unwrap().symtab.unwrap().needs;
        assert!(needs.x509.is_some() && needs.cgo);
    }
}
