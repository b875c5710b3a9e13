#!/usr/bin/env python3
"""Benchmarks `whyrun inspect` against the tools a user would otherwise run on the same
files in the same run: `go version -m` (Go build info) and `readelf -d -V` (dynamic section
and symbol versions). Prints each tool's time and the ratio. Then shows that inspecting a
large Go binary does not read the whole file: the file's pages brought into the page cache
by one cold `whyrun inspect`, and its peak RSS, against the file size.

The Go fixtures are compared twice: all in one process (where `go version -m` pays its
start-up once and whyrun also reads every binary's symbol table for the linked packages,
which `go version -m` does not), and each on its own, the way a binary is usually checked.

Usage: python3 scripts/bench-inspect.py [--runs N]
Needs: the fixtures (bash fixtures/build.sh), hyperfine, fincore (util-linux), GNU time.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GO = "/usr/lib/go-1.24/bin/go"
LARGE_GO = [
    "/usr/lib/go-1.24/pkg/tool/linux_amd64/compile",
    "/usr/lib/go-1.24/bin/go",
]


def fixtures():
    cache = Path(os.environ.get("WHYRUN_FIXTURES", Path.home() / ".cache/whyrun/fixtures"))
    manifest = cache / "manifest.tsv"
    if not manifest.exists():
        sys.exit(f"bench-inspect: {manifest} missing: run bash fixtures/build.sh first")
    rows = [l.split("\t") for l in manifest.read_text().splitlines() if l and not l.startswith("#")]
    return [(r[0], r[1], str(cache / r[2])) for r in rows]


def hyperfine(commands, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "-N", "--warmup", "3", "--runs", str(runs), "--export-json", out.name, "--style", "none"]
        for name, c in commands:
            cmd += ["-n", name, c]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return {r["command"]: (r["median"], r["stddev"] or 0.0) for r in data["results"]}


def table(title, results, baseline):
    print(f"\n{title}")
    base = results[baseline][0]
    for name, (median, sd) in results.items():
        ratio = median / base
        print(f"  {name:<28} {median * 1000:9.2f} ms ±{sd * 1000:6.2f}   {ratio:6.2f}x whyrun's time")


def cold_pages(whyrun, path):
    """Evicts the file from the page cache, runs whyrun once, and counts resident pages."""
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
    before = resident(path)
    usage = subprocess.run(
        ["/usr/bin/time", "-f", "%M", whyrun, "inspect", "--json", path],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    peak_kib = int(usage.stderr.strip().splitlines()[-1])
    after = resident(path)
    return before, after, peak_kib


def resident(path):
    out = subprocess.run(["fincore", "-b", "-n", "-o", "RES", path], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    for tool in ["hyperfine", "fincore", "readelf", GO]:
        if not shutil.which(tool) and not Path(tool).exists():
            sys.exit(f"bench-inspect: {tool} missing (apt-get install hyperfine util-linux binutils)")

    subprocess.run(["cargo", "build", "--release", "-q", "-p", "whyrun"], cwd=REPO, check=True)
    whyrun = str(REPO / "target/release/whyrun")

    fx = fixtures()
    go_files = [p for _, kind, p in fx if kind == "go"]
    all_files = [p for _, _, p in fx]
    print(f"{len(all_files)} fixtures ({len(go_files)} Go), {sum(os.path.getsize(p) for p in all_files) / 1e6:.1f} MB")

    go_list = " ".join(go_files)
    table(
        f"Go build info of {len(go_files)} Go fixtures, one process each tool:",
        hyperfine(
            [
                ("whyrun inspect --json", f"{whyrun} inspect --json {go_list}"),
                ("go version -m", f"{GO} version -m {go_list}"),
            ],
            args.runs,
        ),
        "whyrun inspect --json",
    )
    all_list = " ".join(all_files)
    table(
        f"Dynamic section and versions of all {len(all_files)} fixtures:",
        hyperfine(
            [
                ("whyrun inspect --json", f"{whyrun} inspect --json {all_list}"),
                ("readelf -d -V", f"readelf -d -V {all_list}"),
                ("go version -m (Go only)", f"{GO} version -m {go_list}"),
            ],
            args.runs,
        ),
        "whyrun inspect --json",
    )
    print(f"\nEach of the {len(go_files)} Go fixtures alone, one process per file and tool:")
    print(f"  {'file':<28} {'whyrun':>10} {'go version -m':>14}")
    ratios = []
    for path in go_files:
        r = hyperfine(
            [
                ("whyrun", f"{whyrun} inspect --json {path}"),
                ("go", f"{GO} version -m {path}"),
            ],
            args.runs,
        )
        ratio = r["go"][0] / r["whyrun"][0]
        ratios.append(ratio)
        whyrun_ms, go_ms = r["whyrun"][0] * 1000, r["go"][0] * 1000
        print(f"  {Path(path).name:<28} {whyrun_ms:7.2f} ms {go_ms:11.2f} ms   {ratio:6.2f}x whyrun's time")
    geomean = statistics.geometric_mean(ratios)
    faster = sum(ratio > 1 for ratio in ratios)
    print(f"  whyrun faster on {faster} of {len(ratios)}; `go version -m` takes {geomean:.2f}x whyrun's time (geometric mean)")

    large = [p for p in LARGE_GO if Path(p).exists()] + sorted(go_files, key=os.path.getsize)[-1:]
    for path in large:
        table(
            f"One large Go binary, {os.path.getsize(path) / 1e6:.1f} MB ({path}):",
            hyperfine(
                [
                    ("whyrun inspect --json", f"{whyrun} inspect --json {path}"),
                    ("go version -m", f"{GO} version -m {path}"),
                ],
                args.runs,
            ),
            "whyrun inspect --json",
        )

    print("\nPages read: one cold `whyrun inspect --json` (the file evicted from the page cache first)")
    print(f"  {'file':<56} {'size':>10} {'read':>10} {'share':>7} {'peak RSS':>10}")
    for path in large:
        size = os.path.getsize(path)
        before, after, peak_kib = cold_pages(whyrun, path)
        read = after - before
        print(f"  {path[-56:]:<56} {size / 1e6:8.1f}MB {read / 1e6:8.2f}MB {100 * read / size:6.1f}% {peak_kib / 1024:8.1f}MB")


if __name__ == "__main__":
    main()
