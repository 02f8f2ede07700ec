#!/usr/bin/env python3
"""The dashboard measured in the real binary, in a real 120x40 pseudo-terminal, from process start.

`cargo bench --bench dashboard` times a process that has already warmed up: the caseload is
loaded in-process, and nothing of starting the program, opening the database or writing to a
terminal is counted. This script (issue 17) runs `target/release/escalate` itself, the way a
Designated Safeguarding Lead would, and measures for each caseload size:

- first frame: from just before the process is forked to the end of the first frame that shows
  the loaded dashboard (the header's "N open" with the expected count, the footer drawn, no
  "Loading the caseload"), the frame counted as ended once the output has been quiet for
  --settle-ms;
- a letter typed into the `/` filter: from writing the byte to the end of the frame whose
  status line shows the filter with that letter;
- j/k: from writing the byte to the end of the redrawn frame;
- peak memory: the child's VmHWM from /proc/PID/status just before `q` (not wait4()'s
  ru_maxrss: Linux carries the forking Python's own high-water mark across exec into it);
- idle CPU: user+system time of all the child's threads (/proc/PID/task/*/schedstat, in ns)
  over --idle-seconds with nothing typed, as a share of one core;
- the terminal given back on `q`: exit status 0, alternate screen left, cursor shown, and the
  pty's line discipline back to canonical input with echo and signals.

It reads the screen through a small terminal emulator (enough of VT100/xterm for what crossterm
writes), so it sees what a user would see rather than searching the byte stream. It uses only the
Python 3 standard library. Every wait is bounded; on any error or interrupt the child (and the
busy loop of --busy) is killed.

Run from the repository root, after `cargo build --release`:

    python3 benches/startup.py                  # 1k, 10k, 100k; medians of 11 runs
    python3 benches/startup.py --runs 3 --sizes 100000
    python3 benches/startup.py --busy           # with the second core kept busy
    python3 benches/startup.py --backend both --sizes 100000 --runs 5   # SQLite beside PostgreSQL

With --backend postgres each caseload is generated into SQLite as above, then moved with
`escalate migrate --to postgres://... --school main` into a PostgreSQL cluster that the script
keeps in --db-dir (the newest /usr/lib/postgresql/*/bin, or --pg-bin; a Unix socket in its
folder, no TCP port, trust authentication, fsync off, which touches writes only; as `nobody`
when run as root), started when the script starts and stopped when it ends. Moving 100,000
escalations takes a minute or more, so each caseload is moved once and kept, like the SQLite
files (--fresh-pg starts again). `escalate team init` and `team add` then put a DSL of school
`main` (bench_dsl) and a trust lead (bench_lead) on its team, and the dashboard and commands
connect as whom --as names: the DSL by default, so that row-level security applies as it does
to a real team member; `--as owner` connects as the cluster's superuser, whom it does not. A
kept database is brought up to the binary's schema (by `team init`, as the owner) before each
run. With --backend both the two are measured alternately, run by run, under the same load.

Beside the dashboard, each run times the read-only commands --commands names (default
`escalate review` and `escalate list --overdue`): wall time, and escalate's own CPU (the
server's is not counted). --no-dashboard times only those.

The databases are made with `escalate demo --count N --open-share 0.1 --seed 1 --now ...` in
--db-dir (kept between runs, so only the first run pays for generating them). The page cache is
warm after the first run of each size: these are warm-disk, cold-process figures.

It prints a table and exits 1 if a target is missed at 100,000 escalations (10,000 open):
first frame < 100 ms (< 150 ms with --busy), a filter letter < 4 ms, j/k < 8 ms, peak memory
< 60 MiB, idle CPU < 0.2% of a core, terminal restored. It exits 2 if it could not measure.
"""

from __future__ import annotations

import argparse
import codecs
import fcntl
import os
import pwd
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

WIDTH, HEIGHT = 120, 40
NOW = "2026-11-23 11:00"
TARGET_SIZE = 100_000

# The targets of issue 17, at TARGET_SIZE escalations.
FIRST_FRAME_MS = 100.0
FIRST_FRAME_BUSY_MS = 150.0
FILTER_KEY_MS = 4.0
JK_MS = 8.0  # the key press target of `cargo bench --bench dashboard`
PEAK_RSS_MIB = 60.0
IDLE_CPU_PERCENT = 0.2


class MeasureError(Exception):
    """The measurement could not be made (as opposed to a target missed)."""


# ---------------------------------------------------------------------------------------------
# A small terminal emulator: enough of xterm for what crossterm and ratatui write.


