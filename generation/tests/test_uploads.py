"""Upload validation: every file is decoded for real; every rejection path says why; a bad file
never stops the good ones; ZIPs are checked before anything is extracted."""

import io

import numpy as np
import pytest
from PIL import Image

from generation import services, uploads
from generation.models import SourceImage

from .helpers import upload
from .images import (
    encode,
    gradient,
    png_sixteen_bit,
    png_with_declared_size,
    zip_of,
    zip_with_understated_member,
)

LIMITS = uploads.UploadLimits(max_bytes=2_000_000, max_pixels=4_000_000, min_side=32, zip_max_members=50,
                              zip_max_uncompressed=5_000_000)


def verdict(name, data, limits=LIMITS):
    return uploads.inspect_image(name, data, limits)


def test_plain_rgb_png_and_jpeg_are_accepted_unchanged():
    for name, data in (("a.png", encode(gradient())), ("b.jpg", encode(gradient(seed=1), "JPEG"))):
        v = verdict(name, data)
        assert (v.outcome, v.reason) == ("accepted", "")
        assert v.image.mode == "RGB" and v.image.size == (64, 48)
        assert len(v.sha256) == 64


@pytest.mark.parametrize("make,note", [
    (lambda: encode(gradient().convert("CMYK"), "JPEG"), "CMYK converted to RGB"),
    (lambda: encode(Image.fromarray((np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16))),
     "16-bit grayscale scaled to 8 bits"),
    (lambda: encode(gradient().convert("P", palette=Image.ADAPTIVE)), "palette expanded to RGB"),
    (lambda: encode(gradient().convert("P", palette=Image.ADAPTIVE), transparency=0),
     "palette expanded to RGB; transparency flattened on white"),
    (lambda: encode(gradient().convert("RGBA")), "transparency flattened on white"),
    (lambda: encode(gradient().convert("LA")), "transparency flattened on white"),
    (lambda: encode(gradient().convert("L")), "grayscale converted to RGB"),
])
def test_modes_are_converted_to_rgb_with_a_note(make, note):
    v = verdict("x.png", make())
    assert v.outcome == "converted"
    assert note in v.reason
    assert v.image.mode == "RGB"


def test_sixteen_bit_values_are_scaled_not_clipped():
    array = np.full((40, 40), 32768, np.uint16)  # mid-grey in 16 bits
    v = verdict("deep.png", encode(Image.fromarray(array)))
    assert abs(int(np.asarray(v.image)[0, 0, 0]) - 128) <= 1


@pytest.mark.parametrize("channels,note", [
    (3, "16-bit per channel reduced to 8 bits"),
    (4, "16-bit per channel reduced to 8 bits; transparency flattened on white"),
])
def test_sixteen_bit_colour_is_reported_as_converted(channels, note):
    # Pillow decodes 48/64-bit colour to 8 bits without a word: the report must still say so.
    array = np.random.default_rng(3).integers(0, 65536, (40, 50, channels)).astype(np.uint16)
    if channels == 4:
        array[..., 3] = 65535  # opaque, so the colours come through the flattening unchanged
    v = verdict("scan-48bit.png", png_sixteen_bit(array))
    assert (v.outcome, v.reason, v.original_mode) == ("converted", note, "RGB;16" if channels == 3 else "RGBA;16")
    assert v.image.mode == "RGB"
    assert np.array_equal(np.asarray(v.image), (array[..., :3] >> 8).astype(np.uint8)), "the high byte kept"


def test_sixteen_bit_tiff_from_a_scanner_is_converted():
    import tifffile  # scikit-image's TIFF writer: Pillow cannot write 16-bit colour TIFF

    array = np.full((40, 40, 3), 40000, np.uint16)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, photometric="rgb")
    v = verdict("scan.tif", buffer.getvalue())
    assert (v.outcome, v.reason, v.original_format) == ("converted", "16-bit per channel reduced to 8 bits", "TIFF")
    assert np.asarray(v.image)[0, 0].tolist() == [40000 >> 8] * 3


def test_alpha_is_flattened_on_white():
    rgba = Image.new("RGBA", (40, 40), (200, 0, 0, 0))
    v = verdict("clear.png", encode(rgba))
    assert np.asarray(v.image)[0, 0].tolist() == [255, 255, 255]


@pytest.mark.parametrize("name,data,reason", [
    ("empty.png", b"", "empty file"),
    ("notes.png", b"this is a text file with an image's name", "not an image"),
    ("cut.png", encode(gradient())[:120], "corrupt image"),
    ("tiny.png", encode(gradient((20, 20))), "too small"),
    ("icon.ico", encode(gradient((48, 48)), "ICO"), "unsupported image format ICO"),
    ("big.png", encode(Image.new("RGB", (2100, 2000), (200, 30, 40))), "4,200,000 pixels"),
])
def test_each_rejection_says_why(name, data, reason):
    v = verdict(name, data)
    assert v.outcome == "rejected"
    assert reason in v.reason
    assert v.image is None


def test_oversized_file_is_refused_by_size():
    small = uploads.UploadLimits(**{**LIMITS.__dict__, "max_bytes": 1000})
    v = verdict("photo.png", encode(gradient(seed=4)), small)
    assert v.outcome == "rejected" and "file too large" in v.reason


