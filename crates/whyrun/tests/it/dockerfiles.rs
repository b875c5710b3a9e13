//! Dockerfiles against real builds: each case is a small Go project with a Dockerfile,
//! built with `buildah bud --network none` on the stand-in base images of
//! `fixtures/docker/build-bases.sh` and, when it builds, run with `podman run --network
//! none`. `whyrun check --dockerfile` must give the verdict the real build and run had,
//! with the top cause the case names, quoting the message the real build or run printed;
//! and each case must have the real outcome it was written for (so each rule is proven
//! both ways).
//!
//! The real outcome is cached in `~/.cache/whyrun/dockerfiles/KEY.json` by a hash of
//! everything that decides it (the recipe, the case's files, the base images' IDs, the
//! buildah and podman versions): a warm run builds nothing. Builds share one Go build
//! cache (`~/.cache/whyrun/dockerfiles/go-build`, mounted into `RUN`). The store is the
//! one of `containers.rs`, held with its lock.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::containers::{self, setup, tool};
use crate::fixtures;

const WHYRUN: &str = env!("CARGO_BIN_EXE_whyrun");
/// Bumped when the way a case is built or run changes.
const RECIPE: &str = "whyrun-dockerfiles/1";

const BASES: &[&str] = &[
    "docker.io/library/golang:1.22-bookworm",
    "docker.io/library/golang:1.22",
    "docker.io/library/golang:1.22-alpine",
    "docker.io/library/alpine:3.19",
    "docker.io/library/debian:12",
    "gcr.io/distroless/static-debian12",
];

const GOMOD: &str = "module example.com/app\n\ngo 1.22\n";
const HELLO: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {\n\t_ = http.DefaultServeMux\n\tfmt.Println(\"hello\")\n}\n";
const PLAIN: &str = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n";

/// What happened for real.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Real {
    /// `build` failed, `run` failed, or `ok`.
    outcome: String,
    output: String,
}

struct Case {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    dockerfile: &'static str,
    /// The real outcome it is written for: `build`, `run` or `ok`.
    expect: &'static str,
    /// whyrun's top cause (None for ok).
    code: Option<&'static str>,
    /// The message the real build or run printed, which whyrun must quote.
    says: &'static str,
}

fn module(main: &str) -> Vec<(&'static str, String)> {
    vec![("go.mod", GOMOD.into()), ("main.go", main.into())]
}

/// A program that verifies a public root certificate against the system roots (what
/// every HTTPS client does with the server's chain), offline.
fn verifier() -> Vec<(&'static str, String)> {
    let pem = std::fs::read_to_string("/etc/ssl/certs/ISRG_Root_X1.pem")
        .expect("/etc/ssl/certs/ISRG_Root_X1.pem (ca-certificates) is missing");
    let main = format!(
        "package main\n\nimport (\n\t\"crypto/x509\"\n\t\"encoding/pem\"\n\t\"fmt\"\n\t\"os\"\n\t\"time\"\n)\n\n\
         const root = `{pem}`\n\nfunc main() {{\n\tb, _ := pem.Decode([]byte(root))\n\tc, err := x509.ParseCertificate(b.Bytes)\n\t\
         if err != nil {{\n\t\tpanic(err)\n\t}}\n\tif _, err := c.Verify(x509.VerifyOptions{{CurrentTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}}); err != nil {{\n\t\t\
         fmt.Println(err)\n\t\tos.Exit(1)\n\t}}\n\tfmt.Println(\"verified\")\n}}\n"
    );
    module(&main)
}

/// A module whose dependency `example.org/greet` is in a vendor/ tree (the build is
/// offline); `greet_imports` is the dependency's import block.
fn vendored(greet_imports: &str, greet_body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire example.org/greet v1.0.0\n".into()),
        ("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.org/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n".into()),
        ("vendor/modules.txt", "# example.org/greet v1.0.0\n## explicit; go 1.22\nexample.org/greet\n".into()),
        ("vendor/example.org/greet/greet.go", format!("package greet\n\nimport (\n{greet_imports})\n\nfunc Hello() string {{\n{greet_body}}}\n")),
    ]
}

