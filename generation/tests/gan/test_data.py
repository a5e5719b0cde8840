import numpy as np
import pytest
from PIL import Image

from generation.gan.data import ImageLoadError, StreamSampler, UnpairedImages, load_rgb, scan_images
from generation.gan.train import train

from .conftest import tiny_config


def _write_odd_images(folder):
    """One file per awkward case an institution may upload; returns the names that must be skipped."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)
    Image.fromarray(rgb).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray((rng.random((40, 50)) * 65535).astype(np.uint16)).save(folder / "grey16.png")
    Image.fromarray(np.dstack([rgb, np.full((40, 50), 128, np.uint8)]), "RGBA").save(folder / "alpha.png")
    Image.fromarray(rgb[..., 0]).convert("LA").save(folder / "grey_alpha.png")
    Image.fromarray(rgb).convert("P").save(folder / "palette.png", transparency=0)
    Image.fromarray(rgb[..., 1]).save(folder / "grey.jpg")
    Image.fromarray(rgb).save(folder / "photo.webp")
    Image.fromarray(rgb).convert("1").save(folder / "bilevel.png")
    Image.fromarray(rgb).save(folder / "UPPER.JPEG")
    good = (folder / "cmyk.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (folder / "not_an_image.png").write_text("hello")
    (folder / "empty.webp").write_bytes(b"")
    (folder / "notes.txt").write_text("ignored: not an image extension")
    return {"truncated.jpg", "not_an_image.png", "empty.webp"}


def test_odd_images_are_converted_and_corrupt_ones_reported(tmp_path):
    bad = _write_odd_images(tmp_path / "odd")
    report = scan_images(tmp_path / "odd")
    assert {p.split("/")[-1] for p, _ in report.skipped} == bad
    assert len(report.paths) == 9
    for path in report.paths:
        image = load_rgb(path)
        assert image.mode == "RGB" and image.size == (50, 40)
    grey16 = np.asarray(load_rgb(tmp_path / "odd" / "grey16.png"))
    assert grey16.max() > 200  # rescaled from 16 bit, not clipped to white or black
    alpha = np.asarray(load_rgb(tmp_path / "odd" / "alpha.png"), dtype=int)
    assert alpha.min() >= 127  # half-transparent pixels are composited over white


def test_load_rgb_raises_a_clear_error(tmp_path):
    (tmp_path / "x.png").write_text("nope")
    with pytest.raises(ImageLoadError):
        load_rgb(tmp_path / "x.png")


def test_training_on_odd_folder_skips_and_reports(toy_data, tmp_path):
    _write_odd_images(tmp_path / "odd")
    cfg = tiny_config(toy_data, tmp_path / "run", data_a=str(tmp_path / "odd"), iterations=1, decay_iterations=0)
    result = train(cfg)
    assert result.status == "finished"
    assert len(result.skipped_files) == 3 and all("reason" in s for s in result.skipped_files)


def test_stream_is_deterministic_and_rank_disjoint(toy_data):
    paths_a = scan_images(toy_data / "trainA").paths
    paths_b = scan_images(toy_data / "trainB").paths
    data = UnpairedImages(paths_a, paths_b, load_size=40, crop_size=32, seed=3)
    a1, b1 = data[17]
    a2, b2 = UnpairedImages(paths_a, paths_b, load_size=40, crop_size=32, seed=3, cache=False)[17]
    assert a1.shape == (3, 32, 32) and a1.dtype.is_floating_point is False
    assert (a1 == a2).all() and (b1 == b2).all()
    first = lambda s: [next(it) for it in [iter(s)] for _ in range(4)]
    rank0 = first(StreamSampler(2, start_iteration=5, rank=0, world_size=2))
    rank1 = first(StreamSampler(2, start_iteration=5, rank=1, world_size=2))
    assert rank0 == [20, 21, 24, 25] and rank1 == [22, 23, 26, 27]