class Screen:
    """Cells, cursor, alternate screen and cursor visibility, fed with decoded text."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.main = self._blank()
        self.alt = self._blank()
        self.is_alt = False
        self.is_cursor_visible = True
        self.row = self.col = 0
        self.saved = (0, 0)
        self.pending = ""  # an escape sequence split across reads
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def _blank(self) -> list[list[str]]:
        return [[" "] * self.cols for _ in range(self.rows)]

    @property
    def cells(self) -> list[list[str]]:
        return self.alt if self.is_alt else self.main

    def lines(self) -> list[str]:
        return ["".join(c for c in row if c) for row in self.cells]

    def text(self) -> str:
        return "\n".join(self.lines())

    def feed(self, data: bytes) -> None:
        text = self.pending + self.decoder.decode(data)
        self.pending = ""
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if ch == "\x1b":
                end = self._escape(text, i)
                if end is None:  # incomplete: keep it for the next read
                    self.pending = text[i:]
                    return
                i = end
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self._line_feed()
            elif ch == "\b":
                self.col = max(0, self.col - 1)
            elif ch == "\t":
                self.col = min(self.cols - 1, (self.col // 8 + 1) * 8)
            elif ch >= " " and ch != "\x7f":
                self._put(ch)
            i += 1

    def _line_feed(self) -> None:
        if self.row == self.rows - 1:
            cells = self.cells
            del cells[0]
            cells.append([" "] * self.cols)
        else:
            self.row += 1

    def _put(self, ch: str) -> None:
        if unicodedata.combining(ch):
            return
        width = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if self.col + width > self.cols:
            self.col = 0
            self._line_feed()
        row = self.cells[self.row]
        row[self.col] = ch
        if width == 2:
            row[self.col + 1] = ""  # the right half of a wide character
        self.col += width

    def _escape(self, text: str, i: int) -> int | None:
        """Applies the escape sequence at text[i]; returns the index after it, or None."""
        if i + 1 >= len(text):
            return None
        kind = text[i + 1]
        if kind == "[":
            match = re.compile(r"\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])").match(text, i)
            if match is None:
                if re.compile(r"\x1b\[[\x20-\x3f]*$").match(text, i):
                    return None
                return i + 2  # malformed: skip the introducer
            self._csi(match.group(1), match.group(3))
            return match.end()
        if kind == "]":  # OSC, ended by BEL or ST
            bel = text.find("\x07", i)
            st = text.find("\x1b\\", i)
            ends = [e + 1 for e in [bel] if e >= 0] + [e + 2 for e in [st] if e >= 0]
            return min(ends) if ends else None
        if kind in "()*+":
            return i + 3 if i + 2 < len(text) else None
        if kind == "7":
            self.saved = (self.row, self.col)
        elif kind == "8":
            self.row, self.col = self.saved
        elif kind == "c":
            self.__init__(self.cols, self.rows)
        return i + 2

    def _csi(self, params: str, final: str) -> None:
        private = params.startswith("?")
        numbers = [int(p) if p.isdigit() else 0 for p in params.lstrip("?<=>").split(";")]
        first = numbers[0] if numbers else 0
        count = max(first, 1)
        if private and final in "hl":
            for mode in numbers:
                if mode in (47, 1047, 1049):
                    if final == "h" and not self.is_alt:
                        self.saved = (self.row, self.col)
                        self.alt = self._blank()
                        self.is_alt = True
                    elif final == "l" and self.is_alt:
                        self.is_alt = False
                        self.row, self.col = self.saved
                elif mode == 25:
                    self.is_cursor_visible = final == "h"
            return
        if private:
            return
        if final in "Hf":
            row = numbers[0] if numbers and numbers[0] else 1
            col = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self.row = min(self.rows, row) - 1
            self.col = min(self.cols, col) - 1
        elif final == "A":
            self.row = max(0, self.row - count)
        elif final == "B":
            self.row = min(self.rows - 1, self.row + count)
        elif final == "C":
            self.col = min(self.cols - 1, self.col + count)
        elif final == "D":
            self.col = max(0, self.col - count)
        elif final == "G":
            self.col = min(self.cols, count) - 1
        elif final == "d":
            self.row = min(self.rows, count) - 1
        elif final == "J":
            cells = self.cells
            if first == 0:
                cells[self.row][self.col :] = [" "] * (self.cols - self.col)
                for r in range(self.row + 1, self.rows):
                    cells[r] = [" "] * self.cols
            elif first == 1:
                for r in range(self.row):
                    cells[r] = [" "] * self.cols
                cells[self.row][: self.col + 1] = [" "] * (self.col + 1)
            else:
                for r in range(self.rows):
                    cells[r] = [" "] * self.cols
        elif final == "K":
            row = self.cells[self.row]
            if first == 0:
                row[self.col :] = [" "] * (self.cols - self.col)
            elif first == 1:
                row[: self.col + 1] = [" "] * (self.col + 1)
            else:
                row[:] = [" "] * self.cols
        elif final == "X":
            row = self.cells[self.row]
            for c in range(self.col, min(self.cols, self.col + count)):
                row[c] = " "
        elif final == "s":
            self.saved = (self.row, self.col)
        elif final == "u":
            self.row, self.col = self.saved
        # m (colours and attributes), r, n, c, t and the rest change nothing we read.


# ---------------------------------------------------------------------------------------------
# One dashboard process in a pseudo-terminal.


class Dashboard:
    """`escalate` on the slave side of a fresh pty, read through a Screen."""

    def __init__(self, binary: Path, db: Path, env: dict[str, str], timeout: float, settle: float):
        self.timeout, self.settle = timeout, settle
        self.screen = Screen(WIDTH, HEIGHT)
        self.exit_status: int | None = None
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        argv = [str(binary), "--db", str(db), "--now", NOW]
        self.started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: a session of its own, with the pty as its controlling terminal
            try:
                os.setsid()
                fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(self.slave, fd)
                os.closerange(3, 1024)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid = pid
        self.last_output = self.started

    # -- reading -----------------------------------------------------------------------------

    def _read(self, wait: float) -> bool:
        """Reads what is there within `wait` seconds into the screen; False if nothing came."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, wait))
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError as error:
            raise MeasureError(f"reading the pty: {error}") from error
        if not data:
            raise MeasureError("the pty closed")
        self.last_output = time.perf_counter()
        self.screen.feed(data)
        return True

    def _check_alive(self) -> None:
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.exit_status = os.waitstatus_to_exitcode(status)
            raise MeasureError(
                f"escalate exited ({self.exit_status}) early; the screen shows:\n{self.screen.text()}"
            )

    def wait_for(self, what: str, done, since: float) -> float:
        """Reads until `done(screen)` holds and the output has then been quiet for the settle
        time; returns the time of the last output, in seconds after `since`."""
        deadline = time.perf_counter() + self.timeout
        while True:
            now = time.perf_counter()
            if now > deadline:
                raise MeasureError(
                    f"timed out after {self.timeout:g} s waiting for {what}; the screen shows:\n"
                    + self.screen.text()
                )
            if done(self.screen):
                if not self._read(self.last_output + self.settle - now):
                    if time.perf_counter() - self.last_output >= self.settle:
                        return self.last_output - since
            elif not self._read(0.2):
                self._check_alive()

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self._read(left)

    def press(self, key: bytes) -> float:
        self.drain(0)
        os.write(self.master, key)
        return time.perf_counter()

    # -- the process -------------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """User+system time of every thread now alive, from schedstat (ns resolution)."""
        total = 0
        tasks = Path(f"/proc/{self.pid}/task")
        try:
            for task in tasks.iterdir():
                try:
                    total += int((task / "schedstat").read_text().split()[0])
                except (OSError, IndexError, ValueError):
                    pass
        except OSError as error:
            raise MeasureError(f"reading {tasks}: {error}") from error
        return total / 1e9

    def cpu_seconds_so_far(self) -> float:
        """User+system time of the whole process since it started, exited threads included
        (/proc/PID/stat, in clock ticks of 10 ms)."""
        stat = Path(f"/proc/{self.pid}/stat")
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError) as error:
            raise MeasureError(f"reading {stat}: {error}") from error
        # utime and stime are fields 14 and 15; fields[0] is field 3 (the state).
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status")
        try:
            match = re.search(r"^VmHWM:\s*(\d+) kB", status.read_text(), re.MULTILINE)
        except OSError as error:
            raise MeasureError(f"reading {status}: {error}") from error
        if match is None:
            raise MeasureError(f"no VmHWM in {status}")
        return int(match.group(1)) / 1024

    def wait_exit(self) -> None:
        deadline = time.perf_counter() + self.timeout
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = os.waitstatus_to_exitcode(status)
                self.drain(0.05)
                return
            if time.perf_counter() > deadline:
                raise MeasureError(f"escalate did not exit within {self.timeout:g} s of q")
            self._read(0.02)

    def is_line_discipline_cooked(self) -> bool:
        lflag = termios.tcgetattr(self.slave)[3]
        return all(lflag & flag for flag in (termios.ICANON, termios.ECHO, termios.ISIG))

    def close(self) -> None:
        """Kills the child if it is still running, reaps it and closes the pty."""
        if self.exit_status is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.exit_status = -signal.SIGKILL
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# One run, and the runs of one size.


