"""Dissemination effect: 0.5·views + 0.3·likes + 0.2·comments, each normalised first.

Normalisation: min–max of log1p within the study population (the videos passed
in). View counts are heavy-tailed (the paper's sample starts at 1 million and
runs to hundreds of millions); a linear min–max would press every video but
the top few towards 0, and weighting components in different units (views are
~100× likes) is meaningless without putting them on one scale. log1p keeps 0
finite; min–max maps each component to [0, 1], which fsQCA calibration expects.
A component that is constant across the population carries no information and
is set to 0.5 for every video.

Missing likes (hidden) or comments (disabled): the effect is the weighted mean of
the components that are present, weights renormalised to sum to 1
(e.g. likes hidden → (0.5·v + 0.2·c) / 0.7), and the row is flagged ``partial``.
Imputing 0 would punish a video for a setting of its owner. A video without a
views value gets no effect (NaN) and does not enter the normalisation bounds.

"As of" a date: per video the latest snapshot captured on or before that date,
so a study recomputed later gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

COMPONENTS = ("views", "likes", "comments")
DEFAULT_WEIGHTS: Mapping[str, float] = {"views": 0.5, "likes": 0.3, "comments": 0.2}
Method = Literal["minmax_log1p", "minmax", "rank"]
CONSTANT_COMPONENT_VALUE = 0.5


def snapshots_as_of(snapshots: pd.DataFrame, *, as_of: date) -> pd.DataFrame:
    """Latest snapshot per video with ``captured_on <= as_of``.

    ``snapshots`` needs columns video_id, captured_on, views, likes, comments.
    Returns one row per video (index video_id) with those columns.
    """
    frame = snapshots.loc[:, ["video_id", "captured_on", *COMPONENTS]].copy()
    frame["captured_on"] = pd.to_datetime(frame["captured_on"]).dt.date
    frame = frame[frame["captured_on"] <= as_of]
    latest = frame.sort_values(["video_id", "captured_on"]).groupby("video_id", sort=True).tail(1)
    return latest.set_index("video_id")


def normalise(values: pd.Series, *, method: Method = "minmax_log1p") -> pd.Series:
    """Map a component to [0, 1] within the population; NaN stays NaN."""
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    if method == "rank":
        return numeric.rank(pct=True, method="average")
    scaled = np.log1p(numeric.clip(lower=0)) if method == "minmax_log1p" else numeric
    low, high = scaled.min(skipna=True), scaled.max(skipna=True)
    if pd.isna(low):
        return scaled
    if high == low:
        return scaled.where(scaled.isna(), CONSTANT_COMPONENT_VALUE)
    return (scaled - low) / (high - low)


def dissemination_effect(
    snapshots: pd.DataFrame,
    *,
    as_of: date,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    method: Method = "minmax_log1p",
) -> pd.DataFrame:
    """Effect per video as of a date.

    Returns a frame indexed by video_id with captured_on, the raw components,
    ``norm_<component>``, ``effect`` (NaN when views are missing), ``partial``
    (True when likes or comments were missing and weights were renormalised) and
    ``missing`` (comma-separated names of the missing components, "" if none).
    """
    if abs(sum(weights.values()) - 1.0) > 1e-9:
        raise ValueError("weights must sum to 1")
    frame = snapshots_as_of(snapshots, as_of=as_of)
    weight = pd.Series({c: float(weights.get(c, 0.0)) for c in COMPONENTS})
    # Only videos with a views value belong to the population that sets the bounds.
    scored = frame[frame["views"].notna()]
    norms = pd.DataFrame(
        {c: normalise(scored[c], method=method) for c in COMPONENTS}, index=scored.index
    ).reindex(frame.index)
    present = norms.notna()
    used_weight = present.mul(weight, axis=1).sum(axis=1)
    weighted = norms.fillna(0.0).mul(weight, axis=1).sum(axis=1)
    effect = (weighted / used_weight).where(present["views"])
    result = frame.copy()
    for component in COMPONENTS:
        result[f"norm_{component}"] = norms[component]
    result["effect"] = effect
    missing = ~present.loc[:, ["likes", "comments"]]
    result["partial"] = missing.any(axis=1) & present["views"]
    result["missing"] = missing.apply(lambda row: ",".join(row.index[row]), axis=1) if len(result) else ""
    return result
