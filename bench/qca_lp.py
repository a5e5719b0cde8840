"""Benchmark of the covering LP of wide PI-chart blocks: one HiGHS call on the whole LP (as
``cover._BlockSearch._lp_bound`` makes it) against ``qca.engine.cover_lp.covering_lp_dual``.

The blocks are the real ones: each cell of ``bench/qca_minimize.py`` (same generators, same
truth table and bounds) runs the three minimisations with ``_lp_bound`` wrapped, and every
block it sees is kept as CSR (``_BlockSearch._pi_csr``). Then, per block of at least
``--min-cells`` cells, the CPU seconds (``time.process_time``: the machine is shared, the
load is printed) of

* ``full``: linprog(method="highs") on the whole LP plus ``_lp_bound``'s rescale;
* ``cover_lp``: ``covering_lp_dual`` (its own choice of method, printed);

medians of ``--repeat`` runs, with each one's bound ceil(sum(y) - 1e-6) (must be equal; the
script fails if not) and whether the dual is bit-identical to the one ``_lp_bound`` kept.

``--end-to-end`` also runs each cell's three minimisations twice, with ``_lp_bound`` as it is
and with the proposed hook (``proposed_lp_bound`` below, patched in for the run), and prints
their CPU seconds and whether the models listed are the same.

    python bench/qca_lp.py                     # the four cells of the brief
    python bench/qca_lp.py --cells random:14:10000 --end-to-end
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from qca_minimize import GENERATORS  # bench/ is on the path above

from qca.engine import cover, minimize, truth_table
from qca.engine.cover_lp import covering_lp_dual

DEFAULT_CELLS = ("random:16:10000", "latent:16:10000", "random:12:2000", "random:14:10000")
BOUNDS = {"max_models": 64, "max_work": 300_000}
KINDS = ("complex", "parsimonious", "intermediate")


def proposed_lp_bound(self) -> int:
    """The proposed body of ``cover._BlockSearch._lp_bound``: the LP through
    ``covering_lp_dual`` on the block's CSR (rows in ``pi_masks`` order; the dual is per
    position, so the PIs' order does not matter to the bound)."""
    indptr, indices, width = self._pi_csr()
    solved = covering_lp_dual(indptr, indices, width)
    if solved is None:
        return 1
    dual, _ = solved
    self.weights = dual.tolist()
    return int(np.ceil(dual.sum() - cover.DUAL_TOLERANCE))


def _minimize_all(generator: str, k: int, n: int):
    data = GENERATORS[generator](k, n)
    conditions = [f"X{j + 1}" for j in range(k)]
    table = truth_table(data, "Y", conditions, incl_cut=0.8, n_cut=1)
    results = []
    for kind in KINDS:
        results.append(minimize(table, kind, dir_exp=",".join(conditions) if kind == "intermediate" else None,
                                check_contradictions=False, **BOUNDS))
    return results


def capture_blocks(generator: str, k: int, n: int) -> list[dict]:
    """Every block ``_lp_bound`` sees in the cell's three minimisations, with its result."""
    original = cover._BlockSearch._lp_bound
    blocks: list[dict] = []

    def wrapped(search):
        bound = original(search)
        indptr, indices, width = search._pi_csr()
        blocks.append({"indptr": indptr.copy(), "indices": indices.copy(), "width": width, "bound": bound,
                       "weights": None if search.weights is None else np.array(search.weights)})
        return bound

    cover._BlockSearch._lp_bound = wrapped
    try:
        kinds_before = []
        data = GENERATORS[generator](k, n)
        conditions = [f"X{j + 1}" for j in range(k)]
        table = truth_table(data, "Y", conditions, incl_cut=0.8, n_cut=1)
        for kind in KINDS:
            kinds_before.append(len(blocks))
            minimize(table, kind, dir_exp=",".join(conditions) if kind == "intermediate" else None,
                     check_contradictions=False, **BOUNDS)
    finally:
        cover._BlockSearch._lp_bound = original
    kinds_before.append(len(blocks))
    for index, kind in enumerate(KINDS):
        for block in blocks[kinds_before[index]:kinds_before[index + 1]]:
            block["kind"] = kind
    return blocks


def full_lp(indptr, indices, width) -> np.ndarray:
    """``_lp_bound``'s computation on the same block: its rescaled dual."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    pis = csr_array((np.ones(len(indices)), indices, indptr), shape=(len(indptr) - 1, width))
    result = linprog(np.ones(pis.shape[0]), A_ub=-pis.T, b_ub=-np.ones(width), bounds=(0, None), method="highs")
    dual = np.clip(-np.asarray(result.ineqlin.marginals, dtype=float), 0.0, None)
    heaviest = float((pis @ dual).max())
    if heaviest > 1.0:
        dual /= heaviest
    return dual


def cpu_median(function, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        start = time.process_time()
        value = function()
        times.append(time.process_time() - start)
    return statistics.median(times), value


def models_digest(results) -> str:
    """A digest of every solution's models (terms) and flags: equal digests, same output."""
    listed = [[[list(m.terms) for m in s.models] + [s.truncated] for s in r.solutions] for r in results]
    return hashlib.sha256(json.dumps(listed, sort_keys=True, default=str).encode()).hexdigest()[:12]


