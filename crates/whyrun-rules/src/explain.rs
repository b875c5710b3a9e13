//! The error messages users see, and the causes that produce each: which rules detect a
//! cause, and what else can produce the same text. `whyrun explain` matches a message here,
//! then (given a binary and targets) keeps the causes whose rules fire.

/// One cause of a message.
#[derive(Debug, Clone, Copy)]
pub struct Cause {
    /// The rule that detects this cause, when whyrun checks it.
    pub rule: Option<&'static str>,
    pub text: &'static str,
}

/// A message as the kernel, the loader, libc or the Go runtime prints it.
#[derive(Debug, Clone, Copy)]
pub struct KnownError {
    pub id: &'static str,
    /// Lower-case fragments; the message matches when it contains any of them.
    pub patterns: &'static [&'static str],
    /// Who prints it and when.
    pub origin: &'static str,
    pub causes: &'static [Cause],
}

const fn cause(rule: &'static str, text: &'static str) -> Cause {
    Cause {
        rule: Some(rule),
        text,
    }
}

const fn other(text: &'static str) -> Cause {
    Cause { rule: None, text }
}

/// Every message whyrun knows, most specific first.
pub static KNOWN_ERRORS: &[KnownError] = &[
    KnownError {
        id: "systemd-217-user",
        patterns: &["status=217/user", "217/user", "failed to determine user credentials"],
        origin: "systemd, in the service's child process before execve: the unit's User= could not be resolved (exit status 217, EXIT_USER)",
        causes: &[
            cause("LAUNCH002", "User= names a user that is not in the target's passwd database (a number without an entry fails too)"),
            other("DynamicUser=yes with a name already taken by a static user of another UID range"),
        ],
    },
    KnownError {
        id: "systemd-216-group",
        patterns: &["status=216/group", "216/group", "failed to determine group credentials"],
        origin: "systemd, in the service's child process before execve: the unit's Group= or SupplementaryGroups= could not be resolved (exit status 216, EXIT_GROUP)",
        causes: &[cause("LAUNCH002", "Group= or a SupplementaryGroups= entry is not in the target's /etc/group")],
    },
    KnownError {
        id: "systemd-203-exec",
        patterns: &["status=203/exec", "203/exec", "failed to locate executable", "failed at step exec", ".service: failed to execute "],
        origin: "systemd, in the service's child process: the ExecStart= program could not be found or executed (exit status 203, EXIT_EXEC)",
        causes: &[
            cause("LAUNCH004", "the program (of ExecStart=, or of an ExecStartPre= without -) does not exist at its path (or in systemd's fixed search path for a bare name), is hidden by ProtectHome= or TemporaryFileSystem= or under NoExecPaths=, or the unit's user lacks execute permission on it or search permission on a directory above it"),
            cause("LAUNCH010", "Operation not permitted: the program has file capabilities (setcap …+ep) that CapabilityBoundingSet= leaves out, and the kernel refuses to execute it"),
            cause("LIBC001", "No such file or directory for a program that exists: its program interpreter (the dynamic loader named in the ELF) is missing in the target"),
            cause("FS002", "the file system holding the program is mounted noexec"),
            cause("LAUNCH011", "Permission denied although the mode is right: under an enforcing targeted SELinux policy the program keeps a home or tmp label (user_home_t, moved with mv) that systemd's init_t may not execute"),
            other("a script without a #! line"),
        ],
    },
    KnownError {
        id: "go-work-module-missing",
        patterns: &["listed in go.work file"],
        origin: "the go command, loading the workspace a go.work describes, before building",
        causes: &[cause("BUILD011", "a use directive of go.work names a directory without a go.mod (a module not checked out or not copied into the build context): drop it, or build with GOWORK=off")],
    },
    KnownError {
        id: "selinux-avc-execute",
        patterns: &["avc:  denied  { execute }", "avc: denied { execute }"],
        origin: "the SELinux kernel, in the audit log: the policy does not allow the process's domain to execute a file of that type",
        causes: &[cause("LAUNCH011", "the program carries a home or tmp label (tcontext=…:user_home_t) instead of its directory's (bin_t): it was moved with mv, not copied")],
    },
    KnownError {
        id: "apparmor-denied",
        patterns: &["apparmor=\"denied\"", "socket: permission denied"],
        origin: "the AppArmor kernel (its audit line), or the program's socket(2) or bind(2) failing with EACCES under a confining profile",
        causes: &[
            cause("LAUNCH012", "an enforcing AppArmor profile attached to the program grants no network inet/inet6 stream rule, or no capability net_bind_service for a port below 1024"),
            other("a seccomp filter or an LSM other than AppArmor refusing the socket"),
        ],
    },
    KnownError {
        id: "systemd-226-namespace",
        patterns: &["status=226/namespace", "226/namespace", "failed at step namespace", "failed to set up mount namespacing"],
        origin: "systemd, in the service's child process before execve: the unit's own mount namespace could not be set up (exit status 226, EXIT_NAMESPACE)",
        causes: &[
            cause("LAUNCH008", "ReadWritePaths=, ReadOnlyPaths=, InaccessiblePaths=, ExecPaths=, NoExecPaths= or a BindPaths= source names a path that does not exist (a - prefix makes it optional)"),
            other("the kernel or the container systemd runs in does not allow the mounts (no mount namespaces, a read-only /proc)"),
        ],
    },
    KnownError {
        id: "address-family-not-supported",
        patterns: &["address family not supported by protocol", "eafnosupport"],
        origin: "socket(2), in the program: the address family is refused (by a seccomp filter such as systemd's RestrictAddressFamilies=, or a kernel without it)",
        causes: &[
            cause("LAUNCH009", "RestrictAddressFamilies= allows neither AF_INET nor AF_INET6 and the program listens on a TCP port"),
            other("a kernel built without IPv6 (or booted with ipv6.disable=1) for an IPv6-only address"),
        ],
    },
    KnownError {
        id: "systemd-200-chdir",
        patterns: &["status=200/chdir", "200/chdir", "failed at step chdir", "changing to the requested working directory failed"],
        origin: "systemd, in the service's child process before execve: chdir() to WorkingDirectory= failed (exit status 200, EXIT_CHDIR)",
        causes: &[
            cause("LAUNCH003", "WorkingDirectory= names a directory that does not exist (write it with a - prefix if that is fine)"),
            other("the unit's user may not search the directory or a directory above it"),
        ],
    },
    KnownError {
        id: "systemd-resources",
        patterns: &["failed to load environment files", "failed with result 'resources'", "result=resources"],
        origin: "systemd's service manager, before it forks the service: a resource the unit needs could not be prepared (no exit status)",
        causes: &[cause("LAUNCH001", "an EnvironmentFile= without the - prefix does not exist")],
    },
    KnownError {
        id: "container-user-missing",
        patterns: &["unable to find user", "no matching entries in passwd file"],
        origin: "the container runtime creating the container (Docker, podman: moby/sys/user GetExecUser, \"unable to find user %s: no matching entries in passwd file\"; podman exits 126): the user name is looked up in the image's /etc/passwd",
        causes: &[
            cause("LAUNCH002", "the image's USER, --user or Compose user names a user the image's /etc/passwd lacks (a number needs no entry)"),
            cause("LAUNCH013", "a Dockerfile's final stage has a USER its /etc/passwd does not have (scratch has no passwd at all; the build stage's users are not copied)"),
        ],
    },
    KnownError {
        id: "run-as-user-missing",
        patterns: &["does not exist or the user entry does not contain all the required fields", "sudo: unknown user", "runuser: group", "su: group"],
        origin: "runuser, su or sudo looking the user (or group) up before they start the program (util-linux \"user %s does not exist or the user entry does not contain all the required fields\", sudo \"unknown user %s\")",
        causes: &[cause("LAUNCH016", "--user names a user (or group) the target's /etc/passwd (or /etc/group) lacks (a number needs no entry)")],
    },
    KnownError {
        id: "container-group-missing",
        patterns: &["unable to find group", "no matching entries in group file"],
        origin: "the container runtime creating the container: the group name is looked up in the image's /etc/group",
        causes: &[cause("LAUNCH002", "the group of --user USER:GROUP, USER or Compose user is not in the image's /etc/group")],
    },
    KnownError {
        id: "podman-workdir-missing",
        patterns: &["does not exist on container"],
        origin: "podman creating the container (libpod resolveWorkDir: \"workdir %q does not exist on container %s\", exit 126): a --workdir the image lacks; an image's own WorkingDir is created",
        causes: &[cause("LAUNCH003", "--workdir (or Compose working_dir run by podman) names a directory the image does not have")],
    },
    KnownError {
        id: "kubelet-run-as-non-root",
        patterns: &[
            "container has runasnonroot and image has non-numeric user",
            "container has runasnonroot and image will run as root",
            "container's runasuser breaks non-root policy",
            "container has runasnonroot and image has an invalid user id",
        ],
        origin: "kubelet, before it asks the runtime to create the container (pkg/kubelet/kuberuntime verifyRunAsNonRoot): the pod stays in CreateContainerConfigError",
        causes: &[cause("LAUNCH014", "runAsNonRoot: true with an image USER that is a name (kubelet cannot know its uid), 0 or not set, or with runAsUser: 0")],
    },
    KnownError {
        id: "runc-cwd",
        patterns: &["chdir to cwd"],
        origin: "runc starting the container's process (\"chdir to cwd (%q) set in config.json failed\"): runc creates a missing cwd, so the directory exists but the process's user may not enter it",
        causes: &[other("the working directory (or a directory above it) is not searchable by the container's user")],
    },
    KnownError {
        id: "read-only-file-system",
        patterns: &["read-only file system"],
        origin: "the kernel (EROFS) when the program opens a file for writing, printed by Go as `open PATH: read-only file system`",
        causes: &[
            cause("LAUNCH006", "the path is read-only for the process: systemd's ProtectSystem=/ProtectHome=/ReadOnlyPaths=, a container's read-only root (--read-only, read_only, readOnlyRootFilesystem) without a writable volume there, or a volume mounted read-only (:ro, readOnly, a ConfigMap or Secret)"),
        ],
    },
    KnownError {
        id: "open-permission-denied",
        patterns: &["open /"],
        origin: "the kernel (EACCES) when the program opens a file, printed by Go as `open PATH: permission denied`",
        causes: &[
            cause("LAUNCH007", "the file's mode and owner do not let the process's user read it (not the owner, not in its group: check supplementary groups, fsGroup, a ConfigMap's defaultMode), or a directory above it is not searchable"),
        ],
    },
    KnownError {
        id: "goamd64-level",
        patterns: &["this program can only be run on amd64 processors with"],
        origin: "the Go runtime, before main: the binary was built with GOAMD64=v2/v3/v4 and the CPU lacks a required feature",
        causes: &[cause("ARCH003", "GOAMD64 is above the x86-64 level of the CPU (for example v3 needs AVX2, BMI2, FMA)")],
    },
    KnownError {
        id: "isa-level",
        patterns: &["cpu isa level is lower than required"],
        origin: "glibc's loader (2.33 and later), before the program runs: its .note.gnu.property names an x86-64 level the CPU lacks",
        causes: &[cause("ARCH004", "the binary (or a library) was linked with -march=x86-64-v3 or -z x86-64-v3 and the CPU is older")],
    },
    KnownError {
        id: "vfp",
        patterns: &["has no vfpv3 floating point hardware", "no vfp"],
        origin: "the Go runtime on ARM, before main",
        causes: &[cause("ARCH005", "GOARM=7 (VFPv3) on a CPU without VFPv3: rebuild with GOARM=6 or 5")],
    },
    KnownError {
        id: "kernel-too-old",
        patterns: &["kernel too old"],
        origin: "glibc's loader or its static start-up code: the kernel is older than the glibc build supports",
        causes: &[cause("ARCH006", "the binary's glibc (its .note.ABI-tag) or Go release needs a newer kernel than the target runs")],
    },
    KnownError {
        id: "glibc-version",
        patterns: &["version `glibc_", "version 'glibc_", "version `glibc", "glibc_2."],
        origin: "glibc's loader, before the program runs: a library does not define a symbol version the binary requires",
        causes: &[cause(
            "LIB003",
            "built against a newer glibc than the target has (a program linked on glibc 2.34+ needs GLIBC_2.34 for __libc_start_main)",
        )],
    },
    KnownError {
        id: "cxx-version",
        patterns: &["version `glibcxx_", "version `cxxabi_", "version `gcc_", "glibcxx_3.4", "cxxabi_1.3"],
        origin: "glibc's loader: libstdc++ or libgcc_s in the target is older than the one the binary was built with",
        causes: &[cause("LIB004", "built with a newer GCC/libstdc++ than the target has")],
    },
    KnownError {
        id: "wrong-elf-class",
        patterns: &["wrong elf class"],
        origin: "glibc's loader: a library of the wrong class (32/64-bit) was found by name",
        causes: &[cause("LIB002", "a 32-bit library shadows the 64-bit one (or the reverse) in a searched directory")],
    },
    KnownError {
        id: "shared-library",
        patterns: &["error while loading shared libraries", "cannot open shared object file"],
        origin: "glibc's loader, before the program runs",
        causes: &[
            cause("LIB001", "a needed library is not installed in the target, or not where the loader searches"),
            cause("LIB002", "only a copy of the wrong class or machine exists where it searched"),
            cause("LIB005", "an RPATH/RUNPATH points at a directory of the build machine"),
        ],
    },
    KnownError {
        id: "musl-shared-library",
        patterns: &["error loading shared library", "error relocating"],
        origin: "musl's loader (Alpine), before the program runs",
        causes: &[
            cause("LIB001", "a needed library is not installed in the target"),
            cause("LIBC002", "a glibc binary running on musl through gcompat: glibc-only symbols are missing (Error relocating … symbol not found)"),
        ],
    },
    KnownError {
        id: "exec-format",
        patterns: &["exec format error", "cannot execute binary file", "exec format"],
        origin: "the kernel's execve (ENOEXEC): it does not recognise the file as something it can run",
        causes: &[
            cause("ARCH001", "built for another CPU architecture (arm64 on amd64, or the reverse) or word size, with no binfmt_misc emulator registered"),
            cause("ARCH002", "an ARM binary with the other float ABI (armhf vs armel)"),
            other("a script without a #! line run directly, or a file that is not a binary at all (an HTML error page downloaded instead of the release asset, a truncated copy)"),
        ],
    },
    KnownError {
        id: "no-such-file",
        patterns: &["no such file or directory", "required file not found", "not found"],
        origin: "the kernel's execve (ENOENT) for a file that exists: the program interpreter it names does not (Docker says `no such file or directory`, bash 5.2 `cannot execute: required file not found`, dash `not found`)",
        causes: &[
            cause("LIBC001", "the binary's program interpreter (/lib64/ld-linux-x86-64.so.2 or /lib/ld-musl-*.so.1) does not exist: a glibc binary on Alpine or scratch, a musl binary on Debian, a cgo or -buildmode=pie Go binary in scratch"),
            cause("LIBC003", "a musl binary on a glibc system without musl's loader"),
            other("a script whose #! interpreter is missing, or has a CRLF line ending (#!/bin/sh^M)"),
        ],
    },
    KnownError {
        id: "permission-denied",
        patterns: &["permission denied"],
        origin: "the kernel's execve (EACCES)",
        causes: &[
            cause("FS001", "the file lacks the execute bit for the user that runs it (lost in a copy, an unzip, a Docker COPY from a Windows checkout)"),
            cause("FS002", "the file lies on a filesystem mounted noexec (/tmp, /home or /dev/shm on hardened hosts)"),
            other("a directory on the path is not searchable (x) by that user, or SELinux/AppArmor denies execution (see the audit log)"),
        ],
    },
    KnownError {
        id: "illegal-instruction",
        patterns: &["illegal instruction", "sigill"],
        origin: "the CPU (SIGILL): an instruction the CPU does not implement",
        causes: &[
            cause("ARCH005", "GOARM64 above what the CPU implements (Go has no start-up check for GOARM64, golang/go#69124), or GOARM=6/7 on a CPU without the VFP it needs (the runtime executes a VFP instruction before its own check)"),
            cause("ARCH004", "a C/C++/Rust binary built for a newer x86-64 level, on a glibc too old to refuse it at load time"),
            other("a binary or library built with -march=native on a newer machine"),
        ],
    },
    KnownError {
        id: "x509",
        patterns: &["x509: certificate signed by unknown authority", "failed to load system roots", "x509:"],
        origin: "Go's crypto/x509 at the first TLS connection",
        causes: &[
            cause("GO002", "no CA certificates in the target (scratch, distroless/static without them, a minimal image) and none embedded"),
            other("a TLS-intercepting proxy whose CA is not installed in the target, or a server with an incomplete chain"),
        ],
    },
    KnownError {
        id: "x509-hostname",
        patterns: &[
            "x509: certificate is valid for",
            "x509: cannot validate certificate for",
            "doesn't contain any ip sans",
            "x509: certificate is not valid for any names",
        ],
        origin: "Go's crypto/x509 hostname check, after the chain was verified",
        causes: &[other(
            "the certificate names other hosts than the one dialled: a name mismatch, not missing CA certificates, so installing a CA bundle will not fix it; connect by a name the certificate lists (or fix its subjectAltName)",
        )],
    },
    KnownError {
        id: "x509-validity",
        patterns: &["x509: certificate has expired or is not yet valid"],
        origin: "Go's crypto/x509 validity check",
        causes: &[other(
            "the certificate has expired, or the target's clock is wrong (a device without RTC or NTP): a CA bundle will not fix it",
        )],
    },
    KnownError {
        id: "unknown-time-zone",
        patterns: &["unknown time zone"],
        origin: "Go's time.LoadLocation",
        causes: &[cause("GO003", "no zoneinfo in the target (scratch, alpine without tzdata) and no embedded time/tzdata")],
    },
    KnownError {
        id: "cgo-stub",
        patterns: &["compiled with 'cgo_enabled=0'", "requires cgo to work", "this is a stub"],
        origin: "a Go package with a cgo-less stub (github.com/mattn/go-sqlite3), when first used",
        causes: &[cause("GO001", "built with CGO_ENABLED=0: the package compiled to its stub")],
    },
    KnownError {
        id: "os-user",
        patterns: &["user: current requires cgo", "user: unknown user", "unknown userid"],
        origin: "Go's os/user",
        causes: &[cause("GO004", "no /etc/passwd in the target (scratch) and USER/HOME unset")],
    },
    KnownError {
        id: "plugin-not-implemented",
        patterns: &["plugin: not implemented"],
        origin: "Go's plugin.Open in a binary built without cgo",
        causes: &[cause("GO008", "the plugin package is a stub without cgo: plugins need CGO_ENABLED=1 and the dynamic loader")],
    },
    KnownError {
        id: "no-resolver-config",
        patterns: &["127.0.0.1:53", "[::1]:53"],
        origin: "Go's resolver, asking the default DNS server because /etc/resolv.conf is missing",
        causes: &[cause("GO009", "no /etc/resolv.conf in the target: queries go to 127.0.0.1:53 and [::1]:53, where nothing listens")],
    },
    KnownError {
        id: "bind-permission",
        patterns: &["bind: permission denied"],
        origin: "the kernel's bind(2) (EACCES) when the server opens its port",
        causes: &[
            cause("LAUNCH005", "a port below net.ipv4.ip_unprivileged_port_start (1024 by default; 0 inside Docker's own network namespace) opened by a user without CAP_NET_BIND_SERVICE effective: run as root, grant the capability (AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit, or setcap cap_net_bind_service=+ep without NoNewPrivileges=; a plain copy drops file capabilities and nosuid mounts ignore them), or listen on a port above 1023"),
            cause("LAUNCH012", "an enforcing AppArmor profile attached to the program grants no capability net_bind_service, which even root then lacks"),
        ],
    },
    KnownError {
        id: "go-inconsistent-vendoring",
        patterns: &["inconsistent vendoring", "but not marked as explicit in vendor/modules.txt"],
        origin: "the go command, before building in vendor mode (-mod=vendor, or a vendor directory with go 1.14+): vendor/modules.txt is not what go mod vendor would write for the go.mod",
        causes: &[cause("BUILD008", "go.mod changed after the last go mod vendor (a require added or bumped, a replace changed), or -mod=vendor without a vendor directory: run go mod vendor, or build with -mod=readonly")],
    },
    KnownError {
        id: "go-missing-go-sum",
        patterns: &["missing go.sum entry"],
        origin: "the go command (Go 1.16 and later, -mod=readonly), loading a package: the module that provides it has no hash in go.sum",
        causes: &[cause("BUILD009", "go.sum lacks the module's line, or was not copied (COPY go.mod ./ without go.sum) or not committed: go mod download MODULE where it can be fetched, and copy go.sum with go.mod")],
    },
    KnownError {
        id: "go-major-version",
        patterns: &["should be v0 or v1, not v", "module path must match major version"],
        origin: "the go command's go.mod parser (golang.org/x/mod/module CheckPathMajor): a v2+ version needs a /vN module path",
        causes: &[cause("BUILD010", "require example.com/lib v2.x without /v2 in the path: require and import example.com/lib/v2 (or v2.x+incompatible for a repository without a go.mod)")],
    },
    KnownError {
        id: "go-no-required-module",
        patterns: &["no required module provides package", "cannot find module providing package"],
        origin: "the go command, resolving an import to a module of the build list",
        causes: &[cause("BUILD012", "no requirement of go.mod provides the package (with -mod=readonly, -mod=vendor, or GOPROXY=off the go command does not add one); an import of the module's own package under another module path means the module line and the code disagree")],
    },
    KnownError {
        id: "go-updates-needed",
        patterns: &["updates to go.mod needed", "ignoring requirement on excluded version"],
        origin: "the go command (-mod=readonly, the default since Go 1.16): the build needs a change to go.mod it will not make",
        causes: &[
            cause("BUILD013", "a required version is also excluded"),
            other("go.mod lacks requirements the imports need, or is not tidy after a dependency change: run go mod tidy"),
        ],
    },
    KnownError {
        id: "go-requires-newer",
        patterns: &["go.mod requires go >="],
        origin: "the go command (Go 1.21 and later), before building: the go.mod's go line is newer than it, and GOTOOLCHAIN=local (or offline) keeps it from switching",
        causes: &[cause("BUILD001", "the go line is newer than the toolchain: build with that Go, allow GOTOOLCHAIN=auto with network, or lower the line")],
    },
    KnownError {
        id: "go-mod-syntax",
        patterns: &["invalid go version '", "unknown directive: "],
        origin: "the go command's go.mod parser (\"go: errors parsing go.mod\"), before building",
        causes: &[cause("BUILD002", "the go.mod was written by a newer Go: a three-part go line (Go 1.20 and older take only 1.N) or a toolchain, godebug, tool or ignore directive the toolchain does not know")],
    },
    KnownError {
        id: "module-requires-go",
        patterns: &["note: module requires go"],
        origin: "Go 1.20 and older, after a compile error in a module whose go line is newer than the toolchain",
        causes: &[
            cause("BUILD003", "the code uses a language feature or library API newer than the toolchain (min, max, clear, range over int, ...)"),
            cause("BUILD004", "an imported standard-library package is newer than the toolchain"),
        ],
    },
    KnownError {
        id: "std-package-missing",
        patterns: &["is not in goroot", "is not in std", "imports iter: build constraints exclude all go files"],
        origin: "the go command resolving an import of the standard library (GOROOT/src), before compiling",
        causes: &[cause("BUILD004", "the package is newer than the toolchain (slices 1.21, math/rand/v2 1.22, iter 1.23, weak 1.24, ...)")],
    },
    KnownError {
        id: "go-mod-not-found",
        patterns: &["go.mod file not found in current directory or any parent directory"],
        origin: "the go command in module mode (the default since Go 1.16), before building",
        causes: &[cause("BUILD005", "the sources have no go.mod (a GOPATH project, or a Docker build that did not copy go.mod)")],
    },
    KnownError {
        id: "gopath-cannot-find-package",
        patterns: &["cannot find package \""],
        origin: "the go command in GOPATH mode (GO111MODULE=off, or auto without a go.mod), looking in GOROOT/src and GOPATH/src",
        causes: &[cause("BUILD006", "a module project built with modules off: its own packages and requirements are not under GOPATH/src")],
    },
    KnownError {
        id: "replace-directory-missing",
        patterns: &["replacement directory", "(replaced by "],
        origin: "the go command loading a module that a go.mod replace points at a directory",
        causes: &[cause("BUILD007", "the replace directive's directory does not exist, or holds no go.mod (a sibling checkout not cloned, or outside the Docker build context: ../lib from /src is the image's own /lib)")],
    },
    KnownError {
        id: "cgo-no-compiler",
        patterns: &["cgo: c compiler"],
        origin: "the go command building a package with cgo (runtime/cgo for net or os/user, or an import \"C\"): CGO_ENABLED=1 and $CC (gcc) is not in PATH",
        causes: &[
            cause("BUILD015", "CGO_ENABLED=1 in a Dockerfile stage without a C compiler (golang:*-alpine installs none)"),
            other("CC names a compiler that is not installed, or PATH leaves it out"),
        ],
    },
    KnownError {
        id: "copy-source-missing",
        patterns: &["copier: stat:", "failed to compute cache key", "failed to calculate checksum of ref"],
        origin: "the image builder resolving a COPY or ADD source before copying (buildah `copier: stat: \"/go.sum\": no such file or directory`, BuildKit `failed to compute cache key: … not found`)",
        causes: &[
            cause("BUILD016", "the source is not in the build context (go.sum of a module without one, a file .dockerignore leaves out) or the stage named by --from never wrote that path"),
        ],
    },
    KnownError {
        id: "container-command-missing",
        patterns: &["executable file not found in $path", "oci runtime attempted to invoke a command that was not found"],
        origin: "the container runtime (runc) looking up the image's command (exec.LookPath) before execve: `exec: \"/server\": stat /server: no such file or directory`",
        causes: &[cause("FS003", "the ENTRYPOINT or CMD names a path where the Dockerfile copied nothing, or a bare name in none of PATH's directories")],
    },
];

