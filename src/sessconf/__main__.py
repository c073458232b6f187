"""``python -m sessconf``: the console script."""

from sessconf.cli.main import main

main()
