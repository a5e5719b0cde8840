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
from .terms import ABSENT, ConditionSpace, covers_codes


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

    All (conservative term, parsimonious term) pairs of a model pair are simplified at
    once with array operations (individual expectations), and the simplifying
    assumptions inside any simplified term are found with one (terms x rows) test.
    """

    def __init__(self, space: ConditionSpace, expectations: DirectionalExpectations):
        self.space = space
        self.expectations = expectations
        # drop[j, v]: a literal "condition j at level v" contradicts j's expectation
        self._drop = np.zeros((space.k, max(space.levels)), dtype=bool)
        for j, expected in expectations.individual.items():
            self._drop[j, [v for v in range(space.levels[j]) if v not in expected]] = True

    def pair_simplified_terms(self, conservative_terms: np.ndarray,
                              parsimonious_terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (conservative PI c, parsimonious PI p) index pair with p a superset of c,
        and the simplified term of each (it lies between c and p)."""
        comp = np.asarray(conservative_terms)[:, None, :]
        pars = np.asarray(parsimonious_terms)[None, :, :]
        fixed = pars != ABSENT
        pairs = np.argwhere(np.all(~fixed | (pars == comp), axis=2))
        if len(pairs) == 0:
            return pairs, np.zeros((0, self.space.k), dtype=np.int64)
        if self.expectations.conjunctural:
            terms = np.array([simplified_term(comp[i, 0], pars[0, j], self.expectations) for i, j in pairs],
                             dtype=np.int64).reshape(-1, self.space.k)
        else:
            c_terms, p_fixed = comp[pairs[:, 0], 0], fixed[0, pairs[:, 1]]
            candidate = (c_terms != ABSENT) & ~p_fixed
            levels = np.where(c_terms == ABSENT, 0, c_terms)
            drop = candidate & self._drop[np.arange(self.space.k)[None, :], levels]
            terms = np.where(drop, ABSENT, c_terms)
        return pairs, terms

    def easy_rows(self, pairs: np.ndarray, terms: np.ndarray, candidates: np.ndarray) -> dict[tuple[int, int], int]:
        """For every pair of :meth:`pair_simplified_terms`: the candidate rows (bitset over
        ``candidates``, row codes) inside its simplified term.

        A model pair's easy counterfactuals are then the OR of its PI pairs' bitsets, masked
        by the parsimonious model's simplifying assumptions: a few integer operations per
        model pair instead of an array computation."""
        if self.expectations.empty or len(candidates) == 0 or len(pairs) == 0:
            return {}
        # in blocks of terms: the whole (pairs x candidates) matrix reached 1.2 GB at random
        # k = 16, n = 10,000 (~20,000 pairs x 58,000 remainders); a block stays ~16 MB
        step = max(1, _EASY_ROWS_BLOCK // max(1, len(candidates)))
        result: dict[tuple[int, int], int] = {}
        for start in range(0, len(pairs), step):
            inside = covers_codes(self.space, terms[start:start + step], candidates)
            packed = np.packbits(inside, axis=1, bitorder="little")
            for (i, j), row in zip(pairs[start:start + step], packed, strict=True):
                result[int(i), int(j)] = int.from_bytes(row.tobytes(), "little")
        return result


_EASY_ROWS_BLOCK = 1 << 24  # (pairs x candidates) booleans per block in easy_rows


class EasyParts:
    """The OR of the (c, p) PI pairs' row bitsets over c in conservative model i and p in
    parsimonious model j, for any (i, j), without ORing every pair for every model pair.

    Models of one solution share most PIs (random k = 16: 64 conservative models, ~23,600
    PI pairs each, all but a few shared, 1.5 million ORs of 7 KB integers = 3.3 s). The
    pairs are split once by whether c is in every conservative model and p in every
    parsimonious one: pairs of shared PIs are ORed once, those with one shared PI once per
    PI, and only pairs of two own PIs are visited per model pair. OR is associative and
    commutative: the bitsets are those of the plain loop, bit for bit."""

    def __init__(self, pair_rows: dict[tuple[int, int], int], c_index: list[set[int]], p_index: list[set[int]]):
        c_shared = set.intersection(*c_index) if c_index else set()
        p_shared = set.intersection(*p_index) if p_index else set()
        self.shared = 0  # c and p shared
        self.by_own_p: dict[int, int] = {}  # own p -> OR over shared c
        self.by_own_c: dict[int, int] = {}  # own c -> OR over shared p
        self.own_pairs: dict[int, list[tuple[int, int]]] = {}  # own c -> (own p, rows)
        for (c, p), rows in pair_rows.items():
            if not rows:
                continue
            if c in c_shared:
                if p in p_shared:
                    self.shared |= rows
                else:
                    self.by_own_p[p] = self.by_own_p.get(p, 0) | rows
            elif p in p_shared:
                self.by_own_c[c] = self.by_own_c.get(c, 0) | rows
            else:
                self.own_pairs.setdefault(c, []).append((p, rows))
        self.own_c = [sorted(rows - c_shared) for rows in c_index]
        self.own_p = [sorted(rows - p_shared) for rows in p_index]
        self.p_index = p_index
        self._per_c: dict[int, int] = {}
        self._per_p: dict[int, int] = {}

    def rows(self, i: int, j: int) -> int:
        per_c = self._per_c.get(i)
        if per_c is None:
            per_c = self.shared
            for c in self.own_c[i]:
                per_c |= self.by_own_c.get(c, 0)
            self._per_c[i] = per_c
        per_p = self._per_p.get(j)
        if per_p is None:
            per_p = 0
            for p in self.own_p[j]:
                per_p |= self.by_own_p.get(p, 0)
            self._per_p[j] = per_p
        result = per_c | per_p
        p_rows = self.p_index[j]
        for c in self.own_c[i]:
            for p, rows in self.own_pairs.get(c, ()):
                if p in p_rows:
                    result |= rows
        return result


def to_bitset(positions: np.ndarray, size: int) -> int:
    """The integer whose bits ``positions`` (of ``size`` bits) are set."""
    bits = np.zeros(size, dtype=bool)
    bits[positions] = True
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def from_bitset(mask: int, size: int) -> np.ndarray:
    """The bits 0..size-1 of ``mask`` as a bool array (``mask`` has no higher bits)."""
    data = np.frombuffer(mask.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(data, bitorder="little")[:size].view(bool)
