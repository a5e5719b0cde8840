import math
import subprocess
import sys
from pathlib import Path

import torch
from PIL import Image

from generation.gan.infer import Stylizer, save_generator, smooth_window, tile_starts, tiled_apply
from generation.gan.networks import build_generator

# Seam criterion: mean squared horizontal/vertical gradient on the pixel pairs that straddle a tile
# edge may exceed the mean over all other pixel pairs by at most this factor.
SEAM_MARGIN = 1.25


def _smooth_image(size: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, size // 8, size // 8, generator=g) * 2 - 1
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)


def _seam_ratio(out: torch.Tensor, tile: int, overlap: int) -> float:
    size = out.shape[-1]
    edges = set()
    for start in tile_starts(size, tile, overlap):
        edges.update({start, start + tile})
    edges = sorted(e for e in edges if 0 < e < size)
    dx = (out[..., :, 1:] - out[..., :, :-1]).square().mean(dim=(0, 1, 2))  # per column boundary
    dy = (out[..., 1:, :] - out[..., :-1, :]).square().mean(dim=(0, 1, 3))  # per row boundary
    on = [e - 1 for e in edges]
    mask = torch.zeros(size - 1, dtype=torch.bool)
    mask[on] = True
    energy = torch.cat([dx, dy])
    seam = torch.cat([dx[mask], dy[mask]]).mean()
    rest = torch.cat([dx[~mask], dy[~mask]]).mean()
    return float(seam / rest) if len(energy) else 0.0


def test_tiling_leaves_no_visible_seam(tiny_model):
    torch.manual_seed(0)
    generator = build_generator(tiny_model).eval()
    x = _smooth_image(160)
    with torch.no_grad():
        blended = tiled_apply(generator, x, tile=64, overlap=24, batch=4)
        hard = tiled_apply(generator, x, tile=64, overlap=0, batch=4)
    assert blended.shape == x.shape
    assert _seam_ratio(blended, 64, 24) <= SEAM_MARGIN
    # The measurement has teeth: abutting tiles (no blending) do show their seams.
    assert _seam_ratio(hard, 64, 0) > SEAM_MARGIN


def test_window_and_tile_layout():
    w = smooth_window(8, 12, overlap=3)
    assert w.shape == (8, 12) and w.max() == 1 and w.min() > 0
    assert tile_starts(100, 40, 8) == [0, 32, 60]
    assert tile_starts(30, 40, 8) == [0]


def test_any_size_and_whole_vs_tiled_agree_in_the_middle(tiny_model):
    generator = build_generator(tiny_model)
    whole = Stylizer(generator, "cpu", max_whole_pixels=10**9)
    for h, w in [(31, 45), (64, 64), (5, 9)]:
        out = whole.stylize_tensor(torch.rand(1, 3, h, w) * 2 - 1)
        assert out.shape == (1, 3, h, w)
    image = Image.new("RGB", (70, 30), (200, 10, 10))
    assert whole.stylize(image).size == (70, 30)
    assert whole.stylize(image, out_size=140).size == (140, 60)
    assert whole.stylize(image, out_size=(33, 17)).size == (33, 17)
    assert [im.size for im in whole.stylize_batch([image, image], size=32)] == [(32, 32), (32, 32)]


def test_cli_generate_with_saved_weights(tiny_model, tmp_path):
    weights = save_generator(build_generator(tiny_model), tiny_model, tmp_path / "g.pt")
    Image.new("RGB", (50, 38), (30, 120, 200)).save(tmp_path / "in.jpg")
    subprocess.run([sys.executable, "-m", "generation.gan", "generate", "--model", weights, "--device", "cpu",
                    str(tmp_path / "in.jpg"), str(tmp_path / "out.png")], check=True, capture_output=True)
    assert Image.open(tmp_path / "out.png").size == (50, 38)


def test_int8_weights_are_half_the_size_and_close_to_float(tiny_model, tmp_path):
    import torch

    from generation.gan.infer import load_generator

    generator = build_generator(tiny_model).eval()
    full = save_generator(generator, tiny_model, tmp_path / "bf16.pt")
    small = save_generator(generator, tiny_model, tmp_path / "int8.pt", quantize_int8=True)
    assert Path(small).stat().st_size < 0.7 * Path(full).stat().st_size
    quantized, _, _ = load_generator(small)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        mse = ((generator(x) - quantized(x)) ** 2).mean().item()
    assert 10 * math.log10(4 / mse) > 35  # PSNR on the [-1, 1] range


def test_bundled_demo_models_load_and_run_on_cpu():
    from generation.gan import load_pretrained_demo
    from generation.gan.pretrained import load_pretrained_magnifier
    from generation.gan.synthetic import load_photo

    stylizer = load_pretrained_demo("cpu")
    assert stylizer.meta["iterations_done"] > 0 and "command" in stylizer.meta
    out = stylizer.stylize(load_photo("chelsea").resize((64, 48)))  # a held-out photograph
    assert out.size == (64, 48)
    red = [r > g + 40 for r, g, _ in out.getdata()]
    assert sum(red) > len(red) // 10  # the demo paints red paper
    assert load_pretrained_magnifier(2, "cpu").magnify(out).size == (128, 96)
