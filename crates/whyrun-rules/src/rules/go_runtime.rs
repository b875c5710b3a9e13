//! What the GO rules share: the Go facts they read, the Go release that built the binary,
//! whether the target says which of the files a Go program reads at run time it has, and
//! the lines that bring a missing file into an image. Helpers only: no rule lives here.

use whyrun_facts::go::{BuildInfo, Reach, Reached, RuntimeNeeds};

use crate::finding::Severity;
use whyrun_facts::Facts;
use whyrun_target::model::{SourceKind, TargetModel};

/// What the linked Go packages need from the system, if the symbol table was read.
pub(crate) fn needs(facts: &Facts) -> Option<&RuntimeNeeds> {
    Some(&facts.go.as_ref()?.symtab.as_ref()?.needs)
}

/// The most a need can cost, from who calls it: reached at start-up, the program fails
/// when it starts its work; from the main module's code, that feature fails when used;
/// only linked, nothing can be said beyond its presence.
pub(crate) fn reach_severity(reach: &Reach) -> Severity {
    match reach.how {
        Reached::StartUp => Severity::FailsAtRuntime,
        Reached::Feature => Severity::Risk,
        _ => Severity::Info,
    }
}

/// The evidence line that says who calls a need, with the chain of direct calls.
pub(crate) fn reach_evidence(reach: &Reach) -> String {
    let chain = reach.chain.join(" → ");
    match reach.how {
        Reached::StartUp => format!("called as the program starts: {chain}"),
        Reached::Feature => format!(
            "called by the program's own code (a handler or a command, say), so it fails when that code runs: {chain}"
        ),
        _ if reach.chain.len() > 1 => format!(
            "no function of the program's own module calls it directly (nearest direct caller: {chain}); calls through interfaces, function values or reflection cannot be followed, so whether it runs cannot be decided"
        ),
        _ => format!(
            "nothing calls {chain} directly; calls through interfaces, function values or reflection cannot be followed, so whether it runs cannot be decided"
        ),
    }
}

/// The Go build info, if the binary has one.
pub(crate) fn build_info(facts: &Facts) -> Option<&BuildInfo> {
    facts.go.as_ref()?.build_info.as_ref()
}

/// The Go release (major, minor) of a toolchain version string: `go1.24.4` is (1, 24),
/// `go1.21rc2` is (1, 21), `go1.20` is (1, 20). A development build (`devel go1.25-abc…`)
/// and anything else unrecognised is `None`.
pub(crate) fn release_of(version: &str) -> Option<(u32, u32)> {
    let rest = version.strip_prefix("go")?;
    let mut parts = rest.splitn(3, '.');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor_text = parts.next()?;
    let digits: String = minor_text
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let minor: u32 = digits.parse().ok()?;
    Some((major, minor))
}

/// The Go release that built the binary (see [`release_of`]).
pub(crate) fn release(facts: &Facts) -> Option<(u32, u32)> {
    release_of(facts.go.as_ref()?.version.as_deref()?)
}

/// The files a Go program reads at run time without saying so, as the target model
/// records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuntimeFile {
    /// A CA bundle or a directory of certificates (`ca_bundle`, `ca_dirs`).
    CaCertificates,
    /// The zoneinfo database (`zoneinfo`).
    Zoneinfo,
    /// `/etc/passwd` (`passwd`).
    Passwd,
    /// `/etc/group` (`group`).
    Group,
    /// `/etc/nsswitch.conf` (`nsswitch_hosts`).
    NsswitchConf,
    /// `/etc/resolv.conf` (`resolv_conf`).
    ResolvConf,
}

impl RuntimeFile {
    /// The field of `RuntimeFiles` that holds it.
    fn field(self) -> &'static str {
        match self {
            RuntimeFile::CaCertificates => "ca_bundle",
            RuntimeFile::Zoneinfo => "zoneinfo",
            RuntimeFile::Passwd => "passwd",
            RuntimeFile::Group => "group",
            RuntimeFile::NsswitchConf => "nsswitch_hosts",
            RuntimeFile::ResolvConf => "resolv_conf",
        }
    }

    /// Whether the target model records it as present.
    pub(crate) fn present(self, target: &TargetModel) -> bool {
        let rt = &target.runtime_files;
        match self {
            RuntimeFile::CaCertificates => rt.ca_bundle.is_some() || !rt.ca_dirs.is_empty(),
            RuntimeFile::Zoneinfo => rt.zoneinfo.is_some(),
            RuntimeFile::Passwd => rt.passwd,
            RuntimeFile::Group => rt.group,
            RuntimeFile::NsswitchConf => rt.nsswitch_hosts.is_some(),
            RuntimeFile::ResolvConf => rt.resolv_conf,
        }
    }
}

