//! GO002: a Go binary verifies certificates against the system roots and the target has no
//! CA certificates where crypto/x509 looks.

use whyrun_facts::go::Reach;
use whyrun_target::model::SourceKind;

use crate::context::CheckContext;
use crate::finding::{Finding, Severity};
use crate::fixes;
use crate::precedence::Stage;
use crate::rule::Family;
use crate::rules::go_runtime::{self, RuntimeFile};
use crate::subject::Subject;

crate::declare_rule! {
    /// ## What it finds
    /// A Go binary that loads the system's CA roots (`crypto/x509.loadSystemRoots` is
    /// linked, and the roots of `golang.org/x/crypto/x509roots/fallback` are not embedded)
    /// on a target with no CA bundle in any of the files Go reads
    /// (`/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/ca-bundle.crt`,
    /// `/etc/ssl/ca-bundle.pem`, `/etc/pki/tls/cacert.pem`,
    /// `/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`, `/etc/ssl/cert.pem`), no
    /// certificates in `/etc/ssl/certs` or `/etc/pki/tls/certs`, and neither `SSL_CERT_FILE`
    /// nor `SSL_CERT_DIR` set. Typical: a `FROM scratch` image.
    ///
    /// The severity follows who calls the code that reads the roots, from the binary's
    /// direct calls (`SystemCertPool`, the root loader, `tls.Dial`, `tls.Client`, the
    /// net/http client): it *fails at run time* when `main.main` reaches it through package
    /// `main`, or a dependency's `init` through its own package (the program meets it as it
    /// starts); it is a *risk* when a function of the main module reaches it (a handler or a
    /// command that fails when used), and when a client library that connects with TLS when
    /// configured to is linked (database and message-queue drivers, gRPC credentials,
    /// net/smtp); otherwise it is *info*: net/http links the TLS client and the root loader
    /// even into a program that only serves plain HTTP, and code reached only through
    /// interfaces or function values cannot be placed. On architectures whose calls are not
    /// decoded (other than x86-64 and arm64) the linked functions decide instead.
    ///
    /// ## Why it breaks
    /// With no file found, Go's root pool is empty without an error: `x509.SystemCertPool()`
    /// succeeds and the program starts. The first TLS connection then fails its certificate
    /// check with `tls: failed to verify certificate: x509: certificate signed by unknown
    /// authority`. (`x509: failed to load system roots and no roots provided` appears only
    /// when a bundle exists but cannot be read.)
    ///
    /// ## Example
    /// ```text
    /// GO002 risk  the system CA pool (x509.SystemCertPool) is empty in scratch when the code that calls it runs: no CA certificates where crypto/x509 looks
    ///   · crypto/x509.loadSystemRoots is linked and no fallback roots are embedded  [/usr/local/bin/ginapp]
    ///   · called by the program's own code (a handler or a command, say), so it fails when that code runs: example.com/ginapp/internal/selfcheck.Default.func2 → crypto/x509.SystemCertPool  [/usr/local/bin/ginapp]
    ///   · none of the CA bundles Go reads exists, and no certificate directory has certificates  [/etc/ssl/certs]
    ///   · SSL_CERT_FILE and SSL_CERT_DIR are not set  [environment]
    ///   · verification stops with "x509: certificate signed by unknown authority"  [/usr/local/bin/ginapp]
    ///   fix Copy a CA bundle into the image from the build stage, or start from gcr.io/distroless/static-debian12, which has one; or embed Mozilla's roots as a fallback: import golang.org/x/crypto/x509roots/fallback and rebuild
    ///       COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
    ///       FROM gcr.io/distroless/static-debian12
    ///       import _ "golang.org/x/crypto/x509roots/fallback"
    ///       CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 go build -o ginapp example.com/ginapp/cmd/ginapp
    /// ```
    ///
    /// ## Fix
    /// Put a CA bundle where Go looks: on Alpine `apk add ca-certificates`, on Debian or
    /// Ubuntu `apt-get install ca-certificates`; in a scratch image copy it from the build
    /// stage (`COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/`) or
    /// start from `gcr.io/distroless/static-debian12`, which has it. Or embed Mozilla's roots
    /// as a fallback (Go 1.20+): `import _ "golang.org/x/crypto/x509roots/fallback"` and
    /// rebuild. Or point `SSL_CERT_FILE` at a bundle the target has.
    ///
    /// ## References
    /// - Go `src/crypto/x509/root_linux.go` (the files and directories), `root_unix.go`
    ///   (`SSL_CERT_FILE`, `SSL_CERT_DIR`; no file found gives an empty pool, no error),
    ///   `verify.go` (`UnknownAuthorityError`, `SystemRootsError`).
    /// - `golang.org/x/crypto/x509roots/fallback` and `x509.SetFallbackRoots` (Go 1.20).
    /// - Seen here: a CGO_ENABLED=0 Go 1.24 binary in an empty root, `tls.Dial` to a public
    ///   HTTPS server: `tls: failed to verify certificate: x509: certificate signed by
    ///   unknown authority`; `x509.SystemCertPool()` returned a pool and no error.
    pub struct NoCaCertificates {
        code: "GO002",
        name: "no-ca-certificates",
        family: Family::Go,
        subject: Subject::BinaryOnTarget,
        severity: Severity::FailsAtRuntime,
        stage: Stage::RunTime,
        summary: "The binary verifies TLS certificates against system roots the target lacks",
    }
}

