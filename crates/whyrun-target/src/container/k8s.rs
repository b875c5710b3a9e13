//! Kubernetes manifests: every container of every Pod, Deployment, StatefulSet,
//! DaemonSet, ReplicaSet, Job and CronJob of a (multi-document) file, with the pod's
//! `securityContext` merged under the container's as kubelet does
//! (pkg/securitycontext/util.go, DetermineEffectiveSecurityContext: a container field set
//! wins, else the pod's). Integers are read as sigs.k8s.io/yaml does (YAML 1.1:
//! `defaultMode: 0400` is 256). A bad document is one error with its line; the others are
//! still read.

use super::{at, At, ContainerSpec, MountSpec, SpecError, SpecKind, Volume};
use crate::yaml::{self, Node};

/// The containers of the file, and the problems of the documents that could not be read.
pub fn read(file: &str, text: &str) -> (Vec<ContainerSpec>, Vec<SpecError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(e) => {
            errors.push(SpecError {
                file: file.into(),
                line: Some(e.line),
                message: e.message,
            });
            return (out, errors);
        }
    };
    for doc in &docs {
        if doc.is_null() {
            continue;
        }
        match read_doc(file, doc) {
            Ok(mut c) => out.append(&mut c),
            Err((line, message)) => errors.push(SpecError {
                file: file.into(),
                line: Some(line),
                message,
            }),
        }
    }
    (out, errors)
}

type Bad = (usize, String);

fn bad<T>(n: &Node, message: impl Into<String>) -> Result<T, Bad> {
    Err((n.line, message.into()))
}

fn read_doc(file: &str, doc: &Node) -> Result<Vec<ContainerSpec>, Bad> {
    if !doc.is_map() {
        return bad(doc, "a manifest document must be a mapping");
    }
    let kind = doc.get("kind").and_then(Node::str).unwrap_or("");
    if kind == "List" {
        let mut out = Vec::new();
        for item in doc.get("items").map(Node::items).unwrap_or_default() {
            out.extend(read_doc(file, item)?);
        }
        return Ok(out);
    }
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::str)
        .unwrap_or("")
        .to_string();
    let pod_spec = match kind {
        "Pod" => doc.get("spec"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => doc
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec")),
        "CronJob" => doc
            .get("spec")
            .and_then(|s| s.get("jobTemplate"))
            .and_then(|j| j.get("spec"))
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec")),
        _ => return Ok(Vec::new()),
    };
    let Some(pod) = pod_spec else {
        return bad(doc, format!("{kind} {name} has no pod spec"));
    };
    if !pod.is_map() {
        return bad(pod, "the pod spec must be a mapping");
    }
    let owner = format!("{kind} {name}");
    let mut out = Vec::new();
    for c in pod.get("containers").map(Node::items).unwrap_or_default() {
        out.push(container(file, &owner, pod, c)?);
    }
    Ok(out)
}

fn str_list(file: &str, n: &Node) -> Result<At<Vec<String>>, Bad> {
    if !n.is_seq() {
        return bad(n, "expected a list of strings");
    }
    let mut v = Vec::new();
    for i in n.items() {
        match &i.kind {
            yaml::Kind::Scalar { text, .. } => v.push(text.clone()),
            _ => return bad(i, "expected a string"),
        }
    }
    Ok(At {
        value: v,
        at: at(file, n.line),
    })
}

fn int(n: &Node, what: &str) -> Result<i64, Bad> {
    n.int_yaml11()
        .map_or_else(|| bad(n, format!("{what}: expected an integer")), Ok)
}

fn boolean(file: &str, n: &Node, what: &str) -> Result<At<bool>, Bad> {
    match n.bool_yaml11() {
        Some(b) => Ok(At {
            value: b,
            at: at(file, n.line),
        }),
        None => bad(n, format!("{what}: expected true or false")),
    }
}

fn mode(n: &Node, what: &str) -> Result<u32, Bad> {
    let v = int(n, what)?;
    if !(0..=0o777).contains(&v) {
        return bad(
            n,
            format!("{what}: {v} is not a file mode (0 to 0777, octal 0777 = 511)"),
        );
    }
    Ok(v as u32)
}

/// A field of the container's securityContext, else of the pod's.
fn sc<'a>(pod: &'a Node, c: &'a Node, key: &str) -> Option<&'a Node> {
    c.get("securityContext")
        .and_then(|s| s.get(key))
        .filter(|n| !n.is_null())
        .or_else(|| {
            pod.get("securityContext")
                .and_then(|s| s.get(key))
                .filter(|n| !n.is_null())
        })
}

