//! Builds images for the tests: layer tars (with the `tar` crate, an implementation
//! independent of the reader under test, or raw header bytes for hostile names), their
//! compression, and the archive layouts `docker save` (legacy and OCI-based) and OCI
//! image layouts write. Also packs a real directory as a layer and diffs two trees into
//! the layer a build step would produce.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub fn sha256(b: &[u8]) -> String {
    let d = Sha256::digest(b);
    let mut s = String::from("sha256:");
    for x in d {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

pub fn hex(d: &str) -> &str {
    d.strip_prefix("sha256:").unwrap()
}

/// Appends a link entry with its target written as given (the `tar` crate's own
/// `append_link` rewrites `/` as `//`); long targets go through its GNU extension.
fn link(b: &mut tar::Builder<Vec<u8>>, h: &mut tar::Header, path: &str, target: &str) {
    if target.len() < 100 {
        h.set_link_name_literal(target).unwrap();
        b.append_data(h, path, &[][..]).unwrap();
    } else {
        b.append_link(h, path, target).unwrap();
    }
}

/// A layer tar under construction.
pub struct LayerTar {
    b: tar::Builder<Vec<u8>>,
}

fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid);
    h.set_gid(gid);
    h.set_size(size);
    h.set_mtime(1_700_000_000);
    h
}

impl Default for LayerTar {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerTar {
    pub fn new() -> LayerTar {
        LayerTar {
            b: tar::Builder::new(Vec::new()),
        }
    }

    pub fn dir(mut self, path: &str, mode: u32) -> Self {
        let mut h = header(tar::EntryType::Directory, mode, 0, 0, 0);
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    pub fn file(self, path: &str, data: &[u8], mode: u32) -> Self {
        self.file_owned(path, data, mode, 0, 0)
    }

    pub fn file_owned(mut self, path: &str, data: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        let mut h = header(tar::EntryType::Regular, mode, uid, gid, data.len() as u64);
        self.b.append_data(&mut h, path, data).unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        link(&mut self.b, &mut h, path, target);
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = header(tar::EntryType::Link, 0o644, 0, 0, 0);
        link(&mut self.b, &mut h, path, target);
        self
    }

    /// `.wh.NAME` next to `path`.
    pub fn whiteout(self, path: &str) -> Self {
        let p = Path::new(path);
        let name = p.file_name().unwrap().to_str().unwrap();
        let wh = match p.parent().map(|d| d.to_str().unwrap()) {
            Some(d) if !d.is_empty() => format!("{d}/.wh.{name}"),
            _ => format!(".wh.{name}"),
        };
        self.file(&wh, b"", 0o644)
    }

    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"", 0o644)
    }

    /// An entry whose name is written as given, however hostile (`../x`, `/etc/x`).
    pub fn raw(mut self, name: &[u8], kind: tar::EntryType, link: &[u8], data: &[u8]) -> Self {
        let mut h = header(kind, 0o755, 0, 0, data.len() as u64);
        {
            let old = h.as_old_mut();
            old.name = [0; 100];
            old.name[..name.len()].copy_from_slice(name);
            old.linkname = [0; 100];
            old.linkname[..link.len()].copy_from_slice(link);
        }
        h.set_cksum();
        self.b.append(&h, data).unwrap();
        self
    }

    /// A header declaring `size` bytes followed by `data` (which may be shorter).
    pub fn lying(mut self, name: &str, size: u64, data: &[u8]) -> Vec<u8> {
        let mut h = header(tar::EntryType::Regular, 0o644, 0, 0, size);
        h.set_path(name).unwrap();
        h.set_cksum();
        let mut out = self.b.into_inner().unwrap();
        // into_inner wrote the end blocks: drop them.
        out.truncate(out.len() - 1024);
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        self.b = tar::Builder::new(Vec::new());
        out
    }

