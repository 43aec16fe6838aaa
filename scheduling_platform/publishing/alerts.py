"""Telling people a publish run failed: the log always, a webhook when one is configured."""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)


def post_alert(webhook_url: str | None, payload: dict[str, Any], timeout: float = 5.0) -> bool:
    """Send `payload` as JSON to the webhook; never raises (an alert must not break recovery)."""
    log.warning("publish run failed: %s", payload)
    if not webhook_url:
        return False
    try:
        response = httpx.post(webhook_url, json=payload, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.error("the alert webhook did not take the alert (%s)", type(exc).__name__)
        return False
    return True
