"""`scheduling-platform`: accounts, tasks, the sandbox, one sensor tick, and the whole platform."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from scheduling_platform.cli.support import emit, json_option, open_store, user_errors
from scheduling_platform.lifecycle import TaskStatus
from scheduling_platform.platforms.base import PLATFORMS
from scheduling_platform.settings import get_settings
from scheduling_platform.store.task_store import TaskStore
from scheduling_platform.timeutil import in_zone


@click.group()
def main() -> None:
    """Schedule content for Weibo, WeChat, Douyin, Toutiao and Baijiahao; publish it on time."""


# ------------------------------------------------------------------------ accounts
@main.group()
def accounts() -> None:
    """Platform accounts."""


@accounts.command("add")
@click.option("--platform", required=True, type=click.Choice(PLATFORMS))
@click.option("--name", required=True)
@click.option("--credentials", help="JSON object; without it the sandbox issues a token")
@click.option("--timezone", help="IANA zone of the account (default Asia/Shanghai)")
@click.option(
    "--followers", type=click.IntRange(min=0), help="account size, used by the engagement model"
)
@json_option
@user_errors
def accounts_add(
    platform: str,
    name: str,
    credentials: str | None,
    timezone: str | None,
    followers: int | None,
    as_json: bool,
) -> None:
    from scheduling_platform.accounts.registration import add_account

    settings = get_settings()
    parsed = None
    if credentials is not None:
        try:
            parsed = json.loads(credentials)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--credentials is not valid JSON: {exc.msg}") from None
        if not isinstance(parsed, dict):
            raise ValueError("--credentials must be a JSON object")
    account = add_account(
        open_store(settings),
        settings,
        platform=platform,
        name=name,
        credentials=parsed,
        timezone=timezone,
        followers=followers,
    )
    emit(as_json, account.public_view(), f"account {account.id}: {platform} {name}")


@accounts.command("set-followers")
@click.argument("account_id", type=int)
@click.argument("followers", type=click.IntRange(min=0))
@json_option
@user_errors
def accounts_set_followers(account_id: int, followers: int, as_json: bool) -> None:
    """Record an account's size; engagement collected from now on carries it."""
    account = open_store(get_settings()).set_account_followers(account_id, followers)
    emit(as_json, account.public_view(), f"account {account.id}: {followers} followers")


@accounts.command("list")
@json_option
@user_errors
def accounts_list(as_json: bool) -> None:
    rows = [a.public_view() for a in open_store(get_settings()).list_accounts()]
    text = "\n".join(
        f"{a['id']:>5}  {a['platform']:<10} {a['name']}  ({a['timezone']}, "
        + (f"{a['followers']:,} followers)" if a["followers"] is not None else "size unknown)")
        for a in rows
    )
    emit(as_json, rows, text or "no accounts")


# --------------------------------------------------------------------------- tasks
@main.group()
def tasks() -> None:
    """Scheduled posts."""


def _task_line(store: TaskStore, task_view: dict[str, Any], zone_name: str) -> str:
    from scheduling_platform.timeutil import parse_user_time

    local = in_zone(parse_user_time(task_view["scheduled_at"], "UTC"), zone_name)
    return (
        f"{task_view['id']:>7}  {task_view['platform']:<10} {task_view['status']:<16} "
        f"{local.isoformat()}  {task_view['content'][:40]}"
    )


@tasks.command("create")
@click.option("--account", "account_id", required=True, type=int)
@click.option("--content", required=True)
@click.option("--at", "at", required=True, help="ISO 8601; without a zone, the account's zone")
@click.option("--priority", default=5, show_default=True, type=int, help="1 (low) to 10 (high)")
@click.option("--title")
@click.option("--media", multiple=True, help="a path or URL; repeat for several (Douyin: a video)")
@json_option
@user_errors
def tasks_create(
    account_id: int,
    content: str,
    at: str,
    priority: int,
    title: str | None,
    media: tuple[str, ...],
    as_json: bool,
) -> None:
    from scheduling_platform.service.tasks import schedule_task

    store = open_store(get_settings())
    task = schedule_task(
        store, account_id, content, at, priority=priority, title=title, media=media
    )
    zone_name = store.get_account(account_id).timezone
    emit(
        as_json,
        task.public_view(),
        f"task {task.id} scheduled for {in_zone(task.scheduled_at, zone_name).isoformat()}",
    )