@dataclass
class Run:
    first_frame_ms: float
    first_frame_cpu_ms: float
    filter_keys_ms: list[float]
    jk_ms: list[float]
    peak_rss_mib: float
    idle_cpu_percent: float | None
    is_restored: bool
    problems: list[str] = field(default_factory=list)


def is_loaded(open_count: int):
    header = re.compile(rf"(?<![0-9]){open_count} open")

    def done(screen: Screen) -> bool:
        lines = screen.lines()
        return (
            screen.is_alt
            and header.search(lines[0]) is not None
            and " q quit" in lines[-1]
            and "Loading the caseload" not in screen.text()
        )

    return done


def one_run(args, db: Path, open_count: int, env: dict[str, str], measure_idle: bool) -> Run:
    dashboard = Dashboard(args.binary, db, env, args.timeout, args.settle_ms / 1000)
    try:
        loaded = is_loaded(open_count)
        first_frame = dashboard.wait_for("the loaded dashboard", loaded, dashboard.started)
        first_frame_cpu = dashboard.cpu_seconds_so_far()

        idle = None
        if measure_idle:
            dashboard.drain(0.5)
            before, started = dashboard.cpu_seconds(), time.perf_counter()
            dashboard.drain(args.idle_seconds)
            used = dashboard.cpu_seconds() - before
            idle = 100 * used / (time.perf_counter() - started)

        # The filter: `/`, then each letter, each timed to the frame showing it.
        status_row = HEIGHT - 2
        sent = dashboard.press(b"/")
        dashboard.wait_for(
            "the filter line", lambda s: "Filter: ▏" in s.lines()[status_row], sent
        )
        filter_keys = []
        for n, letter in enumerate(args.filter_text, 1):
            typed = args.filter_text[:n]
            sent = dashboard.press(letter.encode())
            filter_keys.append(
                1000
                * dashboard.wait_for(
                    f"{typed!r} in the filter line",
                    lambda s, t=typed: f"Filter: {t}▏" in s.lines()[status_row],
                    sent,
                )
            )
        sent = dashboard.press(b"\x1b")
        dashboard.wait_for(
            "the filter cleared",
            lambda s: "Filter" not in s.lines()[status_row] and loaded(s),
            sent,
        )

        # j and k: down three cards, up three, and again; each timed to its redrawn frame.
        jk = []
        for n in range(args.jk_presses):
            key = b"j" if (n // 3) % 2 == 0 else b"k"
            before = dashboard.screen.text()
            sent = dashboard.press(key)
            jk.append(
                1000
                * dashboard.wait_for(
                    f"the frame after {key.decode()}",
                    lambda s, b=before: s.text() != b,
                    sent,
                )
            )

        peak_rss = dashboard.peak_rss_mib()
        dashboard.press(b"q")
        dashboard.wait_exit()
        problems = []
        if dashboard.exit_status != 0:
            problems.append(f"exit status {dashboard.exit_status}")
        if dashboard.screen.is_alt:
            problems.append("still on the alternate screen")
        if not dashboard.screen.is_cursor_visible:
            problems.append("cursor left hidden")
        if not dashboard.is_line_discipline_cooked():
            problems.append("line discipline left raw")
        return Run(
            first_frame_ms=1000 * first_frame,
            first_frame_cpu_ms=1000 * first_frame_cpu,
            filter_keys_ms=filter_keys,
            jk_ms=jk,
            peak_rss_mib=peak_rss,
            idle_cpu_percent=idle,
            is_restored=not problems,
            problems=problems,
        )
    finally:
        dashboard.close()


def caseload_name(args, size: int) -> str:
    """The kept caseload's name: escalate-100000-seed1, or escalate-10000-seed1-open1 for a
    share open other than a tenth."""
    name = f"escalate-{size}-seed{args.seed}"
    if args.open_share != 0.1:
        name += f"-open{args.open_share:g}"
    return name


def make_db(args, size: int) -> tuple[Path, int]:
    """The caseload of `size` escalations, generated once into --db-dir; returns it and how many
    are open."""
    db = args.db_dir / f"{caseload_name(args, size)}.db"
    marker = db.with_suffix(".open")
    if db.exists() and marker.exists():
        return db, int(marker.read_text())
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), marker):
        stale.unlink(missing_ok=True)
    print(f"  generating {size:,} escalations into {db} …", file=sys.stderr, flush=True)
    out = subprocess.run(
        [str(args.binary), "demo", "--count", str(size), "--open-share", f"{args.open_share:g}",
         "--seed", str(args.seed), "--db", str(db), "--now", NOW],
        capture_output=True, text=True, timeout=1800, env=clean_env(args),
    )
    if out.returncode != 0:
        raise MeasureError(f"escalate demo failed: {out.stderr.strip()}")
    match = re.search(r"\((\d+) open", out.stdout)
    if match is None:
        raise MeasureError(f"cannot read the open count from: {out.stdout.strip()}")
    marker.write_text(match.group(1))
    return db, int(match.group(1))


