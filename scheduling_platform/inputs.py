"""Limits on what a user may type, checked before anything is stored: 64-bit integers, JSON
nested no deeper than a sane limit, text that shows something."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1  # the store's integer columns
MAX_JSON_DEPTH = 32  # no credentials, batch or request body nests deeper


class InputError(ValueError):
    """Input no command takes; the message names what was refused, never its value."""


def check_int64(value: int, what: str) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise InputError(f"{what} is out of range: at most {INT64_MAX}")
    return value


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (checked before parsing, as
    the parser itself would recurse once a level)."""
    depth = 0
    in_string = escaped = False
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
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def load_json(text: str, what: str) -> Any:
    """`text` parsed as JSON, refused (InputError) when malformed or nested too deeply."""
    if json_depth_exceeds(text):
        raise InputError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:  # defensive: the scan above keeps the parser shallow
        raise InputError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels") from None


# Characters that print nothing: controls, format characters (zero-width space and joiners,
# word joiner, BOM, bidi marks), separators, and the few blank letters (Hangul fillers, braille
# blank) that Unicode files under letters and symbols.
_BLANK = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u180e"}


def is_blank(text: str | None) -> bool:
    """True when `text` shows nothing: empty, whitespace or invisible characters only."""
    return not any(
        not char.isspace()
        and char not in _BLANK
        and unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me")
        for char in text or ""
    )
