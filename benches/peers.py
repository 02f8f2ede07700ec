#!/usr/bin/env python3
"""escalate's command line beside its peers, on the same number of items, in one run (issue 17).

The peers:
- Taskwarrior (`task`, Debian's `taskwarrior`), loaded with the same number of tasks, a tenth of
  them pending (a third of those overdue, as in escalate's demo caseload), the rest completed, in
  a private TASKRC and TASKDATA under a temporary folder, by `task import` of generated JSON; the
  count is checked with `task count` before anything is timed;
- the `sqlite3` shell on escalate's own database file: the raw queries for the same rows, the
  floor that no program reading that file can beat.

Each command runs --runs times (default 5) with its output sent to /dev/null, after one untimed
run (so the page cache is warm and Taskwarrior's housekeeping is done); the table gives the
median wall time, and the peak RSS (from GNU time) and output size of the median run.

Run from the repository root, after `cargo build --release`:

    python3 benches/peers.py                 # 100,000 items
    python3 benches/peers.py --count 10000 --runs 3
    python3 benches/peers.py --no-check      # report only

With --check (the default) it exits 1 where a target of the issue is missed:
- `escalate review` within 1.2x the raw sqlite3 query for the rows it reads (today all of them,
  as in the issue; the ratio to the rows it needs, those of escalations needing attention, is
  printed beside it);
- `escalate list --overdue` at least 5x faster than `task +OVERDUE list`;
- `escalate list --all --json` under 3 s and 100 MiB (at 100,000);
- `escalate verify` within 2x `PRAGMA integrity_check`.
It exits 2 if it could not measure. If `task` or `sqlite3` is missing it installs it with
apt-get when run as root, and otherwise says how.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

NOW = "2026-11-23 11:00"
MIB = 1024 * 1024
GNU_TIME = "/usr/bin/time"
FULL_SIZE = 100_000  # the size at which the absolute targets apply

# Every table of an escalation's record, and the column that names the escalation.
RECORD_TABLES = [
    ("escalations", "id"),
    ("stage_changes", "escalation_id"),
    ("discussions", "escalation_id"),
    ("actions", "escalation_id"),
    ("action_completions", "escalation_id"),
    ("notifications_sent", "escalation_id"),
    ("notes", "escalation_id"),
    ("outcomes", "escalation_id"),
    ("amendments", "escalation_id"),
]


def rows_of(ids: str) -> str:
    """Every row of the record of the escalations `ids` selects, a query a table."""
    return " ".join(
        f"SELECT * FROM {table} WHERE {column} IN ({ids}) ORDER BY {column};"
        for table, column in RECORD_TABLES
    )


# What `list` needs: every row of every open escalation.
SQL_OPEN_ROWS = rows_of("SELECT escalation_id FROM escalation_state WHERE is_open = 1")
# What `review` and `list --overdue` need: the open escalations and the closed ones that may
# still owe a notification (escalation_state.needs_attention, as the dashboard reads).
SQL_ATTENTION_ROWS = rows_of("SELECT escalation_id FROM escalation_state WHERE needs_attention = 1")
# What `list --all --json` needs, and what `review` and `list --overdue` read today: every row.
SQL_ALL_ROWS = " ".join(f"SELECT * FROM {table} ORDER BY {column};" for table, column in RECORD_TABLES)


class MeasureError(Exception):
    pass


@dataclass
class Timing:
    name: str
    seconds: float
    peak_mib: float
    output_bytes: int


def ensure(program: str, package: str) -> str:
    """The path of `program`, installing `package` with apt-get if it is missing and we are root."""
    found = shutil.which(program)
    if found:
        return found
    if os.geteuid() != 0:
        raise MeasureError(f"`{program}` is missing: install it with `sudo apt-get install {package}`")
    print(f"  installing {package} with apt-get …", file=sys.stderr, flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", package], env=env, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, **quiet)
        subprocess.run(["apt-get", "install", "-y", package], env=env, check=False, **quiet)
    found = shutil.which(program)
    if not found:
        raise MeasureError(f"could not install {package}; try `apt-get install {package}`")
    return found


def run_once(argv: list[str], env: dict[str, str], timeout: float) -> tuple[float, float, int, int]:
    """Runs argv with stdout counted and discarded: (seconds, peak RSS MiB, exit code, bytes).

    The peak comes from GNU time (`%M`), not from our own wait4(): Linux carries the forking
    process's high-water mark across exec, so a child of this Python would never report less
    than Python's own ~20 MiB. GNU time is small, so what it reports is the command's."""
    started = time.perf_counter()
    with tempfile.NamedTemporaryFile("r") as peak_file, open(os.devnull, "wb") as devnull:
        child = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", peak_file.name, "--"] + argv, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=devnull, start_new_session=True)
        seconds, code, total = wait_counting(child, started, timeout, argv[0])
        try:
            peak_kib = int(peak_file.read().strip().splitlines()[-1])
        except (ValueError, IndexError) as error:
            raise MeasureError(f"no peak RSS from GNU time for {argv[0]}") from error
    return seconds, peak_kib / 1024, code, total


def wait_counting(child: subprocess.Popen, started: float, timeout: float, name: str):
    total = 0
    try:
        deadline = started + timeout
        while chunk := child.stdout.read1(1 << 20):
            total += len(chunk)
            if time.perf_counter() > deadline:
                raise MeasureError(f"{name} took over {timeout:.0f} s")
        code = child.wait()
        seconds = time.perf_counter() - started
    except BaseException:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
        raise
    finally:
        child.stdout.close()
    if code == 127 or code == 126:
        raise MeasureError(f"could not run {name} (exit {code})")
    return seconds, code, total


def measure(name: str, argv: list[str], env: dict[str, str], args, is_ok=lambda code: code == 0) -> Timing:
    _, _, code, _ = run_once(argv, env, args.timeout)  # warm-up, untimed
    if not is_ok(code):
        raise MeasureError(f"{name}: `{' '.join(argv)}` exited {code}")
    runs = [run_once(argv, env, args.timeout) for _ in range(args.runs)]
    runs.sort(key=lambda r: r[0])
    seconds, peak, _, output = runs[len(runs) // 2]
    print(f"  {name:<34} {seconds:8.3f} s  {peak:7.1f} MiB  "
          f"(runs: {', '.join(f'{r[0]:.3f}' for r in runs)})", file=sys.stderr, flush=True)
    return Timing(name, seconds, peak, output)


def make_escalate_db(args, env) -> Path:
    db = args.db_dir / f"escalate-{args.count}-seed1.db"
    if db.exists() and db.with_suffix(".open").exists():
        return db
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".open")):
        stale.unlink(missing_ok=True)
    print(f"  generating {args.count:,} escalations into {db} …", file=sys.stderr, flush=True)
    out = subprocess.run(
        [str(args.binary), "demo", "--count", str(args.count), "--open-share", "0.1", "--seed", "1",
         "--db", str(db), "--now", NOW],
        env=env, capture_output=True, text=True, timeout=3600,
    )
    if out.returncode != 0:
        raise MeasureError(f"escalate demo failed: {out.stderr.strip()}")
    match = re.search(r"\((\d+) open", out.stdout)
    db.with_suffix(".open").write_text(match.group(1) if match else "")
    return db


def make_taskdata(args, folder: Path, task: str) -> dict[str, str]:
    """A private Taskwarrior with args.count tasks, loaded with `task import` of one JSON file
    (about 0.1 ms a task); returns the environment that points at it."""
    data = folder / "taskdata"
    data.mkdir()
    rc = folder / "taskrc"
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nhooks=off\nnews.version=2.6.2\n"
        "verbose=nothing\ngc=on\n"
    )
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(data))
    now = int(time.time())
    day = 86_400

    def stamp(seconds: int) -> str:
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))

    children = ["Ava Sample", "Leo Example", "Noah Fictional", "Mia Specimen", "Zara Test"]
    agencies = ["Luton MASH", "Police public protection unit", "Early help team", "School nursing"]
    tasks = []
    open_count = args.count // 10
    for n in range(args.count):
        entry = now - (400 - n % 365) * day
        item = {
            "uuid": str(uuid.UUID(int=n + 1)),
            "description": f"Escalation {n + 1}: {children[n % 5]} with {agencies[n % 4]}",
            "entry": stamp(entry),
            "project": "safeguarding",
        }
        if n >= args.count - open_count:  # the newest are open, as in escalate's demo
            item["status"] = "pending"
            # a third overdue, the rest due within the next three weeks
            due = now - (1 + n % 20) * day if n % 3 == 0 else now + (1 + n % 20) * day
            item["due"] = stamp(due)
        else:
            item["status"] = "completed"
            item["due"] = stamp(entry + 5 * day)
            item["end"] = stamp(entry + 10 * day)
        tasks.append(item)
    source = folder / "tasks.json"
    source.write_text(json.dumps(tasks))
    started = time.perf_counter()
    imported = subprocess.run([task, "import", str(source)], env=env, capture_output=True,
                              text=True, timeout=3600)
    if imported.returncode != 0:
        raise MeasureError(f"task import failed: {imported.stderr.strip()[-500:]}")
    print(f"  task import of {args.count:,} tasks: {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    counted = subprocess.run([task, "count"], env=env, capture_output=True, text=True, timeout=600)
    pending = subprocess.run([task, "status:pending", "count"], env=env, capture_output=True,
                             text=True, timeout=600)
    overdue = subprocess.run([task, "+OVERDUE", "count"], env=env, capture_output=True, text=True,
                             timeout=600)
    expected_overdue = sum(1 for t in tasks if t["status"] == "pending" and t["due"] < stamp(now))
    if overdue.stdout.strip() != str(expected_overdue):
        raise MeasureError(f"Taskwarrior counts {overdue.stdout.strip()!r} overdue, expected {expected_overdue}")
    if counted.stdout.strip() != str(args.count) or pending.stdout.strip() != str(open_count):
        raise MeasureError(
            f"Taskwarrior counts {counted.stdout.strip()!r} tasks ({pending.stdout.strip()!r} "
            f"pending), expected {args.count} ({open_count}): {counted.stderr.strip()}"
        )
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=Path("target/release/escalate"))
    parser.add_argument("--count", type=int, default=FULL_SIZE, help="items in each program")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (median)")
    parser.add_argument("--timeout", type=float, default=600.0, help="longest one command may take, s")
    parser.add_argument("--db-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "escalate-startup-bench",
                        help="where escalate's generated database is kept (shared with startup.py)")
    check = parser.add_mutually_exclusive_group()
    check.add_argument("--check", dest="check", action="store_true", default=True,
                       help="exit 1 when a target is missed (the default)")
    check.add_argument("--no-check", dest="check", action="store_false")
    args = parser.parse_args()
    if not args.binary.exists():
        print(f"no {args.binary}: run `cargo build --release` first", file=sys.stderr)
        return 2
    args.binary = args.binary.resolve()
    args.db_dir.mkdir(parents=True, exist_ok=True)

    try:
        task = ensure("task", "taskwarrior")
        sqlite3 = ensure("sqlite3", "sqlite3")
        if not Path(GNU_TIME).exists():
            ensure("time", "time")
        with tempfile.TemporaryDirectory(prefix="escalate-peers-") as folder:
            folder = Path(folder)
            home = folder / "home"
            home.mkdir()
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
                "USER": "bench-dsl", "LANG": "C.UTF-8",
            }
            db = make_escalate_db(args, env)
            print(f"  loading {args.count:,} tasks into Taskwarrior …", file=sys.stderr, flush=True)
            task_env = make_taskdata(args, folder, task)
            escalate = [str(args.binary), "--db", str(db), "--now", NOW]
            review_ok = lambda code: code in (0, 1)  # review exits 1 when something is overdue
            results = {
                "task +OVERDUE list": measure("task +OVERDUE list", [task, "+OVERDUE", "list"], task_env, args),
                "task list": measure("task list", [task, "list"], task_env, args),
                "task export": measure("task export", [task, "export"], task_env, args),
                "escalate list --overdue": measure("escalate list --overdue", escalate + ["list", "--overdue"], env, args),
                "escalate list": measure("escalate list", escalate + ["list"], env, args),
                "escalate list --all --json": measure("escalate list --all --json", escalate + ["list", "--all", "--json"], env, args),
                "escalate review": measure("escalate review", escalate + ["review"], env, args, review_ok),
                "escalate verify": measure("escalate verify", escalate + ["verify"], env, args),
                "sqlite3: open rows": measure("sqlite3: open rows", [sqlite3, "-readonly", str(db), SQL_OPEN_ROWS], env, args),
                "sqlite3: attention rows": measure("sqlite3: attention rows", [sqlite3, "-readonly", str(db), SQL_ATTENTION_ROWS], env, args),
                "sqlite3: all rows": measure("sqlite3: all rows", [sqlite3, "-readonly", str(db), SQL_ALL_ROWS], env, args),
                "sqlite3 -json: all rows": measure("sqlite3 -json: all rows", [sqlite3, "-readonly", "-json", str(db), SQL_ALL_ROWS], env, args),
                "sqlite3: PRAGMA integrity_check": measure("sqlite3: PRAGMA integrity_check", [sqlite3, "-readonly", str(db), "PRAGMA integrity_check"], env, args),
            }
    except MeasureError as error:
        print(f"peers benchmark: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("peers benchmark: interrupted", file=sys.stderr)
        return 2
    return report(args, results)


def report(args, r: dict[str, Timing]) -> int:
    print(f"\n{args.count:,} items ({args.count // 10:,} open or pending), medians of {args.runs} runs\n")
    print("| command | wall, s | peak RSS, MiB | output, MiB |")
    print("|---|---:|---:|---:|")
    for t in r.values():
        print(f"| `{t.name}` | {t.seconds:.3f} | {t.peak_mib:.1f} | {t.output_bytes / MIB:.1f} |")

    def ratio(a: str, b: str) -> float:
        return r[a].seconds / r[b].seconds

    is_full = args.count >= FULL_SIZE
    rows = [
        # (what, value, target text, met?)
        ("`task +OVERDUE list` / `escalate list --overdue`",
         ratio("task +OVERDUE list", "escalate list --overdue"), ">= 5x", lambda v: v >= 5),
        ("`task list` / `escalate list`", ratio("task list", "escalate list"), "", None),
        ("`task export` / `escalate list --all --json`",
         ratio("task export", "escalate list --all --json"), "", None),
        # The ratio: against the rows review reads today (all of them).
        ("`escalate review` / sqlite3 all rows",
         ratio("escalate review", "sqlite3: all rows"), "<= 1.2x", lambda v: v <= 1.2),
        ("`escalate review` / sqlite3 attention rows (what it needs)",
         ratio("escalate review", "sqlite3: attention rows"), "", None),
        ("`escalate list` / sqlite3 open rows", ratio("escalate list", "sqlite3: open rows"), "", None),
        ("`escalate list --overdue` / sqlite3 attention rows",
         ratio("escalate list --overdue", "sqlite3: attention rows"), "", None),
        ("`escalate list --all --json` / sqlite3 -json all rows",
         ratio("escalate list --all --json", "sqlite3 -json: all rows"), "", None),
        ("`escalate verify` / `PRAGMA integrity_check`",
         ratio("escalate verify", "sqlite3: PRAGMA integrity_check"), "<= 2x", lambda v: v <= 2),
    ]
    print("\n| ratio (wall time) | measured | target | |")
    print("|---|---:|---|---|")
    missed = []
    for what, value, target, is_met in rows:
        verdict = "" if is_met is None else ("met" if is_met(value) else "**missed**")
        print(f"| {what} | {value:.2f}x | {target} | {verdict} |")
        if verdict == "**missed**":
            missed.append(f"{what} {value:.2f}x (target {target})")
    dump = r["escalate list --all --json"]
    if is_full:
        print("\n| absolute, at 100,000 | measured | target | |")
        print("|---|---:|---|---|")
        for what, value, limit, unit in [
            ("`escalate list --all --json` wall", dump.seconds, 3.0, "s"),
            ("`escalate list --all --json` peak RSS", dump.peak_mib, 100.0, "MiB"),
        ]:
            is_met = value < limit
            print(f"| {what} | {value:.2f} {unit} | < {limit:g} {unit} | {'met' if is_met else '**missed**'} |")
            if not is_met:
                missed.append(f"{what} {value:.2f} {unit} (target < {limit:g} {unit})")
    else:
        print(f"\n(the absolute targets for `list --all --json` apply at {FULL_SIZE:,})")
    if missed:
        print("\nmissed: " + "; ".join(missed))
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.exit(main())
