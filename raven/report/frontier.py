"""Report sections on Raven's accuracy-cost curve against the DNN frontiers, retention
after training, and throughput and wall time: markdown lines, a plot and the compact
tables of results.json. Every sentence is generated from the numbers of the report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import NullFormatter

from ..compare.frontier import FRONTIER_COSTS
from .parts import caution_lines, cell, save_figure, section, table

_UNITS = {
    "inference_ops": "",
    "inference_energy_J": "J",
    "training_ops": "",
    "training_energy_J": "J",
}
_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"), (1e-3, "m"), (1.0, ""))


def eng(value: float | None, unit: str = "") -> str:
    """3 significant figures; joules with an SI prefix (``2.5e-9, "J"`` -> ``2.5 nJ``).

    Parameters
    ----------
    value : float or None
        The value; None gives "n/a".
    unit : str
        Unit appended; only "J" gets a prefix.

    Returns
    -------
    str
        The formatted value.
    """
    if value is None:
        return "n/a"
    if unit != "J" or value == 0:
        return f"{value:.3g}{' ' + unit if unit else ''}"
    scale, prefix = next(((s, p) for s, p in reversed(_PREFIXES) if abs(value) >= s), (1e-15, "f"))
    return f"{value / scale:.3g} {prefix}{unit}"


_UNITS_OF_TIME = (
    (31_536_000, "year"),
    (2_592_000, "month"),
    (86_400, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def duration(seconds: float) -> str:
    """A time after training in words: 1 s, 1 hour, 1 day, 1 month (30 days), 1 year.

    Parameters
    ----------
    seconds : float
        The time, s.

    Returns
    -------
    str
        The time in the largest unit it reaches.
    """
    for size, name in _UNITS_OF_TIME:
        if seconds >= size:
            n = seconds / size
            return f"{n:.3g} {name}{'' if n == 1 else 's'}"
    return f"{seconds:g} s"


# -- the frontier comparison --------------------------------------------------------------------


def _dnn_name(pc: dict) -> str:
    name = pc.get("dnn_family") or "?"
    return f"{name}-{pc['dnn_width']}" if pc.get("dnn_width") is not None else name


def _judgement(pc: dict, training: bool) -> str:
    """One Raven point against the cheapest DNN, for one cost, in words."""
    r, status, dnn = pc.get("ratio"), pc.get("ratio_status"), _dnn_name(pc)
    if pc.get("verdict") == "unmatched":
        return "no DNN run reaches this accuracy"
    if r is None:
        return "no ratio: Raven's cost is unknown"
    if pc["verdict"] == "win":
        bound = "at least " if status == "lower_bound" else ""
        return f"{bound}{r:.3g}x cheaper than the cheapest DNN ({dnn})"
    if pc["verdict"] == "loss":
        bound = "at least " if status == "upper_bound" else ""
        return f"the cheapest DNN ({dnn}) is {bound}{1 / r:.3g}x cheaper"
    if status == "upper_bound":
        why = (
            f"{dnn} already beats this accuracy after its first epoch"
            if training
            else f"even the cheapest {pc.get('dnn_family')} model beats this accuracy"
        )
        return f"DNN / Raven is at most {r:.3g}x ({why}: the DNN cost is only bounded)"
    if status == "lower_bound":
        return f"DNN / Raven is at least {r:.3g}x: Raven's cost is an upper bound"
    if status == "indeterminate":
        return f"DNN / Raven {r:.3g}x, but both costs are bounds"
    return f"even ({dnn}, DNN / Raven {r:.3g}x)"


def _where(entries: list[tuple[dict, dict]], training: bool) -> str:
    return "; ".join(
        f"n_hidden {row['n_hidden']} (accuracy {row['accuracy']:.3f}): {_judgement(pc, training)}"
        for row, pc in entries
    )


def cost_summary(frontier: dict, cost: str) -> str:
    """Where Raven wins, loses or cannot be judged on one cost, and by how much.

    Parameters
    ----------
    frontier : dict
        The accuracy-cost frontier (``raven.compare.frontier.frontier_comparison``).
    cost : str
        A key of ``FRONTIER_COSTS``.

    Returns
    -------
    str
        One markdown list item.
    """
    groups = {"win": [], "loss": [], "undecided": [], "unmatched": []}
    for row in frontier["rows"]:
        pc = row["per_cost"][cost]
        if pc["verdict"]:
            groups[pc["verdict"]].append((row, pc))
    n = len(frontier["rows"])
    label = FRONTIER_COSTS[cost][1]
    parts = []
    for key, verb in (
        ("win", "wins"),
        ("loss", "loses"),
        ("unmatched", "is unmatched by any DNN"),
        ("undecided", "cannot be judged"),
    ):
        if groups[key]:
            where = _where(groups[key], cost.startswith("training"))
            parts.append(f"Raven {verb} at {len(groups[key])} of {n}: {where}.")
    if not parts:
        parts.append("not compared (no DNN baselines).")
    return f"- **{label}**: " + " ".join(parts)


def coverage_sentence(frontier: dict) -> str:
    """The accuracies Raven's sizes and the DNN runs reach, and where both overlap.

    Parameters
    ----------
    frontier : dict
        The accuracy-cost frontier (``raven.compare.frontier.frontier_comparison``).

    Returns
    -------
    str
        One or two sentences.
    """
    cov = frontier["coverage"]
    if not cov["dnn"]:
        return "No DNN baselines: Raven's curve is reported alone."
    raven, dnn, both = cov["raven"], cov["dnn"], cov["both"]
    text = (
        f"Raven's sizes reach test accuracies {raven[0]:.3f} to {raven[1]:.3f}; the DNN runs"
        f" {dnn[0]:.3f} to {dnn[1]:.3f}."
    )
    if both is None:
        side = "below" if raven[1] < dnn[0] else "above"
        return (
            f"{text} No accuracy is covered by both: every Raven point lies {side} the DNN"
            " range, so each ratio rests on a bound (its status says which)."
        )
    inside = sum(both[0] <= row["accuracy"] <= both[1] for row in frontier["rows"])
    return (
        f"{text} Both cover {both[0]:.3f} to {both[1]:.3f}; {inside} of"
        f" {len(frontier['rows'])} Raven points lie there, where the ratios are read on"
        " interpolated DNN frontiers."
    )


def frontier_lines(frontier: dict | None) -> list[str]:
    """The report's accuracy-cost frontier section: coverage, Raven's points, the ratio per
    point and cost with how to read it, and where Raven wins and loses.

    Parameters
    ----------
    frontier : dict or None
        The accuracy-cost frontier (``raven.compare.frontier.frontier_comparison``).

    Returns
    -------
    list of str
        Markdown lines of the report.
        Empty without a frontier.
    """
    if not frontier:
        return []
    lines = [
        *section("Accuracy-cost frontier: Raven at several sizes against the DNN families"),
        "Each Raven size is trained on chip and tested 1 s after training (the first"
        " evaluation time). For every Raven point and cost, the DNN side is the cheapest DNN"
        " at Raven's accuracy: inference costs interpolated (log-linear) on each family's"
        " frontier, training charged run by run up to where its validation curve first"
        " reaches that accuracy; Raven's training is charged up to where its validation"
        " curve first reaches its final value. Energies exclude the shared MFCC front end"
        " and static power on both sides (static power, wake-up and retention are in the"
        " duty-cycle tables).",
        "",
        coverage_sentence(frontier),
        "",
        *caution_lines(frontier.get("untrained_widths_above")),
        *table(
            (
                "n_hidden",
                "test accuracy",
                "inference ops",
                "inference energy",
                "training ops",
                "training energy",
                "training clips/s",
            ),
            (
                (
                    p["n_hidden"],
                    f"{p['accuracy']:.3f}",
                    eng(p["inference_ops"]),
                    eng(p["inference_energy_J"], "J"),
                    eng(p["training_ops"]),
                    eng(p["training_energy_J"], "J"),
                    f"{p['training_clips_per_s']:.0f}",
                )
                for p in frontier["raven"]
            ),
        ),
    ]
    if not frontier["coverage"]["dnn"]:
        return lines
    rows = []
    for row in frontier["rows"]:
        for cost, pc in row["per_cost"].items():
            unit = _UNITS[cost]
            rows.append(
                (
                    row["n_hidden"],
                    cost,
                    eng(pc["raven_cost"], unit),
                    _dnn_name(pc) if pc.get("dnn_family") else "",
                    eng(pc.get("dnn_cost"), unit),
                    "n/a" if pc.get("ratio") is None else f"{pc['ratio']:.3g}x",
                    pc["ratio_status"],
                    pc["verdict"],
                )
            )
    columns = (
        "n_hidden",
        "cost",
        "Raven",
        "cheapest DNN",
        "DNN cost",
        "DNN / Raven",
        "how to read",
        "verdict",
    )
    lines += ["", *table(columns, rows)]
    lines += ["", "Where Raven wins and where it loses (DNN / Raven > 1: Raven is cheaper):", ""]
    lines += [cost_summary(frontier, cost) for cost in FRONTIER_COSTS]
    lines += [
        "",
        "In frontier.png, each DNN run's training is charged up to its own final test"
        " accuracy; the ratios charge every run up to Raven's accuracy (red crosses), which"
        " can lie below the line between runs.",
        "",
        "How to read: exact (both costs measured or interpolated); upper_bound (the DNN cost"
        " is its cheapest model's, which already beats Raven's accuracy: the ratio can only"
        " be smaller); lower_bound (Raven's training cost is an upper bound: the ratio can"
        " only be larger); indeterminate (both are bounds); no_dnn (no DNN run reaches"
        " Raven's accuracy).",
    ]
    return lines


def frontier_table(frontier: dict | None) -> dict | None:
    """The frontier for results.json: coverage and, per Raven point and cost, the costs, the
    cheapest DNN, the ratio and how to read it.

    Parameters
    ----------
    frontier : dict or None
        The accuracy-cost frontier.

    Returns
    -------
    dict or None
        ``coverage`` and ``rows``; None without a frontier.
    """
    if not frontier:
        return None
    return {
        "coverage": frontier["coverage"],
        "rows": [
            {
                "n_hidden": row["n_hidden"],
                "accuracy": row["accuracy"],
                **{
                    cost: {
                        k: pc.get(k)
                        for k in (
                            "raven_cost",
                            "dnn_cost",
                            "dnn_family",
                            "dnn_width",
                            "ratio",
                            "ratio_status",
                            "verdict",
                        )
                    }
                    for cost, pc in row["per_cost"].items()
                },
            }
            for row in frontier["rows"]
        ],
    }


def frontier_plot(run: Path, frontier: dict) -> str:
    """Plot accuracy against each cost: every DNN family's runs and Raven's sizes.

    Parameters
    ----------
    run : pathlib.Path
        The run folder the figure is written into.
    frontier : dict
        The accuracy-cost frontier (``raven.compare.frontier.frontier_comparison``).

    Returns
    -------
    str
        File name of the figure (``frontier.png``).
    """
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    families = sorted({p["family"] for p in frontier["dnn"]})
    markers = "os^vDP<>"
    for ax, (cost, (_, label)) in zip(axes.flat, FRONTIER_COSTS.items(), strict=True):
        for fam, marker in zip(families, markers * len(families), strict=False):
            pts = sorted((p[cost], p["accuracy"]) for p in frontier["dnn"] if p["family"] == fam)
            pts = [p for p in pts if p[0]]
            if pts:
                ax.semilogx(*zip(*pts, strict=True), marker + "-", ms=4, label=fam, alpha=0.8)
        # Raven's points in size order: the curve its hidden-layer size traces.
        raven = [(p[cost], p["accuracy"], p["n_hidden"]) for p in frontier["raven"] if p[cost]]
        matched = [
            (row["per_cost"][cost]["dnn_cost"], row["accuracy"])
            for row in frontier["rows"]
            if row["per_cost"][cost].get("dnn_cost")
        ]
        if matched:
            ax.semilogx(
                *zip(*matched, strict=True), "rx", ms=8, label="cheapest DNN at Raven's accuracy"
            )
        if raven:
            ax.semilogx([r[0] for r in raven], [r[1] for r in raven], "k*-", ms=10, label="Raven")
            for x, y, n in raven:
                ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short spans
        unit = _UNITS[cost]
        ax.set_xlabel(label + (f" ({unit})" if unit else ""), fontsize=8)
        ax.set_ylabel("test accuracy", fontsize=8)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Accuracy-cost frontiers (Raven points labelled by n_hidden)", fontsize=9)
    return save_figure(fig, run, "frontier.png")


# -- retention ----------------------------------------------------------------------------------


def retention(evaluations: Sequence[dict]) -> list[dict]:
    """Test accuracy at every evaluation time, with and without drift compensation.

    Parameters
    ----------
    evaluations : sequence of dict
        The run's evaluations (``t_after_s``, ``drift_compensation``, ``accuracy``).

    Returns
    -------
    list of dict
        Per time, rising: ``t_after_s``, ``after`` (in words), ``compensated`` and
        ``uncompensated`` accuracies (where evaluated).
    """
    times = sorted({e["t_after_s"] for e in evaluations})
    out = []
    for t in times:
        row = {"t_after_s": t, "after": duration(t)}
        for e in evaluations:
            if e["t_after_s"] == t:
                key = "compensated" if e["drift_compensation"] else "uncompensated"
                row[key] = e["accuracy"]
        out.append(row)
    return out


def retention_lines(evaluations: Sequence[dict]) -> list[str]:
    """The report's retention section: test accuracy after training at each time, with and
    without drift compensation, and how much it changed.

    Parameters
    ----------
    evaluations : sequence of dict
        The run's evaluations (``retention``).

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    rows = retention(evaluations)
    lines = [
        *section("Retention: test accuracy after training"),
        "The trained chip is left alone (its PCM conductances drift) and tested at each time"
        " after training, with drift compensation (a global gain per column from reference"
        " reads) and without.",
        "",
        *table(
            ("time after training", "seconds", "with compensation", "without compensation"),
            (
                (
                    r["after"],
                    f"{r['t_after_s']:g}",
                    cell(r.get("compensated"), ".3f"),
                    cell(r.get("uncompensated"), ".3f"),
                )
                for r in rows
            ),
        ),
    ]
    first, last = rows[0], rows[-1]
    if len(rows) > 1:
        changes = [
            f"{(last[k] - first[k]):+.3f} {words}"
            for k, words in (
                ("compensated", "with compensation"),
                ("uncompensated", "without"),
            )
            if first.get(k) is not None and last.get(k) is not None
        ]
        if changes:
            lines += [
                "",
                f"From {first['after']} to {last['after']} after training the accuracy"
                f" changes by {' and '.join(changes)}.",
            ]
    return lines