/// Linked functions that dial TLS and verify the server against the system roots, with
/// what they are in the user's terms.
const DIALERS: &[(&str, &str)] = &[
    ("crypto/tls.dial", "tls.Dial or a tls.Dialer"),
    ("crypto/tls.DialWithDialer", "tls.DialWithDialer"),
    (
        "net/http.(*Transport).dialConn",
        "the net/http client (https:// URLs)",
    ),
    (
        "golang.org/x/net/http2.(*Transport).dialTLS",
        "the golang.org/x/net/http2 client",
    ),
];

/// Packages that open TLS connections verified against the system roots when configured
/// to (a URL, a DSN or credentials option), through `tls.Client` in their own code.
const TLS_CLIENT_PACKAGES: &[&str] = &[
    "google.golang.org/grpc/credentials",
    "github.com/jackc/pgx/v5/pgconn",
    "github.com/jackc/pgx/v4",
    "github.com/jackc/pgconn",
    "github.com/lib/pq",
    "github.com/go-sql-driver/mysql",
    "go.mongodb.org/mongo-driver/x/mongo/driver/topology",
    "go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology",
    "github.com/redis/go-redis/v9",
    "github.com/go-redis/redis/v8",
    "github.com/segmentio/kafka-go",
    "github.com/IBM/sarama",
    "github.com/Shopify/sarama",
    "github.com/nats-io/nats.go",
    "github.com/go-ldap/ldap/v3",
    "net/smtp",
];

