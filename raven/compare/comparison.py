"""Iso-accuracy comparison of Raven with the DNN baselines (no torch needed here).

For each baseline family, cost is interpolated against accuracy (log-linear between the
two sweep points that bracket Raven's accuracy, after keeping only points that improve on
every cheaper one); the cheapest family at that accuracy is the DNN that Raven is compared
with. When Raven's accuracy lies outside every family's range, the result says so and
gives the bound it can (no silent extrapolation).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

from ..baseline.results import BaselineResult
from .results import RATIO_NAMES, ComparisonResult, FairTrainingResult

# The costs compared at equal accuracy: fields of a BaselineResult.
COSTS = tuple(RATIO_NAMES)


def _frontier(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points sorted by cost that are more accurate than every cheaper point."""
    out, best = [], -1.0
    for p in sorted(points, key=lambda p: p[1]):
        if p[0] > best:
            out.append(p)
            best = p[0]
    return out


def interpolated_cost(
    points: Sequence[tuple[float, float]], accuracy: float
) -> tuple[float | None, str]:
    """The cost at which an accuracy-cost frontier reaches ``accuracy``, interpolated
    log-linearly in cost between the frontier's points.

    Parameters
    ----------
    points : sequence of (float, float)
        (accuracy, cost > 0) of each run of one family.
    accuracy : float
        Accuracy to reach, in [0, 1].

    Returns
    -------
    tuple of (float or None, str)
        (cost, status): status "interpolated", "below_all" (the cheapest point already beats
        the accuracy: its cost is an upper bound), "above_all" (no point reaches it; cost
        None) or "no_points".
    """
    front = _frontier(points)
    if not front:
        return None, "no_points"
    if accuracy <= front[0][0]:
        return front[0][1], "below_all"
    for (lo_acc, lo), (hi_acc, hi) in itertools.pairwise(front):
        if lo_acc <= accuracy <= hi_acc:
            f = (accuracy - lo_acc) / (hi_acc - lo_acc)
            return math.exp(math.log(lo) + f * (math.log(hi) - math.log(lo))), "interpolated"
    return None, "above_all"


def cost_at_accuracy(
    baselines: Sequence[BaselineResult], accuracy: float, cost: str
) -> tuple[float | None, str]:
    """The cost at which a family's accuracy-cost frontier reaches ``accuracy``
    (``interpolated_cost`` of its runs' test accuracies and ``cost``).

    Parameters
    ----------
    baselines : sequence of BaselineResult
        Runs of one family.
    accuracy : float
        Accuracy to reach, in [0, 1].
    cost : str
        A cost of ``COSTS`` (> 0 values).

    Returns
    -------
    tuple of (float or None, str)
        (cost, status) of ``interpolated_cost``.
    """
    return interpolated_cost([(b.test_accuracy, getattr(b, cost)) for b in baselines], accuracy)


def iso_accuracy(baselines: Sequence[BaselineResult], raven: dict) -> ComparisonResult:
    """Ratios DNN / Raven of each cost at Raven's accuracy, the DNN side the cheapest family
    there (``cost_at_accuracy``).

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``), at least one.
    raven : dict
        Raven's ``accuracy``, ``inference_ops``, ``training_ops_total``,
        ``inference_energy_J`` and ``training_energy_total_J``.

    Returns
    -------
    ComparisonResult
        ``accuracy``, a ratio per cost (None when no baseline reaches the accuracy),
        ``per_cost`` details and ``best_dnn``.
    """
    acc = raven["accuracy"]
    raven_cost = {
        "inference_macs": raven["inference_ops"],
        "training_macs_total": raven["training_ops_total"],
        "inference_energy_J": raven["inference_energy_J"],
        "training_energy_total_J": raven["training_energy_total_J"],
    }
    families = sorted({b.family for b in baselines})
    per_cost, ratios = {}, {}
    for cost in COSTS:
        best = None
        for fam in families:
            value, status = cost_at_accuracy([b for b in baselines if b.family == fam], acc, cost)
            if value is not None and (best is None or value < best[0]):
                best = (value, status, fam)
        if best is None:
            ratios[RATIO_NAMES[cost]] = None
            per_cost[cost] = {
                "status": "above_all_baselines",
                "note": "no baseline reaches Raven's accuracy",
            }
            continue
        value, status, fam = best
        ratios[RATIO_NAMES[cost]] = value / raven_cost[cost]
        per_cost[cost] = {
            "dnn_cost": value,
            "raven_cost": raven_cost[cost],
            "family": fam,
            "status": status,
            "note": (
                "interpolated on the family's accuracy-cost curve"
                if status == "interpolated"
                else "Raven is below every point of this family: the"
                " cheapest model's cost is used, so the ratio is an upper bound"
            ),
        }
    best_dnn = max(baselines, key=lambda b: b.test_accuracy)
    return ComparisonResult(
        accuracy=acc,
        per_cost=per_cost,
        **ratios,
        best_dnn={
            "family": best_dnn.family,
            "width": best_dnn.width,
            "test_accuracy": best_dnn.test_accuracy,
            "inference_macs": best_dnn.inference_macs,
            "parameters": best_dnn.parameters,
            "inference_energy_J": best_dnn.inference_energy_J,
        },
    )


