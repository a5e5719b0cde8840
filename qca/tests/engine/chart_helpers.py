"""Shared by the chart-solving tests: a whole chart as one block of the cover search."""

from __future__ import annotations

import numpy as np

from qca.engine import cover


def one_block_search(chart: np.ndarray, max_work: int | None = None) -> cover._BlockSearch:
    """The search over every configuration of ``chart`` as one block (no essential PIs or
    dominated configurations taken out first), as ``_minimum_covers`` builds it per block."""
    candidates = cover._column_bitsets(chart)
    column_pis = cover._column_lists(chart)
    block = list(range(chart.shape[1]))
    return cover._BlockSearch(block, candidates, cover._pi_masks(block, column_pis), max_work)