def encrypted_copy(args, db: Path, env: dict[str, str]) -> Path:
    """An encrypted copy of the plain database `db`, made once with `escalate encrypt`."""
    copy = db.with_name(db.stem + "-encrypted.db")
    if copy.exists():
        return copy
    tmp = copy.with_name(copy.name + ".tmp")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    out = subprocess.run(
        [str(args.binary), "--db", str(db), "backup", str(tmp)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    if out.returncode != 0:
        raise MeasureError(f"escalate backup failed: {out.stderr.strip()}")
    out = subprocess.run(
        [str(args.binary), "--db", str(tmp), "encrypt"],
        capture_output=True, text=True, timeout=600, env=env,
    )
    if out.returncode != 0:
        raise MeasureError(f"escalate encrypt failed: {out.stderr.strip()}")
    tmp.rename(copy)
    return copy


class Cluster:
    """The benchmark's own PostgreSQL cluster, kept in --db-dir between runs as the SQLite files
    are (moving 100,000 escalations into it takes minutes): a Unix socket in its folder, no TCP
    port, trust authentication, fsync off (which touches writes only); run as `nobody` when this
    script is root (initdb refuses root). Started when the script starts, stopped (not removed)
    when it ends; --fresh-pg removes it first."""

    PORT = 5432

    def __init__(self, pg_bin: Path | None, db_dir: Path, fresh: bool) -> None:
        self.bin = pg_bin or self._newest_bin()
        self.dir = db_dir / f"pg-{self.bin.parent.name}"
        self.owner = None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.owner = (nobody.pw_uid, nobody.pw_gid)
        self.data = self.dir / "data"
        if fresh or not (self.data / "PG_VERSION").exists():
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            if self.owner is not None:
                os.chown(self.dir, *self.owner)
            self._run(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N"],
                      "initdb")
        # One left running (by hand, or by a run killed before it could stop it) is used as
        # it is, and left running.
        self.started = not self._is_running()
        if self.started:
            options = (f"-c listen_addresses='' -c unix_socket_directories={self.dir} "
                       f"-c port={self.PORT} -c fsync=off -c synchronous_commit=off")
            self._run(["pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.dir / "log"),
                       "-o", options], "pg_ctl start")

    def _is_running(self) -> bool:
        try:
            self._run(["pg_ctl", "status", "-D", str(self.data)], "pg_ctl status")
        except MeasureError:
            return False
        return True

    @staticmethod
    def _newest_bin() -> Path:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                       key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
        if not found:
            raise MeasureError("no PostgreSQL server programs in /usr/lib/postgresql/*/bin: "
                               "install postgresql, or give --pg-bin")
        return found[-1].parent

    def _run(self, argv: list[str], what: str, timeout: float = 120) -> str:
        kwargs = {}
        if self.owner is not None:
            kwargs = {"user": self.owner[0], "group": self.owner[1], "extra_groups": []}
        out = subprocess.run([str(self.bin / argv[0]), *argv[1:]], capture_output=True, text=True,
                             timeout=timeout, cwd=self.dir, **kwargs)
        if out.returncode != 0:
            raise MeasureError(f"{what} failed: {out.stderr.strip() or out.stdout.strip()}")
        return out.stdout

    def url(self, user: str, name: str) -> str:
        host = urllib.parse.quote(str(self.dir), safe="")
        return f"postgres://{user}@{host}:{self.PORT}/{name}"

    def recreate(self, name: str) -> None:
        """An empty database `name`, dropping any left half-made by an earlier run."""
        socket = ["-h", str(self.dir), "-p", str(self.PORT), "-U", "postgres"]
        self._run(["dropdb", *socket, "--if-exists", name], f"dropdb {name}")
        self._run(["createdb", *socket, name], f"createdb {name}")

    def ready_marker(self, name: str) -> Path:
        return self.dir / f"{name}.ready"

    def stop(self) -> None:
        if not self.started:
            return
        try:
            self._run(["pg_ctl", "stop", "-m", "fast", "-D", str(self.data)], "pg_ctl stop")
        except (MeasureError, subprocess.TimeoutExpired):
            pass


# Who the dashboard and the commands connect as on PostgreSQL (--as): people that `escalate team
# add` puts on the team, whom row-level security applies to, or the administrator, whom it does
# not (a superuser; the figures before issue 16's benchmark were taken as this).
PEOPLE = {
    "dsl": ("bench_dsl", "a DSL of school main (row-level security applies)"),
    "trust-lead": ("bench_lead", "a trust lead, reading every school (row-level security applies)"),
    "owner": ("postgres", "the cluster's superuser, the tables' owner (row-level security skipped)"),
}


def postgres_copy(args, cluster: Cluster, db: Path, size: int, env: dict[str, str]) -> str:
    """The SQLite caseload `db` moved into a database of `cluster` (once: kept between runs),
    with a DSL of school `main` and a trust lead on its team; returns the URL of the person
    --as names."""
    name = re.sub(r"[^a-z0-9]", "_", caseload_name(args, size))
    owner = cluster.url("postgres", name)
    marker = cluster.ready_marker(name)

    def escalate(*argv: str, timeout: float = 600) -> None:
        out = subprocess.run([str(args.binary), "--db", owner, *argv], capture_output=True,
                             text=True, timeout=timeout, env=env)
        if out.returncode != 0:
            raise MeasureError(f"escalate {' '.join(argv[:2])} failed: {out.stderr.strip()}")

    if not marker.exists():
        cluster.recreate(name)
        print(f"  moving {size:,} escalations into PostgreSQL …", file=sys.stderr, flush=True)
        started = time.perf_counter()
        out = subprocess.run(
            [str(args.binary), "--db", str(db), "migrate", "--to", owner, "--school", "main"],
            capture_output=True, text=True, timeout=3600, env=env,
        )
        if out.returncode != 0:
            raise MeasureError(f"escalate migrate failed: {out.stderr.strip()}")
        print(f"  moved in {time.perf_counter() - started:.0f} s: {out.stdout.strip()}",
              file=sys.stderr, flush=True)
        escalate("team", "init")
        escalate("team", "add", PEOPLE["dsl"][0], "--role", "dsl", "--school", "main")
        escalate("team", "add", PEOPLE["trust-lead"][0], "--role", "trust-lead")
        marker.write_text(f"{size}\n")
    else:
        # As the administrator, before anyone else connects: brings the schema up to this
        # binary's (a team member may not migrate it) and grants again; safe to repeat.
        started = time.perf_counter()
        escalate("team", "init", timeout=3600)
        took = time.perf_counter() - started
        if took > 5:
            print(f"  brought {name} up to this escalate's schema in {took:.0f} s",
                  file=sys.stderr, flush=True)
    return cluster.url(PEOPLE[args.person][0], name)


def clean_env(args) -> dict[str, str]:
    """Nothing from the developer's own setup: a private home, config and data folder."""
    home = args.home
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "USER": "bench-dsl",
        # A name for the audit trail, so a first run does not stop to ask it.
        "ESCALATE_ACTOR": "bench-dsl",
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "SHELL": "/bin/sh",
    }
    for sub in ("config", "data"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    # The databases are opened with a passphrase file, as cron would (a plain one ignores it).
    passphrase = home / "passphrase"
    if not passphrase.exists():
        fd = os.open(passphrase, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write("bench passphrase\n")
    env["ESCALATE_PASSPHRASE_FILE"] = str(passphrase)
    return env


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.1f}–{max(values):.1f}"


# The read-only commands timed beside the dashboard (--commands): `review` exits 1 when
# anything is overdue, as it is in these caseloads.
COMMANDS = {
    "review": ["review"],
    "overdue": ["list", "--overdue"],
}


@dataclass
class Timed:
    wall_s: float
    cpu_s: float  # escalate's own user+system time (wait4), not the server's


def time_command(args, db: Path | str, argv: list[str], env: dict[str, str]) -> Timed:
    """One run of `escalate --db DB --now NOW ARGV`, its output discarded."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([str(args.binary), "--db", str(db), "--now", NOW, *argv],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                env=env)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - started
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise MeasureError(f"escalate {' '.join(argv)} exited {code}: "
                               f"{err.read().decode(errors='replace').strip()}")
    return Timed(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=Path("target/release/escalate"))
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="caseload sizes, comma-separated (a tenth open)")
    parser.add_argument("--runs", type=int, default=11, help="runs per size (medians)")
    parser.add_argument("--idle-runs", type=int, default=3,
                        help="how many of the runs also measure idle CPU (each takes --idle-seconds)")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--filter-text", default="sample",
                        help="letters typed into the / filter, one timed key each")
    parser.add_argument("--jk-presses", type=int, default=24)
    parser.add_argument("--settle-ms", type=float, default=30.0,
                        help="quiet time after which a frame counts as finished")
    parser.add_argument("--timeout", type=float, default=60.0, help="longest wait, seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open-share", type=float, default=0.1,
                        help="the share of each caseload left open (1: all open)")
    parser.add_argument("--db-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "escalate-startup-bench",
                        help="where the generated databases are kept between runs")
    parser.add_argument("--busy", action="store_true",
                        help="keep the second core busy with a spinning process while measuring")
    parser.add_argument("--no-check", action="store_true", help="report only; exit 0 on a miss")
    parser.add_argument("--encrypted", action="store_true",
                        help="measure encrypted copies of the databases (escalate encrypt, with "
                             "a passphrase file), as a real database is; default: plain")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite",
                        help="postgres: move each caseload into the script's own PostgreSQL "
                             "cluster (escalate migrate) and open the dashboard on its URL; "
                             "both: SQLite and PostgreSQL alternately, run by run")
    parser.add_argument("--as", dest="person", choices=list(PEOPLE), default="dsl",
                        help="whom to connect to PostgreSQL as: a DSL of the caseload's school "
                             "(default), a trust lead, or the owner (the superuser, whom "
                             "row-level security skips)")
    parser.add_argument("--commands", default="review,overdue",
                        help="read-only commands timed once a run beside the dashboard, "
                             f"comma-separated, of: {', '.join(COMMANDS)} (empty: none)")
    parser.add_argument("--no-dashboard", action="store_true",
                        help="time only the --commands, not the dashboard")
    parser.add_argument("--fresh-pg", action="store_true",
                        help="remove the kept PostgreSQL cluster first and move every caseload "
                             "into it again")
    parser.add_argument("--pg-bin", type=Path, default=None,
                        help="PostgreSQL's server programs (default: the newest "
                             "/usr/lib/postgresql/*/bin)")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends and args.encrypted:
        print("--encrypted is for a database file; PostgreSQL is guarded by its server",
              file=sys.stderr)
        return 2
    commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    unknown = [c for c in commands if c not in COMMANDS]
    if unknown:
        print(f"--commands: {', '.join(unknown)} not known; choose from {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    if args.no_dashboard and not commands:
        print("--no-dashboard with no --commands measures nothing", file=sys.stderr)
        return 2
    if not 0 < args.open_share <= 1:
        print("--open-share: give a share above 0 and at most 1", file=sys.stderr)
        return 2
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    if not args.binary.exists():
        print(f"no {args.binary}: run `cargo build --release` first", file=sys.stderr)
        return 2
    args.binary = args.binary.resolve()
    args.db_dir.mkdir(parents=True, exist_ok=True)

    busy = None
    cluster = None
    results: dict[tuple[str, int], list[Run]] = {}
    timings: dict[tuple[str, int, str], list[Timed]] = {}
    open_counts: dict[int, int] = {}
    with tempfile.TemporaryDirectory(prefix="escalate-startup-") as home:
        args.home = Path(home)
        env = clean_env(args)
        try:
            if args.busy:
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            if "postgres" in backends:
                cluster = Cluster(args.pg_bin, args.db_dir, args.fresh_pg)
            for size in sizes:
                db, open_count = make_db(args, size)
                open_counts[size] = open_count
                if args.encrypted:
                    db = encrypted_copy(args, db, env)
                where: dict[str, Path | str] = {"sqlite": db}
                if cluster is not None:
                    where["postgres"] = postgres_copy(args, cluster, db, size, env)
                for n in range(args.runs):
                    # Alternately, and each first in turn, so that both see the same load.
                    for backend in backends if n % 2 == 0 else backends[::-1]:
                        label = f"{size:>7,} {backend:<8} run {n + 1:>2}:"
                        parts = []
                        if not args.no_dashboard:
                            run = one_run(args, where[backend], open_count, env,
                                          measure_idle=n < args.idle_runs)
                            results.setdefault((backend, size), []).append(run)
                            parts.append(
                                f"first frame {run.first_frame_ms:7.1f} ms "
                                f"(CPU {run.first_frame_cpu_ms:4.0f} ms), "
                                f"filter {median(run.filter_keys_ms):6.2f} ms, "
                                f"j/k {median(run.jk_ms):5.2f} ms, peak {run.peak_rss_mib:5.1f} MiB"
                                + (f", idle {run.idle_cpu_percent:.2f}%"
                                   if run.idle_cpu_percent is not None else "")
                                + ("" if run.is_restored else f", NOT RESTORED: {run.problems}")
                            )
                        for command in commands:
                            timed = time_command(args, where[backend], COMMANDS[command], env)
                            timings.setdefault((backend, size, command), []).append(timed)
                            parts.append(f"{command} {timed.wall_s * 1000:.0f} ms "
                                         f"(CPU {timed.cpu_s * 1000:.0f})")
                        print(f"  {label} " + ", ".join(parts), file=sys.stderr, flush=True)
        except MeasureError as error:
            print(f"startup benchmark: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("startup benchmark: interrupted", file=sys.stderr)
            return 2
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
            if cluster is not None:
                cluster.stop()

    return report(args, backends, results, timings, open_counts)


def report(args, backends: list[str], results: dict[tuple[str, int], list[Run]],
           timings: dict[tuple[str, int, str], list[Timed]], open_counts: dict[int, int]) -> int:
    condition = "second core busy" if args.busy else "second core idle"
    if "postgres" in backends:
        condition += (f"; PostgreSQL: the script's own cluster on a Unix socket, connected to as "
                      f"{PEOPLE[args.person][1]}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    share = "a tenth open" if args.open_share == 0.1 else f"a share of {args.open_share:g} open"
    print(f"\nescalate in a {WIDTH}x{HEIGHT} pty, {args.binary}, medians of {args.runs} runs "
          f"({share}; {condition}; idle CPU from {min(args.idle_runs, args.runs)} runs of "
          f"{args.idle_seconds:.0f} s; load average at the end {load}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
    summary = {}
    if results:
        print("| backend | escalations (open) | first frame, ms (range) | CPU to first frame, ms "
              "| filter letter, ms (range) | j/k, ms | peak RSS, MiB | idle CPU, % of a core "
              "| terminal restored |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for (backend, size), runs in results.items():
        first = [r.first_frame_ms for r in runs]
        first_cpu = [r.first_frame_cpu_ms for r in runs]
        filter_keys = [k for r in runs for k in r.filter_keys_ms]
        jk = [k for r in runs for k in r.jk_ms]
        rss = [r.peak_rss_mib for r in runs]
        idle = [r.idle_cpu_percent for r in runs if r.idle_cpu_percent is not None]
        restored = all(r.is_restored for r in runs)
        summary[(backend, size)] = (median(first), median(filter_keys), median(jk), median(rss),
                                    median(idle) if idle else None, restored)
        opened = open_counts[size]
        print(f"| {backend} | {size:,} ({opened:,}) | {median(first):.1f} ({spread(first)}) "
              f"| {median(first_cpu):.0f} | {median(filter_keys):.2f} ({spread(filter_keys)}) "
              f"| {median(jk):.2f} | {median(rss):.1f} "
              f"| {f'{median(idle):.2f}' if idle else '-'} | {'yes' if restored else 'NO'} |")
    if timings:
        print("\n| backend | escalations (open) | command | wall, ms (range) "
              "| escalate's CPU, ms (range) |")
        print("|---|---|---|---:|---:|")
        for (backend, size, command), runs in timings.items():
            wall = [t.wall_s * 1000 for t in runs]
            cpu = [t.cpu_s * 1000 for t in runs]
            opened = open_counts[size]
            print(f"| {backend} | {size:,} ({opened:,}) | `escalate {' '.join(COMMANDS[command])}` "
                  f"| {median(wall):.0f} ({min(wall):.0f}–{max(wall):.0f}) "
                  f"| {median(cpu):.0f} ({min(cpu):.0f}–{max(cpu):.0f}) |")

    missed = []
    if not all(s[5] for s in summary.values()):
        missed.append("the terminal was not given back on q")
    checked = [(b, s) for (b, s) in summary if s == TARGET_SIZE]
    if summary and not checked:
        print(f"\n(no targets checked: they apply at {TARGET_SIZE:,} escalations)")
    for backend, size in checked:
        first, filter_key, jk, rss, idle, _ = summary[(backend, size)]
        first_target = FIRST_FRAME_BUSY_MS if args.busy else FIRST_FRAME_MS
        checks = [
            (f"first full frame < {first_target:.0f} ms", first, first_target, "ms"),
            (f"a letter in the / filter < {FILTER_KEY_MS:.0f} ms", filter_key, FILTER_KEY_MS, "ms"),
            (f"j/k < {JK_MS:.0f} ms", jk, JK_MS, "ms"),
            (f"peak memory < {PEAK_RSS_MIB:.0f} MiB", rss, PEAK_RSS_MIB, "MiB"),
        ]
        if idle is not None:
            checks.append((f"idle CPU < {IDLE_CPU_PERCENT}% of a core", idle, IDLE_CPU_PERCENT, "%"))
        print(f"\nTargets at {TARGET_SIZE:,} escalations, {backend}:\n")
        print("| target | measured | |")
        print("|---|---:|---|")
        for name, value, limit, unit in checks:
            is_met = value < limit
            print(f"| {name} | {value:.2f} {unit} | {'met' if is_met else '**missed**'} |")
            if not is_met:
                missed.append(f"{name} ({backend})")
    if missed:
        print("\nmissed: " + "; ".join(missed))
        return 0 if args.no_check else 1
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    sys.exit(main())
