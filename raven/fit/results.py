"""Typed results of the in-memory API (``raven.KeywordSpotter``): the learning curve of a
training, the training as a whole, and one evaluation. Each has ``to_dict()`` with the keys
that ``training.json`` and the evaluation JSON of ``raven evaluate --json`` have always had,
so reports and their readers see the same files."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..accounting.ledger import Ledger, ledger_from_summary


@dataclass(frozen=True, slots=True)
class EpochRecord:
    """One point of the learning curve, taken at the end of an epoch.

    Parameters
    ----------
    epoch : int
        Epochs completed (1 for the first).
    train_accuracy : float
        Fraction of the epoch's training clips classified right by the training forward
        passes (before each batch's update).
    t_s : float
        Device time at the end of the epoch (s).
    ledger_counts : dict of str to float
        Cumulative training events up to the end of the epoch (``raven.accounting.ledger``
        vocabulary), to charge training up to the point where an accuracy is first reached.
    validation_accuracy : float or None
        Accuracy on the validation clips read at ``t_s``; None without validation clips.
    """

    epoch: int
    train_accuracy: float
    t_s: float
    ledger_counts: dict[str, float]
    validation_accuracy: float | None = None

    def to_dict(self) -> dict:
        """The curve entry of ``training.json`` (no ``validation_accuracy`` key without
        validation clips).

        Returns
        -------
        dict
            ``epoch``, ``train_accuracy``, ``t_s``, ``ledger_counts`` and, with validation,
            ``validation_accuracy``.
        """
        out = {
            "epoch": self.epoch,
            "train_accuracy": self.train_accuracy,
            "t_s": self.t_s,
            "ledger_counts": dict(self.ledger_counts),
        }
        if self.validation_accuracy is not None:
            out["validation_accuracy"] = self.validation_accuracy
        return out

    @classmethod
    def from_dict(cls, entry: dict) -> EpochRecord:
        """The record of a curve entry written by ``to_dict`` (or stored in a checkpoint).

        Parameters
        ----------
        entry : dict
            A curve entry.

        Returns
        -------
        EpochRecord
        """
        return cls(
            epoch=int(entry["epoch"]),
            train_accuracy=float(entry["train_accuracy"]),
            t_s=float(entry["t_s"]),
            ledger_counts=dict(entry["ledger_counts"]),
            validation_accuracy=entry.get("validation_accuracy"),
        )


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """A finished on-chip training.

    Parameters
    ----------
    epochs : tuple of EpochRecord
        The learning curve, one record per epoch.
    t_train_end_s : float
        Device time at the end of training (s); evaluations read the chip after it.
    updates : int
        Weight updates (batches) performed.
    training_clips : int
        Training clips seen, over all epochs.
    wall_time_s : float
        Wall-clock time of the training, over every session of a resumed run (s).
    ledger_counts : dict of str to float
        Every training event, cumulative (``raven.accounting.ledger`` vocabulary), including the
        initial programming.
    """

    epochs: tuple[EpochRecord, ...]
    t_train_end_s: float
    updates: int
    training_clips: int
    wall_time_s: float
    ledger_counts: dict[str, float] = field(default_factory=dict)

    @property
    def clips_per_s(self) -> float:
        """Training throughput: clips per second of wall-clock time."""
        return self.ledger_counts.get("clips", 0) / max(self.wall_time_s, 1e-9)

    def to_dict(self) -> dict:
        """The keys of ``training.json`` that describe the training itself (the folder
        path adds the audio reports and the dataset notes).

        Returns
        -------
        dict
            ``curve``, ``t_train_end_s``, ``updates``, ``training_clips``,
            ``wall_time_s``, ``clips_per_s``, ``ledger_counts``.
        """
        return {
            "curve": [e.to_dict() for e in self.epochs],
            "t_train_end_s": self.t_train_end_s,
            "updates": self.updates,
            "training_clips": self.training_clips,
            "wall_time_s": self.wall_time_s,
            "clips_per_s": self.clips_per_s,
            "ledger_counts": dict(self.ledger_counts),
        }


class _LedgerFigure:
    """A read-only attribute of an ``EvaluationResult``: the figure of its ``ledger_summary``
    of the same name."""

    def __init__(self, doc: str):
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, result, owner: type | None = None) -> float:
        return self if result is None else result.ledger_summary[self.name]


_LEDGER_FIGURES = (
    "energy_per_clip_J",
    "power_uW",
    "effective_sops_per_clip",
    "dense_macs_per_clip",
)


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Accuracy and cost of a trained chip on a set of clips, read at one time.

    Parameters
    ----------
    accuracy : float
        Fraction of the clips classified right.
    labels : tuple of str
        Class names; class k of ``confusion`` and ``predictions`` is ``labels[k]``.
    confusion : numpy.ndarray
        (n_classes, n_classes) int64 counts: row the true class, column the prediction.
    predictions : numpy.ndarray
        (n_clips,) int64 predicted class of every clip.
    t_after_s : float
        Device time after the end of training at which the chip was read (s).
    drift_compensation : bool
        Whether global drift compensation was applied.
    ledger_summary : dict
        ``Ledger.summary`` of the inference (default chip profile, power-gated between
        clips): energy per clip and its breakdown, power, operations per clip.
    clips_per_s : float
        Inference throughput of the simulation (wall clock).
    """

    accuracy: float
    labels: tuple[str, ...]
    confusion: np.ndarray
    predictions: np.ndarray
    t_after_s: float
    drift_compensation: bool
    ledger_summary: dict
    clips_per_s: float

    @property
    def n_clips(self) -> int:
        """Clips evaluated."""
        return int(self.confusion.sum())

    @property
    def per_class_accuracy(self) -> dict[str, float | None]:
        """Accuracy of each class by name; None for a class with no clip."""
        out = {}
        for k, name in enumerate(self.labels):
            total = self.confusion[k].sum()
            out[name] = float(self.confusion[k, k] / total) if total else None
        return out

    energy_per_clip_J = _LedgerFigure(
        "Energy per clip (J), static energy over a clip period included."
    )
    power_uW = _LedgerFigure("Power at one clip per clip period (uW).")
    effective_sops_per_clip = _LedgerFigure("Synaptic operations actually performed per clip.")
    dense_macs_per_clip = _LedgerFigure("Dense-equivalent multiply-accumulates per clip.")

    def ledger_figures(self) -> dict[str, float]:
        """The figures of the ledger that are attributes of the evaluation.

        Returns
        -------
        dict
            ``energy_per_clip_J``, ``power_uW``, ``effective_sops_per_clip`` and
            ``dense_macs_per_clip``.
        """
        return {name: self.ledger_summary[name] for name in _LEDGER_FIGURES}

    @property
    def ledger(self) -> Ledger:
        """The inference ledger (counts and declared memories), to price it again with
        another chip profile or duty-cycling assumption."""
        return ledger_from_summary(self.ledger_summary)

    def to_dict(self) -> dict:
        """The evaluation as ``raven evaluate --json`` prints it, without the two keys that
        describe the data folder (``split``, ``audio_report``), which the folder path adds.

        Returns
        -------
        dict
            ``accuracy``, ``n_clips``, ``per_class_accuracy``, ``energy_per_clip_J``,
            ``power_uW``, ``effective_sops_per_clip``, ``dense_macs_per_clip``,
            ``t_after_s``, ``drift_compensation``, ``labels``, ``confusion``, ``ledger``,
            ``clips_per_s``.
        """
        return {
            "accuracy": self.accuracy,
            "n_clips": self.n_clips,
            "per_class_accuracy": self.per_class_accuracy,
            **self.ledger_figures(),
            "t_after_s": self.t_after_s,
            "drift_compensation": self.drift_compensation,
            "labels": list(self.labels),
            "confusion": self.confusion.tolist(),
            "ledger": self.ledger_summary,
            "clips_per_s": self.clips_per_s,
        }