/// The known errors a message matches, most specific first.
pub fn match_message(message: &str) -> Vec<&'static KnownError> {
    let lower = message.to_lowercase();
    // Straight and typographic quotes alike.
    let lower = lower.replace(['‘', '’'], "'");
    let mut hits: Vec<&'static KnownError> = KNOWN_ERRORS
        .iter()
        .filter(|k| k.patterns.iter().any(|p| lower.contains(p)))
        .collect();
    // `bind: permission denied` is not an exec failure.
    if hits.iter().any(|k| k.id == "bind-permission") {
        hits.retain(|k| k.id != "permission-denied");
    }
    // `open PATH: permission denied` is a file the program reads; an `open PATH` with
    // another error is not this entry's.
    if !lower.contains(": permission denied") {
        hits.retain(|k| k.id != "open-permission-denied");
    }
    // A file the program opens or runc's chdir is not an execve either.
    if hits
        .iter()
        .any(|k| matches!(k.id, "open-permission-denied" | "runc-cwd"))
    {
        hits.retain(|k| k.id != "permission-denied");
    }
    // A glibc version message also contains "not found": it is not ENOENT.
    if hits.iter().any(|k| {
        matches!(
            k.id,
            "glibc-version"
                | "cxx-version"
                | "shared-library"
                | "musl-shared-library"
                | "unknown-time-zone"
                | "go-mod-not-found"
                | "replace-directory-missing"
                | "cgo-no-compiler"
                | "copy-source-missing"
                | "container-command-missing"
        )
    }) {
        hits.retain(|k| k.id != "no-such-file");
    }
    // The go command's lookup of gcc is not the runtime's lookup of the command.
    if hits.iter().any(|k| k.id == "cgo-no-compiler") {
        hits.retain(|k| k.id != "container-command-missing");
    }
    if hits.iter().any(|k| k.id == "cxx-version") {
        hits.retain(|k| k.id != "glibc-version");
    }
    // A name or date problem of a verified certificate is not a missing CA bundle.
    if hits
        .iter()
        .any(|k| matches!(k.id, "x509-hostname" | "x509-validity"))
    {
        hits.retain(|k| k.id != "x509");
    }
    hits
}

