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
    """The cost at which a family's accuracy-cost frontier reaches ``accuracy``, interpolated
    log-linearly in cost between the frontier's points.

    Parameters
    ----------
    points : list of dict
        Runs of one family, each with ``test_accuracy`` and the ``cost`` column.
    accuracy : float
        Accuracy to reach, in [0, 1].
    cost : str
        Cost column (> 0 values).

    Returns
    -------
    tuple of (float or None, str)
        (cost, status): status "interpolated", "below_all" (the cheapest point already beats
        the accuracy: its cost is an upper bound), "above_all" (no point reaches it; cost
        None) or "no_points".
    """
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
    """Ratios DNN / Raven of each cost at Raven's accuracy, the DNN side the cheapest family
    there (``cost_at_accuracy``).

    Parameters
    ----------
    baselines : list of dict
        DNN baseline results (``raven.baseline.train.train_baseline``).
    raven : dict
        Raven's ``accuracy``, ``inference_ops``, ``training_ops_total``,
        ``inference_energy_J`` and ``training_energy_total_J``.

    Returns
    -------
    dict
        ``accuracy``, a ratio per cost (``inference_ops_ratio``, ``training_ops_ratio``,
        ``inference_energy_ratio``, ``training_energy_ratio``; None when no baseline reaches
        the accuracy), ``per_cost`` details and ``best_dnn``.
    """
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


# -- which state is reported -------------------------------------------------------------------
# The chip is evaluated in its last state (the end of its last epoch); a DNN run keeps the
# weights of its best validation check. One rule for both sides: STATE_RULE "last" scores
# each DNN by the test accuracy of its last check (recorded on its curve), as the chip;
# "best" keeps the best check's. The report states the rule and lists both accuracies.
STATE_RULES = ("last", "best")
STATE_RULE = "last"


