//! The command-line interface, defined once with clap: `--help`, shell completions and the
//! man page are all generated from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  whyrun inspect ./server                 what the binary needs, at a glance
  whyrun inspect --json ./server | jq .   every fact, as versioned JSON
  whyrun inspect -v bin/*                 all dependencies and build settings

  whyrun check ./server -t alpine-3.19    will it run there, and if not, why
  whyrun check ./app --go 1.22.1          will these Go sources build with Go 1.22.1

Exit codes of whyrun check (each command's --help gives its own):
  0  runs on every target (risks and notes may be reported)
  1  will not start, or fails at run time, on at least one target
  2  usage error, or an input could not be read (the others are still checked)
  3  cannot tell on at least one target, and nothing above
  4  will not build (Go sources judged against a toolchain); before 1 and 3, after 2
whyrun inspect: 0 every file was inspected, 2 a file could not be read.";

/// Will this Linux binary run on that system, and if not, why and how to fix it.
///
/// whyrun reads an ELF binary (C, C++, Rust, Go) without running it and reports what it
/// needs from the system: CPU architecture and level, libc and program interpreter, shared
/// libraries and symbol versions, and for Go binaries the toolchain, build settings,
/// modules and the runtime files the linked packages read.
#[derive(Debug, Parser)]
#[command(name = "whyrun", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output: `auto` on a terminal without NO_COLOR.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// `--format human|json` (and `--json`, the same as `--format json`), as every command
/// that prints a report takes it.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = TextFormat::Human)]
    pub format: TextFormat,
    /// The same as --format json.
    #[arg(long)]
    pub json: bool,
}

impl OutputArgs {
    pub fn json(&self) -> bool {
        self.json || self.format == TextFormat::Json
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Will this binary run on that system? A verdict per target, the causes ranked, the
    /// evidence, and a fix for this binary.
    #[command(after_help = CHECK_HELP)]
    Check(Box<CheckArgs>),
    /// Name the causes of an error message, and with a binary, say which one applies.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
    /// List every rule: code, severity and what it finds.
    #[command(
        after_help = "Examples:\n  whyrun rules\n  whyrun rules | grep LAUNCH\n  whyrun rules --json | jq '.rules[].code'\n\nEach rule's page: whyrun rule CODE, or docs/rules/CODE.md."
    )]
    Rules(RulesArgs),
    /// Print one rule's documentation.
    #[command(after_help = "Example:\n  whyrun rule LIBC001\n  whyrun rule missing-interpreter")]
    Rule(RuleArgs),
    /// Show every fact a binary states about what it needs to run.
    #[command(after_help = "\
Examples:
  whyrun inspect ./server
  whyrun inspect --json ./server ./worker
  whyrun inspect --verbose /usr/bin/ls

Exit codes: 0 all files inspected, 2 a file could not be read.")]
    Inspect(InspectArgs),
    /// Show the shared-library tree the dynamic loader would build, and why each library
    /// is found where it is (or where it was looked for).
    #[command(after_help = "\
Examples:
  whyrun tree /usr/bin/curl
  whyrun tree --root /srv/rootfs /usr/bin/python3
  whyrun tree --json ./server | jq '.files[0].tree.missing'

Exit codes: 0 every library and symbol version found, 1 something is missing,
2 a file could not be read.")]
    Tree(TreeArgs),
    /// Describe this machine (kernel, CPU, libc, libraries, runtime files) as
    /// `whyrun.target/1` JSON, to check binaries against it from elsewhere.
    #[command(after_help = "\
Examples:
  whyrun snapshot > host.json
  whyrun snapshot --root /host -o /out/node.json     (a container with the host's / mounted)

Exit codes: 0 written, 2 the root or the output could not be used.")]
    Snapshot(SnapshotArgs),
    /// Print a shell completion script to standard output.
    #[command(after_help = "Example:\n  whyrun completions bash > /etc/bash_completion.d/whyrun")]
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output: whyrun's, or one command's.
    #[command(
        after_help = "Examples:\n  whyrun man > whyrun.1 && man ./whyrun.1\n  whyrun man check > whyrun-check.1"
    )]
    Man(ManArgs),
    /// Print whyrun's version; with --verbose, how this binary was built.
    #[command(after_help = "\
Examples:
  whyrun version
  whyrun version --verbose            commit, target triple, linkage, compiler, rule count
  whyrun version --verbose --json")]
    Version(VersionArgs),
}

const CHECK_HELP: &str = "\
Placement:
  BINARY is a file on this machine, checked as if copied to --as PATH in each target
  (default /usr/local/bin/NAME). With --inside PATH the binary is already in the target
  (a path in the root or image) and is read there, with its $ORIGIN libraries.
  With --image and neither, the image's entrypoint is checked.

Examples:
  whyrun check ./server                                 on this machine
  whyrun check ./server --target alpine-3.19 --target scratch --target debian-12
  whyrun check ./server --image app.tar                 a docker save tarball or OCI layout
  whyrun check --image app.tar                          the image's own entrypoint
  whyrun check --root /srv/rootfs --inside /usr/bin/app a binary already in a root
  whyrun check ./server --target fleet/web-01.json      a snapshot (whyrun snapshot)
  whyrun check ./server --format sarif > whyrun.sarif   for code scanning
  whyrun check ./server --ignore GO006 --severity GO002=warning
  whyrun check --unit app.service --root /srv/rootfs   a systemd unit and its drop-ins
  whyrun check ./server --unit app.service --root R --writes /var/lib/app/db --port 80

Configuration:
  whyrun.toml, found from the current directory upwards (--config FILE, --no-config):
    targets = [\"alpine-3.19\"]          checked when no target is named
    ignore = [\"GO006\"]                 never reported, never fails the run
    [severity]                          error | warning | note
    GO002 = \"warning\"
    [per-path-ignores]                  glob on the binary's path
    \"**/legacy-*\" = [\"LIB005\"]

