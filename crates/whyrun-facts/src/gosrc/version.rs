//! Go versions as the go command orders them (`cmd/go/internal/gover`): `1.21` (a language
//! version) < `1.21rc1` < `1.21.0` < `1.21.1`. Accepts `1.22`, `1.22.1`, `go1.22.1`,
//! `1.21rc2`; nothing else.

use std::cmp::Ordering;
use std::fmt;

/// A Go release or language version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    /// `None` for a two-part version (`1.22`).
    pub patch: Option<u32>,
    /// `rc1`, `beta2`: a prerelease of `major.minor.0`.
    pub pre: Option<String>,
}

impl GoVersion {
    /// Parses `1.22`, `1.22.1`, `go1.22.1`, `1.21rc2`.
    pub fn parse(s: &str) -> Option<GoVersion> {
        let s = s.strip_prefix("go").unwrap_or(s);
        let (major, rest) = s.split_once('.')?;
        let major = number(major)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let minor = number(&rest[..digits])?;
        let rest = &rest[digits..];
        let (patch, pre) = if rest.is_empty() {
            (None, None)
        } else if let Some(p) = rest.strip_prefix('.') {
            (Some(number(p)?), None)
        } else {
            let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            let (kind, n) = rest.split_at(letters);
            if !matches!(kind, "rc" | "beta") || number(n).is_none() {
                return None;
            }
            (None, Some(rest.to_string()))
        };
        Some(GoVersion {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// `major.minor`: `1.22`.
    pub fn language(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// Whether this is a two-part language version (`1.22`), the only form Go 1.20 and
    /// older accept on a `go` line.
    pub fn is_two_part(&self) -> bool {
        self.patch.is_none() && self.pre.is_none()
    }

    /// The language version `1.N` at or before this one (`minor` for Go 1).
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    fn rank(&self) -> (u32, u32, u8, u32, &str) {
        match (&self.patch, &self.pre) {
            (Some(p), _) => (self.major, self.minor, 2, *p, ""),
            (None, Some(pre)) => (self.major, self.minor, 1, 0, pre.as_str()),
            (None, None) => (self.major, self.minor, 0, 0, ""),
        }
    }
}

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.rank(), other.rank());
        // rc10 after rc9: compare the prerelease kind, then its number.
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
            .then_with(|| pre_key(a.4).cmp(&pre_key(b.4)))
    }
}

fn pre_key(pre: &str) -> (bool, u32) {
    let letters = pre.bytes().take_while(u8::is_ascii_lowercase).count();
    (&pre[..letters] == "rc", pre[letters..].parse().unwrap_or(0))
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        if let Some(pre) = &self.pre {
            f.write_str(pre)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn orders_as_the_go_command_does() {
        let order = [
            "1.19",
            "1.21",
            "1.21beta1",
            "1.21rc1",
            "1.21rc10",
            "1.21.0",
            "1.21.3",
            "1.22",
        ];
        for w in order.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert_eq!(v("go1.22.1"), v("1.22.1"));
        assert_eq!(v("1.22.1").to_string(), "1.22.1");
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for s in [
            "", "1", "1.", "1.x", "1.22.", "1.22.1.2", "1.022", "1.22-rc1", "v1.22", "1.22rc",
            "１.2",
        ] {
            assert_eq!(GoVersion::parse(s), None, "{s:?}");
        }
    }
}
