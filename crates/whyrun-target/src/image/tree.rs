//! The merged file tree of an image: layers applied in order the way a container runtime
//! unpacks them (whiteouts and opaque directories hide what lies below, a later entry
//! replaces an earlier one, a directory entry keeps the children of a directory, hard
//! links copy the inode they name, parents are reached through symlinks inside the root
//! and created when missing). It holds metadata and where each file's bytes are; it never
//! reads a layer, and resolves paths only inside itself.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use super::entry::{Content, Op, RawEntry};
use crate::fs::{FileKind, MAX_SYMLINK_HOPS};

pub(crate) type NodeId = u32;
pub(crate) const ROOT: NodeId = 0;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: FileKind,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// For a file, its size.
    pub size: u64,
    /// For a symlink, its target as stored.
    pub link: Option<PathBuf>,
    pub content: Content,
    /// The layer (0-based) whose entry made this node.
    pub layer: u32,
    pub children: BTreeMap<OsString, NodeId>,
}

impl Node {
    fn dir(mode: u32, uid: u64, gid: u64, layer: u32) -> Node {
        Node {
            kind: FileKind::Dir,
            mode,
            uid,
            gid,
            size: 0,
            link: None,
            content: Content::Empty,
            layer,
            children: BTreeMap::new(),
        }
    }
}

/// The tree: an arena of nodes, the root at [`ROOT`].
#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    max_nodes: usize,
}

/// A lookup failure inside the tree.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Miss {
    NotFound,
    NotADirectory,
}

