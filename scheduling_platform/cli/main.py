"""`scheduling-platform`: one command group a file, gathered here."""

from __future__ import annotations

import click

from scheduling_platform.cli.accounts import accounts
from scheduling_platform.cli.analytics import analytics
from scheduling_platform.cli.engagement import engagement
from scheduling_platform.cli.experiments import experiments
from scheduling_platform.cli.keys import keys
from scheduling_platform.cli.model import model
from scheduling_platform.cli.platform import api, sandbox, tick, up
from scheduling_platform.cli.suggest import set_windows, show_windows, suggest
from scheduling_platform.cli.support import DEFAULT_WORKSPACE, bound_numbers
from scheduling_platform.cli.tasks import tasks
from scheduling_platform.cli.workspaces import workspaces


@click.group()
@click.option(
    "--workspace",
    envvar="SCHEDULING_WORKSPACE",
    default=DEFAULT_WORKSPACE,
    show_default=True,
    help="the workspace the command acts in (as its admin)",
)
@click.pass_context
def main(click_context: click.Context, workspace: str) -> None:
    """Schedule content for Weibo, WeChat, Douyin, Toutiao and Baijiahao; publish it on time."""
    click_context.obj = {"workspace": workspace}


for command in (
    accounts,
    tasks,
    keys,
    model,
    engagement,
    experiments,
    analytics,
    workspaces,
    tick,
    sandbox,
    up,
    api,
):
    main.add_command(command)
main.add_command(suggest)
accounts.add_command(set_windows)
accounts.add_command(show_windows)
bound_numbers(main)

if __name__ == "__main__":
    main()
