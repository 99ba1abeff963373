"""Raven against the cheapest DNN of equal accuracy at every duty cycle (no torch needed).

Both sides are priced per clip by ``raven.accounting.duty.energy_at_period``: dynamic
energy of the network (front end apart), static power while active, one wake-up, and the
retention of what must persist between clips (the DNN's weights kept in leaking SRAM or
reloaded from flash, whichever is cheaper; Raven's PCM weights non-volatile). Each DNN run
carries its ledger summaries under ``"memory_model"`` (``experiments.baselines.reprice``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..accounting.dnn import PERSISTENT_INFERENCE, PERSISTENT_TRAINING
from ..accounting.duty import (
    OPERATING_POINTS,
    RAVEN_PERSISTENT_INFERENCE,
    RAVEN_PERSISTENT_TRAINING,
    crossovers,
    energy_at_period,
)
from ..baseline.results import BaselineResult
from .comparison import interpolated_cost

# The periods the plot and the crossover search span: 10 ms to one day.
PERIOD_RANGE_S = (1e-2, 86_400.0)
# What must persist between clips, per phase: (Raven's memories, a DNN's memories).
PERSISTENT = {
    "inference": (RAVEN_PERSISTENT_INFERENCE, PERSISTENT_INFERENCE),
    "training": (RAVEN_PERSISTENT_TRAINING, PERSISTENT_TRAINING),
}


def cheapest_dnn_at(
    baselines: Sequence[BaselineResult], accuracy: float, period_s: float, phase: str = "inference"
) -> dict | None:
    """The cheapest DNN family at ``accuracy`` by energy per clip at ``period_s``
    (interpolated on each family's frontier, ``comparison.interpolated_cost``).

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN runs; those with ``memory_model`` summaries count.
    accuracy : float
        The accuracy compared.
    period_s : float
        Seconds between clips.
    phase : str
        "inference" or "training" (energy per training clip).

    Returns
    -------
    dict or None
        ``energy_J``, ``family``, ``status`` (``interpolated_cost``'s); None when no DNN
        reaches the accuracy.
    """
    persistent = PERSISTENT[phase][1]
    runs = [b for b in baselines if b.memory_model]
    best = None
    for fam in sorted({b.family for b in runs}):
        points = [
            (
                b.test_accuracy,
                energy_at_period(b.memory_model[phase], period_s, persistent)["energy_J"],
            )
            for b in runs
            if b.family == fam
        ]
        value, status = interpolated_cost(points, accuracy)
        if value is not None and (best is None or value < best["energy_J"]):
            best = {"energy_J": value, "family": fam, "status": status}
    return best


def duty_cycle_comparison(
    raven: dict, baselines: Sequence[BaselineResult], accuracy: float, phase: str = "inference"
) -> dict:
    """Energy per clip of Raven and of the cheapest DNN of equal accuracy at the report's
    operating points, on a grid of clip periods (for the plot), and the periods where
    the ratio DNN / Raven crosses 1.

    Parameters
    ----------
    raven : dict
        Raven's ledger summary of ``phase``.
    baselines : sequence of BaselineResult
        DNN runs with ``memory_model`` summaries.
    accuracy : float
        Raven's accuracy (the DNN side is interpolated there).
    phase : str
        "inference" or "training".

    Returns
    -------
    dict
        ``phase``, ``accuracy``, ``points`` (one per operating point: label, period, Raven's
        and the DNN's energy and parts, ratio, status), ``curve`` (period, Raven J, DNN J,
        ratio), ``crossovers_s`` and ``sentence``.
    """
    raven_persistent = PERSISTENT[phase][0]

    def raven_J(period: float) -> dict:
        return energy_at_period(raven, period, raven_persistent)

    def ratio(period: float) -> float | None:
        dnn = cheapest_dnn_at(baselines, accuracy, period, phase)
        return None if dnn is None else dnn["energy_J"] / raven_J(period)["energy_J"]

    points = []
    for label, period in OPERATING_POINTS.items():
        r = raven_J(period)
        dnn = cheapest_dnn_at(baselines, accuracy, period, phase)
        points.append(
            {
                "label": label,
                "period_s": period,
                "raven": r,
                "dnn": dnn,
                "ratio": None if dnn is None else dnn["energy_J"] / r["energy_J"],
            }
        )
    lo, hi = PERIOD_RANGE_S
    grid = [lo * (hi / lo) ** (i / 40) for i in range(41)]
    curve = []
    for period in grid:
        dnn = cheapest_dnn_at(baselines, accuracy, period, phase)
        raven_e = raven_J(period)["energy_J"]
        curve.append(
            {
                "period_s": period,
                "raven_J": raven_e,
                "dnn_J": None if dnn is None else dnn["energy_J"],
                "dnn_family": None if dnn is None else dnn["family"],
                "ratio": None if dnn is None else dnn["energy_J"] / raven_e,
            }
        )
    cross = crossovers(ratio, lo, hi) if baselines else []
    out = {
        "phase": phase,
        "accuracy": accuracy,
        "points": points,
        "curve": curve,
        "crossovers_s": cross,
    }
    out["sentence"] = crossover_sentence(out)
    return out


def _period_words(period_s: float) -> str:
    if period_s >= 3600:
        return f"{period_s / 3600:.3g} h"
    if period_s >= 60:
        return f"{period_s / 60:.3g} min"
    return f"{period_s:.3g} s"


def crossover_sentence(result: dict) -> str:
    """Where Raven's energy per clip crosses the cheapest DNN's, in words.

    Parameters
    ----------
    result : dict
        A duty-cycle result: ``phase``, ``accuracy``, ``curve`` (``period_s`` and DNN /
        Raven ``ratio`` at each clip period) and ``crossovers_s``.

    Returns
    -------
    str
        One sentence: the crossover periods and who needs less beyond each, the winner over
        the whole range, or that no DNN reaches Raven's accuracy.
    """
    curve = [c for c in result["curve"] if c["ratio"] is not None]
    what = f"{result['phase']} energy per clip at accuracy {result['accuracy']:.3f}"
    if not curve:
        return f"No DNN reaches Raven's accuracy: no {what} is compared."
    lo, hi = _period_words(curve[0]["period_s"]), _period_words(curve[-1]["period_s"])
    if not result["crossovers_s"]:
        winner = "Raven" if curve[0]["ratio"] > 1 else "the cheapest DNN"
        return (
            f"No crossover between one clip every {lo} and one every {hi}: {winner} needs"
            f" less {what} over the whole range (DNN / Raven {min(c['ratio'] for c in curve):.3g}"
            f" to {max(c['ratio'] for c in curve):.3g})."
        )
    parts = []
    for period in result["crossovers_s"]:
        after = next((c for c in curve if c["period_s"] > period), curve[-1])
        winner = "Raven" if after["ratio"] > 1 else "the cheapest DNN"
        parts.append(
            f"at one clip every {_period_words(period)} ({3600 / period:.3g} wake-ups per"
            f" hour), beyond which {winner} needs less"
        )
    return f"The {what} of Raven and the cheapest DNN cross " + "; ".join(parts) + "."


def finite(value: float | None) -> bool:
    """Whether a ratio can be plotted.

    Parameters
    ----------
    value : float or None
        The ratio.

    Returns
    -------
    bool
        True for a finite value > 0.
    """
    return value is not None and math.isfinite(value) and value > 0
