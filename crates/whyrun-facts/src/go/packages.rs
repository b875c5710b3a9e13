//! From Go function names to facts: the package each name belongs to (as `debug/gosym`
//! derives it, with the linker's `%xx` escapes undone) and what the linked packages need
//! from the system they run on (CA roots, DNS resolver, time zones, users, cgo). It
//! interprets names only; finding them is `pclntab`'s job.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;

use super::pclntab::{PclnVersion, Pclntab};

/// What the Go symbol table says about the binary.
#[derive(Debug, Clone, Serialize)]
pub struct GoSymtab {
    pub pclntab_version: PclnVersion,
    /// Functions with an entry in the function table.
    pub function_count: usize,
    /// Go packages with code in the binary, sorted. From the function names and, since
    /// Go 1.16, also the names of functions that were only inlined.
    pub packages: Vec<String>,
    pub needs: RuntimeNeeds,
}

/// What the linked Go packages read from, or need in, the system at run time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuntimeNeeds {
    /// `crypto/x509` is linked.
    pub x509: Option<X509Needs>,
    /// The `net` package's name resolver is linked.
    pub net: Option<NetNeeds>,
    /// `time.LoadLocation` is linked: named time zones are looked up at run time.
    pub timezone: Option<TimezoneNeeds>,
    /// `os/user` is linked.
    pub os_user: Option<OsUserNeeds>,
    /// The `plugin` package is linked.
    pub plugin: bool,
    /// `runtime/cgo` is linked.
    pub cgo: bool,
    /// Packages linked in the stub form they take when built without cgo.
    pub cgo_stubs: Vec<CgoStub>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct X509Needs {
    /// The system root loader is linked (`crypto/x509.loadSystemRoots`): TLS verification
    /// reads the CA bundle from the file system.
    pub system_roots: bool,
    /// `golang.org/x/crypto/x509roots/fallback` is linked: roots are embedded as a fallback.
    pub fallback_roots_embedded: bool,
    /// Linked functions through which the program itself verifies certificates against the
    /// system roots: `crypto/tls.dial` (tls.Dial and tls.Dialer),
    /// `net/http.(*Transport).dialConn` (the net/http client), `crypto/x509.SystemCertPool`.
    /// Empty when the root loader is linked only as part of the TLS stack: net/http links
    /// the TLS client handshake and the root loader even into a program that only serves
    /// plain HTTP (Go 1.24's server wraps connections in `tls.Client` for unencrypted
    /// HTTP/2), and such a program never reads the roots.
    pub entry_points: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetNeeds {
    /// The cgo resolver (libc `getaddrinfo`) is compiled in; without it only Go's own
    /// resolver exists (CGO_ENABLED=0 or `-tags netgo`).
    pub cgo_resolver: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimezoneNeeds {
    /// `time/tzdata` is linked (imported, or `-tags timetzdata`).
    pub tzdata_embedded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsUserNeeds {
    /// The cgo implementation (libc `getpwuid_r` and friends) rather than the pure Go one
    /// that reads /etc/passwd and /etc/group.
    pub cgo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CgoStub {
    pub package: String,
    /// What the package says when used.
    pub message: String,
}

/// Packages that compile to a stub without cgo: the package path, and the message the
/// stub returns. The cgo build is recognised by its `_Cfunc_` wrappers.
const CGO_STUB_PACKAGES: &[(&str, &str)] = &[(
    "github.com/mattn/go-sqlite3",
    "Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub",
)];

/// Names of the cgo `getaddrinfo` call in `net`: `_C2func_` (Go 1.10+; still in 1.24),
/// `_C_` (Go 1.21+ wrapper), `_Cfunc_` (older cgo).
const NET_CGO_GETADDRINFO: &[&str] = &[
    "net._C2func_getaddrinfo",
    "net._C_getaddrinfo",
    "net._Cfunc_getaddrinfo",
];

/// Functions through which a program verifies certificates against the system roots. Each
/// is linked only when something calls it: a program that only serves HTTP links none of
/// them (checked against Go 1.19-1.24 builds of a plain `http.ListenAndServe` server, an
/// `http.Get` client and a Gin service).
const X509_ENTRY_POINTS: &[&str] = &[
    // tls.Dial, tls.DialWithDialer, (*tls.Dialer).Dial and DialContext (Go 1.15+).
    "crypto/tls.dial",
    // Before Go 1.15 the dialing code was in DialWithDialer itself.
    "crypto/tls.DialWithDialer",
    // Every request of net/http's client goes through the Transport's dialer.
    "net/http.(*Transport).dialConn",
    "golang.org/x/net/http2.(*Transport).dialTLS",
    "crypto/x509.SystemCertPool",
];

/// Functions of the resolver in `net` (present whenever host names can be looked up).
const NET_RESOLVER: &[&str] = &[
    "net.(*Resolver).lookupIPAddr",
    "net.(*Resolver).lookupHost",
    "net.(*Resolver).goLookupIPCNAMEOrder",
    "net.(*conf).hostLookupOrder",
];

/// How many recent packages `Scan` remembers before consulting its set.
const RECENT: usize = 8;

/// The packages of every name `Scan::watch` looks for.
const WATCHED_PACKAGES: &[&str] = &[
    "crypto/x509",
    "crypto/tls",
    "time",
    "net",
    "net/http",
    "golang.org/x/net/http2",
];

/// Collects packages and the names that say what the binary needs.
#[derive(Debug, Default)]
struct Scan<'data> {
    /// The package of the previous name: the table lists a package's functions together,
    /// so most names need no set lookup.
    current: Option<Cow<'data, [u8]>>,
    /// Whether `current` is one of the packages whose functions are looked for by name.
    current_watched: bool,
    /// The last few packages seen, newest last (all already in `packages`).
    recent: Vec<Cow<'data, [u8]>>,
    packages: BTreeSet<Cow<'data, [u8]>>,
    cgo_packages: BTreeSet<Cow<'data, [u8]>>,
    x509_system_roots: bool,
    x509_entry_points: BTreeSet<&'static str>,
    net_resolver: bool,
    net_cgo: bool,
    load_location: bool,
    user_cgo: bool,
    runtime_cgo: bool,
}

impl<'data> Scan<'data> {
    fn add(&mut self, name: &'data [u8]) {
        if name == b"crosscall2" || name == b"_cgo_topofstack" {
            self.runtime_cgo = true;
        }
        // Fast path: the name continues the current package. `package_of` never returns a
        // package whose last element holds a dot, so `PKG.rest` with no `/` or `[` in
        // `rest` belongs to PKG.
        if let Some(cur) = self.current.as_deref() {
            if name.len() > cur.len() && name[cur.len()] == b'.' && name[..cur.len()] == *cur {
                let rest = &name[cur.len()..];
                if memchr::memchr2(b'/', b'[', rest).is_none() {
                    if self.current_watched {
                        self.watch(name);
                    }
                    if is_cgo_wrapper(rest) {
                        let pkg = self.current.clone().unwrap_or_default();
                        self.add_cgo_package(pkg);
                    }
                    return;
                }
            }
        }
        let Some(pkg) = package_of(name) else { return };
        if self.current.as_deref() != Some(&*pkg) {
            self.switch_to(pkg.clone());
        }
        if self.current_watched {
            self.watch(name);
        }
        let rest = &name[pkg.len()..];
        if is_cgo_wrapper(rest) {
            self.add_cgo_package(pkg);
        }
    }

    /// Makes `pkg` the current package. Inlined functions interleave a few packages, so
    /// the last few are remembered before the set is consulted.
    fn switch_to(&mut self, pkg: Cow<'data, [u8]>) {
        self.current_watched = WATCHED_PACKAGES.iter().any(|w| w.as_bytes() == &*pkg);
        if !self.recent.contains(&pkg) {
            if !self.packages.contains(&pkg) {
                self.packages.insert(pkg.clone());
            }
            if self.recent.len() == RECENT {
                self.recent.remove(0);
            }
            self.recent.push(pkg.clone());
        }
        self.current = Some(pkg);
    }

    fn add_cgo_package(&mut self, pkg: Cow<'data, [u8]>) {
        if &*pkg == b"os/user" {
            self.user_cgo = true;
        }
        if !self.cgo_packages.contains(&pkg) {
            self.cgo_packages.insert(pkg);
        }
    }

    /// The names looked for one by one, in the packages of `WATCHED_PACKAGES`.
    fn watch(&mut self, name: &[u8]) {
        match name {
            b"crypto/x509.loadSystemRoots" => self.x509_system_roots = true,
            b"time.LoadLocation" => self.load_location = true,
            _ => {}
        }
        if let Some(e) = X509_ENTRY_POINTS.iter().find(|e| e.as_bytes() == name) {
            self.x509_entry_points.insert(e);
        }
        if name.starts_with(b"net.") {
            if NET_CGO_GETADDRINFO.iter().any(|n| n.as_bytes() == name) {
                self.net_cgo = true;
            }
            if NET_RESOLVER.iter().any(|n| n.as_bytes() == name) {
                self.net_resolver = true;
            }
        }
    }

    fn finish(self) -> (Vec<String>, RuntimeNeeds) {
        let packages: Vec<String> = self
            .packages
            .iter()
            .map(|p| unescape(p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let cgo_packages: BTreeSet<String> =
            self.cgo_packages.iter().map(|p| unescape(p)).collect();
        let has = |p: &str| packages.binary_search_by(|x| x.as_str().cmp(p)).is_ok();
        let mut cgo_stubs = Vec::new();
        for (path, message) in CGO_STUB_PACKAGES {
            for pkg in packages.iter().filter(|p| is_package_or_vendored(p, path)) {
                if !cgo_packages.contains(pkg) {
                    cgo_stubs.push(CgoStub {
                        package: pkg.clone(),
                        message: (*message).to_string(),
                    });
                }
            }
        }
        let needs = RuntimeNeeds {
            x509: has("crypto/x509").then(|| X509Needs {
                system_roots: self.x509_system_roots,
                fallback_roots_embedded: packages
                    .iter()
                    .any(|p| is_package_or_vendored(p, "golang.org/x/crypto/x509roots/fallback")),
                entry_points: self
                    .x509_entry_points
                    .iter()
                    .map(|e| e.to_string())
                    .collect(),
            }),
            net: (self.net_resolver || self.net_cgo).then_some(NetNeeds {
                cgo_resolver: self.net_cgo,
            }),
            timezone: self.load_location.then(|| TimezoneNeeds {
                tzdata_embedded: has("time/tzdata"),
            }),
            os_user: has("os/user").then_some(OsUserNeeds { cgo: self.user_cgo }),
            plugin: has("plugin"),
            cgo: self.runtime_cgo || has("runtime/cgo"),
            cgo_stubs,
        };
        (packages, needs)
    }
}

/// Whether what follows a package path in a name is a cgo call wrapper (`._Cfunc_x`,
/// `._C2func_x`, and since Go 1.21 `._C_x`).
fn is_cgo_wrapper(rest: &[u8]) -> bool {
    rest.starts_with(b"._Cfunc_") || rest.starts_with(b"._C2func_") || rest.starts_with(b"._C_")
}

/// `path` itself, or `path` vendored into a GOPATH-mode tree (`x/vendor/path`).
fn is_package_or_vendored(pkg: &str, path: &str) -> bool {
    pkg == path
        || pkg
            .strip_suffix(path)
            .is_some_and(|head| head == "vendor/" || head.ends_with("/vendor/"))
}

/// Reads the symbol table's names into the packages and runtime needs.
pub(crate) fn symtab(table: &Pclntab<'_>, warnings: &mut Vec<String>) -> GoSymtab {
    let mut scan = Scan::default();
    let bad = table.for_each_name(|n| scan.add(n));
    if bad > 0 {
        warnings.push(format!(
            "Go pclntab at file offset {:#x}: {bad} function records point outside the table; \
             their names are skipped",
            table.file_offset
        ));
    }
    let (packages, needs) = scan.finish();
    GoSymtab {
        pclntab_version: table.version,
        function_count: table.function_count(),
        packages,
        needs,
    }
}

/// The package part of a function name, still escaped, as `debug/gosym`'s `PackageName`
/// finds it: drop instantiation brackets, then the text up to the first `.` after the last
/// `/`. `None` for compiler-generated names and names without a package.
pub(crate) fn package_of(name: &[u8]) -> Option<Cow<'_, [u8]>> {
    if name.starts_with(b"go:") || name.starts_with(b"type:") {
        return None;
    }
    // A package path holds no `[`: when nothing after the type arguments holds a `/`, the
    // package lies in the part before the first `[` and no copy is needed.
    if let (Some(open), Some(close)) = (memchr::memchr(b'[', name), memchr::memrchr(b']', name)) {
        if close > open {
            let head = &name[..open];
            let tail = &name[close + 1..];
            if memchr::memchr(b'/', tail).is_none() {
                if let Some(end) = package_end(head) {
                    return Some(Cow::Borrowed(&name[..end]));
                }
            }
            return package_of_stripped(name, open, close);
        }
    }
    package_end(name).map(|end| Cow::Borrowed(&name[..end]))
}

/// Where the package of `name` (a name without type arguments) ends: `debug/gosym`'s
/// rule, the first `.` after the last `/`.
fn package_end(name: &[u8]) -> Option<usize> {
    if is_generated(name) {
        return None;
    }
    let pathend = memchr::memrchr(b'/', name).unwrap_or(0);
    let end = pathend + memchr::memchr(b'.', &name[pathend..])?;
    (end > 0).then_some(end)
}

/// The general case: the name with its type arguments `[open..=close]` cut out.
fn package_of_stripped(name: &[u8], open: usize, close: usize) -> Option<Cow<'_, [u8]>> {
    let mut stripped = name[..open].to_vec();
    stripped.extend_from_slice(&name[close + 1..]);
    let end = package_end(&stripped)?;
    // The package is a prefix of the original name unless a bracket came before it.
    Some(if name.get(..end) == Some(&stripped[..end]) {
        Cow::Borrowed(&name[..end])
    } else {
        stripped.truncate(end);
        Cow::Owned(stripped)
    })
}

/// Compiler-generated names: `go:` and `type:` since Go 1.20, `go.` and `type.` before
/// (but not module paths such as `go.uber.org/zap`, whose first element is a host name).
fn is_generated(name: &[u8]) -> bool {
    if name.starts_with(b"go:") || name.starts_with(b"type:") {
        return true;
    }
    if !(name.starts_with(b"go.") || name.starts_with(b"type.")) {
        return false;
    }
    let Some(slash) = name.iter().position(|&c| c == b'/') else {
        return true;
    };
    let host = &name[..slash];
    let host_like = !host.windows(2).any(|w| w == b"..")
        && host
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    !host_like
}

/// Undoes the linker's `%xx` escapes (`gopkg.in/yaml%2ev3` is `gopkg.in/yaml.v3`).
pub(crate) fn unescape(p: &[u8]) -> String {
    if !p.contains(&b'%') {
        return String::from_utf8_lossy(p).into_owned();
    }
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'%' {
            let hex = p
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(p[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(n: &str) -> Option<String> {
        package_of(n.as_bytes()).map(|p| unescape(&p))
    }

    #[test]
    fn package_names_follow_gosym() {
        assert_eq!(pkg("main.main").as_deref(), Some("main"));
        assert_eq!(pkg("net/http.(*Client).Do").as_deref(), Some("net/http"));
        assert_eq!(pkg("net.cgoLookupIP.func1").as_deref(), Some("net"));
        assert_eq!(
            pkg("gopkg.in/yaml%2ev3.Marshal").as_deref(),
            Some("gopkg.in/yaml.v3")
        );
        assert_eq!(
            pkg("example.com/a.Map[go.shape.*example.com/b.T,go.shape.int]").as_deref(),
            Some("example.com/a")
        );
        assert_eq!(
            pkg("example.com/a.(*T[go.shape.string]).M").as_deref(),
            Some("example.com/a")
        );
        assert_eq!(
            pkg("go.uber.org/zap.New").as_deref(),
            Some("go.uber.org/zap")
        );
        assert_eq!(
            pkg("go.example.org/lib.Do").as_deref(),
            Some("go.example.org/lib")
        );
        assert_eq!(pkg("type:.eq.net/http.Header"), None);
        assert_eq!(pkg("type..eq.net/http.Header"), None);
        assert_eq!(pkg("go:buildid"), None);
        assert_eq!(pkg("go.buildid"), None);
        assert_eq!(pkg("go.itab.*net/http.T,io.Reader"), None);
        assert_eq!(pkg("crosscall2"), None);
        assert_eq!(pkg("_cgo_2ac87069779a_C2func_getaddrinfo"), None);
        assert_eq!(pkg(".weird"), None);
        assert_eq!(pkg(""), None);
    }

    #[test]
    fn unescape_leaves_bad_escapes() {
        assert_eq!(unescape(b"a%2eb%2E"), "a.b.");
        assert_eq!(unescape(b"a%zz%2"), "a%zz%2");
    }

    fn needs(names: &[&str]) -> (Vec<String>, RuntimeNeeds) {
        let mut s = Scan::default();
        for n in names {
            s.add(n.as_bytes());
        }
        s.finish()
    }

    #[test]
    fn needs_from_names() {
        let (_, n) = needs(&["main.main", "runtime.main"]);
        assert_eq!(n, RuntimeNeeds::default());

        // A cgo build with the cgo resolver and os/user (names seen in Go 1.19-1.24 builds).
        let (p, n) = needs(&[
            "crosscall2",
            "crypto/x509.loadSystemRoots",
            "crypto/x509.ParseCertificate",
            "net/http.(*Transport).dialConn",
            "net._C2func_getaddrinfo",
            "net.(*Resolver).lookupIPAddr",
            "os/user._Cfunc_mygetpwuid_r",
            "os/user.current",
            "time.LoadLocation",
            "time/tzdata.init.0",
            "plugin.Open",
            "golang.org/x/crypto/x509roots/fallback.init.0",
        ]);
        assert!(p.contains(&"golang.org/x/crypto/x509roots/fallback".to_string()));
        assert!(n.cgo);
        assert!(n.plugin);
        assert_eq!(
            n.x509,
            Some(X509Needs {
                system_roots: true,
                fallback_roots_embedded: true,
                entry_points: vec!["net/http.(*Transport).dialConn".to_string()],
            })
        );
        assert_eq!(n.net, Some(NetNeeds { cgo_resolver: true }));
        assert_eq!(
            n.timezone,
            Some(TimezoneNeeds {
                tzdata_embedded: true
            })
        );
        assert_eq!(n.os_user, Some(OsUserNeeds { cgo: true }));

        // Pure Go: x509 without system roots, the Go resolver, os/user reading /etc/passwd.
        let (_, n) = needs(&[
            "crypto/x509.ParseCertificate",
            "net.(*conf).hostLookupOrder",
            "os/user.readColonFile",
            "time.loadLocation",
        ]);
        assert!(!n.cgo);
        assert_eq!(
            n.x509,
            Some(X509Needs {
                system_roots: false,
                fallback_roots_embedded: false,
                entry_points: Vec::new(),
            })
        );
        assert_eq!(
            n.net,
            Some(NetNeeds {
                cgo_resolver: false
            })
        );
        assert_eq!(n.timezone, None);
        assert_eq!(n.os_user, Some(OsUserNeeds { cgo: false }));

        // net linked for addresses only, without the resolver.
        let (p, n) = needs(&["net.ParseIP", "net.IP.String"]);
        assert_eq!(p, vec!["net".to_string()]);
        assert_eq!(n.net, None);
    }

    #[test]
    fn cgo_stubs() {
        let (_, n) = needs(&[
            "github.com/mattn/go-sqlite3.init.0",
            "github.com/mattn/go-sqlite3.(*SQLiteDriver).Open",
        ]);
        assert_eq!(n.cgo_stubs.len(), 1);
        assert_eq!(n.cgo_stubs[0].package, "github.com/mattn/go-sqlite3");
        assert!(n.cgo_stubs[0].message.contains("This is a stub"));
        let (_, n) = needs(&[
            "example.com/app/vendor/github.com/mattn/go-sqlite3.init.0",
            "crosscall2",
        ]);
        assert_eq!(
            n.cgo_stubs[0].package,
            "example.com/app/vendor/github.com/mattn/go-sqlite3"
        );
        let (_, n) = needs(&[
            "github.com/mattn/go-sqlite3.(*SQLiteConn).exec",
            "github.com/mattn/go-sqlite3._Cfunc_sqlite3_open_v2",
        ]);
        assert!(n.cgo_stubs.is_empty());
        let (_, n) = needs(&["github.com/mattn/go-sqlite3x.F"]);
        assert!(n.cgo_stubs.is_empty());
    }
}
