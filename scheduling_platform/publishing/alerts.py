"""Telling people what needs them: the log always, a webhook when one is configured.

Two kinds of alert: a publish run that failed (one message a run), and the tasks that ended
`failed` or `needs_attention` and the accounts that need re-authorisation since the last look
(one message a tick, however many there are, read from the audit log).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from scheduling_platform.lifecycle import AccountStatus, TaskStatus
from scheduling_platform.redaction import redact
from scheduling_platform.store.audit import newest_entries
from scheduling_platform.store.base import StoreBase

log = logging.getLogger(__name__)

TASK_ENDS = (TaskStatus.FAILED, TaskStatus.NEEDS_ATTENTION)
# One message stays readable in a storm: this many items are listed, the rest counted.
MAX_LISTED = 50


def post_alert(webhook_url: str | None, payload: dict[str, Any], timeout: float = 5.0) -> bool:
    """Send `payload` as JSON to the webhook; never raises (an alert must not break recovery)."""
    log.warning("alert %s: %s", payload.get("event"), payload)
    if not webhook_url:
        return False
    try:
        response = httpx.post(webhook_url, json=payload, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        log.error("the alert webhook did not take the alert (%s)", type(exc).__name__)
        return False
    return True


@dataclass(frozen=True)
class AttentionReport:
    """What needs a person since the last look, and where the next look starts."""

    cursor: int
    tasks: list[dict[str, Any]] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any] | None:
        """The one message for all of it; None when nothing needs anyone."""
        if not self.tasks and not self.accounts:
            return None
        return {
            "event": "attention_needed",
            "tasks": len(self.tasks),
            "tasks_by_status": dict(Counter(t["status"] for t in self.tasks)),
            "accounts_needing_reauthorisation": len(self.accounts),
            "reasons": dict(Counter(t["reason"] for t in self.tasks).most_common(10)),
            "task_items": self.tasks[:MAX_LISTED],
            "account_items": self.accounts[:MAX_LISTED],
            "more": max(0, len(self.tasks) - MAX_LISTED) + max(0, len(self.accounts) - MAX_LISTED),
        }


def attention_since(store: StoreBase, cursor: int | None) -> AttentionReport:
    """Tasks that ended failed or needs_attention and accounts held since `cursor` (an audit id;
    None: from now on)."""
    targets = [*(s.value for s in TASK_ENDS), AccountStatus.NEEDS_REAUTH.value]
    entries, up_to = newest_entries(store, cursor, targets)
    tasks, accounts = [], []
    for entry in entries:
        reason = redact(entry["detail"] or "no reason recorded")
        if entry["task_id"] is not None:
            tasks.append(
                {
                    "task_id": entry["task_id"],
                    "account_id": entry["account_id"],
                    "status": entry["to_status"],
                    "reason": reason,
                }
            )
        elif entry["account_id"] is not None:
            accounts.append({"account_id": entry["account_id"], "reason": reason})
    return AttentionReport(up_to, tasks, accounts)


def alert_attention(store: StoreBase, cursor: int | None, webhook_url: str | None) -> int:
    """Post one alert for what needs a person since `cursor`; returns the next cursor."""
    report = attention_since(store, cursor)
    payload = report.payload()
    if payload is not None:
        post_alert(webhook_url, payload)
    return report.cursor
