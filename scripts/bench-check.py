#!/usr/bin/env python3
"""Benchmarks `whyrun check` of a real Go Gin binary against five built-in profiles, in
every output format, and against the debootstrapped Debian root. Prints medians; the
check against five profiles should stay well under 50 ms.

Usage: python3 scripts/bench-check.py [--runs N]
Needs: hyperfine, the fixtures (bash fixtures/build.sh), the bookworm root for the last
line (bash fixtures/roots/build.sh).
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
ROOT = Path(os.environ.get("WHYRUN_ROOTS", Path.home() / ".cache/whyrun/roots")) / "bookworm"
PROFILES = ["alpine-3.19", "scratch", "debian-12", "ubuntu-22.04", "distroless-base-debian12"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    if not shutil.which("hyperfine"):
        sys.exit("bench-check: hyperfine missing (apt-get install hyperfine)")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "whyrun"], cwd=REPO, check=True)
    whyrun = str(REPO / "target/release/whyrun")
    binary = CACHE / "go/gin-go124-cgo"
    if not binary.exists():
        sys.exit(f"bench-check: {binary} missing: run bash fixtures/build.sh")
    targets = " ".join(f"--target {p}" for p in PROFILES)
    commands = [
        ("5 profiles, human", f"{whyrun} check {binary} {targets}"),
        ("5 profiles, json", f"{whyrun} check {binary} {targets} --format json"),
        ("5 profiles, sarif", f"{whyrun} check {binary} {targets} --format sarif"),
        ("this host", f"{whyrun} check {binary}"),
    ]
    if ROOT.is_dir():
        commands.append(("bookworm root", f"{whyrun} check {binary} --root {ROOT}"))
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "-N", "-i", "--warmup", "3", "--runs", str(args.runs), "--export-json", out.name, "--style", "none"]
        for name, c in commands:
            cmd += ["-n", name, c]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        results = json.load(open(out.name))["results"]
    print(f"whyrun check {binary.name} ({binary.stat().st_size / 1e6:.1f} MB), {args.runs} runs each, medians:")
    for r in results:
        print(f"  {r['command']:<22} {r['median'] * 1000:7.1f} ms  (min {r['min'] * 1000:.1f}, max {r['max'] * 1000:.1f})")
    five = next(r for r in results if r["command"] == "5 profiles, human")["median"] * 1000
    print(f"\nagainst five profiles: {five:.1f} ms median ({'under' if five < 50 else 'OVER'} 50 ms)")


if __name__ == "__main__":
    main()
