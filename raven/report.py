"""Run report: JSON, markdown and plots written into the run folder."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .energy import EnergyTable
from .ledger import Ledger


def training_ledger_summary(
    training: dict, device_energy, t_read_s: float, clip_period_s: float
) -> dict:
    ledger = Ledger("training", counts=Counter(training["ledger_counts"]))
    return ledger.summary(EnergyTable(), device_energy, t_read_s, clip_period_s)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def plots(run: Path, report: dict) -> dict[str, str]:
    files = {}
    curve = report["training"]["curve"]
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
        fig.tight_layout()
        fig.savefig(run / "learning_curve.png", dpi=120)
        plt.close(fig)
        files["learning_curve"] = "learning_curve.png"

    evals = report["evaluations"]
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
    fig.tight_layout()
    fig.savefig(run / "accuracy_vs_time.png", dpi=120)
    plt.close(fig)
    files["accuracy_vs_time"] = "accuracy_vs_time.png"

    first = evals[0]
    labels = first["labels"]
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    ax.imshow(first["confusion"], cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion, t = {first['t_after_s']:g} s after training")
    fig.tight_layout()
    fig.savefig(run / "confusion.png", dpi=120)
    plt.close(fig)
    files["confusion"] = "confusion.png"

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, (name, summary) in zip(
        axes,
        (("inference", first["ledger"]), ("training", report["training"]["ledger"])),
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
    fig.tight_layout()
    fig.savefig(run / "energy_breakdown.png", dpi=120)
    plt.close(fig)
    files["energy_breakdown"] = "energy_breakdown.png"
    return files


def write_report(run: Path, report: dict) -> None:
    report["plots"] = plots(run, report)
    _write(run / "report.json", json.dumps(report, indent=2, default=float))
    tr = report["training"]
    lines = [
        f"# Raven run `{run.name}`",
        "",
        f"Data: `{report['data']}` ({report['task']}-class task), device preset"
        f" `{report['device_preset']}`, learning rule `{report['rule']}`.",
        "",
        "## Training on chip",
        "",
        f"- clips seen: {tr['training_clips']}, pulse updates: {tr['updates']},"
        f" wall time {tr['wall_time_s']:.1f} s ({tr['clips_per_s']:.0f} clips/s)",
        f"- training energy {tr['ledger']['energy_per_clip_J'] * 1e9:.1f} nJ per clip,"
        f" **{tr['ledger']['power_uW']:.2f} uW** at one clip per second",
        "",
        "| epoch | training accuracy (online) | validation accuracy |",
        "|---|---|---|",
    ]
    for c in tr["curve"]:
        val = c.get("validation_accuracy")
        lines.append(
            f"| {c['epoch']} | {c['train_accuracy']:.3f} | {'' if val is None else f'{val:.3f}'} |"
        )
    lines += [
        "",
        "## Test accuracy after training",
        "",
        "| time after training | compensation | accuracy | energy/clip | power |",
        "|---|---|---|---|---|",
    ]
    for e in report["evaluations"]:
        lines.append(
            f"| {e['t_after_s']:g} s | {'yes' if e['drift_compensation'] else 'no'} |"
            f" {e['accuracy']:.3f} | {e['energy_per_clip_J'] * 1e9:.1f} nJ |"
            f" {e['power_uW']:.2f} uW |"
        )
    inf = report["evaluations"][0]["ledger"]
    lines += [
        "",
        "## Inference ledger (per clip)",
        "",
        f"- effective synaptic operations: {inf['effective_sops_per_clip']:.0f};"
        f" dense-equivalent MACs: {inf['dense_macs_per_clip']:.0f}",
        f"- activation sparsity: {inf['activation_sparsity']:.3f}",
        f"- memory footprint: {report['footprint']['synapses']} synapses,"
        f" {report['footprint']['pcm_devices']} PCM devices",
        "",
        "| component | nJ per clip |",
        "|---|---|",
    ]
    for k, v in sorted(inf["energy_breakdown_per_clip_J"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {k} | {v * 1e9:.3f} |")
    skipped = report["audio"]["skipped"]
    lines += [
        "",
        "## Data",
        "",
        f"- audio: {report['audio']['read']} clips read, {skipped} skipped,"
        f" {report['audio']['resampled']} resampled, {report['audio']['mixed_down']}"
        " mixed down",
    ]
    for item in report["audio"]["skipped_files"]:
        lines.append(f"  - skipped `{item['file']}`: {item['reason']}")
    lines += ["", "## Plots", ""] + [f"![{k}]({v})" for k, v in report["plots"].items()]
    lines += [
        "",
        "The DNN baseline and the iso-accuracy comparison are not part of this report yet.",
    ]
    _write(run / "report.md", "\n".join(lines) + "\n")
