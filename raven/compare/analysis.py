"""Helpers for the notebooks and for users: sweep tables, Pareto fronts, device
distributions, retention curves. Notebooks only call these (no logic lives in them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from devices import pcm

if TYPE_CHECKING:
    from ..data.clips import Clips
    from ..fit.estimator import KeywordSpotter


def load_table(path: str | Path) -> list[dict]:
    """A sweep's results.csv with numbers converted (strings left as they are).

    Parameters
    ----------
    path : str or pathlib.Path
        The table (``raven.runs.sweep.write_table``).

    Returns
    -------
    list of dict
        One row per point; numeric cells as float, empty cells as None, other cells as
        strings.
    """
    from ..runs.sweep import read_table

    rows = []
    for row in read_table(Path(path)):
        out = {}
        for k, v in row.items():
            try:
                out[k] = float(v) if v not in ("", None) else None
            except ValueError:
                out[k] = v
        rows.append(out)
    return rows


def pareto_front(rows: list[dict], cost: str, accuracy: str) -> list[dict]:
    """Rows no other row beats on both lower cost and higher accuracy, by rising cost.

    Parameters
    ----------
    rows : list of dict
        Candidate rows; rows lacking either column are ignored.
    cost : str
        Column of the cost (lower is better).
    accuracy : str
        Column of the accuracy (higher is better).

    Returns
    -------
    list of dict
        The front, by rising cost and rising accuracy.
    """
    valid = [r for r in rows if r.get(cost) is not None and r.get(accuracy) is not None]
    front, best = [], -np.inf
    for r in sorted(valid, key=lambda r: (r[cost], -r[accuracy])):
        if r[accuracy] > best:
            front.append(r)
            best = r[accuracy]
    return front


def conductance_distributions(
    preset: str, g_target_uS: float, times_s: list[float], n: int = 20_000, seed: int = 0
) -> dict[float, np.ndarray]:
    """Read conductances of n devices programmed to ``g_target_uS`` at t = 0, read at each of
    ``times_s`` (drift + read noise).

    Parameters
    ----------
    preset : str
        Name of a ``devices.pcm`` preset.
    g_target_uS : float
        Programmed conductance, uS.
    times_s : list of float
        Times of reading after programming, s.
    n : int
        Number of devices.
    seed : int
        Seed of the devices' generator.

    Returns
    -------
    dict of float to numpy.ndarray
        Read conductances (n,), uS, by time of reading (in rising order).
    """
    arr = pcm.PCMArray(n, pcm.preset(preset), rng=np.random.default_rng(seed))
    arr.program(np.full(n, g_target_uS), t_s=0.0)
    return {t: arr.read(t) for t in sorted(times_s)}


def pulse_response(
    preset: str, n_pulses: int = 30, n_devices: int = 2000, seed: int = 0
) -> np.ndarray:
    """Conductance of devices after 0..n_pulses nominal SET pulses from RESET.

    Parameters
    ----------
    preset : str
        Name of a ``devices.pcm`` preset.
    n_pulses : int
        Pulses applied, one per second.
    n_devices : int
        Number of devices.
    seed : int
        Seed of the devices' generator.

    Returns
    -------
    numpy.ndarray
        Shape (n_pulses + 1, n_devices), uS.
    """
    arr = pcm.PCMArray(n_devices, pcm.preset(preset), rng=np.random.default_rng(seed))
    out = [arr.conductance_uS(0.0)]
    for k in range(n_pulses):
        arr.apply_pulses(np.ones(n_devices, np.int64), t_s=float(k))
        out.append(arr.conductance_uS(float(k)))
    return np.array(out)


def retention_curve(
    spotter: KeywordSpotter, clips: Clips, times_s: list[float]
) -> dict[str, list[float]]:
    """Accuracy of a trained spotter at each time after training, with and without global
    drift compensation.

    Parameters
    ----------
    spotter : KeywordSpotter
        A fitted spotter.
    clips : Clips
        Labelled clips to read (``raven.load_clips(..., "test", labels=spotter.classes_)``).
    times_s : list of float
        Device times after the end of training (s).

    Returns
    -------
    dict
        ``t_after_s``, ``with_compensation`` and ``without_compensation`` accuracies, one
        per time.
    """
    curve = {"t_after_s": list(times_s), "with_compensation": [], "without_compensation": []}
    for t in times_s:
        for comp, key in ((True, "with_compensation"), (False, "without_compensation")):
            curve[key].append(
                spotter.score(
                    clips.features,
                    clips.labels,
                    clip_keys=clips.clip_keys,
                    t_after_s=t,
                    compensation=comp,
                )
            )
    return curve
