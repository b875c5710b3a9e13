#!/usr/bin/env bash
# Seeds the fuzz corpora with real binaries: the committed small fixtures, the built
# fixtures under 4 MB (see fixtures/build.sh), and a few of this machine's own binaries.
set -euo pipefail
cd "$(dirname "$0")"
corpus=corpus/facts
mkdir -p "$corpus"
cache=${WHYRUN_FIXTURES:-$HOME/.cache/whyrun/fixtures}
for f in ../fixtures/small/* "$cache"/c/* "$cache"/go/* /usr/bin/ls /usr/lib/x86_64-linux-gnu/libc.so.6; do
  [ -f "$f" ] || continue
  head -c 4 "$f" | grep -q ELF || continue
  [ "$(stat -c %s "$f")" -le 4194304 ] || continue
  cp "$f" "$corpus/$(basename "$f")-$(sha1sum "$f" | cut -c1-8)"
done
echo "seeded $(ls "$corpus" | wc -l) files into fuzz/$corpus"