Go sources (before the binary exists):
  whyrun check ./app --go 1.22.1 --env GOTOOLCHAIN=local
  DIR holds a go.mod (or has one above it, or is a GOPATH-style tree without one): the
  build is judged against the toolchain --go names, in the environment --env gives
  (GOTOOLCHAIN, GO111MODULE, GOFLAGS, CGO_ENABLED, GOOS, GOARCH, GOPATH, GOPROXY; whyrun's
  own environment is not used). Without --go the verdict is 'cannot tell'.

Exit codes:
  0  runs on every target (risks and notes may be reported)
  1  will not start, or fails at run time, on at least one target (a finding at level
     error: the default of those two, or as --severity and whyrun.toml set it)
  2  usage error, or an input (binary, root, image, snapshot, whyrun.toml) could not be read
     or is wrong (each named in one line on stderr; the others are still checked)
  3  cannot tell on at least one target, and nothing above: the target does not say
     something that could stop the binary (the finding names it: give a snapshot of the
     machine, --this-machine for a root or image that runs here, or a profile with @ARCH)
  4  will not build (Go sources: a finding at level error that blocks the build); ranked
     before 1 and 3, after 2";

const EXPLAIN_HELP: &str = "\
Examples:
  whyrun explain \"exec format error\"
  whyrun explain \"version \\`GLIBC_2.34' not found\" ./server --target debian-11
  whyrun explain \"x509: certificate signed by unknown authority\" ./server --image app.tar

Exit codes: 0 the message was recognised, 1 it was not, 2 usage or input error.";

