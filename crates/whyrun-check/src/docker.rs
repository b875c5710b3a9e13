//! `whyrun check --dockerfile`: a Dockerfile followed stage by stage as BuildKit would
//! (global `ARG`s and `--build-arg`, `FROM --platform`, the automatic platform `ARG`s,
//! `ENV`, `WORKDIR`, `COPY`/`ADD` from the context (less `.dockerignore`) and `--from`
//! a stage, `RUN` lines split into simple commands with their environment prefixes), the
//! `go build` of the build stage judged by the `BUILD` rules over the context's sources
//! (the toolchain from the `golang:X.Y` tag), the binary it writes predicted
//! (`whyrun_facts::predicted`) and judged by the binary rules against the final stage's
//! base (a built-in profile, with the files copied into the stage), and the launch of
//! the final stage (`USER`, `ENTRYPOINT`/`CMD`). Nothing is built or run; what cannot be
//! followed is "cannot tell" (BUILD017).
//!
//! What the official `golang` images hold is taken from docker-library/golang: the
//! Debian variants install `gcc` and `libc6-dev` (`1.26/bookworm/Dockerfile`), the Alpine
//! variants no C compiler (`1.26/alpine3.23/Dockerfile`); both set `GOTOOLCHAIN=local`,
//! `GOPATH=/go`, `WORKDIR /go` and carry the CA bundle.
//!
//! The automatic platform ARGs (`TARGETARCH`, `BUILDPLATFORM`, …) are in the global scope:
//! `FROM` sees them, a stage only after `ARG NAME`, and their value wins over a default
//! given there (Dockerfile reference, "Automatic platform ARGs in the global scope";
//! docker/buildx#510; seen here with buildah 1.28: `${TARGETARCH}` is empty in a `RUN`
//! before `ARG TARGETARCH` and `amd64` after it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use whyrun_facts::dockerfile::{self, Command, DockerIgnore, Dockerfile, StepKind};
use whyrun_facts::gosrc::GoVersion;
use whyrun_facts::predicted::{self, GoBinary};
use whyrun_report::{BinaryReport, CheckReport, TargetReport};
use whyrun_rules::build::docker::{
    CgoWithoutCompiler, DockerSubject, MissingSource, MissingUser, Undecided,
};
use whyrun_rules::{Binary, CheckContext, CheckOptions, Input, MissingCommand, Verdict};
use whyrun_target::model::{LibcFamily, TargetModel};

use crate::build::{self, BuildRequest};
use crate::{Config, InputError, Outcome};

/// What to follow.
#[derive(Debug, Clone, Default)]
pub struct DockerRequest {
    pub dockerfile: PathBuf,
    /// The build context; the Dockerfile's directory when not given.
    pub context: Option<PathBuf>,
    pub build_args: Vec<(String, String)>,
    /// `--target STAGE`; the last stage when not given.
    pub target: Option<String>,
    /// `--platform linux/arm64`; this machine's when not given.
    pub platform: Option<String>,
}

/// The standard-library packages built with cgo when cgo is on (their `import "C"`
/// files): `net` (the resolver), `os/user`, and those that import `net`.
const CGO_STD: &[&str] = &[
    "net",
    "os/user",
    "net/http",
    "net/http/httptest",
    "net/http/httputil",
    "net/rpc",
    "net/smtp",
    "net/mail",
    "crypto/tls",
    "log/syslog",
    "expvar",
    "plugin",
];

/// Calls by which a program verifies certificates itself, and the linked function each
/// goes through (`whyrun_facts::go::packages` X509 entry points).
const TLS_CALLS: &[(&str, &str)] = &[
    ("http.Get(", "net/http.(*Transport).dialConn"),
    ("http.Post(", "net/http.(*Transport).dialConn"),
    ("http.Head(", "net/http.(*Transport).dialConn"),
    ("http.DefaultClient", "net/http.(*Transport).dialConn"),
    ("http.Client{", "net/http.(*Transport).dialConn"),
    ("http.NewRequest", "net/http.(*Transport).dialConn"),
    ("tls.Dial", "crypto/tls.dial"),
    ("x509.SystemCertPool", "crypto/x509.SystemCertPool"),
    // Verify with no Roots verifies against the system pool (crypto/x509 verify.go).
    ("x509.VerifyOptions{", "crypto/x509.(*Certificate).Verify"),
];

/// What whyrun knows of a base image.
#[derive(Debug, Clone, Default)]
struct Base {
    /// As written (expanded).
    name: String,
    /// The profile of the image as a run target, when there is one.
    profile: Option<String>,
    /// The Go toolchain in it (`golang:1.22` → 1.22).
    go: Option<GoVersion>,
    /// Whether `gcc` is in it; `None` when unknown.
    gcc: Option<bool>,
    libc: Option<LibcFamily>,
    /// Paths known to exist in it (a directory here says nothing of what is in it).
    files: Vec<String>,
    /// Directories whose whole tree is known to be there (`/usr/local/go`).
    trees: Vec<String>,
    env: Vec<(String, String)>,
    workdir: String,
    /// Whether its file list is known (a profile or a golang image).
    known: bool,
    /// The users of its passwd; `None` when unknown.
    users: Option<Vec<String>>,
    has_passwd: bool,
    /// Whether it has `/bin/sh` (for shell-form commands); `None` when unknown.
    shell: Option<bool>,
    /// Whether a path outside the system directories (`/app`, `/server`, `/out/…`) can
    /// be there without a step of the Dockerfile putting it there: known for the images
    /// whyrun models (none of them has one), unknown otherwise.
    only_system_paths: bool,
}

/// A file or directory in a stage and where it came from.
#[derive(Debug, Clone)]
enum Origin {
    /// A path in the context (a directory copies its tree).
    Context(PathBuf),
    /// A binary a `go build` wrote.
    Binary(Box<Predicted>),
    /// Something a step made that whyrun does not model (mkdir, a base file).
    Plain,
}

#[derive(Debug, Clone)]
struct Predicted {
    facts: GoBinary,
    /// The `go build` words as written on the RUN line, without its variables.
    command: Vec<String>,
    /// The variables written before it on the RUN line.
    prefix: Vec<(String, String)>,
    /// What the prediction leaves open (the RUN line, and why): its linkage findings are
    /// "cannot tell" then.
    open: Option<(usize, String)>,
}

/// A stage as followed.
#[derive(Debug, Clone, Default)]
struct StageState {
    name: Option<String>,
    /// The image it starts from (a stage built FROM another inherits that one's).
    base: Base,
    /// `ENV`, the base's first.
    env: Vec<(String, String)>,
    /// The `ARG`s declared in the stage, with their values.
    args: BTreeMap<String, Option<String>>,
    workdir: String,
    /// What the stage copied, built or made, by path; later entries win.
    files: Vec<(String, Origin)>,
    user: Option<(String, usize)>,
    entrypoint: Option<(Command, usize)>,
    cmd: Option<(Command, usize)>,
    /// Steps not followed: line and what.
    unfollowed: Vec<(usize, String)>,
    /// Packages installed by RUN lines (other than the CA bundle and tzdata, whose files
    /// are recorded).
    installed: Vec<String>,
    /// The line of its FROM.
    from_line: usize,
    /// The platform (`linux/amd64`) it runs on.
    os: String,
    arch: String,
    gcc: Option<bool>,
}

impl StageState {
    fn get(&self, k: &str) -> Option<String> {
        if let Some((_, v)) = self.env.iter().rev().find(|(key, _)| key == k) {
            return Some(v.clone());
        }
        self.args.get(k).cloned().flatten()
    }

