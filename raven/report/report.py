"""Run report: JSON, markdown and plots written into the run folder."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from ..accounting.energy import chip_profile
from ..accounting.ledger import Ledger
from ..baseline.results import BaselineResult
from ..compare.results import RATIO_NAMES, ComparisonResult, FairTrainingResult
from .energy_model import energy_model_lines
from .frontier import (
    eng,
    frontier_lines,
    frontier_table,
    retention,
    retention_lines,
    throughput,
    throughput_lines,
)
from .parts import budget_lines, caution_lines, cell, section, seed_lines, table
from .plots import plots
from .results import RunReport


def training_ledger_summary(
    training: dict,
    chip,
    profile: str = "pcm45",
    power_gated: bool = True,
) -> dict:
    """Summary of the training ledger (counts saved by ``raven.runs.train``) priced with the
    chip's declared arrays and the named chip profile.

    Parameters
    ----------
    training : dict
        The run's training record (its ``ledger_counts``).
    chip : raven.chip.crossbar.Chip or raven.chip.temporal.TemporalChip
        The trained chip (memories, device energies, read time, clip period).
    profile : str
        A ``raven.accounting.energy`` profile name.
    power_gated : bool
        Whether the chip is power-gated between clips.

    Returns
    -------
    dict
        A ``Ledger.summary``.
    """
    ledger = Ledger("training", counts=Counter(training["ledger_counts"]))
    chip.declare_memories(ledger, training=True)
    return ledger.summary(
        chip_profile(profile),
        chip.params.energy,
        chip.params.read_noise.t_read_s,
        chip.cfg.device.clip_period_s,
        power_gated=power_gated,
    )


TRAINING_OPS = ("synaptic_ops", "accumulator_updates", "set_pulses", "digital_macs")


def training_price(chip, profile: str = "pcm45", power_gated: bool = True):
    """``price(counts) -> (operations, energy_J)`` of cumulative training counts, without the
    MFCC front end (shared by Raven and the DNNs) and without static power (the DNN energy
    model has none: like for like): for ``comparison.raven_curve``.

    Parameters
    ----------
    chip : raven.chip.crossbar.Chip or raven.chip.temporal.TemporalChip
        The trained chip.
    profile : str
        A ``raven.accounting.energy`` profile name.
    power_gated : bool
        Whether the chip is power-gated between clips.

    Returns
    -------
    callable
        The pricing function.
    """

    def price(counts: dict) -> tuple[float, float]:
        s = training_ledger_summary({"ledger_counts": counts}, chip, profile, power_gated)
        ops = sum(counts.get(k, 0) for k in TRAINING_OPS) + counts.get("neuron_updates", 0)
        clips = max(1, s["clips"])
        front = s["energy_breakdown_per_clip_J"]["frontend_ops"]
        return float(ops), (s["dynamic_energy_per_clip_J"] - front) * clips

    return price


def headline(report: RunReport) -> dict:
    """The compact machine-readable results: headline figures and every ratio with its
    status (written as results.json next to report.json).

    Parameters
    ----------
    report : RunReport
        The run's report.

    Returns
    -------
    dict
        Accuracies (after each evaluation time, validation, software ceiling), inference
        and training figures, calibration, NeuroBench rows, retention, throughput, the
        frontier, the energy model, the budget, seeds and the iso-accuracy and
        equal-accuracy training ratios.
    """
    first = report.first_evaluation
    inf, tr = first["ledger"], report.training["ledger"]
    ceiling = report.software_ceiling
    out = {
        "test_accuracy": first["accuracy"],
        "t_after_s": first["t_after_s"],
        "accuracy_after": {
            f"{e['t_after_s']:g}s" + ("" if e["drift_compensation"] else "_uncompensated"): e[
                "accuracy"
            ]
            for e in report.evaluations
        },
        "dataset": Path(report.data).name if report.data else None,
        "architecture": (report.config or {}).get("architecture"),
        "validation_accuracy": (report.training["curve"] or [{}])[-1].get("validation_accuracy"),
        "software_ceiling_test_accuracy": None if ceiling is None else ceiling.test_accuracy,
        "inference_synaptic_ops_per_clip": inf["effective_sops_per_clip"],
        "profile": inf["profile"]["name"],
        "inference": _phase_figures(inf),
        "training": _phase_figures(tr) | {"clips": tr["clips"]},
        "silicon_pJ_per_sop": inf["silicon_pJ_per_sop"],
        "calibration": _listed(report.calibration),
        "neurobench": _listed(report.neurobench),
        "retention": retention(report.evaluations),
        "throughput": _throughput(report),
        # Raven's accuracy-cost curve against the DNN families, point by point.
        "frontier": frontier_table(report.frontier),
        "energy_model": _energy_model_headline(report.energy_model),
        "budget": report.budget,
        "seeds": report.seeds,
    }
    iso = report.iso_accuracy
    out["iso_accuracy"] = {
        key: {
            "ratio": None if iso is None else iso.ratio(cost),
            "status": None if iso is None else iso.per_cost.get(cost, {}).get("status"),
        }
        for cost, key in RATIO_NAMES.items()
    }
    fair = report.fair_training
    if fair:
        # The iso-accuracy training ratios above charge whole runs; these charge every run
        # only up to the accuracy compared, and are the ones to quote.
        out["training_at_equal_accuracy"] = {
            cost: {k: v.get(k) for k in ("ratio", "ratio_status", "status", "raven_status")}
            for cost, v in fair.per_cost.items()
        }
    return out


def _listed(rows: Sequence[dict] | None) -> list[dict] | None:
    return None if rows is None else list(rows)


def _throughput(report: RunReport) -> dict:
    """The report's throughput record (``throughput`` of its sizes)."""
    return throughput(
        report.training,
        report.evaluations,
        report.n_hidden,
        report.sizes or (),
        report.wall_time_s,
    )