/// Where the binary runs: built-in profiles, snapshots, root directories, images.
#[derive(Debug, Args, Clone, Default)]
pub struct TargetArgs {
    /// A built-in profile (`whyrun check --list-targets`), for another architecture with
    /// `@ARCH` (`debian-12@arm64`, `alpine-3.19@arm/v7`), or a snapshot file written by
    /// `whyrun snapshot`; `all` for every built-in profile. Repeatable.
    #[arg(long = "target", short = 't', value_name = "NAME|FILE.json")]
    pub targets: Vec<String>,
    /// A root file system (chroot semantics). Repeatable.
    #[arg(long = "root", value_name = "DIR")]
    pub roots: Vec<PathBuf>,
    /// A container image: `docker save` tarball, or OCI image layout (directory or tar).
    /// Repeatable.
    #[arg(long = "image", value_name = "PATH")]
    pub images: Vec<PathBuf>,
    /// The roots and images will run on this machine: take the kernel, CPU and
    /// binfmt_misc handlers from it (otherwise they are unknown).
    #[arg(long)]
    pub this_machine: bool,
    /// For an image archive that holds several images (a multi-platform index, a
    /// `docker save` of several): check only the one for this platform, `os/arch[/variant]`
    /// (`linux/arm64`). By default each image is checked, for a machine of its own
    /// platform (one verdict per platform); with --this-machine, the one for this machine.
    /// Each target is named with the image read (`app.tar (linux/arm64)`).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The binary on this machine to check (omit with --inside, or with --image to check
    /// the image's entrypoint); or a directory of Go sources, judged before it is built.
    #[arg(value_name = "BINARY|DIR")]
    pub binary: Option<PathBuf>,
    /// More binaries, checked against the same targets with one summary at the end. A
    /// `*`, `?` or `[…]` in the last part of a path is expanded, as a shell would.
    #[arg(value_name = "BINARY")]
    pub more: Vec<PathBuf>,
    /// For a DIR of Go sources: the Go toolchain that builds it (`1.22.1`, `go1.22.1`).
    #[arg(long, value_name = "VERSION")]
    pub go: Option<String>,
    /// The Go source tree (a directory with go.mod) BINARY is said to be built from: its
    /// module path, dependency versions and git commit are compared with BINARY's build
    /// info, and the tree is judged against BINARY's Go version.
    #[arg(long, value_name = "DIR", requires = "binary")]
    pub source: Option<PathBuf>,
    /// For a DIR of Go sources: a variable of the build's environment (repeatable):
    /// GOTOOLCHAIN, GO111MODULE, GOFLAGS, CGO_ENABLED, GOOS, GOARCH, GOPATH, GOPROXY.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = whyrun_check::build::parse_env)]
    pub env: Vec<(String, String)>,
    /// A Dockerfile to follow as BuildKit would: its build stage judged before it builds,
    /// the binary it will produce judged against its final stage. With it, `--target`
    /// names the stage to build (as `docker build --target`) and `--platform` the target
    /// platform.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["binary", "inside", "go", "env"])]
    pub dockerfile: Option<PathBuf>,
    /// With --dockerfile: the build context (default: the Dockerfile's directory).
    #[arg(long, value_name = "DIR", requires = "dockerfile")]
    pub context: Option<PathBuf>,
    /// With --dockerfile: a build argument (repeatable), as `docker build --build-arg`.
    #[arg(long = "build-arg", value_name = "KEY=VALUE", requires = "dockerfile", value_parser = parse_build_arg)]
    pub build_args: Vec<(String, String)>,
    #[command(flatten)]
    pub targets: TargetArgs,
    /// The binary is already in the target, at this path.
    #[arg(long, value_name = "PATH", conflicts_with = "binary")]
    pub inside: Option<String>,
    /// Where the binary will be placed in the target (default /usr/local/bin/NAME).
    #[arg(long = "as", value_name = "PATH", requires = "binary")]
    pub deploy_as: Option<String>,
    #[arg(long, value_name = "USER[:GROUP]", help = USER_HELP)]
    pub user: Option<String>,
    #[command(flatten)]
    pub launch: LaunchArgs,
    #[command(flatten)]
    pub container: ContainerArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The least verdict that makes the exit code non-zero: `never`, `will-not-start`
    /// (and will not build), `fails-at-run-time`, `cannot-tell` (the default), `risk`.
    #[arg(long, value_enum, default_value_t = FailOn::CannotTell, value_name = "VERDICT")]
    pub fail_on: FailOn,
    /// Print only the targets where it will not build, start or run, or where whyrun
    /// cannot tell; nothing when every target runs (human format).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// List the built-in target profiles and exit.
    #[arg(long, exclusive = true)]
    pub list_targets: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `--user`, taken by the commands that judge a program started on a target (`check`, and
/// `explain` with a binary); `tree`, `inspect` and `snapshot` do not take it: the loader's
/// search and a binary's facts are the same for every user.
const USER_HELP: &str = "The user the program runs as, USER[:GROUP] by name or number as \
Docker's --user takes it, resolved in each target's /etc/passwd and /etc/group (default: the \
image's User, the current user on this machine, a profile's default user, else root). It \
decides execute permission on the binary or script (FS001) and whose passwd entry os/user \
lookups need (GO004).";

/// How the program is launched: a systemd unit, and what it listens on, reads and writes.
#[derive(Debug, Args, Clone, Default)]
pub struct LaunchArgs {
    /// A systemd unit: a name (`app.service`) looked up with its drop-ins in each root's
    /// unit paths, or a unit file's path. Its ExecStart= is the program (a BINARY
    /// argument overrides it), run as its User= (`--user` overrides it); judged as
    /// systemd starts it (status=217/USER, 203/EXEC, 200/CHDIR, Result=resources) and for
    /// its sandboxing and capabilities.
    #[arg(long, value_name = "NAME|PATH", conflicts_with = "inside")]
    pub unit: Option<String>,
    /// A TCP port the program listens on (repeatable): below 1024 it needs
    /// CAP_NET_BIND_SERVICE.
    #[arg(long, value_name = "N")]
    pub port: Vec<u16>,
    /// A file the program reads (repeatable), checked for the user it runs as.
    #[arg(long, value_name = "PATH")]
    pub reads: Vec<String>,
    /// A path the program writes (repeatable), checked against the unit's sandboxing.
    #[arg(long, value_name = "PATH")]
    pub writes: Vec<String>,
    /// The program's own arguments, after `--` (instead of the unit's ExecStart=
    /// arguments): ports (`--addr :80`) and files (`--config PATH`, `--log-file PATH`)
    /// are learned from them.
    #[arg(last = true, value_name = "ARGS")]
    pub program_args: Vec<String>,
}

impl LaunchArgs {
    /// Whether the launch is judged at all.
    pub fn any(&self) -> bool {
        self.unit.is_some()
            || !self.port.is_empty()
            || !self.reads.is_empty()
            || !self.writes.is_empty()
            || !self.program_args.is_empty()
    }
}

/// How a container of the `--image` is started: a Kubernetes manifest, a Compose file or
/// the flags, and the runtime that starts it.
#[derive(Debug, Args, Clone, Default)]
pub struct ContainerArgs {
    /// A Kubernetes manifest (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
    /// CronJob; several documents per file): its containers are judged on the --image, with
    /// their securityContext, command/args, env, workingDir, ports and volumes. Without
    /// --runtime, containerd.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "compose",
        requires = "images"
    )]
    pub manifest: Option<PathBuf>,
    /// With --manifest: only the container of this name.
    #[arg(long, value_name = "NAME", requires = "manifest")]
    pub container: Option<String>,
    /// A Compose file: its services are judged on the --image (user, cap_add/cap_drop,
    /// read_only, ports, volumes, tmpfs, working_dir, entrypoint/command, environment,
    /// sysctls, network_mode). Without --runtime, Docker.
    #[arg(long, value_name = "FILE", requires = "images")]
    pub compose: Option<PathBuf>,
    /// With --compose: only the service of this name.
    #[arg(long, value_name = "NAME", requires = "compose")]
    pub service: Option<String>,
    /// The runtime that starts the container, NAME[@VERSION]: docker, podman, containerd,
    /// cri-o, runc. It decides what a non-root user gets from an added capability and
    /// net.ipv4.ip_unprivileged_port_start; where that matters and no runtime is named, the
    /// verdict is "cannot tell".
    #[arg(long, value_name = "NAME[@VERSION]", requires = "images")]
    pub runtime: Option<String>,
    /// A capability added to the container (repeatable), as --cap-add: NET_BIND_SERVICE.
    #[arg(long = "cap", value_name = "CAP", requires = "images")]
    pub caps: Vec<String>,
    /// The container's root file system is read-only (--read-only).
    #[arg(long, requires = "images")]
    pub read_only: bool,
    /// The working directory the container is started in (--workdir).
    #[arg(long, value_name = "DIR", requires = "images")]
    pub workdir: Option<String>,
    /// A sysctl of the container (repeatable): net.ipv4.ip_unprivileged_port_start=0.
    #[arg(long = "sysctl", value_name = "KEY=VALUE", requires = "images")]
    pub sysctls: Vec<String>,
    /// The container shares the host's network namespace (--network host).
    #[arg(long, requires = "images")]
    pub host_network: bool,
}

