#!/usr/bin/env bash
# Builds whyrun's release into DIST:
#   whyrun-VERSION-TRIPLE/          the static, stripped binary with its man pages, shell
#                                   completions, JSON Schemas, README and licences (whyrun's
#                                   and every dependency's, listed by cargo-about)
#   whyrun-VERSION-TRIPLE.tar.gz    that directory, reproducibly archived
#   SHA256SUMS                      sha256sum of every archive
# then runs scripts/package.sh DIST (Python wheels, npm packages) with the same build
# environment exported, so their cargo builds reuse these artefacts.
#
# Targets: x86_64-unknown-linux-gnu and aarch64-unknown-linux-gnu, glibc linked in with
# `+crt-static`, so the binaries need no libc, no loader and no shared library on the host.
# (A musl target is not possible here: no musl standard library for Rust is reachable.)
#
# Compiler: Debian's rustc-web (bookworm-security), for both targets. rustup's toolchain on
# these machines has the x86-64 standard library only, and no other can be fetched; Debian
# ships the arm64 standard library of the very same rustc as libstd-rust-web-dev:arm64,
# which this script downloads into a private sysroot through a private apt state (the
# host's dpkg architectures are left alone). Linkers: gcc, and aarch64-linux-gnu-gcc with
# libc6-dev-arm64-cross for arm64's static C library. scripts/install-deps.sh installs them.
#
# Every binary must pass its own `whyrun check` against every built-in profile that offers
# its CPU before it is archived.
#
# Usage: scripts/release.sh [--dist DIR] [--target TRIPLE]...
#   DIST defaults to $WHYRUN_DIST, else ~/.cache/whyrun/release/dist.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${WHYRUN_RELEASE_CACHE:-$HOME/.cache/whyrun/release}"
dist="${WHYRUN_DIST:-$cache/dist}"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist="$2"; shift 2 ;;
    --target) targets+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)


die() { echo "release.sh: $*" >&2; exit 1; }

rustc_bin=/usr/bin/rustc
std_version=$(dpkg-query -W -f='${Version}' libstd-rust-web-dev 2>/dev/null) ||
  die "Debian's rustc-web is not installed: run scripts/install-deps.sh as root"
case "$("$rustc_bin" -vV 2>&1)" in *"release: "*) ;; *) die "$rustc_bin does not run" ;; esac

# The arm64 standard library of the same rustc, in a sysroot of its own.
aarch64_sysroot() {
  local root="$cache/sysroot-aarch64-$std_version"
  if [ ! -d "$root/usr/lib/rustlib/aarch64-unknown-linux-gnu/lib" ]; then
    local apt="$cache/apt-arm64"
    mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/etc"
    # Wherever the installed rustc-web came from: bookworm-security, bookworm or trixie.
    {
      echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main"
      echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main"
      echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main"
    } >"$apt/etc/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::Archives=$apt/archives"
      -o Dir::State::Status=/dev/null -o APT::Architecture=arm64 -o APT::Architectures::=arm64
      -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
    apt-get "${opts[@]}" update >&2
    (cd "$apt/archives" && apt-get "${opts[@]}" download "libstd-rust-web-dev:arm64=$std_version" >&2) ||
      die "libstd-rust-web-dev:arm64 $std_version is not in Debian's archive (the installed rustc-web is older or newer than the archive's: upgrade it)"
    rm -rf "$root.tmp" && mkdir -p "$root.tmp"
    dpkg-deb -x "$apt/archives/libstd-rust-web-dev_${std_version//:/%3a}_arm64.deb" "$root.tmp"
    rm -rf "$root" && mv "$root.tmp" "$root"
  fi
  echo "$root/usr"
}

version=$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="whyrun"))')
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
commit_date=$(git show -s --format=%cs HEAD 2>/dev/null || true)
epoch=$(git show -s --format=%ct HEAD 2>/dev/null || echo 0)

# cargo-about, built once by the machine's own toolchain, before the release's build
# environment is set (its proc-macros cannot be built with +crt-static).
cargo_about="$HOME/.cache/whyrun/tools/cargo-about-0.9.3/bin/cargo-about"
if [ ! -x "$cargo_about" ]; then
  echo "release.sh: installing cargo-about 0.9.3 (once)" >&2
  cargo install --quiet --locked cargo-about --version 0.9.3 --features cli --root "$(dirname "$(dirname "$cargo_about")")"
