#!/usr/bin/env bash
# Regenerates crates/whyrun-rules/src/build/std_since.rs, the release that added each Go
# standard-library package, from the API files (api/go1*.txt) of the newest Go installed
# under /usr/lib/go-1.N (scripts/install-deps.sh installs it). The generator is
# whyrun_rules::build::go_std::generate; its test fails when the committed table is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
ls -d /usr/lib/go-1.*/api >/dev/null 2>&1 || { echo "gen-go-std-table.sh: no /usr/lib/go-1.N/api; run scripts/install-deps.sh" >&2; exit 2; }
WHYRUN_BLESS_GO_STD=1 cargo test -q -p whyrun-rules --lib go_std_table_is_current
echo "wrote crates/whyrun-rules/src/build/std_since.rs"
