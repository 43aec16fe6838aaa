"""One evaluation of a sensor, with the runs it asks for executed here, on the real instance.

`scheduling-platform tick` uses it for the due-task, review and alert sensors: the runs are
stored on the instance like any daemon-launched run, so the UI shows them. What the daemon's
run-failure sensor does for its runs, a tick does for its own: a failed run's claims are given
back at once. Ctrl-C or SIGTERM stops a tick after giving back what it has not sent.
"""

import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dagster import (
    DagsterExecutionInterruptedError,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    RunRequest,
    build_sensor_context,
)

from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.publishing.alerts import alert_attention
from scheduling_platform.store.leases import release_batch
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import utcnow

TRIGGER = "scheduling-platform tick"


@dataclass(frozen=True)
class TickRun:
    """One run a tick asked for and how it ended."""

    run_id: str
    tags: dict[str, str]
    success: bool
    output: Any  # the job's one op's output; None when the run failed


class TickInterrupted(Exception):
    """SIGINT or SIGTERM stopped the tick; its claims not sent were given back first."""

    def __init__(self, runs: list[TickRun]) -> None:
        super().__init__("interrupted: the posts it had claimed and not sent are given back")
        self.runs = runs


@contextmanager
def _interrupts_deferred() -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM while claims are made, so no claim is left unknown to us;
    yields the signals received meanwhile."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda signum, _frame: received.append(signum))
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a tick as Ctrl-C does (inside a run Dagster maps it so too)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(outcome: ExecuteInProcessResult) -> bool:
    """The run stopped because the process was told to (Dagster turns the signal into this)."""
    return any(
        getattr(getattr(event.event_specific_data, "error", None), "cls_name", None)
        == "DagsterExecutionInterruptedError"
        for event in outcome.all_events
        if event.is_failure
    )


def run_sensor_tick(
    instance: DagsterInstance,
    definitions: Definitions,
    sensor_name: str,
    *,
    trigger: str,
    give_back: Callable[[Mapping[str, str]], None] | None = None,
) -> list[TickRun]:
    """Evaluate `sensor_name` once and execute each run it requests, in this process.

    `give_back(tags)` frees what a failed run, or a run an interrupt kept from starting, held.
    """
    sensor = definitions.resolve_sensor_def(sensor_name)
    if sensor.job_name is None:
        raise ValueError(f"{sensor_name} starts no job")
    job = definitions.resolve_job_def(sensor.job_name)
    (op_name,) = [node.name for node in job.graph.nodes]
    requests: list[RunRequest] = []
    runs: list[TickRun] = []
    try:
        with _sigterm_as_interrupt():
            with (
                _interrupts_deferred() as held,
                build_sensor_context(
                    instance=instance, definitions=definitions, resources=definitions.resources
                ) as context,
            ):
                result = sensor.evaluate_tick(context)
            requests = list(result.run_requests or [])
            if held:
                raise KeyboardInterrupt
            for request in requests:
                tags = {**request.tags, "trigger": trigger}
                outcome = job.execute_in_process(
                    run_config=request.run_config,
                    instance=instance,
                    tags=tags,
                    raise_on_error=False,
                )
                output = outcome.output_for_node(op_name) if outcome.success else None
                runs.append(TickRun(outcome.run_id, tags, outcome.success, output))
                if not outcome.success and give_back is not None:
                    give_back(tags)
                if _interrupted(outcome):
                    raise KeyboardInterrupt
    except (KeyboardInterrupt, DagsterExecutionInterruptedError):
        # Dagster raises its own error when the signal lands in a run's setup or teardown,
        # outside the step that would record it as the run's failure.
        if give_back is not None:
            for request in requests[len(runs) :]:
                give_back(request.tags)
        raise TickInterrupted(runs) from None
    return runs


def _resource(definitions: Definitions, key: str) -> Any:
    """A resource of the definitions with its EnvVars resolved, as a run would see it."""
    resources: Mapping[str, Any] = definitions.resources or {}
    return resources[key].process_config_and_initialize()


# Initialising a resource outside a run builds an ephemeral Dagster instance (its storage
# migrated in memory): a seventh of a looping publisher's time when done every tick. The
# last definitions' store is kept (a process ticks one set of definitions).
_last_store: list[tuple[Definitions, TaskStore]] = []


def _store(definitions: Definitions) -> TaskStore:
    """The definitions' task store, opened once for them while they are the ones ticked."""
    if _last_store and _last_store[0][0] is definitions:
        return _last_store[0][1]
    store: TaskStore = _resource(definitions, "task_store").get_store()
    _last_store[:] = [(definitions, store)]
    return store


def run_one_tick(instance: DagsterInstance, definitions: Definitions) -> list[dict[str, Any]]:
    """A due-task tick: one summary a run (its id, platform, success, the tasks it sent)."""
    store = _store(definitions)

    def give_back(tags: Mapping[str, str]) -> None:
        if tags.get("claim_batch"):
            release_batch(store, tags["claim_batch"], utcnow(), actor=TRIGGER)

    runs = run_sensor_tick(
        instance, definitions, "due_tasks_sensor", trigger=TRIGGER, give_back=give_back
    )
    sent = store.list_tasks_by_id([i for run in runs for i in run.output or []])
    status = {t.id: t.status for t in sent}
    return [
        {
            "run_id": run.run_id,
            "platform": run.tags.get("platform"),
            "success": run.success,
            "published_task_ids": [
                i for i in run.output or [] if status.get(i) is TaskStatus.PUBLISHED
            ],
            # In the platform's review (WeChat, Douyin, Baijiahao): the review tick follows up.
            "submitted_task_ids": [
                i for i in run.output or [] if status.get(i) is TaskStatus.SUBMITTED
            ],
        }
        for run in runs
    ]


def run_review_tick(instance: DagsterInstance, definitions: Definitions) -> list[dict[str, int]]:
    """A review tick: each review run's counts by status."""
    runs = run_sensor_tick(instance, definitions, "review_sensor", trigger=TRIGGER)
    return [run.output for run in runs if run.success]


def run_alert_tick(definitions: Definitions, since: int | None) -> int:
    """Alert once for what needed a person since audit entry `since`; returns the next cursor."""
    webhook_url = _resource(definitions, "alerts").webhook_url or None
    return alert_attention(_store(definitions), since, webhook_url)


@dataclass(frozen=True)
class PlatformTick:
    """What one `scheduling-platform tick` did: publish runs, review runs, failed runs."""

    runs: list[dict[str, Any]]
    reviews: list[dict[str, int]]
    failed_review_runs: int

    @property
    def failed(self) -> int:
        return sum(not r["success"] for r in self.runs) + self.failed_review_runs


def run_platform_tick(instance: DagsterInstance, definitions: Definitions) -> PlatformTick:
    """Publish what is due, follow up posts in review, then one alert for what needs a person.

    The alert covers this tick even when it is interrupted (`TickInterrupted` is re-raised).
    """
    since = run_alert_tick(definitions, None)
    try:
        runs = run_one_tick(instance, definitions)
        reviews = run_sensor_tick(instance, definitions, "review_sensor", trigger=TRIGGER)
    finally:
        run_alert_tick(definitions, since)
    return PlatformTick(
        runs,
        [run.output for run in reviews if run.success],
        sum(not run.success for run in reviews),
    )
