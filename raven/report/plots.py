"""The run report's figures: learning curve, accuracy against time after training,
confusion, energy breakdown, energy against accuracy, the frontier and the duty cycle."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .energy_model import duty_cycle_plot
from .frontier import frontier_plot
from .parts import save_figure
from .results import RunReport


def plots(run: Path, report: RunReport) -> dict[str, str]:
    """Draw the report's figures into the run folder: learning curve, accuracy against time
    after training, confusion, energy breakdown, and, when recorded, energy against
    accuracy, the frontier and the duty cycle.

    Parameters
    ----------
    run : pathlib.Path
        The run folder.
    report : RunReport
        The run's report.

    Returns
    -------
    dict of str to str
        File name of each figure, by name.
    """
    files = {}
    curve = report.training["curve"]
    if curve:
        fig, ax = plt.subplots(figsize=(5, 3.2))
        epochs = [c["epoch"] for c in curve]
        ax.plot(epochs, [c["train_accuracy"] for c in curve], "o-", label="training (online)")
        if "validation_accuracy" in curve[0]:
            ax.plot(epochs, [c["validation_accuracy"] for c in curve], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_title("On-chip learning curve")
        ax.legend()
        files["learning_curve"] = save_figure(fig, run, "learning_curve.png")

    evals = report.evaluations
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for comp, style in ((True, "o-"), (False, "s--")):
        pts = sorted(
            (e["t_after_s"], e["accuracy"]) for e in evals if e["drift_compensation"] == comp
        )
        if pts:
            ax.semilogx(
                *zip(*pts, strict=True),
                style,
                label="with compensation" if comp else "without compensation",
            )
    ax.set_xlabel("time after training (s)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Retention under PCM drift")
    ax.legend()
    files["accuracy_vs_time"] = save_figure(fig, run, "accuracy_vs_time.png")

    first = evals[0]
    labels = first["labels"]
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    ax.imshow(first["confusion"], cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion, t = {first['t_after_s']:g} s after training")
    files["confusion"] = save_figure(fig, run, "confusion.png")

    if report.baselines:
        files["energy_vs_accuracy"] = _energy_vs_accuracy(run, report)
    if report.frontier:
        files["frontier"] = frontier_plot(run, report.frontier)
    if report.energy_model and (duty := duty_cycle_plot(run, report.energy_model)):
        files["duty_cycle"] = duty

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, (name, summary) in zip(
        axes,
        (("inference", first["ledger"]), ("training", report.training["ledger"])),
        strict=True,
    ):
        items = sorted(
            ((k, v) for k, v in summary["energy_breakdown_per_clip_J"].items() if v > 0),
            key=lambda kv: -kv[1],
        )
        ax.barh([k for k, _ in items], [v * 1e9 for _, v in items])
        ax.set_xscale("log")
        ax.set_xlabel("nJ per clip")
        ax.set_title(f"{name}: {summary['power_uW']:.2f} uW at 1 clip/s")
        ax.invert_yaxis()
    files["energy_breakdown"] = save_figure(fig, run, "energy_breakdown.png")
    return files


def _energy_vs_accuracy(run: Path, report: RunReport) -> str:
    fig, ax = plt.subplots(figsize=(6, 4))
    families = sorted({b.family for b in report.baselines})
    for family, marker in zip(families, "os^vD<>P" * len(families), strict=False):
        pts = sorted(
            (b.inference_energy_J, b.test_accuracy) for b in report.baselines if b.family == family
        )
        if pts:
            ax.semilogx(
                [p[0] * 1e9 for p in pts],
                [p[1] for p in pts],
                marker + "-",
                label=f"{family} (int8)",
            )
    iso = report.iso_accuracy
    cost = iso.per_cost.get("inference_energy_J", {})
    raven_e = iso.raven["inference_energy_J"]
    for e in report.evaluations:
        if e["drift_compensation"]:
            ax.semilogx(raven_e * 1e9, e["accuracy"], "k*", ms=8 + 2 * math.log10(e["t_after_s"]))
    ax.semilogx([], [], "k*", label="Raven (larger: later after training)")
    if cost.get("dnn_cost"):
        ax.semilogx(
            cost["dnn_cost"] * 1e9,
            iso.accuracy,
            "rx",
            ms=10,
            label=f"DNN at Raven's accuracy ({cost['status']})",
        )
    ax.set_xlabel("inference energy per clip, nJ (front end excluded)")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize=7)
    return save_figure(fig, run, "energy_vs_accuracy.png")
