//! The build settings whose meaning matters, typed: CGO_ENABLED, GOOS/GOARCH and the
//! architecture level, -buildmode, -tags, -trimpath, -ldflags (stripped or not), the VCS
//! stamp, DefaultGODEBUG and GOEXPERIMENT.

use super::*;

/// The architecture level variable that goes with each GOARCH.
const LEVEL_VARIABLES: &[(&str, &str)] = &[
    ("amd64", "GOAMD64"),
    ("arm", "GOARM"),
    ("arm64", "GOARM64"),
    ("386", "GO386"),
    ("mips", "GOMIPS"),
    ("mipsle", "GOMIPS"),
    ("mips64", "GOMIPS64"),
    ("mips64le", "GOMIPS64"),
    ("ppc64", "GOPPC64"),
    ("ppc64le", "GOPPC64"),
    ("riscv64", "GORISCV64"),
    ("wasm", "GOWASM"),
];

/// Decodes the settings whose meaning matters.
pub(crate) fn typed_settings(settings: &[BuildSetting]) -> TypedSettings {
    let get = |k: &str| {
        settings
            .iter()
            .find(|s| s.key == k)
            .map(|s| s.value.clone())
    };
    let goarch = get("GOARCH");
    let level_for_arch = goarch
        .as_deref()
        .and_then(|a| LEVEL_VARIABLES.iter().find(|(arch, _)| *arch == a))
        .map(|(_, var)| *var);
    let arch_level = level_for_arch
        .and_then(|var| get(var).map(|value| (var.to_string(), value)))
        .or_else(|| {
            settings
                .iter()
                .find(|s| LEVEL_VARIABLES.iter().any(|(_, var)| *var == s.key))
                .map(|s| (s.key.clone(), s.value.clone()))
        })
        .map(|(variable, value)| ArchLevel { variable, value });
    let ldflags = get("-ldflags");
    let vcs = if settings
        .iter()
        .any(|s| s.key == "vcs" || s.key.starts_with("vcs."))
    {
        Some(Vcs {
            system: get("vcs"),
            revision: get("vcs.revision"),
            time: get("vcs.time"),
            modified: get("vcs.modified").and_then(|v| parse_bool(&v)),
        })
    } else {
        None
    };
    TypedSettings {
        cgo_enabled: get("CGO_ENABLED").and_then(|v| parse_bool(&v)),
        goos: get("GOOS"),
        goarch,
        arch_level,
        buildmode: get("-buildmode"),
        tags: get("-tags")
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        trimpath: get("-trimpath")
            .and_then(|v| parse_bool(&v))
            .unwrap_or(false),
        stripped_by_ldflags: ldflags.as_deref().is_some_and(ldflags_strip),
        ldflags,
        vcs,
        default_godebug: get("DefaultGODEBUG"),
        experiment: get("GOEXPERIMENT"),
    }
}

/// Go's `strconv.ParseBool`.
pub(super) fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Linker flags that take a separate value argument (`-X name=value`), so the token after
/// them is not a flag.
const LINK_VALUE_FLAGS: &[&str] = &[
    "B",
    "E",
    "H",
    "I",
    "L",
    "R",
    "T",
    "X",
    "buildid",
    "buildmode",
    "benchmark",
    "benchmarkprofile",
    "capturehostobjects",
    "cpuprofile",
    "extar",
    "extld",
    "extldflags",
    "importcfg",
    "installsuffix",
    "k",
    "libgcc",
    "linkmode",
    "memprofile",
    "memprofilerate",
    "o",
    "pluginpath",
    "r",
    "tmpdir",
];

/// Whether the linker flags turn on `-s` (no symbol table) or `-w` (no DWARF).
pub(super) fn ldflags_strip(ldflags: &str) -> bool {
    let args = split_quoted(ldflags);
    let mut stripped = false;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag, None),
        };
        match name {
            "s" | "w" => {
                if let Some(on) = value.map_or(Some(true), parse_bool) {
                    stripped |= on;
                }
            }
            _ if value.is_none() && LINK_VALUE_FLAGS.contains(&name) => i += 1,
            _ => {}
        }
    }
    stripped
}

/// Splits on spaces, honouring single and double quotes, as cmd/go splits `-ldflags`.
pub(super) fn split_quoted(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}
