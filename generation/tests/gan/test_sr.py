import torch

from generation.gan.sr import (
    Magnifier,
    MagnifierNet,
    compare_methods,
    save_magnifier,
    train_magnifier,
)
from generation.gan.synthetic import render_papercut


def test_untrained_magnifier_is_bicubic():
    net = MagnifierNet(scale=2, features=8, blocks=1)
    x = torch.rand(1, 3, 10, 12)
    ref = torch.nn.functional.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
    torch.testing.assert_close(net(x), ref)


def test_magnifier_beats_bicubic_after_short_training(tmp_path):
    train_images = [render_papercut(64, seed) for seed in range(8)]
    test_images = [render_papercut(64, 1000 + seed) for seed in range(4)]
    net = train_magnifier(train_images, scale=2, iterations=150, patch=32, batch_size=8, features=16, blocks=2,
                          lr=2e-3, device="cpu")
    table = compare_methods(net, test_images, device="cpu")
    assert set(table) == {"nearest", "bilinear", "bicubic", "magnifier"}
    assert table["magnifier"]["psnr"] > table["bicubic"]["psnr"]
    assert table["magnifier"]["ssim"] > table["bicubic"]["ssim"]
    path = save_magnifier(net, tmp_path / "m.pt")
    big = Magnifier.from_checkpoint(path, "cpu").magnify(test_images[0])
    assert big.size == (128, 128)