    pub fn finish(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comp {
    None,
    Gzip,
    Zstd,
}

pub fn compress(tar: &[u8], c: Comp) -> Vec<u8> {
    match c {
        Comp::None => tar.to_vec(),
        Comp::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(tar).unwrap();
            e.finish().unwrap()
        }
        Comp::Zstd => zstd::encode_all(tar, 1).unwrap(),
    }
}

/// A layer blob and the digest of its uncompressed tar.
#[derive(Clone)]
pub struct Blob {
    pub data: Vec<u8>,
    pub diff_id: String,
    pub comp: Comp,
}

impl Blob {
    pub fn new(tar: &[u8], comp: Comp) -> Blob {
        Blob {
            data: compress(tar, comp),
            diff_id: sha256(tar),
            comp,
        }
    }

    pub fn digest(&self) -> String {
        sha256(&self.data)
    }

    pub fn media_type(&self) -> &'static str {
        match self.comp {
            Comp::None => "application/vnd.oci.image.layer.v1.tar",
            Comp::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Comp::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// An image config with the given run settings.
pub fn config(layers: &[Blob], run: Value) -> Vec<u8> {
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.diff_id.as_str()).collect();
    serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": run,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": []
    }))
    .unwrap()
}

/// Files of an archive, in order.
pub type Files = Vec<(String, Vec<u8>)>;

/// `docker save` before Docker 25: `ID/layer.tar`, `HEX.json`, `manifest.json`.
pub fn docker_legacy(layers: &[Blob], config: &[u8], tag: &str) -> Files {
    let chex = hex(&sha256(config)).to_string();
    let mut files: Files = Vec::new();
    let mut paths = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let id = hex(&sha256(format!("layer{i}{}", l.diff_id).as_bytes())).to_string();
        files.push((format!("{id}/VERSION"), b"1.0".to_vec()));
        files.push((format!("{id}/json"), b"{}".to_vec()));
        files.push((format!("{id}/layer.tar"), l.data.clone()));
        paths.push(format!("{id}/layer.tar"));
    }
    files.push((format!("{chex}.json"), config.to_vec()));
    let manifest = json!([{"Config": format!("{chex}.json"), "RepoTags": [tag], "Layers": paths}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    files.push(("repositories".into(), b"{}".to_vec()));
    files
}

/// An OCI image manifest for these layers and config.
pub fn oci_manifest(layers: &[Blob], config: &[u8]) -> Vec<u8> {
    let ls: Vec<Value> = layers
        .iter()
        .map(|l| json!({"mediaType": l.media_type(), "digest": l.digest(), "size": l.data.len()}))
        .collect();
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": config.len()},
        "layers": ls
    }))
    .unwrap()
}

/// An OCI image layout: `oci-layout`, `index.json`, `blobs/sha256/…`; with
/// `docker_manifest`, also the `manifest.json` Docker 25's `docker save` adds.
pub fn oci_layout(layers: &[Blob], config: &[u8], tag: &str, docker_manifest: bool) -> Files {
    let manifest = oci_manifest(layers, config);
    let mut files: Files = Vec::new();
    for l in layers {
        files.push((format!("blobs/sha256/{}", hex(&l.digest())), l.data.clone()));
    }
    files.push((
        format!("blobs/sha256/{}", hex(&sha256(config))),
        config.to_vec(),
    ));
    files.push((
        format!("blobs/sha256/{}", hex(&sha256(&manifest))),
        manifest.clone(),
    ));
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(&manifest),
            "size": manifest.len(),
            "annotations": {"io.containerd.image.name": format!("docker.io/library/{tag}"),
                            "org.opencontainers.image.ref.name": tag.split(':').nth(1).unwrap_or("latest")},
            "platform": {"architecture": "amd64", "os": "linux"}
        }]
    });
    files.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    if docker_manifest {
        let paths: Vec<String> = layers
            .iter()
            .map(|l| format!("blobs/sha256/{}", hex(&l.digest())))
            .collect();
        let m = json!([{"Config": format!("blobs/sha256/{}", hex(&sha256(config))), "RepoTags": [tag], "Layers": paths}]);
        files.push(("manifest.json".into(), serde_json::to_vec(&m).unwrap()));
    }
    files
}

