"""`python -m scheduling_platform.cli`: the same as the `scheduling-platform` command."""

from scheduling_platform.cli.main import main

if __name__ == "__main__":  # not in a spawned worker, which imports this module again
    main()
