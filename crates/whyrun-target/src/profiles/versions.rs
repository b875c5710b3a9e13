//! Symbol version names compared as versions: `GLIBC_2.2.5` is prefix `GLIBC` and
//! numbers `[2, 2, 5]`; `OPENSSL_1_1_1w` is `OPENSSL` and `[1, 1, 1, 23]` (a trailing
//! letter is one more component). Selection of the names a package version defines from
//! a version list. Pure functions over strings.

use std::cmp::Ordering;

/// Prefix and numeric components of a version name; `None` for names without numbers
/// (`GLIBC_PRIVATE`, `CXXABI_TM_1` parses as prefix `CXXABI` with no numbers → `None`).
pub fn parse_name(name: &str) -> Option<(&str, Vec<u32>)> {
    let (prefix, rest) = name.split_once('_')?;
    let mut nums = Vec::new();
    for part in rest.split(['.', '_']) {
        if part.is_empty() {
            return None;
        }
        let digits: String = part.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return None;
        }
        nums.push(digits.parse().ok()?);
        let tail = &part[digits.len()..];
        match tail.as_bytes() {
            [] => {}
            [c] if c.is_ascii_lowercase() => nums.push(u32::from(c - b'a' + 1)),
            _ => return None,
        }
    }
    Some((prefix, nums))
}

/// Orders two names of the same prefix by their numbers; `None` across prefixes or for
/// names without numbers.
pub fn compare_names(a: &str, b: &str) -> Option<Ordering> {
    let (pa, na) = parse_name(a)?;
    let (pb, nb) = parse_name(b)?;
    (pa == pb).then(|| na.cmp(&nb))
}

fn kept(name: &str, upto: &[String]) -> bool {
    let Some((prefix, nums)) = parse_name(name) else {
        return false;
    };
    upto.iter()
        .any(|u| parse_name(u).is_some_and(|(up, un)| up == prefix && nums <= un))
}

/// The names of `list` a package defines, given the newest node per prefix (`upto`).
/// `NAME@GATE` entries are kept when GATE is; names without numbers are kept only so.
pub fn select(list: &[String], upto: &[String]) -> Vec<String> {
    list.iter()
        .filter_map(|entry| match entry.split_once('@') {
            Some((name, gate)) => kept(gate, upto).then(|| name.to_string()),
            None => kept(entry, upto).then(|| entry.clone()),
        })
        .collect()
}

/// The glibc names of `list` up to glibc `version` on an architecture whose first
/// release is `base` (names older than the port do not exist there; `base` stands for
/// them). `GLIBC_PRIVATE` is always defined.
pub(crate) fn select_glibc(list: &[String], version: &str, base: Option<&str>) -> Vec<String> {
    let upto = vec![format!("GLIBC_{version}")];
    let mut out: Vec<String> = Vec::new();
    let mut base_needed = false;
    for entry in list {
        if entry == "GLIBC_PRIVATE" {
            out.push(entry.clone());
            continue;
        }
        let (name, gate) = entry.split_once('@').unwrap_or((entry, entry));
        if !kept(gate, &upto) {
            continue;
        }
        if let Some(base) = base {
            if compare_names(name, base) == Some(Ordering::Less) {
                base_needed = true;
                continue;
            }
        }
        out.push(name.to_string());
    }
    if let Some(base) = base {
        if (base_needed || !out.is_empty()) && !out.iter().any(|n| n == base) {
            let at = out
                .iter()
                .position(|n| compare_names(n, base) == Some(Ordering::Greater))
                .unwrap_or(out.len());
            out.insert(at, base.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn parse() {
        assert_eq!(parse_name("GLIBC_2.2.5"), Some(("GLIBC", vec![2, 2, 5])));
        assert_eq!(
            parse_name("OPENSSL_1_1_1w"),
            Some(("OPENSSL", vec![1, 1, 1, 23]))
        );
        assert_eq!(parse_name("GLIBC_PRIVATE"), None);
        assert_eq!(parse_name("CXXABI_TM_1"), None);
        assert_eq!(
            compare_names("GLIBC_2.10", "GLIBC_2.9"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_names("GLIBC_2.10", "GCC_2.9"), None);
    }

    #[test]
    fn selecting() {
        let l = v(&[
            "GLIBCXX_3.4",
            "GLIBCXX_3.4.30",
            "GLIBCXX_3.4.31",
            "CXXABI_1.3",
            "CXXABI_1.3.13",
            "CXXABI_1.3.14",
            "CXXABI_TM_1@CXXABI_1.3.6",
        ]);
        assert_eq!(
            select(&l, &v(&["GLIBCXX_3.4.30", "CXXABI_1.3.13"])),
            v(&[
                "GLIBCXX_3.4",
                "GLIBCXX_3.4.30",
                "CXXABI_1.3",
                "CXXABI_1.3.13",
                "CXXABI_TM_1"
            ])
        );
        let o = v(&[
            "OPENSSL_1_1_0",
            "OPENSSL_1_1_1",
            "OPENSSL_1_1_1q",
            "OPENSSL_1_1_1s",
        ]);
        assert_eq!(select(&o, &v(&["OPENSSL_1_1_1q"])).len(), 3);
    }

    #[test]
    fn glibc_base() {
        let l = v(&[
            "GLIBC_2.0",
            "GLIBC_2.2.5",
            "GLIBC_2.17",
            "GLIBC_2.18",
            "GLIBC_2.36",
            "GLIBC_ABI_DT_RELR@GLIBC_2.36",
            "GLIBC_PRIVATE",
        ]);
        assert_eq!(
            select_glibc(&l, "2.28", Some("GLIBC_2.17")),
            v(&["GLIBC_2.17", "GLIBC_2.18", "GLIBC_PRIVATE"])
        );
        assert_eq!(
            select_glibc(&l, "2.36", Some("GLIBC_2.2.5")),
            v(&[
                "GLIBC_2.2.5",
                "GLIBC_2.17",
                "GLIBC_2.18",
                "GLIBC_2.36",
                "GLIBC_ABI_DT_RELR",
                "GLIBC_PRIVATE"
            ])
        );
    }
}
