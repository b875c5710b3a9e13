//! From Go function names to facts: the package each name belongs to (as `debug/gosym`
//! derives it, with the linker's `%xx` escapes undone) and what the linked packages need
//! from the system they run on (CA roots, DNS resolver, time zones, users, cgo). It
//! interprets names only; finding them is `pclntab`'s job. `names` reads one name: where it
//! ends and which package it belongs to.

mod names;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::calls::Reach;
use super::pclntab::{PclnVersion, Pclntab};
use names::*;
pub(crate) use names::{package_of, unescape};

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
    /// Who calls it, from the binary's direct calls; `None` where the calls were not
    /// analysed (an architecture other than x86-64 and arm64, or no function of the need
    /// outside inlined code).
    pub reach: Option<Reach>,
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
    /// Who calls it, from the binary's direct calls; `None` where the calls were not
    /// analysed (an architecture other than x86-64 and arm64, or no function of the need
    /// outside inlined code).
    pub reach: Option<Reach>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsUserNeeds {
    /// The cgo implementation (libc `getpwuid_r` and friends) rather than the pure Go one
    /// that reads /etc/passwd and /etc/group.
    pub cgo: bool,
    /// Who calls it, from the binary's direct calls; `None` where the calls were not
    /// analysed (an architecture other than x86-64 and arm64, or no function of the need
    /// outside inlined code).
    pub reach: Option<Reach>,
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

/// Name tables larger than this are read in parts on the thread pool (a web service's is
/// about 400 KiB, the Go compiler's 900 KiB).
const PART_BYTES: usize = 128 << 10;

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
    /// The previous name's package, and whether its names are looked for one by one
    /// ([`WATCHED_PACKAGES`]). The table lists a package's functions together, so most
    /// names continue it and need neither parsing nor a lookup.
    current: Option<(Cow<'data, [u8]>, bool)>,
    /// The package current before it.
    previous: Option<(Cow<'data, [u8]>, bool)>,
    /// Every package seen, and whether it is watched. Hashed with foldhash (seeded per
    /// process): a package is looked up at every switch.
    packages: HashMap<Cow<'data, [u8]>, bool, foldhash::fast::RandomState>,
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
    /// Reads a name table, in parts of about `part` bytes (cut after a NUL) on the thread
    /// pool when it is larger: a name's package does not depend on the names before it,
    /// so the parts' findings add up to the whole table's.
    fn of_table(table: &'data [u8], part: usize) -> Scan<'data> {
        let half = table.len() / 2;
        if table.len() > part && half > 0 {
            // Both parts hold a name: the cut comes after a NUL and before the end.
            if let Some(cut) = memchr::memchr(0, &table[half..])
                .map(|nul| half + nul + 1)
                .filter(|&cut| cut < table.len())
            {
                let (mut a, b) = rayon::join(
                    || Scan::of_table(&table[..cut], part),
                    || Scan::of_table(&table[cut..], part),
                );
                a.merge(b);
                return a;
            }
        }
        let mut scan = Scan::default();
        // A web service links a few hundred packages.
        scan.packages.reserve(512);
        scan.add_table(table);
        scan
    }

    /// Adds what another part of the table found.
    fn merge(&mut self, other: Scan<'data>) {
        self.packages.extend(other.packages);
        self.cgo_packages.extend(other.cgo_packages);
        self.x509_entry_points.extend(other.x509_entry_points);
        self.x509_system_roots |= other.x509_system_roots;
        self.net_resolver |= other.net_resolver;
        self.net_cgo |= other.net_cgo;
        self.load_location |= other.load_location;
        self.user_cgo |= other.user_cgo;
        self.runtime_cgo |= other.runtime_cgo;
    }

    /// Reads a whole name table (NUL-ended names) in one pass. A name that continues the
    /// current package is recognised by one comparison and a scan of the rest of the name,
    /// which also finds its end; only the names that change package are parsed.
    fn add_table(&mut self, table: &'data [u8]) {
        let mut start = 0;
        while start < table.len() {
            if let Some((Cow::Borrowed(cur), watched)) = &self.current {
                let (cur, watched) = (*cur, *watched);
                if let Some(end) = name_in_package(table, start, cur) {
                    self.add_to_current(&table[start..end], cur.len(), watched);
                    start = end + 1;
                    continue;
                }
            }
            // A function's inlined callees are listed after it: the name after one of
            // theirs often returns to the package before.
            if let Some((Cow::Borrowed(prev), watched)) = &self.previous {
                let (prev, watched) = (*prev, *watched);
                if let Some(end) = name_in_package(table, start, prev) {
                    std::mem::swap(&mut self.current, &mut self.previous);
                    self.add_to_current(&table[start..end], prev.len(), watched);
                    start = end + 1;
                    continue;
                }
            }
            let end = start + first_nul(&table[start..]);
            if end > start {
                self.add(&table[start..end]);
            }
            start = end + 1;
        }
    }

    /// A name that does not continue the current package: its package becomes current.
    fn add(&mut self, name: &'data [u8]) {
        if name == b"crosscall2" || name == b"_cgo_topofstack" {
            self.runtime_cgo = true;
        }
        let Some(pkg) = package_of(name) else { return };
        let watched = match self.packages.get(&pkg) {
            Some(&watched) => watched,
            None => {
                let watched = WATCHED_PACKAGES.iter().any(|w| w.as_bytes() == &*pkg);
                self.packages.insert(pkg.clone(), watched);
                watched
            }
        };
        let len = pkg.len();
        self.previous = self.current.replace((pkg, watched));
        self.add_to_current(name, len, watched);
    }

    /// A name of the current package, whose path is the first `len` bytes of the name.
    #[inline(always)]
    fn add_to_current(&mut self, name: &'data [u8], len: usize, watched: bool) {
        if watched {
            self.watch(name);
        }
        if is_cgo_wrapper(&name[len.min(name.len())..]) {
            if let Some((pkg, _)) = &self.current {
                let pkg = pkg.clone();
                self.add_cgo_package(pkg);
            }
        }
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
        let mut packages: Vec<String> = self.packages.keys().map(|p| unescape(p)).collect();
        packages.sort_unstable();
        packages.dedup();
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
                reach: None,
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
                reach: None,
            }),
            os_user: has("os/user").then_some(OsUserNeeds {
                cgo: self.user_cgo,
                reach: None,
            }),
            plugin: has("plugin"),
            cgo: self.runtime_cgo || has("runtime/cgo"),
            cgo_stubs,
        };
        (packages, needs)
    }
}

