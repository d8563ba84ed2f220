"""A check is data plus a pure function: declaration, result, evidence, and the runner that never crashes.

Each check declares an id (kebab-case, stable once a round used it), a title, the criterion it informs and
the artifacts it requires, and one function from a site's stored artifacts to a `CheckResult`: a status,
named *features* (counts and flags the rubric's suggestion rules read), findings in words, a one-sentence
explanation and evidence items (URL, snippet, location in the page, screenshot region). The runner passes
only sites that have what a check requires and turns an exception into an error result for that site and
check, never a crashed round.
"""

from __future__ import annotations

import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Literal

from rubric.lexicons import Lexicons
from scoring.artifacts import SiteArtifacts

Status = Literal["found", "partial", "not-found", "not-applicable", "error"]
STATUSES = ("found", "partial", "not-found", "not-applicable", "error")


@dataclass
class Evidence:
    """One thing a reviewer can look at: where, what, and why it counts."""

    url: str
    label: str  # what it shows, e.g. "downloadable form (DOCX)"
    snippet: str = ""  # the element's text or markup, shortened
    location: str = ""  # an XPath within the page
    region: dict[str, Any] | None = None  # screenshot region {"screenshot": path, "x", "y", "w", "h"}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    status: Status
    explanation: str  # one sentence
    features: dict[str, float | int | bool] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    level: int | None = None  # a check may suggest a level of its own; usually the criterion's rules do
    error: str = ""


@dataclass
class Context:
    """Read-only data a check may use besides the artifacts: lexicons and options."""

    lexicons: Lexicons
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    criterion: str
    requires: tuple[str, ...]
    run: Callable[[SiteArtifacts, Context], CheckResult]
    description: str = ""
    features: dict[str, str] = field(default_factory=dict)  # every feature the check reports, with its meaning

    def __call__(self, artifacts: SiteArtifacts, ctx: Context) -> CheckResult:
        return self.run(artifacts, ctx)


def run_check(check: Check, artifacts: SiteArtifacts, ctx: Context) -> CheckResult:
    """Run one check on one site; missing artifacts give not-applicable, exceptions give an error result."""
    missing = [r for r in check.requires if not artifacts.has(r)]
    if missing:
        return CheckResult("not-applicable", f"Not run: the site has no stored {', '.join(missing)}.")
    try:
        result = check.run(artifacts, ctx)
    except Exception as exc:  # a check's bug must not end the round
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return CheckResult("error", f"The check failed: {type(exc).__name__}: {exc}",
                           error=f"{type(exc).__name__}: {exc} (at {tb.filename.rsplit('/', 1)[-1]}:{tb.lineno})")
    if result.status not in STATUSES:
        return CheckResult("error", f"The check returned an unknown status {result.status!r}.", error="bad status")
    return result


def snippet_of(element, limit: int = 200) -> str:
    """A short text for an element: its visible text, else its outer markup."""
    from scoring.artifacts import text_content

    try:
        text = " ".join(text_content(element).split())
    except (TypeError, ValueError):
        text = ""
    if not text:
        from lxml import etree

        text = etree.tostring(element, encoding="unicode", with_tail=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def xpath_of(element) -> str:
    try:
        return element.getroottree().getpath(element)
    except (AttributeError, ValueError):
        return ""
