//! glibc's order: `_dl_map_object` (DT_RPATH up the loader chain unless DT_RUNPATH,
//! LD_LIBRARY_PATH, DT_RUNPATH, ld.so.cache unless NODEFLIB, the default directories;
//! each directory's glibc-hwcaps subdirectories first) and `open_path` over one list.

use std::sync::Arc;

use super::*;

impl Resolver<'_> {
    pub(super) fn map_glibc(&mut self, loader: usize, name: &str) -> NeedResult {
        if let Some(hit) = self.already_loaded(name) {
            return hit;
        }
        // A name not found before is searched again: glibc's placeholder for it is
        // `l_faked` and never matches (a later requester may find it elsewhere).
        let result = self.search_glibc(loader, name);
        self.note_missing(name, &result);
        result
    }

    pub(super) fn search_glibc(&mut self, loader: usize, name: &str) -> NeedResult {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        if name.contains('/') {
            let Some(p) = expand_dst(name, self.objects[loader].origin(), &self.cfg) else {
                return NeedResult::NotFound {
                    tried: vec![Tried {
                        step: Step::Path,
                        place: name.to_string(),
                    }],
                    skipped,
                    hints: Vec::new(),
                };
            };
            return match self.probe(&p) {
                Probe::Found(c) => {
                    self.add(loader, name, &p, &c, Step::Path, dir_of(&p), None, skipped)
                }
                Probe::Fatal(message) => self.fail(p, message),
                Probe::Rejected(reason) | Probe::StopList(reason) | Probe::Unopenable(reason) => {
                    skipped.push(Skipped {
                        path: p.clone(),
                        reason,
                        then: AfterSkip::SearchOn,
                    });
                    NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::Path,
                            place: p,
                        }],
                        skipped,
                        hints: Vec::new(),
                    }
                }
                Probe::Missing => NeedResult::NotFound {
                    tried: vec![Tried {
                        step: Step::Path,
                        place: p,
                    }],
                    skipped,
                    hints: Vec::new(),
                },
            };
        }

        // DT_RPATH of the needing object and its loaders, unless it has DT_RUNPATH.
        if self.objects[loader].info().runpath.is_none() {
            let mut l = Some(loader);
            while let Some(k) = l {
                if let Some(rpath) = &self.objects[k].info().rpath {
                    let step = Step::Rpath {
                        of: self.objects[k].path.clone(),
                    };
                    let list = self.search_list(rpath, ":", k, name);
                    if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                        return self.take(loader, name, step, found, skipped);
                    }
                }
                l = self.objects[k].loader;
            }
        }
        if let Some(llp) = &self.cfg.ld_library_path {
            let step = Step::LdLibraryPath;
            let list = self.search_list(llp, ":;", 0, name);
            if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                return self.take(loader, name, step, found, skipped);
            }
        }
        if let Some(runpath) = &self.objects[loader].info().runpath {
            let step = Step::Runpath {
                of: self.objects[loader].path.clone(),
            };
            let list = self.search_list(runpath, ":", loader, name);
            if let Some(found) = list.replay(&step, &mut tried, &mut skipped) {
                return self.take(loader, name, step, found, skipped);
            }
        }
        // The rest depends on the name and the object's NODEFLIB only: searched once per
        // loader and configuration, then replayed.
        let nodeflib = self.objects[loader].info().nodeflib;
        let system = self
            .system
            .get(name, nodeflib, || self.search_system(name, nodeflib));
        skipped.extend(system.skipped.iter().cloned());
        match &system.hit {
            Some((step, found)) => self.take(loader, name, step.clone(), found, skipped),
            None => {
                tried.extend(system.tried.iter().cloned());
                NeedResult::NotFound {
                    tried,
                    skipped,
                    hints: system.hints.clone(),
                }
            }
        }
    }

    /// The end of glibc's search: ld.so.cache unless NODEFLIB, then the default
    /// directories unless NODEFLIB, and when nothing is found, the hints.
    pub(super) fn search_system(&self, name: &str, nodeflib: bool) -> SystemSearch {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        let cache_path = || {
            self.cfg
                .cache
                .as_ref()
                .map(|c| c.path.clone())
                .unwrap_or_default()
        };
        if let Some(cache) = self.cfg.cache.as_ref().and_then(|c| c.cache.clone()) {
            let hw: Vec<&str> = self.cfg.hwcaps.iter().map(String::as_str).collect();
            let hit = cache
                .lookup(name, self.cfg.cache_abi, &hw, self.cfg.isa_levels)
                .map(|h| (h.entry.value.clone(), h.hwcaps.map(str::to_string)));
            if let Some((p, hwcaps)) = hit {
                // NODEFLIB also refuses cache entries in the default directories.
                let in_system_dir = self
                    .cfg
                    .system_dirs
                    .iter()
                    .any(|d| p.starts_with(d.as_str()));
                match if nodeflib && in_system_dir {
                    Probe::Rejected(SkipReason::RefusedByNodeflib)
                } else {
                    self.probe(&p)
                } {
                    Probe::Fatal(message) => {
                        let found = Found::Fatal { path: p, message };
                        return SystemSearch::hit(Step::LdSoCache, found, skipped);
                    }
                    Probe::Found(c) => {
                        let found = Found::File {
                            path: p,
                            canonical: c,
                            dir: cache_path(),
                            hwcaps,
                        };
                        return SystemSearch::hit(Step::LdSoCache, found, skipped);
                    }
                    Probe::Rejected(reason)
                    | Probe::StopList(reason)
                    | Probe::Unopenable(reason) => skipped.push(Skipped {
                        path: p,
                        reason,
                        then: AfterSkip::SearchOn,
                    }),
                    Probe::Missing => skipped.push(Skipped {
                        path: p,
                        reason: SkipReason::StaleCacheEntry,
                        then: AfterSkip::SearchOn,
                    }),
                }
            }
            tried.push(Tried {
                step: Step::LdSoCache,
                place: cache_path(),
            });
        }
        if !nodeflib {
            let mut list = self.try_dirs(name, &self.cfg.system_dirs);
            let step = Step::DefaultPath;
            list.replay(&step, &mut tried, &mut skipped);
            if let Some(found) = list.hit.take() {
                return SystemSearch::hit(step, found, skipped);
            }
        }
        SystemSearch {
            hit: None,
            tried,
            skipped,
            hints: self.conf_hints(name),
        }
    }

    /// Loads (or fails on) what `step` found, with what it passed over on the way.
    pub(super) fn take(
        &mut self,
        loader: usize,
        name: &str,
        step: Step,
        found: &Found,
        skipped: Vec<Skipped>,
    ) -> NeedResult {
        match found {
            Found::File {
                path,
                canonical,
                dir,
                hwcaps,
            } => self.add(
                loader,
                name,
                path,
                canonical,
                step,
                dir,
                hwcaps.as_deref(),
                skipped,
            ),
            Found::Fatal { path, message } => self.fail(path.clone(), message.clone()),
        }
    }

    /// Where a library not found does exist: in a directory of ld.so.conf the cache is
    /// older than (ldconfig was not run), or under another version of its SONAME in the
    /// directories searched (`libssl.so.1.1` for `libssl.so.3`).
    pub(super) fn conf_hints(&self, name: &str) -> Vec<Hint> {
        let conf = self.ld.ld_so_conf();
        let mut out = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for d in &conf.dirs {
            let dir = format!("{}/", d.dir.trim_end_matches('/'));
            let path = format!("{dir}{name}");
            if let Probe::Found(_) = self.probe(&path) {
                out.push(Hint::RunLdconfig {
                    path,
                    conf_file: d.file.clone(),
                    conf_line: d.line,
                });
            }
            dirs.push(dir);
        }
        if !out.is_empty() {
            return out;
        }
        dirs.extend(self.cfg.system_dirs.iter().cloned());
        out.extend(self.other_versions(name, &dirs));
        out
    }

    /// Files in `dirs` whose name is another version of the SONAME `name` (the same
    /// `libNAME.so` stem), a few at most.
    fn other_versions(&self, name: &str, dirs: &[String]) -> Vec<Hint> {
        const MAX_OTHER_VERSIONS: usize = 3;
        let Some(at) = name.find(".so") else {
            return Vec::new();
        };
        let stem = &name[..at + 3];
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for dir in dirs {
            let Ok(entries) = self.ld.target.view().read_dir_unsorted(Path::new(dir)) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .into_iter()
                .map(|e| e.name)
                .filter(|n| n != name && n.starts_with(stem) && n[stem.len()..].starts_with('.'))
                .collect();
            names.sort();
            for other in names {
                let path = format!("{}/{other}", dir.trim_end_matches('/'));
                if !seen.insert(path.clone()) || out.len() == MAX_OTHER_VERSIONS {
                    continue;
                }
                if let Probe::Found(_) = self.probe(&path) {
                    out.push(Hint::OtherVersion {
                        path,
                        soname: other,
                        wanted: name.to_string(),
                    });
                }
            }
        }
        out
    }

    /// glibc's `open_path` over the search list `list` (split at `seps`) of object
    /// `of` (whose `$ORIGIN` it expands), searched once per loader.
    pub(super) fn search_list(
        &self,
        list: &str,
        seps: &str,
        of: usize,
        name: &str,
    ) -> Arc<ListSearch> {
        let origin = self.objects[of].origin();
        self.system.list(list, seps, origin, name, || {
            self.try_dirs(name, &split_dirs(list, seps, origin, &self.cfg))
        })
    }

    /// glibc's `open_path` over one list of directories: each directory's glibc-hwcaps
    /// subdirectories, best first, then the directory itself.
    pub(super) fn try_dirs(&self, name: &str, dirs: &[String]) -> ListSearch {
        let mut out = ListSearch::default();
        let mut p = String::new();
        for dir in dirs {
            let subs = self
                .cfg
                .hwcaps
                .iter()
                .map(Some)
                .chain(std::iter::once(None));
            for sub in subs {
                p.clear();
                p.push_str(dir);
                if let Some(s) = sub {
                    p.push_str("glibc-hwcaps/");
                    p.push_str(s);
                    p.push('/');
                }
                p.push_str(name);
                match self.probe(&p) {
                    Probe::Found(c) => {
                        out.hit = Some(Found::File {
                            path: p,
                            canonical: c,
                            dir: dir.clone(),
                            hwcaps: sub.cloned(),
                        });
                        return out;
                    }
                    Probe::Rejected(reason) | Probe::Unopenable(reason) => {
                        out.skipped.push(Skipped {
                            path: p.clone(),
                            reason,
                            then: AfterSkip::SearchOn,
                        })
                    }
                    Probe::Fatal(message) => {
                        out.hit = Some(Found::Fatal { path: p, message });
                        return out;
                    }
                    Probe::StopList(reason) => {
                        out.skipped.push(Skipped {
                            path: p,
                            reason,
                            then: AfterSkip::ListEnds,
                        });
                        out.tried.push(dir.clone());
                        return out;
                    }
                    Probe::Missing => {}
                }
            }
            out.tried.push(dir.clone());
        }
        out
    }
}

