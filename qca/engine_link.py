"""The one place the app imports the fsQCA engine from.

Everything the app computes about sets goes through these names; the app never does QCA
arithmetic of its own. (Temporary: while the engine's package still re-exports only part of
its API, the calibration and necessity functions are imported from their modules.)
"""

from qca.engine import (Dataset, MinimizeResult, QCAComputationError, QCAError, QCAInputError, QCAWarning,
                        minimize, truth_table)

try:
    from qca.engine import calibrate_crisp, calibrate_direct, crossover_warnings, necessity, suggest_anchors
except ImportError:  # pragma: no cover - until qca.engine re-exports them
    from qca.engine.calibrate import calibrate_crisp, calibrate_direct, crossover_warnings, suggest_anchors
    from qca.engine.necessity import necessity

__all__ = ["Dataset", "MinimizeResult", "QCAComputationError", "QCAError", "QCAInputError", "QCAWarning",
           "calibrate_crisp", "calibrate_direct", "crossover_warnings", "minimize", "necessity",
           "suggest_anchors", "truth_table"]
