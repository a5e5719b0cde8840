"""The memory bounds change no result: a membership cache small enough to evict on every
term (so memberships are recomputed) and easy-counterfactual bitsets built one pair at a
time give the same ``minimize().to_dict()`` as the defaults."""

from __future__ import annotations

import json
import sys

from hypothesis import HealthCheck, given, settings

from qca.engine import minimize, truth_table
from qca.engine.errors import QCAComputationError
from qca.tests.engine.test_implicants import analyses

problem_module = sys.modules["qca.engine.problem"]
intermediate_module = sys.modules["qca.engine.intermediate"]


def _all_solutions(data, names, dir_exp, incl_cut, n_cut) -> str | None:
    tt = truth_table(data, "Y", names, incl_cut, n_cut)  # a fresh table: nothing cached
    try:
        results = [
            minimize(tt, kind, dir_exp=dir_exp if kind == "intermediate" else None, max_models=16).to_dict()
            for kind in ("complex", "parsimonious", "intermediate")
        ]
    except QCAComputationError:
        return None
    return json.dumps(results, sort_keys=True, allow_nan=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses())
def test_tiny_cache_and_blocks_give_identical_results(case):
    default = _all_solutions(*case)
    saved = (problem_module.MEMBERSHIP_CACHE_BYTES, intermediate_module._EASY_ROWS_BLOCK)
    try:
        problem_module.MEMBERSHIP_CACHE_BYTES = 1  # keeps one membership vector at a time
        intermediate_module._EASY_ROWS_BLOCK = 1  # one (pair, remainders) row per block
        bounded = _all_solutions(*case)
    finally:
        problem_module.MEMBERSHIP_CACHE_BYTES, intermediate_module._EASY_ROWS_BLOCK = saved
    assert bounded == default
