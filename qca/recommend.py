"""Recommendations for a planned video.

The planned raw codes are calibrated exactly as the study's cases were (the analysis's frozen
calibrations, through the engine). A video's membership in a configuration is the minimum over
the configuration's literals (x for a present condition, 1 - x for an absent one). For each
configuration we propose the smallest set of changes: every literal at or below 0.5 is moved to
a value on the right side of its calibration (a level label for coded variables, a value for
continuous ones); the changed codes are then recalibrated and the membership recomputed, and a
change list is kept only if that recomputation puts the video above 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .calibration import calibrate

THRESHOLD = 0.5


@dataclass
class ConfigurationFit:
    position: int
    term: str
    strategy: str
    membership: float
    changes: list[dict] = field(default_factory=list)
    membership_after: float | None = None
    configuration: object = None


@dataclass
class Advice:
    codes: dict[str, float]
    fits: list[ConfigurationFit]

    @property
    def nearest(self) -> ConfigurationFit | None:
        if not self.fits:
            return None
        # Highest membership; among equals the one needing fewest changes, then the more consistent.
        return max(self.fits, key=lambda f: (round(f.membership, 9), -len(f.changes),
                                             getattr(f.configuration, "consistency", 0) or 0))


class Recommender:
    def __init__(self, result):
        self.result = result
        self.analysis = result.analysis
        self.study = self.analysis.study
        self.columns = {c["name"]: c for c in self.study.data["columns"]}
        self.conditions = {c.column: c for c in self.study.conditions.all()}

    def required_columns(self) -> list[str]:
        return list(self.analysis.conditions)

    def clean_codes(self, codes: dict) -> dict[str, float]:
        errors, clean = {}, {}
        for column in self.required_columns():
            raw = codes.get(column)
            try:
                clean[column] = float(raw)
            except (TypeError, ValueError):
                errors[column] = f"{self._label(column)}: enter a number" if raw in (None, "") else \
                    f"{self._label(column)}: {raw!r} is not a number"
        if errors:
            raise ValidationError(errors)
        return clean

    def membership(self, column: str, value: float) -> float:
        """Calibrate one planned value alongside the study's values (same anchors, same method)."""
        spec = self.analysis.calibrations[column]
        values = list(self.study.column_values(column)) + [value]
        return calibrate(values, spec["method"], spec["anchors"], label=column).memberships[-1]

    def literal_membership(self, column: str, present: bool, value: float) -> float:
        x = self.membership(column, value)
        return x if present else 1.0 - x

    def configuration_membership(self, literals: dict, codes: dict[str, float]) -> float:
        return min((self.literal_membership(c, spec["present"], codes[c]) for c, spec in literals.items()),
                   default=1.0)

    def advise(self, codes: dict) -> Advice:
        codes = self.clean_codes(codes)
        fits = []
        for configuration in self.result.configurations.all():
            membership = self.configuration_membership(configuration.literals, codes)
            fit = ConfigurationFit(configuration.position, configuration.term, configuration.strategy,
                                   membership, configuration=configuration)
            if membership <= THRESHOLD:
                fit.changes, fit.membership_after = self._lift(configuration.literals, codes)
            fits.append(fit)
        return Advice(codes=codes, fits=fits)

    def _lift(self, literals: dict, codes: dict[str, float]) -> tuple[list[dict], float | None]:
        changed, changes = dict(codes), []
        for column, spec in literals.items():
            if self.literal_membership(column, spec["present"], codes[column]) > THRESHOLD:
                continue
            target = self._target_value(column, spec["present"], codes[column])
            if target is None:
                return [], None
            changed[column] = target
            changes.append(self._describe(column, codes[column], target, spec["present"]))
        after = self.configuration_membership(literals, changed)
        if after <= THRESHOLD:  # the proposal must really lift the video; otherwise propose nothing
            return [], after
        return changes, after

    def _target_value(self, column: str, present: bool, current: float) -> float | None:
        """The closest value whose literal membership is above 0.5, preferring the codebook's levels."""
        spec = self.analysis.calibrations[column]
        levels = [float(v) for v in self.columns.get(column, {}).get("levels", {})]
        if spec["method"] == "direct":
            e, c, i = (spec["anchors"][k] for k in ("e", "c", "i"))
            # halfway from the crossover to the anchor on the wanted side: comfortably above 0.5
            candidates = levels + [round((c + i) / 2 if present else (c + e) / 2, 4)]
        else:
            candidates = levels + sorted(set(self.study.column_values(column)))
        good = [v for v in candidates if self.literal_membership(column, present, v) > THRESHOLD]
        return min(good, key=lambda v: abs(v - current)) if good else None

    def _label(self, column: str) -> str:
        condition = self.conditions.get(column)
        return condition.label if condition else self.columns.get(column, {}).get("label", column)

    def _level_word(self, column: str, value: float) -> str | None:
        levels = self.columns.get(column, {}).get("levels", {})
        key = str(int(value)) if float(value).is_integer() else str(value)
        return levels.get(key)

    def _describe(self, column: str, before: float, after: float, present: bool) -> dict:
        label = self._label(column)
        word_before, word_after = self._level_word(column, before), self._level_word(column, after)
        unit = self.columns.get(column, {}).get("unit") or ""
        if word_after:
            text = f"{label}: change from “{word_before or f'{before:g}'}” to “{word_after}”"
        else:
            direction = "raise" if after > before else "lower"
            text = f"{label}: {direction} from {before:g} to {after:g}{(' ' + unit) if unit else ''}"
        return {"column": column, "from": before, "to": after, "present": present, "text": text}
