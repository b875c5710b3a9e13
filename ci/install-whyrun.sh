#!/usr/bin/env bash
# Installs a released whyrun for this machine's architecture, the install step of the
# GitHub Action (action.yml) and of the GitLab template (whyrun.gitlab-ci.yml):
# downloads whyrun-VERSION-TRIPLE.tar.gz from the release, checks its SHA-256 against the
# release's SHA256SUMS (and against WHYRUN_SHA256 when set), and unpacks the binary into
# WHYRUN_INSTALL_DIR. Prints the installed binary's path; on GitHub Actions also adds its
# directory to GITHUB_PATH.
#
# Environment:
#   WHYRUN_VERSION      the release, `0.1.0` (a leading `v` is dropped)       (required)
#   WHYRUN_RELEASE_URL  where the release's files are (https://, file://)     (required)
#   WHYRUN_SHA256       the archive's expected SHA-256, to pin it beyond SHA256SUMS
#   WHYRUN_INSTALL_DIR  where the binary goes (default: $RUNNER_TEMP or $TMPDIR, /whyrun-bin)
#   WHYRUN_ARCH         the architecture (default: `uname -m`): x86_64, aarch64 or arm64
#
# Exit codes: 0 installed, 1 download or checksum failed, 2 bad input.
set -euo pipefail

die() { echo "install-whyrun: $*" >&2; exit "${2:-1}"; }
version=${WHYRUN_VERSION:-}
version=${version#v}
url=${WHYRUN_RELEASE_URL:-}
[ -n "$version" ] || die "WHYRUN_VERSION is not set" 2
[ -n "$url" ] || die "WHYRUN_RELEASE_URL is not set" 2
url=${url%/}
dir=${WHYRUN_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/whyrun-bin}

arch=${WHYRUN_ARCH:-$(uname -m)}
case "$arch" in
  x86_64 | amd64) triple=x86_64-unknown-linux-gnu ;;
  aarch64 | arm64) triple=aarch64-unknown-linux-gnu ;;
  *) die "no whyrun release for $arch (there are x86_64 and aarch64)" 2 ;;
esac
[ "$(uname -s)" = Linux ] || die "whyrun's releases are for Linux, this is $(uname -s)" 2

name=whyrun-$version-$triple
archive=$name.tar.gz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {
  curl --fail --silent --show-error --location --retry 3 --output "$2" "$1" ||
    die "cannot download $1"
}
fetch "$url/$archive" "$work/$archive"
fetch "$url/SHA256SUMS" "$work/SHA256SUMS"

# SHA256SUMS lines: HASH, two spaces (or space and `*`), the file name (maybe with a path).
want=$(awk -v f="$archive" '{ n = $2; sub(/^\*/, "", n); sub(/.*\//, "", n); if (n == f) print $1 }' \
  "$work/SHA256SUMS")
[ -n "$want" ] || die "$url/SHA256SUMS has no line for $archive"
got=$(sha256sum "$work/$archive" | cut -d' ' -f1)
[ "$got" = "$want" ] || die "$archive has SHA-256 $got, but SHA256SUMS says $want"
if [ -n "${WHYRUN_SHA256:-}" ] && [ "$got" != "$WHYRUN_SHA256" ]; then
  die "$archive has SHA-256 $got, but WHYRUN_SHA256 says $WHYRUN_SHA256"
fi

tar -xzf "$work/$archive" -C "$work" "$name/whyrun" || die "$archive holds no $name/whyrun"
mkdir -p "$dir"
install -m 0755 "$work/$name/whyrun" "$dir/whyrun"
"$dir/whyrun" --version >&2 || die "the installed $dir/whyrun does not run"
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$dir" >>"$GITHUB_PATH"
fi
echo "$dir/whyrun"
