//! The commit a git working tree is at, read from its files as git resolves `HEAD`
//! (gitrepository-layout(5)): `.git` is the repository or a `gitdir: PATH` file (a linked
//! worktree, whose `commondir` holds the shared refs); `HEAD` is a commit or
//! `ref: refs/heads/NAME`, found as a loose ref file or a line of `packed-refs`. No git
//! command is run. Whether the tree has uncommitted changes is not read (that needs the
//! index).

use std::path::{Path, PathBuf};

/// Largest file read (a `packed-refs` of a large repository).
const MAX_BYTES: u64 = 16 << 20;

fn read(path: &Path) -> Option<String> {
    use std::io::Read;
    let f = crate::open_nonblocking(path).ok()?;
    let mut s = String::new();
    f.take(MAX_BYTES).read_to_string(&mut s).ok()?;
    Some(s)
}

fn is_hash(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The git directory of the working tree holding `dir` (the nearest `.git` upwards).
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    for d in abs.ancestors() {
        let dot = d.join(".git");
        if dot.is_dir() {
            return Some(dot);
        }
        if dot.is_file() {
            let text = read(&dot)?;
            let target = text.trim().strip_prefix("gitdir:")?.trim().to_string();
            let p = PathBuf::from(&target);
            return Some(if p.is_absolute() { p } else { d.join(p) });
        }
    }
    None
}

/// The commit `HEAD` names for the tree holding `dir`, and the file that said so.
pub fn head(dir: &Path) -> Option<(String, PathBuf)> {
    let git = git_dir(dir)?;
    let head_file = git.join("HEAD");
    let head = read(&head_file)?;
    let head = head.trim();
    if is_hash(head) {
        return Some((head.to_string(), head_file));
    }
    let name = head.strip_prefix("ref:")?.trim();
    // A linked worktree keeps its own HEAD; branches live in the common directory.
    let common = match read(&git.join("commondir")) {
        Some(c) => {
            let p = PathBuf::from(c.trim());
            if p.is_absolute() {
                p
            } else {
                git.join(p)
            }
        }
        None => git.clone(),
    };
    for base in [&git, &common] {
        let loose = base.join(name);
        if let Some(h) = read(&loose) {
            let h = h.trim();
            if is_hash(h) {
                return Some((h.to_string(), loose));
            }
        }
    }
    let packed = common.join("packed-refs");
    let text = read(&packed)?;
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('^'))
        .find_map(|l| {
            let (hash, r) = l.split_once(' ')?;
            (r.trim() == name && is_hash(hash)).then(|| (hash.to_string(), packed.clone()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn loose_packed_and_detached_heads() {
        let t = tempfile::tempdir().unwrap();
        let git = t.path().join("repo/.git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::create_dir_all(t.path().join("repo/sub")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs\n{A} refs/heads/main\n"),
        )
        .unwrap();
        let (h, from) = head(&t.path().join("repo/sub")).unwrap();
        assert_eq!(h, A);
        assert!(from.ends_with("packed-refs"));
        let b = "fedcba9876543210fedcba9876543210fedcba98";
        std::fs::write(git.join("refs/heads/main"), format!("{b}\n")).unwrap();
        assert_eq!(head(&t.path().join("repo")).unwrap().0, b);
        std::fs::write(git.join("HEAD"), format!("{A}\n")).unwrap();
        assert_eq!(head(&t.path().join("repo")).unwrap().0, A);
        assert!(head(Path::new("/")).is_none_or(|(h, _)| is_hash(&h)));
    }
}
