import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from dissemination.effect import dissemination_effect, normalise, snapshots_as_of


def snaps(rows):
    return pd.DataFrame(rows, columns=["video_id", "captured_on", "views", "likes", "comments"])


def test_latest_snapshot_on_or_before_the_date():
    frame = snaps([
        ("a", "2024-01-01", 10, 1, 1),
        ("a", "2024-01-05", 20, 2, 2),
        ("a", "2024-01-09", 99, 9, 9),  # after as_of: ignored
        ("b", "2024-01-10", 5, 1, 1),  # only after as_of: b absent
    ])
    latest = snapshots_as_of(frame, as_of=date(2024, 1, 5))
    assert list(latest.index) == ["a"] and latest.loc["a", "views"] == 20


def test_minmax_of_log1p():
    values = pd.Series([0, 9, 99, 999])
    expected = np.log1p(values) / np.log1p(999)
    assert normalise(values).tolist() == pytest.approx(expected.tolist())
    assert normalise(pd.Series([7, 7, None])).tolist()[:2] == [0.5, 0.5]
    assert math.isnan(normalise(pd.Series([7, 7, None])).iloc[2])
    assert normalise(pd.Series([10, 1000]), method="minmax").tolist() == [0.0, 1.0]


def test_effect_weights_and_reweighting_of_missing_components():
    frame = snaps([
        ("low", "2024-01-01", 1_000_000, 10_000, 1_000),
        ("high", "2024-01-01", 100_000_000, 1_000_000, 100_000),
        ("hidden_likes", "2024-01-01", 10_000_000, None, 10_000),
        ("no_comments", "2024-01-01", 10_000_000, 100_000, None),
        ("no_views", "2024-01-01", None, 5, 5),
    ])
    result = dissemination_effect(frame, as_of=date(2024, 1, 1))
    assert result.loc["low", "effect"] == pytest.approx(0.0)
    assert result.loc["high", "effect"] == pytest.approx(1.0)
    # Hidden likes: (0.5·v + 0.2·c) / 0.7 over the present components, flagged.
    row = result.loc["hidden_likes"]
    expected = (0.5 * row["norm_views"] + 0.2 * row["norm_comments"]) / 0.7
    assert row["effect"] == pytest.approx(expected) and bool(row["partial"]) and row["missing"] == "likes"
    assert result.loc["no_comments", "missing"] == "comments"
    assert not bool(result.loc["low", "partial"]) and result.loc["low", "missing"] == ""
    assert math.isnan(result.loc["no_views", "effect"])
    # Normalised within the population: views 10M sits halfway between 1M and 100M on log scale.
    assert row["norm_views"] == pytest.approx(
        (np.log1p(1e7) - np.log1p(1e6)) / (np.log1p(1e8) - np.log1p(1e6))
    )


def test_weights_must_sum_to_one_and_empty_input_is_fine():
    with pytest.raises(ValueError):
        dissemination_effect(snaps([]), as_of=date(2024, 1, 1), weights={"views": 1, "likes": 1})
    assert dissemination_effect(snaps([]), as_of=date(2024, 1, 1)).empty
