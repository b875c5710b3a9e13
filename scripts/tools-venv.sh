#!/usr/bin/env bash
# Makes the venv of the Python tools packaging uses (maturin, auditwheel, pre-commit, PyYAML;
# pinned in packaging/requirements-tools.txt) and prints its path:
#
#   ${WHYRUN_CACHE:-$HOME/.cache/whyrun}/tools-venv/<hash>/
#
# where <hash> is the SHA-256 of the requirements file and of the Python version, so a
# changed pin makes a new venv and a second run is a no-op. Needs python3 with venv
# (Debian: python3-venv) and PyPI.
#
# usage: scripts/tools-venv.sh     (prints the venv directory on stdout)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
req=$repo/packaging/requirements-tools.txt
py=${WHYRUN_PYTHON:-python3}
key=$( { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
base=${WHYRUN_CACHE:-${HOME:-/root}/.cache/whyrun}/tools-venv
venv=$base/$key

if [ ! -f "$venv/.complete" ]; then
  echo "tools-venv: installing $req into $venv" >&2
  rm -rf "$venv"
  mkdir -p "$base"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --require-virtualenv -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv"