@tasks.command("list")
@click.option("--status", type=click.Choice([s.value for s in TaskStatus]))
@click.option("--limit", default=1000, show_default=True, type=int)
@json_option
@user_errors
def tasks_list(status: str | None, limit: int, as_json: bool) -> None:
    settings = get_settings()
    store = open_store(settings)
    found = store.list_tasks(TaskStatus(status) if status else None, limit=limit)
    zones = {a.id: a.timezone for a in store.list_accounts()}
    views = [t.public_view() for t in found]
    text = "\n".join(
        _task_line(store, v, zones.get(v["account_id"], settings.default_timezone)) for v in views
    )
    emit(as_json, views, text or "no tasks")


@tasks.command("show")
@click.argument("task_id", type=int)
@json_option
@user_errors
def tasks_show(task_id: int, as_json: bool) -> None:
    store = open_store(get_settings())
    task = store.get_task(task_id)
    view = task.public_view()
    view["attempts"] = store.attempts(task_id)
    view["audit"] = store.audit_trail(task_id)
    zone_name = store.get_account(task.account_id).timezone
    lines = [f"{k}: {v}" for k, v in task.public_view().items()]
    lines.append(f"scheduled_at ({zone_name}): {in_zone(task.scheduled_at, zone_name).isoformat()}")
    lines += [
        f"  {a['at']:%Y-%m-%d %H:%M:%S}Z {a['from_status'] or '-'} -> {a['to_status']}"
        f" by {a['actor']}"
        for a in view["audit"]
    ]
    emit(as_json, view, "\n".join(lines))


@tasks.command("cancel")
@click.argument("task_id", type=int)
@json_option
@user_errors
def tasks_cancel(task_id: int, as_json: bool) -> None:
    from scheduling_platform.service.tasks import cancel_task

    task = cancel_task(open_store(get_settings()), task_id)
    emit(as_json, task.public_view(), f"task {task.id} cancelled")


@tasks.command("reschedule")
@click.argument("task_id", type=int)
@click.option("--at", "at", required=True, help="ISO 8601; without a zone, the account's zone")
@json_option
@user_errors
def tasks_reschedule(task_id: int, at: str, as_json: bool) -> None:
    from scheduling_platform.service.tasks import reschedule_task

    store = open_store(get_settings())
    task = reschedule_task(store, task_id, at)
    zone_name = store.get_account(task.account_id).timezone
    emit(
        as_json,
        task.public_view(),
        f"task {task.id} moved to {in_zone(task.scheduled_at, zone_name).isoformat()}",
    )


# ---------------------------------------------------------------- running things
@main.command()
@json_option
@user_errors
def tick(as_json: bool) -> None:
    """Evaluate the due-task sensor once and execute the runs it asks for, here and now."""
    from dagster import DagsterInstance

    from scheduling_platform.definitions import build_definitions
    from scheduling_platform.runtime.dagster_home import ensure_dagster_home
    from sensors.ticks import run_one_tick

    settings = get_settings()
    ensure_dagster_home(settings)
    with DagsterInstance.get() as instance:
        runs = run_one_tick(instance, build_definitions(settings))
    store = open_store(settings)
    published = [store.get_task(i).public_view() for r in runs for i in r["published_task_ids"]]
    lines = [
        f"run {r['run_id']} ({r['platform']}): "
        f"{'ok' if r['success'] else 'FAILED'}, {len(r['published_task_ids'])} published"
        for r in runs
    ]
    lines += [f"  task {t['id']} -> {t['platform_post_id']}" for t in published]
    emit(as_json, {"runs": runs, "published": published}, "\n".join(lines) or "nothing was due")


@main.command()
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


@main.command()
def up() -> None:
    """Start the sandbox, the Dagster webserver and the daemon (sensor running). Ctrl-C stops."""
    from scheduling_platform.runtime.launcher import PortInUseError, run_platform

    try:
        sys.exit(run_platform(get_settings()))
    except PortInUseError as exc:
        raise click.ClickException(str(exc)) from None


# Issue 3's commands live in their own module: accounts check / reauthorise, keys.
from scheduling_platform.cli.accounts_keys import (  # noqa: E402
    accounts_check,
    accounts_reauthorise,
    keys,
)

accounts.add_command(accounts_check)
accounts.add_command(accounts_reauthorise)
main.add_command(keys)

# Issue 5's commands: engagement import, the model group, tasks create-best.
from scheduling_platform.cli.intelligence import engagement, model, tasks_create_best  # noqa: E402

tasks.add_command(tasks_create_best)
main.add_command(engagement)
main.add_command(model)

if __name__ == "__main__":
    main()