# -- which state is reported -------------------------------------------------------------------
# The chip is evaluated in its last state (the end of its last epoch); a DNN run keeps the
# weights of its best validation check. One rule for both sides: STATE_RULE "last" scores
# each DNN by the test accuracy of its last check (recorded on its curve), as the chip;
# "best" keeps the best check's. The report states the rule and lists both accuracies.
STATE_RULES = ("last", "best")
STATE_RULE = "last"


def with_state(baselines: Sequence[BaselineResult], rule: str = STATE_RULE) -> list[BaselineResult]:
    """Copies of ``baselines`` whose ``test_accuracy`` is that of the state ``rule`` names.

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).
    rule : str
        "last": the last check of the curve (as the chip is evaluated); "best": the best
        validation check, as trained.

    Returns
    -------
    list of BaselineResult
        The results with ``test_accuracy`` replaced, both kept as
        ``best_state_test_accuracy`` and ``last_state_test_accuracy``, and ``state_rule``.

    Raises
    ------
    ValueError
        An unknown ``rule``.
    """
    if rule not in STATE_RULES:
        raise ValueError(f"state rule {rule!r}: expected one of {STATE_RULES}")
    out = []
    for b in baselines:
        best = b.test_accuracy if b.best_state_test_accuracy is None else b.best_state_test_accuracy
        last = b.curve[-1]["test_accuracy"] if b.curve else best
        out.append(
            dataclasses.replace(
                b,
                test_accuracy=last if rule == "last" else best,
                best_state_test_accuracy=best,
                last_state_test_accuracy=last,
                state_rule=rule,
            )
        )
    return out


# -- training charged up to an accuracy ------------------------------------------------------
# A learning curve is a list of per-epoch dicts, in epoch order, each with "epoch", an
# accuracy (baselines: "test_accuracy"; Raven: "validation_accuracy" from raven.runs.train) and
# cumulative costs ("training_macs_cumulative", "training_energy_cumulative_J").

CURVE_COSTS = {
    "training_macs_total": "training_macs_cumulative",
    "training_energy_total_J": "training_energy_cumulative_J",
}


def charged_until(
    curve: list[dict], accuracy: float, cost: str, accuracy_key: str = "test_accuracy"
) -> tuple[float | None, str, float | None]:
    """Cost, status and epoch to first reach ``accuracy`` on ``curve``.

    Linear in the cumulative cost between the last epoch below it and the first at or above
    it (cost grows linearly with the samples seen within an epoch).

    Parameters
    ----------
    curve : list of dict
        Per-epoch entries in order, with ``epoch``, ``accuracy_key`` and ``cost``.
    accuracy : float
        Accuracy to reach.
    cost : str
        Cumulative cost column.
    accuracy_key : str
        Accuracy column of the curve.

    Returns
    -------
    tuple of (float or None, str, float or None)
        (cost, status, epoch). Status "interpolated"; "bound" when the first epoch already
        reaches it (its whole cost, an upper bound); "not_reached" (the whole run's cost, a
        lower bound on what reaching it would take; epoch None); "no_curve".
    """
    if not curve:
        return None, "no_curve", None
    prev_acc, prev_cost, prev_epoch = None, 0.0, 0.0
    for entry in curve:
        acc, c, epoch = entry[accuracy_key], float(entry[cost]), float(entry["epoch"])
        if acc >= accuracy:
            if prev_acc is None:
                return c, "bound", epoch
            f = (accuracy - prev_acc) / (acc - prev_acc)
            return (
                prev_cost + f * (c - prev_cost),
                "interpolated",
                prev_epoch + f * (epoch - prev_epoch),
            )
        prev_acc, prev_cost, prev_epoch = acc, c, epoch
    return float(curve[-1][cost]), "not_reached", None


