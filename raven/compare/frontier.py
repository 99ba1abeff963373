"""Raven's accuracy-cost curve against each DNN family's: the frontier points, the cheapest
DNN at each of Raven's accuracies, and the verdict of each ratio with its status."""

from __future__ import annotations

from collections.abc import Sequence

from ..baseline.results import BaselineResult
from .comparison import CURVE_COSTS, charged_until, cost_at_accuracy, training_at_accuracy

# Raven point key -> (DNN baseline key, words for the report)
FRONTIER_COSTS = {
    "inference_ops": ("inference_macs", "inference operations per clip"),
    "inference_energy_J": ("inference_energy_J", "inference energy per clip"),
    "training_ops": ("training_macs_total", "training operations to reach the accuracy"),
    "training_energy_J": ("training_energy_total_J", "training energy to reach the accuracy"),
}

# What a DNN-side status says about the DNN cost, and so about the ratio DNN / Raven.
_DNN_STATUS = {"interpolated": "interpolated", "below_all": "below_all", "bound": "below_all"}
# What a Raven training status says about Raven's cost (charged_until's statuses).
_RAVEN_EXACT = {"exact", "interpolated"}
_RAVEN_UPPER = {"bound", "whole_run"}  # the whole first epoch, or the whole run


def raven_point(
    n_hidden: int, accuracy: float, inference: dict, curve: list[dict], clips_per_s: float
) -> dict:
    """One point of Raven's accuracy-cost curve.

    Training is charged, as in ``fair_training``, up to the epoch where the validation
    curve first reaches its final value; without a validation curve the whole run is charged
    (an upper bound).

    Parameters
    ----------
    n_hidden : int
        Hidden neurons of the trained chip.
    accuracy : float
        Test accuracy.
    inference : dict
        A priced inference ledger summary (its dynamic energy is used: the DNN energy model
        has no leakage).
    curve : list of dict
        The training curve priced by ``raven_curve``.
    clips_per_s : float
        Training throughput, clips per second (reported).

    Returns
    -------
    dict
        ``n_hidden``, ``accuracy``, ``validation_accuracy``, each ``FRONTIER_COSTS`` cost
        with its ``<cost>_status``, ``training_epoch`` and ``training_clips_per_s``.
    """
    front = inference["energy_breakdown_per_clip_J"]["frontend_ops"]
    point = {
        "n_hidden": n_hidden,
        "accuracy": accuracy,
        "inference_ops": inference["effective_sops_per_clip"]
        + inference["counts_per_clip"].get("neuron_updates", 0),
        "inference_ops_status": "exact",
        "inference_energy_J": inference["dynamic_energy_per_clip_J"] - front,
        "inference_energy_J_status": "exact",
        "training_epoch": None,
        "training_clips_per_s": clips_per_s,
    }
    usable = [c for c in curve if c.get("validation_accuracy") is not None]
    point["validation_accuracy"] = usable[-1]["validation_accuracy"] if usable else None
    for cost in ("training_ops", "training_energy_J"):
        key = CURVE_COSTS[FRONTIER_COSTS[cost][0]]
        if usable:
            target = usable[-1]["validation_accuracy"]
            value, status, epoch = charged_until(usable, target, key, "validation_accuracy")
            point["training_epoch"] = epoch
        elif curve:
            value, status = float(curve[-1][key]), "whole_run"
        else:
            value, status = None, "no_curve"
        point[cost], point[f"{cost}_status"] = value, status
    return point


def cheapest_dnn(
    baselines: Sequence[BaselineResult],
    accuracy: float,
    cost: str,
    validation_accuracy: float | None = None,
) -> dict:
    """The cheapest DNN at ``accuracy`` for a FRONTIER_COSTS key.

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).
    accuracy : float
        Raven's test accuracy.
    cost : str
        A key of ``FRONTIER_COSTS``.
    validation_accuracy : float or None
        For training costs, the accuracy each run is charged up to on its validation curve;
        None: ``accuracy``.

    Returns
    -------
    dict
        ``dnn_cost``, ``family`` (and ``width`` for training), and status "interpolated",
        "below_all" (every DNN already beats the accuracy at its cheapest: the cost is an
        upper bound) or "above_all" (no DNN reaches it; ``dnn_cost`` None).
    """
    dnn_key = FRONTIER_COSTS[cost][0]
    if dnn_key in CURVE_COSTS:
        target = accuracy if validation_accuracy is None else validation_accuracy
        best = training_at_accuracy(baselines, target, dnn_key)
        if "dnn_cost" not in best:
            return {"dnn_cost": None, "status": "above_all"}
        return {
            "dnn_cost": best["dnn_cost"],
            "family": best["family"],
            "width": best["width"],
            "status": _DNN_STATUS[best["status"]],
        }
    best = None
    for fam in sorted({b.family for b in baselines}):
        value, status = cost_at_accuracy(
            [b for b in baselines if b.family == fam], accuracy, dnn_key
        )
        if value is not None and (best is None or value < best["dnn_cost"]):
            best = {"dnn_cost": value, "family": fam, "status": status}
    return best or {"dnn_cost": None, "status": "above_all"}


