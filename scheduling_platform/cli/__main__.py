"""`python -m scheduling_platform.cli`: the same as the `scheduling-platform` command."""

from scheduling_platform.cli.main import main

main()
