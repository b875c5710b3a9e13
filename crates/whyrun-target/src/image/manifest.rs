//! The JSON documents of an image: `docker save`'s `manifest.json`, an OCI layout's
//! `index.json` with its nested indexes and manifests, and the image config. It picks one
//! image (by reference, by platform, or the only one), checks the digests of the small
//! blobs it reads, and turns the config into [`ImageConfig`]. It reads no layer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::archive::{normalize_member, Store, StoreError};
use super::error::{Problem, Short};
use super::layer::{digest_like, parse_digest, LayerRef};
use super::Limits;
use crate::model::ImageConfig;

/// Nested image indexes followed before giving up.
const MAX_INDEX_DEPTH: usize = 4;
/// Manifests an index may list, in total.
const MAX_DESCRIPTORS: usize = 4096;

/// Which image of an archive to read when it holds several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// A tag or name (`app:1.2`, `docker.io/library/app:1.2`) as `RepoTags` or the
    /// `org.opencontainers.image.ref.name` annotation give it.
    pub reference: Option<String>,
    /// `os/arch[/variant]` or `arch`: `linux/arm64/v8`, `amd64`.
    pub platform: Option<String>,
}

/// The image chosen: its config blob and its layers, bottom first.
#[derive(Debug)]
pub(crate) struct Chosen {
    pub config_member: String,
    pub config_digest: Option<String>,
    pub layers: Vec<LayerRef>,
    /// How the chosen image is named (a tag, a platform), for the user.
    pub name: Option<String>,
    /// Every image the archive offers, for the user.
    pub available: Vec<String>,
    /// Its place in `available`.
    pub index: usize,
    pub chosen_by: ChosenBy,
}

/// How the image read was chosen among those of its archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ChosenBy {
    /// The archive holds this one image.
    Only,
    /// The selector (`--platform`, a reference) named it.
    Selector,
    /// Several, none named: the platform whyrun itself is built for.
    Native,
    /// Several, none named, none for whyrun's platform: the first.
    First,
    /// Every image of the archive is read, this one among them.
    Each,
}

/// What the config says besides the run settings.
#[derive(Debug, Default)]
pub(crate) struct ConfigFacts {
    pub config: ImageConfig,
    pub os: Option<String>,
    pub diff_ids: Vec<String>,
}

fn json_error(file: &str, e: serde_json::Error) -> Problem {
    Problem::Json {
        file: file.to_string(),
        detail: e.to_string(),
    }
}

/// Reads a small JSON member whole, bounded.
fn read_json(store: &Store, member: &str, what: &str, limits: &Limits) -> Result<Vec<u8>, Problem> {
    match store.read_member(member, limits.max_json) {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_size)) => Err(Problem::Limit {
            what: what.to_string(),
            limit: limits.max_json,
            unit: "bytes",
        }),
        Err(StoreError::Missing) => Err(Problem::MissingBlob {
            what: what.to_string(),
        }),
        Err(StoreError::Io(e)) => Err(Problem::Io(e)),
    }
}

/// Reads a blob named by digest from `blobs/ALG/HEX`, checking the digest.
fn read_blob(
    store: &Store,
    digest: &str,
    what: &str,
    limits: &Limits,
    verify: bool,
) -> Result<Vec<u8>, Problem> {
    let member = blob_member(digest, what)?;
    let bytes = read_json(store, &member, what, limits)?;
    if verify {
        check_digest(digest, &bytes, what)?;
    }
    Ok(bytes)
}

fn check_digest(digest: &str, bytes: &[u8], what: &str) -> Result<(), Problem> {
    match digest_like(digest, bytes) {
        Some(actual) if actual != digest => Err(Problem::DigestMismatch {
            what: what.to_string(),
            actual,
        }),
        _ => Ok(()),
    }
}

/// The member of a blob in an OCI layout.
fn blob_member(digest: &str, what: &str) -> Result<String, Problem> {
    let (_, hex) = parse_digest(digest)
        .ok_or_else(|| Problem::Format(format!("{what} has an invalid digest {digest:?}")))?;
    let alg = digest.split(':').next().unwrap_or("sha256");
    Ok(format!("blobs/{alg}/{hex}"))
}

/// The digest a member's name gives it: `blobs/sha256/HEX` or `HEX.json`.
fn digest_of_member(member: &str) -> Option<String> {
    let mut parts = member.rsplit('/');
    let last = parts.next()?;
    if let Some(hex) = last.strip_suffix(".json") {
        let d = format!("sha256:{hex}");
        return parse_digest(&d).is_some().then_some(d);
    }
    let alg = parts.next()?;
    if parts.next()? != "blobs" {
        return None;
    }
    let d = format!("{alg}:{last}");
    parse_digest(&d).is_some().then_some(d)
}

