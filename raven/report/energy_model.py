"""Report sections of the one memory model: every memory of each side, energy per clip
against duty cycle (table, plot and the generated crossover sentence), where the energy
goes before and after, which assumption moves the verdict, and the ledger's calibration
beside its figures. Built from ``experiments.baselines.energy_model``'s record."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .frontier import eng
from .parts import cell, save_figure, section, table


def _memory_rows(side: str, phase: str, rows: list[dict]) -> list[tuple]:
    return [
        (
            side,
            phase,
            r["memory"],
            r["words"],
            r["word_bits"],
            f"{r['size_bytes']:.0f}",
            "yes" if r["retained"] else "no",
            f"{r['reads_per_clip'] + r['writes_per_clip']:.4g}",
            eng(r["energy_per_clip_J"], "J"),
        )
        for r in rows
    ]


def memory_lines(model: dict) -> list[str]:
    """The one table of every memory of each side: per phase, words, width, size, retention,
    accesses and energy per clip.

    Parameters
    ----------
    model : dict
        The one memory model's record (``experiments.baselines.energy_model``).

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    mem = model["memories"]
    rows = []
    for phase, r in mem["raven"].items():
        rows += _memory_rows("Raven", phase, r)
    if mem.get("dnn"):
        for phase in ("inference", "training"):
            rows += _memory_rows(mem["dnn"]["model"], phase, mem["dnn"][phase])
    return [
        *section("Memories of each side (one memory model)"),
        "Every weight, activation and state word is read and written where its"
        " architecture reads and writes it, each access priced by the size of the memory"
        " that holds it (Horowitz's SRAM size curve). Raven's weights are PCM conductances"
        " read in place (no digital weight memory); the DNN's are read from SRAM at every"
        " use, a recurrent cell's at every frame (no register file is declared).",
        "",
        *table(
            (
                "side",
                "phase",
                "memory",
                "words",
                "bits/word",
                "bytes",
                "kept between clips",
                "accesses per clip",
                "energy per clip",
            ),
            rows,
        ),
    ]


def duty_lines(model: dict, plot: str | None) -> list[str]:
    """Energy per clip at the operating points for both phases, with the crossover sentence.

    Parameters
    ----------
    model : dict
        The one memory model's record (``experiments.baselines.energy_model``).
    plot : str or None
        File name of the duty-cycle plot in the run folder; None: no plot.

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    lines = [
        *section("Energy per clip against duty cycle"),
        "Both sides with static power: leakage while active, one wake-up, and the retention"
        " of what persists between clips (DNN weights kept in leaking SRAM or reloaded from"
        " flash, whichever is cheaper; Raven's PCM weights are non-volatile, its"
        " accumulators persist only while training). Front end excluded on both sides.",
        "",
    ]
    rows = []
    for phase, duty in model["duty_cycle"].items():
        for p in duty["points"]:
            r, dnn = p["raven"], p["dnn"] or {}
            retention = ", ".join(f"{k}: {v['choice']}" for k, v in r["retention"].items())
            rows.append(
                (
                    phase,
                    p["label"],
                    eng(r["energy_J"], "J"),
                    f"{r['power_uW']:.3g} uW",
                    retention or "none",
                    f"{dnn.get('family', 'n/a')} ({dnn.get('status', '')})",
                    eng(dnn.get("energy_J"), "J"),
                    "n/a" if p["ratio"] is None else f"{p['ratio']:.3g}x",
                )
            )
    lines += table(
        (
            "phase",
            "operating point",
            "Raven per clip",
            "Raven power",
            "Raven retention",
            "cheapest DNN",
            "DNN per clip",
            "DNN / Raven",
        ),
        rows,
    )
    lines.append("")
    for duty in model["duty_cycle"].values():
        lines.append(f"- {duty['sentence']}")
    if plot:
        lines += ["", f"![energy against duty cycle]({plot})"]
    return lines


def assumption_lines(model: dict) -> list[str]:
    """Where the energy goes before and after, and which assumption moves the verdict.

    Parameters
    ----------
    model : dict
        The one memory model's record (``experiments.baselines.energy_model``).

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    where = model["where"]
    lines = [*section("Accuracy-and-energy budget: before and after the one memory model")]
    sides = [("Raven", where["raven"])]
    if where.get("dnn"):
        sides.append((where["dnn"]["model"], where["dnn"]))
    rows = []
    for name, w in sides:
        for group in sorted(set(w["before"]) | set(w["after"])):
            rows.append(
                (
                    name,
                    group,
                    eng(w["before"].get(group), "J"),
                    eng(w["after"].get(group), "J"),
                )
            )
    lines += [
        "Where one inference's dynamic energy goes, priced before (the flat DNN formula,"
        " Raven without column integrators and random draws) and after:",
        "",
        *table(("side", "component", "before", "after"), rows),
        "",
        f"Which assumption moves the verdict, at Raven's accuracy {model['accuracy']:.3f}"
        " (each row adds one change to the rows above; training per training clip):",
        "",
        *table(
            ("phase", "pricing", "Raven", "cheapest DNN", "DNN", "DNN / Raven"),
            (
                (
                    r["phase"],
                    r["step"],
                    eng(r["raven_J"], "J"),
                    f"{r['dnn_family']} ({r['dnn_status']})" if r["dnn_family"] else "n/a",
                    eng(r["dnn_J"], "J"),
                    "n/a" if r["ratio"] is None else f"{r['ratio']:.3g}x",
                )
                for r in model["budget"]
            ),
        ),
    ]
    if model.get("state_rule"):
        lines += [
            "",
            f"State compared: the DNN runs are scored in their {model['state_rule']} state"
            " (the chip is evaluated in its last state, at the end of its last epoch); both"
            " sides are charged for training up to where their validation curves reach"
            " the accuracy compared.",
        ]
    return lines


