"""The ``raven`` command's entry point: checks the ``kws`` extra before importing the
system, so that a core install prints one line naming the extra instead of a traceback."""

from __future__ import annotations

import sys

from .._util.extras import kws_extra_message, missing_kws_modules


def main(argv: list[str] | None = None) -> int:
    """Run ``raven.runs.cli.main`` if the ``kws`` extra is installed.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The command's exit status; 2 when the extra is missing.
    """
    missing = missing_kws_modules()
    if missing:
        print(f"error: {kws_extra_message(missing)}", file=sys.stderr)
        return 2
    from raven.runs.cli import main as cli_main

    return cli_main(argv)
