//! Compose files: every service of `services:` with the settings that decide its launch
//! (`user`, `group_add`, `cap_add`/`cap_drop`, `privileged`, `read_only`, `ports`,
//! `volumes`, `tmpfs`, `working_dir`, `entrypoint`/`command`, `environment`/`env_file`,
//! `sysctls`, `security_opt`, `network_mode`), in the short and long syntaxes of the
//! Compose specification (compose-spec/compose-spec, spec.md). Merge keys (`<<: *x`) are
//! followed. A bad service is one error with its line; the other services are still read.
//! String forms of `command`/`entrypoint` are split as Compose does (shell-like words,
//! no shell).

use super::{at, At, ContainerSpec, MountSpec, SpecError, SpecKind, Volume};
use crate::yaml::{self, Kind, Node};

/// The services of the file, and the problems of those that could not be read.
pub fn read(file: &str, text: &str) -> (Vec<ContainerSpec>, Vec<SpecError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let err = |line, message: String| SpecError {
        file: file.into(),
        line: Some(line),
        message,
    };
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            errors.push(err(e.line, e.message));
            return (out, errors);
        }
    };
    let Some(doc) = docs.first() else {
        errors.push(SpecError {
            file: file.into(),
            line: None,
            message: "empty Compose file".into(),
        });
        return (out, errors);
    };
    let Some(services) = doc.get("services").filter(|s| s.is_map()) else {
        errors.push(err(doc.line, "no services: mapping".into()));
        return (out, errors);
    };
    for (name, svc) in services.entries() {
        match service(file, name, svc) {
            Ok(s) => out.push(s),
            Err((line, m)) => errors.push(err(line, format!("service {name}: {m}"))),
        }
    }
    (out, errors)
}

type Bad = (usize, String);

fn bad<T>(n: &Node, message: impl Into<String>) -> Result<T, Bad> {
    Err((n.line, message.into()))
}

fn text(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Scalar { text, .. } if !n.is_null() => Some(text.clone()),
        _ => None,
    }
}

/// A string or a list of strings.
fn strings(n: &Node) -> Result<Vec<String>, Bad> {
    match &n.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| text(i).map_or_else(|| bad(i, "expected a string"), Ok))
            .collect(),
        Kind::Scalar { .. } => Ok(text(n).into_iter().collect()),
        Kind::Map(_) => bad(n, "expected a string or a list"),
    }
}

/// A command as Compose takes it: a list as is, a string split into shell-like words.
fn command(n: &Node) -> Result<Vec<String>, Bad> {
    match &n.kind {
        Kind::Scalar { text, .. } => split_words(text).map_or_else(|m| bad(n, m), Ok),
        _ => strings(n),
    }
}

/// Shell-like word splitting (quotes and backslashes, no expansion).
pub fn split_words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => cur.push(x),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x) => cur.push(x),
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(x) => cur.push(x),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    cur.push(x);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// `KEY: value` mapping or `KEY=value` list.
fn pairs(n: &Node) -> Result<Vec<(String, String, usize)>, Bad> {
    match &n.kind {
        Kind::Map(_) => Ok(n
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_string(), text(v).unwrap_or_default(), v.line))
            .collect()),
        Kind::Seq(items) => {
            let mut out = Vec::new();
            for i in items {
                let t = text(i).map_or_else(|| bad(i, "expected KEY=VALUE"), Ok)?;
                let (k, v) = t.split_once('=').unwrap_or((t.as_str(), ""));
                out.push((k.to_string(), v.to_string(), i.line));
            }
            Ok(out)
        }
        Kind::Scalar { .. } if n.is_null() => Ok(Vec::new()),
        Kind::Scalar { .. } => bad(n, "expected a mapping or a list"),
    }
}

fn boolean(n: &Node, what: &str) -> Result<bool, Bad> {
    n.bool_yaml11()
        .or_else(|| match n.str() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        })
        .map_or_else(|| bad(n, format!("{what}: expected true or false")), Ok)
}

