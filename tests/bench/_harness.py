"""A small benchmark harness: each trial in a fresh process, rounds interleaved, paired ratios.

A benchmark script defines ``CASES``: a mapping from case name to a mapping from
implementation name ("asiolike", "asyncio", "uvloop", "websockets/asyncio", ...) to a function
returning a rate (operations per second). ``main(CASES)`` runs, for each round, every
(case, implementation) trial in its own interpreter, in an order that alternates between
rounds so that no implementation always runs first; then prints, per case, the median rate of
each implementation and the median of the per-round ratios asiolike/other (paired ratios are
robust against the machine's speed drifting between rounds).

Benchmarks are scripts, not tests: nothing here asserts a speed.

The allocator. glibc serves an allocation above its *mmap threshold* (128 KiB at first)
with its own mmap and raises the threshold the first time such a chunk is freed whole. An
asyncio transport reads into a fresh 256 KiB bytes object and shrinks it to what arrived,
which mremaps the chunk small before it is freed, so in a fresh process the threshold may
never rise: every read then costs mmap, mremap and munmap, and websockets on asyncio runs
at about half its speed, or not, depending on what else the process happened to free
first (seen here: 13k or 24k echoes/s for the same trial). A long-running process almost
always has freed a large chunk, so every trial runs in that state, set from the start:
``MALLOC_MMAP_THRESHOLD_`` 4 MiB and ``MALLOC_TRIM_THRESHOLD_`` 8 MiB (what glibc's own
adjustment would reach). ``--allocator default`` leaves the environment alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping

Cases = Mapping[str, Mapping[str, Callable[[], float]]]


def _available(impl: str) -> bool:
    module = {"uvloop": "uvloop", "websockets/asyncio": "websockets", "websockets/uvloop": "uvloop"}
    name = module.get(impl)
    if name is None:
        return True
    try:
        __import__(name)
    except ImportError:
        return False
    return not (impl == "websockets/uvloop" and not _available("websockets/asyncio"))


# See the module's docstring: a warmed-up glibc allocator for every trial.
_WARM_ALLOCATOR = {"MALLOC_MMAP_THRESHOLD_": str(4 << 20), "MALLOC_TRIM_THRESHOLD_": str(8 << 20)}


def _run_trial(script: str, case: str, impl: str, env: dict[str, str] | None) -> float:
    out = subprocess.run(
        [sys.executable, script, "--trial", case, impl],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rate"])


def main(cases: Cases, script: str, default_rounds: int = 5) -> None:
    """Parse the command line and run the benchmarks (or one trial, in a child process)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=default_rounds)
    parser.add_argument("--only", action="append", default=[], help="case name substring")
    parser.add_argument(
        "--allocator",
        choices=("warm", "default"),
        default="warm",
        help="run every trial with glibc's mmap threshold raised (warm, see the module's "
        "docstring) or with the environment as it is (default)",
    )
    parser.add_argument("--trial", nargs=2, metavar=("CASE", "IMPL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    env = {**os.environ, **_WARM_ALLOCATOR} if args.allocator == "warm" else None

    if args.trial:
        case, impl = args.trial
        rate = cases[case][impl]()
        print(json.dumps({"rate": rate}))
        return

    selected = {
        name: impls
        for name, impls in cases.items()
        if not args.only or any(part in name for part in args.only)
    }
    rates: dict[tuple[str, str], list[float]] = {}
    for round_no in range(args.rounds):
        for name, impls in selected.items():
            order = [impl for impl in impls if _available(impl)]
            if round_no % 2:
                order.reverse()
            for impl in order:
                rate = _run_trial(script, name, impl, env)
                rates.setdefault((name, impl), []).append(rate)
        print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)

    print(f"{'case':<34} {'implementation':<20} {'median ops/s':>14} {'asiolike / it':>14}")
    for name, impls in selected.items():
        ours = rates.get((name, "asiolike"), [])
        for impl in impls:
            values = rates.get((name, impl))
            if not values:
                print(f"{name:<34} {impl:<20} {'(not installed)':>14}")
                continue
            ratio = ""
            if impl != "asiolike" and ours:
                paired = [a / b for a, b in zip(ours, values, strict=False)]
                ratio = f"{statistics.median(paired):.2f}x"
            print(f"{name:<34} {impl:<20} {statistics.median(values):>14,.0f} {ratio:>14}")
