import warnings

import torch

from generation.gan.export import export_onnx, onnx_parity
from generation.gan.networks import SelfAttention2d, build_generator
from generation.gan.options import ModelConfig


def test_onnx_matches_pytorch_for_every_decoder(tmp_path):
    for variant in ("baseline", "improved"):
        torch.manual_seed(0)
        generator = build_generator(ModelConfig.variant(variant, ngf=8, n_blocks=2, attention_heads=2))
        for m in generator.modules():
            if isinstance(m, SelfAttention2d):
                torch.nn.init.constant_(m.gamma, 0.7)  # exercise the attention path, not a closed gate
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = export_onnx(generator, tmp_path / f"{variant}.onnx", size=32)
        # Dynamic axes: another batch size and a non-square size than the export's.
        report = onnx_parity(path, generator, torch.rand(2, 3, 40, 56) * 2 - 1)
        assert report["shape"] == [2, 3, 40, 56]
        assert report["max_abs_diff"] < 1e-4, report
