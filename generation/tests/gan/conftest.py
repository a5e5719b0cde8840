"""Shared fixtures: tiny models (ngf 8) and a tiny synthetic data set, all on CPU."""

from __future__ import annotations

import pytest
import torch

from generation.gan.options import ModelConfig, TrainConfig


@pytest.fixture(autouse=True)
def _few_threads():
    torch.set_num_threads(2)  # CI has 2 cores; keep timings predictable
    yield


@pytest.fixture
def tiny_model() -> ModelConfig:
    return ModelConfig.variant("improved", ngf=8, ndf=8, n_blocks=2, attention_heads=2)


@pytest.fixture(scope="session")
def toy_data(tmp_path_factory):
    from generation.gan.synthetic import build_dataset

    root = tmp_path_factory.mktemp("toy")
    build_dataset(root, size=48, b_train=12, b_test=6, crops_per_train_photo=1, crops_per_test_photo=2, workers=1)
    return root


def tiny_config(data_root, out_dir, **overrides) -> TrainConfig:
    base = {
        "data_a": str(data_root / "trainA"), "data_b": str(data_root / "trainB"), "load_size": 40, "crop_size": 32,
        "model": ModelConfig.variant("improved", ngf=8, ndf=8, n_blocks=2, attention_heads=2),
        "batch_size": 2, "iterations": 3, "decay_iterations": 3, "num_workers": 0, "device": "cpu",
        "out_dir": str(out_dir), "checkpoint_every": 0, "sample_every": 0, "log_every": 1,
    }
    base.update(overrides)
    return TrainConfig(**base)
