"""Shared fixtures: the R QCA 3.25 reference outputs in ../shared/qca-reference."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qca.engine import Dataset

REPO_ROOT = Path(__file__).resolve().parents[3]
REFERENCE = (REPO_ROOT / ".." / "shared" / "qca-reference").resolve()
REFERENCE_DATASETS = ("LF", "CVF", "Krook", "LM")


def reference_dir() -> Path:
    if not (REFERENCE / "json").is_dir():
        raise FileNotFoundError(
            f"R QCA reference data not found at {REFERENCE}: the tests need the shared/ "
            "folder beside the repository (../shared/qca-reference)"
        )
    return REFERENCE


def load_reference(name: str) -> dict:
    return json.loads((reference_dir() / "json" / f"{name}.json").read_text())


def load_data(name: str) -> Dataset:
    return Dataset.from_csv(reference_dir() / "data" / f"{name}.csv")


def assert_close(actual, expected, what: str, tolerance: float = 1e-9) -> None:
    if expected is None:
        assert actual is None or math.isnan(actual), f"{what}: expected NA, got {actual}"
        return
    assert actual is not None and abs(actual - expected) <= tolerance, (
        f"{what}: expected {expected!r}, got {actual!r}"
    )


@pytest.fixture(scope="session")
def reference() -> Path:
    return reference_dir()
