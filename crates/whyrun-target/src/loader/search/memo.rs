//! The searches that depend only on the search configuration, the kind of binary and the
//! name: shared by every tree a loader resolves, each searched once.

use std::cell::RefCell;
use std::sync::{Arc, RwLock};

use super::super::model::{Hint, Skipped, Step, Tried};
use super::super::FastMap;
use super::Found;

/// The outcome of glibc's `open_path` over one search list for one name: what was
/// passed over, the directories searched in vain, and the hit if any. It depends on the
/// expanded directories and the name only, so each list is searched once per loader.
#[derive(Debug, Default)]
pub(crate) struct ListSearch {
    pub(super) hit: Option<Found>,
    pub(super) tried: Vec<String>,
    pub(super) skipped: Vec<Skipped>,
}

impl ListSearch {
    /// Replays the search as the `step` of a resolution: its misses and what it passed
    /// over join the resolution's, and the hit (if any) is returned.
    pub(super) fn replay(
        &self,
        step: &Step,
        tried: &mut Vec<Tried>,
        skipped: &mut Vec<Skipped>,
    ) -> Option<&Found> {
        tried.extend(self.tried.iter().map(|place| Tried {
            step: step.clone(),
            place: place.clone(),
        }));
        skipped.extend(self.skipped.iter().cloned());
        self.hit.as_ref()
    }
}

/// The outcome of the end of one glibc search (ld.so.cache, default directories, hints):
/// what was passed over, and the hit or the places tried.
#[derive(Debug)]
pub(crate) struct SystemSearch {
    /// The step that found it (ld.so.cache or a default directory), and what it found.
    pub(super) hit: Option<(Step, Found)>,
    pub(super) tried: Vec<Tried>,
    pub(super) skipped: Vec<Skipped>,
    pub(super) hints: Vec<Hint>,
}

impl SystemSearch {
    pub(super) fn hit(step: Step, found: Found, skipped: Vec<Skipped>) -> SystemSearch {
        SystemSearch {
            hit: Some((step, found)),
            tried: Vec::new(),
            skipped,
            hints: Vec::new(),
        }
    }
}

/// Search outcomes for one search configuration and one kind of binary, which depend on
/// nothing else, so every tree a loader resolves shares them: [`SystemSearch`]es by name
/// (and NODEFLIB), and [`ListSearch`]es by search list (as written, with the `$ORIGIN`
/// it expands to) and name.
#[derive(Debug, Default)]
pub(crate) struct SystemMemo {
    pub(super) by_name: [RwLock<FastMap<String, Arc<SystemSearch>>>; 2],
    pub(super) lists: RwLock<FastMap<String, Arc<ListSearch>>>,
}

impl SystemMemo {
    pub(super) fn get(
        &self,
        name: &str,
        nodeflib: bool,
        search: impl FnOnce() -> SystemSearch,
    ) -> Arc<SystemSearch> {
        let map = &self.by_name[usize::from(nodeflib)];
        if let Some(s) = map.read().unwrap().get(name) {
            return s.clone();
        }
        let s = Arc::new(search());
        map.write()
            .unwrap()
            .entry(name.to_string())
            .or_insert(s)
            .clone()
    }

    /// The search of `name` in the list `list` (split at `seps`) whose `$ORIGIN` is
    /// `origin`, searched by `search` from the expanded directories the first time.
    pub(super) fn list(
        &self,
        list: &str,
        seps: &str,
        origin: &str,
        name: &str,
        search: impl FnOnce() -> ListSearch,
    ) -> Arc<ListSearch> {
        thread_local! {
            /// The key being looked up, reused from lookup to lookup.
            static KEY: RefCell<String> = const { RefCell::new(String::new()) };
        }
        let key = KEY.with_borrow_mut(|key| {
            key.clear();
            // NUL cannot occur in any of the parts: they come from C strings and paths.
            for part in [
                seps,
                list,
                if list.contains('$') { origin } else { "" },
                name,
            ] {
                key.push_str(part);
                key.push('\0');
            }
            // The search, when known; else the key to file it under.
            match self.lists.read().unwrap().get(key.as_str()) {
                Some(s) => Ok(s.clone()),
                None => Err(key.clone()),
            }
        });
        match key {
            Ok(known) => known,
            Err(key) => {
                let s = Arc::new(search());
                self.lists.write().unwrap().entry(key).or_insert(s).clone()
            }
        }
    }
}
