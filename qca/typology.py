"""Content-strategy typology of sufficient configurations (see docs/qca-app.md).

A configuration is a conjunction of literals; `literals` maps each condition it names to
{"present": bool, ...}. A rule matches when every variable it requires present is present in
the configuration and every variable it requires absent is absent. Rules are tried by
priority; the first match wins; no match is "unclassified".

Defaults follow the paper's typology: configurations requiring expressive titles *and*
innovation are pan-life (its configurations 1 and 2); those requiring their absence are
pan-knowledge (its configuration 3).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_RULES = (
    {"name": "Pan-life: expressive titles and innovation", "strategy": "pan_life",
     "present": ["title_information", "innovation"], "absent": [], "priority": 10,
     "description": "Rich, close-to-the-audience narrative: the title asks or exclaims, the theme is new."},
    {"name": "Pan-knowledge: plain titles, familiar themes", "strategy": "pan_knowledge",
     "present": [], "absent": ["title_information", "innovation"], "priority": 20,
     "description": "Simple narrative carrying high-context culture implicitly: a statement title, a familiar theme."},
)


@dataclass(frozen=True)
class RuleSpec:
    strategy: str
    present: tuple[str, ...]
    absent: tuple[str, ...]
    ref: object = None  # the TypologyRule row, when there is one


def parse_term(term: str) -> dict[str, dict]:
    """``A*~B`` -> {"A": {"present": True}, "B": {"present": False}} (binary notation)."""
    literals = {}
    for part in term.split("*"):
        part = part.strip()
        if not part or part == "1":
            continue
        negated = part.startswith("~")
        literals[part.lstrip("~").strip()] = {"present": not negated}
    return literals


def literals_from_chart(configuration: dict) -> dict[str, dict]:
    """The literals of one configuration of the engine's chart data, with the core mark:
    {"A": {"present": True, "core": True}, "B": {"present": False, "core": False}}."""
    return {cell["condition"]: {"present": cell["status"] == "present", "core": cell["strength"] == "core"}
            for cell in configuration["cells"] if cell["status"] is not None}


def classify(literals: dict[str, dict], rules: list[RuleSpec], keys: dict[str, str] | None = None):
    """(strategy, matching rule or None). `keys` maps a column to its codebook variable key."""
    keys = keys or {}
    by_key = {keys.get(column, column): spec["present"] for column, spec in literals.items()}
    for rule in rules:
        if not rule.present and not rule.absent:
            continue
        if all(by_key.get(k) is True for k in rule.present) and all(by_key.get(k) is False for k in rule.absent):
            return rule.strategy, rule.ref
    return "unclassified", None


def rules_from_rows(rows) -> list[RuleSpec]:
    return [RuleSpec(r.strategy, tuple(r.present), tuple(r.absent), r) for r in rows if r.active]


def default_rule_specs() -> list[RuleSpec]:
    return [RuleSpec(d["strategy"], tuple(d["present"]), tuple(d["absent"])) for d in DEFAULT_RULES]
