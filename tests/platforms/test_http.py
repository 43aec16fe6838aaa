"""The answer and error-code helpers every client's response check goes through."""

from __future__ import annotations

import httpx
import pytest

from scheduling_platform.platforms.base import ErrorKind, PlatformError
from scheduling_platform.platforms.http import code_error, json_object

KINDS = {40001: ErrorKind.AUTH}


def test_code_error_by_the_table_else_retryable_and_unrecognised() -> None:
    known = code_error(KINDS, 40001, "invalid credential")
    assert (known.kind, known.code, known.unrecognised) == (ErrorKind.AUTH, "40001", False)
    odd = code_error(KINDS, 99999, "odd")
    assert (odd.kind, odd.code, odd.unrecognised) == (ErrorKind.RETRYABLE, "99999", True)


def test_code_error_masks_an_echoed_secret() -> None:
    error = code_error(KINDS, 40001, "bad access_token=abcdefgh12345678")
    assert "abcdefgh12345678" not in str(error)


@pytest.mark.parametrize(
    ("status", "content", "kind", "sends_post"),
    [
        (502, b"{}", ErrorKind.RETRYABLE, False),
        (502, b"{}", ErrorKind.UNKNOWN_OUTCOME, True),
        (404, b'{"errcode": 0}', ErrorKind.RETRYABLE, True),
        (200, b"<html>", ErrorKind.RETRYABLE, False),
        (200, b"[1]", ErrorKind.RETRYABLE, False),
    ],
)
def test_json_object_refuses_what_is_not_a_json_object(
    status: int, content: bytes, kind: ErrorKind, sends_post: bool
) -> None:
    with pytest.raises(PlatformError) as raised:
        json_object(httpx.Response(status, content=content), sends_post=sends_post)
    assert (raised.value.kind, raised.value.code) == (kind, str(status))


def test_json_object_returns_the_object() -> None:
    assert json_object(httpx.Response(200, json={"a": 1}), sends_post=True) == {"a": 1}