#[derive(Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

#[derive(Deserialize, Clone, Default)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    #[serde(default)]
    variant: Option<String>,
}

impl Platform {
    fn name(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

#[derive(Deserialize, Clone)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    #[serde(default)]
    urls: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

/// Picks the image to read from the archive's top-level document.
pub(crate) fn choose(
    store: &Store,
    sel: &Selector,
    limits: &Limits,
    verify: bool,
) -> Result<Chosen, Problem> {
    let mut all = choose_some(store, sel, limits, verify, false)?;
    all.remove(0)
}

/// Every image of the archive when the selector names none (each marked
/// [`ChosenBy::Each`] when there are several), else the one it names. An image whose
/// manifest cannot be read is an error of its own; the others stand.
pub(crate) fn choose_each(
    store: &Store,
    sel: &Selector,
    limits: &Limits,
    verify: bool,
) -> Result<Vec<Result<Chosen, Problem>>, Problem> {
    choose_some(store, sel, limits, verify, true)
}

fn choose_some(
    store: &Store,
    sel: &Selector,
    limits: &Limits,
    verify: bool,
    each: bool,
) -> Result<Vec<Result<Chosen, Problem>>, Problem> {
    if store.contains("manifest.json") {
        return choose_docker(store, sel, limits, each);
    }
    if store.contains("index.json") {
        return choose_oci(store, sel, limits, verify, each);
    }
    Err(Problem::Format(
        "not a docker save archive or an OCI image layout (no manifest.json or index.json)".into(),
    ))
}

/// How the images in `pool` (positions among `count`) were chosen, and which are read.
fn picked(
    pool: Vec<usize>,
    count: usize,
    named: bool,
    native: Option<usize>,
    each: bool,
) -> Vec<(usize, ChosenBy)> {
    if count == 1 {
        return vec![(pool[0], ChosenBy::Only)];
    }
    if named {
        return vec![(pool[0], ChosenBy::Selector)];
    }
    if each {
        return pool.into_iter().map(|i| (i, ChosenBy::Each)).collect();
    }
    match native {
        Some(i) => vec![(i, ChosenBy::Native)],
        None => vec![(pool[0], ChosenBy::First)],
    }
}

fn choose_docker(
    store: &Store,
    sel: &Selector,
    limits: &Limits,
    each: bool,
) -> Result<Vec<Result<Chosen, Problem>>, Problem> {
    let bytes = read_json(store, "manifest.json", "manifest.json", limits)?;
    let entries: Vec<DockerEntry> =
        serde_json::from_slice(&bytes).map_err(|e| json_error("manifest.json", e))?;
    if entries.is_empty() {
        return Err(Problem::Format("manifest.json lists no image".into()));
    }
    let name_of = |e: &DockerEntry| -> String {
        e.repo_tags
            .as_ref()
            .and_then(|t| t.first().cloned())
            .unwrap_or_else(|| {
                Short(&digest_of_member(&e.config).unwrap_or_else(|| e.config.clone())).to_string()
            })
    };
    // manifest.json says no platform: each config does (read only when there are several).
    let platforms: Vec<Option<Platform>> = match entries.len() {
        1 => vec![None],
        _ => entries
            .iter()
            .map(|e| config_platform(store, &e.config, limits))
            .collect(),
    };
    // Named with their platforms when those tell them apart.
    let platform_name = |i: usize| platforms[i].as_ref().map(Platform::name);
    let differ = (1..entries.len()).any(|i| platform_name(i) != platform_name(0));
    let available: Vec<String> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| match platform_name(i).filter(|_| differ) {
            Some(p) => format!("{} ({p})", name_of(e)),
            None => name_of(e),
        })
        .collect();
    let mut pool: Vec<usize> = match &sel.reference {
        Some(r) => vec![entries
            .iter()
            .position(|e| {
                e.repo_tags
                    .iter()
                    .flatten()
                    .any(|t| reference_matches(t, r))
            })
            .ok_or_else(|| {
                Problem::Select(format!(
                    "no image tagged {r} (the archive holds {})",
                    available.join(", ")
                ))
            })?],
        None => (0..entries.len()).collect(),
    };
    if let Some(p) = &sel.platform {
        pool.retain(|&i| {
            platforms[i]
                .as_ref()
                .is_none_or(|cp| platform_matches(cp, p))
        });
        if pool.is_empty() {
            return Err(Problem::Select(format!(
                "no image for platform {p} (the archive holds {})",
                available.join(", ")
            )));
        }
    }
    let arch = oci_arch(std::env::consts::ARCH);
    let native = pool.iter().copied().find(|&i| {
        platforms[i]
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == arch)
    });
    let named = sel.reference.is_some() || sel.platform.is_some();
    let picks = picked(pool, entries.len(), named, native, each);
    Ok(picks
        .into_iter()
        .map(|(i, by)| docker_image(&entries[i], limits, &available, i, by))
        .collect())
}

