//! What the shared-library rules share about a `LibraryResolution`: where the loader's
//! messages come from, the note that a profile resolves by SONAME only, the missing
//! symbol versions grouped by library, and how fixes are joined. The resolution itself is
//! typed (`whyrun_target::resolution`): nothing here parses text.

use std::cmp::Ordering;

use whyrun_target::profiles::compare_names;

use whyrun_target::loader::{AfterSkip, Skipped};

use crate::context::{CheckContext, Method, MissingVersion, ResolvedLibrary};
use crate::finding::Finding;

/// Whether musl's loader stopped at this candidate (it takes the first file it can open).
pub fn musl_stopped(s: &Skipped) -> bool {
    s.then == AfterSkip::MuslStops
}

/// Where the loader's own messages come from, as an evidence location: the binary's
/// interpreter, or "the loader" for a binary without one.
pub fn loader(ctx: &CheckContext<'_>) -> String {
    ctx.facts()
        .elf
        .interpreter
        .clone()
        .unwrap_or_else(|| "the loader".into())
}

/// The evidence line saying a profile resolves libraries by SONAME only.
pub fn index_note(ctx: &CheckContext<'_>) -> Option<String> {
    (ctx.libraries.method == Method::LibraryList).then(|| {
        format!(
            "{} is a profile: its libraries are matched by SONAME against its package list, \
             without a file system to search",
            ctx.target.name
        )
    })
}

/// Whether `needed_by` names the binary being checked.
pub fn is_binary(ctx: &CheckContext<'_>, needed_by: &str) -> bool {
    needed_by == ctx.binary.path_in_target || needed_by == ctx.binary.display_path
}

/// A path with `.` and `..` resolved and no trailing `/` (except for `/` itself): the
/// lexical resolution the file-access checks use.
pub use crate::access::normalize;

/// The directory holding `path`: `/app` for `/app/server`.
pub fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

/// Fix alternatives joined with "; or ", the first capitalised and the others not.
pub fn alternatives(parts: &[String]) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        let mut chars = p.chars();
        let Some(c) = chars.next() else { continue };
        if i > 0 {
            out.push_str("; or ");
        }
        // Lower-case a leading capital only when it starts an ordinary word.
        let second = p.chars().nth(1).unwrap_or(' ');
        let c = match i {
            0 => c.to_ascii_uppercase(),
            _ if second.is_ascii_lowercase() => c.to_ascii_lowercase(),
            _ => c,
        };
        out.push(c);
        out.push_str(chars.as_str());
    }
    out
}

/// A glibc binary on a musl system whose glibc interpreter path exists (gcompat, LIBC002):
/// musl's loader runs it, with its own search path and libc names, which the resolution
/// (done by glibc's rules for a glibc interpreter) does not model.
pub fn glibc_through_musl(ctx: &CheckContext<'_>) -> bool {
    ctx.facts()
        .elf
        .interpreter
        .as_deref()
        .is_some_and(|i| crate::fixes::libc_of_interpreter(i) == "glibc")
        && ctx.libraries.interpreter_found == Some(true)
        && crate::distro::is_musl(ctx.target)
}

/// A version of GCC's C++ runtime or support library (LIB004's), not of glibc or another
/// library (LIB003's).
pub fn is_cxx_version(version: &str) -> bool {
    ["GLIBCXX_", "CXXABI_", "GCC_"]
        .iter()
        .any(|p| version.starts_with(p))
}

/// The missing symbol versions of one library for one requiring object.
#[derive(Debug)]
pub struct MissingGroup<'a> {
    pub library: &'a ResolvedLibrary,
    pub required_by: &'a str,
    pub versions: Vec<&'a MissingVersion>,
}

