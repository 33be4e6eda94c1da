"""Reading an untrusted JSON body strictly: what ``json.loads`` lets through is not all valid.

``json.loads`` accepts ``NaN`` and ``Infinity``, turns ``1e400`` into infinity, fails with a
``ValueError`` (not a ``JSONDecodeError``) on a 5,000-digit integer, with ``RecursionError`` on
deep nesting, and returns strings with lone surrogates (which neither SQLite's UTF-8 nor
PostgreSQL can store) or NUL (which PostgreSQL refuses). Each of those was a 500; here each is a
400/422 naming the place in the document, identical on both databases.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from vitrina.errors import BadRequest, InvalidPayload

MAX_DEPTH = 32
MAX_INT_DIGITS = 30  # ids and prices fit in 19; anything longer is not data we store
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _constant(name: str) -> Any:
    raise InvalidPayload(f"body: {name} is not a number Vitrina accepts", field="body")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidPayload(f"body: the number {text[:40]} is out of range", field="body")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InvalidPayload(
            f"body: the number {text[:20]}… has {len(text)} digits; at most {MAX_INT_DIGITS} are "
            "accepted",
            field="body",
        )
    return int(text)


def loads_strict(body: bytes) -> Any:
    """Parse ``body``; raise 400 (not JSON) or 422 (JSON Vitrina will not store)."""
    try:
        value = json.loads(body, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        raise InvalidPayload(_too_deep(), field="body") from None
    check_document(value, "body")
    return value


def _too_deep() -> str:
    return f"body: JSON nested deeper than {MAX_DEPTH} levels"


def check_document(value: Any, where: str) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` and any string (key or value) with NUL or a lone
    surrogate, naming where it is. Iterative: the document may be deep."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidPayload(_too_deep(), field="body")
        if isinstance(item, str):
            if _BAD_TEXT.search(item):
                raise InvalidPayload(
                    f"{path}: text contains a NUL or an invalid (lone surrogate) character: "
                    f"{item[:40]!r}",
                    field=path,
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, path, depth))
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
