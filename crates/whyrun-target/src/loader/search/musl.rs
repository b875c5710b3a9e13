//! musl's order: `load_library` (libc's own names, loaded short names, LD_LIBRARY_PATH,
//! RPATH or RUNPATH up the loader chain, the path file); the first file that opens is
//! taken, and a bad one ends the search.

use super::*;

/// musl resolves these names (`lib<name>.…`) to itself.
const MUSL_RESERVED: &[&str] = &["c", "pthread", "rt", "m", "dl", "util", "xnet"];

impl Resolver<'_> {
    pub(super) fn map_musl(&mut self, loader: usize, name: &str) -> NeedResult {
        if let Some(rest) = name.strip_prefix("lib") {
            let stem = rest.split('.').next().unwrap_or("");
            if rest.contains('.') && MUSL_RESERVED.contains(&stem) {
                return match self.objects.iter().position(|o| o.interpreter) {
                    Some(j) => NeedResult::Reused {
                        object: j,
                        matched: "libc itself",
                    },
                    None => NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::LibcItself,
                            place: self.cfg.loader.clone(),
                        }],
                        skipped: Vec::new(),
                        hints: Vec::new(),
                    },
                };
            }
        }
        let result = self.search_musl(loader, name);
        self.note_missing(name, &result);
        result
    }

    pub(super) fn search_musl(&mut self, loader: usize, name: &str) -> NeedResult {
        let mut tried = Vec::new();
        let mut skipped = Vec::new();
        if name.contains('/') {
            return match self.probe(name) {
                Probe::Found(c) => self.add(
                    loader,
                    name,
                    name,
                    &c,
                    Step::Path,
                    dir_of(name),
                    None,
                    skipped,
                ),
                other => {
                    if let Some(reason) = other.musl_reason() {
                        skipped.push(Skipped {
                            path: name.into(),
                            reason,
                            then: AfterSkip::SearchOn,
                        });
                    }
                    NeedResult::NotFound {
                        tried: vec![Tried {
                            step: Step::Path,
                            place: name.into(),
                        }],
                        skipped,
                        hints: Vec::new(),
                    }
                }
            };
        }
        if let Some(j) = self
            .objects
            .iter()
            .position(|o| o.shortname.as_deref() == Some(name))
        {
            return NeedResult::Reused {
                object: j,
                matched: "name",
            };
        }
        let mut lists: Vec<(Step, Vec<String>)> = Vec::new();
        if let Some(llp) = &self.cfg.ld_library_path {
            lists.push((Step::LdLibraryPath, musl_dirs(llp)));
        }
        let mut l = Some(loader);
        while let Some(k) = l {
            let o = &self.objects[k];
            let info = o.info();
            let (rp, is_runpath) = match (&info.runpath, &info.rpath_raw) {
                (Some(r), _) => (Some(r.clone()), true),
                (None, Some(r)) => (Some(r.clone()), false),
                _ => (None, false),
            };
            if let Some(rp) = rp {
                let origin = o.origin();
                if let Some(expanded) = musl_expand_origin(&rp, origin) {
                    let step = if is_runpath {
                        Step::Runpath { of: o.path.clone() }
                    } else {
                        Step::Rpath { of: o.path.clone() }
                    };
                    lists.push((step, musl_dirs(&expanded)));
                }
            }
            l = o.loader;
        }
        lists.push((Step::DefaultPath, self.cfg.system_dirs.clone()));
        for (step, dirs) in lists {
            for dir in dirs {
                let p = format!("{dir}/{name}");
                match self.probe(&p) {
                    Probe::Found(c) => {
                        return self.add(loader, name, &p, &c, step, &dir, None, skipped);
                    }
                    other @ (Probe::Rejected(_) | Probe::Fatal(_) | Probe::StopList(_)) => {
                        // musl takes the first file that opens and fails on it, and
                        // abandons the search on an open error other than ENOENT.
                        skipped.push(Skipped {
                            path: p,
                            reason: other.musl_reason().unwrap_or(SkipReason::SymlinkLoop),
                            then: AfterSkip::MuslStops,
                        });
                        tried.push(Tried { step, place: dir });
                        return NeedResult::NotFound {
                            tried,
                            skipped,
                            hints: Vec::new(),
                        };
                    }
                    Probe::Missing => tried.push(Tried {
                        step: step.clone(),
                        place: dir,
                    }),
                    // EACCES: musl searches on (`ldso/dynlink.c`, `path_open`).
                    Probe::Unopenable(reason) => {
                        skipped.push(Skipped {
                            path: p,
                            reason,
                            then: AfterSkip::SearchOn,
                        });
                        tried.push(Tried {
                            step: step.clone(),
                            place: dir,
                        });
                    }
                }
            }
        }
        NeedResult::NotFound {
            tried,
            skipped,
            hints: Vec::new(),
        }
    }
}

/// musl's search lists: `:` or newline separated, empty elements skipped.
pub(super) fn musl_dirs(list: &str) -> Vec<String> {
    list.split([':', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// musl's `fixup_rpath`: only `$ORIGIN` / `${ORIGIN}` are known; any other `$` makes musl
/// ignore the whole path.
pub(super) fn musl_expand_origin(rp: &str, origin: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = rp;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(r) = after.strip_prefix("${ORIGIN}") {
            out.push_str(origin);
            rest = r;
        } else if let Some(r) = after.strip_prefix("$ORIGIN") {
            out.push_str(origin);
            rest = r;
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}
