"""Hypothesis property tests of the minimiser on random crisp and fuzzy truth tables."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qca.engine import Dataset, minimize, truth_table
from qca.engine.errors import QCAComputationError
from qca.engine.implicants import rows_of_terms
from qca.engine.terms import ABSENT, covers


@st.composite
def fuzzy_data(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.integers(4, 24))
    values = draw(st.lists(st.lists(st.sampled_from([0.05, 0.2, 0.35, 0.65, 0.8, 0.95, 1.0, 0.0]),
                                    min_size=k + 1, max_size=k + 1), min_size=n, max_size=n))
    names = [f"C{j}" for j in range(k)]
    return Dataset([*names, "Y"], np.array(values)), names, draw(st.sampled_from([0.6, 0.75, 0.9, 1.0]))


def _solutions(data, names, cut):
    tt = truth_table(data, "Y", names, cut)
    results = {}
    for kind in ("complex", "parsimonious"):
        try:
            results[kind] = minimize(tt, kind, check_contradictions=False)
        except QCAComputationError:
            return tt, None
    results["intermediate"] = minimize(tt, "intermediate", dir_exp=",".join(names), check_contradictions=False)
    return tt, results


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzzy_data())
def test_models_cover_positive_rows_and_no_negative_row(case):
    data, names, cut = case
    tt, results = _solutions(data, names, cut)
    if results is None:
        return
    space = tt.space
    positive = space.decode(tt.codes_with("1"))
    negative = space.decode(tt.codes_with("0", "C"))
    for result in results.values():
        for solution in result.solutions:
            for terms in solution.model_terms:
                assert covers(terms, positive).any(axis=0).all()
                assert not covers(terms, negative).any()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzzy_data())
def test_prime_implicants_are_not_contained_in_one_another(case):
    data, names, cut = case
    tt, results = _solutions(data, names, cut)
    if results is None:
        return
    space = tt.space
    for result in results.values():
        for solution in result.solutions:
            primes = [space.parse_term(t) for t in solution.pi_chart.PIs]
            for i, a in enumerate(primes):
                for j, b in enumerate(primes):
                    if i != j:
                        fixed = b != ABSENT
                        assert not (np.all(a[fixed] == b[fixed]) and np.all((a != ABSENT) >= fixed)), (
                            f"{space.to_string(a)} is a subset of {space.to_string(b)}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzzy_data())
def test_complex_within_intermediate_within_parsimonious(case):
    data, names, cut = case
    tt, results = _solutions(data, names, cut)
    if results is None:
        return
    space = tt.space
    complex_rows = set(rows_of_terms(space, results["complex"].solutions[0].model_terms[0]).tolist())
    for solution in results["intermediate"].solutions:
        c_rows = set(rows_of_terms(space, np.array([space.parse_term(t) for t in solution.conservative_model])).tolist())
        p_rows = set(rows_of_terms(space, np.array([space.parse_term(t) for t in solution.parsimonious_model])).tolist())
        for terms in solution.model_terms:
            i_rows = set(rows_of_terms(space, terms).tolist())
            assert c_rows <= i_rows <= p_rows
    assert complex_rows


@settings(max_examples=60, deadline=None)
@given(fuzzy_data())
def test_negation_symmetry_of_the_parameters_of_fit(case):
    data, names, _ = case
    positive = truth_table(data, "Y", names, 1.0)
    negative = truth_table(data, "Y", names, 1.0, negate_outcome=True)
    y = data.column("Y")
    for p, n in zip(positive.rows, negative.rows, strict=True):
        assert (p.id, p.n, p.cases) == (n.id, n.n, n.cases)
        # sum(min(X,Y)) + sum(min(X,1-Y)) = sum(X) + sum(min(X,Y,1-Y)) - sum(max(0, ...)) is not
        # exact in general, but for crisp outcomes incl(Y) + incl(~Y) = 1
        if np.all(np.isin(y, [0.0, 1.0])):
            assert abs(p.incl + n.incl - 1) < 1e-12
