import torch
from torch import nn

from generation.gan.evaluate import build_lpips, distribution_metrics, evaluate, image_metrics
from generation.gan.train import Trainer

from .conftest import tiny_config


class TinyFeatures(nn.Module):
    """Stand-in feature extractor (uint8 images -> 16 features) made by the test."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.float() / 255).mean(dim=(2, 3))


def _images(n: int, seed: int) -> torch.Tensor:
    return torch.rand(n, 3, 32, 32, generator=torch.Generator().manual_seed(seed))


def test_image_metrics_identity():
    x = _images(3, 0)
    m = image_metrics(x, x)
    assert m["ssim"] == 1.0 and m["psnr"] > 60


def test_fid_kid_skip_without_weights_and_load_a_local_extractor(tmp_path):
    real, fake = _images(8, 1), _images(8, 2)
    assert "skipped" in distribution_metrics(real, fake, None)
    assert "skipped" in distribution_metrics(real, fake, str(tmp_path / "missing.pt2"))
    torch.manual_seed(0)
    program = torch.export.export(TinyFeatures(), (torch.zeros(2, 3, 32, 32, dtype=torch.uint8),),
                                  dynamic_shapes=({0: torch.export.Dim("batch", min=1), 2: torch.export.Dim("h", min=8),
                                                   3: torch.export.Dim("w", min=8)},))
    torch.export.save(program, tmp_path / "features.pt2")
    out = distribution_metrics(real, fake, str(tmp_path / "features.pt2"))
    # A substitute extractor never reports under the standard names.
    assert "fid" not in out and out["fd_custom"] > 0 and out["feature_extractor"]["standard_inception"] is False
    same = distribution_metrics(real, real, str(tmp_path / "features.pt2"))
    assert abs(same["fd_custom"]) < 1e-3 < out["fd_custom"]


def test_lpips_loads_a_local_alexnet_backbone(tmp_path):
    import torchvision

    torch.manual_seed(0)
    torch.save(torchvision.models.alexnet(weights=None).state_dict(), tmp_path / "alexnet.pth")
    net = build_lpips(tmp_path / "alexnet.pth")
    x, y = _images(2, 3), _images(2, 4)
    assert float(net(x, x, normalize=True).abs().max()) < 1e-6
    assert float(net(x, y, normalize=True).min()) > 0


def test_evaluate_checkpoint_on_held_out_photos(toy_data, tmp_path):
    trainer = Trainer(tiny_config(toy_data, tmp_path))
    path = trainer.save_checkpoint(tmp_path / "c.pt")
    result = evaluate(path, toy_data / "testA", real_b=toy_data / "testB", size=32, device="cpu")
    assert result["images"] == 8
    assert 0 < result["vs_reference"]["ssim"] < 1 and result["cycle"]["psnr"] > 0
    assert "skipped" in result["distribution"] and "skipped" in result["lpips_vs_reference"]
