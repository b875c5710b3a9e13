#!/usr/bin/env python3
"""Benchmarks `whyrun tree` against the tools a user would otherwise run, in one run:
libtree over every ELF program in this machine's /usr/bin (libtree has no sysroot
option), and pax-utils' `lddtree --root` over every ELF file of the debootstrapped Debian
root (fixtures/roots/build.sh). Prints each tool's median wall time (hyperfine), the
ratios, and how loaded the machine was.

Usage: python3 scripts/bench-tree.py [--runs N]
Needs: apt-get install libtree pax-utils python3-pyelftools hyperfine; the bookworm root
(bash fixtures/roots/build.sh). lddtree is a Python script that needs pyelftools: it is
run with /usr/bin/python3, the interpreter python3-pyelftools installs for, whatever
`python3` is first on PATH.
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
SYSTEM_PYTHON = "/usr/bin/python3"


def is_elf(path):
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head == b"\x7fELF"


def elf_files(dirs, root=None):
    out = []
    for d in dirs:
        base = Path(root, d.lstrip("/")) if root else Path(d)
        for dirpath, _, names in os.walk(base):
            for n in names:
                p = Path(dirpath, n)
                if p.is_symlink() or not p.is_file():
                    continue
                if is_elf(p):
                    out.append("/" + str(p.relative_to(root)) if root else str(p))
    return sorted(out)


def must_run(name, argv, ok_codes=(0,)):
    """Runs a tool once before timing it: hyperfine ignores exit codes (`-i`, because
    whyrun exits 1 when a library is missing), so a tool that fails outright would
    otherwise be timed failing."""
    r = subprocess.run(argv, capture_output=True)
    if r.returncode not in ok_codes or not r.stdout:
        err = r.stderr.decode(errors="replace").strip().splitlines()[-3:]
        sys.exit(f"bench-tree: {name} fails (exit {r.returncode}): " + " / ".join(err))


def hyperfine(commands, runs):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["hyperfine", "-N", "-i", "--warmup", "2", "--runs", str(runs)]
        cmd += ["--export-json", out.name, "--style", "none"]
        for name, argv in commands:
            cmd += ["-n", name, " ".join(argv)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return {r["command"]: r for r in data["results"]}


def table(title, results, baseline):
    print(f"\n{title}")
    base = results[baseline]["median"]
    for name, r in results.items():
        cpu = (r["user"] + r["system"]) * 1e3
        ratio = r["median"] / base
        print(
            f"  {name:<22} median {r['median'] * 1e3:9.1f} ms  "
            f"(min {r['min'] * 1e3:8.1f}, mean CPU {cpu:8.1f} ms)  {ratio:7.2f}x whyrun's time"
        )


def load():
    return f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    for tool in ["hyperfine", "libtree", "lddtree"]:
        if not shutil.which(tool):
            sys.exit(
                f"bench-tree: {tool} missing "
                "(apt-get install libtree pax-utils python3-pyelftools hyperfine)"
            )
    if not ROOT.is_dir():
        sys.exit(f"bench-tree: {ROOT} missing: run bash fixtures/roots/build.sh")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "whyrun"], cwd=REPO, check=True)
    whyrun = str(REPO / "target/release/whyrun")
    lddtree = [SYSTEM_PYTHON, shutil.which("lddtree")]

    # Only programs libtree can read: it stops at the first file it rejects.
    host = [f for f in elf_files(["/usr/bin"]) if subprocess.run(["libtree", f], capture_output=True).returncode == 0]
    print(f"{len(host)} ELF programs in /usr/bin that libtree reads; {load()}")
    runs = [
        ("whyrun tree", [whyrun, "tree", *host]),
        ("libtree", ["libtree", *host]),
    ]
    must_run("whyrun tree", runs[0][1], ok_codes=(0, 1))
    must_run("libtree", runs[1][1])
    table(
        "Host /usr/bin: every program's tree, one process each tool:",
        hyperfine(runs, args.runs),
        "whyrun tree",
    )

    inside = elf_files(["/usr/bin", "/usr/sbin", "/usr/lib"], root=ROOT)
    print(f"\n{len(inside)} ELF files in {ROOT} (/usr/bin, /usr/sbin, /usr/lib); {load()}")
    runs = [
        ("whyrun tree --root", [whyrun, "tree", "--root", str(ROOT), *inside]),
        ("lddtree --root", [*lddtree, "--root", str(ROOT), *inside]),
    ]
    must_run("whyrun tree --root", runs[0][1], ok_codes=(0, 1))
    must_run("lddtree --root", runs[1][1])
    table(
        "Debian root: every file's tree with --root, one process each tool:",
        hyperfine(runs, max(3, args.runs // 6)),
        "whyrun tree --root",
    )
    print(f"\n{load()}")


if __name__ == "__main__":
    main()