/// Splits a glibc search list (`fillin_rpath`): empty elements mean the current directory,
/// dynamic string tokens are expanded (an element whose `$ORIGIN` cannot be known is
/// dropped), trailing slashes are normalised to one, duplicates dropped.
fn split_dirs(list: &str, seps: &str, origin: &str, cfg: &SearchConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for elem in list.split(|c| seps.contains(c)) {
        let mut d = if elem.is_empty() {
            String::new()
        } else {
            match expand_dst(elem, origin, cfg) {
                Some(d) if !d.is_empty() => d,
                _ => continue,
            }
        };
        if !d.is_empty() {
            while d.len() > 1 && d.ends_with('/') {
                d.pop();
            }
            if !d.ends_with('/') {
                d.push('/');
            }
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// glibc's dynamic string tokens: `$ORIGIN`, `$LIB`, `$PLATFORM`, braced or not; an
/// unknown `$` is kept literally.
fn expand_dst(s: &str, origin: &str, cfg: &SearchConfig) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len() + 32);
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut matched = false;
        for (token, value) in [
            ("ORIGIN", origin),
            ("PLATFORM", cfg.platform.as_str()),
            ("LIB", cfg.lib.as_str()),
        ] {
            if let Some(len) = dst_len(after, token) {
                out.push_str(value);
                rest = &after[len..];
                matched = true;
                break;
            }
        }
        if !matched {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// glibc's `is_dst`: the length of `token` (or `{token}`) at the start of `s`, when not
/// followed by an identifier character.
fn dst_len(s: &str, token: &str) -> Option<usize> {
    if let Some(inner) = s.strip_prefix('{') {
        let rest = inner.strip_prefix(token)?;
        rest.starts_with('}').then_some(token.len() + 2)
    } else {
        let rest = s.strip_prefix(token)?;
        let next = rest.bytes().next();
        (!next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')).then_some(token.len())
    }
}

#[cfg(test)]
mod tests {
    use super::super::musl::{musl_dirs, musl_expand_origin};
    use super::*;

    fn cfg() -> SearchConfig {
        let view = crate::fs::HostView;
        let mut c = SearchConfig::musl(&view, "/lib/ld-musl-x86_64.so.1", "x86_64", None);
        c.lib = "lib/x86_64-linux-gnu".into();
        c.platform = "x86_64".into();
        c
    }

    #[test]
    fn dst_expansion() {
        let c = cfg();
        assert_eq!(
            expand_dst("$ORIGIN/../lib", "/opt/app/bin", &c).unwrap(),
            "/opt/app/bin/../lib"
        );
        assert_eq!(
            expand_dst("${ORIGIN}/x:/usr/$LIB/$PLATFORM", "/o", &c).unwrap(),
            "/o/x:/usr/lib/x86_64-linux-gnu/x86_64"
        );
        assert_eq!(expand_dst("$ORIGINAL", "/o", &c).unwrap(), "$ORIGINAL");
        assert_eq!(expand_dst("$FOO/x", "/o", &c).unwrap(), "$FOO/x");
    }

    #[test]
    fn search_lists() {
        let c = cfg();
        assert_eq!(
            split_dirs("/a//:$ORIGIN:/a:", ":", "/bin", &c),
            ["/a/", "/bin/", ""]
        );
        assert_eq!(split_dirs("/x;/y", ":;", "/", &c), ["/x/", "/y/"]);
        assert_eq!(musl_dirs("/a:/b\n/c::"), ["/a", "/b", "/c"]);
        assert_eq!(
            musl_expand_origin("$ORIGIN/../lib:${ORIGIN}", "/o").unwrap(),
            "/o/../lib:/o"
        );
        assert!(musl_expand_origin("$LIB", "/o").is_none());
    }
}