impl NoCaCertificates {
    pub fn run(ctx: &CheckContext<'_>) -> Vec<Finding> {
        let facts = ctx.facts();
        let Some(symtab) = facts.go.as_ref().and_then(|g| g.symtab.as_ref()) else {
            return Vec::new();
        };
        let Some(x509) = &symtab.needs.x509 else {
            return Vec::new();
        };
        if !x509.system_roots || x509.fallback_roots_embedded {
            return Vec::new();
        }
        let target = ctx.target;
        let env_cert_file = go_runtime::env(target, "SSL_CERT_FILE");
        let env_cert_dir = go_runtime::env(target, "SSL_CERT_DIR");
        if env_cert_file.is_some() || env_cert_dir.is_some() {
            return Vec::new();
        }
        if RuntimeFile::CaCertificates.present(target) {
            return Vec::new();
        }
        let known = go_runtime::knows(target, RuntimeFile::CaCertificates);

        let binary = ctx.binary.display_path.clone();
        let dialers: Vec<(&str, &str)> = DIALERS
            .iter()
            .copied()
            .filter(|(name, _)| x509.entry_points.iter().any(|e| e == name))
            .collect();
        let cert_pool = x509
            .entry_points
            .iter()
            .any(|e| e == "crypto/x509.SystemCertPool");
        let clients: Vec<&str> = TLS_CLIENT_PACKAGES
            .iter()
            .copied()
            .filter(|p| {
                symtab
                    .packages
                    .iter()
                    .any(|q| q == p || q.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
            })
            .collect();

        let (severity, message) = match &x509.reach {
            Some(reach) => {
                let mut severity = go_runtime::reach_severity(reach);
                if severity == Severity::Info && !clients.is_empty() {
                    severity = Severity::Risk;
                }
                (severity, reach_message(reach, severity, &target.name))
            }
            None if !dialers.is_empty() => (
                Severity::FailsAtRuntime,
                format!(
                    "TLS connections fail in {}: no CA certificates where crypto/x509 looks",
                    target.name
                ),
            ),
            None if cert_pool || !clients.is_empty() => (
                Severity::Risk,
                format!(
                    "certificates verified against the system roots fail in {}: no CA certificates where crypto/x509 looks",
                    target.name
                ),
            ),
            None => (
                Severity::Info,
                format!(
                    "crypto/x509's root loader is linked but nothing in the binary dials TLS; {} has no CA certificates",
                    target.name
                ),
            ),
        };
        // An info finding on a target that does not say is not worth a "cannot tell".
        if !known && severity == Severity::Info {
            return Vec::new();
        }
        let mut finding = Self::META.finding(message).severity(severity).evidence(
            "crypto/x509.loadSystemRoots is linked and no fallback roots are embedded",
            binary.clone(),
        );
        if let Some(reach) = &x509.reach {
            finding = finding.evidence(go_runtime::reach_evidence(reach), binary.clone());
        } else {
            for (name, what) in &dialers {
                finding = finding.evidence(format!("{name} is linked: {what}"), binary.clone());
            }
            if cert_pool {
                finding = finding.evidence(
                    "crypto/x509.SystemCertPool is linked: it returns an empty pool here, without an error",
                    binary.clone(),
                );
            }
        }
        if !clients.is_empty() {
            finding = finding.evidence(
                format!(
                    "linked client libraries that connect with TLS when configured to: {}",
                    clients.join(", ")
                ),
                binary.clone(),
            );
        }
        if x509.reach.is_none() && dialers.is_empty() && !cert_pool && clients.is_empty() {
            finding = finding.evidence(
                "no tls.Dial, net/http client or x509.SystemCertPool is linked: the loader comes with the TLS stack (net/http links it into plain HTTP servers too)",
                binary.clone(),
            );
        }
        finding = if known {
            finding.evidence(
                "none of the CA bundles Go reads exists, and no certificate directory has certificates",
                "/etc/ssl/certs",
            )
        } else {
            finding
                .evidence(
                    format!(
                        "the profile {} does not say whether it has CA certificates",
                        target.name
                    ),
                    "/etc/ssl/certs",
                )
                .undecided()
        };
        finding = finding.evidence("SSL_CERT_FILE and SSL_CERT_DIR are not set", "environment");
        if severity != Severity::Info {
            finding = finding.evidence(
                "verification stops with \"x509: certificate signed by unknown authority\"",
                binary.clone(),
            );
        }
        vec![fix(ctx, finding)]
    }
}

/// What fails, in the user's terms, from the function the chain ends at.
fn reach_message(reach: &Reach, severity: Severity, target: &str) -> String {
    let gateway = reach.chain.last().map_or("", String::as_str);
    let what = if gateway.starts_with("crypto/x509.") {
        "the system CA pool (x509.SystemCertPool) is empty"
    } else if gateway.starts_with("net/http.") || gateway.contains("/http2.") {
        "HTTPS requests fail"
    } else {
        "TLS connections fail"
    };
    match severity {
        Severity::FailsAtRuntime => {
            format!("{what} in {target} as the program starts: no CA certificates where crypto/x509 looks")
        }
        Severity::Risk => format!(
            "{what} in {target} when the code that calls it runs: no CA certificates where crypto/x509 looks"
        ),
        _ => format!(
            "crypto/x509's root loader is linked but the program's own code does not call it; {target} has no CA certificates"
        ),
    }
}

/// The bundle to copy into a target without one: Debian's, the first path Go reads.
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn fix(ctx: &CheckContext<'_>, finding: Finding) -> Finding {
    let target = ctx.target;
    let facts = ctx.facts();
    let mut commands = Vec::new();
    let mut change = None;
    let mut summary = match crate::distro::install_package(target, "ca-certificates") {
        Some(line) => {
            commands.push(line);
            format!("Install the CA bundle in {}", target.name)
        }
        None if target.source == SourceKind::Root => {
            commands.push(go_runtime::copy_into(target, CA_BUNDLE));
            format!("Copy a CA bundle {}", go_runtime::copy_from(target))
        }
        None => {
            commands.push(go_runtime::copy_into(target, CA_BUNDLE));
            commands.push(format!("FROM {}", go_runtime::STATIC_BASE_IMAGE));
            format!(
                "Copy a CA bundle {}, or start from {}, which has one",
                go_runtime::copy_from(target),
                go_runtime::STATIC_BASE_IMAGE
            )
        }
    };
    if go_runtime::release(facts).is_some_and(|r| r >= (1, 20)) {
        summary.push_str(
            "; or embed Mozilla's roots as a fallback: import golang.org/x/crypto/x509roots/fallback and rebuild",
        );
        commands.push("import _ \"golang.org/x/crypto/x509roots/fallback\"".into());
        if let Some(cmd) = fixes::go_rebuild(facts, &fixes::GoChange::new()) {
            commands.push(cmd);
            // The rebuild only takes the new import in: it changes no build setting.
            change = Some(fixes::GoChange::new());
        }
    }
    finding.fix(summary, commands).rebuild_if(change)
}

#[cfg(test)]
mod tests {
    use whyrun_facts::Facts;
    use whyrun_target::model::{OsRelease, SourceKind};