def _phase_figures(s: dict) -> dict:
    return {
        "energy_per_clip_J": s["energy_per_clip_J"],
        "dynamic_energy_per_clip_J": s["dynamic_energy_per_clip_J"],
        "power_uW": s["power_uW"],
        "static_power_uW": s["static_power_uW"],
        "power_gated_between_clips": s["duty_cycling"]["power_gated_between_clips"],
        "pJ_per_sop": s["pJ_per_sop"],
        "pJ_per_sop_with_static": s["pJ_per_sop_with_static"],
        # the front end apart from the network
        "frontend_energy_per_clip_J": s["energy_breakdown_per_clip_J"].get("frontend_ops", 0.0),
        "network_power_uW": float(_network_uW(s).split()[0]),
    }


def _energy_model_headline(model: dict | None) -> dict | None:
    """The duty-cycle figures, crossover sentences and assumption budget, compactly."""
    if not model:
        return None
    return {
        "state_rule": model.get("state_rule"),
        "duty_cycle": {
            phase: {
                "points": [
                    {
                        "operating_point": p["label"],
                        "period_s": p["period_s"],
                        "raven_energy_per_clip_J": p["raven"]["energy_J"],
                        "raven_power_uW": p["raven"]["power_uW"],
                        "dnn_family": (p["dnn"] or {}).get("family"),
                        "dnn_energy_per_clip_J": (p["dnn"] or {}).get("energy_J"),
                        "ratio": p["ratio"],
                    }
                    for p in d["points"]
                ],
                "crossovers_s": d["crossovers_s"],
                "sentence": d["sentence"],
            }
            for phase, d in model["duty_cycle"].items()
        },
        "budget": model["budget"],
        "calibration": model["calibration"],
    }


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _iso_lines(
    iso: ComparisonResult | None,
    baselines: Sequence[BaselineResult],
    fair_training: FairTrainingResult | None = None,
    skipped: str | None = None,
) -> list[str]:
    """The iso-accuracy section: the ratios (training ones charged to equal accuracy when
    ``fair_training`` is given), the best DNN and every baseline; or why it is missing."""
    if iso is None:
        return [
            *section("Iso-accuracy comparison"),
            f"Not computed: {skipped or 'no baselines'}.",
        ]
    fair = fair_training.per_cost if fair_training else {}
    ratios = []
    for cost, key in RATIO_NAMES.items():
        pc, ratio, how = iso.per_cost[cost], iso.ratio(cost), None
        if cost in fair:
            # Training at equal accuracy: every run charged up to the accuracy compared.
            pc = fair[cost]
            ratio, how = pc.get("ratio"), f"charged to equal accuracy, {pc['ratio_status']}"
        ratios.append(
            (
                key,
                "n/a" if ratio is None else f"{ratio:.2f}x",
                pc.get("family", ""),
                how or pc.get("status"),
            )
        )
    best = iso.best_dnn
    lines = [
        *section("Iso-accuracy comparison with the DNN baselines"),
        f"At Raven's test accuracy {iso.accuracy:.3f} (t = 1 s after training):",
        "",
        *table(("quantity", "DNN / Raven", "DNN family", "how"), ratios),
        "",
        f"Best DNN: {best['family']} width {best['width']}, test accuracy"
        f" {best['test_accuracy']:.3f}, {best['inference_macs']} MACs,"
        f" {best['parameters']} parameters. Paper's figures for comparison: 70.36x fewer"
        " computations for inference, 269.23x for training.",
        "",
        *caution_lines(iso.untrained_widths_above),
        *table(
            (
                "family",
                "width",
                "test accuracy",
                "MACs",
                "parameters",
                "inference nJ",
                "training MACs (run)",
            ),
            (
                (
                    b.family,
                    b.width,
                    f"{b.test_accuracy:.3f}",
                    b.inference_macs,
                    b.parameters,
                    f"{b.inference_energy_J * 1e9:.1f}",
                    f"{b.training_macs_total:.3g}",
                )
                for b in baselines
            ),
        ),
        "",
    ]
    for k, v in (iso.definitions or {}).items():
        lines.append(f"- {k}: {v}")
    return lines