    fn set_env(&mut self, k: &str, v: String) {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.to_string(), v));
    }

    fn expand(&self, s: &str) -> String {
        dockerfile::expand(s, &|n| Ok(self.get(n))).unwrap_or_else(|| s.to_string())
    }

    fn abs(&self, p: &str) -> String {
        let joined = if p.starts_with('/') {
            p.to_string()
        } else {
            format!("{}/{}", self.workdir.trim_end_matches('/'), p)
        };
        clean(&joined)
    }

    /// The origin of `path` in the stage: copied or built there, or known in the base.
    fn lookup(&self, path: &str) -> Option<Origin> {
        let path = clean(path);
        for (p, o) in self.files.iter().rev() {
            if *p == path {
                return Some(o.clone());
            }
            if let Some(rest) = path.strip_prefix(&format!("{}/", p.trim_end_matches('/'))) {
                if let Origin::Context(dir) = o {
                    let f = dir.join(rest);
                    if f.exists() {
                        return Some(Origin::Context(f));
                    }
                }
            }
        }
        // A directory something was written into.
        let prefix = format!("{}/", path.trim_end_matches('/'));
        if self.files.iter().any(|(p, _)| p.starts_with(&prefix)) {
            return Some(Origin::Plain);
        }
        let base_has =
            self.base.files.contains(&path)
                || self.base.trees.iter().any(|t| {
                    *t == path || path.starts_with(&format!("{}/", t.trim_end_matches('/')))
                });
        base_has.then_some(Origin::Plain)
    }

    /// The context directory copied to `dir` (or a parent of it), and `dir` in it.
    fn context_dir(&self, dir: &str) -> Option<PathBuf> {
        let dir = clean(dir);
        for (p, o) in self.files.iter().rev() {
            let Origin::Context(src) = o else { continue };
            if !src.is_dir() {
                continue;
            }
            if *p == dir {
                return Some(src.clone());
            }
            if let Some(rest) = dir.strip_prefix(&format!("{}/", p.trim_end_matches('/'))) {
                return Some(src.join(rest));
            }
        }
        // Files copied one by one into `dir` (`COPY go.mod ./`, `COPY *.go ./`): the
        // context directory they all come from.
        let mut parents = self.files.iter().filter_map(|(p, o)| match o {
            Origin::Context(src) if src.is_file() && parent(p) == dir => src.parent(),
            _ => None,
        });
        let first = parents.next()?;
        parents.all(|p| p == first).then(|| first.to_path_buf())
    }
}

/// The directory of an absolute path (`/src/go.mod` → `/src`).
fn parent(p: &str) -> String {
    match p.rsplit_once('/') {
        Some(("", _)) | None => "/".into(),
        Some((d, _)) => d.to_string(),
    }
}

/// `/a/./b/../c` as `/a/c`.
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for s in p.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

fn host_goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// The facts crate's machine name of a GOARCH.
fn machine_of(goarch: &str) -> String {
    whyrun_target::profiles::machine_of(goarch).to_string()
}

/// What whyrun knows of the image `name` (expanded).
fn base_of(name: &str) -> Base {
    let bare = name
        .strip_prefix("docker.io/")
        .unwrap_or(name)
        .strip_prefix("library/")
        .unwrap_or(name.strip_prefix("docker.io/").unwrap_or(name));
    let bare = bare.split('@').next().unwrap_or(bare);
    if bare == "scratch" {
        return Base {
            name: name.into(),
            profile: Some("scratch".into()),
            gcc: Some(false),
            known: true,
            shell: Some(false),
            only_system_paths: true,
            users: Some(Vec::new()),
            workdir: "/".into(),
            ..Default::default()
        };
    }
    if let Some(tag) = bare.strip_prefix("golang:") {
        let (version, variant) = tag.split_once('-').unwrap_or((tag, ""));
        let alpine = variant.starts_with("alpine");
        let go = GoVersion::parse(version);
        let known =
            go.is_some() && matches!(variant, "" | "bookworm" | "bullseye" | "trixie") || alpine;
        return Base {
            name: name.into(),
            go: go.clone(),
            gcc: known.then_some(!alpine),
            libc: Some(if alpine {
                LibcFamily::Musl
            } else {
                LibcFamily::Glibc
            }),
            trees: ["/usr/local/go", "/etc/ssl/certs"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            files: [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/passwd",
                "/bin/sh",
                "/go",
                "/go/bin",
                "/lib",
                "/usr",
                "/bin",
                "/etc",
                "/tmp",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            env: vec![
                (
                    "PATH".into(),
                    "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                        .into(),
                ),
                ("GOTOOLCHAIN".into(), "local".into()),
                ("GOPATH".into(), "/go".into()),
            ],
            workdir: "/go".into(),
            known,
            users: Some(vec!["root".into(), "nobody".into()]),
            has_passwd: true,
            shell: Some(true),
            only_system_paths: known,
            profile: match variant {
                "bookworm" => Some("debian-12".into()),
                "bullseye" => Some("debian-11".into()),
                "trixie" => Some("debian-13".into()),
                // docker-library/golang: `golang:X.Y` is the first non-Alpine variant of
                // versions.json (generate-stackbrew-library.sh, defaultDebianVariant):
                // bookworm for 1.21 and 1.22 (versions.json at 893a2c9), 1.23 and 1.24
                // (at 04edff0); trixie from 1.26.
                "" if go.as_ref().is_some_and(|g| g.at_least(1, 21) && !g.at_least(1, 25)) => {
                    Some("debian-12".into())
                }
                v => v
                    .strip_prefix("alpine")
                    .filter(|a| !a.is_empty())
                    .map(|a| format!("alpine-{a}"))
                    .filter(|p| whyrun_target::profiles::find(p).is_some()),
            },
        };
    }
    match whyrun_target::profiles::find(bare) {
        Some(p) => {
            let model = whyrun_target::profiles::model(&p.name, None).ok();
            let mut files = Vec::new();
            let mut trees = Vec::new();
            let mut users = None;
            let mut has_passwd = false;
            let mut env = vec![(
                "PATH".to_string(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
            )];
            let mut libc = None;
            if let Some(m) = &model {
                let rf = &m.runtime_files;
                files.extend(rf.ca_bundle.clone());
                trees.extend(rf.zoneinfo.clone());
                if rf.passwd {
                    files.push("/etc/passwd".into());
                    has_passwd = true;
                }
                if rf.tmp {
                    files.push("/tmp".into());
                }
                files.extend(m.interpreters.iter().cloned());
                if m.libc.is_some() {
                    for d in ["/lib", "/usr", "/bin", "/etc"] {
                        files.push(d.into());
                    }
                }
                for (k, v) in &m.env {
                    env.retain(|(key, _)| key != k);
                    env.push((k.clone(), v.clone()));
                }
                users = Some(m.users.iter().map(|u| u.name.clone()).collect());
                libc = m.libc.as_ref().map(|l| l.family);
            }
            let shell = model.as_ref().is_some_and(|m| m.libc.is_some())
                && !p.name.starts_with("distroless");
            if shell {
                files.push("/bin/sh".into());
            }
            Base {
                name: name.into(),
                profile: Some(p.name.clone()),
                gcc: Some(false),
                libc,
                files,
                trees,
                env,
                workdir: "/".into(),
                known: model.is_some(),
                users,
                has_passwd,
                go: None,
                shell: Some(shell),
                only_system_paths: model.is_some(),
            }
        }
        None => Base {
            name: name.into(),
            workdir: "/".into(),
            ..Default::default()
        },
    }
}

/// Follows the Dockerfile in `req` and judges what it builds.
pub fn check(req: &DockerRequest, config: &Config) -> Outcome {
    let shown = req.dockerfile.display().to_string();
    let fail = |input: String, message: String| Outcome {
        report: CheckReport::default(),
        errors: vec![InputError::new(input, message)],
    };
    let text = match read_capped(&req.dockerfile, dockerfile::MAX_SIZE) {
        Ok(t) => t,
        Err(e) => return fail(shown, e),
    };
    let parsed = match dockerfile::parse(&text) {
        Ok(d) => d,
        Err(e) => return fail(format!("{shown}:{}", e.line), e.message),
    };
    if parsed.stages.is_empty() {
        return fail(shown, "no FROM: not a Dockerfile".into());
    }
    let context = req.context.clone().unwrap_or_else(|| {
        req.dockerfile
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    });
    if !context.is_dir() {
        return fail(
            context.display().to_string(),
            "the build context is not a directory".into(),
        );
    }
    let ignore = read_capped(&context.join(".dockerignore"), 1 << 20)
        .map(|t| DockerIgnore::parse(&t))
        .unwrap_or_default();
    let platform = req
        .platform
        .clone()
        .unwrap_or_else(|| format!("linux/{}", host_goarch()));
    let mut run = Run {
        shown: shown.clone(),
        context,
        ignore,
        parsed: &parsed,
        build_args: req.build_args.clone(),
        target_platform: platform,
        build_platform: format!("linux/{}", host_goarch()),
        subject: DockerSubject {
            dockerfile: shown.clone(),
            ..Default::default()
        },
        build_findings: Vec::new(),
        build_subject: None,
        build_go: None,
        failed: false,
        warnings: Vec::new(),
    };
    let final_index = match &req.target {
        Some(t) => match parsed
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(&t.to_lowercase()))
        {
            Some(i) => i,
            None => return fail(shown, format!("--target {t}: no stage of that name")),
        },
        None => parsed.stages.len().saturating_sub(1),
    };
    let needed = run.needed(final_index);
    let mut states: Vec<StageState> = Vec::new();
    for (i, stage) in parsed.stages.iter().enumerate() {
        let state = if needed.contains(&i) && !run.failed {
            run.follow(i, stage, &states)
        } else {
            StageState::default()
        };
        states.push(state);
    }
    run.report(&states[final_index], config)
}

/// Reads a text file of at most `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!("larger than {cap} bytes: not read"));
    }
    Ok(dockerfile::text_of(&bytes).into_owned())
}

