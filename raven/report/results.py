"""The typed record of a run's report: what ``make run-kws`` (``experiments.run_kws``)
measured and compared, which ``report.write_report`` writes out. ``to_dict`` is the
``report.json`` the run has always written; ``from_dict`` reads one back.

The baselines and the comparisons are typed (``BaselineResult``, ``ComparisonResult``,
``FairTrainingResult``); the parts typed or shaped elsewhere stay the records they are
written as: the training and evaluation records of the run folder (``raven.runs``), ledger
summaries, the frontier (``raven.compare.frontier``), the energy model, the budget, the
seeds and the other sizes (``experiments``)."""

from __future__ import annotations

from dataclasses import dataclass

from .._util.records import check_record, record_of
from ..baseline.results import BaselineResult
from ..compare.results import ComparisonResult, FairTrainingResult


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """A run's report. Fields are in the order of ``report.json``; the optional ones
    (default None) are left out of it while None.

    Attributes
    ----------
    data : str
        The dataset folder.
    task : str
        The task (``"12"``, ``"35"`` or ``"folder"``).
    device_preset : str
        The PCM device preset.
    architecture : str or None
        The chip's architecture (``"temporal"`` or ``"static"``).
    rule : str
        The learning rule.
    n_hidden : int or None
        Hidden neurons of the main run.
    config : dict or None
        The run's configuration (``RavenConfig.as_dict``).
    training : dict
        The training record (``training.json``) with its priced ``ledger`` summary.
    evaluations : tuple of dict
        The evaluation records, the first (1 s after training, compensated) the one
        compared; each with its priced ``ledger``.
    sizes : tuple of dict or None
        The other sizes of the accuracy-cost curve (``experiments.sizes.run_sizes``).
    seeds : dict or None
        Accuracy over seeds (``experiments.seeds.run_seeds``).
    footprint : dict
        ``synapses``, ``pcm_devices`` and ``bytes`` of the chip.
    calibration : tuple of dict or None
        The ledger against silicon (``raven.accounting.calibration.calibration_report``).
    audio : dict
        What the audio reader did over the training and test clips.
    iso_accuracy_skipped : str or None
        Why there is no comparison (written as ``iso_accuracy``'s ``status``).
    software_ceiling : BaselineResult or None
        Raven's network with float weights, trained off chip.
    baselines : tuple of BaselineResult or None
        The DNN sweep, re-priced under the one memory model and scored in the chip's
        state rule.
    budget : dict or None
        The accuracy-loss budget (``experiments.budget.run_budget``).
    iso_accuracy : ComparisonResult or None
        Raven against the DNN sweep at Raven's accuracy.
    fair_training : FairTrainingResult or None
        Training at equal accuracy.
    frontier : dict or None
        Raven's sizes against the DNN families (``raven.compare.frontier``).
    energy_model : dict or None
        The one memory model's sections (``experiments.baselines.energy_model``).
    pcm_macro_check : dict or None
        The ledger's price of a published PCM macro's operation.
    neurobench : tuple of dict or None
        NeuroBench-style rows of Raven, the baselines and the published context.
    wall_time_s : dict of str to float or None
        Wall time of each step of the run (s), and ``total``.
    plots : dict of str to str or None
        File name of each figure (``write_report`` fills it in).
    throughput : dict or None
        Clips per second of every size (``write_report`` fills it in).

    Raises
    ------
    ValueError
        Both ``iso_accuracy`` and ``iso_accuracy_skipped``.
    """

    data: str
    task: str
    device_preset: str
    architecture: str | None = None
    rule: str
    n_hidden: int | None = None
    config: dict | None = None
    training: dict
    evaluations: tuple[dict, ...]
    sizes: tuple[dict, ...] | None = None
    seeds: dict | None = None
    footprint: dict
    calibration: tuple[dict, ...] | None = None
    audio: dict
    iso_accuracy_skipped: str | None = None
    software_ceiling: BaselineResult | None = None
    baselines: tuple[BaselineResult, ...] | None = None
    budget: dict | None = None
    iso_accuracy: ComparisonResult | None = None
    fair_training: FairTrainingResult | None = None
    frontier: dict | None = None
    energy_model: dict | None = None
    pcm_macro_check: dict | None = None
    neurobench: tuple[dict, ...] | None = None
    wall_time_s: dict[str, float] | None = None
    plots: dict[str, str] | None = None
    throughput: dict | None = None

    def __post_init__(self) -> None:
        if self.iso_accuracy is not None and self.iso_accuracy_skipped is not None:
            raise ValueError(
                "RunReport: iso_accuracy and iso_accuracy_skipped are both set; a skipped"
                " comparison has no result"
            )

    @property
    def first_evaluation(self) -> dict:
        """The evaluation compared: the first (1 s after training, compensated)."""
        return self.evaluations[0]

    def to_dict(self) -> dict:
        """The report as ``report.json`` holds it.

        Returns
        -------
        dict
            Every field set, in order, the typed ones as their records; a skipped
            comparison as ``iso_accuracy``: ``{"status": ...}`` where it was recorded.
        """
        out = {}
        for key, value in record_of(self).items():
            if key == "iso_accuracy_skipped":
                out["iso_accuracy"] = {"status": value}
            elif key == "baselines":
                out[key] = [b.to_dict() for b in value]
            elif key in ("software_ceiling", "iso_accuracy", "fair_training"):
                out[key] = value.to_dict()
            else:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, record: dict) -> RunReport:
        """The report of a ``report.json`` record.

        Parameters
        ----------
        record : dict
            The record.

        Returns
        -------
        RunReport

        Raises
        ------
        ValueError
            A field missing or a key that is no field, named (in the report or in one of
            its typed parts).
        """
        values = dict(record)
        if "iso_accuracy_skipped" in values:
            # A skipped comparison is written as iso_accuracy: {"status": ...}, never so.
            raise ValueError(
                "RunReport: unknown field(s) 'iso_accuracy_skipped'; a skipped comparison is"
                " read from iso_accuracy's status"
            )
        iso = values.get("iso_accuracy")
        if isinstance(iso, dict) and set(iso) == {"status"}:
            values["iso_accuracy_skipped"] = values.pop("iso_accuracy")["status"]
        values = check_record(cls, values)
        if not values["evaluations"]:
            raise ValueError("RunReport: evaluations is empty; expected at least one")
        for key, parse in (
            ("software_ceiling", BaselineResult.from_dict),
            ("iso_accuracy", ComparisonResult.from_dict),
            ("fair_training", FairTrainingResult.from_dict),
        ):
            if values.get(key) is not None:
                values[key] = parse(values[key])
        if values.get("baselines") is not None:
            values["baselines"] = tuple(BaselineResult.from_dict(b) for b in values["baselines"])
        for key in ("evaluations", "sizes", "calibration", "neurobench"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)
