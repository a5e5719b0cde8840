"""Regression pre-screening (paper §IV.A.1) -- a helper for choosing conditions, not QCA.

OLS of the outcome on candidate conditions (statsmodels), with coefficients, standard
errors, t and p values and variance inflation factors, so that researchers can drop
conditions with no association or strong collinearity before building a truth table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import QCAInputError, QCAWarning
from .fit import json_number
from .io import Dataset, parse_name_list


@dataclass
class Coefficient:
    name: str
    estimate: float
    std_error: float
    t_value: float
    p_value: float
    vif: float | None

    def to_dict(self) -> dict:
        return {k: (json_number(v) if isinstance(v, float) else v) for k, v in vars(self).items()}


@dataclass
class OLSResult:
    outcome: str
    n: int
    r_squared: float
    adj_r_squared: float
    f_pvalue: float
    coefficients: list[Coefficient]
    warnings: list[QCAWarning] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "n": self.n, "r_squared": json_number(self.r_squared),
                "adj_r_squared": json_number(self.adj_r_squared), "f_pvalue": json_number(self.f_pvalue),
                "coefficients": [c.to_dict() for c in self.coefficients],
                "warnings": [w.to_dict() for w in self.warnings],
                "note": "OLS pre-screening helper; not part of QCA proper"}


def ols_prescreen(dataset: Dataset, outcome: str, candidates, vif_warning: float = 10.0) -> OLSResult:
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    names = parse_name_list(candidates)
    if not names:
        raise QCAInputError("no candidate conditions given")
    if outcome in names:
        raise QCAInputError(f"the outcome {outcome!r} is also listed among the candidates")
    y = dataset.column(outcome)
    x = np.column_stack([dataset.column(n) for n in names])
    if dataset.n_cases <= len(names) + 1:
        raise QCAInputError(f"{dataset.n_cases} cases are too few for {len(names)} predictors")
    design = sm.add_constant(x, has_constant="add")
    fitted = sm.OLS(y, design).fit()
    warnings = []
    coefficients = []
    for position, name in enumerate(["const", *names]):
        vif = None
        if position > 0 and len(names) > 1:
            vif = float(variance_inflation_factor(design, position))
            if vif > vif_warning:
                warnings.append(QCAWarning("collinearity", f"{name}: VIF {vif:.1f} > {vif_warning}"))
        coefficients.append(Coefficient(name, float(fitted.params[position]), float(fitted.bse[position]),
                                        float(fitted.tvalues[position]), float(fitted.pvalues[position]), vif))
    return OLSResult(outcome, dataset.n_cases, float(fitted.rsquared), float(fitted.rsquared_adj),
                     float(fitted.f_pvalue), coefficients, warnings)
