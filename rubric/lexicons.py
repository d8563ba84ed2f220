"""Per-language lexicons: the words and URL fragments that point to what the rubric asks about.

`rubric/lexicon/topics.yaml` names the topics (contacts, forms, budget, procurement, login, ...), the
criterion each serves and its priority for the crawler's frontier; `rubric/lexicon/<lang>.yaml` gives, per
topic, the words (matched at the start of a word, case-insensitively, so stems work for Russian and Kazakh)
and URL fragments (matched at the start of a path segment) in that language, plus the names and codes by which
language switchers and URLs refer to the language. Adding a language is adding a file; `names.yaml` lists
how switchers name further languages that have no lexicon yet. The crawler and the
checks both read these; neither imports the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from rubric.yamlfile import InputError, Problem, line_of, load_located

LEXICON_DIR = Path(__file__).parent / "lexicon"
_KNOWN_KEYS = {"language", "name", "names", "codes", "months", "topics"}


@dataclass(frozen=True)
class TopicInfo:
    id: str
    criterion: str
    priority: int


@dataclass(frozen=True)
class Lexicon:
    """The words of one language."""

    language: str
    name: str
    names: tuple[str, ...]
    codes: tuple[str, ...]
    words: dict[str, tuple[str, ...]]
    url: dict[str, tuple[str, ...]]
    months: tuple[tuple[str, ...], ...] = ()  # per month January..December, the stems that name it in dates
    extra: dict = field(default_factory=dict)  # other word lists a stage may read (e.g. `counts`), as written


def _word_regex(words: Iterable[str]) -> re.Pattern | None:
    words = sorted({w.casefold() for w in words if w}, key=len, reverse=True)
    if not words:
        return None
    # A word ending in "$" matches only as a whole word ("form$" is not "format"); others match as stems.
    alts = [re.escape(w[:-1]) + r"(?!\w)" if w.endswith("$") else re.escape(w) for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")", re.IGNORECASE)


def _url_regex(frags: Iterable[str]) -> re.Pattern | None:
    frags = sorted({f.casefold() for f in frags if f}, key=len, reverse=True)
    if not frags:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(f) for f in frags) + ")", re.IGNORECASE)


@dataclass
class Lexicons:
    """All languages' lexicons with compiled matchers across languages."""

    topics: dict[str, TopicInfo]
    languages: dict[str, Lexicon]
    other_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # switcher labels of other languages
    _cache: dict = field(default_factory=dict, repr=False)

    def words(self, topic: str, languages: Iterable[str] | None = None) -> tuple[str, ...]:
        langs = languages or self.languages
        return tuple(w for lang in langs for w in self.languages[lang].words.get(topic, ()))

    def word_pattern(self, topic: str) -> re.Pattern | None:
        """A regex matching any language's words for the topic at a word start."""
        key = ("w", topic)
        if key not in self._cache:
            self._cache[key] = _word_regex(self.words(topic))
        return self._cache[key]

    def url_pattern(self, topic: str) -> re.Pattern | None:
        key = ("u", topic)
        if key not in self._cache:
            self._cache[key] = _url_regex(f for lx in self.languages.values() for f in lx.url.get(topic, ()))
        return self._cache[key]

    def topics_in_text(self, text: str) -> set[str]:
        """The topics whose words occur in the text."""
        if not text:
            return set()
        return {t for t in self.topics if (p := self.word_pattern(t)) is not None and p.search(text)}

    def topics_in_url(self, url: str) -> set[str]:
        if not url:
            return set()
        return {t for t in self.topics if (p := self.url_pattern(t)) is not None and p.search(url)}

    @cached_property
    def _labels(self) -> dict[str, str]:
        out = {}
        for lx in self.languages.values():
            for n in lx.names:
                out.setdefault(n.casefold().strip(), lx.language)
        for lang, names in self.other_names.items():
            for n in names:
                out.setdefault(n.casefold().strip(), lang)
        return out

    @cached_property
    def _codes(self) -> dict[str, str]:
        out = {}
        for lx in self.languages.values():
            for c in lx.codes:
                out.setdefault(c.casefold(), lx.language)
        for lang in self.other_names:
            out.setdefault(lang, lang)
        return out

    def language_of_label(self, label: str) -> str | None:
        """The language a switcher label such as 'Қаз' or 'English' names, if any."""
        return self._labels.get(" ".join(label.split()).casefold()) if label else None

    def language_of_code(self, code: str) -> str | None:
        """The language a URL segment or lang attribute such as 'kz', 'ru-RU' or 'en' stands for."""
        if not code:
            return None
        code = code.casefold().replace("_", "-").strip()
        return self._codes.get(code) or self._codes.get(code.split("-")[0])


def load_lexicons(directory: str | Path | None = None) -> Lexicons:
    """Load topics.yaml and every <lang>.yaml in the directory, validating topic names."""
    directory = Path(directory) if directory else LEXICON_DIR
    tpath = directory / "topics.yaml"
    tdata, tlines = load_located(tpath)
    problems: list[Problem] = []
    topics: dict[str, TopicInfo] = {}
    for tid, info in ((tdata or {}).get("topics") or {}).items():
        if not isinstance(info, dict) or "criterion" not in info:
            problems.append(Problem(str(tpath), line_of(tlines, ("topics", tid)), f"topics.{tid}",
                                    "needs a criterion and a priority"))
            continue
        topics[tid] = TopicInfo(tid, str(info["criterion"]), int(info.get("priority", 0)))
    languages: dict[str, Lexicon] = {}
    extra_names: dict[str, tuple[str, ...]] = {}
    npath = directory / "names.yaml"
    if npath.exists():
        ndata, _ = load_located(npath)
        extra_names = {str(k): tuple(str(x) for x in v or ()) for k, v in ((ndata or {}).get("names") or {}).items()}
    for path in sorted(directory.glob("*.yaml")):
        if path.name in ("topics.yaml", "names.yaml"):
            continue
        data, lines = load_located(path)
        if not isinstance(data, dict) or "language" not in data:
            problems.append(Problem(str(path), 1, "language", "a lexicon file needs `language`, `names`, `codes` and `topics`"))
            continue
        words, url = {}, {}
        for tid, terms in (data.get("topics") or {}).items():
            if tid not in topics:
                problems.append(Problem(str(path), line_of(lines, ("topics", tid)), f"topics.{tid}",
                                        f"unknown topic; topics.yaml defines: {', '.join(topics)}"))
                continue
            terms = terms or {}
            words[tid] = tuple(dict.fromkeys(str(w).casefold() for w in terms.get("words") or ()))
            url[tid] = tuple(dict.fromkeys(str(u).casefold() for u in terms.get("url") or ()))
        lang = str(data["language"])
        months = data.get("months") or ()
        if months and (not isinstance(months, list) or len(months) != 12):
            problems.append(Problem(str(path), line_of(lines, ("months",)), "months",
                                    "needs twelve entries, January to December, each a list of stems"))
            months = ()
        months = tuple(tuple(str(m).casefold() for m in (e if isinstance(e, list) else [e])) for e in months)
        languages[lang] = Lexicon(lang, str(data.get("name", lang)), tuple(str(n) for n in data.get("names") or ()),
                                  tuple(str(c) for c in data.get("codes") or ()), words, url, months,
                                  {k: v for k, v in data.items() if k not in _KNOWN_KEYS})
    if problems:
        raise InputError(problems)
    return Lexicons(topics, languages, extra_names)