/// The files as an uncompressed tar archive.
pub fn archive(files: &Files) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    for (name, data) in files {
        if let Some((d, _)) = name.rsplit_once('/') {
            if dirs.insert(d.to_string()) {
                let mut h = header(tar::EntryType::Directory, 0o755, 0, 0, 0);
                b.append_data(&mut h, format!("{d}/"), &[][..]).unwrap();
            }
        }
        let mut h = header(tar::EntryType::Regular, 0o644, 0, 0, data.len() as u64);
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// The files written under `dir`.
pub fn write_dir(files: &Files, dir: &Path) {
    for (name, data) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
}

/// Replaces the data of one member.
pub fn replace(files: &mut Files, name_ends: &str, data: Vec<u8>) {
    let f = files
        .iter_mut()
        .find(|(n, _)| n.ends_with(name_ends))
        .unwrap();
    f.1 = data;
}

/// What one path of a real tree is, as a layer records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub kind: char,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub link: Option<String>,
    pub data: Option<Vec<u8>>,
    pub ino: (u64, u64),
    /// Device major and minor numbers.
    pub rdev: (u32, u32),
}

/// Every path under `root` (relative, sorted), with what a layer records of it.
pub fn scan(root: &Path) -> BTreeMap<String, Stat> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            let ft = m.file_type();
            let (kind, link, data) = if ft.is_symlink() {
                let l = std::fs::read_link(&p).unwrap();
                ('l', Some(l.to_str().unwrap().to_string()), None)
            } else if ft.is_dir() {
                stack.push(p.clone());
                ('d', None, None)
            } else if ft.is_file() {
                ('f', None, Some(std::fs::read(&p).unwrap()))
            } else if ft.is_fifo() {
                ('p', None, None)
            } else if ft.is_char_device() {
                ('c', None, None)
            } else if ft.is_block_device() {
                ('b', None, None)
            } else {
                ('o', None, None)
            };
            out.insert(
                rel,
                Stat {
                    kind,
                    mode: m.permissions().mode() & 0o7777,
                    uid: m.uid(),
                    gid: m.gid(),
                    link,
                    data,
                    ino: (m.dev(), m.ino()),
                    rdev: (
                        ((m.rdev() >> 8) & 0xfff) as u32,
                        ((m.rdev() & 0xff) | ((m.rdev() >> 12) & 0xfff00)) as u32,
                    ),
                },
            );
        }
    }
    out
}

/// Appends one path of a scanned tree to a layer; a file whose inode was already written
/// becomes a hard link to it.
fn append(
    b: &mut tar::Builder<Vec<u8>>,
    rel: &str,
    s: &Stat,
    seen: &mut HashMap<(u64, u64), String>,
) {
    match s.kind {
        'd' => {
            let mut h = header(
                tar::EntryType::Directory,
                s.mode,
                s.uid.into(),
                s.gid.into(),
                0,
            );
            b.append_data(&mut h, format!("{rel}/"), &[][..]).unwrap();
        }
        'l' => {
            let mut h = header(
                tar::EntryType::Symlink,
                0o777,
                s.uid.into(),
                s.gid.into(),
                0,
            );
            link(b, &mut h, rel, s.link.as_ref().unwrap());
        }
        'f' => {
            if let Some(first) = seen.get(&s.ino).filter(|f| f.as_str() != rel) {
                let mut h = header(tar::EntryType::Link, s.mode, s.uid.into(), s.gid.into(), 0);
                link(b, &mut h, rel, first);
                return;
            }
            seen.insert(s.ino, rel.to_string());
            let data = s.data.as_ref().unwrap();
            let mut h = header(
                tar::EntryType::Regular,
                s.mode,
                s.uid.into(),
                s.gid.into(),
                data.len() as u64,
            );
            b.append_data(&mut h, rel, &data[..]).unwrap();
        }
        'p' | 'c' | 'b' => {
            let kind = match s.kind {
                'p' => tar::EntryType::Fifo,
                'c' => tar::EntryType::Char,
                _ => tar::EntryType::Block,
            };
            let mut h = header(kind, s.mode, s.uid.into(), s.gid.into(), 0);
            h.set_device_major(s.rdev.0).unwrap();
            h.set_device_minor(s.rdev.1).unwrap();
            b.append_data(&mut h, rel, &[][..]).unwrap();
        }
        _ => {}
    }
}