/// The container side of a port: `80`, `8080:80`, `127.0.0.1:8080:80/tcp`, `{target: 80}`.
fn port(n: &Node) -> Result<Option<u16>, Bad> {
    if n.is_map() {
        return match n.get("target") {
            Some(t) => match t.int_yaml12().and_then(|v| u16::try_from(v).ok()) {
                Some(p) => Ok(Some(p)),
                None => bad(t, "ports: target is not a port"),
            },
            None => bad(n, "ports: the long syntax needs a target"),
        };
    }
    let Some(t) = text(n) else {
        return bad(n, "ports: expected a string or a mapping");
    };
    let t = t.split('/').next().unwrap_or("");
    let container = t.rsplit(':').next().unwrap_or("");
    // A range (`8000-8010`) names several ports: its first one is enough to judge.
    let first = container.split('-').next().unwrap_or("");
    match first.parse::<u16>() {
        Ok(p) if p > 0 => Ok(Some(p)),
        _ => bad(n, format!("ports: {t:?} names no container port")),
    }
}

fn volume(file: &str, n: &Node) -> Result<MountSpec, Bad> {
    if n.is_map() {
        let target = n
            .get("target")
            .and_then(Node::str)
            .map_or_else(|| bad(n, "volumes: the long syntax needs a target"), Ok)?;
        let kind = n.get("type").and_then(Node::str).unwrap_or("volume");
        let source = n
            .get("source")
            .and_then(Node::str)
            .unwrap_or("")
            .to_string();
        let read_only = match n.get("read_only") {
            Some(r) => boolean(r, "read_only")?,
            None => false,
        };
        let volume = match kind {
            "bind" => Volume::HostPath(source),
            "tmpfs" => Volume::Tmpfs,
            _ => Volume::Other(source),
        };
        return Ok(MountSpec {
            target: target.to_string(),
            read_only,
            volume,
            at: at(file, n.line),
        });
    }
    let Some(t) = text(n) else {
        return bad(n, "volumes: expected a string or a mapping");
    };
    let parts: Vec<&str> = t.split(':').collect();
    let (source, target, opts) = match parts.as_slice() {
        [target] => ("", *target, ""),
        [s, target] => (*s, *target, ""),
        [s, target, o, ..] => (*s, *target, *o),
        [] => return bad(n, "volumes: empty"),
    };
    if !target.starts_with('/') {
        return bad(
            n,
            format!("volumes: {t:?}: the container path is not absolute"),
        );
    }
    let read_only = opts.split(',').any(|o| o == "ro");
    let volume = if source.starts_with(['/', '.', '~']) {
        Volume::HostPath(source.to_string())
    } else {
        Volume::Other(source.to_string())
    };
    Ok(MountSpec {
        target: target.to_string(),
        read_only,
        volume,
        at: at(file, n.line),
    })
}