fn docker_image(
    e: &DockerEntry,
    limits: &Limits,
    available: &[String],
    pick: usize,
    chosen_by: ChosenBy,
) -> Result<Chosen, Problem> {
    let config_member = normalize_member(&e.config).ok_or_else(|| {
        Problem::Format(format!(
            "manifest.json names a config outside the archive: {:?}",
            e.config
        ))
    })?;
    if e.layers.len() > limits.max_layers {
        return Err(Problem::Limit {
            what: "the image's layer count".into(),
            limit: limits.max_layers as u64,
            unit: "layers",
        });
    }
    let mut layers = Vec::with_capacity(e.layers.len());
    for l in &e.layers {
        let member = normalize_member(l).ok_or_else(|| {
            Problem::Format(format!(
                "manifest.json names a layer outside the archive: {l:?}"
            ))
        })?;
        layers.push(LayerRef {
            digest: digest_of_member(&member),
            member,
            diff_id: None,
            size: None,
            media_type: None,
        });
    }
    Ok(Chosen {
        config_digest: digest_of_member(&config_member),
        config_member,
        layers,
        name: Some(available[pick].clone()),
        available: available.to_vec(),
        index: pick,
        chosen_by,
    })
}

/// The platform an image's config states, when it can be read.
fn config_platform(store: &Store, member: &str, limits: &Limits) -> Option<Platform> {
    let member = normalize_member(member)?;
    let bytes = read_json(store, &member, "config", limits).ok()?;
    let c: ConfigFile = serde_json::from_slice(&bytes).ok()?;
    Some(Platform {
        architecture: c.architecture.filter(|a| !a.is_empty())?,
        os: c.os.unwrap_or_else(|| "linux".into()),
        variant: c.variant.filter(|v| !v.is_empty()),
    })
}

/// A manifest reachable from `index.json`.
struct Candidate {
    descriptor: Descriptor,
    platform: Option<Platform>,
    reference: Option<String>,
}

fn choose_oci(
    store: &Store,
    sel: &Selector,
    limits: &Limits,
    verify: bool,
    each: bool,
) -> Result<Vec<Result<Chosen, Problem>>, Problem> {
    let bytes = read_json(store, "index.json", "index.json", limits)?;
    let index: Document =
        serde_json::from_slice(&bytes).map_err(|e| json_error("index.json", e))?;
    let mut candidates = Vec::new();
    collect(
        store,
        "index.json",
        index,
        None,
        0,
        &mut candidates,
        limits,
        verify,
    )?;
    candidates.retain(|c| !is_attestation(c));
    if candidates.is_empty() {
        return Err(Problem::Format("index.json lists no image manifest".into()));
    }
    let name_of = |c: &Candidate| -> String {
        match (&c.reference, &c.platform) {
            (Some(r), Some(p)) => format!("{r} ({})", p.name()),
            (Some(r), None) => r.clone(),
            (None, Some(p)) => p.name(),
            (None, None) => Short(&c.descriptor.digest).to_string(),
        }
    };
    let available: Vec<String> = candidates.iter().map(name_of).collect();
    let mut pool: Vec<usize> = (0..candidates.len()).collect();
    if let Some(r) = &sel.reference {
        pool.retain(|&i| {
            candidates[i]
                .reference
                .as_deref()
                .is_some_and(|n| reference_matches(n, r))
        });
        if pool.is_empty() {
            return Err(Problem::Select(format!(
                "no image named {r} (the archive holds {})",
                available.join(", ")
            )));
        }
    }
    if let Some(p) = &sel.platform {
        // A manifest that does not say its platform is kept: its config says it later.
        pool.retain(|&i| match &candidates[i].platform {
            Some(cp) => platform_matches(cp, p),
            None => true,
        });
        if pool.is_empty() {
            return Err(Problem::Select(format!(
                "no image for platform {p} (the archive holds {})",
                available.join(", ")
            )));
        }
    }
    // Several platforms and none asked for: the one whyrun itself is built for (a
    // property of this program, not a probe of the machine), else the first.
    let arch = oci_arch(std::env::consts::ARCH);
    let native = pool.iter().copied().find(|&i| {
        candidates[i]
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "linux" && p.architecture == arch)
    });
    let named = sel.reference.is_some() || sel.platform.is_some();
    let picks = picked(pool, candidates.len(), named, native, each);
    Ok(picks
        .into_iter()
        .map(|(i, by)| oci_image(store, &candidates[i], limits, verify, &available, i, by))
        .collect())
}

