"""What Python's JSON parser accepts but no JSON response can carry back: NaN, Infinity, numbers that
overflow to infinity (`1e999999`), lone surrogates (`"\\ud800"`), bytes that are not UTF-8, nesting deep
enough to exhaust the stack. Such a body is refused with a 422 that names the field, before a route
parses it, so no handler and no error message ever holds a value that cannot be encoded.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32  # our bodies are flat records; deeper nesting is an attack on the parser


@dataclass(frozen=True)
class BodyProblem:
    loc: tuple[str | int, ...]  # where, as FastAPI's validation errors say it: ("body", "note")
    msg: str
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class _NotFinite(float):
    """A parsed NaN or Infinity, told apart from an ordinary float while the tree is walked."""


def _constant(text: str) -> float:
    return _NotFinite("nan")


def _float(text: str) -> float:
    value = float(text)
    return _NotFinite(value) if math.isinf(value) else value


def problem_of(body: bytes) -> BodyProblem | None:
    """The first reason this JSON body cannot be served back, or None (malformed JSON is left to the
    framework's own 422)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return BodyProblem(("body",), f"not UTF-8 (byte {exc.start})", "unicode_error")
    if _too_deep(text):
        return BodyProblem(("body",), f"nested deeper than {MAX_DEPTH} levels", "json_too_deep")
    try:
        tree = json.loads(text, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError:
        return None
    except ValueError as exc:  # an integer literal beyond Python's digit limit
        return BodyProblem(("body",), f"number too long: {str(exc)[:80]}", "json_invalid")
    return _walk(tree, ("body",))


def _too_deep(text: str) -> bool:
    """Brackets opened beyond MAX_DEPTH, outside strings (a cheap scan, so the parser never recurses far)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _walk(value: Any, loc: tuple[str | int, ...]) -> BodyProblem | None:
    if isinstance(value, _NotFinite):
        return BodyProblem(loc, "not a finite number (NaN, Infinity or out of range)", "finite_number")
    if isinstance(value, str):
        return _string_problem(value, loc)
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if (found := _string_problem(key, loc)) is not None:
                return found
            children.append((key, child))
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        if (found := _walk(child, (*loc, key))) is not None:
            return found
    return None


def _string_problem(text: str, loc: tuple[str | int, ...]) -> BodyProblem | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return BodyProblem(loc, "contains a lone surrogate (not valid Unicode text)", "string_unicode")
    return None