    use whyrun_facts::go::{Reach, Reached};

    use crate::finding::Severity;
    use crate::testing::*;
    use crate::Finding;

    fn go002(facts: &Facts, target: &whyrun_target::model::TargetModel) -> Option<Finding> {
        run(facts, target, &resolution(None))
            .into_iter()
            .find(|f| f.code == "GO002")
    }

    fn x509_mut(facts: &mut Facts) -> &mut whyrun_facts::go::X509Needs {
        facts
            .go
            .as_mut()
            .unwrap()
            .symtab
            .as_mut()
            .unwrap()
            .needs
            .x509
            .as_mut()
            .unwrap()
    }

    fn set_reach(facts: &mut Facts, how: Reached, chain: &[&str]) {
        x509_mut(facts).reach = Some(Reach {
            how,
            chain: chain.iter().map(|s| s.to_string()).collect(),
        });
    }

    /// Linked entry points, for a binary whose calls were not analysed (an architecture
    /// the call graph does not decode).
    fn set_entry_points(facts: &mut Facts, names: &[&str]) {
        let x509 = x509_mut(facts);
        x509.reach = None;
        x509.entry_points = names.iter().map(|s| s.to_string()).collect();
    }

    #[test]
    fn main_calls_system_cert_pool_at_start_up() {
        // go124-nethello's main.main calls x509.SystemCertPool (and links net/http without
        // its client).
        let facts = fixture("go124-nethello");
        let x509 = facts
            .go
            .as_ref()
            .unwrap()
            .symtab
            .as_ref()
            .unwrap()
            .needs
            .x509
            .clone()
            .unwrap();
        assert_eq!(x509.entry_points, ["crypto/x509.SystemCertPool"]);
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(
            f.message.contains("x509.SystemCertPool) is empty"),
            "{}",
            f.message
        );
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what
                == "called as the program starts: main.main → crypto/x509.SystemCertPool"));
        assert!(!f.undecided);
        let fix = f.fix.unwrap();
        assert!(fix.commands[0].starts_with("COPY --from=build /etc/ssl/certs/ca-certificates.crt"));
        assert!(fix
            .commands
            .iter()
            .any(|c| c.contains("x509roots/fallback")));
        assert!(fix
            .commands
            .iter()
            .any(|c| c.starts_with("CGO_ENABLED=0 ") && c.contains("go build")));
    }

    #[test]
    fn fails_when_the_binary_dials_tls() {
        let mut facts = fixture("go124-nethello");
        set_entry_points(&mut facts, &["net/http.(*Transport).dialConn"]);
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::FailsAtRuntime);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("net/http client")));
    }

    #[test]
    fn info_for_the_tls_stack_alone() {
        let mut facts = fixture("go124-nethello");
        set_entry_points(&mut facts, &[]);
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::Info);
    }

    #[test]
    fn risk_for_a_tls_client_library() {
        let mut facts = fixture("go124-nethello");
        set_entry_points(&mut facts, &[]);
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab
            .packages
            .push("github.com/jackc/pgx/v5/pgconn".into());
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::Risk);
        assert!(f
            .evidence
            .iter()
            .any(|e| e.what.contains("github.com/jackc/pgx/v5/pgconn")));
    }

    #[test]
    fn a_feature_of_the_main_module_is_a_risk() {
        let mut facts = fixture("go124-nethello");
        set_reach(
            &mut facts,
            Reached::Feature,
            &["example.com/app/api.fetch", "net/http.(*Client).do"],
        );
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::Risk);
        assert!(
            f.message
                .starts_with("HTTPS requests fail in scratch when the code"),
            "{}",
            f.message
        );
        assert!(f.evidence.iter().any(|e| e
            .what
            .ends_with("example.com/app/api.fetch → net/http.(*Client).do")));
    }

    #[test]
    fn linked_only_is_info_unless_a_tls_client_library_is_linked() {
        let mut facts = fixture("go124-nethello");
        set_reach(
            &mut facts,
            Reached::LinkedOnly,
            &["net/http.(*persistConn).addTLS", "crypto/tls.Client"],
        );
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::Info);
        assert!(f.evidence.iter().any(|e| e.what.contains(
            "nearest direct caller: net/http.(*persistConn).addTLS → crypto/tls.Client"
        )));
        // A database driver connects with TLS when its DSN asks: a risk.
        let symtab = facts.go.as_mut().unwrap().symtab.as_mut().unwrap();
        symtab.packages.push("github.com/lib/pq".into());
        let f = go002(&facts, &scratch()).expect("GO002");
        assert_eq!(f.severity, Severity::Risk);
    }

    #[test]
    fn the_package_manager_of_the_target() {
        let mut facts = fixture("go124-nethello");
        set_entry_points(&mut facts, &["crypto/tls.dial"]);
        let mut target = alpine();
        target.source = SourceKind::Image;
        target.os = Some(OsRelease {
            id: "alpine".into(),
            version_id: Some("3.19.1".into()),
            pretty_name: None,
        });
        target.runtime_files.ca_bundle = None;
        target.runtime_files.ca_dirs.clear();
        let f = go002(&facts, &target).expect("GO002");
        assert_eq!(
            f.fix.unwrap().commands[0],
            "RUN apk add --no-cache ca-certificates"
        );
    }

    #[test]
    fn undecided_for_a_profile_that_does_not_say() {
        let facts = fixture("go124-nethello");
        let mut target = debian12();
        target.runtime_files.ca_bundle = None;
        target.runtime_files.ca_dirs.clear();
        let f = go002(&facts, &target).expect("GO002");
        assert!(f.undecided);
    }

    #[test]
    fn silent_when_roots_are_there_or_not_needed() {
        let facts = fixture("go124-nethello");
        assert!(go002(&facts, &debian12()).is_none());
        let mut env = scratch();
        env.env
            .insert("SSL_CERT_FILE".into(), "/certs/ca.pem".into());
        assert!(go002(&facts, &env).is_none());
        let mut embedded = fixture("go124-nethello");
        let x509 = embedded
            .go
            .as_mut()
            .unwrap()
            .symtab
            .as_mut()
            .unwrap()
            .needs
            .x509
            .as_mut()
            .unwrap();
        x509.fallback_roots_embedded = true;
        assert!(go002(&embedded, &scratch()).is_none());
        assert!(go002(&fixture("go124-hello"), &scratch()).is_none());
    }
}