/// `path` itself, or `path` vendored into a GOPATH-mode tree (`x/vendor/path`).
fn is_package_or_vendored(pkg: &str, path: &str) -> bool {
    pkg == path
        || pkg
            .strip_suffix(path)
            .is_some_and(|head| head == "vendor/" || head.ends_with("/vendor/"))
}

/// Reads the symbol table's names into the packages and runtime needs.
pub(crate) fn symtab(
    table: &Pclntab<'_>,
    read_ahead: crate::ReadAhead<'_>,
    warnings: &mut Vec<String>,
) -> GoSymtab {
    let mut scan = Scan::default();
    let bad = match table.name_table() {
        Some(names) => {
            read_ahead(names);
            scan = Scan::of_table(names, PART_BYTES);
            0
        }
        None => table.for_each_record_name(|n| scan.add(n)),
    };
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
    fn byte_searches_agree_with_plain_ones() {
        let mut buf = [b'a'; 80];
        for (i, c) in buf.iter_mut().enumerate() {
            *c = b'a' + (i % 26) as u8;
        }
        for at in 0..buf.len() {
            for c in [0, b'/', b'['] {
                let mut b = buf;
                b[at] = c;
                for from in 0..b.len() {
                    let plain = |stop: &dyn Fn(u8) -> bool| {
                        b[from..]
                            .iter()
                            .position(|&x| stop(x))
                            .unwrap_or(b.len() - from)
                    };
                    assert_eq!(first_nul(&b[from..]), plain(&|x| x == 0), "{at} {c} {from}");
                    let stop = plain(&|x| matches!(x, 0 | b'/' | b'['));
                    let ends = b.get(from + stop).is_none_or(|&x| x == 0);
                    assert_eq!(
                        first_nul_slash_or_bracket(&b[from..]),
                        (stop, ends),
                        "{at} {c} {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn unescape_leaves_bad_escapes() {
        assert_eq!(unescape(b"a%2eb%2E"), "a.b.");
        assert_eq!(unescape(b"a%zz%2"), "a%zz%2");
    }

    /// The facts of these names read one by one and read as one name table: the two paths
    /// must agree.
    fn needs(names: &[&str]) -> (Vec<String>, RuntimeNeeds) {
        let mut one_by_one = Scan::default();
        for n in names {
            one_by_one.add(n.as_bytes());
        }
        let one_by_one = one_by_one.finish();
        let table = names.join("\0").into_bytes();
        // The table as found (ending in a NUL or not), and cut short of a 16-byte chunk.
        let ended = [&table[..], b"\0"].concat();
        let padded = [&table[..], &[0; 17][..]].concat();
        for t in [&table, &ended, &padded] {
            let mut whole = Scan::default();
            whole.add_table(t);
            assert_eq!(
                whole.finish(),
                one_by_one,
                "table walk and name-by-name disagree"
            );
            // Cut into parts down to single names.
            assert_eq!(Scan::of_table(t, 1).finish(), one_by_one, "table in parts");
        }
        one_by_one
    }

    /// The package set as `debug/gosym` defines it, name by name with no shortcut.
    fn reference_packages(names: &[&[u8]]) -> Vec<String> {
        let set: BTreeSet<String> = names
            .iter()
            .filter(|n| !n.starts_with(b"go:") && !n.starts_with(b"type:"))
            .filter_map(|n| package_of_any(n))
            .map(|p| unescape(&p))
            .collect();
        set.into_iter().collect()
    }

    #[test]
    fn table_walk_follows_gosym_on_awkward_names() {
        // Interleaved packages, type arguments holding paths, names that look like a
        // package continued but are not, generated names, empty names, names across the
        // 64-byte words of the masks.
        let names: Vec<String> = [
            "runtime.main",
            "runtime.gcStart",
            "sync/atomic.(*Int32).Load",
            "runtime.mallocgc",
            "example.com/a.Map[go.shape.*example.com/b.T,go.shape.int]",
            "example.com/a.Map[go.shape.int].func1/x",
            "example.com/a.Map[int].func1/z.W",
            "example.com/a.F",
            "example.com/a./b.C",
            "example.com/a.x/y.Z",
            "example.com/a.(*T[go.shape.string]).M",
            "example.com/a.G[go.shape.int]",
            "type:.eq.example.com/a.T",
            "go:buildid",
            "",
            "gopkg.in/yaml%2ev3.Marshal",
            "gopkg.in/yaml%2ev3.(*decoder).unmarshal",
            "net._C2func_getaddrinfo",
            "net.(*Resolver).lookupIPAddr",
            "os/user._Cfunc_mygetpwuid_r",
            "crosscall2",
            "a.b",
            "ab.c",
            "a.b.c",
            "net",
            "net/http.(*Transport).dialConn",
            "net.Dial",
            "x.y[",
            "x.y]z/w",
            "main.main",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Each prefix of padding shifts every name across the mask words.
        for pad in 0..70 {
            let mut all = vec!["p".repeat(pad + 1) + ".f"];
            all.extend(names.iter().cloned());
            let refs: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
            let (packages, _) = needs(&refs);
            let bytes: Vec<&[u8]> = all.iter().map(|s| s.as_bytes()).collect();
            assert_eq!(packages, reference_packages(&bytes), "pad {pad}");
        }
    }

    #[test]
    fn table_walk_follows_gosym_on_real_tables() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small");
        for name in ["go119-hello", "go124-hello", "go124-nethello"] {
            let data = std::fs::read(dir.join(name)).expect("committed Go fixture");
            let view = crate::elf::view::ElfView::parse(&data).expect("fixture parses");
            let table = super::super::pclntab::locate(&view)
                .expect("pclntab readable")
                .expect("pclntab present");
            let names = table.name_table().expect("Go 1.16+ layout");
            let list: Vec<&[u8]> = names.split(|&c| c == 0).filter(|n| !n.is_empty()).collect();
            let mut one_by_one = Scan::default();
            list.iter().for_each(|n| one_by_one.add(n));
            let one_by_one = one_by_one.finish();
            for part in [64, 4096] {
                let parts = Scan::of_table(names, part);
                assert_eq!(parts.finish(), one_by_one, "{name}, {part}-byte parts");
            }
            let mut whole = Scan::default();
            whole.add_table(names);
            let (packages, needs) = whole.finish();
            assert_eq!((packages.clone(), needs), one_by_one, "{name}");
            assert_eq!(packages, reference_packages(&list), "{name}");
            assert!(packages.len() > 20, "{name}: {packages:?}");
        }
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
                reach: None,
            })
        );
        assert_eq!(n.net, Some(NetNeeds { cgo_resolver: true }));
        assert_eq!(
            n.timezone,
            Some(TimezoneNeeds {
                tzdata_embedded: true,
                reach: None
            })
        );
        assert_eq!(
            n.os_user,
            Some(OsUserNeeds {
                cgo: true,
                reach: None
            })
        );

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
                reach: None,
            })
        );
        assert_eq!(
            n.net,
            Some(NetNeeds {
                cgo_resolver: false
            })
        );
        assert_eq!(n.timezone, None);
        assert_eq!(
            n.os_user,
            Some(OsUserNeeds {
                cgo: false,
                reach: None
            })
        );

        // The names that matter come right after an inlined callee of another package,
        // back in the package before it.
        let (p, n) = needs(&[
            "net.ParseIP",
            "strings.Index",
            "net._C2func_getaddrinfo",
            "unicode/utf8.RuneLen",
            "net.(*Resolver).lookupIPAddr",
            "os/user.lookupUser",
            "strings.Cut",
            "os/user._Cfunc_mygetpwuid_r",
        ]);
        assert_eq!(p, ["net", "os/user", "strings", "unicode/utf8"]);
        assert_eq!(n.net, Some(NetNeeds { cgo_resolver: true }));
        assert_eq!(
            n.os_user,
            Some(OsUserNeeds {
                cgo: true,
                reach: None
            })
        );

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
