"""The energy budget of a comparison: every memory of each side, where the energy goes,
and which pricing assumption moves the verdict (before and after the one memory model,
the added periphery costs, static power and retention). No torch needed.

Inputs are priced ledger summaries (``Ledger.summary``): Raven's, as priced now and with
``legacy=True`` (without the column integrators and random draws), and each DNN run's
``memory_model`` summaries plus its ``pricing_before`` (the flat per-clip formulas of
``raven.baseline.counting``: weights read once per clip at the 8 KB SRAM price, no
activations, no control).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..accounting.duty import OPERATING_POINTS, energy_at_period
from ..baseline.results import BaselineResult
from .comparison import interpolated_cost
from .duty_cycle import PERSISTENT

_MEM = "memory:"
# Groups of "where the energy goes" (ledger kinds -> group); memories are their own rows.
GROUPS = {
    "converters and drivers": (
        "row_activations",
        "dac_conversion_bits",
        "column_reads",
        "column_integrations",
        "adc_conversions",
    ),
    "PCM devices": (
        "cell_reads",
        "verify_reads",
        "set_pulses",
        "reset_pulses",
        "program_pulses",
    ),
    "arithmetic": (
        "int8_macs",
        "digital_macs",
        "digital_adds",
        "partial_sum_adds",
        "accumulator_updates",
        "neuron_updates",
        "analog_neuron_updates",
    ),
    "spikes, encoder and control": (
        "input_spikes",
        "spikes_routed",
        "random_draws",
        "time_steps",
    ),
}


def memory_table(summary: dict) -> list[dict]:
    """Every memory of a priced summary: words, width, size, accesses and energy per clip.

    Parameters
    ----------
    summary : dict
        A ``Ledger.summary``.

    Returns
    -------
    list of dict
        ``memory``, ``words``, ``word_bits``, ``size_bytes``, ``retained``,
        ``reads_per_clip``, ``writes_per_clip``, ``energy_per_clip_J``.
    """
    per = summary["counts_per_clip"]
    breakdown = summary["energy_breakdown_per_clip_J"]
    rows = []
    for name, m in summary.get("memories", {}).items():
        reads = per.get(f"{_MEM}{name}:reads", 0.0)
        writes = per.get(f"{_MEM}{name}:writes", 0.0)
        if name == "accumulators":  # each update reads and writes its word
            reads += per.get("accumulator_updates", 0.0)
            writes += per.get("accumulator_updates", 0.0)
        rows.append(
            {
                "memory": name,
                "words": m["words"],
                "word_bits": m["word_bits"],
                "size_bytes": m["size_bytes"],
                "retained": m["retained"],
                "reads_per_clip": reads,
                "writes_per_clip": writes,
                "energy_per_clip_J": breakdown.get(f"{_MEM}{name}", 0.0),
            }
        )
    return rows


def grouped(summary: dict) -> dict[str, float]:
    """The summary's dynamic energy per clip by group (``GROUPS``, each memory apart, the
    front end apart), in J.

    Parameters
    ----------
    summary : dict
        A ``Ledger.summary``.

    Returns
    -------
    dict of str to float
        Energy per clip, J, by group; groups of zero energy are left out.
    """
    breakdown = summary["energy_breakdown_per_clip_J"]
    out = {group: sum(breakdown.get(k, 0.0) for k in kinds) for group, kinds in GROUPS.items()}
    for k, v in breakdown.items():
        if k.startswith(_MEM):
            out[k] = v
    out["front end (MFCC)"] = breakdown.get("frontend_ops", 0.0)
    return {k: v for k, v in out.items() if v}


def legacy_dnn_groups(b: BaselineResult) -> dict[str, float]:
    """A DNN run's inference energy as the flat pricing had it: arithmetic and one read of
    every weight per clip.

    Parameters
    ----------
    b : BaselineResult
        A baseline result with ``pricing_before``.

    Returns
    -------
    dict of str to float
        Energy per clip, J: ``arithmetic`` and ``memory:weights``.
    """
    before = b.pricing_before
    return {
        "arithmetic": before["inference_arithmetic_J"],
        "memory:weights": before["inference_energy_J"] - before["inference_arithmetic_J"],
    }


def _network(summary: dict) -> float:
    front = summary["energy_breakdown_per_clip_J"].get("frontend_ops", 0.0)
    return summary["dynamic_energy_per_clip_J"] - front


def _cheapest(baselines: list[BaselineResult], accuracy: float, cost) -> dict | None:
    best = None
    for fam in sorted({b.family for b in baselines}):
        pts = [(b.test_accuracy, cost(b)) for b in baselines if b.family == fam]
        value, status = interpolated_cost(pts, accuracy)
        if value is not None and (best is None or value < best["dnn_J"]):
            best = {"dnn_J": value, "family": fam, "status": status}
    return best


def assumption_budget(
    raven: dict[str, dict],
    raven_legacy: dict[str, dict],
    baselines: Sequence[BaselineResult],
    accuracy: float,
) -> list[dict]:
    """Energy per clip of Raven and of the cheapest DNN at ``accuracy``, and their ratio,
    as each pricing assumption of the comparison is changed in turn (cumulatively): the
    flat DNN pricing and Raven without the added periphery costs (before), the one memory
    model on the DNN side, Raven's added costs, then static power, wake-up and retention on
    both sides at each operating point. Training rows are per training clip.

    Parameters
    ----------
    raven, raven_legacy : dict
        ``{"inference": summary, "training": summary}``: Raven priced now and with
        ``legacy=True``.
    baselines : sequence of BaselineResult
        DNN runs with ``memory_model`` and ``pricing_before``.
    accuracy : float
        The accuracy compared (the DNN cost is interpolated there).

    Returns
    -------
    list of dict
        ``phase``, ``step``, ``raven_J``, ``dnn_J``, ``dnn_family``, ``dnn_status``,
        ``ratio`` (DNN / Raven).
    """
    usable = [b for b in baselines if b.memory_model and b.pricing_before]
    rows = []

    def row(phase, step, raven_J, cost):
        dnn = _cheapest(usable, accuracy, cost) if usable else None
        rows.append(
            {
                "phase": phase,
                "step": step,
                "raven_J": raven_J,
                "dnn_J": dnn and dnn["dnn_J"],
                "dnn_family": dnn and dnn["family"],
                "dnn_status": dnn and dnn["status"],
                "ratio": dnn["dnn_J"] / raven_J if dnn and raven_J else None,
            }
        )

    for phase, before_key in (
        ("inference", "inference_energy_J"),
        ("training", "training_energy_per_sample_J"),
    ):
        old, new = raven_legacy[phase], raven[phase]
        row(
            phase,
            "before: flat DNN pricing, dynamic only",
            _network(old),
            lambda b, k=before_key: b.pricing_before[k],
        )
        row(
            phase,
            "+ one memory model (DNN side)",
            _network(old),
            lambda b, p=phase: _network(b.memory_model[p]),
        )
        row(
            phase,
            "+ column integrators and random draws (Raven)",
            _network(new),
            lambda b, p=phase: _network(b.memory_model[p]),
        )
        mine, theirs = PERSISTENT[phase]
        for label, period in OPERATING_POINTS.items():
            row(
                phase,
                f"+ static power, wake-up and retention, {label}",
                energy_at_period(new, period, mine)["energy_J"],
                lambda b, p=phase, t=period, s=theirs: energy_at_period(b.memory_model[p], t, s)[
                    "energy_J"
                ],
            )
    return rows