# -- throughput and wall time -------------------------------------------------------------------

_STEPS = {
    "data": "data (download check, configuration)",
    "training": "on-chip training, main size",
    "evaluation": "evaluations of the main size (every time, with and without compensation)",
    "other_sizes": "other sizes (training and one evaluation each)",
    "software_ceiling": "software ceiling",
    "baselines": "DNN baselines",
    "ceiling_and_baselines": "software ceiling and DNN baselines (side by side)",
    "comparison": "comparison",
    "total": "total (before writing the report)",
}


def throughput(
    training: dict,
    evaluations: Sequence[dict],
    n_hidden: int | None = None,
    sizes: Sequence[dict] = (),
    wall_time_s: dict | None = None,
) -> dict:
    """On-chip training and inference throughput of every size (clips/s).

    Parameters
    ----------
    training : dict
        The main run's training record (``clips_per_s``, ``wall_time_s``).
    evaluations : sequence of dict
        The main run's evaluations; the first's ``clips_per_s`` is read.
    n_hidden : int or None
        Hidden neurons of the main run.
    sizes : sequence of dict
        The other sizes (``n_hidden``, ``training``, ``evaluation``).
    wall_time_s : dict or None
        Wall time of each step of the run (s).

    Returns
    -------
    dict
        ``sizes`` (the main size first: training and inference clips per second, training
        wall time) and the run's ``wall_time_s``.
    """
    tr, first = training, evaluations[0]
    rows = [
        {
            "n_hidden": n_hidden,
            "main": True,
            "training_clips_per_s": tr["clips_per_s"],
            "training_wall_time_s": tr["wall_time_s"],
            "inference_clips_per_s": first.get("clips_per_s"),
        }
    ]
    for s in sizes:
        rows.append(
            {
                "n_hidden": s["n_hidden"],
                "main": False,
                "training_clips_per_s": s["training"]["clips_per_s"],
                "training_wall_time_s": s["training"]["wall_time_s"],
                "inference_clips_per_s": s["evaluation"].get("clips_per_s"),
            }
        )
    return {"sizes": rows, "wall_time_s": wall_time_s}


def throughput_lines(t: dict) -> list[str]:
    """The report's throughput and wall-time section.

    Parameters
    ----------
    t : dict
        The throughput record (``throughput``).

    Returns
    -------
    list of str
        Markdown lines of the report.
    """
    lines = [
        *section("Throughput and wall time"),
        *table(
            ("n_hidden", "training clips/s", "training wall time", "inference clips/s"),
            (
                (
                    f"{s['n_hidden']} (main)" if s["main"] else s["n_hidden"],
                    f"{s['training_clips_per_s']:.0f}",
                    f"{s['training_wall_time_s']:.1f} s",
                    cell(s["inference_clips_per_s"], ".0f"),
                )
                for s in t["sizes"]
            ),
        ),
    ]
    wall = t["wall_time_s"]
    if wall:
        lines += [
            "",
            "Wall time of this invocation (a step whose results already existed only loads"
            " them; the training wall times above are over all sessions):",
            "",
            *table(
                ("step", "seconds"),
                ((_STEPS.get(step, step), f"{seconds:.1f}") for step, seconds in wall.items()),
            ),
        ]
    return lines
