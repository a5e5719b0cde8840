"""Benchmark of the local search for set cover (``qca.engine.cover_heuristic``) on real inputs.

Each cell (generator, k, n) runs the three minimisations of ``bench/qca_minimize.py``
(``GENERATORS``, incl_cut 0.8, n_cut 1, directional expectations "all present"; bounded:
``--max-models`` / ``--max-work``, by default 64 and 300,000 as the bounded rows of
docs/benchmarks.md) once, with ``cover.local_search_at_lp_bound`` wrapped to record the
arguments of every call: (chart, LP dual, bound, known cover's size, steps, tolerance).
Those calls are then replayed alone:

* once with ``_State.add`` counted, for the number of swap moves (adds after the start);
* ``--repeat`` times untimed by anything but ``time.process_time`` (CPU seconds: the
  machine is shared and has few cores, so wall time says little), reporting the median.

Columns: the chart (sets x elements, nonzeros), the LP bound given -> the bound searched
(it rises where reduced-cost fixing leaves too few sets), the step budget, the moves made
(fewer than the budget when a cover of the bound was found), the size of the cover found,
CPU seconds (median) and moves per CPU second. ``--module PATH`` replays with another copy of
``cover_heuristic.py`` (e.g. a saved earlier version) for before/after tables; the inputs
are always captured with the repository's engine. Printed with the 1-minute load average
and the UTC time, and ``machine_reference`` of bench/qca_minimize.py (this machine's speed
today).

    python bench/qca_local_search.py                                # random and latent, k = 16, n = 10,000
    python bench/qca_local_search.py --cells random:12:10000 --repeat 5
    python bench/qca_local_search.py --module /tmp/old_cover_heuristic.py --min-steps 10000
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qca_minimize import GENERATORS, machine_reference

from qca.engine import (
    cover,
    cover_heuristic,
    minimize,
    truth_table,
)


def capture(generator: str, k: int, n: int, bounds: dict) -> list[tuple]:
    """The arguments of every ``local_search_at_lp_bound`` call of the cell's three
    minimisations, in call order."""
    calls = []
    real = cover.local_search_at_lp_bound

    def recording(*args):
        calls.append(args)
        return real(*args)

    data = GENERATORS[generator](k, n)
    conditions = [f"X{j + 1}" for j in range(k)]
    table = truth_table(data, "Y", conditions, incl_cut=0.8, n_cut=1)
    cover.local_search_at_lp_bound = recording
    try:
        for kind in ("complex", "parsimonious", "intermediate"):
            minimize(table, kind, dir_exp=",".join(conditions) if kind == "intermediate" else None,
                     check_contradictions=False, **bounds)
    finally:
        cover.local_search_at_lp_bound = real
    return calls


def load_module(path: str | None) -> ModuleType:
    if path is None:
        return cover_heuristic
    spec = importlib.util.spec_from_file_location("replayed_cover_heuristic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def count_moves(module: ModuleType, args: tuple) -> int:
    """Swap moves of one call: the adds of a step after the start (each move adds one set)."""
    moves = 0
    real = module._State.add

    def counted(self, s, step):
        nonlocal moves
        moves += step > 0
        return real(self, s, step)

    module._State.add = counted
    try:
        module.local_search_at_lp_bound(*args)
    finally:
        module._State.add = real
    return moves


def replay(module: ModuleType, args: tuple, repeat: int) -> tuple[float, int, int]:
    """Median CPU seconds of ``repeat`` calls, the bound searched and the cover's size."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        bound, chosen = module.local_search_at_lp_bound(*args)
        times.append(time.process_time() - start)
    return statistics.median(times), bound, len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", default="random:16:10000,latent:16:10000",
                        help="comma-separated generator:k:n (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-models", type=int, default=64)
    parser.add_argument("--max-work", type=int, default=300_000)
    parser.add_argument("--min-steps", type=int, default=0, help="replay only calls with at least this step budget")
    parser.add_argument("--module", help="path of another cover_heuristic.py to replay with")
    args = parser.parse_args()
    module = load_module(args.module)
    bounds = {"max_models": args.max_models, "max_work": args.max_work}
    print(f"module: {module.__file__}; bounds: {bounds}; median of {args.repeat}; "
          f"machine reference: {machine_reference():.3f} CPU-s")
    header = ("cell", "call", "sets x elements (nnz)", "bound", "steps", "moves", "cover", "cpu s",
              "moves/cpu s", "load", "UTC")
    print(" | ".join(header))
    print("|".join("---" for _ in header))
    for cell in args.cells.split(","):
        generator, k, n = cell.split(":")
        calls = capture(generator, int(k), int(n), bounds)
        total = 0.0
        for index, call in enumerate(calls):
            (indptr, indices, width), _, lower, _, steps, _ = call
            if steps < args.min_steps:
                continue
            moves = count_moves(module, call)
            load = os.getloadavg()[0]
            seconds, bound, size = replay(module, call, args.repeat)
            total += seconds
            rate = f"{moves / seconds:,.0f}" if seconds > 0 else "-"
            print(f"{cell} | {index} | {len(indptr) - 1:,} x {width:,} ({len(indices):,}) | {lower} -> {bound} | "
                  f"{steps:,} | {moves:,} | {size or 'known'} | {seconds:.3f} | {rate} | {load:.2f} | "
                  f"{time.strftime('%H:%M', time.gmtime())}")
        print(f"{cell} | all | | | | | | {total:.3f} | | {os.getloadavg()[0]:.2f} | "
              f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())}")


if __name__ == "__main__":
    main()
