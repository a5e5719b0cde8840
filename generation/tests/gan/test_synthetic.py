import json

import numpy as np

from generation.gan.synthetic import PHOTOS, reference_stylize, render_papercut


def test_papercut_is_seeded_red_on_light():
    a, b, c = render_papercut(64, 5), render_papercut(64, 5), render_papercut(64, 6)
    assert np.array_equal(np.asarray(a), np.asarray(b)) and not np.array_equal(np.asarray(a), np.asarray(c))
    pixels = np.asarray(render_papercut(96, 1)).reshape(-1, 3).astype(int)
    red = (pixels[:, 0] > 140) & (pixels[:, 1] < 90)
    light = pixels.min(axis=1) > 180
    assert 0.2 < red.mean() < 0.8 and light.mean() > 0.1


def test_reference_stylizer_is_deterministic_two_tone():
    from generation.gan.synthetic import load_photo

    photo = load_photo("chelsea").resize((64, 48))
    t1, t2 = reference_stylize(photo), reference_stylize(photo)
    assert t1.size == photo.size and np.array_equal(np.asarray(t1), np.asarray(t2))
    assert len(np.unique(np.asarray(t1).reshape(-1, 3), axis=0)) == 2


def test_dataset_manifest_records_licences_and_strict_split(toy_data):
    manifest = json.loads((toy_data / "manifest.json").read_text())
    assert all(p["licence"] for p in manifest["photos"])
    train = {p.name.rsplit("_", 1)[0] for p in (toy_data / "trainA").iterdir()}
    test = {p.name.rsplit("_", 1)[0] for p in (toy_data / "testA").iterdir()}
    assert train and test and not train & test
    assert test == {n for n, (split, _) in PHOTOS.items() if split == "test"}
