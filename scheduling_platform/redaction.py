"""Keeps secrets out of text that leaves the process: log records, error messages, CLI output.

Two nets: every credential value the vault has sealed or opened in this process is replaced
wherever it appears, and `name=value` / `"name": "value"` pairs whose name says secret are
masked even when the value was never seen (a token in a URL's query string, say).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
# Shorter values are not secrets worth hiding and would mask ordinary words.
MIN_SECRET_LENGTH = 8

_SECRET_FIELD = re.compile(r"(token|secret|password|authorization_code|credential)", re.I)
_PAIR = re.compile(
    r"\b(?P<name>(?:access|refresh|app)[_-]?token|(?:app|client)[_-]?secret|secret"
    r"|password|authorization[_-]?code)"
    r"(?P<sep>[\"']?\s*[=:]\s*[\"']?)"
    r"(?P<value>[^&\s\"',;}]+)",
    re.I,
)

# Known secrets by their first MIN_SECRET_LENGTH characters: one dict lookup a position of
# the text, however many secrets there are (thousands of accounts, each with a few).
_by_prefix: dict[str, set[str]] = {}
_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def is_secret_field(name: str) -> bool:
    return bool(_SECRET_FIELD.search(name))


def secret_values(credentials: Mapping[str, Any]) -> list[str]:
    """The values of a credentials mapping that must never be shown."""
    return [
        str(value)
        for name, value in credentials.items()
        if is_secret_field(str(name)) and value not in (None, "")
    ]


def register_secrets(values: Iterable[str]) -> None:
    """Remember values to mask from now on in this process."""
    fresh = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH}
    if fresh - _secrets:
        with _lock:
            for secret in fresh - _secrets:
                _by_prefix.setdefault(secret[:MIN_SECRET_LENGTH], set()).add(secret)
                _secrets.add(secret)


def _mask_known(text: str) -> str:
    parts: list[str] = []
    start = i = 0
    last = len(text) - MIN_SECRET_LENGTH
    while i <= last:
        candidates = _by_prefix.get(text[i : i + MIN_SECRET_LENGTH])
        if candidates:
            found = [s for s in tuple(candidates) if text.startswith(s, i)]
            if found:
                parts += [text[start:i], MASK]
                i = start = i + max(map(len, found))
                continue
        i += 1
    return "".join(parts) + text[start:] if parts else text


def redact(text: str) -> str:
    """`text` with every known secret and every secret-named pair masked."""
    if not text:
        return text
    if _by_prefix:
        text = _mask_known(text)
    return _PAIR.sub(lambda m: f"{m['name']}{m['sep']}{MASK}", text)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is the logger's problem, not ours
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None:
        formatted = logging.Formatter().formatException(record.exc_info)
        clean = redact(formatted)
        if clean != formatted:
            # Handlers format `exc_info` only when `exc_text` is empty: this text wins.
            record.exc_text = clean


def install_log_redaction() -> None:
    """Mask secrets in every log record made in this process, whoever logs it.

    A record factory rather than a handler filter: it sees records of every logger (httpx,
    Dagster's run logger, ours) before any handler or the Dagster event log stores them.
    """
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True
