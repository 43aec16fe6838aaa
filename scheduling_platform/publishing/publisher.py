"""Publishing a claimed batch: each post at its exact due time, once, in account order."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduling_platform.lifecycle import InvalidTransitionError, TaskStatus
from scheduling_platform.platforms.base import (
    ErrorKind,
    PlatformClient,
    PlatformError,
    Post,
)
from scheduling_platform.publishing.error_policy import ErrorPolicy
from scheduling_platform.publishing.group_commit import GroupCommit
from scheduling_platform.publishing.rate_limit import TokenBucket
from scheduling_platform.publishing.token_refresh import publish_with_token_refresh
from scheduling_platform.publishing.verification import DEFAULT_CLOCK_SKEW, identify
from scheduling_platform.store.attempts import AttemptEnd, AttemptStart
from scheduling_platform.store.leases import extend_claims, give_back_unsent, needs_verification
from scheduling_platform.store.records import Account, Task
from scheduling_platform.store.task_store import PostHeldError, TaskStore
from scheduling_platform.timeutil import utcnow
from scheduling_platform.vault import VaultError

log = logging.getLogger(__name__)

DEFAULT_RATE_PER_SECOND = 50.0


@dataclass(frozen=True)
class PublishOutcome:
    task_id: int
    platform: str
    status: TaskStatus
    sent_at: datetime | None
    lateness_seconds: float | None
    platform_post_id: str | None = None
    error: str | None = None


@dataclass
class BatchPublisher:
    store: TaskStore
    clients: Mapping[str, PlatformClient]
    run_id: str | None = None
    concurrency: int = 16
    lease_seconds: int = 300
    rate_per_second: Mapping[str, float] = field(default_factory=dict)
    default_rate_per_second: float = DEFAULT_RATE_PER_SECOND
    error_policy: ErrorPolicy = field(default_factory=ErrorPolicy)
    sleep: Callable[[float], None] = time.sleep
    # How far the platforms' clocks may be behind ours, when verifying (verification.py).
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW
    _limiters: dict[str, TokenBucket] = field(default_factory=dict, init=False)
    _verify: set[int] = field(default_factory=set, init=False)
    # The threads' attempt writes, committed together (group_commit.py).
    _starts: GroupCommit[AttemptStart, Task] = field(init=False)
    _ends: GroupCommit[AttemptEnd, Task] = field(init=False)

    def __post_init__(self) -> None:
        self._starts = GroupCommit(self.store.begin_attempts)
        self._ends = GroupCommit(self.store.finish_attempts)

    def publish_batch(self, claim_batch: str) -> list[PublishOutcome]:
        """Publish every task still claimed under `claim_batch`; returns one outcome each."""
        batch = [
            t for t in self.store.tasks_in_batch(claim_batch) if t.status is TaskStatus.CLAIMED
        ]
        if not batch:
            return []
        accounts = self.store.accounts_by_id({t.account_id for t in batch})
        self._verify = needs_verification(self.store, (t.id for t in batch))
        self._limiters = {
            platform: TokenBucket(self.rate_per_second.get(platform, self.default_rate_per_second))
            for platform in {t.platform for t in batch}
        }
        stop = threading.Event()
        heartbeat = threading.Thread(
            target=self._keep_claims, args=(claim_batch, stop), name="claims", daemon=True
        )
        heartbeat.start()
        try:
            futures = self._send_in_order(batch, accounts)
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM, a terminated run): what it never began is free now.
            give_back_unsent(self.store, claim_batch, utcnow(), actor="publish_job")
            raise
        finally:
            stop.set()
            heartbeat.join()
        return [f.result() for f in futures]

    def _keep_claims(self, claim_batch: str, stop: threading.Event) -> None:
        """While this run lives, its waiting claims do not expire; if it dies, they do."""
        interval = max(1.0, self.lease_seconds / 3)
        while not stop.wait(interval):
            try:
                extend_claims(
                    self.store, claim_batch, utcnow() + timedelta(seconds=self.lease_seconds)
                )
            except Exception:  # the lease then runs out as if the run had died: safe
                log.warning("could not extend the claims of %s", claim_batch, exc_info=True)

    def _send_in_order(
        self, batch: list[Task], accounts: Mapping[int, Account]
    ) -> list[Future[PublishOutcome]]:
        """Hand each task to the pool at its due time; returns when all are done."""
        last_of_account: dict[int, Future[PublishOutcome]] = {}
        futures: list[Future[PublishOutcome]] = []
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="publish") as pool:
            for task in sorted(batch, key=lambda t: (t.send_after, -t.priority, t.id)):
                self._wait_until(task.send_after)  # a retry never before its backoff ends
                # Posts of one account leave in order: each waits for the one before it.
                # The pool is FIFO, so the one before is running or done: no deadlock.
                before = last_of_account.get(task.account_id)
                future = pool.submit(self._publish_after, before, task, accounts[task.account_id])
                last_of_account[task.account_id] = future
                futures.append(future)
        return futures

    def _wait_until(self, due: datetime) -> None:
        delay = (due - utcnow()).total_seconds()
        if delay > 0:
            self.sleep(delay)

    def _publish_after(
        self, before: Future[PublishOutcome] | None, task: Task, account: Account
    ) -> PublishOutcome:
        if before is not None:
            before.result()
        try:
            return self.publish_one(task, account)
        except VaultError:
            # The key is missing or the row was moved: no task of this store can be sent until
            # a person restores the keyring, so the run fails (its claims are given back and
            # the failure alerted) instead of each task waiting out its lease.
            raise
        except Exception:  # keep the batch going; the task's lease brings it back
            log.exception("publishing task %s failed unexpectedly", task.id)
            return PublishOutcome(
                task.id,
                task.platform,
                task.status,
                None,
                None,
                error="unexpected error; see the run log",
            )

    def publish_one(self, task: Task, account: Account) -> PublishOutcome:
        client = self.clients[task.platform]
        # The lease must outlast the attempt's requests (publish, token refresh, publish
        # again), or another publisher could verify too early, not find the post, and resend.
        lease = max(self.lease_seconds, 3 * getattr(client, "timeout_seconds", 10.0) + 5)
        account.credentials  # noqa: B018  (opened before the point of no return: VaultError)
        try:
            started = self._starts(
                AttemptStart(task, self.run_id, utcnow() + timedelta(seconds=lease))
            )
        except InvalidTransitionError as exc:
            # Cancelled, moved or re-claimed since the claim (the point of no return is this
            # conditional claimed -> publishing): not ours to send. Reported as it now stands.
            now = self.store.get_task(task.id).status
            return PublishOutcome(task.id, task.platform, now, None, None, error=str(exc))
        post = Post(task_id=task.id, text=task.content, title=task.title, media=task.media)
        if task.id in self._verify:
            verified = self._verify_earlier_attempt(started, client, account, post)
            if verified is not None:
                return verified
        self._limiters[task.platform].acquire()
        sent_at = utcnow()
        lateness = (sent_at - task.scheduled_at).total_seconds()
        try:
            result = publish_with_token_refresh(self.store, client, account, post)
        except PlatformError as exc:
            target, values = self.error_policy.decide(started, exc, utcnow())
            self._finish(
                started,
                target,
                outcome="error",
                error_kind=str(exc.kind),
                error=str(exc),
                values=values,
            )
            return PublishOutcome(task.id, task.platform, target, sent_at, lateness, error=str(exc))
        target = TaskStatus.PUBLISHED if result.final else TaskStatus.SUBMITTED
        try:
            self._finish(
                started, target, outcome=str(target), platform_post_id=result.platform_post_id
            )
        except PostHeldError as exc:
            # The platform named this attempt's post, yet another task's record holds it:
            # one of the two records is wrong, and a person must say which.
            error = f"sent, but {exc}"
            self._finish(started, TaskStatus.NEEDS_ATTENTION, outcome="post_held", error=error)
            held = TaskStatus.NEEDS_ATTENTION
            return PublishOutcome(task.id, task.platform, held, sent_at, lateness, error=error)
        return PublishOutcome(
            task.id, task.platform, target, sent_at, lateness, result.platform_post_id
        )

    def _verify_earlier_attempt(
        self, started: Task, client: PlatformClient, account: Account, post: Post
    ) -> PublishOutcome | None:
        """Ask the platform whether an earlier attempt went out; None means "send it now"."""
        try:
            found = identify(
                self.store, client, account.credentials, started, clock_skew=self.clock_skew
            )
        except PlatformError as exc:
            return self._still_unknown(started, str(exc))
        if found.cannot_tell is not None:
            return self._still_unknown(started, found.cannot_tell)
        if found.platform_post_id is None:
            return None
        found_id = found.platform_post_id
        try:
            final = client.publish_status(account.credentials, found_id).final
        except PlatformError:
            final = False  # the review path will follow it up
        target = TaskStatus.PUBLISHED if final else TaskStatus.SUBMITTED
        log.info(
            "task %s was already on %s as %s: not sent again",
            started.id,
            started.platform,
            found_id,
        )
        try:
            self._finish(started, target, outcome="found_published", platform_post_id=found_id)
        except PostHeldError as exc:  # another task took it meanwhile: look again later
            return self._still_unknown(started, str(exc))
        return PublishOutcome(started.id, started.platform, target, None, None, found_id)

    def _still_unknown(self, started: Task, why: str) -> PublishOutcome:
        """Still unknown: ask again later while the budget lasts (recorded as an unknown
        outcome, so the next attempt verifies too), then leave it to a person."""
        error = f"an earlier attempt may have gone out and the platform cannot tell: {why}"
        unknown = PlatformError(ErrorKind.UNKNOWN_OUTCOME, error)
        target, values = self.error_policy.decide(started, unknown, utcnow())
        self._finish(
            started,
            target,
            outcome="unverified",
            error_kind=str(ErrorKind.UNKNOWN_OUTCOME),
            error=error,
            values=values,
        )
        return PublishOutcome(started.id, started.platform, target, None, None, error=error)

    def _finish(
        self,
        started: Task,
        target: TaskStatus,
        *,
        outcome: str,
        platform_post_id: str | None = None,
        error_kind: str | None = None,
        error: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        end = AttemptEnd(
            started, target, outcome, platform_post_id, error_kind, error, values or {}
        )
        try:
            self._ends(end)
        except InvalidTransitionError:
            # A retried write whose first COMMIT had landed, or a lease given back meanwhile:
            # the task has moved on and will be verified before any resend.
            log.warning("task %s moved on before its attempt was recorded", started.id)