fn root_entry(b: &mut tar::Builder<Vec<u8>>, root: &Path) {
    let m = std::fs::metadata(root).unwrap();
    let mut h = header(
        tar::EntryType::Directory,
        m.permissions().mode() & 0o7777,
        m.uid().into(),
        m.gid().into(),
        0,
    );
    b.append_data(&mut h, "./", &[][..]).unwrap();
}

/// The whole tree as one layer, parents before children.
pub fn pack(root: &Path) -> Vec<u8> {
    let tree = scan(root);
    let mut b = tar::Builder::new(Vec::new());
    root_entry(&mut b, root);
    let mut seen = HashMap::new();
    for (rel, s) in &tree {
        append(&mut b, rel, s, &mut seen);
    }
    b.into_inner().unwrap()
}

/// The layer that turns tree `before` into the tree at `after`, as a build step's diff:
/// changed and new paths, a whiteout per deleted path (not below another deleted one),
/// and for each directory in `opaque` an opaque marker with its whole new content.
pub fn diff(before: &BTreeMap<String, Stat>, after_root: &Path, opaque: &[&str]) -> Vec<u8> {
    let after = scan(after_root);
    let mut b = tar::Builder::new(Vec::new());
    root_entry(&mut b, after_root);
    let under = |p: &str, d: &str| p.starts_with(&format!("{d}/"));
    let mut seen = HashMap::new();
    // Inodes present in both trees are known to hard links by their old path.
    for (rel, s) in &after {
        if s.kind == 'f' {
            if let Some(old) = before.get(rel) {
                if old == s && !opaque.iter().any(|d| under(rel, d)) {
                    seen.entry(s.ino).or_insert_with(|| rel.clone());
                }
            }
        }
    }
    let mut deleted: Vec<&String> = Vec::new();
    for rel in before.keys() {
        if after.contains_key(rel) || opaque.iter().any(|d| under(rel, d)) {
            continue;
        }
        if deleted.iter().any(|d| under(rel, d)) {
            continue;
        }
        deleted.push(rel);
    }
    for rel in &deleted {
        let p = Path::new(rel.as_str());
        let name = p.file_name().unwrap().to_str().unwrap();
        let wh = match p
            .parent()
            .and_then(|d| d.to_str())
            .filter(|d| !d.is_empty())
        {
            Some(d) => format!("{d}/.wh.{name}"),
            None => format!(".wh.{name}"),
        };
        let mut h = header(tar::EntryType::Regular, 0o644, 0, 0, 0);
        b.append_data(&mut h, wh, &[][..]).unwrap();
    }
    for d in opaque {
        let mut h = header(tar::EntryType::Regular, 0o644, 0, 0, 0);
        b.append_data(&mut h, format!("{d}/.wh..wh..opq"), &[][..])
            .unwrap();
    }
    for (rel, s) in &after {
        let changed = match before.get(rel) {
            None => true,
            Some(old) => {
                old.kind != s.kind
                    || old.mode != s.mode
                    || old.uid != s.uid
                    || old.gid != s.gid
                    || old.link != s.link
                    || old.data != s.data
            }
        };
        let in_opaque = opaque.iter().any(|d| under(rel, d) || rel == d);
        if changed || in_opaque {
            append(&mut b, rel, s, &mut seen);
        }
    }
    b.into_inner().unwrap()
}
