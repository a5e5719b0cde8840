"""Benchmark of storing an fsQCA result: the solutions as the engine writes them (format 1, what results
were stored as before) against the pooled format 2 (qca/stored_results.py), in real PostgreSQL.

The table comes from bench/qca_minimize.py's generators (`random`, `latent`), is uploaded as a study with
every column taken as calibrated (`as_is`), and analysed with the benchmark's settings (incl_cut 0.8,
n_cut 1, pri_cut 0, every condition expected present) through the app's own path: `compute()` (engine
with ENGINE_BOUNDS, configuration chart, robustness), `services.stored_solutions()` (pooling and the size
guard's measure) and `services._store_result()` (the Result row, configurations, typology). Then, on
that row:

* bytes: the solutions as compact JSON in each format, and PostgreSQL's `pg_column_size` (jsonb, after
  TOAST compression) of what was stored;
* CPU seconds (process time) and wall seconds of making each JSON text, and of writing it into the row
  (`UPDATE ... SET solutions`: the value alone, the same statement for both formats; a format 1 value
  past jsonb's 256 MiB fails there, reported as such);
* the read back: the row loaded and expanded, compared with what `compute()` returned (must be equal).

It runs in a database of its own, made and migrated as Django's test runner does (named
`bench_qca_store`, on the server DATABASE_URL names) and dropped at the end, and in one transaction
that is rolled back.

    DATABASE_URL=postgres://... python bench/qca_store.py --generator random --k 12 --n 2000
    DATABASE_URL=postgres://... python bench/qca_store.py --generator latent --k 16 --n 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ichplatform.settings")

import django  # noqa: E402

django.setup()

from django.db import DatabaseError, connection, transaction  # noqa: E402

from accounts.models import Institution  # noqa: E402
from qca import services, stored_results  # noqa: E402
from qca.analysis import compute  # noqa: E402
from qca.models import Result  # noqa: E402
from qca_minimize import GENERATORS  # noqa: E402


class _RolledBack(Exception):
    pass


def _timed(function):
    cpu, wall = time.process_time(), time.perf_counter()
    value = function()
    return value, time.process_time() - cpu, time.perf_counter() - wall


def _write(result_pk: int, value) -> tuple[str, float, float]:
    """UPDATE of the solutions alone, in a savepoint (a failed one leaves the transaction usable)."""
    def update():
        try:
            with transaction.atomic():
                Result.objects.filter(pk=result_pk).update(solutions=value)
            return "ok"
        except DatabaseError as exc:
            return f"failed: {str(exc).strip().splitlines()[0]}"
    return _timed(update)


def _column_size(result_pk: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_size(solutions) FROM qca_result WHERE id = %s", [result_pk])
        return cursor.fetchone()[0]


def run(generator: str, k: int, n: int, write_format_1: bool) -> dict:
    dataset = GENERATORS[generator](k, n)
    conditions = [f"X{j + 1}" for j in range(k)]
    csv = "case," + ",".join(dataset.columns) + "\n" + "".join(
        f"c{i + 1}," + ",".join(repr(v) for v in row) + "\n" for i, row in enumerate(dataset.values.tolist()))
    figures = {"cell": f"{generator} k={k} n={n}"}
    institution = Institution.objects.create(name=f"bench-store-{os.getpid()}", slug=f"bench-store-{os.getpid()}")
    study = services.study_create_from_upload(institution=institution, actor=None, name="bench", filename="t.csv",
                                              content=csv.encode())
    for condition in study.conditions.all():
        services.condition_calibrate(condition=condition, actor=None, method="as_is", anchors={})
    analysis = services.analysis_create(study=study, actor=None, outcome="Y", conditions=conditions, incl_cut=0.8,
                                        n_cut=1, pri_cut=0.0, dir_exps={c: "present" for c in conditions})
    analysis = services.analysis_submit(analysis=analysis, actor=None, inline=False)  # queued; never committed
    computed, cpu, wall = _timed(lambda: compute(study, services.analysis_spec(analysis)))
    figures["compute cpu s"], figures["compute wall s"] = cpu, wall
    models = computed.solutions["intermediate"].get("models", [])
    figures["intermediate models"] = len(models)

    text_1, cpu, wall = _timed(lambda: json.dumps(computed.solutions, separators=(",", ":"), default=str))
    figures["format 1 bytes"], figures["format 1 json cpu s"] = len(text_1), cpu
    del text_1
    (document, size), cpu, wall = _timed(lambda: services.stored_solutions(computed))
    figures["format 2 bytes"], figures["format 2 json cpu s"] = size, cpu
    figures["pools (rows/terms/fits)"] = "/".join(str(len(document["pools"][p])) for p in stored_results.POOLS)
    result, cpu, wall = _timed(lambda: services._store_result(analysis, computed, document))
    figures["store_result cpu s"], figures["store_result wall s"] = cpu, wall
    figures["format 2 pg_column_size"] = _column_size(result.pk)
    status, cpu, wall = _write(result.pk, document)
    figures["format 2 write"], figures["format 2 write cpu s"], figures["format 2 write wall s"] = status, cpu, wall

    read, cpu, wall = _timed(lambda: Result.objects.get(pk=result.pk).expanded_solutions)
    figures["format 2 read+expand cpu s"], figures["format 2 read+expand wall s"] = cpu, wall
    figures["read back == compute()"] = read == computed.solutions
    del read
    if write_format_1:
        status, cpu, wall = _write(result.pk, computed.solutions)
        figures["format 1 write"], figures["format 1 write cpu s"], figures["format 1 write wall s"] = (
            status, cpu, wall)
        if status == "ok":
            figures["format 1 pg_column_size"] = _column_size(result.pk)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generator", choices=sorted(GENERATORS), default="random")
    parser.add_argument("--k", type=int, default=12)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--no-format-1-write", action="store_true",
                        help="skip writing the engine's form (at latent k = 16 it sends ~400 MB to fail)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    figures = {}
    connection.settings_dict["TEST"] = {**connection.settings_dict.get("TEST", {}), "NAME": "bench_qca_store"}
    original_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with transaction.atomic():
            figures = run(args.generator, args.k, args.n, not args.no_format_1_write)
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    print(f"# {started}, 1-minute load {load:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    for key, value in figures.items():
        print(f"{key:32} {value:.3f}" if isinstance(value, float) else f"{key:32} {value}")


if __name__ == "__main__":
    main()