def models_summary(results) -> str:
    """Per minimisation: the models listed, their sizes, and '+g' where the size is not
    proven minimal (g: the gap to the LP bound the note gives)."""
    parts = []
    for kind, result in zip(KINDS, results, strict=True):
        sizes = sorted({len(m.terms) for s in result.solutions for m in s.models})
        count = sum(len(s.models) for s in result.solutions)
        unproven = [note for s in result.solutions for note in s.notes if "not proven" in note]
        gap = ""
        if unproven:
            gaps = [int(word) for note in unproven for word in note.split("up to ")[1].split()[:1]]
            gap = f", unproven +{max(gaps)}"
        parts.append(f"{kind[:4]}. {count} of {'/'.join(map(str, sizes))}{gap}")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", nargs="*", default=list(DEFAULT_CELLS), help="generator:k:n")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--min-cells", type=int, default=2_000, help="smaller blocks are summed in one row")
    parser.add_argument("--end-to-end", action="store_true")
    args = parser.parse_args()
    covering_lp_dual(np.array([0, 1]), np.array([0]), 1)  # imports (scipy.optimize) outside the timings
    full_lp(np.array([0, 1]), np.array([0]), 1)
    print(f"# {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
          f"bounds {BOUNDS}, CPU s (process_time), medians of {args.repeat}")
    print("| cell | chart | block (configurations x PIs, cells) | load 1m | full s | cover_lp s | method (rounds, last LP) "
          "| bound full / cover_lp | dual as _lp_bound's |")
    print("|---|---|---|---|---|---|---|---|---|")
    failures = 0
    for cell in args.cells:
        generator, k, n = cell.split(":")
        blocks = capture_blocks(generator, int(k), int(n))
        small = {"count": 0, "full": 0.0, "ours": 0.0}
        for block in blocks:
            indptr, indices, width = block["indptr"], block["indices"], block["width"]
            load = os.getloadavg()[0]
            full_time, full_dual = cpu_median(functools.partial(full_lp, indptr, indices, width), args.repeat)
            stats: dict = {}
            ours_time, (dual, _) = cpu_median(
                functools.partial(covering_lp_dual, indptr, indices, width, stats=stats), args.repeat)
            full_bound = int(np.ceil(full_dual.sum() - cover.DUAL_TOLERANCE))
            ours_bound = int(np.ceil(dual.sum() - cover.DUAL_TOLERANCE))
            if full_bound != ours_bound or full_bound != block["bound"]:
                failures += 1
            if len(indices) < args.min_cells and full_bound == ours_bound:
                small["count"] += 1
                small["full"] += full_time
                small["ours"] += ours_time
                continue
            same = block["weights"] is not None and np.array_equal(block["weights"], dual)
            print(f"| {cell} | {block['kind']} | {width} x {len(indptr) - 1}, {len(indices):,} | {load:.2f} "
                  f"| {full_time:.3f} | {ours_time:.3f} | {stats['method']} ({stats['rounds']}, "
                  f"{stats['rows']} x {stats['columns']}) | {full_bound} / {ours_bound} | {'yes' if same else 'no'} |",
                  flush=True)
        if small["count"]:
            print(f"| {cell} | {small['count']} blocks < {args.min_cells:,} cells | (summed) | {os.getloadavg()[0]:.2f} "
                  f"| {small['full']:.3f} | {small['ours']:.3f} | simplex | equal | |", flush=True)
    if args.end_to_end:
        print()
        print("| cell | load 1m | minimize x3 CPU s, _lp_bound as is | with the proposed hook | models "
              "| as is: models (count of sizes) | with the hook |")
        print("|---|---|---|---|---|---|---|")
        original = cover._BlockSearch._lp_bound
        for cell in args.cells:
            generator, k, n = cell.split(":")
            load = os.getloadavg()[0]
            before_time, before = cpu_median(functools.partial(_minimize_all, generator, int(k), int(n)), 1)
            cover._BlockSearch._lp_bound = proposed_lp_bound
            try:
                after_time, after = cpu_median(functools.partial(_minimize_all, generator, int(k), int(n)), 1)
            finally:
                cover._BlockSearch._lp_bound = original
            same = models_digest(before) == models_digest(after)
            print(f"| {cell} | {load:.2f} | {before_time:.2f} | {after_time:.2f} | "
                  f"{'same' if same else 'different'} | {models_summary(before)} | {models_summary(after)} |", flush=True)
    print(f"# end {datetime.datetime.now(datetime.UTC):%H:%M} UTC, load {os.getloadavg()[0]:.2f}")
    if failures:
        raise SystemExit(f"{failures} block(s) with different bounds")


if __name__ == "__main__":
    main()
