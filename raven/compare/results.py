"""Typed results of the comparison with the DNN baselines: the iso-accuracy comparison
(``comparison.iso_accuracy``) and training at equal accuracy (``comparison.fair_training``).
``to_dict`` gives the records ``report.json`` has always held; ``from_dict`` reads one
back. The per-cost details stay records (their keys depend on what was found)."""

from __future__ import annotations

from dataclasses import dataclass

from .._util.records import JsonRecord

# Each cost compared (a DNN result's field) and the ratio it gives.
RATIO_NAMES = {
    "inference_macs": "inference_ops_ratio",
    "training_macs_total": "training_ops_ratio",
    "inference_energy_J": "inference_energy_ratio",
    "training_energy_total_J": "training_energy_ratio",
}


@dataclass(frozen=True, slots=True)
class ComparisonResult(JsonRecord):
    """Raven against the DNN sweep at Raven's accuracy: the ratios DNN / Raven of each cost,
    the DNN side the cheapest family there.

    Attributes
    ----------
    accuracy : float
        Raven's test accuracy, the accuracy compared at.
    per_cost : dict of str to dict
        Per cost of ``RATIO_NAMES``: ``dnn_cost``, ``raven_cost``, ``family``, ``status``
        (``"interpolated"`` or ``"below_all"``) and ``note``; or ``status``
        ``"above_all_baselines"`` and ``note`` when no baseline reaches the accuracy.
    inference_ops_ratio : float or None
        DNN inference MACs / Raven's inference operations; None: no baseline reaches it.
    training_ops_ratio : float or None
        DNN training MACs / Raven's training operations, whole runs.
    inference_energy_ratio : float or None
        DNN inference energy / Raven's.
    training_energy_ratio : float or None
        DNN training energy / Raven's, whole runs.
    best_dnn : dict
        The most accurate baseline: ``family``, ``width``, ``test_accuracy``,
        ``inference_macs``, ``parameters``, ``inference_energy_J``.
    untrained_widths_above : dict or None
        The caution of ``experiments.baselines.untrained_caution`` (``accuracy``,
        ``families``, ``note``); None: no family concerned.
    raven : dict or None
        Raven's side: ``accuracy``, ``inference_ops``, ``training_ops_total``,
        ``inference_energy_J``, ``training_energy_total_J``.
    definitions : dict of str to str or None
        What each cost counts on each side.
    """

    accuracy: float
    per_cost: dict[str, dict]
    inference_ops_ratio: float | None
    training_ops_ratio: float | None
    inference_energy_ratio: float | None
    training_energy_ratio: float | None
    best_dnn: dict
    untrained_widths_above: dict | None = None
    raven: dict | None = None
    definitions: dict[str, str] | None = None

    def ratio(self, cost: str) -> float | None:
        """The ratio DNN / Raven of one cost.

        Parameters
        ----------
        cost : str
            A key of ``RATIO_NAMES``.

        Returns
        -------
        float or None
            The ratio; None when no baseline reaches Raven's accuracy.
        """
        return getattr(self, RATIO_NAMES[cost])


@dataclass(frozen=True, slots=True)
class FairTrainingResult(JsonRecord):
    """Training ratios DNN / Raven at equal accuracy, every run charged on its validation
    curve only up to the accuracy compared.

    Attributes
    ----------
    accuracy : float
        Raven's test accuracy.
    validation_accuracy : float
        The accuracy both sides are charged up to: Raven's final validation accuracy (its
        test accuracy without a validation curve).
    per_cost : dict of str to dict
        Per cost of ``comparison.CURVE_COSTS``: Raven's ``raven_cost``, ``raven_status``,
        ``raven_epoch`` and ``raven_cost_per_sample``, the cheapest DNN run's
        (``comparison.training_at_accuracy``), the ``ratio`` and its ``ratio_status``.
    """

    accuracy: float
    validation_accuracy: float
    per_cost: dict[str, dict]
