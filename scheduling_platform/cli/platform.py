"""Running the platform: the whole of it (`up`), the sandbox alone, or one sensor tick here."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service.tasks import show_task
from scheduling_platform.settings import get_settings


@click.command()
@json_option
@user_errors
def tick(as_json: bool) -> None:
    """Publish what is due, follow up posts in review, alert; here and now, then exit.

    Exits 1 when a run failed (its tasks are given back at once), 130 when interrupted (Ctrl-C
    or SIGTERM: the posts claimed and not sent are given back first).
    """
    from dagster import DagsterInstance

    from scheduling_platform.definitions import build_definitions
    from scheduling_platform.runtime.dagster_home import ensure_dagster_home
    from sensors.ticks import TickInterrupted, run_platform_tick

    ctx = context()
    ensure_dagster_home(ctx.settings)
    with DagsterInstance.get() as instance:
        try:
            done = run_platform_tick(instance, build_definitions(ctx.settings))
        except TickInterrupted as stopped:
            click.echo(f"Error: {stopped}", err=True)
            sys.exit(130)
    # A tick publishes every workspace's due posts; the CLI shows those of its workspace.
    sent = [i for run in done.runs for i in run["published_task_ids"] + run["submitted_task_ids"]]
    mine = {t.id for t in ctx.store.list_tasks_by_id(sent, workspace_id=ctx.workspace_id)}
    shown = [
        show_task(ctx, task_id).model_dump(mode="json", exclude={"attempts", "audit"})
        for task_id in sent
        if task_id in mine
    ]
    published = [t for t in shown if t["status"] == "published"]
    submitted = [t for t in shown if t["status"] == "submitted"]
    reviewed: dict[str, int] = {}
    for counts in done.reviews:
        for status, count in counts.items():
            reviewed[status] = reviewed.get(status, 0) + count
    lines = [
        f"run {r['run_id']} ({r['platform']}): "
        f"{'ok' if r['success'] else 'FAILED'}, {len(r['published_task_ids'])} published, "
        f"{len(r['submitted_task_ids'])} submitted for review"
        for r in done.runs
    ]
    lines += [f"  task {t['id']} -> {t['platform_post_id']} (published)" for t in published]
    lines += [
        f"  task {t['id']} -> {t['platform_post_id']} (submitted: in the platform's review)"
        for t in submitted
    ]
    if reviewed:
        lines.append("review: " + ", ".join(f"{n} {s}" for s, n in sorted(reviewed.items())))
    emit(
        as_json,
        {"runs": done.runs, "published": published, "submitted": submitted, "review": reviewed},
        "\n".join(lines) or "nothing was due",
    )
    if done.failed:
        click.echo(f"Error: {done.failed} run(s) failed; their tasks were given back", err=True)
        sys.exit(1)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8094, show_default=True, type=int)
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False),
    help="engagement profile JSON (default: the shipped one)",
)
@click.option("--review-delay", default=30.0, show_default=True, type=click.FloatRange(min=0))
@click.option("--reject-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@user_errors
def sandbox(
    host: str, port: int, profile: str | None, review_delay: float, reject_rate: float
) -> None:
    """Serve the local platform sandbox (the five platforms' APIs) on loopback."""
    from scheduling_platform.sandbox.app import serve
    from scheduling_platform.sandbox.engagement_profile import load_profile
    from scheduling_platform.sandbox.state import SandboxState

    state = SandboxState(review_delay_seconds=review_delay, review_reject_rate=reject_rate)
    if profile:
        state.profile = load_profile(Path(profile))  # ProfileError is a ValueError
    serve(host, port, state)


@click.command()
def up() -> None:
    """Start the sandbox, the Dagster webserver and the daemon (sensor running). Ctrl-C stops."""
    from scheduling_platform.runtime.launcher import PortInUseError, run_platform

    try:
        sys.exit(run_platform(get_settings()))
    except PortInUseError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def api(workers: int) -> None:
    """Serve the REST API alone (SCHEDULING_API_HOST:SCHEDULING_API_PORT, 127.0.0.1:8095).

    With more than one worker set SCHEDULING_REDIS_URL, so they share the rate limits.
    """
    from scheduling_platform.runtime.api_server import serve_api
    from scheduling_platform.runtime.launcher import PortInUseError

    try:
        serve_api(get_settings(), workers=workers)
    except PortInUseError as exc:
        raise click.ClickException(str(exc)) from None