fn service(file: &str, name: &str, n: &Node) -> Result<ContainerSpec, Bad> {
    if !n.is_map() {
        return bad(n, "a service must be a mapping");
    }
    let mut s = ContainerSpec::new(
        SpecKind::Compose,
        file,
        format!("service {name}"),
        name.to_string(),
    );
    let here = |n: &Node| at(file, n.line);
    s.image = n.get("image").and_then(text);
    if let Some(u) = n.get("user") {
        let v = text(u).map_or_else(|| bad(u, "user: expected a string"), Ok)?;
        s.user = Some(At {
            value: v,
            at: here(u),
        });
    }
    for (key, list) in [
        ("cap_add", &mut s.cap_add),
        ("cap_drop", &mut s.cap_drop),
        ("security_opt", &mut s.security_opt),
        ("group_add", &mut s.supplemental_groups),
        ("env_file", &mut s.env_files),
    ] {
        if let Some(v) = n.get(key) {
            let items: Vec<(String, usize)> = match &v.kind {
                Kind::Seq(items) => items
                    .iter()
                    .filter_map(|i| {
                        // env_file's long syntax: {path: …, required: …}.
                        text(i)
                            .or_else(|| i.get("path").and_then(text))
                            .map(|t| (t, i.line))
                    })
                    .collect(),
                _ => strings(v)?.into_iter().map(|t| (t, v.line)).collect(),
            };
            for (t, line) in items {
                list.push(At {
                    value: t,
                    at: at(file, line),
                });
            }
        }
    }
    if let Some(r) = n.get("read_only") {
        s.read_only_root = Some(At {
            value: boolean(r, "read_only")?,
            at: here(r),
        });
    }
    if let Some(r) = n.get("privileged") {
        s.privileged = Some(At {
            value: boolean(r, "privileged")?,
            at: here(r),
        });
    }
    if let Some(w) = n.get("working_dir").and_then(|w| text(w).map(|t| (t, w))) {
        s.working_dir = Some(At {
            value: w.0,
            at: here(w.1),
        });
    }
    if let Some(e) = n.get("entrypoint").filter(|e| !e.is_null()) {
        s.command = Some(At {
            value: command(e)?,
            at: here(e),
        });
    }
    if let Some(c) = n.get("command").filter(|c| !c.is_null()) {
        s.args = Some(At {
            value: command(c)?,
            at: here(c),
        });
    }
    if let Some(e) = n.get("environment") {
        for (k, v, line) in pairs(e)? {
            s.env.push((k, v, at(file, line)));
        }
    }
    if let Some(e) = n.get("sysctls") {
        for (k, v, line) in pairs(e)? {
            s.sysctls.push(At {
                value: (k, v),
                at: at(file, line),
            });
        }
    }
    for p in n.get("ports").map(Node::items).unwrap_or_default() {
        if let Some(v) = port(p)? {
            s.ports.push(At {
                value: v,
                at: here(p),
            });
        }
    }
    for v in n.get("volumes").map(Node::items).unwrap_or_default() {
        s.mounts.push(volume(file, v)?);
    }
    if let Some(t) = n.get("tmpfs") {
        for path in strings(t)? {
            s.mounts.push(MountSpec {
                target: path.split(':').next().unwrap_or("").to_string(),
                read_only: false,
                volume: Volume::Tmpfs,
                at: here(t),
            });
        }
    }
    if let Some(m) = n.get("network_mode") {
        s.host_network = Some(At {
            value: m.str() == Some("host"),
            at: here(m),
        });
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = r#"
x-common: &common
  read_only: true
  cap_drop: [ALL]
services:
  web:
    <<: *common
    image: app:1
    user: "app:app"
    cap_add:
      - NET_BIND_SERVICE
    ports:
      - "8080:80"
      - target: 443
    volumes:
      - ./conf:/etc/app:ro
      - data:/var/lib/app
    tmpfs: /tmp
    working_dir: /srv
    command: ["--addr", ":80"]
    entrypoint: /app --verbose "a b"
    environment:
      PORT: "80"
    sysctls:
      net.ipv4.ip_unprivileged_port_start: 0
  broken:
    ports: ["http"]
"#;

    #[test]
    fn a_service_in_both_syntaxes() {
        let (s, e) = read("compose.yaml", COMPOSE);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].to_string(),
            "compose.yaml:27: service broken: ports: \"http\" names no container port"
        );
        let w = &s[0];
        assert_eq!(w.user.as_ref().unwrap().value, "app:app");
        assert!(w.read_only_root.as_ref().unwrap().value);
        assert_eq!(w.cap_drop[0].value, "ALL");
        assert_eq!(w.cap_add[0].value, "NET_BIND_SERVICE");
        assert_eq!(
            w.ports.iter().map(|p| p.value).collect::<Vec<_>>(),
            [80, 443]
        );
        assert!(w.mounts[0].read_only);
        assert!(!w.mounts[1].read_only);
        assert_eq!(w.mounts[2].volume, Volume::Tmpfs);
        assert_eq!(
            w.command.as_ref().unwrap().value,
            ["/app", "--verbose", "a b"]
        );
        assert_eq!(w.sysctls[0].value.1, "0");
        assert_eq!(w.env[0].0, "PORT");
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split_words(r#"a 'b c' "d\"e" f\ g"#).unwrap(),
            ["a", "b c", "d\"e", "f g"]
        );
        assert!(split_words("'x").is_err());
    }
}