fi

# The build environment, exported so scripts/package.sh's cargo (maturin) builds the same.
export RUSTC="$rustc_bin"
export CARGO_TARGET_DIR="$cache/target"
export WHYRUN_COMMIT="$commit" WHYRUN_COMMIT_DATE="$commit_date" SOURCE_DATE_EPOCH="$epoch"
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=gcc
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static -C strip=symbols"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
if printf '%s\n' "${targets[@]}" | grep -q '^aarch64-'; then
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="--sysroot $(aarch64_sysroot) -C target-feature=+crt-static -C strip=symbols"
fi

for triple in "${targets[@]}"; do
  case "$triple" in
    x86_64-unknown-linux-gnu | aarch64-unknown-linux-gnu) ;;
    *) die "unsupported target $triple (x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu)" ;;
  esac
done
# One cargo run for every target: their (single-threaded) fat-LTO links run side by side.
echo "release.sh: building whyrun $version for ${targets[*]}" >&2
cargo build --quiet --release --locked -p whyrun $(printf -- '--target %s ' "${targets[@]}")
host_bin=""
if printf '%s\n' "${targets[@]}" | grep -qx x86_64-unknown-linux-gnu; then
  host_bin="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/whyrun"
fi

mkdir -p "$dist"
for triple in "${targets[@]}"; do
  case "$triple" in
    x86_64-unknown-linux-gnu) arch=amd64 ;;
    aarch64-unknown-linux-gnu) arch=arm64 ;;
  esac
  bin="$CARGO_TARGET_DIR/$triple/release/whyrun"

  # The gate: the binary must run on every built-in profile that offers its CPU.
  checker="${host_bin:-qemu-aarch64-static $bin}"
  check_args=()
  for p in $($checker --color never check --list-targets | awk -v a="$arch" '{ for (i = 2; i <= NF; i++) if ($i == a || $i == a ";") { print $1; break } }'); do
    check_args+=(-t "$p@$arch")
  done
  [ ${#check_args[@]} -gt 10 ] || die "too few profiles offer $arch: ${check_args[*]}"
  if ! $checker check "$bin" "${check_args[@]}" --as /usr/local/bin/whyrun -q --color never >"$cache/self-check-$triple.txt" 2>&1; then
    cat "$cache/self-check-$triple.txt" >&2
    die "the $triple binary fails its own check against its release profiles"
  fi

  name="whyrun-$version-$triple"
  stage="$dist/$name"
  rm -rf "$stage" && mkdir -p "$stage/man" "$stage/completions"
  install -m 0755 "$bin" "$stage/whyrun"
  cp README.md LICENSE-MIT LICENSE-APACHE "$stage/"
  cp -r schemas "$stage/"

  # Man pages and completions come from the host binary (the same command-line definition).
  gen="${host_bin:-qemu-aarch64-static $bin}"
  $gen man >"$stage/man/whyrun.1"
  for cmd in $($gen --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ && $1 != "help" {print $1}'); do
    $gen man "$cmd" >"$stage/man/whyrun-$cmd.1"
  done
  $gen completions bash >"$stage/completions/whyrun.bash"
  $gen completions zsh >"$stage/completions/_whyrun"
  $gen completions fish >"$stage/completions/whyrun.fish"
  $gen completions elvish >"$stage/completions/whyrun.elv"
  $gen completions powershell >"$stage/completions/_whyrun.ps1"

  "$cargo_about" generate --locked --fail --config scripts/release/about.toml \
    --manifest-path crates/whyrun/Cargo.toml --target "$triple" \
    --output-file "$stage/THIRD-PARTY-LICENSES.md" scripts/release/about.hbs 2>"$cache/about-$triple.log" || {
    cat "$cache/about-$triple.log" >&2
    die "cargo-about could not list the dependencies' licences"
  }

  find "$stage" -exec touch -h -d "@$epoch" {} +
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$dist" -cf - "$name" |
    gzip -9n >"$dist/$name.tar.gz"
  echo "release.sh: $dist/$name.tar.gz" >&2
done

(cd "$dist" && sha256sum -- whyrun-"$version"-*.tar.gz >SHA256SUMS)

export WHYRUN_VERSION="$version"
bash scripts/package.sh "$dist"
echo "$dist"
