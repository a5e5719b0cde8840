import pytest

from dissemination.codebook_default import default_codebook, parse_codebook
from dissemination.suggest import (
    suggest_title_information,
    suggest_video_form,
    suggest_video_language,
)


def test_default_codebook_is_table_4():
    book = default_codebook()
    assert len(book.conditions) == 14 and book.outcome.key == "dissemination_effect"
    assert {v.source for v in book.variables} == {"coder", "harvested", "computed", "suggested"}
    assert book.variable("video_form").levels[1].label == "Vertical"
    assert book.variable("fan_base").kind == "continuous" and book.variable("fan_base").source == "harvested"
    assert book.variable("affective_expression").source == "computed"
    assert all(v.instructions for v in book.variables)
    assert [v.dimension for v in book.variables].count("content") == 8


def test_invalid_codebooks_are_rejected():
    good = {"key": "x", "dimension": "content", "label": "X", "kind": "binary", "source": "coder",
            "instructions": "code it", "levels": [{"value": 0, "label": "no"}, {"value": 1, "label": "yes"}]}
    outcome = dict(good, key="y", kind="continuous", levels=[], is_outcome=True, dimension="outcome")
    assert parse_codebook({"name": "n", "version": 1, "variables": [good, outcome]}).outcome.key == "y"
    with pytest.raises(ValueError, match="outcome"):
        parse_codebook({"name": "n", "version": 1, "variables": [good]})
    with pytest.raises(ValueError, match="binary levels"):
        parse_codebook({"name": "n", "version": 1, "variables": [
            dict(good, levels=[{"value": 1, "label": "a"}, {"value": 2, "label": "b"}]), outcome]})


@pytest.mark.parametrize(
    "title, value",
    [
        ("How bamboo rice is cooked", 0),
        ("Amazing paper cutting!", 1),
        ("Have you seen this?", 1),
        ("剪纸艺术，太美了！", 1),
        ("这是什么技艺？", 1),
        ("What?! Ancient craft", 1),
        ("绝了！？非遗", 1),
        ("❗ Must watch", 1),
        ("¿Qué es esto", 1),
        ("非物质文化遗产：剪纸。", 0),
    ],
)
def test_title_information_from_punctuation(title, value):
    assert suggest_title_information(title).value == value


def test_video_form_evidence_order():
    assert suggest_video_form(width=405, height=720).value == 1
    assert suggest_video_form(width=1280, height=720, is_short_url=True).value == 0  # aspect wins
    assert suggest_video_form(is_short_url=True).confidence == "high"
    assert suggest_video_form(duration_seconds=45) == suggest_video_form(duration_seconds=45)
    assert suggest_video_form(duration_seconds=45).value == 1
    assert suggest_video_form(duration_seconds=600).value == 0
    assert suggest_video_form().value is None


@pytest.mark.parametrize(
    "kwargs, value",
    [
        ({"default_audio_language": "zh-Hans"}, 0),
        ({"default_audio_language": "zh-CN", "default_language": "en"}, 0),
        ({"default_audio_language": "en", "default_language": "zh"}, 1),
        ({"default_language": "yue-HK"}, 0),
        ({"title": "剪纸艺术，太美了", "description": "非物质文化遗产"}, 0),
        ({"title": "Chinese paper cutting", "description": "剪纸"}, 1),
        ({}, None),
    ],
)
def test_video_language(kwargs, value):
    assert suggest_video_language(**kwargs).value == value
