#!/usr/bin/env python3
"""Benchmarks `whyrun tree` against the tools a user would otherwise run, in one run:
libtree over every dynamic ELF program in this machine's /usr/bin (libtree has no sysroot
option), and pax-utils' `lddtree --root` over every ELF file of the debootstrapped Debian
root (fixtures/roots/build.sh). Prints each tool's wall time and the ratio.

Usage: python3 scripts/bench-tree.py [--runs N]
Needs: libtree, pax-utils, hyperfine (apt-get install libtree pax-utils hyperfine), the
bookworm root (bash fixtures/roots/build.sh).
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
ROOT = Path(os.environ.get("WHYRUN_ROOTS", Path.home() / ".cache/whyrun/roots")) / "bookworm"


def is_dynamic_elf(path):
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return head[:4] == b"\x7fELF"


def elf_files(dirs, root=None):
    out = []
    for d in dirs:
        base = Path(root, d.lstrip("/")) if root else Path(d)
        for dirpath, _, names in os.walk(base):
            for n in names:
                p = Path(dirpath, n)
                if p.is_symlink() or not p.is_file():
                    continue
                if is_dynamic_elf(p):
                    out.append("/" + str(p.relative_to(root)) if root else str(p))
    return sorted(out)


def hyperfine(commands, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "-N", "-i", "--warmup", "1", "--runs", str(runs), "--export-json", out.name, "--style", "none"]
        for name, c in commands:
            cmd += ["-n", name, c]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return {r["command"]: r["median"] for r in data["results"]}


def table(title, results, baseline):
    print(f"\n{title}")
    base = results[baseline]
    for name, median in results.items():
        print(f"  {name:<34} {median:8.3f} s   {median / base:6.1f}x whyrun's time")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for tool in ["hyperfine", "libtree", "lddtree"]:
        if not shutil.which(tool):
            sys.exit(f"bench-tree: {tool} missing (apt-get install libtree pax-utils hyperfine)")
    if not ROOT.is_dir():
        sys.exit(f"bench-tree: {ROOT} missing: run bash fixtures/roots/build.sh")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "whyrun"], cwd=REPO, check=True)
    whyrun = str(REPO / "target/release/whyrun")

    # Only programs libtree can read: it stops at the first file it rejects.
    host = [f for f in elf_files(["/usr/bin"]) if subprocess.run(["libtree", f], capture_output=True).returncode == 0]
    files = " ".join(host)
    print(f"{len(host)} ELF programs in /usr/bin that libtree reads")
    table(
        "Host /usr/bin: every program's tree, one process each tool:",
        hyperfine(
            [
                ("whyrun tree", f"{whyrun} tree {files}"),
                ("libtree", f"libtree {files}"),
            ],
            args.runs,
        ),
        "whyrun tree",
    )

    inside = elf_files(["/usr/bin", "/usr/sbin", "/usr/lib"], root=ROOT)
    files = " ".join(inside)
    print(f"\n{len(inside)} ELF files in {ROOT} (/usr/bin, /usr/sbin, /usr/lib)")
    table(
        "Debian root: every file's tree with --root, one process each tool:",
        hyperfine(
            [
                ("whyrun tree --root", f"{whyrun} tree --root {ROOT} {files}"),
                ("lddtree --root", f"lddtree --root {ROOT} {files}"),
            ],
            max(2, args.runs // 2),
        ),
        "whyrun tree --root",
    )


if __name__ == "__main__":
    main()