/// Which findings are reported, and how loudly: `whyrun.toml` and its overrides.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Read the configuration from FILE instead of the whyrun.toml found from the current
    /// directory upwards.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no configuration file.
    #[arg(long)]
    pub no_config: bool,
    /// Do not report findings of these rules (repeatable, or comma-separated as ruff
    /// takes them). They change neither the verdict nor the exit code.
    #[arg(long, value_name = "CODE[,CODE…]", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Report a rule at this level (repeatable, or comma-separated): `error` fails the
    /// exit code, `warning` and `note` do not.
    #[arg(long, value_name = "CODE=error|warning|note", value_delimiter = ',')]
    pub severity: Vec<String>,
    /// List the ignored findings too.
    #[arg(long)]
    pub show_ignored: bool,
}

impl TargetArgs {
    /// The targets as the check pipeline takes them.
    /// The targets named; `all` stands for every built-in profile.
    pub fn spec(&self) -> whyrun_target::TargetSpec {
        let mut targets = Vec::new();
        for t in &self.targets {
            if t == "all" {
                targets.extend(
                    whyrun_target::profiles::names()
                        .into_iter()
                        .map(str::to_string),
                );
            } else {
                targets.push(t.clone());
            }
        }
        whyrun_target::TargetSpec {
            targets,
            roots: self.roots.clone(),
            images: self.images.clone(),
            this_machine: self.this_machine,
            platform: self.platform.clone(),
        }
    }
}

