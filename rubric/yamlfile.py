"""YAML files with line numbers, and validation problems that point into them.

Researchers edit sites.yaml and rubric files by hand; when one is wrong they need the file, the line and the
field, one line per problem, not a traceback. This module loads YAML while remembering the line of every
mapping key and list item, and turns pydantic validation errors into such lines. The rubric and the crawler's
site configuration both use it; it imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, with its place."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class InputError(Exception):
    """Bad input: one or more problems, each printable on its own line. The CLI exits with code 2."""

    def __init__(self, problems: Iterable[Problem | str]):
        self.problems = [p if isinstance(p, Problem) else Problem("", None, "", p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p).strip() for p in self.problems]


Loc = tuple  # a path into the data: keys and list indices


def load_located(path: str | Path, text: str | None = None) -> tuple[Any, dict[Loc, int]]:
    """Load a YAML file; return the data and a map from each path in it to its 1-based line."""
    path = Path(path)
    name = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError([Problem(name, None, "", "file not found")]) from None
        except UnicodeDecodeError as exc:
            raise InputError([Problem(name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
        except OSError as exc:
            raise InputError([Problem(name, None, "", f"cannot be read: {exc.strerror}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError([Problem(name, line, "", f"not valid YAML: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(name, None, "", f"not valid YAML: {exc}")]) from None
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    if node is None:
        return None, lines
    data = _build(node, (), lines, problems, name)
    if problems:
        raise InputError(problems)
    return data, lines


def _build(node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[Problem], name: str) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                problems.append(Problem(name, key_node.start_mark.line + 1, _dotted(loc + (key,)),
                                        "appears twice in the same mapping; keep one"))
                continue
            lines[loc + (key,)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, loc + (key,), lines, problems, name)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[loc + (i,)] = item.start_mark.line + 1
            items.append(_build(item, loc + (i,), lines, problems, name))
        return items
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return f"<{node.id}>"
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest part of `loc` found in the file."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def describe(lines: dict[Loc, int], loc: Loc, data: Any = None) -> str:
    """A readable field path; list items are named by their `id` where they have one."""
    parts: list[str] = []
    cur = data
    for part in loc:
        if isinstance(part, int):
            ident = cur[part].get("id") if isinstance(cur, list) and part < len(cur) and isinstance(cur[part], dict) else None
            parts.append(f"[{part}]" if ident is None else f"[{ident}]")
            cur = cur[part] if isinstance(cur, list) and part < len(cur) else None
        else:
            parts.append(("." if parts else "") + str(part))
            cur = cur.get(part) if isinstance(cur, dict) else None
    return "".join(parts)


def pydantic_problems(exc: Any, file: str, lines: dict[Loc, int], data: Any) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "union["))))
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "is required but missing"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known field (check the spelling; see the documentation for the fields allowed here)"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        problems.append(Problem(file, line_of(lines, loc), describe(lines, loc, data), msg))
    return problems
