"""The default research codebook (the paper's Table 4), shipped as data.

``data/default_codebook.json`` is the single source; the Django side copies it
into an institution's ``Codebook``/``Variable`` rows (data migration or
``copy_default_codebook`` service). This loader validates the file so a bad
edit fails in tests, not in a migration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Kind = Literal["binary", "ordinal", "continuous"]
Source = Literal["coder", "harvested", "computed", "suggested"]
Expectation = Literal["present", "absent", "none"]

KINDS = ("binary", "ordinal", "continuous")
SOURCES = ("coder", "harvested", "computed", "suggested")
EXPECTATIONS = ("present", "absent", "none")
DIMENSIONS = ("information_source", "content", "receiver", "outcome")
DEFAULT_CODEBOOK_PATH = Path(__file__).resolve().parent / "data" / "default_codebook.json"


@dataclass(frozen=True)
class Level:
    value: int
    label: str


@dataclass(frozen=True)
class VariableSpec:
    key: str
    dimension: str
    label: str
    kind: Kind
    levels: tuple[Level, ...]
    instructions: str
    source: Source
    expectation: Expectation  # directional expectation default for the QCA intermediate solution
    is_outcome: bool = False
    unit: str | None = None
    harvest_field: str | None = None  # where a harvested value comes from

    @property
    def level_values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)


@dataclass(frozen=True)
class CodebookSpec:
    name: str
    version: int
    description: str
    variables: tuple[VariableSpec, ...]

    def variable(self, key: str) -> VariableSpec:
        for variable in self.variables:
            if variable.key == key:
                return variable
        raise KeyError(key)

    @property
    def outcome(self) -> VariableSpec:
        return next(v for v in self.variables if v.is_outcome)

    @property
    def conditions(self) -> tuple[VariableSpec, ...]:
        return tuple(v for v in self.variables if not v.is_outcome)


def parse_codebook(data: dict[str, Any]) -> CodebookSpec:
    """Validate and convert a codebook document (the JSON shape) into specs."""
    variables = tuple(_variable(raw) for raw in data["variables"])
    keys = [v.key for v in variables]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate variable keys")
    if sum(v.is_outcome for v in variables) != 1:
        raise ValueError("a codebook needs exactly one outcome variable")
    return CodebookSpec(str(data["name"]), int(data["version"]), str(data.get("description", "")), variables)


@lru_cache(maxsize=1)
def default_codebook() -> CodebookSpec:
    return parse_codebook(json.loads(DEFAULT_CODEBOOK_PATH.read_text(encoding="utf-8")))


def _variable(raw: dict[str, Any]) -> VariableSpec:
    spec = VariableSpec(
        key=raw["key"],
        dimension=raw["dimension"],
        label=raw["label"],
        kind=raw["kind"],
        levels=tuple(Level(int(level["value"]), str(level["label"])) for level in raw.get("levels", [])),
        instructions=raw["instructions"].strip(),
        source=raw["source"],
        expectation=raw.get("expectation", "none"),
        is_outcome=bool(raw.get("is_outcome", False)),
        unit=raw.get("unit"),
        harvest_field=raw.get("harvest_field"),
    )
    checks = [
        (spec.kind in KINDS, f"kind {spec.kind!r}"),
        (spec.source in SOURCES, f"source {spec.source!r}"),
        (spec.expectation in EXPECTATIONS, f"expectation {spec.expectation!r}"),
        (spec.dimension in DIMENSIONS, f"dimension {spec.dimension!r}"),
        (spec.kind == "continuous" or len(spec.levels) >= 2, "categorical variable needs ≥ 2 levels"),
        (spec.kind != "binary" or spec.level_values == (0, 1), "binary levels must be 0 and 1"),
        (bool(spec.instructions), "coding instructions are required"),
    ]
    for ok, what in checks:
        if not ok:
            raise ValueError(f"variable {spec.key!r}: invalid {what}")
    return spec
