//! AppArmor, checked against the tools of the real thing (Debian's `apparmor` package; no
//! AppArmor kernel enforces here, so what whyrun concludes is evidence from the profile,
//! as its output says): each test profile, written over Debian's own abstractions and
//! tunables, must be one `apparmor_parser -Q -K` accepts; the network and capability
//! rules whyrun finds in it (includes followed, variables expanded) must be those of
//! `apparmor_parser -p`'s expansion; and `whyrun check --unit` must say what the profile
//! means for a server: no TCP socket without a `network inet stream` rule, no port below
//! 1024 without `capability net_bind_service`, nothing in complain mode. Needs the
//! apparmor package (`scripts/install-deps.sh`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::fixtures;

/// A root with Debian's AppArmor abstractions and tunables, a service user, the program
/// at /usr/local/bin/app, a unit running it with `exec_args`, and `profile` as
/// /etc/apparmor.d/app.
fn root(profile: &str, service: &str) -> tempfile::TempDir {
    assert!(
        Path::new("/etc/apparmor.d/abstractions/base").is_file(),
        "/etc/apparmor.d/abstractions is missing: run `bash scripts/install-deps.sh` (apparmor)"
    );
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let aa = r.join("etc/apparmor.d");
    std::fs::create_dir_all(&aa).unwrap();
    for d in ["abi", "abstractions", "tunables"] {
        let st = Command::new("cp")
            .args(["-r", &format!("/etc/apparmor.d/{d}")])
            .arg(&aa)
            .status()
            .unwrap();
        assert!(st.success());
    }
    std::fs::write(aa.join("app"), profile).unwrap();
    for d in ["etc/systemd/system", "usr/local/bin"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(
        r.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/usr/sbin/nologin\n",
    )
    .unwrap();
    std::fs::write(r.join("etc/group"), "root:x:0:\napp:x:1000:\n").unwrap();
    std::fs::copy(fixtures::small("go124-hello"), r.join("usr/local/bin/app")).unwrap();
    std::fs::write(
        r.join("etc/systemd/system/app.service"),
        format!("[Service]\n{service}\n"),
    )
    .unwrap();
    t
}

const HEAD: &str = "abi <abi/3.0>,\ninclude <tunables/global>\n";

/// The network and capability rules of `apparmor_parser -p`'s expansion, normalized.
fn parser_rules(root: &Path) -> BTreeSet<String> {
    let base = root.join("etc/apparmor.d");
    let check = Command::new("apparmor_parser")
        .args(["-Q", "-K", "--base"])
        .arg(&base)
        .arg(base.join("app"))
        .output()
        .expect("apparmor_parser is missing: run `bash scripts/install-deps.sh` (apparmor)");
    assert!(
        check.status.success(),
        "apparmor_parser refuses the profile: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = Command::new("apparmor_parser")
        .args(["-p", "--base"])
        .arg(&base)
        .arg(base.join("app"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|l| {
            let w = l.trim_start_matches("deny ").trim_start_matches("audit ");
            w.starts_with("network") || w.starts_with("capability")
        })
        .collect()
}

/// The same rules as whyrun reads them.
fn whyrun_rules(root: &Path) -> BTreeSet<String> {
    let view = whyrun_target::fs::RootDirView::new(root).unwrap();
    let p = whyrun_target::apparmor::profile_for(&view, "/usr/local/bin/app", None)
        .expect("whyrun finds no profile for /usr/local/bin/app");
    let mut out = BTreeSet::new();
    for n in &p.network {
        let mut w = vec![];
        if n.deny {
            w.push("deny".to_string());
        }
        w.push("network".into());
        w.extend(n.family.clone());
        w.extend(n.kind.clone());
        out.insert(format!("{},", w.join(" ")));
    }
    for c in &p.capabilities {
        let mut w = vec![];
        if c.deny {
            w.push("deny".to_string());
        }
        w.push("capability".into());
        w.extend(c.caps.clone());
        out.insert(format!("{},", w.join(" ")));
    }
    out
}

/// (name, profile body, unit, whyrun's top error code or None)
const CASES: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "base-only",
        "profile app /usr/local/bin/app {\n  include <abstractions/base>\n  /usr/local/bin/app mr,\n}\n",
        "User=app\nExecStart=/usr/local/bin/app --addr :8080",
        Some("LAUNCH012"),
    ),
    (
        "nameservice",
        "profile app /usr/local/bin/app {\n  include <abstractions/base>\n  include <abstractions/nameservice>\n  /usr/local/bin/app mr,\n}\n",
        "User=app\nExecStart=/usr/local/bin/app --addr :8080",
        None,
    ),
    (
        "inet-denied",
        "profile app /usr/local/bin/app {\n  include <abstractions/base>\n  include <abstractions/nameservice>\n  deny network inet,\n  deny network inet6,\n}\n",
        "User=app\nExecStart=/usr/local/bin/app --addr :8080",
        Some("LAUNCH012"),
    ),
    (
        "root-port-80-without-capability",
        "/usr/local/bin/app {\n  include <abstractions/base>\n  network inet stream,\n}\n",
        "ExecStart=/usr/local/bin/app --addr :80",
        Some("LAUNCH012"),
    ),
    (
        "root-port-80-with-capability",
        "/usr/local/bin/app {\n  include <abstractions/base>\n  network inet stream,\n  capability net_bind_service,\n}\n",
        "ExecStart=/usr/local/bin/app --addr :80",
        None,
    ),
    (
        "complain",
        "profile app /usr/local/bin/app flags=(complain) {\n  include <abstractions/base>\n}\n",
        "User=app\nExecStart=/usr/local/bin/app --addr :8080",
        None,
    ),
    (
        "glob-attachment",
        "@{apps}=/usr/local/bin\nprofile app @{apps}/{app,appd} {\n  include <abstractions/base>\n}\n",
        "User=app\nExecStart=/usr/local/bin/app --addr :8080",
        Some("LAUNCH012"),
    ),
];

#[test]
fn profiles_read_as_apparmor_parser_reads_them() {
    for (name, body, service, top) in CASES {
        let t = root(&format!("{HEAD}{body}"), service);
        assert_eq!(
            whyrun_rules(t.path()),
            parser_rules(t.path()),
            "{name}: whyrun (left) and apparmor_parser -p (right)"
        );
        let (code, target) = fixtures::check_unit_json(t.path());
        let found = target["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["level"] == "error"))
            .map(|f| f["code"].as_str().unwrap_or("").to_string());
        assert_eq!(found.as_deref(), *top, "{name}: {target}");
        match top {
            Some(_) => {
                assert_eq!(code, 1, "{name}: {target}");
                assert!(
                    target["findings"][0]["evidence"]
                        .to_string()
                        .contains("not confirmed by a live AppArmor kernel"),
                    "{name}: {target}"
                );
            }
            None => assert_eq!(code, 0, "{name}: {target}"),
        }
    }
}
