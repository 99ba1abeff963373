"""Raven over several seeds for ``make run-kws``: the configured seed is the main run; each
further seed (network initialisation, devices, data order, noise) trains on chip into
``runs/<name>/seed-<s>/`` and is read on the test split at the first evaluation time, so
that the report states test (and validation) accuracy as a mean and a spread rather than
one draw. Finished seeds are reused; an interrupted one resumes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from raven.config.tables import RavenConfig

from .sizes import run_size


def run_seeds(
    cfg: RavenConfig,
    data: Path,
    run: Path,
    n_seeds: int,
    cache_dir: Path,
    main: dict,
) -> dict:
    """Train and read ``n_seeds - 1`` further seeds and summarise all of them.

    Parameters
    ----------
    cfg : RavenConfig
        The main run's configuration (its seed is the first).
    data : pathlib.Path
        The dataset folder.
    run : pathlib.Path
        The main run's folder (further seeds train into ``seed-<s>/`` in it).
    n_seeds : int
        Seeds in all (>= 1): the configured one and the next ``n_seeds - 1`` integers.
    cache_dir : pathlib.Path
        Feature cache.
    main : dict
        The main run's ``test_accuracy`` and ``validation_accuracy``.

    Returns
    -------
    dict
        ``seeds`` (one record per seed: ``seed``, ``test_accuracy``,
        ``validation_accuracy``), and the ``test`` and ``validation`` summaries (``mean``,
        ``std`` (sample, ddof 1; 0 for one seed), ``min``, ``max``).
    """
    if not (isinstance(n_seeds, int) and n_seeds >= 1):
        raise ValueError(f"seeds={n_seeds!r}: expected an integer >= 1")
    records = [{"seed": cfg.seed, **main}]
    for k in range(1, n_seeds):
        seeded = dataclasses.replace(cfg, seed=cfg.seed + k)
        result = run_size(seeded, data, run / f"seed-{seeded.seed}", cache_dir)
        curve = result["training"]["curve"]
        records.append(
            {
                "seed": seeded.seed,
                "test_accuracy": result["evaluation"]["accuracy"],
                "validation_accuracy": (curve[-1] if curve else {}).get("validation_accuracy"),
            }
        )
    return {
        "seeds": records,
        "test": spread([r["test_accuracy"] for r in records]),
        "validation": spread([r["validation_accuracy"] for r in records]),
    }


def spread(values: list) -> dict | None:
    """Mean, sample standard deviation (0 for one value), min and max; None if a value is
    missing.

    Parameters
    ----------
    values : list of float or None

    Returns
    -------
    dict or None
    """
    if not values or any(v is None for v in values):
        return None
    a = np.asarray(values, dtype=float)
    return {
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
        "min": float(a.min()),
        "max": float(a.max()),
        "n": int(a.size),
    }