def training_at_accuracy(
    baselines: Sequence[BaselineResult],
    accuracy: float,
    cost: str,
    accuracy_key: str = "validation_accuracy",
) -> dict:
    """The cheapest baseline training run to reach ``accuracy``, each run charged only up to
    the point where its ``accuracy_key`` curve first reaches it: by default its validation
    curve, as Raven's training is charged (the test split is never used to decide how much
    training is paid for).

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).
    accuracy : float
        Accuracy to reach.
    cost : str
        A key of ``CURVE_COSTS``.
    accuracy_key : str
        Accuracy column of the curves.

    Returns
    -------
    dict
        ``dnn_cost``, ``family``, ``width``, ``status``, ``epoch`` and
        ``dnn_cost_per_sample``; or ``status`` "above_all_baselines" and a note when no
        curve reaches it.
    """
    best = None
    for b in baselines:
        curve = b.curve
        if not curve:
            continue
        value, status, epoch = charged_until(curve, accuracy, CURVE_COSTS[cost], accuracy_key)
        if status in ("interpolated", "bound") and (best is None or value < best["dnn_cost"]):
            samples = b.samples_seen
            total = float(curve[-1][CURVE_COSTS[cost]])
            best = {
                "dnn_cost": value,
                "family": b.family,
                "width": b.width,
                "status": status,
                "epoch": epoch,
                # Cost per sample is constant over a run: total / samples seen.
                "dnn_cost_per_sample": total / samples if samples else None,
            }
    if best is None:
        return {"status": "above_all_baselines", "note": "no baseline curve reaches it"}
    return best


def raven_curve(curve: list[dict], price) -> list[dict]:
    """Raven's training curve (``raven.runs.train``: per-epoch "ledger_counts", cumulative) in
    the curve shape.

    Parameters
    ----------
    curve : list of dict
        Raven's per-epoch entries; entries without ``ledger_counts`` are skipped.
    price : callable
        ``price(counts) -> (ops, energy_J)``.

    Returns
    -------
    list of dict
        ``epoch``, ``validation_accuracy``, ``training_macs_cumulative`` and
        ``training_energy_cumulative_J`` per epoch.
    """
    out = []
    for entry in curve:
        if "ledger_counts" not in entry:  # a run from before curves carried counts
            continue
        ops, energy = price(entry["ledger_counts"])
        out.append(
            {
                "epoch": entry["epoch"],
                "validation_accuracy": entry.get("validation_accuracy"),
                "training_macs_cumulative": ops,
                "training_energy_cumulative_J": energy,
            }
        )
    return out


def fair_training(
    baselines: Sequence[BaselineResult], raven: dict, curve: list[dict]
) -> FairTrainingResult:
    """Training ratios DNN / Raven at equal accuracy, both sides charged on their validation
    curves: Raven up to the epoch where its validation curve first reaches the validation
    accuracy of its final epoch (the chip evaluated), each baseline up to where its
    validation curve first reaches that same accuracy.

    Parameters
    ----------
    baselines : sequence of BaselineResult
        DNN baseline results (``raven.baseline.train.train_baseline``).
    raven : dict
        Raven's ``accuracy``, whole-run training costs and ``training_clips_per_epoch``.
    curve : list of dict
        Raven's priced curve (``raven_curve``).

    Returns
    -------
    FairTrainingResult
        ``accuracy``, ``validation_accuracy`` and, per cost of ``CURVE_COSTS``, both costs,
        their statuses, the ``ratio`` and its ``ratio_status``.
    """
    usable = [c for c in curve if c.get("validation_accuracy") is not None]
    target = usable[-1]["validation_accuracy"] if usable else raven["accuracy"]
    per_cost = {}
    for cost, key in CURVE_COSTS.items():
        if usable:
            value, status, epoch = charged_until(
                usable, usable[-1]["validation_accuracy"], key, "validation_accuracy"
            )
        else:
            value, status, epoch = raven[_RAVEN_COST[cost]], "whole_run", None
        dnn = training_at_accuracy(baselines, target, cost)
        samples = raven.get("training_clips_per_epoch")
        entry = {
            "raven_cost": value,
            "raven_status": status,
            "raven_epoch": epoch,
            "raven_cost_per_sample": value / (epoch * samples) if epoch and samples else None,
            **dnn,
        }
        entry["ratio"] = dnn["dnn_cost"] / value if "dnn_cost" in dnn and value else None
        entry["ratio_status"] = (
            "interpolated"
            if dnn.get("status") == "interpolated" and status == "interpolated"
            else "bound"
            if entry["ratio"] is not None
            else "not_available"
        )
        per_cost[cost] = entry
    return FairTrainingResult(
        accuracy=raven["accuracy"], validation_accuracy=target, per_cost=per_cost
    )


_RAVEN_COST = {
    "training_macs_total": "training_ops_total",
    "training_energy_total_J": "training_energy_total_J",
}