fn oci_image(
    store: &Store,
    c: &Candidate,
    limits: &Limits,
    verify: bool,
    available: &[String],
    pick: usize,
    chosen_by: ChosenBy,
) -> Result<Chosen, Problem> {
    let what = format!("manifest {}", Short(&c.descriptor.digest));
    let bytes = read_blob(store, &c.descriptor.digest, &what, limits, verify)?;
    let m: Document = serde_json::from_slice(&bytes).map_err(|e| json_error(&what, e))?;
    let config = m
        .config
        .ok_or_else(|| Problem::Format(format!("{what} has no config")))?;
    let config_member = blob_member(&config.digest, &format!("{what}'s config"))?;
    let layer_ds = m.layers.unwrap_or_default();
    if layer_ds.len() > limits.max_layers {
        return Err(Problem::Limit {
            what: "the image's layer count".into(),
            limit: limits.max_layers as u64,
            unit: "layers",
        });
    }
    let mut layers = Vec::with_capacity(layer_ds.len());
    for (i, d) in layer_ds.into_iter().enumerate() {
        let member = blob_member(&d.digest, &format!("layer {}", i + 1))?;
        if d.urls.as_ref().is_some_and(|u| !u.is_empty()) && !store.contains(&member) {
            return Err(Problem::MissingBlob {
                what: format!(
                    "layer {} ({}), a foreign layer to be fetched from {},",
                    i + 1,
                    Short(&d.digest),
                    d.urls
                        .as_ref()
                        .and_then(|u| u.first())
                        .map_or("", String::as_str)
                ),
            });
        }
        layers.push(LayerRef {
            member,
            digest: Some(d.digest),
            diff_id: None,
            size: d.size,
            media_type: d.media_type,
        });
    }
    Ok(Chosen {
        config_member,
        config_digest: Some(config.digest),
        layers,
        name: Some(available[pick].clone()),
        available: available.to_vec(),
        index: pick,
        chosen_by,
    })
}

#[allow(clippy::too_many_arguments)]
fn collect(
    store: &Store,
    from: &str,
    doc: Document,
    reference: Option<String>,
    depth: usize,
    out: &mut Vec<Candidate>,
    limits: &Limits,
    verify: bool,
) -> Result<(), Problem> {
    let Some(manifests) = doc.manifests else {
        return Err(Problem::Format(format!("{from} lists no manifests")));
    };
    for d in manifests {
        if out.len() >= MAX_DESCRIPTORS {
            return Err(Problem::Limit {
                what: "the manifests an index lists".into(),
                limit: MAX_DESCRIPTORS as u64,
                unit: "manifests",
            });
        }
        let r = d
            .annotations
            .as_ref()
            .and_then(|a| {
                a.get("io.containerd.image.name")
                    .or_else(|| a.get("org.opencontainers.image.ref.name"))
            })
            .cloned()
            .or_else(|| reference.clone());
        let mt = d.media_type.as_deref().unwrap_or("");
        let nested = mt.contains("image.index") || mt.contains("manifest.list");
        if nested {
            if depth >= MAX_INDEX_DEPTH {
                return Err(Problem::Format(format!(
                    "image indexes nested more than {MAX_INDEX_DEPTH} deep"
                )));
            }
            let what = format!("index {}", Short(&d.digest));
            let bytes = read_blob(store, &d.digest, &what, limits, verify)?;
            let inner: Document =
                serde_json::from_slice(&bytes).map_err(|e| json_error(&what, e))?;
            collect(store, &what, inner, r, depth + 1, out, limits, verify)?;
        } else {
            out.push(Candidate {
                platform: d.platform.clone(),
                descriptor: d,
                reference: r,
            });
        }
    }
    Ok(())
}

fn is_attestation(c: &Candidate) -> bool {
    let by_annotation = c
        .descriptor
        .annotations
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    let unknown = c
        .platform
        .as_ref()
        .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
    by_annotation || unknown
}

