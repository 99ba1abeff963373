"""A sweep of baseline models: every (family, width) trained here, one after another, or
in worker processes (``raven.baseline.parallel``); results come from the cache when it
has them."""

from __future__ import annotations

from pathlib import Path

from .models import DEFAULT_SWEEP
from .parallel import train_in_processes
from .results import BaselineResult
from .train import BaselineConfig, BaselineData, cached_train_baseline


def sweep(
    data: BaselineData,
    families: dict[str, tuple[int, ...]] | None = None,
    cfg: BaselineConfig | None = None,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    workers: int = 1,
    pool=None,
) -> list[BaselineResult]:
    """Train (or read from the cache) every (family, width) of ``families``.

    Parameters
    ----------
    data : BaselineData
        Training, validation and test features and labels.
    families : dict of str to tuple of int or None
        Widths by family; None: ``DEFAULT_SWEEP`` (``models.FAMILIES`` is the full sweep).
    cfg : BaselineConfig or None
        Training settings; None: the defaults.
    progress : bool
        Show progress bars.
    cache_dir : str or pathlib.Path or None
        Folder of the result cache; None: no cache.
    workers : int
        > 1: that many models at a time, each in a process of its own on one torch thread
        (``raven.baseline.parallel``).
    pool : concurrent.futures.ProcessPoolExecutor or None
        A ``raven.baseline.parallel.worker_pool`` shared with other jobs, used when
        ``workers`` > 1.

    Returns
    -------
    list of BaselineResult
        One result per model, families in order, widths in order.
    """
    families = families or DEFAULT_SWEEP
    cfg = cfg or BaselineConfig()
    models = [(f, w) for f, widths in families.items() for w in widths]
    if workers > 1:
        return train_in_processes(data, models, cfg, cache_dir, workers, progress, pool)
    return [cached_train_baseline(cache_dir, f, w, data, cfg, progress) for f, w in models]
