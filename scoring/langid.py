"""What language a page's text is really in, including Kazakh in Latin script.

lingua identifies Kazakh in Cyrillic script well but has no model of Kazakh in Latin script, which it reads
as Turkish. Kazakhstan has published three Latin alphabets (2017 with apostrophes, 2018 with acute accents,
2021 with umlauts and breves); all three write the very frequent /q/ as `q` (absent from Turkish and rare
in English) and share a stock of function words. So Latin-script text is first tested for Kazakh by letters
and words; only if that fails does lingua choose among the Latin-script languages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

LINGUA_LANGUAGES = {
    "KAZAKH": "kk", "RUSSIAN": "ru", "ENGLISH": "en", "GERMAN": "de", "SPANISH": "es", "FRENCH": "fr",
    "TURKISH": "tr", "UKRAINIAN": "uk", "CHINESE": "zh", "ARABIC": "ar", "ITALIAN": "it", "PORTUGUESE": "pt",
    "KOREAN": "ko", "JAPANESE": "ja", "PERSIAN": "fa", "POLISH": "pl", "DUTCH": "nl", "MONGOLIAN": "mn",
    "BELARUSIAN": "be", "UZBEK": "uz",
}
KAZAKH_CYRILLIC = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
KAZAKH_SPECIFIC = set("әғқұӘҒҚҰ")
OTHER_CYRILLIC = set("іїєґўңөүІЇЄҐЎҢӨҮ")
# Letters of the 2018 and 2021 Kazakh Latin alphabets that Turkish and English do not use.
KAZAKH_LATIN_LETTERS = set("áǵńóúýäñūÁǴŃÓÚÝÄÑŪ")
KAZAKH_LATIN_WORDS = re.compile(
    r"\b(?:jáne|jane|zhane|men|bul|bυl|úshin|ushin|üşin|boıynsha|boyynsha|boiynsha|qazaqstan|qazaq|"
    r"respýblıkasy|respublikasy|respwblïkası|týraly|turaly|twralı|memlekettik|mınıstrligi|ministrligi|"
    r"qyzmet|qyzmetter|qala|jyl|jylǵy|jylgy|býdjet|bıudjet|mekeme|azamattar|barlyq|bolyp|bolady|"
    r"arqyly|sonymen|qatar|ortalyq|tilinde|ákimdigi|akimdigi|oblysy|aýdany|audany)\b",
    re.IGNORECASE)
APOSTROPHE_DIGRAPH = re.compile(r"[aougnsci]['’]", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Identified:
    language: str  # ISO 639-1 code, '' if unknown
    script: str  # Cyrl | Latn | other
    confidence: float
    words: int


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, name) for name in LINGUA_LANGUAGES if hasattr(Language, name)]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


@lru_cache(maxsize=1)
def _latin_detector():
    from lingua import Language, LanguageDetectorBuilder

    names = ["ENGLISH", "GERMAN", "SPANISH", "FRENCH", "TURKISH", "ITALIAN", "PORTUGUESE", "POLISH", "DUTCH"]
    return LanguageDetectorBuilder.from_languages(*[getattr(Language, n) for n in names]).with_low_accuracy_mode().build()


def _letters_class(ranges: list[tuple[int, int]]) -> re.Pattern:
    """A regex matching exactly the letters (str.isalpha) among the given code point ranges."""
    spans, start, prev = [], None, None
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            if chr(cp).isalpha():
                if start is None:
                    start = cp
                elif cp != prev + 1:
                    spans.append((start, prev))
                    start = cp
                prev = cp
    if start is not None:
        spans.append((start, prev))
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in spans)
    return re.compile(f"[{body}]")


# Counting letters is most of the cost of identifying a Cyrillic page: one C-level scan per script.
_CYRILLIC_LETTER = _letters_class([(0x0400, 0x052F)])
_LATIN_LETTER = _letters_class([(0x0000, 0x024F), (0x1E00, 0x1EFF)])
_OTHER_CYRILLIC = re.compile("[" + "".join(sorted(OTHER_CYRILLIC)) + "]")
_RUSSIAN_ONLY = re.compile("[ыэъ]")


def _alpha(text: str) -> int:
    return sum(map(str.isalpha, text))


def script_counts(text: str) -> tuple[int, int, int]:
    """Letters in Cyrillic, in Latin, and in other scripts."""
    cyr = len(_CYRILLIC_LETTER.findall(text))
    lat = len(_LATIN_LETTER.findall(text))
    return cyr, lat, _alpha(text) - cyr - lat


def kazakh_latin_score(text: str) -> float:
    """Evidence (0..1) that Latin-script text is Kazakh, from q-frequency, special letters and words."""
    n = _alpha(text)
    if n < 40:
        return 0.0
    q = (text.count("q") + text.count("Q")) / n
    special = sum(text.count(c) for c in KAZAKH_LATIN_LETTERS) / n
    words = len(text.split()) or 1
    hits = len(KAZAKH_LATIN_WORDS.findall(text)) / words
    apos = len(APOSTROPHE_DIGRAPH.findall(text)) / words
    score = 0.0
    score += min(q / 0.02, 1.0) * 0.35  # Kazakh Latin: q is 2-4% of letters; English ~0.1%
    score += min(hits / 0.04, 1.0) * 0.4
    score += min(max(special, apos / 4) / 0.01, 1.0) * 0.25
    return round(score, 3)


def identify(text: str, *, sample: int = 400, words: int | None = None) -> Identified:
    """The language of a text: code, script and confidence; '' for too little text. `words` counts the whole text.

    A caller that knows the text's word count passes it (splitting a long page only to count costs more than
    identifying it). 400 characters (some 60 words) settle the language as 1,200 did on every page of the
    fixtures and the real-pages corpus, at a third of the cost; 300 no longer do.
    """
    words = len(text.split()) if words is None else words
    if words < 8:
        return Identified("", "", 0.0, words)
    if len(text) > sample * 2:
        # Menus open most pages and repeat the site's furniture: read a slice from further in.
        start = len(text) // 5
        text = text[start:start + sample]
    else:
        text = text[:sample]
    text = unicodedata.normalize("NFC", text)
    cyr, lat, other = script_counts(text)
    total = cyr + lat + other or 1
    if lat / total > 0.6:
        kk = kazakh_latin_score(text)
        if kk >= 0.5:
            return Identified("kk", "Latn", kk, words)
        values = _latin_detector().compute_language_confidence_values(text)
        best = values[0] if values else None
        if best is None or best.value < 0.2:
            return Identified("", "Latn", 0.0, words)
        code = LINGUA_LANGUAGES.get(best.language.name, best.language.name.lower()[:2])
        return Identified(code, "Latn", round(best.value, 3), words)
    if cyr / total > 0.6:
        # Letters settle Kazakh and Russian cheaply: қ ұ ә ғ are Kazakh (ў would be Uzbek); ы э ъ without the
        # letters of Ukrainian, Belarusian, Kyrgyz or Mongolian are Russian. lingua decides the rest.
        kk_letters = sum(text.count(c) for c in KAZAKH_SPECIFIC)
        if kk_letters / max(cyr, 1) > 0.01 and "ў" not in text:
            return Identified("kk", "Cyrl", min(1.0, 0.7 + kk_letters / max(cyr, 1) * 5), words)
        if not _OTHER_CYRILLIC.search(text) and _RUSSIAN_ONLY.search(text):
            return Identified("ru", "Cyrl", 0.9, words)
    values = _detector().compute_language_confidence_values(text)
    best = values[0] if values else None
    if best is None or best.value < 0.2:
        return Identified("", "Cyrl" if cyr > lat else "Latn" if lat else "other", 0.0, words)
    code = LINGUA_LANGUAGES.get(best.language.name, best.language.name.lower()[:2])
    script = "Cyrl" if cyr > lat and cyr > other else "Latn" if lat > other else "other"
    return Identified(code, script, round(best.value, 3), words)
