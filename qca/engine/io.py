"""Input data: a validated table of set memberships.

A :class:`Dataset` holds one column per set (conditions and outcomes) and one row
per case. Column kinds are inferred the way R's QCA does it:

* ``fuzzy``      -- at least one non-integer value; all values must lie in [0, 1];
* ``crisp``      -- only the integers 0 and 1;
* ``multivalue`` -- integers 0, 1, ..., L-1 with L > 2 (levels = max + 1).
"""

from __future__ import annotations

import csv
import io as _stdio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import QCAInputError

# Integer columns with more levels than this are almost certainly raw, uncalibrated data.
MAX_MULTIVALUE_LEVELS = 20
MISSING_TOKENS = {"", "na", "nan", "null", "none", "."}


def _describe_rows(case_names: Sequence[str], rows: Sequence[int], limit: int = 10) -> str:
    shown = [f"{case_names[r]} (row {r + 1})" for r in rows[:limit]]
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ", ".join(shown) + more


@dataclass
class Dataset:
    """Validated membership data. ``values`` has shape (cases, columns)."""

    columns: list[str]
    values: np.ndarray
    case_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.columns = [str(c).strip() for c in self.columns]
        self.values = np.asarray(self.values, dtype=float)
        if self.values.ndim != 2 or self.values.shape[1] != len(self.columns):
            raise QCAInputError(
                f"data has shape {self.values.shape} but {len(self.columns)} column names"
            )
        if not self.case_names:
            self.case_names = [str(i + 1) for i in range(self.values.shape[0])]
        self.case_names = [str(c) for c in self.case_names]
        if len(self.case_names) != self.values.shape[0]:
            raise QCAInputError("the number of case names differs from the number of rows")
        if self.values.shape[0] == 0:
            raise QCAInputError("the data has no cases")
        self._validate()

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_columns(
        cls, columns: Mapping[str, Sequence[float]], case_names: Sequence[str] | None = None
    ) -> Dataset:
        names = list(columns)
        lengths = {len(columns[n]) for n in names}
        if len(lengths) > 1:
            raise QCAInputError("all columns must have the same number of cases")
        values = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
        return cls(names, values, list(case_names or []))

    @classmethod
    def from_dataframe(cls, frame) -> Dataset:  # pandas is optional for callers
        return cls(list(frame.columns), frame.to_numpy(dtype=float), [str(i) for i in frame.index])

    @classmethod
    def from_csv(cls, path_or_text: str | Path, *, is_text: bool = False) -> Dataset:
        """Read a CSV with a header row and an optional first column ``case``."""
        if is_text:
            text = str(path_or_text)
        else:
            path = Path(path_or_text)
            if not path.exists():
                raise QCAInputError(f"data file not found: {path}")
            text = path.read_text(encoding="utf-8-sig")
        rows = [r for r in csv.reader(_stdio.StringIO(text)) if any(cell.strip() for cell in r)]
        if len(rows) < 2:
            raise QCAInputError("the CSV needs a header row and at least one case")
        header = [h.strip() for h in rows[0]]
        has_case = header[0].lower() in {"case", "cases", ""}
        names = header[1:] if has_case else header
        case_names: list[str] = []
        values = np.empty((len(rows) - 1, len(names)))
        bad_cells: list[str] = []
        for i, row in enumerate(rows[1:]):
            if len(row) != len(header):
                raise QCAInputError(
                    f"CSV line {i + 2} has {len(row)} fields, the header has {len(header)}"
                )
            if has_case:
                case_names.append(row[0].strip())
                row = row[1:]
            for j, cell in enumerate(row):
                token = cell.strip()
                if token.lower() in MISSING_TOKENS:
                    values[i, j] = math.nan
                    continue
                try:
                    values[i, j] = float(token)
                except ValueError:
                    bad_cells.append(f"line {i + 2}, column {names[j]!r}: {token!r}")
        if bad_cells:
            raise QCAInputError("non-numeric values: " + "; ".join(bad_cells[:10]))
        return cls(names, values, case_names)

    # -- validation -----------------------------------------------------------------------
    def _validate(self) -> None:
        seen: set[str] = set()
        duplicates = sorted({c for c in self.columns if c in seen or seen.add(c)})
        if duplicates:
            raise QCAInputError(f"duplicate column names: {', '.join(duplicates)}")
        if any(not c for c in self.columns):
            raise QCAInputError("a column has an empty name")
        missing = np.isnan(self.values)
        if missing.any():
            parts = []
            for j in np.flatnonzero(missing.any(axis=0)):
                rows = np.flatnonzero(missing[:, j]).tolist()
                parts.append(f"{self.columns[j]!r} in {_describe_rows(self.case_names, rows)}")
            raise QCAInputError("missing values: " + "; ".join(parts))
        for j, name in enumerate(self.columns):
            col = self.values[:, j]
            if np.any(col < 0):
                rows = np.flatnonzero(col < 0).tolist()
                raise QCAInputError(
                    f"column {name!r} has negative values in {_describe_rows(self.case_names, rows)}"
                )
            is_integer = np.all(col == np.round(col))
            if not is_integer and np.any(col > 1):
                rows = np.flatnonzero(col > 1).tolist()
                raise QCAInputError(
                    f"column {name!r} has fuzzy memberships outside [0, 1] in "
                    f"{_describe_rows(self.case_names, rows)}"
                )
            if is_integer and col.max() + 1 > MAX_MULTIVALUE_LEVELS:
                raise QCAInputError(
                    f"column {name!r} holds integers up to {int(col.max())}: it looks "
                    "uncalibrated; calibrate it first (calibrate_direct / calibrate_crisp)"
                )

    # -- accessors ------------------------------------------------------------------------
    @property
    def n_cases(self) -> int:
        return self.values.shape[0]

    def index_of(self, name: str) -> int:
        try:
            return self.columns.index(name)
        except ValueError:
            raise QCAInputError(
                f"unknown column {name!r}; available: {', '.join(self.columns)}"
            ) from None

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.index_of(name)]

    def kind(self, name: str) -> str:
        col = self.column(name)
        if not np.all(col == np.round(col)):
            return "fuzzy"
        return "multivalue" if col.max() > 1 else "crisp"

    def levels(self, name: str) -> int:
        """Number of levels in a truth table: 2 for fuzzy and crisp sets."""
        if self.kind(name) == "multivalue":
            return int(self.column(name).max()) + 1
        return 2


def parse_name_list(text: str | Sequence[str] | None) -> list[str]:
    """Split ``"A, B,C"`` (or pass a list through), dropping blanks."""
    if text is None:
        return []
    items = text.split(",") if isinstance(text, str) else list(text)
    return [str(item).strip() for item in items if str(item).strip()]
