"""Boolean terms over a set of conditions, and R QCA's notation for them.

A *term* (conjunction, implicant) is an integer vector with one entry per condition:
``-1`` when the condition is absent (don't care), otherwise the level it must take
(0/1 for crisp and fuzzy sets, 0..L-1 for multi-value sets). Terms are written as in
R's QCA (>= 3): ``A*~B`` for binary data and ``A[2]*B[0]`` when any condition is
multi-value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import QCAInputError

ABSENT = -1
_BRACKET = re.compile(r"^(~?)([^\[\]~*]+)\[([0-9,\s]+)\]$")


@dataclass(frozen=True)
class ConditionSpace:
    """Names and numbers of levels of the conditions of one analysis."""

    names: tuple[str, ...]
    levels: tuple[int, ...]

    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def multivalue(self) -> bool:
        return any(level > 2 for level in self.levels)

    @property
    def n_rows(self) -> int:
        return int(np.prod(self.levels, dtype=np.int64))

    @property
    def radix(self) -> np.ndarray:
        """Place values of each condition in a row code (first condition most significant)."""
        weights = np.ones(self.k, dtype=np.int64)
        for j in range(self.k - 2, -1, -1):
            weights[j] = weights[j + 1] * self.levels[j + 1]
        return weights

    # -- rows -----------------------------------------------------------------------------
    def encode(self, configurations: np.ndarray) -> np.ndarray:
        """Row codes (0-based) of configurations; R's row id is code + 1."""
        return np.asarray(configurations, dtype=np.int64) @ self.radix

    def decode(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        levels = np.asarray(self.levels, dtype=np.int64)
        return (codes[:, None] // self.radix[None, :]) % levels[None, :]

    # -- notation -------------------------------------------------------------------------
    def literal(self, condition: int, level: int) -> str:
        name = self.names[condition]
        if self.multivalue:
            return f"{name}[{level}]"
        return name if level == 1 else f"~{name}"

    def to_string(self, term: np.ndarray | tuple[int, ...]) -> str:
        parts = [self.literal(j, int(v)) for j, v in enumerate(term) if v != ABSENT]
        return "*".join(parts) if parts else "1"

    def to_strings(self, terms: np.ndarray) -> list[str]:
        """:meth:`to_string` of many terms by lookup: the conditions are cut into chunks of
        at most ``NAME_CHUNK_CELLS`` literal combinations, each combination's text (with a
        trailing ``*``) is built once per space, and a term's name is its chunks' texts
        concatenated (k = 16: three lookups per term instead of a join over 16 entries)."""
        terms = np.asarray(terms, dtype=np.int64).reshape(-1, self.k)
        if len(terms) == 0:
            return []
        columns = [
            [table[code] for code in ((terms[:, start:stop] + 1) @ weights).tolist()]
            for start, stop, weights, table in _name_chunks(self)
        ]
        if len(columns) == 1:
            return [text[:-1] or "1" for text in columns[0]]
        return ["".join(parts)[:-1] or "1" for parts in zip(*columns)]

    def configuration_string(self, row: np.ndarray) -> str:
        return self.to_string(row)

    def sort_key(self, term: np.ndarray | tuple[int, ...]) -> tuple:
        """admisc::sortExpressions order: fewer literals first, then condition by condition
        with lower levels first (~X before X) and an absent condition last."""
        values = tuple(int(v) for v in term)
        n_literals = sum(v != ABSENT for v in values)
        return (n_literals, tuple(v if v != ABSENT else 10**6 for v in values))

    def sort_terms(self, terms: np.ndarray) -> np.ndarray:
        if len(terms) == 0:
            return terms.reshape(0, self.k)
        # sort_key's order, by one stable lexsort (last key first): literals, then the conditions
        terms = np.asarray(terms)
        values = np.where(terms == ABSENT, 10**6, terms)
        literals = np.count_nonzero(terms != ABSENT, axis=1)
        order = np.lexsort(tuple(values[:, j] for j in range(self.k - 1, -1, -1)) + (literals,))
        return terms[order]

    def parse_literal(self, text: str) -> tuple[int, list[int]]:
        """``A`` / ``~A`` / ``A[1]`` / ``A[1,2]`` -> (condition index, allowed levels)."""
        text = text.strip()
        match = _BRACKET.match(text)
        if match:
            negated, name, values = match.groups()
            j = self._index(name.strip())
            levels = sorted({int(v) for v in values.split(",") if v.strip()})
            if any(v >= self.levels[j] for v in levels):
                raise QCAInputError(f"{text!r}: {name} has levels 0..{self.levels[j] - 1}")
            if negated:
                levels = [v for v in range(self.levels[j]) if v not in levels]
            return j, levels
        negated = text.startswith("~")
        name = text[1:].strip() if negated else text
        j = self._index(name)
        if self.levels[j] > 2:
            raise QCAInputError(f"{text!r}: multi-value condition {name} needs a level, e.g. {name}[1]")
        return j, [0] if negated else [1]

    def parse_term(self, text: str) -> np.ndarray:
        """Parse a conjunction such as ``A*~B`` (each literal must name a single level)."""
        term = np.full(self.k, ABSENT, dtype=np.int64)
        for part in text.split("*"):
            j, levels = self.parse_literal(part)
            if len(levels) != 1:
                raise QCAInputError(f"{part!r} names several levels; not allowed in a term")
            if term[j] != ABSENT and term[j] != levels[0]:
                raise QCAInputError(f"{text!r} is contradictory in {self.names[j]}")
            term[j] = levels[0]
        return term

    def _index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise QCAInputError(
                f"unknown condition {name!r}; conditions: {', '.join(self.names)}"
            ) from None


NAME_CHUNK_CELLS = 1024  # entries of one chunk's lookup table in ConditionSpace.to_strings


@lru_cache(maxsize=32)
def _name_chunks(space: ConditionSpace) -> list[tuple[int, int, np.ndarray, list[str]]]:
    """Per chunk of conditions: its bounds, the weights that give a term's code in the chunk
    (digit = entry + 1, ABSENT -> 0) and the text of every code ("" or literals, each
    followed by ``*``)."""
    chunks, start = [], 0
    while start < space.k:
        stop, cells = start + 1, space.levels[start] + 1
        while stop < space.k and cells * (space.levels[stop] + 1) <= NAME_CHUNK_CELLS:
            cells *= space.levels[stop] + 1
            stop += 1
        table = [""]
        for j in range(start, stop):
            options = [""] + [space.literal(j, v) + "*" for v in range(space.levels[j])]
            table = [text + option for text in table for option in options]
        digits = np.array([level + 1 for level in space.levels[start:stop]], dtype=np.int64)
        weights = np.ones(stop - start, dtype=np.int64)
        for position in range(stop - start - 2, -1, -1):
            weights[position] = weights[position + 1] * digits[position + 1]
        chunks.append((start, stop, weights, table))
        start = stop
    return chunks


def covers(terms: np.ndarray, configurations: np.ndarray) -> np.ndarray:
    """Boolean matrix (terms x configurations): does the term contain the configuration?"""
    terms = np.asarray(terms)
    configurations = np.asarray(configurations)
    if len(terms) == 0 or len(configurations) == 0:
        return np.zeros((len(terms), len(configurations)), dtype=bool)
    result = np.ones((len(terms), len(configurations)), dtype=bool)
    for j in range(terms.shape[1]):
        fixed = terms[:, j][:, None]
        result &= (fixed == ABSENT) | (fixed == configurations[:, j][None, :])
    return result


def covers_codes(space: ConditionSpace, terms: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Like :func:`covers`, for configurations given as row codes.

    For binary conditions a term is a (mask, value) pair over the bits of the row code,
    so the test is one AND and one comparison per (term, row) instead of k comparisons.
    """
    terms = np.asarray(terms, dtype=np.int64).reshape(-1, space.k)
    codes = np.asarray(codes, dtype=np.int64)
    if space.multivalue:
        return covers(terms, space.decode(codes))
    fixed = terms != ABSENT
    radix = space.radix
    mask = fixed.astype(np.int64) @ radix
    value = np.where(fixed, terms, 0) @ radix
    # the narrowest integer type, and blocks of terms whose temporary stays small: one
    # (terms x rows) int64 temporary is slow to allocate (k = 16, 666 x 64,284: 1.3 s vs 0.03 s)
    dtype = np.uint16 if space.k <= 16 else np.uint32 if space.k <= 32 else np.int64
    codes, mask, value = codes.astype(dtype), mask.astype(dtype), value.astype(dtype)
    result = np.empty((len(terms), len(codes)), dtype=bool)
    step = max(1, _COVER_BLOCK // max(1, len(codes)))
    scratch = np.empty((min(step, len(terms)), len(codes)), dtype=dtype)
    for start in range(0, len(terms), step):
        block = scratch[: min(step, len(terms) - start)]
        np.bitwise_and(codes[None, :], mask[start:start + step, None], out=block)
        np.equal(block, value[start:start + step, None], out=result[start:start + step])
    return result


_COVER_BLOCK = 1 << 20  # elements of the temporary in covers_codes