/// Whether the target says if `file` is there. A system whose files were read (the host,
/// a root, an image, a snapshot of one of them) always does. A built-in profile does when
/// it records the file as present, when its `sources` cite it (`runtime_files.FIELD`,
/// `FIELD` or all of `runtime_files`), or when it is an empty image (`scratch`: no OS, no
/// libc, no interpreter, no libraries and no runtime files at all). Otherwise its absence
/// from the profile says nothing, and a rule that needs it cannot decide.
pub(crate) fn knows(target: &TargetModel, file: RuntimeFile) -> bool {
    if target.source != SourceKind::Profile || file.present(target) {
        return true;
    }
    let field = file.field();
    let cited = target.sources.keys().any(|k| {
        k == "runtime_files"
            || k == field
            || k.strip_prefix("runtime_files.").is_some_and(|f| f == field)
    });
    cited || is_empty_image(target)
}

/// A profile of an image with nothing in it (`FROM scratch`).
fn is_empty_image(target: &TargetModel) -> bool {
    target.os.is_none()
        && target.libc.is_none()
        && target.interpreters.is_empty()
        && target.libraries.is_empty()
        && target.runtime_files == Default::default()
}

/// A container image (or a profile of one): a container runtime provides `/etc/hosts`,
/// `/etc/resolv.conf` and `HOME` when it starts it.
pub(crate) fn is_container_image(target: &TargetModel) -> bool {
    matches!(target.source, SourceKind::Image | SourceKind::Profile)
}

/// The environment variable as the target sets it, if it does (and not to the empty
/// string, which Go treats as unset for all the variables the GO rules read).
pub(crate) fn env<'a>(target: &'a TargetModel, key: &str) -> Option<&'a str> {
    target
        .env
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// The line that copies `path` (a file or a directory) from the build machine into the
/// target at the same place: `cp` into a root directory, a Dockerfile `COPY` from the
/// build stage otherwise.
pub(crate) fn copy_into(target: &TargetModel, path: &str) -> String {
    if target.source == SourceKind::Root {
        let root = target.name.trim_end_matches('/');
        let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
        format!("mkdir -p {root}{parent} && cp -a {path} {root}{parent}/")
    } else {
        format!("COPY --from=build {path} {path}")
    }
}

/// Where [`copy_into`] copies from, in words.
pub(crate) fn copy_from(target: &TargetModel) -> &'static str {
    if target.source == SourceKind::Root {
        "into the root from this machine"
    } else {
        "into the image from the build stage"
    }
}

/// The line that writes `line` into the target's `path` (appending when `append`): `echo`
/// into a root directory, a Dockerfile `RUN echo` in an image with a shell and a package
/// manager, and in one without (scratch, distroless), a `COPY` of the file prepared in the
/// build stage.
pub(crate) fn write_line(target: &TargetModel, path: &str, line: &str, append: bool) -> String {
    let op = if append { ">>" } else { ">" };
    if target.source == SourceKind::Root {
        format!(
            "echo '{line}' {op} {}{path}",
            target.name.trim_end_matches('/')
        )
    } else if crate::distro::packaging(target).is_some() {
        format!("RUN echo '{line}' {op} {path}")
    } else {
        format!("COPY --from=build {path} {path}")
    }
}

/// The minimal image with CA certificates, zoneinfo, `/etc/passwd` (root and nonroot) and
/// `/tmp` for a static binary.
pub(crate) const STATIC_BASE_IMAGE: &str = "gcr.io/distroless/static-debian12";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn releases() {
        assert_eq!(release_of("go1.24.4"), Some((1, 24)));
        assert_eq!(release_of("go1.20"), Some((1, 20)));
        assert_eq!(release_of("go1.21rc2"), Some((1, 21)));
        assert_eq!(release_of("go1.9.2"), Some((1, 9)));
        assert_eq!(release_of("devel go1.25-0123abcd Tue Jan 1"), None);
        assert_eq!(release_of("go1"), None);
        assert_eq!(release_of(""), None);
    }

    #[test]
    fn what_a_profile_knows() {
        // Empty image: every absence is known.
        assert!(knows(&scratch(), RuntimeFile::Passwd));
        // Present files are known.
        assert!(knows(&debian12(), RuntimeFile::CaCertificates));
        // A profile with a libc that does not record a file says nothing about it...
        let mut t = debian12();
        t.runtime_files.passwd = false;
        assert!(!knows(&t, RuntimeFile::Passwd));
        // ...unless its sources cite it.
        t.sources.insert(
            "runtime_files.passwd".into(),
            "docker run debian:12 ls /etc".into(),
        );
        assert!(knows(&t, RuntimeFile::Passwd));
        // A root's files were read.
        let mut t = debian12();
        t.runtime_files.passwd = false;
        t.source = SourceKind::Root;
        assert!(knows(&t, RuntimeFile::Passwd));
    }
}