struct Run<'a> {
    shown: String,
    context: PathBuf,
    ignore: DockerIgnore,
    parsed: &'a Dockerfile,
    build_args: Vec<(String, String)>,
    target_platform: String,
    build_platform: String,
    subject: DockerSubject,
    build_findings: Vec<whyrun_rules::Finding>,
    build_subject: Option<whyrun_rules::build::BuildSubject>,
    /// The Go of the last stage followed that has one (`golang:1.22` → 1.22).
    build_go: Option<GoVersion>,
    /// The build stops: nothing after it is judged.
    failed: bool,
    warnings: Vec<String>,
}

impl Run<'_> {
    fn global(&self, name: &str) -> Option<String> {
        if let Some(v) = self.auto_arg(name) {
            return Some(v);
        }
        let declared = self
            .parsed
            .global_args
            .iter()
            .rev()
            .find(|a| a.name == name)?;
        self.build_args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| declared.default.clone())
    }

    fn auto_arg(&self, name: &str) -> Option<String> {
        let (tos, tarch) = self
            .target_platform
            .split_once('/')
            .unwrap_or(("linux", &self.target_platform));
        let (bos, barch) = self
            .build_platform
            .split_once('/')
            .unwrap_or(("linux", "amd64"));
        let tarch = tarch.split('/').next().unwrap_or(tarch);
        Some(match name {
            "TARGETPLATFORM" => self.target_platform.clone(),
            "TARGETOS" => tos.into(),
            "TARGETARCH" => tarch.into(),
            "BUILDPLATFORM" => self.build_platform.clone(),
            "BUILDOS" => bos.into(),
            "BUILDARCH" => barch.into(),
            _ => return None,
        })
    }

    fn expand_global(&self, s: &str) -> String {
        dockerfile::expand(s, &|n| Ok(self.global(n))).unwrap_or_else(|| s.to_string())
    }

    fn stage_index(&self, name: &str) -> Option<usize> {
        let n = name.to_lowercase();
        self.parsed
            .stages
            .iter()
            .position(|s| s.name.as_deref() == Some(n.as_str()))
            .or_else(|| {
                n.parse::<usize>()
                    .ok()
                    .filter(|i| *i < self.parsed.stages.len())
            })
    }

    /// The stages the final one depends on (FROM a stage, COPY --from a stage).
    fn needed(&self, last: usize) -> Vec<usize> {
        let mut need = vec![last];
        let mut i = 0;
        while i < need.len() {
            let s = &self.parsed.stages[need[i]];
            let mut deps = Vec::new();
            if let Some(d) = self.stage_index(&self.expand_global(&s.image)) {
                deps.push(d);
            }
            for st in &s.steps {
                if let StepKind::Copy { from: Some(f), .. } = &st.kind {
                    if let Some(d) = self.stage_index(f) {
                        deps.push(d);
                    }
                }
            }
            for d in deps {
                if !need.contains(&d) {
                    need.push(d);
                }
            }
            i += 1;
        }
        need
    }

    fn follow(
        &mut self,
        index: usize,
        stage: &dockerfile::Stage,
        states: &[StageState],
    ) -> StageState {
        let image = self.expand_global(&stage.image);
        let mut st = match self.stage_index(&image).filter(|i| *i < index) {
            Some(i) => {
                let mut s = states[i].clone();
                s.args.clear();
                s
            }
            None => {
                let base = base_of(&image);
                if !base.known {
                    self.subject.undecided.push(Undecided {
                        line: stage.line,
                        what: format!("the base image {image:?} is not one whyrun knows"),
                        decide: format!("FROM {image}: its libc, C compiler, files and users decide the outcome"),
                    });
                }
                StageState {
                    env: base.env.clone(),
                    workdir: base.workdir.clone(),
                    gcc: base.gcc,
                    base,
                    ..Default::default()
                }
            }
        };
        st.name = stage.name.clone();
        st.from_line = stage.line;
        if st.base.go.is_some() {
            self.build_go = st.base.go.clone();
        }
        let platform = match &stage.platform {
            Some(p) => self.expand_global(p),
            None => self.target_platform.clone(),
        };
        let (os, arch) = platform.split_once('/').unwrap_or(("linux", "amd64"));
        st.os = os.into();
        st.arch = arch.split('/').next().unwrap_or(arch).into();
        for step in &stage.steps {
            if self.failed {
                break;
            }
            match &step.kind {
                StepKind::Arg(a) => {
                    let v = self
                        .build_args
                        .iter()
                        .rev()
                        .find(|(k, _)| *k == a.name)
                        .map(|(_, v)| v.clone())
                        .or_else(|| self.auto_arg(&a.name))
                        .or_else(|| a.default.as_ref().map(|d| st.expand(d)))
                        .or_else(|| {
                            self.parsed
                                .global_args
                                .iter()
                                .rev()
                                .find(|g| g.name == a.name)
                                .and_then(|g| g.default.clone())
                        });
                    st.args.insert(a.name.clone(), v);
                }
                StepKind::Env(pairs) => {
                    for (k, v) in pairs {
                        let v = st.expand(v);
                        st.set_env(k, v);
                    }
                }
                StepKind::Workdir(w) => {
                    let w = st.expand(w);
                    st.workdir = st.abs(&w);
                }
                StepKind::User(u) => st.user = Some((st.expand(u), step.line)),
                StepKind::Entrypoint(c) => {
                    st.entrypoint = Some((c.clone(), step.line));
                    st.cmd = None;
                }
                StepKind::Cmd(c) => st.cmd = Some((c.clone(), step.line)),
                StepKind::Copy {
                    from,
                    sources,
                    dest,
                    ..
                } => self.copy(&mut st, step.line, from.as_deref(), sources, dest, states),
                StepKind::Run {
                    command,
                    heredocs,
                    mounts,
                } => {
                    let script = match (command, heredocs.first()) {
                        (_, Some(body)) => Some(body.clone()),
                        (Command::Shell(s), None) => Some(s.clone()),
                        (Command::Exec(words), None) => Some(words.join(" ")),
                    };
                    // Bind mounts of the context are there for this RUN line only.
                    let at = st.files.len();
                    let bound = self.bind_mounts(&st, mounts);
                    let n = bound.len();
                    st.files.extend(bound);
                    self.run_line(&mut st, step.line, script.as_deref().unwrap_or(""));
                    if st.files.len() >= at + n {
                        st.files.drain(at..at + n);
                    }
                }
                StepKind::Other(_) => {}
                _ => {}
            }
        }
        st
    }

    /// `--mount=type=bind,source=S,target=T` of the build context (no `from=`): T holds
    /// the context's S (the whole context without `source`) while the RUN line runs.
    fn bind_mounts(&self, st: &StageState, mounts: &[String]) -> Vec<(String, Origin)> {
        let mut out = Vec::new();
        for m in mounts {
            let fields: Vec<(&str, &str)> = m
                .split(',')
                .map(|f| f.split_once('=').unwrap_or((f, "")))
                .collect();
            let get = |k: &str| fields.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            if get("type") != Some("bind") || get("from").is_some() {
                continue;
            }
            let Some(target) = get("target").or(get("dst")).or(get("destination")) else {
                continue;
            };
            let source = clean(&st.expand(get("source").or(get("src")).unwrap_or(".")));
            let rel = source.trim_start_matches('/');
            if !rel.is_empty() && self.ignore.excludes(rel) {
                continue;
            }
            let path = self.context.join(rel);
            if path.exists() {
                out.push((st.abs(&st.expand(target)), Origin::Context(path)));
            }
        }
        out
    }

    fn copy(
        &mut self,
        st: &mut StageState,
        line: usize,
        from: Option<&str>,
        sources: &[Option<String>],
        dest: &str,
        states: &[StageState],
    ) {
        let dest = st.expand(dest);
        let many = sources.len() > 1;
        let dest_abs = st.abs(&dest);
        let into_dir = dest.ends_with('/') || dest == "." || many;
        for src in sources {
            let Some(src) = src else {
                st.files.push((dest_abs.clone(), Origin::Plain));
                continue;
            };
            let src = st.expand(src);
            let name = src
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            match from {
                None => {
                    let rel = clean(&src).trim_start_matches('/').to_string();
                    let path = self.context.join(&rel);
                    let has_glob = rel.contains(['*', '?', '[']);
                    if has_glob {
                        // A pattern in the last component is matched here; one matching
                        // nothing, or a pattern in a directory, is left to the builder.
                        let (dir_part, pattern) = rel.rsplit_once('/').unwrap_or(("", &rel));
                        let matches: Vec<PathBuf> = if dir_part.contains(['*', '?', '[']) {
                            Vec::new()
                        } else {
                            let mut m: Vec<PathBuf> =
                                std::fs::read_dir(self.context.join(dir_part))
                                    .map(|rd| {
                                        rd.filter_map(Result::ok)
                                            .take(10_000)
                                            .filter(|e| {
                                                dockerfile::glob(
                                                    pattern,
                                                    &e.file_name().to_string_lossy(),
                                                )
                                            })
                                            .map(|e| e.path())
                                            .filter(|p| {
                                                let r = p.strip_prefix(&self.context).unwrap_or(p);
                                                !self.ignore.excludes(&r.to_string_lossy())
                                            })
                                            .collect()
                                    })
                                    .unwrap_or_default();
                            m.sort();
                            m
                        };
                        if matches.is_empty() {
                            st.unfollowed.push((
                                line,
                                format!("COPY {src}: a pattern whyrun does not match"),
                            ));
                            st.files.push((dest_abs.clone(), Origin::Plain));
                        }
                        for m in matches {
                            let name = m
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            let target = if m.is_dir() || into_dir || rel.contains('*') {
                                format!("{}/{name}", dest_abs.trim_end_matches('/'))
                            } else {
                                dest_abs.clone()
                            };
                            st.files.push((target, Origin::Context(m)));
                        }
                        continue;
                    }
                    let excluded = !rel.is_empty() && self.ignore.excludes(&rel);
                    if excluded || !path.exists() {
                        let abs_context = std::path::absolute(&self.context)
                            .unwrap_or_else(|_| self.context.clone());
                        self.subject.missing_sources.push(MissingSource {
                            line,
                            source: src.clone(),
                            from: None,
                            looked_for: rel.clone(),
                            ignored_by: (excluded && path.exists()).then(|| {
                                (
                                    abs_context.join(&rel).display().to_string(),
                                    abs_context.join(".dockerignore").display().to_string(),
                                )
                            }),
                        });
                        self.failed = true;
                        return;
                    }
                    let target = if path.is_dir() || !into_dir {
                        dest_abs.clone()
                    } else {
                        format!("{}/{name}", dest_abs.trim_end_matches('/'))
                    };
                    st.files.push((target, Origin::Context(path)));
                }
                Some(f) => {
                    let stage = self.stage_index(f).filter(|i| *i < states.len());
                    let abs = clean(&src);
                    let origin = match stage {
                        Some(i) => states[i].lookup(&abs).or_else(|| {
                            if states[i].unfollowed.is_empty() && states[i].base.known {
                                self.subject.missing_sources.push(MissingSource {
                                    line,
                                    source: src.clone(),
                                    from: Some(f.to_string()),
                                    looked_for: abs.clone(),
                                    ignored_by: None,
                                });
                                self.failed = true;
                            } else {
                                self.subject.undecided.push(Undecided {
                                    line,
                                    what: format!(
                                        "COPY --from={f} {src}: whether the stage wrote it"
                                    ),
                                    decide: "a RUN line or base image whyrun does not follow"
                                        .into(),
                                });
                            }
                            None
                        }),
                        // An image named by --from: its files are those of its base.
                        None => base_of(f).known.then_some(Origin::Plain),
                    };
                    if self.failed {
                        return;
                    }
                    let target = if into_dir {
                        format!("{}/{name}", dest_abs.trim_end_matches('/'))
                    } else {
                        dest_abs.clone()
                    };
                    // A directory copies what was written under it (the builder copies a
                    // directory's contents to the destination).
                    let children: Vec<(String, Origin)> = match stage {
                        Some(i) => {
                            let prefix = format!("{}/", abs.trim_end_matches('/'));
                            states[i]
                                .files
                                .iter()
                                .filter_map(|(p, o)| {
                                    let rest = p.strip_prefix(&prefix)?;
                                    Some((
                                        format!("{}/{rest}", dest_abs.trim_end_matches('/')),
                                        o.clone(),
                                    ))
                                })
                                .collect()
                        }
                        None => Vec::new(),
                    };
                    if children.is_empty() {
                        st.files.push((target, origin.unwrap_or(Origin::Plain)));
                    } else {
                        st.files.push((dest_abs.clone(), Origin::Plain));
                        st.files.extend(children);
                    }
                }
            }
        }
    }

    fn run_line(&mut self, st: &mut StageState, line: usize, script: &str) {
        let Some(commands) = dockerfile::simple_commands(script) else {
            st.unfollowed.push((
                line,
                "a RUN line with shell syntax whyrun does not follow".into(),
            ));
            return;
        };
        let cwd_start = st.workdir.clone();
        let mut cwd = cwd_start.clone();
        for words in commands {
            let mut env: Vec<(String, String)> = Vec::new();
            let mut rest = words.as_slice();
            while let Some((w, tail)) = rest.split_first() {
                match w.split_once('=') {
                    Some((k, v))
                        if !k.is_empty()
                            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                    {
                        env.push((k.to_string(), st.expand(v)));
                        rest = tail;
                    }
                    _ => break,
                }
            }
            let Some((cmd, args)) = rest.split_first() else {
                continue;
            };
            let args: Vec<String> = args.iter().map(|a| st.expand(a)).collect();
            match cmd.as_str() {
                "cd" => {
                    let to = args.first().cloned().unwrap_or_else(|| "/root".into());
                    cwd = if to.starts_with('/') {
                        clean(&to)
                    } else {
                        clean(&format!("{cwd}/{to}"))
                    };
                }
                "go" | "/usr/local/go/bin/go" => {
                    let saved = std::mem::replace(&mut st.workdir, cwd.clone());
                    self.go_command(st, line, &env, &args);
                    st.workdir = saved;
                    if self.failed {
                        return;
                    }
                }
                "mkdir" => {
                    for a in args.iter().filter(|a| !a.starts_with('-')) {
                        let p = if a.starts_with('/') {
                            clean(a)
                        } else {
                            clean(&format!("{cwd}/{a}"))
                        };
                        st.files.push((p, Origin::Plain));
                    }
                }
                "echo"
                | "true"
                | "ls"
                | "set"
                | "export"
                | "chmod"
                | "chown"
                | "test"
                | "["
                | "cat"
                | "env"
                | "printenv"
                | "id"
                | "whoami"
                | "uname"
                | "file"
                | "ldd"
                | "touch"
                | "rm"
                | "update-ca-certificates" => {}
                // Users made in the stage: USER may name them.
                "adduser" | "useradd" => {
                    let takes_value = |a: &str| {
                        matches!(
                            a,
                            "-u" | "-g"
                                | "-G"
                                | "-h"
                                | "-s"
                                | "-k"
                                | "-d"
                                | "-c"
                                | "--uid"
                                | "--gid"
                                | "--home"
                                | "--shell"
                                | "--gecos"
                                | "--ingroup"
                                | "-K"
                                | "-p"
                                | "-e"
                                | "-f"
                        )
                    };
                    let mut skip = false;
                    let mut name = None;
                    for a in &args {
                        if skip {
                            skip = false;
                        } else if a.starts_with('-') {
                            skip = takes_value(a);
                        } else if name.is_none() {
                            name = Some(a.clone());
                        }
                    }
                    match (name, &mut st.base.users) {
                        (Some(n), Some(users)) => users.push(n),
                        _ => st.unfollowed.push((line, format!("`{cmd}`"))),
                    }
                }
                "addgroup" | "groupadd" => {}
                // Packages: what whyrun knows of them, or an open question.
                "apk" | "apt-get" | "apt" => {
                    let sub = args
                        .iter()
                        .find(|a| !a.starts_with('-'))
                        .map(String::as_str);
                    match sub {
                        Some("add" | "install") => {
                            let pkgs: Vec<&String> = args
                                .iter()
                                .filter(|a| {
                                    !a.starts_with('-') && !matches!(a.as_str(), "add" | "install")
                                })
                                .collect();
                            for p in pkgs {
                                match p.as_str() {
                                    "ca-certificates" => st.files.push((
                                        "/etc/ssl/certs/ca-certificates.crt".into(),
                                        Origin::Plain,
                                    )),
                                    "tzdata" => {
                                        st.files.push(("/usr/share/zoneinfo".into(), Origin::Plain))
                                    }
                                    "gcc" | "build-base" | "build-essential" => {
                                        st.gcc = Some(true);
                                        st.installed.push(p.clone());
                                    }
                                    _ => st.installed.push(p.clone()),
                                }
                            }
                        }
                        Some("update" | "upgrade" | "clean" | "cache") => {}
                        _ => st.unfollowed.push((line, format!("`{cmd}`"))),
                    }
                }
                other => st.unfollowed.push((line, format!("`{other}`"))),
            }
            // A redirection writes a file; a passwd written so is not one whyrun reads.
            for pair in words.windows(2) {
                if matches!(pair[0].as_str(), ">" | ">>") {
                    let p = if pair[1].starts_with('/') {
                        clean(&pair[1])
                    } else {
                        clean(&format!("{cwd}/{}", pair[1]))
                    };
                    if p == "/etc/passwd" {
                        // `echo 'name:x:uid:gid:…' >> /etc/passwd`: the entries echoed.
                        let echoed: Option<Vec<String>> = (cmd == "echo").then(|| {
                            rest[1..]
                                .iter()
                                .take_while(|w| !matches!(w.as_str(), ">" | ">>"))
                                .filter(|w| !w.starts_with('-'))
                                .filter_map(|w| {
                                    let f: Vec<&str> = w.split(':').collect();
                                    (f.len() == 7).then(|| f[0].to_string())
                                })
                                .collect()
                        });
                        match (echoed.filter(|e| !e.is_empty()), pair[0].as_str()) {
                            (Some(e), ">>") => {
                                if let Some(users) = &mut st.base.users {
                                    users.extend(e);
                                }
                            }
                            (Some(e), _) => st.base.users = Some(e),
                            (None, _) => st.base.users = None,
                        }
                        st.base.has_passwd = true;
                    }
                    st.files.push((p, Origin::Plain));
                }
            }
        }
    }

    /// `go build`, `go install`, or another go subcommand.
    fn go_command(
        &mut self,
        st: &mut StageState,
        line: usize,
        prefix: &[(String, String)],
        args: &[String],
    ) {
        let sub = args.first().map(String::as_str).unwrap_or("");
        if !matches!(sub, "build" | "install") {
            return;
        }
        let get = |k: &str| {
            prefix
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .or_else(|| st.get(k))
                .filter(|v| !v.is_empty())
        };
        // Flags.
        let mut out: Option<String> = None;
        let mut tags = String::new();
        let mut ldflags = String::new();
        let mut packages = Vec::new();
        let mut i = 1;
        while i < args.len() {
            let a = &args[i];
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if a.starts_with('-') => (f.to_string(), Some(v.to_string())),
                _ => (a.clone(), None),
            };
            let takes = matches!(
                flag.trim_start_matches('-'),
                "o" | "tags"
                    | "ldflags"
                    | "gcflags"
                    | "asmflags"
                    | "mod"
                    | "p"
                    | "buildmode"
                    | "pkgdir"
                    | "toolexec"
                    | "modfile"
                    | "overlay"
                    | "pgo"
                    | "C"
                    | "installsuffix"
                    | "compiler"
                    | "gccgoflags"
                    | "buildvcs"
                    | "covermode"
                    | "coverpkg"
            );
            let value = if takes && inline.is_none() && !matches!(flag.as_str(), "-buildvcs") {
                i += 1;
                args.get(i).cloned()
            } else {
                inline
            };
            match flag.trim_start_matches('-') {
                "o" => out = value,
                "tags" => tags = value.unwrap_or_default(),
                "ldflags" => ldflags = value.unwrap_or_default(),
                _ if !a.starts_with('-') => packages.push(a.clone()),
                _ => {}
            }
            i += 1;
        }
        let workdir = st.workdir.clone();
        let Some(cwd_dir) = st.context_dir(&workdir) else {
            st.unfollowed.push((
                line,
                format!("go {sub} in {workdir}, whose sources whyrun cannot place"),
            ));
            return;
        };
        // The package built: a directory (`./cmd/server`) under the working directory.
        let dir = match packages.first().map(String::as_str) {
            Some(p) if p.starts_with("./") && !p.contains("...") => {
                let d = cwd_dir.join(p.trim_start_matches("./"));
                if !d.is_dir() {
                    st.unfollowed.push((
                        line,
                        format!("go {sub} {p}: no such directory in the context"),
                    ));
                    return;
                }
                d
            }
            Some(p) if p != "." => {
                st.unfollowed.push((
                    line,
                    format!("go {sub} {p}: a package whyrun does not place"),
                ));
                return;
            }
            _ => cwd_dir.clone(),
        };
        let goos = get("GOOS").unwrap_or_else(|| st.os.clone());
        let goarch = get("GOARCH").unwrap_or_else(|| st.arch.clone());
        let mut env: Vec<(String, String)> = Vec::new();
        for k in build::ENV_KEYS {
            if let Some(v) = get(k) {
                env.push((k.to_string(), v));
            }
        }
        let goflags_tags = if tags.is_empty() {
            String::new()
        } else {
            format!(" -tags={tags}")
        };
        if !goflags_tags.is_empty() {
            let gf = get("GOFLAGS").unwrap_or_default();
            env.push((
                "GOFLAGS".into(),
                format!("{gf}{goflags_tags}").trim().to_string(),
            ));
        }
        let req = BuildRequest {
            dir: dir.clone(),
            go: st.base.go.as_ref().map(|g| g.to_string()),
            env,
            binary: None,
        };
        let (mut subject, warnings) = match build::subject(&req) {
            Ok(s) => s,
            Err(e) => {
                self.warnings.push(e.to_string());
                self.failed = true;
                return;
            }
        };
        self.warnings.extend(warnings);
        // Replacement directories as the build sees them: inside the context only what
        // was copied; outside it, what the base image holds.
        if let Some(root) = whyrun_facts::gosrc::find_module_root(&dir) {
            // The module root as the build sees it: the working directory, or above it.
            let up = cwd_dir
                .strip_prefix(&root)
                .map(|down| {
                    down.components()
                        .map(|_| "..")
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            let root_in = clean(&format!("{workdir}/{up}"));
            if let Some(m) = &subject.gomod {
                for rd in subject.replace_dirs.iter_mut() {
                    let Some(r) = m.parsed.replace.get(rd.index) else {
                        continue;
                    };
                    let seen = clean(&format!("{root_in}/{}", r.new_path));
                    match st.lookup(&seen) {
                        Some(Origin::Context(p)) => {
                            rd.exists = p.join("go.mod").is_file();
                            rd.no_go_mod_at = (!rd.exists).then(|| seen.clone());
                        }
                        Some(_) => {
                            rd.exists = false;
                            rd.no_go_mod_at = Some(seen.clone());
                        }
                        None => {
                            rd.exists = false;
                            rd.no_go_mod_at = None;
                        }
                    }
                }
            }
        }
        let findings = whyrun_rules::run(Input::Build(&subject));
        let mut imports: Vec<String> = subject.imports.iter().map(|i| i.path.clone()).collect();
        let own = subject.module_path().map(str::to_string);
        let is_own = |p: &str| {
            own.as_deref()
                .is_some_and(|m| p == m || p.starts_with(&format!("{m}/")))
        };
        // Dependencies in a vendor/ tree are read like the module's own packages; the
        // others are not (their imports stay unknown).
        let mut unread: Vec<String> = Vec::new();
        if let Some(root) = whyrun_facts::gosrc::find_module_root(&dir) {
            let ctx = whyrun_facts::gosrc::BuildContext {
                goos: goos.clone(),
                goarch: goarch.clone(),
                cgo: get("CGO_ENABLED").as_deref() != Some("0"),
                go_minor: st.base.go.as_ref().map(|g| g.minor),
                tags: tags
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            };
            let mut queue: Vec<String> = imports
                .iter()
                .filter(|p| !whyrun_facts::gosrc::is_std_path(p) && !is_own(p))
                .cloned()
                .collect();
            let mut seen = std::collections::BTreeSet::new();
            while let Some(p) = queue.pop() {
                if !seen.insert(p.clone()) || seen.len() > 1000 {
                    continue;
                }
                let vdir = root.join("vendor").join(&p);
                if !vdir.is_dir() {
                    unread.push(p);
                    continue;
                }
                for i in whyrun_facts::gosrc::read(&vdir, &ctx).imports {
                    if whyrun_facts::gosrc::is_std_path(&i.path) {
                        if !imports.contains(&i.path) {
                            imports.push(i.path);
                        }
                    } else if !is_own(&i.path) {
                        queue.push(i.path);
                    }
                }
            }
        }
        // cgo: on when asked, else when a C compiler is found for a native build.
        let native = goarch == st.arch && goos == "linux";
        let cgo_env = get("CGO_ENABLED");
        let cgo_packages: Vec<String> = imports
            .iter()
            .filter(|p| CGO_STD.contains(&p.as_str()) || p.as_str() == "C")
            .cloned()
            .collect();
        let third_party = !unread.is_empty();
        // Go 1.20 stopped shipping a precompiled standard library and turns cgo off by
        // default where no C compiler is found (Go 1.20 release notes); Go 1.19 and older
        // keep cgo on and build net with the precompiled runtime/cgo, linked dynamically:
        // without gcc there, what they write is not predicted.
        let before_120 = st.base.go.as_ref().is_some_and(|g| !g.at_least(1, 20));
        if before_120 && st.gcc == Some(false) && cgo_env.as_deref() != Some("0") {
            st.unfollowed.push((
                line,
                "go build by Go 1.19 or older with cgo and no C compiler (its precompiled standard library decides the linkage)".into(),
            ));
            self.build_findings.extend(findings);
            self.build_subject = Some(subject);
            return;
        }
        let cgo = match cgo_env.as_deref() {
            Some("1") => Some(true),
            Some(_) => Some(false),
            None => st.gcc.map(|g| g && native),
        };
        let blocks = findings
            .iter()
            .any(|f| f.severity == whyrun_rules::Severity::BlocksBuild && !f.undecided);
        if !blocks && cgo == Some(true) && st.gcc == Some(false) && !cgo_packages.is_empty() {
            self.subject.cgo_without_compiler = Some(CgoWithoutCompiler {
                line,
                image: st.base.name.clone(),
                why: if prefix.iter().any(|(k, _)| k == "CGO_ENABLED") {
                    "CGO_ENABLED=1 on the RUN line".into()
                } else {
                    "ENV CGO_ENABLED=1".into()
                },
                cgo_packages: cgo_packages.clone(),
            });
            self.failed = true;
        }
        if blocks {
            self.failed = true;
        }
        self.build_findings.extend(findings);
        self.build_subject = Some(subject.clone());
        if self.failed {
            return;
        }
        let Some(cgo) = cgo else {
            st.unfollowed
                .push((line, "whether the stage has a C compiler (cgo)".into()));
            return;
        };
        let static_link = ldflags.contains("-static");
        let pure = tags.contains("netgo")
            && (tags.contains("osusergo") || !imports.iter().any(|p| p == "os/user"));
        let dynamic = cgo && !static_link && !pure && (!cgo_packages.is_empty() || third_party);
        // With cgo on, a dependency that imports net or os/user links libc dynamically;
        // the dependencies' sources are not read, so that is open unless the module's own
        // packages already import one.
        let open = (dynamic && cgo_packages.is_empty()).then(|| {
            (
                line,
                format!(
                    "cgo is on and whether a dependency ({}) imports net or os/user, which would link libc dynamically, is not known",
                    unread
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        });
        let machine = machine_of(&goarch);
        let interpreter = dynamic.then(|| {
            let table = match st.base.libc {
                Some(LibcFamily::Musl) => "musl",
                _ => "glibc",
            };
            interpreter_of(table, &machine)
        });
        let module = subject.module_path().map(str::to_string);
        let name = packages
            .first()
            .filter(|p| *p != "." && !p.ends_with("..."))
            .map(|p| {
                p.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(p)
                    .to_string()
            })
            .or_else(|| {
                module
                    .as_ref()
                    .map(|m| m.rsplit('/').next().unwrap_or(m).to_string())
            })
            .unwrap_or_else(|| "app".into());
        let path = match (sub, &out) {
            (_, Some(o)) => {
                let p = st.abs(o);
                if o.ends_with('/')
                    || st.lookup(&p).is_some_and(|o| matches!(o, Origin::Plain))
                        && !o.contains('.')
                        && st.files.iter().any(|(f, _)| *f == p)
                {
                    format!("{p}/{name}")
                } else {
                    p
                }
            }
            ("install", None) => {
                let bin = get("GOBIN").unwrap_or_else(|| {
                    format!("{}/bin", get("GOPATH").unwrap_or_else(|| "/go".into()))
                });
                format!("{}/{name}", bin.trim_end_matches('/'))
            }
            _ => st.abs(&name),
        };
        let (tls_entry_points, tls_reach) = tls_calls(&dir);
        let mut pk = imports.clone();
        if pk.iter().any(|p| p == "net/http") {
            pk.extend([
                "crypto/tls".to_string(),
                "crypto/x509".to_string(),
                "net".to_string(),
            ]);
        }
        let facts = GoBinary {
            machine,
            go_version: st
                .base
                .go
                .as_ref()
                .map(|g| format!("go{g}"))
                .unwrap_or_else(|| "go".into()),
            goos,
            goarch,
            cgo,
            needed: if dynamic {
                vec!["libc.so.6".into()]
            } else {
                Vec::new()
            },
            interpreter,
            packages: pk,
            tls_entry_points,
            tls_reach,
            module,
        };
        st.files.push((
            path,
            Origin::Binary(Box::new(Predicted {
                facts,
                command: std::iter::once("go".to_string())
                    .chain(args.iter().cloned())
                    .collect(),
                prefix: prefix.to_vec(),
                open,
            })),
        ));
    }

    /// The report: the build (toolchain) and, when it builds, the final stage.
    fn report(mut self, last: &StageState, config: &Config) -> Outcome {
        let mut launch: Vec<whyrun_rules::Finding> = Vec::new();
        let mut binary_facts = None;
        let mut program_path = String::new();
        if !self.failed {
            // USER.
            if let Some((user, line)) = &last.user {
                let name = user.split(':').next().unwrap_or(user);
                let numeric = name.chars().all(|c| c.is_ascii_digit());
                if !numeric && last.base.users.is_none() && last.base.known {
                    self.subject.undecided.push(Undecided {
                        line: *line,
                        what: format!("whether USER {user} is in the final stage's /etc/passwd"),
                        decide: "a RUN line writes /etc/passwd in a way whyrun does not read"
                            .into(),
                    });
                }
                if let (false, Some(users)) = (numeric, &last.base.users) {
                    let created = last
                        .unfollowed
                        .iter()
                        .any(|(_, w)| w.contains("adduser") || w.contains("useradd"));
                    let copied_passwd = last
                        .files
                        .iter()
                        .any(|(p, o)| p == "/etc/passwd" && !matches!(o, Origin::Plain));
                    if !users.iter().any(|u| u == name)
                        && !created
                        && !copied_passwd
                        && last.unfollowed.is_empty()
                    {
                        self.subject.missing_user = Some(MissingUser {
                            line: *line,
                            user: user.clone(),
                            image: last.base.name.clone(),
                            has_passwd: last.base.has_passwd,
                        });
                    }
                }
            }
            // The program.
            let command = last.entrypoint.as_ref().or(last.cmd.as_ref());
            if command.is_none() {
                if last.base.profile.as_deref() == Some("scratch") && last.base.known {
                    let subject = MissingCommand {
                        image: last.base.name.clone(),
                        ..Default::default()
                    };
                    launch.extend(whyrun_rules::run(Input::ImageCommand(&subject)));
                } else {
                    self.subject.undecided.push(Undecided {
                        line: last.from_line,
                        what: "the final stage sets no ENTRYPOINT or CMD: the base image's command runs".into(),
                        decide: format!("the command of {}", last.base.name),
                    });
                }
            }
            if let Some((c, _line)) = command {
                let program = match (c, last.base.shell) {
                    (Command::Exec(w), _) => w.first().cloned().unwrap_or_default(),
                    // `/bin/sh -c SCRIPT`: with a shell, the script's first word.
                    (Command::Shell(script), Some(true)) => dockerfile::simple_commands(script)
                        .filter(|c| c.len() == 1)
                        .and_then(|c| c[0].first().cloned())
                        .unwrap_or_else(|| "/bin/sh".into()),
                    (Command::Shell(_), _) => "/bin/sh".into(),
                };
                let program = last.expand(&program);
                let candidates: Vec<String> = if program.contains('/') {
                    vec![last.abs(&program)]
                } else {
                    last.get("PATH")
                        .unwrap_or_default()
                        .split(':')
                        .filter(|d| !d.is_empty())
                        .map(|d| format!("{}/{program}", d.trim_end_matches('/')))
                        .collect()
                };
                let found = candidates
                    .iter()
                    .find_map(|c| last.lookup(c).map(|o| (c.clone(), o)));
                match found {
                    Some((p, Origin::Binary(b))) => {
                        program_path = p;
                        binary_facts = Some(b);
                    }
                    Some(_) => {}
                    None if last.unfollowed.is_empty()
                        && last.base.known
                        && (last.base.profile.as_deref() == Some("scratch")
                            || (last.base.only_system_paths
                                && candidates.iter().all(|c| !is_system_path(c)))) =>
                    {
                        let subject = MissingCommand {
                            image: last.base.name.clone(),
                            program: program.clone(),
                            searched: candidates.clone(),
                            script: None,
                        };
                        launch.extend(whyrun_rules::run(Input::ImageCommand(&subject)));
                    }
                    None => self.subject.undecided.push(Undecided {
                        line: command.map(|c| c.1).unwrap_or(0),
                        what: format!("whether {program} is in the final stage"),
                        decide: format!(
                            "nothing the Dockerfile copies or builds is there; {} may hold it (whyrun knows its libc and run-time files, not each of its files), or a RUN line whyrun does not follow may",
                            last.base.name
                        ),
                    }),
                }
            }
        }
        if !self.failed && binary_facts.is_some() && last.base.known && last.base.profile.is_none()
        {
            self.subject.undecided.push(Undecided {
                line: last.from_line,
                what: format!("the final stage's base {} has no profile", last.base.name),
                decide: "a run target for the final stage".into(),
            });
        }
        let docker_findings = whyrun_rules::run(Input::Docker(&self.subject));
        let (build_side, run_side): (Vec<_>, Vec<_>) = docker_findings.into_iter().partition(|f| {
            f.severity == whyrun_rules::Severity::BlocksBuild || f.code == "BUILD017" && self.failed
        });
        let mut report = CheckReport::default();
        let mut targets = Vec::new();
        let mut build_findings = self.build_findings.clone();
        build_findings.extend(build_side);
        whyrun_rules::precedence::rank(&mut build_findings);
        let toolchain_subject =
            self.build_subject
                .clone()
                .unwrap_or_else(|| whyrun_rules::build::BuildSubject {
                    dir: self.context.display().to_string(),
                    toolchain: self.build_go.clone(),
                    ..Default::default()
                });
        let mut build_target = build::toolchain_report(&toolchain_subject, build_findings, config);
        build_target.kind = "build stage".into();
        targets.push(build_target);
        let n = self.parsed.stages.len();
        let mut summary = format!("Dockerfile, {n} stage{}", if n == 1 { "" } else { "s" });
        if !self.failed {
            let mut findings = launch;
            findings.extend(run_side);
            let mut model = last
                .base
                .profile
                .as_deref()
                .and_then(|p| whyrun_target::profiles::model(p, Some(&last.arch)).ok());
            if let (Some(m), Some(b)) = (&mut model, &binary_facts) {
                copied_runtime_files(m, last);
                for (k, v) in &last.env {
                    m.env.insert(k.clone(), v.clone());
                }
                let facts = predicted::go_binary(&b.facts);
                summary.push_str(&format!(
                    "; the final stage (FROM {}) will hold {program_path}, predicted: {}",
                    last.base.name,
                    crate::summarize(&facts)
                ));
                let libraries = whyrun_target::resolution::from_index(&facts, m, &program_path);
                let options = CheckOptions {
                    run_as: last.user.as_ref().map(|u| u.0.clone()),
                    user_from_launch: true,
                };
                let ctx = CheckContext {
                    binary: Binary {
                        display_path: program_path.clone(),
                        path_in_target: program_path.clone(),
                        facts: &facts,
                        mode: Some(0o755),
                        uid: Some(0),
                        gid: Some(0),
                    },
                    target: m,
                    libraries: &libraries,
                    options: &options,
                };
                findings.extend(
                    whyrun_rules::check(&ctx)
                        .into_iter()
                        .map(|f| with_runtime_words(f, &program_path))
                        .map(|f| with_run_line(f, b))
                        .map(|f| left_open(f, b, last, &self.shown)),
                );
            }
            whyrun_rules::precedence::rank(&mut findings);
            let name = last
                .base
                .profile
                .clone()
                .unwrap_or_else(|| last.base.name.clone());
            let mut t = TargetReport {
                target: name,
                kind: "final stage".into(),
                path_in_target: program_path.clone(),
                verdict: Verdict::of(&findings),
                findings,
                ignored: Vec::new(),
                image: None,
                rebuild: None,
            };
            config.apply(&mut t, &self.shown);
            targets.push(t);
        }
        report.binaries.push(BinaryReport {
            path: self.shown.clone(),
            summary,
            targets,
        });
        if let Some(input) = config.report() {
            report.inputs.push(input);
        }
        Outcome {
            report,
            errors: self
                .warnings
                .into_iter()
                .map(|w| InputError::new(self.shown.clone(), w))
                .collect(),
        }
    }
}

/// A finding about the binary in the final stage that a step whyrun does not follow may
/// change, made "cannot tell" with that step: the prediction's own open question (a
/// dependency's linkage), a package the final stage installs (it may bring the loader or
/// a library: `apk add gcompat`), or a RUN line of the final stage it does not follow.
fn left_open(
    f: whyrun_rules::Finding,
    b: &Predicted,
    last: &StageState,
    dockerfile: &str,
) -> whyrun_rules::Finding {
    if f.undecided || matches!(f.severity, whyrun_rules::Severity::Info) {
        return f;
    }
    let at = |line: usize| whyrun_rules::Location::FileLine {
        path: dockerfile.to_string(),
        line,
        column: 1,
    };
    let linkage = f.code.starts_with("LIBC") || f.code.starts_with("LIB0");
    if let (true, Some((line, why))) = (linkage, &b.open) {
        return f.evidence(why.clone(), at(*line)).undecided();
    }
    if linkage && !last.installed.is_empty() {
        return f
            .evidence(
                format!(
                    "the final stage installs {}, which may provide what is missing",
                    last.installed.join(", ")
                ),
                at(last.from_line),
            )
            .undecided();
    }
    if let Some((line, what)) = last.unfollowed.first() {
        return f
            .evidence(
                format!(
                    "the final stage runs {what}, which whyrun does not follow: it may change this"
                ),
                at(*line),
            )
            .undecided();
    }
    f
}

/// Whether `path` is under a directory a base image fills (`/bin`, `/usr/bin`, `/lib`,
/// …): whether a program there exists depends on the image's packages.
fn is_system_path(path: &str) -> bool {
    [
        "/bin/",
        "/sbin/",
        "/usr/bin/",
        "/usr/sbin/",
        "/lib/",
        "/lib64/",
        "/usr/lib/",
        "/usr/libexec/",
        "/usr/share/",
        "/etc/",
        "/opt/",
    ]
    .iter()
    .any(|d| path.starts_with(d))
}

/// A finding whose failure the container runtime reports in its own words, with them:
/// runc wraps the `execve` error as `exec PATH: ERROR` (`libcontainer/standard_init_linux.go`;
/// seen here with podman and runc: `exec /app: no such file or directory` for a missing
/// interpreter, `exec /app: exec format error` for another machine).
fn with_runtime_words(f: whyrun_rules::Finding, path: &str) -> whyrun_rules::Finding {
    let words = match f.code {
        "LIBC001" | "LIBC002" => "no such file or directory",
        "ARCH001" => "exec format error",
        _ => return f,
    };
    f.evidence(
        format!("the container runtime stops with \"exec {path}: {words}\""),
        whyrun_rules::Location::Named {
            name: "container runtime".into(),
        },
    )
}

/// A finding whose fix rebuilds the binary with other variables (`CGO_ENABLED=0`,
/// `GOARCH`) gets the build stage's own `RUN` line so changed as its first command.
fn with_run_line(mut f: whyrun_rules::Finding, b: &Predicted) -> whyrun_rules::Finding {
    if !matches!(f.code, "LIBC001" | "LIBC002" | "ARCH001") {
        return f;
    }
    let Some(fix) = &mut f.fix else { return f };
    let Some(change) = &fix.rebuild else { return f };
    let mut vars: Vec<(String, String)> = b
        .prefix
        .iter()
        .filter(|(k, _)| !change.env.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    for (k, v) in &change.env {
        // In a stage built for another platform, GOARCH follows the target's.
        let v = if k == "GOARCH" {
            "$TARGETARCH".to_string()
        } else {
            v.clone()
        };
        vars.push((k.clone(), v));
    }
    let line = vars
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(b.command.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    fix.commands.insert(0, format!("RUN {line}"));
    f
}

/// The files copied into the final stage that its base lacks: a CA bundle, zoneinfo,
/// a passwd.
fn copied_runtime_files(m: &mut TargetModel, last: &StageState) {
    let base = last.base.files.iter().chain(&last.base.trees);
    let copied = last.files.iter().map(|(p, _)| p);
    for p in base.chain(copied) {
        if p.starts_with("/etc/ssl/certs") {
            m.runtime_files.ca_bundle.get_or_insert_with(|| {
                if p.ends_with(".crt") || p.ends_with(".pem") {
                    p.clone()
                } else {
                    "/etc/ssl/certs/ca-certificates.crt".into()
                }
            });
        }
        if p.starts_with("/usr/share/zoneinfo") {
            m.runtime_files
                .zoneinfo
                .get_or_insert_with(|| "/usr/share/zoneinfo".into());
        }
        if p == "/etc/passwd" {
            m.runtime_files.passwd = true;
        }
    }
}

/// The program interpreter of `libc` (`glibc`, `musl`) on `machine` (FACTS.md table).
fn interpreter_of(libc: &str, machine: &str) -> String {
    let glibc = match machine {
        "x86_64" => "/lib64/ld-linux-x86-64.so.2",
        "aarch64" => "/lib/ld-linux-aarch64.so.1",
        "armhf" => "/lib/ld-linux-armhf.so.3",
        "i386" => "/lib/ld-linux.so.2",
        "ppc64le" => "/lib64/ld64.so.2",
        "s390x" => "/lib/ld64.so.1",
        "riscv64" => "/lib/ld-linux-riscv64-lp64d.so.1",
        _ => "/lib/ld-linux.so",
    };
    match libc {
        "musl" => format!(
            "/lib/ld-musl-{}.so.1",
            match machine {
                "armhf" => "armhf",
                "ppc64le" => "powerpc64le",
                m => m,
            }
        ),
        _ => glibc.into(),
    }
}

/// The TLS entry points the program's own sources reach (`http.Get(`, `tls.Dial`, …),
/// from the non-test `.go` files of `dir` (each read up to 256 KiB), and how the first
/// call is reached: from `main` or `init` (as the program starts) or another function of
/// the main package.
fn tls_calls(dir: &Path) -> (Vec<String>, Option<whyrun_facts::go::Reach>) {
    use whyrun_facts::go::{Reach, Reached};
    let mut out: Vec<String> = Vec::new();
    let mut reach: Option<Reach> = None;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return (out, reach);
    };
    for e in rd.filter_map(Result::ok).take(500) {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".go") || name.ends_with("_test.go") {
            continue;
        }
        let Ok(text) = read_capped(&e.path(), 256 << 10) else {
            continue;
        };
        for (call, entry) in TLS_CALLS {
            let Some(at) = text.find(call) else { continue };
            if X509_ENTRY_POINTS.contains(entry) && !out.iter().any(|o| o == entry) {
                out.push(entry.to_string());
            }
            // The function the call is in: the last `func NAME(` before it.
            let func = text[..at]
                .rfind("\nfunc ")
                .map(|i| &text[i + 6..at])
                .and_then(|f| f.split('(').next())
                .map(str::trim)
                .unwrap_or("");
            let how = if func == "main" || func == "init" {
                Reached::StartUp
            } else {
                Reached::Feature
            };
            if reach.as_ref().is_none_or(|r| r.how < how) {
                reach = Some(Reach {
                    how,
                    chain: vec![
                        format!("main.{}", if func.is_empty() { "main" } else { func }),
                        entry.to_string(),
                    ],
                });
            }
        }
    }
    (out, reach)
}

/// The functions `whyrun_facts` counts as verifying certificates against the system
/// roots themselves (its X509 entry points).
const X509_ENTRY_POINTS: &[&str] = &[
    "crypto/tls.dial",
    "net/http.(*Transport).dialConn",
    "crypto/x509.SystemCertPool",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned() {
        assert_eq!(clean("/src/../lib"), "/lib");
        assert_eq!(clean("/a/./b/"), "/a/b");
    }

    /// A context with `files` and `dockerfile`, followed with `build_args` for
    /// `platform`: each target's verdict and first finding's code.
    fn follow(
        files: &[(&str, &str)],
        dockerfile: &str,
        build_args: &[(&str, &str)],
        platform: Option<&str>,
        target: Option<&str>,
    ) -> (Vec<(Verdict, Option<&'static str>)>, String) {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let f = d.path().join(name);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, text).unwrap();
        }
        std::fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
        let req = DockerRequest {
            dockerfile: d.path().join("Dockerfile"),
            build_args: build_args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            platform: platform.map(str::to_string),
            target: target.map(str::to_string),
            ..Default::default()
        };
        let out = check(&req, &Config::default());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let b = &out.report.binaries[0];
        (
            b.targets
                .iter()
                .map(|t| (t.verdict, t.findings.first().map(|f| f.code)))
                .collect(),
            b.summary.clone(),
        )
    }

    const GOMOD: &str = "module example.com/app\n\ngo 1.22\n";
    const NET: &str =
        "package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.DefaultServeMux }\n";

    #[test]
    fn a_global_arg_and_a_build_arg_choose_the_base() {
        let df = "ARG VARIANT=bookworm\nFROM golang:1.22-${VARIANT} AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
        let files = [("go.mod", GOMOD), ("main.go", NET)];
        let (targets, _) = follow(&files, df, &[], None, None);
        assert_eq!(targets[1], (Verdict::WontStart, Some("LIBC001")));
        let (targets, _) = follow(&files, df, &[("VARIANT", "alpine")], None, None);
        assert_eq!(targets, [(Verdict::WontBuild, Some("BUILD015"))]);
    }

    #[test]
    fn targetarch_is_empty_unless_declared_in_the_stage() {
        let files = [("go.mod", GOMOD), ("main.go", NET)];
        let declared = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
        let (targets, summary) = follow(&files, declared, &[], Some("linux/arm64"), None);
        assert_eq!(targets[1].0, Verdict::Runs, "{summary}");
        assert!(summary.contains("aarch64"), "{summary}");
        // Without `ARG TARGETARCH` in the stage, $TARGETARCH is empty: GOARCH is the
        // build platform's, and the binary is for the wrong machine.
        let undeclared = declared.replace("ARG TARGETARCH\n", "");
        let (targets, summary) = follow(&files, &undeclared, &[], Some("linux/arm64"), None);
        assert_eq!(
            targets[1],
            (Verdict::WontStart, Some("ARCH001")),
            "{summary}"
        );
    }

    #[test]
    fn a_dependencys_linkage_with_cgo_on_cannot_be_told() {
        let files = [
            (
                "go.mod",
                "module example.com/app\n\ngo 1.22\n\nrequire github.com/x/y v1.0.0\n",
            ),
            (
                "main.go",
                "package main\n\nimport \"github.com/x/y\"\n\nfunc main() { y.Do() }\n",
            ),
            // Without its go.sum lines the build stops first (BUILD009).
            (
                "go.sum",
                "github.com/x/y v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ngithub.com/x/y v1.0.0/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
            ),
        ];
        let df = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM alpine:3.19\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
        let (targets, _) = follow(&files, df, &[], None, None);
        assert_eq!(targets[1], (Verdict::CannotTell, Some("LIBC001")));
    }

    #[test]
    fn target_names_the_stage_built() {
        let files = [("go.mod", GOMOD), ("main.go", NET)];
        let df = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
        let (targets, summary) = follow(&files, df, &[], None, Some("build"));
        assert_eq!(targets[1].0, Verdict::Runs);
        assert!(
            summary.contains("FROM golang:1.22) will hold /app"),
            "{summary}"
        );
    }

    #[test]
    fn go_119_without_gcc_is_not_predicted() {
        let files = [
            ("go.mod", "module example.com/app\n\ngo 1.19\n"),
            ("main.go", NET),
        ];
        let df = "FROM golang:1.19-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /app .\nFROM alpine:3.19\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
        let (targets, _) = follow(&files, df, &[], None, None);
        assert!(
            targets.iter().all(|t| t.1 != Some("BUILD015")),
            "{targets:?}"
        );
        assert_eq!(targets[1].0, Verdict::CannotTell, "{targets:?}");
    }

    #[test]
    fn golang_tags_are_known() {
        let b = base_of("golang:1.22-alpine");
        assert_eq!(b.gcc, Some(false));
        assert_eq!(b.go.unwrap().minor, 22);
        let b = base_of("docker.io/library/golang:1.22-bookworm");
        assert_eq!(b.gcc, Some(true));
        assert!(!base_of("corp/builder:3").known);
        assert_eq!(
            base_of("alpine:3.19").profile.as_deref(),
            Some("alpine-3.19")
        );
    }
}
