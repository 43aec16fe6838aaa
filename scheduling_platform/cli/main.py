"""`scheduling-platform`: one command group a file, gathered here."""

from __future__ import annotations

import click

from scheduling_platform.cli.accounts import accounts
from scheduling_platform.cli.engagement import engagement
from scheduling_platform.cli.keys import keys
from scheduling_platform.cli.model import model
from scheduling_platform.cli.platform import sandbox, tick, up
from scheduling_platform.cli.tasks import tasks


@click.group()
def main() -> None:
    """Schedule content for Weibo, WeChat, Douyin, Toutiao and Baijiahao; publish it on time."""


for command in (accounts, tasks, keys, model, engagement, tick, sandbox, up):
    main.add_command(command)

if __name__ == "__main__":
    main()
