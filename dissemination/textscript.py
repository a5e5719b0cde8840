"""Which writing systems a text uses: shared by sentiment (flag non-English) and suggestions."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Unicode character-name prefixes → script label. Names are stable across Unicode versions.
_SCRIPT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("LATIN", "latin"),
    ("CJK", "han"),
    ("HIRAGANA", "kana"),
    ("KATAKANA", "kana"),
    ("HANGUL", "hangul"),
    ("CYRILLIC", "cyrillic"),
    ("ARABIC", "arabic"),
    ("GREEK", "greek"),
    ("HEBREW", "hebrew"),
    ("DEVANAGARI", "devanagari"),
    ("THAI", "thai"),
)


@dataclass(frozen=True)
class ScriptProfile:
    """Letter counts per script; ``share(x)`` is x's fraction of all letters."""

    letters: int
    counts: dict[str, int]

    def share(self, script: str) -> float:
        return self.counts.get(script, 0) / self.letters if self.letters else 0.0

    @property
    def cjk_share(self) -> float:
        return self.share("han") + self.share("kana") + self.share("hangul")

    @property
    def non_latin_share(self) -> float:
        return 1.0 - self.share("latin") if self.letters else 0.0

    @property
    def dominant(self) -> str | None:
        return max(self.counts, key=self.counts.__getitem__) if self.counts else None


def script_profile(text: str) -> ScriptProfile:
    counts: dict[str, int] = {}
    letters = 0
    for char in text or "":
        if not char.isalpha():
            continue
        letters += 1
        script = _script_of(char)
        counts[script] = counts.get(script, 0) + 1
    return ScriptProfile(letters, counts)


@lru_cache(maxsize=4096)
def _script_of(char: str) -> str:
    name = unicodedata.name(char, "")
    for prefix, script in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    return "other"
