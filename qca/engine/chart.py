"""Configuration chart data (the paper's Table 6; Ragin & Fiss notation).

One column per configuration (a term of the chosen model), one row per condition:
``core`` conditions also appear in the parsimonious term that contains the configuration
(the parsimonious solution is the part that holds whatever the counterfactuals), the
other literals are ``peripheral``. A blank cell is a "don't care". The UI draws
``present``/``absent`` as a filled circle / a crossed circle, large for core and small
for peripheral conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError
from .fit import json_number
from .minimize import MinimizeResult, Solution
from .terms import ABSENT


@dataclass
class ChartCell:
    condition: str
    status: str | None  # "present" | "absent" | None (don't care)
    strength: str | None  # "core" | "peripheral" | None
    level: int | None = None

    @property
    def symbol(self) -> str:
        if self.status is None:
            return ""
        return {"present": "●", "absent": "⊗"}[self.status] if self.strength == "core" else {
            "present": "•", "absent": "⊘"}[self.status]

    def to_dict(self) -> dict:
        return {"condition": self.condition, "status": self.status, "strength": self.strength,
                "level": self.level, "symbol": self.symbol}


@dataclass
class ChartConfiguration:
    term: str
    cells: list[ChartCell]
    raw_coverage: float
    unique_coverage: float
    consistency: float
    PRI: float

    def to_dict(self) -> dict:
        return {"term": self.term, "cells": [c.to_dict() for c in self.cells],
                "raw_coverage": json_number(self.raw_coverage),
                "unique_coverage": json_number(self.unique_coverage),
                "consistency": json_number(self.consistency), "PRI": json_number(self.PRI)}


@dataclass
class ConfigurationChart:
    outcome: str
    conditions: list[str]
    model: str
    configurations: list[ChartConfiguration]
    solution_coverage: float
    solution_consistency: float
    solution_PRI: float
    legend: dict = field(default_factory=lambda: {
        "●": "core condition present", "⊗": "core condition absent",
        "•": "peripheral condition present", "⊘": "peripheral condition absent",
        "": "don't care"})

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "conditions": self.conditions, "model": self.model,
                "configurations": [c.to_dict() for c in self.configurations],
                "solution_coverage": json_number(self.solution_coverage),
                "solution_consistency": json_number(self.solution_consistency),
                "solution_PRI": json_number(self.solution_PRI), "legend": self.legend}


def configuration_chart(
    result: MinimizeResult,
    model: int | str = 0,
    parsimonious: MinimizeResult | None = None,
) -> ConfigurationChart:
    """Chart data for one model of ``result`` (index into ``result.models`` or its name).

    For an intermediate result the parsimonious model it came from marks the core
    conditions. For a complex or parsimonious result pass ``parsimonious`` to mark them;
    without it, every literal of a parsimonious result is core and of a complex one peripheral.
    """
    named = result.models
    if isinstance(model, str):
        matches = [i for i, (name, _) in enumerate(named) if name == model]
        if not matches:
            raise QCAInputError(f"no model named {model!r}; models: {', '.join(n for n, _ in named)}")
        model = matches[0]
    if not 0 <= model < len(named):
        raise QCAInputError(f"model index {model} out of range (0..{len(named) - 1})")
    name, chosen = named[model]
    space = result.truth_table.space
    solution = _solution_of(result, model)
    if solution.kind == "intermediate":
        core_terms = [space.parse_term(t) for t in solution.parsimonious_model]
    elif parsimonious is not None:
        core_terms = [space.parse_term(t) for t in {t for _, m in parsimonious.models for t in m.terms}]
    elif solution.kind == "parsimonious":
        core_terms = [space.parse_term(t) for t in chosen.terms]
    else:
        core_terms = []
    configurations = []
    for fit in chosen.terms_fit:
        term = space.parse_term(fit.term)
        core = np.zeros(space.k, dtype=bool)
        for candidate in core_terms:
            fixed = candidate != ABSENT
            if np.all(candidate[fixed] == term[fixed]):
                core |= fixed
        cells = []
        for j, condition in enumerate(space.names):
            level = int(term[j])
            if level == ABSENT:
                cells.append(ChartCell(condition, None, None))
                continue
            status = "absent" if level == 0 else "present"
            cells.append(ChartCell(condition, status, "core" if core[j] else "peripheral", level))
        unique = fit.covU if len(chosen.terms_fit) > 1 else fit.covS
        configurations.append(ChartConfiguration(fit.term, cells, fit.covS, unique, fit.inclS, fit.PRI))
    return ConfigurationChart(result.outcome, list(space.names), name, configurations,
                              chosen.fit.covS, chosen.fit.inclS, chosen.fit.PRI)


def _solution_of(result: MinimizeResult, index: int) -> Solution:
    """The solution of the ``index``-th entry of ``result.models`` -- by position, not by
    identity: (conservative, parsimonious) pairs with the same easy counterfactuals share
    their Model objects, and each pair has its own parsimonious model (its core)."""
    for solution in result.solutions:
        if index < len(solution.models):
            return solution
        index -= len(solution.models)
    raise QCAInputError("the model does not belong to this result")