/// For a message no entry matches: the entries whose known messages share the most words
/// with it (three at most), to point the user somewhere without claiming a match.
pub fn nearest(message: &str) -> Vec<&'static KnownError> {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| w.len() > 3)
            .map(str::to_string)
            .collect()
    };
    let asked = words(message);
    let mut scored: Vec<(usize, &'static KnownError)> = KNOWN_ERRORS
        .iter()
        .map(|k| {
            let known: Vec<String> = k.patterns.iter().flat_map(|p| words(p)).collect();
            (asked.iter().filter(|w| known.contains(w)).count(), k)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(msg: &str) -> Vec<&'static str> {
        match_message(msg).iter().map(|k| k.id).collect()
    }

    #[test]
    fn an_unknown_message_gets_the_nearest_entries_not_a_match() {
        let msg = "ld.so: shared object cannot be preloaded: ignored";
        assert!(match_message(msg).is_empty());
        let near: Vec<&str> = nearest(msg).iter().map(|k| k.id).collect();
        assert!(near.contains(&"shared-library"), "{near:?}");
        assert!(nearest("the quick brown fox").is_empty());
    }

    /// Regression: a hostname mismatch was explained as "no CA bundle".
    #[test]
    fn a_name_mismatch_is_not_a_missing_ca_bundle() {
        let msg = "Get \"https://10.0.0.5\": tls: failed to verify certificate: x509: certificate is valid for api.example.com, not 10.0.0.5";
        assert_eq!(ids(msg), ["x509-hostname"]);
        let hit = match_message(msg)[0];
        assert!(hit.causes.iter().all(|c| c.rule != Some("GO002")));
        assert!(hit.causes[0].text.contains("will not fix it"));
        assert_eq!(
            ids("x509: certificate has expired or is not yet valid: current time 1970-01-01T00:00:10Z is before 2024-01-01T00:00:00Z"),
            ["x509-validity"]
        );
    }

    #[test]
    fn recognises_the_messages_users_paste() {
        assert_eq!(
            ids("bash: ./server: cannot execute binary file: Exec format error"),
            ["exec-format"]
        );
        assert_eq!(
            ids("exec /app/server: no such file or directory"),
            ["no-such-file"]
        );
        assert_eq!(
            ids("./server: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by ./server)"),
            ["glibc-version"]
        );
        assert_eq!(
            ids("./app: /usr/lib/libstdc++.so.6: version `GLIBCXX_3.4.30' not found"),
            ["cxx-version"]
        );
        assert_eq!(
            ids("./server: error while loading shared libraries: libsqlite3.so.0: cannot open shared object file: No such file or directory"),
            ["shared-library"]
        );
        assert_eq!(ids("Error loading shared library libsqlite3.so.0: No such file or directory (needed by /app)"), ["musl-shared-library"]);
        assert_eq!(
            ids("sh: ./server: Permission denied"),
            ["permission-denied"]
        );
        assert_eq!(
            ids("listen tcp :80: bind: permission denied"),
            ["bind-permission"]
        );
        assert_eq!(
            ids("Illegal instruction (core dumped)"),
            ["illegal-instruction"]
        );
        assert_eq!(
            ids("This program can only be run on AMD64 processors with v3 microarchitecture support."),
            ["goamd64-level"]
        );
        assert_eq!(
            ids("Fatal glibc error: CPU ISA level is lower than required"),
            ["isa-level"]
        );
        assert_eq!(ids("Get \"https://x\": tls: failed to verify certificate: x509: certificate signed by unknown authority"), ["x509"]);
        assert_eq!(
            ids("panic: unknown time zone Europe/Berlin"),
            ["unknown-time-zone"]
        );
        assert_eq!(
            ids("Binary was compiled with 'CGO_ENABLED=0', go-sqlite3 requires cgo to work. This is a stub"),
            ["cgo-stub"]
        );
        assert_eq!(ids("FATAL: kernel too old"), ["kernel-too-old"]);
        assert_eq!(
            ids("plugin.Open(\"x.so\"): plugin: not implemented"),
            ["plugin-not-implemented"]
        );
        assert_eq!(
            ids("dial tcp: lookup db on [::1]:53: read udp [::1]:50000->[::1]:53: read: connection refused"),
            ["no-resolver-config"]
        );
    }

    /// The go command's messages, as the real Go 1.19 to 1.24 print them.
    /// The messages runc, podman and kubelet print for container launches, as seen here
    /// (podman 4.3, runc 1.1) or as kubelet formats them.
    #[test]
    fn recognises_container_messages() {
        for (msg, id) in [
            ("Error: unable to find user ghost: no matching entries in passwd file", "container-user-missing"),
            ("Error: unable to find group ghosts: no matching entries in group file", "container-group-missing"),
            ("runuser: user app does not exist or the user entry does not contain all the required fields", "run-as-user-missing"),
            ("runuser: group nogrp does not exist", "run-as-user-missing"),
            ("sudo: unknown user app", "run-as-user-missing"),
            ("Error: workdir \"/srv/absent\" does not exist on container 1ec6edcccd21832fffcbb02f4a907971fc1fa9a4a642ec7ea63d5b9ff38e97e4", "podman-workdir-missing"),
            ("Error: container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: \"web-5d8f_default(1)\", container: app)", "kubelet-run-as-non-root"),
            ("Error: container's runAsUser breaks non-root policy (pod: \"web_default(1)\", container: app)", "kubelet-run-as-non-root"),
            ("open /var/lib/app/state: Read-only file system", "read-only-file-system"),
            ("open /etc/app/config: Permission denied", "open-permission-denied"),
            ("runc run failed: unable to start container process: chdir to cwd (\"/srv/app\") set in config.json failed: permission denied", "runc-cwd"),
        ] {
            assert_eq!(ids(msg), [id], "{msg}");
        }
        // An execve failure is still one.
        assert_eq!(
            ids("bash: ./server: Permission denied"),
            ["permission-denied"]
        );
        assert!(!ids("open /etc/x: no such file or directory").contains(&"open-permission-denied"));
    }

    #[test]
    fn recognises_build_messages() {
        for (msg, id) in [
            ("go: go.mod requires go >= 1.23.0 (running go 1.22.12; GOTOOLCHAIN=local)", "go-requires-newer"),
            ("go: errors parsing go.mod:\n/src/go.mod:3: invalid go version '1.22.0': must match format 1.23", "go-mod-syntax"),
            ("/src/go.mod:5: unknown directive: toolchain", "go-mod-syntax"),
            ("./main.go:2:22: undefined: min\nnote: module requires Go 1.21", "module-requires-go"),
            ("main.go:2:8: package slices is not in GOROOT (/usr/lib/go-1.19/src/slices)", "std-package-missing"),
            ("main.go:2:8: package weak is not in std (/usr/lib/go-1.22/src/weak)", "std-package-missing"),
            ("package example.com/c\n\timports iter: build constraints exclude all Go files in /usr/lib/go-1.22/src/iter", "std-package-missing"),
            ("go: go.mod file not found in current directory or any parent directory; see 'go help modules'", "go-mod-not-found"),
            ("main.go:2:8: cannot find package \"example.com/e/lib\" in any of:", "gopath-cannot-find-package"),
            ("main.go:2:8: example.com/lib@v0.0.0: replacement directory ../lib does not exist", "replace-directory-missing"),
        ] {
            assert_eq!(ids(msg), [id], "{msg}");
        }
    }

    /// The builders' and the runtime's words for a Dockerfile that does not build or whose
    /// container does not start, as buildah 1.28 and podman 4.3 with runc print them (seen
    /// in tests/it/dockerfiles.rs).
    #[test]
    fn recognises_dockerfile_messages() {
        for (msg, id) in [
            ("# runtime/cgo\ncgo: C compiler \"gcc\" not found: exec: \"gcc\": executable file not found in $PATH", "cgo-no-compiler"),
            ("Error: building at STEP \"COPY go.mod go.sum ./\": checking on sources under \"/ctx\": copier: stat: \"/go.sum\": no such file or directory", "copy-source-missing"),
            ("main.go:3:8: example.com/lib@v0.0.0 (replaced by ../lib): reading /lib/go.mod: open /lib/go.mod: no such file or directory", "replace-directory-missing"),
            ("Error: unable to find user appuser: no matching entries in passwd file", "container-user-missing"),
            ("Error: runc: runc create failed: unable to start container process: exec: \"/server\": stat /server: no such file or directory: OCI runtime attempted to invoke a command that was not found", "container-command-missing"),
            ("exec /app: no such file or directory", "no-such-file"),
        ] {
            assert_eq!(ids(msg), [id], "{msg}");
        }
    }

    /// systemd's words for a service that did not start, as `systemctl status` and the
    /// journal print them (seen in tests/it/units.rs against systemd 252).
    #[test]
    fn recognises_systemds_exit_statuses() {
        for (msg, id) in [
            (
                "Main process exited, code=exited, status=217/USER",
                "systemd-217-user",
            ),
            (
                "app.service: Failed to determine user credentials: No such process",
                "systemd-217-user",
            ),
            (
                "Main process exited, code=exited, status=216/GROUP",
                "systemd-216-group",
            ),
            (
                "Main process exited, code=exited, status=203/EXEC",
                "systemd-203-exec",
            ),
            (
                "Main process exited, code=exited, status=200/CHDIR",
                "systemd-200-chdir",
            ),
            (
                "app.service: Failed with result 'resources'.",
                "systemd-resources",
            ),
            // systemd 252's own lines, from tests/it/units.rs.
            (
                "app.service: Failed to set up mount namespacing: /run/systemd/unit-root/srv/absent: No such file or directory",
                "systemd-226-namespace",
            ),
            (
                "app.service: Failed to execute /opt/app/probe: Operation not permitted",
                "systemd-203-exec",
            ),
            (
                "app.service: Failed to locate executable /opt/app/probe: Permission denied",
                "systemd-203-exec",
            ),
            (
                "listen tcp :8080: socket: address family not supported by protocol",
                "address-family-not-supported",
            ),
            (
                "listen tcp :8080: socket: permission denied",
                "apparmor-denied",
            ),
            // The go command's own lines, from tests/it/build_inputs.rs.
            (
                "go: inconsistent vendoring in /src:",
                "go-inconsistent-vendoring",
            ),
            (
                "main.go:3:8: missing go.sum entry for module providing package example.com/lib (imported by example.com/s); to add:",
                "go-missing-go-sum",
            ),
            (
                "go.mod:5: require example.com/lib: version \"v2.0.0\" invalid: should be v0 or v1, not v2",
                "go-major-version",
            ),
            (
                "go: cannot load module ../lib listed in go.work file: open ../lib/go.mod: no such file or directory",
                "go-work-module-missing",
            ),
            (
                "main.go:3:8: no required module provides package github.com/me/app/internal/x; to add it:",
                "go-no-required-module",
            ),
            (
                "go: updates to go.mod needed; to update it:",
                "go-updates-needed",
            ),
        ] {
            assert_eq!(ids(msg).first(), Some(&id), "{msg}");
        }
    }

    #[test]
    fn unknown_messages_match_nothing() {
        assert!(ids("segmentation fault in my own code").is_empty());
    }

    /// Every rule a cause names exists.
    #[test]
    fn causes_name_real_rules() {
        for k in KNOWN_ERRORS {
            for c in k.causes {
                if let Some(code) = c.rule {
                    assert!(crate::rule(code).is_some(), "{}: no rule {code}", k.id);
                }
            }
        }
    }
}