def calibration_lines(model: dict, check: dict | None) -> list[str]:
    """Raven's figures beside the calibration correction, and the PCM macro check.

    Parameters
    ----------
    model : dict
        The one memory model's record (``experiments.baselines.energy_model``).
    check : dict or None
        The ledger's ``pcm_macro_check``; None: left out.

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    cal = model["calibration"]
    lines = [*section("Calibration beside the figures")]
    if cal["correction"] is not None:
        lines.append(
            f"Profile `{cal['profile']}`: {cell(cal['pJ_per_sop'], '.3g')} pJ per synaptic"
            f" operation as priced, {cell(cal['pJ_per_sop_corrected'], '.3g')} pJ corrected"
            f" by the digital chips' calibration (x{cal['correction']:.2f}, published /"
            " ledger, geometric mean); network inference"
            f" {eng(cal['network_dynamic_energy_per_clip_J'], 'J')} per clip as priced,"
            f" {eng(cal['network_dynamic_energy_per_clip_J_corrected'], 'J')} corrected. The"
            " comparison uses the figures as priced on both sides (the correction applies"
            " to both or neither)."
        )
    if check:
        lines += [
            "",
            f"PCM core: the ledger prices one MVM of {check['source']} at"
            f" {check['ledger_tops_per_W']:.3g} TOPS/W against"
            f" {check['published_tops_per_W']} published (ratio {check['ratio']:.2f}; mean"
            f" device conductance {check['g_mean_uS']:g} uS assumed): {check['note']}.",
        ]
    return lines


def duty_cycle_plot(run: Path, model: dict) -> str | None:
    """Plot the energy per clip of Raven and the cheapest DNN against the clip period, one
    panel per phase, with the crossovers.

    Parameters
    ----------
    run : pathlib.Path
        The run folder the figure is written into.
    model : dict
        The one memory model's record (``experiments.baselines.energy_model``).

    Returns
    -------
    str or None
        File name of the figure; None when no DNN reaches Raven's accuracy.
    """
    duty = model["duty_cycle"]
    if not any(c["dnn_J"] for d in duty.values() for c in d["curve"]):
        return None
    fig, axes = plt.subplots(1, len(duty), figsize=(9, 3.6))
    for ax, (phase, d) in zip(axes, duty.items(), strict=True):
        periods = [c["period_s"] for c in d["curve"]]
        ax.loglog(periods, [c["raven_J"] * 1e9 for c in d["curve"]], "k-", label="Raven")
        pts = [(c["period_s"], c["dnn_J"] * 1e9) for c in d["curve"] if c["dnn_J"]]
        if pts:
            ax.loglog(*zip(*pts, strict=True), "r--", label="cheapest DNN, equal accuracy")
        for x in d["crossovers_s"]:
            ax.axvline(x, color="grey", lw=0.8)
        ax.set_xlabel("seconds between clips")
        ax.set_ylabel("nJ per clip (front end excluded)")
        ax.set_title(phase)
        ax.legend(fontsize=7)
    return save_figure(fig, run, "duty_cycle.png")


def energy_model_lines(
    model: dict | None, pcm_macro_check: dict | None, plot: str | None
) -> list[str]:
    """Every section of the one memory model (nothing without its record).

    Parameters
    ----------
    model : dict or None
        The one memory model's record (``experiments.baselines.energy_model``).
    pcm_macro_check : dict or None
        The ledger's price of a published PCM macro's operation.
    plot : str or None
        File name of the duty-cycle plot; None: no plot.

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    if not model:
        return []
    return (
        memory_lines(model)
        + duty_lines(model, plot)
        + assumption_lines(model)
        + calibration_lines(model, pcm_macro_check)
    )
