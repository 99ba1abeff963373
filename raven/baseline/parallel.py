"""Baselines trained side by side in worker processes, one torch thread each.

On two cores, two single-threaded trainings use the machine better than one training on two
threads: the per-batch tensors of these small models are too small to split, and torch's
threads wait on each other, badly so when another process competes for a core (dnn-36 on
the development set: about 30,000 training clips/s on one thread against a few hundred on
two threads beside another busy process). Each model is trained whole in one worker with
its own seed, so a result does not depend on which worker trained it or beside what.

The data reach the workers as ``.npy`` files in a temporary folder, opened memory-mapped,
so that a large training set is neither pickled nor copied per worker."""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import signal
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np

from .._util.progress import progress_bar
from .cache import ResultCache
from .results import BaselineResult
from .train import (
    BaselineConfig,
    BaselineData,
    cached_train_baseline,
    result_key,
)

_ARRAYS = ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")


def save_data(data: BaselineData, folder: Path) -> Path:
    """Write ``data`` as one ``.npy`` file per array (and the class count) in ``folder``.

    Parameters
    ----------
    data : BaselineData
        The features and labels to hand to worker processes.
    folder : pathlib.Path
        Destination folder (created if needed).

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", np.asarray(getattr(data, name)))
    (folder / "n_classes.txt").write_text(str(data.n_classes))
    return folder


def load_data(folder: str | Path) -> BaselineData:
    """The BaselineData written by ``save_data``, memory-mapped copy-on-write (torch wants
    writable arrays; nothing is written to them).

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder ``save_data`` wrote.

    Returns
    -------
    BaselineData
        The arrays (memory-mapped) and the class count.
    """
    folder = Path(folder)
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="c") for name in _ARRAYS}
    return BaselineData(**arrays, n_classes=int((folder / "n_classes.txt").read_text()))


def _train_in_worker(
    folder: str, family: str, width: int, cfg: BaselineConfig, cache_dir: str | None
) -> BaselineResult:
    return cached_train_baseline(cache_dir, family, width, load_data(folder), cfg, progress=False)


def _check_workers(workers) -> None:
    if not (isinstance(workers, int) and workers >= 1):
        raise ValueError(f"workers={workers!r}: expected an integer >= 1")


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for independent trainings (the baselines, and beside
    them the software ceiling): jobs start in the order submitted, each on the first free
    worker.

    Parameters
    ----------
    workers : int
        Number of processes (>= 1); one per core.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
        Use it as a context manager; its workers are started by spawn, not fork: a forked
        child of a process whose torch has started its thread pool may hang.
    """
    _check_workers(workers)
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_on_sigint
    )


def _quiet_on_sigint() -> None:
    """Ctrl-C reaches the whole process group: a worker ends at once and silently (its
    model is dropped; finished ones are in the cache), and the parent alone reports the
    interruption, in one line, instead of a traceback from every process."""
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))


def train_in_processes(
    data: BaselineData,
    models: list[tuple[str, int]],
    cfg: BaselineConfig,
    cache_dir: str | Path | None,
    workers: int,
    progress: bool = True,
    pool: ProcessPoolExecutor | None = None,
) -> list[BaselineResult]:
    """``cached_train_baseline`` of every (family, width) in ``models``, in their order,
    trained ``workers`` at a time with one torch thread each (``cfg.threads`` is ignored).

    The models run in ``pool`` (``worker_pool``; it then keeps running what else was
    submitted to it) or in a pool of their own. Results already in the cache are read here,
    without starting a worker. A failed model (or Ctrl-C) cancels the jobs not started and
    waits for the running ones before the error propagates.

    Parameters
    ----------
    data : BaselineData
        Training, validation and test features and labels.
    models : list of (str, int)
        (family, width) of each model to train.
    cfg : BaselineConfig
        Training configuration.
    cache_dir : str or pathlib.Path or None
        Folder of the result cache; None: no cache.
    workers : int
        Number of processes, >= 1.
    progress : bool
        Show a progress bar over the models.
    pool : concurrent.futures.ProcessPoolExecutor or None
        A shared pool to submit to; None: a pool of ``min(workers, models to train)``
        processes, shut down on return.

    Returns
    -------
    list of BaselineResult
        The result of each model, in the order of ``models``, with ``from_cache``.

    Raises
    ------
    ValueError
        ``workers`` is not an integer >= 1.
    """
    _check_workers(workers)
    cfg = dataclasses.replace(cfg, threads=1)
    results: dict[tuple[str, int], BaselineResult] = {}
    if cache_dir is not None:
        cache = ResultCache(cache_dir)
        for family, width in models:
            key = result_key(family, width, data, cfg)
            found = cache.load_result(f"{family}-{width}", key)
            if found is not None:
                results[(family, width)] = found
    todo = [m for m in models if m not in results]
    if todo:
        with tempfile.TemporaryDirectory(prefix="raven-baselines-") as tmp:
            folder = str(save_data(data, Path(tmp)))
            # A pool of their own is shut down here; a shared one is left to its owner.
            own = worker_pool(min(workers, len(todo))) if pool is None else None
            with own or contextlib.nullcontext(pool) as running:
                cache_arg = None if cache_dir is None else str(cache_dir)
                futures = {
                    running.submit(_train_in_worker, folder, f, w, cfg, cache_arg): (f, w)
                    for f, w in todo
                }
                bar = progress_bar(total=len(todo), desc="baselines", enabled=progress)
                pending = set(futures)
                try:
                    while pending:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            results[futures[future]] = future.result()
                            bar.update(1)
                except BaseException:
                    # A failed model (or Ctrl-C) ends the sweep: the jobs not started are
                    # dropped and the running ones finish before their data folder goes
                    # (a shared pool would otherwise start them on a deleted folder).
                    for future in pending:
                        future.cancel()
                    wait(pending)
                    raise
                finally:
                    bar.close()
    return [results[m] for m in models]
