"""Benchmark of the fsQCA engine: truth table and the three minimisations, on two generators.

``random`` (the issue's grid; seeded, numpy PCG64, seed = 1000*k + n % 997): k fuzzy
conditions drawn independently from Beta(0.6, 0.6) (memberships pile up near 0 and 1, as
calibrated data do), and an outcome from a known causal structure plus noise:

    Y = max(min(X1, X2), min(X3, ~X4, X5)) - 0.1 + Normal(0, 0.1), clipped to [0, 1]

Every condition is independent, so the cases spread over up to 2^k configurations: at
k = 12, n = 2,000 about 1,600 of 4,096 rows are observed. This is *unlimited* diversity,
unlike real QCA data, and with n_cut 1 it produces PI charts with millions of equally
minimal models (see docs/benchmarks.md).

``latent`` (realistic limited diversity; seed = 7000 + 1000*k + n % 997): cases come from
2k latent configurations (crisp prototypes drawn uniformly, case frequencies Zipf-like,
weight 1/rank); each condition of a case flips with probability 0.03 (measurement noise,
which creates the rare odd configurations real data have), and memberships are drawn
near the chosen side: Beta(8, 1) for 1 and Beta(1, 8) for 0. The outcome is driven by
three configurations of the first six conditions plus noise:

    Y = max(min(X1, X2, ~X3), min(X3, X4), min(~X1, X5, X6)) - 0.1 + Normal(0, 0.08), clipped

Analysis settings (both): incl_cut 0.8, n_cut 1 (every observed row enters the
minimisation), directional expectations "all conditions present". Bounds: none by default
(every minimal model is enumerated, as R's ``max.comb = 0``); ``--max-models`` /
``--max-work`` pass explicit bounds, and the ``cut C/P/I`` column says which solution hit one.

Each figure is the median of ``--repeat`` runs; every run is a fresh forked process
(imports warmed in the parent), so ``peak MiB`` is the largest resident set (ru_maxrss,
interpreter and numpy/scipy included) over the runs, and a run that exceeds ``--timeout``
seconds is stopped and its cell reported as ``>T``. ``cpu s`` is the process CPU time of the
three minimisations, called as a user would (three ``minimize`` calls on one truth table);
the machine is shared: wall-clock figures grow with the load, shown as the 1-minute load
average when the row started.

    python bench/qca_minimize.py --generator latent          # full grid, k = 8..16 x n = 200, 2000, 10000
    python bench/qca_minimize.py --generator random --max-models 64 --max-work 200000
    python bench/qca_minimize.py --quick                      # k = 8, 12 x n = 200, 2000, both generators
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
    """The issue's random generator (independent conditions)."""
    rng = np.random.default_rng(1000 * k + n % 997)
    x = rng.beta(0.6, 0.6, size=(n, k))
    y = np.maximum(np.minimum(x[:, 0], x[:, 1]), np.minimum.reduce([x[:, 2], 1 - x[:, 3], x[:, 4]]))
    y = np.clip(y - 0.1 + rng.normal(0, 0.1, n), 0, 1)
    return _dataset(x, y)


LATENT_FLIP = 0.03  # per condition and case


def generate_latent(k: int, n: int) -> Dataset:
    """Latent configurations: limited diversity, outcome from three configurations + noise."""
    rng = np.random.default_rng(7000 + 1000 * k + n % 997)
    prototypes = rng.integers(0, 2, size=(2 * k, k))
    weights = 1.0 / np.arange(1, 2 * k + 1)
    crisp = prototypes[rng.choice(2 * k, size=n, p=weights / weights.sum())]
    crisp = np.where(rng.random((n, k)) < LATENT_FLIP, 1 - crisp, crisp)
    x = np.where(crisp == 1, rng.beta(8, 1, size=(n, k)), rng.beta(1, 8, size=(n, k)))
    y = np.maximum.reduce([
        np.minimum.reduce([x[:, 0], x[:, 1], 1 - x[:, 2]]),
        np.minimum(x[:, 2], x[:, 3]),
        np.minimum.reduce([1 - x[:, 0], x[:, 4], x[:, 5]]),
    ])
    y = np.clip(y - 0.1 + rng.normal(0, 0.08, n), 0, 1)
    return _dataset(x, y)


GENERATORS = {"random": generate, "latent": generate_latent}


def _dataset(x: np.ndarray, y: np.ndarray) -> Dataset:
    x = np.round(x, 3)
    y = np.round(y, 3)
    names = [f"X{j + 1}" for j in range(x.shape[1])]
    return Dataset(names + ["Y"], np.column_stack([x, y]))


def run_once(generator: str, k: int, n: int, bounds: dict) -> dict:
    data = GENERATORS[generator](k, n)
    conditions = [f"X{j + 1}" for j in range(k)]
    figures = {}
    start = time.perf_counter()
    tt = truth_table(data, "Y", conditions, incl_cut=0.8, n_cut=1)
    figures["truth table"] = time.perf_counter() - start
    cpu_start = time.process_time()
    for kind in ("complex", "parsimonious", "intermediate"):
        start = time.perf_counter()
        result = minimize(tt, kind, dir_exp=",".join(conditions) if kind == "intermediate" else None,
                          check_contradictions=False, **bounds)
        figures[kind] = time.perf_counter() - start
        figures[f"{kind} PIs"] = max(len(s.pi_chart.PIs) for s in result.solutions)
        figures[f"{kind} models"] = sum(len(s.models) for s in result.solutions)
        figures[f"{kind} cut"] = any(s.truncated for s in result.solutions) or any(
            w.code == "models_truncated" for w in result.warnings)
    figures["cpu"] = time.process_time() - cpu_start
    figures["positive rows"] = sum(r.OUT == "1" for r in tt.rows)
    figures["observed rows"] = len(tt.rows)
    return figures


