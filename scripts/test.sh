#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages), builds the real fixture
# binaries and the release (cached outside git), checks formatting and lints, then runs
# every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  bash scripts/install-deps.sh
elif command -v sudo >/dev/null 2>&1; then
  sudo bash scripts/install-deps.sh
else
  echo "test.sh: scripts/install-deps.sh needs root; skipping it, run it as root once" >&2
fi
bash fixtures/build.sh
bash fixtures/roots/build.sh   # Debian roots for the loader tests, cached outside git
bash fixtures/e2e/build-roots.sh   # roots the e2e test runs the fixtures in, cached outside git
bash fixtures/e2e/build-systemd-root.sh # the root systemd boots in for the unit tests, cached outside git
bash fixtures/third-party/fetch.sh # real programs from Debian, cached outside git
bash scripts/release.sh >/dev/null # the static release binaries and archives (tests/it/distribution.rs), and their wheels and npm packages (scripts/package.sh; tests/it/packaging.rs)
# In CI, the cargo build directory is a cache outside the clone, as the fixtures are: a
# warm run rebuilds only the crates that changed (no incremental data kept).
if [ "${CI:-}" = true ] && [ -z "${CARGO_TARGET_DIR:-}" ]; then
  export CARGO_TARGET_DIR="$HOME/.cache/whyrun/ci-target" CARGO_INCREMENTAL=0
fi
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
