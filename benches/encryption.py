#!/usr/bin/env python3
"""The cost of encryption at rest (issue 13): the same caseload, plain and encrypted, through the
release binary's commands.

Generates a plain caseload of --count escalations (a tenth open) with `escalate demo --count`,
copies it with `escalate backup` and encrypts the copy with `escalate encrypt` (passphrase from a
0600 file in a private home), then times each command on both, alternating plain and encrypted
so that the machine's load falls on both alike. Reports medians of wall time and of the child's
CPU time (user + system, less sensitive to other processes on a busy machine) and the overhead.

Run from the repository root, after `cargo build --release`:

    python3 benches/encryption.py                 # 10,000 escalations, 9 runs each
    python3 benches/encryption.py --count 1000 --runs 5

The dashboard's first frame, plain and encrypted: `python3 benches/startup.py --sizes 10000`
with and without `--encrypted`. Uses only the Python 3 standard library.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-11-23 11:00"
COMMANDS = [
    ["review"],
    ["list"],
    ["list", "--all", "--json"],
    ["show", "1"],
    ["verify"],
]


def run(binary: Path, db: Path, args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run: (wall seconds, child CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([str(binary), "--db", str(db), "--now", NOW, *args],
                         capture_output=True, env=env, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{args} failed: {out.stderr.decode(errors='replace').strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=Path("target/release/escalate"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if not args.binary.exists():
        print(f"no {args.binary}: run `cargo build --release` first", file=sys.stderr)
        return 2
    binary = args.binary.resolve()
    with tempfile.TemporaryDirectory(prefix="escalate-encryption-") as home:
        home = Path(home)
        passphrase = home / "passphrase"
        fd = os.open(passphrase, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write("bench passphrase\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "USER": "bench-dsl",
            "LANG": "C.UTF-8",
            "ESCALATE_PASSPHRASE_FILE": str(passphrase),
        }
        plain, encrypted = home / "plain.db", home / "encrypted.db"
        print(f"generating {args.count:,} escalations …", file=sys.stderr, flush=True)
        for step in (
            [str(binary), "demo", "--count", str(args.count), "--open-share", "0.1", "--seed", "1",
             "--db", str(plain), "--now", NOW],
            [str(binary), "--db", str(plain), "backup", str(encrypted)],
            [str(binary), "--db", str(encrypted), "encrypt"],
        ):
            out = subprocess.run(step, capture_output=True, env=env, timeout=1800)
            if out.returncode != 0:
                raise SystemExit(f"{step} failed: {out.stderr.decode(errors='replace').strip()}")
        sizes = {name: db.stat().st_size for name, db in (("plain", plain), ("encrypted", encrypted))}
        print(f"\nescalate, {args.count:,} escalations ({args.count // 10:,} open), medians of "
              f"{args.runs} runs, plain and encrypted alternating; load average "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| command | plain, ms (CPU ms) | encrypted, ms (CPU ms) | overhead, wall | overhead, CPU |")
        print("|---|---:|---:|---:|---:|")
        for command in COMMANDS:
            walls = {"plain": [], "encrypted": []}
            cpus = {"plain": [], "encrypted": []}
            # One untimed run each, for the page cache.
            run(binary, plain, command, env)
            run(binary, encrypted, command, env)
            for _ in range(args.runs):
                for name, db in (("plain", plain), ("encrypted", encrypted)):
                    wall, cpu = run(binary, db, command, env)
                    walls[name].append(wall * 1000)
                    cpus[name].append(cpu * 1000)
            wp, we = statistics.median(walls["plain"]), statistics.median(walls["encrypted"])
            cp, ce = statistics.median(cpus["plain"]), statistics.median(cpus["encrypted"])
            print(f"| `escalate {' '.join(command)}` | {wp:.1f} ({cp:.0f}) | {we:.1f} ({ce:.0f}) "
                  f"| {100 * (we - wp) / wp:+.0f}% | {100 * (ce - cp) / max(cp, 1e-9):+.0f}% |",
                  flush=True)
        print(f"\nFile size: plain {sizes['plain']:,} bytes, encrypted {sizes['encrypted']:,} bytes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
