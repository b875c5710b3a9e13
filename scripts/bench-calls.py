#!/usr/bin/env python3
"""Benchmarks the direct-call analysis that places a Go binary's run-time needs (CA roots,
time zones, users) by who calls them, on the largest Go fixture (the cgo Gin binary):

1. `whyrun check` of it against five built-in profiles, analysis included, against
   `go version -m` on the same file, in one hyperfine run: the ratio a user feels
   (target: at most 1.5x).
2. The analysis alone against a plain sequential read of the binary's `.text` and one
   pass over it in memory (crates/whyrun-facts/examples/bench_calls.rs; target: at most
   2x the read).

Usage: python3 scripts/bench-calls.py [--runs N]
Needs: hyperfine, the fixtures (bash fixtures/build.sh), Debian's Go 1.24.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("WHYRUN_FIXTURES", Path.home() / ".cache/whyrun/fixtures"))
GO = "/usr/lib/go-1.24/bin/go"
PROFILES = ["alpine-3.19", "scratch", "debian-12", "ubuntu-22.04", "distroless-base-debian12"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    if not shutil.which("hyperfine"):
        sys.exit("bench-calls: hyperfine missing (apt-get install hyperfine)")
    binary = CACHE / "go/gin-go124-cgo"
    if not binary.exists():
        sys.exit(f"bench-calls: {binary} missing: run bash fixtures/build.sh")
    # Two builds: with --example, cargo builds only the example.
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "whyrun"], cwd=REPO, check=True)
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "whyrun-facts", "--example", "bench_calls"],
        cwd=REPO,
        check=True,
    )
    whyrun = REPO / "target/release/whyrun"
    targets = " ".join(f"-t {p}" for p in PROFILES)
    commands = [
        ("whyrun check, 5 profiles", f"{whyrun} check {binary} {targets}"),
        ("go version -m", f"{GO} version -m {binary}"),
    ]
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "-N", "-i", "--warmup", "5", "--runs", str(args.runs), "--export-json", out.name, "--style", "none"]
        for name, c in commands:
            cmd += ["-n", name, c]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        results = {r["command"]: r for r in json.load(open(out.name))["results"]}
    check = results[commands[0][0]]
    go = results[commands[1][0]]
    print(f"{binary.name}: {binary.stat().st_size} bytes")
    for name, r in ((commands[0][0], check), (commands[1][0], go)):
        print(f"  {name:28} median {r['median'] * 1e3:7.2f} ms  min {r['min'] * 1e3:7.2f} ms")
    print(f"  ratio (median)               {check['median'] / go['median']:.2f}x  (target <= 1.5x)")
    print()
    subprocess.run([REPO / "target/release/examples/bench_calls", str(binary), "200"], check=True)


if __name__ == "__main__":
    main()
