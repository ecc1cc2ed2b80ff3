"""Instructions per core operation, counted by valgrind's callgrind: a measure of the core's
CPU work that the machine's other load cannot move.

    python -m bench.instructions [--posts 40]

Wall and CPU seconds on a shared machine drift by a third within the hour; instruction counts
of the same code and inputs agree within a fraction of a percent. This runs the workload of
`core_throughput` (a post with its form, three replies, a mark) on a SQLite file in a child
process under callgrind, counting only the timed loop (a warm-up runs first, uncounted), and
prints instructions per op. Compare two trees by running it in each. Instructions are not
time (a cache miss costs more than an add), and the disk's fsync is not counted.

Counting is switched on and off from inside the process by callgrind's client requests,
which are macros: a three-line library is compiled from them (a C compiler and valgrind's
headers are needed, as valgrind is).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.core_throughput import drive

CLIENT_SOURCE = """
#include <valgrind/callgrind.h>
void count_start(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void count_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS; }
"""
DEFAULT_POSTS = 40
WARM_UP_POSTS = 20


def build_client(folder: Path) -> Path:
    """The client-request library, compiled into `folder`."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise SystemExit("bench.instructions needs a C compiler (cc or gcc)")
    source, library = folder / "count.c", folder / "libcount.so"
    source.write_text(CLIENT_SOURCE)
    built = subprocess.run(
        [compiler, "-O2", "-shared", "-fPIC", "-o", str(library), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0:
        raise SystemExit(f"bench.instructions could not build its counter:\n{built.stderr}")
    return library


async def counted_workload(posts: int, client: Path, folder: Path) -> int:
    """Inside callgrind: the workload, counted around its timed loop only; its op count."""
    counter = ctypes.CDLL(str(client))
    await drive(f"sqlite+aiosqlite:///{folder / 'warm.db'}", WARM_UP_POSTS, capture=False)
    counted = await drive(
        f"sqlite+aiosqlite:///{folder / 'counted.db'}",
        posts,
        capture=False,
        prepare=lambda _core: counter.count_start(),
    )
    counter.count_stop()
    return counted.run.ops()


def instructions_in(dump: Path) -> int:
    """The `totals:` line of a callgrind dump."""
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"no totals in {dump}")


def count(posts: int) -> tuple[int, int]:
    """(instructions, ops) of `posts` posts' workload, run under callgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("bench.instructions needs valgrind (Debian package valgrind)")
    with tempfile.TemporaryDirectory(prefix="rebound-instructions-") as tmp:
        folder = Path(tmp)
        client = build_client(folder)
        command = [
            valgrind,
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={folder / 'callgrind.%p'}",
            sys.executable,
            "-m",
            "bench.instructions",
            "--inside",
            str(client),
            "--posts",
            str(posts),
        ]
        project = Path(__file__).resolve().parent.parent  # where `bench` is importable
        ran = subprocess.run(command, capture_output=True, text=True, check=False, cwd=project)
        if ran.returncode != 0:
            raise SystemExit(f"the counted run failed:\n{ran.stderr[-2000:]}")
        ops = int(ran.stdout.split()[-1])
        dumps = sorted(folder.glob("callgrind.*.1"))  # the dump made by count_stop
        if not dumps:
            raise SystemExit("callgrind left no dump of the counted loop")
        return instructions_in(dumps[0]), ops


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS, help="posts counted")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)  # the child's mode
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.inside is not None:
        with tempfile.TemporaryDirectory(prefix="rebound-counted-") as tmp:
            ops = asyncio.run(counted_workload(args.posts, args.inside, Path(tmp)))
        print(f"ops {ops}")
        return 0
    instructions, ops = count(args.posts)
    print(f"Python {sys.version.split()[0]} on {os.uname().machine}, callgrind")
    print(f"core ops counted      {ops:,}")
    print(f"instructions          {instructions:,}")
    print(f"instructions per op   {instructions // ops:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