def ratio_status(dnn_status: str, raven_status: str) -> str:
    """How to read a ratio DNN / Raven.

    Parameters
    ----------
    dnn_status : str
        Status of the DNN cost (``cheapest_dnn``).
    raven_status : str
        Status of Raven's cost (``raven_point``).

    Returns
    -------
    str
        "exact" (both costs interpolated or measured); "upper_bound" (the DNN cost is an
        upper bound); "lower_bound" (Raven's is); "indeterminate" (both are); "no_dnn" (no
        DNN reaches the accuracy); "no_raven".
    """
    if dnn_status == "above_all":
        return "no_dnn"
    dnn_upper = dnn_status == "below_all"
    if raven_status in _RAVEN_EXACT:
        return "upper_bound" if dnn_upper else "exact"
    if raven_status in _RAVEN_UPPER:
        return "indeterminate" if dnn_upper else "lower_bound"
    return "no_raven"


def verdict(ratio: float | None, status: str) -> str:
    """The verdict of a ratio DNN / Raven read by its status.

    Parameters
    ----------
    ratio : float or None
        DNN cost / Raven cost.
    status : str
        Its ``ratio_status``.

    Returns
    -------
    str
        "win" (Raven is cheaper), "loss" (the DNN is), "unmatched" (no DNN reaches Raven's
        accuracy) or "undecided" (a bound that does not settle it, or a tie).
    """
    if status == "no_dnn":
        return "unmatched"
    if ratio is None or status in ("indeterminate", "no_raven"):
        return "undecided"
    if ratio > 1 and status in ("exact", "lower_bound"):
        return "win"
    if ratio < 1 and status in ("exact", "upper_bound"):
        return "loss"
    return "undecided"


def _span(values: list[float]) -> list[float] | None:
    return [min(values), max(values)] if values else None


def dnn_frontier_points(baselines: Sequence[BaselineResult]) -> list[dict]:
    """Every DNN run as a point in FRONTIER_COSTS terms, its training charged up to where its
    validation curve first reaches its final validation accuracy (as Raven's points).

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).

    Returns
    -------
    list of dict
        ``family``, ``width``, ``accuracy`` and each ``FRONTIER_COSTS`` cost.
    """
    out = []
    for b in baselines:
        point = {"family": b.family, "width": b.width, "accuracy": b.test_accuracy}
        for cost, (dnn_key, _) in FRONTIER_COSTS.items():
            if dnn_key in CURVE_COSTS and b.curve:
                target = b.curve[-1]["validation_accuracy"]
                value, _, _ = charged_until(
                    b.curve, target, CURVE_COSTS[dnn_key], "validation_accuracy"
                )
            else:
                value = getattr(b, dnn_key)
            point[cost] = value
        out.append(point)
    return out


def frontier_comparison(baselines: Sequence[BaselineResult], raven: list[dict]) -> dict:
    """Raven's accuracy-cost curve against the DNN families': for every Raven point and cost,
    the cheapest DNN at that accuracy, the ratio DNN / Raven, how to read it and a verdict;
    and the accuracies each side and both cover.

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).
    raven : list of dict
        Raven's points (``raven_point``).

    Returns
    -------
    dict
        ``costs``, ``raven`` (by size), ``rows`` (per point and cost), ``dnn``
        (``dnn_frontier_points``) and ``coverage`` (accuracy spans of each side and of
        both).
    """
    raven = sorted(raven, key=lambda p: p["n_hidden"])
    rows = []
    for p in raven:
        row = {"n_hidden": p["n_hidden"], "accuracy": p["accuracy"], "per_cost": {}}
        for cost in FRONTIER_COSTS:
            if baselines:
                dnn = cheapest_dnn(baselines, p["accuracy"], cost, p.get("validation_accuracy"))
                status = ratio_status(dnn["status"], p[f"{cost}_status"])
            else:
                dnn, status = {"dnn_cost": None, "status": None}, "no_baselines"
            ratio = (
                dnn["dnn_cost"] / p[cost]
                if dnn["dnn_cost"] is not None and p[cost] and status != "no_raven"
                else None
            )
            row["per_cost"][cost] = {
                "raven_cost": p[cost],
                "raven_status": p[f"{cost}_status"],
                "dnn_cost": dnn["dnn_cost"],
                "dnn_family": dnn.get("family"),
                "dnn_width": dnn.get("width"),
                "dnn_status": dnn["status"],
                "ratio": ratio,
                "ratio_status": status,
                "verdict": verdict(ratio, status) if baselines else None,
            }
        rows.append(row)
    raven_span = _span([p["accuracy"] for p in raven])
    dnn_span = _span([b.test_accuracy for b in baselines])
    both = None
    if raven_span and dnn_span:
        lo, hi = max(raven_span[0], dnn_span[0]), min(raven_span[1], dnn_span[1])
        both = [lo, hi] if lo <= hi else None
    return {
        "costs": {k: {"dnn_key": v[0], "label": v[1]} for k, v in FRONTIER_COSTS.items()},
        "raven": raven,
        "rows": rows,
        "dnn": dnn_frontier_points(baselines),
        "coverage": {"raven": raven_span, "dnn": dnn_span, "both": both},
    }
