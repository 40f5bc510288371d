"""``python -m klynge.cli``: the same as the ``klynge`` command."""

from klynge.cli import main

main()
