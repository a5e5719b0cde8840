"""Directional expectations and easy counterfactuals (R QCA's ``dir.exp`` / ``getEC``).

For every pair (conservative model i, parsimonious model j), each conservative term C
is compared with each parsimonious term P that is a superset of it (P's literals are
all in C). The literals of C that P drops are the candidates for simplification:

* individual expectations (``A``, ``~B``, ``C[1,2]``): a literal is dropped when the
  condition has an expectation and the literal contradicts it (e.g. ``~A`` when A is
  expected to contribute to the outcome); otherwise it is kept;
* conjunctural expectations (``~A*B``): when the candidates do not all agree with the
  conjunction, the candidates on its conditions are dropped. As in R QCA 3.25, when
  conjunctural expectations are present they decide the simplified term on their own.

The simplified terms delimit the easy counterfactuals: the simplifying assumptions of
parsimonious model j that fall inside one of them. The others are difficult
counterfactuals. The intermediate solution minimises the positive rows plus the easy
counterfactuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError
from .terms import ABSENT, ConditionSpace


@dataclass
class DirectionalExpectations:
    individual: dict[int, set[int]] = field(default_factory=dict)  # condition -> levels
    conjunctural: list[dict[int, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.individual and not self.conjunctural


def parse_dir_exp(spec: str | list[str] | None, space: ConditionSpace) -> DirectionalExpectations:
    """Read ``"A, ~B, -, C[1,2], ~D*E"``.

    Items are literals (individual expectations), conjunctions (conjunctural ones) or
    ``-`` (no expectation). With exactly one item per condition, bare levels are read by
    position as in R's older syntax: ``"1,0,-,1"``.
    """
    if spec is None:
        return DirectionalExpectations()
    items = _split_items(spec)
    expectations = DirectionalExpectations()
    positional = len(items) == space.k and all(_is_level_list(i) or i == "-" for i in items)
    for position, item in enumerate(items):
        if item in {"-", ""}:
            continue
        if positional:
            levels = {int(v) for v in item.replace(";", ",").split(",") if v.strip()}
            expectations.individual.setdefault(position, set()).update(levels)
            continue
        literals = [part.strip() for part in item.split("*")]
        if len(literals) == 1:
            j, levels = space.parse_literal(literals[0])
            expectations.individual.setdefault(j, set()).update(levels)
            continue
        conjunction: list[dict[int, int]] = [{}]
        for literal in literals:
            j, levels = space.parse_literal(literal)
            if any(j in c for c in conjunction):
                raise QCAInputError(f"{item!r} names {space.names[j]} twice")
            conjunction = [{**c, j: level} for c in conjunction for level in levels]
        expectations.conjunctural.extend(conjunction)
    return expectations


def _split_items(spec: str | list[str]) -> list[str]:
    if not isinstance(spec, str):
        return [str(s).strip() for s in spec]
    items, depth, current = [], 0, []
    for char in spec:  # commas inside brackets belong to the literal: DEV[1,2]
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item != ""] if any(items) else []


def _is_level_list(item: str) -> bool:
    return bool(item) and all(part.strip().isdigit() for part in item.replace(";", ",").split(","))


def simplified_term(comp: np.ndarray, pars: np.ndarray, expectations: DirectionalExpectations) -> np.ndarray | None:
    """The conservative term with the literals that contradict the expectations removed,
    or None when the parsimonious term is not a superset of the conservative one."""
    fixed = pars != ABSENT
    if not np.all(pars[fixed] == comp[fixed]):
        return None
    candidates = [j for j in range(len(comp)) if comp[j] != ABSENT and not fixed[j]]
    result = comp.copy()
    for j in candidates:
        expected = expectations.individual.get(j)
        if expected is not None and int(comp[j]) not in expected:
            result[j] = ABSENT
    for conjunction in expectations.conjunctural:
        result = comp.copy()
        involved = [j for j in candidates if j in conjunction]
        if not all(conjunction[j] == comp[j] for j in involved):
            result[involved] = ABSENT
    return result


class EasyCounterfactualFinder:
    """Easy counterfactuals for many (conservative, parsimonious) model pairs.

    The simplified term of each (conservative PI, parsimonious PI) pair, and the rows it
    contains, are computed once and kept as Python-int bitsets over the truth table rows,
    so that each model pair costs a few big-integer ORs.
    """

    def __init__(self, space: ConditionSpace, expectations: DirectionalExpectations):
        self.space = space
        self.expectations = expectations
        self._rows: dict[tuple[bytes, bytes], int] = {}

    def _pair_rows(self, comp: np.ndarray, pars: np.ndarray) -> int:
        key = (comp.tobytes(), pars.tobytes())
        if key not in self._rows:
            term = simplified_term(comp, pars, self.expectations)
            bits = 0
            if term is not None:
                from .implicants import rows_of_terms

                flags = np.zeros(self.space.n_rows, dtype=bool)
                flags[rows_of_terms(self.space, term[None, :])] = True
                bits = int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")
            self._rows[key] = bits
        return self._rows[key]

    def easy(self, conservative_terms: np.ndarray, parsimonious_terms: np.ndarray,
             simplifying_assumptions: np.ndarray) -> np.ndarray:
        """Boolean mask over the simplifying assumptions (row codes): which are easy."""
        if len(simplifying_assumptions) == 0 or self.expectations.empty:
            return np.zeros(len(simplifying_assumptions), dtype=bool)
        selected = 0
        for comp in conservative_terms:
            for pars in parsimonious_terms:
                selected |= self._pair_rows(comp, pars)
        return np.array([(selected >> int(code)) & 1 == 1 for code in simplifying_assumptions], dtype=bool)
