//! A Dockerfile's stages as a subject: what the pipeline (`whyrun_check::docker`) found
//! while following them as BuildKit would — a `COPY` whose source is not there, a `go
//! build` with cgo on and no C compiler, a `USER` the final stage's passwd lacks, a step
//! it could not follow — as plain data with the Dockerfile line of each. The rules
//! `BUILD015`…`BUILD017` and `LAUNCH013` judge it; the binary the final stage will hold is
//! judged by the binary rules, not here.

/// The stages of one Dockerfile, followed.
#[derive(Debug, Clone, Default)]
pub struct DockerSubject {
    /// The Dockerfile, as shown.
    pub dockerfile: String,
    /// `COPY`/`ADD` sources that do not exist where they are copied from.
    pub missing_sources: Vec<MissingSource>,
    /// A `go build` with cgo on in a stage without a C compiler.
    pub cgo_without_compiler: Option<CgoWithoutCompiler>,
    /// The final stage's `USER`, when its passwd is known not to list it.
    pub missing_user: Option<MissingUser>,
    /// What the pipeline could not follow, where it decides the outcome.
    pub undecided: Vec<Undecided>,
}

/// A `COPY` source that is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSource {
    pub line: usize,
    /// The source as written.
    pub source: String,
    /// `None`: the build context; else the stage (`--from=build`) it was to come from.
    pub from: Option<String>,
    /// The path looked for, as the builder looks for it (`/out/app` in the stage, or the
    /// path in the context).
    pub looked_for: String,
    /// When the file is there but `.dockerignore` leaves it out: the file's and the
    /// `.dockerignore`'s paths, as the builder names them.
    pub ignored_by: Option<(String, String)>,
}

/// `go build` with `CGO_ENABLED=1` where no `gcc` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgoWithoutCompiler {
    pub line: usize,
    /// The stage's base image.
    pub image: String,
    /// Where cgo was turned on (`CGO_ENABLED=1 on the RUN line`, `ENV CGO_ENABLED=1`).
    pub why: String,
    /// The imports that need cgo (`net`, `os/user`, `C`).
    pub cgo_packages: Vec<String>,
}

/// A `USER` missing from the final stage's passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingUser {
    pub line: usize,
    pub user: String,
    /// The final stage's base image.
    pub image: String,
    /// Whether the stage has an `/etc/passwd` at all.
    pub has_passwd: bool,
}

/// A step whyrun could not follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub line: usize,
    /// What is open (`the base image "corp/go:1"`, `the RUN line`).
    pub what: String,
    /// What would decide it.
    pub decide: String,
}