def _child(generator: str, k: int, n: int, bounds: dict, queue) -> None:
    figures = run_once(generator, k, n, bounds)
    figures["peak MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(figures)


def run_isolated(generator: str, k: int, n: int, bounds: dict, timeout: float) -> dict | None:
    """One run in a forked process: its own peak memory; None when it exceeds ``timeout``."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(generator, k, n, bounds, queue))
    process.start()
    try:
        return queue.get(timeout=timeout)
    except queue_module.Empty:  # the run did not finish in time
        return None
    finally:
        process.terminate()
        process.join()


def machine_reference() -> float:
    """CPU seconds of a fixed workload like the engine's (a Python loop over big-int bit
    operations, a numpy sort, a sparse LP): this machine's speed *today*. The same code
    read 1.5-2x slower on some days than on others, so targets in seconds are read
    against this figure (docs/benchmarks.md lists it with each table). Median of 5 after
    one discarded warm-up run (imports, first-touch memory)."""
    from scipy.optimize import linprog
    from scipy.sparse import csc_array

    rng = np.random.default_rng(0)
    values = rng.random(5_000_000)
    dense = rng.random((1200, 400)) < 0.01
    dense[np.arange(1200), rng.integers(0, 400, 1200)] = True  # every configuration coverable
    chart = csc_array(dense.astype(float))
    times = []
    for _ in range(6):
        start = time.process_time()
        mask = 0
        for i in range(1_000_000):
            mask ^= (mask >> 3) | (1 << (i % 997))
        np.sort(values)
        linprog(np.ones(400), A_ub=-chart, b_ub=-np.ones(1200), bounds=(0, None), method="highs")
        times.append(time.process_time() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="k = 8, 12 and n = 200, 2000 only")
    parser.add_argument("--generator", choices=["random", "latent", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ks", help="comma-separated numbers of conditions (default: the grid)")
    parser.add_argument("--ns", help="comma-separated numbers of cases (default: the grid)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument("--max-models", type=int, default=None, help="explicit bound (default: none, as R)")
    parser.add_argument("--max-work", type=int, default=None, help="explicit bound (default: none, as R)")
    args = parser.parse_args()
    ks = (8, 12) if args.quick else (8, 10, 12, 14, 16)
    ns = (200, 2000) if args.quick else (200, 2000, 10000)
    ks = [int(v) for v in args.ks.split(",")] if args.ks else ks
    ns = [int(v) for v in args.ns.split(",")] if args.ns else ns
    generators = ("random", "latent") if args.generator == "both" else (args.generator,)
    bounds = {"max_models": args.max_models, "max_work": args.max_work}
    import scipy.optimize  # noqa: F401  (warm the import once, before forking)

    header = ("gen", "k", "n", "rows obs/pos", "TT s", "complex s", "pars s", "interm s", "C+P+I s",
              "C+P+I cpu s", "PIs C/P/I", "models C/P/I", "cut C/P/I", "peak MiB", "load")
    print(f"bounds: {bounds}; machine reference: {machine_reference():.3f} CPU-s "
          f"(bench/qca_minimize.py machine_reference; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    print(" | ".join(header))
    print("|".join("---" for _ in header))
    kinds = ("complex", "parsimonious", "intermediate")
    for generator in generators:
        for k in ks:
            for n in ns:
                load = os.getloadavg()[0]
                runs = []
                for _ in range(args.repeat):
                    runs.append(run_isolated(generator, k, n, bounds, args.timeout))
                    if runs[-1] is None:
                        break
                if any(r is None for r in runs):
                    cells = [generator, str(k), str(n)] + [f">{args.timeout:.0f}"] * (len(header) - 4)
                    print(" | ".join(cells + [f"{load:.1f}"]), flush=True)
                    continue
                med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                total = med["complex"] + med["parsimonious"] + med["intermediate"]
                print(" | ".join([
                    generator, str(k), str(n), f"{med['observed rows']:.0f}/{med['positive rows']:.0f}",
                    f"{med['truth table']:.3f}", f"{med['complex']:.3f}", f"{med['parsimonious']:.3f}",
                    f"{med['intermediate']:.3f}", f"{total:.3f}", f"{med['cpu']:.3f}",
                    "/".join(f"{med[f'{s} PIs']:.0f}" for s in kinds),
                    "/".join(f"{med[f'{s} models']:.0f}" for s in kinds),
                    "/".join("y" if runs[0][f"{s} cut"] else "-" for s in kinds),
                    f"{max(r['peak MiB'] for r in runs):.0f}", f"{load:.1f}",
                ]), flush=True)


if __name__ == "__main__":
    main()
