"""Suggestions the coding screen pre-fills for the coder to confirm.

Each returns a :class:`Suggestion` with the proposed code (None when there is
no evidence), a confidence and the reason shown next to it, so coders see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .textscript import script_profile

Confidence = Literal["high", "medium", "low"]

# Half- and full-width marks, their inverted Spanish forms, the interrobang and
# the emoji marks common in YouTube titles.
EXCLAMATION_MARKS = frozenset("!！¡‼❗❕‽⁉")
QUESTION_MARKS = frozenset("?？¿⁇⁈❓❔")
SHORTS_MAX_SECONDS = 60  # classic Shorts limit; since Oct 2024 Shorts may run 3 min
CHINESE_LANGUAGE_PREFIXES = ("zh", "yue", "cmn", "wuu", "hak", "nan")


@dataclass(frozen=True)
class Suggestion:
    value: int | None
    confidence: Confidence
    reason: str


def suggest_title_information(title: str) -> Suggestion:
    """1 (exclamation or question) if the title has such a mark, else 0 (statement)."""
    marks = [c for c in title or "" if c in EXCLAMATION_MARKS or c in QUESTION_MARKS]
    if marks:
        kinds = {"exclamation" if c in EXCLAMATION_MARKS else "question" for c in marks}
        return Suggestion(1, "high", f"title contains {' and '.join(sorted(kinds))} mark(s): {''.join(marks)}")
    return Suggestion(0, "medium", "no exclamation or question mark in the title")


def suggest_video_form(
    *,
    is_short_url: bool = False,
    width: int | None = None,
    height: int | None = None,
    duration_seconds: int | None = None,
) -> Suggestion:
    """1 (vertical) or 0 (horizontal): aspect ratio, then Shorts URL, then duration."""
    if width and height:
        vertical = height > width
        return Suggestion(int(vertical), "high", f"player aspect {width}×{height}")
    if is_short_url:
        return Suggestion(1, "high", "added through a /shorts/ URL")
    if duration_seconds is not None and duration_seconds <= SHORTS_MAX_SECONDS:
        return Suggestion(1, "low", f"{duration_seconds} s long, Shorts-length")
    if duration_seconds is not None:
        return Suggestion(0, "low", f"{duration_seconds} s long, longer than a Short")
    return Suggestion(None, "low", "no aspect, URL or duration evidence")


def suggest_video_language(
    *,
    default_audio_language: str | None = None,
    default_language: str | None = None,
    title: str = "",
    description: str = "",
) -> Suggestion:
    """0 (Chinese-dominant) or 1 (foreign-language-dominant).

    The declared audio language is the best evidence (it is about speech), then
    the declared metadata language, then the script of title and description.
    """
    for field, code in (("defaultAudioLanguage", default_audio_language), ("defaultLanguage", default_language)):
        if code:
            chinese = code.lower().startswith(CHINESE_LANGUAGE_PREFIXES)
            confidence: Confidence = "high" if field == "defaultAudioLanguage" else "medium"
            return Suggestion(0 if chinese else 1, confidence, f"{field} is {code}")
    profile = script_profile(f"{title}\n{description}")
    if not profile.letters:
        return Suggestion(None, "low", "no declared language and no text")
    han = profile.share("han")
    if han >= 0.5:
        return Suggestion(0, "low", f"{han:.0%} of the text's letters are Chinese characters")
    return Suggestion(1, "low", f"only {han:.0%} of the text's letters are Chinese characters")