def write_report(run: Path, report: RunReport) -> RunReport:
    """Write the run's report: the figures, report.json (the whole record), results.json
    (``headline``) and report.md.

    Parameters
    ----------
    run : pathlib.Path
        The run folder.
    report : RunReport
        The run's report.

    Returns
    -------
    RunReport
        The report written: ``report`` with its ``plots`` and ``throughput`` filled in.
    """
    report = dataclasses.replace(report, plots=plots(run, report))
    report = dataclasses.replace(report, throughput=_throughput(report))
    _write(run / "report.json", json.dumps(report.to_dict(), indent=2, default=float))
    _write(run / "results.json", json.dumps(headline(report), indent=2, default=float))
    _write(run / "report.md", "\n".join(_markdown(run, report)) + "\n")
    return report


def _markdown(run: Path, report: RunReport) -> list[str]:
    """The lines of report.md."""
    tr = report.training
    lines = [
        f"# Raven run `{run.name}`",
        "",
        f"Data: `{report.data}` ({report.task}-class task), device preset"
        f" `{report.device_preset}`, architecture `{report.architecture or 'static'}`,"
        f" learning rule `{report.rule}`.",
        *section("Training on chip"),
        f"- clips seen: {tr['training_clips']}, pulse updates: {tr['updates']},"
        f" wall time {tr['wall_time_s']:.1f} s ({tr['clips_per_s']:.0f} clips/s)",
        f"- training energy {tr['ledger']['energy_per_clip_J'] * 1e9:.1f} nJ per clip,"
        f" **{tr['ledger']['power_uW']:.2f} uW** at one clip per second, of which"
        f" {tr['ledger']['static_power_uW']:.3g} uW static"
        f" ({tr['ledger']['duty_cycling']['note']}); without the front end"
        f" {_network_uW(tr['ledger'])}",
        f"- {training_power_verdict(tr['ledger'])}",
        "",
        *table(
            ("epoch", "training accuracy (online)", "validation accuracy"),
            (
                (
                    c["epoch"],
                    f"{c['train_accuracy']:.3f}",
                    cell(c.get("validation_accuracy"), ".3f"),
                )
                for c in tr["curve"]
            ),
        ),
    ]
    lines += retention_lines(report.evaluations)
    lines += seed_lines(report.seeds)
    if report.budget:
        lines += section("Accuracy-loss budget: what each device non-ideality costs")
        lines += [
            "The same network, data and seed trained on chip along a chain of devices, each"
            " link adding one non-ideality of the preset (`python -m experiments.budget`);"
            " the loss is against the row before, the drift rows' against the read-noise"
            " row:",
            "",
        ]
        lines += budget_lines(report.budget)
    lines += [
        "",
        "Energy and power of each evaluation:",
        "",
        *table(
            (
                "time after training",
                "compensation",
                "accuracy",
                "energy/clip",
                "power",
                "power without front end",
            ),
            (
                (
                    f"{e['t_after_s']:g} s",
                    "yes" if e["drift_compensation"] else "no",
                    f"{e['accuracy']:.3f}",
                    f"{e['energy_per_clip_J'] * 1e9:.1f} nJ",
                    f"{e['power_uW']:.2f} uW",
                    _network_uW(e["ledger"]),
                )
                for e in report.evaluations
            ),
        ),
    ]
    inf = report.first_evaluation["ledger"]
    lines += [
        *section("Inference ledger (per clip)"),
        f"- effective synaptic operations: {inf['effective_sops_per_clip']:.0f};"
        f" dense-equivalent MACs: {inf['dense_macs_per_clip']:.0f}",
        f"- activation sparsity: {inf['activation_sparsity']:.3f}",
        f"- energy per synaptic operation: {eng(inf['pJ_per_sop'])} pJ dynamic,"
        f" {eng(inf['pJ_per_sop_with_static'])} pJ with static power (profile"
        f" `{inf['profile']['name']}`, {inf['profile']['node_nm']:g} nm); silicon: "
        + ", ".join(f"{k} {v} pJ" for k, v in inf["silicon_pJ_per_sop"].items()),
        f"- static power {inf['static_power_uW']:.3g} uW ({inf['duty_cycling']['note']})",
        f"- memory footprint: {report.footprint['synapses']} synapses,"
        f" {report.footprint['pcm_devices']} PCM devices",
        "",
        *table(
            ("component", "nJ per clip"),
            (
                (k, f"{v * 1e9:.3f}")
                for k, v in sorted(
                    inf["energy_breakdown_per_clip_J"].items(), key=lambda kv: -kv[1]
                )
            ),
        ),
    ]
    audio = report.audio
    lines += [
        *section("Data"),
        f"- audio: {audio['read']} clips read, {audio['skipped']} skipped,"
        f" {audio['resampled']} resampled, {audio['mixed_down']} mixed down",
    ]
    for item in audio["skipped_files"]:
        lines.append(f"  - skipped `{item['file']}`: {item['reason']}")
    lines += _ceiling_lines(report.software_ceiling, report.first_evaluation["accuracy"])
    lines += _iso_lines(
        report.iso_accuracy,
        report.baselines or (),
        report.fair_training,
        report.iso_accuracy_skipped,
    )
    lines += frontier_lines(report.frontier)
    plots_ = report.plots or {}
    lines += energy_model_lines(
        report.energy_model, report.pcm_macro_check, plots_.get("duty_cycle")
    )
    lines += _fair_lines(report.fair_training) + throughput_lines(_throughput(report))
    lines += _neurobench_lines(report.neurobench) + _calibration_lines(report.calibration)
    lines += section("Plots") + [f"![{k}]({v})" for k, v in plots_.items()]
    return lines