fn container(file: &str, owner: &str, pod: &Node, c: &Node) -> Result<ContainerSpec, Bad> {
    if !c.is_map() {
        return bad(c, "a container must be a mapping");
    }
    let name = c.get("name").and_then(Node::str).unwrap_or("").to_string();
    let mut s = ContainerSpec::new(SpecKind::Kubernetes, file, owner.to_string(), name);
    s.image = c.get("image").and_then(Node::str).map(str::to_string);
    let here = |n: &Node| at(file, n.line);
    if let Some(n) = sc(pod, c, "runAsUser") {
        let v = int(n, "runAsUser")?;
        s.user = Some(At {
            value: v.to_string(),
            at: here(n),
        });
    }
    if let Some(n) = sc(pod, c, "runAsGroup") {
        let v = int(n, "runAsGroup")?;
        s.group = Some(At {
            value: v.to_string(),
            at: here(n),
        });
    }
    if let Some(n) = sc(pod, c, "runAsNonRoot") {
        s.run_as_non_root = Some(boolean(file, n, "runAsNonRoot")?);
    }
    let pod_sc = pod.get("securityContext");
    if let Some(n) = pod_sc.and_then(|p| p.get("fsGroup")) {
        let v = int(n, "fsGroup")?;
        s.fs_group = Some(At {
            value: u32::try_from(v).or_else(|_| bad(n, "fsGroup: out of range"))?,
            at: here(n),
        });
    }
    if let Some(n) = pod_sc.and_then(|p| p.get("supplementalGroups")) {
        for g in n.items() {
            s.supplemental_groups.push(At {
                value: int(g, "supplementalGroups")?.to_string(),
                at: here(g),
            });
        }
    }
    if let Some(n) = pod_sc.and_then(|p| p.get("sysctls")) {
        for i in n.items() {
            let k = i.get("name").and_then(Node::str).unwrap_or("");
            let v = i.get("value").and_then(Node::str).unwrap_or("");
            s.sysctls.push(At {
                value: (k.to_string(), v.to_string()),
                at: here(i),
            });
        }
    }
    let csc = c.get("securityContext");
    if let Some(n) = csc.and_then(|x| x.get("readOnlyRootFilesystem")) {
        s.read_only_root = Some(boolean(file, n, "readOnlyRootFilesystem")?);
    }
    if let Some(n) = csc.and_then(|x| x.get("allowPrivilegeEscalation")) {
        s.allow_privilege_escalation = Some(boolean(file, n, "allowPrivilegeEscalation")?);
    }
    if let Some(n) = csc.and_then(|x| x.get("privileged")) {
        s.privileged = Some(boolean(file, n, "privileged")?);
    }
    if let Some(caps) = csc.and_then(|x| x.get("capabilities")) {
        for (key, list) in [("add", &mut s.cap_add), ("drop", &mut s.cap_drop)] {
            for i in caps.get(key).map(Node::items).unwrap_or_default() {
                if let Some(v) = i.str() {
                    list.push(At {
                        value: v.to_string(),
                        at: here(i),
                    });
                }
            }
        }
    }
    if let Some(n) = sc(pod, c, "seccompProfile") {
        let t = n.get("type").and_then(Node::str).unwrap_or("");
        s.security_opt.push(At {
            value: format!("seccompProfile {t}"),
            at: here(n),
        });
    }
    if let Some(n) = pod.get("hostNetwork") {
        s.host_network = Some(boolean(file, n, "hostNetwork")?);
    }
    if let Some(n) = c.get("command").filter(|n| !n.is_null()) {
        s.command = Some(str_list(file, n)?);
    }
    if let Some(n) = c.get("args").filter(|n| !n.is_null()) {
        s.args = Some(str_list(file, n)?);
    }
    if let Some(n) = c.get("workingDir").and_then(Node::str) {
        s.working_dir = Some(At {
            value: n.to_string(),
            at: here(c.get("workingDir").unwrap_or(c)),
        });
    }
    for e in c.get("env").map(Node::items).unwrap_or_default() {
        let (Some(k), v) = (e.get("name").and_then(Node::str), e.get("value")) else {
            continue;
        };
        // A value from a ConfigMap or Secret (`valueFrom`) is not known here.
        if let Some(v) = v.and_then(Node::str) {
            s.env.push((k.to_string(), v.to_string(), here(e)));
        }
    }
    for p in c.get("ports").map(Node::items).unwrap_or_default() {
        if let Some(n) = p.get("containerPort") {
            let v = int(n, "containerPort")?;
            let port = u16::try_from(v)
                .ok()
                .filter(|p| *p > 0)
                .map_or_else(|| bad(n, format!("containerPort {v} is not a port")), Ok)?;
            s.ports.push(At {
                value: port,
                at: here(n),
            });
        }
    }
    let volumes = pod.get("volumes").map(Node::items).unwrap_or_default();
    for m in c.get("volumeMounts").map(Node::items).unwrap_or_default() {
        let vname = m.get("name").and_then(Node::str).unwrap_or("");
        let Some(target) = m.get("mountPath").and_then(Node::str) else {
            return bad(m, "a volumeMount needs a mountPath");
        };
        let read_only = match m.get("readOnly") {
            Some(n) => boolean(file, n, "readOnly")?.value,
            None => false,
        };
        let sub = m.get("subPath").and_then(Node::str);
        let Some(v) = volumes
            .iter()
            .find(|v| v.get("name").and_then(Node::str) == Some(vname))
        else {
            return bad(m, format!("volumeMount {vname}: no volume of that name"));
        };
        let volume = volume(v)?;
        let volume = match (volume, sub) {
            // A subPath of a ConfigMap is one file at the mount path itself.
            (
                Volume::Projected {
                    kind,
                    name,
                    default_mode,
                    items,
                },
                Some(sub),
            ) => Volume::Projected {
                kind,
                name,
                default_mode,
                items: vec![(
                    format!("@{sub}"),
                    items.iter().find(|(k, _)| k == sub).and_then(|(_, m)| *m),
                )],
            },
            (v, _) => v,
        };
        s.mounts.push(MountSpec {
            target: target.to_string(),
            read_only,
            volume,
            at: here(m),
        });
    }
    Ok(s)
}