impl MissingGroup<'_> {
    /// Where the loader found the library, or its name when it was not found.
    pub fn found_at(&self) -> String {
        self.library
            .found()
            .unwrap_or(&self.library.name)
            .to_string()
    }

    /// One evidence line per missing version, naming the symbols bound to it.
    pub fn version_evidence(&self, mut f: Finding) -> Finding {
        for v in &self.versions {
            let what = match v.symbols.is_empty() {
                true => format!("needs {} from {}", v.version, self.library.name),
                false => format!("needs {} for {}", v.version, symbols(&v.symbols)),
            };
            f = f.evidence(what, self.required_by);
        }
        f
    }

    /// The message the loader stops with, as evidence.
    pub fn loader_message(&self, ctx: &CheckContext<'_>, f: Finding) -> Finding {
        let loader = loader(ctx);
        f.evidence(
            format!(
                "the loader stops with \"{}: version `{}' not found (required by {})\"",
                self.found_at(),
                self.versions[0].version,
                self.required_by
            ),
            loader,
        )
    }

    /// The highest version among them (by number within its family), else the first.
    pub fn highest(&self) -> &MissingVersion {
        let mut best = self.versions[0];
        for v in &self.versions[1..] {
            if compare_names(&v.version, &best.version) == Some(Ordering::Greater) {
                best = v;
            }
        }
        best
    }

    /// `GLIBC_2.34 (__libc_start_main, pthread_create)` for each version, joined.
    pub fn describe(&self) -> String {
        self.versions
            .iter()
            .map(|v| match v.symbols.is_empty() {
                true => v.version.clone(),
                false => format!("{} ({})", v.version, symbols(&v.symbols)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Up to four symbol names, then a count.
pub fn symbols(list: &[String]) -> String {
    let mut s = list.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > 4 {
        s.push_str(&format!(" and {} more", list.len() - 4));
    }
    s
}

/// The missing versions whose name passes `keep`, grouped by library and requiring
/// object, in load order. Weak requirements of the binary (glibc only warns about them)
/// are left out.
pub fn missing_versions<'a>(
    ctx: &CheckContext<'a>,
    keep: impl Fn(&str) -> bool,
) -> Vec<MissingGroup<'a>> {
    let mut out: Vec<MissingGroup<'a>> = Vec::new();
    for lib in &ctx.libraries.libraries {
        for mv in &lib.missing_versions {
            if !keep(&mv.version) || is_weak(ctx, &lib.name, mv) {
                continue;
            }
            match out
                .iter_mut()
                .find(|g| g.library.name == lib.name && g.required_by == mv.required_by)
            {
                Some(g) => {
                    if !g.versions.iter().any(|v| v.version == mv.version) {
                        g.versions.push(mv);
                    }
                }
                None => out.push(MissingGroup {
                    library: lib,
                    required_by: &mv.required_by,
                    versions: vec![mv],
                }),
            }
        }
    }
    out
}

fn is_weak(ctx: &CheckContext<'_>, library: &str, mv: &MissingVersion) -> bool {
    mv.weak
        || is_binary(ctx, &mv.required_by)
            && ctx
                .facts()
                .elf
                .version_needs
                .iter()
                .filter(|n| n.library == library)
                .flat_map(|n| &n.versions)
                .any(|v| v.name == mv.version && v.weak)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loader's result reaches the rules as values (`whyrun_target::resolution`):
    /// steps, skip reasons and hints are enums, and their sentences are for people. A rule
    /// that parses one of them (`why().starts_with(…)`, splitting a hint) would break
    /// silently when the wording changes; this fails instead.
    #[test]
    fn rules_read_the_loader_result_as_values_not_text() {
        let accessors = [
            ".why()",
            "unloadable()",
            ".hints()",
            "found_by()",
            ".tried()",
            "SkipReason",
            "Hint::",
            ".skipped",
        ];
        let parsing = [
            "split",
            "strip_prefix",
            "strip_suffix",
            "starts_with",
            "ends_with",
            ".contains(",
            ".find(",
            "rfind",
            ".parse",
            "trim",
        ];
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.join("libs.rs")];
        for e in std::fs::read_dir(src.join("rules")).unwrap() {
            files.push(e.unwrap().path());
        }
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests build resolutions by hand; only the rules' own code is checked.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (n, line) in code.lines().enumerate() {
                if !accessors.iter().any(|a| line.contains(a)) {
                    continue;
                }
                checked += 1;
                if let Some(p) = parsing.iter().find(|p| line.contains(*p)) {
                    panic!(
                        "{}:{}: parses the loader's text ({p}): match on its values instead\n{line}",
                        file.display(),
                        n + 1
                    );
                }
            }
        }
        assert!(
            checked > 5,
            "the rules no longer read the resolution at all?"
        );
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalize("/app/../lib/"), "/lib");
        assert_eq!(dir_of("/app/server"), "/app");
    }
}
