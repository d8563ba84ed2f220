"""The rubric as data: criteria, level descriptions, weights, and the declared level-suggestion rules.

A rubric file (YAML) is the single source of what is graded and how: the seven criteria of the 2010 survey
with stable kebab-case ids, their five level texts, weights (equal by default), an optional statistical
criterion (traffic, graded by quintile), and per criterion the ordered rules that turn the automated checks'
findings into a suggested level. `load_rubric` validates a file and reports every problem with its line.
"""

from __future__ import annotations

import hashlib
import operator
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rubric.yamlfile import InputError, Problem, line_of, load_located, pydantic_problems

CORE_CRITERIA = (
    "languages",
    "general-information",
    "personal-information",
    "accessibility-cooperativeness",
    "forms",
    "transparency",
    "real-time-operations",
)
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
RUBRIC_DIR = Path(__file__).parent
DEFAULT_RUBRIC = RUBRIC_DIR / "ministry2010.yaml"

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}
_COND = re.compile(r"^\s*(not\s+)?([a-z][a-z0-9_]*)\s*(?:(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?))?\s*$")


class Condition(BaseModel):
    """One test of a finding: `feature`, `not feature`, or `feature <op> number`."""

    model_config = ConfigDict(frozen=True)
    text: str
    feature: str
    negate: bool = False
    op: str | None = None
    value: float | None = None

    @classmethod
    def parse(cls, text: str) -> "Condition":
        m = _COND.match(str(text))
        if not m:
            raise ValueError(
                f"condition {text!r} is not understood: write a feature name, 'not name', or 'name >= 3' "
                f"(operators: {' '.join(_OPS)})"
            )
        negate, feature, op, value = m.groups()
        if negate and op:
            raise ValueError(f"condition {text!r}: use either 'not' or a comparison, not both")
        return cls(text=str(text).strip(), feature=feature, negate=bool(negate), op=op,
                   value=float(value) if value is not None else None)

    def holds(self, features: dict[str, float | int | bool]) -> bool:
        """Whether the condition holds; a missing feature counts as 0."""
        got = features.get(self.feature, 0)
        got = float(got) if not isinstance(got, bool) else float(got)
        if self.op:
            return _OPS[self.op](got, self.value)
        return (got == 0) if self.negate else (got != 0)


class SuggestRule(BaseModel):
    """If every condition holds, suggest `level` for the stated reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    level: int
    when: tuple[Condition, ...] = ()
    reason: str

    @field_validator("when", mode="before")
    @classmethod
    def _parse(cls, v):
        if v is None:
            return ()
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, (list, tuple)):
            raise ValueError("must be a list of conditions")
        return tuple(c if isinstance(c, Condition) else Condition.parse(c) for c in v)

    def holds(self, features: dict[str, float | int | bool]) -> bool:
        return all(c.holds(features) for c in self.when)


class Criterion(BaseModel):
    """A graded criterion with its level texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    title: str
    kind: Literal["judged", "statistical"] = "judged"
    optional: bool = False
    weight: float = 1.0
    examines: str
    levels: dict[int, str]
    suggest: tuple[SuggestRule, ...] = ()

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not KEBAB.match(v):
            raise ValueError(f"id {v!r} must be kebab-case (lower-case letters, digits and single hyphens)")
        return v

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float) -> float:
        if v < 0:
            raise ValueError(f"weight {v} is negative; weights must be zero or more")
        return v

    def level_text(self, level: int) -> str:
        return self.levels.get(level, "")


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: int = 1
    max: int = 5


class Rubric(BaseModel):
    """A whole rubric file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    version: str
    title: str
    description: str = ""
    scale: Scale = Scale()
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    sha256: str = ""
    path: str = ""

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v):
        return str(v) if isinstance(v, (int, float)) else v

    @model_validator(mode="after")
    def _levels_complete(self):
        want = set(range(self.scale.min, self.scale.max + 1))
        for c in self.criteria:
            have = set(c.levels)
            if have != want:
                missing = sorted(want - have)
                extra = sorted(have - want)
                bits = []
                if missing:
                    bits.append(f"missing level(s) {', '.join(map(str, missing))}")
                if extra:
                    bits.append(f"level(s) {', '.join(map(str, extra))} outside the scale {self.scale.min}-{self.scale.max}")
                raise ValueError(f"criterion {c.id!r}: {'; '.join(bits)}")
        return self

    @property
    def judged(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == "judged")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(f"unknown criterion {cid!r}; this rubric has: {', '.join(self.ids)}")


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load and validate a rubric file; raise InputError listing every problem with its line."""
    path = Path(path) if path else DEFAULT_RUBRIC
    raw = path.read_bytes() if path.is_file() else None
    data, lines = load_located(path)
    name = str(path)
    if not isinstance(data, dict):
        raise InputError([Problem(name, 1, "", "a rubric file must be a mapping with id, version, title and criteria")])
    problems: list[Problem] = []
    criteria = data.get("criteria")
    if isinstance(criteria, list):
        problems += _check_criteria_list(criteria, lines, name, data)
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        problems += [p for p in pydantic_problems(exc, name, lines, data) if p not in problems]
        # A failing whole-rubric validator reports at the top; point it at the criterion instead.
        problems = [_relocate(p, criteria, lines) for p in problems]
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    for c in rubric.criteria:
        for i, rule in enumerate(c.suggest):
            if not rubric.scale.min <= rule.level <= rubric.scale.max:
                idx = [x.id for x in rubric.criteria].index(c.id)
                problems.append(Problem(name, line_of(lines, ("criteria", idx, "suggest", i, "level")),
                                        f"criteria[{c.id}].suggest[{i}].level",
                                        f"level {rule.level} is outside the scale {rubric.scale.min}-{rubric.scale.max}"))
    if problems:
        raise InputError(problems)
    return rubric.model_copy(update={"sha256": hashlib.sha256(raw or b"").hexdigest(), "path": str(path)})


def _check_criteria_list(criteria: list, lines, name: str, data) -> list[Problem]:
    """Checks across criteria that pydantic cannot locate: unique ids and the seven core criteria."""
    problems = []
    seen: dict[str, int] = {}
    for i, c in enumerate(criteria):
        if not isinstance(c, dict):
            continue
        cid = c.get("id")
        if not isinstance(cid, str):
            continue
        if cid in seen:
            problems.append(Problem(name, line_of(lines, ("criteria", i, "id")), f"criteria[{i}].id",
                                    f"id {cid!r} is used twice (first at criteria[{seen[cid]}]); ids must be unique"))
        else:
            seen[cid] = i
    missing = [c for c in CORE_CRITERIA if c not in seen]
    if missing:
        problems.append(Problem(name, line_of(lines, ("criteria",)), "criteria",
                                f"the seven core criteria must all be present; missing: {', '.join(missing)}"))
    return problems


def _relocate(p: Problem, criteria, lines) -> Problem:
    m = re.match(r"criterion '([^']+)': ", p.message)
    if not m or not isinstance(criteria, list):
        return p
    for i, c in enumerate(criteria):
        if isinstance(c, dict) and c.get("id") == m.group(1):
            return Problem(p.file, line_of(lines, ("criteria", i, "levels")), f"criteria[{m.group(1)}].levels",
                           p.message[m.end():])
    return p
