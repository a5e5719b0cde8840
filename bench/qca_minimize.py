"""Benchmark of the fsQCA engine: truth table and the three minimisations.

Data generator (seeded, numpy PCG64, seed = 1000*k + n % 997): k fuzzy conditions drawn
from Beta(0.6, 0.6) (memberships pile up near 0 and 1, as calibrated data do), and an
outcome built from a known causal structure plus noise:

    Y = max(min(X1, X2), min(X3, ~X4, X5)) - 0.1 + Normal(0, 0.1), clipped to [0, 1]

so that consistent rows, contradictions and remainders all occur. Analysis settings:
incl_cut 0.8, n_cut 1 (the hardest setting: every observed row enters the minimisation),
directional expectations "all conditions present". Each figure is the median of ``--repeat`` runs;
every run is a fresh forked process (imports warmed in the parent), so ``peak MiB`` is the
largest resident set (ru_maxrss, interpreter and numpy/scipy included) over the runs, and a
run that exceeds ``--timeout`` seconds is stopped and its cell reported as ``>T``. ``cpu s``
is the process CPU time of the three minimisations (the machine is shared: wall-clock
figures grow with the load, shown as the 1-minute load average when the row started).

    python bench/qca_minimize.py            # full grid, k = 8..16 x n = 200, 2000, 10000
    python bench/qca_minimize.py --quick    # k = 8, 12 x n = 200, 2000
    python bench/qca_minimize.py --ks 14,16 --ns 10000 --timeout 120
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue as queue_module
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qca.engine import Dataset, minimize, truth_table


def generate(k: int, n: int) -> Dataset:
    rng = np.random.default_rng(1000 * k + n % 997)
    x = rng.beta(0.6, 0.6, size=(n, k))
    y = np.maximum(np.minimum(x[:, 0], x[:, 1]), np.minimum.reduce([x[:, 2], 1 - x[:, 3], x[:, 4]]))
    y = np.clip(y - 0.1 + rng.normal(0, 0.1, n), 0, 1)
    x = np.round(x, 3)
    y = np.round(y, 3)
    names = [f"X{j + 1}" for j in range(k)]
    return Dataset(names + ["Y"], np.column_stack([x, y]))


def run_once(k: int, n: int) -> dict:
    data = generate(k, n)
    conditions = [f"X{j + 1}" for j in range(k)]
    figures = {}
    start = time.perf_counter()
    tt = truth_table(data, "Y", conditions, incl_cut=0.8, n_cut=1)
    figures["truth table"] = time.perf_counter() - start
    cpu_start = time.process_time()
    for kind in ("complex", "parsimonious", "intermediate"):
        start = time.perf_counter()
        result = minimize(tt, kind, dir_exp=",".join(conditions) if kind == "intermediate" else None,
                          check_contradictions=False)
        figures[kind] = time.perf_counter() - start
        figures[f"{kind} PIs"] = max(len(s.pi_chart.PIs) for s in result.solutions)
        figures[f"{kind} models"] = sum(len(s.models) for s in result.solutions)
    figures["cpu"] = time.process_time() - cpu_start
    figures["positive rows"] = sum(r.OUT == "1" for r in tt.rows)
    figures["observed rows"] = len(tt.rows)
    return figures


def _child(k: int, n: int, queue) -> None:
    figures = run_once(k, n)
    figures["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(figures)


def run_isolated(k: int, n: int, timeout: float) -> dict | None:
    """One run in a forked process: its own peak memory; None when it exceeds ``timeout``."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(k, n, queue))
    process.start()
    try:
        return queue.get(timeout=timeout)
    except queue_module.Empty:  # the run did not finish in time
        return None
    finally:
        process.terminate()
        process.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="k = 8, 12 and n = 200, 2000 only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ks", help="comma-separated numbers of conditions (default: the grid)")
    parser.add_argument("--ns", help="comma-separated numbers of cases (default: the grid)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    args = parser.parse_args()
    ks = (8, 12) if args.quick else (8, 10, 12, 14, 16)
    ns = (200, 2000) if args.quick else (200, 2000, 10000)
    ks = [int(v) for v in args.ks.split(",")] if args.ks else ks
    ns = [int(v) for v in args.ns.split(",")] if args.ns else ns
    import scipy.optimize  # noqa: F401  (warm the import once, before forking)

    header = ("k", "n", "rows obs/pos", "TT s", "complex s", "pars s", "interm s", "C+P+I s",
              "C+P+I cpu s", "PIs C/P/I", "models C/P/I", "peak MiB", "load")
    print(" | ".join(header))
    print("|".join("---" for _ in header))
    for k in ks:
        for n in ns:
            load = os.getloadavg()[0]
            runs = [run_isolated(k, n, args.timeout) for _ in range(args.repeat)]
            if any(r is None for r in runs):
                cells = [str(k), str(n)] + [f">{args.timeout:.0f}"] * (len(header) - 3) + [f"{load:.1f}"]
                print(" | ".join(cells), flush=True)
                continue
            med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            total = med["complex"] + med["parsimonious"] + med["intermediate"]
            print(" | ".join([
                str(k), str(n), f"{med['observed rows']:.0f}/{med['positive rows']:.0f}",
                f"{med['truth table']:.3f}", f"{med['complex']:.3f}", f"{med['parsimonious']:.3f}",
                f"{med['intermediate']:.3f}", f"{total:.3f}", f"{med['cpu']:.3f}",
                "/".join(f"{med[f'{s} PIs']:.0f}" for s in ("complex", "parsimonious", "intermediate")),
                "/".join(f"{med[f'{s} models']:.0f}" for s in ("complex", "parsimonious", "intermediate")),
                f"{max(r['peak MiB'] for r in runs):.0f}", f"{load:.1f}",
            ]), flush=True)


if __name__ == "__main__":
    main()