fn cases() -> Vec<Case> {
    let build_glibc =
        "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n";
    let build_static = "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\n";
    vec![
        Case {
            name: "cgo-into-alpine",
            files: module(HELLO),
            dockerfile: leak(format!("{build_glibc}FROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /app: no such file or directory",
        },
        Case {
            name: "cgo-into-scratch",
            files: module(HELLO),
            dockerfile: leak(format!("{build_glibc}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /app: no such file or directory",
        },
        Case {
            name: "cgo-into-debian",
            files: module(HELLO),
            dockerfile: leak(format!("{build_glibc}FROM debian:12\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "nocgo-into-alpine",
            files: module(HELLO),
            dockerfile: leak(format!("{build_static}FROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "nocgo-into-scratch",
            files: module(HELLO),
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "cgo-on-alpine-builder",
            files: module(HELLO),
            dockerfile: "FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /out/app .\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "build",
            code: Some("BUILD015"),
            says: "cgo: C compiler \"gcc\" not found: exec: \"gcc\": executable file not found in $PATH",
        },
        Case {
            name: "alpine-builder-default-cgo",
            files: module(HELLO),
            dockerfile: "FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "go-mod-too-new",
            files: vec![("go.mod", "module example.com/app\n\ngo 1.23\n".into()), ("main.go", PLAIN.into())],
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "build",
            code: Some("BUILD001"),
            says: "go: go.mod requires go >= 1.23 (running go 1.22",
        },
        Case {
            name: "replace-outside-context",
            files: vec![
                ("go.mod", "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n".into()),
                ("main.go", "package main\n\nimport \"example.com/lib\"\n\nfunc main() { lib.Hi() }\n".into()),
            ],
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "build",
            code: Some("BUILD007"),
            says: "reading /lib/go.mod: open /lib/go.mod: no such file or directory",
        },
        Case {
            name: "go-sum-missing",
            files: module(PLAIN),
            dockerfile: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "build",
            code: Some("BUILD016"),
            says: "copier: stat: \"/go.sum\": no such file or directory",
        },
        Case {
            name: "copy-from-missing-path",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/server /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "build",
            code: Some("BUILD016"),
            says: "copier: stat: \"/out/server\": no such file or directory",
        },
        Case {
            name: "entrypoint-not-copied",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/server\"]\n")),
            expect: "run",
            code: Some("FS003"),
            says: "stat /server: no such file or directory",
        },
        Case {
            name: "user-missing",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM alpine:3.19\nCOPY --from=build /out/app /app\nUSER appuser\nENTRYPOINT [\"/app\"]\n")),
            expect: "run",
            code: Some("LAUNCH013"),
            says: "unable to find user appuser: no matching entries in passwd file",
        },
        Case {
            name: "tls-verify-scratch-no-ca",
            files: verifier(),
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "run",
            code: Some("GO002"),
            says: "x509: certificate signed by unknown authority",
        },
        Case {
            name: "tls-verify-scratch-with-ca",
            files: verifier(),
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")),
            expect: "ok",
            code: None,
            says: "verified",
        },
        Case {
            name: "goarch-not-targetarch",
            files: module(PLAIN),
            dockerfile: "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 GOARCH=arm64 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "run",
            code: Some("ARCH001"),
            says: "exec format error",
        },
        Case {
            name: "goarch-follows-targetarch",
            files: module(PLAIN),
            dockerfile: "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "copy-globs",
            files: module(HELLO),
            dockerfile: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY go.mod ./\nCOPY *.go ./\nRUN go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /app: no such file or directory",
        },
        Case {
            name: "dockerignore-go-sum",
            files: vec![
                ("go.mod", GOMOD.into()),
                ("go.sum", String::new()),
                ("main.go", PLAIN.into()),
                (".dockerignore", "*.sum\n".into()),
            ],
            dockerfile: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "build",
            code: Some("BUILD016"),
            says: "copied (1 filtered out using ",
        },
        Case {
            name: "cmd-dir-internal-package",
            files: vec![
                ("go.mod", GOMOD.into()),
                ("cmd/server/main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/app/internal/web\"\n)\n\nfunc main() { web.Mux(); fmt.Println(\"hello\") }\n".into()),
                ("internal/web/web.go", "package web\n\nimport \"net/http\"\n\nfunc Mux() *http.ServeMux { return http.NewServeMux() }\n".into()),
            ],
            dockerfile: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/bin/server ./cmd/server\nFROM alpine:3.19\nCOPY --from=build /out/bin /usr/local/bin\nENTRYPOINT [\"server\"]\n",
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /usr/local/bin/server: no such file or directory",
        },
        Case {
            name: "user-created-in-final-stage",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM alpine:3.19\nRUN echo 'appuser:x:10001:10001::/home/appuser:/sbin/nologin' >> /etc/passwd\nCOPY --from=build /out/app /app\nUSER appuser\nENTRYPOINT [\"/app\"]\n")),
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "vendored-dependency-into-alpine",
            files: vendored("\t\"strings\"\n", "\treturn strings.ToLower(\"HELLO\")\n"),
            dockerfile: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "vendored-dependency-with-net-into-alpine",
            files: vendored("\t\"net/http\"\n", "\t_ = http.DefaultServeMux\n\treturn \"hello\"\n"),
            dockerfile: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /app: no such file or directory",
        },
        Case {
            name: "go-install-env-nocgo",
            files: module(HELLO),
            dockerfile: "FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nWORKDIR /src\nCOPY . .\nRUN go install .\nFROM scratch\nCOPY --from=build /go/bin/app /app\nENTRYPOINT [\"/app\"]\n",
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "shell-form-in-alpine",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT /app\n")),
            expect: "ok",
            code: None,
            says: "hello",
        },
        Case {
            name: "shell-form-in-scratch",
            files: module(PLAIN),
            dockerfile: leak(format!("{build_static}FROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT /app\n")),
            expect: "run",
            code: Some("FS003"),
            says: "exec: \"/bin/sh\": stat /bin/sh: no such file or directory",
        },
        Case {
            // The Go template of `docker init`: sources bound, not copied (targets made
            // absolute: buildah 1.28 refuses a relative one, which BuildKit takes as
            // relative to WORKDIR).
            name: "bind-mounted-sources",
            files: vec![("go.mod", GOMOD.into()), ("go.sum", String::new()), ("main.go", HELLO.into())],
            dockerfile: "ARG GO_VERSION=1.22\nFROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build\nWORKDIR /src\nRUN --mount=type=cache,target=/go/pkg/mod/ \\\n    --mount=type=bind,source=go.sum,target=/src/go.sum \\\n    --mount=type=bind,source=go.mod,target=/src/go.mod \\\n    go mod download -x\nARG TARGETARCH\nRUN --mount=type=cache,target=/go/pkg/mod/ \\\n    --mount=type=bind,target=/src \\\n    go build -o /bin/server .\n\nFROM alpine:3.19 AS final\nCOPY --from=build /bin/server /bin/\nENTRYPOINT [ \"/bin/server\" ]\n",
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /bin/server: no such file or directory",
        },
        Case {
            name: README_CASE,
            files: module(HELLO),
            dockerfile: README_DOCKERFILE,
            expect: "run",
            code: Some("LIBC001"),
            says: "exec /usr/local/bin/server: no such file or directory",
        },
        Case {
            name: "healthy-distroless",
            files: module(HELLO),
            dockerfile: "ARG GO=1.22\nFROM golang:${GO}-bookworm AS build\nWORKDIR /src\nCOPY go.mod ./\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -o /out/server .\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /out/server /server\nUSER nonroot\nENTRYPOINT [\"/server\"]\n",
            expect: "ok",
            code: None,
            says: "hello",
        },
    ]
}

/// The README's session: a `golang:1.22` build stage and an `alpine:3.19` final stage.
const README_CASE: &str = "readme-golang-into-alpine";
const README_DOCKERFILE: &str = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/server .\n\nFROM alpine:3.19\nCOPY --from=build /out/server /usr/local/bin/server\nENTRYPOINT [\"server\"]\n";

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn dir() -> PathBuf {
    fixtures::cache_dir().join("dockerfiles")
}

/// Writes the case's context (its files and Dockerfile) under the cache directory.
fn context(case: &Case) -> PathBuf {
    let d = dir().join("contexts").join(case.name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for (name, text) in &case.files {
        let f = d.join(name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    std::fs::write(d.join("Dockerfile"), case.dockerfile).unwrap();
    d
}

fn image_id(conf: &Path, image: &str) -> String {
    let out = tool(conf, "buildah")
        .args([
            "inspect",
            "--type",
            "image",
            "--format",
            "{{.FromImageID}}",
            image,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Builds the stand-in bases when one is missing.
fn bases(conf: &Path) {
    if BASES.iter().all(|b| !image_id(conf, b).is_empty()) {
        return;
    }
    let script = fixtures::repo().join("fixtures/docker/build-bases.sh");
    let status = tool(conf, "bash").arg(&script).status().unwrap();
    assert!(status.success(), "{} failed", script.display());
}

/// The real outcome of the case, built (and run) unless cached.
fn real(conf: &Path, case: &Case, ctx: &Path) -> Real {
    let mut parts: Vec<Vec<u8>> = vec![RECIPE.into(), case.dockerfile.into()];
    for (n, t) in &case.files {
        parts.push(n.as_bytes().to_vec());
        parts.push(t.as_bytes().to_vec());
    }
    for b in BASES {
        parts.push(image_id(conf, b).into_bytes());
    }
    for t in ["buildah", "podman"] {
        parts.push(containers::run(conf, t, &["--version"]).into_bytes());
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    let key = containers::cache_key(&refs);
    let cached = dir().join(format!("{}-{key}.json", case.name));
    if let Some(r) = std::fs::read(&cached)
        .ok()
        .and_then(|b| serde_json::from_slice::<Real>(&b).ok())
    {
        return r;
    }
    let gocache = dir().join("go-build");
    std::fs::create_dir_all(&gocache).unwrap();
    let tag = format!("localhost/whyrun-dockerfiles:{key}");
    let out = tool(conf, "buildah")
        .args(["bud", "--pull=never", "--network", "none", "-q", "-t", &tag])
        .arg("-v")
        .arg(format!("{}:/root/.cache/go-build", gocache.display()))
        .arg("-f")
        .arg(ctx.join("Dockerfile"))
        .arg(ctx)
        .output()
        .unwrap();
    let real = if !out.status.success() {
        Real {
            outcome: "build".into(),
            output: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    } else {
        let run = tool(conf, "podman")
            .args(["run", "--rm", "--network", "none", &tag])
            .output()
            .unwrap();
        let _ = tool(conf, "buildah").args(["rmi", &tag]).output();
        Real {
            outcome: if run.status.success() { "ok" } else { "run" }.into(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            ),
        }
    };
    std::fs::write(&cached, serde_json::to_vec(&real).unwrap()).unwrap();
    real
}

/// whyrun's exit code and report.
fn whyrun(ctx: &Path) -> (i32, Value) {
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--format", "json", "--dockerfile"])
        .arg(ctx.join("Dockerfile"))
        .output()
        .unwrap();
    let json = crate::json_schema::try_parse(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

/// The first finding of the first target that is not ok, with its text.
fn top(report: &Value) -> Option<(String, String)> {
    let targets = report["binaries"][0]["targets"].as_array()?;
    for t in targets {
        if let Some(f) = t["findings"].as_array().and_then(|f| {
            f.iter().find(|f| {
                matches!(
                    f["severity"].as_str(),
                    Some("blocks-build" | "blocks-start" | "fails-at-runtime")
                )
            })
        }) {
            return Some((f["code"].as_str()?.to_string(), f.to_string()));
        }
    }
    None
}

#[test]
fn dockerfiles_match_real_builds_and_runs() {
    let conf = setup();
    let all = cases();
    assert!(all.len() >= 15);
    let mut rows = Vec::new();
    let mut wrong = Vec::new();
    {
        let _store = containers::lock();
        bases(&conf);
        for case in &all {
            let ctx = context(case);
            let r = real(&conf, case, &ctx);
            rows.push((case, ctx, r));
        }
    }
    for (case, ctx, r) in &rows {
        if r.outcome != case.expect {
            wrong.push(format!(
                "{}: written for {}, real {}: {}",
                case.name,
                case.expect,
                r.outcome,
                r.output.trim()
            ));
            continue;
        }
        if !r.output.contains(case.says) {
            wrong.push(format!(
                "{}: the real output lacks {:?}: {}",
                case.name,
                case.says,
                r.output.trim()
            ));
        }
        let (code, report) = whyrun(ctx);
        let want = match r.outcome.as_str() {
            "build" => 4,
            "run" => 1,
            _ => 0,
        };
        let found = top(&report);
        eprintln!(
            "{:28} real {:5} whyrun exit {} top {}",
            case.name,
            r.outcome,
            code,
            found.as_ref().map(|f| f.0.as_str()).unwrap_or("-")
        );
        if code != want {
            wrong.push(format!(
                "{}: real {}, whyrun exit {code} (want {want}): {report}",
                case.name, r.outcome
            ));
            continue;
        }
        match (case.code, &found) {
            (None, None) => {}
            (Some(c), Some((got, text))) if c == got => {
                let quoted = text.replace("\\\"", "\"");
                if !quoted.contains(case.says) {
                    wrong.push(format!(
                        "{}: {c} does not quote {:?}: {text}",
                        case.name, case.says
                    ));
                }
            }
            _ => wrong.push(format!(
                "{}: top cause {:?}, want {:?}",
                case.name,
                found.map(|f| f.0),
                case.code
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The README's session, word for word: `whyrun check --dockerfile Dockerfile` in the
/// context of [`README_CASE`] (whose real build and run the test above checks), against
/// `fixtures/docker/readme-session.txt`, which README.md shows. Regenerate with
/// `WHYRUN_BLESS_README=1` (and copy it into README.md).
#[test]
fn the_readme_session_is_what_whyrun_prints() {
    let case = cases().into_iter().find(|c| c.name == README_CASE).unwrap();
    let d = tempfile::tempdir().unwrap();
    for (name, text) in &case.files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    std::fs::write(d.path().join("Dockerfile"), case.dockerfile).unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--dockerfile", "Dockerfile"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let session = format!(
        "$ cat Dockerfile\n{}\n$ whyrun check --dockerfile Dockerfile\n{}$ echo $?\n{}\n",
        case.dockerfile,
        String::from_utf8_lossy(&out.stdout),
        out.status.code().unwrap_or(-1)
    );
    let file = fixtures::repo().join("fixtures/docker/readme-session.txt");
    if std::env::var_os("WHYRUN_BLESS_README").is_some() {
        std::fs::write(&file, &session).unwrap();
    }
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    assert_eq!(
        session,
        want,
        "{} differs (WHYRUN_BLESS_README=1 to rewrite)",
        file.display()
    );
    assert_eq!(out.status.code(), Some(1));
    let readme = std::fs::read_to_string(fixtures::repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```console\n{want}```")),
        "README.md does not show {} as it is",
        file.display()
    );
}

/// Nothing is guessed: a base image whyrun does not know gives "cannot tell" (exit 3)
/// with what decides it, and a malformed Dockerfile one error line naming the file and
/// line (exit 2).
#[test]
fn unknown_bases_cannot_tell_and_bad_files_name_their_line() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("go.mod"), GOMOD).unwrap();
    std::fs::write(d.path().join("main.go"), HELLO).unwrap();
    let df = d.path().join("Dockerfile");
    std::fs::write(
        &df,
        "FROM corp/go-builder:3 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nFROM alpine:3.19\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
    )
    .unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--dockerfile"])
        .arg(&df)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("BUILD017"), "{text}");
    assert!(text.contains("corp/go-builder:3"), "{text}");

    std::fs::write(&df, "FROM debian:12\nRUN echo\nFROOM x\n").unwrap();
    let out = Command::new(WHYRUN)
        .args(["check", "--no-config", "--dockerfile"])
        .arg(&df)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("{}:3: ", df.display())), "{err}");
}

/// The built-in profiles of the base images agree with the stand-ins where they overlap:
/// libc family and loader, CA bundle, zoneinfo, passwd and its users, as whyrun reads them
/// from each image's files (`--root` on the mounted image).
#[test]
fn profiles_agree_with_the_stand_in_bases() {
    let conf = setup();
    let _store = containers::lock();
    bases(&conf);
    let pairs = [
        // The build stages' libc is the final stages' (`golang:1.22` is Debian 12).
        ("docker.io/library/golang:1.22-bookworm", "debian-12"),
        ("docker.io/library/alpine:3.19", "alpine-3.19"),
        ("docker.io/library/debian:12", "debian-12"),
        (
            "gcr.io/distroless/static-debian12",
            "distroless-static-debian12",
        ),
    ];
    let mut wrong = Vec::new();
    for (image, profile) in pairs {
        // The image's own files, mounted without a container (whyrun only reads them).
        let mnt = containers::run(&conf, "podman", &["image", "mount", image]);
        let spec = whyrun_target::TargetSpec {
            roots: vec![PathBuf::from(&mnt)],
            ..Default::default()
        };
        let (opened, failed) = whyrun_target::open_all(&spec);
        containers::run(&conf, "podman", &["image", "unmount", image]);
        assert!(
            failed.is_empty(),
            "{image}: {:?}",
            failed.iter().map(|f| &f.error).collect::<Vec<_>>()
        );
        let real = &opened[0].model;
        let p = whyrun_target::profiles::model(profile, None).unwrap();
        let fam = |m: &whyrun_target::model::TargetModel| m.libc.as_ref().map(|l| l.family);
        let loader =
            |m: &whyrun_target::model::TargetModel| m.libc.as_ref().map(|l| l.loader.clone());
        let rf = (&real.runtime_files, &p.runtime_files);
        let checks = [
            (
                "libc family",
                format!("{:?}", fam(real)),
                format!("{:?}", fam(&p)),
            ),
            (
                "loader",
                format!("{:?}", loader(real)),
                format!("{:?}", loader(&p)),
            ),
            (
                "CA bundle",
                format!("{}", rf.0.ca_bundle.is_some()),
                format!("{}", rf.1.ca_bundle.is_some()),
            ),
            (
                "zoneinfo",
                format!("{}", rf.0.zoneinfo.is_some()),
                format!("{}", rf.1.zoneinfo.is_some()),
            ),
            (
                "passwd",
                format!("{}", rf.0.passwd),
                format!("{}", rf.1.passwd),
            ),
        ];
        // The golang images add ca-certificates and no users (docker-library/golang).
        let golang = image.contains("golang");
        for (what, got, want) in checks {
            if golang && !matches!(what, "libc family" | "loader") {
                continue;
            }
            if got != want {
                wrong.push(format!(
                    "{image} vs {profile}: {what}: stand-in {got}, profile {want}"
                ));
            }
        }
        for u in p.users.iter().filter(|_| !golang) {
            if !real
                .users
                .iter()
                .any(|r| r.name == u.name && r.uid == u.uid)
            {
                wrong.push(format!(
                    "{image} vs {profile}: user {} ({}) missing from the stand-in",
                    u.name, u.uid
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
