"""fsQCA engine: calibration, necessity, truth tables, minimisation, robustness.

Plain Python + numpy (scipy, statsmodels); no Django. Definitions follow R's QCA package
(Adrian Dusa), version 3.25. docs/qca.md documents the formulas, this API and the JSON
schema of every ``to_dict()``.
"""

from .calibrate import (
    FSQCA_IDM,
    AnchorSuggestion,
    calibrate_crisp,
    calibrate_direct,
    calibrate_indirect,
    calibrate_tfr,
    crossover_warnings,
    suggest_anchors,
)
from .chart import ConfigurationChart, configuration_chart
from .errors import QCAComputationError, QCAError, QCAInputError, QCAWarning
from .fit import necessity_fit, sufficiency_fit
from .io import Dataset
from .minimize import MinimizeResult, Model, Solution, minimize
from .necessity import NecessityResult, necessity, superset_necessity
from .regression import OLSResult, ols_prescreen
from .robustness import RobustnessResult, robustness
from .truthtable import TruthTable, TruthTableRow, truth_table

__all__ = [
    "FSQCA_IDM",
    "AnchorSuggestion",
    "ConfigurationChart",
    "Dataset",
    "MinimizeResult",
    "Model",
    "NecessityResult",
    "OLSResult",
    "QCAComputationError",
    "QCAError",
    "QCAInputError",
    "QCAWarning",
    "RobustnessResult",
    "Solution",
    "TruthTable",
    "TruthTableRow",
    "calibrate_crisp",
    "calibrate_direct",
    "calibrate_indirect",
    "calibrate_tfr",
    "configuration_chart",
    "crossover_warnings",
    "minimize",
    "necessity",
    "necessity_fit",
    "ols_prescreen",
    "robustness",
    "sufficiency_fit",
    "suggest_anchors",
    "superset_necessity",
    "truth_table",
]
