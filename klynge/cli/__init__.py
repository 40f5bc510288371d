"""The ``klynge`` command line: it parses arguments and calls into the packages, nothing more.

Exit codes: 0 ok, 1 error, 2 usage, 3 finished with rejected rows.
"""

from __future__ import annotations

from klynge.cli import analyses, data, serve, stores  # noqa: F401 - each module adds its commands to main
from klynge.cli.analyses import format_evaluation
from klynge.cli.base import main

__all__ = ["format_evaluation", "main"]
