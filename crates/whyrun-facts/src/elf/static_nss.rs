//! NSS in a statically linked glibc program. glibc's name-service switch (host, user,
//! group and service lookups: `getaddrinfo`, `getpwnam`, `getgrgid`, …) reads
//! `/etc/nsswitch.conf` and loads service modules (`libnss_<service>.so.2`) with `dlopen`,
//! even from a static binary. The binary keeps no dynamic symbols and GNU ld drops the
//! `.gnu.warning.getaddrinfo` section that carries the link-time warning, so this module
//! reads the strings glibc's NSS code leaves in the read-only data instead. Reading only:
//! what they mean for a target is decided by the rules.

use object::elf;
use serde::Serialize;

use super::view::ElfView;

/// The traces of glibc's NSS in a static binary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StaticNss {
    /// NSS databases whose lookup code is linked in (`hosts`, `services`, `passwd`,
    /// `group`, …), from glibc's `__nss_<database>_lookup2` function names, sorted.
    pub databases: Vec<String>,
    /// Services compiled into the binary rather than loaded at run time (`files`, `dns`:
    /// glibc 2.34 and later link them into libc), from the source file names
    /// (`nss_files/files-hosts.c`) glibc's assertions keep, sorted.
    pub builtin_services: Vec<String>,
    /// The strings found that show NSS: `/etc/nsswitch.conf`, `libnss_%s.so%s`,
    /// `libnss_files.so.2`, `libnss_dns.so.2`, `_nss_%s_%s`, sorted.
    pub markers: Vec<String>,
}

const CONFIG: &str = "/etc/nsswitch.conf";
/// Exact strings of glibc's NSS loader, each NUL-terminated in the file.
const LOADER_MARKERS: &[&str] = &[
    "libnss_%s.so%s",
    "libnss_files.so.2",
    "libnss_dns.so.2",
    "_nss_%s_%s",
];

/// Reads the NSS traces of a static glibc executable: `None` when it has none. Callers
/// ask only for static executables with a glibc ABI tag; the scan covers `.rodata`, or
/// the non-writable loadable segments when there are no section headers.
pub fn read(view: &ElfView<'_>) -> Option<StaticNss> {
    let regions: Vec<&[u8]> = match view.section(".rodata").and_then(|s| view.section_data(s)) {
        Some(data) if !data.is_empty() => vec![data],
        _ => view
            .segments
            .iter()
            .filter(|s| s.p_type == elf::PT_LOAD.0 && !s.writable())
            .filter_map(|s| view.segment_data(s))
            .collect(),
    };
    let mut found = Scan::default();
    for region in regions {
        found.scan(region);
    }
    found.finish()
}

#[derive(Default)]
struct Scan {
    config: bool,
    databases: Vec<String>,
    builtin: Vec<String>,
    markers: Vec<String>,
}

impl Scan {
    /// Every marker contains `nss`: each occurrence is checked against them in place.
    fn scan(&mut self, hay: &[u8]) {
        let mut from = 0;
        while let Some(off) = hay[from..].windows(3).position(|w| w == b"nss") {
            let p = from + off;
            from = p + 1;
            if p >= 5 && is_c_str_at(hay, p - 5, CONFIG) {
                self.config = true;
            }
            for m in LOADER_MARKERS {
                let lead = m.find("nss").unwrap_or(0);
                if p >= lead && is_c_str_at(hay, p - lead, m) {
                    push_unique(&mut self.markers, m);
                }
            }
            if p >= 2 && hay[p - 2..].starts_with(b"__nss_") {
                if let Some(db) = c_str(hay, p - 2)
                    .and_then(|s| s.strip_prefix("__nss_"))
                    .and_then(|s| s.strip_suffix("_lookup2"))
                    .filter(|s| {
                        !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    })
                {
                    push_unique(&mut self.databases, db);
                }
            }
            let word_start = p == 0 || !(hay[p - 1].is_ascii_alphanumeric() || hay[p - 1] == b'_');
            if word_start {
                if hay[p..].starts_with(b"nss_files/") {
                    push_unique(&mut self.builtin, "files");
                } else if hay[p..].starts_with(b"nss_dns/") {
                    push_unique(&mut self.builtin, "dns");
                }
            }
        }
    }

    fn finish(mut self) -> Option<StaticNss> {
        if !self.config || (self.markers.is_empty() && self.databases.is_empty()) {
            return None;
        }
        self.markers.push(CONFIG.to_string());
        self.markers.sort();
        self.databases.sort();
        self.builtin.sort();
        Some(StaticNss {
            databases: self.databases,
            builtin_services: self.builtin,
            markers: self.markers,
        })
    }
}

/// Whether `s` followed by a NUL starts at `at`.
fn is_c_str_at(hay: &[u8], at: usize, s: &str) -> bool {
    let end = at + s.len();
    hay.get(at..end) == Some(s.as_bytes()) && hay.get(end) == Some(&0)
}

/// The printable NUL-terminated string at `at`, up to 64 bytes.
fn c_str(hay: &[u8], at: usize) -> Option<&str> {
    let rest = hay.get(at..)?;
    let end = rest.iter().take(64).position(|&b| b == 0)?;
    std::str::from_utf8(&rest[..end]).ok()
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8]) -> Option<StaticNss> {
        let mut s = Scan::default();
        s.scan(bytes);
        s.finish()
    }

    /// The strings a `gcc -static` program calling `getaddrinfo` carries (glibc 2.36).
    #[test]
    fn finds_the_databases_services_and_markers_of_glibc_nss() {
        let rodata = b"Illegal status in __nss_next.\0__nss_services_lookup2\0__nss_hosts_lookup2\0\
            libnss_files.so.2\0libnss_%s.so%s\0_nss_%s_%s\0nss_module.c\0__nss_module_get_function\0\
            /etc/nsswitch.conf\0nss_database.c\0nss_files/files-hosts.c\0nss_dns/dns-host.c\0";
        let nss = scan(rodata).expect("NSS traces");
        assert_eq!(nss.databases, ["hosts", "services"]);
        assert_eq!(nss.builtin_services, ["dns", "files"]);
        assert_eq!(
            nss.markers,
            [
                "/etc/nsswitch.conf",
                "_nss_%s_%s",
                "libnss_%s.so%s",
                "libnss_files.so.2"
            ]
        );
    }

    #[test]
    fn needs_the_configuration_file_and_one_more_trace() {
        assert_eq!(scan(b"libnss_%s.so%s\0__nss_hosts_lookup2\0"), None);
        assert_eq!(scan(b"/etc/nsswitch.conf\0"), None);
        assert_eq!(scan(b"hello, world\0"), None);
        // A longer string that merely contains a marker is not the marker.
        assert_eq!(scan(b"/etc/nsswitch.conf.bak\0xlibnss_%s.so%s\0"), None);
    }

    #[test]
    fn dynamic_and_go_binaries_have_none() {
        for name in ["c-glibc-dynamic", "go124-nethello"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../fixtures/small")
                .join(name);
            let facts = crate::inspect_path(&path).unwrap();
            assert_eq!(facts.elf.static_nss, None, "{name}");
        }
    }
}
