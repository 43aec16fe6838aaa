"""What every router shares: the problem responses it documents, and bounded ids."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from scheduling_platform.api.problems import Problem

# Ids are 64-bit in the store; larger numbers in a path are refused as input, not looked up.
MAX_ID = 2**63 - 1
TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="a task's id")]
AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="an account's id")]


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of an operation that may answer these problem statuses."""
    return {
        status: {"model": Problem, "description": "problem details (RFC 9457)"}
        for status in statuses
    }


AUTHENTICATED = (401, 403, 422, 429)
