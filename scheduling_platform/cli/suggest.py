"""`suggest`: the best slots for a post before it exists; `accounts set-windows | windows`:
an account's preferred posting windows (for --strategy user_preference)."""

from __future__ import annotations

import click

from scheduling_platform.cli.support import context, emit, json_option, user_errors
from scheduling_platform.service import suggestions as service


@click.command("suggest")
@click.option("--account", "account_id", required=True, type=int)
@click.option("--content", default="", help="the text, as the model sees it (length, tags)")
@click.option("--media", multiple=True, help="a path or URL (counted, checked for reuse)")
@click.option("--title")
@click.option("--start", help="the window's start (ISO 8601; default now)")
@click.option("--window", help="how far to look (default 7d; e.g. 36h, 28d at most)")
@click.option("--top", default=5, show_default=True, type=int)
@json_option
@user_errors
def suggest(
    account_id: int,
    content: str,
    media: tuple[str, ...],
    title: str | None,
    start: str | None,
    window: str | None,
    top: int,
    as_json: bool,
) -> None:
    """The top slots for a post of ACCOUNT: predicted engagement, band, reasons."""
    request = service.SuggestRequest(
        account_id=account_id,
        content=content,
        media=list(media),
        title=title,
        start=start,
        window=window,
        top=top,
    )
    found = service.suggest_slots(context(), request)
    lines = [f"model {found.model_version}; best {len(found.items)} free slots:"]
    for rank, s in enumerate(found.items, start=1):
        lines.append(f"{rank}. {s.local_time}  {s.predicted:.0f} ({s.low:.0f}-{s.high:.0f})")
        lines += [f"     {reason}" for reason in s.reasons]
    emit(as_json, found, "\n".join(lines) if found.items else "no free slot in the window")


@click.command("set-windows")
@click.argument("account_id", type=int)
@click.option("--window", "specs", multiple=True, help='e.g. "mon-fri 12:00-14:00"; repeat')
@click.option("--clear", is_flag=True, help="remove every preferred window")
@json_option
@user_errors
def set_windows(account_id: int, specs: tuple[str, ...], clear: bool, as_json: bool) -> None:
    """Set the preferred posting windows of ACCOUNT_ID (in its zone); replaces the old ones."""
    if not specs and not clear:
        raise click.UsageError("give --window at least once, or --clear")
    if specs and clear:
        raise click.UsageError("--clear takes no --window")
    view = service.set_posting_windows(context(), account_id, list(specs))
    emit(as_json, view, f"account {account_id} ({view.timezone}): {view.summary}")


@click.command("windows")
@click.argument("account_id", type=int)
@json_option
@user_errors
def show_windows(account_id: int, as_json: bool) -> None:
    """The preferred posting windows of ACCOUNT_ID."""
    view = service.posting_windows(context(), account_id)
    emit(as_json, view, f"account {account_id} ({view.timezone}): {view.summary}")
