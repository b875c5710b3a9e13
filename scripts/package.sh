#!/usr/bin/env bash
# Makes the Python wheels and npm packages of a release from the binaries scripts/release.sh
# built into DIST (DIST/whyrun-VERSION-TRIPLE/whyrun, for x86_64-unknown-linux-gnu and,
# when built, aarch64-unknown-linux-gnu):
#
#   DIST/python/whyrun-VERSION-py3-none-manylinux_2_17_ARCH.manylinux2014_ARCH.musllinux_1_1_ARCH.whl
#       built by maturin from pyproject.toml (bindings = "bin"). maturin runs cargo with
#       the release build's target, RUSTC, per-target rustflags and linkers and
#       CARGO_TARGET_DIR (exported by release.sh; defaults otherwise), so cargo finds the binary
#       already built (when it made another binary, the one in DIST replaces it). It tags it
#       manylinux2014 (manylinux_2_17) and refuses to add musllinux to a glibc target, but
#       the binary is static and needs no libc of the system (it runs on musl systems:
#       crates/whyrun/tests/it/packaging.rs), so `wheel tags` adds musllinux_1_1 and pip
#       on Alpine installs it too.
#   DIST/npm/whyrun-linux-x64-VERSION.tgz, whyrun-linux-arm64-VERSION.tgz
#       @whyrun/linux-x64, @whyrun/linux-arm64: the binary, with `os` and `cpu` set.
#   DIST/npm/whyrun-VERSION.tgz
#       whyrun: the launcher (packaging/npm/whyrun/bin/whyrun.js), with the platform
#       packages built as optionalDependencies.
#
# DIST/.package-stamp holds the hash of every input (the binaries, pyproject.toml,
# packaging/, this script): when it matches and the packages are there, nothing is done.
# Otherwise all are made again (seconds once cargo's artifacts are there). Needs
# cargo, npm, file, python3 with venv and PyPI (scripts/tools-venv.sh installs maturin and
# wheel).
#
# usage: scripts/package.sh DIST
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "package.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $0 DIST" >&2; exit 2; }
[ -d "$1" ] || die "$1 is not a directory"
dist=$(cd "$1" && pwd)

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml")
[ -n "$version" ] || die "no [workspace.package] version in $repo/Cargo.toml"

# TRIPLE  npm-cpu  maturin/wheel arch
platforms=(
  "x86_64-unknown-linux-gnu x64 x86_64"
  "aarch64-unknown-linux-gnu arm64 aarch64"
)

stamp=$( {
  sha256sum "$dist"/whyrun-"$version"-*/whyrun 2>/dev/null | sed "s|$dist/||"
  cat "$repo/pyproject.toml" "$repo/scripts/package.sh" "$repo/scripts/tools-venv.sh"
  find "$repo/packaging" -type f -print0 | sort -z | xargs -0 cat
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dist/.package-stamp" 2>/dev/null)" = "$stamp" ] &&
  ls "$dist/python"/*.whl "$dist/npm"/*.tgz >/dev/null 2>&1; then
  echo "package.sh: packages in $dist are up to date" >&2
  exit 0
fi

# release.sh's build settings when it exported them; these defaults otherwise. RUSTFLAGS,
# when set, overrides cargo's per-target flags: it is left to the caller.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
if [ -z "${RUSTFLAGS:-}" ]; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C target-feature=+crt-static}
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS=${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C target-feature=+crt-static}
fi
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}
venv=$(bash "$repo/scripts/tools-venv.sh")

rm -rf "$dist/python" "$dist/npm" "$dist/.package-stamp"
mkdir -p "$dist/python" "$dist/npm"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

built=()
for p in "${platforms[@]}"; do
  read -r triple cpu arch <<<"$p"
  bin=$dist/whyrun-$version-$triple/whyrun
  if [ ! -f "$bin" ]; then
    echo "package.sh: no $bin, no packages for $triple" >&2
    continue
  fi
  built+=("$cpu")

  # The wheel.
  "$venv/bin/maturin" build --quiet --release --locked --target "$triple" \
    --manifest-path "$repo/crates/whyrun/Cargo.toml" \
    --compatibility manylinux2014 \
    --out "$stage/wheel-$cpu" >&2
  wheel=$(ls "$stage/wheel-$cpu"/*.whl)
  inner=$("$venv/bin/python" -c 'import hashlib, sys, zipfile
print(hashlib.sha256(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])).hexdigest())' \
    "$wheel" "whyrun-$version.data/scripts/whyrun")
  if [ "$inner" != "$(sha256sum <"$bin" | cut -d' ' -f1)" ]; then
    # Another build (a changed --target, RUSTFLAGS, CARGO_TARGET_DIR or profile, or a binary
    # processed after cargo): the wheel gets the release's binary, RECORD rewritten by wheel.
    echo "package.sh: the binary maturin built for $triple is not $bin; the wheel gets $bin" >&2
    "$venv/bin/wheel" unpack --dest "$stage/unpacked-$cpu" "$wheel" >/dev/null
    install -m 0755 "$bin" "$stage/unpacked-$cpu/whyrun-$version/whyrun-$version.data/scripts/whyrun"
    rm "$wheel"
    "$venv/bin/wheel" pack --dest-dir "$stage/wheel-$cpu" "$stage/unpacked-$cpu/whyrun-$version" >/dev/null
    wheel=$(ls "$stage/wheel-$cpu"/*.whl)
  fi
  file "$bin" | grep -q 'static' || die "$bin is not statically linked: its wheel cannot say manylinux and musllinux"
  "$venv/bin/wheel" tags --remove --platform-tag "+musllinux_1_1_$arch" "$wheel" >/dev/null
  mv "$stage/wheel-$cpu"/*.whl "$dist/python/"

  # The platform's npm package.
  pkg=$stage/npm-$cpu
  mkdir -p "$pkg/bin"
  install -m 0755 "$bin" "$pkg/bin/whyrun"
  cat >"$pkg/package.json" <<JSON
{
  "name": "@whyrun/linux-$cpu",
  "version": "$version",
  "description": "The whyrun binary for Linux on $arch (static; glibc and musl systems)",
  "license": "MIT OR Apache-2.0",
  "os": ["linux"],
  "cpu": ["$cpu"],
  "files": ["bin/whyrun"],
  "preferUnplugged": true
}
JSON
  (cd "$pkg" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)
done
[ ${#built[@]} -gt 0 ] || die "no binary in $dist (expected $dist/whyrun-$version-TRIPLE/whyrun)"

# The main npm package: the launcher, and the platform packages as optional dependencies.
pkg=$stage/npm-whyrun
mkdir -p "$pkg/bin"
install -m 0755 "$repo/packaging/npm/whyrun/bin/whyrun.js" "$pkg/bin/whyrun.js"
optional=$(for cpu in "${built[@]}"; do printf '"@whyrun/linux-%s": "%s"\n' "$cpu" "$version"; done |
  paste -sd, | sed 's/^/{ /; s/$/ }/; s/,/, /g')
sed -e "s/@VERSION@/$version/" -e "s|@OPTIONAL@|$optional|" \
  "$repo/packaging/npm/whyrun/package.json.in" >"$pkg/package.json"
(cd "$pkg" && npm pack --silent --pack-destination "$dist/npm" >/dev/null)

echo "$stamp" >"$dist/.package-stamp"
ls "$dist/python"/*.whl "$dist/npm"/*.tgz