def _ceiling_lines(ceiling: BaselineResult | None, chip_accuracy: float) -> list[str]:
    """The software ceiling's section, worded by its family; nothing without one."""
    if ceiling is None:
        return []
    how = (
        "weights on the same spike trains, trained off chip by backpropagation through"
        " time with the chip's pseudo-derivative as surrogate gradient"
        if ceiling.family == "rsnn"
        else "weights and expected spike rates, trained off chip by backpropagation"
    )
    return [
        *section("Software ceiling"),
        f"The same network (inputs, {ceiling.width} hidden units, outputs) with float"
        f" {how}: test accuracy {ceiling.test_accuracy:.3f} (validation"
        f" {ceiling.validation_accuracy:.3f}); on chip, 1 s after training:"
        f" {chip_accuracy:.3f}.",
    ]


# The Raven paper's on-chip training power (Miriyala & Ishii, arXiv:2010.11741).
PAPER_TRAINING_POWER_UW = 30.0


def training_power_verdict(summary: dict) -> str:
    """One sentence: the training power at one clip per second against the paper's 30 uW,
    and, when above it, the cost that keeps it there (the largest static or dynamic share).

    Parameters
    ----------
    summary : dict
        The training ledger summary (``Ledger.summary``).

    Returns
    -------
    str
    """
    power = summary["power_uW"]
    if power <= PAPER_TRAINING_POWER_UW:
        return (
            f"training power {power:.1f} uW at one clip per second, every cost counted: within"
            f" the paper's {PAPER_TRAINING_POWER_UW:g} uW"
        )
    static = summary.get("static_power_breakdown_W") or {}
    name, watts = max(static.items(), key=lambda kv: kv[1], default=("none", 0.0))
    return (
        f"training power {power:.1f} uW at one clip per second, above the paper's"
        f" {PAPER_TRAINING_POWER_UW:g} uW: the largest share is the leakage of"
        f" {name.removeprefix('memory:')} ({watts * 1e6:.1f} uW, kept powered between clips"
        f" while training), then {summary['dynamic_energy_per_clip_J'] * 1e6:.2f} uJ of"
        " dynamic energy per clip"
    )


