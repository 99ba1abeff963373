"""Progress bars of the long steps (feature extraction, training, sweeps, downloads).

They write to standard error, so that standard output carries only results (the JSON of
the commands), and are switched off by the callers' ``progress=False``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable


def progress_bar(iterable: Iterable | None = None, *, enabled: bool, **options):
    """A ``tqdm`` bar on standard error.

    Parameters
    ----------
    iterable : iterable, optional
        What the bar iterates over; without it, the caller calls ``update``.
    enabled : bool
        Show the bar; False gives a silent bar (``update`` and ``close`` still work).
    **options
        Further ``tqdm`` arguments (``total``, ``desc``, ``unit``, ``leave`` ...).

    Returns
    -------
    tqdm.tqdm
        The bar.
    """
    from tqdm import tqdm  # an extra: imported when a bar is made

    return tqdm(iterable, disable=not enabled, file=sys.stderr, **options)
