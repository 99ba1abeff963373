"""Pieces shared by the writers of the run report: markdown section headings, tables and
their cells, and the writing of a figure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def caution_lines(caution: dict | None) -> list[str]:
    """The report's lines for a comparison that may lack wider DNNs (``caution``: a record
    of ``experiments.baselines.untrained_caution``, or None).

    Parameters
    ----------
    caution : dict or None
        ``accuracy``, ``families`` ({family: untrained widths}) and ``note``.

    Returns
    -------
    list of str
        A caution paragraph and a blank line, or nothing.
    """
    if not caution:
        return []
    families = ", ".join(f"{f} (untrained widths {w})" for f, w in caution["families"].items())
    return [f"Caution, at accuracy {caution['accuracy']:.3f}: {families}: {caution['note']}.", ""]


def budget_lines(budget: dict | None) -> list[str]:
    """The accuracy-loss budget as markdown (``experiments.budget.run_budget``'s record).

    Parameters
    ----------
    budget : dict or None
        ``rows`` of ``label``, ``accuracy`` and ``loss`` (None for the first row).

    Returns
    -------
    list of str
        A table, or nothing without a budget.
    """
    if not budget:
        return []
    lines = ["| link | test accuracy | loss |", "|---|---|---|"]
    for row in budget["rows"]:
        loss = row.get("loss")
        loss_text = "" if loss is None else f"{loss:+.3f}"
        lines.append(f"| {row['label']} | {row['accuracy']:.3f} | {loss_text} |")
    return [*lines, ""]


def seed_lines(seeds: dict | None) -> list[str]:
    """The chip's accuracy over seeds as markdown (``experiments.seeds.run_seeds``'s record).

    Parameters
    ----------
    seeds : dict or None
        ``seeds`` (per-seed records) and the ``test`` and ``validation`` summaries.

    Returns
    -------
    list of str
        A section with one row per seed and the mean and spread, or nothing.
    """
    if not seeds:
        return []
    lines = section("Accuracy over seeds (test split, 1 s after training)")
    lines += ["| seed | validation | test |", "|---|---|---|"]
    for r in seeds["seeds"]:
        lines.append(
            f"| {r['seed']} | {cell(r['validation_accuracy'], '.3f')} | {r['test_accuracy']:.3f} |"
        )
    for name in ("validation", "test"):
        s = seeds.get(name)
        if s:
            lines += [
                "",
                f"{name}: mean **{s['mean']:.3f}**, standard deviation {s['std']:.3f}"
                f" (min {s['min']:.3f}, max {s['max']:.3f}, {s['n']} seeds)",
            ]
    return [*lines, ""]


def section(title: str) -> list[str]:
    """The lines that open a report section: a blank line, ``## title``, a blank line.

    Parameters
    ----------
    title : str
        The section's heading.

    Returns
    -------
    list of str
        Three lines.
    """
    return ["", f"## {title}", ""]


def table(columns: Sequence[str], rows: Iterable[Sequence] = ()) -> list[str]:
    """A markdown table: the header, its rule and one line per row.

    Parameters
    ----------
    columns : sequence of str
        Column headings.
    rows : iterable of sequences
        The cells of each row: text, or values written as ``str`` writes them.

    Returns
    -------
    list of str
        ``| a | b |``, ``|---|---|`` and the rows' lines.
    """
    return [_line(columns), "|" + "---|" * len(columns), *(_line(row) for row in rows)]


def cell(value: float | None, spec: str) -> str:
    """A number formatted with ``spec`` (``".3f"``); an empty cell for None.

    Parameters
    ----------
    value : float or None
        The number.
    spec : str
        A format specification.

    Returns
    -------
    str
        The cell's text.
    """
    return "" if value is None else format(value, spec)


def save_figure(fig, run: Path, name: str) -> str:
    """Lay ``fig`` out, write it into the run folder at 120 dpi and close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    run : pathlib.Path
        The run folder.
    name : str
        The file's name (``frontier.png``).

    Returns
    -------
    str
        ``name``, as the report links it.
    """
    fig.tight_layout()
    fig.savefig(run / name, dpi=120)
    plt.close(fig)
    return name


def _line(cells: Sequence) -> str:
    return "| " + " | ".join(map(str, cells)) + " |"
