"""The accuracy-loss budget: how good must the device be?

The same network, data and seed are trained on chip along a chain of devices, each link
adding one non-ideality of the configured preset (``devices.pcm.idealised``), and each is
read on the test split at the first evaluation time:

1. e-prop on ideal, fine steps (1/16 of the device's step, no noise, no state dependence,
   ideal conversion): close to float e-prop, with the weights held in the conductance range;
2. ideal pulses: the same at the device's own step (the accumulate-and-fire threshold);
3. + cycle-to-cycle pulse noise;
4. + the state-dependent step, programming noise and device-to-device spread: the full
   pulse model;
5. + read noise and the column ADCs;
6. + drift: the chip itself (the main run), read at every evaluation time.

Above the chain stands the software ceiling (the same architecture in float, trained by
BPTT). Each link's loss is its accuracy minus the link before; the links train into
``runs/<name>/budget-<k>/`` (reused when finished, resumed when interrupted).

``python -m experiments.budget --data DIR [--config FILE] [--name NAME]`` runs the chain for
any configuration (for example another ``[device] preset``) and prints its table.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from raven._util.atomic import atomic_write
from raven.chip.architecture import architecture_of
from raven.config.tables import RavenConfig, load_config
from raven.report.parts import budget_lines

from .sizes import run_size

# The fine steps of the first link, as a fraction of the device's step; the pulse budget
# per update grows by the inverse, so that a link can change a weight as much per update.
FINE_STEP_FRACTION = 1 / 16


@dataclass(frozen=True)
class BudgetLink:
    """One link of the chain: the device settings that differ from the configured ones.

    Attributes
    ----------
    key : str
        Short name (the link's folder is ``budget-<index>-<key>``).
    label : str
        What the link adds, for the report.
    device : dict
        ``[device]`` settings of the link.
    ideal_adc : bool
        Columns converted ideally (``[temporal] adc_bits = 0``).
    fine_steps : bool
        Steps of ``FINE_STEP_FRACTION`` of the device's step.
    """

    key: str
    label: str
    device: dict
    ideal_adc: bool = True
    fine_steps: bool = False


_IDEAL = {
    "programming_noise": False,
    "pulse_noise": False,
    "state_dependent_step": False,
    "variability": False,
    "read_noise": False,
    "drift": False,
}
LINKS = (
    BudgetLink(
        "fine",
        "e-prop on ideal fine steps (1/16 step, weight range clip)",
        _IDEAL | {"step_fraction": FINE_STEP_FRACTION},
        fine_steps=True,
    ),
    BudgetLink("pulses", "ideal pulses at the device step", _IDEAL),
    BudgetLink("c2c", "+ cycle-to-cycle pulse noise", _IDEAL | {"pulse_noise": True}),
    BudgetLink(
        "step",
        "+ state-dependent step, programming noise, device-to-device spread",
        _IDEAL
        | {
            "pulse_noise": True,
            "state_dependent_step": True,
            "programming_noise": True,
            "variability": True,
        },
    ),
    BudgetLink(
        "read",
        "+ read noise and column ADCs",
        {"read_noise": True, "drift": False},
        ideal_adc=False,
    ),
)


def link_config(cfg: RavenConfig, link: BudgetLink) -> RavenConfig:
    """``cfg`` with the device settings of ``link`` (everything else as configured).

    Parameters
    ----------
    cfg : RavenConfig
        The run's configuration (temporal architecture).
    link : BudgetLink
        The link.

    Returns
    -------
    RavenConfig
    """
    # A link switches a non-ideality on only where the configuration has it on, so that the
    # chain stays nested for any configuration (a switch off in cfg stays off).
    switches = {
        k: (v and getattr(cfg.device, k)) if isinstance(v, bool) else v
        for k, v in link.device.items()
    }
    device = dataclasses.replace(cfg.device, **({"step_fraction": 1.0} | switches))
    temporal = cfg.temporal
    if link.ideal_adc:
        temporal = dataclasses.replace(temporal, adc_bits=0)
    learning = cfg.learning
    if link.fine_steps:  # the same change per update in steps 1/FINE_STEP_FRACTION as fine
        epsilon = learning.epsilon_uS
        learning = dataclasses.replace(
            learning,
            max_pulses=round(learning.max_pulses / FINE_STEP_FRACTION),
            epsilon_uS=None if epsilon is None else epsilon * FINE_STEP_FRACTION,
        )
    return dataclasses.replace(cfg, device=device, temporal=temporal, learning=learning)


def run_budget(
    cfg: RavenConfig,
    data: Path,
    run: Path,
    cache_dir: Path,
    chip_accuracy_after: dict[str, float],
    ceiling_test_accuracy: float | None = None,
) -> dict:
    """Train and read every link of the chain; the chip's own accuracies close it.

    Parameters
    ----------
    cfg : RavenConfig
        The main run's configuration.
    data : pathlib.Path
        The dataset folder.
    run : pathlib.Path
        The main run's folder (links train into ``budget-<k>-<key>/`` in it).
    cache_dir : pathlib.Path
        Feature cache.
    chip_accuracy_after : dict
        The main chip's compensated test accuracy by evaluation time (s).
    ceiling_test_accuracy : float, optional
        The software ceiling's test accuracy (float BPTT), the chain's first row.

    Returns
    -------
    dict
        ``rows``: one per link (``label``, ``accuracy``, ``loss`` against the row before,
        ``t_after_s``), and ``definitions``.
    """
    if architecture_of(cfg).rule_name(cfg) != "eprop":
        raise ValueError(
            "the accuracy-loss budget is defined for the temporal architecture (e-prop);"
            f" the configuration's architecture is {cfg.architecture!r}"
        )
    t_first = cfg.training.eval_times_s[0]
    rows = []
    if ceiling_test_accuracy is not None:
        rows.append({"key": "ceiling", "label": "float BPTT (software ceiling)"})
        rows[-1]["accuracy"] = float(ceiling_test_accuracy)
    for k, link in enumerate(LINKS, start=1):
        folder = run / f"budget-{k}-{link.key}"
        result = run_size(link_config(cfg, link), data, folder, cache_dir)
        rows.append(
            {
                "key": link.key,
                "label": link.label,
                "accuracy": result["evaluation"]["accuracy"],
                "t_after_s": t_first,
            }
        )
    for t_after, accuracy in chip_accuracy_after.items():
        rows.append(
            {
                "key": f"drift@{t_after:g}s",
                "label": f"+ drift (the chip), read {t_after:g} s after training",
                "accuracy": float(accuracy),
                "t_after_s": float(t_after),
            }
        )
    rows[0]["loss"] = None
    for before, row in itertools.pairwise(rows):
        row["loss"] = before["accuracy"] - row["accuracy"]
    # drift rows are each measured against the chip read without drift (the "read" link)
    read_row = next((r for r in rows if r["key"] == "read"), None)
    for row in rows:
        if row["key"].startswith("drift@") and read_row is not None:
            row["loss"] = read_row["accuracy"] - row["accuracy"]
    return {
        "rows": rows,
        "definitions": {
            "accuracy": "test split, drift-compensated, at t_after_s after training",
            "loss": "accuracy of the row before minus this row's (drift rows: against the"
            " 'read noise and ADC' row)",
            "preset": cfg.device.preset,
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run the chain for a configuration and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="dataset folder")
    parser.add_argument("--config", type=Path, help="TOML configuration")
    parser.add_argument("--name", default="budget", help="links train into runs/<name>/")
    parser.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        run = Path("runs") / args.name
        chip = run_size(cfg, args.data, run / "chip", args.cache_dir)
        budget = run_budget(
            cfg,
            args.data,
            run,
            args.cache_dir,
            {cfg.training.eval_times_s[0]: chip["evaluation"]["accuracy"]},
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    atomic_write(run / "budget.json", json.dumps(budget, indent=2, default=float))
    print("\n".join(budget_lines(budget)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
