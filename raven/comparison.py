"""Iso-accuracy comparison of Raven with the DNN baselines (no torch needed here).

For each baseline family, cost is interpolated against accuracy (log-linear between the
two sweep points that bracket Raven's accuracy, after keeping only points that improve on
every cheaper one); the cheapest family at that accuracy is the DNN that Raven is compared
with. When Raven's accuracy lies outside every family's range, the result says so and
gives the bound it can (no silent extrapolation).
"""

from __future__ import annotations

import itertools
import math

COSTS = ("inference_macs", "training_macs_total", "inference_energy_J", "training_energy_total_J")


def _frontier(points: list[dict], cost: str) -> list[dict]:
    """Points sorted by cost that are more accurate than every cheaper point."""
    out, best = [], -1.0
    for p in sorted(points, key=lambda p: p[cost]):
        if p["test_accuracy"] > best:
            out.append(p)
            best = p["test_accuracy"]
    return out


def cost_at_accuracy(points: list[dict], accuracy: float, cost: str) -> tuple[float | None, str]:
    """(cost, status): status "interpolated", "below_all" (the cheapest point already beats
    the accuracy: its cost is an upper bound) or "above_all" (no point reaches it)."""
    front = _frontier(points, cost)
    if not front:
        return None, "no_points"
    if accuracy <= front[0]["test_accuracy"]:
        return front[0][cost], "below_all"
    for lo, hi in itertools.pairwise(front):
        if lo["test_accuracy"] <= accuracy <= hi["test_accuracy"]:
            f = (accuracy - lo["test_accuracy"]) / (hi["test_accuracy"] - lo["test_accuracy"])
            return math.exp(math.log(lo[cost]) + f * (math.log(hi[cost]) - math.log(lo[cost]))), (
                "interpolated"
            )
    return None, "above_all"


def iso_accuracy(baselines: list[dict], raven: dict) -> dict:
    """raven: accuracy, inference_ops, training_ops_total, inference_energy_J,
    training_energy_total_J. Returns ratios DNN / Raven at Raven's accuracy."""
    acc = raven["accuracy"]
    raven_cost = {
        "inference_macs": raven["inference_ops"],
        "training_macs_total": raven["training_ops_total"],
        "inference_energy_J": raven["inference_energy_J"],
        "training_energy_total_J": raven["training_energy_total_J"],
    }
    names = {
        "inference_macs": "inference_ops_ratio",
        "training_macs_total": "training_ops_ratio",
        "inference_energy_J": "inference_energy_ratio",
        "training_energy_total_J": "training_energy_ratio",
    }
    families = sorted({b["family"] for b in baselines})
    out = {"accuracy": acc, "per_cost": {}}
    for cost in COSTS:
        best = None
        for fam in families:
            value, status = cost_at_accuracy(
                [b for b in baselines if b["family"] == fam], acc, cost
            )
            if value is not None and (best is None or value < best[0]):
                best = (value, status, fam)
        if best is None:
            out[names[cost]] = None
            out["per_cost"][cost] = {
                "status": "above_all_baselines",
                "note": "no baseline reaches Raven's accuracy",
            }
            continue
        value, status, fam = best
        out[names[cost]] = value / raven_cost[cost]
        out["per_cost"][cost] = {
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
    best_dnn = max(baselines, key=lambda b: b["test_accuracy"])
    out["best_dnn"] = {
        k: best_dnn[k]
        for k in (
            "family",
            "width",
            "test_accuracy",
            "inference_macs",
            "parameters",
            "inference_energy_J",
        )
    }
    return out