/// The least verdict that fails a run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Never,
    WillNotStart,
    FailsAtRunTime,
    CannotTell,
    Risk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The error message as the user saw it.
    #[arg(value_name = "MESSAGE")]
    pub message: String,
    /// The binary that printed it (or failed to start), to say which cause applies.
    #[arg(value_name = "BINARY")]
    pub binary: Option<PathBuf>,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[arg(long, value_name = "USER[:GROUP]", help = USER_HELP, requires = "binary")]
    pub user: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// A rule code (LIBC001) or name (missing-interpreter).
    #[arg(value_name = "CODE")]
    pub code: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Binaries to inspect (ELF executables or shared libraries).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// JSON is `whyrun.inspect/1`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// List every dependency, symbol version and build setting.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    /// ELF executables or shared libraries (paths inside the target).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Describe the root file system in DIR instead of this machine (chroot semantics:
    /// FILE and every symlink resolve inside DIR).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// LD_LIBRARY_PATH to search with (default: this process's for the host, none for a
    /// root).
    #[arg(long, value_name = "PATH")]
    pub ld_library_path: Option<String>,
    /// With --root: FILE is a file on this machine, shown as if it were copied to PATH
    /// inside the root (its `$ORIGIN` is that directory).
    #[arg(long = "as", value_name = "PATH", requires = "root")]
    pub deploy_as: Option<PathBuf>,
    /// JSON is `whyrun.tree/1`.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also show libraries already listed, and the search configuration.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command (`check`, `explain`, …): its own page, `whyrun-COMMAND(1)`.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Describe the files of the root file system in DIR (chroot semantics) with this
    /// machine's kernel and CPU, as a container with the host's / mounted at DIR sees them.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Name stored in the snapshot (default: this machine's host name).
    #[arg(long)]
    pub name: Option<String>,
    /// Leave out the library index (smaller; rules then see no libraries).
    #[arg(long)]
    pub no_libraries: bool,
    /// Write to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Also print the commit, target triple, linkage, compiler and rule count.
    #[arg(short, long)]
    pub verbose: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// `KEY=VALUE` of `--build-arg`.
fn parse_build_arg(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("--build-arg {s}: expected KEY=VALUE"))?;
    Ok((k.to_string(), v.to_string()))
}