fn volume(v: &Node) -> Result<Volume, Bad> {
    if v.get("emptyDir").is_some() {
        return Ok(Volume::EmptyDir);
    }
    for (key, kind, name_key) in [
        ("configMap", "configMap", "name"),
        ("secret", "secret", "secretName"),
    ] {
        if let Some(c) = v.get(key) {
            let default_mode = match c.get("defaultMode") {
                Some(n) => Some(mode(n, "defaultMode")?),
                None => None,
            };
            let mut items = Vec::new();
            for i in c.get("items").map(Node::items).unwrap_or_default() {
                let k = i.get("path").and_then(Node::str).unwrap_or("").to_string();
                let m = match i.get("mode") {
                    Some(n) => Some(mode(n, "mode")?),
                    None => None,
                };
                items.push((k, m));
            }
            return Ok(Volume::Projected {
                kind,
                name: c
                    .get(name_key)
                    .and_then(Node::str)
                    .unwrap_or("")
                    .to_string(),
                default_mode,
                items,
            });
        }
    }
    if let Some(h) = v.get("hostPath") {
        return Ok(Volume::HostPath(
            h.get("path").and_then(Node::str).unwrap_or("").to_string(),
        ));
    }
    let kind = v
        .entries()
        .into_iter()
        .map(|(k, _)| k)
        .find(|k| *k != "name")
        .unwrap_or("volume");
    Ok(Volume::Other(kind.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        runAsUser: 1000
        runAsNonRoot: true
        fsGroup: 2000
      volumes:
        - name: cfg
          configMap:
            name: app-config
            defaultMode: 0400
        - name: tmp
          emptyDir: {}
      containers:
        - name: app
          image: registry/app:1
          args: ["--addr", ":80"]
          securityContext:
            runAsUser: 0
            readOnlyRootFilesystem: true
            capabilities:
              add: [NET_BIND_SERVICE]
              drop: [ALL]
          ports:
            - containerPort: 80
          volumeMounts:
            - name: cfg
              mountPath: /etc/app
              readOnly: true
            - name: tmp
              mountPath: /tmp
---
apiVersion: v1
kind: Service
metadata: {name: web}
"#;

    #[test]
    fn a_deployment_with_pod_and_container_settings() {
        let (c, e) = read("k8s.yaml", DEPLOY);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(c.len(), 1);
        let c = &c[0];
        assert_eq!(c.owner, "Deployment web");
        // The container's runAsUser wins over the pod's.
        assert_eq!(c.user.as_ref().unwrap().value, "0");
        assert_eq!(c.user.as_ref().unwrap().at, "k8s.yaml:25");
        assert!(c.run_as_non_root.as_ref().unwrap().value);
        assert_eq!(c.fs_group.as_ref().unwrap().value, 2000);
        assert!(c.read_only_root.as_ref().unwrap().value);
        assert_eq!(c.cap_add[0].value, "NET_BIND_SERVICE");
        assert_eq!(c.cap_drop[0].value, "ALL");
        assert_eq!(c.ports[0].value, 80);
        assert_eq!(c.args.as_ref().unwrap().value, ["--addr", ":80"]);
        // YAML 1.1, as sigs.k8s.io/yaml: 0400 is octal.
        match &c.mounts[0].volume {
            Volume::Projected { default_mode, .. } => assert_eq!(*default_mode, Some(0o400)),
            v => panic!("{v:?}"),
        }
        assert!(c.mounts[0].read_only);
        assert_eq!(c.mounts[1].volume, Volume::EmptyDir);
    }

    #[test]
    fn a_bad_document_names_its_line_and_others_are_read() {
        let text = "kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n    - name: x\n      ports:\n        - containerPort: http\n---\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n    - name: y\n";
        let (c, e) = read("m.yaml", text);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "y");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, Some(7));
        assert_eq!(
            e[0].to_string(),
            "m.yaml:7: containerPort: expected an integer"
        );
    }

    #[test]
    fn a_cronjob_and_a_syntax_error() {
        let text = "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: j, image: x}]\n";
        let (c, e) = read("c.yaml", text);
        assert!(e.is_empty());
        assert_eq!(c[0].owner, "CronJob c");
        let (c, e) = read("b.yaml", "kind: Pod\nspec: [\n");
        assert!(c.is_empty());
        assert_eq!(e.len(), 1);
        assert!(e[0].line.is_some());
    }
}
