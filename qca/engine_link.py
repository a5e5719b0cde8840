"""The one place the app imports the fsQCA engine from.

Everything the app computes about sets goes through these names; the app never does QCA
arithmetic of its own. Only the engine's public API (`qca.engine`, docs/qca.md) is used.
"""

from qca.engine import (Dataset, MinimizeResult, QCAComputationError, QCAError, QCAInputError, QCAWarning,
                        calibrate_crisp, calibrate_direct, configuration_chart, crossover_warnings, minimize,
                        necessity, ols_prescreen, robustness, suggest_anchors, truth_table)

__all__ = ["Dataset", "MinimizeResult", "QCAComputationError", "QCAError", "QCAInputError", "QCAWarning",
           "calibrate_crisp", "calibrate_direct", "configuration_chart", "crossover_warnings", "minimize",
           "necessity", "ols_prescreen", "robustness", "suggest_anchors", "truth_table"]