def test_decompression_bomb_header_is_refused_before_decoding():
    # 100 000 x 100 000 declared in a file of ~70 bytes: Pillow's own guard fires at open().
    bomb = png_with_declared_size(100_000, 100_000)
    assert len(bomb) < 200
    v = verdict("bomb.png", bomb)
    assert v.outcome == "rejected" and "decompression bomb" in v.reason
    # Under Pillow's limit but over ours: refused from the header, nothing is decoded.
    v = verdict("bomb2.png", png_with_declared_size(3000, 3000))
    assert v.outcome == "rejected" and "9,000,000 pixels" in v.reason


def zip_report(members, limits=LIMITS, **kwargs):
    data = zip_of(members, **kwargs)
    return list(uploads.verdicts_for_upload("set.zip", io.BytesIO(data), limits))


def test_zip_members_are_checked_before_extraction():
    good = encode(gradient(seed=5))
    report = {v.name.split("/", 1)[1]: v for v in zip_report({
        "ok/one.png": good,
        "../escape.png": encode(gradient(seed=6)),
        "a/../../escape2.png": encode(gradient(seed=7)),
        "/etc/abs.png": encode(gradient(seed=8)),
        "C:\\windows\\drive.png": encode(gradient(seed=9)),
        "link.png": b"/etc/passwd",
        "inner.zip": zip_of({"x.png": good}),
        "renamed.png": zip_of({"y.png": good}),
        "secret.png": encode(gradient(seed=10)),
        "__MACOSX/._one.png": b"resource fork",
    }, symlinks=("link.png",), encrypted=("secret.png",))}
    assert report["ok/one.png"].outcome == "accepted"
    expected = {"../escape.png": "path traversal", "a/../../escape2.png": "path traversal",
                "/etc/abs.png": "absolute path", "C:\\windows\\drive.png": "absolute path",
                "link.png": "symbolic link", "inner.zip": "nested archive", "renamed.png": "nested archive",
                "secret.png": "encrypted"}
    for name, reason in expected.items():
        assert report[name].outcome == "rejected" and reason in report[name].reason, (name, report[name].reason)
    assert "__MACOSX/._one.png" not in report


@pytest.mark.parametrize("limit,reason", [
    ({"zip_max_members": 2}, "too many files in archive: 3"),
    ({"zip_max_uncompressed": 1000}, "archive too large once uncompressed"),
])
def test_whole_zip_refused_on_count_and_total_size(limit, reason):
    members = {f"{i}.png": encode(gradient(seed=i)) for i in range(3)}
    limits = uploads.UploadLimits(**{**LIMITS.__dict__, **limit})
    (only,) = zip_report(members, limits)
    assert only.outcome == "rejected" and reason in only.reason and only.name == "set.zip"


def test_zip_member_that_understates_its_size_is_read_no_further():
    # The directory declares 1,000 bytes (passing the total-size check); the stream inflates to far
    # more. Reading stops at the declared size and the CRC check refuses the member.
    content = encode(Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 300, 3), np.uint8)))
    assert len(content) > 200_000
    data = zip_with_understated_member("photo.png", content, 1000)
    (only,) = uploads.verdicts_for_upload("lying.zip", io.BytesIO(data), LIMITS)
    assert only.name == "lying.zip/photo.png" and only.outcome == "rejected"
    assert "cannot read archive member" in only.reason and "CRC" in only.reason


def test_broken_zip_is_refused():
    (only,) = uploads.verdicts_for_upload("set.zip", io.BytesIO(b"PK\x03\x04 broken"), LIMITS)
    assert only.outcome == "rejected" and "not a valid ZIP" in only.reason


@pytest.mark.django_db
def test_upload_stores_good_files_and_reports_every_file(domain, tenant_a):
    photos = domain.image_sets.get(side="a")
    first = encode(gradient(seed=20))
    files = [
        upload("one.png", first),
        upload("fake.jpg", b"GIF89a but not really"),
        upload("cmyk.jpg", encode(gradient(seed=21).convert("CMYK"), "JPEG")),
        upload("again.png", first),
        upload("batch.zip", zip_of({"two.png": encode(gradient(seed=22)), "../x.png": encode(gradient(seed=23)),
                                    "one-copy.png": first})),
        upload("bomb.png", png_with_declared_size(100_000, 100_000)),
    ]
    report = services.image_set_upload(image_set=photos, files=files, actor=tenant_a.users["staff"])
    outcomes = {r["name"]: (r["outcome"], r["reason"]) for r in report}
    assert outcomes["one.png"] == ("accepted", "")
    assert outcomes["fake.jpg"][0] == "rejected" and "not an image" in outcomes["fake.jpg"][1]
    assert outcomes["cmyk.jpg"] == ("converted", "CMYK converted to RGB")
    assert outcomes["again.png"] == ("rejected", "duplicate of one.png already in this set")
    assert outcomes["batch.zip/two.png"][0] == "accepted"
    assert "path traversal" in outcomes["batch.zip/../x.png"][1]
    assert "duplicate of one.png" in outcomes["batch.zip/one-copy.png"][1]
    assert "decompression bomb" in outcomes["bomb.png"][1]
    stored = SourceImage.objects.filter(image_set=photos)
    assert sorted(stored.values_list("original_name", flat=True)) == ["batch.zip/two.png", "cmyk.jpg", "one.png"]
    cmyk = stored.get(original_name="cmyk.jpg")
    assert (cmyk.original_mode, cmyk.conversion_note) == ("CMYK", "CMYK converted to RGB")
    with cmyk.file.open("rb") as handle:
        assert Image.open(handle).mode == "RGB"
    photos.refresh_from_db()
    assert photos.last_upload_report == report
    assert all(i.institution_id == tenant_a.institution.pk for i in stored)
