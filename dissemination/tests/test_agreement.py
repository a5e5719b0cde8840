"""Agreement against published worked examples.

Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg
School for Communication, University of Pennsylvania. Its example C: 4 observers,
12 units, missing values; alpha = 0.743 nominal, 0.815 ordinal, 0.849 interval,
0.797 ratio. Its example A: binary data, 2 observers, 10 units; alpha = 0.095.

Cohen's kappa: the 50-proposal example of the Wikipedia article "Cohen's kappa"
(a 2×2 table 20 / 5 / 10 / 15): p_o = 0.7, p_e = 0.5, kappa = 0.4.
"""

import pytest

from dissemination.agreement import cohen_kappa, krippendorff_alpha, variable_agreement

N = None
KRIPPENDORFF_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


@pytest.mark.parametrize(
    "level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_example_c(level, expected):
    assert krippendorff_alpha(KRIPPENDORFF_C, level=level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_2011_binary_example_a():
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(data, level="nominal") == pytest.approx(0.095, abs=5e-4)


def test_cohen_kappa_textbook_example():
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_variable_agreement_from_triples_matches_the_matrix_form():
    triples = [
        (unit, coder, value)
        for coder, row in zip("ABCD", KRIPPENDORFF_C)
        for unit, value in enumerate(row)
    ]
    result = variable_agreement(triples, kind="ordinal", levels=[1, 2, 3, 4, 5])
    assert result.level == "ordinal" and result.krippendorff_alpha == pytest.approx(0.815, abs=5e-4)
    assert result.cohen_kappa is None  # four coders
    assert result.n_units == 12 and result.n_paired == 11  # unit 12 has one code only
    assert set(result.disagreements) == {1, 5, 7}


def test_two_coders_binary_gets_kappa_and_disagreements():
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    triples = [(u, "ann", v) for u, v in enumerate(a)] + [(u, "bob", v) for u, v in enumerate(b)]
    result = variable_agreement(triples, kind="binary")
    # p_o = 0.6, p_e = 0.2·0.4 + 0.8·0.6 = 0.56 → kappa = 0.04 / 0.44 = 0.0909
    assert result.cohen_kappa == pytest.approx(0.04 / 0.44)
    assert result.krippendorff_alpha == pytest.approx(0.095, abs=5e-4)
    assert result.percent_agreement == pytest.approx(0.6)
    assert result.disagreements == (0, 2, 5, 8)


def test_undefined_cases_give_none_not_errors():
    same = [(u, c, 1) for u in range(5) for c in ("ann", "bob")]
    result = variable_agreement(same, kind="binary")
    assert result.percent_agreement == 1.0 and result.krippendorff_alpha is None
    continuous = variable_agreement([(1, "a", 2.5), (1, "b", 3.0), (2, "a", 7), (2, "b", 7)], kind="continuous")
    assert continuous.level == "interval" and continuous.cohen_kappa is None
    assert variable_agreement([], kind="binary").krippendorff_alpha is None