impl Tree {
    pub fn new(max_nodes: usize) -> Tree {
        Tree {
            nodes: vec![Node::dir(0o755, 0, 0, 0)],
            max_nodes,
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The node at a path whose components are already resolved (no symlink is
    /// followed; `..` and `.` are not expected).
    pub fn lookup(&self, path: &Path) -> Result<NodeId, Miss> {
        let mut cur = ROOT;
        for c in path.components() {
            let Component::Normal(name) = c else {
                continue;
            };
            let node = self.node(cur);
            if node.kind != FileKind::Dir {
                return Err(Miss::NotADirectory);
            }
            cur = *node.children.get(name).ok_or(Miss::NotFound)?;
        }
        Ok(cur)
    }

    fn push(&mut self, n: Node) -> Result<NodeId, String> {
        if self.nodes.len() >= self.max_nodes {
            return Err(format!(
                "more than {} files and directories in the image",
                self.max_nodes
            ));
        }
        self.nodes.push(n);
        Ok((self.nodes.len() - 1) as NodeId)
    }

    /// Drops the contents of a detached subtree so its memory is given back.
    fn release(&mut self, id: NodeId) {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            let n = &mut self.nodes[id as usize];
            n.content = Content::Empty;
            let children = std::mem::take(&mut n.children);
            stack.extend(children.into_values());
        }
    }

    /// Walks `comps` from the root the way unpacking a layer does: symlinks followed
    /// inside the root (absolute ones restart at it, `..` stops at it), missing
    /// directories created when `create`. `None` when something is missing and not
    /// created.
    fn walk(
        &mut self,
        comps: &[OsString],
        create: bool,
        layer: u32,
    ) -> Result<Option<NodeId>, String> {
        let mut pending: Vec<OsString> = comps.iter().rev().cloned().collect();
        let mut stack: Vec<NodeId> = vec![ROOT];
        let mut hops = 0usize;
        while let Some(name) = pending.pop() {
            if name.is_empty() || name == "." {
                continue;
            }
            if name == ".." {
                if stack.len() > 1 {
                    stack.pop();
                }
                continue;
            }
            let cur = *stack.last().unwrap_or(&ROOT);
            match self.node(cur).children.get(&name).copied() {
                None if create => {
                    let id = self.push(Node::dir(0o755, 0, 0, layer))?;
                    self.nodes[cur as usize].children.insert(name, id);
                    stack.push(id);
                }
                None => return Ok(None),
                Some(id) => match self.node(id).kind {
                    FileKind::Dir => stack.push(id),
                    FileKind::Symlink => {
                        hops += 1;
                        if hops > MAX_SYMLINK_HOPS {
                            return Err(format!(
                                "too many levels of symbolic links (more than {MAX_SYMLINK_HOPS})"
                            ));
                        }
                        let target = self.node(id).link.clone().unwrap_or_default();
                        if target.is_absolute() {
                            stack.truncate(1);
                        }
                        let more: Vec<OsString> = target
                            .components()
                            .filter_map(|c| match c {
                                Component::Normal(n) => Some(n.to_os_string()),
                                Component::ParentDir => Some(OsString::from("..")),
                                _ => None,
                            })
                            .collect();
                        pending.extend(more.into_iter().rev());
                    }
                    _ => return Err("a component of the path is not a directory".into()),
                },
            }
        }
        Ok(Some(*stack.last().unwrap_or(&ROOT)))
    }

    /// Applies one layer's entries: first its whiteouts and opaque markers to the layers
    /// below, then its entries in archive order.
    pub fn apply(&mut self, layer: u32, entries: Vec<RawEntry>) -> Result<(), String> {
        for e in &entries {
            match e.op {
                Op::Whiteout => {
                    let comps = components(&e.path);
                    let Some((name, parent)) = comps.split_last() else {
                        continue;
                    };
                    let parent = self
                        .walk(parent, false, layer)
                        .map_err(|d| format!("whiteout of {}: {d}", e.path.display()))?;
                    if let Some(p) = parent {
                        if self.node(p).kind == FileKind::Dir {
                            if let Some(old) = self.nodes[p as usize].children.remove(name) {
                                self.release(old);
                            }
                        }
                    }
                }
                Op::Opaque => {
                    let comps = components(&e.path);
                    let dir = self
                        .walk(&comps, false, layer)
                        .map_err(|d| format!("opaque directory {}: {d}", e.path.display()))?;
                    if let Some(d) = dir {
                        if self.node(d).kind == FileKind::Dir {
                            let children = std::mem::take(&mut self.nodes[d as usize].children);
                            for id in children.into_values() {
                                self.release(id);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for e in entries {
            if matches!(e.op, Op::Whiteout | Op::Opaque) {
                continue;
            }
            self.apply_entry(layer, e)?;
        }
        Ok(())
    }

    fn apply_entry(&mut self, layer: u32, e: RawEntry) -> Result<(), String> {
        let comps = components(&e.path);
        let Some((name, parent)) = comps.split_last() else {
            // The root itself: only a directory entry means anything.
            if let Op::Dir = e.op {
                let root = &mut self.nodes[ROOT as usize];
                root.mode = e.mode;
                root.uid = e.uid;
                root.gid = e.gid;
            }
            return Ok(());
        };
        let shown = e.path.display().to_string();
        let parent = self
            .walk(parent, true, layer)
            .map_err(|d| format!("entry {shown}: {d}"))?
            .unwrap_or(ROOT);
        if self.node(parent).kind != FileKind::Dir {
            return Err(format!("entry {shown}: its parent is not a directory"));
        }
        let existing = self.node(parent).children.get(name).copied();
        let node = match e.op {
            Op::Dir => {
                if let Some(id) = existing.filter(|&id| self.node(id).kind == FileKind::Dir) {
                    let n = &mut self.nodes[id as usize];
                    n.mode = e.mode;
                    n.uid = e.uid;
                    n.gid = e.gid;
                    n.layer = layer;
                    return Ok(());
                }
                Node::dir(e.mode, e.uid, e.gid, layer)
            }
            Op::File(content) => Node {
                kind: FileKind::File,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                size: e.size,
                link: None,
                content,
                layer,
                children: BTreeMap::new(),
            },
            Op::Symlink(target) => Node {
                kind: FileKind::Symlink,
                mode: 0o777,
                uid: e.uid,
                gid: e.gid,
                size: target.as_os_str().len() as u64,
                link: Some(target),
                content: Content::Empty,
                layer,
                children: BTreeMap::new(),
            },
            Op::Device => Node {
                kind: FileKind::Other,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                size: 0,
                link: None,
                content: Content::Empty,
                layer,
                children: BTreeMap::new(),
            },
            Op::HardLink(target) => {
                let tcomps = components(&target);
                let shown_t = target.display();
                let Some((tname, tparent)) = tcomps.split_last() else {
                    return Err(format!("hard link {shown} to the root directory"));
                };
                let tp = self
                    .walk(tparent, false, layer)
                    .map_err(|d| format!("hard link {shown} to {shown_t}: {d}"))?;
                let t = tp.and_then(|p| self.node(p).children.get(tname).copied());
                let Some(t) = t else {
                    return Err(format!(
                        "hard link {shown} to {shown_t}, which no earlier entry created"
                    ));
                };
                if self.node(t).kind == FileKind::Dir {
                    return Err(format!("hard link {shown} to the directory {shown_t}"));
                }
                let mut n = self.node(t).clone();
                n.children = BTreeMap::new();
                n.layer = layer;
                n
            }
            Op::Whiteout | Op::Opaque => return Ok(()),
        };
        let id = self.push(node)?;
        if let Some(old) = self.nodes[parent as usize]
            .children
            .insert(name.clone(), id)
        {
            self.release(old);
        }
        Ok(())
    }

    /// Entries of a directory node, sorted by name.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = (&OsStr, &Node)> {
        self.node(id)
            .children
            .iter()
            .map(|(k, &v)| (k.as_os_str(), self.node(v)))
    }
}

fn components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, op: Op) -> RawEntry {
        RawEntry {
            path: PathBuf::from(path),
            op,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: 1,
        }
    }

    fn file(path: &str) -> RawEntry {
        e(
            path,
            Op::File(Content::Inline(std::sync::Arc::from(&b"x"[..]))),
        )
    }

    fn exists(t: &Tree, p: &str) -> bool {
        t.lookup(Path::new(p)).is_ok()
    }

    #[test]
    fn whiteouts_hide_lower_layers_only() {
        let mut t = Tree::new(100);
        t.apply(0, vec![file("a/x"), file("a/y")]).unwrap();
        // A whiteout and a file of the same name in one layer: the file stays.
        t.apply(
            1,
            vec![file("a/x"), e("a/x", Op::Whiteout), e("a/y", Op::Whiteout)],
        )
        .unwrap();
        assert!(exists(&t, "a/x"));
        assert!(!exists(&t, "a/y"));
    }

    #[test]
    fn opaque_directories_hide_lower_children() {
        let mut t = Tree::new(100);
        t.apply(0, vec![file("d/old"), file("d/sub/deep")]).unwrap();
        t.apply(1, vec![file("d/new"), e("d", Op::Opaque)]).unwrap();
        assert!(exists(&t, "d/new"));
        assert!(!exists(&t, "d/old"));
        assert!(!exists(&t, "d/sub"));
    }

    #[test]
    fn parents_are_reached_through_symlinks() {
        let mut t = Tree::new(100);
        t.apply(
            0,
            vec![
                e("usr/lib", Op::Dir),
                e("lib", Op::Symlink(PathBuf::from("/usr/lib"))),
            ],
        )
        .unwrap();
        t.apply(1, vec![file("lib/libx.so")]).unwrap();
        assert!(exists(&t, "usr/lib/libx.so"));
        // A directory entry replaces a symlink of the same name.
        t.apply(2, vec![e("lib", Op::Dir)]).unwrap();
        assert_eq!(
            t.node(t.lookup(Path::new("lib")).unwrap()).kind,
            FileKind::Dir
        );
    }

    #[test]
    fn hard_links_copy_and_missing_targets_fail() {
        let mut t = Tree::new(100);
        t.apply(
            0,
            vec![
                file("bin/a"),
                e("bin/b", Op::HardLink(PathBuf::from("bin/a"))),
            ],
        )
        .unwrap();
        assert_eq!(t.node(t.lookup(Path::new("bin/b")).unwrap()).size, 1);
        assert!(t
            .apply(1, vec![e("x", Op::HardLink(PathBuf::from("nope")))])
            .is_err());
    }

    #[test]
    fn symlink_loops_in_parents_are_bounded() {
        let mut t = Tree::new(1000);
        t.apply(
            0,
            vec![
                e("a", Op::Symlink(PathBuf::from("b"))),
                e("b", Op::Symlink(PathBuf::from("a"))),
            ],
        )
        .unwrap();
        let err = t.apply(1, vec![file("a/x")]).unwrap_err();
        assert!(err.contains("too many levels"), "{err}");
    }

    #[test]
    fn node_count_is_bounded() {
        let mut t = Tree::new(3);
        assert!(t.apply(0, vec![file("a/b/c/d")]).is_err());
    }
}
