#!/usr/bin/env bash
# Installs the Debian packages whyrun's fixture builds, tests and benchmarks use:
# Go 1.19 (bookworm), Go 1.21, 1.22 and 1.23 (bookworm-backports), Go 1.24 (trixie, pinned
# low so nothing else is upgraded), Gin's sources, gcc, musl-tools, cross compilers (aarch64,
# armhf, armel, i686), binutils, podman, buildah and runc, and python3-venv and npm (packaging).
# Idempotent; needs root (CI runs as root). Pass --quiet to keep apt quiet.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (apt-get)" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive

sources=/etc/apt/sources.list.d/whyrun-extra.sources
if [ ! -f "$sources" ]; then
  cat >"$sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  # trixie only for the packages asked for by name with -t trixie.
  cat >/etc/apt/preferences.d/whyrun-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  apt-get update -qq
elif [ ! -d /var/lib/apt/lists ] || [ -z "$(ls /var/lib/apt/lists/*trixie* 2>/dev/null)" ]; then
  apt-get update -qq
fi

base_pkgs=(
  golang-1.19-go
  golang-github-gin-gonic-gin-dev
  golang-github-mattn-go-sqlite3-dev
  gcc g++ musl-tools binutils file
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  gcc-arm-linux-gnueabi libc6-dev-armel-cross
  gcc-i686-linux-gnu libc6-dev-i386-cross
  libc6-dev libsqlite3-dev   # headers; libc.a and libsqlite3.a for static cgo rebuilds (tests/it/fix_runs.rs)
  python3
  debootstrap musl busybox-static qemu-user-static util-linux   # e2e roots and runner
  selinux-utils selinux-policy-default setools   # matchpathcon, sesearch: tests/it/selinux.rs checks the file-contexts lookup and policy claims
  apparmor   # apparmor_parser and Debian's abstractions: tests/it/apparmor.rs
  libcap2-bin   # setcap: tests/it/units.rs gives the probe file capabilities
  systemd-container   # systemd-nspawn: tests/it/units.rs boots units in fixtures/e2e/build-systemd-root.sh's root
  rustc-web   # Debian's rustc 1.96 (bookworm-security): scripts/release.sh builds the static release binaries with it
  podman buildah runc   # tests/it/podman.rs builds images from scratch and runs them (runc: crun 1.8 refuses hybrid cgroups)
  python3-venv curl git   # tests/it/packaging.rs: the wheel in a fresh venv, ci/install-whyrun.sh, pre-commit
)
missing=()
for p in "${base_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Go 1.21 and 1.23 judge build inputs (tests/it/build_inputs.rs) at the version boundaries.
for v in 1.21 1.22 1.23; do
  if ! dpkg -s "golang-$v-go" >/dev/null 2>&1; then
    apt-get install -y -qq --no-install-recommends -t bookworm-backports "golang-$v-go" >/dev/null
  fi
done
if ! dpkg -s golang-1.24-go >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends -t trixie golang-1.24-go >/dev/null
fi
# npm for the npm packages (scripts/package.sh, tests/it/packaging.rs); a machine with its own
# Node.js keeps it.
if ! command -v npm >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "install-deps: ok"