def with_state(baselines: list[dict], rule: str = STATE_RULE) -> list[dict]:
    """Copies of ``baselines`` whose ``test_accuracy`` is that of the state ``rule`` names.

    Parameters
    ----------
    baselines : list of dict
        DNN baseline results (``raven.baseline.train.train_baseline``).
    rule : str
        "last": the last check of the curve (as the chip is evaluated); "best": the best
        validation check, as trained.

    Returns
    -------
    list of dict
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
        best = b.get("best_state_test_accuracy", b["test_accuracy"])
        curve = b.get("curve") or []
        last = curve[-1]["test_accuracy"] if curve else best
        out.append(
            b
            | {
                "test_accuracy": last if rule == "last" else best,
                "best_state_test_accuracy": best,
                "last_state_test_accuracy": last,
                "state_rule": rule,
            }
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
    baselines: list[dict], accuracy: float, cost: str, accuracy_key: str = "validation_accuracy"
) -> dict:
    """The cheapest baseline training run to reach ``accuracy``, each run charged only up to
    the point where its ``accuracy_key`` curve first reaches it: by default its validation
    curve, as Raven's training is charged (the test split is never used to decide how much
    training is paid for).

    Parameters
    ----------
    baselines : list of dict
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
        curve = b.get("curve")
        if not curve:
            continue
        value, status, epoch = charged_until(curve, accuracy, CURVE_COSTS[cost], accuracy_key)
        if status in ("interpolated", "bound") and (best is None or value < best["dnn_cost"]):
            samples = b.get("samples_seen")
            total = float(curve[-1][CURVE_COSTS[cost]])
            best = {
                "dnn_cost": value,
                "family": b["family"],
                "width": b["width"],
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


def fair_training(baselines: list[dict], raven: dict, curve: list[dict]) -> dict:
    """Training ratios DNN / Raven at equal accuracy, both sides charged on their validation
    curves: Raven up to the epoch where its validation curve first reaches the validation
    accuracy of its final epoch (the chip evaluated), each baseline up to where its
    validation curve first reaches that same accuracy.

    Parameters
    ----------
    baselines : list of dict
        DNN baseline results (``raven.baseline.train.train_baseline``).
    raven : dict
        Raven's ``accuracy``, whole-run training costs and ``training_clips_per_epoch``.
    curve : list of dict
        Raven's priced curve (``raven_curve``).

    Returns
    -------
    dict
        ``accuracy``, ``validation_accuracy`` and, per cost of ``CURVE_COSTS``, both costs,
        their statuses, the ``ratio`` and its ``ratio_status``.
    """
    usable = [c for c in curve if c.get("validation_accuracy") is not None]
    target = usable[-1]["validation_accuracy"] if usable else raven["accuracy"]
    out = {"accuracy": raven["accuracy"], "validation_accuracy": target, "per_cost": {}}
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
        out["per_cost"][cost] = entry
    return out


_RAVEN_COST = {
    "training_macs_total": "training_ops_total",
    "training_energy_total_J": "training_energy_total_J",
}


# -- NeuroBench-style metrics ----------------------------------------------------------------
# Definitions (NeuroBench, Yik et al., 2023/2025): footprint = bytes of weights, parameters
# and buffers; connection sparsity = share of zero weights; activation sparsity = share of
# zero neuron outputs over all neurons and time steps; dense = synaptic operations with
# every activation and connection counted; effective MACs / ACs = synaptic operations of
# non-zero activations, a graded input counting as a MAC and a spike as an accumulate.
# The GSC baselines quoted for context are NeuroBench's published ones (Yik et al.,
# "The NeuroBench framework for benchmarking neuromorphic computing algorithms and
# systems", Nature Communications 2025; arXiv 2304.04640), on 35 classes.

NEUROBENCH_GSC_CONTEXT = (
    {
        "model": "NeuroBench GSC SNN baseline (35 classes)",
        "accuracy": 0.8563,
        "footprint_bytes": 583_900,
        "effective_acs": 3.29e6,
        "effective_macs": 0,
        "synaptic_ops_per_sample": 3.29e6,
    },
    {
        "model": "NeuroBench GSC M5 ANN baseline (35 classes)",
        "accuracy": 0.8653,
        "footprint_bytes": 109_228,
        "effective_acs": 0,
        "effective_macs": 1.73e6,
        "synaptic_ops_per_sample": 1.73e6,
    },
)


def neurobench_raven(summary: dict, footprint_bytes: float, accuracy: float) -> dict:
    """Raven's NeuroBench row from an inference ledger summary (every synaptic input is a
    spike).

    Parameters
    ----------
    summary : dict
        An inference ``Ledger.summary``.
    footprint_bytes : float
        Memory footprint, bytes.
    accuracy : float
        Test accuracy.

    Returns
    -------
    dict
        ``model``, ``accuracy``, ``footprint_bytes``, sparsities, dense and effective
        operations per sample.
    """
    per = summary["counts_per_clip"]
    acs = per.get("synaptic_ops", 0.0)
    macs = per.get("synaptic_macs", 0.0)
    return {
        "model": "Raven",
        "accuracy": accuracy,
        "footprint_bytes": footprint_bytes,
        "connection_sparsity": 0.0,
        "activation_sparsity": summary["activation_sparsity"],
        "dense_ops": per.get("dense_macs", 0.0),
        "effective_macs": macs,
        "effective_acs": acs,
        "synaptic_ops_per_sample": acs + macs,
    }


def neurobench_baseline(b: dict, weight_bytes: int = 1) -> dict:
    """A DNN baseline's NeuroBench row: int8 weights, dense connections; every MAC counted as
    effective (zero activations are not skipped: an upper bound on effective MACs).

    Parameters
    ----------
    b : dict
        A baseline result.
    weight_bytes : int
        Bytes per weight (1: int8).

    Returns
    -------
    dict
        The row, in the keys of ``neurobench_raven``.
    """
    return {
        "model": f"{b['family']}-{b['width']}",
        "accuracy": b["test_accuracy"],
        "footprint_bytes": b["parameters"] * weight_bytes,
        "connection_sparsity": 0.0,
        "activation_sparsity": b.get("activation_sparsity"),
        "dense_ops": b["inference_macs"],
        "effective_macs": b["inference_macs"],
        "effective_acs": 0,
        "synaptic_ops_per_sample": b["inference_macs"],
    }


# -- accuracy-cost frontiers ------------------------------------------------------------------
# Raven trained at several sizes gives a curve of (accuracy, cost) points; each DNN family
# gives one per sweep. For each Raven point and cost, the DNN side is the cheapest family
# at Raven's accuracy: inference costs interpolated on each family's frontier
# (``cost_at_accuracy``), training costs charged up to that accuracy on each run's
# learning curve (``training_at_accuracy``), so that both sides pay for training only up to
# the accuracy compared.

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
    baselines: list[dict], accuracy: float, cost: str, validation_accuracy: float | None = None
) -> dict:
    """The cheapest DNN at ``accuracy`` for a FRONTIER_COSTS key.

    Parameters
    ----------
    baselines : list of dict
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
    for fam in sorted({b["family"] for b in baselines}):
        value, status = cost_at_accuracy(
            [b for b in baselines if b["family"] == fam], accuracy, dnn_key
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


def dnn_frontier_points(baselines: list[dict]) -> list[dict]:
    """Every DNN run as a point in FRONTIER_COSTS terms, its training charged up to where its
    validation curve first reaches its final validation accuracy (as Raven's points).

    Parameters
    ----------
    baselines : list of dict
        DNN baseline results (``raven.baseline.train.train_baseline``).

    Returns
    -------
    list of dict
        ``family``, ``width``, ``accuracy`` and each ``FRONTIER_COSTS`` cost.
    """
    out = []
    for b in baselines:
        point = {"family": b["family"], "width": b["width"], "accuracy": b["test_accuracy"]}
        for cost, (dnn_key, _) in FRONTIER_COSTS.items():
            if dnn_key in CURVE_COSTS and b.get("curve"):
                target = b["curve"][-1]["validation_accuracy"]
                value, _, _ = charged_until(
                    b["curve"], target, CURVE_COSTS[dnn_key], "validation_accuracy"
                )
            else:
                value = b[dnn_key]
            point[cost] = value
        out.append(point)
    return out


def frontier_comparison(baselines: list[dict], raven: list[dict]) -> dict:
    """Raven's accuracy-cost curve against the DNN families': for every Raven point and cost,
    the cheapest DNN at that accuracy, the ratio DNN / Raven, how to read it and a verdict;
    and the accuracies each side and both cover.

    Parameters
    ----------
    baselines : list of dict
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
    dnn_span = _span([b["test_accuracy"] for b in baselines])
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