fn reference_matches(name: &str, wanted: &str) -> bool {
    name == wanted
        || name.ends_with(&format!("/{wanted}"))
        || name.strip_prefix("docker.io/library/") == Some(wanted)
}

fn platform_matches(p: &Platform, wanted: &str) -> bool {
    let parts: Vec<&str> = wanted.split('/').collect();
    match parts.as_slice() {
        [arch] => p.architecture == oci_arch(arch),
        [os, arch] => p.os == *os && p.architecture == oci_arch(arch),
        [os, arch, variant] => {
            p.os == *os
                && p.architecture == oci_arch(arch)
                && p.variant.as_deref() == Some(*variant)
        }
        _ => false,
    }
}

/// OCI's name for an architecture named the Rust or uname way.
fn oci_arch(a: &str) -> &str {
    match a {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" | "i386" | "i686" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// A command list as Docker reads it: null, a string (one element) or an array.
fn strslice<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum S {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<S>::deserialize(d)? {
        None => Vec::new(),
        Some(S::One(s)) => vec![s],
        Some(S::Many(v)) => v,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RunConfig {
    #[serde(rename = "Entrypoint", deserialize_with = "strslice")]
    entrypoint: Vec<String>,
    #[serde(rename = "Cmd", deserialize_with = "strslice")]
    cmd: Vec<String>,
    #[serde(rename = "User")]
    user: Option<String>,
    #[serde(rename = "Env")]
    env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    working_dir: Option<String>,
    #[serde(rename = "ExposedPorts")]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RootFs {
    diff_ids: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfigFile {
    architecture: Option<String>,
    variant: Option<String>,
    os: Option<String>,
    config: Option<RunConfig>,
    rootfs: Option<RootFs>,
}

/// Reads and checks the config blob and turns it into the model's [`ImageConfig`].
pub(crate) fn read_config(
    store: &Store,
    chosen: &Chosen,
    limits: &Limits,
    verify: bool,
) -> Result<ConfigFacts, Problem> {
    let what = match &chosen.config_digest {
        Some(d) => format!("config {}", Short(d)),
        None => format!("config {}", chosen.config_member),
    };
    let bytes = read_json(store, &chosen.config_member, &what, limits)?;
    if verify {
        if let Some(d) = &chosen.config_digest {
            check_digest(d, &bytes, &what)?;
        }
    }
    let c: ConfigFile = serde_json::from_slice(&bytes).map_err(|e| json_error(&what, e))?;
    let run = c.config.unwrap_or_default();
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let config = ImageConfig {
        entrypoint: run.entrypoint,
        cmd: run.cmd,
        user: nonempty(run.user),
        env: run.env.unwrap_or_default(),
        working_dir: nonempty(run.working_dir),
        exposed_ports: run.exposed_ports.unwrap_or_default().into_keys().collect(),
        architecture: nonempty(c.architecture),
        variant: nonempty(c.variant),
    };
    let diff_ids = c.rootfs.unwrap_or_default().diff_ids;
    for d in &diff_ids {
        if parse_digest(d).is_none() {
            return Err(Problem::Format(format!(
                "{what} lists an invalid layer digest {d:?}"
            )));
        }
    }
    Ok(ConfigFacts {
        config,
        os: nonempty(c.os),
        diff_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_give_digests() {
        let hex = "ab".repeat(32);
        assert_eq!(
            digest_of_member(&format!("blobs/sha256/{hex}")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(
            digest_of_member(&format!("{hex}.json")),
            Some(format!("sha256:{hex}"))
        );
        assert_eq!(digest_of_member("abc/layer.tar"), None);
        assert_eq!(digest_of_member("x/sha256/abc"), None);
    }

    #[test]
    fn references_and_platforms_match() {
        assert!(reference_matches("docker.io/library/app:1", "app:1"));
        assert!(reference_matches(
            "registry.example/team/app:1",
            "team/app:1"
        ));
        assert!(!reference_matches("app:10", "app:1"));
        let p = Platform {
            architecture: "arm64".into(),
            os: "linux".into(),
            variant: Some("v8".into()),
        };
        assert!(platform_matches(&p, "linux/arm64/v8"));
        assert!(platform_matches(&p, "aarch64"));
        assert!(!platform_matches(&p, "linux/amd64"));
    }

    #[test]
    fn commands_accept_the_shapes_docker_does() {
        let c: RunConfig =
            serde_json::from_str(r#"{"Entrypoint":null,"Cmd":"/bin/sh","Env":["A=1"]}"#).unwrap();
        assert!(c.entrypoint.is_empty());
        assert_eq!(c.cmd, ["/bin/sh"]);
    }
}
