"""Store writes of many threads committed together: one transaction for whatever is waiting.

A publisher's threads each open and close an attempt per post, two transactions. At 10,000
posts a minute those transactions, one after another on SQLite's single writer (and two
round trips plus a commit each on Postgres), were what posts waited for. Here the first thread
to find no write under way takes every request waiting, its own included, into one call; the
others wait for that call and get their own item's result. Nothing is held back to wait for
company: a lone request goes at once, and requests pile up only while a write is already running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Request, Result]):
    request: Request
    done: bool = False
    result: Result | BaseException | None = None


class GroupCommit(Generic[Request, Result]):
    """Calls `write_all(requests)`, which returns one result or exception a request, in order;
    callers get their own, raised if it is an exception."""

    def __init__(
        self, write_all: Callable[[Sequence[Request]], Sequence[Result | Exception]]
    ) -> None:
        self._write_all = write_all
        self._changed = threading.Condition()
        self._waiting: list[_Waiting[Request, Result]] = []
        self._writing = False

    def __call__(self, request: Request) -> Result:
        mine: _Waiting[Request, Result] = _Waiting(request)
        with self._changed:
            self._waiting.append(mine)
            while self._writing and not mine.done:
                self._changed.wait()
            if not mine.done:
                self._writing = True
                group, self._waiting = self._waiting, []
        if not mine.done:
            self._write(group)
        if isinstance(mine.result, BaseException):
            raise mine.result
        return mine.result  # type: ignore[return-value]

    def _write(self, group: list[_Waiting[Request, Result]]) -> None:
        results: Sequence[Result | BaseException]
        try:
            results = self._write_all([w.request for w in group])
        except BaseException as exc:  # each caller gets the failure, as if it had written alone
            results = [exc] * len(group)
        with self._changed:
            for waiting, result in zip(group, results, strict=True):
                waiting.result = result
                waiting.done = True
            self._writing = False
            self._changed.notify_all()