def _network_uW(summary: dict) -> str:
    """The network's power without the front end (a summary from before it was reported
    apart: computed from its breakdown)."""
    if "network_power_uW" in summary:
        return f"{summary['network_power_uW']:.3g} uW"
    front = summary["energy_breakdown_per_clip_J"].get("frontend_ops", 0.0)
    period = summary["duty_cycling"]["clip_period_s"]
    return f"{(summary['energy_per_clip_J'] - front) / period * 1e6:.3g} uW"


def _fair_lines(fair: FairTrainingResult | None) -> list[str]:
    if not fair:
        return []
    rows = []
    for cost, v in fair.per_cost.items():
        rows.append(
            (
                cost,
                "n/a" if v.get("ratio") is None else f"{v['ratio']:.3g}x",
                v["ratio_status"],
                f"{v['family']}-{v['width']}" if "family" in v else v.get("status"),
                cell(v.get("dnn_cost_per_sample"), ".3g"),
                cell(v.get("raven_cost_per_sample"), ".3g"),
            )
        )
    return [
        *section("Training at equal accuracy"),
        "Both sides are charged on their validation curves: Raven up to where its"
        " validation curve first reaches its final value"
        f" ({cell(fair.validation_accuracy, '.3f')}), each DNN run up to where its"
        " validation curve first reaches that same accuracy.",
        "",
        *table(
            ("cost", "DNN / Raven", "status", "DNN", "DNN per sample", "Raven per sample"), rows
        ),
    ]


def _neurobench_lines(rows: Sequence[dict] | None) -> list[str]:
    if not rows:
        return []
    keys = (
        "accuracy",
        "footprint_bytes",
        "connection_sparsity",
        "activation_sparsity",
        "dense_ops",
        "effective_macs",
        "effective_acs",
        "synaptic_ops_per_sample",
    )
    return [
        *section("NeuroBench-style metrics (per sample)"),
        *table(
            ("model", *keys),
            ((row["model"], *(cell(row.get(k), ".3g") for k in keys)) for row in rows),
        ),
    ]


def _calibration_lines(rows: Sequence[dict] | None) -> list[str]:
    if not rows:
        return []
    return [
        *section("Calibration of the ledger against silicon"),
        *table(
            ("chip", "profile", "ledger pJ/SOP", "published pJ/SOP", "ratio", "source"),
            (
                (
                    r["chip"],
                    r["profile"],
                    f"{r['ledger_pJ_per_sop']:.3g}",
                    r["silicon_pJ_per_sop"],
                    f"{r['ratio']:.2f}",
                    r["source"],
                )
                for r in rows
            ),
        ),
    ]
